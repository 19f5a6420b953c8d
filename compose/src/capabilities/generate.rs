//! Making a deny component from the importer's own view of an interface, so
//! that names, versions and types line up exactly with what it imports.
//!
//! The deny component's world exports the interface and imports what the
//! interface `use`s (so resources such as `descriptor` are the host's, shared
//! with the importer's other imports), plus the interface itself when some
//! functions are forwarded to the host. Its core module is written by
//! [`super::module`]; wit-component wraps it into a component.

use wit_parser::abi::AbiVariant;
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, TypeId,
    TypeOwner, WorldId,
};

use super::{Rule, module, rule_for};
use crate::signature;

/// Why a deny component could not be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum DenyError {
    /// The interface is not one that a capability governs.
    #[error("`{interface}` is not an interface that a capability governs")]
    #[diagnostic(
        code(wcomp::deny::not_governed),
        help(
            "capabilities govern `wasi:filesystem/preopens`, `wasi:cli/environment`, `wasi:sockets` and outgoing `wasi:http`"
        )
    )]
    NotGoverned {
        /// The interface, as the importer names it.
        interface: String,
    },

    /// A function of a governed interface has no "denied" answer wcomp knows.
    #[error("cannot deny `{function}` of `{interface}`: {reason}")]
    #[diagnostic(
        code(wcomp::deny::function),
        help("grant the capability to the importing component, or report the interface to wcomp")
    )]
    Function {
        /// The interface, as the importer names it.
        interface: String,
        /// The function's name and type in WIT syntax
        /// (`[method]descriptor.read: func(...)`).
        function: String,
        /// What about its signature wcomp has no denied answer for.
        reason: String,
    },

    /// The deny component could not be built (a bug in wcomp).
    #[error("cannot build the deny component for `{interface}`: {message}")]
    #[diagnostic(
        code(wcomp::deny::internal),
        help("this is likely a bug in wcomp; please report it")
    )]
    Internal {
        /// The interface, as the importer names it.
        interface: String,
        /// wit-component's or the validator's message.
        message: String,
    },
}

/// What a deny component's function does.
pub(crate) enum Action {
    /// Calls the host's function of the same name and returns its result.
    Forward,
    /// Drops the handles it was given and returns `value` (nothing if `None`).
    Deny {
        drops: Vec<HandleDrop>,
        value: Option<Denial>,
    },
    /// A method of a resource the deny component itself defines: it can
    /// never be called, because the functions that make one are denied.
    Unreachable,
}

/// A handle argument of an imported resource type, dropped by a denied call
/// (an owned handle would leak; a borrowed one must be released before the
/// call returns).
pub(crate) struct HandleDrop {
    /// The position of the handle among the core function's parameters.
    pub param: u32,
    /// For `option<handle>`, the position of the option's discriminant.
    pub guard: Option<u32>,
    /// The resource type (its definition, not an alias).
    pub resource: TypeId,
}

/// The "nothing here" value a denied function returns, written to the
/// function's return area.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Denial {
    /// `list<T>` with no elements.
    EmptyList,
    /// `option<T>`'s `none`.
    Nothing,
    /// `result<T, E>`'s `err(case)`, where `case` has no payload.
    Err {
        /// Where `E` starts in the result's memory layout.
        payload_offset: u32,
        /// How wide `E`'s discriminant is, in bytes.
        tag_bytes: u32,
        /// The case's index.
        case: u32,
    },
}

/// One function of the exported interface and what it does.
pub(crate) struct Planned<'a> {
    pub func: &'a Function,
    pub action: Action,
}

/// Makes the deny component for `interface` as `resolve` (the importer's
/// view) defines it: it exports the interface under the importer's name and
/// version and imports only WASI interfaces. The same input gives the same
/// bytes.
pub fn deny_component(resolve: &Resolve, interface: InterfaceId) -> Result<Vec<u8>, DenyError> {
    let name = resolve.id_of(interface).unwrap_or_default();
    let rule = rule_for(&name).ok_or_else(|| DenyError::NotGoverned {
        interface: name.clone(),
    })?;
    let mut sizes = SizeAlign::default();
    sizes.fill(resolve).map_err(|e| internal(&name, e))?;
    let planned = resolve.interfaces[interface]
        .functions
        .values()
        .map(|func| plan_function(resolve, &sizes, interface, rule, func))
        .collect::<Result<Vec<_>, _>>()?;
    let forwards = planned.iter().any(|p| matches!(p.action, Action::Forward));
    let (resolve, world) = deny_world(resolve, &name, forwards)?;
    let mut bytes = module::write(&resolve, &sizes, interface, &planned);
    wit_component::embed_component_metadata(
        &mut bytes,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .map_err(|e| internal(&name, e))?;
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&bytes)
        .and_then(|encoder| encoder.encode())
        .map_err(|e| internal(&name, e))
}

