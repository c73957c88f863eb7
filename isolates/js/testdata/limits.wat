;; A module whose imports declare maxima, and an immutable externref global, for the
;; WebAssembly API tests (wat2wasm limits.wat -o limits.wasm).
(module
  (import "env" "memory" (memory 1 2))
  (import "env" "t" (table 1 20 funcref))
  (import "env" "x" (global $x externref))
  (func (export "x") (result externref) (global.get $x)))
