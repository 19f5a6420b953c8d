use std::path::PathBuf;
use std::process::ExitCode;

use crate::trace::{TraceError, TraceFile, svg, tree, view};
use crate::ui::Ui;

/// Show a trace's calls as trees, and the time spent in each component.
///
/// Reads the file `wcomp run --trace` wrote, and prints each run (or
/// request served) as a tree of the calls between components.
/// Each call shows its total time, its self time (less the calls made in
/// it), its arguments and result, or `TRAPPED:` and the trap. The table
/// after the trees sums each component's calls, the most self time first.
/// With `--svg`, it also draws the calls as a flame chart: time left to
/// right, nested calls below their caller, one color per component and
/// trapped calls in red; hover a call for its details.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp run --trace trace.json composed.wasm    record the calls of a run
  wcomp trace trace.json                        show them as trees
  wcomp trace trace.json --svg flame.svg        and draw a flame chart")]
pub struct TraceCommand {
    /// The trace file (Chrome trace-event JSON, as `--trace FILE` writes).
    pub file: PathBuf,

    /// Also write a flame chart of the calls to this SVG file.
    #[arg(long, value_name = "OUT")]
    pub svg: Option<PathBuf>,
}

impl TraceCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let file = TraceFile::read(&self.file)?;
        let traces = tree::traces(&file.events);
        print!("{}", view::render(&traces));
        if let Some(out) = &self.svg {
            wcomp_core::fs::write_atomically(out, svg::render(&traces).as_bytes())
                .map_err(TraceError::from)?;
            ui.status(
                "Wrote",
                format_args!("the flame chart to `{}`", out.display()),
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
