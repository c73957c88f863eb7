// require, through which a bundled worker reaches the modules the runtime provides
// ("cloudflare:workers"); runtime/bundle leaves those imports to it (see bundle.go).
const modules = {
  "cloudflare:workers"() {
    const d = internal.load("workers");
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
const wasmPrefix = "molt:wasm/";

function require(specifier) {
  const s = `${specifier}`;
  if (loaded.has(s)) return loaded.get(s);
  let make = Object.prototype.hasOwnProperty.call(modules, s) ? modules[s] : undefined;
  if (make === undefined && s.startsWith(wasmPrefix)) {
    // A CompiledWasm import (runtime/bundle): its WebAssembly.Module, compiled with the worker.
    make = () => ({ __esModule: true, default: internal.load("webassembly").bundled(s.slice(wasmPrefix.length)) });
  }
  if (make === undefined) throw new Error(`No such module "${s}".`);
  const ns = Object.freeze(make());
  loaded.set(s, ns);
  return ns;
}

return { require };
