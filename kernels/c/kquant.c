// K-quant (Q4_K, Q5_K, Q6_K) matrix-vector and matrix-matrix products
// against A8 activations (see quant.c). The weights stay in ggml's
// super-block layouts (256 weights per block; the byte layout is described
// in bindings/ai/gguf/kquant.go). A Q4_K/Q5_K sub-block of 32 weights lines
// up with one A8 block, so each sub-block product is an integer dot product
// scaled by d*sc*da, and the mins contribute dmin*m*(da*sum(qa)), with the
// activation block sums precomputed by quantize_act. Q6_K sub-blocks of 16
// take half an A8 block each.
#include "common.h"

#define QKK 256
#define Q4_K_BYTES 144
#define Q5_K_BYTES 176
#define Q6_K_BYTES 210

// scale_min unpacks the eight 6-bit scales and mins of a Q4_K/Q5_K block
// (ggml's get_scale_min_k4).
INLINE void scale_min(const uint8_t *s, float *sc, float *mn) {
  for (int j = 0; j < 4; j++) {
    sc[j] = (float)(s[j] & 63);
    mn[j] = (float)(s[j + 4] & 63);
    sc[j + 4] = (float)((s[j + 8] & 0xf) | ((s[j] >> 6) << 4));
    mn[j + 4] = (float)((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
  }
}

// dot_q45k is one Q4_K (q5 = 0) or Q5_K row of nb super-blocks against R
// (1 to 4, a constant at each call) A8 rows arow bytes apart from a0,
// writing out[r*ldo]. The weights' unpacking and scales serve all R rows;
// each row's arithmetic is the same whatever R, so results are too.
INLINE void dot_q45k(const uint8_t *w, const uint8_t *a0, size_t arow, int cols, int q5, int R, float *out,
                     size_t ldo) {
  int nb = cols / QKK;
  int bs = q5 ? Q5_K_BYTES : Q4_K_BYTES;
  int qo = q5 ? 48 : 16; // offset of qs in the block
  const int16_t *aq[4];
  const float *ad[4], *as[4];
  float s[4];
#ifdef __wasm_simd128__
  v128_t acc[4];
#endif
  for (int r = 0; r < R; r++) {
    aq[r] = (const int16_t *)(a0 + r * arow);
    ad[r] = (const float *)(a0 + r * arow + 2 * (size_t)cols);
    as[r] = ad[r] + cols / QK;
    s[r] = 0.0f;
#ifdef __wasm_simd128__
    acc[r] = wasm_f32x4_splat(0.0f);
#endif
  }
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * bs;
    float d = f16_to_f32(load_u16(wb)), dmin = f16_to_f32(load_u16(wb + 2));
    float sc[8], mn[8];
    scale_min(wb + 4, sc, mn);
    for (int r = 0; r < R; r++) {
      const float *sb = as[r] + b * 8;
      float m = 0.0f;
      for (int j = 0; j < 8; j++) m += mn[j] * sb[j];
      s[r] -= dmin * m;
    }
#ifdef __wasm_simd128__
    v128_t h0 = wasm_i8x16_splat(0), h1 = h0;
    if (q5) {
      h0 = wasm_v128_load(wb + 16);
      h1 = wasm_v128_load(wb + 32);
    }
    v128_t low = wasm_i8x16_splat(0x0f), one = wasm_i8x16_splat(1);
    for (int c = 0; c < 4; c++) {
      v128_t q0 = wasm_v128_load(wb + (qo + 32 * c)), q1 = wasm_v128_load(wb + (qo + 32 * c + 16));
      v128_t l0 = wasm_v128_and(q0, low), l1 = wasm_v128_and(q1, low);
      v128_t u0 = wasm_u8x16_shr(q0, 4), u1 = wasm_u8x16_shr(q1, 4);
      if (q5) {
        l0 = wasm_v128_or(l0, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h0, 2 * c), one), 4));
        l1 = wasm_v128_or(l1, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h1, 2 * c), one), 4));
        u0 = wasm_v128_or(u0, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h0, 2 * c + 1), one), 4));
        u1 = wasm_v128_or(u1, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(h1, 2 * c + 1), one), 4));
      }
      float dl = d * sc[2 * c], du = d * sc[2 * c + 1];
      for (int r = 0; r < R; r++) {
        const int16_t *ab = aq[r] + b * QKK;
        const float *db = ad[r] + b * 8;
        v128_t pl = wasm_i32x4_add(dot16(l0, ab, 64 * c), dot16(l1, ab, 64 * c + 16));
        v128_t pu = wasm_i32x4_add(dot16(u0, ab, 64 * c + 32), dot16(u1, ab, 64 * c + 48));
        acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(pl), wasm_f32x4_splat(dl * db[2 * c])));
        acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(pu), wasm_f32x4_splat(du * db[2 * c + 1])));
      }
    }
