//! Wiring an app's components into one component.
//!
//! [`plan`] reads and validates the app's components (see `inputs`),
//! decides, starting from `main`, which instance satisfies each import
//! (DESIGN.md, "Composition rules"),
//! and encodes the result through wac-graph; [`Plan::encode`] validates and
//! hands out the bytes.

// Composition errors are returned at most once per run, and their variants
// carry what the user needs to see; boxing them would only obscure that.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::mem::discriminant;
use std::path::PathBuf;

use serde::Serialize;
use wac_graph::{
    CompositionGraph, EncodeError, EncodeOptions, InstantiationArgumentError, NodeId, Processor,
};
use wac_types::{ItemKind, Package};
use wcomp_core::fs::FileStamp;
use wcomp_core::names::{InterfaceName, is_toolchain_export, names_compatible, plug_matches};

use crate::error::quoted;
use crate::validated::{self, Validated};
use wcomp_core::{Component, DecodeError};

use crate::capabilities::{self, Capabilities, Capability};
use crate::inputs::{self, Worlds};
use crate::manifest::ComponentEntry;
use crate::memo::Memo;
use crate::{App, ComposeError, ComposeWarning, signature};

/// How an app's components are wired together, ready to encode.
///
/// Made by [`plan`]; everything in it is in a deterministic order.
pub struct Plan {
    pub(crate) app: String,
    pub(crate) main: String,
    pub(crate) instances: Vec<Instance>,
    pub(crate) exports: Vec<String>,
    pub(crate) leftover: Vec<LeftoverImport>,
    warnings: Vec<ComposeWarning>,
    /// The deny components the plan instantiates, by instance name.
    generated: BTreeMap<String, Vec<u8>>,
    /// The composition, encoded while planning: the names of the imports it
    /// keeps are wac-graph's choice (see [`share_leftover_imports`]).
    bytes: Vec<u8>,
    /// The app's record of what validated (see [`crate::validated`]).
    validated: Option<Validated>,
    /// The digest of the composition, once it validated.
    checked: std::sync::OnceLock<[u8; 32]>,
}

/// One instance of a component in the composition. Each component is
/// instantiated at most once and shared by everything that imports from it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Instance {
    /// The component's name in app.toml, or a deny component's generated
    /// name (`deny-greeter-environment`).
    pub component: String,
    /// The binary it is instantiated from, relative to app.toml; for a deny
    /// component, the file `--emit-wac` writes it to, beside the WAC file.
    pub wasm: PathBuf,
    /// What it may use of the host's grants (for a component of the app).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    /// For a deny component: the capability it withholds, and from whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denies: Option<Denies>,
    /// How each of its imports is satisfied, in the order it declares them.
    pub arguments: Vec<Argument>,
}

/// What a deny component withholds: the capability, and the component that
/// lacks it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Denies {
    /// The capability whose imports it answers with "nothing here".
    pub capability: Capability,
    /// The app component it is plugged into, by its name in app.toml.
    pub component: String,
}

/// How one import of an instance is satisfied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Argument {
    /// The import's name (`demo:text/transform@0.1.0`, or a function name).
    pub import: String,
    /// What it is given.
    pub from: Source,
}

/// What satisfies an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Source {
    /// An export of another instance of the composition.
    Instance {
        /// The exporting instance's component (an app component or a deny
        /// component).
        component: String,
        /// The export, as the exporter names it.
        export: String,
        /// Chosen by a `[components.NAME.plug]` entry rather than inferred.
        plugged: bool,
    },
    /// An import of the composed component, left to the host.
    Import {
        /// The import of the composed component, as named in
        /// [`Plan::leftover_imports`].
        name: String,
    },
}

/// An import of the composed component: something no component of the app
/// exports (typically WASI), imported once and shared by every importer.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LeftoverImport {
    /// The import's name; the highest version when importers differ in patch.
    pub name: String,
    /// The components that import it, in instantiation order.
    pub importers: Vec<String>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("app", &self.app)
            .field("main", &self.main)
            .field("instances", &self.instances)
            .field("exports", &self.exports)
            .field("leftover", &self.leftover)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Reads and validates every component of `app` and wires them, starting
/// from `main`.
///
/// Fails if a component cannot be read or is not valid, if an import has several candidate
/// exporters, if components import each other in a cycle, if a `plug` entry
/// does not fit, or if a plugged export's type differs from the import's.
pub fn plan(app: &App) -> Result<Plan, ComposeError> {
    plan_from(app, None)
}

