// WHATWG WritableStream and TransformStream, following the Streams standard's algorithms
// (names in comments are the standard's), and Cloudflare's IdentityTransformStream and
// FixedLengthStream. Those two are Go pipes: their readable side is a host stream, so a
// Response made of it is copied by Go, and a Go body piped into their writable side
// (pipeThrough) never enters JavaScript.
const S = internal.load("streams") && internal.streams;
const { deferred, promiseCall, method, noop, kCreate, extractHighWaterMark, extractSizeAlgorithm } = S;
const kW = Symbol("WritableStream state");
const kWriter = Symbol("writer state");
const kCtl = Symbol("controller state");
const kT = Symbol("TransformStream state");
const resolved = (v) => Promise.resolve(v);
const kClose = {};

function handled(d) { d.promise.catch(noop); return d; }

// ---------------------------------------------------------------- WritableStream ---

function newState(stream) {
  return {
    stream, state: "writable", storedError: undefined, writer: null, controller: null, ctl: null,
    inFlightWriteRequest: null, closeRequest: null, inFlightCloseRequest: null, pendingAbortRequest: null,
    writeRequests: [], backpressure: false, host: 0,
  };
}

class WritableStream {
  constructor(sink = undefined, strategy = undefined) {
    if (sink === null || (sink !== undefined && typeof sink !== "object" && typeof sink !== "function")) {
      throw new TypeError("Failed to construct 'WritableStream': parameter 1 is not of type 'object'.");
    }
    if (sink === undefined) sink = {};
    if (strategy === undefined || strategy === null) strategy = {};
    if (sink.type !== undefined) throw new RangeError("Invalid type is specified");
    const size = extractSizeAlgorithm(strategy);
    const hwm = extractHighWaterMark(strategy, 1);
    const w = newState(this);
    this[kW] = w;
    const start = method(sink, "start", "WritableStream"), write = method(sink, "write", "WritableStream");
    const close = method(sink, "close", "WritableStream"), abort = method(sink, "abort", "WritableStream");
    setUpController(w,
      (c) => start === undefined ? undefined : start.call(sink, c),
      write === undefined ? () => resolved(undefined) : (chunk, c) => { try { return resolved(write.call(sink, chunk, c)); } catch (e) { return Promise.reject(e); } },
      close === undefined ? () => resolved(undefined) : () => promiseCall(close, sink),
      abort === undefined ? () => resolved(undefined) : (r) => promiseCall(abort, sink, r),
      hwm, size);
  }
  get locked() { return this[kW].writer !== null; }
  abort(reason) {
    const w = this[kW];
    if (w.writer !== null) return Promise.reject(new TypeError("This WritableStream is currently locked to a writer."));
    return writableStreamAbort(w, reason);
  }
  close() {
    const w = this[kW];
    if (w.writer !== null) return Promise.reject(new TypeError("This WritableStream is currently locked to a writer."));
    if (closeQueuedOrInFlight(w)) return Promise.reject(new TypeError("This WritableStream has been closed."));
    return writableStreamClose(w);
  }
  getWriter() { return new WritableStreamDefaultWriter(this); }
  get [Symbol.toStringTag]() { return "WritableStream"; }
}

function createWritableStream(start, write, close, abort, hwm = 1, size = undefined) {
  const stream = Object.create(WritableStream.prototype);
  const w = newState(stream);
  stream[kW] = w;
  setUpController(w, start, write, close, abort, hwm, size);
  return stream;
}

function closeQueuedOrInFlight(w) { return w.closeRequest !== null || w.inFlightCloseRequest !== null; }
function hasOperationMarkedInFlight(w) { return w.inFlightWriteRequest !== null || w.inFlightCloseRequest !== null; }

function writableStreamAbort(w, reason) {
  if (w.state === "closed" || w.state === "errored") return resolved(undefined);
  w.ctl.abortController().abort(reason);
  const state = w.state;
  if (state === "closed" || state === "errored") return resolved(undefined);
  if (w.pendingAbortRequest !== null) return w.pendingAbortRequest.d.promise;
  let wasAlreadyErroring = false;
  if (state === "erroring") { wasAlreadyErroring = true; reason = undefined; }
  const d = deferred();
  w.pendingAbortRequest = { d, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) startErroring(w, reason);
  return d.promise;
}

