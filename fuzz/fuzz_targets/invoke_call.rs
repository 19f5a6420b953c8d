//! `--invoke` text → `Call::parse`, then each argument converted from WAVE
//! against the parameter types of one function of a fixed component
//! (records, variants, enums, flags, options, results, lists, tuples,
//! floats, strings, chars, maps), as `wcomp run --invoke` does before it
//! calls. Errors must render; values must survive being shown as WAVE and
//! read back.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use wasmtime::component::{Type, Val};
use wcomp_fuzz::render;
use wcomp_host::Call;
use wcomp_host::call::{show_value, wave_arguments};

/// Functions of the fixed component: name and parameters.
type Functions = Vec<(String, Vec<(String, Type)>)>;

static FUNCTIONS: LazyLock<Functions> = LazyLock::new(wcomp_fuzz::types::functions);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let call = match Call::parse(text) {
        Ok(call) => call,
        Err(error) => {
            render(&error);
            return;
        }
    };
    // The function the call names, or (so that every input converts
    // something) one picked by the length of its name.
    let (name, params) = FUNCTIONS
        .iter()
        .find(|(name, _)| name == call.name())
        .unwrap_or_else(|| &FUNCTIONS[call.name().len() % FUNCTIONS.len()]);
    match wave_arguments(&call, name, params) {
        Ok(values) => {
            for (value, (_, ty)) in values.iter().zip(params) {
                round_trip(value, ty);
            }
        }
        Err(error) => {
            render(&error);
        }
    }
});

/// A value shown as WAVE reads back as a value that shows the same.
fn round_trip(value: &Val, ty: &Type) {
    let shown = show_value(value, ty);
    let call = Call::parse(&format!("f({shown})"))
        .unwrap_or_else(|e| panic!("`{shown}` does not parse as an argument:\n{}", render(&e)));
    let param = [("x".to_owned(), ty.clone())];
    let again = wave_arguments(&call, "f", &param)
        .unwrap_or_else(|e| panic!("`{shown}` does not read back:\n{}", render(&e)));
    assert_eq!(
        show_value(&again[0], ty),
        shown,
        "shown differently after reading back"
    );
}
