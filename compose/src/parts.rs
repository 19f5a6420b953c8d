//! An app's components one by one, for a host that links them itself
//! (`wcomp dev`): each component of the app with the deny components that
//! withhold its capabilities, composed on their own, and the imports the
//! other components satisfy.
//!
//! A part changes only when its component does, so a host that caches
//! compiled code by the part's bytes recompiles only what an edit touched;
//! a [`Memo`](crate::Memo) kept across calls composes only those parts too.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use wac_graph::{CompositionGraph, NodeId};

use crate::memo::{Memo, Withheld};
use crate::plan::{encode_options, internal, package, read, wireable_exports};
use crate::{App, Argument, ComposeError, Plan, Source};

/// One component of the app as a host links it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Part {
    /// The component's name in app.toml.
    pub component: String,
    /// Its binary, relative to app.toml.
    pub wasm: PathBuf,
    /// The component, composed with its deny components when it has any.
    pub bytes: Vec<u8>,
    /// Its imports that another part or the host satisfies, in the order
    /// it declares them; those its deny components satisfy are inside.
    pub arguments: Vec<Argument>,
}

impl Plan {
    /// The plan's components as parts, each after the parts it imports
    /// from; `main` is last. The same inputs give the same bytes; `memo`
    /// gives the components' bytes [`plan_with`](crate::plan_with) read,
    /// and back those of a part composed from the same inputs before.
    pub fn parts(&self, app: &App, memo: &mut Memo) -> Result<Vec<Part>, ComposeError> {
        let denier = |component: &str| {
            self.instances
                .iter()
                .any(|i| i.component == component && i.denies.is_some())
        };
        self.instances
            .iter()
            .filter(|instance| instance.denies.is_none())
            .map(|instance| {
                let (withheld, arguments): (Vec<&Argument>, Vec<&Argument>) =
                    instance.arguments.iter().partition(|argument| {
                        matches!(&argument.from, Source::Instance { component, .. } if denier(component))
                    });
                // The bytes the plan was made from, when it was made with `memo`.
                let component = match memo.bytes(&instance.component) {
                    Some(bytes) => bytes.to_vec(),
                    None => read(app, &instance.component)?.1,
                };
                let bytes = if withheld.is_empty() {
                    component
                } else {
                    self.with_denies_cached(memo, &instance.component, component, &withheld)?
                };
                Ok(Part {
                    component: instance.component.clone(),
                    wasm: instance.wasm.clone(),
                    bytes,
                    arguments: arguments.into_iter().cloned().collect(),
                })
            })
            .collect()
    }

    /// [`Plan::with_denies`], or its result from `memo` when `component`
    /// and the deny components are the same as then.
    fn with_denies_cached(
        &self,
        memo: &mut Memo,
        name: &str,
        component: Vec<u8>,
        withheld: &[&Argument],
    ) -> Result<Vec<u8>, ComposeError> {
        let withheld: Withheld = withheld
            .iter()
            .map(|argument| {
                let deny = match &argument.from {
                    Source::Instance { component, .. } => self
                        .generated_components()
                        .find(|(name, _)| name == component)
                        .map(|(_, bytes)| bytes.to_vec()),
                    Source::Import { .. } => None,
                };
                ((*argument).clone(), deny.unwrap_or_default())
            })
            .collect();
        if let Some(bytes) = memo.composed(name, &component, &withheld) {
            return Ok(bytes);
        }
        let arguments: Vec<&Argument> = withheld.iter().map(|(argument, _)| argument).collect();
        let bytes = self.with_denies(name, component.clone(), &arguments)?;
        memo.remember_composed(name, component, withheld, &bytes);
        Ok(bytes)
    }

    /// `component` (its `bytes`) instantiated with the deny components of
    /// `withheld`, exporting what it exports; its other imports stay
    /// imports.
    fn with_denies(
        &self,
        component: &str,
        bytes: Vec<u8>,
        withheld: &[&Argument],
    ) -> Result<Vec<u8>, ComposeError> {
        let mut graph = CompositionGraph::new();
        let mut denies: BTreeMap<&str, NodeId> = BTreeMap::new();
        for argument in withheld {
            let Source::Instance {
                component: deny, ..
            } = &argument.from
            else {
                continue;
            };
            if denies.contains_key(deny.as_str()) {
                continue;
            }
            let package = self.deny_package(&mut graph, deny)?;
            let package = graph.register_package(package).map_err(internal)?;
            denies.insert(deny, graph.instantiate(package));
        }
        let package = package(&mut graph, component, bytes)?;
        let exports = wireable_exports(&graph, &package);
        let package = graph.register_package(package).map_err(internal)?;
        let node = graph.instantiate(package);
        for argument in withheld {
            let Source::Instance {
                component: deny,
                export,
                ..
            } = &argument.from
            else {
                continue;
            };
            let alias = graph
                .alias_instance_export(denies[deny.as_str()], export)
                .map_err(internal)?;
            graph
                .set_instantiation_argument(node, &argument.import, alias)
                .map_err(internal)?;
        }
        for (name, _) in exports {
            let alias = graph.alias_instance_export(node, &name).map_err(internal)?;
            graph.export(alias, name).map_err(internal)?;
        }
        graph.encode(encode_options()).map_err(internal)
    }
}
