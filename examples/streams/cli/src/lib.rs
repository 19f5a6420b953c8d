//! `cli` (Rust, WASI 0.3 command): builds the pipeline
//! stdin -> upper -> rot13 -> count -> stdout and prints count's summary on stderr.
//! It never touches the bytes: each `stream<u8>` handle is passed on as is,
//! so data flows between the stages (and the host) chunk by chunk.

wit_bindgen::generate!({
    path: "../wit",
    world: "cli",
    generate_all,
});

use streams::pipeline::{count, rot13, upper};
use wasi::cli::{stderr, stdin, stdout};

struct Component;

export!(Component);

impl exports::wasi::cli::run::Guest for Component {
    async fn run() -> Result<(), ()> {
        let (input, stdin_done) = stdin::read_via_stream();
        // Each call returns as soon as the stages have set up their streams.
        let uppered = upper::upper(input).await;
        let rotated = rot13::rot13(uppered).await;
        let (counted, summary) = count::count(rotated).await;
        // The host drains `counted` to stdout; this future says when it is done.
        stdout::write_via_stream(counted).await.map_err(|_| ())?;
        stdin_done.await.map_err(|_| ())?;

        let count::Summary { bytes, lines } = summary.await;
        let text = format!("summary: {bytes} bytes, {lines} lines\n");
        let (mut tx, rx) = wit_stream::new::<u8>();
        let done = stderr::write_via_stream(rx);
        tx.write_all(text.into_bytes()).await;
        drop(tx);
        done.await.map_err(|_| ())
    }
}
