//! Random apps for the planner: a few WIT interfaces (in a few packages, at
//! random versions, prereleases included), a few components importing and
//! exporting them and WASI at several versions, and an app.toml with random
//! `main`, `plug` entries, `capabilities` and `host-imports`.
//!
//! Every component is structurally valid: its world is WIT that parses, and
//! its binary is what wit-component makes of a dummy core module for that
//! world. The wiring among them is anything at all.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

use arbitrary::Arbitrary;
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// Package names the fuzzed interfaces live in.
const PACKAGES: &[&str] = &["fz:a", "fz:b", "wasi:fz"];
/// Interface names.
const INTERFACES: &[&str] = &["x", "y", "z"];
/// Package versions: none, releases (compatible and not), prereleases.
const VERSIONS: &[Option<&str>] = &[
    None,
    Some("0.1.0"),
    Some("0.1.1"),
    Some("0.2.0"),
    Some("1.0.0"),
    Some("1.2.0"),
    Some("2.0.0"),
    Some("1.0.0-alpha"),
    Some("0.3.0-rc.1"),
];

/// The WASI releases components may import: those guests really import,
/// and a release candidate no host provides.
const WASI_02: &[&str] = &["0.2.0", "0.2.6", "0.2.12"];
const WASI_03: &[&str] = &["0.3.0", "0.3.0-rc-2025-09-16"];

/// WASI interfaces a component may import (those capabilities govern among
/// them), for 0.2.x and 0.3.x.
const WASI_02_INTERFACES: &[&str] = &[
    "wasi:cli/environment",
    "wasi:filesystem/preopens",
    "wasi:cli/stdout",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/outgoing-handler",
    "wasi:random/random",
    "wasi:clocks/wall-clock",
];
const WASI_03_INTERFACES: &[&str] = &[
    "wasi:cli/environment",
    "wasi:filesystem/preopens",
    "wasi:cli/stdout",
    "wasi:sockets/types",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/client",
    "wasi:http/handler",
    "wasi:random/random",
];

/// Limits that keep one input quick.
const MAX_INTERFACES: usize = 6;
const MAX_COMPONENTS: usize = 5;
const MAX_FUNCS: usize = 3;
const MAX_PARAMS: usize = 3;
const MAX_ITEMS: usize = 4;

/// A random app, as `arbitrary` makes it from the fuzzer's bytes.
#[derive(Debug, Arbitrary)]
pub struct AppSpec {
    interfaces: Vec<InterfaceSpec>,
    components: Vec<ComponentSpec>,
    main: u8,
    host_imports: Vec<NameSpec>,
}

#[derive(Debug, Arbitrary)]
struct InterfaceSpec {
    package: u8,
    version: u8,
    name: u8,
    funcs: Vec<FuncSpec>,
    /// `use` the record of an earlier interface of the same package.
    uses: bool,
}

#[derive(Debug, Arbitrary)]
struct FuncSpec {
    params: Vec<Ty>,
    result: Option<Ty>,
}

/// The types functions use; `Rec`, `Enm`, `Flg` and `Var` are defined in
/// every interface, `Used` is the record `use`d from another one.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Ty {
    U32,
    S64,
    F64,
    Bool,
    Char,
    String,
    ListU8,
    ListString,
    OptionU32,
    ResultU32String,
    TupleU32String,
    Rec,
    Enm,
    Flg,
    Var,
    Used,
}

#[derive(Debug, Arbitrary)]
struct ComponentSpec {
    imports: Vec<u8>,
    exports: Vec<u8>,
    wasi: Vec<WasiSpec>,
    /// A freestanding function import (`import log: func(...)`).
    free_import: bool,
    /// A freestanding function export (`export run: func() -> u32`).
    free_export: bool,
    capabilities: Option<Vec<CapabilityWord>>,
    plugs: Vec<PlugSpec>,
    /// Left out of the app's directory: a missing file.
    missing: u8,
}

#[derive(Debug, Arbitrary)]
struct WasiSpec {
    interface: u8,
    version: u8,
    p3: bool,
}

#[derive(Debug, Arbitrary)]
enum CapabilityWord {
    Files,
    Env,
    Network,
    Http,
    All,
    Unknown,
}

#[derive(Debug, Arbitrary)]
struct PlugSpec {
    key: NameSpec,
    target: u8,
}

