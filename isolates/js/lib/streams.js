// WHATWG ReadableStream: default and byte streams, default and BYOB readers, tee, pipeTo and
// pipeThrough, async iteration and ReadableStream.from, following the Streams standard's
// algorithms (names in comments are the standard's). Streams backed by a Go body
// (natives.host*) are marked so that the host can read them directly when JavaScript never
// touched them. WritableStream and TransformStream live in writable.js, loaded on first use.
//
// Deviation: ArrayBuffers cannot be detached in goja, so byte streams do not transfer the
// buffers given to enqueue() or read(view); they use them in place.
const kState = Symbol("ReadableStream state");
const kCtl = Symbol("controller state");
const kReader = Symbol("reader state");
const kCreate = Symbol("create");

const noop = () => {};
const resolved = (v) => Promise.resolve(v);

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

function rejectedHandled(e) {
  const p = Promise.reject(e);
  p.catch(noop);
  return p;
}

// promiseCall calls fn and turns a throw into a rejected promise.
function promiseCall(fn, thisArg, arg) {
  if (fn === undefined) return resolved(undefined);
  try { return resolved(fn.call(thisArg, arg)); } catch (e) { return Promise.reject(e); }
}

function method(obj, name, what) {
  const m = obj[name];
  if (m !== undefined && typeof m !== "function") throw new TypeError(`Failed to construct '${what}': member ${name} is not a function.`);
  return m;
}

// ---------------------------------------------------------------- queuing strategies ---

function extractHighWaterMark(strategy, dflt) {
  const hwm = strategy === undefined || strategy === null ? undefined : strategy.highWaterMark;
  if (hwm === undefined) return dflt;
  const n = Number(hwm);
  if (Number.isNaN(n) || n < 0) throw new RangeError("The highWaterMark must be a non-negative number.");
  return n;
}

function extractSizeAlgorithm(strategy) {
  const size = strategy === undefined || strategy === null ? undefined : strategy.size;
  if (size === undefined) return undefined;
  if (typeof size !== "function") throw new TypeError("The size of a queuing strategy must be a function.");
  return size;
}

const byteLengthSize = function size(chunk) { return chunk.byteLength; };
const countSize = function size() { return 1; };

// strategyHighWaterMark reads a queuing strategy's QueuingStrategyInit as workerd checks it.
function strategyHighWaterMark(name, init) {
  if (init === null || typeof init !== "object") throw new TypeError(`Failed to construct '${name}': parameter 1 is not of type 'QueuingStrategyInit'.`);
  if (init.highWaterMark === undefined) throw new TypeError(`Failed to construct '${name}': required member highWaterMark is undefined.`);
  return Number(init.highWaterMark);
}

class ByteLengthQueuingStrategy {
  constructor(init) {
    this[kCtl] = strategyHighWaterMark("ByteLengthQueuingStrategy", init);
  }
  get highWaterMark() { return this[kCtl]; }
  get size() { return byteLengthSize; }
  get [Symbol.toStringTag]() { return "ByteLengthQueuingStrategy"; }
}

class CountQueuingStrategy {
  constructor(init) {
    this[kCtl] = strategyHighWaterMark("CountQueuingStrategy", init);
  }
  get highWaterMark() { return this[kCtl]; }
  get size() { return countSize; }
  get [Symbol.toStringTag]() { return "CountQueuingStrategy"; }
}

// ---------------------------------------------------------------- read requests ---

// A read request settles the promise of reader.read().
class ReadRequest {
  constructor() {
    this.promise = new Promise((res, rej) => { this.res = res; this.rej = rej; });
  }
  chunk(value) { this.res({ value, done: false }); }
  close(value) { this.res({ value, done: true }); }
  error(e) { this.rej(e); }
}

// ---------------------------------------------------------------- stream state ---

function newState(stream) {
  return { state: "readable", reader: null, storedError: undefined, disturbed: false, controller: null, ctl: null, host: 0, bytes: null, stream };
}

// createReadableStream (CreateReadableStream) makes a stream from algorithms, without a source
// object: tee, from, TransformStream and the host streams use it.
function createReadableStream(start, pull, cancel, hwm = 1, size = undefined) {
  const stream = Object.create(ReadableStream.prototype);
  const s = newState(stream);
  stream[kState] = s;
  setUpDefaultController(s, start, pull, cancel, hwm, size);
  return stream;
}

function createByteStream(start, pull, cancel, hwm = 0, autoAllocateChunkSize = undefined) {
  const stream = Object.create(ReadableStream.prototype);
  const s = newState(stream);
  stream[kState] = s;
  setUpByteController(s, start, pull, cancel, hwm, autoAllocateChunkSize);
  return stream;
}

function isLocked(s) { return s.reader !== null; }

function readableStreamClose(s) {
  s.state = "closed";
  const r = s.reader;
  if (r === null) return;
  const rs = r[kReader];
  rs.closed.resolve(undefined);
  if (rs.byob) return;
  const reqs = rs.requests;
  rs.requests = [];
  for (const req of reqs) req.close(undefined);
}

function readableStreamError(s, e) {
  s.state = "errored";
  s.storedError = e;
  const r = s.reader;
  if (r === null) return;
  const rs = r[kReader];
  rs.closed.reject(e);
  rs.closed.promise.catch(noop);
  const reqs = rs.requests;
  rs.requests = [];
  for (const req of reqs) req.error(e);
}

function readableStreamCancel(s, reason) {
  s.disturbed = true;
  if (s.state === "closed") return resolved(undefined);
  if (s.state === "errored") return Promise.reject(s.storedError);
  readableStreamClose(s);
  const r = s.reader;
  if (r !== null && r[kReader].byob) {
    const rs = r[kReader];
    const reqs = rs.requests;
    rs.requests = [];
    for (const req of reqs) req.close(undefined);
  }
  return s.ctl.cancelSteps(reason).then(noop);
}

