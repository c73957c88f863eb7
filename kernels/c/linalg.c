// Dense f32 and f16 linear algebra. Weight matrices are row-major with the
// reduction dimension contiguous (GGUF's ne0), so every product is a set of
// dot products between rows: y = W x and C = A W^T.
#include "common.h"

// dot_f32 reads 64 bytes per base per iteration: wazero checks each base
// address once and the constant offsets ride along for free.
static inline float dot_f32(const float *a, const float *b, int n) {
  int i = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4)
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#endif
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

// matvec_f32: y[r] = dot(w[r,:], x) for r < rows.
EXPORT(matvec_f32)
void matvec_f32(const float *w, const float *x, float *y, int rows, int cols) {
  for (int r = 0; r < rows; r++) y[r] = dot_f32(w + (size_t)r * cols, x, cols);
}

#ifdef __wasm_simd128__
// tile_2x4 computes the 2x4 block c[i][j] = dot(a_i, b_j) with eight vector
// accumulators; twelve live vectors is what wazero's 16 XMM registers allow.
static inline void tile_2x4(const float *a0, const float *a1, const float *b0, const float *b1,
                            const float *b2, const float *b3, int k, float *c0, float *c1) {
  v128_t z = wasm_f32x4_splat(0.0f);
  v128_t c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
  int p = 0;
  // 16 floats (64 bytes) per base per iteration: six bases cost six bounds
  // checks, shared by 64 multiply-adds.
  for (; p + 16 <= k; p += 16) {
#define STEP(o)                                                                 \
  {                                                                             \
    v128_t x0 = wasm_v128_load(a0 + p + o), x1 = wasm_v128_load(a1 + p + o);  \
    v128_t y = wasm_v128_load(b0 + p + o);                                      \
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x0, y));                           \
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x1, y));                           \
    y = wasm_v128_load(b1 + p + o);                                             \
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x0, y));                           \
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x1, y));                           \
    y = wasm_v128_load(b2 + p + o);                                             \
    c02 = wasm_f32x4_add(c02, wasm_f32x4_mul(x0, y));                           \
    c12 = wasm_f32x4_add(c12, wasm_f32x4_mul(x1, y));                           \
    y = wasm_v128_load(b3 + p + o);                                             \
    c03 = wasm_f32x4_add(c03, wasm_f32x4_mul(x0, y));                           \
    c13 = wasm_f32x4_add(c13, wasm_f32x4_mul(x1, y));                           \
  }
    STEP(0) STEP(4) STEP(8) STEP(12)
  }
  for (; p + 4 <= k; p += 4) STEP(0)
#undef STEP
  float s00 = hsum(c00), s01 = hsum(c01), s02 = hsum(c02), s03 = hsum(c03);
  float s10 = hsum(c10), s11 = hsum(c11), s12 = hsum(c12), s13 = hsum(c13);
  for (; p < k; p++) {
    s00 += a0[p] * b0[p], s01 += a0[p] * b1[p], s02 += a0[p] * b2[p], s03 += a0[p] * b3[p];
    s10 += a1[p] * b0[p], s11 += a1[p] * b1[p], s12 += a1[p] * b2[p], s13 += a1[p] * b3[p];
  }
  c0[0] = s00, c0[1] = s01, c0[2] = s02, c0[3] = s03;
  c1[0] = s10, c1[1] = s11, c1[2] = s12, c1[3] = s13;
}
#endif

// dot_tile is one product of tile_2x4 alone, summed in the same order, so
// that an output's value does not depend on whether it fell in a full tile
// (results stay identical however a Pool splits the rows).
static inline float dot_tile(const float *a, const float *b, int k) {
  int p = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t c = wasm_f32x4_splat(0.0f);
  for (; p + 4 <= k; p += 4)
    c = wasm_f32x4_add(c, wasm_f32x4_mul(wasm_v128_load(a + p), wasm_v128_load(b + p)));
  s = hsum(c);
#endif
  for (; p < k; p++) s += a[p] * b[p];
  return s;
}

// MB is the number of A rows kept hot while a group of four B rows sweeps
// over them: 64 rows of a 512-wide A are 128 KiB, well inside L2.
#define MB 64

// gemm_nt is the shared core: c[i*ldc + j] = dot(a[i,:], b[j,:]).
static void gemm_nt(const float *a, const float *b, float *c, int m, int n, int k, int ldc) {
  for (int i0 = 0; i0 < m; i0 += MB) {
    int i1 = i0 + MB < m ? i0 + MB : m;
    int j = 0;
#ifdef __wasm_simd128__
    for (; j + 4 <= n; j += 4) {
      const float *b0 = b + (size_t)j * k;
      int i = i0;
      for (; i + 2 <= i1; i += 2) {
        const float *a0 = a + (size_t)i * k;
        tile_2x4(a0, a0 + k, b0, b0 + k, b0 + 2 * k, b0 + 3 * k, k, c + (size_t)i * ldc + j,
                 c + (size_t)(i + 1) * ldc + j);
      }
      for (; i < i1; i++)
        for (int jj = j; jj < j + 4; jj++)
          c[(size_t)i * ldc + jj] = dot_tile(a + (size_t)i * k, b + (size_t)jj * k, k);
    }
#endif
    for (; j < n; j++)
      for (int i = i0; i < i1; i++)
        c[(size_t)i * ldc + j] = dot_tile(a + (size_t)i * k, b + (size_t)j * k, k);
  }
}

// matmul_f32: c[m,n] = a[m,k] * b[n,k]^T (b holds one output per row, as
// weights do).
EXPORT(matmul_f32)
void matmul_f32(const float *a, const float *b, float *c, int m, int n, int k) {
  gemm_nt(a, b, c, m, n, k, n);
}

