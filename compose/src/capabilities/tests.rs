//! Deny components made from importers' views of the vendored WASI WIT, at
//! the versions guests really import (0.2.0, 0.2.6, 0.2.12 and 0.3.0).

use std::path::{Path, PathBuf};

use wac_graph::{CompositionGraph, EncodeOptions, types::Package};
use wit_parser::decoding::{DecodedWasm, decode};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve, WorldItem};

use super::*;
use wcomp_core::Component;

/// The vendored WASI WIT of release `0.MINOR.x`, renamed to `version` (the
/// `@since` gates, which may name later releases, are dropped).
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
        let path: PathBuf = root.join(format!("{file}.wit"));
        let text = std::fs::read_to_string(&path).unwrap();
        let text: String = text
            .lines()
            .filter(|l| {
                !l.trim_start().starts_with("@since") && !l.trim_start().starts_with("@deprecated")
            })
            .map(|l| {
                format!(
                    "{}\n",
                    l.replace(&format!("@{vendored}"), &format!("@{version}"))
                )
            })
            .collect();
        resolve
            .push_source(&path.display().to_string(), &text)
            .unwrap();
    }
    resolve
}

/// A component importing `interfaces` (and what they use) and calling all
/// their functions, decoded into the importer's view.
fn importer(version: &str, interfaces: &[&str]) -> (Vec<u8>, Component) {
    importer_of(version, interfaces, None)
}

/// A component whose core module is `module` (WAT; a dummy module calling
/// every function if `None`) and whose world imports `interfaces`. Like a
/// guest's, its view of an interface holds only the functions it calls.
fn importer_of(version: &str, interfaces: &[&str], module: Option<&str>) -> (Vec<u8>, Component) {
    let mut resolve = wasi(version);
    let imports: String = interfaces
        .iter()
        .map(|i| format!("import {i}@{version}; "))
        .collect();
    let wit = format!("package test:importer;\nworld importer {{ {imports} }}\n");
    let pkg = resolve.push_source("importer.wit", &wit).unwrap();
    let world = resolve.packages[pkg].worlds["importer"];
    let mut module = match module {
        Some(wat) => wat::parse_str(wat).unwrap(),
        None => {
            wit_component::dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync))
        }
    };
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .unwrap();
    let bytes = wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let component = Component::from_bytes(Path::new("importer.wasm"), &bytes).unwrap();
    (bytes, component)
}

const GOVERNED_02: &[&str] = &[
    "wasi:filesystem/preopens",
    "wasi:cli/environment",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/outgoing-handler",
];

const GOVERNED_03: &[&str] = &[
    "wasi:filesystem/preopens",
    "wasi:cli/environment",
    "wasi:sockets/types",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/client",
    "wasi:http/handler",
];

fn governed(version: &str) -> &'static [&'static str] {
    if version.starts_with("0.2.") {
        GOVERNED_02
    } else {
        GOVERNED_03
    }
}

const VERSIONS: &[&str] = &["0.2.0", "0.2.6", "0.2.12", "0.3.0"];

/// The world a component binary implements.
fn world_of(bytes: &[u8]) -> (Resolve, wit_parser::WorldId) {
    match decode(bytes).unwrap() {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => panic!("not a component"),
    }
}

fn validate(bytes: &[u8]) {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .unwrap();
}

#[test]
fn capability_words_parse() {
    let caps = Capabilities::parse(["env", "http"]).unwrap();
    assert!(caps.contains(Capability::Env) && caps.contains(Capability::Http));
    assert!(!caps.contains(Capability::Files) && !caps.contains(Capability::Network));
    assert_eq!(Capabilities::parse(["all"]).unwrap(), Capabilities::all());
    assert_eq!(Capabilities::parse([]).unwrap(), Capabilities::none());
    let err = Capabilities::parse(["env", "disk"]).unwrap_err();
    assert_eq!(err.to_string(), "unknown capability `disk`");
    let caps: Capabilities = toml::from_str::<toml::Table>("c = [\"files\", \"network\"]").unwrap()
        ["c"]
        .clone()
        .try_into()
        .unwrap();
    assert_eq!(
        caps.iter().collect::<Vec<_>>(),
        [Capability::Files, Capability::Network]
    );
}

