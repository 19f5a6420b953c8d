//! `--invoke` with futures and streams, on a fixture written in WAT with
//! the component model's async builtins: exports lifted `async` with a
//! callback, reading `future<T>` and `stream<u8>` arguments and writing a
//! `future<T>` result. Also where a stream's input cannot be read, and a
//! deadline that holds while the host waits on stdin.

use crate::support;

use std::sync::OnceLock;
use std::time::Duration;

use support::*;
use wcomp_host::{Limits, Loaded, RunError, RunOptions, Stdio};

const WORLD: &str = r#"
  export echo-future-u32: async func(x: future<u32>) -> u32;
  export echo-future-string: async func(x: future<string>) -> string;
  export later: async func(x: u32) -> future<u32>;
  export never: func() -> future<u32>;
  export count: async func(s: stream<u8>) -> u64;
  export sum: func(s: stream<u32>) -> u32;
  export wait: func(f: future);
"#;

/// The builtins every async export uses, and the intrinsics wit-component
/// provides for each function's futures and streams (named by function).
const IMPORTS: &str = r#"
  (import "$root" "[waitable-set-new]" (func $set-new (result i32)))
  (import "$root" "[waitable-join]" (func $join (param i32 i32)))

  (import "[export]$root" "[async-lower][future-read-0]echo-future-u32"
    (func $echo-future-u32-read (param i32 i32) (result i32)))
  (import "[export]$root" "[future-drop-readable-0]echo-future-u32"
    (func $echo-future-u32-drop (param i32)))
  (import "[export]$root" "[task-return]echo-future-u32"
    (func $echo-future-u32-return (param i32)))

  (import "[export]$root" "[async-lower][future-read-0]echo-future-string"
    (func $echo-future-string-read (param i32 i32) (result i32)))
  (import "[export]$root" "[future-drop-readable-0]echo-future-string"
    (func $echo-future-string-drop (param i32)))
  (import "[export]$root" "[task-return]echo-future-string"
    (func $echo-future-string-return (param i32 i32)))

  (import "[export]$root" "[future-new-0]later" (func $later-new (result i64)))
  (import "[export]$root" "[async-lower][future-write-0]later"
    (func $later-write (param i32 i32) (result i32)))
  (import "[export]$root" "[future-drop-writable-0]later" (func $later-drop (param i32)))
  (import "[export]$root" "[task-return]later" (func $later-return (param i32)))

  (import "[export]$root" "[future-new-0]never" (func $never-new (result i64)))
  (import "[export]$root" "[future-drop-writable-0]never" (func $never-drop (param i32)))

  (import "[export]$root" "[async-lower][stream-read-0]count"
    (func $count-read (param i32 i32 i32) (result i32)))
  (import "[export]$root" "[stream-drop-readable-0]count" (func $count-drop (param i32)))
  (import "[export]$root" "[task-return]count" (func $count-return (param i64)))
"#;