/// Whether the importer's view of `interface` has a function that `rule`
/// denies (rather than forwards). An interface imported only for its types
/// needs no deny component.
pub(crate) fn denies_something(resolve: &Resolve, interface: InterfaceId, rule: &Rule) -> bool {
    resolve.interfaces[interface]
        .functions
        .keys()
        .any(|name| !rule.forward.contains(&name.as_str()))
}

/// A copy of `resolve` with a world that exports `interface` (and imports it
/// too when functions are forwarded); wit-parser adds the imports of what
/// the interface `use`s.
fn deny_world(
    resolve: &Resolve,
    interface: &str,
    forwards: bool,
) -> Result<(Resolve, WorldId), DenyError> {
    let mut resolve = resolve.clone();
    let package = (0..)
        .map(|n| format!("wcomp:deny{n}"))
        .find(|p| !resolve.package_names.keys().any(|k| k.to_string() == *p))
        .expect("an unused package name");
    let import = if forwards {
        format!("import {interface};")
    } else {
        String::new()
    };
    let wit = format!("package {package};\nworld deny {{ {import} export {interface}; }}\n");
    let id = resolve
        .push_source("deny.wit", &wit)
        .map_err(|e| internal(interface, e))?;
    let world = resolve.packages[id].worlds["deny"];
    Ok((resolve, world))
}

/// Decides what `func` does in the deny component.
fn plan_function<'a>(
    resolve: &Resolve,
    sizes: &SizeAlign,
    interface: InterfaceId,
    rule: &Rule,
    func: &'a Function,
) -> Result<Planned<'a>, DenyError> {
    let cannot = |reason: String| DenyError::Function {
        interface: resolve.id_of(interface).unwrap_or_default(),
        function: format!("{}: {}", func.name, signature::func(resolve, func)),
        reason,
    };
    let action = if rule.forward.contains(&func.name.as_str()) {
        if func.kind.is_async()
            || func
                .parameter_and_result_types()
                .any(|t| has_handle(resolve, &t))
        {
            return Err(cannot(
                "only synchronous functions without resources are forwarded".into(),
            ));
        }
        Action::Forward
    } else {
        match func.kind {
            FunctionKind::Method(r)
            | FunctionKind::AsyncMethod(r)
            | FunctionKind::MethodGetter(r)
            | FunctionKind::MethodSetter(r)
                if defined_in(resolve, r, interface) =>
            {
                Action::Unreachable
            }
            FunctionKind::Constructor(_) => {
                return Err(cannot("a constructor cannot be denied".into()));
            }
            _ => {
                let value = match &func.result {
                    Some(ty) => Some(denial(resolve, sizes, ty, rule.denied).map_err(cannot)?),
                    None => None,
                };
                // Every denial value flattens to more than one core value, so
                // it is returned through memory.
                if value.is_some() && !resolve.wasm_signature(AbiVariant::GuestExport, func).retptr
                {
                    return Err(cannot("its result is not returned through memory".into()));
                }
                Action::Deny {
                    drops: handle_drops(resolve, interface, func).map_err(cannot)?,
                    value,
                }
            }
        }
    };
    Ok(Planned { func, action })
}

/// The handles of imported resources among `func`'s parameters, by their
/// position in the core signature.
fn handle_drops(
    resolve: &Resolve,
    interface: InterfaceId,
    func: &Function,
) -> Result<Vec<HandleDrop>, String> {
    let mut drops = Vec::new();
    let mut position = 0;
    for param in &func.params {
        let width = flat_width(resolve, &param.ty);
        let (resource, guard) = match handle_of(resolve, &param.ty) {
            Some(r) => (Some(r), None),
            None => match option_payload(resolve, &param.ty) {
                Some(inner) => (handle_of(resolve, &inner), Some(position)),
                None => (None, None),
            },
        };
        match resource {
            Some(r) if !defined_in(resolve, r, interface) => drops.push(HandleDrop {
                param: position + u32::from(guard.is_some()),
                guard,
                resource: r,
            }),
            Some(_) => {}
            None if has_handle(resolve, &param.ty) => {
                return Err(format!(
                    "parameter `{}` holds a handle that wcomp cannot release",
                    param.name
                ));
            }
            None => {}
        }
        position += width;
    }
    if !drops.is_empty() && position as usize > Resolve::MAX_FLAT_PARAMS {
        return Err("its handle parameters are passed in memory".into());
    }
    Ok(drops)
}

