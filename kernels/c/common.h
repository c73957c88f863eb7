// Shared helpers for the molt kernels.
//
// Every kernel is written once. Built with -msimd128 the __wasm_simd128__
// branches run; built without it the same file yields the scalar twin the Go
// tests check the SIMD build against. Pointers are offsets into the module's
// own linear memory, which the Go host lays out (there is no malloc here).
#ifndef MOLT_KERNELS_COMMON_H
#define MOLT_KERNELS_COMMON_H

#include <stdint.h>
#include <stddef.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define EXPORT(name) __attribute__((export_name(#name)))

// INLINE forces inlining where a constant argument (a block size, a type
// flag) must fold into the caller: otherwise wazero pays a bounds check for
// every address computed from the variable.
#define INLINE static inline __attribute__((always_inline))

// Bytes in one GGUF Q8_0 block (f16 scale + 32 int8) and Q4_0 block
// (f16 scale + 16 bytes of nibbles); both hold 32 weights.
#define QK 32
#define Q8_0_BYTES 34
#define Q4_0_BYTES 18

static inline uint32_t f32_bits(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  return u;
}

static inline float f32_from_bits(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

static inline uint16_t load_u16(const uint8_t *p) {
  uint16_t h;
  __builtin_memcpy(&h, p, 2);
  return h;
}

// f16_to_f32 widens an IEEE half. Shifting the half's exponent and mantissa
// into float position and multiplying by 2^112 rebiases normals and turns
// subnormals into normals exactly; only Inf/NaN need their exponent forced.
static inline float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t em = h & 0x7fff;
  float f = f32_from_bits(em << 13) * 0x1p112f;
  if (em >= 0x7c00) f = f32_from_bits((em << 13) | 0x7f800000);
  return f32_from_bits(f32_bits(f) | sign);
}

// f32_to_f16 narrows with round-to-nearest-even, the way ggml does it
// (after Maratyszcza's FP16 library), so scales match llama.cpp bit for bit.
static inline uint16_t f32_to_f16(float f) {
  float base = (__builtin_fabsf(f) * 0x1p112f) * 0x1p-110f;
  uint32_t w = f32_bits(f);
  uint32_t shl1_w = w + w;
  uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xff000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = f32_from_bits((bias >> 1) + 0x07800000u) + base;
  uint32_t bits = f32_bits(base);
  uint32_t exp_bits = (bits >> 13) & 0x00007c00u;
  uint32_t mantissa_bits = bits & 0x00000fffu;
  uint32_t nonsign = exp_bits + mantissa_bits;
  return (uint16_t)((sign >> 16) | (shl1_w > 0xff000000u ? 0x7e00u : nonsign));
}

// exp_approx is exp(x) to about 2 ulp: x = n*ln2 + r with |r| <= ln2/2, a
// degree-6 polynomial for e^r, and 2^n built in the exponent bits. Inputs
// below -87.3 give exactly 0 (so masked -inf scores vanish), above 88.3 are
// clamped (no kernel needs larger values).
#define EXP_HI 88.3762626647949f
#define EXP_LO -87.3365447505531f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

static inline float exp_approx(float x) {
  if (x < EXP_LO) return 0.0f;
  if (x > EXP_HI) x = EXP_HI;
  float n = __builtin_rintf(x * LOG2E);
  float r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  float p = EXP_P0;
  p = p * r + EXP_P1;
  p = p * r + EXP_P2;
  p = p * r + EXP_P3;
  p = p * r + EXP_P4;
  p = p * r + EXP_P5;
  p = p * (r * r) + r + 1.0f;
  int32_t e = (int32_t)n;
  return p * f32_from_bits((uint32_t)(e + 127) << 23);
}

#ifdef __wasm_simd128__
static inline float hsum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// hmax uses pmax (one instruction under wazero); inputs hold no NaN.
static inline float hmax(v128_t v) {
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// exp4 is exp_approx on four lanes with the same constants and steps. It
// avoids the instructions wazero expands into long sequences: f32x4.min/max
// (NaN-propagating; pmin/pmax are single instructions) and
// i32x4.trunc_sat_f32x4 (8 instructions): adding 1.5*2^23 rounds to an
// integer held in the low mantissa bits, exactly as rintf does.
#define ROUND_MAGIC 0x1.8p23f
static inline v128_t exp4(v128_t x) {
  v128_t under = wasm_f32x4_lt(x, wasm_f32x4_splat(EXP_LO));
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(EXP_HI));
  v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(LOG2E)), wasm_f32x4_splat(ROUND_MAGIC));
  v128_t n = wasm_f32x4_sub(t, wasm_f32x4_splat(ROUND_MAGIC));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
  v128_t p = wasm_f32x4_splat(EXP_P0);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(EXP_P5));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r),
                     wasm_f32x4_splat(1.0f));
  // t's bits are 0x4b400000 + n; rebias to n + 127 and move into the exponent.
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(t, wasm_i32x4_splat(127 - 0x4b400000)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, e), under);
}

// f16bits_to_f32x4 widens four halves held in the low 16 bits of each
// lane, as f16_to_f32 does.
static inline v128_t f16bits_to_f32x4(v128_t h) {
  v128_t em = wasm_v128_and(h, wasm_i32x4_splat(0x7fff));
  v128_t sh = wasm_i32x4_shl(em, 13);
  v128_t f = wasm_f32x4_mul(sh, wasm_f32x4_splat(0x1p112f));
  v128_t special = wasm_i32x4_gt(em, wasm_i32x4_splat(0x7bff));
  f = wasm_v128_bitselect(wasm_v128_or(sh, wasm_i32x4_splat(0x7f800000)), f, special);
  return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_xor(h, em), 16));
}

// f16x4_to_f32x4 widens four halves at p (8 bytes).
static inline v128_t f16x4_to_f32x4(const uint16_t *p) {
  return f16bits_to_f32x4(wasm_u32x4_load16x4(p));
}

// dot16 multiplies 16 int8 weights with the 16 int16 activations at a + off
// and returns four partial i32 sums: the step of every quantized dot product
// against A8 activations (quant.c, kquant.c).
//
// Every load is written as base + constant in a single expression: clang 14
// folds that into the load's offset immediate, which wazero checks once per
// base. A pointer derived first and offset after (p = a + off; load(p + 8))
// becomes a fresh address that wazero bounds-checks on its own, which made
// the dot product loops about twice as long.
INLINE v128_t dot16(v128_t w, const int16_t *a, int off) {
  return wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(w), wasm_v128_load(a + off)),
                        wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(w), wasm_v128_load(a + (off + 8))));
}
#endif

// a8_row_bytes is the size of one A8 activation row of cols values (see
// quant.c): int16 values, then f32 block scales and block sums.
INLINE size_t a8_row_bytes(int cols) { return 2 * (size_t)cols + 8 * (size_t)(cols / QK); }

#endif
