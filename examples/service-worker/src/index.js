// The service-worker syntax: handlers registered with addEventListener, vars as globals.
addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.pathname === "/later") {
    event.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)).then(() => console.log("later done")));
    return event.respondWith(new Response("accepted", { status: 202 }));
  }
  if (url.pathname === "/async") {
    return event.respondWith((async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new Response(`${GREETING} after a timer`);
    })());
  }
  if (url.pathname === "/none") return; // no respondWith: workerd has no origin to fall back to
  event.respondWith(new Response(`${GREETING} from a service worker at ${url.pathname}`));
});