/// [`plan`], taking from `memo` what it decoded from a component's bytes
/// before, while the bytes are the same, and keeping it there for the next
/// plan.
pub fn plan_with(app: &App, memo: &mut Memo) -> Result<Plan, ComposeError> {
    memo.keep_only(app.component_names());
    plan_from(app, Some(memo))
}

fn plan_from(app: &App, memo: Option<&mut Memo>) -> Result<Plan, ComposeError> {
    let validated = Validated::load(app);
    let mut inputs = inputs::read_all(app, memo.as_deref(), &validated)?;
    let mut graph = CompositionGraph::new();
    let packages = inputs::packages(app, &mut graph, &mut inputs)?;
    let mut plan = inputs::check_and_plan(app, &inputs, &packages, memo, |worlds| {
        wire(app, &graph, &packages, worlds)
    })?;
    let validated = inputs::remember_validated(app, validated, &inputs);
    // wac-graph takes the bytes: a world still needed is read again.
    let worlds = Worlds::new(app, &inputs, None);
    plan.build_graph(&mut graph, app, &worlds, packages)?;
    plan.bytes = graph
        .encode(encode_options())
        .map_err(|e| plan.encode_error(e))?;
    plan.rename_leftover_imports()?;
    plan.bytes.extend(plan.policy_section());
    plan.validated = Some(validated);
    Ok(plan)
}

/// Decides, starting from `main`, what satisfies each import of the
/// components of `app` (read into `graph` as `packages`, decoded as
/// when needed, as `worlds`): the plan, not yet encoded.
fn wire(
    app: &App,
    graph: &CompositionGraph,
    packages: &BTreeMap<String, Package>,
    worlds: &Worlds<'_>,
) -> Result<Plan, ComposeError> {
    let mut planner = Planner {
        app,
        graph,
        packages,
        components: worlds,
        done: BTreeSet::new(),
        stack: Vec::new(),
        instances: Vec::new(),
        generated: BTreeMap::new(),
    };
    planner.visit(app.main().as_str())?;
    let Planner {
        done,
        instances,
        generated,
        ..
    } = planner;
    Ok(Plan {
        app: app.name().to_string(),
        main: app.main().to_string(),
        leftover: share_leftover_imports(&instances),
        warnings: unused_warnings(app, graph, packages, &instances, &done),
        exports: wireable_exports(graph, &packages[app.main().as_str()])
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
        instances,
        generated,
        bytes: Vec::new(),
        validated: None,
        checked: std::sync::OnceLock::new(),
    })
}

/// How wac-graph encodes the composition: components defined inside it,
/// validation left to [`Plan::encode`], wcomp named as its producer.
pub(crate) fn encode_options() -> EncodeOptions<'static> {
    EncodeOptions {
        define_components: true,
        validate: false,
        processor: Some(Processor {
            name: "wcomp",
            version: env!("CARGO_PKG_VERSION"),
        }),
    }
}

/// A warning for each component of the app that nothing instantiates.
fn unused_warnings(
    app: &App,
    graph: &CompositionGraph,
    packages: &BTreeMap<String, Package>,
    instances: &[Instance],
    done: &BTreeSet<String>,
) -> Vec<ComposeWarning> {
    app.component_names()
        .filter(|name| !done.contains(*name))
        .map(|name| ComposeWarning::Unused {
            component: name.to_owned(),
            why: why_unused(graph, packages, instances, name),
            src: app.source(),
            span: app.component_span(name).into(),
        })
        .collect()
}

impl Plan {
    /// The composed component, validated. It is encoded while planning, so
    /// that [`Plan::leftover_imports`] can name imports as the result does;
    /// the same inputs always give the same bytes.
    pub fn encode(&self) -> Result<Vec<u8>, ComposeError> {
        self.validate_encoded()?;
        Ok(self.bytes.clone())
    }

    /// [`Plan::encode`], handing over the composed bytes rather than a copy
    /// of them (10 MB for three debug builds), for a caller that writes the
    /// composition once. The plan keeps everything else; encoding it again
    /// is an error.
    pub fn take_encoded(&mut self) -> Result<Vec<u8>, ComposeError> {
        self.validate_encoded()?;
        Ok(std::mem::take(&mut self.bytes))
    }

