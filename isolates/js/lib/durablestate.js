// Durable Objects, the object's side (workerd api/actor-state.c++, sql.c++): the state (ctx)
// and storage an object gets, the SQL API and its cursors, and the dispatch of the object's
// events. Loaded only in an object's own isolate (isolates/js/actor.go); storage lives in Go
// (bindings/durable) behind the natives.
const { serialize, deserialize } = internal.load("serialize");
const { makeId, headerList } = (internal.durable ?? (internal.load("durable"), internal.durable));
const constructing = internal.symbol("constructing");
const kActor = internal.symbol("actor"), kStorage = internal.symbol("storage"), kId = internal.symbol("id");
const notSQLite = "This Durable Object is not backed by SQLite storage, so the SQL API is not available. SQL can be enabled on a new Durable Object class by using the `new_sqlite_classes` instead of `new_classes` under `[[migrations]]` in your wrangler.toml, but an already-deployed class cannot be converted to SQLite (except by deleting the existing data).";
const rpc = internal.load("rpc");

function attempt(fn) {
  try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
}

class DurableObjectState {
  constructor(key, a, id, storage) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kActor] = a;
    this[kId] = id;
    this[kStorage] = storage;
  }
  get id() { return this[kId]; }
  get storage() { return this[kStorage]; }
  get props() { return undefined; }
  waitUntil(promise) { Promise.resolve(promise).catch(() => {}); }
  // No other event is delivered until the promise fn returns settles; if it rejects, the
  // object is reset, as on Cloudflare.
  blockConcurrencyWhile(fn) {
    const a = this[kActor];
    natives.gate(a, 1);
    let p;
    try {
      p = Promise.resolve(fn());
    } catch (e) {
      natives.gate(a, -1);
      natives.abort(a, describe(e));
      return Promise.reject(e);
    }
    return p.then((v) => { natives.gate(a, -1); return v; }, (e) => {
      natives.gate(a, -1);
      natives.abort(a, describe(e));
      throw e;
    });
  }
  abort(reason) { natives.abort(this[kActor], reason === undefined ? "Application called abort() to reset Durable Object." : describe(reason)); }
  getWebSockets() { return []; }
  acceptWebSocket() { throw new Error("WebSocket hibernation is not implemented in molt."); }
  get [internal.toStringTag]() { return "DurableObjectState"; }
}

const describe = rpc.describe;

function key(k) {
  if (k === undefined) throw new TypeError("Failed to execute 'get' on 'DurableObjectStorage': parameter 1 is not of type 'string'.");
  return `${k}`;
}

function toMap(flat) {
  const m = new Map();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], deserialize(flat[i + 1]));
  return m;
}

// Operations common to storage and a transaction's handle.
class StorageOperations {
  get(keys, options) {
    return attempt(() => {
      if (Array.isArray(keys)) return toMap(natives.getMany(this[kActor], keys.map(key)));
      const v = natives.get(this[kActor], key(keys));
      return v === null ? undefined : deserialize(v);
    });
  }
  put(keyOrEntries, value, options) {
    return attempt(() => {
      if (keyOrEntries !== null && typeof keyOrEntries === "object") {
        const ks = Object.keys(keyOrEntries);
        natives.put(this[kActor], ks, ks.map((k) => serialize(keyOrEntries[k])));
        return undefined;
      }
      if (value === undefined) throw new TypeError("put() called with undefined value.");
      natives.put(this[kActor], [key(keyOrEntries)], [serialize(value)]);
      return undefined;
    });
  }
  delete(keys, options) {
    return attempt(() => {
      if (Array.isArray(keys)) return natives.delete(this[kActor], keys.map(key));
      return natives.delete(this[kActor], [key(keys)]) === 1;
    });
  }
  list(options) {
    return attempt(() => {
      const o = options === undefined || options === null ? {} : options;
      const str = (v) => (v === undefined ? undefined : `${v}`);
      if (o.start !== undefined && o.startAfter !== undefined) throw new TypeError("list() cannot be called with both start and startAfter values.");
      if (o.limit !== undefined && !(Number(o.limit) > 0)) throw new TypeError("List limit must be positive.");
      return toMap(natives.list(this[kActor], str(o.start), str(o.startAfter), str(o.end), str(o.prefix), !!o.reverse,
        o.limit === undefined ? 0 : Math.floor(Number(o.limit))));
    });
  }
  getAlarm(options) { return attempt(() => natives.getAlarm(this[kActor])); }
  setAlarm(scheduledTime, options) {
    return attempt(() => {
      const ms = scheduledTime instanceof Date ? scheduledTime.getTime() : Number(scheduledTime);
      if (!(ms > 0)) throw new TypeError("setAlarm() cannot be called with an alarm time <= 0");
      natives.setAlarm(this[kActor], Math.floor(ms));
    });
  }
  deleteAlarm(options) { return attempt(() => { natives.setAlarm(this[kActor], 0); }); }
  deleteAll(options) { return attempt(() => { natives.deleteAll(this[kActor]); }); }
}

class DurableObjectTransaction extends StorageOperations {
  constructor(key, a) {
    super();
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kActor] = a;
    this.rolledBack = false;
  }
  rollback() {
    if (this.rolledBack) throw new Error("Cannot rollback on rolled back transaction");
    this.rolledBack = true;
  }
}

