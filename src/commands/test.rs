use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use wcomp_compose::App;

use super::host_options::LimitOptions;
use crate::test::{self, report, run};
use crate::ui::Ui;

/// Run the app's tests: `tests/*.toml` beside app.toml.
///
/// Each `[[test]]` calls a function (`invoke` + `expect`, WAVE in and out)
/// or runs the command (`args`, `stdin`, then `stdout`, `stderr`, `exit`),
/// on the composed app or on one `component` of it, whose imports a test
/// may answer with `[test.mock."ns:pkg/iface@ver".func] returns = [...]`
/// (a mock generated from the WIT, plugged in instead of the real
/// component). Every case gets a fresh instance, no files, env or network
/// unless it grants them, and a 30 s timeout and 1 GiB of memory unless it
/// says otherwise. Cases run in parallel; the last line is `N passed, M
/// failed`, and the exit code is 1 when a case failed. Build the app first
/// (`wcomp build`).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp test                         every case of tests/*.toml
  wcomp test greet                   the cases whose `file: name` contains `greet`
  wcomp test --update                write snapshots that are missing or differ
  wcomp test --junit report.xml      also write a JUnit report for CI
  wcomp test -m examples/app/app.toml")]
pub struct TestCommand {
    /// Run only the cases whose `file: name` contains this text.
    pub filter: Option<String>,

    /// The app manifest.
    #[arg(short, long, value_name = "FILE", default_value = "app.toml")]
    pub manifest: PathBuf,

    /// Write snapshot files (`stdout = { snapshot = "FILE" }`) that are
    /// missing or differ, instead of failing.
    #[arg(long)]
    pub update: bool,

    /// Also write the outcomes as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// How many cases run at once; the number of CPUs by default.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Limits of every case that sets none itself.
    #[command(flatten)]
    pub limits: LimitOptions,
}

impl TestCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let started = Instant::now();
        let app = App::load(&self.manifest)?;
        let cases = test::discover(&app, self.filter.as_deref())?;
        if cases.is_empty() {
            let dir = test::tests_dir(&app);
            ui.warn(format_args!(
                "no test cases{} in `{}`; add a `[[test]]` to a `.toml` file there",
                self.filter
                    .as_deref()
                    .map(|f| format!(" matching `{f}`"))
                    .unwrap_or_default(),
                test::target::shown(&dir).display()
            ));
            println!("0 passed, 0 failed");
            return Ok(ExitCode::SUCCESS);
        }
        let fuel = cases.iter().any(|c| c.world.fuel.is_some());
        let host = self
            .limits
            .host_builder(ui)
            .fuel(fuel || self.limits.fuel.is_some())
            .build()?;
        ui.status("Running", running(&cases));
        let opts = run::Options {
            filter: self.filter.clone(),
            update: self.update,
            limits: self.limits.limits(),
            jobs: self.jobs.map_or_else(
                || std::thread::available_parallelism().map_or(2, |n| n.get()),
                usize::from,
            ),
        };
        // A test component's cases are counted once it lists them.
        let total = match cases
            .iter()
            .any(|c| matches!(c.run, test::spec::Run::Listed))
        {
            true => String::new(),
            false => format!("/{}", cases.len()),
        };
        let mut finished = 0;
        let outcomes = run::run_all(Arc::new(host), &app, cases, &opts, |outcome| {
            finished += 1;
            if !ui.is_quiet() {
                println!("{} [{finished}{total}]", report::line(outcome));
            }
        })?;
        if let Some(path) = &self.junit {
            wcomp_core::fs::write_atomically(
                path,
                report::junit(app.name().as_str(), &outcomes).as_bytes(),
            )
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
        }
        ui.status(
            "Finished",
            format_args!("in {}", wcomp_core::fmt::Elapsed(started.elapsed())),
        );
        println!("{}", report::summary(&outcomes));
        Ok(if outcomes.iter().all(run::Outcome::passed) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

/// What is about to run: `3 test cases`, `2 test cases and the cases of 1
/// test component` (whose count is known once it lists them).
fn running(cases: &[test::spec::Case]) -> String {
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let listings = cases
        .iter()
        .filter(|c| matches!(c.run, test::spec::Run::Listed))
        .count();
    let cases = cases.len() - listings;
    match (cases, listings) {
        (_, 0) => plural(cases, "test case"),
        (0, _) => format!("the cases of {}", plural(listings, "test component")),
        _ => format!(
            "{} and the cases of {}",
            plural(cases, "test case"),
            plural(listings, "test component")
        ),
    }
}