    /// Validates the composed component (see [`Plan::encode`]).
    fn validate_encoded(&self) -> Result<(), ComposeError> {
        if self.bytes.is_empty() {
            return Err(internal("the plan's composition was taken already"));
        }
        let digest = validated::digest(&self.bytes);
        if self
            .validated
            .as_ref()
            .is_some_and(|v| v.covers_output(&digest))
        {
            let _ = self.checked.set(digest);
            return Ok(());
        }
        // Everything composition writes (types, imports, instantiations,
        // aliases, exports) is validated. Function bodies are copied verbatim,
        // each with its module, from the input components, which planning
        // validated whole (see `inputs`), and from deny components,
        // which are validated as they are generated; checking them again
        // would double the time of a 30 MB composition.
        let invalid = |e: wasmparser::BinaryReaderError| ComposeError::Internal {
            message: format!("the composed component does not validate: {e}"),
        };
        let mut validator =
            wasmparser::Validator::new_with_features(wcomp_core::decode::host_features());
        for payload in wasmparser::Parser::new(0).parse_all(&self.bytes) {
            validator
                .payload(&payload.map_err(invalid)?)
                .map_err(invalid)?;
        }
        let _ = self.checked.set(digest);
        Ok(())
    }

    /// Records that the composition validated, once it has been written,
    /// so that composing the same bytes again does not validate them again
    /// (see [`crate::validated`]). Nothing is recorded for a composition
    /// not encoded yet, nor for one planned without the app's record.
    pub fn remember_validated(&self, app: &App) {
        if let (Some(validated), Some(digest)) = (&self.validated, self.checked.get()) {
            validated.record_output(app, *digest);
        }
    }

    /// The instances of the composition, each after the instances it imports
    /// from; `main` is last.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// How many components the composition instantiates.
    pub fn len(&self) -> usize {
        self.instances.len()
    }

    /// Whether the plan instantiates nothing (never true for a planned app).
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }

    /// The composed component's exports: `main`'s exports, by name.
    pub fn exports(&self) -> &[String] {
        &self.exports
    }

    /// Imports that stay imports of the composed component, sorted by name.
    pub fn leftover_imports(&self) -> &[LeftoverImport] {
        &self.leftover
    }

    /// Things worth telling the user, such as components nothing uses.
    pub fn warnings(&self) -> &[ComposeWarning] {
        &self.warnings
    }

    /// Adds the planned instances, their arguments and `main`'s exports to
    /// the wac-graph composition.
    fn build_graph(
        &self,
        graph: &mut CompositionGraph,
        app: &App,
        components: &Worlds<'_>,
        mut packages: BTreeMap<String, Package>,
    ) -> Result<(), ComposeError> {
        let mut nodes: BTreeMap<&str, NodeId> = BTreeMap::new();
        for instance in &self.instances {
            let name = instance.component.as_str();
            let package = match packages.remove(name) {
                Some(package) => package,
                None if self.generated.contains_key(name) => self.deny_package(graph, name)?,
                None => return Err(internal(format!("`{name}` is instantiated twice"))),
            };
            let package = graph.register_package(package).map_err(internal)?;
            let node = graph.instantiate(package);
            graph.set_node_name(node, name);
            for argument in &instance.arguments {
                let Source::Instance {
                    component: exporter,
                    export,
                    plugged,
                } = &argument.from
                else {
                    continue;
                };
                let alias = graph
                    .alias_instance_export(nodes[exporter.as_str()], export)
                    .map_err(internal)?;
                graph
                    .set_instantiation_argument(node, &argument.import, alias)
                    .map_err(|e| match e {
                        InstantiationArgumentError::ArgumentTypeMismatch { source, .. } => {
                            type_mismatch(
                                app,
                                components,
                                (name, &argument.import),
                                (exporter, export),
                                *plugged,
                                format!("{source:#}"),
                            )
                        }
                        other => internal(other),
                    })?;
            }
            nodes.insert(name, node);
        }
        let main = nodes[self.main.as_str()];
        for name in &self.exports {
            let alias = graph.alias_instance_export(main, name).map_err(internal)?;
            graph.export(alias, name.clone()).map_err(internal)?;
        }
        Ok(())
    }

    /// The deny component `name` the plan generated, read into `graph`.
    pub(crate) fn deny_package(
        &self,
        graph: &mut CompositionGraph,
        name: &str,
    ) -> Result<Package, ComposeError> {
        let bytes = self
            .generated
            .get(name)
            .ok_or_else(|| internal(format!("no deny component `{name}`")))?;
        Package::from_bytes(
            &format!("wcomp:{name}"),
            None,
            bytes.clone(),
            graph.types_mut(),
        )
        .map_err(internal)
    }

    /// Names each leftover import the way the encoded component does.
    ///
    /// wac-graph merges semver-compatible imports into one, but when other
    /// imports `use` its types, it keeps the first version it met rather than
    /// the highest; the encoded bytes are the truth.
    fn rename_leftover_imports(&mut self) -> Result<(), ComposeError> {
        let encoded = top_level_imports(&self.bytes).map_err(internal)?;
        for import in &mut self.leftover {
            if let Some(name) = encoded.iter().find(|n| names_compatible(n, &import.name)) {
                import.name.clone_from(name);
            }
        }
        // Interfaces only `use`d by another import are imported too.
        for name in encoded {
            if !self.leftover.iter().any(|l| l.name == name) {
                self.leftover.push(LeftoverImport {
                    name,
                    importers: Vec::new(),
                });
            }
        }
        self.leftover.sort_by(|a, b| a.name.cmp(&b.name));
        for instance in &mut self.instances {
            for argument in &mut instance.arguments {
                if let Source::Import { name } = &mut argument.from
                    && let Some(shared) = self
                        .leftover
                        .iter()
                        .find(|l| names_compatible(&l.name, &argument.import))
                {
                    name.clone_from(&shared.name);
                }
            }
        }
        Ok(())
    }

    fn encode_error(&self, error: EncodeError) -> ComposeError {
        match error {
            EncodeError::ImportTypeMergeConflict { import, source, .. } => {
                let importers = self
                    .instances
                    .iter()
                    .filter(|i| {
                        i.arguments.iter().any(|a| {
                            matches!(&a.from, Source::Import { .. })
                                && names_compatible(&a.import, &import)
                        })
                    })
                    .map(|i| i.component.clone())
                    .collect();
                ComposeError::ImportConflict {
                    interface: import,
                    importers,
                    reason: format!("{source:#}"),
                }
            }
            other => internal(other),
        }
    }
}

