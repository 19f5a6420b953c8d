//! Running cases: each target composed and compiled once, then every case
//! in a fresh store and instance of it, with its own stdio in memory, its
//! own grants and limits, in parallel.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wcomp_compose::App;
use wcomp_core::names::{did_you_mean, plug_matches};
use wcomp_host::{DirGrant, Grants, Host, Limits, Loaded, RunError, RunOptions, Stdio};

use super::components;
use super::http::{self, Served};
use super::intercept::{Answers, Recorded, same_arguments};
use super::spec::{Case, DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, Expected, Run};
use super::target;

/// How a case ended.
#[derive(Debug, Clone)]
pub enum Status {
    Passed,
    /// Passed after `--update` wrote its snapshots.
    Updated(Vec<PathBuf>),
    /// Failed; what differs, for a person.
    Failed(String),
}

/// One case's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    /// The case's place among the cases run.
    pub order: usize,
    pub file: PathBuf,
    pub name: String,
    pub status: Status,
    pub time: Duration,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        !matches!(self.status, Status::Failed(_))
    }
}

/// How cases are run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Write snapshots that are missing or differ, instead of failing.
    pub update: bool,
    /// How many cases run at once.
    pub jobs: usize,
    /// Only the cases a test component lists whose `file: name` contains
    /// this (the others are filtered when they are found).
    pub filter: Option<String>,
    /// The limits of a case that sets none itself (then the defaults,
    /// [`DEFAULT_TIMEOUT`] and [`DEFAULT_MAX_MEMORY`]).
    pub limits: Limits,
}

/// Most bytes of stdout or stderr kept of one case.
const OUTPUT_CAPACITY: usize = 16 << 20;

/// Runs `cases` of `app` on `host`; `done` sees each outcome as it comes.
pub fn run_all(
    host: Arc<Host>,
    app: &App,
    cases: Vec<Case>,
    opts: &Options,
    mut done: impl FnMut(&Outcome),
) -> miette::Result<Vec<Outcome>> {
    let scratch =
        target::scratch_dir().map_err(|e| miette::miette!("cannot make a scratch folder: {e}"))?;
    let groups = by_target(cases);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))?;
    let jobs = Arc::new(tokio::sync::Semaphore::new(opts.jobs.max(1)));
    let mut outcomes = Vec::new();
    let mut record = |outcome: Outcome| {
        done(&outcome);
        outcomes.push(outcome);
    };
    let mut tasks = tokio::task::JoinSet::new();
    let mut servers: Vec<Served> = Vec::new();
    for cases in groups {
        let started = Instant::now();
        match load_target(&host, app, &cases, scratch.path(), &opts.limits, &runtime) {
            Ok((compiled, served)) => {
                servers.extend(served);
                for case in cases {
                    let listed = match &case.run {
                        Run::Listed => match runtime.block_on(list(&compiled, &case, opts)) {
                            Ok(listed) => listed,
                            Err(why) => {
                                record(outcome(&case, Status::Failed(why), started));
                                continue;
                            }
                        },
                        _ => vec![case],
                    };
                    for case in listed {
                        let task = run_one(case, compiled.clone(), jobs.clone(), opts.clone());
                        tasks.spawn_on(task, runtime.handle());
                    }
                }
            }
            Err(report) => {
                // Bad input fails the cases that share it, with the
                // diagnostic; the other cases still run.
                let why = format!("{report:?}");
                for case in cases {
                    record(outcome(&case, Status::Failed(why.clone()), started));
                }
            }
        }
    }
    runtime.block_on(join_all(tasks, servers, &mut record))?;
    runtime.shutdown_background();
    // Reported in the order the files list them, whatever order they ended
    // in; a test component's cases, in the order it lists them.
    outcomes.sort_by_key(|o| o.order);
    Ok(outcomes)
}

