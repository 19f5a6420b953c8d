//! Showing a [`Plan`]: as a Mermaid or Graphviz graph, as JSON, and as a WAC
//! document a person can hand-edit and compose with `wac compose`.

use std::fmt::Write;

use serde::Serialize;

use crate::capabilities::{Capabilities, Capability};
use crate::plan::{Argument, Instance, LeftoverImport, Plan, Source};

/// The plan as data, for `--json`.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct PlanJson<'a> {
    /// The app's name.
    pub app: &'a str,
    /// The component whose exports the composition exports.
    pub main: &'a str,
    /// Instances, each after the instances it imports from.
    pub instances: &'a [Instance],
    /// Imports of the composed component.
    pub imports: &'a [LeftoverImport],
    /// Exports of the composed component.
    pub exports: &'a [String],
    /// Warnings, as messages.
    pub warnings: Vec<String>,
}

impl Plan {
    /// What a node of the graph says: the component (and whether it is
    /// `main`) and its capabilities; for a deny component, what it withholds
    /// from whom.
    fn node_label(&self, instance: &Instance) -> Vec<String> {
        if let Some(denies) = &instance.denies {
            return vec![format!(
                "deny {} to {}",
                denies.capability, denies.component
            )];
        }
        let name = if instance.component == self.main {
            format!("{} (main)", instance.component)
        } else {
            instance.component.clone()
        };
        match &instance.capabilities {
            Some(granted) => vec![name, capabilities_label(granted)],
            None => vec![name],
        }
    }

    /// The plan as data: instances with their arguments, imports, exports
    /// and warnings.
    pub fn to_json(&self) -> PlanJson<'_> {
        PlanJson {
            app: &self.app,
            main: &self.main,
            instances: &self.instances,
            imports: &self.leftover,
            exports: &self.exports,
            warnings: self.warnings().iter().map(|w| w.to_string()).collect(),
        }
    }

    /// The plan as a Mermaid flowchart: an edge from each exporter to each
    /// importer, labelled with the interface; host imports and the
    /// composition's exports as their own nodes.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        if !self.leftover.is_empty() {
            out.push_str("  host[/\"host\"/]\n");
        }
        for instance in &self.instances {
            let label = self.node_label(instance).join("<br>");
            let _ = writeln!(out, "  {}[\"{label}\"]", node_id(&instance.component));
        }
        for instance in &self.instances {
            let to = node_id(&instance.component);
            for (argument, from) in instance_arguments(instance) {
                let arrow = if from.plugged { "==>" } else { "-->" };
                let _ = writeln!(
                    out,
                    "  {} {arrow}|\"{}\"| {to}",
                    node_id(from.component),
                    edge_label(&argument.import, from.export)
                );
            }
            let host = host_imports(instance);
            if !host.is_empty() {
                let _ = writeln!(out, "  host -.->|\"{}\"| {to}", host.join("<br>"));
            }
        }
        for (i, export) in self.exports.iter().enumerate() {
            let _ = writeln!(out, "  export{i}[\\\"{export}\"\\]");
            let _ = writeln!(out, "  {} -.-> export{i}", node_id(&self.main));
        }
        out
    }

    /// The plan as a Graphviz `digraph`, with the same shape as
    /// [`Plan::to_mermaid`].
    pub fn to_dot(&self) -> String {
        let mut out = format!("digraph {} {{\n  rankdir=LR;\n", dot_string(&self.app));
        if !self.leftover.is_empty() {
            out.push_str("  \"host\" [shape=cds, style=dashed];\n");
        }
        for instance in &self.instances {
            let peripheries = if instance.component == self.main {
                2
            } else {
                1
            };
            let style = if instance.denies.is_some() {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} [shape=box, peripheries={peripheries}, label={}{style}];",
                dot_string(&instance.component),
                dot_string(&self.node_label(instance).join("\n"))
            );
        }
        for instance in &self.instances {
            let to = dot_string(&instance.component);
            for (argument, from) in instance_arguments(instance) {
                let bold = if from.plugged { ", style=bold" } else { "" };
                let _ = writeln!(
                    out,
                    "  {} -> {to} [label={}{bold}];",
                    dot_string(from.component),
                    dot_string(&edge_label(&argument.import, from.export))
                );
            }
            let host = host_imports(instance);
            if !host.is_empty() {
                let _ = writeln!(
                    out,
                    "  \"host\" -> {to} [label={}, style=dashed];",
                    dot_string(&host.join("\n"))
                );
            }
        }
        for export in &self.exports {
            let node = dot_string(&format!("export {export}"));
            let _ = writeln!(out, "  {node} [label={}, shape=cds];", dot_string(export));
            let _ = writeln!(
                out,
                "  {} -> {node} [style=dashed];",
                dot_string(&self.main)
            );
        }
        out.push_str("}\n");
        out
    }

    /// An equivalent WAC document. Compose it with `wac compose`, passing
    /// each component's binary as a dependency (listed in its header).
    pub fn to_wac(&self) -> String {
        let mut out = String::from(
            "// Generated by wcomp from app.toml. Compose it with:\n//\n//   wac compose",
        );
        for instance in &self.instances {
            let _ = write!(
                out,
                " \\\n//     --dep app:{}={}",
                instance.component,
                instance.wasm.display()
            );
        }
        let _ = write!(
            out,
            " \\\n//     <this file>\n\npackage composed:{};\n",
            self.app
        );
        for instance in &self.instances {
            out.push('\n');
            let _ = writeln!(out, "// {}", self.node_label(instance).join(", "));
            let _ = write!(
                out,
                "let {} = new app:{} {{",
                wac_ident(&instance.component),
                instance.component
            );
            let mut host = false;
            for argument in &instance.arguments {
                match &argument.from {
                    Source::Instance {
                        component, export, ..
                    } => {
                        let _ = write!(
                            out,
                            "\n  \"{}\": {}[\"{export}\"],",
                            argument.import,
                            wac_ident(component)
                        );
                    }
                    Source::Import { .. } => host = true,
                }
            }
            if host {
                // Imports nobody exports become imports of the composition.
                out.push_str("\n  ...");
            }
            let empty = instance.arguments.is_empty();
            out.push_str(if empty { "};\n" } else { "\n};\n" });
        }
        if !self.exports.is_empty() {
            out.push('\n');
        }
        for export in &self.exports {
            let _ = writeln!(out, "export {}[\"{export}\"];", wac_ident(&self.main));
        }
        out
    }
}