function fulfillReadRequest(s, chunk, done) {
  const req = s.reader[kReader].requests.shift();
  if (done) req.close(undefined); else req.chunk(chunk);
}

function fulfillReadIntoRequest(s, chunk, done) {
  const req = s.reader[kReader].requests.shift();
  if (done) req.close(chunk); else req.chunk(chunk);
}

function numRequests(s) { return s.reader === null ? 0 : s.reader[kReader].requests.length; }
function hasDefaultReader(s) { return s.reader !== null && !s.reader[kReader].byob; }
function hasBYOBReader(s) { return s.reader !== null && s.reader[kReader].byob; }

// ---------------------------------------------------------------- default controller ---

class ReadableStreamDefaultController {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  get desiredSize() { return this[kCtl].desiredSize(); }
  close() {
    const c = this[kCtl];
    if (!c.canCloseOrEnqueue()) throw new TypeError("The stream is closed or closing and cannot be closed again.");
    c.close();
  }
  enqueue(chunk) {
    const c = this[kCtl];
    if (!c.canCloseOrEnqueue()) throw new TypeError("The stream is closed or closing and cannot be enqueued to.");
    c.enqueue(chunk);
  }
  error(e) { this[kCtl].error(e); }
  get [Symbol.toStringTag]() { return "ReadableStreamDefaultController"; }
}

// Controller is what the default and the byte stream controllers share: the queue, the
// start and pull state, and the spec's pull loop (subclasses say when to pull and how to error).
class Controller {
  constructor(s, pull, cancel, hwm) {
    this.s = s;
    this.queue = [];
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pulling = false;
    this.pullAgain = false;
    this.pullAlgorithm = pull;
    this.cancelAlgorithm = cancel;
    this.hwm = hwm;
  }
  canCloseOrEnqueue() { return !this.closeRequested && this.s.state === "readable"; }
  desiredSize() {
    const st = this.s.state;
    if (st === "errored") return null;
    if (st === "closed") return 0;
    return this.hwm - this.queueTotalSize;
  }
  callPullIfNeeded() {
    if (!this.shouldCallPull()) return;
    if (this.pulling) { this.pullAgain = true; return; }
    this.pulling = true;
    this.pullAlgorithm().then(() => {
      this.pulling = false;
      if (this.pullAgain) { this.pullAgain = false; this.callPullIfNeeded(); }
    }, (e) => this.error(e));
  }
}

class DefaultController extends Controller {
  constructor(s, pull, cancel, hwm, size) {
    super(s, pull, cancel, hwm);
    this.size = size;
  }
  clearAlgorithms() { this.pullAlgorithm = undefined; this.cancelAlgorithm = undefined; this.size = undefined; }
  close() {
    if (!this.canCloseOrEnqueue()) return;
    this.closeRequested = true;
    if (this.queue.length === 0) { this.clearAlgorithms(); readableStreamClose(this.s); }
  }
  enqueue(chunk) {
    if (!this.canCloseOrEnqueue()) return;
    const s = this.s;
    if (isLocked(s) && numRequests(s) > 0) {
      fulfillReadRequest(s, chunk, false);
    } else {
      let size = 1;
      if (this.size !== undefined) {
        try { size = this.size(chunk); } catch (e) { this.error(e); throw e; }
      }
      size = Number(size);
      if (!(size >= 0) || size === Infinity) {
        const e = new RangeError("The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number.");
        this.error(e);
        throw e;
      }
      this.queue.push(chunk, size);
      this.queueTotalSize += size;
    }
    this.callPullIfNeeded();
  }
  error(e) {
    if (this.s.state !== "readable") return;
    this.queue = [];
    this.queueTotalSize = 0;
    this.clearAlgorithms();
    readableStreamError(this.s, e);
  }
  shouldCallPull() {
    if (!this.canCloseOrEnqueue() || !this.started) return false;
    if (isLocked(this.s) && numRequests(this.s) > 0) return true;
    return this.desiredSize() > 0;
  }
  cancelSteps(reason) {
    this.queue = [];
    this.queueTotalSize = 0;
    const p = this.cancelAlgorithm(reason);
    this.clearAlgorithms();
    return p;
  }
  pullSteps(req) {
    if (this.queue.length > 0) {
      const chunk = this.queue.shift();
      this.queueTotalSize -= this.queue.shift();
      if (this.queueTotalSize < 0) this.queueTotalSize = 0;
      if (this.closeRequested && this.queue.length === 0) {
        this.clearAlgorithms();
        readableStreamClose(this.s);
      } else {
        this.callPullIfNeeded();
      }
      req.chunk(chunk);
      return;
    }
    this.s.reader[kReader].requests.push(req);
    this.callPullIfNeeded();
  }
  releaseSteps() {}
}

function setUpDefaultController(s, start, pull, cancel, hwm, size) {
  const c = new DefaultController(s, pull, cancel, hwm, size);
  const controller = new ReadableStreamDefaultController(kCreate);
  controller[kCtl] = c;
  s.ctl = c;
  s.controller = controller;
  const startResult = start(controller);
  resolved(startResult).then(() => { c.started = true; c.callPullIfNeeded(); }, (e) => c.error(e));
}

// ---------------------------------------------------------------- byte controller ---

class ReadableStreamBYOBRequest {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  get view() { return this[kCtl].view; }
  respond(bytesWritten) {
    const r = this[kCtl];
    if (r.controller === null) throw new TypeError("This BYOB request has been invalidated.");
    const n = Number(bytesWritten);
    if (!Number.isFinite(n) || n < 0) throw new TypeError("bytesWritten must be a non-negative number.");
    r.controller.respond(Math.trunc(n));
  }
  respondWithNewView(view) {
    const r = this[kCtl];
    if (!ArrayBuffer.isView(view)) throw new TypeError("Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest': parameter 1 is not of type 'ArrayBufferView'.");
    if (r.controller === null) throw new TypeError("This BYOB request has been invalidated.");
    r.controller.respondWithNewView(view);
  }
  get [Symbol.toStringTag]() { return "ReadableStreamBYOBRequest"; }
}

