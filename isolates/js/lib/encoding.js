// TextEncoder and TextDecoder as workerd has them: the encoder speaks UTF-8, the decoder every
// WHATWG encoding label (UTF-8 here, UTF-16 and the legacy encodings in Go), with fatal,
// ignoreBOM and streaming; and TextEncoderStream and TextDecoderStream over them.
const encode = natives.encode, decode = natives.decode;

class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") { return new Uint8Array(encode(String(input))); }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    const r = natives.encodeInto(String(source), destination);
    return { read: r[0], written: r[1] };
  }
  get [Symbol.toStringTag]() { return "TextEncoder"; }
}

const kOpts = Symbol("decoder");

function bytesOf(input) {
  if (input === undefined) return new Uint8Array(0);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.");
}

class TextDecoder {
  constructor(label = undefined, options = undefined) {
    let name = "utf-8";
    if (label !== undefined) {
      name = natives.encodingName(String(label));
      if (name === "") throw new RangeError(`"${String(label)}" is not a valid encoding.`);
    }
    const fatal = !!(options && options.fatal), ignoreBOM = !!(options && options.ignoreBOM);
    this[kOpts] = { name, fatal, ignoreBOM, pending: null, bomSeen: false, id: name === "utf-8" ? 0 : natives.decoderNew(name, fatal, ignoreBOM) };
  }
  get encoding() { return this[kOpts].name; }
  get fatal() { return this[kOpts].fatal; }
  get ignoreBOM() { return this[kOpts].ignoreBOM; }
  decode(input = undefined, options = undefined) {
    const o = this[kOpts];
    const stream = !!(options && options.stream);
    let bytes = bytesOf(input);
    if (o.id !== 0) return natives.decoderDecode(o.id, bytes, stream);
    if (o.pending) {
      const joined = new Uint8Array(o.pending.length + bytes.length);
      joined.set(o.pending); joined.set(bytes, o.pending.length);
      bytes = joined;
      o.pending = null;
    }
    if (stream) {
      // Hold back an incomplete trailing sequence for the next call.
      let i = bytes.length, back = 0;
      while (i > 0 && back < 3 && (bytes[i - 1] & 0xC0) === 0x80) { i--; back++; }
      if (i > 0) {
        const lead = bytes[i - 1];
        const need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
        if (lead >= 0xC2 && need > back + 1) { o.pending = bytes.slice(i - 1); bytes = bytes.subarray(0, i - 1); }
      }
    }
    let s = decode(bytes, o.fatal);
    if (!o.ignoreBOM && !o.bomSeen && s.length > 0) {
      if (s.charCodeAt(0) === 0xFEFF) s = s.slice(1);
      o.bomSeen = true;
    }
    if (!stream) { o.bomSeen = false; if (o.pending) { const rest = decode(o.pending, o.fatal); o.pending = null; s += rest; } }
    return s;
  }
  get [Symbol.toStringTag]() { return "TextDecoder"; }
}

const kStream = Symbol("stream");

function transformLib() {
  if (!internal.writable) internal.load("writable");
  return internal.writable;
}

class TextEncoderStream {
  constructor() {
    let pendingHigh = "";
    const ts = transformLib().createTransform((chunk, c) => {
      let s = pendingHigh + String(chunk);
      pendingHigh = "";
      // A lead surrogate at the end of a chunk may pair with the next chunk's first unit.
      const last = s.charCodeAt(s.length - 1);
      if (last >= 0xD800 && last <= 0xDBFF) { pendingHigh = s.slice(-1); s = s.slice(0, -1); }
      if (s.length > 0) ts[internal.writable.kT].ctl.enqueue(new Uint8Array(encode(s)));
      return Promise.resolve();
    }, () => {
      if (pendingHigh !== "") ts[internal.writable.kT].ctl.enqueue(new Uint8Array([0xEF, 0xBF, 0xBD]));
      return Promise.resolve();
    });
    this[kStream] = ts;
  }
  get encoding() { return "utf-8"; }
  get readable() { return this[kStream].readable; }
  get writable() { return this[kStream].writable; }
  get [Symbol.toStringTag]() { return "TextEncoderStream"; }
}

class TextDecoderStream {
  constructor(label = undefined, options = undefined) {
    const dec = new TextDecoder(label, options);
    const ts = transformLib().createTransform((chunk) => {
      try {
        const s = dec.decode(chunk, { stream: true });
        if (s !== "") ts[internal.writable.kT].ctl.enqueue(s);
        return Promise.resolve();
      } catch (e) { return Promise.reject(e); }
    }, () => {
      try {
        const s = dec.decode();
        if (s !== "") ts[internal.writable.kT].ctl.enqueue(s);
        return Promise.resolve();
      } catch (e) { return Promise.reject(e); }
    });
    this[kStream] = { ts, dec };
  }
  get encoding() { return this[kStream].dec.encoding; }
  get fatal() { return this[kStream].dec.fatal; }
  get ignoreBOM() { return this[kStream].dec.ignoreBOM; }
  get readable() { return this[kStream].ts.readable; }
  get writable() { return this[kStream].ts.writable; }
  get [Symbol.toStringTag]() { return "TextDecoderStream"; }
}

internal.encodeUTF8 = (s) => new Uint8Array(encode(s));
internal.decodeUTF8 = (u8) => {
  const s = decode(u8, false);
  return s.charCodeAt(0) === 0xFEFF ? s.slice(1) : s;
};
return { TextEncoder, TextDecoder, TextEncoderStream, TextDecoderStream };
