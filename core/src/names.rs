//! Names of the items a component imports and exports, and the one rule for
//! when two versions of an interface are interchangeable.
//!
//! The rule is the one Wasmtime's linker and wac-graph apply: the same
//! package and interface, and versions on the same semver track (the same
//! major version; the same minor for `0.x`; the same patch for `0.0.x`);
//! a prerelease (`0.2.0-rc.1`, `0.2.0-draft`) matches only itself.

use std::fmt;

use semver::Version;

/// An interface name as WIT and the component model write it:
/// `namespace:package/interface@version`, the version optional.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceName {
    /// `wasi` in `wasi:cli/stdout@0.2.12`.
    pub namespace: String,
    /// `cli` in `wasi:cli/stdout@0.2.12`.
    pub package: String,
    /// `stdout` in `wasi:cli/stdout@0.2.12`.
    pub interface: String,
    /// `0.2.12` in `wasi:cli/stdout@0.2.12`; `None` when the name has no
    /// `@version`. Compared by [`InterfaceName::is_compatible_with`].
    pub version: Option<Version>,
}

impl InterfaceName {
    /// Parses `ns:pkg/iface` or `ns:pkg/iface@1.2.3`; `None` for anything
    /// else (a plain function or instance name such as `greet`).
    pub fn parse(name: &str) -> Option<InterfaceName> {
        let (path, version) = match name.split_once('@') {
            Some((path, version)) => (path, Some(Version::parse(version).ok()?)),
            None => (name, None),
        };
        let (package, interface) = path.split_once('/')?;
        let (namespace, package) = package.split_once(':')?;
        if [namespace, package, interface]
            .iter()
            .any(|part| part.is_empty() || part.contains([':', '/', '@']))
        {
            return None;
        }
        Some(InterfaceName {
            namespace: namespace.to_owned(),
            package: package.to_owned(),
            interface: interface.to_owned(),
            version,
        })
    }

    /// `ns:pkg`, without the version.
    pub fn package_name(&self) -> String {
        format!("{}:{}", self.namespace, self.package)
    }

    /// `ns:pkg/iface`, without the version.
    pub fn unversioned(&self) -> String {
        format!("{}:{}/{}", self.namespace, self.package, self.interface)
    }

    /// Whether the two name the same interface on the same semver track, so
    /// that an export of one can satisfy an import of the other.
    pub fn is_compatible_with(&self, other: &InterfaceName) -> bool {
        self.namespace == other.namespace
            && self.package == other.package
            && self.interface == other.interface
            && versions_compatible(self.version.as_ref(), other.version.as_ref())
    }

    /// Why `self` (an import) cannot be satisfied by `other` (an export of
    /// the same interface), in words; `None` when it can, or when they are
    /// different interfaces altogether.
    pub fn incompatibility(&self, other: &InterfaceName) -> Option<String> {
        if self.unversioned() != other.unversioned() || self.is_compatible_with(other) {
            return None;
        }
        let show = |v: Option<&Version>| v.map_or("no version".to_owned(), |v| format!("@{v}"));
        let (wanted, found) = (self.version.as_ref(), other.version.as_ref());
        Some(match (wanted, found) {
            (Some(w), Some(f)) if !w.pre.is_empty() || !f.pre.is_empty() => format!(
                "{} does not satisfy {}: prerelease versions match only exactly",
                show(found),
                show(wanted)
            ),
            (Some(w), Some(f)) => format!(
                "{} is not compatible with {}: {}",
                track(f),
                track(w),
                "versions match within the same major version (the same minor for 0.x)"
            ),
            _ => format!(
                "{} does not match {}: a versioned interface matches only a versioned one",
                show(found),
                show(wanted)
            ),
        })
    }
}

/// A version's semver track, for messages: `0.2`, `1`, `0.0.3`.
fn track(v: &Version) -> String {
    if v.major != 0 {
        v.major.to_string()
    } else if v.minor != 0 {
        format!("0.{}", v.minor)
    } else {
        v.to_string()
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.unversioned())?;
        if let Some(version) = &self.version {
            write!(f, "@{version}")?;
        }
        Ok(())
    }
}

/// Whether two versions are on the same semver track (see the module docs).
pub fn versions_compatible(a: Option<&Version>, b: Option<&Version>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) if a == b => true,
        (Some(a), Some(b)) => {
            a.pre.is_empty()
                && b.pre.is_empty()
                && a.major == b.major
                && (a.major != 0 || (a.minor == b.minor && a.minor != 0))
        }
        _ => false,
    }
}

/// Whether two item names (interfaces, or plain function and instance
/// names) denote interchangeable items: plain names must be equal,
/// interfaces compatible.
pub fn names_compatible(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    // Different interfaces (or plain names) never match: decided without
    // parsing, as most pairs a composition compares are.
    if without_version(a) != without_version(b) {
        return false;
    }
    match (InterfaceName::parse(a), InterfaceName::parse(b)) {
        (Some(a), Some(b)) => a.is_compatible_with(&b),
        _ => false,
    }
}

/// `name` up to its `@version`, if it has one.
fn without_version(name: &str) -> &str {
    name.split_once('@').map_or(name, |(path, _)| path)
}

