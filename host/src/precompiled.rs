//! Ahead-of-time compiled components (`wcomp compile`, `.cwasm` files):
//! Wasmtime's own artifact format, an ELF file of native code with a
//! header that records the Wasmtime version and the engine settings it was
//! compiled for.
//!
//! A host loads such a file only when that header matches its engine
//! exactly (Wasmtime's `check_compatible`): the version (see
//! [`MODULE_VERSION`]), the target, the CPU features Cranelift used, and
//! the settings that change the generated code (epoch checks for
//! timeouts, fuel, the component model's async ABI, memory layout). A
//! mismatch is refused before any of the file's code is mapped as code,
//! with [`RunError::Incompatible`].

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use wasmtime::component::Component;
use wasmtime::{Engine, Precompiled};
use wcomp_core::decode::{self, DecodeError};

use crate::cache::{FunctionReuse, Outcome};
use crate::error::{RunError, cause};
use crate::load::Compiled;
use crate::{Host, Loaded, display_name};

/// The version stamped into every artifact this host writes, compiled code
/// in its cache included: Wasmtime's, and wcomp-host's, so that an
/// artifact of another release of either is refused rather than trusted.
pub const MODULE_VERSION: &str = concat!(
    "wasmtime ",
    "48.0.8",
    ", wcomp-host ",
    env!("CARGO_PKG_VERSION")
);

/// The first bytes of every ELF file, Wasmtime's artifacts among them.
const ELF_MAGIC: &[u8; 4] = b"\x7fELF";

/// Whether the file at `path` is an ahead-of-time compiled artifact rather
/// than a component's bytes: it starts as an ELF file does. Reads only its
/// first bytes; a file that cannot be opened is the [`DecodeError`]
/// loading it would give.
pub fn is_precompiled(path: &Path) -> Result<bool, RunError> {
    let io = |source| DecodeError::Io {
        path: path.to_owned(),
        source,
    };
    let mut magic = [0u8; 4];
    let mut file = wcomp_core::fs::open_regular(path).map_err(io)?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == ELF_MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(io(e).into()),
    }
}

/// Whether `bytes` start as an ahead-of-time compiled artifact does.
pub(crate) fn looks_precompiled(bytes: &[u8]) -> bool {
    bytes.starts_with(ELF_MAGIC)
}

impl<T: Send + 'static> Host<T> {
    /// Compiles the component at `path` ahead of time for this host's
    /// engine (and its [target](crate::HostBuilder::target)), into the
    /// bytes of a `.cwasm` file that [`Host::load`] of a host built with
    /// the same settings loads without compiling. The compiled-code cache
    /// is neither read nor written.
    pub fn precompile(&self, path: &Path) -> Result<Vec<u8>, RunError> {
        let bytes = decode::read(path)?;
        decode::expect_component(path, &bytes)?;
        self.engine
            .precompile_component(&bytes)
            .map_err(|e| crate::load::compile_error(path, &display_name(path), &bytes, e))
    }

    /// Loads the artifact at `path` (see [`Host::load`]), mapping it from
    /// the file.
    pub(crate) fn load_precompiled(&self, path: &Path) -> Result<Loaded<T>, RunError> {
        let started = Instant::now();
        expect_component_artifact(path, Engine::detect_precompiled_file(path).ok().flatten())?;
        // SAFETY: Wasmtime runs the file's code as native code, trusting it
        // to be what its own compiler wrote. The file is one the user named
        // to run (never one found by searching), so it has the trust the
        // user gives a native program they run. Before mapping it,
        // Wasmtime checks its header: the Wasmtime and wcomp-host versions
        // and the engine settings must be this host's, so an artifact of
        // another release or configuration is refused, not misread; a file
        // that is not Wasmtime's fails to parse. The file is mapped
        // privately: wcomp does not change it while it is loaded.
        let component = unsafe { Component::deserialize_file(&self.engine, path) }
            .map_err(|e| incompatible(path, e))?;
        let mut loaded = self.link_compiled(path, precompiled(component))?;
        loaded.load_time = started.elapsed();
        Ok(loaded)
    }

    /// Loads an artifact's bytes already in memory (see
    /// [`Host::load_bytes`]); they are copied into memory of their own.
    pub(crate) fn load_precompiled_bytes(
        &self,
        path: &Path,
        bytes: &[u8],
    ) -> Result<Loaded<T>, RunError> {
        expect_component_artifact(path, Engine::detect_precompiled(bytes))?;
        // SAFETY: as in `load_precompiled`: bytes the embedder chose to
        // load, checked by Wasmtime's header check before use.
        let component = unsafe { Component::deserialize(&self.engine, bytes) }
            .map_err(|e| incompatible(path, e))?;
        self.link_compiled(path, precompiled(component))
    }
}

/// Refuses an ELF file that is not a Wasmtime artifact of a component (a
/// core module's, or no Wasmtime artifact at all).
fn expect_component_artifact(path: &Path, kind: Option<Precompiled>) -> Result<(), RunError> {
    match kind {
        Some(Precompiled::Component) => Ok(()),
        Some(Precompiled::Module) => Err(RunError::Incompatible {
            file: path.to_owned(),
            reason: "it holds a core module, not a component".to_owned(),
            help: RECOMPILE.to_owned(),
        }),
        None => Err(RunError::Incompatible {
            file: path.to_owned(),
            reason: "it is an ELF file, but not one Wasmtime wrote".to_owned(),
            help: RECOMPILE.to_owned(),
        }),
    }
}

/// The usual way out of an artifact that does not fit.
const RECOMPILE: &str =
    "recompile the component with `wcomp compile`, with the flags you run it with";

/// A component loaded from an artifact: nothing was compiled.
fn precompiled(component: Component) -> Compiled {
    Compiled {
        component,
        modules: Vec::new(),
        cache: Outcome::Hit,
        functions: FunctionReuse::default(),
        rejected: Vec::new(),
        recipe: None,
    }
}

/// Words Wasmtime's refusal of an artifact for a person: what differs,
/// and the flag that makes an artifact that fits.
fn incompatible(path: &Path, err: wasmtime::Error) -> RunError {
    let reason = root(&*cause(err));
    let help = if reason.contains("fuel") {
        "recompile it with `wcomp compile --fuel` to run it with `--fuel`, or run it without `--fuel`"
    } else if reason.contains("incompatible version") {
        "it was compiled by another release of wcomp or Wasmtime; recompile it with `wcomp compile`"
    } else if reason.contains("architecture") || reason.contains("operating system") {
        "it was compiled for another `--target`; recompile it with `wcomp compile` on this machine"
    } else {
        RECOMPILE
    };
    RunError::Incompatible {
        file: path.to_owned(),
        reason: lowercase_first(&reason),
        help: help.to_owned(),
    }
}

/// The innermost cause: Wasmtime's outer ones say only which file failed
/// to load, which the message says already.
fn root(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

/// Wasmtime's messages start with a capital; wcomp's do not.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    /// [`super::MODULE_VERSION`] names the Wasmtime release the workspace pins.
    #[test]
    fn module_version_names_the_pinned_wasmtime() {
        let manifest = include_str!("../../Cargo.toml");
        let version = super::MODULE_VERSION
            .split(',')
            .next()
            .and_then(|w| w.strip_prefix("wasmtime "))
            .expect("starts with the Wasmtime version");
        assert!(
            manifest.contains(&format!("wasmtime = {{ version = \"={version}\"")),
            "bump MODULE_VERSION with Wasmtime"
        );
    }
}
