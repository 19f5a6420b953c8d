//! An app run as its components, each loaded on its own and linked by the
//! host (see [`wcomp_host::linked`]) rather than as one composed
//! component: `wcomp dev` does it so that an edit recompiles only the
//! component that changed. (`--trace` takes the composed file itself apart:
//! [`wcomp_host::decompose`].)

use std::path::{Path, PathBuf};

use wcomp_compose::{App, Memo, Source};
use wcomp_host::linked::{Part, Wire};
use wcomp_host::{Host, Loaded};

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
