// The service-worker syntax: addEventListener("fetch", ...) and FetchEvent. A library of its own,
// loaded when a worker uses those globals, so that module workers, which never do, do not build
// it in every isolate.
// Created by the first addEventListener; a fresh Map is the first use of Map in many isolates,
// which builds its constructor and prototype.
let listeners = null;
const kState = internal.symbol("event state");

class FetchEvent {
  constructor(type, init) {
    this.type = String(type);
    this.request = init && init.request;
    this[kState] = init && init[kState];
  }
  respondWith(response) {
    const s = this[kState];
    if (s.responded) throw new DOMExceptionLike("FetchEvent.respondWith() has already been called; it can only be called once.", "InvalidStateError");
    s.responded = true;
    s.response = Promise.resolve(response);
  }
  waitUntil(promise) { this[kState].waitUntil.push(Promise.resolve(promise)); }
  passThroughOnException() { this[kState].passThrough = true; }
}

function DOMExceptionLike(message, name) {
  if (typeof globalThis.DOMException === "function") return new globalThis.DOMException(message, name);
  const e = new Error(message);
  e.name = name;
  return e;
}

function addEventListener(type, handler) {
  if (typeof handler !== "function" && !(handler && typeof handler.handleEvent === "function")) return;
  type = String(type);
  if (listeners === null) listeners = new Map();
  if (!listeners.has(type)) listeners.set(type, []);
  listeners.get(type).push(handler);
}
function removeEventListener(type, handler) {
  type = String(type);
  const l = listeners && listeners.get(type);
  if (!l) return;
  const i = l.indexOf(handler);
  if (i >= 0) l.splice(i, 1);
}

// dispatch runs the fetch listeners; state is as for dispatchFetch in the worker library.
function dispatch(request, state) {
  const ls = listeners && listeners.get("fetch");
  if (!ls || ls.length === 0) throw new TypeError("Handler does not export a fetch() function.");
  const ev = new FetchEvent("fetch", { request, [kState]: state });
  for (const l of ls.slice()) {
    if (typeof l === "function") l.call(globalThis, ev); else l.handleEvent(ev);
  }
  if (!state.responded) throw new Error("No event handler called respondWith(); there is no origin to pass the request to.");
  return state.response;
}

internal.serviceWorker = { dispatch };
return { addEventListener, removeEventListener, FetchEvent };
