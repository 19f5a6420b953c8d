//! What can go wrong while wiring and encoding an app, worded for the person
//! who wrote its `app.toml`.

use std::path::PathBuf;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

use wcomp_core::DecodeError;

/// Why an app's components could not be composed.
///
/// Every variant that is about a manifest entry carries the manifest text and
/// a span into it; types are printed in WIT syntax.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ComposeError {
    /// A plan was used with an app that lacks one of its components: it
    /// was made from another app.toml.
    #[error("the plan names component `{component}`, which the app at `{}` does not have", manifest.display())]
    #[diagnostic(
        code(wcomp::compose::not_in_app),
        help("use a plan with the app it was made from")
    )]
    NotInApp {
        /// The component the plan names and the app lacks.
        component: String,
        /// The app's manifest.
        manifest: PathBuf,
    },

    /// A component's binary does not exist (not built yet, or a wrong `wasm` path).
    #[error("component `{component}` has no wasm file at `{}`", path.display())]
    #[diagnostic(code(wcomp::compose::missing_wasm))]
    MissingWasm {
        /// The component, by its name in app.toml.
        component: String,
        /// The expected file, relative to the app's directory when possible.
        path: PathBuf,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The component's `wasm` entry, or its name in its `[components.NAME]`
        /// header when it is built from source.
        #[label("{label}")]
        span: SourceSpan,
        /// What the span shows: `no such file`, or `built from source`.
        label: String,
        /// The next step: check the `wasm` path, or run `wcomp build`.
        #[help]
        help: String,
    },

    /// A component's binary is not a valid component.
    #[error("cannot use component `{component}`")]
    #[diagnostic(code(wcomp::compose::decode))]
    Decode {
        /// The component, by its name in app.toml.
        component: String,
        /// Why its binary could not be read as a component.
        #[source]
        source: Box<DecodeError>,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The component's `wasm` entry, or its name in its `[components.NAME]`
        /// header.
        #[label("this component")]
        span: SourceSpan,
        /// The decode error's own help, repeated here so that it is shown with
        /// the manifest excerpt.
        #[help]
        help: Option<String>,
    },

    /// Several components export what an import needs, and no `plug` chooses.
    #[error(
        "`{component}` imports `{interface}`, which several components export: {}",
        quoted(candidates)
    )]
    #[diagnostic(code(wcomp::compose::ambiguous))]
    Ambiguous {
        /// The importing component, by its name in app.toml.
        component: String,
        /// The import, as the importer names it.
        interface: String,
        /// The components that export it, by name, sorted.
        candidates: Vec<String>,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The importer's name in its `[components.NAME]` header.
        #[label("imports `{interface}`")]
        span: SourceSpan,
        /// How to choose one: the `plug` entry to add.
        #[help]
        help: String,
    },

    /// Components import from each other in a cycle.
    #[error("components import each other in a cycle: {}", cycle.join(" -> "))]
    #[diagnostic(
        code(wcomp::compose::cycle),
        help(
            "a component cannot be instantiated before the components it imports from; break the cycle, or choose another exporter with `[components.NAME.plug]`"
        )
    )]
    Cycle {
        /// The components of the cycle; the first is repeated at the end.
        cycle: Vec<String>,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The name of the cycle's first component in its `[components.NAME]`
        /// header.
        #[label("the cycle starts here")]
        span: SourceSpan,
    },

    /// A `plug` entry names a component that does not export the interface.
    #[error("`{component}` plugs `{interface}` with `{target}`, but `{target}` does not export it")]
    #[diagnostic(code(wcomp::compose::plug_unknown_interface))]
    PlugNotExported {
        /// The component with the `plug` entry, by its name in app.toml.
        component: String,
        /// The plugged interface, as the entry's key names it.
        interface: String,
        /// The component the entry plugs it with.
        target: String,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The entry's value, the target's name.
        #[label("does not export `{interface}`")]
        span: SourceSpan,
        /// What the target does export, to choose from.
        #[help]
        help: String,
    },

    /// A `plug` entry names an interface its component does not import.
    #[error("`{component}` plugs `{interface}`, but does not import it")]
    #[diagnostic(code(wcomp::compose::plug_not_imported))]
    PlugNotImported {
        /// The component with the `plug` entry, by its name in app.toml.
        component: String,
        /// The plugged interface, as the entry's key names it.
        interface: String,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The entry's value, the component's name.
        #[label("plugged here")]
        span: SourceSpan,
        /// What the component does import, or that it imports nothing to plug.
        #[help]
        help: String,
    },

    /// An export has a different type than the import it is plugged into.
    #[error("`{exporter}` exports `{interface}` with a different type than `{importer}` imports")]
    #[diagnostic(code(wcomp::compose::type_mismatch), help("{}", differences.join("\n")))]
    TypeMismatch {
        /// The importing component, by its name in app.toml.
        importer: String,
        /// The exporting component, by its name in app.toml.
        exporter: String,
        /// The interface, as the importer names it.
        interface: String,
        /// What differs, one entry per function or type, in WIT syntax.
        differences: Vec<String>,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The `plug` entry that chose the exporter, or else the importer's
        /// name in its `[components.NAME]` header.
        #[label("imports `{interface}`")]
        span: SourceSpan,
        /// The exporter's name in its `[components.NAME]` header.
        #[label("exports a different `{interface}`")]
        exporter_span: SourceSpan,
    },

    /// An import no component exports and no host is known to provide.
    #[error(
        "`{component}` imports `{interface}`, which no component of the app exports and the host does not provide"
    )]
    #[diagnostic(code(wcomp::compose::unsatisfied))]
    Unsatisfied {
        /// The importing component, by its name in app.toml.
        component: String,
        /// The import, as the importer names it.
        interface: String,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The importer's name in its `[components.NAME]` header.
        #[label("imports `{interface}`")]
        span: SourceSpan,
        /// Exports of other components that come close, the WASI versions the
        /// host provides, and how to declare a host import in
        /// `[app] host-imports`.
        #[help]
        help: String,
    },

    /// A deny component could not be made for an import a component lacks
    /// the capability for.
    #[error("cannot withhold `{interface}` from `{component}`")]
    #[diagnostic(
        code(wcomp::compose::deny),
        help(
            "grant the capability that governs it in the component's `capabilities`, or report this interface to wcomp"
        )
    )]
    Deny {
        /// The component that lacks the capability, by its name in app.toml.
        component: String,
        /// The import to withhold, as the component names it.
        interface: String,
        /// Why no deny component could be made for it.
        #[source]
        source: crate::capabilities::DenyError,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The component's name in its `[components.NAME]` header.
        #[label("lacks the capability")]
        span: SourceSpan,
    },

    /// Components import the same host interface with types that do not merge.
    #[error(
        "{} import `{interface}` with types that cannot be merged into one import: {reason}",
        quoted(importers)
    )]
    #[diagnostic(
        code(wcomp::compose::import_conflict),
        help(
            "imports nobody exports stay imports of the composition, once each; rebuild the components against the same version of `{interface}`"
        )
    )]
    ImportConflict {
        /// The interface, by the name the composition would import it as.
        interface: String,
        /// The components that import it, by name.
        importers: Vec<String>,
        /// wac-graph's account of the types that differ.
        reason: String,
    },

    /// wac-graph rejected the composition for a reason wcomp did not foresee.
    #[error("cannot compose the app: {message}")]
    #[diagnostic(
        code(wcomp::compose::internal),
        help("this is likely a bug in wcomp; please report it with the app's components")
    )]
    Internal {
        /// wac-graph's or the validator's message.
        message: String,
    },
}

/// Something worth telling the user that does not stop composition; see
/// [`Plan::warnings`](crate::Plan::warnings).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ComposeWarning {
    /// A component of the app that the composition does not instantiate.
    #[error("component `{component}` is not used: {why}")]
    #[diagnostic(
        code(wcomp::compose::unused),
        severity(Warning),
        help("remove it from app.toml, or wire it with `[components.NAME.plug]`")
    )]
    Unused {
        /// The component, by its name in app.toml.
        component: String,
        /// What it exports, and the imports it came close to serving.
        why: String,
        /// The app's manifest text, which the labels point into.
        #[source_code]
        src: Arc<NamedSource<String>>,
        /// The component's name in its `[components.NAME]` header.
        #[label("never instantiated")]
        span: SourceSpan,
    },
}

/// Names in backticks, joined with commas; a long list shows its first
/// few and how many more there are.
pub(crate) fn quoted(names: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut list: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        list.push(format!("and {} more", names.len() - SHOWN));
    }
    list.join(", ")
}
