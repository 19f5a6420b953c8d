//! Printing functions and types in WIT syntax, to explain type mismatches
//! between an import and the export plugged into it.

use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, WorldItem,
};

use wcomp_core::Component;

/// A function's signature in WIT: `func(name: string) -> string`.
pub(crate) fn func(resolve: &Resolve, f: &Function) -> String {
    let params = f
        .params
        .iter()
        .map(|p| format!("{}: {}", p.name, ty(resolve, &p.ty)))
        .collect::<Vec<_>>()
        .join(", ");
    let prefix = if f.kind.is_async() { "async " } else { "" };
    let ctor = matches!(f.kind, FunctionKind::Constructor(_));
    match &f.result {
        Some(result) if !ctor => format!("{prefix}func({params}) -> {}", ty(resolve, result)),
        _ => format!("{prefix}func({params})"),
    }
}

/// A type as it is written where it is used: its name if it has one.
pub(crate) fn ty(resolve: &Resolve, t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "s8".into(),
        Type::S16 => "s16".into(),
        Type::S32 => "s32".into(),
        Type::S64 => "s64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::ErrorContext => "error-context".into(),
        Type::Id(id) => match &resolve.types[*id].name {
            Some(name) => name.clone(),
            None => anonymous(resolve, *id),
        },
    }
}

fn anonymous(resolve: &Resolve, id: TypeId) -> String {
    let opt = |t: &Option<Type>| t.as_ref().map(|t| ty(resolve, t));
    match &resolve.types[id].kind {
        TypeDefKind::List(t) => format!("list<{}>", ty(resolve, t)),
        TypeDefKind::FixedLengthList(t, n) => format!("list<{}, {n}>", ty(resolve, t)),
        TypeDefKind::Map(k, v) => format!("map<{}, {}>", ty(resolve, k), ty(resolve, v)),
        TypeDefKind::Option(t) => format!("option<{}>", ty(resolve, t)),
        TypeDefKind::Result(r) => match (opt(&r.ok), opt(&r.err)) {
            (None, None) => "result".into(),
            (Some(ok), None) => format!("result<{ok}>"),
            (None, Some(err)) => format!("result<_, {err}>"),
            (Some(ok), Some(err)) => format!("result<{ok}, {err}>"),
        },
        TypeDefKind::Tuple(t) => format!(
            "tuple<{}>",
            t.types
                .iter()
                .map(|t| ty(resolve, t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeDefKind::Handle(Handle::Own(r)) => ty(resolve, &Type::Id(*r)),
        TypeDefKind::Handle(Handle::Borrow(r)) => format!("borrow<{}>", ty(resolve, &Type::Id(*r))),
        TypeDefKind::Future(t) => opt(t).map_or("future".into(), |t| format!("future<{t}>")),
        TypeDefKind::Stream(t) => opt(t).map_or("stream".into(), |t| format!("stream<{t}>")),
        TypeDefKind::Type(t) => ty(resolve, t),
        other => other.as_str().to_owned(),
    }
}

/// A named type's definition: `record point { x: u32, y: u32 }`.
pub(crate) fn definition(resolve: &Resolve, id: TypeId) -> String {
    let def = &resolve.types[id];
    let name = def.name.as_deref().unwrap_or("_");
    let join = |items: Vec<String>| items.join(", ");
    match &def.kind {
        TypeDefKind::Record(r) => format!(
            "record {name} {{ {} }}",
            join(
                r.fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, ty(resolve, &f.ty)))
                    .collect()
            )
        ),
        TypeDefKind::Variant(v) => format!(
            "variant {name} {{ {} }}",
            join(
                v.cases
                    .iter()
                    .map(|c| match &c.ty {
                        Some(t) => format!("{}({})", c.name, ty(resolve, t)),
                        None => c.name.clone(),
                    })
                    .collect()
            )
        ),
        TypeDefKind::Enum(e) => format!(
            "enum {name} {{ {} }}",
            join(e.cases.iter().map(|c| c.name.clone()).collect())
        ),
        TypeDefKind::Flags(f) => format!(
            "flags {name} {{ {} }}",
            join(f.flags.iter().map(|f| f.name.clone()).collect())
        ),
        TypeDefKind::Resource => format!("resource {name}"),
        _ => format!("type {name} = {}", anonymous(resolve, id)),
    }
}

/// An import or export of a component's world, looked up by its extern name.
fn world_item<'a>(c: &'a Component, name: &str, import: bool) -> Option<&'a WorldItem> {
    let world = &c.resolve.worlds[c.world];
    let items = if import {
        &world.imports
    } else {
        &world.exports
    };
    items
        .iter()
        .find(|(key, _)| c.resolve.name_world_key(key) == name)
        .map(|(_, item)| item)
}

