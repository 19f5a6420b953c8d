//! `wcomp serve --web DIR` as a browser meets it: the real binary on a free
//! loopback port, raw HTTP/1.1 requests (so that hostile paths reach the
//! server exactly as written), MIME types, 404s and the way out of the
//! folder closed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::support::serving::Served;

/// One request with `path` written as is; the status line and the
/// `content-type` header of the answer.
fn get(addr: SocketAddr, method: &str, path: &str) -> (String, Option<String>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let mime = answer.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-type: ")
            .map(str::to_owned)
    });
    (status, mime)
}

#[test]
fn serves_the_folder_with_mime_types_and_nothing_outside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("preview2-shim")).unwrap();
    for (name, text) in [
        ("index.html", "<!doctype html>"),
        ("app.js", "export {}"),
        ("run.mjs", "export {}"),
        ("app.core.wasm", "\0asm"),
        ("data.json", "{}"),
        ("style.css", "p {}"),
        ("preview2-shim/cli.js", "export {}"),
    ] {
        std::fs::write(site.join(name), text).unwrap();
    }
    std::fs::write(tmp.path().join("secret.txt"), "outside").unwrap();
    let served = Served::start(tmp.path(), "site", &["--web"]);
    let addr = served.addr;

    for (path, mime) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/run.mjs", "text/javascript; charset=utf-8"),
        ("/app.core.wasm", "application/wasm"),
        ("/data.json", "application/json"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/preview2-shim/cli.js", "text/javascript; charset=utf-8"),
        ("/app.js?v=2", "text/javascript; charset=utf-8"),
    ] {
        let (status, got) = get(addr, "GET", path);
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}");
        assert_eq!(got.as_deref(), Some(mime), "{path}");
    }
    assert_eq!(get(addr, "HEAD", "/app.js").0, "HTTP/1.1 200 OK");
    assert_eq!(
        get(addr, "POST", "/app.js").0,
        "HTTP/1.1 405 Method Not Allowed"
    );
    for path in [
        "/missing.js",
        "/../secret.txt",
        "/../../etc/passwd",
        "/preview2-shim/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/preview2-shim",
    ] {
        assert_eq!(get(addr, "GET", path).0, "HTTP/1.1 404 Not Found", "{path}");
    }
    assert!(!served.log_lines("GET /app.js 200").is_empty());
    assert!(!served.log_lines("GET /../../etc/passwd 404").is_empty());
}
