//! `wcomp build`: every component of an app built by its language's driver,
//! in parallel, skipping those whose inputs have not changed, each output
//! checked against the component's world before it replaces the old one.

// Component errors carry the tool's command line and stderr; they are built
// once per failed multi-second build, so their size costs nothing.
#![allow(clippy::result_large_err)]

mod c;
mod js;
mod python;
mod rust;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wcomp_compose::manifest::{ComponentEntry, JsBackend};
use wcomp_compose::{App, Lang};

use crate::process::ProcessError;
use crate::toolchain::{self, Home, ToolchainError};
use crate::wit::World;

/// How a build runs.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub release: bool,
    pub force: bool,
    pub jobs: usize,
    /// Only this component.
    pub package: Option<String>,
}

/// One component's build failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ComponentError {
    #[error("component `{component}`: source directory `{}` does not exist", path.display())]
    #[diagnostic(
        code(wcomp::build::no_source),
        help("fix its `path` in app.toml, or scaffold it with `wcomp new {component}`")
    )]
    NoSource { component: String, path: PathBuf },

    #[error("component `{component}` cannot use its world")]
    #[diagnostic(code(wcomp::build::wit))]
    Wit {
        component: String,
        #[diagnostic_source]
        source: Box<dyn miette::Diagnostic + Send + Sync>,
    },

    #[error("component `{component}` needs the {lang} toolchain")]
    #[diagnostic(
        code(wcomp::build::toolchain),
        help("run `wcomp doctor` to see what is missing")
    )]
    Toolchain {
        component: String,
        lang: Lang,
        #[source]
        #[diagnostic_source]
        source: ToolchainError,
    },

    #[error("component `{component}` failed to build")]
    #[diagnostic(code(wcomp::build::failed))]
    Tool {
        component: String,
        #[source]
        #[diagnostic_source]
        source: ProcessError,
    },

    #[error("component `{component}`: {message}")]
    #[diagnostic(code(wcomp::build::no_output), help("{help}"))]
    NoOutput {
        component: String,
        message: String,
        help: String,
    },

    #[error("component `{component}` built, but its output is not a usable component")]
    #[diagnostic(code(wcomp::build::invalid_output))]
    Invalid {
        component: String,
        #[source]
        #[diagnostic_source]
        source: wcomp_compose::DecodeError,
    },

    #[error("component `{component}` does not match its world `{world}`:\n{details}")]
    #[diagnostic(
        code(wcomp::build::world_mismatch),
        help("implement exactly the world's exports; `wcomp inspect {}` shows what was built", output.display())
    )]
    Mismatch {
        component: String,
        world: String,
        details: String,
        output: PathBuf,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    C(Box<c::CError>),

    #[error("component `{component}`: cannot write `{}`", path.display())]
    #[diagnostic(code(wcomp::build::io))]
    Io {
        component: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The build as a whole failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum BuildError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Home(#[from] toolchain::HomeError),

    #[error("no component `{name}` in `{}`", manifest.display())]
    #[diagnostic(code(wcomp::build::unknown_component), help("{known}"))]
    UnknownComponent {
        name: String,
        manifest: PathBuf,
        known: String,
    },

    #[error("{failed} of {total} components failed to build: {names}")]
    #[diagnostic(code(wcomp::build::some_failed), help("each failure is shown above"))]
    Failed {
        failed: usize,
        total: usize,
        names: String,
    },
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
}

/// What the drivers need to build one component.
pub struct Job<'a> {
    pub name: &'a str,
    pub lang: Lang,
    /// The component's source directory (absolute).
    pub src: PathBuf,
    pub world: &'a World,
    pub release: bool,
    /// The app's build directory, `target/wcomp` (absolute).
    pub build_dir: PathBuf,
    pub home: &'a Home,
    pub js_backend: JsBackend,
    /// For C/C++: app.toml's extra compile and link flags.
    pub cflags: &'a [String],
    pub ldflags: &'a [String],
    /// How many processes a driver may run at once (C/C++ compile units).
    pub jobs: usize,
}

impl Job<'_> {
    /// Where drivers write their output before it is checked and moved into
    /// place; cargo keeps its own artifacts.
    fn scratch_dir(&self) -> PathBuf {
        self.build_dir.join("tmp")
    }

    /// A scratch output path for this component, its directory created.
    fn scratch_output(&self) -> Result<PathBuf, ComponentError> {
        let dir = self.scratch_dir();
        std::fs::create_dir_all(&dir).map_err(|source| ComponentError::Io {
            component: self.name.to_owned(),
            path: dir.clone(),
            source,
        })?;
        Ok(dir.join(format!("{}.wasm", self.name)))
    }

    fn tool_error(&self, source: ProcessError) -> ComponentError {
        ComponentError::Tool {
            component: self.name.to_owned(),
            source,
        }
    }
}

