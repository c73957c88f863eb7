// Fetcher, the object of a service binding (workerd api/http.c++ Fetcher): fetch() as the
// global one, carried by the binding's Go transport to the other worker, and any other
// property a JS RPC method of the worker's entrypoint (lib/rpc.js).
const { fetchVia } = internal.load("fetch");

const handles = new WeakMap();
const constructing = Symbol("constructing");

class Fetcher {
  constructor(token, h) {
    if (token !== constructing) throw new TypeError("Illegal constructor");
    handles.set(this, h);
  }
  fetch(input, init = undefined) {
    const h = handles.get(this);
    if (h === undefined) throw new TypeError("Illegal invocation");
    return fetchVia(h, "Fetcher", arguments.length, input, init);
  }
}
Object.defineProperty(Fetcher.prototype, Symbol.toStringTag, { value: "Fetcher", configurable: true });

function send(fetcher, method, text) { return natives.call(handles.get(fetcher), method, text); }

// The stub is what the worker holds, so that fetch() finds the handle through it too.
function create(h) {
  const stub = internal.load("rpc").stub(new Fetcher(constructing, h), send);
  handles.set(stub, h);
  return stub;
}

return { Fetcher, create };
