import { Hono } from "hono";

const app = new Hono();

// Middleware: stamp every response with a header.
app.use("*", async (c, next) => {
  await next();
  c.header("X-Powered-By", "hono");
});

// With no status or headers set yet, hono's c.text is a plain
// new Response(text), so the content type is the runtime's default
// "text/plain;charset=UTF-8".
app.get("/", (c) => c.text("Hello Hono!"));

// With a status or headers, c.text sets hono's own "text/plain; charset=UTF-8".
app.get("/ping", (c) => c.text("pong", 200, { "Cache-Control": "no-store" }));

// Reads a request header.
app.get("/headers", (c) => c.json({ custom: c.req.header("x-custom") ?? null }));

// A thrown error is turned into a 500 JSON response by app.onError.
app.get("/error", () => {
  throw new Error("boom");
});

// Used by bench/load.sh.
app.get("/json", (c) => c.json({ message: "Hello, World!", framework: "hono" }));

app.get("/users/:id", (c) => {
  const id = c.req.param("id");
  return c.json({ id, name: `user-${id}` });
});

app.post("/echo", async (c) => {
  let body;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ error: "invalid JSON body" }, 400);
  }
  return c.json({ ...body, echoed: true }, 201);
});

app.get("/search", (c) => {
  const q = c.req.query("q") ?? "";
  return c.json({ q, length: q.length });
});

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));

app.onError((err, c) => c.json({ error: err.message }, 500));

export default app;
