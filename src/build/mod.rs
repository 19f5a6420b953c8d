//! `wcomp build`: every component of an app built by its language's driver,
//! in parallel, skipping those whose inputs have not changed, each output
//! checked against the component's world before it replaces the old one.
//!
//! A build runs in named steps: [`plan`] each component (prebuilt, fresh,
//! or stale with a [`Job`]), install the toolchains the stale ones need,
//! build them in parallel, then record what was built. The [`Report`]
//! carries every component's summary, whatever happened.

// Component errors carry the tool's command line and stderr; they are built
// once per failed multi-second build, so their size costs nothing.
#![allow(clippy::result_large_err)]

mod check;
mod error;
mod precompile;
mod state;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use wcomp_compose::{App, ComponentEntry, ComponentWit, Lang, WitOrigin};

pub use error::{BuildError, ComponentError};
pub use precompile::{Precompile, Precompiled, Runner, runner};
pub use state::InputError;
pub(crate) use state::{IGNORED, is_input};
use state::{Recorded, State};

use crate::process::ProcessError;
use crate::release::{Shrinker, Shrunk};
use crate::toolchain::Home;
use crate::wit::{WitError, WitSet, World};

/// How a build runs.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Build with optimizations, then shrink each component (see
    /// [`crate::release`]).
    pub release: bool,
    /// With `release`, keep the names backtraces and profiles show.
    pub keep_names: bool,
    pub force: bool,
    pub jobs: usize,
    /// Only this component.
    pub package: Option<String>,
    /// Compile each component as soon as it is built, into the
    /// compiled-code cache (see [`precompile`]).
    pub precompile: Option<Precompile>,
}

/// Hears about a build as it happens, to show progress.
pub trait Progress: Sync {
    /// A component's world was read, before anything is installed or built.
    fn resolved(&self, name: &str, wit: &WitUsed) {
        let _ = (name, wit);
    }
    /// A toolchain is being installed before anything builds with it.
    fn installing(&self, lang: Lang);
    /// A component started building.
    fn started(&self, name: &str, lang: Lang);
    /// A component is done, one way or another.
    fn finished(&self, summary: &Summary, error: Option<ComponentError>);
}

/// How one component ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Rebuilt.
    Built,
    /// Its inputs had not changed; nothing was done.
    Fresh,
    /// A prebuilt component (`wasm = ...`): nothing to build.
    Prebuilt,
    /// A published component (`package = ...`): fetched, not built.
    Fetched,
    Failed,
}

/// One component's result, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub name: String,
    pub lang: Option<Lang>,
    pub status: Status,
    pub output: PathBuf,
    pub size: Option<u64>,
    pub duration_ms: u128,
    pub fresh: bool,
    /// The world it is built against and the WIT it was read from; `None`
    /// for a prebuilt component, or one whose world could not be read.
    pub wit: Option<WitUsed>,
    /// What `--release` removed and optimized, when it was built so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<Shrunk>,
    /// What compiling it for this machine did, when it was built and
    /// compiled (see [`precompile`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiled: Option<Precompiled>,
}

/// The world a component is built against, and where it was read from.
#[derive(Debug, Clone, Serialize)]
pub struct WitUsed {
    /// The world, fully qualified (the one app.toml names, for a world
    /// wcomp wraps into a command).
    pub world: String,
    /// The WIT it was read from (absolute); `None` when the app has no
    /// `wit/` and the world is one of the vendored WASI's.
    pub path: Option<PathBuf>,
    /// Why that WIT: `manifest` (`wit` in app.toml), `own` (the `wit` in
    /// the component's folder) or `app` (the app's `wit/`).
    pub from: WitOrigin,
}

impl WitUsed {
    fn of(job: &Job<'_>) -> Self {
        WitUsed {
            world: job
                .world
                .wraps
                .clone()
                .unwrap_or(job.world.qualified.clone()),
            path: job
                .world_wit
                .path
                .exists()
                .then(|| job.world_wit.path.clone()),
            from: job.world_wit.origin,
        }
    }
}

