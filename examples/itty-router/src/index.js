import { AutoRouter, StatusError, text, json, error } from "itty-router";

// Stamps every response with a header (runs after the route handler).
const withPoweredBy = (response) => {
  if (response instanceof Response) {
    response.headers.set("X-Powered-By", "itty-router");
  }
  return response;
};

// AutoRouter: returned values are turned into JSON responses, unmatched
// routes become a 404 JSON error, and thrown errors become JSON errors.
const router = AutoRouter({
  finally: [withPoweredBy],
});

router
  .get("/", () => text("Hello itty-router!"))
  .get("/json", () => ({ message: "Hello, World!", framework: "itty-router" }))
  .get("/users/:id", ({ id }) => ({ id, name: `user-${id}` }))
  .get("/search", ({ query }) => json({ q: query.q ?? "", page: Number(query.page ?? 1) }))
  .post("/echo", async (request) => {
    let body;
    try {
      body = await request.json();
    } catch {
      throw new StatusError(400, "invalid JSON body");
    }
    return json({ ...body, echoed: true }, { status: 201 });
  })
  .get("/teapot", () => error(418, "I'm a teapot"))
  .all("/admin/*", () => {
    throw new StatusError(403);
  });

export default { ...router };
