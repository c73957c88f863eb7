// A dependency-free router: a table of routes, each with a path pattern and
// handlers per method. Uses only Web-standard APIs (URL, Response.json,
// request.json()), so it runs unchanged on Cloudflare Workers.

const routes = [
  {
    pattern: "/",
    methods: {
      GET: () => new Response("molt router example\n"),
    },
  },
  {
    pattern: "/users/:id",
    methods: {
      GET: (request, params) => Response.json({ id: params.id }),
    },
  },
  {
    pattern: "/echo",
    methods: {
      POST: async (request) => {
        let body;
        try {
          body = await request.json();
        } catch {
          return Response.json({ error: "invalid JSON body" }, { status: 400 });
        }
        if (body === null || typeof body !== "object" || Array.isArray(body)) {
          return Response.json({ error: "body must be a JSON object" }, { status: 400 });
        }
        return Response.json({ ...body, echoed: true });
      },
    },
  },
];

// match returns the params of pattern against pathname, or null.
function match(pattern, pathname) {
  const want = pattern.split("/");
  const got = pathname.split("/");
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(":")) {
      if (got[i] === "") return null;
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) {
      return null;
    }
  }
  return params;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    for (const route of routes) {
      const params = match(route.pattern, url.pathname);
      if (params === null) continue;
      // HEAD is served by the GET handler; the runtime drops the body.
      const handler =
        route.methods[request.method] ?? (request.method === "HEAD" ? route.methods.GET : undefined);
      if (!handler) {
        const methods = Object.keys(route.methods);
        if (methods.includes("GET")) methods.push("HEAD");
        const allow = methods.join(", ");
        return Response.json(
          { error: "method not allowed", method: request.method, allow },
          { status: 405, headers: { Allow: allow } },
        );
      }
      return handler(request, params);
    }
    return Response.json({ error: "not found", path: url.pathname }, { status: 404 });
  },
};
