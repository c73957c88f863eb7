// Scaled-dot-product attention over one sequence, all heads.
#include "common.h"

static inline float dot(const float *a, const float *b, int n) {
  int i = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  for (; i + 8 <= n; i += 8) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
  }
  s = hsum(wasm_f32x4_add(s0, s1));
#endif
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

// axpy: y += a*x.
static inline void axpy(float a, const float *x, float *y, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  v128_t va = wasm_f32x4_splat(a);
  for (; i + 8 <= n; i += 8) {
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
    wasm_v128_store(y + i + 4,
                    wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(va, wasm_v128_load(x + i + 4))));
  }
#endif
  for (; i < n; i++) y[i] += a * x[i];
}

void softmax(const float *x, float *out, int rows, int n);

// attention computes, for each of t queries and heads heads,
// softmax(q.k^T * scale + mask) v over s keys.
//   q, out: t rows of heads*d; k, v: s rows of kv_heads*d (grouped-query
//   attention: query head h reads kv head h / (heads/kv_heads)).
//   mask: null or t*s additive values (0 or -inf), e.g. padding.
//   causal: when non-zero, query i (the last t of s positions) sees only keys
//   j <= i + s - t.
//   scratch: s floats.
EXPORT(attention)
void attention(const float *q, const float *k, const float *v, float *out, const float *mask,
               float *scratch, int t, int s, int heads, int kv_heads, int d, float scale,
               int causal) {
  int group = heads / kv_heads;
  int qs = heads * d, ks = kv_heads * d;
  for (int i = 0; i < t; i++) {
    int limit = causal ? i + s - t + 1 : s;
    if (limit > s) limit = s;
    for (int h = 0; h < heads; h++) {
      const float *qi = q + (size_t)i * qs + h * d;
      int kh = h / group;
      for (int j = 0; j < limit; j++) {
        float sc = dot(qi, k + (size_t)j * ks + kh * d, d) * scale;
        if (mask) sc += mask[(size_t)i * s + j];
        scratch[j] = sc;
      }
      softmax(scratch, scratch, 1, limit);
      float *o = out + (size_t)i * qs + h * d;
      for (int e = 0; e < d; e++) o[e] = 0.0f;
      for (int j = 0; j < limit; j++)
        if (scratch[j] != 0.0f) axpy(scratch[j], v + (size_t)j * ks + kh * d, o, d);
    }
  }
}
