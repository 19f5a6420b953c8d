//! rust-stream-p3: library component exporting `wcomp:test/pipe` with an async
//! `transform(stream<u8>, future<string>) -> tuple<stream<u8>, future<string>>`.
//! Returns immediately and keeps producing afterwards via `wit_bindgen::spawn_local`
//! (wit-bindgen 0.61.1, feature `async-spawn`).

wit_bindgen::generate!({
    path: "wit",
    world: "wcomp:test/stream-guest",
});

use exports::wcomp::test::pipe::Guest;
use wit_bindgen::{FutureReader, StreamReader, StreamResult};

struct Component;

export!(Component);

impl Guest for Component {
    async fn transform(
        mut data: StreamReader<u8>,
        label: FutureReader<String>,
    ) -> (StreamReader<u8>, FutureReader<String>) {
        let (mut out_tx, out_rx) = wit_stream::new::<u8>();
        let (summary_tx, summary_rx) =
            wit_future::new::<String>(|| String::from("transform: summary dropped"));

        // Runs after `transform` has returned, inside the same component-model task.
        wit_bindgen::spawn_local(async move {
            let mut total: u64 = 0;
            let mut buf = Vec::with_capacity(64 * 1024);
            loop {
                let (status, mut chunk) = data.read(buf).await;
                match status {
                    StreamResult::Complete(_) => {
                        total += chunk.len() as u64;
                        chunk.make_ascii_uppercase();
                        let rest = out_tx.write_all(chunk).await;
                        if !rest.is_empty() {
                            // Reader of our output went away; stop echoing.
                            break;
                        }
                        buf = rest;
                        buf.reserve(4096);
                    }
                    StreamResult::Dropped | StreamResult::Cancelled => break,
                }
            }
            drop(out_tx);
            drop(data);
            let label = label.await;
            let _ = summary_tx.write(format!("{label}: {total} bytes")).await;
        });

        (out_rx, summary_rx)
    }
}
