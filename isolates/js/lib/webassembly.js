// The WebAssembly namespace (the WebAssembly JavaScript Interface), over wazero. As on Workers,
// modules come from the bundle (CompiledWasm imports) and compiling bytes at run time is
// refused with V8's CompileError unless the molt_wasm_codegen flag allows it. Memories, tables
// and globals, standalone or exported by another instance, are imported shared, as in V8.

class CompileError extends Error {}
class LinkError extends Error {}
class RuntimeError extends Error {}
for (const [C, name] of [[CompileError, "CompileError"], [LinkError, "LinkError"], [RuntimeError, "RuntimeError"]]) {
  Object.defineProperty(C.prototype, "name", { value: name, writable: true, configurable: true });
  Object.defineProperty(C, "name", { value: name });
}
const errorKinds = { CompileError, LinkError, RuntimeError, TypeError, RangeError };
natives.setErrors((kind, message) => new errorKinds[kind](message));

const handles = new WeakMap();
const constructing = Symbol("constructing");

function handleOf(self, Class, what) {
  const h = handles.get(self);
  if (h === undefined || !(self instanceof Class)) throw new TypeError(`${what}: Receiver is not a ${Class.name === "Module" ? "WebAssembly.Module" : "WebAssembly." + Class.name}`);
  return h;
}

function wrap(Class, h) {
  const o = Object.create(Class.prototype);
  handles.set(o, h);
  return o;
}

class Module {
  constructor(bytes) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Module must be invoked with 'new'");
    handles.set(this, natives.compile(bytes, "WebAssembly.Module()"));
  }
  static imports(module) {
    const h = moduleArg(module, "WebAssembly.Module.imports()");
    return natives.imports(h).map(([module, name, kind]) => ({ module, name, kind }));
  }
  static exports(module) {
    const h = moduleArg(module, "WebAssembly.Module.exports()");
    return natives.exports(h).map(([name, kind]) => ({ name, kind }));
  }
  get [Symbol.toStringTag]() { return "WebAssembly.Module"; }
}

function moduleArg(module, api) {
  const h = module instanceof Module ? handles.get(module) : undefined;
  if (h === undefined) throw new TypeError(`${api}: Argument 0 must be a WebAssembly.Module`);
  return h;
}

// resolveImports checks importObject against the module's imports, with V8's messages, and
// returns the callables for its function imports in the order the natives take them, and the
// values for its memory, table and global imports in declaration order.
function resolveImports(h, importObject, api) {
  const imports = natives.imports(h);
  if (imports.length > 0 && (importObject === undefined || importObject === null || typeof importObject !== "object" && typeof importObject !== "function")) {
    throw new TypeError(`${api}: Imports argument must be present and must be an object`);
  }
  const byName = new Map();
  const externs = [];
  imports.forEach(([module, name, kind], i) => {
    const mod = importObject[module];
    if (mod === null || typeof mod !== "object" && typeof mod !== "function") {
      throw new TypeError(`${api}: Import #${i} "${module}": module is not an object or function`);
    }
    const v = mod[name];
    const where = `${api}: Import #${i} "${module}" "${name}"`;
    switch (kind) {
      case "function":
        if (typeof v !== "function") throw new LinkError(`${where}: function import requires a callable`);
        byName.set(`${module}\0${name}`, v);
        break;
      case "memory": {
        const mh = v instanceof Memory ? handles.get(v) : undefined;
        if (mh === undefined) throw new LinkError(`${where}: memory import must be a WebAssembly.Memory object`);
        externs.push(mh);
        break;
      }
      case "table": {
        const th = v instanceof Table ? handles.get(v) : undefined;
        if (th === undefined) throw new LinkError(`${where}: table import requires a WebAssembly.Table`);
        externs.push(th);
        break;
      }
      case "global": {
        // Numbers, BigInts and references are checked against the declared type natively.
        const g = v instanceof Global ? handles.get(v) : undefined;
        if (g === undefined) {
          externs.push(v);
        } else if (g.native === undefined) {
          throw new LinkError(`${where}: molt cannot import an immutable reference global that is not null`);
        } else {
          externs.push(g.native);
        }
        break;
      }
    }
  });
  const fns = natives.funcImports(h).map(([module, name]) => byName.get(`${module}\0${name}`));
  return { fns, externs };
}

class Instance {
  constructor(module, importObject) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be invoked with 'new'");
    const h = moduleArg(module, "WebAssembly.Instance()");
    const { fns, externs } = resolveImports(h, importObject, "WebAssembly.Instance()");
    const ih = natives.instantiate(h, fns, externs);
    const exports = Object.create(null);
    for (const [name, kind] of natives.exports(h)) {
      exports[name] = exportValue(ih, name, kind);
    }
    Object.freeze(exports);
    handles.set(this, exports);
  }
  get exports() { return handleOf(this, Instance, "WebAssembly.Instance.exports"); }
  get [Symbol.toStringTag]() { return "WebAssembly.Instance"; }
}

function exportValue(ih, name, kind) {
  const v = natives.exportValue(ih, name, kind);
  switch (kind) {
    case "function": return v;
    case "memory": return wrap(Memory, v);
    case "global": return wrap(Global, { native: v });
    case "table": return wrap(Table, v);
  }
  return v;
}

function descriptor(d, api) {
  if (d === null || typeof d !== "object") throw new TypeError(`${api}: Argument 0 must be a ${api.includes("Memory") ? "memory" : api.includes("Table") ? "table" : "global"} descriptor`);
  return d;
}

