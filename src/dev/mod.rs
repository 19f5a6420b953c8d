//! `wcomp dev`: build, compose and run an app, then watch its inputs and
//! do it again on every change, rebuilding only the components whose
//! inputs changed.
//!
//! Each iteration runs the same steps as `wcomp build`, `compose` and
//! `run`, through the same functions, and prints one header line: what
//! changed and how long each step took. A mistake (a build, compose or
//! load error, a trap) is shown in full and the loop waits for the next
//! change; nothing a user writes ends it. A guest still running when a
//! change arrives is stopped first: the host yields at every epoch tick,
//! so dropping the run's future stops even a guest that never calls the
//! host, and its output is flushed before anything else is printed.
//! Ctrl-C or SIGTERM ends the loop with exit code 0, after waiting for any
//! build tool that is still running.

mod watch;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wcomp_compose::{App, Lang, Memo};
use wcomp_core::fmt::{Count, Elapsed};
use wcomp_host::serve::{ServeOptions, Server};
use wcomp_host::{CacheOutcome, Call, Grants, Host, Limits, Loaded, RunOptions, Stdio};

use crate::build::{self, BuildOptions, ComponentError, Status, Summary};
use crate::commands::compose::write_composed;
use crate::commands::run::print_results;
use crate::commands::serve::log as log_request;
use crate::commands::trace_options::{TraceOptions, Tracing};
use crate::ui::Ui;
use watch::{Inputs, Watcher};

/// What each iteration does once the app is built and composed.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Runs the composed command with these arguments.
    Command(Vec<String>),
    /// Calls an export and prints its results.
    Invoke(Call),
    /// Serves the composed HTTP handler on this address until the next
    /// change, which restarts the server with the new composition.
    Serve(SocketAddr),
    /// Runs the app's tests (`tests/*.toml`) whose `file: name` contains
    /// the filter, if any: all of them first, then on each change the ones
    /// it affects (see [`crate::test::affected`]).
    Test(Option<String>),
}

/// The host the loop runs apps on, and whether it traces them.
pub struct Hosts {
    /// Runs the app's components linked, so that an edit recompiles only
    /// the component that changed (see [`wcomp_host::linked`]), or the
    /// composed component when its wiring cannot be linked.
    pub host: Arc<Host>,
    /// Where each iteration's trace goes, if anywhere.
    pub trace: TraceOptions,
}

/// How long requests in flight may take to finish when a change restarts
/// the server.
const SERVE_GRACE: Duration = Duration::from_secs(2);

/// How `wcomp dev` runs.
#[derive(Debug, Clone)]
pub struct DevOptions {
    pub manifest: PathBuf,
    pub build: BuildOptions,
    pub mode: Mode,
    pub grants: Grants,
    pub limits: Limits,
    /// How packages from registries are resolved (`--locked`, `--offline`).
    pub packages: crate::registry::resolve::SyncOptions,
}

/// Watches and reruns the app until Ctrl-C or SIGTERM. `host` must be
/// [interruptible](wcomp_host::HostBuilder::interruptible), so a change
/// can stop a running guest.
pub fn dev(opts: DevOptions, hosts: Hosts, ui: &Ui) -> miette::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        let session = Session {
            opts: Arc::new(opts),
            hosts: Arc::new(hosts),
            ui: *ui,
            app: None,
            iteration: 0,
            phase: Arc::new(Phase::default()),
            memo: Arc::default(),
        };
        session.run().await
    });
    runtime.shutdown_background();
    result
}

/// One `wcomp dev` session.
struct Session {
    opts: Arc<DevOptions>,
    hosts: Arc<Hosts>,
    ui: Ui,
    /// The app as last loaded, to know what a change touched.
    app: Option<App>,
    iteration: u32,
    phase: Arc<Phase>,
    /// What planning decoded and composed from each component, redone
    /// only for the components that changed.
    memo: Arc<Mutex<Memo>>,
}

