use std::path::PathBuf;
use std::process::ExitCode;

use crate::commands::push::parse_reference;
use crate::commands::registry_options::ConfigOption;
use crate::registry::{Registries, RegistryError, transfer};
use crate::ui::Ui;

/// Pull a component from an OCI registry.
///
/// Fetches the Wasm artifact at a tag or a digest, checks the component's
/// bytes against their digest (and the manifest's, when pulled by digest),
/// keeps them in the cache under `$WCOMP_HOME` and writes them to a file.
/// A reference that is not a Wasm component (a container image, say) is
/// refused, and nothing is written.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp pull 127.0.0.1:5000/acme/app:1.2.0
  wcomp pull ghcr.io/acme/adder@sha256:3f1c… -o adder.wasm")]
pub struct PullCommand {
    /// What to pull: `registry/repository:tag` or `registry/repository@sha256:…`.
    #[arg(value_name = "REF")]
    pub reference: String,

    /// Where to write the component; by default the file name the
    /// artifact carries, else the repository's last segment, `.wasm`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub config: ConfigOption,
}

impl PullCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let reference = parse_reference(&self.reference)?;
        let mut registries = Registries::new(self.config.config)?;
        let pulled = crate::registry::block_on(transfer::pull(&mut registries, &reference))?;
        let output = self.output.unwrap_or_else(|| {
            let last = reference
                .repository()
                .rsplit('/')
                .next()
                .unwrap_or("component");
            let title = pulled
                .title
                .as_deref()
                // Only a plain file name, never a path, from the registry.
                .filter(|t| !t.is_empty() && !t.contains(['/', '\\']) && !t.starts_with('.'))
                .map_or_else(|| format!("{last}.wasm"), str::to_owned);
            PathBuf::from(title)
        });
        wcomp_core::fs::write_atomically(&output, &pulled.bytes)
            .map_err(|e| RegistryError::io("write", &e.path)(e.source))?;
        ui.status(
            "Pulled",
            format_args!(
                "`{reference}` into `{}` ({}, {})",
                output.display(),
                wcomp_core::fmt::Size(pulled.bytes.len() as u64),
                pulled.digest
            ),
        );
        println!("{}", pulled.manifest);
        Ok(ExitCode::SUCCESS)
    }
}
