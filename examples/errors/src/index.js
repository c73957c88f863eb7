// Failure modes and the answers Workers gives for them.
function fail(message) {
  throw new Error(message);
}

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/throw":
        fail("boom");
      case "/reject":
        return Promise.reject(new TypeError("rejected on purpose"));
      case "/cpu":
        for (;;) {}
      case "/not-a-response":
        return { status: 200 };
      case "/never":
        return new Promise(() => {});
      case "/eval":
        return new Response(String(eval("1 + 1")));
      case "/ok":
        return new Response("still serving");
    }
    return new Response("not found", { status: 404 });
  },
};
