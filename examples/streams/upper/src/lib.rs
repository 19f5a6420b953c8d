//! `upper` (Rust): upper-cases ASCII letters as they stream by. It returns
//! its output stream at once and does the work in a task spawned after the
//! return, one chunk (at most CHUNK bytes) at a time, so memory stays flat
//! whatever the input size.

wit_bindgen::generate!({
    path: "../wit",
    world: "upper-world",
    generate_all,
});

use wit_bindgen::{StreamReader, StreamResult};

const CHUNK: usize = 64 * 1024;

struct Component;

export!(Component);

impl exports::streams::pipeline::upper::Guest for Component {
    async fn upper(mut data: StreamReader<u8>) -> StreamReader<u8> {
        let (mut tx, rx) = wit_stream::new::<u8>();
        // The caller gets `rx` only when we return, so the copying must run
        // after that: spawn_local keeps this task alive past the return.
        wit_bindgen::spawn_local(async move {
            let mut buf = Vec::with_capacity(CHUNK);
            loop {
                let (status, mut chunk) = data.read(buf).await;
                match status {
                    StreamResult::Complete(_) => {
                        chunk.make_ascii_uppercase();
                        // write_all hands back what the reader did not take:
                        // non-empty means it went away, so stop.
                        let rest = tx.write_all(chunk).await;
                        if !rest.is_empty() {
                            break;
                        }
                        // Reuse the (now empty) allocation for the next read.
                        buf = rest;
                        buf.reserve(CHUNK);
                    }
                    StreamResult::Dropped | StreamResult::Cancelled => break,
                }
            }
            // Dropping the writer ends our output stream for the next stage.
        });
        rx
    }
}
