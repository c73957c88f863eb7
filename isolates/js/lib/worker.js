// Event dispatch for both worker syntaxes: module workers (export default { fetch }) here, and
// service workers (addEventListener("fetch", ...)) in the serviceworker library.
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

// dispatchFetch runs the worker's fetch handler; state collects waitUntil promises and the
// passThroughOnException flag for the host.
function dispatchFetch(exports, request, env, state) {
  const def = exports && exports.default;
  if (def !== undefined && def !== null) {
    if (typeof def.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
    return def.fetch(request, env, new ExecutionContext(state));
  }
  internal.load("serviceworker");
  return internal.serviceWorker.dispatch(request, state);
}

internal.worker = { dispatchFetch };
return { ExecutionContext };