/// Walks the app from `main`, deciding what satisfies each import.
struct Planner<'a> {
    app: &'a App,
    graph: &'a CompositionGraph,
    packages: &'a BTreeMap<String, Package>,
    /// Each component's world, for its deny components.
    components: &'a Worlds<'a>,
    /// Deny components made so far, by instance name.
    generated: BTreeMap<String, Vec<u8>>,
    /// Components already planned.
    done: BTreeSet<String>,
    /// Components being planned, outermost first: a cycle if one reappears.
    stack: Vec<String>,
    /// Planned instances, each after those it imports from.
    instances: Vec<Instance>,
}

impl Planner<'_> {
    /// Plans component `name` and, first, every component it imports from.
    fn visit(&mut self, name: &str) -> Result<(), ComposeError> {
        if self.done.contains(name) {
            return Ok(());
        }
        self.check_cycle(name)?;
        self.stack.push(name.to_owned());
        let imports = self.imports_of(name);
        let entry = self
            .app
            .component(name)
            .ok_or_else(|| internal(format!("no component `{name}`")))?;
        self.check_plugs(name, entry, &imports)?;
        let mut arguments = Vec::new();
        for (import, kind) in imports {
            arguments.push(self.argument(name, entry, import, kind)?);
        }
        self.stack.pop();
        self.done.insert(name.to_owned());
        self.instances.push(Instance {
            component: name.to_owned(),
            wasm: wasm_path(self.app, name),
            capabilities: Some(self.app.granted(name)),
            denies: None,
            arguments,
        });
        Ok(())
    }

    /// A component met again while its own imports are being planned.
    fn check_cycle(&self, name: &str) -> Result<(), ComposeError> {
        let Some(start) = self.stack.iter().position(|n| n == name) else {
            return Ok(());
        };
        let mut cycle = self.stack[start..].to_vec();
        cycle.push(name.to_owned());
        Err(ComposeError::Cycle {
            src: self.app.source(),
            span: self.app.component_span(name).into(),
            cycle,
        })
    }

    /// A component's imports, in the order it declares them.
    fn imports_of(&self, name: &str) -> Vec<(String, ItemKind)> {
        self.graph.types()[self.packages[name].ty()]
            .imports
            .iter()
            .map(|(n, k)| (n.clone(), *k))
            .collect()
    }

    /// Every `plug` entry must name something the component imports.
    fn check_plugs(
        &self,
        name: &str,
        entry: &ComponentEntry,
        imports: &[(String, ItemKind)],
    ) -> Result<(), ComposeError> {
        for (key, target) in &entry.plug {
            if imports.iter().any(|(import, _)| plug_matches(key, import)) {
                continue;
            }
            let names: Vec<String> = imports.iter().map(|(n, _)| n.clone()).collect();
            return Err(ComposeError::PlugNotImported {
                component: name.to_owned(),
                interface: key.clone(),
                src: self.app.source(),
                span: target.span().into(),
                help: if names.is_empty() {
                    format!("`{name}` imports nothing; remove this line")
                } else {
                    format!("`{name}` imports {}", quoted(&names))
                },
            });
        }
        Ok(())
    }

    /// What satisfies one import: its plug, the one component exporting it,
    /// or the host, when the host provides it.
    fn argument(
        &mut self,
        name: &str,
        entry: &ComponentEntry,
        import: String,
        kind: ItemKind,
    ) -> Result<Argument, ComposeError> {
        let plug = entry
            .plug
            .iter()
            .find(|(key, _)| plug_matches(key, &import));
        let provider = match plug {
            Some((_, target)) => Some(self.plugged(name, &import, kind, target)?),
            None => self.infer(name, &import, kind)?,
        };
        let from = match provider {
            Some((component, export, plugged)) => {
                self.visit(&component)?;
                Source::Instance {
                    component,
                    export,
                    plugged,
                }
            }
            None => self.leave_to_host(name, &import)?,
        };
        Ok(Argument { import, from })
    }

    /// The export a `plug` entry names, which must fit the import.
    fn plugged(
        &self,
        name: &str,
        import: &str,
        kind: ItemKind,
        target: &toml::Spanned<String>,
    ) -> Result<(String, String, bool), ComposeError> {
        let target_name = target.get_ref();
        match self.compatible_export(target_name, import, kind) {
            Some(export) => Ok((target_name.clone(), export, true)),
            None => Err(ComposeError::PlugNotExported {
                help: self.exports_help(target_name),
                component: name.to_owned(),
                interface: import.to_owned(),
                target: target_name.clone(),
                src: self.app.source(),
                span: target.span().into(),
            }),
        }
    }

    /// An import no component exports stays open only if the host wcomp
    /// runs on provides it, or `[app] host-imports` says the target host
    /// does; anything else is a mistake to report now, with the nearest
    /// candidates and why each does not fit.
    fn leave_to_host(&mut self, importer: &str, import: &str) -> Result<Source, ComposeError> {
        if wcomp_core::wasi::host_provides(import) || declared_host_import(self.app, import) {
            return self.deny_or_leave(importer, import);
        }
        let candidates = near_misses(self.graph, self.packages, importer, import);
        Err(ComposeError::Unsatisfied {
            component: importer.to_owned(),
            interface: import.to_owned(),
            help: unsatisfied_help(import, &candidates),
            src: self.app.source(),
            span: self.app.component_span(importer).into(),
        })
    }

    /// An import the host provides: left to it, unless the importer lacks
    /// the capability that governs it, in which case a deny component
    /// (generated from the importer's own view of the interface) answers it.
    fn deny_or_leave(&mut self, importer: &str, import: &str) -> Result<Source, ComposeError> {
        let granted = self.app.granted(importer);
        // Only then is the importer's world needed (and decoded).
        if capabilities::withheld_rule(import, &granted).is_none() {
            return Ok(Source::Import {
                name: import.to_owned(),
            });
        }
        let component = self.components.get(importer)?;
        let denied =
            capabilities::deny_import(&component.resolve, component.world, import, &granted)
                .map_err(|source| ComposeError::Deny {
                    component: importer.to_owned(),
                    interface: import.to_owned(),
                    source,
                    src: self.app.source(),
                    span: self.app.component_span(importer).into(),
                })?;
        let Some(denied) = denied else {
            return Ok(Source::Import {
                name: import.to_owned(),
            });
        };
        let name = self.deny_name(importer, import);
        let arguments = deny_arguments(&denied.bytes).map_err(|e| internal(format!("{e}")))?;
        self.instances.push(Instance {
            component: name.clone(),
            wasm: deny_path(&name),
            capabilities: None,
            denies: Some(Denies {
                capability: denied.capability,
                component: importer.to_owned(),
            }),
            arguments,
        });
        self.generated.insert(name.clone(), denied.bytes);
        Ok(Source::Instance {
            component: name,
            export: denied.export,
            plugged: false,
        })
    }

    /// `deny-<importer>-<interface>`, made unique.
    fn deny_name(&self, importer: &str, import: &str) -> String {
        let interface =
            InterfaceName::parse(import).map_or_else(|| "import".to_owned(), |i| i.interface);
        let base = format!("deny-{importer}-{interface}");
        let taken = |n: &String| self.generated.contains_key(n) || self.app.component(n).is_some();
        let mut name = base.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    /// The one other component exporting `import`, if any.
    fn infer(
        &self,
        importer: &str,
        import: &str,
        kind: ItemKind,
    ) -> Result<Option<(String, String, bool)>, ComposeError> {
        let mut candidates: Vec<(String, String)> = self
            .app
            .component_names()
            .filter(|c| *c != importer)
            .filter_map(|c| {
                self.compatible_export(c, import, kind)
                    .map(|export| (c.to_owned(), export))
            })
            .collect();
        if candidates.len() > 1 {
            let names: Vec<String> = candidates.iter().map(|(c, _)| c.clone()).collect();
            let help = format!(
                "choose one with a plug in app.toml:\n\n    [components.{importer}.plug]\n    \"{import}\" = \"{}\"",
                names[0]
            );
            return Err(ComposeError::Ambiguous {
                component: importer.to_owned(),
                interface: import.to_owned(),
                candidates: names,
                src: self.app.source(),
                span: self.app.component_span(importer).into(),
                help,
            });
        }
        Ok(candidates.pop().map(|(c, e)| (c, e, false)))
    }

    /// `exporter`'s export that can satisfy `import`: the same name, or the
    /// highest semver-compatible version of it, of the same kind.
    fn compatible_export(&self, exporter: &str, import: &str, kind: ItemKind) -> Option<String> {
        wireable_exports(self.graph, &self.packages[exporter])
            .into_iter()
            .filter(|(name, k)| {
                discriminant(k) == discriminant(&kind) && names_compatible(name, import)
            })
            .map(|(name, _)| name)
            .max_by_key(|name| version_of(name))
    }

    fn exports_help(&self, component: &str) -> String {
        let names: Vec<String> = wireable_exports(self.graph, &self.packages[component])
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if names.is_empty() {
            format!("`{component}` exports nothing that can be plugged in")
        } else {
            format!("`{component}` exports {}", quoted(&names))
        }
    }
}

