// GET /?model=NAME&n=N embeds N sentences of 32 tokens with one env.AI.run call.
const words = "the quick brown fox jump over lazy dog model vector token text edge worker run fast".split(" ");
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? 1);
    const text = Array.from({ length: n }, (_, i) => Array.from({ length: 30 }, (_, j) => words[(i * 7 + j * (i % 5 + 1)) % words.length]).join(" "));
    const t0 = Date.now();
    const { shape } = await env.AI.run(url.searchParams.get("model"), { text });
    return Response.json({ shape, ms: Date.now() - t0 });
  },
};
