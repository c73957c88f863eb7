// Serialisation of structured-cloneable values to text, for values that leave the isolate:
// Durable Object storage and RPC arguments, results and exceptions. The rules are
// structuredClone's (lib/globals.js, after workerd's jsg/ser.c++): the same values are
// accepted, class instances become plain objects, functions and symbols throw DataCloneError.
//
// The text is JSON of a tagged tree, so that JSON.stringify and JSON.parse (Go code in goja)
// do the byte work. A JSON string, finite number, boolean or null stands for itself; every
// other value is an array whose first element is a tag:
//
//   ["u"] undefined   ["n", "NaN"|"Infinity"|"-Infinity"|"-0"] number   ["i", "123"] bigint
//   ["r", k] the k-th object already written (objects are numbered in the order written,
//            so shared references and cycles survive)
//   ["a", length, key, value, ...] Array      ["o", key, value, ...] Object
//   ["d", time] Date   ["x", source, flags] RegExp   ["m", k, v, ...] Map   ["s", v, ...] Set
//   ["b", base64] ArrayBuffer   ["t", type, buffer, byteOffset, length] typed array
//   ["v", buffer, byteOffset, byteLength] DataView
//   ["e", name, message, stack, n, key, value, ... (n pairs of other own properties), cause?]
//   Error   ["N"|"S"|"B"|"I", value] boxed primitive

const {
  getter, call, fnToString, TypedArrayPrototype, typedArrayTag, typedArrayBuffer, typedArrayOffset, typedArrayLength,
  dataViewBuffer, dataViewOffset, dataViewLength, regExpSource, regExpFlags, dateTime,
  numberValue, stringValue, booleanValue, bigintValue, symbolValue, mapHas, mapForEach, setHas, setForEach, weakMapHas, weakSetHas,
} = internal.load("intrinsics");
const { keys, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
const stringify = JSON.stringify, parse = JSON.parse;
const typedArrays = { Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array };
const errors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError };
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function domException(message, name) {
  const D = globalThis.DOMException;
  if (typeof D === "function") return new D(message, name);
  const e = new Error(message);
  defineProperty(e, "name", { value: name, writable: true, configurable: true });
  return e;
}

function constructorName(o) {
  try {
    for (let p = getPrototypeOf(o); p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, "constructor");
      if (d && typeof d.value === "function" && d.value.name) return d.value.name;
    }
  } catch (_) { /* fall through */ }
  return "Object";
}

function cannotClone(v) {
  let what;
  if (typeof v === "function") what = call(fnToString, v);
  else if (typeof v === "symbol") what = v.toString();
  else what = `#<${natives.kind(v) === "Proxy" ? "Object" : constructorName(v)}>`;
  return domException(`${what} could not be cloned.`, "DataCloneError");
}

function brand(fn, v, ...args) {
  try { call(fn, v, ...args); return true; } catch (_) { return false; }
}

function number(n) {
  if (n !== n) return ["n", "NaN"];
  if (n === Infinity) return ["n", "Infinity"];
  if (n === -Infinity) return ["n", "-Infinity"];
  if (n === 0 && 1 / n < 0) return ["n", "-0"];
  return n;
}

class Writer {
  constructor() { this.seen = new Map(); }

  write(v) {
    switch (typeof v) {
      case "string": case "boolean": return v;
      case "number": return number(v);
      case "undefined": return ["u"];
      case "bigint": return ["i", String(v)];
      case "function": case "symbol": throw cannotClone(v);
    }
    if (v === null) return null;
    const k = this.seen.get(v);
    if (k !== undefined) return ["r", k];
    this.seen.set(v, this.seen.size);
    switch (natives.kind(v)) {
      case "Array": {
        const out = ["a", v.length];
        this.props(v, out);
        return out;
      }
      case "Date": return ["d", number(call(dateTime, v))];
      case "RegExp": return ["x", call(regExpSource, v), call(regExpFlags, v)];
      case "Number": return ["N", number(call(numberValue, v))];
      case "String": return ["S", call(stringValue, v)];
      case "Boolean": return ["B", call(booleanValue, v)];
      case "Error": return this.error(v);
      case "ArrayBuffer": {
        const b64 = natives.bufferToBase64(v);
        if (b64 === null) throw domException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
        return ["b", b64];
      }
      case "Object": case "Arguments": break;
      default: throw cannotClone(v);
    }
    const tag = call(typedArrayTag, v);
    if (tag !== undefined) return ["t", tag, this.write(call(typedArrayBuffer, v)), call(typedArrayOffset, v), call(typedArrayLength, v)];
    if (brand(dataViewBuffer, v)) return ["v", this.write(call(dataViewBuffer, v)), call(dataViewOffset, v), call(dataViewLength, v)];
    if (brand(mapHas, v, undefined)) {
      const entries = [];
      call(mapForEach, v, (value, key) => { entries.push(key, value); });
      const out = ["m"];
      for (const e of entries) out.push(this.write(e));
      return out;
    }
    if (brand(setHas, v, undefined)) {
      const values = [];
      call(setForEach, v, (value) => { values.push(value); });
      const out = ["s"];
      for (const e of values) out.push(this.write(e));
      return out;
    }
    if (brand(bigintValue, v)) return ["I", String(call(bigintValue, v))];
    if (brand(symbolValue, v) || brand(weakMapHas, v, {}) || brand(weakSetHas, v, {})) throw cannotClone(v);
    const out = ["o"];
    this.props(v, out);
    return out;
  }

