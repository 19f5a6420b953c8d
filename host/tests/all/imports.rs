//! Each component is linked against the packages it imports: a component
//! importing every function of every interface the host provides links,
//! release by release.

use crate::support;

use support::guests::componentize;
use support::*;
use wcomp_host::Host;
use wit_parser::{LiftLowerAbi, ManglingAndAbi};

/// A component whose core module calls every function of `interfaces`
/// (names with versions), built against the vendored WASI.
fn importer(interfaces: &[String]) -> Vec<u8> {
    let mut resolve = wcomp_core::wasi::resolve().clone();
    let imports: String = interfaces
        .iter()
        .map(|i| format!("import {i};\n"))
        .collect();
    let wit = format!("package test:importer;\nworld importer {{\n{imports}}}\n");
    let package = resolve
        .push_str("importer.wit", &wit)
        .expect("the importer's WIT");
    let world = resolve.packages[package].worlds["importer"];
    let module =
        wit_component::dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    componentize(&resolve, world, module, "the importer")
}

/// Every interface the host provides whose version starts with `release`.
fn provided(release: &str) -> Vec<String> {
    wcomp_core::wasi::provided_interfaces()
        .iter()
        .map(|name| name.to_string())
        .filter(|name| {
            name.split_once('@')
                .is_some_and(|(_, v)| v.starts_with(release))
        })
        .collect()
}

#[test]
fn every_function_of_every_interface_the_host_provides_links() {
    for release in ["0.2.", "0.3."] {
        let interfaces = provided(release);
        assert!(interfaces.len() > 10, "{release}: {interfaces:?}");
        let bytes = importer(&interfaces);
        load(&format!("all-{release}wasm"), &bytes);
    }
}

#[test]
fn a_host_without_concurrency_links_every_function_of_wasi_0_2() {
    let host = Host::builder().concurrency(false).build().expect("a host");
    load_into(&host, "all-0.2.wasm", &importer(&provided("0.2.")));
}
