// Ai, the object of an [ai] binding (workerd cloudflare/internal/ai-api.ts). Models, input
// checks and the service's errors live in Go (bindings/ai); this file gives run() workerd's
// shape: the inputs travel as JSON and the result comes back parsed, and a failure rejects with
// workerd's InferenceUpstreamError, named as the service names the error, with the message
// "<internalCode>: <description>".

function streams() {
  if (!internal.streams) internal.load("streams");
  return internal.streams;
}

class InferenceUpstreamError extends Error {
  constructor(message, name = "InferenceUpstreamError") {
    super(message);
    this.name = name;
  }
}

natives.setErrors((message, name) => new InferenceUpstreamError(message, name));

const handles = new WeakMap();
const constructing = Symbol("constructing");

function handle(self) {
  const h = handles.get(self);
  if (h === undefined) throw new TypeError("Illegal invocation");
  return h;
}

class Ai {
  constructor(key, h) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    handles.set(this, h);
    this.lastRequestId = null;
    this.lastRequestInternalStatusCode = null;
  }

  // run is async in workerd: whatever goes wrong rejects the promise. The inputs are sent as
  // JSON.stringify writes them in the request body, so the service sees what it would see.
  async run(model, inputs, options = {}) {
    const h = handle(this);
    this.lastRequestId = "";
    const text = inputs === undefined ? undefined : JSON.stringify(inputs);
    try {
      const out = await natives.run(h, String(model), text);
      // A streamed result (stream: true) is the service's text/event-stream body, which
      // workerd returns as it is: res.body.
      if (typeof out === "number") return streams().fromHost(out);
      return JSON.parse(out);
    } catch (e) {
      if (e instanceof InferenceUpstreamError) {
        const code = parseInt(e.message, 10);
        if (code) this.lastRequestInternalStatusCode = code;
      }
      throw e;
    }
  }

  get [Symbol.toStringTag]() { return "Ai"; }
}

function create(h) { return new Ai(constructing, h); }

return { Ai, InferenceUpstreamError, create };
