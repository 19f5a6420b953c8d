//! The host's side of a test's mocks: calls whose arguments a mock
//! matches (`when`) or records (`args`).
//!
//! Such a case runs its target linked (each component compiled on its own,
//! every call between them crossing the host), with [`Answers`] as the
//! run's [`Intercept`]: it sees each call to a mocked function, records its
//! arguments in WAVE, and answers it when a `when` of the test matches them.
//! A call no `when` matches goes on to the generated mock, which answers it
//! from `returns`; but a function returning a `stream<u8>` is answered here,
//! from its `streams`, since a stream has no value the mock could store.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use wcomp_core::names::plug_matches;
use wcomp_host::linked::{Intercept, parse_arguments, parse_value, show_arguments};
use wcomp_host::trace::Call;
use wcomp_host::wasmtime;
use wcomp_host::wasmtime::component::types::ComponentFunc;
use wcomp_host::wasmtime::component::{Type, Val};

use super::spec::{Case, Input};

/// The mocked functions of one case, and the calls they got.
#[derive(Debug)]
pub struct Answers {
    functions: Vec<Mocked>,
    calls: Mutex<Vec<Recorded>>,
}

/// One mocked function: its `when`s (arguments, answer), and what the
/// streams it returns yield, with the calls answered so far.
#[derive(Debug)]
struct Mocked {
    interface: String,
    function: String,
    when: Vec<(String, Option<String>)>,
    streams: Vec<Input>,
    answered: AtomicUsize,
}

/// A call a mock got: its interface as the caller imports it, function
/// and arguments in WAVE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub interface: String,
    pub function: String,
    pub args: String,
}

impl Answers {
    /// The answers of `case`'s mocks.
    pub fn of(case: &Case) -> Self {
        let functions = case
            .mocks
            .iter()
            .flat_map(|m| {
                m.functions.iter().map(|f| Mocked {
                    interface: m.interface.get_ref().clone(),
                    function: f.name.get_ref().clone(),
                    when: f
                        .when
                        .iter()
                        .map(|w| {
                            (
                                w.args.get_ref().clone(),
                                w.returns.as_ref().map(|r| r.get_ref().clone()),
                            )
                        })
                        .collect(),
                    streams: f.streams.iter().map(|s| s.get_ref().clone()).collect(),
                    answered: AtomicUsize::new(0),
                })
            })
            .collect();
        Answers {
            functions,
            calls: Mutex::default(),
        }
    }

    /// The calls the mocks got, in order.
    pub fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The mocked function `call` is to, if it is to one.
    fn mocked(&self, call: &Call) -> Option<&Mocked> {
        let interface = call.interface.as_deref()?;
        self.functions
            .iter()
            .find(|m| plug_matches(&m.interface, interface) && *m.function == *call.function)
    }
}

impl Intercept for Answers {
    fn intercept(
        &self,
        call: &Call,
        ty: &ComponentFunc,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<bool> {
        let Some(mocked) = self.mocked(call) else {
            return Ok(false);
        };
        let types: Vec<Type> = ty.params().map(|(_, ty)| ty).collect();
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Recorded {
                interface: mocked.interface.clone(),
                function: mocked.function.clone(),
                args: show_arguments(params, &types),
            });
        for (args, answer) in &mocked.when {
            let expected = parse_arguments(args, &types).map_err(wasmtime::Error::msg)?;
            if expected != params {
                continue;
            }
            if let (Some(answer), Some(ty), Some(slot)) =
                (answer, ty.results().next(), results.first_mut())
            {
                *slot = parse_value(answer, &ty).map_err(wasmtime::Error::msg)?;
            }
            return Ok(true);
        }
        match mocked.streams.is_empty() {
            true => Ok(false),
            false => {
                let bytes = mocked.next_stream().map_err(wasmtime::Error::msg)?;
                if let Some(slot) = results.first_mut() {
                    *slot = Val::List(bytes.into_iter().map(Val::U8).collect());
                }
                Ok(true)
            }
        }
    }
}

impl Mocked {
    /// What the stream of the next call yields: the next of `streams`, the
    /// last repeated. The host makes a stream of the list of bytes it
    /// answers with (see [`Intercept`]).
    fn next_stream(&self) -> Result<Vec<u8>, String> {
        let n = self.answered.fetch_add(1, Ordering::Relaxed);
        let last = self.streams.len().saturating_sub(1);
        self.streams
            .get(n.min(last))
            .map_or(Ok(Vec::new()), Input::bytes)
    }
}

/// Whether the recorded arguments `got` (WAVE as the host writes it) are
/// those `expected` writes: the same text but for whitespace outside
/// strings.
pub fn same_arguments(expected: &str, got: &str) -> bool {
    normalize(expected) == normalize(got)
}

fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    let mut escaped = false;
    for c in text.trim().chars() {
        match c {
            '\\' if quoted => {
                escaped = !escaped;
                out.push(c);
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            c if c.is_whitespace() && !quoted => continue,
            _ => {}
        }
        escaped = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_compare_without_their_spacing() {
        assert!(same_arguments("(1,2)", "(1, 2)"));
        assert!(same_arguments(
            " ( \"a b\" , [1, 2] ) ",
            "(\"a b\", [1, 2])"
        ));
        assert!(!same_arguments("(\"a b\")", "(\"ab\")"));
        assert!(!same_arguments("(1, 3)", "(1, 2)"));
    }
}
