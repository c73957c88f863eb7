// Fetch Response, with workerd's checks and messages.
const B = internal.load("body") && internal.body;
const kBody = B.kBody;
const kInit = internal.symbol("response init");

// The headers library loads on first use, and a Response constructed without headers gets its
// Headers only when asked for them: new Response("text") then sends its one Content-Type
// without building any.
let H = null, Headers = null;
function headersLib() {
  if (H === null) { Headers = internal.load("headers").Headers; H = internal.headers; }
  return H;
}
function headersOf(i) {
  if (i.headers === null) {
    headersLib();
    i.headers = new Headers();
    if (i.contentType) i.headers.append("content-type", i.contentType);
    i.contentType = null;
  }
  return i.headers;
}
const nullBodyStatus = (s) => s === 101 || s === 204 || s === 205 || s === 304;
const redirectStatus = (s) => s === 301 || s === 302 || s === 303 || s === 307 || s === 308;

class Response {
  constructor(body = null, init = undefined) {
    if (init !== undefined && init !== null && typeof init !== "object") throw new TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    init = init || {};
    const status = init.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      if (!(status === 101 && init[kInit])) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive.`);
    }
    const statusText = init.statusText === undefined ? "" : String(init.statusText);
    if (statusText !== "" && /[^\t\x20-\x7e\x80-\xff]/.test(statusText)) throw new TypeError("Invalid statusText.");
    let headers = null;
    if (init.headers !== undefined) {
      headersLib();
      headers = new Headers(init.headers);
    }
    const { body: b, type } = B.extract(body);
    if (b && nullBodyStatus(status)) throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
    if (type && headers !== null && !headers.has("content-type")) headers.append("content-type", type);
    // A Response given as the init (new Response(body, response)) passes its encodeBody on.
    const encodeBody = init[kInit] !== undefined ? init[kInit].encodeBody : init.encodeBody === undefined ? "automatic" : String(init.encodeBody);
    if (encodeBody !== "automatic" && encodeBody !== "manual") throw new TypeError(`encodeBody: unexpected value: ${encodeBody}`);
    this[kInit] = { status, statusText, headers, contentType: headers === null ? type : null, url: "", redirected: false, type: "default", webSocket: init.webSocket || null, cf: init.cf, encodeBody };
    this[kBody] = b;
  }
  get status() { return this[kInit].status; }
  get statusText() { return this[kInit].statusText; }
  get ok() { const s = this[kInit].status; return s >= 200 && s <= 299; }
  get headers() { return headersOf(this[kInit]); }
  get url() { return this[kInit].url; }
  get redirected() { return this[kInit].redirected; }
  get type() { return this[kInit].type; }
  get webSocket() { return this[kInit].webSocket; }
  get cf() { return this[kInit].cf; }
  clone() {
    const [a, b] = B.clone(this[kBody]);
    this[kBody] = a;
    const r = new Response(null, { status: this.status === 101 ? 200 : this.status, statusText: this.statusText, headers: this.headers });
    const headers = this.headers;
    Object.assign(r[kInit], this[kInit], { headers: new Headers(headers) });
    r[kBody] = b;
    return r;
  }
  static json(data, init = undefined) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Value is not JSON serializable.");
    if (init === undefined || (init !== null && typeof init === "object" && init.headers === undefined)) {
      // No headers given: the Response's own are made on demand, with this type.
      const r = new Response(text, Object.assign({}, init));
      r[kInit].contentType = "application/json";
      return r;
    }
    headersLib();
    const headers = new Headers(init && init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new Response(text, Object.assign({}, init, { headers }));
  }
  static redirect(url, status = 302) {
    status = Number(status);
    if (!redirectStatus(status)) throw new RangeError(`${status} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    const parsed = new globalThis.URL(String(url));
    return new Response(null, { status, headers: { location: parsed.href } });
  }
  static error() {
    const r = new Response(null, { status: 200 });
    r[kInit].status = 0;
    r[kInit].type = "error";
    headersLib().setGuard(headersOf(r[kInit]), "immutable");
    return r;
  }
  get [internal.toStringTag]() { return "Response"; }
}
B.mixin(Response);

// fromHost builds the Response of a subrequest from what Go received.
function fromHost(status, statusText, headerList, bodyId, url, redirected) {
  const r = new Response(null, { status: status === 101 ? 200 : status });
  const i = r[kInit];
  i.status = status;
  i.statusText = statusText;
  i.headers = headersLib().fromList(headerList, "immutable");
  i.contentType = null;
  i.url = url;
  i.redirected = redirected;
  if (bodyId) r[kBody] = B.fromHost(bodyId);
  return r;
}

// withBody appends a body's kind and value to a head; Array.prototype.concat would look up
// the Array constructor (species), whose creation costs an isolate dozens of allocations.
function withBody(head, kind, value) {
  head.push(kind, value);
  return head;
}

// toHost describes a Response to Go: [status, statusText, headers, kind, value] where kind is
// 0 (no body), 1 (string), 2 (Uint8Array), 3 (a reader to pull chunks from) or 4 (a Go body id),
// and a sixth element when encodeBody is "manual" (the body is already encoded).
function toHost(r) {
  if (!(r instanceof Response)) return null;
  const i = r[kInit];
  const b = r[kBody];
  const head = [i.status, i.statusText, i.headers !== null ? H.toList(i.headers) : i.contentType ? ["content-type", i.contentType] : []];
  if (!b) withBody(head, 0, null);
  else if (B.isUsed(b)) throw new TypeError(B.usedMessage);
  else if (!b.stream) {
    b.used = true;
    withBody(head, typeof b.source === "string" ? 1 : 2, b.source);
  } else {
    const bytes = internal.streams.fixedBytes(b.stream);
    const id = bytes ? 0 : internal.streams.hostOf(b.stream);
    if (bytes) { b.stream.getReader().read(); withBody(head, 2, bytes); }
    else if (id) { b.stream.getReader(); withBody(head, 4, id); }
    else withBody(head, 3, b.stream.getReader());
  }
  if (i.encodeBody === "manual") head.push(true);
  return head;
}

internal.response = { fromHost, toHost, kInit };
return { Response };
