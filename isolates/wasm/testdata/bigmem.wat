;; A command whose own memory starts at 4096 pages (256 MiB), over the default cap.
(module
  (memory (export "memory") 4096)
  (func (export "_start")))
