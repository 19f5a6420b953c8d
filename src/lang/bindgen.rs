//! What the in-process bindings generators (wit-bindgen-c for C and C++,
//! wit-bindgen-go for Go) share: running one on a world, and finding the
//! WIT a generator cannot handle before it runs.
//!
//! Both generators of the 0.61.1 release are built on the 0.258 wasm-tools
//! crates, wcomp on 0.263. The world crosses over in its binary form (the
//! `component-type` encoding behind [`World::fingerprint`]), so the bindings
//! depend on exactly what the fingerprint hashes and nothing else in `wit/`.

use wit_bindgen_core::{Files, WorldGenerator, wit_parser as wit258};
use wit_parser::{Function, Resolve, Type, TypeDefKind, WorldItem};

use crate::wit::World;

/// What a generator made, with the world as it saw it.
pub struct Generated {
    /// The world, crossed over to the generator's wit-parser.
    pub resolve: wit258::Resolve,
    /// Its id there.
    pub id: wit258::WorldId,
    /// The files written, by path.
    pub files: Files,
}

/// Runs `generator` on `world`. A generator that panics (they `todo!()` on
/// WIT they do not handle) is an error with the panic's message.
pub fn run(world: &World, mut generator: Box<dyn WorldGenerator>) -> Result<Generated, String> {
    let encoded = wit_component::metadata::encode(
        &world.resolve,
        world.id,
        wit_component::StringEncoding::UTF8,
        None,
        false,
    )
    .map_err(|e| format!("{e:#}"))?;
    let (mut resolve, id) =
        wit258::decoding::decode_world(&encoded).map_err(|e| format!("{e:#}"))?;
    let mut files = Files::default();
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate(&mut resolve, id, &mut files)
    }));
    match generated {
        Ok(Ok(())) => Ok(Generated { resolve, id, files }),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(panic) => Err(panic_message(&panic)),
    }
}

/// Something a generator cannot do, and where the world asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<P> {
    /// What `in_function` or `in_type` said.
    pub problem: P,
    /// Where: `` `f` `` (the world's own function), `` `a:b/i#f` ``, ``type
    /// `t` `` or `a type of the world`.
    pub place: String,
}

/// The first function of `world` (imported or exported) that `in_function`
/// or, for a type in its signature, `in_type` finds a problem in; else the
/// first type the world uses that `in_type` finds one in.
pub fn first_problem<P>(
    world: &World,
    in_function: impl Fn(&Function) -> Option<P>,
    in_type: impl Fn(&Resolve, Type) -> Option<P>,
) -> Option<Found<P>> {
    let resolve = &world.resolve;
    let world_def = &resolve.worlds[world.id];
    for (key, item) in world_def.imports.iter().chain(&world_def.exports) {
        let functions: Vec<&Function> = match item {
            WorldItem::Function(f) => vec![f],
            WorldItem::Interface { id, .. } => resolve.interfaces[*id].functions.values().collect(),
            WorldItem::Type { .. } => Vec::new(),
        };
        for f in functions {
            let mut types = f.params.iter().map(|p| p.ty).chain(f.result);
            let problem = in_function(f).or_else(|| types.find_map(|t| in_type(resolve, t)));
            if let Some(problem) = problem {
                let place = match item {
                    WorldItem::Function(_) => format!("`{}`", f.name),
                    _ => format!("`{}#{}`", resolve.name_world_key(key), f.name),
                };
                return Some(Found { problem, place });
            }
        }
    }
    let mut live = wit_parser::LiveTypes::default();
    live.add_world(resolve, world.id);
    live.iter().find_map(|id| {
        let problem = in_type(resolve, Type::Id(id))?;
        let place = match &resolve.types[id].name {
            Some(name) => format!("type `{name}`"),
            None => "a type of the world".to_owned(),
        };
        Some(Found { problem, place })
    })
}

/// The first problem `direct` finds in `ty` or in the types it is made of,
/// transitively.
pub fn find_in_type<P>(
    resolve: &Resolve,
    ty: Type,
    direct: &impl Fn(&Resolve, Type) -> Option<P>,
) -> Option<P> {
    direct(resolve, ty).or_else(|| match ty {
        Type::Id(id) => direct_types(&resolve.types[id].kind)
            .into_iter()
            .find_map(|t| find_in_type(resolve, t, direct)),
        _ => None,
    })
}

/// The types a type definition refers to directly.
fn direct_types(kind: &TypeDefKind) -> Vec<Type> {
    match kind {
        TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
        TypeDefKind::Tuple(t) => t.types.clone(),
        TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
        TypeDefKind::Option(t)
        | TypeDefKind::List(t)
        | TypeDefKind::FixedLengthList(t, _)
        | TypeDefKind::Type(t) => vec![*t],
        TypeDefKind::Result(r) => r.ok.into_iter().chain(r.err).collect(),
        TypeDefKind::Future(t) | TypeDefKind::Stream(t) => t.iter().copied().collect(),
        TypeDefKind::Map(k, v) => vec![*k, *v],
        _ => Vec::new(),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "it stopped unexpectedly".to_owned())
}