class DurableObjectStorage extends StorageOperations {
  constructor(key, a, sql) {
    super();
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kActor] = a;
    this.sqlBacked = sql;
  }
  sync() { return attempt(() => { natives.sync(this[kActor]); }); }
  // transaction runs fn with a handle whose writes commit together when fn's promise
  // resolves, and are undone if it rejects or calls rollback(). No other event runs meanwhile.
  transaction(fn) {
    const a = this[kActor];
    return attempt(() => {
      natives.txBegin(a);
      natives.gate(a, 1);
      const txn = new DurableObjectTransaction(constructing, a);
      const end = (rollback) => { natives.gate(a, -1); natives.txEnd(a, rollback); };
      let p;
      try { p = Promise.resolve(fn(txn)); } catch (e) { end(true); throw e; }
      return p.then((v) => { end(txn.rolledBack); return v; }, (e) => { end(true); throw e; });
    });
  }
  transactionSync(fn) {
    const a = this[kActor];
    if (!this.sqlBacked) throw new Error("Durable Object is not backed by SQL.");
    natives.txBegin(a);
    let v;
    try { v = fn(); } catch (e) { natives.txEnd(a, true); throw e; }
    natives.txEnd(a, false);
    return v;
  }
  get sql() {
    if (!this.sqlBacked) throw new Error(notSQLite);
    return new SqlStorage(constructing, this[kActor]);
  }
  get [internal.toStringTag]() { return "DurableObjectStorage"; }
}

function sqlBinding(v) {
  if (v === null || typeof v === "number" || typeof v === "string") return v;
  // workerd binds booleans as their text.
  if (typeof v === "boolean") return `${v}`;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError("Failed to execute 'exec' on 'SqlStorage': parameter 2 is not of type 'SqlStorageValue'.");
}

class SqlStorage {
  constructor(key, a) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kActor] = a;
  }
  exec(query, ...bindings) {
    const r = natives.exec(this[kActor], `${query}`, bindings.map(sqlBinding));
    return new SqlStorageCursor(constructing, r[0], r[1], r[2], r[3]);
  }
  get databaseSize() { return natives.databaseSize(this[kActor]); }
  get [internal.toStringTag]() { return "SqlStorage"; }
}

const kRows = internal.symbol("rows"), kPos = internal.symbol("pos"), kCols = internal.symbol("cols");

class SqlStorageCursor {
  constructor(key, cols, rows, read, written) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    this[kCols] = cols;
    this[kRows] = rows;
    this[kPos] = 0;
    this.rowsRead = read;
    this.rowsWritten = written;
  }
  next() {
    if (this[kPos] >= this[kRows].length) return { done: true, value: undefined };
    return { done: false, value: rowObject(this[kCols], this[kRows][this[kPos]++]) };
  }
  toArray() {
    const out = [];
    for (let r = this.next(); !r.done; r = this.next()) out.push(r.value);
    return out;
  }
  one() {
    const left = this[kRows].length - this[kPos];
    if (left === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
    if (left > 1) { this[kPos] = this[kRows].length; throw new Error("Expected exactly one result from SQL query, but got multiple results."); }
    return this.next().value;
  }
  raw() {
    const self = this;
    return {
      next() {
        if (self[kPos] >= self[kRows].length) return { done: true, value: undefined };
        return { done: false, value: self[kRows][self[kPos]++].slice() };
      },
      toArray() { const out = []; for (let r = this.next(); !r.done; r = this.next()) out.push(r.value); return out; },
      [internal.iterator]() { return this; },
    };
  }
  get columnNames() { return this[kCols].slice(); }
  [internal.iterator]() { return this; }
  get [internal.toStringTag]() { return "SqlStorageCursor"; }
}

function rowObject(cols, row) {
  const o = {};
  for (let i = 0; i < cols.length; i++) o[cols[i]] = row[i];
  return o;
}

// --- event dispatch inside the object ------------------------------------------------------

// construct makes the object: its state and storage, then the exported class with (ctx, env).
function construct(Class, a, hex, name, sql, env) {
  const id = makeId(hex, name === "" ? undefined : name);
  const storage = new DurableObjectStorage(constructing, a, sql);
  const state = new DurableObjectState(constructing, a, id, storage);
  return new Class(state, env);
}

// dispatch runs one event and reports its outcome to natives.reply / replyFetch: kind 0
// fetch (method, url, headers, body), 1 RPC (method, serialised arguments), 2 alarm
// (retryCount).
function dispatch(obj, a, ev, kind, name, arg1, arg2, arg3) {
  let p;
  try {
    switch (kind) {
      case 0: {
        if (typeof obj.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
        const pairs = [];
        for (let i = 0; i < arg2.length; i += 2) pairs.push([arg2[i], arg2[i + 1]]);
        const req = new Request(arg1, { method: name, headers: pairs, body: arg3 });
        p = Promise.resolve(obj.fetch(req)).then(async (resp) => {
          if (!(resp instanceof Response)) throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
          const body = resp.body === null ? null : new Uint8Array(await resp.arrayBuffer());
          natives.replyFetch(a, ev, resp.status, resp.statusText, headerList(resp.headers), body);
        });
        break;
      }
      case 1: {
        // Empty arguments text is a property read (await stub.prop).
        p = rpc.invoke(obj, name, arg1).then((v) => { natives.reply(a, ev, false, serialize(v)); });
        break;
      }
      case 2:
        if (typeof obj.alarm !== "function") throw new TypeError("Handler does not export an alarm() function.");
        p = Promise.resolve(obj.alarm({ retryCount: arg1, isRetry: arg1 > 0 })).then(() => { natives.reply(a, ev, false, serialize(undefined)); });
        break;
    }
  } catch (e) {
    p = Promise.reject(e);
  }
  p.catch((e) => { natives.reply(a, ev, true, rpc.errorText(e)); });
}


internal.durablestate = { construct, dispatch };
return { DurableObjectState, DurableObjectStorage };
