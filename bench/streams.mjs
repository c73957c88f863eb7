// Stream throughput, molt against Cloudflare's workerd, in one run: bench/streams/worker.js
// streams 16 MiB in 64 KiB chunks through CompressionStream("gzip") and through a
// pass-through TransformStream, and digests a 1 MiB buffer with SHA-256 16 times. workerd runs the worker and each operation is timed from
// outside as the median request time minus the median time of a request doing nothing
// (Date.now() does not advance while a Workers script runs); molt runs the same worker in
// isolates/js's BenchmarkStreams (go test), a fresh isolate per request.
//
// usage: node bench/streams.mjs        (after npm ci in bench/; needs go on PATH)
// environment: BENCH_RUNS (timed requests per operation, default 7), BENCH_PORT (18820)

import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { workerdBin } from "./workerd.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const runs = Number(process.env.BENCH_RUNS ?? 7);
const port = Number(process.env.BENCH_PORT ?? 18820);
const MIB = 16;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(path) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const body = await res.json();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return ms;
}

async function workerd() {
  const out = join(here, "out", "streams");
  mkdirSync(out, { recursive: true });
  copyFileSync(join(here, "streams", "worker.js"), join(out, "worker.js"));
  writeFileSync(join(out, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
);
`);
  const proc = spawn(workerdBin(), ["serve", join(out, "config.capnp")], { stdio: ["ignore", "ignore", "inherit"] });
  try {
    for (let i = 0; ; i++) {
      try { await time("/noop"); break; } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const result = {};
    const noop = [];
    for (let i = 0; i < runs; i++) noop.push(await time("/noop"));
    for (const op of ["gzip", "pass", "digest"]) {
      await time(`/${op}?mib=${MIB}`); // warm-up
      const ms = [];
      for (let i = 0; i < runs; i++) ms.push(await time(`/${op}?mib=${MIB}`));
      const net = median(ms) - median(noop);
      result[op] = (MIB * 1048576) / 1e6 / (net / 1000);
    }
    return result;
  } finally {
    proc.kill();
  }
}

function molt() {
  const out = execFileSync("go", ["test", "-run", "^$", "-bench", "BenchmarkStreams", "-benchtime", `${runs}x`, "-count", "1", "./isolates/js/"], { cwd: root, encoding: "utf8" });
  const result = {};
  for (const m of out.matchAll(/BenchmarkStreams\/(\w+)-\d+\s+\d+\s+\d+ ns\/op\s+([\d.]+) MB\/s/g)) result[m[1]] = Number(m[2]);
  return result;
}

const w = await workerd();
const m = molt();
const rows = [["gzip CompressionStream", "gzip"], ["64 KiB-chunk TransformStream pass-through", "pass"], ["crypto.subtle.digest SHA-256, 1 MiB buffer", "digest"]];
console.log(`| ${MIB} MiB through | molt MB/s | workerd MB/s | molt / workerd |`);
console.log("| --- | ---: | ---: | ---: |");
for (const [name, key] of rows) {
  console.log(`| ${name} | ${m[key].toFixed(1)} | ${w[key].toFixed(1)} | ${(m[key] / w[key]).toFixed(2)} |`);
}
