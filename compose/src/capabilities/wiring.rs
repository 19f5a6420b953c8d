//! What a composed component really hands out: for each component
//! instantiated at its top level, the imports a capability governs and what
//! satisfies each (the host, or another instance such as a deny
//! component), read from the binary's instantiations rather than from any
//! metadata it carries.
//!
//! The policy `wcomp compose` records (`wcomp-capabilities`) is a claim:
//! anyone can write that section. [`Wiring::disagreements`] says where the
//! claim and the composition differ.

use std::collections::BTreeMap;
use std::fmt;

use wasmparser::{
    BinaryReader, ComponentAlias, ComponentExternalKind, ComponentInstance, ComponentName,
    ComponentNameSectionReader, ComponentTypeRef, Parser, Payload,
};

use super::{Capability, rule_for};

/// The capability-governed imports of each instance of a composition.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Wiring {
    /// The instances that are given at least one governed import, in the
    /// order the composition instantiates them.
    pub instances: Vec<WiredInstance>,
}

/// One instance of a composition and its governed imports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct WiredInstance {
    /// Its name in the composition's name section, or `#N` (its index)
    /// when it has none.
    pub name: String,
    /// Its imports that a capability governs.
    pub imports: Vec<Grant>,
}

/// One governed import of an instance, and what satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Grant {
    /// The capability that governs it.
    pub capability: Capability,
    /// The import, as the instance names it (`wasi:cli/environment@0.2.0`).
    pub import: String,
    /// What it is given.
    pub from: GrantSource,
}

/// What satisfies a governed import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GrantSource {
    /// The host: the composed component's own import of this name.
    Host {
        /// The composed component's import.
        import: String,
    },
    /// An export of another instance of the composition.
    Instance {
        /// The instance's name (or `#N`).
        name: String,
    },
    /// Something else (an instance made of exports, or an import that is
    /// not an instance).
    Other,
}

impl fmt::Display for GrantSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantSource::Host { .. } => f.write_str("the host"),
            GrantSource::Instance { name } => write!(f, "`{name}`"),
            GrantSource::Other => f.write_str("an instance made inside the composition"),
        }
    }
}

/// Where the recorded policy and the composition differ.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Disagreement {
    /// The policy says a component lacks a capability, but the
    /// composition hands it the host's interface.
    GivenByHost {
        /// The component.
        component: String,
        /// The capability it is recorded without.
        capability: Capability,
        /// The host import it is given.
        import: String,
    },
    /// The policy names a deny component that the composition does not
    /// plug into the component it says it withholds from.
    DenyNotWired {
        /// The deny component, as recorded.
        deny: String,
        /// The component it is recorded to withhold from.
        component: String,
    },
    /// A line of the policy that is neither `NAME: capabilities` nor
    /// `NAME: withholds CAPABILITY from NAME`.
    Unreadable {
        /// The line.
        line: String,
    },
}

/// The instance index space of a component's top level, as far as wiring
/// needs it.
enum Slot {
    /// An instance the component imports (from the host), by import name.
    Import(String),
    /// An export of another instance.
    Alias(u32),
    /// An instantiation of a component, with its instance arguments.
    Instantiated(Vec<(String, u32)>),
    /// Anything else.
    Other,
}

/// What a policy line claims.
enum Claim<'a> {
    /// `name: files, env` (or `none`, or `all`).
    Grants(&'a str, Vec<Capability>),
    /// `deny-x: withholds env from greeter`.
    Withholds(&'a str, &'a str),
}

impl Wiring {
    /// Reads the wiring of the composed component `bytes` (already checked
    /// to be a component). Parts it cannot read are left out: this is a
    /// report, never a reason to reject a component.
    pub fn read(bytes: &[u8]) -> Wiring {
        let (slots, names) = instance_space(bytes);
        Wiring {
            instances: wired_instances(&slots, &names),
        }
    }

    /// Where the recorded `policy` (the lines of `wcomp-capabilities`)
    /// and this wiring differ: a component recorded without a capability
    /// but given the host's interface for it, or a deny component recorded
    /// but not plugged into the component it is said to withhold from.
    pub fn disagreements(&self, policy: &[String]) -> Vec<Disagreement> {
        // By name, so that a policy of many lines costs no more than its size.
        let by_name: BTreeMap<&str, &WiredInstance> = self
            .instances
            .iter()
            .map(|i| (i.name.as_str(), i))
            .collect();
        let mut out = Vec::new();
        for line in policy.iter().filter(|l| !l.trim().is_empty()) {
            match claim(line) {
                Some(Claim::Grants(component, granted)) => {
                    let Some(instance) = by_name.get(component) else {
                        continue;
                    };
                    for grant in &instance.imports {
                        if let GrantSource::Host { import } = &grant.from
                            && !granted.contains(&grant.capability)
                        {
                            out.push(Disagreement::GivenByHost {
                                component: component.to_owned(),
                                capability: grant.capability,
                                import: import.clone(),
                            });
                        }
                    }
                }
                Some(Claim::Withholds(deny, component)) => {
                    let wired = by_name.get(component).is_some_and(|i| {
                        i.imports.iter().any(
                            |g| matches!(&g.from, GrantSource::Instance { name } if name == deny),
                        )
                    });
                    if !wired {
                        out.push(Disagreement::DenyNotWired {
                            deny: deny.to_owned(),
                            component: component.to_owned(),
                        });
                    }
                }
                None => out.push(Disagreement::Unreadable { line: line.clone() }),
            }
        }
        out
    }
}

