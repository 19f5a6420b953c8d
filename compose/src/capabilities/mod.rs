//! Capabilities: what of the host's grants a component may use, enforced
//! inside the composed binary.
//!
//! A component lacking a capability gets a *deny component* plugged into
//! each WASI import that capability governs (DESIGN.md, composition rule 7).
//! A deny component exports the interface exactly as the importer sees it
//! (same name, version and functions) and answers every call with "nothing
//! here": no preopened directories, no environment variables,
//! `access-denied` for sockets, an error for outgoing HTTP. It never traps on
//! a call a well-behaved program makes, so language runtimes that read their
//! environment or preopens at start-up start normally. The composition stays
//! a standard component, so the policy holds under any host.
//!
//! [`RULES`] is the one table of what each capability governs; [`deny_import`]
//! is what the planner calls for an import it is about to leave to the host.
//! [`Wiring`] reads back, from a composed binary, which instance is given
//! which governed import, to check the policy a composition records.

mod generate;
mod module;
mod wiring;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

pub use generate::{DenyError, deny_component};
pub use wiring::{Disagreement, Grant, GrantSource, WiredInstance, Wiring};

/// Something a component may use of what the host grants the app.
///
/// stdio, clocks and random are always available and have no capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Capability {
    /// Preopened directories (`wasi:filesystem/preopens`).
    Files,
    /// Environment variables (`wasi:cli/environment`; arguments and the
    /// working directory stay visible).
    Env,
    /// Sockets and name lookup (`wasi:sockets`).
    Network,
    /// Outgoing HTTP requests (`wasi:http/outgoing-handler`, `wasi:http/client`).
    Http,
}

impl Capability {
    /// Every capability, in the order wcomp lists them.
    pub const ALL: [Capability; 4] = [
        Capability::Files,
        Capability::Env,
        Capability::Network,
        Capability::Http,
    ];

    /// The word used in app.toml.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Files => "files",
            Capability::Env => "env",
            Capability::Network => "network",
            Capability::Http => "http",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word in a `capabilities` list that wcomp does not know.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("unknown capability `{0}`")]
#[diagnostic(
    code(wcomp::unknown_capability),
    help("the known capabilities are `files`, `env`, `network`, `http` and `all`")
)]
#[non_exhaustive]
pub struct UnknownCapability(pub String);

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownCapability(s.to_owned()))
    }
}

/// A set of capabilities: what one component may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities(BTreeSet<Capability>);

impl Capabilities {
    /// No capability: the default for a component other than `main`.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every capability: the default for `main`.
    pub fn all() -> Self {
        Self(Capability::ALL.into_iter().collect())
    }

    /// Reads a `capabilities` list: capability words, or `all`.
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Self, UnknownCapability> {
        let mut set = BTreeSet::new();
        for word in words {
            if word == "all" {
                set.extend(Capability::ALL);
            } else {
                set.insert(word.parse()?);
            }
        }
        Ok(Self(set))
    }

    /// Whether the set holds `capability`.
    pub fn contains(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// The capabilities in the set, in [`Capability::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

impl<'de> serde::Deserialize<'de> for Capabilities {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let words = Vec::<String>::deserialize(d)?;
        Capabilities::parse(words.iter().map(String::as_str)).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e}; expected `files`, `env`, `network`, `http` or `all`"
            ))
        })
    }
}

/// How a deny component answers for one WASI interface.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rule {
    /// The capability that, when lacking, puts this rule in force.
    pub capability: Capability,
    /// The interface without its version: `wasi:cli/environment`.
    pub interface: &'static str,
    /// The WASI releases covered, as minor versions of 0.x: `2` covers every
    /// 0.2.x, `3` covers 0.3.x.
    pub minors: &'static [u64],
    /// Functions passed through to the host unchanged. Every other function
    /// is denied: it returns an empty list, `none`, or `err(denied)`.
    pub forward: &'static [&'static str],
    /// The case of the interface's error type that a denied call returns.
    pub denied: &'static str,
}

