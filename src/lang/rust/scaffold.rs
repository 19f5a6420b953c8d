//! Rust guests: a cdylib using wit-bindgen's `generate!`, with one `impl` per
//! exported interface and resource, typed as wit-bindgen generates them.

use std::fmt::Write as _;

use wit_parser::{Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId};

use super::pins;
use crate::scaffold::world::{self, ExportedInterface, Exports, Resource, upper_camel};
use crate::scaffold::{Context, File, placeholder_message};

const CARGO_TOML: &str = include_str!("../../../templates/rust/Cargo.toml");
/// The versions every Rust starter builds with, wit-bindgen's dependencies
/// included (those of `examples/hello-polyglot/cli`): pinned, so that
/// every app compiles the same units and shares them (`lang::rust::deps`),
/// rather than whatever the registry holds the day it is made.
const CARGO_LOCK: &str = include_str!("../../../templates/rust/Cargo.lock");
const GITIGNORE: &str = include_str!("../../../templates/rust/gitignore");

/// Rust keywords that wit-bindgen escapes with a trailing `_`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn ident(name: &str) -> String {
    world::escaped_snake(name, KEYWORDS)
}

pub fn files(cx: &Context<'_>) -> Vec<File> {
    let mut files = package_files(cx.name);
    files.push(File::new("src/lib.rs", lib_rs(cx)));
    files
}

/// A Rust component's package around its source: Cargo.toml, the pinned
/// Cargo.lock and .gitignore.
pub fn package_files(name: &str) -> Vec<File> {
    let cargo = CARGO_TOML
        .replace("{{name}}", name)
        .replace("{{wit_bindgen}}", pins::WIT_BINDGEN);
    vec![
        File::new("Cargo.toml", cargo),
        File::new("Cargo.lock", CARGO_LOCK.replace("{{name}}", name)),
        File::new(".gitignore", GITIGNORE.to_owned()),
    ]
}

struct Types<'a> {
    resolve: &'a Resolve,
    exports: &'a Exports<'a>,
    /// The binding modules the generated code names, for `use` lines.
    used: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

impl Types<'_> {
    /// The Rust path of the module wit-bindgen generates for a type's owner.
    fn module(&self, ty: TypeId) -> String {
        match world::owner_interface(self.resolve, ty) {
            Some(iface) => self.interface(iface),
            None => "crate".to_owned(),
        }
    }

    /// The module of an interface, remembered for a `use` line.
    fn interface(&self, iface: InterfaceId) -> String {
        let module = interface_module(self.resolve, self.exports, iface);
        self.used.borrow_mut().insert(module.clone());
        module
    }

    /// `use` lines for the modules whose last segment is unique, and `code`
    /// with their paths shortened to that segment.
    fn shorten(&self, code: String) -> (String, String) {
        let used = self.used.borrow();
        let last = |m: &String| m.rsplit("::").next().unwrap_or_default().to_owned();
        let mut uses = String::new();
        let mut code = code;
        for module in used.iter() {
            let alias = last(module);
            if used.iter().filter(|m| last(m) == alias).count() > 1 {
                continue;
            }
            let _ = writeln!(uses, "use {};", module.trim_start_matches("crate::"));
            code = code.replace(&format!("{module}::"), &format!("{alias}::"));
        }
        (uses, code)
    }

    fn named(&self, ty: TypeId) -> String {
        let name = self.resolve.types[ty].name.as_deref().unwrap_or("Unnamed");
        format!("{}::{}", self.module(ty), upper_camel(name))
    }

    fn is_exported_resource(&self, ty: TypeId) -> bool {
        world::owner_interface(self.resolve, ty).is_some_and(|i| self.exports.exports_interface(i))
    }

    fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "String".into(),
            Type::ErrorContext => "wit_bindgen::ErrorContext".into(),
            Type::Id(id) => self.id(*id),
        }
    }

    fn opt(&self, ty: Option<&Type>) -> String {
        ty.map_or_else(|| "()".to_owned(), |t| self.ty(t))
    }

    fn id(&self, id: TypeId) -> String {
        let def = &self.resolve.types[id];
        if def.name.is_some() {
            return self.named(id);
        }
        match &def.kind {
            TypeDefKind::List(t) => format!("Vec<{}>", self.ty(t)),
            TypeDefKind::FixedLengthList(t, n) => format!("[{}; {n}]", self.ty(t)),
            TypeDefKind::Option(t) => format!("Option<{}>", self.ty(t)),
            TypeDefKind::Result(r) => format!(
                "Result<{}, {}>",
                self.opt(r.ok.as_ref()),
                self.opt(r.err.as_ref())
            ),
            TypeDefKind::Tuple(t) => {
                let items: Vec<String> = t.types.iter().map(|t| self.ty(t)).collect();
                if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                }
            }
            TypeDefKind::Future(t) => {
                format!("wit_bindgen::FutureReader<{}>", self.opt(t.as_ref()))
            }
            TypeDefKind::Stream(t) => {
                format!("wit_bindgen::StreamReader<{}>", self.opt(t.as_ref()))
            }
            TypeDefKind::Handle(Handle::Own(r)) => self.named(*r),
            TypeDefKind::Handle(Handle::Borrow(r)) => {
                if self.is_exported_resource(*r) {
                    format!("{}Borrow<'_>", self.named(*r))
                } else {
                    format!("&{}", self.named(*r))
                }
            }
            TypeDefKind::Type(t) => self.ty(t),
            TypeDefKind::Map(k, v) => format!("Vec<({}, {})>", self.ty(k), self.ty(v)),
            _ => "()".into(),
        }
    }
}