/// What the blocking steps and the loop tell each other.
#[derive(Default)]
struct Phase {
    /// A build is running: its tools must end before wcomp does.
    building: AtomicBool,
    /// Ctrl-C arrived: failures of the tools it interrupted are not shown.
    stopping: AtomicBool,
}

/// How an iteration's wait ended.
enum Next {
    /// These files changed.
    Changed(Vec<PathBuf>),
    /// Ctrl-C or SIGTERM.
    Shutdown,
}

impl Session {
    async fn run(mut self) -> miette::Result<()> {
        let mut signals = Signals::new()?;
        let mut watcher = Watcher::new()?;
        let mut changed = Vec::new();
        loop {
            self.iteration += 1;
            let prepared = match self.prepare(&mut signals).await {
                Some(prepared) => prepared,
                None => return Ok(()),
            };
            let prepared = match prepared {
                Ok((app, prepared)) => {
                    watcher.watch(self.inputs(&app));
                    self.app = Some(app);
                    prepared
                }
                Err(app) => {
                    watcher.watch(match &app {
                        Some(app) => self.inputs(app),
                        None => Inputs::manifest(&self.opts.manifest),
                    });
                    self.app = app;
                    None
                }
            };
            if let Some(trouble) = watcher.trouble.take() {
                self.ui.warn(trouble);
            }
            let next = match prepared {
                Some(ready) => {
                    self.header(&changed, &ready.steps);
                    match (&self.opts.mode, ready.loaded) {
                        (Mode::Test(filter), _) => {
                            let filter = filter.as_deref();
                            self.test(filter, &ready.built, &changed, &mut watcher, &mut signals)
                                .await
                        }
                        (Mode::Serve(addr), Some(loaded)) => {
                            self.serve(loaded, *addr, &mut watcher, &mut signals).await
                        }
                        (_, Some(loaded)) => {
                            self.run_guest(&loaded, &mut watcher, &mut signals).await
                        }
                        (_, None) => self.next_change(&mut watcher, &mut signals).await,
                    }
                }
                None => {
                    self.ui.status(
                        "Waiting",
                        format_args!("for a change to retry #{}", self.iteration),
                    );
                    self.next_change(&mut watcher, &mut signals).await
                }
            };
            match next {
                Next::Changed(files) => changed = files,
                Next::Shutdown => return Ok(()),
            }
        }
    }

    /// Loads, builds, composes and compiles the app on a blocking thread.
    /// Errors are shown there; the app is handed back whenever it loaded,
    /// to be watched. `None` on Ctrl-C: during a build, once its tools
    /// have ended (a second Ctrl-C does not wait), so none outlives wcomp.
    async fn prepare(&self, signals: &mut Signals) -> Option<Prepared> {
        let (opts, hosts, ui, phase, memo) = (
            self.opts.clone(),
            self.hosts.clone(),
            self.ui,
            self.phase.clone(),
            self.memo.clone(),
        );
        #[allow(clippy::result_large_err, reason = "one per iteration, moved once")]
        let mut task =
            tokio::task::spawn_blocking(move || prepare(&opts, &hosts, &ui, &phase, &memo));
        tokio::select! {
            prepared = &mut task => return Some(prepared.unwrap_or(Err(None))),
            () = signals.recv() => {}
        }
        self.phase.stopping.store(true, Ordering::SeqCst);
        if self.phase.building.load(Ordering::SeqCst) {
            self.ui
                .status("Stopping", "once the build's tools have ended");
            tokio::select! {
                _ = task => {}
                () = signals.recv() => {}
            }
        }
        None
    }

    /// What the loop watches of `app`: its inputs, and its tests when it
    /// runs them.
    fn inputs(&self, app: &App) -> Inputs {
        let inputs = Inputs::of(app);
        match matches!(self.opts.mode, Mode::Test(_)) {
            true => inputs.with(&crate::test::tests_dir(app)),
            false => inputs,
        }
    }

