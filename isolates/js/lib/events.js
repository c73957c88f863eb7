// Event, EventTarget, CustomEvent, DOMException, AbortController and AbortSignal, with
// workerd's semantics where it departs from the DOM: no capture or passive listeners, no
// bubbling (a dispatch only reaches its target), timeStamp is always 0, a listener that throws
// ends the dispatch and the exception leaves dispatchEvent, and an aborted signal drops its
// listeners.
const timers = internal.load("timers");
const kEvent = Symbol("event");
const kListeners = Symbol("listeners");
const kHandlers = Symbol("on-event handlers");
const kSignal = Symbol("signal");
const kCreate = Symbol("create");

// The legacy code of each DOMException name; other names have code 0.
const legacyCodes = {
  IndexSizeError: 1, DOMStringSizeError: 2, HierarchyRequestError: 3, WrongDocumentError: 4,
  InvalidCharacterError: 5, NoDataAllowedError: 6, NoModificationAllowedError: 7, NotFoundError: 8,
  NotSupportedError: 9, InUseAttributeError: 10, InvalidStateError: 11, SyntaxError: 12,
  InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15, ValidationError: 16,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};
const legacyConstants = [
  "INDEX_SIZE_ERR", "DOMSTRING_SIZE_ERR", "HIERARCHY_REQUEST_ERR", "WRONG_DOCUMENT_ERR",
  "INVALID_CHARACTER_ERR", "NO_DATA_ALLOWED_ERR", "NO_MODIFICATION_ALLOWED_ERR", "NOT_FOUND_ERR",
  "NOT_SUPPORTED_ERR", "INUSE_ATTRIBUTE_ERR", "INVALID_STATE_ERR", "SYNTAX_ERR",
  "INVALID_MODIFICATION_ERR", "NAMESPACE_ERR", "INVALID_ACCESS_ERR", "VALIDATION_ERR",
  "TYPE_MISMATCH_ERR", "SECURITY_ERR", "NETWORK_ERR", "ABORT_ERR", "URL_MISMATCH_ERR",
  "QUOTA_EXCEEDED_ERR", "TIMEOUT_ERR", "INVALID_NODE_TYPE_ERR", "DATA_CLONE_ERR",
];

// DOMException inherits from Error so that instanceof Error, stacks and Error.prototype.toString
// work; like workerd it keeps message, name and code as enumerable read-only own properties.
class DOMException extends Error {
  constructor(message = undefined, name = undefined) {
    super();
    message = message === undefined ? "" : String(message);
    name = name === undefined ? "Error" : String(name);
    const code = Object.prototype.hasOwnProperty.call(legacyCodes, name) ? legacyCodes[name] : 0;
    Object.defineProperty(this, "message", { value: message, enumerable: true, configurable: true });
    Object.defineProperty(this, "name", { value: name, enumerable: true, configurable: true });
    Object.defineProperty(this, "code", { value: code, enumerable: true, configurable: true });
    // The stack Error computed in super() names the error "Error" with no message; rebuild its
    // first line from the final name and message.
    const stack = typeof this.stack === "string" ? this.stack : "";
    const nl = stack.indexOf("\n");
    const head = message ? `${name}: ${message}` : name;
    Object.defineProperty(this, "stack", { value: nl >= 0 ? head + stack.slice(nl) : head, writable: true, enumerable: true, configurable: true });
  }
  get [Symbol.toStringTag]() { return "DOMException"; }
}
legacyConstants.forEach((k, i) => {
  Object.defineProperty(DOMException, k, { value: i + 1, enumerable: true });
  Object.defineProperty(DOMException.prototype, k, { value: i + 1, enumerable: true });
});

function domException(message, name) { return new DOMException(message, name); }

