// Quantized matrix-vector and matrix-matrix products on GGUF block layouts.
// Activations are quantized to Q8_0 first (as llama.cpp does), so each block
// product is an integer dot product: i32x4.dot_i16x8_s is a single pmaddwd
// under wazero.
//
// The activations are not kept in GGUF's Q8_0 layout but in "A8": the same
// values widened to int16 (n of them), followed by the n/32 block scales as
// f32 (already rounded through f16, as in Q8_0), then the n/32 block sums
// (scale times the sum of the block's values) that the K-quants' mins need.
// A vector is read once per weight row, so widening it once and keeping
// scales ready saves two sign-extensions and one f16 conversion per block of
// every row.
#include "common.h"

// MB_Q activation rows (A8: 2.125 bytes per value) stay in L1/L2
// while every weight row passes over them.
#define MB_Q 32

// quantize_q8_0 writes n/32 Q8_0 blocks of x: scale = max|x|/127 stored as
// f16, values rounded to nearest-even. n must be a multiple of 32.
EXPORT(quantize_q8_0)
void quantize_q8_0(const float *x, uint8_t *out, int n) {
  for (int b = 0; b < n / QK; b++) {
    const float *xb = x + b * QK;
    uint8_t *ob = out + b * Q8_0_BYTES;
#ifdef __wasm_simd128__
    v128_t v[8];
    v128_t m = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < 8; i++) {
      v[i] = wasm_v128_load(xb + 4 * i);
      m = wasm_f32x4_max(m, wasm_f32x4_abs(v[i]));
    }
    float amax = hmax(m);
#else
    float amax = 0.0f;
    for (int i = 0; i < QK; i++) {
      float a = __builtin_fabsf(xb[i]);
      if (a > amax) amax = a;
    }
#endif
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    uint16_t h = f32_to_f16(d);
    __builtin_memcpy(ob, &h, 2);
#ifdef __wasm_simd128__
    v128_t s = wasm_f32x4_splat(id);
    v128_t q[8];
    for (int i = 0; i < 8; i++)
      q[i] = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[i], s)));
    v128_t lo = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[0], q[1]),
                                        wasm_i16x8_narrow_i32x4(q[2], q[3]));
    v128_t hi = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[4], q[5]),
                                        wasm_i16x8_narrow_i32x4(q[6], q[7]));
    wasm_v128_store(ob + 2, lo);
    wasm_v128_store(ob + 18, hi);
#else
    for (int i = 0; i < QK; i++) ob[2 + i] = (uint8_t)(int8_t)(int32_t)__builtin_rintf(xb[i] * id);
#endif
  }
}


// quantize_act quantizes n floats (a multiple of 32) into the A8 layout:
// the values and scales quantize_q8_0 would produce, widened to int16 and
// f32, and the block sums.
EXPORT(quantize_act)
void quantize_act(const float *x, uint8_t *out, int n) {
  int16_t *q = (int16_t *)out;
  float *ds = (float *)(out + 2 * (size_t)n);
  float *ss = ds + n / QK;
  for (int b = 0; b < n / QK; b++) {
    const float *xb = x + b * QK;
    int16_t *qb = q + b * QK;
#ifdef __wasm_simd128__
    v128_t v[8];
    v128_t m = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < 8; i++) {
      v[i] = wasm_v128_load(xb + 4 * i);
      m = wasm_f32x4_max(m, wasm_f32x4_abs(v[i]));
    }
    float amax = hmax(m);
#else
    float amax = 0.0f;
    for (int i = 0; i < QK; i++) {
      float a = __builtin_fabsf(xb[i]);
      if (a > amax) amax = a;
    }
#endif
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    ds[b] = f16_to_f32(f32_to_f16(d));
    int32_t sum = 0;
#ifdef __wasm_simd128__
    v128_t s = wasm_f32x4_splat(id);
    v128_t acc = wasm_i32x4_splat(0);
    for (int i = 0; i < 8; i += 2) {
      v128_t q0 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[i], s)));
      v128_t q1 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(v[i + 1], s)));
      acc = wasm_i32x4_add(acc, wasm_i32x4_add(q0, q1));
      wasm_v128_store(qb + 4 * i, wasm_i16x8_narrow_i32x4(q0, q1));
    }
    sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
          wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
#else
    for (int i = 0; i < QK; i++) {
      qb[i] = (int16_t)(int32_t)__builtin_rintf(xb[i] * id);
      sum += qb[i];
    }
