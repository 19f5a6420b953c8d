#!/usr/bin/env bash
# Build every guest fixture (see BUILD.md) into $OUT (default /tmp/guests-out).
# Usage: tests/guests/build.sh [fixture...]
# The toolchains are the ones `wcomp setup` installs into $WCOMP_HOME.
# Env: OUT (default target/test-guests), CARGO_TARGET_DIR (default $OUT/cargo),
#      WCOMP_HOME (default target/wcomp-test-home)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
OUT="${OUT:-$repo/target/test-guests}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$OUT/cargo}"
WCOMP_HOME="${WCOMP_HOME:-$repo/target/wcomp-test-home}"
CPY="$WCOMP_HOME/python/bin/componentize-py"
NODE_BIN="$WCOMP_HOME/js/node_modules/.bin"
mkdir -p "$OUT"

rust() { # fixture artifact-name
  (cd "$here/$1" && cargo build --release --target wasm32-wasip2)
  cp "$CARGO_TARGET_DIR/wasm32-wasip2/release/$2.wasm" "$OUT/$1.wasm"
}

build_one() {
  case "$1" in
    rust-hello-p2)  rust rust-hello-p2 rust-hello-p2 ;;
    rust-trap)      rust rust-trap rust-trap ;;
    rust-hello-p3)  rust rust-hello-p3 rust_hello_p3 ;;
    rust-stream-p3) rust rust-stream-p3 rust_stream_p3 ;;
    rust-pipe-p3)   rust rust-pipe-p3 rust_pipe_p3 ;;
    py-hello) (cd "$here/py-hello" && "$CPY" -d wit -w hello componentize app -o "$OUT/py-hello.wasm") ;;
    py-lib)   (cd "$here/py-lib" && "$CPY" -d wit -w greeter componentize app -o "$OUT/py-lib.wasm") ;;
    js-hello-p2) (cd "$here/js-hello-p2" && "$NODE_BIN/jco" componentize app.js --wit wit --world-name hello -d http fetch-event -o "$OUT/js-hello-p2.wasm") ;;
    js-hello-p3) (cd "$here/js-hello-p3" && "$NODE_BIN/componentize-qjs" --wit wit --world hello --js app.js -o "$OUT/js-hello-p3.wasm") ;;
    js-lib)      (cd "$here/js-lib" && "$NODE_BIN/jco" componentize app.js --wit wit --world-name greeter -d all -o "$OUT/js-lib.wasm") ;;
    *) echo "unknown fixture: $1" >&2; return 2 ;;
  esac
}

all=(rust-hello-p2 rust-trap rust-hello-p3 rust-stream-p3 rust-pipe-p3 py-hello py-lib js-hello-p2 js-hello-p3 js-lib)
for f in "${@:-${all[@]}}"; do
  start=$(date +%s.%N)
  build_one "$f"
  printf '%-16s %10s bytes  %6.1fs\n' "$f" "$(stat -c %s "$OUT/$f.wasm")" "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
done
