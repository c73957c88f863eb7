// Quantized matrix-vector and matrix-matrix products on GGUF block layouts.
// Activations are quantized to Q8_0 first (as llama.cpp does), so each block
// product is an integer dot product: i32x4.dot_i16x8_s is a single pmaddwd
// under wazero.
#include "common.h"

// MB_Q activation rows (quantized, 34 bytes per 32 values) stay in L1/L2
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

#ifdef __wasm_simd128__
// block_dot multiplies 32 int8 weights (w0: elements 0-15, w1: 16-31) with
// one Q8_0 activation block's values and returns four partial i32 sums.
static inline v128_t block_dot(v128_t w0, v128_t w1, const uint8_t *xq) {
  v128_t x0 = wasm_v128_load(xq), x1 = wasm_v128_load(xq + 16);
  v128_t p = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w0), wasm_i16x8_extend_low_i8x16(x0));
  p = wasm_i32x4_add(p, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w0),
                                             wasm_i16x8_extend_high_i8x16(x0)));
  p = wasm_i32x4_add(p, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w1),
                                             wasm_i16x8_extend_low_i8x16(x1)));
  return wasm_i32x4_add(p, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w1),
                                                wasm_i16x8_extend_high_i8x16(x1)));
}

// q4_unpack splits 16 bytes of Q4_0 nibbles into elements 0-15 (low
// nibbles) and 16-31 (high nibbles), each offset by -8.
static inline void q4_unpack(const uint8_t *p, v128_t *w0, v128_t *w1) {
  v128_t q = wasm_v128_load(p);
  v128_t eight = wasm_i8x16_splat(8);
  *w0 = wasm_i8x16_sub(wasm_v128_and(q, wasm_i8x16_splat(0x0f)), eight);
  *w1 = wasm_i8x16_sub(wasm_u8x16_shr(q, 4), eight);
}
#endif

static inline int32_t block_dot_scalar_q8(const uint8_t *w, const uint8_t *x) {
  int32_t s = 0;
  for (int i = 0; i < QK; i++) s += (int32_t)(int8_t)w[i] * (int32_t)(int8_t)x[i];
  return s;
}

static inline int32_t block_dot_scalar_q4(const uint8_t *w, const uint8_t *x) {
  int32_t s = 0;
  for (int i = 0; i < QK / 2; i++) {
    s += ((int32_t)(w[i] & 0x0f) - 8) * (int32_t)(int8_t)x[i];
    s += ((int32_t)(w[i] >> 4) - 8) * (int32_t)(int8_t)x[i + 16];
  }
  return s;
}

// dot_q8_0 is one weight row against one quantized activation row.
static inline float dot_q8_0(const uint8_t *w, const uint8_t *x, int nb) {
#ifdef __wasm_simd128__
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * Q8_0_BYTES, *xb = x + b * Q8_0_BYTES;
    float d = f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb));
    v128_t p = block_dot(wasm_v128_load(wb + 2), wasm_v128_load(wb + 18), xb + 2);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), wasm_f32x4_splat(d)));
  }
  return hsum(acc);
#else
  float s = 0.0f;
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * Q8_0_BYTES, *xb = x + b * Q8_0_BYTES;
    float d = f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb));
    s += (float)block_dot_scalar_q8(wb + 2, xb + 2) * d;
  }
  return s;
#endif
}

static inline float dot_q4_0(const uint8_t *w, const uint8_t *x, int nb) {
#ifdef __wasm_simd128__
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * Q4_0_BYTES, *xb = x + b * Q8_0_BYTES;
    float d = f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb));
    v128_t w0, w1;
    q4_unpack(wb + 2, &w0, &w1);
    v128_t p = block_dot(w0, w1, xb + 2);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), wasm_f32x4_splat(d)));
  }
  return hsum(acc);
#else
  float s = 0.0f;
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * Q4_0_BYTES, *xb = x + b * Q8_0_BYTES;
    float d = f16_to_f32(load_u16(wb)) * f16_to_f32(load_u16(xb));
    s += (float)block_dot_scalar_q4(wb + 2, xb + 2) * d;
  }
  return s;
#endif
}

