#!/usr/bin/env bash
# build.sh [OUTDIR]: compiles c/*.c into OUTDIR/simd.wasm (SIMD128) and
# OUTDIR/scalar.wasm (the same sources without -msimd128, the scalar twin).
# The committed .wasm files come from Debian 12's clang 14 and lld; another
# clang may emit different (still valid) bytes, which the up-to-date check
# in kernels_test.go reports.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-.}"
CLANG="${CLANG:-clang}"
# -disable-lsr keeps base+constant addressing, which wazero bounds-checks
# once per base (see the notes in ../../shared/notes/wasm-kernels.md).
cflags=(--target=wasm32 -O3 -nostdlib -ffreestanding -fno-builtin
  -mnontrapping-fptoint -mllvm -disable-lsr -Wall -Wextra -Werror -Wno-unused-function)
# The module owns and exports its memory; the Go host places buffers from
# __heap_base upward. --stack-first puts the 64 KiB stack below the data so an
# overflow traps instead of overwriting weights.
ldflags=(-Wl,--no-entry -Wl,--export=__heap_base -Wl,--stack-first
  -Wl,-z,stack-size=65536 -Wl,--strip-all)
srcs=(c/linalg.c c/quant.c c/kquant.c c/rows.c c/attention.c)
"$CLANG" "${cflags[@]}" -msimd128 "${ldflags[@]}" -o "$out/simd.wasm" "${srcs[@]}"
"$CLANG" "${cflags[@]}" "${ldflags[@]}" -o "$out/scalar.wasm" "${srcs[@]}"
