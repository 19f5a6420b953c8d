use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use wcomp_core::fmt::{Elapsed, Size};
use wcomp_host::Host;

use crate::ui::Ui;

/// Compile a component ahead of time into a `.cwasm` artifact.
///
/// The artifact holds the component's native code for this host's engine
/// settings: `wcomp run` and `wcomp serve` load it without compiling (and
/// without the cache), which makes the first run of a large component, a
/// Python one say, about as fast as a cached one. It runs only under the
/// wcomp release that wrote it, on the target it was compiled for, with
/// the same `--fuel` choice; anything else is refused when loaded, never
/// run. Keep the `.wasm`: it is what runs everywhere else.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp compile composed.wasm                   writes composed.cwasm
  wcomp run composed.cwasm -- --name world
  wcomp compile app.wasm --fuel -o app.cwasm    for `wcomp run --fuel N`
  wcomp compile app.wasm --target aarch64-unknown-linux-gnu   for an arm64 server")]
pub struct CompileCommand {
    /// The component to compile.
    pub file: PathBuf,

    /// Where to write the artifact; FILE with the extension `.cwasm` by
    /// default. Never the input itself.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Compile for another target triple than this machine's: x86_64 or
    /// aarch64 (arm64), with any operating system, e.g.
    /// `aarch64-unknown-linux-gnu` for an arm64 Linux server. The artifact
    /// runs only there.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,

    /// Count fuel in the compiled code, for runs with `--fuel`; an
    /// artifact without it is refused by them, and one with it is refused
    /// by runs without `--fuel`.
    #[arg(long)]
    pub fuel: bool,
}

/// `wcomp compile` cannot write where it was asked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CompileError {
    /// The output is the input.
    #[error("`{}` is the component being compiled; it would be overwritten", path.display())]
    #[diagnostic(
        code(wcomp::compile::overwrites_input),
        help("choose another `-o`, e.g. `{suggestion}`")
    )]
    OverwritesInput {
        /// The input, as given.
        path: PathBuf,
        /// An output that would do.
        suggestion: String,
    },
}

impl CompileCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| artifact_path(&self.file));
        refuse_overwriting(&self.file, &output)?;
        let started = Instant::now();
        // The settings `wcomp run` builds its host with: fuel only when
        // asked, and epoch checks for timeouts (`serve` keeps them for an
        // artifact, so one file does for both).
        let host = Host::builder()
            .fuel(self.fuel)
            .target(self.target)
            .build()?;
        let bytes = host.precompile(&self.file)?;
        wcomp_core::fs::write_atomically(&output, &bytes)?;
        ui.result(
            "Compiled",
            format_args!(
                "`{}` into `{}` ({}) in {}",
                self.file.display(),
                output.display(),
                Size(bytes.len() as u64),
                Elapsed(started.elapsed())
            ),
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// Where the artifact of `file` goes by default: beside it, as `.cwasm`.
fn artifact_path(file: &Path) -> PathBuf {
    file.with_extension("cwasm")
}

/// Refuses an output that is the input file, by name or as the same file
/// on disk (a link, or another spelling of its path).
fn refuse_overwriting(input: &Path, output: &Path) -> Result<(), CompileError> {
    let same = input == output
        || match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
    if !same {
        return Ok(());
    }
    let suggestion = match artifact_path(input) {
        path if path != input => path,
        _ => input.with_extension("wasm.cwasm"),
    };
    Err(CompileError::OverwritesInput {
        path: input.to_owned(),
        suggestion: suggestion.display().to_string(),
    })
}