function writableStreamClose(w) {
  const state = w.state;
  if (state === "closed" || state === "errored") return Promise.reject(new TypeError("This WritableStream has been closed."));
  const d = deferred();
  w.closeRequest = d;
  const writer = w.writer;
  if (writer !== null && w.backpressure && state === "writable") writer[kWriter].ready.resolve(undefined);
  w.ctl.close();
  return d.promise;
}

function addWriteRequest(w) {
  const d = deferred();
  w.writeRequests.push(d);
  return d.promise;
}

function dealWithRejection(w, e) {
  if (w.state === "writable") { startErroring(w, e); return; }
  finishErroring(w);
}

function startErroring(w, reason) {
  w.state = "erroring";
  w.storedError = reason;
  const writer = w.writer;
  if (writer !== null) writerEnsureReadyPromiseRejected(writer, reason);
  if (!hasOperationMarkedInFlight(w) && w.ctl.started) finishErroring(w);
}

function finishErroring(w) {
  w.state = "errored";
  w.ctl.errorSteps();
  const e = w.storedError;
  for (const req of w.writeRequests) req.reject(e);
  w.writeRequests = [];
  if (w.pendingAbortRequest === null) { rejectCloseAndClosedPromiseIfNeeded(w); return; }
  const abortRequest = w.pendingAbortRequest;
  w.pendingAbortRequest = null;
  if (abortRequest.wasAlreadyErroring) {
    abortRequest.d.reject(e);
    rejectCloseAndClosedPromiseIfNeeded(w);
    return;
  }
  w.ctl.abortSteps(abortRequest.reason).then(() => {
    abortRequest.d.resolve(undefined);
    rejectCloseAndClosedPromiseIfNeeded(w);
  }, (r) => {
    abortRequest.d.reject(r);
    rejectCloseAndClosedPromiseIfNeeded(w);
  });
}

function finishInFlightWrite(w) { w.inFlightWriteRequest.resolve(undefined); w.inFlightWriteRequest = null; }
function finishInFlightWriteWithError(w, e) {
  w.inFlightWriteRequest.reject(e);
  w.inFlightWriteRequest = null;
  dealWithRejection(w, e);
}
function finishInFlightClose(w) {
  w.inFlightCloseRequest.resolve(undefined);
  w.inFlightCloseRequest = null;
  if (w.state === "erroring") {
    w.storedError = undefined;
    if (w.pendingAbortRequest !== null) {
      w.pendingAbortRequest.d.resolve(undefined);
      w.pendingAbortRequest = null;
    }
  }
  w.state = "closed";
  const writer = w.writer;
  if (writer !== null) writer[kWriter].closed.resolve(undefined);
}
function finishInFlightCloseWithError(w, e) {
  w.inFlightCloseRequest.reject(e);
  w.inFlightCloseRequest = null;
  if (w.pendingAbortRequest !== null) {
    w.pendingAbortRequest.d.reject(e);
    w.pendingAbortRequest = null;
  }
  dealWithRejection(w, e);
}

function rejectCloseAndClosedPromiseIfNeeded(w) {
  if (w.closeRequest !== null) {
    w.closeRequest.reject(w.storedError);
    w.closeRequest = null;
  }
  const writer = w.writer;
  if (writer !== null) {
    const ws = writer[kWriter];
    ws.closed.reject(w.storedError);
    ws.closed.promise.catch(noop);
  }
}

function updateBackpressure(w, backpressure) {
  const writer = w.writer;
  if (writer !== null && backpressure !== w.backpressure) {
    const ws = writer[kWriter];
    if (backpressure) ws.ready = deferred();
    else ws.ready.resolve(undefined);
  }
  w.backpressure = backpressure;
}

// ---------------------------------------------------------------- writer ---

