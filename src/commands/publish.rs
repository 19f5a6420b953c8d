use std::path::PathBuf;
use std::process::ExitCode;

use wcomp_compose::{App, PackageName};

use crate::commands::registry_options::ConfigOption;
use crate::registry::{Registries, transfer};
use crate::ui::Ui;

/// Publish a component or a WIT package under its package name.
///
/// The name and version come from `--package`, else from the WIT package
/// the component's world (or the WIT package) belongs to, as `wkg publish`
/// reads them. The registry and the OCI reference come from the registry
/// configuration shared with wkg (`default_registry`,
/// `namespace_registries`, `package_registry_overrides`, and the
/// registry's `/.well-known/wasm-pkg/registry.json`), exactly as
/// `wkg publish` derives them: `<registry>/<prefix><namespace>/<name>:<version>`.
/// A published version does not change: publishing the same bytes again
/// does nothing, other bytes under the same version are refused.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  wcomp publish --package acme:app@1.2.0                  the app's composed.wasm
  wcomp publish target/wcomp/adder.wasm --package docs:adder@0.1.0
  wcomp publish wit.wasm                                  a WIT package (`wkg wit build`)")]
pub struct PublishCommand {
    /// The component or WIT package; the app's composed output by default.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The package name and version, `namespace:name@1.2.3`.
    #[arg(long, value_name = "NS:NAME@VERSION")]
    pub package: Option<String>,

    /// The app manifest whose composed output is published by default.
    #[arg(long, default_value = "app.toml", value_name = "PATH")]
    pub manifest: PathBuf,

    #[command(flatten)]
    pub config: ConfigOption,
}

/// `--package` is not `ns:name@version`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid `--package {text}`: {reason}")]
#[diagnostic(
    code(wcomp::publish::package),
    help("write `namespace:name@version`, e.g. `docs:adder@0.1.0`")
)]
pub struct PackageArgError {
    text: String,
    reason: String,
}

impl PublishCommand {
    pub fn exec(self, ui: &Ui) -> miette::Result<ExitCode> {
        let package = self.package.as_deref().map(parse_package).transpose()?;
        let file = match self.file {
            Some(file) => file,
            None => App::load(&self.manifest)?.output(),
        };
        let mut registries = Registries::new(self.config.config)?;
        let pushed = crate::registry::block_on(transfer::publish(&mut registries, &file, package))?;
        crate::commands::push::report(ui, "Published", "as", &file, &pushed);
        Ok(ExitCode::SUCCESS)
    }
}

fn parse_package(text: &str) -> Result<(PackageName, semver::Version), PackageArgError> {
    let error = |reason: String| PackageArgError {
        text: text.to_owned(),
        reason,
    };
    let (name, version) = text
        .split_once('@')
        .ok_or_else(|| error("it has no `@version`".into()))?;
    let version = semver::Version::parse(version)
        .map_err(|e| error(format!("`{version}` is not a version ({e})")))?;
    Ok((name.parse().map_err(error)?, version))
}
