//! js guests.

pub mod build;
pub mod scaffold;
pub mod toolchain;
