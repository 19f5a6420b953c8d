use std::process::ExitCode;
use std::time::Instant;

use wcomp_compose::Lang;

use crate::toolchain::{self, Home, Installed};
use crate::ui::Ui;

/// Install the pinned guest toolchains into the wcomp cache.
///
/// Rust gets the `wasm32-wasip2` target (through rustup); Python gets
/// componentize-py in a virtual environment; JavaScript gets jco,
/// componentize-js and componentize-qjs through npm; C and C++ get zig (PyPI's
/// `ziglang`) in a virtual environment, with wasi-libc and libc++ built once.
/// Everything goes under `$WCOMP_HOME` (default `~/.cache/wcomp`). Running it
/// again does nothing; an interrupted install is redone on the next run.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp setup                   install every toolchain
  wcomp setup --lang python     only componentize-py
  WCOMP_HOME=/opt/wcomp wcomp setup --force")]
pub struct SetupCommand {
    /// Only these languages (comma-separated); all by default.
    #[arg(long, value_delimiter = ',', value_parser = crate::cli::lang_parser())]
    pub lang: Vec<Lang>,

    /// Reinstall even what is already installed.
    #[arg(long)]
    pub force: bool,
}

impl SetupCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        let langs = if self.lang.is_empty() {
            Lang::ALL.to_vec()
        } else {
            self.lang
        };
        let mut installed_any = false;
        for lang in langs {
            let started = Instant::now();
            match toolchain::install(&home, lang, self.force)? {
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