class WritableStreamDefaultWriter {
  constructor(stream) {
    if (!(stream instanceof WritableStream)) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    const w = stream[kW];
    if (w.writer !== null) throw new TypeError("This WritableStream is currently locked to a writer.");
    const ws = { w, ready: deferred(), closed: deferred() };
    this[kWriter] = ws;
    w.writer = this;
    const state = w.state;
    if (state === "writable") {
      if (!closeQueuedOrInFlight(w) && w.backpressure) { /* ready stays pending */ } else ws.ready.resolve(undefined);
    } else if (state === "erroring") {
      ws.ready.reject(w.storedError);
      handled(ws.ready);
    } else if (state === "closed") {
      ws.ready.resolve(undefined);
      ws.closed.resolve(undefined);
    } else {
      ws.ready.reject(w.storedError);
      handled(ws.ready);
      ws.closed.reject(w.storedError);
      handled(ws.closed);
    }
  }
  get closed() { return this[kWriter].closed.promise; }
  get ready() { return this[kWriter].ready.promise; }
  get desiredSize() {
    const w = this[kWriter].w;
    if (w === null) throw new TypeError("This WritableStream writer has been released.");
    return writerDesiredSize(w);
  }
  abort(reason) {
    const w = this[kWriter].w;
    if (w === null) return Promise.reject(new TypeError("This WritableStream writer has been released."));
    return writableStreamAbort(w, reason);
  }
  close() {
    const w = this[kWriter].w;
    if (w === null) return Promise.reject(new TypeError("This WritableStream writer has been released."));
    if (closeQueuedOrInFlight(w)) return Promise.reject(new TypeError("This WritableStream has been closed."));
    return writableStreamClose(w);
  }
  releaseLock() { if (this[kWriter].w !== null) writerRelease(this); }
  write(chunk) {
    if (this[kWriter].w === null) return Promise.reject(new TypeError("This WritableStream writer has been released."));
    return writerWrite(this, chunk);
  }
  get [Symbol.toStringTag]() { return "WritableStreamDefaultWriter"; }
}

function writerDesiredSize(w) {
  if (w.state === "errored" || w.state === "erroring") return null;
  if (w.state === "closed") return 0;
  return w.ctl.hwm - w.ctl.queueTotalSize;
}

function writerEnsureReadyPromiseRejected(writer, e) {
  const ws = writer[kWriter];
  ws.ready = deferred();
  ws.ready.reject(e);
  handled(ws.ready);
}

function writerRelease(writer) {
  const ws = writer[kWriter];
  const w = ws.w;
  const e = new TypeError("This WritableStream writer has been released.");
  writerEnsureReadyPromiseRejected(writer, e);
  if (w.state === "writable" || w.state === "erroring" || w.closeRequest === null) {
    ws.closed = deferred();
  }
  ws.closed.reject(e);
  handled(ws.closed);
  w.writer = null;
  ws.w = null;
}

function writerWrite(writer, chunk) {
  const w = writer[kWriter].w;
  const c = w.ctl;
  const size = c.chunkSize(chunk);
  if (w !== writer[kWriter].w) return Promise.reject(new TypeError("This WritableStream writer has been released."));
  const state = w.state;
  if (state === "errored") return Promise.reject(w.storedError);
  if (closeQueuedOrInFlight(w) || state === "closed") return Promise.reject(new TypeError("This WritableStream has been closed."));
  if (state === "erroring") return Promise.reject(w.storedError);
  const p = addWriteRequest(w);
  c.write(chunk, size);
  return p;
}

function writerCloseWithErrorPropagation(writer) {
  const w = writer[kWriter].w;
  const state = w.state;
  if (closeQueuedOrInFlight(w) || state === "closed") return resolved(undefined);
  if (state === "errored") return Promise.reject(w.storedError);
  return writableStreamClose(w);
}

// ---------------------------------------------------------------- controller ---

class WritableStreamDefaultController {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  get signal() { return this[kCtl].abortController().signal; }
  error(e) {
    const c = this[kCtl];
    if (c.w.state !== "writable") return;
    c.error(e);
  }
  get [Symbol.toStringTag]() { return "WritableStreamDefaultController"; }
}

