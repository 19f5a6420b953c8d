//! The `{{name}}` component: an HTTP handler (`wasi:http/proxy@0.2.12`).
//! `GET /` greets, `POST /echo` streams the request body back, anything
//! else is 404. Build with `wcomp build`, serve with `wcomp serve`.

wit_bindgen::generate!({
    path: "{{wit_path}}",
    world: "{{world}}",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasi::io::streams::StreamError;

struct Component;

export!(Component);

impl Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let path = path.split('?').next().unwrap_or_default();
        match (request.method(), path) {
            (Method::Get, "/") => respond(response_out, 200, b"Hello from Rust!\n"),
            (Method::Post, "/echo") => echo(request, response_out),
            _ => respond(response_out, 404, b"Not found\n"),
        }
    }
}

/// Sends a complete plain-text response.
fn respond(out: ResponseOutparam, status: u16, body: &[u8]) {
    let (response, outgoing) = start_response(status, b"text/plain; charset=utf-8");
    ResponseOutparam::set(out, Ok(response));
    let stream = outgoing.write().expect("the body is written once");
    // `blocking-write-and-flush` takes at most 4096 bytes per call.
    for chunk in body.chunks(4096) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            return; // the client went away
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// Streams the request body back as the response body.
fn echo(request: IncomingRequest, out: ResponseOutparam) {
    let content_type = request.headers().get("content-type").into_iter().next();
    let incoming = request.consume().expect("the body is consumed once");
    let (response, outgoing) = start_response(
        200,
        content_type
            .as_deref()
            .unwrap_or(b"application/octet-stream"),
    );
    ResponseOutparam::set(out, Ok(response));
    let input = incoming.stream().expect("the body is read once");
    let output = outgoing.write().expect("the body is written once");
    loop {
        match output.blocking_splice(&input, 64 * 1024) {
            Ok(_) => {}
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return,
        }
    }
    drop((input, output));
    IncomingBody::finish(incoming);
    let _ = OutgoingBody::finish(outgoing, None);
}

/// A response with a status and content type, and its body to write.
fn start_response(status: u16, content_type: &[u8]) -> (OutgoingResponse, OutgoingBody) {
    let headers = Fields::new();
    let _ = headers.append("content-type", content_type);
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(status);
    let body = response.body().expect("the body is taken once");
    (response, body)
}