/// Where `wcomp compose --emit-wac` writes a deny component, relative to
/// app.toml, for `wac compose` to find.
fn deny_path(name: &str) -> PathBuf {
    PathBuf::from("target")
        .join("wcomp")
        .join("deny")
        .join(format!("{name}.wasm"))
}

/// A deny component's imports: host WASI whose types it shares with its
/// importer, all left to the host.
fn deny_arguments(bytes: &[u8]) -> Result<Vec<Argument>, DecodeError> {
    let decoded = Component::from_bytes(std::path::Path::new("deny.wasm"), bytes)?;
    Ok(decoded
        .imports()
        .into_iter()
        .map(|name| Argument {
            import: name.clone(),
            from: Source::Import { name },
        })
        .collect())
}

impl Plan {
    /// The composition's capability policy as a custom section: one line
    /// per component, `name: capability, ...` (or `none`), then one per
    /// deny component, `deny-x: withholds env from greeter`.
    fn policy_section(&self) -> Vec<u8> {
        let mut text = String::new();
        for instance in &self.instances {
            if let Some(granted) = &instance.capabilities {
                let words: Vec<&str> = granted.iter().map(|c| c.name()).collect();
                let words = if words.is_empty() {
                    "none".to_owned()
                } else {
                    words.join(", ")
                };
                text.push_str(&format!("{}: {words}\n", instance.component));
            }
        }
        for instance in &self.instances {
            if let Some(denies) = &instance.denies {
                text.push_str(&format!(
                    "{}: withholds {} from {}\n",
                    instance.component, denies.capability, denies.component
                ));
            }
        }
        let mut section = Vec::new();
        wasm_encoder::Section::append_to(
            &wasm_encoder::CustomSection {
                name: wcomp_core::decode::POLICY_SECTION.into(),
                data: text.as_bytes().into(),
            },
            &mut section,
        );
        section
    }

