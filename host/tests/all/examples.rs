//! The runnable examples of `host/examples/`, run as a user would run them
//! (`cargo run -p wcomp-host --example NAME`) and checked for the output
//! that shows each did its job. `cargo test` builds the examples before
//! it runs the tests.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an example may take before the test fails.
const BOUND: Duration = Duration::from_secs(60);

/// Runs the example `name` with no arguments; returns its stdout.
fn run_example(name: &str) -> String {
    let path = example(name);
    let mut child = Command::new(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
    let started = Instant::now();
    while child.try_wait().expect("the example's status").is_none() {
        if started.elapsed() > BOUND {
            let _ = child.kill();
            panic!("the example `{name}` took longer than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("the example's output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the example `{name}` failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Where cargo put the example `name`: `target/<profile>/examples/`,
/// beside the `deps/` folder this test runs from.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps/");
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "the example `{name}` is not built at {}: run `cargo test -p wcomp-host` (which builds the examples), or `cargo build -p wcomp-host --examples` first",
        path.display()
    );
    path
}

#[test]
fn custom_import_runs_both_host_imports_with_per_store_state() {
    let out = run_example("custom_import");
    assert_eq!(
        out,
        "[plugin log #1] starting\n\
         [plugin log #2] hello from the embedder's map\n\
         guest.wasm exited with 0\n"
    );
}

#[test]
fn run_reads_the_granted_file() {
    let out = run_example("run");
    assert_eq!(out, "hello from a granted file\nguest.wasm exited with 0\n");
}

#[test]
fn invoke_shows_the_result_in_wave() {
    let out = run_example("invoke");
    assert_eq!(out, "area({width: 3.0, height: 4.5}) = 13.5\n");
}

#[test]
fn serve_answers_its_requests_and_stops() {
    let out = run_example("serve");
    for line in [
        "GET / HTTP/1.0 -> HTTP/1.0 200 OK: hello from rust-http-p3",
        "POST /echo HTTP/1.0 -> HTTP/1.0 200 OK: hello",
        "stopped after 2 requests",
    ] {
        assert!(out.lines().any(|l| l == line), "no `{line}` in:\n{out}");
    }
    assert_eq!(
        out.lines().filter(|l| l.starts_with("log: ")).count(),
        2,
        "{out}"
    );
}

#[test]
fn limits_stops_each_runaway_with_its_typed_error() {
    let out = run_example("limits");
    assert_eq!(
        out,
        "spin(): stopped by the timeout: timeout after 200ms\n\
         spin(): stopped by fuel: fuel limit of 10000000 reached\n\
         grow(): stopped by the memory limit: memory limit of 16 MiB reached\n"
    );
}

#[test]
fn run_written_against_wasmtime_itself_prints_the_same() {
    assert_eq!(run_example("run_raw_wasmtime"), run_example("run"));
}
