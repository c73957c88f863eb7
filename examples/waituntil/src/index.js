// Work that goes on after the response: ctx.waitUntil keeps the isolate alive until it settles.
export default {
  async fetch(request, env, ctx) {
    const id = new URL(request.url).searchParams.get("id") ?? "none";
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => {
        console.log(`background work done for ${id}`, { id, ok: true });
      }),
    );
    return new Response(`accepted ${id}`, { status: 202 });
  },
};