#[test]
fn rules_cover_wasi_02_and_03_only() {
    let env = |v: &str| rule_for(&format!("wasi:cli/environment{v}")).map(|r| r.capability);
    assert_eq!(env("@0.2.0"), Some(Capability::Env));
    assert_eq!(env("@0.2.12"), Some(Capability::Env));
    assert_eq!(env("@0.3.0"), Some(Capability::Env));
    assert_eq!(env("@0.1.0"), None);
    assert_eq!(env("@1.0.0"), None);
    assert_eq!(env(""), None);
    assert!(
        rule_for("wasi:sockets/types@0.2.6").is_none(),
        "0.2 sockets/types has no creator"
    );
    assert!(rule_for("wasi:sockets/tcp-create-socket@0.3.0").is_none());
    assert!(rule_for("wasi:cli/stdout@0.2.6").is_none());
}

#[test]
fn each_governed_import_gets_a_valid_small_deterministic_deny_component() {
    for version in VERSIONS {
        let (_, component) = importer(version, governed(version));
        let denied =
            denied_imports(&component.resolve, component.world, &Capabilities::none()).unwrap();
        let names: Vec<String> = denied.iter().map(|d| d.import.clone()).collect();
        let expected: Vec<String> = governed(version)
            .iter()
            .map(|i| format!("{i}@{version}"))
            .collect();
        assert_eq!(
            sorted(names),
            sorted(expected),
            "denied imports at {version}"
        );

        for d in &denied {
            validate(&d.bytes);
            assert!(
                d.bytes.len() < 50 * 1024,
                "{} is {} bytes",
                d.import,
                d.bytes.len()
            );
            let again = deny_import(
                &component.resolve,
                component.world,
                &d.import,
                &Capabilities::none(),
            )
            .unwrap()
            .unwrap();
            assert_eq!(again.bytes, d.bytes, "{} is not deterministic", d.import);

            let (resolve, world) = world_of(&d.bytes);
            let exports: Vec<String> = resolve.worlds[world]
                .exports
                .keys()
                .map(|k| resolve.name_world_key(k))
                .collect();
            assert_eq!(exports, [d.export.as_str()]);
            assert_eq!(d.export, d.import);
            for (key, item) in &resolve.worlds[world].imports {
                let name = resolve.name_world_key(key);
                assert!(
                    matches!(item, WorldItem::Interface { .. }) && name.starts_with("wasi:"),
                    "{} imports `{name}`",
                    d.import
                );
                assert!(name.ends_with(&format!("@{version}")), "{name}");
            }
        }
    }
}

#[test]
fn granted_capabilities_need_no_deny_component() {
    let (_, component) = importer("0.2.6", GOVERNED_02);
    assert!(
        denied_imports(&component.resolve, component.world, &Capabilities::all())
            .unwrap()
            .is_empty()
    );
    let denied = denied_imports(
        &component.resolve,
        component.world,
        &Capabilities::parse(["network", "http"]).unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = denied.iter().map(|d| d.import.as_str()).collect();
    assert_eq!(
        names,
        [
            "wasi:filesystem/preopens@0.2.6",
            "wasi:cli/environment@0.2.6"
        ]
    );
    assert!(denied.iter().all(|d| d.capability != Capability::Network));
}

#[test]
fn an_interface_imported_for_its_types_only_needs_no_deny_component() {
    // A guest calling only `resolve-addresses` imports `wasi:sockets/types`
    // for `ip-address`, and none of its functions.
    let module = r#"(module
        (import "wasi:sockets/ip-name-lookup@0.3.0" "resolve-addresses"
            (func (param i32 i32 i32)))
        (memory (export "memory") 1)
        (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
            unreachable))"#;
    let (_, component) = importer_of("0.3.0", &["wasi:sockets/ip-name-lookup"], Some(module));
    let imports = component.imports();
    assert!(
        imports.contains(&"wasi:sockets/types@0.3.0".to_owned()),
        "{imports:?}"
    );
    let denied =
        denied_imports(&component.resolve, component.world, &Capabilities::none()).unwrap();
    let names: Vec<&str> = denied.iter().map(|d| d.import.as_str()).collect();
    assert_eq!(names, ["wasi:sockets/ip-name-lookup@0.3.0"]);
}