/// `fn name(params) -> result`, with `&self` for methods and `Self` for
/// constructors.
fn signature(types: &Types<'_>, f: &Function, name: &str) -> String {
    let mut params = Vec::new();
    let mut skip = 0;
    if world::is_method(&f.kind) {
        params.push("&self".to_owned());
        skip = 1;
    }
    for p in f.params.iter().skip(skip) {
        params.push(format!("{}: {}", ident(&p.name), types.ty(&p.ty)));
    }
    let result = match (&f.kind, &f.result) {
        (wit_parser::FunctionKind::Constructor(_), _) => " -> Self".to_owned(),
        (_, Some(t)) => format!(" -> {}", types.ty(t)),
        (_, None) => String::new(),
    };
    let asyncness = if f.kind.is_async() { "async " } else { "" };
    format!(
        "{asyncness}fn {}({}){result}",
        ident(name),
        params.join(", ")
    )
}

fn body(out: &mut String, indent: &str, cx: &Context<'_>, what: &str, run: bool) {
    if run {
        for line in cx.run_lines() {
            let _ = writeln!(out, "{indent}    println!({line:?});");
        }
        let _ = writeln!(out, "{indent}    Ok(())");
    } else {
        let _ = writeln!(
            out,
            "{indent}    unimplemented!(\"{}\")",
            placeholder_message(what)
        );
    }
}