class Controller {
  constructor(w, write, close, abort, hwm, size) {
    this.w = w;
    this.queue = [];
    this.queueTotalSize = 0;
    this.started = false;
    this.writeAlgorithm = write;
    this.closeAlgorithm = close;
    this.abortAlgorithm = abort;
    this.hwm = hwm;
    this.size = size;
    this.ac = null;
    this.controller = null;
  }
  // abortController is made on first need: AbortController lives in the events library.
  abortController() {
    if (this.ac === null) {
      if (typeof globalThis.AbortController !== "function") return { abort() {}, signal: undefined };
      this.ac = new globalThis.AbortController();
    }
    return this.ac;
  }
  clearAlgorithms() { this.writeAlgorithm = undefined; this.closeAlgorithm = undefined; this.abortAlgorithm = undefined; this.size = undefined; }
  chunkSize(chunk) {
    if (this.size === undefined) return 1;
    try { return this.size(chunk); } catch (e) { this.errorIfNeeded(e); return 1; }
  }
  backpressure() { return this.hwm - this.queueTotalSize <= 0; }
  write(chunk, size) {
    size = Number(size);
    if (!(size >= 0) || size === Infinity) {
      this.errorIfNeeded(new RangeError("The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number."));
      return;
    }
    this.queue.push(chunk, size);
    this.queueTotalSize += size;
    const w = this.w;
    if (!closeQueuedOrInFlight(w) && w.state === "writable") updateBackpressure(w, this.backpressure());
    this.advanceQueueIfNeeded();
  }
  close() {
    this.queue.push(kClose, 0);
    this.advanceQueueIfNeeded();
  }
  errorIfNeeded(e) { if (this.w.state === "writable") this.error(e); }
  error(e) {
    this.clearAlgorithms();
    startErroring(this.w, e);
  }
  advanceQueueIfNeeded() {
    const w = this.w;
    if (!this.started || w.inFlightWriteRequest !== null) return;
    if (w.state === "erroring") { finishErroring(w); return; }
    if (this.queue.length === 0) return;
    const value = this.queue[0];
    if (value === kClose) this.processClose();
    else this.processWrite(value);
  }
  processClose() {
    const w = this.w;
    w.inFlightCloseRequest = w.closeRequest;
    w.closeRequest = null;
    this.queue.shift(); this.queue.shift();
    const p = this.closeAlgorithm();
    this.clearAlgorithms();
    p.then(() => finishInFlightClose(w), (e) => finishInFlightCloseWithError(w, e));
  }
  processWrite(chunk) {
    const w = this.w;
    w.inFlightWriteRequest = w.writeRequests.shift();
    this.writeAlgorithm(chunk, this.controller).then(() => {
      finishInFlightWrite(w);
      this.queue.shift();
      this.queueTotalSize -= this.queue.shift();
      if (this.queueTotalSize < 0) this.queueTotalSize = 0;
      if (!closeQueuedOrInFlight(w) && w.state === "writable") updateBackpressure(w, this.backpressure());
      this.advanceQueueIfNeeded();
    }, (e) => {
      if (w.state === "writable") this.clearAlgorithms();
      finishInFlightWriteWithError(w, e);
    });
  }
  errorSteps() { this.queue = []; this.queueTotalSize = 0; }
  abortSteps(reason) {
    const p = this.abortAlgorithm === undefined ? resolved(undefined) : this.abortAlgorithm(reason);
    this.clearAlgorithms();
    return p;
  }
}

function setUpController(w, start, write, close, abort, hwm, size) {
  const c = new Controller(w, write, close, abort, hwm, size);
  const controller = new WritableStreamDefaultController(kCreate);
  controller[kCtl] = c;
  c.controller = controller;
  w.ctl = c;
  w.controller = controller;
  updateBackpressure(w, c.backpressure());
  const startResult = start(controller);
  resolved(startResult).then(() => {
    c.started = true;
    c.advanceQueueIfNeeded();
  }, (e) => {
    c.started = true;
    dealWithRejection(w, e);
  });
}

// ---------------------------------------------------------------- TransformStream ---

