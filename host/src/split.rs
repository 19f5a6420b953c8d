//! Large core modules compiled on their own, so that a new component
//! carrying an engine another component carried loads it from the cache.
//!
//! Every component one toolchain version builds carries the same engine:
//! componentize-py's CPython module, for one, is byte-identical in every
//! Python app; what differs is the app's memory snapshot, in another
//! module. Wasmtime compiles a component as one unit, so a new app used to
//! translate all of the engine's 20 000 functions again, even with every
//! one of them in the per-function cache.
//!
//! [`split`] rewrites a component so that each of its large core modules
//! (code or data) becomes an import of a core module of the same type, at
//! the same place in the module index space. The host compiles that module on its
//! own, caches it by its bytes, and gives it to the rewritten component
//! through the linker. What runs is the same code; only where it was
//! compiled changes. A module whose code comes with a memory snapshot
//! (componentize-js's StarlingMonkey) is imported as its code alone, its
//! data written by a small module the rewrite adds (see [`data`]), so
//! that the code is a cache hit in every app of the same world shape.
//! Components the rewrite cannot keep exact (ones with core type
//! definitions of their own, whose indices an inserted type would shift)
//! are left whole.

mod data;

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    ComponentImportSection, ComponentSection, CoreTypeSection, Encode, EntityType, ModuleArg,
    ModuleType, RawSection,
};
use wasmparser::{
    BinaryReader, ComponentAlias, ComponentAliasSectionReader, ComponentExportSectionReader,
    ComponentExternalKind, ComponentImportSectionReader, ComponentInstance,
    ComponentInstanceSectionReader, ComponentOuterAliasKind, ComponentTypeRef, ExternalKind,
    Instance, InstanceSectionReader, Parser, Payload, TypeRef,
};

use crate::cache;

/// A core module of at least this many bytes is compiled on its own:
/// engines (CPython, StarlingMonkey) and their libraries have hundreds of
/// kilobytes to megabytes of code, an app's memory snapshot megabytes of
/// data (the same in every composition of that app), the glue that
/// wit-component generates a few kilobytes, which is not worth a cache
/// entry of its own.
const MIN_SIZE: usize = 64 << 10;

/// The component section ids the rewrite (and [`crate::decompose`]) looks
/// for.
pub(crate) const CUSTOM: u8 = 0;
pub(crate) const CORE_MODULE: u8 = 1;
pub(crate) const CORE_INSTANCE: u8 = 2;
pub(crate) const CORE_TYPE: u8 = 3;
pub(crate) const NESTED_COMPONENT: u8 = 4;
pub(crate) const INSTANCE: u8 = 5;
pub(crate) const ALIAS: u8 = 6;
pub(crate) const CANON: u8 = 8;
pub(crate) const COMPONENT_IMPORT: u8 = 10;
pub(crate) const COMPONENT_EXPORT: u8 = 11;

/// A component with its large core modules turned into imports.
pub(crate) struct Split {
    /// The rewritten component.
    pub bytes: Vec<u8>,
    /// Each imported module.
    pub modules: Vec<SplitModule>,
}

/// A core module a rewritten component imports.
#[derive(Debug, Clone)]
pub(crate) struct SplitModule {
    /// The import's name, from the module's place (`wcomp-module-0`, ...):
    /// not from its content, so that an edit of a module's code leaves the
    /// rewritten component the same bytes, which then load from the cache.
    /// What it compiles to depends on the module's type only.
    pub name: String,
    /// The module's content hash ([`cache::content_hash`]), its cache key.
    pub content: String,
    /// The module's bytes.
    pub source: ModuleBytes,
    /// The module's type, which its import declares.
    pub ty: ModuleType,
}

/// Where [`split`] puts a large module's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Data {
    /// With its code, in the module as it was: each instance maps the
    /// module's memory image copy-on-write, which is what a host that
    /// instantiates per request wants (its instances outnumber its
    /// compiles).
    WithCode,
    /// Apart from its code where it can be (see [`data`]): the code is a
    /// cache hit in every app of one world shape; each instance copies the
    /// data into its memory.
    Apart,
}

impl Data {
    /// The placement's name, in what is remembered of a load (see
    /// [`crate::cache::recall`]).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Data::WithCode => "with-code",
            Data::Apart => "apart",
        }
    }
}

