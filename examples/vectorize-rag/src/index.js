// Retrieval-augmented answers from a Vectorize index: /seed stores the corpus, /ask finds the
// passages nearest to a question and answers with the best one and its sources.
import { documents, questions } from "./corpus.js";

const json = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/seed") {
      const { mutationId } = await env.HANDBOOK.upsert(documents.map((d) => ({
        id: d.id,
        values: d.values,
        namespace: "help-centre",
        metadata: { text: d.text, section: d.section },
      })));
      return json({ seeded: documents.length, mutation: typeof mutationId });
    }
    if (url.pathname === "/ask") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      const vector = questions[q];
      if (!vector) return json({ error: "unknown question", known: Object.keys(questions) }, 400);
      const topK = Number(url.searchParams.get("k") ?? 3);
      let result;
      try {
        result = await env.HANDBOOK.query(vector, { topK, namespace: "help-centre", returnMetadata: "all" });
      } catch (e) {
        return json({ error: e.message }, 503);
      }
      if (result.count === 0) return json({ answer: null, sources: [] });
      const [best] = result.matches;
      return json({
        answer: best.metadata.text,
        sources: result.matches.map((m) => ({ id: m.id, section: m.metadata.section, score: Math.round(m.score * 1000) / 1000 })),
      });
    }
    if (request.method === "DELETE" && url.pathname.startsWith("/docs/")) {
      await env.HANDBOOK.deleteByIds([url.pathname.slice(6)]);
      return json({ deleted: url.pathname.slice(6) });
    }
    if (url.pathname === "/stats") {
      const { dimensions, vectorCount } = await env.HANDBOOK.describe();
      return json({ dimensions, vectorCount });
    }
    return json({ error: "not found" }, 404);
  },
};
