// JS RPC (workerd api/worker-rpc.c++), shared by Durable Object stubs and service bindings:
// the caller's stub, whose unknown properties are remote methods, and the receiver's lookup
// of what a call may reach. Arguments, results and exceptions cross as lib/serialize.js text.
let ser = null;
const serialize = (v) => (ser ??= internal.load("serialize")).serialize(v);
const deserialize = (t) => (ser ??= internal.load("serialize")).deserialize(t);
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function attempt(fn) {
  try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
}

// --- the caller's side ----------------------------------------------------------------------

// outcome settles a call from its [threw, text] reply.
function outcome(p) {
  return p.then((r) => {
    const v = deserialize(r[1]);
    if (r[0]) throw v;
    return v;
  });
}

// stub wraps target so that any property it does not have is a remote method:
// send(target, name, text) resolves to [threw, text], where text is the serialised argument
// array, or "" to read the property. Only the receiver can tell whether the method exists.
function stub(target, send) {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "symbol" || prop in t) return Reflect.get(t, prop, t);
      // Not thenable: awaiting a stub must give the stub.
      if (prop === "then") return undefined;
      // Called, it calls the method; awaited, it reads the property, as workerd's stubs do.
      const call = function (...args) { return outcome(attempt(() => send(t, prop, serialize(args)))); };
      call.then = (resolve, reject) => outcome(attempt(() => send(t, prop, ""))).then(resolve, reject);
      return call;
    },
  });
}

// --- the receiver's side --------------------------------------------------------------------

// Names no call may reach (workerd's EntrypointJsRpcTarget::isReservedName).
const reserved = new Set(["fetch", "connect", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "dup", "constructor"]);

function notImplemented(name) {
  return new TypeError(`The RPC receiver does not implement the method "${name}".`);
}

function checkName(name) {
  if (reserved.has(name)) throw new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
}

// member reads what a call or property read on an instance of an RPC class (a Durable
// Object, a WorkerEntrypoint) may reach: a method or getter on the prototype chain, never an
// own property or one of Object.prototype.
function member(obj, name) {
  checkName(name);
  if (!hasOwn(obj, name)) {
    for (let p = Object.getPrototypeOf(obj); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      if (!hasOwn(p, name)) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      return d.get ? d.get.call(obj) : d.value;
    }
  }
  throw notImplemented(name);
}

function asFunction(v, name) {
  if (typeof v !== "function") throw new TypeError(`"${name}" is not a function.`);
  return v;
}

// invoke runs a call (text is the serialised argument array) or a property read (text "") on
// an instance of an RPC class, and resolves to what it returns.
function invoke(obj, name, text) {
  return attempt(() => text === "" ? member(obj, name) : asFunction(member(obj, name), name).apply(obj, deserialize(text)));
}

// invokeHandler calls a function of a plain exported object (export default { method(arg, env,
// ctx) }), as workerd's invokeFnInsertingEnvCtx does: own properties only, exactly one argument
// from the caller, then env and ctx.
function invokeHandler(obj, name, text, env, ctx) {
  return attempt(() => {
    checkName(name);
    if (!hasOwn(obj, name)) throw notImplemented(name);
    const v = obj[name];
    if (text === "") return v;
    const fn = asFunction(v, name);
    const args = deserialize(text);
    if (fn.length > 3) {
      throw new TypeError(`Cannot call handler function "${name}" over RPC because it has the wrong number of arguments. A simple function handler can only be called over RPC if it has exactly the arguments (arg, env, ctx), where only the first argument comes from the client. To support multi-argument RPC functions, use class-based syntax (extending WorkerEntrypoint) instead.`);
    }
    if (args.length !== 1) {
      throw new TypeError(`Attempted to call RPC function "${name}" with the wrong number of arguments. When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.`);
    }
    return fn.call(obj, args[0], env, ctx);
  });
}

function describe(e) { return e instanceof Error ? `${e.name}: ${e.message}` : `${e}`; }

// errorText serialises what a call threw; a value that is not an Error reaches the caller as
// an Error with the value's text, as in workerd.
function errorText(e) {
  if (!(e instanceof Error)) e = new Error(`${e}`);
  try { return serialize(e); } catch (_) { return serialize(new Error(describe(e))); }
}

// reply turns a call's promise into the [threw, text] the caller's stub settles from.
function reply(p) {
  return p.then((v) => [false, serialize(v)]).catch((e) => [true, errorText(e)]);
}

return { stub, member, invoke, invokeHandler, errorText, reply, describe };
