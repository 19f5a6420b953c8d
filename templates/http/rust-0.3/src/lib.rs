//! The `{{name}}` component: an HTTP handler (`wasi:http/service@0.3.0`).
//! `GET /` greets, `POST /echo` streams the request body back, anything
//! else is 404. Build with `wcomp build`, serve with `wcomp serve`.

wit_bindgen::generate!({
    path: "{{wit_path}}",
    world: "{{world}}",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};

struct Component;

export!(Component);

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let path = request.get_path_with_query().unwrap_or_default();
        let path = path.split('?').next().unwrap_or_default();
        match (request.get_method(), path) {
            (Method::Get, "/") => Ok(text(200, "Hello from Rust!\n")),
            (Method::Post, "/echo") => Ok(echo(request)),
            _ => Ok(text(404, "Not found\n")),
        }
    }
}

/// A plain-text response. Its body is written by a task that runs once the
/// response is returned and the host reads it.
fn text(status: u16, body: &'static str) -> Response {
    let (mut tx, rx) = wit_stream::new::<u8>();
    wit_bindgen::spawn_local(async move {
        tx.write_all(body.as_bytes().to_vec()).await;
    });
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    // No trailers: the writer is dropped, so the reader gets `Ok(None)`.
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _sent) = Response::new(headers, Some(rx), trailers);
    let _ = response.set_status_code(status);
    response
}

/// The request's body and trailers, handed straight back as the response's.
fn echo(request: Request) -> Response {
    let headers = Fields::new();
    if let Some(content_type) = request.get_headers().get("content-type").first() {
        let _ = headers.append("content-type", content_type);
    }
    let (_, handled) = wit_future::new(|| Ok(()));
    let (body, trailers) = Request::consume_body(request, handled);
    let (response, _sent) = Response::new(headers, Some(body), trailers);
    response
}