  props(from, out) {
    for (const k of keys(from)) {
      const d = getOwnPropertyDescriptor(from, k);
      if (d === undefined || !d.enumerable) continue;
      out.push(k, this.write(from[k]));
    }
  }

  // Errors keep their name, message, stack, cause and other own properties (a code, say), as
  // workerd's enhanced error serialisation does.
  error(v) {
    const name = `${v.name}`;
    const md = getOwnPropertyDescriptor(v, "message");
    const out = ["e", name, md && "value" in md ? `${md.value}` : "", typeof v.stack === "string" ? v.stack : null, 0];
    for (const k of Object.getOwnPropertyNames(v)) {
      if (k === "name" || k === "message" || k === "stack" || k === "cause") continue;
      const d = getOwnPropertyDescriptor(v, k);
      if (!("value" in d) || typeof d.value === "function") continue;
      out.push(k, this.write(d.value));
      out[4]++;
    }
    const cd = getOwnPropertyDescriptor(v, "cause");
    if (cd && "value" in cd) out.push(this.write(cd.value));
    return out;
  }
}

class Reader {
  constructor() { this.objects = []; }

  read(t) {
    if (t === null || typeof t !== "object") return t;
    switch (t[0]) {
      case "u": return undefined;
      case "n": return t[1] === "-0" ? -0 : Number(t[1]);
      case "i": return BigInt(t[1]);
      case "r": return this.objects[t[1]];
    }
    const slot = this.objects.length;
    this.objects.push(undefined);
    const keep = (o) => { this.objects[slot] = o; return o; };
    switch (t[0]) {
      case "a": {
        const out = keep(new Array(t[1]));
        for (let i = 2; i < t.length; i += 2) defineProperty(out, t[i], { value: this.read(t[i + 1]), writable: true, enumerable: true, configurable: true });
        return out;
      }
      case "o": {
        const out = keep({});
        for (let i = 1; i < t.length; i += 2) defineProperty(out, t[i], { value: this.read(t[i + 1]), writable: true, enumerable: true, configurable: true });
        return out;
      }
      case "d": return keep(new Date(this.read(t[1])));
      case "x": return keep(new RegExp(t[1], t[2]));
      case "N": return keep(Object(this.read(t[1])));
      case "S": return keep(Object(t[1]));
      case "B": return keep(Object(t[1]));
      case "I": return keep(Object(BigInt(t[1])));
      case "b": return keep(natives.base64ToBuffer(t[1]));
      case "t": {
        const Ctor = typedArrays[t[1]];
        return keep(new Ctor(this.read(t[2]), t[3], t[4]));
      }
      case "v": return keep(new DataView(this.read(t[1]), t[2], t[3]));
      case "m": {
        const out = keep(new Map());
        for (let i = 1; i < t.length; i += 2) out.set(this.read(t[i]), this.read(t[i + 1]));
        return out;
      }
      case "s": {
        const out = keep(new Set());
        for (let i = 1; i < t.length; i++) out.add(this.read(t[i]));
        return out;
      }
      case "e": {
        const known = hasOwn(errors, t[1]);
        const out = keep(t[1] === "AggregateError" ? new AggregateError([], t[2]) : new (known ? errors[t[1]] : Error)(t[2]));
        if (!known) defineProperty(out, "name", { value: t[1], writable: true, enumerable: false, configurable: true });
        if (t[3] !== null) defineProperty(out, "stack", { value: t[3], writable: true, enumerable: false, configurable: true });
        const end = 5 + 2 * t[4];
        for (let i = 5; i < end; i += 2) defineProperty(out, t[i], { value: this.read(t[i + 1]), writable: true, enumerable: true, configurable: true });
        if (t.length > end) defineProperty(out, "cause", { value: this.read(t[end]), writable: true, enumerable: false, configurable: true });
        return out;
      }
    }
    throw domException("Deserialization failed: unknown tag", "DataCloneError");
  }
}

// serialize returns the text of v; it throws DataCloneError for values that cannot be cloned.
function serialize(v) { return stringify(new Writer().write(v)); }

// deserialize rebuilds a value from its text.
function deserialize(text) { return new Reader().read(parse(text)); }

internal.serialize = { serialize, deserialize };
return { serialize, deserialize };
