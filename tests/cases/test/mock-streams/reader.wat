;; Imports `open: func() -> stream<u8>` from `demo:files/source@0.1.0`
;; (and never calls it); exports `ready()`, which returns 1.
(component
  (import "demo:files/source@0.1.0" (instance $s
    (export "open" (func (result (stream u8))))))
  (core module $m
    (func (export "ready") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func (export "ready") (result u32) (canon lift (core func $i "ready")))
)