class ReadableByteStreamController {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  get byobRequest() { return this[kCtl].getBYOBRequest(); }
  get desiredSize() { return this[kCtl].desiredSize(); }
  close() {
    const c = this[kCtl];
    if (c.closeRequested) throw new TypeError("The stream is closed or closing and cannot be closed again.");
    if (c.s.state !== "readable") throw new TypeError("The stream is closed or closing and cannot be closed again.");
    c.close();
  }
  enqueue(chunk) {
    const c = this[kCtl];
    if (!ArrayBuffer.isView(chunk)) throw new TypeError("Failed to execute 'enqueue' on 'ReadableByteStreamController': parameter 1 is not of type 'ArrayBufferView'.");
    if (chunk.byteLength === 0) throw new TypeError("chunk must have a non-zero byteLength.");
    if (chunk.buffer.byteLength === 0) throw new TypeError("chunk's buffer must have a non-zero byteLength.");
    if (c.closeRequested || c.s.state !== "readable") throw new TypeError("The stream is closed or closing and cannot be enqueued to.");
    c.enqueue(chunk);
  }
  error(e) { this[kCtl].error(e); }
  get [Symbol.toStringTag]() { return "ReadableByteStreamController"; }
}

class ByteController extends Controller {
  constructor(s, pull, cancel, hwm, autoAllocateChunkSize) {
    super(s, pull, cancel, hwm);
    this.autoAllocateChunkSize = autoAllocateChunkSize;
    this.pendingPullIntos = [];
    this.byobRequest = null;
    this.controller = null;
  }
  clearAlgorithms() { this.pullAlgorithm = undefined; this.cancelAlgorithm = undefined; }
  invalidateBYOBRequest() {
    if (this.byobRequest === null) return;
    const r = this.byobRequest[kCtl];
    r.controller = null;
    r.view = null;
    this.byobRequest = null;
  }
  getBYOBRequest() {
    if (this.byobRequest === null && this.pendingPullIntos.length > 0) {
      const d = this.pendingPullIntos[0];
      const req = new ReadableStreamBYOBRequest(kCreate);
      req[kCtl] = { controller: this, view: new Uint8Array(d.buffer, d.byteOffset + d.bytesFilled, d.byteLength - d.bytesFilled) };
      this.byobRequest = req;
    }
    return this.byobRequest;
  }
  close() {
    if (this.closeRequested || this.s.state !== "readable") return;
    if (this.queueTotalSize > 0) { this.closeRequested = true; return; }
    if (this.pendingPullIntos.length > 0) {
      const d = this.pendingPullIntos[0];
      if (d.bytesFilled % d.elementSize !== 0) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        this.error(e);
        throw e;
      }
    }
    this.clearAlgorithms();
    readableStreamClose(this.s);
  }
  enqueue(chunk) {
    if (this.closeRequested || this.s.state !== "readable") return;
    const s = this.s;
    const buffer = chunk.buffer, byteOffset = chunk.byteOffset, byteLength = chunk.byteLength;
    if (this.pendingPullIntos.length > 0) {
      this.invalidateBYOBRequest();
      const first = this.pendingPullIntos[0];
      if (first.readerType === "none") this.enqueueDetachedPullIntoToQueue(first);
    }
    if (hasDefaultReader(s)) {
      this.processReadRequestsUsingQueue();
      if (numRequests(s) === 0) {
        this.enqueueChunkToQueue(buffer, byteOffset, byteLength);
      } else {
        if (this.pendingPullIntos.length > 0) this.pendingPullIntos.shift();
        fulfillReadRequest(s, new Uint8Array(buffer, byteOffset, byteLength), false);
      }
    } else if (hasBYOBReader(s)) {
      this.enqueueChunkToQueue(buffer, byteOffset, byteLength);
      const filled = this.processPullIntoDescriptorsUsingQueue();
      for (const d of filled) commitPullIntoDescriptor(s, d);
    } else {
      this.enqueueChunkToQueue(buffer, byteOffset, byteLength);
    }
    this.callPullIfNeeded();
  }
  enqueueChunkToQueue(buffer, byteOffset, byteLength) {
    this.queue.push({ buffer, byteOffset, byteLength });
    this.queueTotalSize += byteLength;
  }
  enqueueClonedChunkToQueue(buffer, byteOffset, byteLength) {
    this.enqueueChunkToQueue(buffer.slice(byteOffset, byteOffset + byteLength), 0, byteLength);
  }
  enqueueDetachedPullIntoToQueue(d) {
    if (d.bytesFilled > 0) this.enqueueClonedChunkToQueue(d.buffer, d.byteOffset, d.bytesFilled);
    this.pendingPullIntos.shift();
  }
  error(e) {
    if (this.s.state !== "readable") return;
    this.invalidateBYOBRequest();
    this.pendingPullIntos = [];
    this.queue = [];
    this.queueTotalSize = 0;
    this.clearAlgorithms();
    readableStreamError(this.s, e);
  }
  shouldCallPull() {
    const s = this.s;
    if (s.state !== "readable" || this.closeRequested || !this.started) return false;
    if (numRequests(s) > 0) return true;
    return this.desiredSize() > 0;
  }
  handleQueueDrain() {
    if (this.queueTotalSize === 0 && this.closeRequested) {
      this.clearAlgorithms();
      readableStreamClose(this.s);
    } else {
      this.callPullIfNeeded();
    }
  }
  fillReadRequestFromQueue(req) {
    const e = this.queue.shift();
    this.queueTotalSize -= e.byteLength;
    this.handleQueueDrain();
    req.chunk(new Uint8Array(e.buffer, e.byteOffset, e.byteLength));
  }
  processReadRequestsUsingQueue() {
    const rs = this.s.reader[kReader];
    while (rs.requests.length > 0) {
      if (this.queueTotalSize === 0) return;
      this.fillReadRequestFromQueue(rs.requests.shift());
    }
  }
  fillPullIntoDescriptorFromQueue(d) {
    const maxBytesToCopy = Math.min(this.queueTotalSize, d.byteLength - d.bytesFilled);
    const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
    let remaining = maxBytesToCopy;
    let ready = false;
    const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % d.elementSize);
    if (maxAlignedBytes >= d.minimumFill) {
      remaining = maxAlignedBytes - d.bytesFilled;
      ready = true;
    }
    while (remaining > 0) {
      const head = this.queue[0];
      const n = Math.min(remaining, head.byteLength);
      new Uint8Array(d.buffer, d.byteOffset + d.bytesFilled, n).set(new Uint8Array(head.buffer, head.byteOffset, n));
      if (head.byteLength === n) this.queue.shift();
      else { head.byteOffset += n; head.byteLength -= n; }
      this.queueTotalSize -= n;
      d.bytesFilled += n;
      remaining -= n;
    }
    return ready;
  }
  processPullIntoDescriptorsUsingQueue() {
    const filled = [];
    while (this.pendingPullIntos.length > 0) {
      if (this.queueTotalSize === 0) break;
      const d = this.pendingPullIntos[0];
      if (this.fillPullIntoDescriptorFromQueue(d)) {
        this.pendingPullIntos.shift();
        filled.push(d);
      }
    }
    return filled;
  }
  pullInto(view, min, req) {
    const s = this.s;
    const elementSize = view.BYTES_PER_ELEMENT || 1;
    const d = {
      buffer: view.buffer, bufferByteLength: view.buffer.byteLength, byteOffset: view.byteOffset, byteLength: view.byteLength,
      bytesFilled: 0, minimumFill: min * elementSize, elementSize, viewCtor: view.constructor, readerType: "byob",
    };
    if (this.pendingPullIntos.length > 0) {
      this.pendingPullIntos.push(d);
      s.reader[kReader].requests.push(req);
      return;
    }
    if (s.state === "closed") {
      req.close(new d.viewCtor(d.buffer, d.byteOffset, 0));
      return;
    }
    if (this.queueTotalSize > 0) {
      if (this.fillPullIntoDescriptorFromQueue(d)) {
        const v = convertPullIntoDescriptor(d);
        this.handleQueueDrain();
        req.chunk(v);
        return;
      }
      if (this.closeRequested) {
        const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
        this.error(e);
        req.error(e);
        return;
      }
    }
    this.pendingPullIntos.push(d);
    s.reader[kReader].requests.push(req);
    this.callPullIfNeeded();
  }
  respond(bytesWritten) {
    const d = this.pendingPullIntos[0];
    if (this.s.state === "closed") {
      if (bytesWritten !== 0) throw new TypeError("bytesWritten must be 0 when calling respond() on a closed stream");
    } else {
      if (bytesWritten === 0) throw new TypeError("bytesWritten must be greater than 0 when calling respond() on a readable stream");
      if (d.bytesFilled + bytesWritten > d.byteLength) throw new RangeError("bytesWritten out of range");
    }
    this.respondInternal(bytesWritten);
  }
  respondWithNewView(view) {
    const d = this.pendingPullIntos[0];
    if (this.s.state === "closed") {
      if (view.byteLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
    } else if (view.byteLength === 0) {
      throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
    }
    if (d.byteOffset + d.bytesFilled !== view.byteOffset) throw new RangeError("The region specified by view does not match byobRequest");
    if (d.bufferByteLength !== view.buffer.byteLength) throw new RangeError("The buffer of view has different capacity than byobRequest");
    if (d.bytesFilled + view.byteLength > d.byteLength) throw new RangeError("The region specified by view is larger than byobRequest");
    d.buffer = view.buffer;
    this.respondInternal(view.byteLength);
  }
  respondInternal(n) {
    const d = this.pendingPullIntos[0];
    this.invalidateBYOBRequest();
    if (this.s.state === "closed") {
      if (d.readerType === "none") this.pendingPullIntos.shift();
      if (hasBYOBReader(this.s)) {
        while (numRequests(this.s) > 0) commitPullIntoDescriptor(this.s, this.pendingPullIntos.shift());
      }
    } else {
      this.respondInReadableState(n, d);
    }
    this.callPullIfNeeded();
  }
  respondInReadableState(n, d) {
    d.bytesFilled += n;
    if (d.readerType === "none") {
      this.enqueueDetachedPullIntoToQueue(d);
      for (const f of this.processPullIntoDescriptorsUsingQueue()) commitPullIntoDescriptor(this.s, f);
      return;
    }
    if (d.bytesFilled < d.minimumFill) return;
    this.pendingPullIntos.shift();
    const remainder = d.bytesFilled % d.elementSize;
    if (remainder > 0) {
      const end = d.byteOffset + d.bytesFilled;
      this.enqueueClonedChunkToQueue(d.buffer, end - remainder, remainder);
    }
    d.bytesFilled -= remainder;
    const filled = this.processPullIntoDescriptorsUsingQueue();
    commitPullIntoDescriptor(this.s, d);
    for (const f of filled) commitPullIntoDescriptor(this.s, f);
  }
  cancelSteps(reason) {
    this.invalidateBYOBRequest();
    this.pendingPullIntos = [];
    this.queue = [];
    this.queueTotalSize = 0;
    const p = this.cancelAlgorithm(reason);
    this.clearAlgorithms();
    return p;
  }
  pullSteps(req) {
    if (this.queueTotalSize > 0) { this.fillReadRequestFromQueue(req); return; }
    const size = this.autoAllocateChunkSize;
    if (size !== undefined) {
      let buffer;
      try { buffer = new ArrayBuffer(size); } catch (e) { req.error(e); return; }
      this.pendingPullIntos.push({ buffer, bufferByteLength: size, byteOffset: 0, byteLength: size, bytesFilled: 0, minimumFill: 1, elementSize: 1, viewCtor: Uint8Array, readerType: "default" });
    }
    this.s.reader[kReader].requests.push(req);
    this.callPullIfNeeded();
  }
  releaseSteps() {
    if (this.pendingPullIntos.length > 0) {
      const first = this.pendingPullIntos[0];
      first.readerType = "none";
      this.pendingPullIntos = [first];
    }
  }
}

