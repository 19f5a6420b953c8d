use std::path::PathBuf;
use std::process::ExitCode;

use wcomp_compose::App;

use crate::commands::registry_options::ConfigOption;
use crate::registry::reference::Reference;
use crate::registry::{Registries, RegistryError, transfer};
use crate::ui::Ui;

/// Push a component to an OCI registry.
///
/// Writes the CNCF Wasm artifact (a `application/vnd.wasm.config.v0+json`
/// config with the component's imports and exports, one `application/wasm`
/// layer), as `wkg oci push` does, and prints the manifest's digest. A tag
/// that already holds the same component is left as it is. Loopback
/// registries are reached over plain HTTP; others over HTTPS unless the
/// wkg config says `protocol = "http"`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp push 127.0.0.1:5000/acme/app:1.2.0                 the app's composed.wasm
  wcomp push ghcr.io/acme/adder:0.1.0 target/wcomp/adder.wasm")]
pub struct PushCommand {
    /// Where to push: `registry/repository:tag`.
    #[arg(value_name = "REF")]
    pub reference: String,

    /// The component; the app's composed output by default.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The app manifest whose composed output is pushed by default.
    #[arg(long, default_value = "app.toml", value_name = "PATH")]
    pub manifest: PathBuf,

    #[command(flatten)]
    pub config: ConfigOption,
}

impl PushCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let reference = parse_reference(&self.reference)?;
        let file = match self.file {
            Some(file) => file,
            None => App::load(&self.manifest)?.output(),
        };
        let mut registries = Registries::new(self.config.config)?;
        let pushed =
            crate::registry::block_on(transfer::push_file(&mut registries, &reference, &file))?;
        report(ui, "Pushed", "to", &file, &pushed);
        Ok(ExitCode::SUCCESS)
    }
}

/// `Pushed `FILE` to `REF`` (or `Unchanged`, when the registry held it
/// already), and the manifest's digest on stdout.
pub fn report(
    ui: &Ui,
    verb: &str,
    preposition: &str,
    file: &std::path::Path,
    pushed: &transfer::Pushed,
) {
    let verb = if pushed.unchanged { "Unchanged" } else { verb };
    ui.status(
        verb,
        format_args!("`{}` {preposition} `{}`", file.display(), pushed.reference),
    );
    println!("{}", pushed.digest);
}

/// `text` as an OCI reference, or the error saying why not.
pub fn parse_reference(text: &str) -> Result<Reference, RegistryError> {
    text.parse()
        .map_err(|reason| RegistryError::InvalidReference {
            text: text.to_owned(),
            reason,
        })
}