/// The cases the test component of `listing` lists (those `opts.filter`
/// keeps), asked in an instance of its own; or why they could not be.
async fn list(compiled: &Compiled, listing: &Case, opts: &Options) -> Result<Vec<Case>, String> {
    let call = wcomp_host::Call::parse("list-cases()").map_err(|e| format!("{e:?}"))?;
    let run_opts = RunOptions::default()
        .with_args([compiled.loaded.name.clone()])
        .with_limits(limits(listing, opts.limits));
    let invocation = compiled
        .host
        .invoke(&compiled.loaded, &call, &run_opts)
        .await
        .map_err(|e| format!("`list-cases` failed: {:?}", miette::Report::new(e)))?;
    let names = components::names(&invocation.results).map_err(|e| format!("{e:?}"))?;
    let mut cases = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut case = components::listed(listing, name).map_err(|e| format!("{e:?}"))?;
        case.order = listing.order * 10_000 + i;
        if opts
            .filter
            .as_deref()
            .is_none_or(|f| super::case_id(&case).contains(f))
        {
            cases.push(case);
        }
    }
    Ok(cases)
}

/// `cases` grouped by the target they run on (one composition and one
/// compile each), in the order each target first appears.
fn by_target(cases: Vec<Case>) -> Vec<Vec<Case>> {
    let mut groups: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut order = Vec::new();
    for case in cases {
        let key = target::key(&case);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(case);
    }
    order
        .into_iter()
        .map(|key| groups.remove(&key).unwrap_or_default())
        .collect()
}

/// Composes and compiles the target `cases` share; when any of them is a
/// request case, also starts a server of its own instances for those
/// (whose address the result holds).
fn load_target(
    host: &Arc<Host>,
    app: &App,
    cases: &[Case],
    scratch: &Path,
    limits: &Limits,
    runtime: &tokio::runtime::Runtime,
) -> miette::Result<(Compiled, Option<Served>)> {
    let t = target::build(app, &cases[0], scratch)?;
    // Mocks that match or record arguments need every call between the
    // target's components to cross the host.
    let linked = cases.iter().any(Case::intercepted);
    let load = || {
        let path = Path::new(&t.name);
        let loaded = match linked {
            true => host.load_decomposed_bytes(path, &t.bytes),
            false => host.load_bytes(path, &t.bytes),
        };
        loaded.map_err(miette::Report::new)
    };
    let loaded = Arc::new(load()?);
    let shared = cases.iter().any(shares_a_server);
    let served = match shared {
        true => Some(Served::start(
            host.clone(),
            loaded.clone(),
            http::options(request_limits(limits)),
            runtime.handle(),
        )?),
        false => None,
    };
    let compiled = Compiled {
        host: host.clone(),
        loaded,
        addr: served.as_ref().map(|s| s.addr),
    };
    Ok((compiled, served))
}

/// A compiled target, shared by the cases that run on it.
#[derive(Clone)]
struct Compiled {
    host: Arc<Host>,
    loaded: Arc<Loaded>,
    /// The server of its request cases, if it has any.
    addr: Option<std::net::SocketAddr>,
}

/// Runs one case once one of the `jobs` is free: a request case against
/// its target's server, any other in an instance of its own.
async fn run_one(
    case: Case,
    compiled: Compiled,
    jobs: Arc<tokio::sync::Semaphore>,
    opts: Options,
) -> Outcome {
    let Options { update, limits, .. } = opts;
    let _permit = jobs.acquire_owned().await;
    let started = Instant::now();
    let status = match (&case.run, compiled.addr) {
        (Run::Request { .. }, Some(addr)) if shares_a_server(&case) => {
            request_case(addr, &case, update).await
        }
        (Run::Request { .. }, _) => recorded_request_case(&compiled, &case, limits, update).await,
        _ => run_case(&compiled.host, &compiled.loaded, &case, limits, update).await,
    };
    outcome(&case, status, started)
}

