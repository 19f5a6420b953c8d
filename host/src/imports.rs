//! What the host links into a component: WASI 0.2 and 0.3 and wasi:http,
//! a package at a time, and only the packages the component imports.
//!
//! Defining a host function in a linker has a cost: a linker with every
//! package Wasmtime provides (over 300 functions, each name interned and
//! hashed) was a quarter of the instructions of a warm `wcomp run` of a
//! Rust hello, and cloning it to give a component its own core modules
//! (see [`crate::split`]) another eighth. A hello imports two WASI 0.2
//! packages and one of WASI 0.3, so each component gets a linker of its
//! own with those packages alone. What it imports is linked to the same
//! functions as before; an import that no package provides stays missing,
//! and is reported as before.

use wasmtime::Engine;
use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings as p2;
use wasmtime_wasi::p3;
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};
use wasmtime_wasi_http as http;

use crate::state::StoreData;

/// The WASI release a package belongs to, from the version an import names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Release {
    /// WASI 0.2.x: any patch release links to Wasmtime's (a semver match).
    P2,
    /// WASI 0.3.0, whose async functions need the host's concurrency.
    P3,
}

impl Release {
    /// The release an import's version belongs to, if the host has one.
    fn of(version: &str) -> Option<Release> {
        match version {
            v if v.starts_with("0.2.") => Some(Release::P2),
            v if v.starts_with("0.3.") => Some(Release::P3),
            _ => None,
        }
    }
}

/// Adds one package's interfaces to a linker.
type Add<T> = fn(&mut Linker<StoreData<T>>) -> wasmtime::Result<()>;

/// One package the host provides: `wasi:cli` of WASI 0.2, for one.
struct Package<T: 'static> {
    name: &'static str,
    release: Release,
    add: Add<T>,
}

/// Every package the host provides, with what adds it. WASI 0.3's
/// packages come from Wasmtime's own per-package functions; WASI 0.2 has
/// only a function for all of it, so its packages list their interfaces
/// here, as `wasmtime_wasi::p2::add_to_linker_async` does.
fn packages<T: Send + 'static>() -> [Package<T>; 13] {
    use Release::{P2, P3};
    let package = |name, release, add| Package { name, release, add };
    [
        package("wasi:io", P2, p2_io::<T>),
        package("wasi:clocks", P2, p2_clocks::<T>),
        package("wasi:filesystem", P2, p2_filesystem::<T>),
        package("wasi:random", P2, p2_random::<T>),
        package("wasi:cli", P2, p2_cli::<T>),
        package("wasi:sockets", P2, p2_sockets::<T>),
        package("wasi:http", P2, http::p2::add_only_http_to_linker_async),
        package("wasi:cli", P3, p3::cli::add_to_linker),
        package("wasi:clocks", P3, p3::clocks::add_to_linker),
        package("wasi:filesystem", P3, p3::filesystem::add_to_linker),
        package("wasi:random", P3, p3::random::add_to_linker),
        package("wasi:sockets", P3, p3::sockets::add_to_linker),
        package("wasi:http", P3, http::p3::add_to_linker),
    ]
}

/// The packages a linker gets.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Selection<'a> {
    /// Every package of the host's releases (to check an embedder's own
    /// imports against them all).
    All,
    /// Those `component` imports.
    ImportedBy(&'a Component),
}

/// A linker with the packages `selection` names, of WASI 0.2 and, with
/// `concurrency`, WASI 0.3.
pub(crate) fn linker<T: Send + 'static>(
    engine: &Engine,
    concurrency: bool,
    selection: Selection<'_>,
) -> wasmtime::Result<Linker<StoreData<T>>> {
    let mut linker = Linker::new(engine);
    let component_type = match selection {
        Selection::All => None,
        Selection::ImportedBy(component) => Some(component.component_type()),
    };
    let imported: Vec<(&str, Release)> = component_type
        .iter()
        .flat_map(|ty| ty.imports(engine))
        .filter_map(|(name, _)| package_of(name))
        .collect();
    for package in packages::<T>() {
        let wanted =
            component_type.is_none() || imported.contains(&(package.name, package.release));
        if wanted && (package.release == Release::P2 || concurrency) {
            (package.add)(&mut linker)?;
        }
    }
    Ok(linker)
}

