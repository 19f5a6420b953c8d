;; A command that imports what no host provides.
(component
  (import "wasi:keyvalue/store@0.2.0-draft"
    (instance (export "get" (func (param "key" u32) (result u32)))))
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $e (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $e))
)
