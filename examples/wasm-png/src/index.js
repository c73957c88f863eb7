// PNG decoding and encoding with @cf-wasm/png: Rust compiled by wasm-bindgen, whose workerd
// build imports png_bg.wasm as a WebAssembly.Module and instantiates it synchronously.
// sample.png is a 16x8 RGBA gradient written by Go's image/png (pixel x,y is
// [16x, 32y, 8(x+y), 255-xy]).
import { decode, encode } from "@cf-wasm/png";
import sample from "./sample.png";

function summary(img) {
  const px = img.image;
  let sum = 0;
  for (const b of px) sum += b;
  const last = px.length - 4;
  return {
    width: img.width, height: img.height, colorType: img.colorType, bitDepth: img.bitDepth,
    bytes: px.length, sum, first: Array.from(px.subarray(0, 4)), last: Array.from(px.subarray(last)),
  };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/decode":
        return Response.json(summary(decode(new Uint8Array(sample))));
      case "/encode": {
        // The body is raw RGBA pixels of a w x h image; the answer is the PNG.
        const w = Number(url.searchParams.get("w")), h = Number(url.searchParams.get("h"));
        const png = encode(new Uint8Array(await request.arrayBuffer()), w, h);
        return new Response(png, { headers: { "Content-Type": "image/png" } });
      }
      case "/roundtrip": {
        const w = 120, h = 80, px = new Uint8Array(w * h * 4);
        for (let i = 0; i < px.length; i++) px[i] = (i * 7) % 251;
        const back = decode(encode(px, w, h)).image;
        return Response.json({ size: px.length, same: back.length === px.length && back.every((b, i) => b === px[i]) });
      }
      case "/bad":
        try {
          decode(new TextEncoder().encode("not a png"));
          return new Response("decoded?!");
        } catch (e) {
          // The package throws the decoder's message as a string.
          return new Response(`${typeof e}: ${e}`, { status: 400 });
        }
    }
    return new Response("not found", { status: 404 });
  },
};
