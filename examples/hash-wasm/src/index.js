// Hashes with hash-wasm, which compiles its WebAssembly from bytes at run time: allowed by
// molt's molt_wasm_codegen compatibility flag, refused on Workers.
import { sha1, sha256, sha512, md5, blake2b, crc32, argon2id, createSHA256 } from "hash-wasm";

const algorithms = { sha1, sha256, sha512, md5, blake2b, crc32 };

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const name = url.pathname.slice(1);
    if (name === "argon2id") {
      const hash = await argon2id({
        password: url.searchParams.get("password") ?? "",
        salt: new TextEncoder().encode("molt-salt-16byte"),
        parallelism: 1, iterations: 2, memorySize: 512, hashLength: 32, outputType: "hex",
      });
      return new Response(hash);
    }
    if (name === "stream") {
      // Incremental hashing of the request body, chunk by chunk.
      const h = await createSHA256();
      h.init();
      const reader = request.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        h.update(value);
      }
      return new Response(h.digest("hex"));
    }
    const fn = algorithms[name];
    if (!fn) return new Response("unknown algorithm", { status: 404 });
    const data = request.method === "POST" ? new Uint8Array(await request.arrayBuffer()) : url.searchParams.get("text") ?? "";
    return new Response(await fn(data));
  },
};