/// A name in app.toml that should name an interface: one of the app's,
/// with or without its version, a WASI one, a package wildcard, or text.
#[derive(Debug, Arbitrary)]
enum NameSpec {
    Interface { index: u8, versioned: bool },
    Wasi(WasiSpec),
    Package(u8),
    Text(Vec<u8>),
}

/// The vendored WASI WIT at every release a component may import, parsed
/// once.
static WASI: LazyLock<Resolve> = LazyLock::new(|| {
    let mut resolve = Resolve::new();
    for version in WASI_02 {
        push_wasi(&mut resolve, WASI_02_FILES, "0.2.12", version);
    }
    for version in WASI_03 {
        push_wasi(&mut resolve, WASI_03_FILES, "0.3.0", version);
    }
    resolve
});

const WASI_02_FILES: &[(&str, &str)] = &[
    ("io", include_str!("../../wit/wasi-0.2/io.wit")),
    ("clocks", include_str!("../../wit/wasi-0.2/clocks.wit")),
    ("random", include_str!("../../wit/wasi-0.2/random.wit")),
    (
        "filesystem",
        include_str!("../../wit/wasi-0.2/filesystem.wit"),
    ),
    ("sockets", include_str!("../../wit/wasi-0.2/sockets.wit")),
    ("cli", include_str!("../../wit/wasi-0.2/cli.wit")),
    ("http", include_str!("../../wit/wasi-0.2/http.wit")),
];
const WASI_03_FILES: &[(&str, &str)] = &[
    ("clocks", include_str!("../../wit/wasi-0.3/clocks.wit")),
    ("random", include_str!("../../wit/wasi-0.3/random.wit")),
    (
        "filesystem",
        include_str!("../../wit/wasi-0.3/filesystem.wit"),
    ),
    ("sockets", include_str!("../../wit/wasi-0.3/sockets.wit")),
    ("cli", include_str!("../../wit/wasi-0.3/cli.wit")),
    ("http", include_str!("../../wit/wasi-0.3/http.wit")),
];

/// Adds the vendored WASI `files` (release `vendored`) renamed to
/// `version`; `@since` gates, which may name later releases, are dropped.
fn push_wasi(resolve: &mut Resolve, files: &[(&str, &str)], vendored: &str, version: &str) {
    for (name, text) in files {
        let text: String = text
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !l.starts_with("@since") && !l.starts_with("@deprecated")
            })
            .map(|l| l.replace(&format!("@{vendored}"), &format!("@{version}")) + "\n")
            .collect();
        resolve
            .push_source(&format!("wasi-{version}/{name}.wit"), &text)
            .expect("the vendored WASI WIT parses");
    }
}

/// One interface of the app, after duplicates are dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Interface {
    package: &'static str,
    version: Option<&'static str>,
    name: &'static str,
}

impl Interface {
    /// As a world or app.toml names it: `fz:a/x@1.0.0`.
    fn full_name(&self, versioned: bool) -> String {
        match (self.version, versioned) {
            (Some(v), true) => format!("{}/{}@{v}", self.package, self.name),
            _ => format!("{}/{}", self.package, self.name),
        }
    }
}

fn pick<T: Copy>(items: &[T], index: u8) -> T {
    items[usize::from(index) % items.len()]
}

/// A WASI interface name with its version.
fn wasi_name(spec: &WasiSpec) -> String {
    if spec.p3 {
        let iface = pick(WASI_03_INTERFACES, spec.interface);
        format!("{iface}@{}", pick(WASI_03, spec.version))
    } else {
        let iface = pick(WASI_02_INTERFACES, spec.interface);
        format!("{iface}@{}", pick(WASI_02, spec.version))
    }
}

impl AppSpec {
    /// The app's distinct interfaces, each with its functions.
    fn interfaces(&self) -> Vec<(Interface, &InterfaceSpec)> {
        let mut out: Vec<(Interface, &InterfaceSpec)> = Vec::new();
        for spec in self.interfaces.iter().take(MAX_INTERFACES) {
            let iface = Interface {
                package: pick(PACKAGES, spec.package),
                version: pick(VERSIONS, spec.version),
                name: pick(INTERFACES, spec.name),
            };
            if !out.iter().any(|(i, _)| *i == iface) {
                out.push((iface, spec));
            }
        }
        out
    }