    /// The app's tests folder, when the loop runs its tests: a change
    /// there is a change to act on.
    fn tests_dir(&self) -> Option<PathBuf> {
        let app = self.app.as_ref()?;
        let dir = crate::test::tests_dir(app);
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        matches!(self.opts.mode, Mode::Test(_)).then_some(dir)
    }

    /// Runs the cases `changed` files and the components `built` affect
    /// (every case, the first time), then waits for the next change.
    async fn test(
        &self,
        filter: Option<&str>,
        built: &[String],
        changed: &[PathBuf],
        watcher: &mut Watcher,
        signals: &mut Signals,
    ) -> Next {
        let Some(app) = self.app.clone() else {
            return self.next_change(watcher, signals).await;
        };
        let cases = crate::test::discover(&app, filter).map(|cases| match self.iteration {
            1 => cases,
            _ => crate::test::affected(cases, &app, changed, built),
        });
        match cases {
            Ok(cases) if cases.is_empty() => self.ui.status(
                "Tested",
                format_args!(
                    "#{}: no case is affected; watching for changes",
                    self.iteration
                ),
            ),
            Ok(cases) => self.run_tests(app, cases, filter).await,
            Err(e) => eprintln!("{e:?}"),
        }
        self.next_change(watcher, signals).await
    }

    /// Runs `cases` of `app` as `wcomp test` does, a line per case and the
    /// count at the end.
    async fn run_tests(&self, app: App, cases: Vec<crate::test::spec::Case>, filter: Option<&str>) {
        use crate::test::{report, run};
        let started = Instant::now();
        let (host, ui, iteration) = (self.hosts.host.clone(), self.ui, self.iteration);
        let opts = run::Options {
            filter: filter.map(str::to_owned),
            update: false,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            limits: self.opts.limits,
        };
        let ran = tokio::task::spawn_blocking(move || {
            ui.status(
                "Testing",
                format_args!("#{iteration}: {}", Count(cases.len() as u64, "case")),
            );
            run::run_all(host, &app, cases, &opts, |outcome| {
                println!("{}", report::line(outcome))
            })
        })
        .await;
        match ran {
            Ok(Ok(outcomes)) => {
                println!("{}", report::summary(&outcomes));
                self.ui.status(
                    "Tested",
                    format_args!(
                        "#{iteration} in {}; watching for changes",
                        Elapsed(started.elapsed())
                    ),
                );
            }
            Ok(Err(report)) => eprintln!("{report:?}"),
            Err(e) => eprintln!("the test run ended early: {e}"),
        }
    }

    /// The iteration's header: what changed and how long each step took.
    fn header(&self, changed: &[PathBuf], steps: &str) {
        let what = match (changed, &self.app) {
            ([], _) | (_, None) => "start".to_owned(),
            (files, Some(app)) => format!("{} changed", describe(files, app.dir())),
        };
        self.ui.status(
            "Running",
            format_args!("#{} {what} · {steps}", self.iteration),
        );
    }

    /// Runs the guest until it ends, a real change arrives (which stops
    /// it), or Ctrl-C.
    async fn run_guest(
        &self,
        loaded: &Loaded,
        watcher: &mut Watcher,
        signals: &mut Signals,
    ) -> Next {
        let started = Instant::now();
        let tracing = self.tracing(loaded);
        let result = tokio::select! {
            result = run(&self.hosts.host, loaded, &self.opts, tracing.as_ref()) => result,
            files = next_real_change(watcher, self.app.as_ref(), &self.opts.build, self.tests_dir()) => {
                flush_guest_output();
                self.ui.status("Stopped", format_args!("#{} after {}", self.iteration, Elapsed(started.elapsed())));
                return Next::Changed(files);
            }
            () = signals.recv() => {
                flush_guest_output();
                return Next::Shutdown;
            }
        };
        flush_guest_output();
        self.finish_trace(tracing, loaded);
        match result {
            Ok(code) => self.ui.status(
                "Finished",
                format_args!(
                    "#{} with exit code {code} in {}; watching for changes",
                    self.iteration,
                    Elapsed(started.elapsed())
                ),
            ),
            Err(e) => {
                show(e);
                self.ui.status(
                    "Waiting",
                    format_args!("for a change to retry #{}", self.iteration),
                );
            }
        }
        self.next_change(watcher, signals).await
    }