/// Where the bytes of a module a rewritten component imports are.
#[derive(Debug, Clone)]
pub(crate) enum ModuleBytes {
    /// A range of the original component: the module as it was.
    InFile(Range<usize>),
    /// A module's code without its data (see [`data`]).
    Code(Arc<[u8]>),
}

impl SplitModule {
    /// The module's bytes, given `file`, the original component.
    pub(crate) fn bytes<'a>(&'a self, file: &'a [u8]) -> &'a [u8] {
        match &self.source {
            ModuleBytes::InFile(range) => &file[range.clone()],
            ModuleBytes::Code(code) => code,
        }
    }
}

/// The component `bytes` with its large core modules imported, or `None`
/// when it has none, or when the rewrite could not keep it exact.
///
/// Two shapes are rewritten: a component whose own core modules are large
/// (what a toolchain builds, nested components and all: wit-component
/// nests a small one per exported interface), and a composition whose
/// nested components are, at any depth (what `wcomp compose` writes, even
/// for one component, around what a toolchain may itself have composed,
/// as componentize-qjs does): the outer component then imports each large
/// module once and passes it to every instantiation of a nested component
/// that carries it.
pub(crate) fn split(bytes: &[u8], placement: Data) -> Option<Split> {
    split_at(bytes, 0, placement)
}

/// [`split`] of the component `bytes`, which sits at `offset` of the file
/// the modules' ranges are relative to.
fn split_at(bytes: &[u8], offset: usize, placement: Data) -> Option<Split> {
    let sections = top_level_sections(bytes)?;
    split_component(bytes, &sections, offset, placement).or_else(|| {
        sections
            .iter()
            .any(|s| s.id == NESTED_COMPONENT)
            .then(|| split_composition(bytes, &sections, offset, placement))
            .flatten()
    })
}

/// A component's large core modules, each replaced in place by the import
/// of a module of its type: of the module itself, or of its code alone
/// when its data can be written apart (see [`data`]), by a module added
/// at the end. `offset` is where `bytes` sits in the file the ranges are
/// relative to.
fn split_component(
    bytes: &[u8],
    sections: &[Section],
    offset: usize,
    placement: Data,
) -> Option<Split> {
    let large = |s: &Section| s.id == CORE_MODULE && s.body.len() >= MIN_SIZE;
    if sections.iter().any(|s| s.id == CORE_TYPE) || !sections.iter().any(large) {
        return None;
    }
    let places = Places::of(bytes, sections)?;
    let data_apart = placement == Data::Apart && data::defers_safely(bytes);
    let mut out = bytes.get(..8)?.to_vec();
    let mut modules: Vec<SplitModule> = Vec::new();
    let mut deferred = Deferred::default();
    for (at, section) in sections.iter().enumerate() {
        if !large(section) {
            out.extend_from_slice(&bytes[section.whole.clone()]);
            continue;
        }
        let body = &bytes[section.body.clone()];
        // Only code worth a cache entry of its own is worth its data's
        // copy-on-write image, which the data module's copy replaces.
        let stripped = data_apart
            .then(|| data::strip(body))
            .flatten()
            .filter(|stripped| stripped.code.len() >= MIN_SIZE);
        let module = match stripped {
            Some(stripped) => {
                deferred.push(stripped.data, places.instances_of(at));
                let code: Arc<[u8]> = stripped.code.into();
                split_module(&code, ModuleBytes::Code(code.clone()), modules.len())
            }
            None => {
                let range = offset + section.body.start..offset + section.body.end;
                split_module(body, ModuleBytes::InFile(range), modules.len())
            }
        }?;
        let mut types = CoreTypeSection::new();
        types.ty().module(&module.ty);
        types.append_to_component(&mut out);
        let mut imports = ComponentImportSection::new();
        // No core types came before: the n-th one inserted is n.
        imports.import(
            &module.name,
            wasm_encoder::ComponentTypeRef::Module(modules.len() as u32),
        );
        imports.append_to_component(&mut out);
        modules.push(module);
    }
    deferred.append_to(&mut out, places.modules);
    Some(Split {
        bytes: out,
        modules,
    })
}

