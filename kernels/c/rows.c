// Row-wise and element-wise operations: norms, softmax, activations, RoPE.
#include "common.h"

static inline float row_sum(const float *x, int n) {
  int i = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_v128_load(x + i));
    s1 = wasm_f32x4_add(s1, wasm_v128_load(x + i + 4));
    s2 = wasm_f32x4_add(s2, wasm_v128_load(x + i + 8));
    s3 = wasm_f32x4_add(s3, wasm_v128_load(x + i + 12));
  }
  s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#endif
  for (; i < n; i++) s += x[i];
  return s;
}

// sum_sq_dev is sum((x-c)^2); c = 0 gives the sum of squares.
static inline float sum_sq_dev(const float *x, float c, int n) {
  int i = 0;
  float s = 0.0f;
#ifdef __wasm_simd128__
  v128_t vc = wasm_f32x4_splat(c);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  for (; i + 16 <= n; i += 16) {
    v128_t d0 = wasm_f32x4_sub(wasm_v128_load(x + i), vc);
    v128_t d1 = wasm_f32x4_sub(wasm_v128_load(x + i + 4), vc);
    v128_t d2 = wasm_f32x4_sub(wasm_v128_load(x + i + 8), vc);
    v128_t d3 = wasm_f32x4_sub(wasm_v128_load(x + i + 12), vc);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(d0, d0));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(d1, d1));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(d2, d2));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(d3, d3));
  }
  s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
#endif
  for (; i < n; i++) s += (x[i] - c) * (x[i] - c);
  return s;
}

// scale_shift writes out = (x - c) * s * w + b; w and b may be null. The
// vector loops take 16 floats per base per iteration: wazero bounds-checks
// each new address, so fewer, wider iterations are what pays.
static inline void scale_shift(const float *x, float c, float s, const float *w, const float *b,
                               float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  v128_t vc = wasm_f32x4_splat(c), vs = wasm_f32x4_splat(s);
#define SS(k) wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i + k), vc), vs)
  if (w && b) {
    for (; i + 16 <= n; i += 16) {
      v128_t v0 = wasm_f32x4_add(wasm_f32x4_mul(SS(0), wasm_v128_load(w + i)), wasm_v128_load(b + i));
      v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(SS(4), wasm_v128_load(w + i + 4)), wasm_v128_load(b + i + 4));
      v128_t v2 = wasm_f32x4_add(wasm_f32x4_mul(SS(8), wasm_v128_load(w + i + 8)), wasm_v128_load(b + i + 8));
      v128_t v3 = wasm_f32x4_add(wasm_f32x4_mul(SS(12), wasm_v128_load(w + i + 12)), wasm_v128_load(b + i + 12));
      wasm_v128_store(out + i, v0);
      wasm_v128_store(out + i + 4, v1);
      wasm_v128_store(out + i + 8, v2);
      wasm_v128_store(out + i + 12, v3);
    }
  } else if (w) {
    for (; i + 16 <= n; i += 16) {
      v128_t v0 = wasm_f32x4_mul(SS(0), wasm_v128_load(w + i));
      v128_t v1 = wasm_f32x4_mul(SS(4), wasm_v128_load(w + i + 4));
      v128_t v2 = wasm_f32x4_mul(SS(8), wasm_v128_load(w + i + 8));
      v128_t v3 = wasm_f32x4_mul(SS(12), wasm_v128_load(w + i + 12));
      wasm_v128_store(out + i, v0);
      wasm_v128_store(out + i + 4, v1);
      wasm_v128_store(out + i + 8, v2);
      wasm_v128_store(out + i + 12, v3);
    }
  }
#undef SS
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i), vc), vs);
    if (w) v = wasm_f32x4_mul(v, wasm_v128_load(w + i));
    if (b) v = wasm_f32x4_add(v, wasm_v128_load(b + i));
    wasm_v128_store(out + i, v);
  }
#endif
  for (; i < n; i++) {
    float v = (x[i] - c) * s;
    if (w) v *= w[i];
    if (b) v += b[i];
    out[i] = v;
  }
}

// layer_norm normalises each of rows rows of n values to zero mean and unit
// variance (two passes: exact enough for BERT's eps of 1e-12), then applies
// weight w and bias b when they are non-null. out may equal x.
EXPORT(layer_norm)
void layer_norm(const float *x, const float *w, const float *b, float *out, int rows, int n,
                float eps) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (size_t)r * n;
    float mean = row_sum(xr, n) / (float)n;
    float var = sum_sq_dev(xr, mean, n) / (float)n;
    scale_shift(xr, mean, 1.0f / __builtin_sqrtf(var + eps), w, b, out + (size_t)r * n, n);
  }
}

