;; A command whose core function reads local 18 of none: it decodes (its
;; types are fine) and only full validation sees the body is invalid.
(component
  (core module $m (func (export "run") (result i32) local.get 18))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $e (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $e))
)
