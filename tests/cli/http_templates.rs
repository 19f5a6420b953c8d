//! The vendored wasi:http WIT and the worlds of `templates/http/` resolve with
//! wit-parser against the rest of the vendored WASI of their version. Hermetic:
//! building and serving the templates is `scripts/http-templates`.

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use crate::support::repo;

/// Resolves `world_wit` (a world file without a `package` line, `{{name}}`
/// standing for `check`) in package `app:check`, with every vendored WASI
/// file of `version` in `deps/`, and returns the world `check`.
fn resolve_world(world_wit: &str, version: &str) -> (Resolve, WorldId) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let deps = dir.path().join("deps");
    std::fs::create_dir(&deps).expect("deps/");
    for entry in std::fs::read_dir(repo().join("wit").join(format!("wasi-{version}")))
        .expect("the vendored WASI")
    {
        let path = entry.expect("a vendored file").path();
        let name = path.file_name().expect("a file name");
        std::fs::copy(&path, deps.join(name)).expect("copy a vendored file");
    }
    let world = world_wit.replace("{{name}}", "check");
    std::fs::write(
        dir.path().join("check.wit"),
        format!("package app:check;\n{world}"),
    )
    .expect("write the world");
    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_dir(dir.path())
        .unwrap_or_else(|e| panic!("WASI {version} and the world do not resolve: {e:?}"));
    let world = resolve
        .select_world(&[package], Some("check"))
        .expect("the world `check`");
    (resolve, world)
}

/// The interface names (`ns:pkg/iface@version`) of a world's imports or exports.
fn interfaces<'a>(
    resolve: &Resolve,
    items: impl Iterator<Item = (&'a WorldKey, &'a WorldItem)>,
) -> Vec<String> {
    items
        .filter_map(|(_, item)| match item {
            WorldItem::Interface { id, .. } => resolve.id_of(*id),
            _ => None,
        })
        .collect()
}

fn exports(resolve: &Resolve, world: WorldId) -> Vec<String> {
    interfaces(resolve, resolve.worlds[world].exports.iter())
}

fn imports(resolve: &Resolve, world: WorldId) -> Vec<String> {
    interfaces(resolve, resolve.worlds[world].imports.iter())
}

fn template_world(file: &str) -> String {
    let path = repo().join("templates/http/wit").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn vendored_wasi_0_2_includes_the_http_proxy_world() {
    let (resolve, world) =
        resolve_world("world {{name}} { include wasi:http/proxy@0.2.12; }", "0.2");
    assert_eq!(
        exports(&resolve, world),
        ["wasi:http/incoming-handler@0.2.12"]
    );
    let imports = imports(&resolve, world);
    assert!(imports.contains(&"wasi:http/types@0.2.12".to_owned()));
    assert!(imports.contains(&"wasi:http/outgoing-handler@0.2.12".to_owned()));
}

#[test]
fn vendored_wasi_0_3_includes_the_http_service_and_middleware_worlds() {
    let (resolve, world) =
        resolve_world("world {{name}} { include wasi:http/service@0.3.0; }", "0.3");
    assert_eq!(exports(&resolve, world), ["wasi:http/handler@0.3.0"]);
    assert!(imports(&resolve, world).contains(&"wasi:http/client@0.3.0".to_owned()));

    let (resolve, world) = resolve_world(
        "world {{name}} { include wasi:http/middleware@0.3.0; }",
        "0.3",
    );
    assert_eq!(exports(&resolve, world), ["wasi:http/handler@0.3.0"]);
    assert!(imports(&resolve, world).contains(&"wasi:http/handler@0.3.0".to_owned()));
}

#[test]
fn every_http_template_world_resolves_against_its_wasi_version() {
    let cases = [
        (
            "handler-0.2.wit",
            "0.2",
            "wasi:http/incoming-handler@0.2.12",
            None,
        ),
        ("handler-0.3.wit", "0.3", "wasi:http/handler@0.3.0", None),
        (
            "handler-0.3-qjs.wit",
            "0.3",
            "wasi:http/handler@0.3.0",
            None,
        ),
        (
            "middleware-0.2.wit",
            "0.2",
            "wasi:http/incoming-handler@0.2.12",
            Some("wasi:http/incoming-handler@0.2.12"),
        ),
        (
            "middleware-0.3.wit",
            "0.3",
            "wasi:http/handler@0.3.0",
            Some("wasi:http/handler@0.3.0"),
        ),
    ];
    for (file, version, export, import) in cases {
        let (resolve, world) = resolve_world(&template_world(file), version);
        assert_eq!(exports(&resolve, world), [export], "{file}");
        if let Some(import) = import {
            assert!(
                imports(&resolve, world).contains(&import.to_owned()),
                "{file} imports {import}"
            );
        }
    }
    // componentize-qjs cannot import async functions: that world must not
    // import `client` (its `send` is an `async func`).
    let (resolve, world) = resolve_world(&template_world("handler-0.3-qjs.wit"), "0.3");
    assert!(!imports(&resolve, world).contains(&"wasi:http/client@0.3.0".to_owned()));
}