/// Exports that guest toolchains add for their own use: componentize-py's
/// `exports` instance and componentize-qjs's `init` function. They are never
/// part of a world, never wired to an import, never exported from a
/// composition and never offered to `--invoke`.
pub const TOOLCHAIN_EXPORTS: &[&str] = &["exports", "init"];

/// Whether an export (an instance or function name, or `instance#function`)
/// is one a toolchain added for its own use.
pub fn is_toolchain_export(name: &str) -> bool {
    let top = name.split_once('#').map_or(name, |(instance, _)| instance);
    let top = top.strip_prefix("func ").unwrap_or(top);
    TOOLCHAIN_EXPORTS.contains(&top)
}

/// Whether a name written in a manifest or a test (`demo:text/transform`)
/// names `import`: exactly, or without its version. Plugs and mocks match
/// imports this way.
pub fn plug_matches(key: &str, import: &str) -> bool {
    key == import || import.split_once('@').is_some_and(|(base, _)| base == key)
}

/// Levenshtein distance between two short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate a small edit away from `word` (a typo), for "did you
/// mean" hints; `None` when nothing is close.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d > 0 && *d <= 2.max(word.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The hint for `word`, which names none of `candidates`: "did you mean
/// `X`?" for the one a typo away ([`nearest`]), else `otherwise()`
/// (usually the candidates, listed).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    otherwise: impl FnOnce() -> String,
) -> String {
    match nearest(word, candidates) {
        Some(near) => format!("did you mean `{near}`?"),
        None => otherwise(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_names_a_typo_or_lists_the_candidates() {
        let list = || "they are `greet`, `stats`".to_owned();
        assert_eq!(
            did_you_mean("gret", ["greet", "stats"], list),
            "did you mean `greet`?"
        );
        assert_eq!(
            did_you_mean("route", ["greet", "stats"], list),
            "they are `greet`, `stats`"
        );
    }

    fn name(s: &str) -> InterfaceName {
        InterfaceName::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn parses_and_prints() {
        let n = name("wasi:cli/stdout@0.2.12");
        assert_eq!(n.namespace, "wasi");
        assert_eq!(n.package, "cli");
        assert_eq!(n.interface, "stdout");
        assert_eq!(n.to_string(), "wasi:cli/stdout@0.2.12");
        assert_eq!(n.unversioned(), "wasi:cli/stdout");
        assert_eq!(n.package_name(), "wasi:cli");
        assert_eq!(name("demo:a/b").to_string(), "demo:a/b");
        for bad in ["greet", "a/b", "a:b", "a:b/c@x", ":b/c", "a:/c", "a:b/"] {
            assert!(InterfaceName::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_version_rule() {
        let ok = [
            ("wasi:cli/run@0.2.12", "wasi:cli/run@0.2.0"),
            ("wasi:cli/run@1.2.0", "wasi:cli/run@1.0.5"),
            ("demo:a/b", "demo:a/b"),
            (
                "wasi:cli/run@0.3.0-rc-2025-09-16",
                "wasi:cli/run@0.3.0-rc-2025-09-16",
            ),
            ("x:y/z@0.0.3", "x:y/z@0.0.3"),
        ];
        for (a, b) in ok {
            assert!(names_compatible(a, b), "{a} ~ {b}");
            assert!(names_compatible(b, a), "{b} ~ {a}");
        }
        let not = [
            ("wasi:cli/run@0.3.0", "wasi:cli/run@0.2.0"),
            ("wasi:cli/run@0.3.0", "wasi:cli/run@0.3.0-rc-2025-09-16"),
            (
                "wasi:config/store@0.2.0-draft",
                "wasi:config/store@0.2.0-rc.1",
            ),
            ("x:y/z@1.0.0", "x:y/z@2.0.0"),
            ("x:y/z@0.0.3", "x:y/z@0.0.4"),
            ("demo:a/b", "demo:a/c"),
            ("demo:a/b", "demo:a/b@0.1.0"),
            ("greet", "greeter"),
        ];
        for (a, b) in not {
            assert!(!names_compatible(a, b), "{a} !~ {b}");
        }
        assert!(names_compatible("func greet", "func greet"));
    }

    #[test]
    fn explains_incompatibility() {
        let why = name("wasi:config/store@0.2.0-rc.1")
            .incompatibility(&name("wasi:config/store@0.2.0-draft"))
            .unwrap();
        assert_eq!(
            why,
            "@0.2.0-draft does not satisfy @0.2.0-rc.1: prerelease versions match only exactly"
        );
        let why = name("docs:adder/add@0.1.0")
            .incompatibility(&name("docs:adder/add@0.2.0"))
            .unwrap();
        assert!(why.starts_with("0.2 is not compatible with 0.1"), "{why}");
        assert!(
            name("a:b/c@0.1.0")
                .incompatibility(&name("a:b/c@0.1.9"))
                .is_none()
        );
        assert!(name("a:b/c").incompatibility(&name("a:b/d")).is_none());
    }

    #[test]
    fn toolchain_exports() {
        for internal in ["exports", "init", "func init", "exports#call-indirect"] {
            assert!(is_toolchain_export(internal), "{internal}");
        }
        for real in ["greet", "demo:a/b#init", "initialize"] {
            assert!(!is_toolchain_export(real), "{real}");
        }
    }
}