class TransformStream {
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === null) transformer = undefined;
    if (transformer !== undefined && typeof transformer !== "object" && typeof transformer !== "function") {
      throw new TypeError("Failed to construct 'TransformStream': parameter 1 is not of type 'object'.");
    }
    if (transformer === undefined) transformer = {};
    if (transformer.readableType !== undefined) throw new RangeError("Invalid readableType specified");
    if (transformer.writableType !== undefined) throw new RangeError("Invalid writableType specified");
    const readableHWM = extractHighWaterMark(readableStrategy, 0);
    const readableSize = extractSizeAlgorithm(readableStrategy);
    const writableHWM = extractHighWaterMark(writableStrategy, 1);
    const writableSize = extractSizeAlgorithm(writableStrategy);
    const transform = method(transformer, "transform", "TransformStream"), flush = method(transformer, "flush", "TransformStream");
    const cancel = method(transformer, "cancel", "TransformStream"), start = method(transformer, "start", "TransformStream");
    const startPromise = deferred();
    const t = initialize(this, startPromise.promise, writableHWM, writableSize, readableHWM, readableSize);
    const controller = setUpTransformController(t,
      transform === undefined ? undefined : (chunk) => { try { return resolved(transform.call(transformer, chunk, t.controller)); } catch (e) { return Promise.reject(e); } },
      flush === undefined ? () => resolved(undefined) : () => promiseCall(flush, transformer, t.controller),
      cancel === undefined ? () => resolved(undefined) : (r) => promiseCall(cancel, transformer, r));
    startPromise.resolve(start === undefined ? undefined : start.call(transformer, controller));
  }
  get readable() { return this[kT].readable; }
  get writable() { return this[kT].writable; }
  get [Symbol.toStringTag]() { return "TransformStream"; }
}

// createTransform makes a TransformStream from algorithms: the encoding and compression
// streams build theirs this way.
function createTransform(transform, flush, cancel = () => resolved(undefined)) {
  const ts = Object.create(TransformStream.prototype);
  const t = initialize(ts, resolved(undefined), 1, undefined, 0, undefined);
  setUpTransformController(t, transform, flush, cancel);
  return ts;
}

function initialize(stream, startPromise, writableHWM, writableSize, readableHWM, readableSize) {
  const t = { stream, readable: null, writable: null, backpressure: undefined, backpressureChange: null, controller: null, ctl: null };
  stream[kT] = t;
  t.writable = createWritableStream(() => startPromise,
    (chunk) => sinkWrite(t, chunk), () => sinkClose(t), (reason) => sinkAbort(t, reason), writableHWM, writableSize);
  t.readable = S.createReadableStream(() => startPromise, () => sourcePull(t), (reason) => sourceCancel(t, reason), readableHWM, readableSize);
  setBackpressure(t, true);
  return t;
}

function rctl(t) { return t.readable[S.kState].ctl; }

function errorTransform(t, e) {
  rctl(t).error(e);
  errorWritableAndUnblockWrite(t, e);
}

function errorWritableAndUnblockWrite(t, e) {
  t.ctl.clearAlgorithms();
  t.writable[kW].ctl.errorIfNeeded(e);
  unblockWrite(t);
}

function unblockWrite(t) { if (t.backpressure) setBackpressure(t, false); }

function setBackpressure(t, bp) {
  if (t.backpressureChange !== null) t.backpressureChange.resolve(undefined);
  t.backpressureChange = deferred();
  t.backpressure = bp;
}

class TransformStreamDefaultController {
  constructor(key) { if (key !== kCreate) throw new TypeError("Illegal constructor"); }
  get desiredSize() { return rctl(this[kCtl].t).desiredSize(); }
  enqueue(chunk) { this[kCtl].enqueue(chunk); }
  error(reason) { errorTransform(this[kCtl].t, reason); }
  terminate() {
    const t = this[kCtl].t;
    rctl(t).close();
    errorWritableAndUnblockWrite(t, new TypeError("The transform stream has been terminated"));
  }
  get [Symbol.toStringTag]() { return "TransformStreamDefaultController"; }
}

