// TextEncoder and TextDecoder for UTF-8, the encoding every Workers API speaks.
const encode = natives.encode, decode = natives.decode;

class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") { return new Uint8Array(encode(String(input))); }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    source = String(source);
    let read = 0, written = 0;
    for (const ch of source) {
      const bytes = new Uint8Array(encode(ch));
      if (written + bytes.length > destination.length) break;
      destination.set(bytes, written);
      written += bytes.length;
      read += ch.length;
    }
    return { read, written };
  }
  get [Symbol.toStringTag]() { return "TextEncoder"; }
}

const labels = new Set(["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]);
const kOpts = Symbol("decoder");

class TextDecoder {
  constructor(label = "utf-8", options = {}) {
    const l = String(label).trim().toLowerCase();
    if (!labels.has(l)) throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid.`);
    this[kOpts] = { fatal: !!(options && options.fatal), ignoreBOM: !!(options && options.ignoreBOM), pending: null, bomSeen: false };
  }
  get encoding() { return "utf-8"; }
  get fatal() { return this[kOpts].fatal; }
  get ignoreBOM() { return this[kOpts].ignoreBOM; }
  decode(input, options) {
    const o = this[kOpts];
    const stream = !!(options && options.stream);
    let bytes = input === undefined ? new Uint8Array(0) : input instanceof ArrayBuffer ? new Uint8Array(input)
      : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : null;
    if (bytes === null) throw new TypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView'.");
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

internal.encodeUTF8 = (s) => new Uint8Array(encode(s));
internal.decodeUTF8 = (u8) => {
  const s = decode(u8, false);
  return s.charCodeAt(0) === 0xFEFF ? s.slice(1) : s;
};
return { TextEncoder, TextDecoder };
