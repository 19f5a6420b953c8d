use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use wcomp_compose::{App, Lang};

use crate::build::{
    self, BuildOptions, ComponentError, Precompile, Runner, Status, Summary, WitUsed,
};
use wcomp_core::fmt::{Elapsed, Size};

use crate::commands::host_options::{CacheMax, default_host};
use crate::commands::registry_options::{PackageOptions, report_synced};
use crate::toolchain::Home;
use crate::ui::Ui;
use crate::web::{self, Target};

/// Build every component of the app, each with its own toolchain.
///
/// Reads app.toml and builds each component with sources into
/// `target/wcomp/<name>.wasm`, in parallel (a `package` component is
/// fetched there instead, as `wcomp.lock` pins it), skipping components whose inputs
/// (sources, the WIT their world uses, their app.toml entry, toolchain and
/// flags) have not changed. Toolchains are installed on first use. Each output
/// is checked to be a component exporting exactly its world, then compiled
/// for this machine into the compiled-code cache, while the others build,
/// so that the app's first `wcomp run` or `wcomp serve` does not wait for
/// Cranelift (`--no-compile` skips it).
///
/// With `--target web` or `--target node`, the app is then composed and
/// transpiled with the pinned jco into the folder `-o` names: an ES module,
/// its core Wasm modules and the WASI shim, with an `index.html` that runs
/// it in a browser (try it with `wcomp serve --web DIR`) or a `run.mjs` for
/// `node DIR/run.mjs ARGS...`. WASI 0.2 apps only.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp build
  wcomp build -p upper --force
  wcomp build -v                   say which WIT each component is built against
  wcomp build --release --json
  wcomp build --target web -o dist && wcomp serve --web dist
  wcomp build --target node -o dist && node dist/run.mjs")]
pub struct BuildCommand {
    /// The app manifest.
    #[arg(long, default_value = "app.toml", value_name = "PATH")]
    pub manifest: PathBuf,

    /// Build only this component.
    #[arg(short, long, value_name = "NAME")]
    pub package: Option<String>,

    /// Build with optimizations (Rust: `cargo build --release`), then shrink
    /// each component: debug sections and names removed, core modules up to
    /// 1 MiB optimized for size by wasm-opt (Binaryen, installed on first
    /// use).
    #[arg(long)]
    pub release: bool,

    /// With `--release`, keep the names backtraces and profiles show.
    #[arg(long, requires = "release")]
    pub keep_names: bool,

    /// Rebuild even components that are up to date.
    #[arg(long)]
    pub force: bool,

    /// How many components to build at once; the number of cores by default.
    #[arg(short, long, value_name = "N", value_parser = parse_jobs, allow_negative_numbers = true)]
    pub jobs: Option<usize>,

    /// Print one JSON summary per component on stdout.
    #[arg(long)]
    pub json: bool,

    /// Also say which world each component is built against and the WIT it
    /// is read from: `wit` in app.toml, else the `wit` in the component's
    /// folder, else the app's `wit/`.
    #[arg(short, long)]
    pub verbose: bool,

    /// Also compose the app and transpile it with jco to run in a browser
    /// (`web`) or Node.js (`node`), into the folder `-o` names.
    #[arg(
        long,
        value_enum,
        value_name = "TARGET",
        requires = "output",
        conflicts_with = "package"
    )]
    pub target: Option<Target>,

    /// The folder `--target` writes; replaced as a whole, once the new one
    /// is ready.
    #[arg(short, long, value_name = "DIR", requires = "target")]
    pub output: Option<PathBuf>,

    /// Do not compile the components just built for this machine. By
    /// default their code goes to the compiled-code cache, for the host
    /// that will run the app (`wcomp serve`'s when its main component is
    /// an HTTP handler, `wcomp run`'s otherwise), so that its first run
    /// compiles only the composition's glue.
    #[arg(long)]
    pub no_compile: bool,

    #[command(flatten)]
    pub packages: PackageOptions,

    #[command(flatten)]
    pub cache_max: CacheMax,
}

