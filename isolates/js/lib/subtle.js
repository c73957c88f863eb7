// SubtleCrypto, CryptoKey and crypto.DigestStream with workerd's semantics (api/crypto/). This
// file checks arguments, algorithm names, usages and extractability, with workerd's messages;
// the Go natives (subtle*.go) hold the key material and do the cryptography.

function dom(message, name) {
  // DOMException is another library's lazy global: looked up at throw time.
  const D = globalThis.DOMException;
  if (typeof D === "function") return new D(message, name);
  const e = new Error(message);
  Object.defineProperty(e, "name", { value: name, writable: true, configurable: true });
  return e;
}

const constructing = Symbol("constructing");
const slots = new WeakMap(); // CryptoKey -> its internal slots
const brand = new WeakSet(); // SubtleCrypto instances

// The algorithms workerd registers, matched case-insensitively as it does.
const algorithms = new Map(["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "PBKDF2", "HKDF", "RSASSA-PKCS1-v1_5",
  "RSA-PSS", "RSA-OAEP", "ECDSA", "ECDH", "NODE-ED25519", "Ed25519", "X25519"].map((n) => [n.toLowerCase(), n]));
const digests = new Map(["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"].map((n) => [n.toLowerCase(), n]));
// DigestStream also takes workerd's checksums, by these exact names.
const checksums = new Set(["crc32", "crc32c", "crc64nvme"]);
const generators = new Set(["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP",
  "ECDSA", "ECDH", "NODE-ED25519", "Ed25519", "X25519"]);

// Usages, in the order workerd lists them (it keeps them as a bit set).
const usageOrder = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];
const publicUsages = new Set(["encrypt", "verify", "wrapKey"]);
const cipherUsages = ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
const signPair = { public: ["verify"], private: ["sign"] };
const derivePair = { public: [], private: ["deriveKey", "deriveBits"] };
const masks = {
  "AES-CTR": { secret: cipherUsages }, "AES-CBC": { secret: cipherUsages }, "AES-GCM": { secret: cipherUsages },
  "AES-KW": { secret: ["wrapKey", "unwrapKey"] },
  "HMAC": { secret: ["sign", "verify"] },
  "PBKDF2": { secret: ["deriveKey", "deriveBits"] }, "HKDF": { secret: ["deriveKey", "deriveBits"] },
  "RSASSA-PKCS1-v1_5": signPair, "RSA-PSS": signPair, "ECDSA": signPair, "Ed25519": signPair, "NODE-ED25519": signPair,
  "RSA-OAEP": { public: ["encrypt", "wrapKey"], private: ["decrypt", "unwrapKey"] },
  "ECDH": derivePair, "X25519": derivePair,
};