    /// Writes the app into `dir`: `app.toml` and a `cN.wasm` per component.
    /// `None` if wit-component rejects a world this generator made (such
    /// inputs are skipped, not failures of wcomp).
    pub fn write(&self, dir: &Path) -> Option<()> {
        let components: Vec<&ComponentSpec> = self.components.iter().take(MAX_COMPONENTS).collect();
        if components.is_empty() {
            return None;
        }
        let interfaces = self.interfaces();
        let mut resolve = WASI.clone();
        for (source, text) in package_sources(&interfaces) {
            resolve.push_source(&source, &text).ok()?;
        }
        for (i, spec) in components.iter().enumerate() {
            if spec.missing == 0xff {
                continue;
            }
            let bytes = encode_component(&mut resolve, i, spec, &interfaces)?;
            std::fs::write(dir.join(format!("c{i}.wasm")), bytes).ok()?;
        }
        let manifest = self.manifest(&components, &interfaces);
        std::fs::write(dir.join("app.toml"), manifest).ok()
    }

    /// The app.toml of the app.
    fn manifest(
        &self,
        components: &[&ComponentSpec],
        interfaces: &[(Interface, &InterfaceSpec)],
    ) -> String {
        let mut out = String::from("[app]\nname = \"fuzz\"\n");
        let _ = writeln!(
            out,
            "main = \"c{}\"",
            usize::from(self.main) % components.len()
        );
        let host: Vec<String> = self
            .host_imports
            .iter()
            .take(MAX_ITEMS)
            .map(|n| quoted(&name_text(n, interfaces)))
            .collect();
        if !host.is_empty() {
            let _ = writeln!(out, "host-imports = [{}]", host.join(", "));
        }
        for (i, spec) in components.iter().enumerate() {
            let _ = writeln!(out, "\n[components.c{i}]\nwasm = \"c{i}.wasm\"");
            if let Some(words) = &spec.capabilities {
                let words: Vec<String> = words
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|w| quoted(word(w)))
                    .collect();
                let _ = writeln!(out, "capabilities = [{}]", words.join(", "));
            }
            let plugs: BTreeMap<String, String> = spec
                .plugs
                .iter()
                .take(MAX_ITEMS)
                .map(|p| {
                    let target = usize::from(p.target) % (components.len() + 1);
                    (name_text(&p.key, interfaces), format!("c{target}"))
                })
                .collect();
            if !plugs.is_empty() {
                let _ = writeln!(out, "\n[components.c{i}.plug]");
                for (key, target) in plugs {
                    let _ = writeln!(out, "{} = \"{target}\"", quoted(&key));
                }
            }
        }
        out
    }
}

fn word(word: &CapabilityWord) -> &'static str {
    match word {
        CapabilityWord::Files => "files",
        CapabilityWord::Env => "env",
        CapabilityWord::Network => "network",
        CapabilityWord::Http => "http",
        CapabilityWord::All => "all",
        CapabilityWord::Unknown => "disk",
    }
}

/// The text of a name in app.toml.
fn name_text(name: &NameSpec, interfaces: &[(Interface, &InterfaceSpec)]) -> String {
    match name {
        NameSpec::Interface { index, versioned } if !interfaces.is_empty() => interfaces
            [usize::from(*index) % interfaces.len()]
        .0
        .full_name(*versioned),
        NameSpec::Interface { .. } => "fz:a/x".to_owned(),
        NameSpec::Wasi(spec) => wasi_name(spec),
        NameSpec::Package(p) => format!("{}/*", pick(PACKAGES, *p)),
        NameSpec::Text(bytes) => {
            const ALPHABET: &[u8] = b"abxyz:/@.-*019";
            bytes
                .iter()
                .take(24)
                .map(|b| char::from(pick(ALPHABET, *b)))
                .collect()
        }
    }
}

/// A TOML basic string (the generator's names need no escapes but `\`
/// and `"`, which never occur).
fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

