use std::path::PathBuf;
use std::process::ExitCode;

use wcomp_compose::{App, Lang, PackageSpec};

use crate::commands::registry_options::{PackageOptions, report_synced};
use crate::registry::RegistryError;
use crate::registry::resolve::{self, SyncOptions};
use crate::scaffold::{self, ChangedFiles, Created, Existing, NewOptions};
use crate::ui::Ui;

/// Scaffold a guest component from a WIT world.
///
/// Creates a project in NAME (or the current directory) whose stubs are
/// generated from the world's exports, and adds it to app.toml (creating
/// app.toml and a starter `wit/` package when there is none). Without
/// `--world`, the guest is a command that prints a greeting.
///
/// A fully qualified `--world ns:pkg/world@1.2.3` whose package is not in
/// the app's WIT is fetched from its registry (as `[wit.deps]` fetches
/// WIT packages) and added to app.toml's `[wit.deps]`, pinned.
///
/// With `--force`, files already in NAME are replaced only while they are
/// as `wcomp new` wrote them (it records their hashes in
/// `target/wcomp/new-files.json`); a file you changed is kept, and listed.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp new hello --lang python
  wcomp new upper --lang js --world upper
  wcomp new codec --lang c --world codec
  wcomp new cli --lang rust --wit ../shared-wit --world cli
  wcomp new api --lang python --world wasi:http/service
  wcomp new cli --lang rust --world docs:calc/cli@0.1.0      fetched if not local
  wcomp new codec --lang c --world codec --force    new stubs, your edits kept")]
pub struct NewCommand {
    /// The component's name (kebab-case); its directory by default. Without
    /// it, the current directory is scaffolded.
    pub name: Option<String>,

    /// The guest's language.
    #[arg(long, value_parser = crate::cli::lang_parser())]
    pub lang: Lang,

    /// The directory holding the WIT package (and its `deps/`); by default
    /// the `wit/` already in NAME (with `--force`), else the app's `wit/`.
    #[arg(long, value_name = "DIR")]
    pub wit: Option<PathBuf>,

    /// The world to implement; a greeting command when omitted.
    /// `wasi:http/proxy` (WASI 0.2), `wasi:http/service` (0.3) or
    /// `wasi:http/middleware` (0.3) scaffold a working HTTP handler.
    #[arg(long)]
    pub world: Option<String>,

    /// Scaffold a test component of COMPONENT (an app component): its
    /// world, `wit/NAME.wit`, imports what COMPONENT exports and exports
    /// `wcomp:test/cases`, which `wcomp test` runs case by case.
    #[arg(
        long,
        value_name = "COMPONENT",
        conflicts_with = "world",
        requires = "name"
    )]
    pub test_for: Option<String>,

    /// Scaffold into a directory that is not empty: add the missing files,
    /// regenerate bindings and the files still as `wcomp new` wrote them,
    /// and keep the ones you changed.
    #[arg(long)]
    pub force: bool,

    /// Like `--force`, and also replace the files you changed, each moved
    /// aside first to `NAME.wcomp-backup`.
    #[arg(long)]
    pub overwrite_sources: bool,

    #[command(flatten)]
    pub packages: PackageOptions,
}

