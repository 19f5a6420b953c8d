//! rust-pipe-p3: `wcomp:test/bytes` with `pass` (echo a `stream<u8>` back
//! untouched) and `xor` (echo it with every byte xor-ed with a key). Each
//! returns its output stream at once and copies after the return
//! (`wit_bindgen::spawn_local`), one buffer of [`CHUNK`] bytes at a time:
//! the host reads into that buffer and writes out of it, so the guest itself
//! never copies.
//!
//! The prebuilt `host/tests/fixtures/rust-pipe-p3.wasm` is this crate built
//! by `tests/guests/build.sh rust-pipe-p3`.

wit_bindgen::generate!({
    path: "wit",
    world: "wcomp:test/pipe-guest",
});

use exports::wcomp::test::bytes::Guest;
use wit_bindgen::{StreamReader, StreamResult};

/// The guest's read buffer: how much the host can hand over per read.
const CHUNK: usize = 64 * 1024;

struct Component;

export!(Component);

impl Guest for Component {
    async fn pass(data: StreamReader<u8>) -> StreamReader<u8> {
        pump(data, |_| {})
    }

    async fn xor(data: StreamReader<u8>, key: u8) -> StreamReader<u8> {
        pump(data, move |chunk| chunk.iter_mut().for_each(|b| *b ^= key))
    }
}

/// Returns a stream carrying `data`'s chunks after `change` has seen each.
fn pump(mut data: StreamReader<u8>, change: impl Fn(&mut [u8]) + 'static) -> StreamReader<u8> {
    let (mut tx, rx) = wit_stream::new::<u8>();
    wit_bindgen::spawn_local(async move {
        let mut buf = Vec::with_capacity(CHUNK);
        loop {
            let (status, mut chunk) = data.read(buf).await;
            match status {
                StreamResult::Complete(_) => {
                    change(&mut chunk);
                    // What comes back unwritten means the reader went away.
                    let rest = tx.write_all(chunk).await;
                    if !rest.is_empty() {
                        break;
                    }
                    buf = rest;
                    buf.reserve(CHUNK);
                }
                StreamResult::Dropped | StreamResult::Cancelled => break,
            }
        }
    });
    rx
}