/// Callback codes: the task is done, or waits on a waitable set.
const SHARED: &str = r#"
  (func $wait-on (param $set i32) (result i32)
    (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))

  ;; `later`: returns a future, then writes `x` to it once the host reads.
  (global $later-writer (mut i32) (i32.const 0))
  (func (export "[async-lift]later") (param $x i32) (result i32)
    (local $pair i64) (local $set i32)
    (local.set $pair (call $later-new))
    (global.set $later-writer (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
    (call $later-return (i32.wrap_i64 (local.get $pair)))
    (i32.store (i32.const 4200) (local.get $x))
    (if (i32.ne (call $later-write (global.get $later-writer) (i32.const 4200)) (i32.const -1))
      (then (call $later-drop (global.get $later-writer)) (return (i32.const 0))))
    (local.set $set (call $set-new))
    (call $join (global.get $later-writer) (local.get $set))
    (call $wait-on (local.get $set)))
  (func (export "[callback][async-lift]later") (param i32 i32 i32) (result i32)
    (call $join (global.get $later-writer) (i32.const 0))
    (call $later-drop (global.get $later-writer))
    (i32.const 0))

  ;; `never`: drops its future's writer unwritten, which traps.
  (func (export "never") (result i32)
    (local $pair i64)
    (local.set $pair (call $never-new))
    (call $never-drop (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
    (i32.wrap_i64 (local.get $pair)))

  ;; `count`: reads the stream to its end and returns how many bytes came.
  (global $stream (mut i32) (i32.const 0))
  (global $stream-set (mut i32) (i32.const 0))
  (global $total (mut i64) (i64.const 0))
  (func $read-more (result i32)
    (call $count-read (global.get $stream) (i32.const 8192) (i32.const 8192)))
  (func (export "[async-lift]count") (param $s i32) (result i32)
    (global.set $stream (local.get $s))
    (global.set $stream-set (call $set-new))
    (call $join (local.get $s) (global.get $stream-set))
    (call $tally (call $read-more)))
  (func (export "[callback][async-lift]count") (param i32 i32 i32) (result i32)
    (call $tally (local.get 2)))
  ;; Adds up what each read delivered, until the writer is done.
  (func $tally (param $code i32) (result i32)
    (loop $again
      (if (i32.eq (local.get $code) (i32.const -1))
        (then (return (call $wait-on (global.get $stream-set)))))
      (global.set $total
        (i64.add (global.get $total)
          (i64.extend_i32_u (i32.shr_u (local.get $code) (i32.const 4)))))
      (if (i32.eq (i32.and (local.get $code) (i32.const 15)) (i32.const 1))
        (then
          (call $join (global.get $stream) (i32.const 0))
          (call $count-drop (global.get $stream))
          (call $count-return (global.get $total))
          (return (i32.const 0))))
      (local.set $code (call $read-more))
      (br $again))
    unreachable)

  ;; Never called: the host refuses their arguments first.
  (func (export "sum") (param i32) (result i32) unreachable)
  (func (export "wait") (param i32) unreachable)
"#;

/// `name`: awaits its `future` argument, read into `buffer`, and returns
/// the value, which `loads` takes from there.
fn future_echo(name: &str, buffer: u32, loads: &str) -> String {
    format!(
        r#"
  (global $fut-{name} (mut i32) (i32.const 0))
  (func (export "[async-lift]{name}") (param $f i32) (result i32)
    (global.set $fut-{name} (local.get $f))
    (call $settle-{name} (call ${name}-read (local.get $f) (i32.const {buffer}))))
  (func (export "[callback][async-lift]{name}") (param i32 i32 i32) (result i32)
    (call $join (global.get $fut-{name}) (i32.const 0))
    (call $settle-{name} (local.get 2)))
  ;; Returns the value once the read completed; waits for it otherwise.
  (func $settle-{name} (param $code i32) (result i32)
    (local $set i32)
    (if (i32.eq (local.get $code) (i32.const -1))
      (then
        (local.set $set (call $set-new))
        (call $join (global.get $fut-{name}) (local.get $set))
        (return (call $wait-on (local.get $set)))))
    (call ${name}-drop (global.get $fut-{name}))
    (call ${name}-return {loads})
    (i32.const 0))
"#
    )
}

/// The fixture, loaded once for every test of this file.
fn fixture() -> &'static Loaded {
    static FIXTURE: OnceLock<Loaded> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let body = [
            SHARED.to_owned(),
            future_echo("echo-future-u32", 4096, "(i32.load (i32.const 4096))"),
            future_echo(
                "echo-future-string",
                4104,
                "(i32.load (i32.const 4104)) (i32.load (i32.const 4108))",
            ),
        ]
        .concat();
        load("async.wasm", &component(WORLD, IMPORTS, &body))
    })
}

async fn results(call: &str, opts: &RunOptions) -> Vec<String> {
    let out = invoke_with(fixture(), call, opts)
        .await
        .unwrap_or_else(|e| panic!("{call}: {e:?}"));
    assert!(!out.failed && !out.stdout_taken, "{call}: {out:?}");
    out.results
}

async fn error(call: &str) -> RunError {
    invoke(fixture(), call).await.unwrap_err()
}

#[tokio::test]
async fn a_future_u32_argument_reaches_the_guest() {
    let got = results("echo-future-u32(42)", &RunOptions::default()).await;
    assert_eq!(got, ["42"]);
}

#[tokio::test]
async fn a_future_string_argument_reaches_the_guest() {
    let got = results(r#"echo-future-string("hi, there")"#, &RunOptions::default()).await;
    assert_eq!(got, [r#""hi, there""#]);
}

#[tokio::test]
async fn a_returned_future_is_awaited_and_shown() {
    assert_eq!(results("later(7)", &RunOptions::default()).await, ["7"]);
}

#[tokio::test]
async fn a_future_dropped_unwritten_traps_in_the_guest() {
    // Wasmtime 48 refuses to drop a future's writer before it is written.
    let s = stopped(error("never()").await);
    assert_eq!(s.function, "never");
    assert_eq!(
        s.reason,
        "cannot drop future write end without first writing a value"
    );
}

#[tokio::test]
async fn a_stream_argument_reads_stdin_to_its_end() {
    let stdin = Captured::new(b"hello");
    assert_eq!(results("count(-)", &stdin.opts).await, ["5"]);
}

#[tokio::test]
async fn a_stream_argument_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.bin");
    std::fs::write(&path, vec![7u8; 100_000]).unwrap();
    let call = format!("count(@{})", path.display());
    assert_eq!(results(&call, &RunOptions::default()).await, ["100000"]);
}

#[tokio::test]
async fn a_stream_from_a_missing_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.bin");
    let err = error(&format!("count(@{})", path.display())).await;
    let RunError::Input { path: at, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(at, &path);
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
}

#[tokio::test]
async fn a_stream_from_a_directory_says_it_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = error(&format!("count(@{})", dir.path().display())).await;
    let RunError::Input { path, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, dir.path());
    assert_eq!(source.to_string(), "it is a directory, not a regular file");
}

#[tokio::test]
async fn a_stream_of_other_than_bytes_cannot_be_given() {
    let r = refused(error("sum(@numbers.bin)").await);
    assert_eq!(r.message, "`s` is a stream of a type other than u8");
    assert_eq!(r.at, "@numbers.bin");
    assert!(
        r.help.starts_with("only `stream<u8>` arguments"),
        "{}",
        r.help
    );
}

#[tokio::test]
async fn a_stream_is_given_as_a_file_or_stdin() {
    let r = refused(error(r#"count("bytes")"#).await);
    assert_eq!(r.message, "`s` is a `stream<u8>`");
    assert_eq!(r.at, r#""bytes""#);
    assert!(
        r.help.contains("`@FILE`") && r.help.contains("`-`"),
        "{}",
        r.help
    );
}

#[tokio::test]
async fn a_future_without_a_payload_cannot_be_given() {
    let r = refused(error("wait(1)").await);
    assert_eq!(r.message, "`f` is a `future` without a value");
    assert_eq!(r.at, "1");
}

#[tokio::test]
async fn the_deadline_holds_while_the_host_waits_on_stdin() {
    // Stdin that never ends: its writer stays open and writes nothing.
    let (reader, _writer) = tokio::io::duplex(64);
    let opts = RunOptions::default()
        .with_stdio(Stdio::new(
            wasmtime_wasi::cli::AsyncStdinStream::new(reader),
            tokio::io::empty(),
            tokio::io::empty(),
        ))
        .with_limits(Limits::default().with_timeout(Duration::from_millis(300)));
    let call = invoke_with(fixture(), "count(-)", &opts);
    let err = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the run outlived its deadline by far")
        .unwrap_err();
    let s = stopped(err);
    assert_eq!(
        (s.component.as_str(), s.function.as_str(), s.reason.as_str()),
        ("async.wasm", "count", "timeout after 300ms")
    );
}
