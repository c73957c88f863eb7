;; A WASI command that traps before writing anything.
(module
  (memory (export "memory") 1)
  (func $crash (unreachable))
  (func (export "_start") (call $crash)))
