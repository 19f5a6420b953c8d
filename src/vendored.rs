//! The WASI WIT that wcomp ships (from wasmtime-wasi 48, see `wit/README.md`),
//! built into the binary: the host names what it provides from it, and
//! `wcomp new` copies it into an app's `wit/deps/` so projects resolve
//! offline.

/// `(file name in deps/, contents)` of every vendored package.
pub const WASI: &[(&str, &str)] = &[
    (
        "wasi-cli-0.2.12.wit",
        include_str!("../wit/wasi-0.2/cli.wit"),
    ),
    (
        "wasi-clocks-0.2.12.wit",
        include_str!("../wit/wasi-0.2/clocks.wit"),
    ),
    (
        "wasi-filesystem-0.2.12.wit",
        include_str!("../wit/wasi-0.2/filesystem.wit"),
    ),
    ("wasi-io-0.2.12.wit", include_str!("../wit/wasi-0.2/io.wit")),
    (
        "wasi-random-0.2.12.wit",
        include_str!("../wit/wasi-0.2/random.wit"),
    ),
    (
        "wasi-sockets-0.2.12.wit",
        include_str!("../wit/wasi-0.2/sockets.wit"),
    ),
    (
        "wasi-http-0.2.12.wit",
        include_str!("../wit/wasi-0.2/http.wit"),
    ),
    (
        "wasi-cli-0.3.0.wit",
        include_str!("../wit/wasi-0.3/cli.wit"),
    ),
    (
        "wasi-clocks-0.3.0.wit",
        include_str!("../wit/wasi-0.3/clocks.wit"),
    ),
    (
        "wasi-filesystem-0.3.0.wit",
        include_str!("../wit/wasi-0.3/filesystem.wit"),
    ),
    (
        "wasi-random-0.3.0.wit",
        include_str!("../wit/wasi-0.3/random.wit"),
    ),
    (
        "wasi-sockets-0.3.0.wit",
        include_str!("../wit/wasi-0.3/sockets.wit"),
    ),
];
