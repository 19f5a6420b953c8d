use std::process::ExitCode;

use wcomp_compose::Lang;

use crate::toolchain::{Home, Report};
use crate::ui::Ui;

/// Report the guest toolchains wcomp finds, their versions and pins.
///
/// For each language: every tool found, its version, whether it matches the
/// version wcomp pins, and what to do when something is missing. Exits with 1
/// when a toolchain is missing or at the wrong version.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp doctor
  wcomp doctor --lang js --json")]
pub struct DoctorCommand {
    /// Only these languages (comma-separated); all by default.
    #[arg(long, value_delimiter = ',', value_parser = crate::cli::lang_parser())]
    pub lang: Vec<Lang>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl DoctorCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        let home = Home::from_env()?;
        let langs = if self.lang.is_empty() {
            Lang::ALL.to_vec()
        } else {
            self.lang
        };
        let reports: Vec<Report> = langs
            .into_iter()
            .map(|lang| crate::lang::driver(lang).check(&home))
            .collect();
        if self.json {
            let out = serde_json::json!({
                "home": home.root(),
                "languages": reports,
            });
            println!("{}", crate::ui::json(&out)?);
        } else {
            println!("cache: {}", home.root().display());
            for report in &reports {
                print_report(report);
            }
        }
        Ok(if reports.iter().all(|r| r.ready) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

fn print_report(report: &Report) {
    let state = if report.ready { "ready" } else { "not ready" };
    println!("\n{}: {state}", report.lang);
    for tool in &report.tools {
        let version = tool.version.as_deref().unwrap_or("missing");
        let pin = match (tool.pinned, &tool.version, tool.ok) {
            (Some(pin), _, true) => format!("pinned {pin}, ok"),
            (Some(pin), Some(_), false) => format!("pinned {pin}, WRONG VERSION"),
            (Some(pin), None, _) => format!("pinned {pin}, NOT INSTALLED"),
            (None, _, true) => "ok".to_owned(),
            (None, _, false) => "NOT FOUND".to_owned(),
        };
        println!("  {:<18} {:<12} {pin}", tool.name, version);
    }
    if let Some(next) = &report.next_step {
        println!("  next step: {next}");
    }
}