impl BuildCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let app = App::load(&self.manifest)?;
        if let Some(dir) = &self.output {
            // A bad folder is refused before a long build.
            web::check_output(dir)?;
        }
        crate::registry::resolve::sync(&app, &self.packages.sync_options(), &report_synced(ui))?;
        let opts = BuildOptions {
            release: self.release,
            keep_names: self.keep_names,
            force: self.force,
            jobs: self
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            package: self.package,
            // An app for a browser or Node.js does not run under this host.
            precompile: match self.no_compile || self.target.is_some() {
                true => None,
                false => Some(precompile(&app, &self.cache_max)?),
            },
        };
        let progress = Progress::new(ui, self.verbose.then(|| app.dir()));
        let report = build::build(&app, &opts, &progress)?;
        if self.json {
            for summary in &report.summaries {
                println!("{}", crate::ui::json_line(summary)?);
            }
        }
        report.into_result()?;
        if let (Some(target), Some(dir)) = (self.target, &self.output) {
            transpile(&app, target, dir, ui)?;
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `--target`: composes the built app as `wcomp compose` does, then
/// transpiles it into `dir`; an app jco cannot transpile is refused before
/// its composed component is written.
fn transpile(app: &App, target: Target, dir: &Path, ui: &Ui) -> miette::Result<()> {
    let plan = wcomp_compose::plan(app)?;
    for warning in plan.warnings() {
        ui.warn(warning);
    }
    let bytes = plan.encode()?;
    // A WASI 0.3 app is refused before anything is written.
    let component = wcomp_core::decode::Component::from_bytes(&app.output(), &bytes)?;
    web::check_transpilable(&component)?;
    drop(component);
    let composed = crate::commands::compose::compose_app(app, &plan, bytes, None, None, ui)?;
    let home = Home::from_env()?;
    let begun = std::time::Instant::now();
    let done = web::transpile(&composed, target, dir, &home)?;
    ui.status(
        "Transpiled",
        format_args!(
            "`{}` with jco {} into `{}` ({}) in {}",
            composed.display(),
            crate::lang::js::pins::JCO,
            done.dir.display(),
            Size(done.size),
            Elapsed(begun.elapsed())
        ),
    );
    let next = match target {
        Target::Web => format!("wcomp serve --web {}", done.dir.display()),
        Target::Node => format!("node {}", done.entry.display()),
    };
    ui.status("Ready", format_args!("run it with `{next}`"));
    Ok(())
}

/// The host that compiles each component as it is built: the one the app
/// will run under.
fn precompile(app: &App, max: &CacheMax) -> miette::Result<Precompile> {
    let runner = build::runner(app);
    let host = default_host(&Home::from_env()?, max, runner == Runner::Serve).build()?;
    Ok(Precompile::new(host, runner))
}

/// Parses `--jobs`: a whole number, at least 1.
fn parse_jobs(input: &str) -> Result<usize, String> {
    match input.trim().parse::<usize>() {
        Ok(0) => Err("it must be at least 1 (0 jobs would build nothing)".into()),
        Ok(n) => Ok(n),
        Err(_) if input.trim_start().starts_with('-') => {
            Err("it must not be negative; give a whole number, at least 1".into())
        }
        Err(_) => Err("give a whole number, at least 1".into()),
    }
}

/// Progress on stderr: a spinner per component on a terminal, status lines
/// otherwise (CI, pipes).
struct Progress<'a> {
    ui: &'a Ui,
    bars: Option<MultiProgress>,
    running: Mutex<BTreeMap<String, ProgressBar>>,
    /// With `--verbose`: the app's folder, which WIT paths are shown from.
    verbose: Option<&'a Path>,
}

impl<'a> Progress<'a> {
    fn new(ui: &'a Ui, verbose: Option<&'a Path>) -> Self {
        Progress {
            ui,
            bars: ui.is_interactive().then(MultiProgress::new),
            running: Mutex::default(),
            verbose,
        }
    }