#[test]
fn an_interface_no_capability_governs_is_refused() {
    let resolve = wasi("0.2.12");
    let stdout = resolve
        .interfaces
        .iter()
        .find(|(id, _)| resolve.id_of(*id).as_deref() == Some("wasi:cli/stdout@0.2.12"))
        .map(|(id, _)| id)
        .unwrap();
    let err = deny_component(&resolve, stdout).unwrap_err();
    assert!(matches!(err, DenyError::NotGoverned { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "`wasi:cli/stdout@0.2.12` is not an interface that a capability governs"
    );
}

#[test]
fn a_function_without_a_denied_answer_is_refused() {
    let cases = [
        (
            "package wasi:cli@0.2.99; interface environment { get-environment: func() -> u32; }",
            "cannot deny `get-environment: func() -> u32` of `wasi:cli/environment@0.2.99`: it returns `u32`",
        ),
        (
            "package wasi:cli@0.2.99; interface environment { get-arguments: async func() -> list<string>; }",
            "cannot deny `get-arguments: async func() -> list<string>` of `wasi:cli/environment@0.2.99`: only synchronous functions without resources are forwarded",
        ),
        (
            "package wasi:sockets@0.2.99; interface tcp-create-socket { create-tcp-socket: func() -> result<u32, string>; }",
            "cannot deny `create-tcp-socket: func() -> result<u32, string>` of `wasi:sockets/tcp-create-socket@0.2.99`: its error type `string` has no case `access-denied`",
        ),
        (
            "package wasi:sockets@0.3.99; interface types { resource tcp-socket { constructor(); } }",
            "cannot deny `[constructor]tcp-socket: func()` of `wasi:sockets/types@0.3.99`: a constructor cannot be denied",
        ),
    ];
    for (wit, message) in cases {
        let mut resolve = Resolve::new();
        let package = resolve.push_source("test.wit", wit).unwrap();
        let interface = resolve.packages[package].interfaces[0];
        let err = deny_component(&resolve, interface).unwrap_err();
        assert!(matches!(err, DenyError::Function { .. }), "{err}");
        assert_eq!(err.to_string(), message);
    }
}

/// Plugs every deny component into the importer with wac-graph: the result
/// validates and imports only WASI from the host, and of the governed
/// interfaces only what is forwarded (the environment's arguments and working
/// directory) or used for its types (`wasi:sockets/types` for `ip-address`).
#[test]
fn deny_components_compose_into_an_importer() {
    for version in VERSIONS {
        let (bytes, component) = importer(version, governed(version));
        let denied =
            denied_imports(&component.resolve, component.world, &Capabilities::none()).unwrap();
        let composed = compose(bytes, &denied);
        validate(&composed);

        let (resolve, world) = world_of(&composed);
        let mut reached = Vec::new();
        for (key, item) in &resolve.worlds[world].imports {
            let name = resolve.name_world_key(key);
            assert!(
                name.starts_with("wasi:"),
                "the composition imports `{name}`"
            );
            let (WorldItem::Interface { id, .. }, Some(rule)) = (item, rule_for(&name)) else {
                continue;
            };
            for func in resolve.interfaces[*id].functions.keys() {
                reached.push(format!("{name}#{func}"));
                assert!(
                    rule.forward.contains(&func.as_str()),
                    "`{name}` keeps `{func}`"
                );
            }
        }
        let cwd = if version.starts_with("0.2.") {
            "initial-cwd"
        } else {
            "get-initial-cwd"
        };
        let environment = format!("wasi:cli/environment@{version}");
        assert_eq!(
            sorted(reached),
            [
                format!("{environment}#get-arguments"),
                format!("{environment}#{cwd}")
            ]
        );
    }
}

fn compose(importer: Vec<u8>, denied: &[DeniedImport]) -> Vec<u8> {
    let mut graph = CompositionGraph::new();
    let package = Package::from_bytes("test:importer", None, importer, graph.types_mut()).unwrap();
    let package = graph.register_package(package).unwrap();
    let mut arguments = Vec::new();
    for (i, d) in denied.iter().enumerate() {
        let name = format!("wcomp:deny{i}");
        let package = Package::from_bytes(&name, None, d.bytes.clone(), graph.types_mut()).unwrap();
        let package = graph.register_package(package).unwrap();
        let node = graph.instantiate(package);
        arguments.push((
            d.import.clone(),
            graph.alias_instance_export(node, &d.export).unwrap(),
        ));
    }
    let node = graph.instantiate(package);
    for (import, alias) in arguments {
        graph
            .set_instantiation_argument(node, &import, alias)
            .unwrap();
    }
    graph.encode(EncodeOptions::default()).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
