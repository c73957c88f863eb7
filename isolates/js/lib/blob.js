// Blob and File of the W3C File API, with workerd's choices where it departs from the spec
// (api/blob.c++): `endings` is refused, Blob.text() keeps a byte order mark, sizes are capped at
// 128 MiB. A Blob's bytes live in one Uint8Array that JavaScript never sees: every read hands out
// a copy, so slices can share it.
const kBlob = internal.symbol("blob");
const kFile = Symbol("file");
const maxSize = 128 * 1024 * 1024;

function encodeUTF8(s) {
  if (!internal.encodeUTF8) internal.load("utf8");
  return internal.encodeUTF8(s);
}

// normalizeType follows workerd: a type with any byte outside printable ASCII (as UTF-8, so any
// non-ASCII character too) is dropped, otherwise it is lower-cased.
function normalizeType(t) {
  const s = `${t}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7F) return "";
  }
  return s.toLowerCase();
}

function state(self, method) {
  const s = self !== null && typeof self === "object" ? self[kBlob] : undefined;
  if (s === undefined) throw new TypeError(`Failed to execute '${method}' on 'Blob': Illegal invocation`);
  return s;
}

// concat turns the parts of a constructor call into one Uint8Array. Parts convert first (strings
// to UTF-8, anything not a buffer or Blob to a string), then the size is checked, then copied.
function concat(parts, ctor) {
  if (parts === undefined || parts === null) return new Uint8Array(0);
  if (!Array.isArray(parts)) throw new TypeError(`Failed to construct '${ctor}': constructor parameter 1 is not of type 'Array'.`);
  // One Blob is shared rather than copied, as workerd does.
  if (parts.length === 1 && parts[0] !== null && typeof parts[0] === "object" && parts[0][kBlob] !== undefined) return parts[0][kBlob].bytes;
  const chunks = [];
  let size = 0;
  for (const part of parts) {
    let u8;
    if (part instanceof ArrayBuffer) u8 = new Uint8Array(part);
    else if (ArrayBuffer.isView(part)) u8 = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    else if (part !== null && typeof part === "object" && part[kBlob] !== undefined) u8 = part[kBlob].bytes;
    else u8 = encodeUTF8(`${part}`);
    if (size + u8.byteLength > maxSize) throw new RangeError(`Blob size ${size + u8.byteLength} exceeds limit ${maxSize}`);
    size += u8.byteLength;
    chunks.push(u8);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return out;
}

function options(opts, ctor) {
  if (opts === undefined || opts === null) return { type: "" };
  if (typeof opts !== "object" && typeof opts !== "function") {
    throw new TypeError(`Failed to construct '${ctor}': constructor parameter ${ctor === "File" ? 3 : 2} is not of type 'Options'.`);
  }
  // workerd has no line-ending conversion and says so rather than silently ignoring it.
  if (opts.endings !== undefined) throw new Error("The 'endings' field on 'Options' is not implemented.");
  const t = opts.type;
  return { type: t === undefined ? "" : normalizeType(t), lastModified: opts.lastModified };
}

// make builds a Blob (or File) around bytes without copying them.
function make(bytes, type, file) {
  const b = Object.create(file ? File.prototype : Blob.prototype);
  b[kBlob] = { bytes, type };
  if (file) b[kFile] = file;
  return b;
}

function copyBuffer(u8) {
  return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
}

function relative(v, size, dflt) {
  if (v === undefined) return dflt;
  let n = Math.trunc(Number(v));
  if (Number.isNaN(n)) n = 0;
  if (n < 0) n += size;
  return Math.max(0, Math.min(n, size));
}

class Blob {
  constructor(parts = undefined, opts = undefined) {
    const { type } = options(opts, "Blob");
    this[kBlob] = { bytes: concat(parts, "Blob"), type };
  }
  get size() { return state(this, "size").bytes.byteLength; }
  get type() { return state(this, "type").type; }
  slice(start = undefined, end = undefined, contentType = undefined) {
    const s = state(this, "slice");
    const n = s.bytes.byteLength;
    const from = relative(start, n, 0);
    const to = Math.max(from, relative(end, n, n));
    return make(s.bytes.subarray(from, to), contentType === undefined ? "" : normalizeType(contentType), null);
  }
  arrayBuffer() {
    try { return Promise.resolve(copyBuffer(state(this, "arrayBuffer").bytes)); } catch (e) { return Promise.reject(e); }
  }
  bytes() {
    try { return Promise.resolve(state(this, "bytes").bytes.slice()); } catch (e) { return Promise.reject(e); }
  }
  text() {
    try { return Promise.resolve(natives.decode(state(this, "text").bytes)); } catch (e) { return Promise.reject(e); }
  }
  stream() {
    const bytes = state(this, "stream").bytes.slice();
    if (!internal.streams) internal.load("streams");
    return internal.streams.fromBytes(bytes);
  }
  get [Symbol.toStringTag]() { return "Blob"; }
}

class File extends Blob {
  constructor(parts = undefined, name = undefined, opts = undefined) {
    const o = options(opts, "File");
    super();
    this[kBlob] = { bytes: concat(parts, "File"), type: o.type };
    let lastModified = o.lastModified === undefined ? Date.now() : Number(o.lastModified);
    if (Number.isNaN(lastModified)) lastModified = 0;
    this[kFile] = { name: `${name}`, lastModified };
  }
  get name() { return fileState(this, "name").name; }
  get lastModified() { return fileState(this, "lastModified").lastModified; }
  get [Symbol.toStringTag]() { return "File"; }
}

function fileState(self, method) {
  const f = self !== null && typeof self === "object" ? self[kFile] : undefined;
  if (f === undefined) throw new TypeError(`Failed to execute '${method}' on 'File': Illegal invocation`);
  return f;
}

// A Blob body is a copy of its bytes, typed as the Blob is; an untyped Blob sets no Content-Type.
(internal.bodyExtractors || (internal.bodyExtractors = [])).push((init) => {
  if (init === null || typeof init !== "object" || init[kBlob] === undefined) return null;
  const s = init[kBlob];
  return { source: s.bytes.slice(), stream: null, type: s.type === "" ? null : s.type };
});

// isBlob, bytesOf, fileOf and makeFile let FormData and structuredClone look inside without copying.
internal.blob = {
  isBlob: (v) => v !== null && typeof v === "object" && v[kBlob] !== undefined,
  bytesOf: (v) => v[kBlob].bytes,
  typeOf: (v) => v[kBlob].type,
  fileOf: (v) => v[kFile] || null,
  makeFile: (bytes, type, name, lastModified) => make(bytes, type, { name, lastModified }),
  makeBlob: (bytes, type) => make(bytes, type, null),
};
return { Blob, File };
