//! Running components built from WAT in the test: exit codes and stdout of
//! WASI 0.2 and 0.3 commands, and every way a run can fail before or while
//! the guest runs, each checked for its variant and its words.

use crate::support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;
use std::time::Duration;

use support::*;
use wcomp_core::DecodeError;
use wcomp_host::{DirGrant, Host, Limits, RunError, RunOptions};

/// A WASI 0.2 command that may write to stdout and exit.
const P2_WORLD: &str = r#"
  import wasi:cli/exit@0.2.12;
  import wasi:cli/stdout@0.2.12;
  export wasi:cli/run@0.2.12;
"#;

const P2_IMPORTS: &str = r#"
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get-stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush"
    (func $write (param i32 i32 i32 i32)))
  (import "wasi:cli/exit@0.2.12" "exit" (func $exit (param i32)))
"#;

/// A WASI 0.2 command whose `run` is `body`; `call $hello` writes
/// "hello from wat\n" to stdout. `run` returns a `result`: 0 is ok, 1 err.
fn p2_command(body: &str) -> Vec<u8> {
    component(
        P2_WORLD,
        P2_IMPORTS,
        &format!(
            r#"
  (data (i32.const 16) "hello from wat\n")
  (func $hello
    (call $write (call $get-stdout) (i32.const 16) (i32.const 15) (i32.const 1024)))
  (func (export "wasi:cli/run@0.2.12#run") (result i32) {body})
"#
        ),
    )
}

/// A WASI 0.3 command: `run` is an async function lifted with a callback,
/// whose body ends by returning `result` through `$task-return`.
fn p3_command(body: &str) -> Vec<u8> {
    component(
        r#"
  import wasi:cli/exit@0.3.0;
  export wasi:cli/run@0.3.0;
"#,
        r#"
  (import "wasi:cli/exit@0.3.0" "exit-with-code" (func $exit-with-code (param i32)))
  (import "[export]wasi:cli/run@0.3.0" "[task-return]run" (func $task-return (param i32)))
"#,
        &format!(
            r#"
  (func (export "[async-lift]wasi:cli/run@0.3.0#run") (result i32)
    {body}
    (i32.const 0) ;; exit: the task is done
  )
  (func (export "[callback][async-lift]wasi:cli/run@0.3.0#run")
    (param i32 i32 i32) (result i32)
    unreachable)
"#
        ),
    )
}

/// Functions that stop only when a limit stops them.
fn runaway() -> Vec<u8> {
    component(
        r#"
  export spin: func();
  export grow: func();
"#,
        "",
        r#"
  (func (export "spin") (loop $forever (br $forever)))
  (func (export "grow")
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1)))))
"#,
    )
}

async fn run(name: &str, bytes: &[u8], opts: &RunOptions) -> Result<i32, RunError> {
    host().run_command(&load(name, bytes), opts).await
}

/// Runs a command with captured stdio and returns its exit code and stdout.
async fn run_captured(name: &str, bytes: &[u8]) -> (i32, String) {
    let out = Captured::new(b"");
    let code = run(name, bytes, &out.opts)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    (code, out.stdout())
}

#[tokio::test]
async fn p2_run_ok_exits_0_with_its_stdout() {
    let (code, stdout) = run_captured("hello.wasm", &p2_command("call $hello i32.const 0")).await;
    assert_eq!((code, stdout.as_str()), (0, "hello from wat\n"));
}

#[tokio::test]
async fn p2_run_err_exits_1() {
    let (code, stdout) = run_captured("fail.wasm", &p2_command("call $hello i32.const 1")).await;
    assert_eq!((code, stdout.as_str()), (1, "hello from wat\n"));
}

#[tokio::test]
async fn p2_exit_ok_and_err_are_0_and_1() {
    for (status, want) in [(0, 0), (1, 1)] {
        let body = format!("call $hello (call $exit (i32.const {status})) unreachable");
        let (code, stdout) = run_captured("exit.wasm", &p2_command(&body)).await;
        assert_eq!((code, stdout.as_str()), (want, "hello from wat\n"));
    }
}

#[tokio::test]
async fn p3_run_ok_and_err_are_0_and_1() {
    for (status, want) in [(0, 0), (1, 1)] {
        let body = format!("(call $task-return (i32.const {status}))");
        let (code, _) = run_captured("p3.wasm", &p3_command(&body)).await;
        assert_eq!(code, want);
    }
}

