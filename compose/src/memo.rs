//! What composing computes from each component's bytes, kept across plans:
//! `wcomp dev` plans the app again after every edit, and redoes only the
//! work of the components the edit touched.

use std::collections::BTreeMap;

use wcomp_core::Component;

use crate::Argument;

/// Kept across [`plan_with`](crate::plan_with) and
/// [`Plan::parts`](crate::Plan::parts) calls; each entry is used only while
/// the bytes it came from are the same.
#[derive(Default)]
pub struct Memo {
    /// Each component's bytes, validated, with its world if a plan
    /// decoded it (one that needs no deny component is not decoded).
    decoded: BTreeMap<String, (Vec<u8>, Option<Component>)>,
    /// Each part composed with its deny components.
    composed: BTreeMap<String, Composed>,
}

/// What a part is composed from: the component's bytes, and its withheld
/// imports, each with the bytes of the deny component that answers it.
pub(crate) type Withheld = Vec<(Argument, Vec<u8>)>;

/// A part as composed, and everything it was composed from.
struct Composed {
    component: Vec<u8>,
    withheld: Withheld,
    bytes: Vec<u8>,
}

impl Memo {
    /// Whether component `name` was validated from these very `bytes`
    /// before (`Some`), with its world if it was decoded then.
    pub(crate) fn validated(&self, name: &str, bytes: &[u8]) -> Option<Option<Component>> {
        self.decoded
            .get(name)
            .filter(|(before, _)| before.as_slice() == bytes)
            .map(|(_, component)| component.clone())
    }

    /// The bytes component `name` was last decoded from.
    pub(crate) fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.decoded.get(name).map(|(bytes, _)| bytes.as_slice())
    }

    /// Remembers component `name` as validated from `bytes`, and its world
    /// if it was decoded.
    pub(crate) fn remember(&mut self, name: &str, bytes: &[u8], world: Option<&Component>) {
        match self.decoded.get_mut(name) {
            Some((before, known)) if before.as_slice() == bytes => {
                if known.is_none() {
                    *known = world.cloned();
                }
            }
            _ => {
                self.decoded
                    .insert(name.to_owned(), (bytes.to_vec(), world.cloned()));
            }
        }
    }

    /// Component `name`'s part as composed from `component` and `withheld`
    /// before, if it was.
    pub(crate) fn composed(
        &self,
        name: &str,
        component: &[u8],
        withheld: &Withheld,
    ) -> Option<Vec<u8>> {
        self.composed
            .get(name)
            .filter(|before| before.component == component && before.withheld == *withheld)
            .map(|before| before.bytes.clone())
    }

    /// Remembers component `name`'s part, composed as `bytes`.
    pub(crate) fn remember_composed(
        &mut self,
        name: &str,
        component: Vec<u8>,
        withheld: Withheld,
        bytes: &[u8],
    ) {
        let bytes = bytes.to_vec();
        self.composed.insert(
            name.to_owned(),
            Composed {
                component,
                withheld,
                bytes,
            },
        );
    }

    /// Forgets the components not in `names`.
    pub(crate) fn keep_only<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        let names: Vec<&str> = names.collect();
        self.decoded
            .retain(|name, _| names.contains(&name.as_str()));
        self.composed
            .retain(|name, _| names.contains(&name.as_str()));
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("decoded", &self.decoded.keys().collect::<Vec<_>>())
            .field("composed", &self.composed.keys().collect::<Vec<_>>())
            .finish()
    }
}