impl Summary {
    fn new(name: &str, lang: Option<Lang>, status: Status, output: PathBuf) -> Self {
        Summary {
            name: name.to_owned(),
            lang,
            status,
            output,
            size: None,
            duration_ms: 0,
            fresh: matches!(status, Status::Fresh | Status::Prebuilt | Status::Fetched),
            wit: None,
            shrunk: None,
            compiled: None,
        }
    }

    /// For a component built from sources: its job's world and WIT.
    fn of_job(job: &Job<'_>, status: Status) -> Self {
        Summary {
            wit: Some(WitUsed::of(job)),
            ..Summary::new(job.name, Some(job.lang), status, job.output.clone())
        }
    }

    fn took(mut self, begun: Instant) -> Self {
        self.duration_ms = begun.elapsed().as_millis();
        self
    }

    fn sized(mut self, size: Option<u64>) -> Self {
        self.size = size;
        self
    }
}

/// Every component's summary, sorted by name, whatever happened.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub summaries: Vec<Summary>,
}

impl Report {
    /// The report, or the error naming the components that failed.
    pub fn into_result(self) -> Result<Report, BuildError> {
        let failed: Vec<String> = self
            .summaries
            .iter()
            .filter(|s| s.status == Status::Failed)
            .map(|s| format!("`{}`", s.name))
            .collect();
        if failed.is_empty() {
            return Ok(self);
        }
        Err(BuildError::Failed {
            failed: failed.len(),
            total: self.summaries.len(),
            names: failed.join(", "),
        })
    }
}

/// What the drivers need to build one component.
pub struct Job<'a> {
    pub name: &'a str,
    pub entry: &'a ComponentEntry,
    pub lang: Lang,
    /// The component's source directory (absolute).
    pub src: PathBuf,
    /// The app's folder, where app.toml is (absolute).
    pub app_dir: PathBuf,
    pub world: World,
    /// The WIT the world was read from (absolute), and why that one.
    pub world_wit: ComponentWit,
    pub release: bool,
    /// With `release`: keep names (`--keep-names`).
    pub keep_names: bool,
    /// The app's build directory, `target/wcomp` (absolute).
    pub build_dir: PathBuf,
    /// Where the checked output goes (absolute).
    pub output: PathBuf,
    /// Where the world is [materialized](World::materialize) for the
    /// toolchain: `target/wcomp/wit/<name>` (absolute).
    pub wit: PathBuf,
    pub home: &'a Home,
    /// How many processes a driver may run at once (C/C++ compile units).
    pub jobs: usize,
}

impl Job<'_> {
    /// Where drivers write their output before it is checked and moved into
    /// place; cargo keeps its own artifacts.
    pub(crate) fn scratch_dir(&self) -> PathBuf {
        self.build_dir.join("tmp")
    }

    /// A scratch output path for this component, its directory created.
    pub(crate) fn scratch_output(&self) -> Result<PathBuf, ComponentError> {
        let dir = self.scratch_dir();
        std::fs::create_dir_all(&dir).map_err(|e| self.io(&dir, e))?;
        Ok(dir.join(format!("{}.wasm", self.name)))
    }

    pub(crate) fn tool_error(&self, source: ProcessError) -> ComponentError {
        ComponentError::Tool {
            component: self.name.to_owned(),
            source,
        }
    }

    fn inputs_error(&self, source: InputError) -> ComponentError {
        ComponentError::Inputs {
            component: self.name.to_owned(),
            source,
        }
    }

    pub(crate) fn io(&self, path: &Path, source: std::io::Error) -> ComponentError {
        ComponentError::Io {
            component: self.name.to_owned(),
            path: path.to_owned(),
            source,
        }
    }

    /// The toolchain identity that goes into the input hash.
    fn toolchain_id(&self) -> String {
        crate::lang::driver(self.lang).toolchain_id(self)
    }
}

/// What a component needs, decided before anything builds.
enum Planned<'a> {
    /// Prebuilt or fresh: nothing to do.
    Done(Summary),
    /// To build.
    Stale(Box<Job<'a>>),
    /// Cannot be built as it is.
    Failed(Summary, ComponentError),
}