#[tokio::test]
async fn p3_exit_with_code_passes_the_code_through() {
    let command = p3_command("(call $exit-with-code (i32.const 7)) unreachable");
    let (code, _) = run_captured("p3-exit.wasm", &command).await;
    assert_eq!(code, 7);
}

#[test]
fn decode_rejects_what_is_not_wasm() {
    let err = load_error("notes.txt", b"not wasm");
    let RunError::Decode(DecodeError::NotWasm { path, prefix }) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (path.to_str(), prefix.as_str()),
        (Some("notes.txt"), "6e 6f 74 20")
    );
}

#[test]
fn decode_rejects_a_core_module() {
    let err = load_error("core.wasm", &component_wat("(module)"));
    assert!(
        matches!(&err, RunError::Decode(DecodeError::CoreModule { path }) if path == Path::new("core.wasm")),
        "{err:?}"
    );
}

#[test]
fn decode_rejects_a_truncated_component() {
    let whole = p2_command("i32.const 0");
    let err = load_error("cut.wasm", &whole[..whole.len() / 2]);
    let RunError::Decode(DecodeError::Invalid {
        offset, message, ..
    }) = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(message, "unexpected end-of-file");
    assert!(offset <= whole.len() / 2, "offset {offset:#x}");
}

thread_local! {
    /// Bytes this thread has asked the allocator for.
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting what each thread asks for, so that a
/// test can bound what one call costs.
struct Counting;

impl Counting {
    fn count(size: usize) {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + size as u64));
    }
}

// SAFETY: every call is passed to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Counting::count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Counting::count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Counting::count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn decode_rejects_a_lying_section_size_without_allocating_it() {
    // A component header, then a custom section claiming 4 GiB, then ten bytes.
    let mut lying = vec![
        0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f,
    ];
    lying.extend_from_slice(b"xxxxxxxxxx");
    assert_eq!(lying.len(), 24);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lying.wasm");
    std::fs::write(&path, &lying).unwrap();

    let before = ALLOCATED.with(Cell::get);
    let err = host().load(&path).map(drop).unwrap_err();
    let allocated = ALLOCATED.with(Cell::get) - before;

    let RunError::Decode(DecodeError::Invalid { path: at, .. }) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(at, &path);
    assert!(allocated < 1 << 20, "loading allocated {allocated} bytes");
}

/// A component holding a component holding ... `depth` levels down, the
/// innermost empty, written section by section.
fn nested(depth: usize) -> Vec<u8> {
    let mut component = wasm_encoder::Component::new();
    for _ in 0..depth {
        let mut outer = wasm_encoder::Component::new();
        outer.section(&wasm_encoder::NestedComponentSection(&component));
        component = outer;
    }
    component.finish()
}

#[test]
fn decode_rejects_components_nested_too_deep_before_compiling_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.wasm");
    std::fs::write(&path, nested(10_000)).unwrap();

    let before = ALLOCATED.with(Cell::get);
    let err = host().load(&path).map(drop).unwrap_err();
    let allocated = ALLOCATED.with(Cell::get) - before;

    let RunError::Decode(DecodeError::TooDeep {
        path: at,
        depth,
        limit,
    }) = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (at, *depth, *limit),
        (&path, 1001, wcomp_core::decode::MAX_NESTING)
    );
    assert!(allocated < 8 << 20, "loading allocated {allocated} bytes");
    let shown = err.to_string();
    assert!(
        shown.contains("deep.wasm") && shown.contains("1001 levels"),
        "{shown}"
    );

    let err = load_error("deep.wasm", &nested(1_100));
    assert!(
        matches!(
            err,
            RunError::Decode(DecodeError::TooDeep { depth: 1001, .. })
        ),
        "{err:?}"
    );
    load("nested.wasm", &nested(50));
}

#[test]
fn missing_imports_are_listed_with_how_to_provide_them() {
    let err = load_error(
        "needs.wasm",
        &component_wat(
            r#"(component
                (import "test:missing/thing@1.0.0"
                    (instance (export "get" (func (result u32))))))"#,
        ),
    );
    let RunError::MissingImports {
        component,
        missing,
        help,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(component, "needs.wasm");
    assert_eq!(missing, "  import test:missing/thing@1.0.0;");
    assert!(help.contains("compose the component"), "{help}");
}

