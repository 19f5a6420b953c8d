//! The guest languages wcomp builds.

use std::fmt;
use std::str::FromStr;

/// A guest language: how a component's sources are turned into a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Rust, built by cargo for `wasm32-wasip2` with wit-bindgen.
    Rust,
    /// Python, built by componentize-py.
    Python,
    /// JavaScript, built by componentize-js or componentize-qjs.
    Js,
    /// C, compiled by `zig cc` for `wasm32-wasi` with wit-bindgen-c bindings.
    C,
    /// C++, compiled by `zig c++` for `wasm32-wasi` with wit-bindgen-c bindings.
    Cpp,
}

impl Lang {
    /// Every language, in the order wcomp lists them.
    pub const ALL: [Lang; 5] = [Lang::Rust, Lang::Python, Lang::Js, Lang::C, Lang::Cpp];

    /// The name used on the command line and in app.toml.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
            Lang::C => "c",
            Lang::Cpp => "cpp",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A language name wcomp does not know.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("unknown language `{0}`")]
#[diagnostic(
    code(wcomp::unknown_lang),
    help("the known languages are `rust`, `python`, `js`, `c` and `cpp`")
)]
#[non_exhaustive]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rust" => Ok(Lang::Rust),
            "python" | "py" => Ok(Lang::Python),
            "js" | "javascript" => Ok(Lang::Js),
            "c" => Ok(Lang::C),
            "cpp" | "c++" | "cxx" => Ok(Lang::Cpp),
            other => Err(UnknownLang(other.to_owned())),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: UnknownLang| {
            serde::de::Error::custom(format!(
                "{e}; {}",
                "expected `rust`, `python`, `js`, `c` or `cpp`"
            ))
        })
    }
}
