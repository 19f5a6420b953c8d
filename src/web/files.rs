//! A static file server for a transpiled app (`wcomp serve --web DIR`):
//! GET and HEAD of the files under one folder, with the MIME types browsers
//! insist on for ES modules and streaming Wasm compilation. Nothing outside
//! the folder is served: `..` segments (plain or percent-encoded) and links
//! leading out of it are answered 404, like missing files.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Response, StatusCode, header};
use http_body_util::Full;

use crate::net::TokioIo;

/// Why the file server could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FilesError {
    #[error("`{}` is not a folder", path.display())]
    #[diagnostic(
        code(wcomp::serve::web_not_a_folder),
        help("give `--web` the folder `wcomp build --target web -o DIR` wrote")
    )]
    NotAFolder { path: PathBuf },

    #[error("`{}` has no `index.html`", path.display())]
    #[diagnostic(
        code(wcomp::serve::web_no_index),
        help("make it with `wcomp build --target web -o {}`", path.display())
    )]
    NoIndex { path: PathBuf },

    #[error("cannot listen on {addr}: {source}")]
    #[diagnostic(
        code(wcomp::serve::bind),
        help("pick another address with `--addr`, or port 0 for a free one")
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The MIME type of a file, from its extension.
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        Some("txt" | "md") | None => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some(_) => "application/octet-stream",
    }
}

/// The file under `root` a request path names, or `None` (answered 404)
/// when the path leaves `root`, is malformed, or names nothing. A folder
/// stands for its `index.html`. `root` must be canonical.
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(request_path)?;
    let mut path = root.to_owned();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            // No way up, and nothing that a platform reads as a separator
            // or a drive.
            ".." => return None,
            s if s.contains(['\\', '\0', ':']) => return None,
            s => path.push(s),
        }
    }
    let mut path = path.canonicalize().ok()?;
    if path.is_dir() {
        path = path.join("index.html").canonicalize().ok()?;
    }
    // A link inside the folder may point out of it.
    (path.starts_with(root) && path.is_file()).then_some(path)
}

/// `%XX`-decodes a URL path; `None` for a bad escape or bytes that are not
/// UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A bound file server for one folder.
pub struct FileServer {
    root: Arc<PathBuf>,
    listener: std::net::TcpListener,
}

impl FileServer {
    /// Checks that `dir` is a folder with an `index.html` and listens on
    /// `addr`.
    pub fn bind(dir: &Path, addr: SocketAddr) -> Result<Self, FilesError> {
        let root = dir
            .canonicalize()
            .ok()
            .filter(|root| root.is_dir())
            .ok_or_else(|| FilesError::NotAFolder {
                path: dir.to_owned(),
            })?;
        if !root.join("index.html").is_file() {
            return Err(FilesError::NoIndex {
                path: dir.to_owned(),
            });
        }
        let bind = |source| FilesError::Bind { addr, source };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        Ok(FileServer {
            root: Arc::new(root),
            listener,
        })
    }

    /// The address it listens on (the port chosen, for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` completes; `log` sees each request's method,
    /// path and status. Runs inside a tokio runtime.
    pub async fn run(
        self,
        stop: impl Future<Output = ()>,
        log: impl Fn(&Method, &str, StatusCode) + Send + Sync + 'static,
    ) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let log = Arc::new(log);
        let mut stop = pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted?,
                () = stop.as_mut() => return Ok(()),
            };
            let (root, log) = (self.root.clone(), log.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let (root, log) = (root.clone(), log.clone());
                    async move {
                        let response = respond(
                            &root,
                            request.method(),
                            request.uri().path(),
                            request.headers(),
                        )
                        .await;
                        log(request.method(), request.uri().path(), response.status());
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo(stream), service)
                    .await;
            });
        }
    }
}

/// The answer to one request: the file, 304 when the browser's copy (its
/// `If-None-Match`) is current, 404, or 405 for methods other than GET and
/// HEAD.
pub async fn respond(
    root: &Path,
    method: &Method,
    path: &str,
    headers: &header::HeaderMap,
) -> Response<Full<Bytes>> {
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
    }
    let Some(file) = resolve(root, path) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let Ok(meta) = tokio::fs::metadata(&file).await else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let etag = etag(&meta);
    let current = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == etag.as_bytes());
    // Rebuilt apps keep their file names: the browser revalidates each
    // time, and keeps its compiled Wasm when the file has not changed.
    let response = Response::builder()
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::ETAG, &etag);
    if current {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Full::new(Bytes::new()))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response\n"));
    }
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let len = bytes.len();
    let body = match *method == Method::HEAD {
        true => Bytes::new(),
        false => Bytes::from(bytes),
    };
    response
        .header(header::CONTENT_TYPE, mime_type(&file))
        .header(header::CONTENT_LENGTH, len)
        .header("x-content-type-options", "nosniff")
        .body(Full::new(body))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad response\n"))
}

/// A validator for a file's contents: its size and modification time.
fn etag(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("\"{:x}-{modified:x}\"", meta.len())
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(root.join("app.js"), "export {}").unwrap();
        std::fs::write(root.join("sub/a b.wasm"), b"\0asm").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "no").unwrap();
        let root = root.canonicalize().unwrap();
        (tmp, root)
    }

    #[test]
    fn mime_types_are_the_ones_browsers_require() {
        for (name, mime) in [
            ("app.js", "text/javascript; charset=utf-8"),
            ("run.MJS", "text/javascript; charset=utf-8"),
            ("app.core2.wasm", "application/wasm"),
            ("index.html", "text/html; charset=utf-8"),
            ("import-map.json", "application/json"),
            ("style.css", "text/css; charset=utf-8"),
            ("blob.bin", "application/octet-stream"),
        ] {
            assert_eq!(mime_type(Path::new(name)), mime, "{name}");
        }
    }

    #[test]
    fn paths_resolve_inside_the_folder_only() {
        let (_tmp, root) = folder();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/sub/a%20b.wasm"),
            Some(root.join("sub/a b.wasm"))
        );
        assert_eq!(resolve(&root, "/./app.js"), Some(root.join("app.js")));
        for hostile in [
            "/../secret.txt",
            "/../../etc/passwd",
            "/sub/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/sub%2f..%2f..%2fsecret.txt",
            "/..%5csecret.txt",
            "/%00",
            "/%zz",
            "/%e2%28",
            "/missing.js",
            "/sub",
        ] {
            assert_eq!(resolve(&root, hostile), None, "{hostile}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_not_followed() {
        let (tmp, root) = folder();
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("leak.txt")).unwrap();
        assert_eq!(resolve(&root, "/leak.txt"), None);
    }

    #[tokio::test]
    async fn answers_have_status_type_and_body() {
        let (_tmp, root) = folder();
        let none = header::HeaderMap::new();
        let ok = respond(&root, &Method::GET, "/app.js", &none).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let mut cached = header::HeaderMap::new();
        cached.insert(header::IF_NONE_MATCH, ok.headers()[header::ETAG].clone());
        let again = respond(&root, &Method::GET, "/app.js", &cached).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(
            ok.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let head = respond(&root, &Method::HEAD, "/sub/a%20b.wasm", &none).await;
        assert_eq!(head.headers()[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(head.headers()[header::CONTENT_LENGTH], "4");
        let missing = respond(&root, &Method::GET, "/nope.wasm", &none).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let post = respond(&root, &Method::POST, "/app.js", &none).await;
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