#[test]
fn a_wasi_release_candidate_import_asks_for_a_rebuild() {
    let err = load_error(
        "rc.wasm",
        &component_wat(
            r#"(component
                (import "wasi:cli/environment@0.3.0-rc-2025-09-16"
                    (instance (export "get-arguments" (func (result (list string)))))))"#,
        ),
    );
    let RunError::MissingImports { missing, help, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        missing,
        "  import wasi:cli/environment@0.3.0-rc-2025-09-16;"
    );
    assert!(
        help.starts_with("WASI release candidates match only themselves; rebuild the guest"),
        "{help}"
    );
    assert!(
        help.contains(
            "the host has `wasi:cli/environment@0.2.12` and `wasi:cli/environment@0.3.0`"
        ),
        "{help}"
    );
    assert!(!help.contains("compose"), "{help}");
}

#[test]
fn an_import_of_the_wrong_type_fails_to_link() {
    let err = load_error(
        "mistyped.wasm",
        &component_wat(
            r#"(component
                (import "wasi:cli/environment@0.2.0"
                    (instance (export "get-arguments" (func (result u32))))))"#,
        ),
    );
    let RunError::Link { component, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(component, "mistyped.wasm");
    let chain = error_chain(source.as_ref());
    assert!(
        chain.contains("instance export `get-arguments` has the wrong type"),
        "{chain}"
    );
}

#[test]
fn a_component_this_wasmtime_cannot_compile_is_named() {
    // Valid to wasm-tools, but Wasmtime is built without threads.
    let err = load_error(
        "shared.wasm",
        &component_wat("(component (core module (memory 1 1 shared)))"),
    );
    let RunError::Compile { component, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(component, "shared.wasm");
    let chain = error_chain(source.as_ref());
    assert!(
        chain.contains("threads must be enabled for shared memories"),
        "{chain}"
    );
}

/// An error and its sources, one per line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        out.push('\n');
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}

#[tokio::test]
async fn a_prerelease_command_is_named_with_its_version() {
    let command = component_wat(
        r#"(component
            (core module $m (func (export "run") (result i32) (i32.const 0)))
            (core instance $i (instantiate $m))
            (func $run (result (result)) (canon lift (core func $i "run")))
            (instance $run (export "run" (func $run)))
            (export "wasi:cli/run@0.3.0-rc-2025-09-16" (instance $run)))"#,
    );
    let err = run("rc-command.wasm", &command, &RunOptions::default())
        .await
        .unwrap_err();
    let RunError::PrereleaseCommand { component, wanted } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (component.as_str(), wanted.as_str()),
        ("rc-command.wasm", "0.3.0-rc-2025-09-16")
    );
}

