//! How `wcomp compose` grows with the app: chains of 8, 16, 32 and 64
//! generated components (`c0` imports what `c1` exports, and so on), each
//! composed by the real binary. Run by `scripts/bench`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Component `i` of `n`: exports `bench:chain/link{i}`, and imports
/// `link{i+1}` unless it is the last.
fn link(i: usize, n: usize) -> String {
    let export = format!("bench:chain/link{i}@0.1.0");
    if i + 1 == n {
        return format!(
            r#"(component
  (core module $m (func (export "f") (result i32) i32.const {i}))
  (core instance $i (instantiate $m))
  (func $f (result u32) (canon lift (core func $i "f")))
  (instance $out (export "get" (func $f)))
  (export "{export}" (instance $out)))"#
        );
    }
    let import = format!("bench:chain/link{}@0.1.0", i + 1);
    format!(
        r#"(component
  (import "{import}" (instance $next (export "get" (func (result u32)))))
  (core func $next_get (canon lower (func $next "get")))
  (core module $m
    (import "next" "get" (func $get (result i32)))
    (func (export "f") (result i32) call $get i32.const 1 i32.add))
  (core instance $env (export "get" (func $next_get)))
  (core instance $i (instantiate $m (with "next" (instance $env))))
  (func $f (result u32) (canon lift (core func $i "f")))
  (instance $out (export "get" (func $f)))
  (export "{export}" (instance $out)))"#
    )
}

fn write_chain(dir: &Path, n: usize) {
    let mut manifest = String::from("[app]\nname = \"chain\"\nmain = \"c0\"\n");
    for i in 0..n {
        let wasm = wat::parse_str(link(i, n)).expect("valid WAT");
        std::fs::write(dir.join(format!("c{i}.wasm")), wasm).unwrap();
        manifest.push_str(&format!("\n[components.c{i}]\nwasm = \"c{i}.wasm\"\n"));
    }
    std::fs::write(dir.join("app.toml"), manifest).unwrap();
}

fn main() {
    let wcomp = env!("CARGO_BIN_EXE_wcomp");
    let mut previous: Option<(usize, f64)> = None;
    for n in [8, 16, 32, 64] {
        let tmp = tempfile::tempdir().unwrap();
        write_chain(tmp.path(), n);
        let mut times = Vec::new();
        for _ in 0..7 {
            let started = Instant::now();
            let status = Command::new(wcomp)
                .args(["compose", "-q"])
                .current_dir(tmp.path())
                .status()
                .unwrap();
            assert!(status.success());
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let growth = previous.map_or(String::new(), |(pn, pt)| {
            format!("  (x{:.2} time for x{} components)", median / pt, n / pn)
        });
        println!(
            "compose chain of {n:>2}: {median:7.1} ms, {:.2} ms per component{growth}",
            median / n as f64
        );
        previous = Some((n, median));
    }
}
