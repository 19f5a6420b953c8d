//! Profiles of a run: a guest that computes for a bounded while is
//! sampled, its profile parses as the Firefox Profiler's JSON and names
//! the functions of its name section, and its unnamed core module by its
//! place; a trap or a timeout still leaves a profile; an unwritable path
//! is named in the error.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use support::*;
use wcomp_host::profile::{Profile, ProfileError, Profiler};
use wcomp_host::{Host, Limits, RunError, RunOptions};

/// The busy loop: `$work` calls `$spin-for`, which reads the monotonic
/// clock until 100 ms have passed (long enough for several ticks, whatever
/// the machine's speed).
const BUSY: &str = r#"
  (func $spin-for (param $nanos i64)
    (local $until i64)
    (local.set $until (i64.add (call $now) (local.get $nanos)))
    (loop $more
      (br_if $more (i64.lt_u (call $now) (local.get $until)))))
  (func $work
    (call $spin-for (i64.const 100000000)))
"#;

/// A WASI 0.2 command whose `run` calls `$work`, then `tail`.
fn busy_command(tail: &str) -> Vec<u8> {
    component(
        r#"
  import wasi:clocks/monotonic-clock@0.2.12;
  export wasi:cli/run@0.2.12;
"#,
        r#"
  (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $now (result i64)))
"#,
        &format!(
            r#"{BUSY}
  (func $run (export "wasi:cli/run@0.2.12#run") (result i32)
    (call $work)
    {tail})
"#
        ),
    )
}

/// A component exporting `run: func()`, which calls `$work`.
fn busy_library() -> Vec<u8> {
    component(
        r#"
  import wasi:clocks/monotonic-clock@0.2.12;
  export run: func();
"#,
        r#"
  (import "wasi:clocks/monotonic-clock@0.2.12" "now" (func $now (result i64)))
"#,
        &format!(
            r#"{BUSY}
  (func $run (export "run") (call $work))
"#
        ),
    )
}

/// The same loop in a WASI 0.3 command, run concurrently: `run` is an
/// async function lifted with a callback, which returns through
/// `$task-return`.
fn busy_p3_command() -> Vec<u8> {
    component(
        r#"
  import wasi:clocks/monotonic-clock@0.3.0;
  export wasi:cli/run@0.3.0;
"#,
        r#"
  (import "wasi:clocks/monotonic-clock@0.3.0" "now" (func $now (result i64)))
  (import "[export]wasi:cli/run@0.3.0" "[task-return]run" (func $task-return (param i32)))
"#,
        &format!(
            r#"{BUSY}
  (func $run (export "[async-lift]wasi:cli/run@0.3.0#run") (result i32)
    (call $work)
    (call $task-return (i32.const 0))
    (i32.const 0))
  (func (export "[callback][async-lift]wasi:cli/run@0.3.0#run")
    (param i32 i32 i32) (result i32)
    unreachable)
"#
        ),
    )
}

/// Runs `bytes` with a profiler and `limits` (as a command, or by
/// invoking `call`); returns the run's outcome and the profile.
async fn profiled_call(
    bytes: &[u8],
    limits: Limits,
    call: Option<&str>,
) -> (Result<i32, RunError>, Profile) {
    let profiler = Arc::new(Profiler::new());
    let opts = RunOptions::default()
        .with_limits(limits)
        .with_profiler(profiler.clone());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("busy.wasm");
    std::fs::write(&path, bytes).expect("the component written");
    let loaded = host().load_for_profile(&path).expect("busy.wasm loads");
    let outcome = match call {
        Some(call) => invoke_on(host(), &loaded, call, &opts).await.map(|_| 0),
        None => host().run_command(&loaded, &opts).await,
    };
    let profile = profiler
        .finish()
        .expect("a profile that encodes")
        .expect("a run was profiled");
    (outcome, profile)
}

/// Runs the command `bytes` with a profiler and `limits`.
async fn profiled(bytes: &[u8], limits: Limits) -> (Result<i32, RunError>, Profile) {
    profiled_call(bytes, limits, None).await
}

