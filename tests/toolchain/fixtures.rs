//! Guests committed prebuilt for the hermetic tier must be exactly what
//! their committed source builds to.

use crate::support::{guest, repo};

#[test]
fn the_committed_pipe_guest_is_its_source_built() {
    let committed = repo().join("host/tests/fixtures/rust-pipe-p3.wasm");
    let built = std::fs::read(guest("rust-pipe-p3")).unwrap();
    assert!(
        built == std::fs::read(&committed).unwrap(),
        "`{}` is stale; rebuild it as `host/tests/fixtures/README.md` says",
        committed.display()
    );
}
