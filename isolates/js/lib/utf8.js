// UTF-8 for bodies: what Body.text(), .bytes() and .body need of TextEncoder and TextDecoder,
// without building those classes in every isolate that reads or streams a string body. The
// encoding library, once loaded, sets the same two functions.
internal.encodeUTF8 = (s) => new Uint8Array(natives.encode(s));
internal.decodeUTF8 = (u8) => {
  const s = natives.decode(u8, false);
  return s.charCodeAt(0) === 0xFEFF ? s.slice(1) : s;
};
// toUSV is WebIDL's USVString conversion for strings kept in JavaScript (URLSearchParams,
// FormData): lone surrogates become U+FFFD, so that names compare as they will serialize.
// Strings handed to Go get this for free.
const surrogate = /[\uD800-\uDFFF]/;
internal.toUSV = (v) => {
  const s = `${v}`;
  if (!surrogate.test(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) { out += s[i] + s[i + 1]; i++; continue; }
    }
    out += c >= 0xD800 && c <= 0xDFFF ? "\uFFFD" : s[i];
  }
  return out;
};
return {};
