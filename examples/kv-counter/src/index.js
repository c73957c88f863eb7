// A rate-limited hit counter on Workers KV.
//
//   POST /hit/:name   → counts one hit for name; past LIMIT hits within the
//                       sliding window the answer is 429 with Retry-After
//   GET  /count/:name → the total, as JSON
//   GET  /top         → every counter, from one list() reading the totals
//                       kept in key metadata
//
// The window is a key with expirationTtl: it disappears WINDOW seconds after
// the last hit, which KV guarantees to hide at once and purges later.

const LIMIT = 3;
const WINDOW = 60; // seconds; KV's smallest expirationTtl

async function hit(env, name) {
  const window = (await env.COUNTS.get("window:" + name, "json")) ?? { hits: 0 };
  if (window.hits >= LIMIT) {
    return Response.json({ error: "rate limited", limit: LIMIT }, { status: 429, headers: { "Retry-After": String(WINDOW) } });
  }
  window.hits++;
  const total = Number((await env.COUNTS.get("total:" + name)) ?? "0") + 1;
  await Promise.all([
    env.COUNTS.put("window:" + name, JSON.stringify(window), { expirationTtl: WINDOW }),
    env.COUNTS.put("total:" + name, String(total), { metadata: { total } }),
  ]);
  return Response.json({ name, total, remaining: LIMIT - window.hits });
}

export default {
  async fetch(request, env) {
    const parts = new URL(request.url).pathname.split("/").filter(Boolean);
    if (request.method === "POST" && parts[0] === "hit" && parts.length === 2) return hit(env, parts[1]);
    if (request.method === "GET" && parts[0] === "count" && parts.length === 2) {
      const { value, metadata } = await env.COUNTS.getWithMetadata("total:" + parts[1]);
      return Response.json({ name: parts[1], total: value === null ? 0 : metadata.total });
    }
    if (request.method === "GET" && parts[0] === "top" && parts.length === 1) {
      const { keys } = await env.COUNTS.list({ prefix: "total:" });
      const top = keys.map((k) => ({ name: k.name.slice(6), total: k.metadata.total })).sort((a, b) => b.total - a.total);
      return Response.json(top);
    }
    return new Response("not found", { status: 404 });
  },
};
