// WHATWG ReadableStream (default streams) with a default reader, tee and async iteration.
// Streams backed by a Go body (natives.host*) are marked so that the host can read them
// directly when JavaScript never touched them.
const kState = Symbol("ReadableStream state");
const kCreate = Symbol("create");

function isObject(v) { return v !== null && (typeof v === "object" || typeof v === "function"); }

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

class CountQueuingStrategy {
  constructor(init) { this.highWaterMark = Number(init && init.highWaterMark); }
  get size() { return () => 1; }
}
class ByteLengthQueuingStrategy {
  constructor(init) { this.highWaterMark = Number(init && init.highWaterMark); }
  get size() { return (chunk) => chunk.byteLength; }
}

class ReadableStreamDefaultController {
  constructor(key) {
    if (key !== kCreate) throw new TypeError("Illegal constructor");
  }
  get desiredSize() {
    const s = this[kState];
    if (s.state === "errored") return null;
    if (s.state === "closed") return 0;
    return s.hwm - s.queueSize;
  }
  close() {
    const s = this[kState];
    if (s.closeRequested || s.state !== "readable") throw new TypeError("The stream is closed or closing and cannot be closed again.");
    s.closeRequested = true;
    if (s.queue.length === 0) closeStream(s);
  }
  enqueue(chunk) {
    const s = this[kState];
    if (s.closeRequested || s.state !== "readable") throw new TypeError("The stream is closed or closing and cannot be enqueued to.");
    if (s.reader && s.reader.requests.length > 0) {
      s.reader.requests.shift().resolve({ value: chunk, done: false });
    } else {
      let size = 1;
      try { size = s.sizeFn ? Number(s.sizeFn(chunk)) : 1; } catch (e) { errorStream(s, e); throw e; }
      if (!(size >= 0) || size === Infinity) { const e = new RangeError("Invalid chunk size"); errorStream(s, e); throw e; }
      s.queue.push({ chunk, size });
      s.queueSize += size;
    }
    pullIfNeeded(s);
  }
  error(e) {
    const s = this[kState];
    if (s.state === "readable") errorStream(s, e);
  }
}

function closeStream(s) {
  s.state = "closed";
  const r = s.reader;
  if (r) {
    for (const req of r.requests.splice(0)) req.resolve({ value: undefined, done: true });
    r._closed.resolve(undefined);
  }
}

function errorStream(s, e) {
  s.state = "errored";
  s.storedError = e;
  s.queue = [];
  s.queueSize = 0;
  const r = s.reader;
  if (r) {
    for (const req of r.requests.splice(0)) req.reject(e);
    r._closed.reject(e);
    r._closed.promise.catch(() => {});
  }
}

function pullIfNeeded(s) {
  if (!s.started || s.state !== "readable" || s.closeRequested || !s.pull) return;
  const wanted = (s.reader && s.reader.requests.length > 0) || s.hwm - s.queueSize > 0;
  if (!wanted) return;
  if (s.pulling) { s.pullAgain = true; return; }
  s.pulling = true;
  let p;
  try { p = Promise.resolve(s.pull.call(s.source, s.controller)); } catch (e) { p = Promise.reject(e); }
  p.then(() => {
    s.pulling = false;
    if (s.pullAgain) { s.pullAgain = false; pullIfNeeded(s); }
  }, (e) => { if (s.state === "readable") errorStream(s, e); });
}

function cancelStream(s, reason) {
  s.disturbed = true;
  if (s.state === "closed") return Promise.resolve(undefined);
  if (s.state === "errored") return Promise.reject(s.storedError);
  s.queue = [];
  s.queueSize = 0;
  closeStream(s);
  let p;
  try { p = Promise.resolve(s.cancel ? s.cancel.call(s.source, reason) : undefined); } catch (e) { p = Promise.reject(e); }
  return p.then(() => undefined);
}

