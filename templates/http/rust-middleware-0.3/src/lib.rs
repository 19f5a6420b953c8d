//! The `{{name}}` component: HTTP middleware (`wasi:http/middleware@0.3.0`).
//! It passes each request to the handler it imports and adds an
//! `x-middleware` header to the response.

wit_bindgen::generate!({
    path: "{{wit_path}}",
    world: "{{world}}",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::handler;
use wasi::http::types::{ErrorCode, Response};

struct Component;

export!(Component);

impl Guest for Component {
    async fn handle(request: wasi::http::types::Request) -> Result<Response, ErrorCode> {
        let upstream = handler::handle(request).await?;
        // A response's headers are immutable; `clone` gives a mutable copy.
        let headers = upstream.get_headers().clone();
        headers
            .append("x-middleware", b"{{name}}")
            .map_err(|e| ErrorCode::InternalError(Some(format!("x-middleware: {e:?}"))))?;
        let status = upstream.get_status_code();
        let (_, handled) = wit_future::new(|| Ok(()));
        let (body, trailers) = Response::consume_body(upstream, handled);
        let (response, _sent) = Response::new(headers, Some(body), trailers);
        let _ = response.set_status_code(status);
        Ok(response)
    }
}
