//! What the host's hermetic tests share: components built in the test from
//! a WIT world and a core module written in WAT (componentized by
//! wit-component, against the WASI WIT wcomp vendors), one host for the
//! test binary, and stdio captured in memory.
//!
//! No guest toolchain and no network: every fixture is text in the test.

#![allow(dead_code, reason = "not every group uses all of the support")]

use std::path::Path;
use std::sync::OnceLock;

use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wcomp_host::{Call, Host, Invocation, Loaded, RunError, RunOptions, Stdio};

#[path = "../../examples/guests/mod.rs"]
pub mod guests;

/// A component whose world is `world fixture { ... }` with `world_body`,
/// in package `test:fixture` with the vendored WASI in reach, implemented
/// by the core module `(module <imports> <MEMORY_AND_REALLOC> <body>)`.
pub fn component(world_body: &str, imports: &str, body: &str) -> Vec<u8> {
    let wit = format!("package test:fixture;\n\nworld fixture {{\n{world_body}\n}}\n");
    guests::component(&[&wit], "fixture", imports, body)
}

/// A component written directly in component-model WAT.
pub fn component_wat(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap_or_else(|e| panic!("component WAT:\n{wat}\n{e}"))
}

/// The host every test of a binary shares: no fuel, no code cache.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::builder().build().expect("a host"))
}

/// A host that counts fuel, for `--fuel`.
pub fn fuel_host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::builder().fuel(true).build().expect("a fuel host"))
}

/// A host whose compiled-code cache is at `dir`.
pub fn cached_host(dir: &Path) -> Host {
    Host::builder()
        .cache_dir(Some(dir.to_owned()))
        .build()
        .expect("a host with a cache")
}

/// Calls `answer()` on `loaded`, loaded into `host`, and checks it
/// returns 42 (the fixtures of the cache tests).
pub async fn assert_answers(host: &Host, loaded: &Loaded) {
    let invocation = invoke_on(host, loaded, "answer()", &RunOptions::default())
        .await
        .unwrap_or_else(|e| panic!("answer(): {e:?}"));
    assert_eq!(invocation.results, ["42"]);
}

/// Loads `bytes` as the component `name` into the shared host.
pub fn load(name: &str, bytes: &[u8]) -> Loaded {
    load_into(host(), name, bytes)
}

/// Loads `bytes` as the component `name` into `host`.
pub fn load_into(host: &Host, name: &str, bytes: &[u8]) -> Loaded {
    host.load_bytes(Path::new(name), bytes)
        .unwrap_or_else(|e| panic!("load `{name}`: {e:?}"))
}

/// Why loading `bytes` as `name` fails.
pub fn load_error(name: &str, bytes: &[u8]) -> RunError {
    match host().load_bytes(Path::new(name), bytes) {
        Ok(_) => panic!("`{name}` loaded, but it should not"),
        Err(e) => e,
    }
}

/// Run options whose stdin is `stdin` and whose stdout and stderr are kept
/// in memory, to read back after the run.
pub struct Captured {
    pub opts: RunOptions,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl Captured {
    pub fn new(stdin: &[u8]) -> Self {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let stderr = MemoryOutputPipe::new(1 << 20);
        let opts = RunOptions::default()
            .with_args(["fixture.wasm"])
            .with_stdio(Stdio::new(
                MemoryInputPipe::new(stdin.to_vec()),
                stdout.clone(),
                stderr.clone(),
            ));
        Captured {
            opts,
            stdout,
            stderr,
        }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.contents()).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

/// Calls `call` on `loaded`, loaded into `host`, under `opts`.
pub async fn invoke_on(
    host: &Host,
    loaded: &Loaded,
    call: &str,
    opts: &RunOptions,
) -> Result<Invocation, RunError> {
    let call = Call::parse(call).unwrap_or_else(|e| panic!("`{call}` parses: {e:?}"));
    host.invoke(loaded, &call, opts).await
}

/// Calls `call` on `loaded` under `opts`.
pub async fn invoke_with(
    loaded: &Loaded,
    call: &str,
    opts: &RunOptions,
) -> Result<Invocation, RunError> {
    invoke_on(host(), loaded, call, opts).await
}

/// Calls `call` on `loaded` with the default options.
pub async fn invoke(loaded: &Loaded, call: &str) -> Result<Invocation, RunError> {
    invoke_with(loaded, call, &RunOptions::default()).await
}

/// A call the host refused: its message, the text its span covers, the
/// span's label and the help.
#[derive(Debug)]
pub struct Refused {
    pub message: String,
    pub at: String,
    pub label: String,
    pub help: String,
}

/// The parts of a `RunError::BadCall`; panics on any other error.
pub fn refused(err: RunError) -> Refused {
    let RunError::BadCall(bad) = err else {
        panic!("expected a bad call: {err:?}")
    };
    let span = bad.span.offset()..bad.span.offset() + bad.span.len();
    Refused {
        at: bad.call[span].to_owned(),
        message: bad.message,
        label: bad.label,
        help: bad.help,
    }
}

/// Where and why a guest stopped: the parts of a `RunError::Trap`.
#[derive(Debug)]
pub struct Stopped {
    pub component: String,
    pub function: String,
    pub reason: String,
    pub help: String,
}

/// The parts of a `RunError::Trap`; panics on any other error.
pub fn stopped(err: RunError) -> Stopped {
    let RunError::Trap {
        component,
        function,
        reason,
        help,
        ..
    } = err
    else {
        panic!("expected a trap: {err:?}")
    };
    Stopped {
        component,
        function,
        reason,
        help,
    }
}