#ifdef __wasm_simd128__
// finite_f16x8 widens the eight halves of h into lo (first four) and hi:
// the exponent and mantissa move into float position and a multiply by
// 2^112 rebiases them (subnormals included), then the sign is put back. It
// skips f16bits_to_f32x4's Inf/NaN fix-up (an Inf weight would read as
// 65536): weights are finite, and the fix-up is a third of the work.
INLINE void finite_f16x8(v128_t h, v128_t *lo, v128_t *hi) {
  v128_t em = wasm_v128_and(h, wasm_i16x8_splat(0x7fff));
  v128_t sign = wasm_v128_xor(h, em);
  v128_t big = wasm_f32x4_splat(0x1p112f);
  *lo = wasm_v128_or(wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(em), 13), big),
                     wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(sign), 16));
  *hi = wasm_v128_or(wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(em), 13), big),
                     wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(sign), 16));
}
#endif

// dot_f16 reads 16 halves (two full vector loads from one base) per
// iteration; a 64-bit load16x4 per four halves cost a bounds check each.
static inline float dot_f16(const uint16_t *w, const float *x, int n) {
  int i = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; i + 16 <= n; i += 16) {
    v128_t w0, w1, w2, w3;
    finite_f16x8(wasm_v128_load(w + i), &w0, &w1);
    finite_f16x8(wasm_v128_load(w + i + 8), &w2, &w3);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(w0, wasm_v128_load(x + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(w1, wasm_v128_load(x + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(w2, wasm_v128_load(x + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(w3, wasm_v128_load(x + i + 12)));
  }
  s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#endif
  for (; i < n; i++) s += f16_to_f32(w[i]) * x[i];
  return s;
}

// matvec_f16: y[r] = dot(w[r,:], x) with w in IEEE half precision. x stays
// f32 (llama.cpp rounds it to f16 first; keeping it is slightly more exact).
EXPORT(matvec_f16)
void matvec_f16(const uint16_t *w, const float *x, float *y, int rows, int cols) {
  for (int r = 0; r < rows; r++) y[r] = dot_f16(w + (size_t)r * cols, x, cols);
}

// f16_to_f32_row widens n halves.
EXPORT(f16_to_f32_row)
void f16_to_f32_row(const uint16_t *h, float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  // One 128-bit load per eight halves: wazero bounds-checks every load, so
  // a 64-bit load16x4 per four halves cost twice the checks.
  for (; i + 8 <= n; i += 8) {
    v128_t v = wasm_v128_load(h + i);
    wasm_v128_store(out + i, f16bits_to_f32x4(wasm_u32x4_extend_low_u16x8(v)));
    wasm_v128_store(out + i + 4, f16bits_to_f32x4(wasm_u32x4_extend_high_u16x8(v)));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, f16x4_to_f32x4(h + i));
#endif
  for (; i < n; i++) out[i] = f16_to_f32(h[i]);
}

// dot_f16_2 is dot_f16 of one weight row against two activation rows,
// widening each weight once for both.
static inline void dot_f16_2(const uint16_t *w, const float *x0, const float *x1, int n, float *r0,
                             float *r1) {
  int i = 0;
  float s = 0.0f, t = 0.0f;
#ifdef __wasm_simd128__
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, b0 = a0, b1 = a0;
  for (; i + 16 <= n; i += 16) {
    v128_t w0, w1, w2, w3;
    finite_f16x8(wasm_v128_load(w + i), &w0, &w1);
    finite_f16x8(wasm_v128_load(w + i + 8), &w2, &w3);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w0, wasm_v128_load(x0 + i)));
    b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(w0, wasm_v128_load(x1 + i)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w1, wasm_v128_load(x0 + i + 4)));
    b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(w1, wasm_v128_load(x1 + i + 4)));
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(w2, wasm_v128_load(x0 + i + 8)));
    b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(w2, wasm_v128_load(x1 + i + 8)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(w3, wasm_v128_load(x0 + i + 12)));
    b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(w3, wasm_v128_load(x1 + i + 12)));
  }
  s = hsum(wasm_f32x4_add(a0, a1));
  t = hsum(wasm_f32x4_add(b0, b1));
#endif
  for (; i < n; i++) {
    float v = f16_to_f32(w[i]);
    s += v * x0[i];
    t += v * x1[i];
  }
  *r0 = s;
  *r1 = t;
}

// SMALL_M is the batch below which matmul_f16 streams the weights once
// through dot_f16_2 (batched decode) instead of widening them into scratch
// for the tiled f32 core (prefill).
#define SMALL_M 8

// matmul_f16: c[m,n] = a[m,k] * w[n,k]^T with w in f16. Four weight rows at a
// time are widened into scratch (4*k floats) and run through the f32 core,
// so the conversion is paid once per weight row, not once per product.
EXPORT(matmul_f16)
void matmul_f16(const float *a, const uint16_t *w, float *c, int m, int n, int k, float *scratch) {
  if (m < SMALL_M) {
    for (int j = 0; j < n; j++) {
      const uint16_t *wj = w + (size_t)j * k;
      int i = 0;
      for (; i + 2 <= m; i += 2)
        dot_f16_2(wj, a + (size_t)i * k, a + (size_t)(i + 1) * k, k, c + (size_t)i * n + j,
                  c + (size_t)(i + 1) * n + j);
      if (i < m) c[(size_t)i * n + j] = dot_f16(wj, a + (size_t)i * k, k);
    }
    return;
  }
  for (int j = 0; j < n; j += 4) {
    int nb = n - j < 4 ? n - j : 4;
    f16_to_f32_row(w + (size_t)j * k, scratch, nb * k);
    gemm_nt(a, scratch, c + j, m, nb, k, n);
  }
}