/// The value a denied function returns for result type `ty`.
fn denial(resolve: &Resolve, sizes: &SizeAlign, ty: &Type, denied: &str) -> Result<Denial, String> {
    let shape = || format!("it returns `{}`", signature::ty(resolve, ty));
    let Type::Id(id) = unalias(resolve, ty) else {
        return Err(shape());
    };
    match &resolve.types[id].kind {
        TypeDefKind::List(_) => Ok(Denial::EmptyList),
        TypeDefKind::Option(_) => Ok(Denial::Nothing),
        TypeDefKind::Result(r) if !denied.is_empty() => {
            let err = r.err.as_ref().ok_or_else(shape)?;
            let (tag_bytes, case) = error_case(resolve, err, denied).ok_or_else(|| {
                format!(
                    "its error type `{}` has no case `{denied}`",
                    signature::ty(resolve, err)
                )
            })?;
            let offset = sizes.payload_offset(wit_parser::Int::U8, [r.ok.as_ref(), r.err.as_ref()]);
            Ok(Denial::Err {
                payload_offset: offset.size_wasm32() as u32,
                tag_bytes,
                case,
            })
        }
        _ => Err(shape()),
    }
}

/// The discriminant width and index of the payload-less case `name` of the
/// enum or variant `ty`.
fn error_case(resolve: &Resolve, ty: &Type, name: &str) -> Option<(u32, u32)> {
    let Type::Id(id) = unalias(resolve, ty) else {
        return None;
    };
    let (tag, index) = match &resolve.types[id].kind {
        TypeDefKind::Enum(e) => (e.tag(), e.cases.iter().position(|c| c.name == name)?),
        TypeDefKind::Variant(v) => (
            v.tag(),
            v.cases
                .iter()
                .position(|c| c.name == name && c.ty.is_none())?,
        ),
        _ => return None,
    };
    let bytes = match tag {
        wit_parser::Int::U8 => 1,
        wit_parser::Int::U16 => 2,
        wit_parser::Int::U32 | wit_parser::Int::U64 => 4,
    };
    Some((bytes, index as u32))
}

/// `ty` with type aliases (`use`d and `type x = y` types) followed.
fn unalias(resolve: &Resolve, ty: &Type) -> Type {
    let mut ty = *ty;
    while let Type::Id(id) = ty {
        match resolve.types[id].kind {
            TypeDefKind::Type(inner) => ty = inner,
            _ => break,
        }
    }
    ty
}

/// The resource of an `own` or `borrow` handle type, as defined (not aliased).
fn handle_of(resolve: &Resolve, ty: &Type) -> Option<TypeId> {
    let Type::Id(id) = unalias(resolve, ty) else {
        return None;
    };
    match resolve.types[id].kind {
        TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
            match unalias(resolve, &Type::Id(r)) {
                Type::Id(r) => Some(r),
                _ => None,
            }
        }
        _ => None,
    }
}

fn option_payload(resolve: &Resolve, ty: &Type) -> Option<Type> {
    let Type::Id(id) = unalias(resolve, ty) else {
        return None;
    };
    match resolve.types[id].kind {
        TypeDefKind::Option(inner) => Some(inner),
        _ => None,
    }
}

/// Whether resource `r` is defined by `interface` itself (the deny component
/// defines it) rather than imported.
fn defined_in(resolve: &Resolve, r: TypeId, interface: InterfaceId) -> bool {
    let r = match unalias(resolve, &Type::Id(r)) {
        Type::Id(r) => r,
        _ => r,
    };
    resolve.types[r].owner == TypeOwner::Interface(interface)
}

/// Whether a value of `ty` can hold a handle.
fn has_handle(resolve: &Resolve, ty: &Type) -> bool {
    let Type::Id(id) = ty else {
        return false;
    };
    let fields: Vec<&Type> = match &resolve.types[*id].kind {
        // Futures and streams are handles too, of their own kind.
        TypeDefKind::Handle(_)
        | TypeDefKind::Resource
        | TypeDefKind::Future(_)
        | TypeDefKind::Stream(_) => return true,
        TypeDefKind::Enum(_) | TypeDefKind::Flags(_) | TypeDefKind::Unknown => return false,
        TypeDefKind::Type(t)
        | TypeDefKind::List(t)
        | TypeDefKind::Option(t)
        | TypeDefKind::FixedLengthList(t, _) => vec![t],
        TypeDefKind::Map(k, v) => vec![k, v],
        TypeDefKind::Record(r) => r.fields.iter().map(|f| &f.ty).collect(),
        TypeDefKind::Tuple(t) => t.types.iter().collect(),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty.as_ref()).collect(),
        TypeDefKind::Result(r) => r.ok.iter().chain(&r.err).collect(),
    };
    fields.into_iter().any(|t| has_handle(resolve, t))
}

/// How many core values `ty` flattens to.
fn flat_width(resolve: &Resolve, ty: &Type) -> u32 {
    let mut storage = [wit_parser::abi::WasmType::I32; Resolve::MAX_FLAT_PARAMS + 1];
    let mut flat = wit_parser::abi::FlatTypes::new(&mut storage);
    resolve.push_flat(ty, &mut flat);
    flat.to_vec().len() as u32
}

fn internal(interface: &str, e: impl std::fmt::Display) -> DenyError {
    DenyError::Internal {
        interface: interface.to_owned(),
        message: format!("{e:#}"),
    }
}
