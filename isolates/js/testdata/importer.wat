;; A module that imports its memory, table and globals, as emscripten's output imports
;; env.memory, for the WebAssembly API tests (wat2wasm --debug-names importer.wat -o importer.wasm).
(module
  (import "env" "memory" (memory 1))
  (import "env" "table" (table 2 funcref))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "base" (global $base i32))
  (import "env" "note" (func $note (param i32) (result i32)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "pages") (result i32) (memory.size))
  (func (export "getG") (result i32) (global.get $g))
  (func (export "setG") (param i32) (global.set $g (local.get 0)))
  (func (export "base") (result i32) (global.get $base))
  (func (export "callAt") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
  (func (export "tableSize") (result i32) (table.size 0))
  (func (export "callNote") (param i32) (result i32) (call $note (local.get 0))))
