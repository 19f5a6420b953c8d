//! Deny components under wasmtime-wasi's own WASI 0.2 and 0.3 host, which
//! grants what they deny (a preopened directory, environment variables, the
//! network) and links outgoing HTTP. Each export is called dynamically, the
//! way an importing component would call it.

use std::path::Path;

use wasmtime::component::{Component, Linker, Resource, ResourceTable, Val};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};
use wit_parser::Resolve;

use crate::support::guests::componentize;

/// The arguments the host passes; the second is long enough to make the
/// deny component's allocator grow its memory.
fn host_args() -> Vec<String> {
    vec!["prog".into(), "x".repeat(100_000)]
}

struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: NoOutgoingHttp,
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

/// The host's outgoing HTTP is linked (a deny component imports its types),
/// but a deny component never sends through it.
struct NoOutgoingHttp;

type HttpIo = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;

impl WasiHttpHooks for NoOutgoingHttp {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _io: HttpIo,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<wasmtime_wasi_http::WasiBody>, HttpIo),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { panic!("a deny component sent a request through the host") })
    }
}

/// A wasmtime-wasi host granting a temporary directory, `SECRET=1` and the
/// network.
struct Host {
    engine: Engine,
    linker: Linker<HostState>,
    store: Store<HostState>,
    _dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_async(true);
        let engine = Engine::new(&config).unwrap();
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
        wasmtime_wasi::p3::add_to_linker(&mut linker).unwrap();
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
        wasmtime_wasi_http::p3::add_to_linker(&mut linker).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let wasi = WasiCtxBuilder::new()
            .args(&host_args())
            .env("SECRET", "1")
            .preopened_dir(dir.path(), "/data", FsPerms::ReadWrite)
            .unwrap()
            .inherit_network()
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true)
            .build();
        let state = HostState {
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: NoOutgoingHttp,
        };
        let store = Store::new(&engine, state);
        Host {
            engine,
            linker,
            store,
            _dir: dir,
        }
    }

    /// Instantiates `component` and calls the function at `path`: an
    /// exported function's name, after the exported instances it is in.
    async fn call(&mut self, component: &[u8], path: &[&str], params: &[Val]) -> Val {
        let component = Component::new(&self.engine, component).unwrap();
        let instance = self
            .linker
            .instantiate_async(&mut self.store, &component)
            .await
            .unwrap();
        let mut index = None;
        for name in path {
            index = Some(
                instance
                    .get_export_index(&mut self.store, index.as_ref(), name)
                    .unwrap_or_else(|| panic!("no export `{}`", path.join("/"))),
            );
        }
        let func = instance.get_func(&mut self.store, index.unwrap()).unwrap();
        let mut results = [Val::Bool(false)];
        func.call_async(&mut self.store, params, &mut results)
            .await
            .unwrap();
        let [result] = results;
        result
    }
}

/// The vendored WASI WIT of release `0.MINOR.x`, renamed to `version`.
fn wasi(version: &str) -> Resolve {
    let (dir, vendored, files): (_, _, &[&str]) = if version.starts_with("0.2.") {
        (
            "wasi-0.2",
            "0.2.12",
            &[
                "io",
                "clocks",
                "random",
                "filesystem",
                "sockets",
                "cli",
                "http",
            ],
        )
    } else {
        (
            "wasi-0.3",
            "0.3.0",
            &["clocks", "random", "filesystem", "sockets", "cli", "http"],
        )
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../wit")
        .join(dir);
    let mut resolve = Resolve::new();
    for file in files {
        let path = root.join(format!("{file}.wit"));
        let text: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| {
                !l.trim_start().starts_with("@since") && !l.trim_start().starts_with("@deprecated")
            })
            .map(|l| l.replace(&format!("@{vendored}"), &format!("@{version}")) + "\n")
            .collect();
        resolve
            .push_source(&path.display().to_string(), &text)
            .unwrap();
    }
    resolve
}

/// The deny component for `interface` at `version`, and its export name.
fn deny(version: &str, interface: &str) -> (Vec<u8>, String) {
    let resolve = wasi(version);
    let name = format!("{interface}@{version}");
    let (id, _) = resolve
        .interfaces
        .iter()
        .find(|(id, _)| resolve.id_of(*id).as_deref() == Some(name.as_str()))
        .unwrap_or_else(|| panic!("no `{name}`"));
    let bytes = wcomp_compose::capabilities::deny_component(&resolve, id).unwrap();
    (bytes, name)
}

fn denied(case: &str) -> Val {
    Val::Result(Err(Some(Box::new(Val::Variant(case.into(), None)))))
}

fn access_denied_enum() -> Val {
    Val::Result(Err(Some(Box::new(Val::Enum("access-denied".into())))))
}

#[tokio::test]
async fn preopens_are_empty_though_the_host_grants_a_directory() {
    let mut host = Host::new();
    for version in ["0.2.0", "0.2.12", "0.3.0"] {
        let (deny, name) = deny(version, "wasi:filesystem/preopens");
        let result = host.call(&deny, &[&name, "get-directories"], &[]).await;
        assert_eq!(result, Val::List(vec![]), "{name}");
    }
}

#[tokio::test]
async fn environment_is_empty_but_arguments_and_cwd_are_the_hosts() {
    let mut host = Host::new();
    let args = Val::List(host_args().into_iter().map(Val::String).collect());
    for (version, cwd) in [
        ("0.2.0", "initial-cwd"),
        ("0.2.12", "initial-cwd"),
        ("0.3.0", "get-initial-cwd"),
    ] {
        let (deny, name) = deny(version, "wasi:cli/environment");
        let env = host.call(&deny, &[&name, "get-environment"], &[]).await;
        assert_eq!(env, Val::List(vec![]), "{name}");
        // Twice: the allocator is reset after each forwarded call.
        for _ in 0..2 {
            assert_eq!(
                host.call(&deny, &[&name, "get-arguments"], &[]).await,
                args,
                "{name}"
            );
        }
        let result = host.call(&deny, &[&name, cwd], &[]).await;
        assert_eq!(result, Val::Option(None), "{name}");
    }
}

#[tokio::test]
async fn sockets_02_creation_and_name_lookup_are_access_denied() {
    let mut host = Host::new();
    for version in ["0.2.0", "0.2.12"] {
        let (tcp, name) = deny(version, "wasi:sockets/tcp-create-socket");
        let family = [Val::Enum("ipv4".into())];
        let result = host
            .call(&tcp, &[&name, "create-tcp-socket"], &family)
            .await;
        assert_eq!(result, access_denied_enum(), "{name}");

        let (udp, name) = deny(version, "wasi:sockets/udp-create-socket");
        let family = [Val::Enum("ipv6".into())];
        let result = host
            .call(&udp, &[&name, "create-udp-socket"], &family)
            .await;
        assert_eq!(result, access_denied_enum(), "{name}");

        // Lent for the call; the deny component releases the borrow. (The
        // host's `network` cannot be made outside wasmtime-wasi; nothing
        // looks it up, so a handle without a table entry stands in.)
        let network = Resource::<wasmtime_wasi::p2::Network>::new_own(u32::MAX)
            .try_into_resource_any(&mut host.store)
            .unwrap();
        let (lookup, name) = deny(version, "wasi:sockets/ip-name-lookup");
        let params = [Val::Resource(network), Val::String("localhost".into())];
        let result = host
            .call(&lookup, &[&name, "resolve-addresses"], &params)
            .await;
        assert_eq!(result, access_denied_enum(), "{name}");
    }
}

#[tokio::test]
async fn sockets_03_creation_and_name_lookup_are_access_denied() {
    let mut host = Host::new();
    let (types, name) = deny("0.3.0", "wasi:sockets/types");
    for func in ["[static]tcp-socket.create", "[static]udp-socket.create"] {
        let family = [Val::Enum("ipv4".into())];
        let result = host.call(&types, &[&name, func], &family).await;
        assert_eq!(result, denied("access-denied"), "{func}");
    }
    let (lookup, name) = deny("0.3.0", "wasi:sockets/ip-name-lookup");
    let params = [Val::String("localhost".into())];
    let result = host
        .call(&lookup, &[&name, "resolve-addresses"], &params)
        .await;
    assert_eq!(result, denied("access-denied"));
}

#[tokio::test]
async fn outgoing_http_02_is_denied_and_the_request_dropped() {
    use wasmtime_wasi_http::p2::bindings::http::types::{Method, Scheme};
    use wasmtime_wasi_http::p2::types::HostOutgoingRequest;

    let mut host = Host::new();
    for version in ["0.2.0", "0.2.12"] {
        let table = &mut host.store.data_mut().table;
        let request = table
            .push(HostOutgoingRequest {
                method: Method::Get,
                scheme: Some(Scheme::Http),
                authority: Some("example.com".into()),
                path_with_query: Some("/".into()),
                headers: Default::default(),
                body: None,
            })
            .unwrap();
        let options = table
            .push(wasmtime_wasi_http::RequestOptions::default())
            .unwrap();
        let reps = (request.rep(), options.rep());
        let request = request.try_into_resource_any(&mut host.store).unwrap();
        let options = options.try_into_resource_any(&mut host.store).unwrap();

        let (deny, name) = deny(version, "wasi:http/outgoing-handler");
        let params = [
            Val::Resource(request),
            Val::Option(Some(Box::new(Val::Resource(options)))),
        ];
        let result = host.call(&deny, &[&name, "handle"], &params).await;
        assert_eq!(result, denied("HTTP-request-denied"), "{name}");

        let table = &host.store.data().table;
        let gone = Resource::<HostOutgoingRequest>::new_borrow(reps.0);
        assert!(table.get(&gone).is_err(), "the request was not dropped");
        let gone = Resource::<wasmtime_wasi_http::RequestOptions>::new_borrow(reps.1);
        assert!(table.get(&gone).is_err(), "the options were not dropped");
    }
}

#[tokio::test]
async fn outgoing_http_03_is_denied_and_the_request_dropped() {
    use wasmtime_wasi_http::p3::Request;

    let mut host = Host::new();
    for interface in ["wasi:http/client", "wasi:http/handler"] {
        let (request, _io) = Request::new(
            http::Method::GET,
            Some(http::uri::Scheme::HTTP),
            Some(http::uri::Authority::from_static("example.com")),
            Some(http::uri::PathAndQuery::from_static("/")),
            wasmtime_wasi_http::FieldMap::default(),
            None,
            String::new(),
        );
        let request = host.store.data_mut().table.push(request).unwrap();
        let rep = request.rep();
        let request = request.try_into_resource_any(&mut host.store).unwrap();

        let (deny, name) = deny("0.3.0", interface);
        let func = if interface.ends_with("client") {
            "send"
        } else {
            "handle"
        };
        let result = host
            .call(&deny, &[&name, func], &[Val::Resource(request)])
            .await;
        assert_eq!(result, denied("HTTP-request-denied"), "{name}");
        let gone = Resource::<Request>::new_borrow(rep);
        assert!(
            host.store.data().table.get(&gone).is_err(),
            "the request was not dropped"
        );
    }
}

/// A probe importing the environment and preopens, as a guest would: it
/// exports how many variables, arguments and directories it sees.
const PROBE_WIT: &str = r#"package test:probe;
world probe {
    import wasi:cli/environment@0.2.12;
    import wasi:filesystem/preopens@0.2.12;
    export count-env: func() -> u32;
    export count-args: func() -> u32;
    export count-dirs: func() -> u32;
}
"#;

/// Each count calls the import with a return area at 16 and reads the
/// list's length at 20; `cabi_realloc` bumps from 1024 (4 pages hold the
/// host's long argument).
const PROBE_MODULE: &str = r#"(module
    (import "wasi:cli/environment@0.2.12" "get-environment" (func $env (param i32)))
    (import "wasi:cli/environment@0.2.12" "get-arguments" (func $args (param i32)))
    (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $dirs (param i32)))
    (memory (export "memory") 4)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        (local $ptr i32)
        (local.set $ptr
            (i32.and
                (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                (i32.sub (i32.const 0) (local.get 2))))
        (global.set $bump (i32.add (local.get $ptr) (local.get 3)))
        (local.get $ptr))
    (func (export "count-env") (result i32)
        (call $env (i32.const 16)) (i32.load (i32.const 20)))
    (func (export "count-args") (result i32)
        (call $args (i32.const 16)) (i32.load (i32.const 20)))
    (func (export "count-dirs") (result i32)
        (call $dirs (i32.const 16)) (i32.load (i32.const 20))))"#;

const PROBE_EXPORTS: [&str; 3] = ["count-env", "count-args", "count-dirs"];

/// A component of `world` in the WIT `wit` over WASI `version`, with the
/// core module `module` (WAT).
fn component_of(version: &str, wit: &str, world: &str, module: &str) -> Vec<u8> {
    let mut resolve = wasi(version);
    let package = resolve.push_source("probe.wit", wit).unwrap();
    let world = resolve.packages[package].worlds[world];
    componentize(
        &resolve,
        world,
        wat::parse_str(module).unwrap(),
        "the probe",
    )
}

fn probe() -> Vec<u8> {
    component_of("0.2.12", PROBE_WIT, "probe", PROBE_MODULE)
}

/// `component` with a deny component plugged into each import a component
/// without capabilities may not use, composed with wac-graph the way
/// `wcomp compose` does; `exports` are re-exported.
fn compose_denied(component: Vec<u8>, exports: &[&str]) -> Vec<u8> {
    use wac_graph::{CompositionGraph, EncodeOptions, types::Package};

    let decoded = wcomp_core::Component::from_bytes(Path::new("probe.wasm"), &component).unwrap();
    let none = wcomp_compose::Capabilities::none();
    let denied =
        wcomp_compose::capabilities::denied_imports(&decoded.resolve, decoded.world, &none)
            .unwrap();
    assert!(!denied.is_empty());

    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("test:probe", None, component, graph.types_mut()).unwrap();
    let package = graph.register_package(package).unwrap();
    let probe = graph.instantiate(package);
    for (i, d) in denied.iter().enumerate() {
        let name = format!("wcomp:deny{i}");
        let package = Package::from_bytes(&name, None, d.bytes.clone(), graph.types_mut()).unwrap();
        let package = graph.register_package(package).unwrap();
        let node = graph.instantiate(package);
        let export = graph.alias_instance_export(node, &d.export).unwrap();
        graph
            .set_instantiation_argument(probe, &d.import, export)
            .unwrap();
    }
    for name in exports {
        let export = graph.alias_instance_export(probe, name).unwrap();
        graph.export(export, (*name).to_owned()).unwrap();
    }
    graph.encode(EncodeOptions::default()).unwrap()
}

/// What the probe (or a composition exporting its functions) counts.
async fn counts(host: &mut Host, component: &[u8]) -> Vec<Val> {
    let mut seen = Vec::new();
    for name in PROBE_EXPORTS {
        seen.push(host.call(component, &[name], &[]).await);
    }
    seen
}

#[tokio::test]
async fn a_composed_component_sees_no_environment_and_no_directories() {
    let mut host = Host::new();
    let args = Val::U32(host_args().len() as u32);
    // The host grants one variable and one directory ...
    let alone = counts(&mut host, &probe()).await;
    assert_eq!(alone, [Val::U32(1), args.clone(), Val::U32(1)]);
    // ... which the composition does not pass on; arguments still pass.
    let composed = counts(&mut host, &compose_denied(probe(), &PROBE_EXPORTS)).await;
    assert_eq!(composed, [Val::U32(0), args, Val::U32(0)]);
}

/// A WASI 0.3 guest that looks up `localhost`.
const LOOKUP_WIT: &str = r#"package test:lookup;
world lookup {
    import wasi:sockets/ip-name-lookup@0.3.0;
    export lookup: func() -> u32;
}
"#;

/// `lookup` returns `status << 16 | result discriminant << 8 | error case`,
/// from a return area at 16 (the error payload starts at 20).
const LOOKUP_MODULE: &str = r#"(module
    (import "wasi:sockets/ip-name-lookup@0.3.0" "[async-lower]resolve-addresses"
        (func $resolve (param i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 64) "localhost")
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        unreachable)
    (func (export "lookup") (result i32)
        (local $status i32)
        (local.set $status (call $resolve (i32.const 64) (i32.const 9) (i32.const 16)))
        (i32.or
            (i32.shl (local.get $status) (i32.const 16))
            (i32.or
                (i32.shl (i32.load8_u (i32.const 16)) (i32.const 8))
                (i32.load8_u (i32.const 20))))))"#;

/// The guest calls `resolve-addresses` as WASI 0.3 guests do, async-lowered;
/// the deny component, lifted synchronously, returns at once: the subtask is
/// `RETURNED` (2) with `err(access-denied)` (case 0) in the return area.
#[tokio::test]
async fn an_async_lowered_call_from_a_03_guest_is_denied_at_once() {
    let mut host = Host::new();
    let guest = component_of("0.3.0", LOOKUP_WIT, "lookup", LOOKUP_MODULE);
    let composed = compose_denied(guest, &["lookup"]);
    let result = host.call(&composed, &["lookup"], &[]).await;
    assert_eq!(result, Val::U32(2 << 16 | 1 << 8));
}
