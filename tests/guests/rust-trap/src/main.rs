//! rust-trap: wasm32-wasip2 std binary for testing host limits and sandboxing.
//! Usage: `trap` (panic -> wasm trap), `loop` (spin forever), `alloc` (grow memory
//! without bound, 1 MiB at a time), `read PATH` (print file or the error's kind),
//! `connect HOST:PORT` (TCP connect, print ok or the error's kind).

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map(String::as_str).unwrap_or("");
    match mode {
        "trap" => {
            println!("about to trap");
            let _ = std::io::stdout().flush();
            panic!("rust-trap: deliberate panic");
        }
        "unreachable" => {
            // Direct `unreachable` instruction, no panic machinery.
            core::arch::wasm32::unreachable();
        }
        "loop" => {
            println!("looping forever");
            let _ = std::io::stdout().flush();
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        "alloc" => {
            let mut chunks: Vec<Vec<u8>> = Vec::new();
            loop {
                let mut v = vec![0u8; 1 << 20];
                // Touch every page so the memory is really committed.
                for i in (0..v.len()).step_by(4096) {
                    v[i] = (chunks.len() & 0xff) as u8;
                }
                chunks.push(std::hint::black_box(v));
                if chunks.len() % 64 == 0 {
                    println!("allocated {} MiB", chunks.len());
                    let _ = std::io::stdout().flush();
                }
            }
        }
        "read" => {
            let path = args.get(1).expect("usage: read PATH");
            match std::fs::read_to_string(path) {
                Ok(s) => print!("{s}"),
                Err(e) => {
                    // The error's kind, not the OS's wording, so tests can
                    // compare it exactly.
                    println!("error: {:?}", e.kind());
                    std::process::exit(1);
                }
            }
        }
        "connect" => {
            let addr = args.get(1).expect("usage: connect HOST:PORT");
            match std::net::TcpStream::connect(addr.as_str()) {
                Ok(_) => println!("ok"),
                Err(e) => {
                    println!("error: {:?}", e.kind());
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!("usage: rust-trap (trap|unreachable|loop|alloc|read PATH|connect HOST:PORT)");
            std::process::exit(2);
        }
    }
}
