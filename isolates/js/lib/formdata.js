// FormData as workerd has it (api/form-data.c++): entries are strings or Files, a Blob appended
// without a filename becomes a File named after the entry (workerd's choice; the XHR spec says
// "blob"), and parsing request bodies is done in Go (isolates/formdata).
const kList = Symbol("form entries");

if (!internal.blob) internal.load("blob");
const B = internal.blob;

function encodeUTF8(s) {
  if (!internal.encodeUTF8) internal.load("utf8");
  return internal.encodeUTF8(s);
}

function list(self, method) {
  const l = self !== null && typeof self === "object" ? self[kList] : undefined;
  if (l === undefined) throw new TypeError(`Failed to execute '${method}' on 'FormData': Illegal invocation`);
  return l;
}

internal.load("utf8");
const toUSV = internal.toUSV;

// entryValue is the spec's "create an entry", with workerd's default filename.
function entryValue(name, value, filename) {
  if (B.isBlob(value)) {
    const f = B.fileOf(value);
    if (f !== null && filename === undefined) return value;
    return B.makeFile(B.bytesOf(value), B.typeOf(value), filename === undefined ? name : toUSV(filename), Date.now());
  }
  return toUSV(value);
}

class FormData {
  constructor() { this[kList] = []; }
  append(name, value, filename = undefined) {
    const l = list(this, "append");
    name = toUSV(name);
    l.push([name, entryValue(name, value, filename)]);
  }
  delete(name) {
    const l = list(this, "delete");
    name = toUSV(name);
    let w = 0;
    for (let r = 0; r < l.length; r++) if (l[r][0] !== name) l[w++] = l[r];
    l.length = w;
  }
  get(name) {
    const l = list(this, "get");
    name = toUSV(name);
    for (const e of l) if (e[0] === name) return e[1];
    return null;
  }
  getAll(name) {
    const l = list(this, "getAll");
    name = toUSV(name);
    const out = [];
    for (const e of l) if (e[0] === name) out.push(e[1]);
    return out;
  }
  has(name) {
    const l = list(this, "has");
    name = toUSV(name);
    for (const e of l) if (e[0] === name) return true;
    return false;
  }
  set(name, value, filename = undefined) {
    const l = list(this, "set");
    name = toUSV(name);
    const v = entryValue(name, value, filename);
    const i = l.findIndex((e) => e[0] === name);
    if (i < 0) { l.push([name, v]); return; }
    l[i] = [name, v];
    let w = i + 1;
    for (let r = i + 1; r < l.length; r++) if (l[r][0] !== name) l[w++] = l[r];
    l.length = w;
  }
  forEach(callback, thisArg = undefined) {
    const l = list(this, "forEach");
    if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
    // Entries added by the callback are visited too, as workerd does.
    for (let i = 0; i < l.length; i++) callback.call(thisArg === null ? undefined : thisArg, l[i][1], l[i][0], this);
  }
  entries() { return iterator(this, list(this, "entries"), 0); }
  keys() { return iterator(this, list(this, "keys"), 1); }
  values() { return iterator(this, list(this, "values"), 2); }
  [Symbol.iterator]() { return iterator(this, list(this, "entries"), 0); }
  get [Symbol.toStringTag]() { return "FormData"; }
}

// Iterators read the live list by index, so deletions and appends during iteration show.
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
const FormDataIterator = Object.create(IteratorPrototype, {
  next: {
    value: function next() {
      const s = this[kList];
      if (s === undefined) throw new TypeError("Illegal invocation");
      if (s.i >= s.list.length) return { value: undefined, done: true };
      const [k, v] = s.list[s.i++];
      return { value: s.kind === 0 ? [k, v] : s.kind === 1 ? k : v, done: false };
    },
    writable: true, configurable: true,
  },
  [Symbol.toStringTag]: { value: "FormData Iterator", configurable: true },
});
function iterator(fd, l, kind) {
  const it = Object.create(FormDataIterator);
  it[kList] = { list: l, i: 0, kind };
  return it;
}

// parse turns a body into a FormData through Go; natives.parse throws workerd's TypeErrors.
internal.parseFormData = (u8, contentType) => {
  const fd = new FormData();
  const l = fd[kList];
  const now = Date.now();
  for (const e of natives.parse(u8, contentType)) {
    // e is [name, string] or [name, bytes, filename, type].
    l.push([e[0], e.length === 2 ? e[1] : B.makeFile(new Uint8Array(e[1]), e[3], e[2], now)]);
  }
  return fd;
};

// escape quotes a name or filename as workerd (and Chrome) do in Content-Disposition.
function escape(s) {
  if (s.endsWith("\\")) throw new TypeError("Name or filename can't end with backslash");
  return s.replace(/["\n\\]/g, (c) => c === '"' ? "%22" : c === "\n" ? "%0A" : "\\\\");
}

// A FormData body is serialized at once, with a random boundary of 32 hex digits.
(internal.bodyExtractors || (internal.bodyExtractors = [])).push((init) => {
  if (init === null || typeof init !== "object" || init[kList] === undefined) return null;
  const boundary = natives.boundary();
  const chunks = [];
  let text = "";
  for (const [name, value] of init[kList]) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escape(name)}`;
    if (typeof value === "string") {
      text += `"\r\n\r\n${value}\r\n`;
      continue;
    }
    text += `"; filename="${escape(B.fileOf(value).name)}"\r\nContent-Type: ${B.typeOf(value) || "application/octet-stream"}\r\n\r\n`;
    chunks.push(encodeUTF8(text), B.bytesOf(value));
    text = "\r\n";
  }
  text += `--${boundary}--`;
  chunks.push(encodeUTF8(text));
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return { source: out, stream: null, type: `multipart/form-data; boundary=${boundary}` };
});

return { FormData };