class ReadableStream {
  constructor(source, strategy) {
    if (source === null) throw new TypeError("Failed to construct 'ReadableStream': parameter 1 is not of type 'object'.");
    source = source === undefined ? {} : source;
    strategy = strategy === undefined ? {} : strategy;
    if (source.type !== undefined && String(source.type) !== "bytes") {
      throw new TypeError(`Failed to construct 'ReadableStream': '${source.type}' is not a valid value for enumeration ReadableStreamType.`);
    }
    const hwm = strategy.highWaterMark === undefined ? (source.type === "bytes" ? 0 : 1) : Number(strategy.highWaterMark);
    if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("Invalid highWaterMark");
    const s = {
      state: "readable", queue: [], queueSize: 0, reader: null, disturbed: false, storedError: undefined,
      pulling: false, pullAgain: false, started: false, closeRequested: false,
      hwm, sizeFn: strategy.size, source,
      pull: typeof source.pull === "function" ? source.pull : null,
      cancel: typeof source.cancel === "function" ? source.cancel : null,
      host: 0, stream: this,
    };
    this[kState] = s;
    const controller = new ReadableStreamDefaultController(kCreate);
    controller[kState] = s;
    s.controller = controller;
    let started;
    try { started = typeof source.start === "function" ? source.start.call(source, controller) : undefined; } catch (e) { throw e; }
    Promise.resolve(started).then(() => { s.started = true; pullIfNeeded(s); }, (e) => { if (s.state === "readable") errorStream(s, e); });
  }
  get locked() { return this[kState].reader !== null; }
  cancel(reason) {
    const s = this[kState];
    if (s.reader) return Promise.reject(new TypeError("This ReadableStream is currently locked to a reader."));
    return cancelStream(s, reason);
  }
  getReader(options) {
    const mode = options && options.mode;
    if (mode !== undefined && mode !== "byob") throw new TypeError(`'${mode}' is not a valid value for enumeration ReadableStreamReaderMode.`);
    if (mode === "byob") throw new TypeError("This ReadableStream does not support BYOB readers.");
    return new ReadableStreamDefaultReader(this);
  }
  tee() {
    const reader = this.getReader();
    let canceled = 0;
    const reasons = [];
    const done = deferred();
    let branches;
    const pull = () => reader.read().then(({ value, done: end }) => {
      if (end) { for (const c of controllers) { try { c.close(); } catch (e) { } } return; }
      for (const c of controllers) { try { c.enqueue(value); } catch (e) { } }
    }, (e) => { for (const c of controllers) c.error(e); });
    const controllers = [];
    const make = (i) => new ReadableStream({
      start(c) { controllers[i] = c; },
      pull() { return pull(); },
      cancel(reason) {
        reasons[i] = reason; canceled++;
        if (canceled === 2) done.resolve(reader.cancel(reasons));
        return done.promise;
      },
    }, { highWaterMark: 0 });
    branches = [make(0), make(1)];
    return branches;
  }
  values(options) {
    const reader = this.getReader();
    const preventCancel = !!(options && options.preventCancel);
    return {
      next() { return reader.read().then((r) => { if (r.done) reader.releaseLock(); return r; }); },
      return(value) {
        if (!preventCancel) { const p = reader.cancel(value); reader.releaseLock(); return p.then(() => ({ value, done: true })); }
        reader.releaseLock();
        return Promise.resolve({ value, done: true });
      },
      [Symbol.asyncIterator]() { return this; },
    };
  }
  [Symbol.asyncIterator](options) { return this.values(options); }
  static from(iterable) {
    if (iterable instanceof ReadableStream) return iterable;
    const asyncIt = iterable[Symbol.asyncIterator];
    const it = asyncIt ? asyncIt.call(iterable) : iterable[Symbol.iterator]();
    return new ReadableStream({
      async pull(c) {
        const r = await it.next();
        if (r.done) c.close(); else c.enqueue(r.value);
      },
      async cancel(reason) { if (typeof it.return === "function") await it.return(reason); },
    }, { highWaterMark: 0 });
  }
}