/// Where a component's core modules and core instances are in their index
/// spaces.
struct Places {
    /// By section: the index of the module it defines.
    module_at: BTreeMap<usize, u32>,
    /// By module: the core instances that instantiate it.
    instantiations: BTreeMap<u32, Vec<u32>>,
    /// How many modules the component has.
    modules: u32,
}

impl Places {
    /// The places of `bytes`' modules and instances; `None` if a section
    /// does not read, or if the component has core types (from outer
    /// aliases) that an inserted type would shift.
    fn of(bytes: &[u8], sections: &[Section]) -> Option<Places> {
        let mut places = Places {
            module_at: BTreeMap::new(),
            instantiations: BTreeMap::new(),
            modules: 0,
        };
        let mut instances = 0u32;
        for (at, section) in sections.iter().enumerate() {
            let body = &bytes[section.body.clone()];
            let added = match section.id {
                CORE_MODULE => {
                    places.module_at.insert(at, places.modules);
                    places.modules += 1;
                    continue;
                }
                COMPONENT_IMPORT => imported(body)?,
                ALIAS => aliased(body)?,
                CORE_INSTANCE => {
                    let reader = InstanceSectionReader::new(BinaryReader::new(body, 0)).ok()?;
                    for instance in reader {
                        if let Instance::Instantiate { module_index, .. } = instance.ok()? {
                            places
                                .instantiations
                                .entry(module_index)
                                .or_default()
                                .push(instances);
                        }
                        instances += 1;
                    }
                    continue;
                }
                _ => continue,
            };
            if added.core_types > 0 {
                return None;
            }
            places.modules += added.modules;
        }
        Some(places)
    }

    /// The core instances of the module section `at` defines.
    fn instances_of(&self, at: usize) -> Vec<u32> {
        self.module_at
            .get(&at)
            .and_then(|module| self.instantiations.get(module))
            .cloned()
            .unwrap_or_default()
    }
}

/// The data modules of a component's modules split from their data (see
/// [`data`]), each with the instances whose memory it writes.
#[derive(Default)]
struct Deferred {
    data: Vec<(Vec<u8>, Vec<u32>)>,
}

impl Deferred {
    fn push(&mut self, module: Vec<u8>, instances: Vec<u32>) {
        self.data.push((module, instances));
    }

    /// Adds the data modules, and an instance of one per instance of its
    /// module, to the end of `out`, a component of `modules` modules: they
    /// come after every module and instance, so no index shifts.
    fn append_to(self, out: &mut Vec<u8>, modules: u32) {
        if self.data.is_empty() {
            return;
        }
        let mut instances = wasm_encoder::InstanceSection::new();
        for (index, (module, of)) in (modules..).zip(&self.data) {
            RawSection {
                id: CORE_MODULE,
                data: module,
            }
            .append_to_component(out);
            for instance in of {
                instances.instantiate(
                    index,
                    [(data::INSTANCE_ARG, ModuleArg::Instance(*instance))],
                );
            }
        }
        instances.append_to_component(out);
    }
}

/// A composition whose nested components have large core modules: each
/// nested component is split, the outer component imports every distinct
/// module first, and each instantiation of a split component gets its
/// modules as arguments. Outer components with core items of their own
/// are left whole (the inserted modules and types would shift them).
/// `offset` is where `bytes` sits in the file the ranges are relative to.
fn split_composition(
    bytes: &[u8],
    sections: &[Section],
    offset: usize,
    placement: Data,
) -> Option<Split> {
    if sections
        .iter()
        .any(|s| matches!(s.id, CORE_MODULE | CORE_INSTANCE | CORE_TYPE))
    {
        return None;
    }
    let nested = split_nested(bytes, sections, offset, placement)?;
    if nested.modules.is_empty() {
        return None;
    }
    let mut out = bytes.get(..8)?.to_vec();
    let mut types = CoreTypeSection::new();
    let mut imports = ComponentImportSection::new();
    for (index, module) in nested.modules.iter().enumerate() {
        types.ty().module(&module.ty);
        imports.import(
            &module.name,
            wasm_encoder::ComponentTypeRef::Module(index as u32),
        );
    }
    types.append_to_component(&mut out);
    imports.append_to_component(&mut out);
    for (at, section) in sections.iter().enumerate() {
        match (section.id, nested.rewritten.get(&at)) {
            (NESTED_COMPONENT, Some(body)) => RawSection {
                id: NESTED_COMPONENT,
                data: body,
            }
            .append_to_component(&mut out),
            (INSTANCE, _) => {
                let body = &bytes[section.body.clone()];
                let data = instances_given_modules(body, &|c| nested.modules_of(c))?;
                RawSection {
                    id: INSTANCE,
                    data: &data,
                }
                .append_to_component(&mut out);
            }
            _ => out.extend_from_slice(&bytes[section.whole.clone()]),
        }
    }
    Some(Split {
        bytes: out,
        modules: nested.modules,
    })
}

