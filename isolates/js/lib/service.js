// Fetcher, the object of a service binding (workerd api/http.c++ Fetcher): fetch() as the
// global one, carried by the binding's Go transport to the other worker.
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

function create(h) { return new Fetcher(constructing, h); }

return { Fetcher, create };
