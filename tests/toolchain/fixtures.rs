//! Guests committed prebuilt for the hermetic tier must be exactly what
//! their committed source builds to.

use crate::support::{guest, repo};

/// Each guest under `host/tests/fixtures/`, built again from
/// `tests/guests/`, gives the committed bytes.
pub fn the_committed_guests_are_their_source_built() {
    for name in ["rust-pipe-p3", "rust-http-p2", "rust-http-p3"] {
        let committed = repo().join(format!("host/tests/fixtures/{name}.wasm"));
        let built = std::fs::read(guest(name)).unwrap();
        assert!(
            built == std::fs::read(&committed).unwrap(),
            "`{}` is stale; rebuild it as `host/tests/fixtures/README.md` says",
            committed.display()
        );
    }
}
