// A response whose body is produced over time: each chunk reaches the client as it is enqueued.
const encoder = new TextEncoder();

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const count = Number(url.searchParams.get("n") ?? 5);
    const delay = Number(url.searchParams.get("delay") ?? 10);
    let i = 0;
    const body = new ReadableStream({
      async pull(controller) {
        if (i >= count) {
          controller.close();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        controller.enqueue(encoder.encode(`chunk ${++i}\n`));
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
};