class ReadableStreamDefaultReader {
  constructor(stream) {
    if (!(stream instanceof ReadableStream)) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    const s = stream[kState];
    if (s.reader) throw new TypeError("This ReadableStream is currently locked to a reader.");
    this.stream = s;
    this.requests = [];
    this._closed = deferred();
    s.reader = this;
    if (s.state === "closed") this._closed.resolve(undefined);
    if (s.state === "errored") { this._closed.reject(s.storedError); this._closed.promise.catch(() => {}); }
  }
  get closed() { return this._closed.promise; }
  read() {
    const s = this.stream;
    if (!s) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    s.disturbed = true;
    if (s.queue.length > 0) {
      const { chunk, size } = s.queue.shift();
      s.queueSize -= size;
      if (s.closeRequested && s.queue.length === 0) closeStream(s);
      else pullIfNeeded(s);
      return Promise.resolve({ value: chunk, done: false });
    }
    if (s.state === "closed") return Promise.resolve({ value: undefined, done: true });
    if (s.state === "errored") return Promise.reject(s.storedError);
    const d = deferred();
    this.requests.push(d);
    pullIfNeeded(s);
    return d.promise;
  }
  releaseLock() {
    const s = this.stream;
    if (!s) return;
    const e = new TypeError("This ReadableStream reader has been released.");
    for (const req of this.requests.splice(0)) req.reject(e);
    if (s.state !== "readable") this._closed = deferred();
    this._closed.reject(e);
    this._closed.promise.catch(() => {});
    s.reader = null;
    this.stream = null;
  }
  cancel(reason) {
    if (!this.stream) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    return cancelStream(this.stream, reason);
  }
}

// fromHost makes a stream over Go body id; until JavaScript reads it, the host may take the
// body back (takeHost) and copy it without JavaScript.
function fromHost(id) {
  const stream = new ReadableStream({
    pull(c) {
      return natives.hostRead(id).then((buf) => {
        if (buf === null) c.close(); else c.enqueue(new Uint8Array(buf));
      });
    },
    cancel() { natives.hostCancel(id); },
  }, { highWaterMark: 0 });
  stream[kState].host = id;
  return stream;
}

// hostOf returns the Go body id behind an untouched host stream, or 0.
function hostOf(stream) {
  const s = stream[kState];
  return s.host && !s.disturbed && !s.reader && s.state === "readable" ? s.host : 0;
}

// fixedBytes returns the whole content of a stream that a body made from bytes or a string
// (its .body), while nothing has read it: a Response built on such a stream (new
// Response(res.body, res), as routers do to change headers) then still goes out with a
// Content-Length, as in workerd, whose streams of known length keep it.
function fixedBytes(stream) {
  const s = stream[kState];
  return s.bytes && !s.disturbed && !s.reader && s.state === "readable" ? s.bytes : null;
}

// fromBytes makes the stream of a body whose content is known: one chunk, then the end.
function fromBytes(bytes) {
  const stream = new ReadableStream({
    type: "bytes",
    start(c) { if (bytes.byteLength > 0) c.enqueue(bytes); c.close(); },
  });
  stream[kState].bytes = bytes;
  return stream;
}

// readAll collects every chunk of stream into one Uint8Array, locking and disturbing it.
async function readAll(stream) {
  const id = hostOf(stream);
  if (id) {
    const s = stream[kState];
    s.disturbed = true;
    const reader = stream.getReader();
    let buf;
    try {
      buf = await natives.hostReadAll(id);
    } catch (e) {
      // A stream errored meanwhile (its fetch was aborted) fails with its own error.
      throw s.state === "errored" ? s.storedError : e;
    }
    closeStream(s);
    reader.releaseLock();
    return new Uint8Array(buf);
  }
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const u8 = toBytes(value);
    chunks.push(u8);
    total += u8.byteLength;
  }
  reader.releaseLock();
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return out;
}

function toBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.");
}

function isDisturbed(stream) { return stream[kState].disturbed; }

internal.streams = { fromHost, fromBytes, fixedBytes, hostOf, readAll, toBytes, isDisturbed, kState };

return { ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy };
