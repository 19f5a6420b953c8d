//! Components and WIT packages from OCI registries, the way wkg
//! (wasm-pkg-tools) publishes and fetches them: `push`, `pull` and
//! `publish`, and the packages an app depends on by name (`package = "ns:
//! name@requirement"` in app.toml), resolved into `wcomp.lock` and cached
//! by digest under `$WCOMP_HOME`.
//!
//! - [`config`]: wkg's config file, registry discovery and credentials;
//! - [`client`]: the OCI distribution client;
//! - [`artifact`]: the CNCF Wasm artifact layout;
//! - [`cache`], [`lock`]: the blob cache and the lock file;
//! - [`resolve`]: an app's packages, resolved, fetched and put in place;
//! - [`transfer`]: push, pull and publish of one component.

pub mod artifact;
pub mod cache;
pub mod client;
pub mod config;
pub mod digest;
mod error;
pub mod lock;
pub mod reference;
pub mod resolve;
pub mod transfer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::RegistryError;

use cache::Cache;
use client::Client;
use config::{Config, Endpoint};

/// Runs a registry operation on a runtime of its own (the commands that
/// call it are synchronous).
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// The registry side of a command: the wkg config (read on first use), a
/// client per registry, the blob cache.
pub struct Registries {
    config_path: Option<PathBuf>,
    config: Option<Config>,
    clients: HashMap<String, Arc<Client>>,
    cache: Cache,
}

impl Registries {
    /// `config_path` is `--config` (or `WKG_CONFIG_FILE`), if given.
    pub fn new(config_path: Option<PathBuf>) -> Result<Self, RegistryError> {
        let home = crate::toolchain::Home::from_env()?;
        Ok(Registries {
            config_path,
            config: None,
            clients: HashMap::new(),
            cache: Cache::new(&home),
        })
    }

    /// The wkg config, read once.
    pub fn config(&mut self) -> Result<&Config, RegistryError> {
        if self.config.is_none() {
            self.config = Some(Config::load(self.config_path.as_deref())?);
        }
        Ok(self.config.as_ref().expect("just set"))
    }

    /// The client for `endpoint`'s registry (one per registry, so a login
    /// is negotiated once).
    pub fn client(&mut self, endpoint: Endpoint) -> Arc<Client> {
        self.clients
            .entry(endpoint.registry.clone())
            .or_insert_with(|| Arc::new(Client::new(endpoint)))
            .clone()
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }
}