function eventState(e) {
  const s = e !== null && typeof e === "object" ? e[kEvent] : undefined;
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

class Event {
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    if (init !== undefined && init !== null && typeof init !== "object" && typeof init !== "function") {
      throw new TypeError("Failed to construct 'Event': The provided value is not of type 'EventInit'.");
    }
    init = init || {};
    this[kEvent] = {
      type: String(type), bubbles: !!init.bubbles, cancelable: !!init.cancelable, composed: !!init.composed,
      dispatching: false, target: null, stopped: false, propagationStopped: false, prevented: false, trusted: false,
    };
  }
  get type() { return eventState(this).type; }
  get eventPhase() { return eventState(this).dispatching ? Event.AT_TARGET : Event.NONE; }
  get composed() { return eventState(this).composed; }
  get bubbles() { return eventState(this).bubbles; }
  get cancelable() { return eventState(this).cancelable; }
  get defaultPrevented() { const s = eventState(this); return s.cancelable && s.prevented; }
  get returnValue() { return !this.defaultPrevented; }
  get currentTarget() { const s = eventState(this); return s.dispatching ? s.target : null; }
  get target() { return eventState(this).target; }
  get srcElement() { return eventState(this).target; }
  // Always 0, as in workerd: timing from events must not give code a clock.
  get timeStamp() { eventState(this); return 0; }
  get isTrusted() { return eventState(this).trusted; }
  get cancelBubble() { return eventState(this).propagationStopped; }
  set cancelBubble(v) { eventState(this).propagationStopped = !!v; }
  stopImmediatePropagation() { eventState(this).stopped = true; }
  preventDefault() { eventState(this).prevented = true; }
  stopPropagation() { eventState(this).propagationStopped = true; }
  composedPath() { const s = eventState(this); return s.dispatching ? [s.target] : []; }
  get [Symbol.toStringTag]() { return "Event"; }
}
["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"].forEach((k, i) => {
  Object.defineProperty(Event, k, { value: i, enumerable: true });
  Object.defineProperty(Event.prototype, k, { value: i, enumerable: true });
});

class CustomEvent extends Event {
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
    super(type, init);
    this[kEvent].detail = init && init.detail !== undefined ? init.detail : null;
  }
  get detail() { return eventState(this).detail; }
  get [Symbol.toStringTag]() { return "CustomEvent"; }
}

// A trusted event is one the runtime made (an AbortSignal's abort event).
function trustedEvent(type) {
  const e = new Event(type);
  e[kEvent].trusted = true;
  return e;
}

function listenersOf(t) {
  if (t === null || (typeof t !== "object" && typeof t !== "function")) throw new TypeError("Illegal invocation");
  let m = t[kListeners];
  if (!m) {
    m = new Map();
    Object.defineProperty(t, kListeners, { value: m });
  }
  return m;
}

class EventTarget {
  constructor() { listenersOf(this); }
  addEventListener(type, handler, options = undefined) {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    type = String(type);
    let once = false;
    let signal = null;
    if (typeof options === "boolean") {
      if (options) throw new TypeError("addEventListener(): useCapture must be false.");
    } else if (options !== undefined && options !== null) {
      if (options.capture) throw new TypeError("addEventListener(): options.capture must be false.");
      if (options.passive) throw new TypeError("addEventListener(): options.passive must be false.");
      once = !!options.once;
      if (options.signal !== undefined) {
        if (!(options.signal instanceof AbortSignal)) throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
        signal = options.signal;
      }
    }
    if (handler === null || handler === undefined) return;
    if (typeof handler !== "function" && (typeof handler !== "object" || typeof handler.handleEvent !== "function")) {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'EventListener'.");
    }
    if (signal && signal.aborted) return;
    const m = listenersOf(this);
    let list = m.get(type);
    if (!list) { list = []; m.set(type, list); }
    if (list.some((l) => l.handler === handler)) return;
    const entry = { handler, once, removed: false, unsubscribe: null };
    list.push(entry);
    if (signal) entry.unsubscribe = onAbort(signal, () => this.removeEventListener(type, handler));
  }
  removeEventListener(type, handler, options = undefined) {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'removeEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    if (typeof options === "boolean") {
      if (options) throw new TypeError("removeEventListener(): useCapture must be false.");
    } else if (options !== undefined && options !== null && options.capture) {
      throw new TypeError("removeEventListener(): options.capture must be false.");
    }
    const m = listenersOf(this);
    const list = m.get(String(type));
    if (!list) return;
    const i = list.findIndex((l) => l.handler === handler);
    if (i < 0) return;
    const [entry] = list.splice(i, 1);
    entry.removed = true;
    if (entry.unsubscribe) entry.unsubscribe();
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    return dispatch(this, event);
  }
  get [Symbol.toStringTag]() { return "EventTarget"; }
}

