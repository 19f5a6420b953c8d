#!/usr/bin/env bash
# Build every guest fixture (see BUILD.md) into $OUT (default target/test-guests).
# A Python or JS fixture whose files and toolchain are unchanged since its
# last build there is kept (its key is `$OUT/<fixture>.key`).
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

# What a Python or JS fixture's output depends on: its files (through the
# `wit/deps` links) and the installed toolchain's pinned versions. Rust
# fixtures need no key: cargo's own fingerprints make their rebuild a no-op.
engine_key() { # fixture stamp-folder
  {
    (cd "$here/$1" && find -L . -type f ! -path './target/*' ! -path '*/__pycache__/*' -print0 \
      | LC_ALL=C sort -z | xargs -0 sha256sum)
    cat "$WCOMP_HOME/$2/.wcomp-installed"
  } | sha256sum | cut -d' ' -f1
}

# Builds an engine fixture with `build` unless its output is there with the
# same key.
engine() { # fixture stamp-folder build-command...
  local name=$1 key
  key="$(engine_key "$1" "$2")"
  shift 2
  if [ -f "$OUT/$name.wasm" ] && [ "$(cat "$OUT/$name.key" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  rm -f "$OUT/$name.key"
  (cd "$here/$name" && "$@")
  echo "$key" >"$OUT/$name.key"
}

build_one() {
  case "$1" in
    rust-hello-p2)  rust rust-hello-p2 rust-hello-p2 ;;
    rust-trap)      rust rust-trap rust-trap ;;
    rust-hello-p3)  rust rust-hello-p3 rust_hello_p3 ;;
    rust-stream-p3) rust rust-stream-p3 rust_stream_p3 ;;
    rust-pipe-p3)   rust rust-pipe-p3 rust_pipe_p3 ;;
    rust-http-p2)   rust rust-http-p2 rust_http_p2 ;;
    rust-http-p3)   rust rust-http-p3 rust_http_p3 ;;
    py-hello) engine py-hello python "$CPY" -d wit -w hello componentize app -o "$OUT/py-hello.wasm" ;;
    py-lib)   engine py-lib python "$CPY" -d wit -w greeter componentize app -o "$OUT/py-lib.wasm" ;;
    js-hello-p2) engine js-hello-p2 js "$NODE_BIN/jco" componentize app.js --wit wit --world-name hello -d http fetch-event -o "$OUT/js-hello-p2.wasm" ;;
    js-hello-p3) engine js-hello-p3 js "$NODE_BIN/componentize-qjs" --wit wit --world hello --js app.js -o "$OUT/js-hello-p3.wasm" ;;
    js-lib)      engine js-lib js "$NODE_BIN/jco" componentize app.js --wit wit --world-name greeter -d all -o "$OUT/js-lib.wasm" ;;
    *) echo "unknown fixture: $1" >&2; return 2 ;;
  esac
}

all=(rust-hello-p2 rust-trap rust-hello-p3 rust-stream-p3 rust-pipe-p3 rust-http-p2 rust-http-p3 py-hello py-lib js-hello-p2 js-hello-p3 js-lib)
for f in "${@:-${all[@]}}"; do
  start=$(date +%s.%N)
  build_one "$f"
  printf '%-16s %10s bytes  %6.1fs\n' "$f" "$(stat -c %s "$OUT/$f.wasm")" "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
done