#else
    const uint8_t *qs = wb + qo, *qh = wb + 16;
    for (int r = 0; r < R; r++) {
      const int16_t *ab = aq[r] + b * QKK;
      const float *db = ad[r] + b * 8;
      for (int j = 0; j < 8; j++) {
        int32_t sum = 0;
        for (int l = 0; l < 32; l++) {
          int32_t q = (qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 15;
          if (q5) q |= ((qh[l] >> j) & 1) << 4;
          sum += q * ab[32 * j + l];
        }
        s[r] += (float)sum * (d * sc[j] * db[j]);
      }
    }
#endif
  }
  for (int r = 0; r < R; r++) {
#ifdef __wasm_simd128__
    s[r] += hsum(acc[r]);
#endif
    out[r * ldo] = s[r];
  }
}

// dot_q6k is one Q6_K row against R A8 rows (as dot_q45k): the weights'
// unpacking serves all R rows, and each row's arithmetic does not depend on R.
INLINE void dot_q6k(const uint8_t *w, const uint8_t *a0, size_t arow, int cols, int R, float *out, size_t ldo) {
  int nb = cols / QKK;
  const int16_t *aq[4];
  const float *ad[4];
  float s[4];
#ifdef __wasm_simd128__
  v128_t acc[4];
  v128_t low = wasm_i8x16_splat(0x0f), three = wasm_i8x16_splat(3), off = wasm_i8x16_splat(32);
#endif
  for (int r = 0; r < R; r++) {
    aq[r] = (const int16_t *)(a0 + r * arow);
    ad[r] = (const float *)(a0 + r * arow + 2 * (size_t)cols);
    s[r] = 0.0f;
#ifdef __wasm_simd128__
    acc[r] = wasm_f32x4_splat(0.0f);
#endif
  }
  for (int b = 0; b < nb; b++) {
    const uint8_t *wb = w + b * Q6_K_BYTES;
    float d = f16_to_f32(load_u16(wb + 208));
    for (int h = 0; h < 2; h++) {
      const uint8_t *ql = wb + 64 * h, *qh = wb + 128 + 32 * h;
      const int8_t *sc = (const int8_t *)(wb + 192 + 8 * h);
#ifdef __wasm_simd128__
      v128_t l0 = wasm_v128_load(ql), l1 = wasm_v128_load(ql + 16);
      v128_t l2 = wasm_v128_load(ql + 32), l3 = wasm_v128_load(ql + 48);
      v128_t g0 = wasm_v128_load(qh), g1 = wasm_v128_load(qh + 16);
      for (int k = 0; k < 4; k++) {
        // Group k of 32 weights: low nibbles of ql[0..31] (k = 0) or
        // ql[32..63] (k = 1), high nibbles for k = 2, 3; qh bits 2k, 2k+1.
        v128_t a = k & 1 ? l2 : l0, c = k & 1 ? l3 : l1;
        if (k >= 2) {
          a = wasm_u8x16_shr(a, 4);
          c = wasm_u8x16_shr(c, 4);
        } else {
          a = wasm_v128_and(a, low);
          c = wasm_v128_and(c, low);
        }
        v128_t w0 = wasm_i8x16_sub(wasm_v128_or(a, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(g0, 2 * k), three), 4)), off);
        v128_t w1 = wasm_i8x16_sub(wasm_v128_or(c, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(g1, 2 * k), three), 4)), off);
        for (int r = 0; r < R; r++) {
          const int16_t *ab = aq[r] + b * QKK + 128 * h;
          float f = d * ad[r][b * 8 + 4 * h + k];
          acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(dot16(w0, ab, 32 * k)),
                                                         wasm_f32x4_splat(f * (float)sc[2 * k])));
          acc[r] = wasm_f32x4_add(acc[r], wasm_f32x4_mul(wasm_f32x4_convert_i32x4(dot16(w1, ab, 32 * k + 16)),
                                                         wasm_f32x4_splat(f * (float)sc[2 * k + 1])));
        }
      }