/// The recorded inputs of each component's last good build.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    components: BTreeMap<String, Recorded>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Recorded {
    inputs: String,
    size: u64,
}

impl State {
    fn path(app: &App) -> PathBuf {
        build_dir(app).join("build-state.json")
    }

    fn load(app: &App) -> State {
        std::fs::read(Self::path(app))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn save(&self, app: &App) {
        let json = serde_json::to_vec_pretty(self).expect("plain data serializes");
        // The state only saves work; failing to write it costs a rebuild.
        let _ = crate::fsutil::write_atomically(&Self::path(app), &json);
    }
}

/// Where builds go: `target/wcomp` beside app.toml.
pub fn build_dir(app: &App) -> PathBuf {
    app.dir.join("target").join("wcomp")
}

/// The absolute form of `path`, without requiring it to exist.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Which JS componentizer builds `world`: the app.toml choice, else
/// componentize-qjs for worlds needing the async ABI (componentize-js has
/// none), else componentize-js (full JS with `console`).
pub fn js_backend(entry: &ComponentEntry, world: &World) -> JsBackend {
    match &entry.js_backend {
        Some(backend) => *backend.get_ref(),
        None if world.uses_async() => JsBackend::ComponentizeQjs,
        None => JsBackend::ComponentizeJs,
    }
}

/// The toolchain identity that goes into the input hash.
fn toolchain_id(lang: Lang, backend: JsBackend) -> String {
    match lang {
        Lang::Rust => format!(
            "rust {} wit-bindgen {}",
            toolchain::pins::RUST_TARGET,
            toolchain::pins::WIT_BINDGEN
        ),
        Lang::Python => format!("componentize-py {}", toolchain::pins::COMPONENTIZE_PY),
        Lang::Js => match backend {
            JsBackend::ComponentizeJs => format!(
                "jco {} componentize-js {}",
                toolchain::pins::JCO,
                toolchain::pins::COMPONENTIZE_JS
            ),
            JsBackend::ComponentizeQjs => {
                format!("componentize-qjs {}", toolchain::pins::COMPONENTIZE_QJS)
            }
        },
        Lang::C | Lang::Cpp => format!(
            "zig {} wit-bindgen-c {} preview1-adapter {}",
            toolchain::pins::ZIGLANG,
            toolchain::pins::WIT_BINDGEN_C,
            toolchain::pins::PREVIEW1_ADAPTER
        ),
    }
}

/// Directories under a component's sources that are outputs, not inputs.
const IGNORED: &[&str] = &["target", "node_modules", "__pycache__", ".git"];

/// Hashes every source file under `dir` (sorted paths and contents).
fn hash_tree(hasher: &mut Sha256, dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ty = entry.file_type()?;
            if ty.is_dir() {
                if !IGNORED.contains(&name.as_ref()) {
                    stack.push(entry.path());
                }
            } else if !name.ends_with(".wasm") {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    for file in files {
        let rel = file.strip_prefix(dir).unwrap_or(&file);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file)?);
        hasher.update([0]);
    }
    Ok(())
}