/// A composition's nested components, split.
struct Nested {
    /// By section: the split components' new bytes.
    rewritten: BTreeMap<usize, Vec<u8>>,
    /// By place in the component index space: the modules each imports,
    /// by its import's name and the module's index in `modules`.
    takes: BTreeMap<u32, Vec<(String, u32)>>,
    /// Every distinct module (by content), named by its index here.
    modules: Vec<SplitModule>,
}

impl Nested {
    /// The modules component `component` imports, by name, with their
    /// indices in the outer component: it had no core modules, so the
    /// imported ones are modules 0, 1, ...
    fn modules_of(&self, component: u32) -> Vec<(String, u32)> {
        self.takes.get(&component).cloned().unwrap_or_default()
    }

    /// The index of `module` among the distinct modules, added if new.
    fn distinct(&mut self, module: &SplitModule) -> u32 {
        let index = match self
            .modules
            .iter()
            .position(|m| m.content == module.content)
        {
            Some(index) => index,
            None => {
                self.modules.push(SplitModule {
                    name: module_name(self.modules.len()),
                    ..module.clone()
                });
                self.modules.len() - 1
            }
        };
        index as u32
    }
}

/// Splits each nested component of the composition `bytes` (at `offset`
/// of the file); `None` if the outer component's index spaces cannot be
/// followed.
fn split_nested(
    bytes: &[u8],
    sections: &[Section],
    offset: usize,
    placement: Data,
) -> Option<Nested> {
    let mut nested = Nested {
        rewritten: BTreeMap::new(),
        takes: BTreeMap::new(),
        modules: Vec::new(),
    };
    let mut components = 0u32;
    for (at, section) in sections.iter().enumerate() {
        let body = &bytes[section.body.clone()];
        match section.id {
            NESTED_COMPONENT => {
                if let Some(split) = split_at(body, offset + section.body.start, placement) {
                    let takes = split
                        .modules
                        .iter()
                        .map(|module| (module.name.clone(), nested.distinct(module)))
                        .collect();
                    nested.takes.insert(components, takes);
                    nested.rewritten.insert(at, split.bytes);
                }
                components += 1;
            }
            COMPONENT_IMPORT | ALIAS => {
                let added = match section.id {
                    COMPONENT_IMPORT => imported(body)?,
                    _ => aliased(body)?,
                };
                // Inserted modules and types would shift these.
                if added.modules > 0 || added.core_types > 0 {
                    return None;
                }
                components += added.components;
            }
            _ => {}
        }
    }
    Some(nested)
}

/// How many items of the sorts the rewrites follow a section adds to its
/// component's index spaces.
#[derive(Default)]
struct Counts {
    components: u32,
    modules: u32,
    core_types: u32,
}

/// What an import section adds; `None` if it does not read.
fn imported(body: &[u8]) -> Option<Counts> {
    let reader = ComponentImportSectionReader::new(BinaryReader::new(body, 0)).ok()?;
    let mut counts = Counts::default();
    for import in reader {
        match import.ok()?.ty {
            ComponentTypeRef::Component(_) => counts.components += 1,
            ComponentTypeRef::Module(_) => counts.modules += 1,
            _ => {}
        }
    }
    Some(counts)
}