    /// The deny components the plan instantiates: `(instance name, bytes)`.
    pub fn generated_components(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.generated
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
    }
}

/// An export of another component that looks like what an import wants but
/// does not fit it: a different version, or a neighbour of the same name.
struct NearMiss {
    component: String,
    export: String,
    reason: String,
}

/// Why `export` does not fit `import`, if it is close enough to mention.
fn miss_reason(import: &str, export: &str) -> Option<String> {
    let (wanted, found) = (InterfaceName::parse(import)?, InterfaceName::parse(export)?);
    if let Some(why) = wanted.incompatibility(&found) {
        return Some(why);
    }
    if wanted.unversioned() == found.unversioned() {
        return None;
    }
    if wanted.package_name() == found.package_name() {
        Some("another interface of the same package".to_owned())
    } else if wanted.interface == found.interface {
        Some("an interface of the same name in another package".to_owned())
    } else {
        None
    }
}

/// The exports of the other components that come close to `import`.
fn near_misses(
    graph: &CompositionGraph,
    packages: &BTreeMap<String, Package>,
    importer: &str,
    import: &str,
) -> Vec<NearMiss> {
    packages
        .iter()
        .filter(|(name, _)| *name != importer)
        .flat_map(|(name, package)| {
            wireable_exports(graph, package)
                .into_iter()
                .filter_map(move |(export, _)| {
                    let reason = miss_reason(import, &export)?;
                    Some(NearMiss {
                        component: name.clone(),
                        export,
                        reason,
                    })
                })
        })
        .collect()
}

