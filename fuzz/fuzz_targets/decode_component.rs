//! Bytes → `Component::from_bytes`, then what `wcomp inspect` shows of a
//! component (imports, exports, WIT, producers, policy, the capabilities
//! its composition wires and where they disagree with the policy) and what
//! `wcomp compose` reads of it next (a wac-graph package). Errors must
//! render.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use wcomp_core::Component;
use wcomp_fuzz::render;

fuzz_target!(|data: &[u8]| {
    let component = match Component::from_bytes(Path::new("fuzz.wasm"), data) {
        Ok(component) => component,
        Err(error) => {
            render(&error);
            return;
        }
    };
    let _ = (component.imports(), component.exports());
    let _ = (component.world_wit(false), component.world_wit(true));
    assert_eq!(component.size, data.len() as u64);
    let _ = (&component.producers, &component.policy);
    let wiring = wcomp_compose::capabilities::Wiring::read(data);
    let _ = wiring.disagreements(&component.policy);
    let mut types = wac_types::Types::default();
    let _ = wac_types::Package::from_bytes("app:fuzz", None, data.to_vec(), &mut types);
});