// matvec_q8_0: y[r] = dot(w[r,:], x) with Q8_0 weights and x already
// quantized by quantize_q8_0. cols must be a multiple of 32. One row at a
// time: interleaving rows was slower when weights stream from DRAM.
EXPORT(matvec_q8_0)
void matvec_q8_0(const uint8_t *w, const uint8_t *xq, float *y, int rows, int cols) {
  int nb = cols / QK;
  for (int r = 0; r < rows; r++) y[r] = dot_q8_0(w + (size_t)r * nb * Q8_0_BYTES, xq, nb);
}

// matvec_q4_0 is matvec_q8_0 for Q4_0 weights.
EXPORT(matvec_q4_0)
void matvec_q4_0(const uint8_t *w, const uint8_t *xq, float *y, int rows, int cols) {
  int nb = cols / QK;
  for (int r = 0; r < rows; r++) y[r] = dot_q4_0(w + (size_t)r * nb * Q4_0_BYTES, xq, nb);
}

#ifdef __wasm_simd128__
// dot2_q8_0 shares one weight row's loads and sign extensions between two
// activation rows; that halves the unpacking work in matmul.
static inline void dot2(const uint8_t *w, int wbytes, int q4, const uint8_t *x0,
                        const uint8_t *x1, int nb, float *s0, float *s1) {
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * wbytes;
    const uint8_t *xb0 = x0 + b * Q8_0_BYTES, *xb1 = x1 + b * Q8_0_BYTES;
    float dw = f16_to_f32(load_u16(wb));
    v128_t w0, w1;
    if (q4) {
      q4_unpack(wb + 2, &w0, &w1);
    } else {
      w0 = wasm_v128_load(wb + 2), w1 = wasm_v128_load(wb + 18);
    }
    v128_t p0 = block_dot(w0, w1, xb0 + 2);
    v128_t p1 = block_dot(w0, w1, xb1 + 2);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p0),
                                           wasm_f32x4_splat(dw * f16_to_f32(load_u16(xb0)))));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p1),
                                           wasm_f32x4_splat(dw * f16_to_f32(load_u16(xb1)))));
  }
  *s0 = hsum(a0);
  *s1 = hsum(a1);
}
#endif

// matmul_quant: c[m,n] = a[m,k] * w[n,k]^T with a quantized row by row.
static void matmul_quant(const uint8_t *w, const uint8_t *aq, float *c, int m, int n, int k,
                         int q4) {
  int nb = k / QK;
  int wrow = nb * (q4 ? Q4_0_BYTES : Q8_0_BYTES), arow = nb * Q8_0_BYTES;
  for (int i0 = 0; i0 < m; i0 += MB_Q) {
    int i1 = i0 + MB_Q < m ? i0 + MB_Q : m;
    for (int j = 0; j < n; j++) {
      const uint8_t *wr = w + (size_t)j * wrow;
      int i = i0;
#ifdef __wasm_simd128__
      for (; i + 2 <= i1; i += 2)
        dot2(wr, q4 ? Q4_0_BYTES : Q8_0_BYTES, q4, aq + (size_t)i * arow,
             aq + (size_t)(i + 1) * arow, nb, c + (size_t)i * n + j, c + (size_t)(i + 1) * n + j);
#endif
      for (; i < i1; i++)
        c[(size_t)i * n + j] = q4 ? dot_q4_0(wr, aq + (size_t)i * arow, nb)
                                  : dot_q8_0(wr, aq + (size_t)i * arow, nb);
    }
  }
}

// matmul_q8_0: c[m,n] = a * w^T for Q8_0 weights; aq is m rows of
// quantize_q8_0 output. k must be a multiple of 32.
EXPORT(matmul_q8_0)
void matmul_q8_0(const uint8_t *w, const uint8_t *aq, float *c, int m, int n, int k) {
  matmul_quant(w, aq, c, m, n, k, 0);
}

// matmul_q4_0 is matmul_q8_0 for Q4_0 weights.
EXPORT(matmul_q4_0)
void matmul_q4_0(const uint8_t *w, const uint8_t *aq, float *c, int m, int n, int k) {
  matmul_quant(w, aq, c, m, n, k, 1);
}