#else
      for (int r = 0; r < R; r++) {
        const int16_t *ab = aq[r] + b * QKK + 128 * h;
        const float *db = ad[r] + b * 8 + 4 * h;
        for (int k = 0; k < 4; k++) {
          for (int half = 0; half < 2; half++) {
            int32_t sum = 0;
            for (int i = 0; i < 16; i++) {
              int l = 16 * half + i;
              int byte = ql[l + 32 * (k & 1)];
              int q = (k >= 2 ? byte >> 4 : byte & 15) | (((qh[l] >> (2 * k)) & 3) << 4);
              sum += (q - 32) * ab[32 * k + l];
            }
            s[r] += (float)sum * (d * db[k] * (float)sc[2 * k + half]);
          }
        }
      }
#endif
    }
  }
  for (int r = 0; r < R; r++) {
#ifdef __wasm_simd128__
    s[r] += hsum(acc[r]);
#endif
    out[r * ldo] = s[r];
  }
}

// dot_k is one weight row of kind 0 (Q4_K), 1 (Q5_K) or 2 (Q6_K) against R
// A8 rows, writing out[r*ldo].
INLINE void dot_k(const uint8_t *w, const uint8_t *a0, size_t arow, int cols, int kind, int R, float *out,
                  size_t ldo) {
  if (kind == 2)
    dot_q6k(w, a0, arow, cols, R, out, ldo);
  else
    dot_q45k(w, a0, arow, cols, kind, R, out, ldo);
}

INLINE size_t row_bytes_k(int cols, int kind) {
  int bs = kind == 0 ? Q4_K_BYTES : kind == 1 ? Q5_K_BYTES : Q6_K_BYTES;
  return (size_t)(cols / QKK) * bs;
}

INLINE void matvec_k(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols, int kind) {
  size_t wrow = row_bytes_k(cols, kind);
  for (int r = 0; r < rows; r++) dot_k(w + r * wrow, xa, 0, cols, kind, 1, y + r, 1);
}

// matmul_k: c[m,n] = a * w^T; activation rows stay hot in blocks of MB_K
// while each weight row (a few hundred bytes, in L1) passes over them, four
// activation rows at a time in the SIMD build.
#define MB_K 32
INLINE void matmul_k(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k, int kind) {
  size_t wrow = row_bytes_k(k, kind), arow = a8_row_bytes(k);
  for (int i0 = 0; i0 < m; i0 += MB_K) {
    int i1 = i0 + MB_K < m ? i0 + MB_K : m;
    for (int j = 0; j < n; j++) {
      int i = i0;
#ifdef __wasm_simd128__
      for (; i + 4 <= i1; i += 4) dot_k(w + j * wrow, aa + i * arow, arow, k, kind, 4, c + (size_t)i * n + j, n);
#endif
      for (; i < i1; i++) dot_k(w + j * wrow, aa + i * arow, arow, k, kind, 1, c + (size_t)i * n + j, n);
    }
  }
}

// matvec_q4_k: y = w x for Q4_K weights; xa is x from quantize_act. cols
// must be a multiple of 256.
EXPORT(matvec_q4_k)
void matvec_q4_k(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols) {
  matvec_k(w, xa, y, rows, cols, 0);
}

// matvec_q5_k is matvec_q4_k for Q5_K weights.
EXPORT(matvec_q5_k)
void matvec_q5_k(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols) {
  matvec_k(w, xa, y, rows, cols, 1);
}

// matvec_q6_k is matvec_q4_k for Q6_K weights.
EXPORT(matvec_q6_k)
void matvec_q6_k(const uint8_t *w, const uint8_t *xa, float *y, int rows, int cols) {
  matvec_k(w, xa, y, rows, cols, 2);
}

// matmul_q4_k: c[m,n] = a * w^T for Q4_K weights w[n,k]; aa is m rows of
// quantize_act output.
EXPORT(matmul_q4_k)
void matmul_q4_k(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k) {
  matmul_k(w, aa, c, m, n, k, 0);
}

// matmul_q5_k is matmul_q4_k for Q5_K weights.
EXPORT(matmul_q5_k)
void matmul_q5_k(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k) {
  matmul_k(w, aa, c, m, n, k, 1);
}

// matmul_q6_k is matmul_q4_k for Q6_K weights.
EXPORT(matmul_q6_k)
void matmul_q6_k(const uint8_t *w, const uint8_t *aa, float *c, int m, int n, int k) {
  matmul_k(w, aa, c, m, n, k, 2);
}