/// The WIT source of each package of `interfaces`.
fn package_sources(interfaces: &[(Interface, &InterfaceSpec)]) -> Vec<(String, String)> {
    let mut packages: BTreeMap<(&str, Option<&str>), Vec<(&Interface, &InterfaceSpec)>> =
        BTreeMap::new();
    for (iface, spec) in interfaces {
        packages
            .entry((iface.package, iface.version))
            .or_default()
            .push((iface, spec));
    }
    packages
        .into_iter()
        .map(|((package, version), members)| {
            let header = match version {
                Some(v) => format!("package {package}@{v};\n"),
                None => format!("package {package};\n"),
            };
            let mut text = header.clone();
            let mut earlier: Option<&str> = None;
            for (iface, spec) in members {
                let used = if spec.uses { earlier } else { None };
                text.push_str(&interface_wit(iface.name, spec, used));
                earlier.get_or_insert(iface.name);
            }
            (format!("{}.wit", header.trim()), text)
        })
        .collect()
}

/// An interface's WIT: its own types, a `use` of `used`'s record, and its
/// functions.
fn interface_wit(name: &str, spec: &InterfaceSpec, used: Option<&str>) -> String {
    let mut out = format!("interface {name} {{\n");
    if let Some(used) = used {
        let _ = writeln!(out, "  use {used}.{{rec as used}};");
    }
    out.push_str(
        "  record rec { a: u32, b: string }\n  enum enm { one, two }\n  flags flg { r, w }\n  variant var { none, some(u32), text(string) }\n",
    );
    let funcs = spec.funcs.iter().take(MAX_FUNCS);
    for (f, func) in funcs.enumerate() {
        let params: Vec<String> = func
            .params
            .iter()
            .take(MAX_PARAMS)
            .enumerate()
            .map(|(p, ty)| format!("p{p}: {}", wit_type(*ty, used.is_some())))
            .collect();
        let result = func
            .result
            .map(|ty| format!(" -> {}", wit_type(ty, used.is_some())))
            .unwrap_or_default();
        let _ = writeln!(out, "  f{f}: func({}){result};", params.join(", "));
    }
    out.push_str("}\n");
    out
}

fn wit_type(ty: Ty, has_used: bool) -> &'static str {
    match ty {
        Ty::U32 => "u32",
        Ty::S64 => "s64",
        Ty::F64 => "f64",
        Ty::Bool => "bool",
        Ty::Char => "char",
        Ty::String => "string",
        Ty::ListU8 => "list<u8>",
        Ty::ListString => "list<string>",
        Ty::OptionU32 => "option<u32>",
        Ty::ResultU32String => "result<u32, string>",
        Ty::TupleU32String => "tuple<u32, string>",
        Ty::Rec => "rec",
        Ty::Enm => "enm",
        Ty::Flg => "flg",
        Ty::Var => "var",
        Ty::Used if has_used => "used",
        Ty::Used => "rec",
    }
}

/// Component `cN`: its world in package `fz:cN`, a dummy core module for
/// it, componentized.
fn encode_component(
    resolve: &mut Resolve,
    index: usize,
    spec: &ComponentSpec,
    interfaces: &[(Interface, &InterfaceSpec)],
) -> Option<Vec<u8>> {
    let named = |indices: &[u8]| -> Vec<String> {
        let mut names: Vec<String> = indices
            .iter()
            .take(MAX_ITEMS)
            .filter(|_| !interfaces.is_empty())
            .map(|i| {
                interfaces[usize::from(*i) % interfaces.len()]
                    .0
                    .full_name(true)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let exports = named(&spec.exports);
    let mut imports = named(&spec.imports);
    imports.retain(|i| !exports.contains(i));
    imports.extend(spec.wasi.iter().take(MAX_ITEMS).map(wasi_name));
    imports.sort();
    imports.dedup();
    let mut world = format!("package fz:c{index};\nworld w {{\n");
    for import in &imports {
        let _ = writeln!(world, "  import {import};");
    }
    if spec.free_import {
        world.push_str("  import log: func(message: string);\n");
    }
    for export in &exports {
        let _ = writeln!(world, "  export {export};");
    }
    if spec.free_export {
        world.push_str("  export run: func() -> u32;\n");
    }
    world.push_str("}\n");
    let package = resolve.push_source(&format!("c{index}.wit"), &world).ok()?;
    let world = resolve.select_world(&[package], Some("w")).ok()?;
    let mut module =
        wit_component::dummy_module(resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .ok()?;
    wit_component::ComponentEncoder::default()
        .module(&module)
        .ok()?
        .validate(true)
        .encode()
        .ok()
}
