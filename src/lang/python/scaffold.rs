//! Python guests for componentize-py: a class per exported interface (named
//! as componentize-py expects), a module per interface with resources, and
//! annotations written the way componentize-py's own bindings type them.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use wit_parser::{Function, Handle, Resolve, Type, TypeDefKind, TypeId};

use crate::scaffold::world::{self, ExportedInterface, Exports, Resource, upper_camel};
use crate::scaffold::{Context, File, placeholder_message};

/// The `.gitignore` of a Python component.
pub(super) const GITIGNORE: &str = include_str!("../../../templates/python/gitignore");

/// Python keywords that componentize-py suffixes with `_`.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn ident(name: &str) -> String {
    world::escaped_snake(name, KEYWORDS)
}

pub fn files(cx: &Context<'_>) -> Vec<File> {
    let exports = Exports::of(cx.world);
    let types = Types {
        resolve: &cx.world.resolve,
        exports: &exports,
        modules: Default::default(),
    };
    let mut files = vec![File::new(".gitignore", GITIGNORE.to_owned())];
    for iface in exports
        .interfaces
        .iter()
        .filter(|i| !i.resources.is_empty())
    {
        files.push(File::new(
            format!("{}.py", ident(&iface.name)),
            resources_module(cx, &types, iface),
        ));
    }
    files.push(File::new("app.py", app_py(cx, &exports, &types)));
    files
}

struct Types<'a> {
    resolve: &'a Resolve,
    exports: &'a Exports<'a>,
    /// Binding modules the annotations name, `(package, module)`.
    modules: std::cell::RefCell<BTreeSet<(String, String)>>,
}

impl Types<'_> {
    fn named(&self, ty: TypeId) -> String {
        let def = &self.resolve.types[ty];
        let name = upper_camel(def.name.as_deref().unwrap_or("unnamed"));
        match world::owner_interface(self.resolve, ty) {
            Some(iface) => {
                let module = ident(
                    self.resolve.interfaces[iface]
                        .name
                        .as_deref()
                        .unwrap_or("unknown"),
                );
                let package = if self.exports.exports_interface(iface) {
                    "wit_world.exports"
                } else {
                    "wit_world.imports"
                };
                self.modules
                    .borrow_mut()
                    .insert((package.to_owned(), module.clone()));
                format!("{module}.{name}")
            }
            None => format!("wit_world.{name}"),
        }
    }

    fn ty(&self, ty: &Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8
            | Type::U16
            | Type::U32
            | Type::U64
            | Type::S8
            | Type::S16
            | Type::S32
            | Type::S64 => "int".into(),
            Type::F32 | Type::F64 => "float".into(),
            Type::Char | Type::String => "str".into(),
            Type::ErrorContext => "Any".into(),
            Type::Id(id) => self.id(*id),
        }
    }

    fn id(&self, id: TypeId) -> String {
        let def = &self.resolve.types[id];
        if def.name.is_some() {
            return self.named(id);
        }
        match &def.kind {
            TypeDefKind::List(Type::U8) => "bytes".into(),
            TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) => {
                format!("List[{}]", self.ty(t))
            }
            TypeDefKind::Option(t) => format!("Optional[{}]", self.ty(t)),
            // componentize-py returns the `ok` value and raises `Err(e)`.
            TypeDefKind::Result(r) => {
                r.ok.as_ref()
                    .map_or_else(|| "None".to_owned(), |t| self.ty(t))
            }
            TypeDefKind::Tuple(t) => {
                let items: Vec<String> = t.types.iter().map(|t| self.ty(t)).collect();
                format!("Tuple[{}]", items.join(", "))
            }
            TypeDefKind::Future(t) => format!(
                "FutureReader[{}]",
                t.as_ref().map_or_else(|| "None".to_owned(), |t| self.ty(t))
            ),
            TypeDefKind::Stream(Some(Type::U8)) => "ByteStreamReader".into(),
            TypeDefKind::Stream(t) => format!(
                "StreamReader[{}]",
                t.as_ref().map_or_else(|| "None".to_owned(), |t| self.ty(t))
            ),
            TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => self.named(*r),
            TypeDefKind::Type(t) => self.ty(t),
            TypeDefKind::Map(k, v) => format!("List[Tuple[{}, {}]]", self.ty(k), self.ty(v)),
            _ => "Any".into(),
        }
    }
}

/// `def name(self, params) -> result:` (or `async def`, or a classmethod).
fn def(types: &Types<'_>, f: &Function, name: &str, is_static: bool) -> String {
    let mut params = vec![if is_static {
        "cls".to_owned()
    } else {
        "self".to_owned()
    }];
    let skip = usize::from(world::is_method(&f.kind));
    for p in f.params.iter().skip(skip) {
        params.push(format!("{}: {}", ident(&p.name), types.ty(&p.ty)));
    }
    let result = match (&f.kind, &f.result) {
        (wit_parser::FunctionKind::Constructor(_), _) => "None".to_owned(),
        (_, Some(t)) if is_static && is_own_of(types.resolve, t) => "Self".to_owned(),
        (_, Some(t)) => types.ty(t),
        (_, None) => "None".to_owned(),
    };
    let asyncness = if f.kind.is_async() { "async " } else { "" };
    format!("{asyncness}def {name}({}) -> {result}:", params.join(", "))
}