    /// Serves the handler until a real change arrives (which stops the
    /// server, letting requests in flight finish) or Ctrl-C. A component
    /// that is not a handler, or an address in use, is shown in full and
    /// the loop waits for a change.
    async fn serve(
        &self,
        loaded: Loaded,
        addr: SocketAddr,
        watcher: &mut Watcher,
        signals: &mut Signals,
    ) -> Next {
        let mut opts = ServeOptions::default()
            .with_grants(self.opts.grants.clone())
            .with_limits(self.opts.limits)
            .with_stdio(guest_stdio())
            .with_grace(SERVE_GRACE);
        let tracing = self.tracing(&loaded);
        if let Some(tracing) = &tracing {
            opts = opts.with_tracer(tracing.tracer.clone());
        }
        let traced = (loaded.name.clone(), loaded.linked);
        let server = match Server::bind(self.hosts.host.clone(), loaded, addr, opts) {
            Ok(server) => server,
            Err(e) => {
                show(e);
                self.ui.status(
                    "Waiting",
                    format_args!("for a change to retry #{}", self.iteration),
                );
                return self.next_change(watcher, signals).await;
            }
        };
        self.ui.status(
            "Serving",
            format_args!(
                "#{} ({}) on http://{}/",
                self.iteration,
                server.kind(),
                server.local_addr()
            ),
        );
        let quiet = self.ui.is_quiet();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = server.run(
            async {
                let _ = stopped.await;
            },
            move |record| {
                if !quiet {
                    log_request(record);
                }
            },
        );
        let mut serving = std::pin::pin!(serving);
        let next = tokio::select! {
            result = &mut serving => {
                if let Err(e) = result {
                    show(e);
                }
                return self.next_change(watcher, signals).await;
            }
            files = next_real_change(watcher, self.app.as_ref(), &self.opts.build, self.tests_dir()) => Next::Changed(files),
            () = signals.recv() => Next::Shutdown,
        };
        let _ = stop.send(());
        let stopped = serving.await;
        if let Some(tracing) = tracing {
            self.write_trace(&tracing, &traced.0, traced.1);
        }
        if let Ok(stopped) = stopped {
            self.ui.status(
                "Stopped",
                format_args!(
                    "#{} after {}",
                    self.iteration,
                    Count(stopped.requests, "request")
                ),
            );
        }
        next
    }

    /// A new trace for this iteration, when asked for and the app is
    /// linked (a composed run is not traced: the reason was shown).
    fn tracing(&self, loaded: &Loaded) -> Option<Tracing> {
        let tracing = self.hosts.trace.start().ok().flatten()?;
        (loaded.linked > 0).then_some(tracing)
    }

    /// Writes and sends an iteration's trace, if it was traced.
    fn finish_trace(&self, tracing: Option<Tracing>, loaded: &Loaded) {
        if let Some(tracing) = tracing {
            self.write_trace(&tracing, &loaded.name, loaded.linked);
        }
    }

    fn write_trace(&self, tracing: &Tracing, name: &str, linked: usize) {
        if let Err(e) = tracing.finish(&self.ui, name, linked) {
            eprintln!("{e:?}");
        }
    }

    async fn next_change(&self, watcher: &mut Watcher, signals: &mut Signals) -> Next {
        tokio::select! {
            files = next_real_change(watcher, self.app.as_ref(), &self.opts.build, self.tests_dir()) => Next::Changed(files),
            () = signals.recv() => Next::Shutdown,
        }
    }
}