/// What an alias section adds; `None` if it does not read.
fn aliased(body: &[u8]) -> Option<Counts> {
    let reader = ComponentAliasSectionReader::new(BinaryReader::new(body, 0)).ok()?;
    let mut counts = Counts::default();
    for alias in reader {
        match alias.ok()? {
            ComponentAlias::InstanceExport { kind, .. } => match kind {
                ComponentExternalKind::Component => counts.components += 1,
                ComponentExternalKind::Module => counts.modules += 1,
                _ => {}
            },
            ComponentAlias::Outer { kind, .. } => match kind {
                ComponentOuterAliasKind::Component => counts.components += 1,
                ComponentOuterAliasKind::CoreModule => counts.modules += 1,
                ComponentOuterAliasKind::CoreType => counts.core_types += 1,
                ComponentOuterAliasKind::Type => {}
            },
            ComponentAlias::CoreInstanceExport { .. } => {}
        }
    }
    Some(counts)
}

/// An instance section's contents with each instantiation of a split
/// component also given the modules it imports: the other instances are
/// copied as they were.
fn instances_given_modules(
    body: &[u8],
    modules_of: &dyn Fn(u32) -> Vec<(String, u32)>,
) -> Option<Vec<u8>> {
    let reader = ComponentInstanceSectionReader::new(BinaryReader::new(body, 0)).ok()?;
    let count = reader.count();
    let mut entries: Vec<(usize, ComponentInstance<'_>)> = Vec::new();
    for entry in reader.into_iter_with_offsets() {
        let (at, instance) = entry.ok()?;
        entries.push((usize::try_from(at).ok()?, instance));
    }
    let mut data = Vec::new();
    count.encode(&mut data);
    for (i, (at, instance)) in entries.iter().enumerate() {
        let end = entries.get(i + 1).map_or(body.len(), |(next, _)| *next);
        let extra = match instance {
            ComponentInstance::Instantiate {
                component_index, ..
            } => modules_of(*component_index),
            ComponentInstance::FromExports(_) => Vec::new(),
        };
        let ComponentInstance::Instantiate {
            component_index,
            args,
        } = instance
        else {
            data.extend_from_slice(body.get(*at..end)?);
            continue;
        };
        if extra.is_empty() {
            data.extend_from_slice(body.get(*at..end)?);
            continue;
        }
        // instantiate: 0x00, the component, then its arguments.
        data.push(0x00);
        component_index.encode(&mut data);
        ((args.len() + extra.len()) as u32).encode(&mut data);
        for arg in args.iter() {
            arg.name.encode(&mut data);
            data.extend_from_slice(sort(arg.kind));
            arg.index.encode(&mut data);
        }
        for (name, index) in extra {
            name.as_str().encode(&mut data);
            data.extend_from_slice(sort(ComponentExternalKind::Module));
            index.encode(&mut data);
        }
    }
    Some(data)
}

/// The binary encoding of an item's sort.
fn sort(kind: ComponentExternalKind) -> &'static [u8] {
    match kind {
        ComponentExternalKind::Module => &[0x00, 0x11],
        ComponentExternalKind::Func => &[0x01],
        ComponentExternalKind::Value => &[0x02],
        ComponentExternalKind::Type => &[0x03],
        ComponentExternalKind::Component => &[0x04],
        ComponentExternalKind::Instance => &[0x05],
    }
}

/// Whether `name` is an import [`split`] made.
pub(crate) fn is_split_import(name: &str) -> bool {
    name.starts_with("wcomp-module-")
}

/// `module`, found at `source`, the `index`-th one split from its
/// component, hashed for its cache key; `None` if its type does not read.
fn split_module(module: &[u8], source: ModuleBytes, index: usize) -> Option<SplitModule> {
    Some(SplitModule {
        name: module_name(index),
        content: cache::content_hash(module),
        source,
        ty: module_type(module)?,
    })
}

/// The import name of the `index`-th module split from a component.
fn module_name(index: usize) -> String {
    format!("wcomp-module-{index}")
}

/// The names of a component's own exports (not those of components nested
/// in it), from its top-level sections alone, without decoding the rest;
/// `None` if `bytes` is not a well-formed component.
pub(crate) fn top_level_exports(bytes: &[u8]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for section in top_level_sections(bytes)? {
        if section.id != COMPONENT_EXPORT {
            continue;
        }
        let body = BinaryReader::new(&bytes[section.body], 0);
        for export in ComponentExportSectionReader::new(body).ok()? {
            names.push(export.ok()?.name.full_name().into_owned());
        }
    }
    Some(names)
}

