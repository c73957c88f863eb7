// VectorizeIndex, the object of a [[vectorize]] binding (workerd cloudflare/internal/vectorize-api.ts,
// V2). Storage, search, limits and the service's error texts live in Go (bindings/vectorize);
// this file shapes arguments and results as workerd does and checks what workerd checks before
// a request: the returnMetadata option.

natives.setErrors((message) => new Error(message));

const handles = new WeakMap();
const constructing = Symbol("constructing");

function handle(self) {
  const h = handles.get(self);
  if (h === undefined) throw new TypeError("Illegal invocation");
  return h;
}

function attempt(fn) {
  try { return fn(); } catch (e) { return Promise.reject(e); }
}

// queryOptions serialises the options as workerd does before it sends them: a boolean
// returnMetadata becomes "all" or "none", any other value must be one of the levels. A
// returnMetadata of false is left as it is, as in workerd, and the service refuses it.
function queryOptions(options) {
  const o = options === undefined || options === null ? {} : options;
  if (o.returnMetadata) {
    if (typeof o.returnMetadata !== "boolean" && !["all", "indexed", "none"].includes(o.returnMetadata)) {
      throw new Error(`Invalid returnMetadata option. Expected: true, false, "none", "indexed" or "all"; got: ${o.returnMetadata}`);
    }
    if (typeof o.returnMetadata === "boolean") o.returnMetadata = o.returnMetadata ? "all" : "none";
  }
  // The JSON the service would parse: what it cannot parse it refuses.
  return JSON.stringify(o);
}

// floats copies a vector's values into a Float32Array, the precision Vectorize keeps.
function floats(values) {
  if (values instanceof Float32Array) return values;
  return Float32Array.from(Array.isArray(values) ? values : Array.from(values), Number);
}

function bytes(f32) { return new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength); }

function write(self, insert, vectors) {
  return attempt(() => {
    const h = handle(self);
    const list = Array.from(vectors);
    const ids = [], namespaces = [], metadata = [], lengths = [];
    let total = 0;
    const parts = list.map((v) => {
      const f = floats(v.values);
      total += f.length;
      return f;
    });
    const all = new Float32Array(total);
    let off = 0;
    list.forEach((v, i) => {
      ids.push(v.id === undefined ? "" : String(v.id));
      namespaces.push(v.namespace === undefined || v.namespace === null ? "" : String(v.namespace));
      metadata.push(v.metadata === undefined || v.metadata === null ? "" : JSON.stringify(v.metadata));
      lengths.push(parts[i].length);
      all.set(parts[i], off);
      off += parts[i].length;
    });
    return natives.write(h, insert, ids, namespaces, metadata, lengths, bytes(all)).then(JSON.parse);
  });
}

class VectorizeIndexImpl {
  constructor(key, h) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    handles.set(this, h);
  }

  describe() {
    return attempt(() => natives.describe(handle(this)).then(JSON.parse));
  }

  query(vector, options) {
    return attempt(() => {
      const h = handle(this);
      const f = floats(vector);
      return natives.query(h, bytes(f), "", queryOptions(options)).then(JSON.parse);
    });
  }

  queryById(vectorId, options) {
    return attempt(() => natives.query(handle(this), null, String(vectorId), queryOptions(options)).then(JSON.parse));
  }

  insert(vectors) { return write(this, true, vectors); }

  upsert(vectors) { return write(this, false, vectors); }

  getByIds(ids) {
    return attempt(() => natives.getByIds(handle(this), JSON.stringify({ ids })).then(JSON.parse));
  }

  deleteByIds(ids) {
    return attempt(() => natives.deleteByIds(handle(this), JSON.stringify({ ids })).then(JSON.parse));
  }

  get [Symbol.toStringTag]() { return "VectorizeIndexImpl"; }
}

function create(h) { return new VectorizeIndexImpl(constructing, h); }

return { VectorizeIndexImpl, create };