/// What to do about an import nothing provides: the near misses, the
/// WASI versions the host has, and how to declare a host's own imports.
fn unsatisfied_help(import: &str, candidates: &[NearMiss]) -> String {
    let mut lines: Vec<String> = candidates
        .iter()
        .take(LIST_LIMIT)
        .map(|c| format!("  `{}` exports `{}`: {}", c.component, c.export, c.reason))
        .collect();
    if candidates.len() > LIST_LIMIT {
        lines.push(format!("  ... and {} more", candidates.len() - LIST_LIMIT));
    }
    if let Some(name) = InterfaceName::parse(import) {
        for provided in wcomp_core::wasi::provided_versions(&name) {
            if let Some(reason) = name.incompatibility(provided) {
                lines.push(format!("  the host provides `{provided}`: {reason}"));
            }
        }
    }
    let mut help = if lines.is_empty() {
        "no component of the app exports anything like it".to_owned()
    } else {
        format!("the nearest candidates:\n{}", lines.join("\n"))
    };
    help.push_str("\nadd a component that exports it, or, if the app's target host provides it, declare it in app.toml:\n\n    [app]\n    host-imports = [\"");
    help.push_str(import);
    help.push_str("\"]");
    help
}

/// Whether `[app] host-imports` declares `import`: an interface by name
/// (versions compared by the usual rule) or a whole package (`ns:pkg/*`).
fn declared_host_import(app: &App, import: &str) -> bool {
    app.host_imports()
        .iter()
        .any(|entry| match entry.strip_suffix("/*") {
            Some(package) => {
                InterfaceName::parse(import).is_some_and(|i| i.package_name() == package)
            }
            None => names_compatible(entry, import),
        })
}

/// Why a component ends up unused: what it exports, and the imports it
/// came close to serving.
fn why_unused(
    graph: &CompositionGraph,
    packages: &BTreeMap<String, Package>,
    instances: &[Instance],
    name: &str,
) -> String {
    let exports: Vec<String> = wireable_exports(graph, &packages[name])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    if exports.is_empty() {
        return format!("`{name}` exports nothing that can be wired");
    }
    let misses: Vec<String> = instances
        .iter()
        .flat_map(|i| i.arguments.iter().map(move |a| (i, a)))
        .flat_map(|(instance, argument)| {
            exports.iter().filter_map(move |export| {
                let reason = miss_reason(&argument.import, export)?;
                Some(format!(
                    "`{}` imports `{}`, and `{name}` exports `{export}`: {reason}",
                    instance.component, argument.import
                ))
            })
        })
        .take(LIST_LIMIT)
        .collect();
    if misses.is_empty() {
        format!(
            "no instantiated component imports what it exports: {}",
            quoted(&exports)
        )
    } else {
        misses.join("; ")
    }
}

/// The most entries a list in a message shows before it says how many more.
const LIST_LIMIT: usize = 10;

/// The version in a name like `wasi:cli/stdout@0.2.6`.
fn version_of(name: &str) -> Option<semver::Version> {
    InterfaceName::parse(name)?.version
}

/// A component's exports that can be wired or re-exported: instances and
/// functions, without the toolchains' internal ones.
pub(crate) fn wireable_exports(
    graph: &CompositionGraph,
    package: &Package,
) -> Vec<(String, ItemKind)> {
    graph.types()[package.ty()]
        .exports
        .iter()
        .filter(|(name, kind)| !matches!(kind, ItemKind::Type(_)) && !is_toolchain_export(name))
        .map(|(n, k)| (n.clone(), *k))
        .collect()
}

/// Groups the imports left to the host that are the same interface up to a
/// compatible version: wac-graph gives each group one import of the
/// composition, shared by every importer. Named finally by
/// [`Plan::rename_leftover_imports`].
fn share_leftover_imports(instances: &[Instance]) -> Vec<LeftoverImport> {
    let mut leftover: Vec<LeftoverImport> = Vec::new();
    for instance in instances.iter() {
        for argument in &instance.arguments {
            if !matches!(argument.from, Source::Import { .. }) {
                continue;
            }
            let import = &argument.import;
            match leftover
                .iter_mut()
                .find(|l| names_compatible(&l.name, import))
            {
                Some(shared) => {
                    if version_of(import) > version_of(&shared.name) {
                        shared.name = import.clone();
                    }
                    if !shared.importers.contains(&instance.component) {
                        shared.importers.push(instance.component.clone());
                    }
                }
                None => leftover.push(LeftoverImport {
                    name: import.clone(),
                    importers: vec![instance.component.clone()],
                }),
            }
        }
    }
    leftover
}