/// The package and release of an import named `ns:pkg/iface@version`.
fn package_of(import: &str) -> Option<(&str, Release)> {
    let (path, version) = import.split_once('@')?;
    let (package, _interface) = path.split_once('/')?;
    Some((package, Release::of(version)?))
}

/// The marker for `wasi:io`, whose functions take the resource table alone.
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

fn p2_io<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    fn table<T: Send>(t: &mut StoreData<T>) -> &mut ResourceTable {
        t.ctx().table
    }
    let table = table::<T>;
    p2::io::error::add_to_linker::<_, Io>(l, table)?;
    p2::io::poll::add_to_linker::<_, Io>(l, table)?;
    p2::io::streams::add_to_linker::<_, Io>(l, table)
}

fn p2_clocks<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    p2::clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, WasiClocksView::clocks)?;
    p2::clocks::monotonic_clock::add_to_linker::<_, WasiClocks>(l, WasiClocksView::clocks)
}

fn p2_filesystem<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    let view = WasiFilesystemView::filesystem;
    p2::filesystem::types::add_to_linker::<_, WasiFilesystem>(l, view)?;
    p2::filesystem::preopens::add_to_linker::<_, WasiFilesystem>(l, view)
}

fn p2_random<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    let random = WasiRandomView::random;
    p2::random::random::add_to_linker::<_, WasiRandom>(l, random)?;
    p2::random::insecure::add_to_linker::<_, WasiRandom>(l, random)?;
    p2::random::insecure_seed::add_to_linker::<_, WasiRandom>(l, random)
}

fn p2_cli<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    use p2::cli::*;
    let cli = WasiCliView::cli;
    exit::add_to_linker::<_, WasiCli>(l, cli)?;
    environment::add_to_linker::<_, WasiCli>(l, cli)?;
    stdin::add_to_linker::<_, WasiCli>(l, cli)?;
    stdout::add_to_linker::<_, WasiCli>(l, cli)?;
    stderr::add_to_linker::<_, WasiCli>(l, cli)?;
    terminal_input::add_to_linker::<_, WasiCli>(l, cli)?;
    terminal_output::add_to_linker::<_, WasiCli>(l, cli)?;
    terminal_stdin::add_to_linker::<_, WasiCli>(l, cli)?;
    terminal_stdout::add_to_linker::<_, WasiCli>(l, cli)?;
    terminal_stderr::add_to_linker::<_, WasiCli>(l, cli)
}

fn p2_sockets<T: Send + 'static>(l: &mut Linker<StoreData<T>>) -> wasmtime::Result<()> {
    use p2::sockets::*;
    let sockets = WasiSocketsView::sockets;
    let options = p2::LinkOptions::default();
    tcp_create_socket::add_to_linker::<_, WasiSockets>(l, sockets)?;
    instance_network::add_to_linker::<_, WasiSockets>(l, sockets)?;
    network::add_to_linker::<_, WasiSockets>(l, &(&options).into(), sockets)?;
    ip_name_lookup::add_to_linker::<_, WasiSockets>(l, sockets)?;
    tcp::add_to_linker::<_, WasiSockets>(l, sockets)?;
    udp::add_to_linker::<_, WasiSockets>(l, sockets)?;
    udp_create_socket::add_to_linker::<_, WasiSockets>(l, sockets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_names_its_package_and_release() {
        assert_eq!(
            package_of("wasi:cli/stdout@0.2.6"),
            Some(("wasi:cli", Release::P2))
        );
        assert_eq!(
            package_of("wasi:http/types@0.3.0"),
            Some(("wasi:http", Release::P3))
        );
        assert_eq!(
            package_of("wasi:cli/stdout@0.3.0-rc-2025-09-16"),
            Some(("wasi:cli", Release::P3))
        );
        for other in [
            "wasi:cli/stdout@0.1.0",
            "wasi:cli/stdout",
            "answer",
            "demo:x@0.2.0",
        ] {
            assert_eq!(package_of(other), None, "{other}");
        }
    }

    #[test]
    fn every_interface_the_host_provides_is_in_a_package_it_links() {
        let names: Vec<(&str, Release)> = packages::<()>()
            .iter()
            .map(|p| (p.name, p.release))
            .collect();
        for interface in wcomp_core::wasi::provided_interfaces() {
            let name = interface.to_string();
            let package = package_of(&name);
            assert!(
                package.is_some_and(|p| names.contains(&p)),
                "{name} is in no package the host links"
            );
        }
    }
}