/// Waits for a batch of changes that changes the app: app.toml's text, a
/// prebuilt component, or the inputs of a component's build (as the
/// build's own input hashes see them; a file a tool rewrote with what it
/// had is no change). Cancel-safe: the watcher keeps what it gathered.
/// The check hashes sources (and may ask rustc), so it runs on a blocking
/// thread: a large tree never stalls the guest or a request being served
/// on the async ones.
async fn next_real_change(
    watcher: &mut Watcher,
    app: Option<&App>,
    build: &BuildOptions,
    tests: Option<PathBuf>,
) -> Vec<PathBuf> {
    loop {
        let files = watcher.changes().await;
        // Cancelled while the check runs: the batch goes back to the watcher.
        let mut unchecked = Requeue {
            watcher: &mut *watcher,
            files: Some(files.clone()),
        };
        let (app, build) = (app.cloned(), build.clone());
        let tests = tests.clone();
        let check = tokio::task::spawn_blocking(move || {
            let touches_tests = |dir: &PathBuf| files.iter().any(|f| f.starts_with(dir));
            tests.as_ref().is_some_and(touches_tests) || changes_app(&files, app.as_ref(), &build)
        })
        .await;
        let files = unchecked.files.take().unwrap_or_default();
        // A check that panicked counts as a change, as a failed one does.
        if check.unwrap_or(true) {
            return files;
        }
    }
}

/// A batch of changes being checked, put back into the watcher if the
/// check is dropped before it finished.
struct Requeue<'a> {
    watcher: &'a mut Watcher,
    files: Option<Vec<PathBuf>>,
}

impl Drop for Requeue<'_> {
    fn drop(&mut self) {
        if let Some(files) = self.files.take() {
            self.watcher.requeue(files);
        }
    }
}

/// Whether `files` changing changes `app`.
fn changes_app(files: &[PathBuf], app: Option<&App>, build: &BuildOptions) -> bool {
    // The manifest did not load: any change to it may fix it.
    let Some(app) = app else { return true };
    let manifest = std::path::absolute(app.path()).unwrap_or_else(|_| app.path().to_owned());
    if files.contains(&manifest)
        && wcomp_core::fs::read_regular_to_string(&manifest)
            .ok()
            .as_deref()
            != Some(app.text())
    {
        return true;
    }
    let prebuilt = app
        .components()
        .filter(|entry| entry.lang().is_none())
        .filter_map(|entry| app.component_wasm(entry.name().as_str()))
        .filter_map(|wasm| std::path::absolute(wasm).ok());
    if prebuilt.into_iter().any(|wasm| files.contains(&wasm)) {
        return true;
    }
    build::stale(app, build).map_or(true, |stale| !stale.is_empty())
}

/// What an iteration made ready to run.
struct Ready {
    /// What to run; `None` when the loop runs tests, which load their own.
    loaded: Option<Loaded>,
    /// The components this iteration built.
    built: Vec<String>,
    /// The header's account of the steps.
    steps: String,
}

/// What preparing an iteration gave: the app (when it loaded) and, when
/// every step succeeded, what to run.
type Prepared = Result<(App, Option<Ready>), Option<App>>;

/// Loads the app, builds what is stale, composes and compiles. Each error
/// is shown in full.
#[allow(clippy::result_large_err, reason = "one per iteration, moved once")]
fn prepare(
    opts: &DevOptions,
    hosts: &Hosts,
    ui: &Ui,
    phase: &Phase,
    memo: &Mutex<Memo>,
) -> Prepared {
    let app = App::load(&opts.manifest).map_err(|e| {
        show(e);
        None
    })?;
    match build_compose_load(&app, opts, hosts, ui, phase, memo) {
        Ok(ready) => Ok((app, Some(ready))),
        Err(()) => Err(Some(app)),
    }
}

