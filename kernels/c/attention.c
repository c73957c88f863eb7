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

void softmax(const float *x, float *out, int rows, int n);

#ifdef __wasm_simd128__
// scores4 is q against four keys (stride ks apart) at once: q is read once
// for all four, and the four sums come out transposed into one vector
// instead of four horizontal sums. d must be a multiple of 4.
static inline v128_t scores4(const float *q, const float *k, int ks, int d) {
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  const float *k1 = k + ks, *k2 = k1 + ks, *k3 = k2 + ks;
  for (int e = 0; e < d; e += 4) {
    v128_t qv = wasm_v128_load(q + e);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(qv, wasm_v128_load(k + e)));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(qv, wasm_v128_load(k1 + e)));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(qv, wasm_v128_load(k2 + e)));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(qv, wasm_v128_load(k3 + e)));
  }
  v128_t s01 = wasm_f32x4_add(wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7));
  v128_t s23 = wasm_f32x4_add(wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7));
}
#endif

// weighted_sum writes o = sum_j p[j] v_j over n value rows (stride vs), 16
// outputs at a time held in registers, so o is stored once rather than
// read and written back for every key.
static inline void weighted_sum(const float *p, const float *v, int vs, int n, float *o, int d) {
  int e = 0;
#ifdef __wasm_simd128__
  for (; e + 16 <= d; e += 16) {
    v128_t o0 = wasm_f32x4_splat(0.0f), o1 = o0, o2 = o0, o3 = o0;
    for (int j = 0; j < n; j++) {
      const float *vj = v + (size_t)j * vs + e;
      v128_t pj = wasm_f32x4_splat(p[j]);
      o0 = wasm_f32x4_add(o0, wasm_f32x4_mul(pj, wasm_v128_load(vj)));
      o1 = wasm_f32x4_add(o1, wasm_f32x4_mul(pj, wasm_v128_load(vj + 4)));
      o2 = wasm_f32x4_add(o2, wasm_f32x4_mul(pj, wasm_v128_load(vj + 8)));
      o3 = wasm_f32x4_add(o3, wasm_f32x4_mul(pj, wasm_v128_load(vj + 12)));
    }
    wasm_v128_store(o + e, o0);
    wasm_v128_store(o + e + 4, o1);
    wasm_v128_store(o + e + 8, o2);
    wasm_v128_store(o + e + 12, o3);
  }
  for (; e + 4 <= d; e += 4) {
    v128_t o0 = wasm_f32x4_splat(0.0f);
    for (int j = 0; j < n; j++)
      o0 = wasm_f32x4_add(o0, wasm_f32x4_mul(wasm_f32x4_splat(p[j]), wasm_v128_load(v + (size_t)j * vs + e)));
    wasm_v128_store(o + e, o0);
  }
#endif
  for (; e < d; e++) {
    float s = 0.0f;
    for (int j = 0; j < n; j++) s += p[j] * v[(size_t)j * vs + e];
    o[e] = s;
  }
}

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
      const float *kh = k + (h / group) * d;
      int j = 0;
#ifdef __wasm_simd128__
      if (d % 4 == 0) {
        v128_t vscale = wasm_f32x4_splat(scale);
        for (; j + 4 <= limit; j += 4) {
          v128_t sc = wasm_f32x4_mul(scores4(qi, kh + (size_t)j * ks, ks, d), vscale);
          if (mask) sc = wasm_f32x4_add(sc, wasm_v128_load(mask + (size_t)i * s + j));
          wasm_v128_store(scratch + j, sc);
        }
      }
#endif
      for (; j < limit; j++) {
        float sc = dot(qi, kh + (size_t)j * ks, d) * scale;
        if (mask) sc += mask[(size_t)i * s + j];
        scratch[j] = sc;
      }
      softmax(scratch, scratch, 1, limit);
      weighted_sum(scratch, v + (h / group) * d, ks, limit, out + (size_t)i * qs + h * d, d);
    }
  }
}