function isBufferSource(v) {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function notOfType(method, index, type) {
  return new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': parameter ${index} is not of type '${type}'.`);
}

function requireBuffer(v, method, index) {
  if (!isBufferSource(v)) throw notOfType(method, index, "ArrayBuffer or ArrayBufferView");
}

function requireArgs(n, want, method) {
  if (n < want) throw new TypeError(`Failed to execute '${method}' on 'SubtleCrypto': ${want} arguments required, but only ${n} present.`);
}

function slotOf(key, method, index) {
  const s = key !== null && typeof key === "object" ? slots.get(key) : undefined;
  if (s === undefined) throw notOfType(method, index, "CryptoKey");
  return s;
}

const bufferFields = ["iv", "additionalData", "counter", "label", "salt", "info", "publicExponent"];
const numberFields = ["length", "tagLength", "saltLength", "iterations", "modulusLength"];

function hashName(h) {
  const name = typeof h === "string" ? h : (h !== null && typeof h === "object" ? h.name : undefined);
  if (name === undefined) throw new TypeError("Missing field \"name\" in \"hash\".");
  return digests.get(String(name).toLowerCase()) || String(name);
}

// algorithmArg reads an AlgorithmIdentifier (a name or a dictionary) into a plain dictionary of
// the members any algorithm uses, each read once, converted as WebIDL would.
function algorithmArg(alg) {
  if (alg === null || typeof alg !== "object") return { name: String(alg) };
  const name = alg.name;
  if (name === undefined) throw new TypeError("Missing field \"name\" in \"algorithm\".");
  const out = { name: String(name) };
  const hash = alg.hash;
  if (hash !== undefined) out.hash = hashName(hash);
  const namedCurve = alg.namedCurve;
  if (namedCurve !== undefined) out.namedCurve = String(namedCurve);
  for (const f of numberFields) {
    const v = alg[f];
    if (v !== undefined) {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new TypeError(`Value of "${f}" in "algorithm" is not a finite number.`);
      out[f] = Math.trunc(n);
    }
  }
  for (const f of bufferFields) {
    const v = alg[f];
    if (v !== undefined) {
      if (!isBufferSource(v)) throw new TypeError(`"${f}" in "algorithm" is not of type 'ArrayBuffer or ArrayBufferView'.`);
      out[f] = v;
    }
  }
  const pub = alg.public;
  if (pub !== undefined) {
    const s = pub !== null && typeof pub === "object" ? slots.get(pub) : undefined;
    if (s === undefined) throw new TypeError("\"public\" in \"algorithm\" is not of type 'CryptoKey'.");
    out.public = s.handle;
  }
  return out;
}

function canonical(name) {
  return algorithms.get(name.toLowerCase());
}

function usagesArg(v, method, index) {
  if (v === null || typeof v !== "object" || typeof v[Symbol.iterator] !== "function") throw notOfType(method, index, "Array");
  return Array.from(v, String);
}

// validateUsages checks requested usages against those the algorithm allows in context and
// returns them de-duplicated, in workerd's order.
function validateUsages(name, op, usages, allowed) {
  const set = new Set();
  for (const u of usages) {
    if (!usageOrder.includes(u) || !allowed.includes(u)) {
      throw dom(`Attempt to ${op} ${name} key with invalid usage "${u}".`, "SyntaxError");
    }
    set.add(u);
  }
  return usageOrder.filter((u) => set.has(u));
}

// validateOperation is workerd's check that key suits the requested algorithm and usage.
function validateOperation(s, requested, usage) {
  if (requested.toLowerCase() !== s.name.toLowerCase()) {
    throw dom(`Requested algorithm "${requested}" does not match this CryptoKey's algorithm "${s.name}".`, "InvalidAccessError");
  }
  if (!s.usages.includes(usage)) {
    throw dom(`Requested key usage "${usage}" does not match any usage listed in this CryptoKey.`, "InvalidAccessError");
  }
}

function keyAlgorithm(name, info) {
  switch (name) {
    case "AES-CTR": case "AES-CBC": case "AES-GCM": case "AES-KW":
      return { name, length: info.length };
    case "HMAC":
      return { name, length: info.length, hash: { name: info.hash } };
    case "RSASSA-PKCS1-v1_5": case "RSA-PSS": case "RSA-OAEP":
      return { name, modulusLength: info.modulusLength, publicExponent: info.publicExponent, hash: { name: info.hash } };
    case "ECDSA": case "ECDH":
      return { name, namedCurve: info.namedCurve };
    case "NODE-ED25519":
      return { name, namedCurve: "NODE-ED25519" };
  }
  return { name };
}

function makeKey(info, name, extractable, usages) {
  const key = Object.create(CryptoKey.prototype);
  slots.set(key, {
    handle: info.handle, name, type: info.type, extractable, usages,
    algorithm: keyAlgorithm(name, info), exposedUsages: usages.slice(),
  });
  return key;
}

class CryptoKey {
  constructor() { throw new TypeError("Illegal constructor"); }
  get type() { return slotOf(this, "type", 0).type; }
  get extractable() { return slotOf(this, "extractable", 0).extractable; }
  get algorithm() { return slotOf(this, "algorithm", 0).algorithm; }
  get usages() { return slotOf(this, "usages", 0).exposedUsages; }
  get [Symbol.toStringTag]() { return "CryptoKey"; }
}
for (const k of ["type", "extractable", "algorithm", "usages"]) {
  const d = Object.getOwnPropertyDescriptor(CryptoKey.prototype, k);
  const get = d.get;
  d.get = function () {
    if (!slots.has(this)) throw new TypeError("Illegal invocation");
    return get.call(this);
  };
  d.enumerable = true;
  Object.defineProperty(CryptoKey.prototype, k, d);
}

const jwkStringFields = ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"];
const symmetric = new Set(["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "PBKDF2", "HKDF"]);

// readJwk copies a JsonWebKey dictionary, so that later getters see the values checked.
function readJwk(v) {
  const jwk = {};
  for (const f of jwkStringFields) {
    const x = v[f];
    if (x !== undefined) jwk[f] = String(x);
  }
  const ops = v.key_ops;
  if (ops !== undefined) jwk.key_ops = usagesArg(ops, "importKey", 2);
  const ext = v.ext;
  if (ext !== undefined) jwk.ext = !!ext;
  const oth = v.oth;
  if (oth !== undefined) jwk.oth = true;
  return jwk;
}

// checkJwk applies workerd's "use", "key_ops" and "ext" rules for importing jwk as name.
function checkJwk(name, jwk, usages, extractable) {
  if (symmetric.has(name)) {
    if (name.startsWith("AES-") && jwk.use !== undefined && jwk.use !== "enc") {
      throw dom(`Symmetric "jwk" key must have a "use" of "enc", not "${jwk.use}".`, "DataError");
    }
    if (jwk.key_ops !== undefined) {
      const seen = new Set();
      for (const op of jwk.key_ops) {
        if (seen.has(op)) throw dom(`Symmetric "jwk" key contains duplicate value "${op}", in "key_op".`, "DataError");
        seen.add(op);
      }
      for (const u of usages) {
        if (!seen.has(u)) throw dom(`"jwk" key missing usage "${u}", in "key_ops".`, "DataError");
      }
    }
    return;
  }
  const expectedUse = name === "RSA-OAEP" || name === "ECDH" || name === "X25519" ? "enc" : "sig";
  if (usages.length > 0 && jwk.use !== undefined && jwk.use !== expectedUse) {
    throw dom(`Asymmetric "jwk" key import with usages requires a JSON Web Key with Public Key Use parameter "use" ("${jwk.use}") equal to "${expectedUse}".`, "DataError");
  }
  if (jwk.key_ops !== undefined) {
    if (new Set(jwk.key_ops).size !== jwk.key_ops.length) {
      throw dom("A JSON Web Key's Key Operations parameter (\"key_ops\") must not contain duplicates.", "DataError");
    }
    for (const u of usages) {
      if (!jwk.key_ops.includes(u)) {
        throw dom("All specified key usages must be present in the JSON Web Key's Key Operations parameter (\"key_ops\").", "DataError");
      }
    }
  }
  if (jwk.ext === false && extractable) {
    throw dom("Cannot create an extractable CryptoKey from an unextractable JSON Web Key.", "DataError");
  }
}

// importKey is SubtleCrypto.importKey after its arguments are read; deriveKey and unwrapKey
// import through it too, as workerd's importKeySync.
function importKey(format, keyData, a, extractable, requested) {
  let data = keyData;
  if (format === "raw" || format === "pkcs8" || format === "spki") {
    if (!isBufferSource(keyData)) {
      throw new TypeError("Import data provided for \"raw\", \"pkcs8\", or \"spki\" import formats must be a buffer source.");
    }
  } else if (format === "jwk") {
    if (keyData === null || typeof keyData !== "object" || isBufferSource(keyData)) {
      throw new TypeError("Import data provided for \"jwk\" import format must be a JsonWebKey.");
    }
    data = readJwk(keyData);
    if (data.ext === false && extractable) {
      throw dom(`JWK ext field for "${a.name}" is set to false but extractable is true`, "DataError");
    }
  } else {
    throw dom(`Unrecognized key import format "${format}".`, "NotSupportedError");
  }
  const name = canonical(a.name);
  if (name === undefined) throw dom(`Unrecognized key import algorithm "${a.name}" requested.`, "NotSupportedError");
  const mask = masks[name];
  let type = "secret";
  if (mask.secret === undefined) {
    type = format === "pkcs8" || (format === "jwk" && data.d !== undefined) ? "private" : "public";
  }
  const usages = validateUsages(name, "import " + type, requested, mask[type] || []);
  if (format === "jwk") checkJwk(name, data, usages, extractable);
  if (format === "jwk" && data.oth !== undefined && type === "private") throw dom("Multi-prime private keys not supported.", "NotSupportedError");
  if ((name === "PBKDF2" || name === "HKDF") && extractable) throw dom(`${name} key cannot be extractable.`, "SyntaxError");
  const info = natives.importKey(format, data, { ...a, name });
  if (usages.length === 0 && (info.type === "secret" || info.type === "private")) {
    throw dom("Secret/private CryptoKeys must have at least one usage.", "SyntaxError");
  }
  return makeKey(info, name, extractable, usages);
}

function exportKey(format, s) {
  if (!s.extractable) throw dom(`Attempt to export non-extractable ${s.name} key.`, "InvalidAccessError");
  if (format !== "jwk") return natives.exportKey(s.handle, format);
  const m = natives.exportKey(s.handle, "jwk");
  // Members in workerd's order: kty, use, key_ops, alg, ext, then the key material.
  const jwk = { kty: m.kty, key_ops: s.usages.slice() };
  if (m.alg !== undefined) jwk.alg = m.alg;
  jwk.ext = s.extractable;
  for (const f of ["crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"]) {
    if (m[f] !== undefined) jwk[f] = m[f];
  }
  return jwk;
}

// keyLength is the spec's "get key length" of a derived key's algorithm, as workerd has it.
function keyLength(d) {
  const name = canonical(d.name);
  if (name === undefined || !symmetric.has(name)) {
    throw dom(`Unrecognized derived key type "${d.name}" requested.`, "NotSupportedError");
  }
  if (name.startsWith("AES-")) {
    if (d.length === undefined) throw new TypeError("Missing field \"length\" in \"derivedKeyParams\".");
    if (d.length !== 128 && d.length !== 192 && d.length !== 256) {
      throw dom(`Derived AES key must be 128, 192, or 256 bits in length but provided ${d.length}.`, "OperationError");
    }
    return d.length;
  }
  if (name === "HMAC") {
    if (d.length !== undefined) {
      if (d.length > 0) return d.length;
      throw new TypeError("HMAC key length must be a non-zero unsigned long integer.");
    }
    if (d.hash === undefined) throw new TypeError("Missing field \"hash\" in \"derivedKeyParams\".");
    if (!digests.has(d.hash.toLowerCase())) throw dom("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
    return d.hash === "SHA-384" || d.hash === "SHA-512" ? 1024 : 512;
  }
  return null;
}

function utf8(s) {
  return new TextEncoder().encode(s);
}

class SubtleCrypto {
  constructor(key) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    brand.add(this);
  }

  async encrypt(algorithm, key, data) {
    check(this); requireArgs(arguments.length, 3, "encrypt");
    const a = algorithmArg(algorithm), s = slotOf(key, "encrypt", 2);
    requireBuffer(data, "encrypt", 3);
    validateOperation(s, a.name, "encrypt");
    return natives.encrypt(s.handle, a, data, false);
  }

  async decrypt(algorithm, key, data) {
    check(this); requireArgs(arguments.length, 3, "decrypt");
    const a = algorithmArg(algorithm), s = slotOf(key, "decrypt", 2);
    requireBuffer(data, "decrypt", 3);
    validateOperation(s, a.name, "decrypt");
    return natives.decrypt(s.handle, a, data, false);
  }

  async sign(algorithm, key, data) {
    check(this); requireArgs(arguments.length, 3, "sign");
    const a = algorithmArg(algorithm), s = slotOf(key, "sign", 2);
    requireBuffer(data, "sign", 3);
    validateOperation(s, a.name, "sign");
    return natives.sign(s.handle, a, data);
  }

  async verify(algorithm, key, signature, data) {
    check(this); requireArgs(arguments.length, 4, "verify");
    const a = algorithmArg(algorithm), s = slotOf(key, "verify", 2);
    requireBuffer(signature, "verify", 3);
    requireBuffer(data, "verify", 4);
    validateOperation(s, a.name, "verify");
    return natives.verify(s.handle, a, signature, data);
  }

  async digest(algorithm, data) {
    check(this); requireArgs(arguments.length, 2, "digest");
    const a = algorithmArg(algorithm);
    requireBuffer(data, "digest", 2);
    const name = digests.get(a.name.toLowerCase());
    if (name === undefined) throw dom("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
    return natives.digest(name, data);
  }

  async generateKey(algorithm, extractable, keyUsages) {
    check(this); requireArgs(arguments.length, 3, "generateKey");
    const a = algorithmArg(algorithm);
    extractable = !!extractable;
    const requested = usagesArg(keyUsages, "generateKey", 3);
    const name = canonical(a.name);
    if (name === undefined || !generators.has(name)) {
      throw dom(`Unrecognized key generation algorithm "${a.name}" requested.`, "NotSupportedError");
    }
    const mask = masks[name];
    if (mask.secret !== undefined) {
      const usages = validateUsages(name, "generate", requested, mask.secret);
      const info = await natives.generateKey({ ...a, name });
      if (usages.length === 0) throw dom("Secret/private CryptoKeys must have at least one usage.", "SyntaxError");
      return makeKey(info, name, extractable, usages);
    }
    const usages = validateUsages(name, "generate", requested, mask.public.concat(mask.private));
    const privateUsages = usages.filter((u) => !publicUsages.has(u));
    const info = await natives.generateKey({ ...a, name });
    if (privateUsages.length === 0) throw dom("Attempt to generate asymmetric keys with no valid private key usages.", "SyntaxError");
    // The public half of a pair is always extractable, as in workerd.
    return {
      publicKey: makeKey(info.publicKey, name, true, usages.filter((u) => publicUsages.has(u))),
      privateKey: makeKey(info.privateKey, name, extractable, privateUsages),
    };
  }

  async deriveKey(algorithm, baseKey, derivedKeyAlgorithm, extractable, keyUsages) {
    check(this); requireArgs(arguments.length, 5, "deriveKey");
    const a = algorithmArg(algorithm), s = slotOf(baseKey, "deriveKey", 2), d = algorithmArg(derivedKeyAlgorithm);
    extractable = !!extractable;
    const requested = usagesArg(keyUsages, "deriveKey", 5);
    validateOperation(s, a.name, "deriveKey");
    const bits = await natives.deriveBits(s.handle, a, keyLength(d));
    return importKey("raw", bits, d, extractable, requested);
  }

  async deriveBits(algorithm, baseKey, length) {
    check(this); requireArgs(arguments.length, 2, "deriveBits");
    const a = algorithmArg(algorithm), s = slotOf(baseKey, "deriveBits", 2);
    let n = null;
    if (length !== undefined && length !== null) {
      n = Math.trunc(Number(length));
      if (!(n >= 0)) throw new TypeError("deriveBits length must be an unsigned long integer.");
    }
    validateOperation(s, a.name, "deriveBits");
    return natives.deriveBits(s.handle, a, n);
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    check(this); requireArgs(arguments.length, 5, "importKey");
    const a = algorithmArg(algorithm);
    return importKey(String(format), keyData, a, !!extractable, usagesArg(keyUsages, "importKey", 5));
  }

  async exportKey(format, key) {
    check(this); requireArgs(arguments.length, 2, "exportKey");
    return exportKey(String(format), slotOf(key, "exportKey", 2));
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    check(this); requireArgs(arguments.length, 4, "wrapKey");
    format = String(format);
    const s = slotOf(key, "wrapKey", 2), w = slotOf(wrappingKey, "wrapKey", 3), a = algorithmArg(wrapAlgorithm);
    validateOperation(w, a.name, "wrapKey");
    const exported = exportKey(format, s);
    const bytes = format === "jwk" ? utf8(JSON.stringify(exported)) : exported;
    return natives.encrypt(w.handle, a, bytes, true);
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    check(this); requireArgs(arguments.length, 7, "unwrapKey");
    format = String(format);
    requireBuffer(wrappedKey, "unwrapKey", 2);
    const w = slotOf(unwrappingKey, "unwrapKey", 3), a = algorithmArg(unwrapAlgorithm), u = algorithmArg(unwrappedKeyAlgorithm);
    extractable = !!extractable;
    const requested = usagesArg(keyUsages, "unwrapKey", 7);
    validateOperation(w, a.name, "unwrapKey");
    let data = natives.decrypt(w.handle, a, wrappedKey, true);
    if (format === "jwk") {
      try {
        data = JSON.parse(new TextDecoder().decode(data));
      } catch (_) {
        data = undefined;
      }
      if (data === null || typeof data !== "object" || data.kty === undefined) {
        throw dom("Missing \"kty\" field or corrupt JSON unwrapping key?", "DataError");
      }
    }
    return importKey(format, data, u, extractable, requested);
  }

  timingSafeEqual(a, b) {
    check(this); requireArgs(arguments.length, 2, "timingSafeEqual");
    requireBuffer(a, "timingSafeEqual", 1);
    requireBuffer(b, "timingSafeEqual", 2);
    return natives.timingSafeEqual(a, b);
  }

  get [Symbol.toStringTag]() { return "SubtleCrypto"; }
}

function check(self) {
  if (!brand.has(self)) throw new TypeError("Illegal invocation");
}

// DigestStream needs a WritableStream to extend. Until the isolate has one, it extends this
// minimal stand-in: the surface a worker uses to feed a digest (getWriter, write, close, abort,
// locked), without queuing strategies or backpressure, since every write completes at once.
class MinimalWritableStream {
  #sink; #state = "writable"; #writer = null; #error;
  constructor(sink) { this.#sink = sink; }
  get locked() { return this.#writer !== null; }
  getWriter() {
    if (this.#writer !== null) throw new TypeError("This WritableStream is currently locked to a writer.");
    const stream = this;
    return (this.#writer = new MinimalWriter(stream, (op, arg) => stream.#run(op, arg), () => { stream.#writer = null; }));
  }
  async abort(reason) {
    if (this.#writer !== null) throw new TypeError("This WritableStream is currently locked to a writer.");
    return this.#run("abort", reason);
  }
  async close() {
    if (this.#writer !== null) throw new TypeError("This WritableStream is currently locked to a writer.");
    return this.#run("close");
  }
  async #run(op, arg) {
    if (this.#state === "errored") throw this.#error;
    if (this.#state === "closed") {
      if (op === "abort") return;
      throw new TypeError("This WritableStream has been closed.");
    }
    try {
      await this.#sink[op](arg);
    } catch (e) {
      this.#state = "errored";
      this.#error = e;
      throw e;
    }
    if (op === "close") this.#state = "closed";
    if (op === "abort") { this.#state = "errored"; this.#error = arg; }
  }
}

class MinimalWriter {
  #stream; #run; #release; #closed;
  constructor(stream, run, release) {
    this.#stream = stream; this.#run = run; this.#release = release;
    let resolve, reject;
    this.#closed = new Promise((res, rej) => { resolve = res; reject = rej; });
    this.#closed.catch(() => {});
    this.#closed.resolve = resolve; this.#closed.reject = reject;
  }
  get closed() { return this.#closed; }
  get ready() { return Promise.resolve(); }
  get desiredSize() { return this.#stream === null ? null : 1; }
  #live() {
    if (this.#stream === null) throw new TypeError("This WritableStream writer has been released.");
  }
  async write(chunk) { this.#live(); return this.#settle(this.#run("write", chunk), false); }
  async close() { this.#live(); return this.#settle(this.#run("close"), true); }
  async abort(reason) { this.#live(); return this.#settle(this.#run("abort", reason), false); }
  async #settle(p, closing) {
    try {
      await p;
      if (closing) this.#closed.resolve();
    } catch (e) {
      this.#closed.reject(e);
      throw e;
    }
  }
  releaseLock() {
    if (this.#stream === null) return;
    this.#stream = null;
    this.#release();
  }
}

const WritableBase = typeof globalThis.WritableStream === "function" ? globalThis.WritableStream : MinimalWritableStream;

// DigestStream is workerd's crypto.DigestStream: a writable stream that hashes what is written
// to it (bytes, or strings as UTF-8) and resolves digest with the hash once closed.
class DigestStream extends WritableBase {
  #digest; #bytes = 0;
  constructor(algorithm) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'DigestStream': 1 argument required, but only 0 present.");
    const a = algorithmArg(algorithm);
    const name = checksums.has(a.name) ? a.name : digests.get(a.name.toLowerCase());
    if (name === undefined) throw dom("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
    const state = natives.digestNew(name);
    let resolve, reject, done = false;
    const digest = new Promise((res, rej) => { resolve = res; reject = rej; });
    digest.catch(() => {});
    let self;
    super({
      write(chunk) {
        if (done) return;
        if (typeof chunk !== "string" && !isBufferSource(chunk)) {
          throw new TypeError("DigestStream is a byte stream but received an object of non-ArrayBuffer/ArrayBufferView/string type on its writable side.");
        }
        natives.digestWrite(state, chunk);
        self.#bytes += typeof chunk === "string" ? utf8(chunk).byteLength : chunk.byteLength;
      },
      close() {
        if (done) return;
        done = true;
        resolve(natives.digestSum(state));
      },
      abort(reason) {
        if (done) return;
        done = true;
        reject(reason);
      },
    });
    self = this;
    this.#digest = digest;
  }
  get digest() { return this.#digest; }
  get bytesWritten() { return this.#bytes; }
  get [Symbol.toStringTag]() { return "DigestStream"; }
}

return { SubtleCrypto, CryptoKey, DigestStream, subtle: new SubtleCrypto(constructing) };