fn build_compose_load(
    app: &App,
    opts: &DevOptions,
    hosts: &Hosts,
    ui: &Ui,
    phase: &Phase,
    memo: &Mutex<Memo>,
) -> Result<Ready, ()> {
    let (built, build_time) = build_stale(app, opts, ui, phase)?;
    let begun = Instant::now();
    let memo = &mut *memo.lock().unwrap_or_else(|e| e.into_inner());
    let plan = wcomp_compose::plan_with(app, memo).map_err(show)?;
    for warning in plan.warnings() {
        ui.warn(warning);
    }
    let plan_time = begun.elapsed();
    let output = app.checked_output().map_err(show)?;
    let built_and_composed = |compose_time| {
        format!(
            "{} in {} · composed in {}",
            describe_built(&built),
            Elapsed(build_time),
            Elapsed(plan_time + compose_time)
        )
    };
    if let Mode::Test(_) = opts.mode {
        // Tests load what they run themselves.
        let (_, write_time) = write_composition(app, &plan, &output)?;
        let steps = built_and_composed(write_time);
        return Ok(Ready {
            steps,
            built,
            loaded: None,
        });
    }
    // A linked run needs only the plan: the composition is encoded and
    // written while the parts load.
    let (composed, linked) = std::thread::scope(|scope| {
        let composed = scope.spawn(|| write_composition(app, &plan, &output));
        let linked = crate::linking::load_linked(app, &plan, &output, &hosts.host, memo);
        (composed.join().unwrap_or(Err(())), linked)
    });
    let (bytes, write_time) = composed?;
    let (loaded, composed_because) = match linked {
        Ok(loaded) => (loaded, None),
        Err(why) => (
            hosts.host.load_bytes(&output, &bytes).map_err(show)?,
            Some(why),
        ),
    };
    let mut steps = format!(
        "{} · {}",
        built_and_composed(write_time),
        describe_load(&loaded)
    );
    if let Some(why) = composed_because {
        steps.push_str(&format!(" (run composed: {why})"));
    }
    Ok(Ready {
        steps,
        built,
        loaded: Some(loaded),
    })
}

/// Fetches the app's published components and builds what is stale;
/// gives back the components built, and how long it took.
fn build_stale(
    app: &App,
    opts: &DevOptions,
    ui: &Ui,
    phase: &Phase,
) -> Result<(Vec<String>, Duration), ()> {
    let begun = Instant::now();
    // Packages from registries (`package = ...`, `[wit.deps]`): from the
    // lock and the cache after the first iteration.
    crate::registry::resolve::sync(app, &opts.packages, &|_| {}).map_err(show)?;
    phase.building.store(true, Ordering::SeqCst);
    let report = build::build(app, &opts.build, &DevProgress { ui, phase });
    phase.building.store(false, Ordering::SeqCst);
    let report = report.map_err(show)?;
    let built = report
        .summaries
        .iter()
        .filter(|s| s.status == Status::Built)
        .map(|s| s.name.clone())
        .collect();
    report.into_result().map_err(|e| {
        if !phase.stopping.load(Ordering::SeqCst) {
            show(e)
        }
    })?;
    Ok((built, begun.elapsed()))
}

/// Encodes and writes the composition, as `wcomp compose` does; gives back
/// its bytes and how long that took.
fn write_composition(
    app: &App,
    plan: &wcomp_compose::Plan,
    output: &Path,
) -> Result<(Vec<u8>, Duration), ()> {
    let begun = Instant::now();
    let bytes = plan.encode().map_err(show)?;
    write_composed(app, plan, output, bytes.clone(), None).map_err(show)?;
    Ok((bytes, begun.elapsed()))
}

