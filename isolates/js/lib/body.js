// The Body mixin of Request and Response. A body starts as its source (a string, bytes, a Go
// body or a stream) and becomes a ReadableStream only when JavaScript asks for .body, so that
// the common cases (return new Response("text"), await request.json()) never build a stream.
const kBody = internal.symbol("body");

// The streams and UTF-8 libraries load on first need: a body given and read as a string
// (new Response("text"), the common case) needs neither, and loading them used to be most of
// the set-up of a request.
let S = null;
function streams() {
  if (S === null) { internal.load("streams"); S = internal.streams; }
  return S;
}
function encodeUTF8(s) {
  if (!internal.encodeUTF8) internal.load("utf8");
  return internal.encodeUTF8(s);
}
function decodeUTF8(u8) {
  if (!internal.decodeUTF8) internal.load("utf8");
  return internal.decodeUTF8(u8);
}

const usedMessage = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

// extract turns a BodyInit into a body record and the Content-Type it implies.
function extract(init) {
  if (init === null || init === undefined) return { body: null, type: null };
  if (typeof init === "string") return { body: { source: init, stream: null, used: false, length: -1 }, type: "text/plain;charset=UTF-8" };
  if (init instanceof ArrayBuffer) return { body: { source: new Uint8Array(init.slice(0)), stream: null, used: false }, type: null };
  if (ArrayBuffer.isView(init)) return { body: { source: new Uint8Array(init.buffer.slice(init.byteOffset, init.byteOffset + init.byteLength)), stream: null, used: false }, type: null };
  // No ReadableStream exists before the streams library has loaded.
  if (internal.streams && init instanceof globalThis.ReadableStream) {
    if (init.locked || streams().isDisturbed(init)) throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
    return { body: { source: null, stream: init, used: false }, type: null };
  }
  for (const ext of internal.bodyExtractors || []) {
    const r = ext(init);
    if (r) return { body: { source: r.source, stream: r.stream || null, used: false }, type: r.type };
  }
  if (typeof init === "object" && typeof globalThis.URLSearchParams === "function" && init instanceof globalThis.URLSearchParams) {
    return { body: { source: init.toString(), stream: null, used: false }, type: "application/x-www-form-urlencoded;charset=UTF-8" };
  }
  return { body: { source: String(init), stream: null, used: false }, type: "text/plain;charset=UTF-8" };
}

function fromHost(id) {
  return { source: null, stream: streams().fromHost(id), used: false };
}

function stream(body) {
  if (!body) return null;
  if (!body.stream) {
    const src = body.source;
    body.source = null;
    const bytes = typeof src === "string" ? encodeUTF8(src) : src;
    body.stream = streams().fromBytes(bytes);
    if (body.used) body.stream.getReader().read();
  }
  return body.stream;
}

function isUsed(body) {
  if (!body) return false;
  if (body.stream) return streams().isDisturbed(body.stream);
  return body.used;
}

// consume reads the whole body as a string (asText) or a Uint8Array.
function consume(body, asText) {
  if (!body) return Promise.resolve(asText ? "" : new Uint8Array(0));
  if (isUsed(body) || (body.stream && body.stream.locked)) return Promise.reject(new TypeError(usedMessage));
  body.used = true;
  if (!body.stream) {
    const src = body.source;
    body.source = null;
    if (typeof src === "string") return Promise.resolve(asText ? src : encodeUTF8(src));
    return Promise.resolve(asText ? decodeUTF8(src) : src);
  }
  return streams().readAll(body.stream).then((u8) => asText ? decodeUTF8(u8) : u8);
}

// clone tees a body so that both copies can be read.
function clone(body) {
  if (!body) return [null, null];
  if (isUsed(body)) throw new TypeError(usedMessage);
  if (!body.stream) return [body, { source: body.source, stream: null, used: false }];
  const [a, b] = body.stream.tee();
  return [{ source: null, stream: a, used: false }, { source: null, stream: b, used: false }];
}

// mixin adds the Body methods to a class whose instances keep their body record under kBody.
function mixin(cls) {
  const p = cls.prototype;
  // One descriptor for all the methods: each object literal is an allocation in every isolate.
  const d = { value: undefined, writable: true, configurable: true, enumerable: true };
  const def = (name, fn) => { d.value = fn; Object.defineProperty(p, name, d); };
  Object.defineProperty(p, "body", { get() { return stream(this[kBody]); }, configurable: true, enumerable: true });
  Object.defineProperty(p, "bodyUsed", { get() { return isUsed(this[kBody]); }, configurable: true, enumerable: true });
  def("text", function text() { return consume(this[kBody], true); });
  def("json", function json() { return consume(this[kBody], true).then((t) => JSON.parse(t)); });
  def("arrayBuffer", function arrayBuffer() {
    return consume(this[kBody], false).then((u8) => u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength));
  });
  def("bytes", function bytes() { return consume(this[kBody], false); });
  def("blob", function blob() {
    const type = this.headers.get("content-type") || "";
    return consume(this[kBody], false).then((u8) => new globalThis.Blob([u8], { type }));
  });
  def("formData", function formData() {
    // The FormData library loads here: a worker may parse a form without naming FormData.
    if (typeof internal.parseFormData !== "function") internal.load("formdata");
    if (isUsed(this[kBody])) return Promise.reject(new TypeError(usedMessage));
    const type = this.headers.get("content-type");
    if (type === null) return Promise.reject(new TypeError("Parsing a Body as FormData requires a Content-Type header."));
    return consume(this[kBody], false).then((u8) => internal.parseFormData(u8, type));
  });
}

internal.body = { kBody, extract, fromHost, stream, isUsed, consume, clone, mixin, usedMessage };
return {};
