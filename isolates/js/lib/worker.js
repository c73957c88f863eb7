// Event dispatch for both worker syntaxes: module workers (export default { fetch }) and
// service workers (addEventListener("fetch", ...)).
// Created by the first addEventListener: module workers never need it, and a fresh Map is the
// first use of Map in many isolates, which builds its constructor and prototype.
let listeners = null;
const kState = internal.symbol("context state");

class ExecutionContext {
  constructor(state) { this[kState] = state; }
  waitUntil(promise) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'waitUntil' on 'ExecutionContext': 1 argument required, but only 0 present.");
    this[kState].waitUntil.push(Promise.resolve(promise));
  }
  passThroughOnException() { this[kState].passThrough = true; }
  get props() { return this[kState].props; }
}

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

// dispatchFetch runs the worker's fetch handler; state collects waitUntil promises and the
// passThroughOnException flag for the host.
function dispatchFetch(exports, request, env, state) {
  const def = exports && exports.default;
  if (def !== undefined && def !== null) {
    if (typeof def.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
    return def.fetch(request, env, new ExecutionContext(state));
  }
  const ls = listeners && listeners.get("fetch");
  if (!ls || ls.length === 0) throw new TypeError("Handler does not export a fetch() function.");
  const ev = new FetchEvent("fetch", { request, [kState]: state });
  for (const l of ls.slice()) {
    if (typeof l === "function") l.call(globalThis, ev); else l.handleEvent(ev);
  }
  if (!state.responded) throw new Error("No event handler called respondWith(); there is no origin to pass the request to.");
  return state.response;
}

internal.worker = { dispatchFetch };
return { addEventListener, removeEventListener, ExecutionContext, FetchEvent };
