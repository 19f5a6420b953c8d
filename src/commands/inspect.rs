use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use wcomp_core::fmt::Size;
use wcomp_core::{Component, Producers};

use crate::ui::Ui;

/// Show a component's world (imports and exports) in WIT, its size and the
/// toolchains that produced it.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp inspect target/wcomp/cli.wasm
  wcomp inspect composed.wasm --deps       include the interfaces it uses
  wcomp inspect composed.wasm --json")]
pub struct InspectCommand {
    /// The component to inspect.
    pub file: PathBuf,

    /// Also print the WIT packages of the interfaces the world uses.
    #[arg(long)]
    pub deps: bool,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `wcomp inspect --json`.
#[derive(Serialize)]
struct Inspection<'a> {
    path: &'a std::path::Path,
    size: u64,
    imports: Vec<String>,
    exports: Vec<String>,
    producers: &'a Producers,
    /// The capability policy `wcomp compose` recorded, one line each.
    capabilities: &'a [String],
    wit: String,
}

impl InspectCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        let component = Component::read(&self.file)?;
        let wit = component.world_wit(self.deps);
        if self.json {
            let out = Inspection {
                path: &self.file,
                size: component.size,
                imports: component.imports(),
                exports: component.exports(),
                producers: &component.producers,
                capabilities: &component.policy,
                wit,
            };
            println!("{}", crate::ui::json(&out)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!("component: {}", self.file.display());
        if component.size < 1024 {
            println!("size:      {}", Size(component.size));
        } else {
            println!(
                "size:      {} ({} bytes)",
                Size(component.size),
                component.size
            );
        }
        for (field, tools) in &component.producers {
            let tools: Vec<String> = tools
                .iter()
                .map(|(name, version)| {
                    if version.is_empty() {
                        name.clone()
                    } else {
                        format!("{name} {version}")
                    }
                })
                .collect();
            println!("{:<10} {}", format!("{field}:"), tools.join(", "));
        }
        if !component.policy.is_empty() {
            println!("capabilities (recorded by `wcomp compose`):");
            for line in &component.policy {
                println!("  {line}");
            }
        }
        println!();
        print!("{wit}");
        Ok(ExitCode::SUCCESS)
    }
}
