;; A core module: wcomp compiles components only.
(module (func (export "run")))
