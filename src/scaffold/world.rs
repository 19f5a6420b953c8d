//! What a guest must implement, read from its world: the exported interfaces
//! with their functions and resources, and the freestanding functions. Every
//! language's generator walks this one model.

use wit_parser::{
    Function, FunctionKind, InterfaceId, Resolve, TypeDefKind, TypeId, TypeOwner, WorldItem,
};

use crate::wit::World;

/// An exported interface.
pub struct ExportedInterface<'a> {
    pub id: InterfaceId,
    /// Its WIT name, `ns:pkg/iface@1.0.0`.
    pub wit_name: String,
    /// The interface's own name, `iface`.
    pub name: String,
    /// Freestanding functions of the interface.
    pub functions: Vec<&'a Function>,
    pub resources: Vec<Resource<'a>>,
}

/// A resource defined by an exported interface.
pub struct Resource<'a> {
    pub id: TypeId,
    pub name: String,
    pub constructor: Option<&'a Function>,
    pub methods: Vec<&'a Function>,
    pub statics: Vec<&'a Function>,
}

/// Everything a world exports.
pub struct Exports<'a> {
    pub interfaces: Vec<ExportedInterface<'a>>,
    /// Freestanding functions exported by the world itself.
    pub functions: Vec<&'a Function>,
}

impl<'a> Exports<'a> {
    pub fn of(world: &'a World) -> Self {
        let resolve = &world.resolve;
        let mut interfaces = Vec::new();
        let mut functions = Vec::new();
        for (key, item) in &resolve.worlds[world.id].exports {
            match item {
                WorldItem::Function(f) => functions.push(f),
                WorldItem::Interface { id, .. } => {
                    let iface = &resolve.interfaces[*id];
                    let mut resources: Vec<Resource<'a>> = iface
                        .types
                        .iter()
                        .filter(|(_, ty)| matches!(resolve.types[**ty].kind, TypeDefKind::Resource))
                        .map(|(name, ty)| Resource {
                            id: *ty,
                            name: name.clone(),
                            constructor: None,
                            methods: Vec::new(),
                            statics: Vec::new(),
                        })
                        .collect();
                    let mut free = Vec::new();
                    for f in iface.functions.values() {
                        let owner = match &f.kind {
                            FunctionKind::Constructor(r)
                            | FunctionKind::Method(r)
                            | FunctionKind::AsyncMethod(r)
                            | FunctionKind::MethodGetter(r)
                            | FunctionKind::MethodSetter(r)
                            | FunctionKind::Static(r)
                            | FunctionKind::AsyncStatic(r)
                            | FunctionKind::StaticGetter(r)
                            | FunctionKind::StaticSetter(r) => Some(*r),
                            FunctionKind::Freestanding
                            | FunctionKind::AsyncFreestanding
                            | FunctionKind::Getter
                            | FunctionKind::Setter => None,
                        };
                        let Some(resource) =
                            owner.and_then(|r| resources.iter_mut().find(|x| x.id == r))
                        else {
                            free.push(f);
                            continue;
                        };
                        match &f.kind {
                            FunctionKind::Constructor(_) => resource.constructor = Some(f),
                            k if is_method(k) => resource.methods.push(f),
                            _ => resource.statics.push(f),
                        }
                    }
                    interfaces.push(ExportedInterface {
                        id: *id,
                        wit_name: resolve.name_world_key(key),
                        name: iface
                            .name
                            .clone()
                            .unwrap_or_else(|| resolve.name_world_key(key)),
                        functions: free,
                        resources,
                    });
                }
                WorldItem::Type { .. } => {}
            }
        }
        Exports {
            interfaces,
            functions,
        }
    }

    /// Whether interface `id` is exported (its types live under `exports`).
    pub fn exports_interface(&self, id: InterfaceId) -> bool {
        self.interfaces.iter().any(|i| i.id == id)
    }
}

/// Whether `kind` takes the resource as `self`.
pub fn is_method(kind: &FunctionKind) -> bool {
    matches!(
        kind,
        FunctionKind::Method(_)
            | FunctionKind::AsyncMethod(_)
            | FunctionKind::MethodGetter(_)
            | FunctionKind::MethodSetter(_)
    )
}

/// The name a function has inside its resource or interface: `incr` for
/// `[method]counter.incr`.
pub fn item_name(f: &Function) -> &str {
    f.item_name()
}

/// Whether `f` is the `run` of `wasi:cli/run`, which starters implement.
pub fn is_cli_run(iface: &ExportedInterface<'_>, f: &Function) -> bool {
    iface.wit_name.starts_with("wasi:cli/run@") && f.name == "run"
}

/// The interface that owns a type, if any.
pub fn owner_interface(resolve: &Resolve, ty: TypeId) -> Option<InterfaceId> {
    match resolve.types[ty].owner {
        TypeOwner::Interface(i) => Some(i),
        _ => None,
    }
}

/// `kebab-name` → `kebab_name`.
pub fn snake(name: &str) -> String {
    name.replace('-', "_")
}

/// `kebab-name` → `kebab_name`, with a trailing `_` when that is one of the
/// language's `keywords` (as wit-bindgen and componentize-py do).
pub fn escaped_snake(name: &str, keywords: &[&str]) -> String {
    let s = snake(name);
    if keywords.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// `kebab-name` → `KebabName`.
pub fn upper_camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `kebab-name` → `kebabName`.
pub fn lower_camel(name: &str) -> String {
    let upper = upper_camel(name);
    let mut c = upper.chars();
    match c.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn case_conversions() {
        assert_eq!(super::snake("greet-person"), "greet_person");
        assert_eq!(super::upper_camel("greet-person"), "GreetPerson");
        assert_eq!(super::lower_camel("greet-person"), "greetPerson");
        assert_eq!(super::upper_camel("run"), "Run");
    }
}
