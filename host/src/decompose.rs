//! A composed component taken apart into the components it instantiates,
//! to be linked by the host (see [`crate::linked`]) rather than run as one
//! unit: what `--trace` needs to see the calls between them.
//!
//! `wcomp compose` (and wac) write a composition as an outer component that
//! defines each component inside it, instantiates them in order, each with
//! its imports given by the outer component's imports or by an earlier
//! instance's exports, and exports what one of them exports. That is an
//! app's parts and wires, read back. Compositions of other shapes (an outer
//! component with core code of its own, components imported rather than
//! defined, instances built from loose exports) are refused with the
//! reason.

use std::ops::Range;

use wasmparser::{
    BinaryReader, ComponentAlias, ComponentAliasSectionReader, ComponentExportSectionReader,
    ComponentExternalKind, ComponentImportSectionReader, ComponentInstance,
    ComponentInstanceSectionReader, ComponentName, ComponentTypeRef, KnownCustom,
};

use crate::split::{self, Section};

/// One instantiated component of a composition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instantiated {
    /// Its instance's name in the composition (`greeter`), or
    /// `component-N` when the composition names none.
    pub name: String,
    /// Where its component's bytes are in the composition.
    pub range: Range<usize>,
    /// Its imports that earlier instances satisfy.
    pub wires: Vec<crate::linked::Wire>,
}

/// An entry of the outer component's instance (or function) index space.
#[derive(Debug, Clone)]
enum Entry {
    /// Imported from the host, or an export of something imported.
    Host,
    /// The instance of the part at this index.
    Part(usize),
    /// The export `name` of the part at this index.
    Export(usize, String),
    /// Anything else (an instance made from loose exports).
    Other,
}

/// The state of the walk over the outer component's sections.
#[derive(Default)]
struct Walk {
    /// The component index space: a nested component's range, or `None`.
    components: Vec<Option<Range<usize>>>,
    instances: Vec<Entry>,
    funcs: Vec<Entry>,
    parts: Vec<Instantiated>,
    /// The part each outer export comes from.
    exported_from: Vec<usize>,
}

/// The parts of the composition `bytes`, in instantiation order, the one
/// whose exports the composition exports last. Errors say why the
/// composition cannot be taken apart.
pub fn decompose(bytes: &[u8]) -> Result<Vec<Instantiated>, String> {
    let sections = split::top_level_sections(bytes).ok_or("it is not a well-formed component")?;
    let mut walk = Walk::default();
    for section in &sections {
        walk.section(bytes, section)
            .map_err(|e| format!("its sections cannot be read: {e}"))??;
    }
    name_parts(bytes, &sections, &mut walk);
    main_last(walk)
}

impl Walk {
    fn section(
        &mut self,
        bytes: &[u8],
        section: &Section,
    ) -> wasmparser::Result<Result<(), String>> {
        let body = &bytes[section.body.clone()];
        let reader = BinaryReader::new(body, section.body.start as u64);
        match section.id {
            split::NESTED_COMPONENT => self.components.push(Some(section.body.clone())),
            split::COMPONENT_IMPORT => self.imports(ComponentImportSectionReader::new(reader)?)?,
            split::ALIAS => self.aliases(ComponentAliasSectionReader::new(reader)?)?,
            split::INSTANCE => {
                return Ok(self.instances(ComponentInstanceSectionReader::new(reader)?));
            }
            split::COMPONENT_EXPORT => {
                return Ok(self.exports(ComponentExportSectionReader::new(reader)?));
            }
            split::CORE_MODULE | split::CORE_INSTANCE | split::CORE_TYPE | split::CANON => {
                return Ok(Err(
                    "its outer component has core code of its own, not only components".into(),
                ));
            }
            _ => {}
        }
        Ok(Ok(()))
    }

    fn imports(&mut self, reader: ComponentImportSectionReader<'_>) -> wasmparser::Result<()> {
        for import in reader {
            match import?.ty {
                ComponentTypeRef::Instance(_) => self.instances.push(Entry::Host),
                ComponentTypeRef::Func(_) => self.funcs.push(Entry::Host),
                ComponentTypeRef::Component(_) => self.components.push(None),
                _ => {}
            }
        }
        Ok(())
    }

