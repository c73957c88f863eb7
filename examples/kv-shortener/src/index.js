// A URL shortener on Workers KV.
//
//   POST /links      body: the URL to shorten  → 201 {code, url, short}
//   GET  /:code      → 302 to the URL, 404 when the code is unknown
//   GET  /links      → every link, with the URL kept as key metadata so that
//                      one list() answers without a get per key
//   DELETE /:code    → 204
//
// Codes come from a counter key. KV allows one write per second to a key and
// is eventually consistent, so a real deployment would derive codes from
// random bytes; a counter keeps this example's output predictable.

const CODE = /^\/([0-9a-z]{1,12})$/;

async function shorten(request, env) {
  const text = (await request.text()).trim();
  let url;
  try {
    url = new URL(text);
  } catch {
    return Response.json({ error: "body must be an absolute URL" }, { status: 400 });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Response.json({ error: "only http and https URLs can be shortened" }, { status: 400 });
  }
  const n = Number((await env.LINKS.get("meta:next")) ?? "0") + 1;
  await env.LINKS.put("meta:next", String(n));
  const code = n.toString(36);
  await env.LINKS.put("link:" + code, url.href, { metadata: { url: url.href } });
  const short = new URL("/" + code, request.url).href;
  return Response.json({ code, url: url.href, short }, { status: 201 });
}

async function links(env) {
  const out = [];
  let cursor;
  do {
    const page = await env.LINKS.list({ prefix: "link:", cursor });
    for (const k of page.keys) out.push({ code: k.name.slice(5), url: k.metadata.url });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return Response.json(out);
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/links") {
      if (request.method === "POST") return shorten(request, env);
      if (request.method === "GET") return links(env);
      return new Response("method not allowed", { status: 405 });
    }
    const m = CODE.exec(pathname);
    if (!m) return new Response("not found", { status: 404 });
    const key = "link:" + m[1];
    if (request.method === "DELETE") {
      await env.LINKS.delete(key);
      return new Response(null, { status: 204 });
    }
    const target = await env.LINKS.get(key, { cacheTtl: 60 });
    if (target === null) return new Response("no such link", { status: 404 });
    return Response.redirect(target, 302);
  },
};