/// The names of a component's own imports (not those of nested components).
fn top_level_imports(bytes: &[u8]) -> Result<Vec<String>, wasmparser::BinaryReaderError> {
    use wasmparser::Payload;
    let mut names = Vec::new();
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    names.push(import?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(names)
}

/// Where component `name` is, and its bytes; a clear error when it is
/// missing.
pub(crate) fn read(app: &App, name: &str) -> Result<(PathBuf, Vec<u8>), ComposeError> {
    read_stamped(app, name).map(|(path, bytes, _)| (path, bytes))
}

/// [`read`], with the file's stamp as it was read (see [`crate::validated`]).
pub(crate) fn read_stamped(
    app: &App,
    name: &str,
) -> Result<(PathBuf, Vec<u8>, Option<FileStamp>), ComposeError> {
    let not_in_app = || ComposeError::NotInApp {
        component: name.to_owned(),
        manifest: app.path().to_owned(),
    };
    let path = app.component_wasm(name).ok_or_else(not_in_app)?;
    let entry = app.component(name).ok_or_else(not_in_app)?;
    match wcomp_core::fs::read_regular_stamped(&path) {
        Ok((bytes, stamp)) => Ok((path, bytes, stamp)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (span, label, help) = match &entry.wasm {
                Some(wasm) => (
                    wasm.span(),
                    "no such file",
                    "the `wasm` path is relative to app.toml".to_owned(),
                ),
                None => (
                    app.component_span(name),
                    "built from source",
                    "run `wcomp build` first".to_owned(),
                ),
            };
            Err(ComposeError::MissingWasm {
                component: name.to_owned(),
                path: wasm_path(app, name),
                src: app.source(),
                span: span.into(),
                label: label.to_owned(),
                help,
            })
        }
        Err(source) => Err(decode_error(app, name, DecodeError::Io { path, source })),
    }
}

/// App component `name`'s `bytes` as a wac-graph package, whose types go
/// into `graph`.
pub(crate) fn package(
    graph: &mut CompositionGraph,
    name: &str,
    bytes: Vec<u8>,
) -> Result<Package, ComposeError> {
    Package::from_bytes(&format!("app:{name}"), None, bytes, graph.types_mut()).map_err(|e| {
        ComposeError::Internal {
            message: format!("cannot read component `{name}`: {e:#}"),
        }
    })
}

/// Component `name`'s decoding or validation error, pointing at app.toml.
pub(crate) fn decode_error(app: &App, name: &str, source: DecodeError) -> ComposeError {
    let span = match &app.component(name).and_then(|e| e.wasm.as_ref()) {
        Some(wasm) => wasm.span(),
        None => app.component_span(name),
    };
    ComposeError::Decode {
        component: name.to_owned(),
        help: miette::Diagnostic::help(&source).map(|h| h.to_string()),
        source: Box::new(source),
        src: app.source(),
        span: span.into(),
    }
}

fn type_mismatch(
    app: &App,
    components: &Worlds<'_>,
    (importer, import): (&str, &str),
    (exporter, export): (&str, &str),
    plugged: bool,
    reason: String,
) -> ComposeError {
    let mut differences = match (components.get(importer), components.get(exporter)) {
        (Ok(imports), Ok(exports)) => {
            signature::differences((importer, imports), import, (exporter, exports), export)
        }
        _ => Vec::new(),
    };
    if differences.is_empty() {
        // Not visible in functions or named types: wac-graph's own words.
        differences.push(reason);
    }
    let plug_span = app
        .component(importer)
        .and_then(|entry| entry.plug.iter().find(|(key, _)| plug_matches(key, import)))
        .map(|(_, target)| target.span());
    let span = match plug_span {
        Some(span) if plugged => span,
        _ => app.component_span(importer),
    };
    ComposeError::TypeMismatch {
        importer: importer.to_owned(),
        exporter: exporter.to_owned(),
        interface: import.to_owned(),
        differences,
        src: app.source(),
        span: span.into(),
        exporter_span: app.component_span(exporter).into(),
    }
}

pub(crate) fn internal(error: impl std::fmt::Display) -> ComposeError {
    ComposeError::Internal {
        message: error.to_string(),
    }
}

/// Component `name`'s binary, relative to app.toml when it is inside the app.
fn wasm_path(app: &App, name: &str) -> PathBuf {
    let path = app.component_wasm(name).expect("a component of the app");
    path.strip_prefix(app.dir())
        .map(PathBuf::from)
        .unwrap_or(path)
}