// rms_norm scales each row by 1/sqrt(mean(x^2)+eps) and multiplies by w
// (when non-null), as llama does. out may equal x.
EXPORT(rms_norm)
void rms_norm(const float *x, const float *w, float *out, int rows, int n, float eps) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (size_t)r * n;
    float ms = sum_sq_dev(xr, 0.0f, n) / (float)n;
    scale_shift(xr, 0.0f, 1.0f / __builtin_sqrtf(ms + eps), w, 0, out + (size_t)r * n, n);
  }
}

// softmax_row is exp(x - max) / sum over one row; a row of only -inf
// becomes all zeros rather than NaN (a fully masked attention row).
static void softmax_row(const float *x, float *out, int n) {
  int i = 0;
  float m = -__builtin_inff();
#ifdef __wasm_simd128__
  v128_t m0 = wasm_f32x4_splat(m), m1 = m0, m2 = m0, m3 = m0;
  for (; i + 16 <= n; i += 16) {
    m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + i));
    m1 = wasm_f32x4_pmax(m1, wasm_v128_load(x + i + 4));
    m2 = wasm_f32x4_pmax(m2, wasm_v128_load(x + i + 8));
    m3 = wasm_f32x4_pmax(m3, wasm_v128_load(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + i));
  m = hmax(wasm_f32x4_pmax(wasm_f32x4_pmax(m0, m1), wasm_f32x4_pmax(m2, m3)));
#endif
  for (; i < n; i++)
    if (x[i] > m) m = x[i];
  if (m == -__builtin_inff()) {
    for (i = 0; i < n; i++) out[i] = 0.0f;
    return;
  }
  float s = 0.0f;
  i = 0;
#ifdef __wasm_simd128__
  v128_t vm = wasm_f32x4_splat(m);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  for (; i + 8 <= n; i += 8) {
    v128_t e0 = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    v128_t e1 = exp4(wasm_f32x4_sub(wasm_v128_load(x + i + 4), vm));
    wasm_v128_store(out + i, e0);
    wasm_v128_store(out + i + 4, e1);
    s0 = wasm_f32x4_add(s0, e0);
    s1 = wasm_f32x4_add(s1, e1);
  }
  s = hsum(wasm_f32x4_add(s0, s1));
#endif
  for (; i < n; i++) {
    out[i] = exp_approx(x[i] - m);
    s += out[i];
  }
  float inv = 1.0f / s;
  i = 0;
#ifdef __wasm_simd128__
  v128_t vi = wasm_f32x4_splat(inv);
  for (; i + 16 <= n; i += 16) {
    v128_t v0 = wasm_f32x4_mul(wasm_v128_load(out + i), vi);
    v128_t v1 = wasm_f32x4_mul(wasm_v128_load(out + i + 4), vi);
    v128_t v2 = wasm_f32x4_mul(wasm_v128_load(out + i + 8), vi);
    v128_t v3 = wasm_f32x4_mul(wasm_v128_load(out + i + 12), vi);
    wasm_v128_store(out + i, v0);
    wasm_v128_store(out + i + 4, v1);
    wasm_v128_store(out + i + 8, v2);
    wasm_v128_store(out + i + 12, v3);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(out + i), vi));
#endif
  for (; i < n; i++) out[i] *= inv;
}

// softmax applies softmax_row to rows rows of n values. out may equal x.
EXPORT(softmax)
void softmax(const float *x, float *out, int rows, int n) {
  for (int r = 0; r < rows; r++) softmax_row(x + (size_t)r * n, out + (size_t)r * n, n);
}

#define GELU_C 0.7978845608028654f  // sqrt(2/pi)
#define GELU_A 0.044715f

