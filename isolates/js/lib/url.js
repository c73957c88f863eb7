// URL and URLSearchParams of the WHATWG URL Standard, on the Go parser in isolates/weburl.
// A URL keeps all its attributes in one array that Go fills on parse and on every change, so the
// getters workers call most never leave JavaScript.
const { parse, set, canParse, parseQuery, serializeQuery, deleteHasValueArg } = natives;

// Component indexes, as in url.go.
const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5, HOSTNAME = 6,
  PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10, QUERY = 11;

const kURL = Symbol("url components");
const kParams = Symbol("url search params");
const kList = Symbol("search params list");
const kOwner = Symbol("search params url");

// str is WebIDL's ToString: a template literal, unlike String(), throws on symbols.
const str = (v) => `${v}`;

// Missing arguments convert as undefined does instead of throwing WebIDL's TypeError: checking
// arguments.length would make goja allocate an arguments object on every call.

internal.load("utf8");
const toUSV = internal.toUSV;

function components(self) {
  const c = self !== null && typeof self === "object" ? self[kURL] : undefined;
  if (c === undefined) throw new TypeError("Illegal invocation");
  return c;
}

function fromComponents(c) {
  const u = Object.create(URL.prototype);
  u[kURL] = c;
  return u;
}

// setAttr runs one attribute setter in Go; the standard says only href may throw.
function setAttr(self, attr, value) {
  const c = components(self);
  self[kURL] = set(c[HREF], attr, str(value));
}

// resetParams re-reads the query into the URL's URLSearchParams after a change that can have
// replaced it.
function resetParams(self) {
  const p = self[kParams];
  if (p !== undefined) p[kList] = parseQuery(self[kURL][SEARCH].slice(1));
}

class URL {
  constructor(url, base) {
    const c = parse(str(url), base === undefined ? undefined : str(base));
    if (c === null) throw new TypeError("Invalid URL string.");
    // kParams stays unset until searchParams is read: most URLs never need one.
    this[kURL] = c;
  }
  static canParse(url, base) {
    return canParse(str(url), base === undefined ? undefined : str(base));
  }
  static parse(url, base) {
    const c = parse(str(url), base === undefined ? undefined : str(base));
    return c === null ? null : fromComponents(c);
  }
  static createObjectURL() { throw new Error("URL.createObjectURL() is not implemented"); }
  static revokeObjectURL() { throw new Error("URL.revokeObjectURL() is not implemented"); }

  get href() { return components(this)[HREF]; }
  set href(v) {
    const c = set(components(this)[HREF], HREF, str(v));
    if (c === null) throw new TypeError("Failed to set the 'href' property on 'URL': the provided value is not of type 'valid URL string'.");
    this[kURL] = c;
    resetParams(this);
  }
  get origin() { return components(this)[ORIGIN]; }
  get protocol() { return components(this)[PROTOCOL]; }
  set protocol(v) { setAttr(this, PROTOCOL, v); }
  get username() { return components(this)[USERNAME]; }
  set username(v) { setAttr(this, USERNAME, v); }
  get password() { return components(this)[PASSWORD]; }
  set password(v) { setAttr(this, PASSWORD, v); }
  get host() { return components(this)[HOST]; }
  set host(v) { setAttr(this, HOST, v); }
  get hostname() { return components(this)[HOSTNAME]; }
  set hostname(v) { setAttr(this, HOSTNAME, v); }
  get port() { return components(this)[PORT]; }
  set port(v) { setAttr(this, PORT, v); }
  get pathname() { return components(this)[PATHNAME]; }
  set pathname(v) { setAttr(this, PATHNAME, v); }
  get search() { return components(this)[SEARCH]; }
  set search(v) { setAttr(this, SEARCH, v); resetParams(this); }
  get searchParams() {
    components(this);
    let p = this[kParams];
    if (p === undefined) {
      p = Object.create(URLSearchParams.prototype);
      p[kList] = parseQuery(this[kURL][SEARCH].slice(1));
      p[kOwner] = this;
      this[kParams] = p;
    }
    return p;
  }
  get hash() { return components(this)[HASH]; }
  set hash(v) { setAttr(this, HASH, v); }
  toString() { return components(this)[HREF]; }
  toJSON() { return components(this)[HREF]; }
  get [Symbol.toStringTag]() { return "URL"; }
}

function list(self) {
  const l = self !== null && typeof self === "object" ? self[kList] : undefined;
  if (l === undefined) throw new TypeError("Illegal invocation");
  return l;
}

// update is the standard's URLSearchParams update steps: write the list back to the URL, an
// empty list making its query null.
function update(self) {
  const u = self[kOwner];
  if (u !== null) u[kURL] = set(u[kURL][HREF], QUERY, serializeQuery(self[kList]));
}

const badSequence = "Invalid URL search params sequence.";