fn is_own_of(resolve: &Resolve, ty: &Type) -> bool {
    matches!(ty, Type::Id(id) if matches!(resolve.types[*id].kind, TypeDefKind::Handle(Handle::Own(_))))
}

fn body(cx: &Context<'_>, what: &str, run: bool) -> String {
    if run {
        cx.run_lines()
            .iter()
            .map(|line| format!("        print({line:?})\n"))
            .collect()
    } else {
        format!(
            "        raise NotImplementedError(\"{}\")\n",
            placeholder_message(what)
        )
    }
}

const HEADER: &str = "from __future__ import annotations\n\nfrom typing import Any, List, Optional, Self, Tuple\n\nfrom componentize_py_async_support.futures import FutureReader\nfrom componentize_py_async_support.streams import ByteStreamReader, StreamReader\n";

fn imports(types: &Types<'_>) -> String {
    let mut out = String::new();
    for (package, module) in types.modules.borrow().iter() {
        let _ = writeln!(out, "from {package} import {module}");
    }
    out
}

fn app_py(cx: &Context<'_>, exports: &Exports<'_>, types: &Types<'_>) -> String {
    let mut classes = String::new();
    for iface in &exports.interfaces {
        if iface.functions.is_empty() {
            continue;
        }
        let class = upper_camel(&iface.name);
        let _ = writeln!(classes, "\n\nclass {class}(exports.{class}):");
        let _ = writeln!(classes, "    \"\"\"`{}`.\"\"\"", iface.wit_name);
        for f in &iface.functions {
            let _ = writeln!(classes, "\n    {}", def(types, f, &ident(&f.name), false));
            classes.push_str(&body(
                cx,
                &format!("{}#{}", iface.wit_name, f.name),
                world::is_cli_run(iface, f),
            ));
        }
    }
    if !exports.functions.is_empty() {
        let _ = writeln!(classes, "\n\nclass WitWorld(wit_world.WitWorld):");
        let _ = writeln!(classes, "    \"\"\"The world's own exports.\"\"\"");
        for f in &exports.functions {
            let _ = writeln!(classes, "\n    {}", def(types, f, &ident(&f.name), false));
            classes.push_str(&body(cx, &f.name, false));
        }
    }
    // `wit_world.exports` exists only when the world exports interfaces.
    let exports_line = if exports.interfaces.is_empty() {
        ""
    } else {
        "from wit_world import exports\n"
    };
    let mut out = format!(
        "\"\"\"The `{}` component, implementing the `{}` world.\n\nGenerated by `wcomp new`: stubs raise NotImplementedError until you fill\nthem in. Imports are modules under `wit_world.imports`. Build with\n`wcomp build`.\n\"\"\"\n\n{HEADER}\nimport wit_world\n{exports_line}",
        cx.name, cx.world.name
    );
    out.push_str(&imports(types));
    out.push_str(&classes);
    out
}

/// componentize-py looks for an exported interface's resources as classes
/// in a module named after the interface.
fn resources_module(cx: &Context<'_>, types: &Types<'_>, iface: &ExportedInterface<'_>) -> String {
    let mut classes = String::new();
    for r in &iface.resources {
        resource_class(&mut classes, cx, types, iface, r);
    }
    let mut out = format!(
        "\"\"\"Resources of `{}`, for the `{}` component.\"\"\"\n\n{HEADER}\n",
        iface.wit_name, cx.name
    );
    out.push_str(&imports(types));
    out.push_str(&classes);
    out
}

fn resource_class(
    out: &mut String,
    cx: &Context<'_>,
    types: &Types<'_>,
    iface: &ExportedInterface<'_>,
    r: &Resource<'_>,
) {
    let class = upper_camel(&r.name);
    let module = ident(&iface.name);
    types
        .modules
        .borrow_mut()
        .insert(("wit_world.exports".to_owned(), module.clone()));
    let _ = writeln!(out, "\n\nclass {class}({module}.{class}):");
    let _ = writeln!(out, "    \"\"\"The `{}` resource.\"\"\"", r.name);
    if let Some(f) = r.constructor {
        let _ = writeln!(out, "\n    {}", def(types, f, "__init__", false));
        out.push_str(&body(cx, &format!("{}#{}", iface.wit_name, f.name), false));
    }
    for f in &r.methods {
        let _ = writeln!(
            out,
            "\n    {}",
            def(types, f, &ident(world::item_name(f)), false)
        );
        out.push_str(&body(cx, &format!("{}#{}", iface.wit_name, f.name), false));
    }
    for f in &r.statics {
        let _ = writeln!(
            out,
            "\n    @classmethod\n    {}",
            def(types, f, &ident(world::item_name(f)), true)
        );
        out.push_str(&body(cx, &format!("{}#{}", iface.wit_name, f.name), false));
    }
}
