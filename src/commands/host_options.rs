//! The flags every command that runs guests shares (`run`, `serve`,
//! `dev`): what the guest may touch, its limits, and the compiled-code
//! cache. One definition, flattened into each command.

use std::time::Duration;

use wcomp_host::{DirGrant, Grants, Host, HostBuilder, Limits, RunError};

use crate::flags::{self, BadGrant};

use crate::toolchain::Home;
use crate::ui::Ui;

/// What the guest may touch: nothing unless granted.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Sandbox")]
pub struct SandboxOptions {
    /// Grant a host directory, at GUEST or at the same path in the guest.
    #[arg(long, value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dir: Vec<DirGrant>,

    /// Grant a host directory read-only.
    #[arg(long, value_name = "HOST[::GUEST]", value_parser = parse_ro_dir)]
    pub ro_dir: Vec<DirGrant>,

    /// Set an environment variable in the guest.
    #[arg(long, value_name = "KEY=VALUE", value_parser = flags::parse_env)]
    pub env: Vec<(String, String)>,

    /// Pass wcomp's whole environment to the guest.
    #[arg(long)]
    pub inherit_env: bool,

    /// Allow the guest to open network connections and resolve names.
    #[arg(long)]
    pub allow_net: bool,

    /// Allow outgoing HTTP requests (wasi:http) to HOST, or to every host
    /// when no HOST is given. Repeat it for several hosts.
    #[arg(long, value_name = "HOST", num_args = 0..=1, default_missing_value = "*", value_parser = flags::parse_http_host)]
    pub allow_http: Vec<String>,
}

/// How long, how much memory and how much fuel a guest may use.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitOptions {
    /// Stop the guest after this long, e.g. `500ms`, `2s`, `1m` (`serve`:
    /// each request).
    #[arg(long, value_name = "DURATION", value_parser = flags::parse_duration, allow_hyphen_values = true)]
    pub timeout: Option<Duration>,

    /// Cap the guest's linear memories, in total, e.g. `64MiB` (`serve`: each
    /// instance).
    #[arg(long, value_name = "SIZE", value_parser = flags::parse_size, allow_hyphen_values = true)]
    pub max_memory: Option<u64>,

    /// Stop the guest after it consumes this much fuel (about one unit per
    /// instruction; `serve`: each request).
    #[arg(long, value_name = "N", value_parser = flags::parse_fuel, allow_negative_numbers = true)]
    pub fuel: Option<u64>,

    /// Compile without reading or writing the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,

    #[command(flatten)]
    pub cache_max: CacheMax,
}

/// The size limit of the compiled-code cache, for every command that
/// writes to it or trims it.
#[derive(Debug, Clone, clap::Args)]
pub struct CacheMax {
    /// Keep the compiled-code cache within this size, e.g. `4GiB`; the
    /// least recently used code goes first. 2 GiB by default.
    #[arg(long = "cache-max", value_name = "SIZE", env = "WCOMP_CACHE_MAX", value_parser = flags::parse_size, allow_hyphen_values = true)]
    pub bytes: Option<u64>,
}

impl CacheMax {
    /// The limit in bytes.
    pub fn get(&self) -> u64 {
        self.bytes.unwrap_or(wcomp_host::cache::DEFAULT_MAX)
    }
}

/// `builder` set up as `wcomp serve` runs a handler: instances from pools,
/// epoch checks only when `timeouts` (a timeout, or an artifact of `wcomp
/// compile`, which has them compiled in) needs them. Priming an HTTP
/// starter compiles with the same settings: the cache keys code by them.
pub fn serving(builder: HostBuilder, timeouts: bool) -> HostBuilder {
    builder.pooling_allocator(true).timeouts(timeouts)
}

/// The host `wcomp run` makes by default, or `wcomp serve` when `served`
/// (an HTTP app), caching under `home`: what priming and `wcomp build`
/// compile with, so that the app's first run finds its code (the cache
/// keys code by the engine's settings).
pub fn default_host(home: &Home, max: &CacheMax, served: bool) -> HostBuilder {
    let builder = cached_host(home, max);
    match served {
        true => serving(builder, false),
        false => builder,
    }
}

/// A host whose compiled code goes to the cache under `home`.
pub fn cached_host(home: &Home, max: &CacheMax) -> HostBuilder {
    Host::builder()
        .cache_dir(Some(home.compiled_code()))
        .cache_max(max.bytes)
}

fn parse_dir(spec: &str) -> Result<DirGrant, BadGrant> {
    flags::parse_dir(spec, false)
}

fn parse_ro_dir(spec: &str) -> Result<DirGrant, BadGrant> {
    flags::parse_dir(spec, true)
}

impl SandboxOptions {
    /// The grants these flags ask for; `--inherit-env` is read here, so the
    /// host library never looks at the process's environment.
    pub fn grants(&self) -> Grants {
        let mut env: Vec<(String, String)> = if self.inherit_env {
            std::env::vars().collect()
        } else {
            Vec::new()
        };
        env.extend(self.env.iter().cloned());
        let dirs = self.dir.iter().chain(&self.ro_dir).cloned();
        let grants = dirs.fold(Grants::default(), Grants::with_dir);
        env.into_iter()
            .fold(grants, |grants, (key, value)| grants.with_env(key, value))
            .with_network(self.allow_net)
            .with_http(flags::allow_http(&self.allow_http))
    }
}

impl LimitOptions {
    pub fn limits(&self) -> Limits {
        Limits::default()
            .with_timeout(self.timeout)
            .with_max_memory(self.max_memory)
            .with_fuel(self.fuel)
    }

    /// A host for these limits, with the compiled-code cache under
    /// `$WCOMP_HOME` unless `--no-cache` (or the cache is unusable, which
    /// is worth a warning, not a failure).
    pub fn host(&self, ui: &Ui) -> Result<Host, RunError> {
        self.host_builder(ui).build()
    }

    /// The builder of [`LimitOptions::host`], for commands that add to it.
    pub fn host_builder(&self, ui: &Ui) -> HostBuilder {
        let cache_dir = if self.no_cache {
            None
        } else {
            match Home::from_env() {
                Ok(home) => Some(home.compiled_code()),
                Err(e) => {
                    ui.warn(format_args!("compiling without the cache: {e}"));
                    None
                }
            }
        };
        Host::builder()
            .fuel(self.fuel.is_some())
            .cache_dir(cache_dir)
            .cache_max(self.cache_max.bytes)
    }
}
