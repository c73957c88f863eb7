// Small globals of the Workers scope: atob/btoa, structuredClone, navigator, performance, self.
// Semantics follow workerd (api/global-scope.c++, jsg/ser.c++) and V8's ValueSerializer.

// DOMException is another library's lazily installed global, so it is looked up when an error
// is thrown, never captured here; the fallback keeps name and message if it is missing.
function domException(message, name) {
  const D = globalThis.DOMException;
  if (typeof D === "function") return new D(message, name);
  const e = new Error(message);
  Object.defineProperty(e, "name", { value: name, writable: true, configurable: true });
  return e;
}

function illegalConstructor() { throw new TypeError("Illegal constructor"); }

// --- atob / btoa ------------------------------------------------------------------------------

// Both take any value and stringify it as WebIDL DOMString does: a template literal throws on
// symbols as ToString must, where String() would not.
function btoa(data) {
  const out = natives.btoa(`${data}`);
  if (out === null) throw domException("btoa() can only operate on characters in the Latin1 (ISO/IEC 8859-1) range.", "InvalidCharacterError");
  return out;
}

function atob(data) {
  const out = natives.atob(`${data}`);
  if (out === null) {
    throw domException("atob() called with invalid base64-encoded data. (Only whitespace, '+', '/', alphanumeric " +
      "ASCII, and up to two terminal '=' signs when the input data length is divisible by 4 are allowed.)", "InvalidCharacterError");
  }
  return out;
}

// --- structuredClone --------------------------------------------------------------------------

const {
  getter, call, fnToString, TypedArrayPrototype, typedArrayTag, typedArrayBuffer, typedArrayOffset, typedArrayLength,
  dataViewBuffer, dataViewOffset, dataViewLength, bufferSlice, regExpSource, regExpFlags, dateTime,
  numberValue, stringValue, booleanValue, bigintValue, symbolValue, mapHas, mapForEach, setHas, setForEach, weakMapHas, weakSetHas,
} = internal.load("intrinsics");
const { keys, defineProperty, getOwnPropertyDescriptor, getOwnPropertyNames, getPrototypeOf } = Object;
const typedArrays = { Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array };
const cloneKind = natives.cloneKind;

// V8 names the value in its DataCloneError message the way it prints values without running
// user code: the source of a function, the description of a symbol, #<Constructor> otherwise.
function cannotClone(v) {
  let what;
  if (typeof v === "function") what = call(fnToString, v);
  else if (typeof v === "symbol") what = v.toString();
  else what = `#<${constructorName(v)}>`;
  return domException(`${what} could not be cloned.`, "DataCloneError");
}

function constructorName(o) {
  if (cloneKind(o) === "Proxy") return "Object";
  try {
    for (let p = getPrototypeOf(o); p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, "constructor");
      if (d && typeof d.value === "function" && typeof d.value.name === "string" && d.value.name) return d.value.name;
    }
  } catch (_) { /* fall through */ }
  return "Object";
}

function brand(fn, v, ...args) {
  try { call(fn, v, ...args); return true; } catch (_) { return false; }
}

const legacyErrors = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const enhancedErrors = { Error, ...legacyErrors, AggregateError };
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const hidden = (value) => ({ value, writable: true, enumerable: false, configurable: true });