function convertPullIntoDescriptor(d) {
  return new d.viewCtor(d.buffer, d.byteOffset, d.bytesFilled / d.elementSize);
}

function commitPullIntoDescriptor(s, d) {
  const done = s.state === "closed";
  const v = convertPullIntoDescriptor(d);
  if (d.readerType === "default") fulfillReadRequest(s, v, done);
  else fulfillReadIntoRequest(s, v, done);
}

function setUpByteController(s, start, pull, cancel, hwm, autoAllocateChunkSize) {
  const c = new ByteController(s, pull, cancel, hwm, autoAllocateChunkSize);
  const controller = new ReadableByteStreamController(kCreate);
  controller[kCtl] = c;
  c.controller = controller;
  s.ctl = c;
  s.controller = controller;
  const startResult = start(controller);
  resolved(startResult).then(() => { c.started = true; c.callPullIfNeeded(); }, (e) => c.error(e));
}

// ---------------------------------------------------------------- ReadableStream ---

class ReadableStream {
  constructor(source = undefined, strategy = undefined) {
    if (source === null || (source !== undefined && typeof source !== "object" && typeof source !== "function")) {
      throw new TypeError("Failed to construct 'ReadableStream': parameter 1 is not of type 'object'.");
    }
    if (source === undefined) source = {};
    if (strategy === undefined || strategy === null) strategy = {};
    const s = newState(this);
    this[kState] = s;
    const start = method(source, "start", "ReadableStream"), pull = method(source, "pull", "ReadableStream"), cancel = method(source, "cancel", "ReadableStream");
    const startAlg = (c) => start === undefined ? undefined : start.call(source, c);
    const pullAlg = pull === undefined ? () => resolved(undefined) : () => promiseCall(pull, source, s.controller);
    const cancelAlg = cancel === undefined ? () => resolved(undefined) : (r) => promiseCall(cancel, source, r);
    const type = source.type;
    if (type !== undefined && String(type) !== "bytes") throw new TypeError(`"${type}" is not a valid type of ReadableStream.`);
    if (type !== undefined) {
      if (strategy.size !== undefined) throw new RangeError("The strategy for a byte stream cannot have a size function.");
      const hwm = extractHighWaterMark(strategy, 0);
      let auto = source.autoAllocateChunkSize;
      if (auto !== undefined) {
        auto = Number(auto);
        if (!Number.isInteger(auto) || auto <= 0) throw new TypeError("autoAllocateChunkSize must be a positive integer.");
      }
      setUpByteController(s, startAlg, pullAlg, cancelAlg, hwm, auto);
    } else {
      const size = extractSizeAlgorithm(strategy);
      const hwm = extractHighWaterMark(strategy, 1);
      setUpDefaultController(s, startAlg, pullAlg, cancelAlg, hwm, size);
    }
  }
  get locked() { return isLocked(this[kState]); }
  cancel(reason) {
    const s = this[kState];
    if (isLocked(s)) return Promise.reject(new TypeError("This ReadableStream is currently locked to a reader."));
    return readableStreamCancel(s, reason);
  }
  getReader(options = undefined) {
    const mode = options === undefined || options === null ? undefined : options.mode;
    if (mode === undefined) return new ReadableStreamDefaultReader(this);
    if (String(mode) !== "byob") throw new TypeError(`Failed to execute 'getReader' on 'ReadableStream': '${mode}' is not a valid value for enumeration ReadableStreamReaderMode.`);
    return new ReadableStreamBYOBReader(this);
  }
  pipeThrough(transform, options = undefined) {
    if (transform === null || typeof transform !== "object") throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': parameter 1 is not of type 'ReadableWritablePair'.");
    const { readable, writable } = transform;
    if (!(readable instanceof ReadableStream)) throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': readable is not a ReadableStream.");
    const W = writableLib();
    if (!W.isWritableStream(writable)) throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': writable is not a WritableStream.");
    const o = pipeOptions(options);
    if (isLocked(this[kState])) throw new TypeError("This ReadableStream is currently locked to a reader.");
    if (W.isLocked(writable)) throw new TypeError("This WritableStream is currently locked to a writer.");
    pipeTo(this[kState], writable, o).catch(noop);
    return readable;
  }
  pipeTo(destination, options = undefined) {
    const W = internal.writable;
    if (!W || !W.isWritableStream(destination)) return Promise.reject(new TypeError("Failed to execute 'pipeTo' on 'ReadableStream': parameter 1 is not of type 'WritableStream'."));
    let o;
    try { o = pipeOptions(options); } catch (e) { return Promise.reject(e); }
    if (isLocked(this[kState])) return Promise.reject(new TypeError("This ReadableStream is currently locked to a reader."));
    if (W.isLocked(destination)) return Promise.reject(new TypeError("This WritableStream is currently locked to a writer."));
    return pipeTo(this[kState], destination, o);
  }
  tee() { return tee(this[kState]); }
  values(options = undefined) {
    const preventCancel = !!(options !== undefined && options !== null && options.preventCancel);
    return new AsyncIterator(new ReadableStreamDefaultReader(this), preventCancel);
  }
  static from(iterable) { return from(iterable); }
  get [Symbol.toStringTag]() { return "ReadableStream"; }
}
Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, { value: ReadableStream.prototype.values, writable: true, configurable: true });