    fn aliases(&mut self, reader: ComponentAliasSectionReader<'_>) -> wasmparser::Result<()> {
        for alias in reader {
            let (kind, entry) = match alias? {
                ComponentAlias::InstanceExport {
                    kind,
                    instance_index,
                    name,
                } => {
                    let entry = match self.instances.get(instance_index as usize) {
                        Some(Entry::Part(part)) => Entry::Export(*part, name.to_owned()),
                        Some(Entry::Host) => Entry::Host,
                        _ => Entry::Other,
                    };
                    (kind, entry)
                }
                ComponentAlias::Outer { .. } | ComponentAlias::CoreInstanceExport { .. } => {
                    continue;
                }
            };
            match kind {
                ComponentExternalKind::Instance => self.instances.push(entry),
                ComponentExternalKind::Func => self.funcs.push(entry),
                ComponentExternalKind::Component => self.components.push(None),
                _ => {}
            }
        }
        Ok(())
    }

    fn instances(&mut self, reader: ComponentInstanceSectionReader<'_>) -> Result<(), String> {
        for instance in reader {
            let instance = instance.map_err(|e| e.to_string())?;
            let ComponentInstance::Instantiate {
                component_index,
                args,
            } = instance
            else {
                self.instances.push(Entry::Other);
                continue;
            };
            let range = self
                .components
                .get(component_index as usize)
                .cloned()
                .flatten()
                .ok_or("it instantiates a component it does not define")?;
            let mut wires = Vec::new();
            for arg in args.iter() {
                let entry = match arg.kind {
                    ComponentExternalKind::Instance => self.instances.get(arg.index as usize),
                    ComponentExternalKind::Func => self.funcs.get(arg.index as usize),
                    _ => continue,
                };
                match entry {
                    Some(Entry::Host) => {}
                    Some(Entry::Export(part, export)) => {
                        wires.push(crate::linked::Wire::new(arg.name, *part, export.clone()));
                    }
                    _ => {
                        return Err(format!(
                            "the import `{}` of its component {} is given something the host cannot forward",
                            arg.name,
                            self.parts.len()
                        ));
                    }
                }
            }
            self.instances.push(Entry::Part(self.parts.len()));
            self.parts.push(Instantiated {
                name: format!("component-{}", self.parts.len()),
                range,
                wires,
            });
        }
        Ok(())
    }

    fn exports(&mut self, reader: ComponentExportSectionReader<'_>) -> Result<(), String> {
        for export in reader {
            let export = export.map_err(|e| e.to_string())?;
            // An export is also a new entry of its kind's index space.
            let space = match export.kind {
                ComponentExternalKind::Instance => &mut self.instances,
                ComponentExternalKind::Func => &mut self.funcs,
                _ => continue,
            };
            let entry = space.get(export.index as usize).cloned();
            match entry {
                Some(entry @ (Entry::Export(part, _) | Entry::Part(part))) => {
                    self.exported_from.push(part);
                    space.push(entry);
                }
                _ => {
                    return Err(format!(
                        "its export `{}` does not come from one of its components",
                        export.name.name
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The parts, checked to end with the one the composition's exports come
/// from.
fn main_last(walk: Walk) -> Result<Vec<Instantiated>, String> {
    let last = walk
        .parts
        .len()
        .checked_sub(1)
        .ok_or("it instantiates no component")?;
    match walk.exported_from.iter().all(|part| *part == last) {
        true => Ok(walk.parts),
        false => Err("its exports do not all come from its last component".to_owned()),
    }
}

/// Names the parts after their instances in the composition's
/// `component-name` section, where it has one.
fn name_parts(bytes: &[u8], sections: &[Section], walk: &mut Walk) {
    for section in sections.iter().filter(|s| s.id == split::CUSTOM) {
        let reader = BinaryReader::new(&bytes[section.body.clone()], section.body.start as u64);
        let Ok(custom) = wasmparser::CustomSectionReader::new(reader) else {
            continue;
        };
        let KnownCustom::ComponentName(names) = custom.as_known() else {
            continue;
        };
        for name in names.into_iter().flatten() {
            let ComponentName::Instances(map) = name else {
                continue;
            };
            for naming in map.into_iter().flatten() {
                let part = walk.instances.get(naming.index as usize);
                if let Some(Entry::Part(part)) = part {
                    walk.parts[*part].name = naming.name.to_owned();
                }
            }
        }
    }
}
