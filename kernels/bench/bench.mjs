// Runs the same kernels (../simd.wasm, ../scalar.wasm) in node's V8 on the
// shapes of the Go benchmarks (kernels/bench_test.go), for comparison with
// wazero: node kernels/bench/bench.mjs [rounds]
//
// Weights are filled with random bytes (fresh pages of zeros would read from
// the shared zero page and flatter the memory-bound kernels). Each figure is
// the best of several rounds of repeated calls.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.argv[2] || 5);

function instance(build) {
  const mod = new WebAssembly.Module(fs.readFileSync(path.join(dir, '..', `${build}.wasm`)));
  const inst = new WebAssembly.Instance(mod, {});
  const e = inst.exports;
  let top = (e.__heap_base.value + 15) & ~15;
  const alloc = (n) => {
    const off = top;
    top = (top + n + 15) & ~15;
    const need = Math.ceil(top / 65536) - e.memory.buffer.byteLength / 65536;
    if (need > 0) e.memory.grow(need);
    return off;
  };
  const fillRandom = (off, n) => {
    const u8 = new Uint8Array(e.memory.buffer, off, n);
    let s = 12345;
    for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; u8[i] = s >>> 24; }
  };
  const fillFloats = (off, n, scale) => {
    const f = new Float32Array(e.memory.buffer, off, n);
    for (let i = 0; i < n; i++) f[i] = (Math.random() * 2 - 1) * scale;
  };
  // Sensible f16 scales in quantized blocks (random bytes could be NaN/Inf).
  const fixScales = (off, blocks, bs) => {
    const u8 = new Uint8Array(e.memory.buffer, off, blocks * bs);
    for (let b = 0; b < blocks; b++) { u8[b * bs] = 0x00; u8[b * bs + 1] = 0x20; } // 0.0078
  };
  // Halves of values in (-1, 1), as weights are: random bit patterns would
  // include subnormals, whose float conversion stalls x86 for ~100 cycles.
  const fixHalves = (off, n) => {
    const u16 = new Uint16Array(e.memory.buffer, off, n);
    const f = new Float32Array(1), u = new Uint32Array(f.buffer);
    for (let i = 0; i < n; i++) {
      f[0] = Math.random() * 2 - 1;
      const b = u[0], exp = ((b >>> 23) & 0xff) - 112;
      u16[i] = exp <= 0 ? 0 : ((b >>> 16) & 0x8000) | (exp << 10) | ((b >>> 13) & 0x3ff);
    }
  };
  return { e, alloc, fillRandom, fillFloats, fixScales, fixHalves };
}

function time(fn, minMs = 200) {
  for (let i = 0; i < 3; i++) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let dt;
    do { fn(); n++; dt = Number(process.hrtime.bigint() - t0); } while (dt < minMs * 1e6 / rounds);
    best = Math.min(best, dt / n);
  }
  return best; // ns per call
}

// a8Bytes is the size of one A8 activation row (common.h's a8_row_bytes): int16 values, then
// a scale and a sum per 32-value block.
const a8Bytes = (n) => 2 * n + 8 * (n / 32);

const rows = [];
for (const build of ['simd', 'scalar']) {
  const k = instance(build);
  const { e } = k;
  const R = 4096, C = 4096;
  // matrix-vector, 4096x4096
  const x = k.alloc(C * 4), y = k.alloc(R * 4), xa = k.alloc(a8Bytes(C));
  k.fillFloats(x, C, 1);
  e.quantize_act(x, xa, C);
  for (const [name, bytes, bs, fn] of [
    ['F32', R * C * 4, 0, (w) => e.matvec_f32(w, x, y, R, C)],
    ['F16', R * C * 2, 0, (w) => e.matvec_f16(w, x, y, R, C)],
    ['Q8_0', R * C / 32 * 34, 34, (w) => e.matvec_q8_0(w, xa, y, R, C)],
    ['Q4_0', R * C / 32 * 18, 18, (w) => e.matvec_q4_0(w, xa, y, R, C)],
  ]) {
    const w = k.alloc(bytes);
    k.fillRandom(w, bytes);
    if (bs) k.fixScales(w, bytes / bs, bs);
    if (name === 'F16') k.fixHalves(w, bytes / 2);
    if (name === 'F32') k.fillFloats(w, R * C, 1);
    const ns = time(() => fn(w));
    rows.push([`matvec ${name} 4096x4096`, build, (bytes / ns).toFixed(2) + ' GB/s', (ns / 1e6).toFixed(2) + ' ms']);
  }
  // matmul 512^3
  const M = 512, N = 512, K = 512;
  const a = k.alloc(M * K * 4), c = k.alloc(M * N * 4), b = k.alloc(N * K * 4), aa = k.alloc(M * a8Bytes(K));
  k.fillFloats(a, M * K, 1);
  k.fillFloats(b, N * K, 1);
  const bq = k.alloc(N * K / 32 * 34);
  k.fillRandom(bq, N * K / 32 * 34);
  k.fixScales(bq, N * K / 32, 34);
  for (const [name, fn] of [
    ['F32', () => e.matmul_f32(a, b, c, M, N, K)],
    ['Q8_0', () => { for (let i = 0; i < M; i++) e.quantize_act(a + i * K * 4, aa + i * a8Bytes(K), K); e.matmul_q8_0(bq, aa, c, M, N, K); }],
  ]) {
    const ns = time(fn);
    rows.push([`matmul ${name} 512^3`, build, (2 * M * N * K / ns).toFixed(2) + ' GFLOP/s', (ns / 1e6).toFixed(2) + ' ms']);
  }
  // attention: 128 tokens, 12 heads of 64
  {
    const t = 128, h = 12, d = 64;
    const q = k.alloc(t * h * d * 4), kk = k.alloc(t * h * d * 4), v = k.alloc(t * h * d * 4);
    const o = k.alloc(t * h * d * 4), sc = k.alloc(t * 4);
    k.fillFloats(q, t * h * d, 1); k.fillFloats(kk, t * h * d, 1); k.fillFloats(v, t * h * d, 1);
    const ns = time(() => e.attention(q, kk, v, o, 0, sc, t, t, h, h, d, 0.125, 0));
    rows.push(['attention 128x12x64', build, (4 * t * t * h * d / ns).toFixed(2) + ' GFLOP/s', (ns / 1e6).toFixed(2) + ' ms']);
  }
  // row operations on 4096 floats
  const n = 4096;
  const rx = k.alloc(n * 4), rw = k.alloc(n * 4), rb = k.alloc(n * 4), ro = k.alloc(n * 4);
  k.fillFloats(rx, n, 2); k.fillFloats(rw, n, 1); k.fillFloats(rb, n, 1);
  for (const [name, fn] of [
    ['softmax', () => e.softmax(rx, ro, 1, n)],
    ['rms_norm', () => e.rms_norm(rx, rw, ro, 1, n, 1e-6)],
    ['layer_norm', () => e.layer_norm(rx, rw, rb, ro, 1, n, 1e-12)],
    ['gelu', () => e.gelu(rx, ro, n)],
    ['add', () => e.add(rx, rw, ro, n)],
  ]) {
    const ns = time(fn);
    rows.push([`${name} 4096`, build, (ns / 1e3).toFixed(2) + ' us', '']);
  }
}
console.log('kernel | build | V8 (node ' + process.version + ') | per call');
console.log('---|---|---|---');
for (const r of rows) console.log(r.join(' | '));