/// Reads one policy line, as `Plan` writes them.
fn claim(line: &str) -> Option<Claim<'_>> {
    let (name, rest) = line.split_once(": ")?;
    if let Some(rest) = rest.strip_prefix("withholds ") {
        let (_, component) = rest.split_once(" from ")?;
        return Some(Claim::Withholds(name, component));
    }
    let granted = match rest.trim() {
        "none" => Vec::new(),
        "all" => Capability::ALL.to_vec(),
        words => words
            .split(", ")
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?,
    };
    Some(Claim::Grants(name, granted))
}

/// The instance names of a `component-name` section.
fn instance_names(data: &[u8]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for name in ComponentNameSectionReader::new(BinaryReader::new(data, 0)).flatten() {
        if let ComponentName::Instances(map) = name {
            out.extend(
                map.into_iter()
                    .flatten()
                    .map(|n| (n.index, n.name.to_owned())),
            );
        }
    }
    out
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Disagreement::GivenByHost {
                component,
                capability,
                import,
            } => write!(
                f,
                "`{component}` is recorded without `{capability}`, but the composition gives it the host's `{import}`"
            ),
            Disagreement::DenyNotWired { deny, component } => write!(
                f,
                "`{deny}` is recorded as withholding from `{component}`, but the composition plugs none of `{component}`'s imports into it"
            ),
            Disagreement::Unreadable { line } => {
                write!(f, "a recorded line is not a policy line: `{line}`")
            }
        }
    }
}

/// The top-level component instance space of `bytes`, slot by slot, and
/// the instances' names from the `component-name` section.
fn instance_space(bytes: &[u8]) -> (Vec<Slot>, BTreeMap<u32, String>) {
    let mut slots: Vec<Slot> = Vec::new();
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            Payload::ComponentImportSection(reader) => {
                for import in reader.into_iter().flatten() {
                    if let ComponentTypeRef::Instance(_) = import.ty {
                        slots.push(Slot::Import(import.name.name.to_owned()));
                    }
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.into_iter().flatten() {
                    if let ComponentAlias::InstanceExport {
                        kind: ComponentExternalKind::Instance,
                        instance_index,
                        ..
                    } = alias
                    {
                        slots.push(Slot::Alias(instance_index));
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                for instance in reader.into_iter().flatten() {
                    slots.push(match instance {
                        ComponentInstance::Instantiate { args, .. } => Slot::Instantiated(
                            args.iter()
                                .filter(|a| a.kind == ComponentExternalKind::Instance)
                                .map(|a| (a.name.to_owned(), a.index))
                                .collect(),
                        ),
                        ComponentInstance::FromExports(_) => Slot::Other,
                    });
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    if export.kind == ComponentExternalKind::Instance {
                        slots.push(Slot::Alias(export.index));
                    }
                }
            }
            Payload::CustomSection(section) if section.name() == "component-name" => {
                names.extend(instance_names(section.data()));
            }
            _ => {}
        }
    }
    (slots, names)
}

/// The instantiated slots that are given a capability's interface, each
/// with where it comes from.
fn wired_instances(slots: &[Slot], names: &BTreeMap<u32, String>) -> Vec<WiredInstance> {
    let name_of = |index: u32| {
        names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("#{index}"))
    };
    // What instance `index` finally is: an alias is an export of the
    // instance it names (aliases only refer to earlier slots).
    let source = |mut index: u32| loop {
        match slots.get(index as usize) {
            Some(Slot::Alias(of)) if *of < index => index = *of,
            Some(Slot::Import(name)) => {
                break GrantSource::Host {
                    import: name.clone(),
                };
            }
            Some(Slot::Instantiated(_)) => {
                break GrantSource::Instance {
                    name: name_of(index),
                };
            }
            _ => break GrantSource::Other,
        }
    };
    slots
        .iter()
        .enumerate()
        .filter_map(|(index, slot)| {
            let Slot::Instantiated(args) = slot else {
                return None;
            };
            let imports: Vec<Grant> = args
                .iter()
                .filter_map(|(import, arg)| {
                    Some(Grant {
                        capability: rule_for(import)?.capability,
                        import: import.clone(),
                        from: source(*arg),
                    })
                })
                .collect();
            (!imports.is_empty()).then(|| WiredInstance {
                name: name_of(index as u32),
                imports,
            })
        })
        .collect()
}
