;; `d` is recorded without `files` but instantiated with the host's
;; preopens; `e` really gets them from `deny-e`; `deny-d` is recorded but
;; wired to nothing; one line of the record is not a policy line.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $host
    (export "get-directories" (func))))
  (component $uses-files
    (import "wasi:filesystem/preopens@0.2.0" (instance
      (export "get-directories" (func)))))
  (component $denies-files
    (core module $m (func (export "f")))
    (core instance $i (instantiate $m))
    (func $f (canon lift (core func $i "f")))
    (instance $exports (export "get-directories" (func $f)))
    (export "wasi:filesystem/preopens@0.2.0" (instance $exports)))
  (instance $d (instantiate $uses-files
    (with "wasi:filesystem/preopens@0.2.0" (instance $host))))
  (instance $deny-e (instantiate $denies-files))
  (alias export $deny-e "wasi:filesystem/preopens@0.2.0" (instance $denied))
  (instance $e (instantiate $uses-files
    (with "wasi:filesystem/preopens@0.2.0" (instance $denied))))
  (@custom "wcomp-capabilities" "d: none\0ae: none\0adeny-e: withholds files from e\0adeny-d: withholds files from d\0a\1b[2J\0a")
)
