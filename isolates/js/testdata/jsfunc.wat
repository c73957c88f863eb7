;; The module emscripten's addFunction (convertJsFunctionToWasm) generates to put a JavaScript
;; function into a table: it imports the function and exports it as a Wasm function
;; (wat2wasm jsfunc.wat -o jsfunc.wasm).
(module
  (import "e" "f" (func $f (param i32) (result i32)))
  (export "f" (func $f)))
