//! rust-hello-p3: WASI 0.3 (component-model async) command fixture. Exports
//! `wasi:cli/run@0.3.0` (`async fn run`) and prints "hello from rust p3" through
//! `wasi:cli/stdout@0.3.0#write-via-stream`. With `--exit N` it then exits
//! through `wasi:cli/exit@0.3.0#exit-with-code`. Built with wit-bindgen 0.61.1.

wit_bindgen::generate!({
    path: "wit",
    world: "wcomp:hello-p3/hello",
    generate_all,
});

use exports::wasi::cli::run::Guest;
use wasi::cli::{environment, exit, stdout};

struct Component;

export!(Component);

impl Guest for Component {
    async fn run() -> Result<(), ()> {
        let (mut tx, rx) = wit_stream::new::<u8>();
        // `write-via-stream` is a sync import that hands the readable end to
        // the host and returns a future for the final result.
        let done = stdout::write_via_stream(rx);
        let rest = tx.write_all(b"hello from rust p3\n".to_vec()).await;
        if !rest.is_empty() {
            return Err(());
        }
        // Dropping the writable end tells the host the stream is finished.
        drop(tx);
        done.await.map_err(|_| ())?;
        let args = environment::get_arguments();
        if let Some(at) = args.iter().position(|a| a == "--exit") {
            let code = args.get(at + 1).and_then(|c| c.parse().ok()).unwrap_or(2);
            exit::exit_with_code(code);
        }
        Ok(())
    }
}
