;; A module that exports what importer.wat imports, for the WebAssembly API tests
;; (wat2wasm --debug-names exporter.wat -o exporter.wasm).
(module
  (import "env" "note" (func $note (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (global (export "g") (mut i32) (i32.const 1))
  (table (export "table") 5 10 funcref)
  (elem (i32.const 0) $inc $dbl $noted $spin $note)
  (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (export "dbl") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $noted (export "noted") (param i32) (result i32) (call $note (local.get 0)))
  (func $spin (export "spin") (param i32) (result i32) (loop $l (br $l)) (local.get 0))
  (func (export "callAt") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
  (func (export "getG") (result i32) (global.get 0))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
