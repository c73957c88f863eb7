// The worker bench/streams.mjs runs on workerd and isolates/js's BenchmarkStreams runs in molt:
// each request streams MIB mebibytes in 64 KiB chunks through one operation and answers with
// the byte counts, so that the time of a request is the time of the operation.
//   /gzip?mib=N   through CompressionStream("gzip")
//   /pass?mib=N   through a TransformStream with no transformer (pass-through)
//   /digest?mib=N crypto.subtle.digest("SHA-256") of a 1 MiB buffer, N times
//   /noop         nothing, to measure what a request costs by itself

const CHUNK = 64 << 10;

// text is 64 KiB of pseudo-random lowercase words: compressible as real text is, not as a
// repeated string (it repeats beyond gzip's 32 KiB window), and quick to make in any engine.
function text() {
  const n = CHUNK;
  const out = new Uint8Array(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = seed % 6 === 0 ? 32 : 97 + ((seed >> 8) % 16);
  }
  return out;
}

function source(mib, data) {
  const total = mib << 20;
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) { c.close(); return; }
      // A fresh chunk each time, as a producer would make.
      c.enqueue(data.slice());
      sent += CHUNK;
    },
  }, { highWaterMark: 0 });
}

async function drain(stream) {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const mib = Number(url.searchParams.get("mib") ?? "16");
    switch (url.pathname) {
      case "/gzip": {
        const out = await drain(source(mib, text()).pipeThrough(new CompressionStream("gzip")));
        return Response.json({ in: mib << 20, out });
      }
      case "/pass": {
        const out = await drain(source(mib, text()).pipeThrough(new TransformStream()));
        return Response.json({ in: mib << 20, out });
      }
      case "/digest": {
        // Random bytes, filled natively in both runtimes, so that the time is the digest's.
        const buf = new Uint8Array(1 << 20);
        for (let off = 0; off < buf.length; off += CHUNK) crypto.getRandomValues(buf.subarray(off, off + CHUNK));
        let out = 0;
        for (let i = 0; i < mib; i++) out += (await crypto.subtle.digest("SHA-256", buf)).byteLength;
        return Response.json({ in: mib << 20, out });
      }
      case "/noop":
        return Response.json({});
    }
    return new Response("not found", { status: 404 });
  },
};