/// What differs between what `importer` imports as `import` and what
/// `exporter` exports as `export`, one line each, in WIT syntax. Empty when
/// the difference is not visible at the level of functions and named types.
pub(crate) fn differences(
    importer: (&str, &Component),
    import: &str,
    exporter: (&str, &Component),
    export: &str,
) -> Vec<String> {
    let ((imp_name, imp), (exp_name, exp)) = (importer, exporter);
    let (Some(wanted), Some(found)) = (
        world_item(imp, import, true),
        world_item(exp, export, false),
    ) else {
        return Vec::new();
    };
    match (wanted, found) {
        (WorldItem::Function(a), WorldItem::Function(b)) => {
            let (a, b) = (func(&imp.resolve, a), func(&exp.resolve, b));
            if a == b {
                Vec::new()
            } else {
                vec![mismatch("function", export, imp_name, &a, exp_name, &b)]
            }
        }
        (WorldItem::Interface { id: a, .. }, WorldItem::Interface { id: b, .. }) => {
            interface_differences((imp_name, &imp.resolve, *a), (exp_name, &exp.resolve, *b))
        }
        _ => vec![format!(
            "`{imp_name}` imports {}, `{exp_name}` exports {}",
            describe(wanted),
            describe(found)
        )],
    }
}

fn describe(item: &WorldItem) -> &'static str {
    match item {
        WorldItem::Interface { .. } => "an interface",
        WorldItem::Function(_) => "a function",
        WorldItem::Type { .. } => "a type",
    }
}

fn interface_differences(
    (imp_name, imp, a): (&str, &Resolve, InterfaceId),
    (exp_name, exp, b): (&str, &Resolve, InterfaceId),
) -> Vec<String> {
    let (a, b) = (&imp.interfaces[a], &exp.interfaces[b]);
    let mut out = Vec::new();
    for (name, wanted) in &a.types {
        let Some(found) = b.types.get(name) else {
            out.push(format!("type `{name}` is missing from `{exp_name}`"));
            continue;
        };
        let (wanted, found) = (definition(imp, *wanted), definition(exp, *found));
        if wanted != found {
            out.push(mismatch("type", name, imp_name, &wanted, exp_name, &found));
        }
    }
    for (name, wanted) in &a.functions {
        let Some(found) = b.functions.get(name) else {
            out.push(format!("function `{name}` is missing from `{exp_name}`"));
            continue;
        };
        let (wanted, found) = (func(imp, wanted), func(exp, found));
        if wanted != found {
            out.push(mismatch(
                "function", name, imp_name, &wanted, exp_name, &found,
            ));
        }
    }
    out
}

fn mismatch(
    what: &str,
    name: &str,
    imp_name: &str,
    wanted: &str,
    exp_name: &str,
    found: &str,
) -> String {
    // Pad the component names so the two types line up.
    let width = imp_name.len().max(exp_name.len()) + 2;
    format!(
        "{what} `{name}`:\n  {:<width$} imports `{wanted}`\n  {:<width$} exports `{found}`",
        format!("`{imp_name}`"),
        format!("`{exp_name}`"),
    )
}