// dispatch runs the listeners of target for event. The list is copied first so that listeners
// may add or remove listeners; removed ones are skipped, added ones wait for the next event.
function dispatch(target, event) {
  const s = event[kEvent];
  if (s.dispatching) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
  s.dispatching = true;
  s.target = target;
  s.prevented = false;
  try {
    const calls = [];
    const on = target[kHandlers] && target[kHandlers][s.type];
    if (typeof on === "function") calls.push({ handler: on, once: false, removed: false, old: true });
    const list = listenersOf(target).get(s.type);
    if (list) calls.push(...list);
    for (const c of calls) {
      if (s.stopped) break;
      if (c.removed) continue;
      if (c.once) target.removeEventListener(s.type, c.handler);
      const ret = typeof c.handler === "function" ? c.handler.call(target, event) : c.handler.handleEvent(event);
      // A listener returning true prevents the default, as workerd allows.
      if (ret === true) s.prevented = true;
    }
    return !s.prevented;
  } finally {
    s.dispatching = false;
  }
}

function signalState(sig) {
  const s = sig !== null && typeof sig === "object" ? sig[kSignal] : undefined;
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

class AbortSignal extends EventTarget {
  constructor(key = undefined) {
    if (key !== kCreate) throw new TypeError("Illegal constructor");
    super();
    this[kSignal] = { aborted: false, reason: undefined, algorithms: new Set() };
    Object.defineProperty(this, kHandlers, { value: { abort: null } });
  }
  get aborted() { return signalState(this).aborted; }
  get reason() { return signalState(this).reason; }
  get onabort() { signalState(this); return this[kHandlers].abort; }
  set onabort(fn) { signalState(this); this[kHandlers].abort = typeof fn === "function" || (typeof fn === "object" && fn !== null) ? fn : null; }
  throwIfAborted() {
    const s = signalState(this);
    if (s.aborted) throw s.reason;
  }
  static abort(reason = undefined) {
    const sig = new AbortSignal(kCreate);
    const s = sig[kSignal];
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException("The operation was aborted", "AbortError") : reason;
    return sig;
  }
  static timeout(delay) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': 1 argument required, but only 0 present.");
    delay = Number(delay);
    if (!Number.isFinite(delay) || delay < 0) throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is outside the 'unsigned long long' value range.");
    const sig = new AbortSignal(kCreate);
    timers.setTimeout(() => triggerAbort(sig, new DOMException("The operation was aborted due to timeout", "TimeoutError")), delay);
    return sig;
  }
  static any(signals) {
    if (signals === null || signals === undefined || typeof signals[Symbol.iterator] !== "function") {
      throw new TypeError("Failed to execute 'any' on 'AbortSignal': The provided value cannot be converted to a sequence.");
    }
    const list = Array.from(signals);
    for (const sig of list) {
      if (!(sig instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
    }
    for (const sig of list) if (sig.aborted) return AbortSignal.abort(sig.reason);
    const out = new AbortSignal(kCreate);
    const unsubscribers = list.map((sig) => onAbort(sig, () => {
      for (const u of unsubscribers) u();
      triggerAbort(out, sig.reason);
    }));
    return out;
  }
  get [Symbol.toStringTag]() { return "AbortSignal"; }
}

// onAbort runs fn when signal aborts, before its abort event's listeners, as workerd cancels
// its native operations first. It returns a function that unsubscribes fn.
function onAbort(signal, fn) {
  const s = signalState(signal);
  if (s.aborted) return () => {};
  s.algorithms.add(fn);
  return () => s.algorithms.delete(fn);
}

function triggerAbort(signal, reason) {
  const s = signalState(signal);
  if (s.aborted) return;
  s.aborted = true;
  s.reason = reason === undefined ? new DOMException("The operation was aborted", "AbortError") : reason;
  const algorithms = Array.from(s.algorithms);
  s.algorithms.clear();
  for (const fn of algorithms) fn(s.reason);
  try {
    dispatch(signal, trustedEvent("abort"));
  } finally {
    // An aborted signal never fires again; dropping its listeners lets them be collected.
    listenersOf(signal).clear();
  }
}

class AbortController {
  constructor() { this[kSignal] = new AbortSignal(kCreate); }
  get signal() {
    const sig = this !== null && typeof this === "object" ? this[kSignal] : undefined;
    if (!sig) throw new TypeError("Illegal invocation");
    return sig;
  }
  abort(reason = undefined) { triggerAbort(this.signal, reason); }
  get [Symbol.toStringTag]() { return "AbortController"; }
}

internal.events = { domException, onAbort, triggerAbort, DOMException, AbortSignal };
return { Event, EventTarget, CustomEvent, DOMException, AbortController, AbortSignal };