function pages(v, api, prop, required) {
  if (v === undefined) {
    if (required) throw new TypeError(`${api}: Property '${prop}' is required`);
    return undefined;
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${api}: Property '${prop}': value ${v} is not a valid integer`);
  return Math.trunc(n);
}

class Memory {
  constructor(desc) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Memory must be invoked with 'new'");
    const api = "WebAssembly.Memory()";
    descriptor(desc, api);
    const initial = pages(desc.initial, api, "initial", true);
    const maximum = pages(desc.maximum, api, "maximum", false);
    if (maximum !== undefined && maximum < initial) throw new RangeError(`${api}: Property 'maximum': value ${maximum} is below the lower bound ${initial}`);
    if (initial > 65536) throw new RangeError(`${api}: Property 'initial': value ${initial} is above the upper bound 65536`);
    handles.set(this, natives.newMemory(initial, maximum));
  }
  get buffer() { return natives.memoryBuffer(handleOf(this, Memory, "WebAssembly.Memory.buffer")); }
  grow(delta) { return natives.memoryGrow(handleOf(this, Memory, "WebAssembly.Memory.grow()"), delta); }
  get [Symbol.toStringTag]() { return "WebAssembly.Memory"; }
}

class Table {
  constructor(desc, value) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Table must be invoked with 'new'");
    const api = "WebAssembly.Table()";
    descriptor(desc, api);
    let element = String(desc.element);
    if (element === "anyfunc") element = "funcref";
    if (element !== "funcref" && element !== "externref") throw new TypeError(`${api}: Descriptor property 'element' must be a WebAssembly reference type`);
    const initial = pages(desc.initial, api, "initial", true);
    const maximum = pages(desc.maximum, api, "maximum", false);
    const h = natives.newTable(element, initial, maximum);
    handles.set(this, h);
    if (value !== undefined) {
      for (let i = 0; i < initial; i++) natives.tableOp(h, "set", i, value);
    }
  }
  get length() { return natives.tableOp(handleOf(this, Table, "WebAssembly.Table.length"), "size"); }
  grow(delta, value) { return natives.tableOp(handleOf(this, Table, "WebAssembly.Table.grow()"), "grow", delta, value); }
  get(index) { return natives.tableOp(handleOf(this, Table, "WebAssembly.Table.get()"), "get", index); }
  set(index, value) { natives.tableOp(handleOf(this, Table, "WebAssembly.Table.set()"), "set", index, value); }
  get [Symbol.toStringTag]() { return "WebAssembly.Table"; }
}

const defaultValues = { i32: 0, i64: 0n, f32: 0, f64: 0, externref: undefined, funcref: null };

// Global: a global that Wasm holds, standalone or exported, except an immutable reference that
// is not null, which a generated module cannot hold and so stays here (and cannot be imported).
class Global {
  constructor(desc, value) {
    if (new.target === undefined) throw new TypeError("WebAssembly.Global must be invoked with 'new'");
    const api = "WebAssembly.Global()";
    descriptor(desc, api);
    let type = String(desc.value);
    if (type === "anyfunc") type = "funcref";
    if (!Object.hasOwn(defaultValues, type)) throw new TypeError(`${api}: Descriptor property 'value' must be a WebAssembly type`);
    const mutable = Boolean(desc.mutable);
    const v = value === undefined ? defaultValues[type] : value;
    if (!mutable && (type === "externref" || type === "funcref") && v !== null) {
      handles.set(this, { value: v });
    } else {
      handles.set(this, { native: natives.newGlobal(type, mutable, v) });
    }
  }
  get value() {
    const g = handleOf(this, Global, "get WebAssembly.Global.value");
    return g.native !== undefined ? natives.globalGet(g.native) : g.value;
  }
  set value(v) {
    const g = handleOf(this, Global, "set WebAssembly.Global.value");
    if (g.native === undefined) throw new TypeError("set WebAssembly.Global.value: Can't set the value of an immutable global.");
    natives.globalSet(g.native, v);
  }
  valueOf() { return this.value; }
  get [Symbol.toStringTag]() { return "WebAssembly.Global"; }
}

// later runs fn as a promise job, so that its errors reject rather than throw, as the
// asynchronous API does.
function later(fn) {
  return Promise.resolve().then(fn);
}

async function bytesOf(source, api) {
  const res = await source;
  if (res === null || typeof res !== "object" || typeof res.arrayBuffer !== "function") {
    throw new TypeError(`${api}: Argument 0 must be provided and must be a Response`);
  }
  return res.arrayBuffer();
}

const WebAssembly = {
  Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError,
  validate(bytes) {
    return natives.validate(bytes);
  },
  compile(bytes) {
    return later(() => wrap(Module, natives.compile(bytes, "WebAssembly.compile()")));
  },
  instantiate(source, importObject) {
    if (source instanceof Module) return later(() => new Instance(source, importObject));
    return later(() => {
      const module = wrap(Module, natives.compile(source, "WebAssembly.instantiate()"));
      return { module, instance: new Instance(module, importObject) };
    });
  },
  compileStreaming(source) {
    return bytesOf(source, "WebAssembly.compileStreaming()")
      .then((b) => wrap(Module, natives.compile(b, "WebAssembly.compileStreaming()")));
  },
  instantiateStreaming(source, importObject) {
    return bytesOf(source, "WebAssembly.instantiateStreaming()").then((b) => {
      const module = wrap(Module, natives.compile(b, "WebAssembly.instantiateStreaming()"));
      return { module, instance: new Instance(module, importObject) };
    });
  },
};
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: "WebAssembly", configurable: true });
for (const k of Object.keys(WebAssembly)) {
  Object.defineProperty(WebAssembly, k, { enumerable: false });
}

// bundled is the module a CompiledWasm import stands for (see modules.js).
function bundled(name) {
  return wrap(Module, natives.bundled(name));
}

return { WebAssembly, bundled };