class TransformController {
  constructor(t, transform, flush, cancel) {
    this.t = t;
    this.transformAlgorithm = transform;
    this.flushAlgorithm = flush;
    this.cancelAlgorithm = cancel;
    this.finish = null;
  }
  clearAlgorithms() { this.transformAlgorithm = undefined; this.flushAlgorithm = undefined; this.cancelAlgorithm = undefined; }
  enqueue(chunk) {
    const t = this.t;
    const rc = rctl(t);
    if (!rc.canCloseOrEnqueue()) throw new TypeError("The readable side of this TransformStream is closed or errored.");
    try { rc.enqueue(chunk); } catch (e) {
      errorWritableAndUnblockWrite(t, e);
      throw t.readable[S.kState].storedError;
    }
    const bp = !rc.shouldCallPull();
    if (bp !== t.backpressure) setBackpressure(t, true);
  }
  performTransform(chunk) {
    const p = this.transformAlgorithm(chunk);
    return p.then(undefined, (r) => { errorTransform(this.t, r); throw r; });
  }
}

function setUpTransformController(t, transform, flush, cancel) {
  const c = new TransformController(t, undefined, flush, cancel);
  const controller = new TransformStreamDefaultController(kCreate);
  controller[kCtl] = c;
  t.controller = controller;
  t.ctl = c;
  c.transformAlgorithm = transform !== undefined ? transform : (chunk) => {
    try { c.enqueue(chunk); return resolved(undefined); } catch (e) { return Promise.reject(e); }
  };
  return controller;
}

function sinkWrite(t, chunk) {
  const c = t.ctl;
  if (t.backpressure) {
    return t.backpressureChange.promise.then(() => {
      const w = t.writable[kW];
      if (w.state === "erroring") throw w.storedError;
      return c.performTransform(chunk);
    });
  }
  return c.performTransform(chunk);
}

function sinkAbort(t, reason) {
  const c = t.ctl;
  if (c.finish !== null) return c.finish.promise;
  const readable = t.readable[S.kState];
  c.finish = deferred();
  const p = c.cancelAlgorithm(reason);
  c.clearAlgorithms();
  p.then(() => {
    if (readable.state === "errored") c.finish.reject(readable.storedError);
    else { readable.ctl.error(reason); c.finish.resolve(undefined); }
  }, (r) => { readable.ctl.error(r); c.finish.reject(r); });
  return c.finish.promise;
}

function sinkClose(t) {
  const c = t.ctl;
  if (c.finish !== null) return c.finish.promise;
  const readable = t.readable[S.kState];
  c.finish = deferred();
  const p = c.flushAlgorithm();
  c.clearAlgorithms();
  p.then(() => {
    if (readable.state === "errored") c.finish.reject(readable.storedError);
    else { readable.ctl.close(); c.finish.resolve(undefined); }
  }, (r) => { readable.ctl.error(r); c.finish.reject(r); });
  return c.finish.promise;
}

function sourcePull(t) {
  setBackpressure(t, false);
  return t.backpressureChange.promise;
}

function sourceCancel(t, reason) {
  const c = t.ctl;
  if (c.finish !== null) return c.finish.promise;
  const w = t.writable[kW];
  c.finish = deferred();
  const p = c.cancelAlgorithm(reason);
  c.clearAlgorithms();
  p.then(() => {
    if (w.state === "errored") c.finish.reject(w.storedError);
    else { w.ctl.errorIfNeeded(reason); unblockWrite(t); c.finish.resolve(undefined); }
  }, (r) => { w.ctl.errorIfNeeded(r); unblockWrite(t); c.finish.reject(r); });
  return c.finish.promise;
}

// ---------------------------------------------------------------- Cloudflare's streams ---

// identityPair builds the two sides of a Go pipe of expected length (or -1). A write resolves
// once the reader has taken its bytes, as in workerd, where the pipe holds no buffer.
function identityPair(target, length, strategy, kind = 0, format = "") {
  let hwm = 1;
  if (strategy !== undefined && strategy !== null && strategy.highWaterMark !== undefined) {
    hwm = Number(strategy.highWaterMark);
    if (length >= 0 && hwm > length) hwm = length;
  }
  const id = natives.pipeNew(length, kind, format);
  const readable = S.fromHost(id);
  const writable = createWritableStream(noop,
    (chunk) => {
      let u8;
      try { u8 = S.toBytes(chunk); } catch (e) { return Promise.reject(e); }
      return u8.byteLength === 0 ? resolved(undefined) : natives.pipeWrite(id, u8);
    },
    () => { natives.pipeClose(id, null); return resolved(undefined); },
    (reason) => {
      natives.pipeClose(id, String(reason));
      const rs = readable[S.kState];
      if (rs.state === "readable") rs.ctl.error(reason);
      return resolved(undefined);
    }, hwm, (chunk) => (chunk && chunk.byteLength !== undefined ? chunk.byteLength : 1));
  writable[kW].host = id;
  target[kT] = { readable, writable };
}