/// Runs the guest the way the mode asks; returns its exit code.
async fn run(
    host: &Host,
    loaded: &Loaded,
    opts: &DevOptions,
    tracing: Option<&Tracing>,
) -> Result<i32, wcomp_host::RunError> {
    let args = match &opts.mode {
        Mode::Command(args) => args.clone(),
        Mode::Invoke(_) | Mode::Serve(_) | Mode::Test(_) => Vec::new(),
    };
    let mut run_opts = RunOptions::default()
        .with_args(std::iter::once(loaded.name.clone()).chain(args))
        .with_grants(opts.grants.clone())
        .with_limits(opts.limits)
        .with_stdio(guest_stdio());
    if let Some(tracing) = tracing {
        run_opts = run_opts.with_tracer(tracing.tracer.clone());
    }
    match &opts.mode {
        Mode::Invoke(call) => host
            .invoke(loaded, call, &run_opts)
            .await
            .map(|invocation| print_results(&invocation)),
        // `Serve` and `Test` never get here: `Session::serve` serves the
        // handler, `Session::test` runs the tests.
        Mode::Command(_) | Mode::Serve(_) | Mode::Test(_) => {
            host.run_command(loaded, &run_opts).await
        }
    }
}

/// The guest's stdio in the loop: the terminal's stdin stays with wcomp, as
/// a guest rerun on every change must not compete for it.
fn guest_stdio() -> Stdio {
    Stdio::new(
        tokio::io::empty(),
        wasmtime_wasi::cli::stdout(),
        wasmtime_wasi::cli::stderr(),
    )
}

/// Pushes out what a guest wrote but the process still buffers (a line
/// without its newline), so it shows before the next line wcomp prints.
fn flush_guest_output() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

/// Shows an error in full, as `main` would.
fn show(error: impl miette::Diagnostic + Send + Sync + 'static) {
    eprintln!("{:?}", miette::Report::new(error));
}

/// `cli/src/lib.rs`, `a, b and 3 more`: changed files, relative to the app.
fn describe(files: &[PathBuf], app_dir: &Path) -> String {
    let app_dir = std::path::absolute(app_dir).unwrap_or_else(|_| app_dir.to_owned());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&app_dir).unwrap_or(f).display().to_string())
        .collect();
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{} and {} more", names[..2].join(", "), n - 2),
    }
}

/// `built cli, greeter`, or `nothing to rebuild`.
fn describe_built(built: &[String]) -> String {
    if built.is_empty() {
        "nothing to rebuild".to_owned()
    } else {
        format!("built {}", built.join(", "))
    }
}

/// `loaded in 12ms`, or `compiled in 1.2s (11980 of 12000 functions from
/// the cache)`.
fn describe_load(loaded: &Loaded) -> String {
    let time = Elapsed(loaded.load_time);
    let how = match loaded.cache {
        CacheOutcome::Hit => format!("loaded in {time}"),
        _ if loaded.functions.is_empty() => format!("compiled in {time}"),
        CacheOutcome::Compiled | CacheOutcome::Uncached => {
            format!("compiled in {time} ({})", loaded.functions)
        }
    };
    let how = match loaded.rejected.len() {
        0 => how,
        1 => format!("{how}, replacing a cache entry that failed its check"),
        n => format!("{how}, replacing {n} cache entries that failed their checks"),
    };
    match loaded.linked {
        0 => how,
        n => format!("{} linked, {how}", Count(n as u64, "component")),
    }
}

/// Build progress for the loop: quiet, except for toolchain installs and
/// failures, which are shown in full.
struct DevProgress<'a> {
    ui: &'a Ui,
    phase: &'a Phase,
}

impl build::Progress for DevProgress<'_> {
    fn installing(&self, lang: Lang) {
        self.ui.status(
            "Installing",
            format_args!("the {lang} toolchain into `$WCOMP_HOME` (once)"),
        );
    }

    fn started(&self, _name: &str, _lang: Lang) {}

    fn finished(&self, _summary: &Summary, error: Option<ComponentError>) {
        if let Some(error) = error
            && !self.phase.stopping.load(Ordering::SeqCst)
        {
            show(error);
        }
    }
}

/// Ctrl-C and SIGTERM.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> miette::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen =
                |kind| signal(kind).map_err(|e| miette::miette!("cannot listen for Ctrl-C: {e}"));
            Ok(Signals {
                interrupt: listen(SignalKind::interrupt())?,
                terminate: listen(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
