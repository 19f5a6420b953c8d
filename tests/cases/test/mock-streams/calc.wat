;; Imports `docs:adder/add@0.1.0`; exports `eval(a, b)`, which is `add(a, b)`,
;; and `boom()`, which traps.
(component
  (import "docs:adder/add@0.1.0" (instance $adder
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))))
  (alias export $adder "add" (func $add))
  (core func $add (canon lower (func $add)))
  (core instance $a (export "add" (func $add)))
  (core module $m
    (import "adder" "add" (func $add (param i32 i32) (result i32)))
    (func (export "eval") (param i32 i32) (result i32) local.get 0 local.get 1 call $add)
    (func (export "boom") unreachable))
  (core instance $i (instantiate $m (with "adder" (instance $a))))
  (func (export "eval") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "eval")))
  (func (export "boom") (canon lift (core func $i "boom")))
)
