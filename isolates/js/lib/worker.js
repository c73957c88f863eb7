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

// entrypoint finds the export a request or RPC call is for: name "" is the default export.
// It is either a class extending WorkerEntrypoint, constructed anew for each event with
// (ctx, env), or an object of handlers called with (arg, env, ctx).
function entrypoint(exports, name, env, ctx) {
  const ep = exports != null ? exports[name || "default"] : undefined;
  if (typeof ep === "function" && ep.prototype instanceof internal.load("workers").WorkerEntrypoint) {
    return { instance: new ep(ctx, env) };
  }
  // A function may carry handlers too (frameworks export callable apps with a fetch method).
  if (ep !== null && (typeof ep === "object" || typeof ep === "function")) return { handlers: ep };
  throw new Error(`Worker does not export an entrypoint named "${name || "(default)"}"`);
}

// dispatchFetch runs the worker's fetch handler; state collects waitUntil promises and the
// passThroughOnException flag for the host.
function dispatchFetch(exports, name, request, env, state) {
  if (!name && (exports == null || exports.default == null)) {
    internal.load("serviceworker");
    return internal.serviceWorker.dispatch(request, state);
  }
  const ctx = new ExecutionContext(state);
  const { instance, handlers } = entrypoint(exports, name, env, ctx);
  const target = instance ?? handlers;
  if (typeof target.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
  return instance ? instance.fetch(request) : handlers.fetch(request, env, ctx);
}

// dispatchScheduled runs the default export's scheduled handler for a cron trigger and
// returns [what it returned], or null when there is no handler.
function dispatchScheduled(exports, controller, env, state) {
  if (exports == null || exports.default == null) return null;
  const ctx = new ExecutionContext(state);
  const { instance, handlers } = entrypoint(exports, "", env, ctx);
  if (typeof (instance ?? handlers).scheduled !== "function") return null;
  return [instance ? instance.scheduled(controller) : handlers.scheduled(controller, env, ctx)];
}

// dispatchRPC runs a JS RPC call (text: the serialised arguments, "" for a property read) on
// the entrypoint and resolves to [threw, serialised result or exception].
function dispatchRPC(exports, name, method, text, env, state) {
  const rpc = internal.load("rpc");
  let p;
  try {
    const ctx = new ExecutionContext(state);
    const { instance, handlers } = entrypoint(exports, name, env, ctx);
    p = instance ? rpc.invoke(instance, method, text) : rpc.invokeHandler(handlers, method, text, env, ctx);
  } catch (e) {
    p = Promise.reject(e);
  }
  return rpc.reply(p);
}

internal.worker = { dispatchFetch, dispatchScheduled, dispatchRPC };
return { ExecutionContext };