/// What each capability governs, for WASI 0.2.x and 0.3.0 (as wasmtime-wasi
/// 48 and wasmtime-wasi-http 48 define them).
///
/// Only the interfaces that hand out access are here: without preopens a
/// component has no directory to open files in, and without a socket it has
/// nothing to bind or connect. 0.3 sockets create sockets with static
/// functions of `wasi:sockets/types`; its methods can never be called, since
/// no socket is ever made. `wasi:http/handler` is denied only where it is
/// left to the host (a middleware's upstream that no component provides).
pub const RULES: &[Rule] = &[
    Rule {
        capability: Capability::Files,
        interface: "wasi:filesystem/preopens",
        minors: &[2, 3],
        forward: &[],
        denied: "",
    },
    Rule {
        capability: Capability::Env,
        interface: "wasi:cli/environment",
        minors: &[2, 3],
        forward: &["get-arguments", "initial-cwd", "get-initial-cwd"],
        denied: "",
    },
    Rule {
        capability: Capability::Network,
        interface: "wasi:sockets/tcp-create-socket",
        minors: &[2],
        forward: &[],
        denied: "access-denied",
    },
    Rule {
        capability: Capability::Network,
        interface: "wasi:sockets/udp-create-socket",
        minors: &[2],
        forward: &[],
        denied: "access-denied",
    },
    Rule {
        capability: Capability::Network,
        interface: "wasi:sockets/ip-name-lookup",
        minors: &[2, 3],
        forward: &[],
        denied: "access-denied",
    },
    Rule {
        capability: Capability::Network,
        interface: "wasi:sockets/types",
        minors: &[3],
        forward: &[],
        denied: "access-denied",
    },
    Rule {
        capability: Capability::Http,
        interface: "wasi:http/outgoing-handler",
        minors: &[2],
        forward: &[],
        denied: "HTTP-request-denied",
    },
    Rule {
        capability: Capability::Http,
        interface: "wasi:http/client",
        minors: &[3],
        forward: &[],
        denied: "HTTP-request-denied",
    },
    Rule {
        capability: Capability::Http,
        interface: "wasi:http/handler",
        minors: &[3],
        forward: &[],
        denied: "HTTP-request-denied",
    },
];

/// The rule for an interface named as components import it
/// (`wasi:cli/environment@0.2.6`), if a capability governs it.
pub fn rule_for(interface: &str) -> Option<&'static Rule> {
    let (base, version) = interface.split_once('@')?;
    let version = semver::Version::parse(version).ok()?;
    if version.major != 0 {
        return None;
    }
    RULES
        .iter()
        .find(|rule| rule.interface == base && rule.minors.contains(&version.minor))
}

/// The rule for `import` when the importer, granted `granted`, lacks the
/// capability it governs: the imports that may need a deny component.
pub fn withheld_rule(import: &str, granted: &Capabilities) -> Option<&'static Rule> {
    rule_for(import).filter(|rule| !granted.contains(rule.capability))
}

/// A deny component to plug into one import of a component.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeniedImport {
    /// The import it satisfies, as the importer names it
    /// (`wasi:cli/environment@0.2.6`).
    pub import: String,
    /// The export of the deny component to plug in: the same name.
    pub export: String,
    /// The capability the importer lacks.
    pub capability: Capability,
    /// The deny component. Its own imports are WASI interfaces whose types it
    /// shares with the importer, to be left to the host like the importer's.
    pub bytes: Vec<u8>,
}

/// The deny component for import `import` of `world` (a component's
/// world, as [`Component`](wcomp_core::Component) holds it), if the import
/// is governed by a capability not in `granted` and the importer uses a
/// function of it that must be denied. An import used only for its types, or only for
/// forwarded functions, needs none.
///
/// Call it for imports that would otherwise be left to the host; an import
/// satisfied by another component of the app is not a host capability.
pub fn deny_import(
    resolve: &Resolve,
    world: WorldId,
    import: &str,
    granted: &Capabilities,
) -> Result<Option<DeniedImport>, DenyError> {
    let Some(rule) = withheld_rule(import, granted) else {
        return Ok(None);
    };
    let found = resolve.worlds[world]
        .imports
        .iter()
        .find_map(|(key, item)| match (key, item) {
            (WorldKey::Interface(_), WorldItem::Interface { id, .. })
                if resolve.name_world_key(key) == import =>
            {
                Some(*id)
            }
            _ => None,
        });
    let Some(interface) = found else {
        return Ok(None);
    };
    if !generate::denies_something(resolve, interface, rule) {
        return Ok(None);
    }
    Ok(Some(DeniedImport {
        import: import.to_owned(),
        export: import.to_owned(),
        capability: rule.capability,
        bytes: deny_component(resolve, interface)?,
    }))
}

/// Every deny component `world` needs given `granted`, in the order it
/// declares its imports.
pub fn denied_imports(
    resolve: &Resolve,
    world: WorldId,
    granted: &Capabilities,
) -> Result<Vec<DeniedImport>, DenyError> {
    let mut denied = Vec::new();
    for key in resolve.worlds[world].imports.keys() {
        let name = resolve.name_world_key(key);
        if let Some(d) = deny_import(resolve, world, &name, granted)? {
            denied.push(d);
        }
    }
    Ok(denied)
}

#[cfg(test)]
mod tests;
