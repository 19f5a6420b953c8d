//! `counter` (Rust): the shared state of the diamond. It keeps a running
//! total and each caller's share in the component's own memory, so every
//! importer that is plugged into this one instance sees the same numbers.

wit_bindgen::generate!({
    path: "../wit",
    world: "counter-world",
    generate_all,
});

use std::sync::Mutex;

/// Callers in first-call order with their counts. (A component instance is
/// single-threaded; the Mutex only makes the static safe to declare.)
static CALLERS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

struct Component;

export!(Component);

impl exports::diamond::app::counter::Guest for Component {
    fn increment(caller: String) -> u64 {
        let mut callers = CALLERS.lock().unwrap();
        match callers.iter_mut().find(|(name, _)| *name == caller) {
            Some((_, n)) => *n += 1,
            None => callers.push((caller, 1)),
        }
        callers.iter().map(|(_, n)| n).sum()
    }

    fn totals() -> (u64, Vec<(String, u64)>) {
        let callers = CALLERS.lock().unwrap();
        (callers.iter().map(|(_, n)| n).sum(), callers.clone())
    }
}
