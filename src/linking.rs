//! An app run as its components, each loaded on its own and linked by the
//! host (see [`wcomp_host::linked`]) rather than as one composed
//! component: `wcomp dev` does it so that an edit recompiles only the
//! component that changed, and `--trace` so that every call between
//! components crosses the host, which records it.

use std::path::{Path, PathBuf};

use wcomp_compose::{App, Memo, Source};
use wcomp_host::linked::{Part, Wire};
use wcomp_host::{Host, Loaded};

/// Why a composition cannot be run linked for a trace.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LinkError {
    /// The composition is older than one of its app's components.
    #[error("`{}` is older than the build of its component `{component}`", output.display())]
    #[diagnostic(
        code(wcomp::trace::stale),
        help(
            "run `wcomp compose` (or `wcomp build && wcomp compose`) first, so the trace shows what the file runs"
        )
    )]
    Stale {
        /// The composed component.
        output: PathBuf,
        /// The component built after it.
        component: String,
    },
    /// Its app could not be planned, or its parts linked.
    #[error("`{}` cannot be traced: {why}", output.display())]
    #[diagnostic(
        code(wcomp::trace::not_linkable),
        help(
            "tracing links the app's components in the host, which forwards calls as values: streams, futures and a guest's own resources cannot cross it"
        )
    )]
    NotLinkable {
        /// The composed component.
        output: PathBuf,
        /// Why, in words.
        why: String,
    },
}

/// The composition `file` loaded as its components, linked: from its app's
/// plan when `file` is an app's output (each component with the deny
/// components that withhold its capabilities, as `wcomp compose` wired
/// them), else taken apart as it is (see [`wcomp_host::decompose`]).
pub(crate) fn load_traced(host: &Host, file: &Path) -> miette::Result<Loaded> {
    // An artifact's code cannot be taken apart: tracing needs its `.wasm`.
    if wcomp_host::precompiled::is_precompiled(file)? {
        let refused = wcomp_core::DecodeError::Precompiled {
            path: file.to_owned(),
        };
        return Err(wcomp_host::RunError::from(refused).into());
    }
    let Some(app) = app_of(file) else {
        return Ok(host.load_decomposed(file)?);
    };
    let not_linkable = |why: String| LinkError::NotLinkable {
        output: file.to_owned(),
        why,
    };
    let mut memo = Memo::default();
    let plan = wcomp_compose::plan_with(&app, &mut memo)?;
    check_fresh(&app, &plan, file)?;
    Ok(load_linked(&app, &plan, file, host, &mut memo).map_err(not_linkable)?)
}

/// The app whose output `file` is: the app.toml beside it, when its
/// output is `file`.
fn app_of(file: &Path) -> Option<App> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let manifest = dir.join("app.toml");
    if !manifest.is_file() {
        return None;
    }
    let app = App::load(&manifest).ok()?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    same(&app.output(), file).then_some(app)
}

/// Fails when a component of the plan was built after `file` was composed:
/// the trace would show code the file does not run.
fn check_fresh(app: &App, plan: &wcomp_compose::Plan, file: &Path) -> Result<(), LinkError> {
    let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
    let Some(composed) = modified(file) else {
        return Ok(());
    };
    let built = plan.instances().iter().filter(|i| i.denies.is_none());
    for instance in built {
        if modified(&app.dir().join(&instance.wasm)).is_some_and(|built| built > composed) {
            return Err(LinkError::Stale {
                output: file.to_owned(),
                component: instance.component.clone(),
            });
        }
    }
    Ok(())
}

/// The app's components loaded one by one and linked by the host, as the
/// plan wires them: after an edit, only the changed component compiles
/// (see [`wcomp_host::linked`]). Fails, with the reason, when the wiring
/// passes what the host cannot forward; the caller then runs the composed
/// component.
pub(crate) fn load_linked(
    app: &App,
    plan: &wcomp_compose::Plan,
    output: &Path,
    host: &Host,
    memo: &mut Memo,
) -> Result<Loaded, String> {
    let parts = plan.parts(app, memo).map_err(|e| e.to_string())?;
    let paths: Vec<PathBuf> = parts.iter().map(|p| app.dir().join(&p.wasm)).collect();
    let index = |component: &str| parts.iter().position(|p| p.component == component);
    let linked: Vec<Part<'_>> = parts
        .iter()
        .zip(&paths)
        .map(|(part, path)| {
            let wires = part
                .arguments
                .iter()
                .filter_map(|argument| match &argument.from {
                    Source::Instance {
                        component, export, ..
                    } => index(component)
                        .map(|provider| Wire::new(&argument.import, provider, export)),
                    // Imports left to the host, and any source a later
                    // wcomp-compose adds, are not wired between parts.
                    _ => None,
                })
                .collect();
            Part::new(&part.component, path, &part.bytes, wires)
        })
        .collect();
    host.load_linked(&wcomp_host::display_name(output), &linked)
        .map_err(|e| e.to_string())
}
