//! What each store holds: the WASI context built from the user's grants, the
//! resource table, wasi:http's context, and the memory limiter.

use std::path::PathBuf;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::limits::MemoryLimiter;

/// A host directory the guest may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl DirGrant {
    /// Parses `HOST[::GUEST]`; the guest path defaults to the host path.
    pub fn parse(spec: &str, read_only: bool) -> DirGrant {
        let (host, guest) = match spec.split_once("::") {
            Some((host, guest)) => (host, guest),
            None => (spec, spec),
        };
        DirGrant {
            host: PathBuf::from(host),
            guest: guest.to_owned(),
            read_only,
        }
    }
}

/// Everything the guest may touch beyond its own memory. Nothing by default:
/// only stdio is inherited.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    pub dirs: Vec<DirGrant>,
    pub env: Vec<(String, String)>,
    pub inherit_env: bool,
    pub allow_net: bool,
}

/// The data of each store.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: DenyHttp,
    pub(super) limiter: MemoryLimiter,
}

impl HostState {
    /// A store's data for a guest called with `args` under `grants`; a
    /// directory that cannot be granted is returned with its error.
    pub fn new(
        args: &[String],
        grants: &Grants,
        limiter: MemoryLimiter,
    ) -> Result<Self, (PathBuf, std::io::Error)> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdio().args(args);
        if grants.inherit_env {
            wasi.inherit_env();
        }
        for (key, value) in &grants.env {
            wasi.env(key, value);
        }
        for dir in &grants.dirs {
            let perms = if dir.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            wasi.preopened_dir(&dir.host, &dir.guest, perms)
                .map_err(|e| (dir.host.clone(), std::io::Error::other(format!("{e:#}"))))?;
        }
        if grants.allow_net {
            wasi.inherit_network()
                .allow_tcp(true)
                .allow_udp(true)
                .allow_ip_name_lookup(true);
        } else {
            // The defaults already deny; say so where a reader looks.
            wasi.allow_tcp(false)
                .allow_udp(false)
                .allow_ip_name_lookup(false);
        }
        Ok(HostState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: DenyHttp,
            limiter,
        })
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// wasi:http is linked so components built by componentize-js (which import
/// its types) run; outgoing requests are denied.
struct DenyHttp;

impl WasiHttpHooks for DenyHttp {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _io: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_grants() {
        assert_eq!(
            DirGrant::parse("./data::/data", false),
            DirGrant {
                host: "./data".into(),
                guest: "/data".into(),
                read_only: false
            }
        );
        assert_eq!(DirGrant::parse("/tmp", true).guest, "/tmp");
    }
}