impl NewCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let cwd = std::env::current_dir()
            .map_err(|e| miette::miette!("cannot read the current directory: {e}"))?;
        let manifest = cwd.join(wcomp_compose::manifest::FILE_NAME);
        let sync = self.packages.sync_options();
        sync_existing(&manifest, &sync, ui)?;
        let fetch = |spec: &PackageSpec| -> Result<_, RegistryError> {
            let (fetched, file) = resolve::fetch_wit_package(&manifest, spec, &sync)?;
            report_synced(ui)(&fetched);
            Ok((fetched.version, file))
        };
        let (world, written) = match (&self.test_for, &self.name) {
            (Some(component), Some(name)) => {
                let written = scaffold::test_for::write_world(&cwd, name, component)?;
                (Some(name.clone()), Some(written))
            }
            _ => (self.world, None),
        };
        let created = scaffold::new(
            &cwd,
            &NewOptions {
                name: self.name,
                lang: self.lang,
                wit: self.wit,
                world,
                force: self.force || self.overwrite_sources,
                changed_files: if self.overwrite_sources {
                    ChangedFiles::BackUpAndReplace
                } else {
                    ChangedFiles::Keep
                },
            },
            Some(&fetch),
        )
        .inspect_err(|_| {
            written
                .into_iter()
                .for_each(scaffold::test_for::Written::undo)
        })?;
        if created.wit_dep.is_some() {
            // The lock and `target/wcomp/wit-deps` follow the new entry.
            resolve::sync(&App::load(&created.manifest)?, &sync, &|_| {})?;
        }
        report(ui, &cwd, self.lang, &created, self.test_for.is_some());
        Ok(ExitCode::SUCCESS)
    }
}

/// The `[wit.deps]` of the app `wcomp new` adds to, in place before its
/// WIT is read. A manifest that does not load is left for `new` to report.
fn sync_existing(manifest: &std::path::Path, sync: &SyncOptions, ui: &Ui) -> miette::Result<()> {
    match App::load(manifest) {
        Ok(app) if !app.wit_deps().is_empty() => {
            // Only what had to be fetched is worth a line here.
            let report = report_synced(ui);
            resolve::sync(&app, sync, &|synced| {
                if synced.origin == resolve::Origin::Registry {
                    report(synced);
                }
            })?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// What became of the files `--force` found in the way.
fn report_existing(ui: &Ui, cwd: &std::path::Path, existing: &[Existing]) {
    let shown =
        |path: &std::path::Path| path.strip_prefix(cwd).unwrap_or(path).display().to_string();
    for existing in existing {
        match existing {
            Existing::Replaced(path) => ui.status(
                "Replaced",
                format_args!("`{}`, unchanged since `wcomp new` wrote it", shown(path)),
            ),
            Existing::Kept(path) => ui.status(
                "Kept",
                format_args!(
                    "`{}`, which you changed (`--overwrite-sources` replaces it, keeping a copy)",
                    shown(path)
                ),
            ),
            Existing::BackedUp { path, backup } => ui.status(
                "Backed up",
                format_args!("`{}` to `{}`, then replaced it", shown(path), shown(backup)),
            ),
        }
    }
}

/// What `new` says it did, and what to do next (for a test component of
/// `--test-for`, writing and running its cases).
fn report(ui: &Ui, cwd: &std::path::Path, lang: Lang, created: &Created, test_for: bool) {
    report_existing(ui, cwd, &created.existing);
    if created.created_app {
        ui.status(
            "Created",
            format_args!("app manifest `{}`", created.manifest.display()),
        );
    }
    let backend = created
        .js_backend
        .map(|b| format!(", {}", b.name()))
        .unwrap_or_default();
    ui.status(
        "Created",
        format_args!(
            "{} component `{}` (world `{}`{backend}) in `{}`",
            lang,
            created.name,
            created.world,
            created
                .dir
                .strip_prefix(cwd)
                .unwrap_or(&created.dir)
                .display()
        ),
    );
    if let Some(dep) = &created.wit_dep {
        ui.status(
            "Added",
            format_args!(
                "`\"{}\" = \"{}\"` to `[wit.deps]` in app.toml",
                dep.name, dep.requirement
            ),
        );
    }
    let then = if created.http { "serve" } else { "run" };
    if test_for {
        ui.status(
            "Next",
            "write its cases (`list-cases`, `run-case`), then `wcomp build` and `wcomp test`",
        );
        return;
    }
    ui.status(
        "Next",
        format_args!("`wcomp build`, then `wcomp compose` and `wcomp {then} composed.wasm`"),
    );
}
