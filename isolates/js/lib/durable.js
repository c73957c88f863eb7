// Durable Objects, the caller's side (workerd api/actor.c++): the namespace binding, ids and
// stubs a worker sees. Calls leave the isolate as lib/serialize.js text through natives.call
// and natives.fetch; the object's side is lib/durablestate.js, loaded only in an object's own
// isolate, and the base classes of cloudflare:workers are lib/workers.js. Every request of
// a worker with a Durable Object binding builds its namespace, so this file stays small.
const constructing = internal.symbol("constructing");
const kHex = internal.symbol("hex"), kName = internal.symbol("name"), kNs = internal.symbol("namespace");
const kId = internal.symbol("id");
let ser = null;
const deserialize = (t) => (ser ??= internal.load("serialize")).deserialize(t);

function attempt(fn) {
  try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
}

// --- the caller's side: namespace, ids, stubs ---------------------------------------------

class DurableObjectId {
  constructor(key, hex, name) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kHex] = hex;
    this[kName] = name;
  }
  toString() { return this[kHex]; }
  equals(other) { return other instanceof DurableObjectId && other[kHex] === this[kHex]; }
  get name() { return this[kName]; }
  get jurisdiction() { return undefined; }
  get [internal.toStringTag]() { return "DurableObjectId"; }
}

class DurableObjectNamespace {
  constructor(key, h) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kNs] = h;
  }
  idFromName(name) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'idFromName' on 'DurableObjectNamespace': parameter 1 is not of type 'string'.");
    const n = `${name}`;
    return new DurableObjectId(constructing, natives.idFromName(this[kNs], n), n);
  }
  newUniqueId(options) {
    if (options && options.jurisdiction !== undefined) throw new Error("Jurisdiction restrictions are not implemented in workerd.");
    return new DurableObjectId(constructing, natives.newUniqueId(this[kNs]), undefined);
  }
  idFromString(id) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'idFromString' on 'DurableObjectNamespace': parameter 1 is not of type 'string'.");
    return new DurableObjectId(constructing, natives.idFromString(this[kNs], `${id}`), undefined);
  }
  get(id, options) {
    if (!(id instanceof DurableObjectId)) throw new TypeError("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    return makeStub(this[kNs], id);
  }
  getByName(name, options) { return this.get(this.idFromName(name), options); }
  jurisdiction(name) { return this; }
  get [internal.toStringTag]() { return "DurableObjectNamespace"; }
}

class DurableObjectStub {
  constructor(key, h, id) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kNs] = h;
    this[kId] = id;
  }
  get id() { return this[kId]; }
  get name() { return this[kId][kName]; }
  fetch(input, init) { return attempt(() => stubFetch(this[kNs], this[kId], input, init)); }
  connect() { throw new Error("connect() is not implemented for Durable Objects in molt."); }
  get [internal.toStringTag]() { return "DurableObject"; }
}

// A stub answers any other property with a function that calls the object's method of that
// name over RPC (lib/rpc.js).
function makeStub(h, id) {
  return internal.load("rpc").stub(new DurableObjectStub(constructing, h, id), sendCall);
}

function sendCall(stub, method, text) {
  const id = stub[kId];
  return natives.call(stub[kNs], id[kHex], id[kName], method, text);
}

function headerList(headers) {
  const list = [];
  for (const [k, v] of headers) list.push(k, v);
  return list;
}

async function stubFetch(h, id, input, init) {
  const req = new Request(input, init);
  const body = req.body === null ? null : new Uint8Array(await req.arrayBuffer());
  const r = await natives.fetch(h, id[kHex], id[kName], req.method, req.url, headerList(req.headers), body);
  if (r[0]) throw deserialize(r[1]);
  return toResponse(r[1], r[2], r[3], r[4]);
}

function toResponse(status, statusText, headers, body) {
  const pairs = [];
  for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
  const nullBody = status === 204 || status === 205 || status === 304;
  return new Response(nullBody ? null : body, { status, statusText, headers: pairs });
}

function createNamespace(h) { return new DurableObjectNamespace(constructing, h); }

function makeId(hex, name) { return new DurableObjectId(constructing, hex, name); }

internal.durable = { createNamespace, makeId, headerList };
return { DurableObjectNamespace, DurableObjectId };
