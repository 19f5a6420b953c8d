(component
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $f (param "x" u32) (result u32) (canon lift (core func $i "f")))
  (instance $e (export "run" (func $f)))
  (export "demo:other/thing@0.1.0" (instance $e))
)