/// Builds the app's components (or the one `opts.package` names), telling
/// `progress` as things happen.
pub fn build(
    app: &App,
    opts: &BuildOptions,
    progress: &dyn Progress,
) -> Result<Report, BuildError> {
    let entries = selected(app, opts)?;
    let home = Home::from_env()?;
    let state = Mutex::new(State::load(app));
    let mut summaries = Vec::new();
    let mut stale = Vec::new();
    for entry in entries {
        let begun = Instant::now();
        let planned = plan(
            app,
            entry,
            opts,
            &home,
            &state.lock().unwrap_or_else(|e| e.into_inner()),
        );
        let wit = match &planned {
            Planned::Done(summary) | Planned::Failed(summary, _) => summary.wit.clone(),
            Planned::Stale(job) => Some(WitUsed::of(job)),
        };
        if let Some(wit) = wit {
            progress.resolved(entry.name().as_str(), &wit);
        }
        match planned {
            Planned::Done(summary) => summaries.push(finish(progress, summary.took(begun), None)),
            Planned::Failed(summary, error) => {
                summaries.push(finish(progress, summary.took(begun), Some(error)))
            }
            Planned::Stale(job) => stale.push(*job),
        }
    }
    let (ready, failed) = install_toolchains(&home, stale, progress);
    summaries.extend(failed);
    let shrinker = (opts.release && !ready.is_empty())
        .then(|| crate::release::Shrinker::new(&home, opts.keep_names));
    let steps = Steps {
        shrinker: shrinker.as_ref(),
        precompile: opts.precompile.as_ref(),
    };
    let built = build_in_parallel(&ready, opts.jobs, &state, steps, progress);
    summaries.extend(built);
    state
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .save(app);
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Report { summaries })
}

/// The components [`build`] would rebuild now: those whose inputs changed
/// since their last good build, and those that cannot be built as they
/// are. Nothing is built or installed.
pub fn stale(app: &App, opts: &BuildOptions) -> Result<Vec<String>, BuildError> {
    let entries = selected(app, opts)?;
    let home = Home::from_env()?;
    let state = State::load(app);
    Ok(entries
        .into_iter()
        .filter(|entry| !matches!(plan(app, entry, opts, &home, &state), Planned::Done(_)))
        .map(|entry| entry.name().to_string())
        .collect())
}

/// The components to build: all, or the one named.
fn selected<'a>(app: &'a App, opts: &BuildOptions) -> Result<Vec<&'a ComponentEntry>, BuildError> {
    match &opts.package {
        Some(name) => app.component(name).map(|entry| vec![entry]).ok_or_else(|| {
            BuildError::UnknownComponent {
                name: name.clone(),
                manifest: app.path().to_owned(),
                known: format!(
                    "the app's components are {}",
                    wcomp_core::fmt::quoted_list(app.component_names())
                ),
            }
        }),
        None => Ok(app.components().collect()),
    }
}

/// Tells `progress` a component is done and hands back its summary.
fn finish(progress: &dyn Progress, summary: Summary, error: Option<ComponentError>) -> Summary {
    progress.finished(&summary, error);
    summary
}

/// Decides what component `name` needs: nothing (prebuilt, or its inputs
/// unchanged since its last good build), or a build.
fn plan<'a>(
    app: &App,
    entry: &'a ComponentEntry,
    opts: &BuildOptions,
    home: &'a Home,
    state: &State,
) -> Planned<'a> {
    let name = entry.name().as_str();
    let output = absolute(&app.build_output(name));
    let Some(lang) = entry.lang() else {
        let wasm = app.component_wasm(name).unwrap_or_default();
        let size = std::fs::metadata(&wasm).ok().map(|m| m.len());
        let status = match entry.package() {
            Some(_) => Status::Fetched,
            None => Status::Prebuilt,
        };
        return Planned::Done(Summary::new(name, None, status, wasm).sized(size));
    };
    let failed = |error| {
        Planned::Failed(
            Summary::new(name, Some(lang), Status::Failed, output.clone()),
            error,
        )
    };
    let job = match job(app, entry, lang, opts, home, output.clone()) {
        Ok(job) => job,
        Err(error) => return failed(error),
    };
    let inputs = match state::input_hash(&job) {
        Ok(inputs) => inputs,
        Err(e) => {
            return Planned::Failed(Summary::of_job(&job, Status::Failed), job.inputs_error(e));
        }
    };
    let fresh = state.get(name).filter(|recorded| {
        recorded.inputs == inputs
            && std::fs::metadata(&output).is_ok_and(|m| m.len() == recorded.size)
    });
    match fresh {
        Some(recorded) if !opts.force => {
            Planned::Done(Summary::of_job(&job, Status::Fresh).sized(Some(recorded.size)))
        }
        _ => Planned::Stale(Box::new(job)),
    }
}

