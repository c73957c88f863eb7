// fetch() over real HTTP. Go sends the request and follows redirects; the response body stays
// a Go body that JavaScript reads lazily, so that `return fetch(url)` streams through without
// entering JavaScript per chunk. A body JavaScript produces is pumped to Go chunk by chunk, at
// the pace the network takes it.
const { Request } = internal.load("request");
const R = internal.request;
internal.load("response");
const Res = internal.response;
const B = internal.body;
const streams = internal.load("streams") && internal.streams;
const TypeErrorCtor = TypeError, ErrorCtor = Error;

function fetch(input, init = undefined) {
  return fetchVia(undefined, "ServiceWorkerGlobalScope", arguments.length, input, init);
}

// fetchVia is fetch, and a service binding's fetch when via is set: the Go transport of the
// binding then carries the request to the other worker instead of the network.
function fetchVia(via, iface, argc, input, init) {
  return new Promise((resolve, reject) => {
    if (argc === 0) throw new TypeErrorCtor(`Failed to execute 'fetch' on '${iface}': 1 argument required, but only 0 present.`);
    // As in workerd, fetch builds a Request first: its checks apply, and a Request passed in
    // has its body disturbed whatever happens next.
    const req = new Request(input, init);
    const i = req[R.kInit];
    if (!/^https?:/.test(i.url)) throw new TypeErrorCtor(`Fetch API cannot load: ${i.url}`);
    const signal = i.signal;
    if (signal && signal.aborted) throw signal.reason;
    const desc = R.toHost(req);
    let settled = false;
    let response = null;
    let bodyError;
    const id = natives.fetch(desc, (status, statusText, headers, bodyId, url, redirected) => {
      settled = true;
      response = Res.fromHost(status, statusText, headers, bodyId, url, redirected);
      resolve(response);
    }, (kind, message) => {
      settled = true;
      // A request body stream that failed is the cause the worker wants to see.
      if (bodyError !== undefined) reject(bodyError);
      else reject(kind === 0 ? new TypeErrorCtor(message) : new ErrorCtor(message));
    }, via);
    if (signal) {
      // A signal exists only once the events library has loaded, so this costs nothing; a
      // fetch without one does not load it.
      internal.load("events");
      internal.events.onAbort(signal, (reason) => {
        natives.abort(id);
        if (desc[4] === 3) desc[5].cancel(reason).catch(() => {});
        if (!settled) { settled = true; reject(reason); return; }
        if (response) errorBody(response, reason);
      });
    }
    if (desc[4] === 3) pump(desc[5], id, (e) => { bodyError = e; });
  });
}

// errorBody makes the pending and later reads of an aborted subrequest's body fail with the
// abort reason, as workerd's AbortableInputStream does.
function errorBody(response, reason) {
  const b = response[B.kBody];
  if (!b || !b.stream) return;
  const s = b.stream[streams.kState];
  if (s.state === "readable") s.controller.error(reason);
}

// pump copies a request body stream into the Go request, one chunk at a time.
async function pump(reader, id, fail) {
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(await natives.write(id, streams.toBytes(value)))) {
        // The request ended (sent, failed or aborted) before the stream did.
        reader.cancel().catch(() => {});
        return;
      }
    }
    natives.end(id, null);
  } catch (e) {
    fail(e);
    natives.end(id, String(e));
    reader.cancel(e).catch(() => {});
  }
}

return { fetch, fetchVia };
