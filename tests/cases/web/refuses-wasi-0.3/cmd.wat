;; A command exporting `wasi:cli/run@0.3.0` (its `run` lifted synchronously:
;; only the name matters here): a WASI 0.3 app.
(component
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $e (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $e))
)
