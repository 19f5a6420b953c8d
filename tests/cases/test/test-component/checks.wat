;; A test component of `adder`: imports `docs:adder/add@0.1.0`, exports
;; `wcomp:test/cases@0.1.0` with two cases: `adds` (1 + 2 is 3: passes) and
;; `adds wrong` (expects 4: fails with a message).
(component
  (import "docs:adder/add@0.1.0" (instance $adder
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))))
  (alias export $adder "add" (func $add))
  (core func $add (canon lower (func $add)))
  (core instance $imports (export "add" (func $add)))
  (core module $m
    (import "adder" "add" (func $add (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    (data (i32.const 100) "adds")
    (data (i32.const 110) "adds wrong")
    (data (i32.const 130) "1 + 2 is not 4")
    ;; The list of names at 200, (pointer, length) each; list-cases' result at 300.
    (data (i32.const 200) "\64\00\00\00\04\00\00\00\6e\00\00\00\0a\00\00\00")
    (data (i32.const 300) "\c8\00\00\00\02\00\00\00")
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "list-cases") (result i32) (i32.const 300))
    ;; `adds` is the 4-byte name; the other expects 4. The result at 400:
    ;; its case (0 ok, 1 err), then the message's pointer and length.
    (func (export "run-case") (param $ptr i32) (param $len i32) (result i32)
      (local $want i32)
      (local.set $want (select (i32.const 3) (i32.const 4) (i32.eq (local.get $len) (i32.const 4))))
      (i32.store8 (i32.const 400) (i32.ne (call $add (i32.const 1) (i32.const 2)) (local.get $want)))
      (i32.store (i32.const 404) (i32.const 130))
      (i32.store (i32.const 408) (i32.const 14))
      (i32.const 400)))
  (core instance $i (instantiate $m (with "adder" (instance $imports))))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func $list (result (list string))
    (canon lift (core func $i "list-cases") (memory $mem) (realloc $realloc)))
  (func $run (param "name" string) (result (result (error string)))
    (canon lift (core func $i "run-case") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (instance $cases (export "list-cases" (func $list)) (export "run-case" (func $run)))
  (export "wcomp:test/cases@0.1.0" (instance $cases))
)
