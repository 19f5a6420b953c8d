//! The WASI that wcomp ships and its host provides, in one place.
//!
//! The WIT files are those of wasmtime-wasi 48 and wasmtime-wasi-http 48
//! (see `wit/README.md`), built into every crate that needs them:
//! `wcomp new` copies them into an app, every command that resolves a world
//! keeps them in reach, composition lets exactly these imports stay open,
//! and the host names from them what a component lacks.

use std::sync::OnceLock;

use wit_parser::{Resolve, UnresolvedPackageGroup};

use crate::names::InterfaceName;

/// One vendored WASI package: its WIT text and the file it is copied to.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WasiPackage {
    /// `wasi:cli@0.2.12`.
    pub name: &'static str,
    /// The file name it gets in an app's `wit/deps/`: `wasi-cli-0.2.12.wit`.
    pub file_name: &'static str,
    /// The package's WIT text, as vendored in wcomp's `wit/` folder;
    /// written out unchanged.
    pub wit: &'static str,
}

impl WasiPackage {
    /// The package's WASI release line: `0.2` or `0.3`.
    pub fn line(&self) -> &'static str {
        if self.name.ends_with("@0.2.12") {
            "0.2"
        } else {
            "0.3"
        }
    }
}

macro_rules! vendored {
    ($($name:literal => $file:literal, $path:literal;)*) => {
        /// Every vendored WASI package.
        pub const PACKAGES: &[WasiPackage] = &[$(WasiPackage {
            name: $name,
            file_name: $file,
            wit: include_str!(concat!("../../wit/", $path)),
        }),*];
    };
}

vendored! {
    "wasi:io@0.2.12" => "wasi-io-0.2.12.wit", "wasi-0.2/io.wit";
    "wasi:clocks@0.2.12" => "wasi-clocks-0.2.12.wit", "wasi-0.2/clocks.wit";
    "wasi:random@0.2.12" => "wasi-random-0.2.12.wit", "wasi-0.2/random.wit";
    "wasi:filesystem@0.2.12" => "wasi-filesystem-0.2.12.wit", "wasi-0.2/filesystem.wit";
    "wasi:sockets@0.2.12" => "wasi-sockets-0.2.12.wit", "wasi-0.2/sockets.wit";
    "wasi:cli@0.2.12" => "wasi-cli-0.2.12.wit", "wasi-0.2/cli.wit";
    "wasi:http@0.2.12" => "wasi-http-0.2.12.wit", "wasi-0.2/http.wit";
    "wasi:clocks@0.3.0" => "wasi-clocks-0.3.0.wit", "wasi-0.3/clocks.wit";
    "wasi:random@0.3.0" => "wasi-random-0.3.0.wit", "wasi-0.3/random.wit";
    "wasi:filesystem@0.3.0" => "wasi-filesystem-0.3.0.wit", "wasi-0.3/filesystem.wit";
    "wasi:sockets@0.3.0" => "wasi-sockets-0.3.0.wit", "wasi-0.3/sockets.wit";
    "wasi:cli@0.3.0" => "wasi-cli-0.3.0.wit", "wasi-0.3/cli.wit";
    "wasi:http@0.3.0" => "wasi-http-0.3.0.wit", "wasi-0.3/http.wit";
}

/// Interfaces the host calls rather than provides: a guest exports them (a
/// 0.3 middleware imports `handler` too, from the handler it wraps).
const EXPORTED_ONLY: &[&str] = &[
    "wasi:cli/run",
    "wasi:http/incoming-handler",
    "wasi:http/handler",
];

/// Whether `export`, an interface name in WIT syntax (versioned or not), is
/// an HTTP handler: `wasi:http/handler` (WASI 0.3) or
/// `wasi:http/incoming-handler` (WASI 0.2), which `wcomp serve` serves.
pub fn is_http_handler(export: &str) -> bool {
    let unversioned = export.split_once('@').map_or(export, |(name, _)| name);
    matches!(
        unversioned,
        "wasi:http/handler" | "wasi:http/incoming-handler"
    )
}

/// Each vendored package parsed on its own, not yet resolved against the
/// others: for adding to a user's WIT what it does not define itself.
/// Parsed once per process: a build loads a world for every component.
pub fn unresolved() -> Vec<UnresolvedPackageGroup> {
    static PARSED: OnceLock<Vec<UnresolvedPackageGroup>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            PACKAGES
                .iter()
                .map(|package| {
                    let mut map = wit_parser::SourceMap::default();
                    map.push_str(package.file_name, package.wit);
                    map.parse()
                        .map_err(|(_, e)| e)
                        .expect("the vendored WASI WIT parses (checked by a test)")
                })
                .collect()
        })
        .clone()
}

/// Every vendored package, resolved together.
pub fn resolve() -> &'static Resolve {
    static RESOLVE: OnceLock<Resolve> = OnceLock::new();
    RESOLVE.get_or_init(|| {
        let mut groups = unresolved();
        let main = groups.remove(0);
        let mut resolve = Resolve::default();
        resolve
            .push_groups(main, groups)
            .expect("the vendored WASI WIT resolves (checked by a test)");
        resolve
    })
}