#endif
    ss[b] = ds[b] * (float)sum;
  }
}

#ifdef __wasm_simd128__
// block_dot multiplies 32 int8 weights (w0: elements 0-15, w1: 16-31) with
// the 32 int16 activations at a + off and returns four partial i32 sums.
// Its loads and unpack's are base + constant, as dot16's (common.h).
INLINE v128_t block_dot(v128_t w0, v128_t w1, const int16_t *a, int off) {
  return wasm_i32x4_add(dot16(w0, a, off), dot16(w1, a, off + 16));
}

// unpack loads the 32 weights of the block at w + off as int8: Q8_0 as is,
// Q4_0 split into low nibbles (elements 0-15) and high nibbles (16-31),
// each minus 8.
INLINE void unpack(const uint8_t *w, int off, int q4, v128_t *w0, v128_t *w1) {
  if (q4) {
    v128_t q = wasm_v128_load(w + (off + 2));
    v128_t eight = wasm_i8x16_splat(8);
    *w0 = wasm_i8x16_sub(wasm_v128_and(q, wasm_i8x16_splat(0x0f)), eight);
    *w1 = wasm_i8x16_sub(wasm_u8x16_shr(q, 4), eight);
  } else {
    *w0 = wasm_v128_load(w + (off + 2));
    *w1 = wasm_v128_load(w + (off + 18));
  }
}

// scales4 widens the f16 scales of four consecutive weight blocks at once:
// four scalar loads at constant offsets from one checked address, then one
// vector conversion, instead of four scalar conversions.
INLINE v128_t scales4(const uint8_t *wb, int bs) {
  return f16bits_to_f32x4(wasm_i32x4_make(load_u16(wb), load_u16(wb + bs), load_u16(wb + 2 * bs),
                                          load_u16(wb + 3 * bs)));
}

#define LANE(v, k) wasm_i32x4_shuffle(v, v, k, k, k, k)

// add_block adds the product of a weight block and activations (block_dot),
// as f32 scaled by d, to acc.
INLINE v128_t add_block(v128_t acc, v128_t w0, v128_t w1, const int16_t *a, int off, v128_t d) {
  return wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(block_dot(w0, w1, a, off)), d));
}
#endif

// dot_row is one weight row (nb blocks of Q8_0, or Q4_0 when q4) against
// one A8 activation row (aq values, ad scales). Four blocks per iteration.
INLINE float dot_row(const uint8_t *w, const int16_t *aq, const float *ad, int nb, int q4) {
  int bs = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  int b = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (; b + 4 <= nb; b += 4) {
    const uint8_t *wb = w + b * bs;
    const int16_t *ab = aq + b * QK;
    v128_t d = wasm_f32x4_mul(scales4(wb, bs), wasm_v128_load(ad + b));
    v128_t w0, w1;
    unpack(wb, 0, q4, &w0, &w1);
    acc = add_block(acc, w0, w1, ab, 0, LANE(d, 0));
    unpack(wb, bs, q4, &w0, &w1);
    acc = add_block(acc, w0, w1, ab, QK, LANE(d, 1));
    unpack(wb, 2 * bs, q4, &w0, &w1);
    acc = add_block(acc, w0, w1, ab, 2 * QK, LANE(d, 2));
    unpack(wb, 3 * bs, q4, &w0, &w1);
    acc = add_block(acc, w0, w1, ab, 3 * QK, LANE(d, 3));
  }
  for (; b < nb; b++) {
    const uint8_t *wb = w + b * bs;
    v128_t w0, w1;
    unpack(wb, 0, q4, &w0, &w1);
    float d = f16_to_f32(load_u16(wb)) * ad[b];
    acc = add_block(acc, w0, w1, aq + b * QK, 0, wasm_f32x4_splat(d));
  }
  s = hsum(acc);
#else
  for (; b < nb; b++) {
    const uint8_t *wb = w + b * bs;
    const int16_t *ab = aq + b * QK;
    int32_t sum = 0;
    if (q4) {
      for (int i = 0; i < QK / 2; i++) {
        sum += ((int32_t)(wb[2 + i] & 0x0f) - 8) * ab[i];
        sum += ((int32_t)(wb[2 + i] >> 4) - 8) * ab[i + 16];
      }
    } else {
      for (int i = 0; i < QK; i++) sum += (int32_t)(int8_t)wb[2 + i] * ab[i];
    }
    s += (float)sum * (f16_to_f32(load_u16(wb)) * ad[b]);
  }
#endif
  return s;
}

