;; A library with a few typed exports for `--invoke`: numbers, a float, a
;; record, an enum, flags.
(component
  (type $point (record (field "x" u32) (field "y" u32)))
  (export $p "point" (type $point))
  (type $color (enum "red" "green" "blue"))
  (export $c "color" (type $color))
  (type $perms (flags "read" "write"))
  (export $f "perms" (type $perms))
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "scale") (param f32) (result f32) local.get 0)
    (func (export "norm") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "hue") (param i32) (result i32) local.get 0)
    (func (export "bits") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "scale") (param "x" f32) (result f32) (canon lift (core func $i "scale")))
  (func (export "norm") (param "p" $p) (result u32) (canon lift (core func $i "norm")))
  (func (export "hue") (param "c" $c) (result u32) (canon lift (core func $i "hue")))
  (func (export "bits") (param "f" $f) (result u32) (canon lift (core func $i "bits")))
)