    /// A spinner with `message`, or a status line when not on a terminal.
    fn spin(&self, key: &str, verb: &str, message: String) {
        match &self.bars {
            Some(bars) => {
                let bar = bars.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner:.green} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(message);
                bar.enable_steady_tick(Duration::from_millis(120));
                self.running
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.to_owned(), bar);
            }
            None => self.ui.status(verb, message),
        }
    }

    fn stop(&self, key: &str) {
        let bar = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }

    /// Prints above the spinners.
    fn print(&self, print: impl FnOnce()) {
        match &self.bars {
            Some(bars) => bars.suspend(print),
            None => print(),
        }
    }
}

impl build::Progress for Progress<'_> {
    /// With `--verbose`: `adder: world `docs:adder/adder@0.1.0` from
    /// `adder/wit` (the component's own)`.
    fn resolved(&self, name: &str, wit: &WitUsed) {
        let Some(app_dir) = self.verbose else {
            return;
        };
        let from = match &wit.path {
            Some(path) => {
                let app_dir = std::path::absolute(app_dir).unwrap_or_else(|_| app_dir.to_owned());
                let shown = path.strip_prefix(&app_dir).unwrap_or(path);
                format!("`{}` ({})", shown.display(), wit.from.describe())
            }
            None => "the vendored WASI (the app has no `wit/`)".to_owned(),
        };
        self.ui.status(
            "WIT",
            format_args!("{name}: world `{}` from {from}", wit.world),
        );
    }

    fn installing(&self, lang: Lang) {
        self.print(|| {
            self.ui.status(
                "Installing",
                format_args!("the {lang} toolchain into `$WCOMP_HOME` (once)"),
            )
        });
    }

    fn started(&self, name: &str, lang: Lang) {
        self.spin(name, "Building", format!("{name} ({lang})"));
    }

    fn finished(&self, summary: &Summary, error: Option<ComponentError>) {
        self.stop(&summary.name);
        self.print(|| match summary.status {
            Status::Built => {
                self.ui.status(
                    "Built",
                    format_args!(
                        "{} in {} ({}{}){}",
                        summary.name,
                        Elapsed(Duration::from_millis(summary.duration_ms as u64)),
                        Size(summary.size.unwrap_or_default()),
                        summary.shrunk.as_ref().map(shrunk).unwrap_or_default(),
                        summary.compiled.as_ref().map(compiled).unwrap_or_default()
                    ),
                );
                let warnings = (summary.shrunk.iter().flat_map(|s| &s.warnings))
                    .chain(summary.compiled.iter().flat_map(|c| &c.warnings));
                for warning in warnings {
                    self.ui.warn(format_args!("{}: {warning}", summary.name));
                }
            }
            Status::Fresh => self.ui.status("Fresh", &summary.name),
            // Said as it was fetched, before the build.
            Status::Fetched => {}
            Status::Prebuilt => self.ui.status(
                "Prebuilt",
                format_args!("{} ({})", summary.name, summary.output.display()),
            ),
            // Each failure is shown as it happens; the others go on.
            Status::Failed => {
                if let Some(error) = error {
                    eprintln!("{:?}", miette::Report::new(error));
                }
            }
        });
    }
}

/// `, compiled for `wcomp run` in 2.1s (1200 of 22000 functions from the
/// cache)`: what compiling the component for this machine did; nothing
/// when its code was in the cache already or could not be compiled.
fn compiled(compiled: &build::Precompiled) -> String {
    if compiled.cached || (!compiled.warnings.is_empty() && compiled.functions_compiled == 0) {
        return String::new();
    }
    let total = compiled.functions_reused + compiled.functions_compiled;
    format!(
        ", compiled for `{}` in {} ({} of {total} functions from the cache)",
        compiled.runner,
        Elapsed(Duration::from_millis(compiled.duration_ms as u64)),
        compiled.functions_reused
    )
}

/// `, 0.61× of 64.2 KiB as built, 1 module optimized`: what `--release`
/// did to a component.
fn shrunk(shrunk: &crate::release::Shrunk) -> String {
    let ratio = shrunk.after as f64 / shrunk.before.max(1) as f64;
    let modules = match shrunk.optimized {
        0 => String::new(),
        1 => ", 1 module optimized".to_owned(),
        n => format!(", {n} modules optimized"),
    };
    format!(", {ratio:.2}× of {} as built{modules}", Size(shrunk.before))
}