class URLSearchParams {
  // The list is flat, [name, value, name, value, ...], the form Go reads and writes.
  constructor(init = "") {
    this[kList] = [];
    this[kOwner] = null;
    if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const iter = init[Symbol.iterator];
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== "function") throw new TypeError(badSequence);
        const l = this[kList];
        for (const pair of init) {
          if (pair === null || (typeof pair !== "object" && typeof pair !== "function")) throw new TypeError(badSequence);
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError(badSequence);
          l.push(toUSV(p[0]), toUSV(p[1]));
        }
        return;
      }
      // A record: keys that are equal after the USVString conversion keep the first one's
      // place and the last one's value, as WebIDL's ordered map does.
      const m = new Map();
      for (const k of Reflect.ownKeys(init)) {
        const d = Object.getOwnPropertyDescriptor(init, k);
        if (d === undefined || !d.enumerable) continue;
        m.set(toUSV(k), toUSV(init[k]));
      }
      const l = this[kList];
      for (const [k, v] of m) l.push(k, v);
      return;
    }
    let s = toUSV(init);
    if (s.charCodeAt(0) === 0x3F) s = s.slice(1);
    this[kList] = parseQuery(s);
  }
  get size() { return list(this).length >> 1; }
  append(name, value) {
    const l = list(this);
    l.push(toUSV(name), toUSV(value));
    update(this);
  }
  delete(name, value) {
    const l = list(this);
    const n = toUSV(name);
    const v = deleteHasValueArg && value !== undefined ? toUSV(value) : undefined;
    let w = 0;
    for (let r = 0; r < l.length; r += 2) {
      if (l[r] === n && (v === undefined || l[r + 1] === v)) continue;
      l[w++] = l[r];
      l[w++] = l[r + 1];
    }
    l.length = w;
    update(this);
  }
  get(name) {
    const l = list(this);
    const n = toUSV(name);
    for (let i = 0; i < l.length; i += 2) if (l[i] === n) return l[i + 1];
    return null;
  }
  getAll(name) {
    const l = list(this);
    const n = toUSV(name), out = [];
    for (let i = 0; i < l.length; i += 2) if (l[i] === n) out.push(l[i + 1]);
    return out;
  }
  has(name, value) {
    const l = list(this);
    const n = toUSV(name);
    const v = deleteHasValueArg && value !== undefined ? toUSV(value) : undefined;
    for (let i = 0; i < l.length; i += 2) if (l[i] === n && (v === undefined || l[i + 1] === v)) return true;
    return false;
  }
  set(name, value) {
    const l = list(this);
    const n = toUSV(name), v = toUSV(value);
    let w = 0, found = false;
    for (let r = 0; r < l.length; r += 2) {
      if (l[r] === n) {
        if (found) continue;
        found = true;
        l[w++] = n;
        l[w++] = v;
        continue;
      }
      l[w++] = l[r];
      l[w++] = l[r + 1];
    }
    l.length = w;
    if (!found) l.push(n, v);
    update(this);
  }
  sort() {
    const l = list(this);
    // Names compare by UTF-16 code units, which JavaScript's < does; the index keeps it stable.
    const idx = [];
    for (let i = 0; i < l.length; i += 2) idx.push(i);
    idx.sort((a, b) => (l[a] < l[b] ? -1 : l[a] > l[b] ? 1 : a - b));
    const sorted = [];
    for (const i of idx) sorted.push(l[i], l[i + 1]);
    this[kList] = sorted;
    update(this);
  }
  forEach(callback, thisArg) {
    list(this);
    if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
    // The list is read afresh each step: the standard's iteration sees changes made meanwhile.
    for (let i = 0; i < this[kList].length; i += 2) {
      const l = this[kList];
      callback.call(thisArg, l[i + 1], l[i], this);
    }
  }
  entries() { list(this); return iterate(this, ENTRIES); }
  keys() { list(this); return iterate(this, KEYS); }
  values() { list(this); return iterate(this, VALUES); }
  toString() { return serializeQuery(list(this)); }
  get [Symbol.toStringTag]() { return "URLSearchParams"; }
}

Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
  value: URLSearchParams.prototype.entries, writable: true, enumerable: false, configurable: true,
});

const ENTRIES = 0, KEYS = 1, VALUES = 2;
const kIter = Symbol("search params iterator");

// The iterator reads the live list by position, as WebIDL's pair iterators do.
const iteratorProto = Object.create(Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), {
  next: {
    value: function next() {
      const st = this !== null && typeof this === "object" ? this[kIter] : undefined;
      if (st === undefined) throw new TypeError("Illegal invocation");
      const l = st.params[kList];
      if (st.index >= l.length) return { value: undefined, done: true };
      const i = st.index;
      st.index += 2;
      const value = st.kind === ENTRIES ? [l[i], l[i + 1]] : st.kind === KEYS ? l[i] : l[i + 1];
      return { value, done: false };
    },
    writable: true, enumerable: true, configurable: true,
  },
  [Symbol.toStringTag]: { value: "URLSearchParams Iterator", configurable: true },
});

function iterate(params, kind) {
  const it = Object.create(iteratorProto);
  it[kIter] = { params, kind, index: 0 };
  return it;
}

return { URL, URLSearchParams };