/// Checks the profile parses as the Firefox Profiler's JSON, has samples,
/// and names the functions on the sampled stacks by their `$names`.
fn check_profile(profile: &Profile) {
    assert!(profile.samples > 0, "no samples");
    let json: serde_json::Value =
        serde_json::from_slice(&profile.json).expect("the profile is JSON");
    assert_eq!(json["meta"]["product"], "busy.wasm");
    assert_eq!(json["meta"]["interval"], 10.0, "one sample per tick");
    // The core module has no name of its own: it is named by its place.
    let libs: Vec<&str> = json["libs"]
        .as_array()
        .expect("libs")
        .iter()
        .filter_map(|lib| lib["name"].as_str())
        .collect();
    assert_eq!(libs, ["busy.wasm/module 0"]);
    let [thread] = json["threads"].as_array().expect("threads").as_slice() else {
        panic!("one thread: {json}")
    };
    assert!(thread["samples"]["length"].as_u64() > Some(0), "{thread}");
    let strings = &thread["stringArray"];
    let functions: Vec<&str> = thread["funcTable"]["name"]
        .as_array()
        .expect("function names")
        .iter()
        .filter_map(|index| strings[index.as_u64()? as usize].as_str())
        .collect();
    for function in ["run", "work", "spin-for"] {
        assert!(
            functions.contains(&function),
            "no `{function}` in {functions:?}"
        );
    }
}

#[tokio::test]
async fn a_run_is_sampled_with_the_names_of_its_functions() {
    let (outcome, profile) = profiled(&busy_command("(i32.const 0)"), Limits::default()).await;
    assert_eq!(outcome.expect("the run succeeds"), 0);
    check_profile(&profile);
}

#[tokio::test]
async fn a_concurrent_run_is_sampled_too() {
    let (outcome, profile) = profiled(&busy_p3_command(), Limits::default()).await;
    assert_eq!(outcome.expect("the run succeeds"), 0);
    check_profile(&profile);
}

#[tokio::test]
async fn an_invoked_function_is_sampled_too() {
    let (outcome, profile) = profiled_call(&busy_library(), Limits::default(), Some("run()")).await;
    outcome.expect("the call succeeds");
    check_profile(&profile);
}

#[tokio::test]
async fn a_trapping_run_still_leaves_a_profile() {
    let (outcome, profile) = profiled(&busy_command("unreachable"), Limits::default()).await;
    let s = stopped(outcome.expect_err("the guest traps"));
    assert!(s.reason.contains("unreachable"), "{}", s.reason);
    check_profile(&profile);
}

#[tokio::test]
async fn a_profiled_run_still_times_out() {
    // Sampling and the timeout share the epoch callback: the guest spins
    // for 100 ms at a time, forever, and the timeout must still stop it.
    let forever = busy_command("(loop $again (call $work) (br $again)) (i32.const 0)");
    let limits = Limits::default().with_timeout(Duration::from_millis(300));
    let (outcome, profile) = profiled(&forever, limits).await;
    let s = stopped(outcome.expect_err("the timeout stops the guest"));
    assert_eq!(s.reason, "timeout after 300ms");
    check_profile(&profile);
}

#[tokio::test]
async fn an_unwritable_profile_path_is_named() {
    let (_, profile) = profiled(&busy_command("(i32.const 0)"), Limits::default()).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A path under a regular file cannot be created, whoever runs the test.
    let file = dir.path().join("file");
    std::fs::write(&file, b"").expect("a file");
    let path = file.join("run.json");
    let err = profile.write(&path).expect_err("the write fails");
    assert!(matches!(err, ProfileError::Write(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("cannot write `{}`", path.display())
    );
}

#[tokio::test]
async fn nothing_is_profiled_before_a_run() {
    let profiler = Profiler::new();
    assert_eq!(profiler.samples(), 0);
    assert!(profiler.finish().expect("no encoding").is_none());
}

#[tokio::test]
async fn a_profile_needs_a_host_built_with_timeouts() {
    // Samples are taken at the epoch checks that timeouts compile in.
    let untimed = Host::builder()
        .timeouts(false)
        .build()
        .expect("a host without timeouts");
    let loaded = load_into(&untimed, "busy.wasm", &busy_command("(i32.const 0)"));
    let profiler = Arc::new(Profiler::new());
    let opts = RunOptions::default().with_profiler(profiler.clone());
    let err = untimed
        .run_command(&loaded, &opts)
        .await
        .expect_err("refused");
    let RunError::Store { component, source } = err else {
        panic!("{err:?}")
    };
    assert_eq!(component, "busy.wasm");
    assert!(
        source.to_string().contains("`HostBuilder::timeouts`"),
        "{source}"
    );
    assert!(profiler.finish().expect("no encoding").is_none());
}
