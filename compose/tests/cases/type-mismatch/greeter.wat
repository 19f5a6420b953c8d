(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "greet") (param i32) (result i32) i32.const 0)
    (func (export "count") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (func $greet (param "name" u32) (result string)
    (canon lift (core func $i "greet") (memory $mem)))
  (func $count (result u32) (canon lift (core func $i "count")))
  (instance $e (export "greet" (func $greet)) (export "count" (func $count)))
  (export "demo:greet/greeter@0.1.0" (instance $e))
)