/// Waits for every spawned case, handing each outcome to `record`, then
/// stops the servers.
async fn join_all(
    mut tasks: tokio::task::JoinSet<Outcome>,
    servers: Vec<Served>,
    record: &mut impl FnMut(Outcome),
) -> miette::Result<()> {
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => record(outcome),
            Err(e) => return Err(miette::miette!("a test case panicked: {e}")),
        }
    }
    for served in servers {
        served.stop().await;
    }
    Ok(())
}

fn outcome(case: &Case, status: Status, started: Instant) -> Outcome {
    Outcome {
        id: super::case_id(case),
        order: case.order,
        file: case.file.clone(),
        name: case.name.clone(),
        status,
        time: started.elapsed(),
    }
}

/// The failures of one case, collected, so that all of them are shown.
#[derive(Default)]
struct Check {
    failures: Vec<String>,
    updated: Vec<PathBuf>,
}

impl Check {
    fn fail(&mut self, message: impl Into<String>) {
        self.failures.push(message.into());
    }

    fn status(self) -> Status {
        if !self.failures.is_empty() {
            Status::Failed(self.failures.join("\n"))
        } else if !self.updated.is_empty() {
            Status::Updated(self.updated)
        } else {
            Status::Passed
        }
    }

    /// Compares `actual` with what is expected of `what` (`stdout`).
    fn output(&mut self, what: &str, expected: &Expected, actual: &str, update: bool) {
        match expected {
            Expected::Text(text) => {
                if text != actual {
                    self.fail(format!("{what} differs:\n{}", diff(text, actual)));
                }
            }
            Expected::Snapshot(path) => match std::fs::read_to_string(path) {
                Ok(text) if text == actual => {}
                Ok(_) | Err(_) if update => match write_snapshot(path, actual) {
                    Ok(()) => self.updated.push(path.clone()),
                    Err(e) => self.fail(format!("cannot write `{}`: {e}", path.display())),
                },
                Ok(text) => self.fail(format!(
                    "{what} differs from the snapshot `{}` (accept it with `wcomp test --update`):\n{}",
                    target::shown(path).display(),
                    diff(&text, actual)
                )),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.fail(format!(
                    "the snapshot `{}` is missing; write it with `wcomp test --update`, then review it",
                    target::shown(path).display()
                )),
                Err(e) => self.fail(format!("cannot read `{}`: {e}", path.display())),
            },
        }
    }
}

