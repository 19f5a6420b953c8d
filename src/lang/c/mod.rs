//! C and C++ guests.

pub mod bindings;
pub mod build;
pub mod scaffold;
pub mod toolchain;
