// A chat that streams the model's reply to the browser token by token. GET / is the page;
// POST /chat takes {messages: [{role, content}...]} and answers with the server-sent events of
// env.AI.run(..., {stream: true}) as they are generated, or, with "stream": false, the whole
// reply as JSON ({response, usage}).
import page from "./page.html";

const MODEL = "@cf/qwen/qwen1.5-0.5b-chat";
const SYSTEM = { role: "system", content: "You are a friendly assistant." };

const json = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/" && request.method === "GET") {
      return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    if (url.pathname !== "/chat") return json({ error: "not found" }, 404);
    if (request.method !== "POST") return json({ error: "POST {messages: [...]} to /chat" }, 405);
    let body;
    try {
      body = await request.json();
    } catch {
      return json({ error: "the body must be JSON: {messages: [{role, content}...]}" }, 400);
    }
    const { messages, stream = true, max_tokens = 32, temperature, seed } = body;
    try {
      const result = await env.AI.run(MODEL, {
        messages: Array.isArray(messages) ? [SYSTEM, ...messages] : messages,
        stream, max_tokens, temperature, seed,
      });
      if (!stream) return json(result);
      // The stream is Workers AI's text/event-stream body: returned as it is, it reaches the
      // browser event by event.
      return new Response(result, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    } catch (e) {
      // InferenceUpstreamError: "5006: ..." for bad inputs, "5021: ..." for a conversation
      // too long for the model's context.
      return json({ error: { name: e.name, message: e.message } }, 500);
    }
  },
};