class IdentityTransformStream extends TransformStream {
  constructor(strategy = undefined) {
    // TransformStream's constructor is not run: the two sides are a Go pipe.
    const self = Object.create(new.target.prototype);
    identityPair(self, -1, strategy);
    return self;
  }
  get [Symbol.toStringTag]() { return "IdentityTransformStream"; }
}

const maxSafe = 2 ** 53 - 1;

class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength, strategy = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'FixedLengthStream': 1 argument required, but only 0 present.");
    const n = Number(expectedLength);
    if (n < 0) throw new TypeError("The value cannot be converted because it is negative and this API expects a positive bigint.");
    if (!Number.isInteger(n) || n > maxSafe) throw new TypeError("FixedLengthStream requires an integer expected length less than 2^53.");
    const self = Object.create(new.target.prototype);
    identityPair(self, n, strategy);
    return self;
  }
  get [Symbol.toStringTag]() { return "FixedLengthStream"; }
}

function compressionFormat(format, what) {
  if (format === undefined) throw new TypeError(`Failed to construct '${what}': constructor parameter 1 is not of type 'string'.`);
  const f = String(format);
  if (f !== "gzip" && f !== "deflate" && f !== "deflate-raw") throw new TypeError("The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.");
  return f;
}

// CompressionStream and DecompressionStream are Go pipes that compress or decompress on the
// reading side (compression.go), as workerd's are streams of its own rather than JavaScript
// TransformStreams.
class CompressionStream {
  constructor(format) {
    identityPair(this, -1, undefined, 1, compressionFormat(format, "CompressionStream"));
  }
  get readable() { return this[kT].readable; }
  get writable() { return this[kT].writable; }
  get [Symbol.toStringTag]() { return "CompressionStream"; }
}

class DecompressionStream {
  constructor(format) {
    identityPair(this, -1, undefined, 2, compressionFormat(format, "DecompressionStream"));
  }
  get readable() { return this[kT].readable; }
  get writable() { return this[kT].writable; }
  get [Symbol.toStringTag]() { return "DecompressionStream"; }
}

// hostPipe starts Go copying host body src into dest when dest is an untouched Go pipe, and
// returns the promise of that copy; otherwise null.
function hostPipe(src, dest, preventClose) {
  const w = dest[kW];
  if (!w.host || preventClose || w.writer !== null || w.state !== "writable" || w.ctl.queue.length > 0 || !w.ctl.started) return null;
  const writer = new WritableStreamDefaultWriter(dest);
  return natives.pipeFrom(w.host, src).then(() => {
    writerCloseWithErrorPropagation(writer);
    writerRelease(writer);
  }, (e) => {
    writableStreamAbort(w, e).catch(noop);
    writerRelease(writer);
    throw e;
  });
}

internal.writable = {
  isWritableStream: (v) => v instanceof WritableStream && v[kW] !== undefined,
  isLocked: (v) => v[kW].writer !== null,
  acquireWriter: (v) => new WritableStreamDefaultWriter(v),
  state: (v) => v[kW],
  closeQueuedOrInFlight,
  abort: writableStreamAbort,
  writerRelease,
  writerCloseWithErrorPropagation,
  writerClosed: (writer) => writer[kWriter].closed.promise,
  writerReady: (writer) => writer[kWriter].ready.promise,
  writerWrite,
  hasBackpressure: (w) => w.backpressure,
  hostPipe,
  createTransform,
  kT,
};

return {
  WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
  TransformStream, TransformStreamDefaultController, IdentityTransformStream, FixedLengthStream,
  CompressionStream, DecompressionStream,
};