pub(crate) struct Section {
    pub(crate) id: u8,
    /// The section with its id and size.
    pub(crate) whole: Range<usize>,
    /// Its contents.
    pub(crate) body: Range<usize>,
}

/// The component's top-level sections, in order; `None` if `bytes` is
/// not a well-formed component.
pub(crate) fn top_level_sections(bytes: &[u8]) -> Option<Vec<Section>> {
    if !wasmparser::Parser::is_component(bytes) {
        return None;
    }
    let mut sections = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let start = at;
        let id = bytes[at];
        let (size, header) = leb_u32(bytes.get(at + 1..)?)?;
        let body = at + 1 + header..at + 1 + header + size as usize;
        if body.end > bytes.len() {
            return None;
        }
        at = body.end;
        sections.push(Section {
            id,
            whole: start..body.end,
            body,
        });
    }
    Some(sections)
}

/// An unsigned LEB128 and how many bytes it took.
fn leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

/// The type of the core module `module`: its types, in order (so that its
/// imports and exports keep their type indices), imports and exports.
fn module_type(module: &[u8]) -> Option<ModuleType> {
    let mut re = RoundtripReencoder;
    let mut ty = ModuleType::new();
    let mut entities = Entities::default();
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group.ok()?;
                    let explicit = group.is_explicit_rec_group();
                    let subtypes: Option<Vec<_>> =
                        group.into_types().map(|t| re.sub_type(t).ok()).collect();
                    match (explicit, subtypes?.as_slice()) {
                        (false, [one]) => ty.ty().subtype(one),
                        (_, many) => ty.ty().rec(many.iter().cloned()),
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.ok()?;
                    let entity = re.entity_type(import.ty).ok()?;
                    entities.imported(import.ty, entity);
                    ty.import(import.module, import.name, entity);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    exports.push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::End(_) => break,
            other => entities.defined(&mut re, other)?,
        }
    }
    for (name, kind, index) in exports {
        ty.export(&name, entities.get(kind, index)?);
    }
    Some(ty)
}

/// A module's functions (their type indices), memories, tables, globals
/// and tags, imported ones first: what its exports refer to.
#[derive(Default)]
struct Entities {
    funcs: Vec<u32>,
    memories: Vec<EntityType>,
    tables: Vec<EntityType>,
    globals: Vec<EntityType>,
    tags: Vec<EntityType>,
}

impl Entities {
    fn imported(&mut self, ty: TypeRef, entity: EntityType) {
        match (ty, entity) {
            (TypeRef::Func(t) | TypeRef::FuncExact(t), _) => self.funcs.push(t),
            (_, EntityType::Memory(_)) => self.memories.push(entity),
            (_, EntityType::Table(_)) => self.tables.push(entity),
            (_, EntityType::Global(_)) => self.globals.push(entity),
            (_, EntityType::Tag(_)) => self.tags.push(entity),
            _ => {}
        }
    }

    /// Adds the entities a section defines; `None` if one does not read.
    fn defined(&mut self, re: &mut RoundtripReencoder, payload: Payload<'_>) -> Option<()> {
        match payload {
            Payload::FunctionSection(reader) => {
                for t in reader {
                    self.funcs.push(t.ok()?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let ty = re.table_type(table.ok()?.ty).ok()?;
                    self.tables.push(EntityType::Table(ty));
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let ty = re.memory_type(memory.ok()?).ok()?;
                    self.memories.push(EntityType::Memory(ty));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let ty = re.global_type(global.ok()?.ty).ok()?;
                    self.globals.push(EntityType::Global(ty));
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    self.tags
                        .push(EntityType::Tag(re.tag_type(tag.ok()?).ok()?));
                }
            }
            _ => {}
        }
        Some(())
    }

    /// The type of the `index`-th entity of `kind`.
    fn get(&self, kind: ExternalKind, index: u32) -> Option<EntityType> {
        let index = index as usize;
        match kind {
            ExternalKind::Func | ExternalKind::FuncExact => {
                Some(EntityType::Function(*self.funcs.get(index)?))
            }
            ExternalKind::Memory => self.memories.get(index).copied(),
            ExternalKind::Table => self.tables.get(index).copied(),
            ExternalKind::Global => self.globals.get(index).copied(),
            ExternalKind::Tag => self.tags.get(index).copied(),
        }
    }
}