function writableLib() {
  if (!internal.writable) internal.load("writable");
  return internal.writable;
}

function pipeOptions(options) {
  if (options === undefined || options === null) return { preventClose: false, preventAbort: false, preventCancel: false, signal: undefined };
  if (typeof options !== "object") throw new TypeError("Failed to execute 'pipeTo' on 'ReadableStream': parameter 2 is not of type 'StreamPipeOptions'.");
  const signal = options.signal;
  if (signal !== undefined && (typeof globalThis.AbortSignal !== "function" || !(signal instanceof globalThis.AbortSignal))) {
    throw new TypeError("Failed to execute 'pipeTo' on 'ReadableStream': member signal is not of type AbortSignal.");
  }
  return { preventClose: !!options.preventClose, preventAbort: !!options.preventAbort, preventCancel: !!options.preventCancel, signal };
}

// ---------------------------------------------------------------- readers ---

function readerInitialize(reader, stream, byob) {
  const s = stream[kState];
  if (isLocked(s)) throw new TypeError("This ReadableStream is currently locked to a reader.");
  const rs = { s, byob, requests: [], closed: deferred() };
  reader[kReader] = rs;
  s.reader = reader;
  if (s.state === "closed") rs.closed.resolve(undefined);
  else if (s.state === "errored") { rs.closed.reject(s.storedError); rs.closed.promise.catch(noop); }
}

