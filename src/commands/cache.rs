use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcomp_core::fmt::Size;
use wcomp_host::cache::{self, Tally};

use super::host_options::CacheMax;
use crate::lang::rust::deps as rust_deps;
use crate::prime;
use crate::toolchain::Home;
use crate::ui::Ui;

/// Show the caches under `$WCOMP_HOME`, or clear them.
///
/// `wcomp run` and `wcomp dev` keep native code there: whole components,
/// so an unchanged binary loads in milliseconds; their large core modules
/// on their own, so a new app or composition carrying the same engine
/// (CPython, StarlingMonkey) loads it in milliseconds too; and every
/// compiled function, so new code reuses the functions it shares. That cache stays within `--cache-max` (2 GiB by default,
/// or `WCOMP_CACHE_MAX`), the least recently used code going first.
///
/// `wcomp build` keeps the Rust dependencies that apps share there too
/// (wit-bindgen and its proc macro, compiled once per machine), hard-linked
/// into each app's target directory.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp cache                          show what the caches hold
  wcomp cache clean                    remove everything in them
  WCOMP_CACHE_MAX=512MiB wcomp cache   trim the code cache to 512 MiB now")]
pub struct CacheCommand {
    #[command(subcommand)]
    pub action: Option<CacheAction>,

    #[command(flatten)]
    pub cache_max: CacheMax,
}

/// What to do with the caches.
#[derive(Debug, clap::Subcommand)]
pub enum CacheAction {
    /// Remove the compiled code, the shared Rust dependencies and the
    /// priming stamps.
    Clean,
}

impl CacheCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        let code = home.compiled_code();
        let rust = rust_deps::Store::new(&home);
        match self.action {
            None => {
                let max = self.cache_max.get();
                let trimmed = cache::evict(&code, max).map_err(|e| io_error(&code, e))?;
                if trimmed.bytes() > 0 {
                    ui.status(
                        "Trimmed",
                        format_args!("{} of least recently used code", Size(trimmed.bytes())),
                    );
                }
                let usage = cache::usage(&code).map_err(|e| io_error(&code, e))?;
                println!("compiled code   {}", code.display());
                println!("  components    {}", tally(usage.components));
                println!("  functions     {}", tally(usage.functions));
                println!("  total         {} of {}", Size(usage.bytes()), Size(max));
                let rust_usage = rust.usage().map_err(|e| io_error(rust.root(), e))?;
                println!("rust deps       {}", rust.root().display());
                println!("  files         {}", tally(rust_usage));
            }
            Some(CacheAction::Clean) => {
                let removed = cache::clean(&code).map_err(|e| io_error(&code, e))?;
                let rust_usage = rust.usage().map_err(|e| io_error(rust.root(), e))?;
                remove_dir(rust.root())?;
                remove_dir(&prime::stamps_dir(&home))?;
                ui.status(
                    "Removed",
                    format_args!(
                        "{} of compiled code and {} of Rust dependencies",
                        Size(removed.bytes()),
                        Size(rust_usage.bytes)
                    ),
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn tally(tally: Tally) -> String {
    format!("{:>8} entries  {}", tally.entries, Size(tally.bytes))
}

/// Removes `dir` and everything in it, if it exists.
fn remove_dir(dir: &Path) -> Result<(), CacheError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(dir, e)),
        _ => Ok(()),
    }
}

/// The cache could not be read or changed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read or change the cache at `{}`", path.display())]
#[diagnostic(
    code(wcomp::cache::io),
    help("check the permissions of `$WCOMP_HOME`, or point `WCOMP_HOME` elsewhere")
)]
pub struct CacheError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

fn io_error(path: &Path, source: std::io::Error) -> CacheError {
    CacheError {
        path: path.to_owned(),
        source,
    }
}
