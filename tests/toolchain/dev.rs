//! `wcomp dev` with a real Rust build: an edit of one component's source
//! rebuilds exactly that component, once, and the rerun prints its new
//! output.

use std::time::Duration;

use crate::support::dev::Session;
use crate::support::{toolchains, wcomp_in};

/// A Rust build on a loaded machine, the first one compiling wit-bindgen.
const WAIT: Duration = Duration::from_secs(600);

pub fn an_edit_rebuilds_only_that_component_and_reruns() {
    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    wcomp_in(dir, &["new", "hello", "--lang", "rust"]).success();
    wcomp_in(dir, &["new", "other", "--lang", "rust"]).success();

    let mut dev = Session::start(dir, &[]);
    dev.wait_for("Hello from hello!", WAIT);
    dev.wait_for("Finished #1 with exit code 0", WAIT);

    let lib = dir.join("hello/src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, source.replace("Hello from hello!", "Edited hello!")).unwrap();
    let header = dev.wait_for("Running #2", WAIT);
    assert!(
        header.contains("#2 hello/src/lib.rs changed · built hello in"),
        "only `hello` is rebuilt:\n{}",
        dev.show()
    );
    assert!(
        header.contains("1 component linked, compiled in"),
        "only `hello` is compiled again:\n{}",
        dev.show()
    );
    dev.wait_for("Edited hello!", WAIT);
    dev.wait_for("Finished #2 with exit code 0", WAIT);
    dev.settle(Duration::from_secs(1));
    assert_eq!(
        dev.count("Running #"),
        2,
        "one run per change:\n{}",
        dev.show()
    );
    assert_eq!(dev.interrupt(), 0);
}

/// `wcomp dev --serve`: the handler answers, and an edit restarts the
/// server with the rebuilt composition.
pub async fn serve_restarts_the_handler_on_each_edit() {
    use crate::support::serving::{send, serving_addr};
    use http::{Method, StatusCode};

    toolchains();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    wcomp_in(
        dir,
        &["new", "api", "--lang", "rust", "--world", "wasi:http/proxy"],
    )
    .success();

    let mut dev = Session::start(dir, &["--serve", "127.0.0.1:0"]);
    let serving = dev.wait_for("Serving #1", WAIT);
    let addr = serving_addr(&serving).expect("an address on the Serving line");
    assert_eq!(
        send(addr, Method::GET, "/", Default::default()).await,
        (StatusCode::OK, "Hello from Rust!\n".to_owned())
    );

    let lib = dir.join("api/src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    assert!(source.contains("Hello from Rust!"));
    std::fs::write(&lib, source.replace("Hello from Rust!", "Edited Rust!")).unwrap();
    let serving = dev.wait_for("Serving #2", WAIT);
    assert!(
        dev.position("Stopped #1 after 1 request") < dev.position("Serving #2"),
        "the old server stops first:\n{}",
        dev.show()
    );
    let addr = serving_addr(&serving).expect("an address on the Serving line");
    assert_eq!(
        send(addr, Method::GET, "/", Default::default()).await,
        (StatusCode::OK, "Edited Rust!\n".to_owned())
    );
    assert_eq!(dev.interrupt(), 0);
}
