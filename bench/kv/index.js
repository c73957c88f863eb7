// The worker of bench/kv.sh: every request reads 10 keys and writes 1, the mix of a
// read-mostly KV workload. /seed writes the 10 keys first.
const KEYS = Array.from({ length: 10 }, (_, i) => "key-" + i);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await Promise.all(KEYS.map((k, i) => env.KV.put(k, JSON.stringify({ i, pad: "x".repeat(100) }))));
      return new Response("seeded");
    }
    let total = 0;
    for (const k of KEYS) {
      const v = await env.KV.get(k);
      if (v === null) return new Response("missing " + k, { status: 500 });
      total += v.length;
    }
    await env.KV.put("hit-" + Math.floor(Math.random() * 1000), String(total));
    return new Response("ok " + total);
  },
};
