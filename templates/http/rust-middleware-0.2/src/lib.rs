//! The `{{name}}` component: HTTP middleware for WASI 0.2. It answers
//! `GET /healthz` itself and passes every other request on to the
//! `incoming-handler` it imports.
//!
//! In 0.2 a middleware can answer, or pass the request on unchanged, but it
//! cannot change the response: the next handler gets the `response-outparam`,
//! and a component cannot make one of its own. Use WASI 0.3 for that.

wit_bindgen::generate!({
    path: "{{wit_path}}",
    world: "{{world}}",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::incoming_handler;
use wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Component;

export!(Component);

impl Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        if matches!(request.method(), Method::Get) && path == "/healthz" {
            return healthy(response_out);
        }
        incoming_handler::handle(request, response_out);
    }
}

/// `200 ok`, answered here.
fn healthy(out: ResponseOutparam) {
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let _ = headers.append("x-middleware", b"{{name}}");
    let response = OutgoingResponse::new(headers);
    let body = response.body().expect("the body is taken once");
    ResponseOutparam::set(out, Ok(response));
    let stream = body.write().expect("the body is written once");
    let _ = stream.blocking_write_and_flush(b"ok\n");
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}