#[tokio::test]
async fn a_library_is_not_a_command_and_its_exports_are_listed() {
    let library = component(
        r#"
  export greet: func(name: string) -> string;
  export add: func(a: u32, b: u32) -> u32;
"#,
        "",
        r#"
  (func (export "greet") (param i32 i32) (result i32) unreachable)
  (func (export "add") (param i32 i32) (result i32) unreachable)
"#,
    );
    let err = run("lib.wasm", &library, &RunOptions::default())
        .await
        .unwrap_err();
    let RunError::NotACommand {
        component,
        example,
        exports,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(component, "lib.wasm");
    assert_eq!(example, "greet(...)");
    assert_eq!(exports, "  greet\n  add");
}

#[tokio::test]
async fn a_directory_grant_that_does_not_exist_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let absent = tmp.path().join("absent");
    let mut opts = RunOptions::default();
    opts.grants
        .dirs
        .push(DirGrant::read_write(&absent, "/data"));
    let err = run("hello.wasm", &p2_command("i32.const 0"), &opts)
        .await
        .unwrap_err();
    let RunError::Grant { dir, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(dir, &absent);
    let chain = error_chain(source.as_ref());
    assert!(chain.contains("No such file or directory"), "{chain}");
}

#[tokio::test]
async fn unreachable_traps_with_the_function_and_a_backtrace() {
    let err = run(
        "crash.wasm",
        &p2_command("unreachable"),
        &RunOptions::default(),
    )
    .await
    .unwrap_err();
    let s = stopped(err);
    assert_eq!(s.component, "crash.wasm");
    assert_eq!(s.function, "wasi:cli/run@0.2#run");
    assert_eq!(s.reason, "wasm `unreachable` instruction executed");
    assert!(s.help.contains("wasm backtrace:"), "{}", s.help);
}

/// Calls `call` on the runaway fixture under `limits`, in `host`.
async fn runaway_under(host: &wcomp_host::Host, call: &str, limits: Limits) -> RunError {
    let loaded = load_into(host, "runaway.wasm", &runaway());
    let opts = RunOptions::default().with_limits(limits);
    invoke_on(host, &loaded, call, &opts).await.unwrap_err()
}

#[tokio::test]
async fn a_timeout_stops_a_spinning_guest() {
    let limits = Limits::default().with_timeout(Duration::from_millis(200));
    let s = stopped(runaway_under(host(), "spin()", limits).await);
    assert_eq!(s.component, "runaway.wasm");
    assert_eq!(s.function, "spin");
    assert_eq!(s.reason, "timeout after 200ms");
    assert!(
        s.help.starts_with("raise it with `--timeout`"),
        "{}",
        s.help
    );
}

#[tokio::test]
async fn max_memory_stops_a_growing_guest() {
    let limits = Limits::default().with_max_memory(1 << 20);
    let s = stopped(runaway_under(host(), "grow()", limits).await);
    assert_eq!(s.function, "grow");
    assert_eq!(s.reason, "memory limit of 1 MiB reached");
    assert!(
        s.help.starts_with("raise it with `--max-memory`"),
        "{}",
        s.help
    );
}

#[tokio::test]
async fn fuel_stops_a_spinning_guest() {
    let limits = Limits::default().with_fuel(100_000);
    let s = stopped(runaway_under(fuel_host(), "spin()", limits).await);
    assert_eq!(s.function, "spin");
    assert_eq!(s.reason, "fuel limit of 100000 reached");
    assert!(s.help.starts_with("raise it with `--fuel`"), "{}", s.help);
}

#[tokio::test]
async fn a_fuel_limit_needs_a_host_built_with_fuel() {
    let limits = Limits::default().with_fuel(100_000);
    let err = runaway_under(host(), "spin()", limits).await;
    assert_refused_for_want_of(&err, "`HostBuilder::fuel`");
}

/// `err` refuses the runaway guest's store, naming the builder `setting`
/// the host lacks.
fn assert_refused_for_want_of(err: &RunError, setting: &str) {
    let RunError::Store { component, source } = err else {
        panic!("{err:?}")
    };
    assert_eq!(component, "runaway.wasm");
    assert!(source.to_string().contains(setting), "{source}");
}

#[tokio::test]
async fn a_timeout_needs_a_host_built_with_timeouts() {
    let untimed = Host::builder().timeouts(false).build().unwrap();
    assert!(!untimed.timeouts());
    let limits = Limits::default().with_timeout(Duration::from_millis(200));
    let err = runaway_under(&untimed, "spin()", limits).await;
    assert_refused_for_want_of(&err, "`HostBuilder::timeouts`");
}

#[tokio::test]
async fn a_host_without_timeouts_runs_guests() {
    let untimed = Host::builder().timeouts(false).build().unwrap();
    let loaded = load_into(
        &untimed,
        "hello.wasm",
        &p2_command("call $hello i32.const 0"),
    );
    let out = Captured::new(b"");
    assert_eq!(untimed.run_command(&loaded, &out.opts).await.unwrap(), 0);
    assert_eq!(out.stdout(), "hello from wat\n");
}

#[tokio::test]
async fn a_fuel_host_runs_stores_without_a_fuel_limit() {
    let loaded = load_into(
        fuel_host(),
        "hello.wasm",
        &p2_command("call $hello i32.const 0"),
    );
    let out = Captured::new(b"");
    let code = fuel_host().run_command(&loaded, &out.opts).await;
    assert_eq!(code.unwrap(), 0);
    assert_eq!(out.stdout(), "hello from wat\n");
}

#[tokio::test]
async fn a_component_loaded_by_another_host_is_refused() {
    let other = Host::builder().build().unwrap();
    let loaded = load_into(&other, "elsewhere.wasm", &p2_command("i32.const 0"));
    let err = host()
        .run_command(&loaded, &RunOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RunError::OtherHost { component } if component == "elsewhere.wasm"),
        "{err:?}"
    );
}

#[test]
fn an_embedder_import_that_shadows_wasi_is_refused_when_the_host_is_built() {
    let built = Host::builder()
        .link(|linker| {
            linker
                .instance("wasi:cli/stdout@0.2.12")?
                .func_wrap("get-stdout", |_, (): ()| Ok((0u32,)))
        })
        .build();
    let Err(err) = built else {
        panic!("a host was built with wasi:cli/stdout defined twice")
    };
    assert!(matches!(err, RunError::Imports { .. }), "{err:?}");
}