fn write_snapshot(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

/// A line diff of `expected` and `actual`: `-` expected, `+` actual.
pub fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    for change in similar::TextDiff::from_lines(expected, actual).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let line = change.value();
        out.push_str(&format!("  {sign} {}", line.trim_end_matches('\n')));
        if !line.ends_with('\n') {
            out.push_str(" (no newline at end)");
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// The limits of each request: the command's, else the defaults.
fn request_limits(defaults: &Limits) -> Limits {
    defaults
        .with_timeout(defaults.timeout.or(Some(DEFAULT_TIMEOUT)))
        .with_max_memory(defaults.max_memory.or(Some(DEFAULT_MAX_MEMORY)))
}

/// Whether `case` is a request case sent to its target's shared server:
/// one whose mocks check no calls (see [`Case::checks_calls`]).
fn shares_a_server(case: &Case) -> bool {
    matches!(case.run, Run::Request { .. }) && !case.checks_calls()
}

/// Sends a case's request to the server of its target and checks the
/// response.
async fn request_case(addr: std::net::SocketAddr, case: &Case, update: bool) -> Status {
    let mut check = Check::default();
    response(&mut check, addr, case, update).await;
    check.status()
}

/// Serves the target for `case` alone, its mocks' calls recorded, sends
/// its request and checks the response and the calls.
async fn recorded_request_case(
    compiled: &Compiled,
    case: &Case,
    defaults: Limits,
    update: bool,
) -> Status {
    let mut check = Check::default();
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stdio = Stdio::new(
        MemoryInputPipe::new(Vec::new()),
        MemoryOutputPipe::new(OUTPUT_CAPACITY),
        stderr.clone(),
    );
    let mut opts = http::options(limits(case, defaults)).with_stdio(stdio);
    let answers = case.intercepted().then(|| Arc::new(Answers::of(case)));
    if let Some(answers) = &answers {
        opts = opts.with_intercept(answers.clone());
    }
    let handle = tokio::runtime::Handle::current();
    let loaded = compiled.loaded.clone();
    match Served::start(compiled.host.clone(), loaded, opts, &handle) {
        Err(e) => check.fail(format!("cannot serve its target: {e}")),
        Ok(served) => {
            response(&mut check, served.addr, case, update).await;
            served.stop().await;
        }
    }
    let stderr = stderr.contents();
    if !check.failures.is_empty() {
        show_stderr(&mut check, &stderr);
    }
    mock_calls(&mut check, case, &calls_made(answers.as_deref(), &stderr));
    check.status()
}

/// Sends a case's request to `addr` and checks the response.
async fn response(check: &mut Check, addr: std::net::SocketAddr, case: &Case, update: bool) {
    let Run::Request {
        method,
        path,
        headers,
        body,
        status,
        expect_headers,
        expect_body,
    } = &case.run
    else {
        return check.fail("not a request case");
    };
    let response = match http::send(addr, method, path, headers, body).await {
        Ok(response) => response,
        Err(e) => return check.fail(format!("`{method} {path}` got no response: {e}")),
    };
    if response.status != *status {
        check.fail(format!(
            "`{method} {path}` answered {}, expected {status}",
            response.status
        ));
    }
    for (name, value) in expect_headers {
        let got: Vec<&str> = response
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        if !got.contains(&value.as_str()) {
            check.fail(format!(
                "header `{name}` is {}, expected `{value}`",
                if got.is_empty() {
                    "missing".to_owned()
                } else {
                    format!("`{}`", got.join("`, `"))
                }
            ));
        }
    }
    if let Some(want) = expect_body {
        let body = String::from_utf8_lossy(&response.body);
        check.output("body", want, &body, update);
    }
}

/// Runs one case in a fresh store and instance.
async fn run_case(
    host: &Host,
    loaded: &Loaded,
    case: &Case,
    defaults: Limits,
    update: bool,
) -> Status {
    let mut check = Check::default();
    let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stdin = match stdin(case) {
        Ok(bytes) => bytes,
        Err(why) => return Status::Failed(why),
    };
    let scratch = match files(case) {
        Ok(s) => s,
        Err(e) => return Status::Failed(e),
    };
    let mut opts = RunOptions::default()
        .with_grants(grants(case, scratch.as_ref()))
        .with_limits(limits(case, defaults))
        .with_stdio(Stdio::new(
            MemoryInputPipe::new(stdin),
            stdout.clone(),
            stderr.clone(),
        ));
    if let Some(time) = case.world.clock {
        opts = opts.with_clock(time);
    }
    if let Some(seed) = case.world.random_seed {
        opts = opts.with_random_seed(seed);
    }
    let answers = case.intercepted().then(|| Arc::new(Answers::of(case)));
    if let Some(answers) = &answers {
        opts = opts.with_intercept(answers.clone());
    }
    match &case.run {
        Run::Request { .. } => check.fail("a request case runs against a server"),
        Run::Listed => check.fail("a test component's cases are listed before they run"),
        Run::Invoke { .. } => invoke(&mut check, host, loaded, case, opts).await,
        Run::Command { .. } => {
            command(&mut check, host, loaded, case, opts).await;
            check_stdio(
                &mut check,
                case,
                &stdout.contents(),
                &stderr.contents(),
                update,
            );
        }
    }
    if !check.failures.is_empty()
        && let Some(hint) = unanswered(case, &stderr.contents())
    {
        check.fail(hint);
    }
    if !check.failures.is_empty() && matches!(case.run, Run::Invoke { .. }) {
        show_stderr(&mut check, &stderr.contents());
    }
    let calls = calls_made(answers.as_deref(), &stderr.contents());
    mock_calls(&mut check, case, &calls);
    if let (Some(files), Some(dir)) = (&case.world.files, &scratch)
        && let Some(expect) = &files.expect
    {
        compare_dirs(&mut check, expect, dir.path());
    }
    check.status()
}

/// What a command case reads on stdin (nothing for the other cases).
fn stdin(case: &Case) -> Result<Vec<u8>, String> {
    match &case.run {
        Run::Command { stdin, .. } => stdin.bytes(),
        Run::Invoke { .. } | Run::Request { .. } | Run::Listed => Ok(Vec::new()),
    }
}

/// What the case's world grants: its network, environment and folder (the
/// scratch copy read-write when it has one, else the folder read-only).
fn grants(case: &Case, scratch: Option<&tempfile::TempDir>) -> Grants {
    let mut grants = Grants::default().with_network(case.world.network);
    for (key, value) in &case.world.env {
        grants = grants.with_env(key, value);
    }
    if let (Some(files), Some(dir)) = (&case.world.files, scratch) {
        grants = grants.with_dir(DirGrant::read_write(dir.path(), files.at.clone()));
    } else if let Some(files) = &case.world.files {
        grants = grants.with_dir(DirGrant::read_only(files.dir.clone(), files.at.clone()));
    }
    grants
}

/// The case's limits: its own, else the command's, else the defaults.
fn limits(case: &Case, defaults: Limits) -> Limits {
    defaults
        .with_timeout(
            case.world
                .timeout
                .or(defaults.timeout)
                .or(Some(DEFAULT_TIMEOUT)),
        )
        .with_max_memory(
            case.world
                .max_memory
                .or(defaults.max_memory)
                .or(Some(DEFAULT_MAX_MEMORY)),
        )
        .with_fuel(case.world.fuel.or(defaults.fuel))
}

/// Calls an invoke case's function and checks what it returned, or how
/// it trapped.
async fn invoke(check: &mut Check, host: &Host, loaded: &Loaded, case: &Case, opts: RunOptions) {
    let Run::Invoke {
        call,
        expect,
        trap,
        span,
    } = &case.run
    else {
        return;
    };
    let opts = opts.with_args([loaded.name.clone()]);
    match host.invoke(loaded, call, &opts).await {
        Ok(invocation) => {
            let got = invocation.results.join("\n");
            if let Some(trap) = trap {
                check.fail(format!(
                    "expected a trap matching `{trap}`, but `{}` returned `{got}`",
                    call.text()
                ));
            } else if let Some(expect) = expect
                && *expect != got
            {
                check.fail(format!(
                    "`{}` returned a different value:\n{}",
                    call.text(),
                    diff(&format!("{expect}\n"), &format!("{got}\n"))
                ));
            }
        }
        Err(e) => trapped(check, case, span, trap.as_deref(), e),
    }
}

/// Runs a command case and checks its exit code, or how it trapped.
async fn command(check: &mut Check, host: &Host, loaded: &Loaded, case: &Case, opts: RunOptions) {
    let Run::Command {
        args, exit, trap, ..
    } = &case.run
    else {
        return;
    };
    let opts = opts.with_args(std::iter::once(loaded.name.clone()).chain(args.iter().cloned()));
    match host.run_command(loaded, &opts).await {
        Ok(code) => {
            if let Some(trap) = trap {
                check.fail(format!(
                    "expected a trap matching `{trap}`, but the command exited with {code}"
                ));
            } else if code != *exit {
                check.fail(format!("exit code {code}, expected {exit}"));
            }
        }
        Err(e) => trapped(check, case, &case.span, trap.as_deref(), e),
    }
}

/// Compares a command case's stdout and stderr (without the mocks' call
/// records) with what it expects; a failed case without expected stderr
/// shows what it wrote there.
fn check_stdio(check: &mut Check, case: &Case, stdout: &[u8], stderr: &[u8], update: bool) {
    let Run::Command {
        stdout: want_stdout,
        stderr: want_stderr,
        ..
    } = &case.run
    else {
        return;
    };
    let out = String::from_utf8_lossy(stdout).into_owned();
    if let Some(want) = want_stdout {
        check.output("stdout", want, &out, update);
    }
    let (err, _) = wcomp_compose::mock::take_calls(stderr);
    let err = String::from_utf8_lossy(&err).into_owned();
    if let Some(want) = want_stderr {
        check.output("stderr", want, &err, update);
    }
    if !check.failures.is_empty() && want_stderr.is_none() && !err.is_empty() {
        check.fail(format!("stderr:\n{}", indent(&err)));
    }
}

/// A run that stopped with an error: a pass if `trap` is expected and its
/// text is in the error's, a failure otherwise.
fn trapped(
    check: &mut Check,
    case: &Case,
    span: &std::ops::Range<usize>,
    trap: Option<&str>,
    e: RunError,
) {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    match (&e, trap) {
        (_, Some(trap)) if message.contains(trap) => {}
        (_, Some(trap)) => check.fail(format!(
            "expected a trap matching `{trap}`, got:\n{}",
            indent(&message)
        )),
        (RunError::NoSuchFunction { name, exports, .. }, None) => {
            // Exports are listed qualified (`ns:pkg/iface#f`); a call may
            // name the function alone.
            let names: Vec<&str> = exports
                .lines()
                .map(str::trim)
                .map(|n| match name.contains('#') {
                    true => n,
                    false => n.rsplit('#').next().unwrap_or(n),
                })
                .collect();
            let help = did_you_mean(name, names.iter().copied(), || {
                format!("its functions are:\n{exports}")
            });
            let report = miette::Report::new(case.error(
                span.clone(),
                format!("{} exports no function `{name}`", case.subject()),
                "unknown function",
                Some(help),
            ));
            check.fail(format!("{report:?}"));
        }
        (RunError::BadCall(_), None) => {
            let report = miette::Report::new(e);
            check.fail(format!("{report:?}"));
        }
        (_, None) => check.fail(indent(&message)),
    }
}

/// Adds what a failed call wrote on stderr, if anything (the last lines: a
/// Python traceback, a Rust panic), to its failure.
fn show_stderr(check: &mut Check, stderr: &[u8]) {
    const LINES: usize = 20;
    let (written, _) = wcomp_compose::mock::take_calls(stderr);
    let text = String::from_utf8_lossy(&written);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if !lines.is_empty() {
        let tail = lines[lines.len().saturating_sub(LINES)..].join("\n");
        check.fail(format!("its stderr ends with:\n{}", indent(&tail)));
    }
}

/// Why a run that trapped right after a call to a mock may have: the mock
/// had no answer for that function.
fn unanswered(case: &Case, stderr: &[u8]) -> Option<String> {
    let (_, calls) = wcomp_compose::mock::take_calls(stderr);
    let last = calls.last()?;
    let (iface, func) = last.split_once('#')?;
    let answered = case.mocks.iter().any(|m| {
        plug_matches(m.interface.get_ref(), iface)
            && m.functions
                .iter()
                .any(|f| f.name.get_ref() == func && !f.returns.is_empty())
    });
    (!answered).then(|| {
        format!(
            "the last call before it was to the mock of `{last}`, which has no `returns`: a mocked function that returns something traps without one; add `[test.mock.\"{iface}\".{func}] returns = [...]`"
        )
    })
}

/// The calls the case's mocks got: as the host saw them, arguments and
/// all, when it intercepted them; else as the mocks marked them on
/// stderr (without arguments).
fn calls_made(answers: Option<&Answers>, stderr: &[u8]) -> Vec<Recorded> {
    if let Some(answers) = answers {
        return answers.calls();
    }
    let (_, calls) = wcomp_compose::mock::take_calls(stderr);
    calls
        .iter()
        .filter_map(|c| c.split_once('#'))
        .map(|(interface, function)| Recorded {
            interface: interface.to_owned(),
            function: function.to_owned(),
            args: String::new(),
        })
        .collect()
}

/// Checks the calls each mock was to receive: how many, and with which
/// arguments.
fn mock_calls(check: &mut Check, case: &Case, calls: &[Recorded]) {
    for mock in &case.mocks {
        for f in &mock.functions {
            let name = format!("{}#{}", mock.interface.get_ref(), f.name.get_ref());
            let got: Vec<&str> = calls
                .iter()
                .filter(|c| {
                    plug_matches(mock.interface.get_ref(), &c.interface)
                        && c.function == *f.name.get_ref()
                })
                .map(|c| c.args.as_str())
                .collect();
            if let Some(want) = &f.calls
                && got.len() != *want.get_ref() as usize
            {
                check.fail(format!(
                    "the mock of `{name}` was called {} time(s), expected {}",
                    got.len(),
                    want.get_ref()
                ));
            }
            if let Some(want) = &f.args {
                check_arguments(check, &name, want, &got);
            }
        }
    }
}

/// One line each.
fn lines(items: &[&str]) -> String {
    items.iter().map(|item| format!("{item}\n")).collect()
}

/// Checks that the calls of the mock `name` had the arguments `want`, in
/// order; a difference is shown as a diff of one call per line.
fn check_arguments(check: &mut Check, name: &str, want: &[toml::Spanned<String>], got: &[&str]) {
    let same = want.len() == got.len()
        && want
            .iter()
            .zip(got)
            .all(|(w, g)| same_arguments(w.get_ref(), g));
    if !same {
        let want: Vec<&str> = want.iter().map(|w| w.get_ref().as_str()).collect();
        check.fail(format!(
            "the calls of the mock of `{name}` had other arguments:\n{}",
            indent(&diff(&lines(&want), &lines(got)))
        ));
    }
}

/// The scratch copy of a case's folder, if it runs on one.
fn files(case: &Case) -> Result<Option<tempfile::TempDir>, String> {
    let Some(files) = &case.world.files else {
        return Ok(None);
    };
    if !files.dir.is_dir() {
        return Err(format!(
            "`files` names `{}`, which is not a folder",
            target::shown(&files.dir).display()
        ));
    }
    if !files.scratch {
        return Ok(None);
    }
    let copy = tempfile::Builder::new()
        .prefix("wcomp-test-files-")
        .tempdir()
        .map_err(|e| format!("cannot make a scratch folder: {e}"))?;
    copy_dir(&files.dir, copy.path())
        .map_err(|e| format!("cannot copy `{}`: {e}", files.dir.display()))?;
    Ok(Some(copy))
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Every file under `dir`, relative, with its contents.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.insert(path.strip_prefix(root).unwrap_or(&path).to_owned(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The scratch folder must hold what `expect` holds, file for file.
fn compare_dirs(check: &mut Check, expect: &Path, actual: &Path) {
    let want = tree(expect);
    let got = tree(actual);
    for (path, bytes) in &want {
        match got.get(path) {
            None => check.fail(format!("the guest did not write `{}`", path.display())),
            Some(b) if b != bytes => check.fail(format!(
                "`{}` differs:\n{}",
                path.display(),
                diff(&String::from_utf8_lossy(bytes), &String::from_utf8_lossy(b))
            )),
            Some(_) => {}
        }
    }
    for path in got.keys().filter(|p| !want.contains_key(*p)) {
        check.fail(format!(
            "the guest left `{}`, which `expect` does not hold",
            path.display()
        ));
    }
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