fn lib_rs(cx: &Context<'_>) -> String {
    let exports = Exports::of(cx.world);
    let types = Types {
        resolve: &cx.world.resolve,
        exports: &exports,
        used: Default::default(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! The `{}` component, implementing the `{}` world.",
        cx.name, cx.world.name
    );
    let _ = writeln!(out, "//!");
    let _ = writeln!(
        out,
        "//! Generated by `wcomp new`: each export below is a stub that fails with"
    );
    let _ = writeln!(
        out,
        "//! \"not implemented\" until you fill it in. Imports are bindings under"
    );
    let _ = writeln!(
        out,
        "//! `crate::<namespace>::<package>::<interface>`. Build with `wcomp build`."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "wit_bindgen::generate!({{");
    let _ = writeln!(out, "    path: \"{}\",", cx.wit_rel);
    let _ = writeln!(out, "    world: \"{}\",", cx.world.name);
    let _ = writeln!(out, "    generate_all,");
    let _ = writeln!(out, "}});");
    let _ = writeln!(out, "USES");
    let _ = writeln!(out, "struct Component;");
    let _ = writeln!(out);
    let _ = writeln!(out, "export!(Component);");

    if !exports.functions.is_empty() {
        let _ = writeln!(
            out,
            "\n#[allow(unused_variables)]\nimpl Guest for Component {{"
        );
        for f in &exports.functions {
            let _ = writeln!(out, "    {} {{", signature(&types, f, &f.name));
            body(&mut out, "    ", cx, &f.name, false);
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(out, "}}");
    }
    for iface in &exports.interfaces {
        interface(&mut out, cx, &types, iface);
    }
    let (uses, out) = types.shorten(out);
    let uses = if uses.is_empty() {
        String::new()
    } else {
        format!("\n{uses}")
    };
    out.replacen("USES\n", &format!("{uses}\n"), 1)
}

fn interface(out: &mut String, cx: &Context<'_>, types: &Types<'_>, iface: &ExportedInterface<'_>) {
    // An interface of types only has nothing to implement.
    if iface.functions.is_empty() && iface.resources.is_empty() {
        return;
    }
    let module = types.interface(iface.id);
    let _ = writeln!(out, "\n/// `{}`.", iface.wit_name);
    let _ = writeln!(
        out,
        "#[allow(unused_variables)]\nimpl {module}::Guest for Component {{"
    );
    for r in &iface.resources {
        let _ = writeln!(out, "    type {0} = {0};", upper_camel(&r.name));
    }
    for (i, f) in iface.functions.iter().enumerate() {
        if i > 0 || !iface.resources.is_empty() {
            let _ = writeln!(out);
        }
        let _ = writeln!(out, "    {} {{", signature(types, f, &f.name));
        body(
            out,
            "    ",
            cx,
            &format!("{}#{}", iface.wit_name, f.name),
            world::is_cli_run(iface, f),
        );
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
    for r in &iface.resources {
        resource(out, cx, types, iface, &module, r);
    }
}

/// The module wit-bindgen generates for an interface:
/// `crate[::exports]::<ns>::<pkg>::<iface>`, the package suffixed with its
/// version when the WIT holds several versions of it (`cli0_2_12`).
fn interface_module(resolve: &Resolve, exports: &Exports<'_>, iface: InterfaceId) -> String {
    let interface = &resolve.interfaces[iface];
    let name = ident(interface.name.as_deref().unwrap_or("unknown"));
    let path = match interface.package {
        Some(pkg) => {
            let pkg = &resolve.packages[pkg].name;
            let versions = resolve
                .packages
                .iter()
                .filter(|(_, p)| p.name.namespace == pkg.namespace && p.name.name == pkg.name)
                .count();
            let package = match &pkg.version {
                Some(v) if versions > 1 => format!(
                    "{}{}",
                    ident(&pkg.name),
                    v.to_string().replace(['.', '-', '+'], "_")
                ),
                _ => ident(&pkg.name),
            };
            format!("{}::{package}::{name}", ident(&pkg.namespace))
        }
        None => name,
    };
    if exports.exports_interface(iface) {
        format!("crate::exports::{path}")
    } else {
        format!("crate::{path}")
    }
}

fn resource(
    out: &mut String,
    cx: &Context<'_>,
    types: &Types<'_>,
    iface: &ExportedInterface<'_>,
    module: &str,
    r: &Resource<'_>,
) {
    let name = upper_camel(&r.name);
    let _ = writeln!(
        out,
        "\n/// The `{}` resource of `{}`.",
        r.name, iface.wit_name
    );
    let _ = writeln!(out, "pub struct {name};");
    let _ = writeln!(
        out,
        "\n#[allow(unused_variables)]\nimpl {module}::Guest{name} for {name} {{"
    );
    let functions = r.constructor.iter().chain(&r.methods).chain(&r.statics);
    let mut first = true;
    for f in functions {
        if !first {
            let _ = writeln!(out);
        }
        first = false;
        let item = match f.kind {
            wit_parser::FunctionKind::Constructor(_) => "new",
            _ => world::item_name(f),
        };
        let _ = writeln!(out, "    {} {{", signature(types, f, item));
        body(
            out,
            "    ",
            cx,
            &format!("{}#{}", iface.wit_name, f.name),
            false,
        );
        let _ = writeln!(out, "    }}");
    }
    let _ = writeln!(out, "}}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_lock_pins_the_wit_bindgen_of_the_manifest() {
        let lock = CARGO_LOCK.replace("{{name}}", "demo");
        let wit_bindgen = lock
            .split("[[package]]\n")
            .find(|p| p.starts_with("name = \"wit-bindgen\"\n"))
            .expect("wit-bindgen is in the lock");
        assert!(
            wit_bindgen.contains(&format!("version = \"{}\"", pins::WIT_BINDGEN)),
            "templates/rust/Cargo.lock pins another wit-bindgen than {}:\n{wit_bindgen}",
            pins::WIT_BINDGEN
        );
        assert!(lock.contains("name = \"demo\"\nversion = \"0.1.0\""));
    }
}