function readerRelease(reader) {
  const rs = reader[kReader];
  const s = rs.s;
  const e = new TypeError("This ReadableStream reader has been released.");
  if (s.state === "readable") rs.closed.reject(e);
  else { rs.closed = deferred(); rs.closed.reject(e); }
  rs.closed.promise.catch(noop);
  s.ctl.releaseSteps();
  s.reader = null;
  rs.s = null;
  const reqs = rs.requests;
  rs.requests = [];
  for (const req of reqs) req.error(e);
}

// defaultRead is ReadableStreamDefaultReaderRead.
function defaultRead(rs, req) {
  const s = rs.s;
  s.disturbed = true;
  if (s.state === "closed") req.close(undefined);
  else if (s.state === "errored") req.error(s.storedError);
  else s.ctl.pullSteps(req);
}

class ReadableStreamDefaultReader {
  constructor(stream) {
    if (!(stream instanceof ReadableStream)) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    readerInitialize(this, stream, false);
  }
  get closed() { return this[kReader].closed.promise; }
  read() {
    const rs = this[kReader];
    if (rs.s === null) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    const req = new ReadRequest();
    defaultRead(rs, req);
    return req.promise;
  }
  releaseLock() { if (this[kReader].s !== null) readerRelease(this); }
  cancel(reason) {
    const rs = this[kReader];
    if (rs.s === null) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    return readableStreamCancel(rs.s, reason);
  }
  get [Symbol.toStringTag]() { return "ReadableStreamDefaultReader"; }
}

class ReadableStreamBYOBReader {
  constructor(stream) {
    if (!(stream instanceof ReadableStream)) throw new TypeError("Failed to construct 'ReadableStreamBYOBReader': parameter 1 is not of type 'ReadableStream'.");
    if (!(stream[kState].ctl instanceof ByteController)) throw new TypeError("This ReadableStream does not support BYOB reads.");
    readerInitialize(this, stream, true);
  }
  get closed() { return this[kReader].closed.promise; }
  read(view, options = undefined) {
    if (!ArrayBuffer.isView(view)) return Promise.reject(new TypeError("Failed to execute 'read' on 'ReadableStreamBYOBReader': parameter 1 is not of type 'ArrayBufferView'."));
    if (view.byteLength === 0) return Promise.reject(new TypeError("You must call read() on a \"byob\" reader with a positive-sized TypedArray object."));
    if (view.buffer.byteLength === 0) return Promise.reject(new TypeError("view's buffer must have a non-zero byteLength."));
    let min = 1;
    if (options !== undefined && options !== null && options.min !== undefined) {
      min = Number(options.min);
      if (!Number.isInteger(min) || min <= 0) return Promise.reject(new TypeError("options.min must be greater than 0."));
    }
    const length = view instanceof DataView ? view.byteLength : view.length;
    if (min > length) return Promise.reject(new RangeError("options.min must be less than or equal to the view's length."));
    const rs = this[kReader];
    if (rs.s === null) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    const req = new ReadRequest();
    const s = rs.s;
    s.disturbed = true;
    if (s.state === "errored") req.error(s.storedError);
    else s.ctl.pullInto(view, min, req);
    return req.promise;
  }
  releaseLock() { if (this[kReader].s !== null) readerRelease(this); }
  cancel(reason) {
    const rs = this[kReader];
    if (rs.s === null) return Promise.reject(new TypeError("This ReadableStream reader has been released."));
    return readableStreamCancel(rs.s, reason);
  }
  get [Symbol.toStringTag]() { return "ReadableStreamBYOBReader"; }
}

// ---------------------------------------------------------------- async iteration ---

// %AsyncIteratorPrototype% is out of reach without async generators, which goja lacks.
const AsyncIteratorPrototype = { [Symbol.asyncIterator]() { return this; } };

