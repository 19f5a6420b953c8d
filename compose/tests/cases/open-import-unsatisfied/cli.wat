(component
  (import "demo:missing/api@0.1.0" (instance (export "run" (func (param "x" u32) (result u32)))))
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $f (param "x" u32) (result u32) (canon lift (core func $i "f")))
  (instance $e (export "start" (func $f)))
  (export "demo:cli/entry@0.1.0" (instance $e))
)
