// UTF-8 for bodies: what Body.text(), .bytes() and .body need of TextEncoder and TextDecoder,
// without building those classes in every isolate that reads or streams a string body. The
// encoding library, once loaded, sets the same two functions.
internal.encodeUTF8 = (s) => new Uint8Array(natives.encode(s));
internal.decodeUTF8 = (u8) => {
  const s = natives.decode(u8, false);
  return s.charCodeAt(0) === 0xFEFF ? s.slice(1) : s;
};
return {};