// setData creates an own data property even for keys like __proto__, where assignment would
// call a setter instead.
function setData(o, k, v) {
  defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

class Cloner {
  constructor(transfers) { this.memory = new Map(transfers); }

  clone(v) {
    const t = typeof v;
    if (t === "function" || t === "symbol") throw cannotClone(v);
    if (t !== "object" || v === null) return v;
    const seen = this.memory.get(v);
    if (seen !== undefined) return seen;
    const kind = cloneKind(v);
    switch (kind) {
      case "Array": {
        const out = new Array(v.length);
        this.memory.set(v, out);
        this.copyProperties(v, out);
        return out;
      }
      case "Date": return this.remember(v, new Date(call(dateTime, v)));
      case "RegExp": return this.remember(v, new RegExp(call(regExpSource, v), call(regExpFlags, v)));
      case "Number": return this.remember(v, Object(call(numberValue, v)));
      case "String": return this.remember(v, Object(call(stringValue, v)));
      case "Boolean": return this.remember(v, Object(call(booleanValue, v)));
      case "Error": return this.cloneError(v);
      case "ArrayBuffer":
        if (natives.isDetachedBuffer(v)) throw domException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
        return this.remember(v, call(bufferSlice, v, 0));
      case "Proxy": case "Promise": throw cannotClone(v);
      case "Object": case "Arguments": break;
      default: throw cannotClone(v);
    }
    const tag = call(typedArrayTag, v);
    if (tag !== undefined) {
      const buffer = this.clone(call(typedArrayBuffer, v));
      return this.remember(v, new typedArrays[tag](buffer, call(typedArrayOffset, v), call(typedArrayLength, v)));
    }
    if (brand(dataViewBuffer, v)) {
      const buffer = this.clone(call(dataViewBuffer, v));
      return this.remember(v, new DataView(buffer, call(dataViewOffset, v), call(dataViewLength, v)));
    }
    if (brand(mapHas, v, undefined)) {
      const out = new Map();
      this.memory.set(v, out);
      // Entries are listed before any is cloned, as V8 does, so that getters run while cloning
      // cannot grow the map under the loop.
      const entries = [];
      call(mapForEach, v, (value, key) => { entries.push(key, value); });
      for (let i = 0; i < entries.length; i += 2) out.set(this.clone(entries[i]), this.clone(entries[i + 1]));
      return out;
    }
    if (brand(setHas, v, undefined)) {
      const out = new Set();
      this.memory.set(v, out);
      const values = [];
      call(setForEach, v, (value) => { values.push(value); });
      for (const value of values) out.add(this.clone(value));
      return out;
    }
    if (brand(bigintValue, v)) return this.remember(v, Object(call(bigintValue, v)));
    if (brand(symbolValue, v) || brand(weakMapHas, v, {}) || brand(weakSetHas, v, {})) throw cannotClone(v);
    // Everything else, class instances included, is copied as a plain object, as workerd does
    // (treatClassInstancesAsPlainObjects): own enumerable string keys, read through getters.
    const out = {};
    this.memory.set(v, out);
    this.copyProperties(v, out);
    return out;
  }

  remember(v, out) {
    this.memory.set(v, out);
    return out;
  }

  copyProperties(from, to) {
    for (const k of keys(from)) {
      // A getter run earlier may have deleted the property; V8 skips it then.
      const d = getOwnPropertyDescriptor(from, k);
      if (d === undefined || !d.enumerable) continue;
      setData(to, k, this.clone(from[k]));
    }
  }

  // Errors clone as V8 does by default (name picks one of the standard prototypes; message, stack
  // and cause are kept) or, with enhanced_error_serialization, as workerd's host object: unknown
  // names kept, every own property but the stack copied.
  cloneError(v) {
    // DOMException is serializable in workerd: name, message and stack survive.
    const D = globalThis.DOMException;
    if (typeof D === "function" && v instanceof D) {
      const out = new D(`${v.message}`, `${v.name}`);
      this.memory.set(v, out);
      if (typeof v.stack === "string") defineProperty(out, "stack", hidden(v.stack));
      return out;
    }
    const name = `${v.name}`;
    if (natives.enhancedErrors) {
      const message = v.message;
      if (typeof message !== "string") throw domException("Deserialization failed: error message is not a string", "DataCloneError");
      const known = hasOwn(enhancedErrors, name);
      const out = name === "AggregateError" ? new AggregateError([], message) : new (known ? enhancedErrors[name] : Error)(message);
      this.memory.set(v, out);
      if (!known) defineProperty(out, "name", hidden(name));
      for (const k of getOwnPropertyNames(v)) {
        if (k === "name" || k === "message" || k === "stack" || String(k >>> 0) === k) continue;
        setData(out, k, this.clone(v[k]));
      }
      return out;
    }
    const Ctor = hasOwn(legacyErrors, name) ? legacyErrors[name] : Error;
    const md = getOwnPropertyDescriptor(v, "message");
    const out = md && "value" in md ? new Ctor(`${md.value}`) : new Ctor();
    this.memory.set(v, out);
    const stack = v.stack;
    if (typeof stack === "string") defineProperty(out, "stack", hidden(stack));
    const cd = getOwnPropertyDescriptor(v, "cause");
    if (cd && "value" in cd) defineProperty(out, "cause", hidden(this.clone(cd.value)));
    return out;
  }
}

function structuredClone(value, options) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': parameter 1 is not of type 'any'.");
  const transferred = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" && typeof options !== "function") throw new TypeError("Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': parameter 2 is not of type 'StructuredSerializeOptions'.");
    const list = options.transfer;
    if (list !== undefined) {
      if (list === null || typeof list !== "object" || typeof list[Symbol.iterator] !== "function") {
        throw new TypeError("Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': transfer is not of type 'Array'.");
      }
      for (const item of list) {
        // Only ArrayBuffers move, as in workerd; a view stands for its buffer.
        let buffer = item;
        if (item !== null && typeof item === "object" && call(typedArrayTag, item) !== undefined) buffer = call(typedArrayBuffer, item);
        else if (item !== null && typeof item === "object" && brand(dataViewBuffer, item)) buffer = call(dataViewBuffer, item);
        if (cloneKind(buffer) !== "ArrayBuffer") throw new TypeError("Object is not transferable");
        if (natives.isDetachedBuffer(buffer)) throw domException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
        if (!transferred.some(([b]) => b === buffer)) transferred.push([buffer, call(bufferSlice, buffer, 0)]);
      }
    }
  }
  const out = new Cloner(transferred).clone(value);
  for (const [buffer] of transferred) natives.detach(buffer);
  return out;
}

// --- navigator --------------------------------------------------------------------------------

const constructing = Symbol("constructing");

class Navigator {
  constructor(key) { if (key !== constructing) illegalConstructor(); }
  get userAgent() { return "Cloudflare-Workers"; }
  // Workers shows one core to user code, whatever the machine has.
  get hardwareConcurrency() { return 1; }
  get platform() { return ""; }
  get [Symbol.toStringTag]() { return "Navigator"; }
}
if (natives.navigatorLang) {
  // Some packages depend on navigator.language; workerd gates it on a compatibility date.
  Object.defineProperties(Navigator.prototype, {
    language: { get() { return "en"; }, enumerable: true, configurable: true },
    languages: { get() { return ["en"]; }, enumerable: true, configurable: true },
  });
}

// --- performance ------------------------------------------------------------------------------

class Performance {
  constructor(key) { if (key !== constructing) illegalConstructor(); }
  // The origin is 0, so now() equals Date.now(): Workers treats the platform as one computer
  // and, against Spectre, gives no finer clock than Date's.
  get timeOrigin() { return 0; }
  now() { return natives.now(); }
  get [Symbol.toStringTag]() { return "Performance"; }
}

return {
  atob, btoa, structuredClone,
  Navigator, navigator: new Navigator(constructing),
  performance: new Performance(constructing),
  self: globalThis,
};