// matvec_q: y[r] = dot(w[r,:], x) for A8 activations xa of cols values.
// One row at a time: interleaving rows was slower when weights stream from
// DRAM.
INLINE void matvec_q(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols, int q4) {
  int nb = cols / QK;
  size_t wrow = (size_t)nb * (q4 ? Q4_0_BYTES : Q8_0_BYTES);
  const int16_t *aq = (const int16_t *)xa;
  const float *ad = (const float *)(xa + 2 * (size_t)cols);
  for (int r = 0; r < rows; r++) y[r] = dot_row(w + r * wrow, aq, ad, nb, q4);
}

// matvec_q8_0: y = w x for Q8_0 weights; xa is x from quantize_act. cols
// must be a multiple of 32.
EXPORT(matvec_q8_0)
void matvec_q8_0(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols) {
  matvec_q(w, xa, y, rows, cols, 0);
}

// matvec_q4_0 is matvec_q8_0 for Q4_0 weights.
EXPORT(matvec_q4_0)
void matvec_q4_0(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols) {
  matvec_q(w, xa, y, rows, cols, 1);
}

#ifdef __wasm_simd128__
// dot_row2 is dot_row for two activation rows at once, sharing each weight
// block's loads, unpacking and scale conversion; every step per row is the
// one dot_row takes, so results are bit-identical.
INLINE void dot_row2(const uint8_t *w, const int16_t *aq0, const float *ad0, const int16_t *aq1,
                     const float *ad1, int nb, int q4, float *s0, float *s1) {
  int bs = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  int b = 0;
  v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
  for (; b + 4 <= nb; b += 4) {
    const uint8_t *wb = w + b * bs;
    const int16_t *ab0 = aq0 + b * QK, *ab1 = aq1 + b * QK;
    v128_t sw = scales4(wb, bs);
    v128_t d0 = wasm_f32x4_mul(sw, wasm_v128_load(ad0 + b));
    v128_t d1 = wasm_f32x4_mul(sw, wasm_v128_load(ad1 + b));
    v128_t w0, w1;
#define BLOCK(kk)                                             \
  unpack(wb, kk * bs, q4, &w0, &w1);                          \
  acc0 = add_block(acc0, w0, w1, ab0, kk * QK, LANE(d0, kk)); \
  acc1 = add_block(acc1, w0, w1, ab1, kk * QK, LANE(d1, kk));
    BLOCK(0) BLOCK(1) BLOCK(2) BLOCK(3)
#undef BLOCK
  }
  for (; b < nb; b++) {
    const uint8_t *wb = w + b * bs;
    v128_t w0, w1;
    unpack(wb, 0, q4, &w0, &w1);
    float dw = f16_to_f32(load_u16(wb));
    acc0 = add_block(acc0, w0, w1, aq0 + b * QK, 0, wasm_f32x4_splat(dw * ad0[b]));
    acc1 = add_block(acc1, w0, w1, aq1 + b * QK, 0, wasm_f32x4_splat(dw * ad1[b]));
  }
  *s0 = hsum(acc0);
  *s1 = hsum(acc1);
}
#endif

