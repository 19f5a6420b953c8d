;; Imports a `counter` resource from `demo:kv/counters@0.1.0`; exports
;; `twice(start)`, which makes a counter, bumps it twice and returns the
;; second bump.
(component
  (import "demo:kv/counters@0.1.0" (instance $c
    (export "counter" (type (sub resource)))
    (export "[constructor]counter" (func (param "start" u32) (result (own 0))))
    (export "[method]counter.bump" (func (param "self" (borrow 0)) (result u32)))))
  (alias export $c "counter" (type $counter))
  (alias export $c "[constructor]counter" (func $new))
  (alias export $c "[method]counter.bump" (func $bump))
  (core func $new (canon lower (func $new)))
  (core func $bump (canon lower (func $bump)))
  (core func $drop (canon resource.drop $counter))
  (core instance $a (export "new" (func $new)) (export "bump" (func $bump)) (export "drop" (func $drop)))
  (core module $m
    (import "c" "new" (func $new (param i32) (result i32)))
    (import "c" "bump" (func $bump (param i32) (result i32)))
    (import "c" "drop" (func $drop (param i32)))
    (func (export "twice") (param i32) (result i32) (local $h i32) (local $r i32)
      local.get 0 call $new local.set $h
      local.get $h call $bump drop
      local.get $h call $bump local.set $r
      local.get $h call $drop
      local.get $r))
  (core instance $i (instantiate $m (with "c" (instance $a))))
  (func (export "twice") (param "start" u32) (result u32) (canon lift (core func $i "twice")))
)
