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
    /// Go, built by `go build` for `wasip1` with wit-bindgen-go bindings.
    Go,
}

impl Lang {
    /// Every language, in the order wcomp lists them.
    pub const ALL: [Lang; 6] = [
        Lang::Rust,
        Lang::Python,
        Lang::Js,
        Lang::C,
        Lang::Cpp,
        Lang::Go,
    ];

    /// The name used on the command line and in app.toml.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Js => "js",
            Lang::C => "c",
            Lang::Cpp => "cpp",
            Lang::Go => "go",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every language's name, quoted, in [`Lang::ALL`]'s order, the last
/// joined by `last` (`and`, `or`): "`rust`, `python`, ... and `cpp`".
fn listed(last: &str) -> String {
    wcomp_core::fmt::prose_list(Lang::ALL.map(|lang| format!("`{lang}`")), last)
}

/// A language name wcomp does not know.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown language `{0}`")]
#[non_exhaustive]
pub struct UnknownLang(pub String);

impl miette::Diagnostic for UnknownLang {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("wcomp::unknown_lang"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "the known languages are {}",
            listed("and")
        )))
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rust" => Ok(Lang::Rust),
            "python" | "py" => Ok(Lang::Python),
            "js" | "javascript" => Ok(Lang::Js),
            "c" => Ok(Lang::C),
            "cpp" | "c++" | "cxx" => Ok(Lang::Cpp),
            "go" | "golang" => Ok(Lang::Go),
            other => Err(UnknownLang(other.to_owned())),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: UnknownLang| {
            serde::de::Error::custom(format!("{e}; expected {}", listed("or")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::listed;

    #[test]
    fn every_language_is_listed() {
        assert_eq!(listed("or"), "`rust`, `python`, `js`, `c`, `cpp` or `go`");
    }
}