/// The hash of everything a component's output depends on.
fn input_hash(job: &Job<'_>, entry: &ComponentEntry) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(toolchain_id(job.lang, job.js_backend));
    hasher.update([u8::from(job.release)]);
    hasher.update(format!(
        "{:?}|{:?}|{:?}",
        job.lang,
        entry.world.as_ref().map(|w| w.get_ref()),
        entry.path.as_ref().map(|p| p.get_ref())
    ));
    if matches!(job.lang, Lang::C | Lang::Cpp) {
        hasher.update(format!("{:?}|{:?}", job.cflags, job.ldflags));
    }
    hasher.update(job.world.fingerprint());
    hash_tree(&mut hasher, &job.src)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Builds the app's components; prints progress through `report` as each
/// finishes and returns every component's summary.
pub fn build(
    app: &App,
    opts: &BuildOptions,
    report: &(dyn Fn(&Summary, Option<ComponentError>) + Sync),
    started: &(dyn Fn(&str, Lang) + Sync),
) -> Result<Vec<Summary>, BuildError> {
    let names: Vec<String> = match &opts.package {
        Some(name) => {
            if app.component(name).is_none() {
                return Err(BuildError::UnknownComponent {
                    name: name.clone(),
                    manifest: app.path.clone(),
                    known: format!(
                        "the app's components are {}",
                        app.component_names()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            vec![name.clone()]
        }
        None => app.component_names().map(str::to_owned).collect(),
    };
    let home = Home::from_env()?;
    let state = Mutex::new(State::load(app));
    let summaries = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let installed: Mutex<BTreeSet<Lang>> = Mutex::new(BTreeSet::new());

    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1).min(names.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(name) = names.get(i) else { break };
                    let begun = Instant::now();
                    let outcome = build_one(app, name, opts, &home, &state, &installed, started);
                    let (summary, error) = match outcome {
                        Ok(summary) => (summary, None),
                        Err((lang, error)) => (
                            Summary {
                                name: name.clone(),
                                lang,
                                status: Status::Failed,
                                output: app.build_output(name),
                                size: None,
                                duration_ms: begun.elapsed().as_millis(),
                                fresh: false,
                            },
                            Some(error),
                        ),
                    };
                    report(&summary, error);
                    summaries
                        .lock()
                        .expect("no panics while held")
                        .push(summary);
                }
            });
        }
    });

    state.into_inner().expect("no panics while held").save(app);
    let mut summaries = summaries.into_inner().expect("no panics while held");
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    let failed: Vec<&str> = summaries
        .iter()
        .filter(|s| s.status == Status::Failed)
        .map(|s| s.name.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(BuildError::Failed {
            failed: failed.len(),
            total: summaries.len(),
            names: failed
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(summaries)
}

type Failure = (Option<Lang>, ComponentError);

fn build_one(
    app: &App,
    name: &str,
    opts: &BuildOptions,
    home: &Home,
    state: &Mutex<State>,
    installed: &Mutex<BTreeSet<Lang>>,
    started: &(dyn Fn(&str, Lang) + Sync),
) -> Result<Summary, Failure> {
    let begun = Instant::now();
    let entry = app.component(name).expect("names come from the app");
    let output = absolute(&app.build_output(name));
    let Some(lang) = entry.lang.as_ref().map(|l| *l.get_ref()) else {
        let size = std::fs::metadata(app.component_wasm(name).unwrap_or_default())
            .ok()
            .map(|m| m.len());
        return Ok(Summary {
            name: name.to_owned(),
            lang: None,
            status: Status::Prebuilt,
            output: app.component_wasm(name).unwrap_or_default(),
            size,
            duration_ms: 0,
            fresh: true,
        });
    };
    let fail = |e| (Some(lang), e);
    let src = absolute(&app.dir.join(entry.source_dir(name)));
    if !src.is_dir() {
        return Err(fail(ComponentError::NoSource {
            component: name.to_owned(),
            path: src,
        }));
    }
    let world =
        World::load(&absolute(&app.wit_dir()), entry.world_name(name)).map_err(|source| {
            fail(ComponentError::Wit {
                component: name.to_owned(),
                source: Box::new(source),
            })
        })?;
    let job = Job {
        name,
        lang,
        src,
        world: &world,
        release: opts.release,
        build_dir: absolute(&build_dir(app)),
        home,
        js_backend: js_backend(entry, &world),
        cflags: entry.cflags(),
        ldflags: entry.ldflags(),
        jobs: opts.jobs,
    };
    let io = |path: &Path, source| {
        fail(ComponentError::Io {
            component: name.to_owned(),
            path: path.to_owned(),
            source,
        })
    };
    let inputs = input_hash(&job, entry).map_err(|e| io(&job.src, e))?;
    let recorded = state
        .lock()
        .expect("no panics while held")
        .components
        .get(name)
        .cloned();
    if !opts.force
        && let Some(recorded) = recorded
        && recorded.inputs == inputs
        && std::fs::metadata(&output).is_ok_and(|m| m.len() == recorded.size)
    {
        return Ok(Summary {
            name: name.to_owned(),
            lang: Some(lang),
            status: Status::Fresh,
            output,
            size: Some(recorded.size),
            duration_ms: begun.elapsed().as_millis(),
            fresh: true,
        });
    }

    // Toolchains install on first use, once per language per build.
    {
        let mut done = installed.lock().expect("no panics while held");
        if !done.contains(&lang) {
            toolchain::install(home, lang, false).map_err(|source| {
                fail(ComponentError::Toolchain {
                    component: name.to_owned(),
                    lang,
                    source,
                })
            })?;
            done.insert(lang);
        }
    }

    started(name, lang);
    std::fs::create_dir_all(&job.build_dir).map_err(|e| io(&job.build_dir, e))?;
    let built = match lang {
        Lang::Rust => rust::build(&job),
        Lang::Python => python::build(&job),
        Lang::Js => js::build(&job),
        Lang::C | Lang::Cpp => c::build(&job),
    }
    .map_err(fail)?;
    let bytes = std::fs::read(&built).map_err(|e| io(&built, e))?;
    check_output(&job, &output, &bytes).map_err(fail)?;
    crate::fsutil::write_atomically(&output, &bytes).map_err(|e| io(&e.path, e.source))?;
    // Hash again: the toolchain may have written inputs of its own (cargo
    // creates Cargo.lock), which the next build must find unchanged.
    let inputs = input_hash(&job, entry).map_err(|e| io(&job.src, e))?;
    if built.starts_with(job.scratch_dir()) {
        let _ = std::fs::remove_file(&built);
    }
    state
        .lock()
        .expect("no panics while held")
        .components
        .insert(
            name.to_owned(),
            Recorded {
                inputs,
                size: bytes.len() as u64,
            },
        );
    Ok(Summary {
        name: name.to_owned(),
        lang: Some(lang),
        status: Status::Built,
        output,
        size: Some(bytes.len() as u64),
        duration_ms: begun.elapsed().as_millis(),
        fresh: false,
    })
}

/// Exports a toolchain adds for its own use; not part of any world.
fn is_toolchain_export(name: &str) -> bool {
    name == "exports" || name == "func init"
}

/// Whether two WIT names denote the same item, versions compared the way
/// linkers do (same major; same minor for 0.x).
fn same_item(a: &str, b: &str) -> bool {
    let split = |s: &str| match s.split_once('@') {
        Some((path, v)) => (path.to_owned(), semver::Version::parse(v).ok()),
        None => (s.to_owned(), None),
    };
    let ((pa, va), (pb, vb)) = (split(a), split(b));
    pa == pb
        && match (va, vb) {
            (None, None) => true,
            (Some(x), Some(y)) => {
                x.pre == y.pre && x.major == y.major && (x.major != 0 || x.minor == y.minor)
            }
            _ => false,
        }
}

/// The output must be a component whose exports are exactly its world's, and
/// which imports nothing outside it but WASI.
fn check_output(job: &Job<'_>, output: &Path, bytes: &[u8]) -> Result<(), ComponentError> {
    let component = wcomp_compose::Component::from_bytes(output, bytes).map_err(|source| {
        ComponentError::Invalid {
            component: job.name.to_owned(),
            source,
        }
    })?;
    let expected = job.world.exports();
    let found: Vec<String> = component
        .exports()
        .into_iter()
        .filter(|e| !is_toolchain_export(e))
        .collect();
    let mut details = Vec::new();
    for e in &expected {
        if !found.iter().any(|f| same_item(e, f)) {
            details.push(format!("  missing export `{e}`"));
        }
    }
    for f in &found {
        if !expected.iter().any(|e| same_item(e, f)) {
            details.push(format!("  extra export `{f}`"));
        }
    }
    // Toolchains add WASI imports of their own; anything else the output
    // imports must be in its world.
    let world_imports = job.world.imports();
    for i in component.imports() {
        if !i.starts_with("wasi:") && !world_imports.iter().any(|w| same_item(w, &i)) {
            details.push(format!("  import `{i}` is not in the world"));
        }
    }
    if details.is_empty() {
        return Ok(());
    }
    Err(ComponentError::Mismatch {
        component: job.name.to_owned(),
        world: job.world.name.clone(),
        details: details.join("\n"),
        output: output.to_owned(),
    })
}

/// Formats a duration for status lines.
pub fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    #[test]
    fn items_match_by_compatible_version() {
        assert!(super::same_item(
            "wasi:cli/run@0.2.12",
            "wasi:cli/run@0.2.0"
        ));
        assert!(!super::same_item(
            "wasi:cli/run@0.3.0",
            "wasi:cli/run@0.2.0"
        ));
        assert!(!super::same_item(
            "wasi:cli/run@0.3.0",
            "wasi:cli/run@0.3.0-rc-2025-09-16"
        ));
        assert!(super::same_item("func greet", "func greet"));
        assert!(super::same_item("demo:a/b", "demo:a/b"));
        assert!(!super::same_item("demo:a/b", "demo:a/c"));
    }
}