/// The job for a component built from sources: its source directory and
/// its world must exist.
fn job<'a>(
    app: &App,
    entry: &'a ComponentEntry,
    lang: Lang,
    opts: &BuildOptions,
    home: &'a Home,
    output: PathBuf,
) -> Result<Job<'a>, ComponentError> {
    let name = entry.name().as_str();
    let src = absolute(&app.dir().join(entry.source_dir()));
    if !src.is_dir() {
        return Err(ComponentError::NoSource {
            component: name.to_owned(),
            path: src,
        });
    }
    let mut world_wit = app.component_wit(entry);
    world_wit.path = absolute(&world_wit.path);
    let world = load_world(app, entry, &world_wit)?;
    crate::lang::driver(lang)
        .check_world(&world)
        .map_err(|source| ComponentError::Unsupported {
            component: name.to_owned(),
            source,
        })?;
    Ok(Job {
        name,
        entry,
        lang,
        src,
        app_dir: absolute(app.dir()),
        world,
        world_wit,
        release: opts.release,
        keep_names: opts.keep_names,
        build_dir: absolute(&app.build_dir()),
        wit: absolute(&materialized_wit_dir(app.dir(), name)),
        output,
        home,
        jobs: opts.jobs,
    })
}

/// The world a component implements, from the WIT [`App::component_wit`]
/// chooses (the vendored WASI alone when that is the app's `wit/` and the
/// app has none).
pub(crate) fn load_world(
    app: &App,
    entry: &ComponentEntry,
    wit: &ComponentWit,
) -> Result<World, ComponentError> {
    let fetched = crate::wit::fetched_packages(app);
    let load = || {
        let set = if wit.origin == WitOrigin::App && !wit.path.exists() {
            WitSet::load_with(None, &[], None, &fetched)?
        } else {
            WitSet::load_with(Some(&wit.path), &[], Some(app.dir()), &fetched)?
        };
        World::from_set(set, entry.world())
    };
    load().map_err(|source| {
        let component = entry.name().to_string();
        // A folder's own `wit/` now hides the app's: say so when the world
        // the component names is in the app's.
        let in_app_wit = || {
            WitSet::load_with(Some(&app.wit_dir()), &[], Some(app.dir()), &fetched)
                .is_ok_and(|set| set.world(entry.world()).is_ok())
        };
        if wit.origin == WitOrigin::Own
            && matches!(source, WitError::NoWorld { .. })
            && in_app_wit()
        {
            ComponentError::WorldInAppWit {
                component,
                own: wit.path.clone(),
                source,
            }
        } else {
            ComponentError::Wit { component, source }
        }
    })
}

/// Installs, once each and before anything builds, the toolchains the stale
/// components need; a component whose toolchain cannot be installed fails.
fn install_toolchains<'a>(
    home: &Home,
    stale: Vec<Job<'a>>,
    progress: &dyn Progress,
) -> (Vec<Job<'a>>, Vec<Summary>) {
    let langs: BTreeSet<Lang> = stale.iter().map(|job| job.lang).collect();
    let mut broken = Vec::new();
    for lang in langs {
        let language = crate::lang::driver(lang);
        if !language.is_installed(home) {
            progress.installing(lang);
        }
        if let Err(e) = language.install(home, false) {
            broken.push((lang, Some(e)));
        }
    }
    let mut ready = Vec::new();
    let mut failed = Vec::new();
    for job in stale {
        let Some((_, first)) = broken.iter_mut().find(|(lang, _)| *lang == job.lang) else {
            ready.push(job);
            continue;
        };
        // The first component of a language shows why its toolchain could
        // not be installed; the others point at it.
        let error = match first.take() {
            Some(source) => ComponentError::Toolchain {
                component: job.name.to_owned(),
                lang: job.lang,
                source,
            },
            None => ComponentError::ToolchainUnavailable {
                component: job.name.to_owned(),
                lang: job.lang,
            },
        };
        failed.push(finish(
            progress,
            Summary::of_job(&job, Status::Failed),
            Some(error),
        ));
    }
    (ready, failed)
}

