// KVNamespace, the object of a kv_namespaces binding (workerd api/kv.c++). Storage, limits and
// Cloudflare's error texts live in Go (bindings/kv); this file shapes arguments and results
// as workerd does: options objects, result types, a Map for bulk gets.
// Streams load only for the stream type or a stream value: most workers never need them.
function streams() {
  if (!internal.streams) internal.load("streams");
  return internal.streams;
}

natives.setErrors((isType, message) => isType ? new TypeError(message) : new Error(message));

const handles = new WeakMap();
const constructing = Symbol("constructing");
const unknownType = 'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';
const badValue = "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";
const maxValue = 25 * 1024 * 1024;

function handle(self) {
  const h = handles.get(self);
  if (h === undefined) throw new TypeError("Illegal invocation");
  return h;
}

// name converts a key argument as workerd's string parameters do; a missing one is an error.
function name(method, key) {
  if (key === undefined || typeof key === "symbol") {
    throw new TypeError(`Failed to execute '${method}' on 'KvNamespace': parameter 1 is not of type 'string'.`);
  }
  return String(key);
}

// getOptions reads get's second argument: a type name, or {type, cacheTtl}.
function getOptions(options) {
  if (options === undefined || options === null) return ["text", undefined, false];
  if (typeof options === "object") {
    const type = options.type === undefined ? "text" : String(options.type);
    return [type, options.cacheTtl === undefined ? undefined : Number(options.cacheTtl), options.type !== undefined];
  }
  return [String(options), undefined, true];
}

function convert(value, type) {
  switch (type) {
    case "text": case "arrayBuffer": return value;
    case "json": return JSON.parse(value);
    case "stream": return streams().fromHost(value);
  }
  throw new TypeError(unknownType);
}

// reject turns a synchronous failure into the rejected promise workerd's methods return.
function attempt(fn) {
  try { return fn(); } catch (e) { return Promise.reject(e); }
}

function bulk(h, method, keys, options, withMetadata) {
  const list = Array.from(keys, (k) => name(method, k));
  const [type, cacheTtl, typed] = getOptions(options);
  return natives.getBulk(h, list, typed ? type : undefined, cacheTtl, withMetadata).then((text) => {
    const obj = JSON.parse(text);
    const map = new Map();
    for (const k of list) map.set(k, obj[k] === undefined ? null : obj[k]);
    return map;
  });
}

class KVNamespace {
  constructor(key, h) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    handles.set(this, h);
  }

  get(key, options) {
    return attempt(() => {
      const h = handle(this);
      if (Array.isArray(key)) return bulk(h, "get", key, options, false);
      const [type, cacheTtl] = getOptions(options);
      return natives.get(h, name("get", key), type, cacheTtl).then((r) => r === null ? null : convert(r[0], type));
    });
  }

  getWithMetadata(key, options) {
    return attempt(() => {
      const h = handle(this);
      if (Array.isArray(key)) return bulk(h, "getWithMetadata", key, options, true);
      const [type, cacheTtl] = getOptions(options);
      return natives.get(h, name("getWithMetadata", key), type, cacheTtl).then((r) => {
        if (r === null) return { value: null, metadata: null, cacheStatus: null };
        return { value: convert(r[0], type), metadata: r[1] === null ? null : JSON.parse(r[1]), cacheStatus: null };
      });
    });
  }

  put(key, value, options) {
    return attempt(() => {
      const h = handle(this);
      const k = name("put", key);
      let expiration, expirationTtl, metadata;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object") throw new TypeError("Failed to execute 'put' on 'KvNamespace': parameter 3 is not of type 'KVNamespacePutOptions'.");
        if (options.expiration !== undefined) expiration = Number(options.expiration);
        if (options.expirationTtl !== undefined) expirationTtl = Number(options.expirationTtl);
        if (options.metadata !== undefined && options.metadata !== null) metadata = JSON.stringify(options.metadata);
      }
      const store = (v) => natives.put(h, k, v, expiration, expirationTtl, metadata);
      if (value === null || typeof value !== "object") {
        if (typeof value === "symbol" || typeof value === "function") throw new TypeError(badValue);
        return store(String(value));
      }
      if (value instanceof ArrayBuffer) return store(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) return store(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (value instanceof globalThis.ReadableStream) return readLimited(value).then(store);
      throw new TypeError(badValue);
    });
  }

  delete(key) {
    return attempt(() => natives.delete(handle(this), name("delete", key)));
  }

  list(options) {
    return attempt(() => {
      const h = handle(this);
      let prefix, limit, cursor;
      if (options !== undefined && options !== null) {
        if (typeof options !== "object") throw new TypeError("Failed to execute 'list' on 'KvNamespace': parameter 1 is not of type 'KVNamespaceListOptions'.");
        if (options.prefix !== undefined && options.prefix !== null) prefix = String(options.prefix);
        if (options.limit !== undefined) limit = Number(options.limit);
        if (options.cursor !== undefined && options.cursor !== null) cursor = String(options.cursor);
      }
      return natives.list(h, prefix, limit, cursor).then((text) => JSON.parse(text));
    });
  }

  get [Symbol.toStringTag]() { return "KvNamespace"; }
}

// readLimited reads a stream value; past 25 MiB it fails with KV's 413.
async function readLimited(stream) {
  if (stream.locked || streams().isDisturbed(stream)) throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const u8 = streams().toBytes(value);
    total += u8.byteLength;
    // Past the limit the rest is only counted, so that the error gives the whole length.
    if (total <= maxValue) chunks.push(u8);
  }
  if (total > maxValue) throw natives.valueBytes(total);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return out;
}

function create(h) { return new KVNamespace(constructing, h); }

return { KVNamespace, create };