class AsyncIterator {
  constructor(reader, preventCancel) {
    this.reader = reader;
    this.preventCancel = preventCancel;
    this.ongoing = null;
    this.finished = false;
  }
  next() {
    // Calls queue behind each other, as the standard's async iterator does.
    const step = () => {
      if (this.finished) return resolved({ value: undefined, done: true });
      const rs = this.reader[kReader];
      if (rs.s === null) return Promise.reject(new TypeError("Cannot get the next value of an iterator whose reader has been released."));
      const req = new ReadRequest();
      defaultRead(rs, req);
      return req.promise.then((r) => {
        if (r.done) { this.finished = true; this.reader.releaseLock(); }
        return r;
      }, (e) => { this.finished = true; this.reader.releaseLock(); throw e; });
    };
    this.ongoing = this.ongoing ? this.ongoing.then(step, step) : step();
    return this.ongoing;
  }
  return(value) {
    const step = () => {
      if (this.finished) return resolved({ value, done: true });
      this.finished = true;
      const rs = this.reader[kReader];
      if (rs.s === null) return resolved({ value, done: true });
      if (!this.preventCancel) {
        const p = readableStreamCancel(rs.s, value);
        this.reader.releaseLock();
        return p.then(() => ({ value, done: true }));
      }
      this.reader.releaseLock();
      return resolved({ value, done: true });
    };
    return this.ongoing ? this.ongoing.then(step, step) : step();
  }
}
Object.setPrototypeOf(AsyncIterator.prototype, AsyncIteratorPrototype);

// from is ReadableStream.from (ReadableStreamFromIterable).
function from(iterable) {
  if (iterable === null || iterable === undefined) throw new TypeError("Failed to execute 'from' on 'ReadableStream': parameter 1 is not iterable.");
  let it;
  const am = iterable[Symbol.asyncIterator];
  if (am !== undefined && am !== null) {
    it = am.call(iterable);
  } else {
    const sm = iterable[Symbol.iterator];
    if (typeof sm !== "function") throw new TypeError("Failed to execute 'from' on 'ReadableStream': parameter 1 is not iterable.");
    const syncIt = sm.call(iterable);
    // CreateAsyncFromSyncIterator: awaits each value.
    it = {
      next() { try { const r = syncIt.next(); return resolved(r.value).then((value) => ({ value, done: !!r.done })); } catch (e) { return Promise.reject(e); } },
      return: typeof syncIt.return === "function" ? (v) => { try { return resolved(syncIt.return(v)); } catch (e) { return Promise.reject(e); } } : undefined,
    };
  }
  if (it === null || typeof it !== "object") throw new TypeError("The iterator is not an object.");
  let stream;
  const pull = () => {
    let p;
    try { p = resolved(it.next()); } catch (e) { return Promise.reject(e); }
    return p.then((r) => {
      if (r === null || typeof r !== "object") throw new TypeError("The promise returned by the iterator.next() method must fulfill with an object");
      if (r.done) stream[kState].ctl.close();
      else stream[kState].ctl.enqueue(r.value);
    });
  };
  const cancel = (reason) => {
    let ret;
    try { ret = it.return; } catch (e) { return Promise.reject(e); }
    if (ret === undefined || ret === null) return resolved(undefined);
    let p;
    try { p = resolved(ret.call(it, reason)); } catch (e) { return Promise.reject(e); }
    return p.then((r) => { if (r === null || typeof r !== "object") throw new TypeError("The promise returned by the iterator.return() method must fulfill with an object"); });
  };
  stream = createReadableStream(noop, pull, cancel, 0);
  return stream;
}

// ---------------------------------------------------------------- tee ---

// tee is ReadableStreamDefaultTee; branches of a byte stream are byte streams, so that they
// can be read with a BYOB reader too, and the second gets copies of the chunks.
function tee(s) {
  const bytes = s.ctl instanceof ByteController;
  const reader = new ReadableStreamDefaultReader(s.stream);
  const rs = reader[kReader];
  let reading = false, readAgain = false, canceled1 = false, canceled2 = false;
  let reason1, reason2, b1, b2;
  const cancelPromise = deferred();
  const readRequest = {
    chunk(chunk) {
      queueMicrotask(() => {
        readAgain = false;
        const chunk2 = bytes && !canceled1 && !canceled2 ? new Uint8Array(chunk) : chunk;
        if (!canceled1) b1[kState].ctl.enqueue(chunk);
        if (!canceled2) b2[kState].ctl.enqueue(chunk2);
        reading = false;
        if (readAgain) pull();
      });
    },
    close() {
      reading = false;
      if (!canceled1) b1[kState].ctl.close();
      if (!canceled2) b2[kState].ctl.close();
      if (bytes) {
        for (const b of [b1, b2]) {
          const c = b[kState].ctl;
          if (b[kState].state === "closed" && c.pendingPullIntos.length > 0) c.respond(0);
        }
      }
      if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
    },
    error() { reading = false; },
  };
  const pull = () => {
    if (reading) { readAgain = true; return resolved(undefined); }
    reading = true;
    defaultRead(rs, readRequest);
    return resolved(undefined);
  };
  const cancel1 = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const cancel2 = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  if (bytes) {
    b1 = createByteStream(noop, pull, cancel1);
    b2 = createByteStream(noop, pull, cancel2);
  } else {
    b1 = createReadableStream(noop, pull, cancel1);
    b2 = createReadableStream(noop, pull, cancel2);
  }
  rs.closed.promise.catch((e) => {
    b1[kState].ctl.error(e);
    b2[kState].ctl.error(e);
    if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
  });
  return [b1, b2];
}

// ---------------------------------------------------------------- pipeTo ---

