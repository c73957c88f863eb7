// Semantic search over a handful of documents: POST /index embeds them all with one
// env.AI.run call and stores the vectors in Vectorize; GET /search?q=... embeds the query and
// returns the nearest documents. GET /similar?a=...&b=... compares two texts without Vectorize.
import docs from "./docs.json";

const MODEL = "@cf/baai/bge-small-en-v1.5";
const json = (body, status = 200) => Response.json(body, { status });
const round = (x) => Math.round(x * 1000) / 1000;

async function embed(env, text, options) {
  return env.AI.run(MODEL, { text, ...options });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (request.method === "POST" && url.pathname === "/index") {
        const { shape, data, pooling } = await embed(env, docs.map((d) => d.text));
        await env.DOCS.upsert(docs.map((d, i) => ({ id: d.id, values: data[i], metadata: { text: d.text } })));
        return json({ indexed: data.length, shape, pooling });
      }
      if (url.pathname === "/search") {
        const q = url.searchParams.get("q");
        if (!q) return json({ error: "give a query: /search?q=..." }, 400);
        const { data } = await embed(env, q);
        const topK = Number(url.searchParams.get("k") ?? 3);
        const { matches } = await env.DOCS.query(data[0], { topK, returnMetadata: "all" });
        return json({ query: q, results: matches.map((m) => ({ id: m.id, score: round(m.score), text: m.metadata.text })) });
      }
      if (url.pathname === "/similar") {
        const a = url.searchParams.get("a") ?? "", b = url.searchParams.get("b") ?? "";
        const pooling = url.searchParams.get("pooling") ?? undefined;
        const res = await embed(env, [a, b], pooling ? { pooling } : {});
        const [x, y] = res.data;
        const cosine = x.reduce((s, v, i) => s + v * y[i], 0);
        return json({ shape: res.shape, pooling: res.pooling, cosine: round(cosine) });
      }
      if (url.pathname === "/run") {
        // Any model and inputs, to show the errors Workers AI raises.
        const { model, inputs } = await request.json();
        return json(await env.AI.run(model, inputs));
      }
    } catch (e) {
      return json({ error: { name: e.name, message: e.message } }, 500);
    }
    return json({ error: "not found" }, 404);
  },
};