/// `caps: all`, `caps: files, env`, `caps: none`.
fn capabilities_label(granted: &Capabilities) -> String {
    let words: Vec<&str> = granted.iter().map(|c| c.name()).collect();
    if words.len() == Capability::ALL.len() {
        "caps: all".to_owned()
    } else if words.is_empty() {
        "caps: none".to_owned()
    } else {
        format!("caps: {}", words.join(", "))
    }
}

/// An argument given by another instance.
struct FromInstance<'a> {
    component: &'a str,
    export: &'a str,
    plugged: bool,
}

fn instance_arguments(instance: &Instance) -> impl Iterator<Item = (&Argument, FromInstance<'_>)> {
    instance
        .arguments
        .iter()
        .filter_map(|argument| match &argument.from {
            Source::Instance {
                component,
                export,
                plugged,
            } => Some((
                argument,
                FromInstance {
                    component,
                    export,
                    plugged: *plugged,
                },
            )),
            Source::Import { .. } => None,
        })
}

/// The imports of the composition that `instance` is given, grouped by
/// package.
fn host_imports(instance: &Instance) -> Vec<String> {
    group_by_package(
        instance
            .arguments
            .iter()
            .filter_map(|argument| match &argument.from {
                Source::Import { name } => Some(name.as_str()),
                Source::Instance { .. } => None,
            }),
    )
}

/// Interface names grouped by package, for people: a package with one
/// interface keeps its full name, others become `wasi:cli@0.2.9 (10
/// interfaces)`. A Python component alone imports 25 WASI interfaces.
pub fn group_by_package<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut groups: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for name in names {
        let key = match name.split_once('/') {
            Some((package, rest)) => match rest.split_once('@') {
                Some((_, version)) => format!("{package}@{version}"),
                None => package.to_owned(),
            },
            None => name.to_owned(),
        };
        groups.entry(key).or_default().push(name);
    }
    groups
        .into_iter()
        .map(|(package, members)| match members.as_slice() {
            [one] => (*one).to_owned(),
            many => format!("{package} ({} interfaces)", many.len()),
        })
        .collect()
}

/// An edge's label: the import, and the export plugged into it when its
/// name differs (a compatible version).
fn edge_label(import: &str, export: &str) -> String {
    if import == export {
        import.to_owned()
    } else {
        format!("{import} ← {export}")
    }
}

/// A Mermaid node id for a component (kebab-case has no `_`, so this is
/// unambiguous).
fn node_id(component: &str) -> String {
    format!("c_{}", component.replace('-', "_"))
}

fn dot_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A component name as a WAC identifier; keywords are escaped with `%`.
fn wac_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "import",
        "with",
        "type",
        "tuple",
        "list",
        "option",
        "result",
        "borrow",
        "resource",
        "variant",
        "record",
        "flags",
        "enum",
        "func",
        "static",
        "constructor",
        "u8",
        "s8",
        "u16",
        "s16",
        "u32",
        "s32",
        "u64",
        "s64",
        "f32",
        "f64",
        "char",
        "bool",
        "string",
        "interface",
        "world",
        "export",
        "new",
        "let",
        "use",
        "include",
        "targets",
        "package",
        "as",
        "async",
        "future",
        "stream",
        "error-context",
    ];
    if KEYWORDS.contains(&name) {
        format!("%{name}")
    } else {
        name.to_owned()
    }
}
