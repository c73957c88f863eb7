// hnswlib-node on the data `go run ./bench/vectorize -dump DIR` wrote, with the same M,
// efConstruction, ef and topK, on one thread: build time, query p50/p99 and recall@k against
// the exact answers molt computed.
//
//   node run.mjs DIR [ef=96[,ef...]] [m=16] [efConstruction=128] [k=10]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import hnswlib from "hnswlib-node";

const [dir, efArg = "96", ...rest] = process.argv.slice(2);
const [m = 16, efc = 128, k = 10] = rest.map(Number);
const efs = efArg.split(",").map(Number);
const { dims, truth } = JSON.parse(readFileSync(join(dir, "truth.json"), "utf8"));
const rows = (name) => {
  const b = readFileSync(join(dir, name));
  const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const out = [];
  for (let i = 0; i < all.length; i += dims) out.push(Array.from(all.subarray(i, i + dims)));
  return out;
};
const data = rows("data.f32"), queries = rows("queries.f32");

const index = new hnswlib.HierarchicalNSW("cosine", dims);
index.initIndex(data.length, m, efc, 100);
let t = process.hrtime.bigint();
for (let i = 0; i < data.length; i++) index.addPoint(data[i], i);
const build = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`hnswlib-node ${JSON.parse(readFileSync(new URL("node_modules/hnswlib-node/package.json", import.meta.url))).version}, node ${process.version}: ${data.length} × ${dims}, M ${m}, efConstruction ${efc}, topK ${k}`);
console.log(`build: ${build.toFixed(1)} s, ${(data.length / build).toFixed(0)} vectors/s`);
for (const ef of efs) {
  index.setEf(ef);
  const lat = [];
  let recall = 0;
  queries.forEach((q, i) => {
    t = process.hrtime.bigint();
    const { neighbors } = index.searchKnn(q, k);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    recall += neighbors.filter((n) => truth[i].includes(n)).length / truth[i].length;
  });
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))].toFixed(3);
  console.log(`query, ef ${ef}: p50 ${pct(50)} ms p99 ${pct(99)} ms, recall@${k} ${(recall / queries.length).toFixed(4)}`);
}