// pipeTo is ReadableStreamPipeTo. A Go body piped into a writable that Go drains (an
// IdentityTransformStream's) is copied by Go without entering JavaScript per chunk.
function pipeTo(s, dest, o) {
  const W = internal.writable;
  const { preventClose, preventAbort, preventCancel, signal } = o;
  if (s.host && !s.disturbed && s.state === "readable" && !preventAbort && !preventCancel && signal === undefined) {
    const fast = W.hostPipe(s.host, dest, preventClose);
    if (fast) {
      const reader = new ReadableStreamDefaultReader(s.stream);
      s.disturbed = true;
      return fast.then(() => {
        if (s.state === "readable") readableStreamClose(s);
        readerRelease(reader);
      }, (e) => {
        if (s.state === "readable") readableStreamError(s, e);
        readerRelease(reader);
        throw e;
      });
    }
  }
  const reader = new ReadableStreamDefaultReader(s.stream);
  const rs = reader[kReader];
  const writer = W.acquireWriter(dest);
  const d = W.state(dest);
  s.disturbed = true;
  let shuttingDown = false;
  let currentWrite = resolved(undefined);
  const result = deferred();
  let abortAlgorithm;

  const finalize = (isError, error) => {
    W.writerRelease(writer);
    readerRelease(reader);
    if (signal !== undefined) signal.removeEventListener("abort", abortAlgorithm);
    if (isError) result.reject(error); else result.resolve(undefined);
  };
  // waitForWrites resolves once the writes in flight have settled, including ones queued
  // meanwhile.
  const waitForWrites = () => {
    const w = currentWrite;
    return w.then(() => (w !== currentWrite ? waitForWrites() : undefined));
  };
  const shutdownWithAction = (action, isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const doTheRest = () => {
      let p;
      try { p = resolved(action()); } catch (e) { p = Promise.reject(e); }
      p.then(() => finalize(isError, error), (e) => finalize(true, e));
    };
    if (d.state === "writable" && !W.closeQueuedOrInFlight(d)) waitForWrites().then(doTheRest);
    else doTheRest();
  };
  const shutdown = (isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (d.state === "writable" && !W.closeQueuedOrInFlight(d)) waitForWrites().then(() => finalize(isError, error));
    else finalize(isError, error);
  };

  const sourceErrored = (e) => {
    if (!preventAbort) shutdownWithAction(() => W.abort(d, e), true, e);
    else shutdown(true, e);
  };
  const destErrored = (e) => {
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(s, e), true, e);
    else shutdown(true, e);
  };
  const sourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => W.writerCloseWithErrorPropagation(writer));
    else shutdown(false);
  };
  const destClosed = () => {
    const e = new TypeError("The destination stream was closed before the pipe completed.");
    if (!preventCancel) shutdownWithAction(() => readableStreamCancel(s, e), true, e);
    else shutdown(true, e);
  };

  if (signal !== undefined) {
    abortAlgorithm = () => {
      const error = signal.reason;
      shutdownWithAction(() => {
        const actions = [];
        if (!preventAbort) actions.push(d.state === "writable" ? W.abort(d, error) : resolved(undefined));
        if (!preventCancel) actions.push(s.state === "readable" ? readableStreamCancel(s, error) : resolved(undefined));
        return Promise.all(actions);
      }, true, error);
    };
    if (signal.aborted) { abortAlgorithm(); return result.promise; }
    signal.addEventListener("abort", abortAlgorithm);
  }

  // The conditions are checked in the standard's order before the first read.
  if (s.state === "errored") sourceErrored(s.storedError);
  else if (d.state === "errored" || d.state === "erroring") destErrored(d.storedError);
  else if (s.state === "closed") sourceClosed();
  else if (W.closeQueuedOrInFlight(d) || d.state === "closed") destClosed();
  if (shuttingDown) return result.promise;

  rs.closed.promise.then(() => { if (!shuttingDown) sourceClosed(); }, (e) => { if (!shuttingDown) sourceErrored(e); });
  W.writerClosed(writer).then(noop, (e) => { if (!shuttingDown) destErrored(e); });

  const readRequest = {
    chunk(chunk) {
      currentWrite = W.writerWrite(writer, chunk).then(noop, noop);
      step();
    },
    close() {},
    error() {},
  };
  const step = () => {
    if (shuttingDown) return;
    if (W.hasBackpressure(d)) {
      W.writerReady(writer).then(step, noop);
      return;
    }
    if (rs.s === null || s.state !== "readable") return;
    defaultRead(rs, readRequest);
  };
  // Reads start after the current microtasks, as the standard's pipe loop does.
  resolved(undefined).then(step);
  return result.promise;
}

// ---------------------------------------------------------------- host streams ---

// fromHost makes a byte stream over Go body id; until JavaScript reads it, the host may take
// the body back (hostOf) and copy it without JavaScript.
function fromHost(id) {
  const stream = createByteStream(noop, () => natives.hostRead(id).then((buf) => {
    const s = stream[kState];
    if (s.state !== "readable") return;
    const c = s.ctl;
    if (buf === null) {
      c.close();
      if (s.state === "closed" && c.pendingPullIntos.length > 0) c.respond(0);
    } else if (buf.byteLength > 0) {
      c.enqueue(new Uint8Array(buf));
    }
  }), () => { natives.hostCancel(id); return resolved(undefined); });
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
  const stream = createByteStream((c) => {
    if (bytes.byteLength > 0) c.enqueue(bytes);
    c.close();
  }, () => resolved(undefined), () => resolved(undefined));
  stream[kState].bytes = bytes;
  return stream;
}

// readAll collects every chunk of stream into one Uint8Array, locking and disturbing it.
async function readAll(stream) {
  const id = hostOf(stream);
  if (id) {
    const s = stream[kState];
    s.disturbed = true;
    const reader = new ReadableStreamDefaultReader(stream);
    let buf;
    try {
      buf = await natives.hostReadAll(id);
    } catch (e) {
      // A stream errored meanwhile (its fetch was aborted) fails with its own error.
      throw s.state === "errored" ? s.storedError : e;
    }
    if (s.state === "readable") readableStreamClose(s);
    readerRelease(reader);
    return new Uint8Array(buf);
  }
  const reader = new ReadableStreamDefaultReader(stream);
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

internal.streams = {
  fromHost, fromBytes, fixedBytes, hostOf, readAll, toBytes, isDisturbed, kState,
  createReadableStream, createByteStream, readableStreamCancel, readableStreamClose, readableStreamError,
  extractHighWaterMark, extractSizeAlgorithm, deferred, promiseCall, method, noop, rejectedHandled, kCreate,
};

return {
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
  ReadableByteStreamController, ReadableStreamBYOBRequest, CountQueuingStrategy, ByteLengthQueuingStrategy,
};
