//! Options shared by the commands that talk to registries.

use std::path::PathBuf;

use crate::registry::resolve::SyncOptions;

/// How a command may reach registries (flattened into `build`, `compose`,
/// `dev`).
#[derive(Debug, Clone, clap::Args)]
pub struct PackageOptions {
    /// Fail if `wcomp.lock` would change (as cargo's `--locked`).
    #[arg(long)]
    pub locked: bool,

    /// Use only `wcomp.lock` and the cache under `$WCOMP_HOME`: no network.
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub config: ConfigOption,
}

impl PackageOptions {
    pub fn sync_options(&self) -> SyncOptions {
        SyncOptions {
            locked: self.locked,
            offline: self.offline,
            config: self.config.config.clone(),
        }
    }
}

/// The registry configuration file, shared with wkg.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigOption {
    /// The registry configuration, shared with wkg; default:
    /// `$XDG_CONFIG_HOME/wasm-pkg/config.toml`.
    #[arg(long, value_name = "FILE", env = "WKG_CONFIG_FILE")]
    pub config: Option<PathBuf>,
}

/// Shows each package (a component, or WIT) as it is put in place.
pub fn report_synced(ui: &crate::ui::Ui) -> impl Fn(&crate::registry::resolve::Synced) + '_ {
    use crate::registry::resolve::{Origin, Role};
    move |synced| {
        let verb = match synced.origin {
            Origin::Cache => "Cached",
            Origin::Registry => "Fetched",
        };
        let size = wcomp_core::fmt::Size(synced.size);
        let (package, version) = (&synced.package, &synced.version);
        match &synced.role {
            Role::Component(name) => {
                ui.status(verb, format_args!("{name} ({package}@{version}, {size})"))
            }
            Role::Wit => ui.status(verb, format_args!("WIT {package}@{version} ({size})")),
        }
    }
}
