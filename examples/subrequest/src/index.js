// Subrequests with fetch(): JSON, pass-through streaming, request bodies, redirects.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const up = env.UPSTREAM;
    switch (pathname) {
      case "/json": {
        const res = await fetch(`${up}/json`);
        const data = await res.json();
        return Response.json({ status: res.status, upstream: data });
      }
      case "/stream":
        // The upstream body is passed through without being read here.
        return fetch(`${up}/stream`);
      case "/echo": {
        const res = await fetch(`${up}/echo`, { method: "POST", body: request.body, headers: { "content-type": "text/plain" } });
        return new Response(await res.text(), { headers: { "x-upstream-method": res.headers.get("x-method") } });
      }
      case "/redirect-follow": {
        const res = await fetch(`${up}/redirect`);
        return Response.json({ status: res.status, redirected: res.redirected, path: new URL(res.url).pathname });
      }
      case "/redirect-manual": {
        const res = await fetch(`${up}/redirect`, { redirect: "manual" });
        return Response.json({ status: res.status, location: res.headers.get("location") });
      }
      case "/status":
        return fetch(`${up}/status/418`);
      case "/refused":
        try {
          await fetch("http://127.0.0.1:1/");
          return new Response("unexpected success", { status: 500 });
        } catch (e) {
          return new Response(`${e.name}`, { status: 502 });
        }
    }
    return new Response("not found", { status: 404 });
  },
};