// gelu is the tanh approximation BERT and GPT-2 use:
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with
// 1 + tanh(u) = 2 - 2/(exp(2u)+1) so one exp serves.
EXPORT(gelu)
void gelu(const float *x, float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  v128_t c = wasm_f32x4_splat(GELU_C), a = wasm_f32x4_splat(GELU_A);
  v128_t one = wasm_f32x4_splat(1.0f), two = wasm_f32x4_splat(2.0f), half = wasm_f32x4_splat(0.5f);
#define GELU4(v)                                                                              \
  wasm_f32x4_mul(                                                                             \
      wasm_f32x4_mul(half, v),                                                                \
      wasm_f32x4_sub(two, wasm_f32x4_div(two, wasm_f32x4_add(exp4(wasm_f32x4_mul(             \
                                                                 two, wasm_f32x4_mul(c, wasm_f32x4_add(v, wasm_f32x4_mul(a, wasm_f32x4_mul(v, wasm_f32x4_mul(v, v))))))), \
                                                             one))))
  for (; i + 8 <= n; i += 8) {
    v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);
    v128_t r0 = GELU4(v0), r1 = GELU4(v1);
    wasm_v128_store(out + i, r0);
    wasm_v128_store(out + i + 4, r1);
  }
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(out + i, GELU4(v));
  }
#undef GELU4
#endif
  for (; i < n; i++) {
    float v = x[i];
    float u = GELU_C * (v + GELU_A * (v * (v * v)));
    float e = exp_approx(2.0f * u);
    out[i] = (0.5f * v) * (2.0f - 2.0f / (e + 1.0f));
  }
}

// silu is x * sigmoid(x) = x / (1 + exp(-x)).
EXPORT(silu)
void silu(const float *x, float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  v128_t one = wasm_f32x4_splat(1.0f);
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(out + i, wasm_f32x4_div(v, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(v)))));
  }
#endif
  for (; i < n; i++) out[i] = x[i] / (1.0f + exp_approx(-x[i]));
}

// add: out = a + b element-wise. out may alias a or b.
EXPORT(add)
void add(const float *a, const float *b, float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  for (; i + 16 <= n; i += 16) {
    v128_t v0 = wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i));
    v128_t v1 = wasm_f32x4_add(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4));
    v128_t v2 = wasm_f32x4_add(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8));
    v128_t v3 = wasm_f32x4_add(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12));
    wasm_v128_store(out + i, v0);
    wasm_v128_store(out + i + 4, v1);
    wasm_v128_store(out + i + 8, v2);
    wasm_v128_store(out + i + 12, v3);
  }
#endif
  for (; i < n; i++) out[i] = a[i] + b[i];
}

// mul: out = a * b element-wise. out may alias a or b.
EXPORT(mul)
void mul(const float *a, const float *b, float *out, int n) {
  int i = 0;
#ifdef __wasm_simd128__
  for (; i + 16 <= n; i += 16) {
    v128_t v0 = wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i));
    v128_t v1 = wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4));
    v128_t v2 = wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8));
    v128_t v3 = wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12));
    wasm_v128_store(out + i, v0);
    wasm_v128_store(out + i + 4, v1);
    wasm_v128_store(out + i + 8, v2);
    wasm_v128_store(out + i + 12, v3);
  }
#endif
  for (; i < n; i++) out[i] = a[i] * b[i];
}

// rope rotates adjacent pairs (x[2i], x[2i+1]) of every head in place.
// x has rows rows of heads*head_dim values; cs has, per row, head_dim cosines
// (each repeated for both members of its pair) then head_dim sines signed
// (-sin, +sin), so a pair becomes x*cos + swap(x)*sin with no branches. The
// host fills cs for the rows' positions (theta_i = base^(-2i/head_dim)).
EXPORT(rope)
void rope(float *x, const float *cs, int rows, int heads, int head_dim) {
  for (int r = 0; r < rows; r++) {
    const float *c = cs + (size_t)r * 2 * head_dim, *s = c + head_dim;
    for (int h = 0; h < heads; h++) {
      float *xh = x + ((size_t)r * heads + h) * head_dim;
      int i = 0;
#ifdef __wasm_simd128__
      for (; i + 4 <= head_dim; i += 4) {
        v128_t v = wasm_v128_load(xh + i);
        v128_t sw = wasm_i32x4_shuffle(v, v, 1, 0, 3, 2);
        wasm_v128_store(xh + i, wasm_f32x4_add(wasm_f32x4_mul(v, wasm_v128_load(c + i)),
                                               wasm_f32x4_mul(sw, wasm_v128_load(s + i))));
      }
#endif
      for (; i + 2 <= head_dim; i += 2) {
        float x0 = xh[i], x1 = xh[i + 1];
        xh[i] = x0 * c[i] + x1 * s[i];
        xh[i + 1] = x1 * c[i + 1] + x0 * s[i + 1];
      }
    }
  }
}
