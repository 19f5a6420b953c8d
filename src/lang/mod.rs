//! The guest languages, one folder each: its scaffolding, build driver,
//! toolchain install, pin and doctor report, and priming.

pub mod c;
pub mod js;
pub mod python;
pub mod rust;