/// What is done to each component once its toolchain has built it.
#[derive(Clone, Copy)]
struct Steps<'a> {
    /// Shrink it (`--release`).
    shrinker: Option<&'a Shrinker>,
    /// Compile it for this machine.
    precompile: Option<&'a Precompile>,
}

/// Builds the jobs on up to `jobs` threads.
fn build_in_parallel(
    jobs: &[Job<'_>],
    threads: usize,
    state: &Mutex<State>,
    steps: Steps<'_>,
    progress: &dyn Progress,
) -> Vec<Summary> {
    let next = AtomicUsize::new(0);
    let summaries = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let summary = build_one(job, state, steps, progress);
                    summaries
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(summary);
                }
            });
        }
    });
    summaries.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Builds one stale component, records it, then compiles it when asked.
fn build_one(
    job: &Job<'_>,
    state: &Mutex<State>,
    steps: Steps<'_>,
    progress: &dyn Progress,
) -> Summary {
    let begun = Instant::now();
    progress.started(job.name, job.lang);
    let summary = Summary::of_job(job, Status::Built);
    match run_driver(job, steps.shrinker) {
        Ok((recorded, shrunk)) => {
            let size = recorded.size;
            state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .record(job.name, recorded);
            let compiled = steps.precompile.map(|p| p.compile(&job.output));
            let summary = Summary {
                shrunk,
                compiled,
                ..summary.sized(Some(size))
            };
            finish(progress, summary.took(begun), None)
        }
        Err(error) => {
            let failed = Summary {
                status: Status::Failed,
                ..summary
            };
            finish(progress, failed.took(begun), Some(error))
        }
    }
}

/// Runs the language's driver, checks its output against the world,
/// shrinks it when `shrinker` is given (`--release`), and moves it into
/// place.
fn run_driver(
    job: &Job<'_>,
    shrinker: Option<&Shrinker>,
) -> Result<(Recorded, Option<Shrunk>), ComponentError> {
    std::fs::create_dir_all(&job.build_dir).map_err(|e| job.io(&job.build_dir, e))?;
    job.world
        .materialize(&job.wit)
        .map_err(|source| ComponentError::Wit {
            component: job.name.to_owned(),
            source,
        })?;
    let built = crate::lang::driver(job.lang).build(job)?;
    let bytes = std::fs::read(&built).map_err(|e| job.io(&built, e))?;
    check::check_output(job, &job.output, &bytes)?;
    let (bytes, shrunk) = match shrinker {
        Some(shrinker) => {
            let (bytes, shrunk) =
                shrinker
                    .shrink(&bytes)
                    .map_err(|source| ComponentError::Shrink {
                        component: job.name.to_owned(),
                        source,
                    })?;
            (bytes, Some(shrunk))
        }
        None => (bytes, None),
    };
    wcomp_core::fs::write_derived(&job.output, &bytes).map_err(|e| job.io(&e.path, e.source))?;
    if built.starts_with(job.scratch_dir()) {
        let _ = std::fs::remove_file(&built);
    }
    // Hash again: the toolchain may have written inputs of its own (cargo
    // creates Cargo.lock), which the next build must find unchanged.
    let inputs = state::input_hash(job).map_err(|e| job.inputs_error(e))?;
    let recorded = Recorded {
        inputs,
        size: bytes.len() as u64,
    };
    Ok((recorded, shrunk))
}

/// Where component `name`'s world is written for its toolchain, in the app
/// at `app_dir`.
pub fn materialized_wit_dir(app_dir: &Path, name: &str) -> PathBuf {
    wcomp_compose::manifest::build_dir(app_dir)
        .join("wit")
        .join(name)
}

/// The absolute form of `path`, without requiring it to exist.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
