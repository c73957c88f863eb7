// CompressionStream and DecompressionStream: POST /compress?format=gzip returns the body
// compressed (sent with encodeBody "manual", so the runtime passes the bytes through as they
// are), POST /decompress?format=gzip returns it decompressed, and POST /roundtrip does both
// in one pipeline and reports whether the body shrank.
//
//   curl --data-binary @file.txt 'http://127.0.0.1:8787/compress?format=gzip' | gunzip

const formats = new Set(["gzip", "deflate", "deflate-raw"]);

async function size(stream) {
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const format = url.searchParams.get("format") ?? "gzip";
    if (!formats.has(format)) return new Response(`unknown format ${format}\n`, { status: 400 });
    if (request.method !== "POST" || !request.body) return new Response("POST a body\n", { status: 405 });
    switch (url.pathname) {
      case "/compress": {
        const body = request.body.pipeThrough(new CompressionStream(format));
        const headers = { "content-type": "application/octet-stream" };
        if (format === "gzip") headers["content-encoding"] = "gzip";
        return new Response(body, { headers, encodeBody: "manual" });
      }
      case "/decompress":
        try {
          return new Response(await new Response(request.body.pipeThrough(new DecompressionStream(format))).text());
        } catch (e) {
          return new Response(`${e.name}: ${e.message}\n`, { status: 400 });
        }
      case "/roundtrip": {
        const [a, b] = request.body.pipeThrough(new CompressionStream(format)).tee();
        const [compressed, text] = await Promise.all([
          size(a),
          new Response(b.pipeThrough(new DecompressionStream(format))).text(),
        ]);
        const original = new TextEncoder().encode(text).byteLength;
        // Exact compressed sizes differ between zlib and other encoders; whether it shrank does not.
        return Response.json({ format, original, shrunk: compressed < original, text });
      }
    }
    return new Response("not found\n", { status: 404 });
  },
};
