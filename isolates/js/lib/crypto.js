// The Crypto global: getRandomValues and randomUUID (workerd api/crypto/crypto.c++). SubtleCrypto
// is its own library; crypto.subtle appears once one is registered (see subtleLibrary in Go).

function domException(message, name) {
  // DOMException is another library's lazy global: looked up at throw time.
  const D = globalThis.DOMException;
  if (typeof D === "function") return new D(message, name);
  const e = new Error(message);
  Object.defineProperty(e, "name", { value: name, writable: true, configurable: true });
  return e;
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (k) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, k).get;
const tagOf = getter(Symbol.toStringTag), bufferOf = getter("buffer"), offsetOf = getter("byteOffset"), lengthOf = getter("byteLength");
const dataViewLength = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength").get;
const integerTypes = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"]);
const brand = new WeakSet();
const constructing = Symbol("constructing");

function check(self) {
  if (!brand.has(self)) throw new TypeError("Illegal invocation");
}

function isDataView(v) {
  try { dataViewLength.call(v); return true; } catch (_) { return false; }
}

class Crypto {
  constructor(key) {
    if (key !== constructing) throw new TypeError("Illegal constructor");
    brand.add(this);
  }

  getRandomValues(array) {
    check(this);
    const tag = array !== null && typeof array === "object" ? tagOf.call(array) : undefined;
    if (tag === undefined) {
      if (array !== null && typeof array === "object" && isDataView(array)) {
        throw domException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.", "TypeMismatchError");
      }
      throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
    }
    // The spec's old TypeMismatchError (not TypeError) is what workerd and the W3C tests expect.
    if (!integerTypes.has(tag)) throw domException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.", "TypeMismatchError");
    const size = lengthOf.call(array);
    if (size > 0x10000) throw domException(`getRandomValues() only accepts buffers of size <= 64K but provided ${size} bytes.`, "QuotaExceededError");
    if (size > 0) natives.fill(new Uint8Array(bufferOf.call(array), offsetOf.call(array), size));
    return array;
  }

  randomUUID() {
    check(this);
    return natives.randomUUID();
  }

  get [Symbol.toStringTag]() { return "Crypto"; }
}

if (natives.hasSubtle) {
  let subtle;
  Object.defineProperty(Crypto.prototype, "subtle", {
    get() { check(this); if (subtle === undefined) subtle = internal.load("subtle").subtle; return subtle; },
    enumerable: true, configurable: true,
  });
  // workerd's nested type crypto.DigestStream comes with SubtleCrypto.
  Object.defineProperty(Crypto.prototype, "DigestStream", {
    get() { return internal.load("subtle").DigestStream; },
    enumerable: false, configurable: true,
  });
}

return { Crypto, crypto: new Crypto(constructing) };
