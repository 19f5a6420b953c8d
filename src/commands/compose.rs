use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wcomp_compose::{App, Plan};

use wcomp_core::fmt::Size;
use wcomp_core::fs::{OutputError, Outputs};

use crate::commands::registry_options::{PackageOptions, report_synced};
use crate::ui::Ui;

/// Compose the components of an app into one component.
///
/// Starts from `[app] main` and plugs each import into the component that
/// exports it (explicit `[components.X.plug]` entries win), transitively,
/// sharing one instance of each. Imports nobody exports (typically WASI) stay
/// imports of the result. The output is a standard component, written
/// atomically; the same inputs give the same bytes. Components from
/// registries (`package = ...`) are fetched first, as `wcomp.lock` pins them.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp compose
  wcomp compose app.toml -o dist/app.wasm
  wcomp compose --graph mermaid       print the wiring plan
  wcomp compose --emit-wac app.wac    also write it as WAC for `wac compose`")]
pub struct ComposeCommand {
    /// The app manifest.
    #[arg(default_value = "app.toml")]
    pub manifest: PathBuf,

    /// Where to write the composed component; `[app] output`, or
    /// `composed.wasm` beside app.toml, by default.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the wiring plan as a graph instead of composing.
    #[arg(long, value_name = "FORMAT", value_enum, conflicts_with = "json")]
    pub graph: Option<GraphFormat>,

    /// Print the wiring plan as JSON instead of composing.
    #[arg(long)]
    pub json: bool,

    /// Also write an equivalent WAC document that `wac compose` accepts.
    #[arg(long, value_name = "FILE")]
    pub emit_wac: Option<PathBuf>,

    /// Strip what a deployed component does not need: debug sections and
    /// names, in every component inside (build with `wcomp build --release`
    /// to optimize their code too).
    #[arg(long)]
    pub release: bool,

    /// With `--release`, keep the names backtraces and profiles show.
    #[arg(long, requires = "release")]
    pub keep_names: bool,

    #[command(flatten)]
    pub packages: PackageOptions,
}

/// How `--graph` draws the wiring plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub and mdBook).
    Mermaid,
    /// Graphviz's DOT.
    Dot,
}

impl ComposeCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let app = App::load(&self.manifest)?;
        crate::registry::resolve::sync(&app, &self.packages.sync_options(), &report_synced(ui))?;
        let mut plan = wcomp_compose::plan(&app)?;
        for warning in plan.warnings() {
            ui.warn(warning);
        }
        match (self.graph, self.json) {
            (Some(GraphFormat::Dot), _) => {
                print!("{}", plan.to_dot());
                return Ok(ExitCode::SUCCESS);
            }
            (Some(GraphFormat::Mermaid), _) => {
                print!("{}", plan.to_mermaid());
                return Ok(ExitCode::SUCCESS);
            }
            (None, true) => {
                println!("{}", crate::ui::json(&plan.to_json())?);
                return Ok(ExitCode::SUCCESS);
            }
            (None, false) => {}
        }
        let mut bytes = plan.take_encoded()?;
        if self.release {
            bytes = crate::release::strip_component(&bytes, self.keep_names)?;
        }
        compose_app(
            &app,
            &plan,
            bytes,
            self.output,
            self.emit_wac.as_deref(),
            ui,
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Writes `bytes`, `plan` encoded, to `output` (`[app] output` by
/// default), and the WAC to `wac` if asked, saying what was written: what
/// `wcomp compose` does, and `wcomp build --target` after building. Returns
/// the composed component's path.
pub(crate) fn compose_app(
    app: &App,
    plan: &Plan,
    bytes: Vec<u8>,
    output: Option<PathBuf>,
    wac: Option<&Path>,
    ui: &Ui,
) -> miette::Result<PathBuf> {
    let size = bytes.len() as u64;
    let output = match output {
        Some(output) => output,
        None => app.checked_output()?,
    };
    write_composed(app, plan, &output, bytes, wac)?;
    if let Some(wac) = wac {
        ui.status("Wrote", format_args!("`{}`", wac.display()));
    }
    ui.status(
        "Composed",
        format_args!(
            "{} component(s) into `{}` ({})",
            plan.len(),
            output.display(),
            Size(size)
        ),
    );
    let leftover = plan.leftover_imports();
    if !leftover.is_empty() {
        let grouped = wcomp_compose::group_by_package(leftover.iter().map(|i| i.name.as_str()));
        ui.status(
            "Imports",
            format_args!(
                "{} left for the host: {}",
                leftover.len(),
                grouped.join(", ")
            ),
        );
    }
    Ok(output)
}

/// Writes the composed component to `output`, and the plan as WAC to
/// `wac` if asked, after checking that neither replaces an input of the
/// composition (app.toml or a component).
pub(crate) fn write_composed(
    app: &App,
    plan: &Plan,
    output: &Path,
    bytes: Vec<u8>,
    wac: Option<&Path>,
) -> Result<(), OutputError> {
    let mut outputs = Outputs::default();
    outputs.input(app.path());
    for instance in plan.instances() {
        outputs.input(&app.dir().join(&instance.wasm));
    }
    outputs.add(output, bytes);
    if let Some(wac) = wac {
        outputs.add(wac, plan.to_wac().into_bytes());
        // `wac compose` needs the deny components as files too.
        for instance in plan.instances().iter().filter(|i| i.denies.is_some()) {
            if let Some((_, bytes)) = plan
                .generated_components()
                .find(|(name, _)| *name == instance.component)
            {
                outputs.add(&app.dir().join(&instance.wasm), bytes.to_vec());
            }
        }
    }
    outputs.write()?;
    plan.remember_validated(app);
    Ok(())
}
