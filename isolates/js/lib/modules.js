// require, through which a bundled worker reaches the modules the runtime provides
// ("cloudflare:workers"); runtime/bundle leaves those imports to it (see bundle.go).
const modules = {
  "cloudflare:workers"() {
    const d = internal.load("durable");
    return {
      __esModule: true,
      DurableObject: d.DurableObject,
      WorkerEntrypoint: d.WorkerEntrypoint,
      RpcTarget: d.RpcTarget,
      WorkflowEntrypoint: d.WorkflowEntrypoint,
    };
  },
};
const loaded = new Map();

function require(specifier) {
  const s = `${specifier}`;
  if (loaded.has(s)) return loaded.get(s);
  const make = Object.prototype.hasOwnProperty.call(modules, s) ? modules[s] : undefined;
  if (make === undefined) throw new Error(`No such module "${s}".`);
  const ns = Object.freeze(make());
  loaded.set(s, ns);
  return ns;
}

return { require };
