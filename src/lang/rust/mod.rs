//! rust guests.

pub mod build;
pub mod deps;
pub mod scaffold;
pub mod toolchain;
