use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use wcomp_compose::capabilities::{Disagreement, Wiring};
use wcomp_core::fmt::{Escaped, Size};
use wcomp_core::{Component, Producers};

use crate::ui::Ui;

/// Show a component's world (imports and exports) in WIT, its size and the
/// toolchains that produced it.
///
/// For a composition, it also shows which of its components are given the
/// host's files, env, network or http interfaces, read from how the
/// composition wires them, beside the capability policy it records (a claim
/// by the tool that composed it, which anyone can write), and where the two
/// disagree. Text from the file is printed with control characters escaped.
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
    /// The capability policy recorded in the file, one line each: a claim.
    capabilities: &'a [String],
    /// Which instance is given which governed import, from the composition.
    wiring: &'a Wiring,
    /// Where the recorded policy and the wiring differ.
    disagreements: &'a [Disagreement],
    wit: String,
}

impl InspectCommand {
    pub fn exec(self, _ui: &Ui) -> miette::Result<ExitCode> {
        let bytes = wcomp_core::decode::read(&self.file)?;
        let component = Component::from_bytes(&self.file, &bytes)?;
        // Decoding checks types, not code: a function body that cannot run
        // is found only by validating the whole file. Its world is still
        // shown, then the error, and the exit code says it is unusable.
        let validity = wcomp_core::decode::validate(&self.file, &bytes);
        let wiring = Wiring::read(&bytes);
        let disagreements = wiring.disagreements(&component.policy);
        let wit = component.world_wit(self.deps);
        if self.json {
            let out = Inspection {
                path: &self.file,
                size: component.size,
                imports: component.imports(),
                exports: component.exports(),
                producers: &component.producers,
                capabilities: &component.policy,
                wiring: &wiring,
                disagreements: &disagreements,
                wit,
            };
            println!("{}", crate::ui::json(&out)?);
            validity?;
            return Ok(ExitCode::SUCCESS);
        }
        print_text(&self.file, &component, &wiring, &disagreements);
        for line in wit.lines() {
            println!("{}", Escaped(line));
        }
        validity?;
        Ok(ExitCode::SUCCESS)
    }
}

/// The human-readable report, before the WIT: the file, its size, its
/// producers, and the capabilities as recorded and as wired. Text from
/// the file is escaped.
fn print_text(
    file: &std::path::Path,
    component: &Component,
    wiring: &Wiring,
    disagreements: &[Disagreement],
) {
    println!("component: {}", file.display());
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
        let field = format!("{}:", Escaped(field));
        println!("{field:<10} {}", Escaped(&tools.join(", ")));
    }
    if !component.policy.is_empty() {
        println!("capabilities, as recorded by the tool that composed it (a claim, not verified):");
        for line in &component.policy {
            println!("  {}", Escaped(line));
        }
    }
    if !wiring.instances.is_empty() {
        println!("capabilities, as wired in the composition (files, env, network, http):");
        for instance in &wiring.instances {
            let grants: Vec<String> = instance
                .imports
                .iter()
                .map(|g| format!("{} from {}", g.capability, g.from))
                .collect();
            println!(
                "  {}",
                Escaped(&format!("{}: {}", instance.name, grants.join(", ")))
            );
        }
    }
    if !disagreements.is_empty() {
        println!("the recorded capabilities disagree with the composition:");
        for d in disagreements {
            println!("  {}", Escaped(&d.to_string()));
        }
    }
    println!();
}
