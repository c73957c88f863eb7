// Fetch Headers: names are case-insensitive and kept lower-cased; iteration is sorted and combines
// repeated values with ", ", except Set-Cookie, whose values stay separate.
const kList = internal.symbol("headers list");
const kGuard = internal.symbol("headers guard");

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Made once: a regular expression literal in a function is a new object on every call.
const trimRe = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const invalidValueRe = /[\0\r\n]/;
const isSpace = (c) => c === 9 || c === 10 || c === 13 || c === 32;
function checkName(name) {
  name = String(name);
  if (!tokenRe.test(name)) throw new TypeError(`Invalid header name.`);
  return name.toLowerCase();
}
function normalizeValue(value) {
  value = String(value);
  const n = value.length;
  if (n > 0 && (isSpace(value.charCodeAt(0)) || isSpace(value.charCodeAt(n - 1)))) value = value.replace(trimRe, "");
  if (invalidValueRe.test(value)) throw new TypeError(`Invalid header value.`);
  return value;
}
function checkMutable(h) {
  if (h[kGuard] === "immutable") throw new TypeError("Can't modify immutable headers.");
}

class Headers {
  constructor(init) {
    this[kList] = new Map();
    this[kGuard] = "none";
    if (init === undefined || init === null) {
      if (init === null) throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      return;
    }
    if (typeof init !== "object" && typeof init !== "function") throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
    if (init instanceof Headers) {
      for (const [k, vs] of init[kList]) this[kList].set(k, vs.slice());
      return;
    }
    if (typeof init[internal.iterator] === "function") {
      for (const pair of init) {
        const p = Array.from(pair);
        if (p.length !== 2) throw new TypeError("Failed to construct 'Headers': Each header pair must be a name/value tuple.");
        this.append(p[0], p[1]);
      }
      return;
    }
    for (const k of Object.keys(init)) this.append(k, init[k]);
  }
  append(name, value) {
    const k = checkName(name), v = normalizeValue(value);
    checkMutable(this);
    const vs = this[kList].get(k);
    if (vs) vs.push(v); else this[kList].set(k, [v]);
  }
  delete(name) {
    const k = checkName(name);
    checkMutable(this);
    this[kList].delete(k);
  }
  get(name) {
    const vs = this[kList].get(checkName(name));
    return vs ? vs.join(", ") : null;
  }
  getAll(name) {
    const k = checkName(name);
    if (k !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
    return this.getSetCookie();
  }
  getSetCookie() {
    const vs = this[kList].get("set-cookie");
    return vs ? vs.slice() : [];
  }
  has(name) { return this[kList].has(checkName(name)); }
  set(name, value) {
    const k = checkName(name), v = normalizeValue(value);
    checkMutable(this);
    this[kList].set(k, [v]);
  }
  forEach(callback, thisArg) {
    if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
    for (const [k, v] of this) callback.call(thisArg, v, k, this);
  }
  *entries() {
    const keys = Array.from(this[kList].keys()).sort();
    for (const k of keys) {
      const vs = this[kList].get(k);
      if (vs === undefined) continue;
      if (k === "set-cookie") { for (const v of vs) yield [k, v]; } else yield [k, vs.join(", ")];
    }
  }
  *keys() { for (const [k] of this.entries()) yield k; }
  *values() { for (const [, v] of this.entries()) yield v; }
  [internal.iterator]() { return this.entries(); }
  get [internal.toStringTag]() { return "Headers"; }
}

// fromList builds Headers from a flat [name, value, ...] list coming from Go.
function fromList(list, guard) {
  const h = new Headers();
  const m = h[kList];
  for (let i = 0; i < list.length; i += 2) {
    const k = list[i].toLowerCase();
    const vs = m.get(k);
    if (vs) vs.push(list[i + 1]); else m.set(k, [list[i + 1]]);
  }
  if (guard) h[kGuard] = guard;
  return h;
}

// toList flattens Headers into [name, value, ...] for Go, one entry per Set-Cookie value.
function toList(h) {
  const out = [];
  for (const [k, vs] of h[kList]) {
    if (k === "set-cookie") { for (const v of vs) out.push(k, v); } else out.push(k, vs.join(", "));
  }
  return out;
}

function setGuard(h, guard) { h[kGuard] = guard; }

internal.headers = { fromList, toList, setGuard, kList };
return { Headers };
