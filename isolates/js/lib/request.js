// Fetch Request, as workerd implements it (no mode/credentials/cache semantics; cf and redirect
// matter).
const B = internal.load("body") && internal.body;
const kBody = B.kBody;

// The headers library loads on first use, and the incoming request's Headers are built from
// Go's list only when the worker asks for them: many workers never read a request header.
let H = null, Headers = null;
function headersLib() {
  if (H === null) { Headers = internal.load("headers").Headers; H = internal.headers; }
  return H;
}
function headersOf(i) {
  if (i.headers === null) {
    i.headers = headersLib().fromList(i.headerList, "immutable");
    i.headerList = null;
  }
  return i.headers;
}
const kInit = internal.symbol("request init");
const normalized = { DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1, PATCH: 1 };
// Made by the first Request constructed: the first regular expression of an isolate builds
// RegExp and its prototype, which the incoming request alone does not need.
let tokenRe = null;

class Request {
  constructor(input, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    init = init || {};
    let src = null;
    let url;
    if (input instanceof Request) {
      src = input[kInit];
      url = src.url;
    } else {
      let parsed;
      try { parsed = new globalThis.URL(String(input)); } catch (e) { throw new TypeError(`Invalid URL: ${String(input)}`); }
      url = parsed.href;
    }
    let method = init.method !== undefined ? String(init.method) : src ? src.method : "GET";
    if (tokenRe === null) tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
    if (!tokenRe.test(method)) throw new TypeError(`Invalid HTTP method string: ${method}`);
    const upper = method.toUpperCase();
    if (normalized[upper]) method = upper;
    if (method === "CONNECT" || method === "TRACE" || method === "TRACK") throw new TypeError(`'${method}' HTTP method is unsupported.`);
    const redirect = init.redirect !== undefined ? String(init.redirect) : src ? src.redirect : "follow";
    if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") throw new TypeError(`Invalid redirect value, must be one of "follow" or "manual" ("error" won't be implemented since it does not make sense at the edge; use "manual" and check the response status code).`);
    headersLib();
    const headers = new Headers(init.headers !== undefined ? init.headers : src ? headersOf(src) : undefined);
    let body = null;
    if (init.body !== undefined && init.body !== null) {
      if (method === "GET" || method === "HEAD") throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      const ex = B.extract(init.body);
      body = ex.body;
      if (ex.type && !headers.has("content-type")) headers.append("content-type", ex.type);
    } else if (src && input[kBody]) {
      if (B.isUsed(input[kBody])) throw new TypeError("Cannot reconstruct a Request with a used body.");
      if (method === "GET" || method === "HEAD") throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      // The body moves to the new Request as it is (a Go body stays one, bytes stay
      // resendable); the old one is left used, as in workerd.
      body = input[kBody];
      input[kBody] = { source: "", stream: null, used: true };
    }
    let signal = init.signal !== undefined ? init.signal : src ? src.signal : null;
    if (signal !== null && (typeof globalThis.AbortSignal !== "function" || !(signal instanceof globalThis.AbortSignal))) {
      throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    }
    const cf = init.cf !== undefined ? init.cf : src ? src.cf : undefined;
    this[kInit] = { method, url, headers, redirect, signal, cf, integrity: init.integrity || "", keepalive: !!init.keepalive };
    this[kBody] = body;
  }
  get method() { return this[kInit].method; }
  get url() { return this[kInit].url; }
  get headers() { return headersOf(this[kInit]); }
  get redirect() { return this[kInit].redirect; }
  get signal() {
    const i = this[kInit];
    if (!i.signal) i.signal = new globalThis.AbortController().signal;
    return i.signal;
  }
  get cf() { return this[kInit].cf; }
  get integrity() { return this[kInit].integrity; }
  get keepalive() { return this[kInit].keepalive; }
  get fetcher() { return null; }
  clone() {
    const [a, b] = B.clone(this[kBody]);
    this[kBody] = a;
    const r = Object.create(Request.prototype);
    const headers = headersOf(this[kInit]);
    r[kInit] = Object.assign({}, this[kInit], { headers: new Headers(headers) });
    r[kBody] = b;
    return r;
  }
  get [internal.toStringTag]() { return "Request"; }
}
B.mixin(Request);

// fromHost builds the incoming Request from what Go received; its headers are immutable, as on
// Workers.
function fromHost(method, url, headerList, bodyId, cf) {
  const r = Object.create(Request.prototype);
  r[kInit] = { method, url, headers: null, headerList, redirect: "manual", signal: null, cf, integrity: "", keepalive: false };
  r[kBody] = bodyId ? B.fromHost(bodyId) : null;
  return r;
}

// withBody appends a body's kind and value to a head; Array.prototype.concat would look up
// the Array constructor (species), whose creation costs an isolate dozens of allocations.
function withBody(head, kind, value) {
  head.push(kind, value);
  return head;
}

// toHost describes a Request to Go for fetch(): [method, url, headers, redirect, kind, value],
// with kind and value as for Response.
function toHost(r) {
  const i = r[kInit];
  const b = r[kBody];
  const head = [i.method, i.url, headersLib().toList(headersOf(i)), i.redirect];
  if (!b) return withBody(head, 0, null);
  if (B.isUsed(b)) throw new TypeError(B.usedMessage);
  if (!b.stream) { b.used = true; return withBody(head, typeof b.source === "string" ? 1 : 2, b.source); }
  const id = internal.streams.hostOf(b.stream);
  if (id) { b.stream.getReader(); return withBody(head, 4, id); }
  return withBody(head, 3, b.stream.getReader());
}

internal.request = { fromHost, toHost, kInit };
return { Request };