/// Every interface the host provides to a guest, by name.
///
/// Read from the vendored WIT text, one `interface NAME {` line at a time
/// (each package declares its interfaces at the top level), not from
/// [`resolve`]: parsing and resolving every WASI package costs more than
/// the rest of a `wcomp compose` together, and only the names are needed
/// here. A test checks that both give the same names.
pub fn provided_interfaces() -> &'static [InterfaceName] {
    static PROVIDED: OnceLock<Vec<InterfaceName>> = OnceLock::new();
    PROVIDED.get_or_init(|| {
        let mut names: Vec<InterfaceName> = (0..PACKAGES.len())
            .flat_map(|index| provided_by(index).iter().cloned())
            .collect();
        names.sort();
        names
    })
}

/// The interfaces the host provides from vendored package `PACKAGES[index]`,
/// each package read once, when first asked about.
fn provided_by(index: usize) -> &'static [InterfaceName] {
    static PROVIDED: [OnceLock<Vec<InterfaceName>>; PACKAGES.len()] =
        [const { OnceLock::new() }; PACKAGES.len()];
    PROVIDED[index].get_or_init(|| {
        declared_interfaces(&PACKAGES[index])
            .into_iter()
            .filter(|name| !EXPORTED_ONLY.contains(&name.unversioned().as_str()))
            .collect()
    })
}

/// The interfaces a vendored package declares, named with its version;
/// those gated `@unstable` are left out, as resolving leaves them out.
fn declared_interfaces(package: &WasiPackage) -> Vec<InterfaceName> {
    let (path, version) = package.name.split_once('@').unwrap_or((package.name, ""));
    let mut names = Vec::new();
    let mut unstable = false;
    // Only top-level lines matter: items and their gates start in column 0.
    let top_level = package.wit.split('\n').filter(|line| {
        line.as_bytes()
            .first()
            .is_some_and(|b| !b.is_ascii_whitespace())
    });
    for line in top_level {
        if line.starts_with("@unstable") {
            unstable = true;
        } else if let Some(rest) = line.strip_prefix("interface ") {
            let interface = rest.split([' ', '{']).next().unwrap_or_default();
            let interface = interface.trim_start_matches('%');
            if !unstable
                && let Some(name) = InterfaceName::parse(&format!("{path}/{interface}@{version}"))
            {
                names.push(name);
            }
            unstable = false;
        } else if !line.starts_with('@') && !line.starts_with("//") {
            // Anything else ends the gates written above an item.
            unstable = false;
        }
    }
    names
}

/// Whether the host provides an import named `name`, under the version rule
/// of [`InterfaceName::is_compatible_with`].
pub fn host_provides(name: &str) -> bool {
    let Some(name) = InterfaceName::parse(name) else {
        return false;
    };
    // Only the packages of the same name can provide it.
    let package = name.package_name();
    PACKAGES
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.name
                .split_once('@')
                .is_some_and(|(path, _)| path == package)
        })
        .any(|(index, _)| {
            provided_by(index)
                .iter()
                .any(|p| p.is_compatible_with(&name))
        })
}

/// The versions of the WASI interface `name` that the host provides, for
/// messages: `wasi:cli/stdout@0.2.12, wasi:cli/stdout@0.3.0`.
pub fn provided_versions(name: &InterfaceName) -> Vec<&'static InterfaceName> {
    provided_interfaces()
        .iter()
        .filter(|p| p.unversioned() == name.unversioned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_packages_resolve_and_are_named_right() {
        let resolve = resolve();
        for package in PACKAGES {
            assert!(
                resolve
                    .packages
                    .iter()
                    .any(|(_, p)| p.name.to_string() == package.name),
                "{} is declared by {}",
                package.name,
                package.file_name
            );
        }
        assert!(provided_interfaces().len() > 40);
    }

    #[test]
    fn provided_interfaces_are_those_the_resolved_wit_declares() {
        let resolve = resolve();
        let mut resolved: Vec<InterfaceName> = resolve
            .interfaces
            .iter()
            .filter_map(|(id, _)| InterfaceName::parse(&resolve.id_of(id)?))
            .filter(|name| !EXPORTED_ONLY.contains(&name.unversioned().as_str()))
            .collect();
        resolved.sort();
        assert_eq!(provided_interfaces(), resolved.as_slice());
    }

    #[test]
    fn what_the_host_provides() {
        for ok in [
            "wasi:cli/stdout@0.2.6",
            "wasi:cli/stdout@0.2.12",
            "wasi:cli/stdout@0.3.0",
            "wasi:http/types@0.2.10",
            "wasi:http/outgoing-handler@0.2.0",
            "wasi:io/streams@0.2.0",
        ] {
            assert!(host_provides(ok), "{ok}");
        }
        for missing in [
            "wasi:cli/stdout@0.3.0-rc-2025-09-16",
            "wasi:keyvalue/store@0.2.0-draft",
            "demo:text/upper@0.1.0",
            "wasi:cli/stdout@0.1.0",
            "wasi:cli/run@0.2.0",
            "answer",
        ] {
            assert!(!host_provides(missing), "{missing}");
        }
    }
}