#ifdef __wasm_simd128__
// dot_row4 is dot_row2 for four activation rows (at stride arow bytes from
// a0): one unpacking and scale conversion per weight block serves four
// rows. Each row's steps are dot_row's, so results are bit-identical.
INLINE void dot_row4(const uint8_t *w, const uint8_t *a0, size_t arow, int k, int nb, int q4, float *c,
                     size_t ldc) {
  int bs = q4 ? Q4_0_BYTES : Q8_0_BYTES;
  const int16_t *q0 = (const int16_t *)a0, *q1 = (const int16_t *)(a0 + arow);
  const int16_t *q2 = (const int16_t *)(a0 + 2 * arow), *q3 = (const int16_t *)(a0 + 3 * arow);
  const float *d0 = (const float *)(a0 + 2 * (size_t)k), *d1 = (const float *)(a0 + arow + 2 * (size_t)k);
  const float *d2 = (const float *)(a0 + 2 * arow + 2 * (size_t)k), *d3 = (const float *)(a0 + 3 * arow + 2 * (size_t)k);
  v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  int b = 0;
  for (; b + 4 <= nb; b += 4) {
    const uint8_t *wb = w + b * bs;
    v128_t sw = scales4(wb, bs);
    v128_t e0 = wasm_f32x4_mul(sw, wasm_v128_load(d0 + b)), e1 = wasm_f32x4_mul(sw, wasm_v128_load(d1 + b));
    v128_t e2 = wasm_f32x4_mul(sw, wasm_v128_load(d2 + b)), e3 = wasm_f32x4_mul(sw, wasm_v128_load(d3 + b));
    v128_t w0, w1;
#define ROW(acc, q, e, kk) acc = add_block(acc, w0, w1, q + b * QK, kk * QK, LANE(e, kk));
#define BLOCK4(kk)                 \
  unpack(wb, kk * bs, q4, &w0, &w1); \
  ROW(acc0, q0, e0, kk) ROW(acc1, q1, e1, kk) ROW(acc2, q2, e2, kk) ROW(acc3, q3, e3, kk)
    BLOCK4(0) BLOCK4(1) BLOCK4(2) BLOCK4(3)
#undef BLOCK4
#undef ROW
  }
  for (; b < nb; b++) {
    const uint8_t *wb = w + b * bs;
    v128_t w0, w1;
    unpack(wb, 0, q4, &w0, &w1);
    float dw = f16_to_f32(load_u16(wb));
    acc0 = add_block(acc0, w0, w1, q0 + b * QK, 0, wasm_f32x4_splat(dw * d0[b]));
    acc1 = add_block(acc1, w0, w1, q1 + b * QK, 0, wasm_f32x4_splat(dw * d1[b]));
    acc2 = add_block(acc2, w0, w1, q2 + b * QK, 0, wasm_f32x4_splat(dw * d2[b]));
    acc3 = add_block(acc3, w0, w1, q3 + b * QK, 0, wasm_f32x4_splat(dw * d3[b]));
  }
  c[0] = hsum(acc0);
  c[ldc] = hsum(acc1);
  c[2 * ldc] = hsum(acc2);
  c[3 * ldc] = hsum(acc3);
}
#endif

// matmul_q: c[m,n] = a[m,k] * w[n,k]^T; aa holds the m rows of a, each in
// A8 layout (2k + 4k/32 bytes). Activation rows stay hot in blocks of MB_Q
// while every weight row passes over them, two rows at a time.
INLINE void matmul_q(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k, int q4) {
  int nb = k / QK;
  size_t wrow = (size_t)nb * (q4 ? Q4_0_BYTES : Q8_0_BYTES);
  size_t arow = a8_row_bytes(k);
  for (int i0 = 0; i0 < m; i0 += MB_Q) {
    int i1 = i0 + MB_Q < m ? i0 + MB_Q : m;
    for (int j = 0; j < n; j++) {
      const uint8_t *wr = w + j * wrow;
      int i = i0;
#ifdef __wasm_simd128__
      for (; i + 4 <= i1; i += 4)
        dot_row4(wr, aa + i * arow, arow, k, nb, q4, c + (size_t)i * n + j, (size_t)n);
      for (; i + 2 <= i1; i += 2) {
        const uint8_t *ar0 = aa + i * arow, *ar1 = ar0 + arow;
        dot_row2(wr, (const int16_t *)ar0, (const float *)(ar0 + 2 * (size_t)k), (const int16_t *)ar1,
                 (const float *)(ar1 + 2 * (size_t)k), nb, q4, c + (size_t)i * n + j,
                 c + (size_t)(i + 1) * n + j);
      }
#endif
      for (; i < i1; i++) {
        const uint8_t *ar = aa + i * arow;
        c[(size_t)i * n + j] =
            dot_row(wr, (const int16_t *)ar, (const float *)(ar + 2 * (size_t)k), nb, q4);
      }
    }
  }
}

// matmul_q8_0: c[m,n] = a * w^T for Q8_0 weights w[n,k]; aa is m rows of
// quantize_act output. k must be a multiple of 32.
EXPORT(matmul_q8_0)
void matmul_q8_0(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k) {
  matmul_q(w, aa, c, m, n, k, 0);
}

// matmul_q4_0 is matmul_q8_0 for Q4_0 weights.
EXPORT(matmul_q4_0)
void matmul_q4_0(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k) {
  matmul_q(w, aa, c, m, n, k, 1);
}
