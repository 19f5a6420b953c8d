(component
  (import "wasi:cli/environment@0.2.0" (instance (export "get-environment" (func (result (list (tuple string string))))) (export "get-arguments" (func (result (list string))))))
  (import "demo:greet/greet@0.1.0" (instance (export "hello" (func (result u32)))))
  (core module $m (func (export "f") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func $f (result u32) (canon lift (core func $i "f")))
  (instance $e (export "start" (func $f)))
  (export "demo:cli/entry@0.1.0" (instance $e))
)
