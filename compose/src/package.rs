//! Published packages an app depends on by name: `ns:name@requirement`, the
//! way wkg (wasm-pkg-tools) names a component or a WIT package, with a
//! version requirement read by Cargo's rules (`0.1` is any 0.1.x).
//!
//! Only the names live here; finding them in a registry is the CLI's.

use std::fmt;
use std::str::FromStr;

use semver::VersionReq;

/// A package name, `namespace:name`: two kebab-case labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName {
    namespace: String,
    name: String,
}

impl PackageName {
    /// The namespace (`docs` in `docs:adder`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The name within the namespace (`adder` in `docs:adder`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)
    }
}

/// Whether `label` is a package label: lowercase words of letters and
/// digits, each starting with a letter, joined by single dashes (wkg's
/// `Label`).
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

impl FromStr for PackageName {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((namespace, name)) = text.split_once(':') else {
            return Err("a package name is `namespace:name`".into());
        };
        for (what, label) in [("namespace", namespace), ("name", name)] {
            if !is_label(label) {
                return Err(format!("the {what} `{label}` is not kebab-case"));
            }
        }
        Ok(PackageName {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// A dependency on a published package: its name and the versions that
/// satisfy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    name: PackageName,
    requirement: VersionReq,
}

impl PackageSpec {
    /// A dependency on `name`, any version `requirement` accepts.
    pub fn new(name: PackageName, requirement: VersionReq) -> Self {
        PackageSpec { name, requirement }
    }

    /// The package's name.
    pub fn name(&self) -> &PackageName {
        &self.name
    }

    /// The versions that satisfy it (`*` when none was written).
    pub fn requirement(&self) -> &VersionReq {
        &self.requirement
    }
}

impl fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.requirement)
    }
}

impl FromStr for PackageSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, requirement) = match text.split_once('@') {
            Some((name, req)) => {
                let req = VersionReq::parse(req.trim())
                    .map_err(|e| format!("`{req}` is not a version requirement ({e})"))?;
                (name, req)
            }
            None => (text, VersionReq::STAR),
        };
        Ok(PackageSpec {
            name: name.parse()?,
            requirement,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_follow_cargo() {
        let spec: PackageSpec = "docs:adder@0.1".parse().unwrap();
        assert_eq!(spec.name().to_string(), "docs:adder");
        let matches = |v: &str| spec.requirement().matches(&v.parse().unwrap());
        assert!(matches("0.1.0") && matches("0.1.9"));
        assert!(!matches("0.2.0") && !matches("0.1.0-rc.1"));
        let exact: PackageSpec = "my-ns:my-pkg@=1.2.3".parse().unwrap();
        assert_eq!(exact.to_string(), "my-ns:my-pkg@=1.2.3");
        let any: PackageSpec = "docs:adder".parse().unwrap();
        assert!(any.requirement().matches(&"7.0.0".parse().unwrap()));
    }

    #[test]
    fn bad_names_and_requirements_say_why() {
        let err = |text: &str| text.parse::<PackageSpec>().unwrap_err();
        assert_eq!(err("adder@0.1"), "a package name is `namespace:name`");
        assert_eq!(
            err("Docs:adder@0.1"),
            "the namespace `Docs` is not kebab-case"
        );
        assert_eq!(err("docs:add_er"), "the name `add_er` is not kebab-case");
        assert!(err("docs:adder@zero").starts_with("`zero` is not a version requirement"));
    }
}
