//! C and C++ guests: one source file over the wit-bindgen-c bindings,
//! compiled by zig (PyPI's `ziglang`) and made a component in-process. The
//! two languages share this folder and the one zig install.

pub mod bindings;
pub mod build;
pub mod scaffold;
pub mod toolchain;

use std::path::PathBuf;

use wcomp_compose::Lang;

use super::Language;
use crate::build::{ComponentError, Job};
use crate::scaffold::{Context, File, NewError};
use crate::toolchain::{Home, Installed, Report, ToolchainError};

/// The versions the C and C++ driver pins. Changing `ZIGLANG` makes `wcomp
/// setup` reinstall.
pub mod pins {
    /// zig, the C and C++ compiler, from PyPI's `ziglang` (also what
    /// `zig version` reports).
    pub const ZIGLANG: &str = "0.17.0";
    /// wit-bindgen-c, the C/C++ bindings generator (a crate dependency of
    /// wcomp, so built in; matches
    /// [`WIT_BINDGEN`](crate::lang::rust::pins::WIT_BINDGEN)).
    pub const WIT_BINDGEN_C: &str = "0.61.1";
    /// The wasip1-to-wasip2 adapter C/C++ modules are componentized with,
    /// from the `wasi-preview1-component-adapter-provider` crate (built in;
    /// matches the host's Wasmtime).
    pub const PREVIEW1_ADAPTER: &str = "48.0.8";
}

/// The driver of C or of C++ (`lang`).
pub struct CFamily {
    lang: Lang,
    title: &'static str,
}

/// The C driver.
pub static C: CFamily = CFamily {
    lang: Lang::C,
    title: "C",
};

/// The C++ driver.
pub static CPP: CFamily = CFamily {
    lang: Lang::Cpp,
    title: "C++",
};

impl Language for CFamily {
    fn title(&self) -> &'static str {
        self.title
    }

    fn files(&self, cx: &Context<'_>) -> Result<Vec<File>, NewError> {
        Ok(scaffold::files(cx, self.lang)?)
    }

    fn toolchain_id(&self, job: &Job<'_>) -> String {
        format!(
            "zig {} wit-bindgen-c {} preview1-adapter {} cflags {:?} ldflags {:?}",
            pins::ZIGLANG,
            pins::WIT_BINDGEN_C,
            pins::PREVIEW1_ADAPTER,
            job.entry.cflags(),
            job.entry.ldflags()
        )
    }

    fn build(&self, job: &Job<'_>) -> Result<PathBuf, ComponentError> {
        build::build(job)
    }

    fn check(&self, home: &Home) -> Report {
        toolchain::check(home, self.lang)
    }

    fn is_installed(&self, home: &Home) -> bool {
        toolchain::is_installed(home)
    }

    fn install(&self, home: &Home, force: bool) -> Result<Installed, ToolchainError> {
        toolchain::install(home, self.lang, force)
    }

    // No starters: there is no engine inside, and `setup` builds their libc
    // once already.
}
