//! `router`: the app's HTTP handler (`wasi:http/service@0.3.0`), in Rust.
//! `GET /greet?name=NAME` asks the Python `greeter`; `POST /stats` sends the
//! request body to the JavaScript `stats` and answers with its summary.
//! Both are plain typed calls: composition plugs the components in.

wit_bindgen::generate!({
    path: "../target/wcomp/wit/router",
    world: "router",
    generate_all,
});

use demo::http_polyglot::{greeting, textstats};
use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};

struct Component;

export!(Component);

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let target = request.get_path_with_query().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        Ok(match (request.get_method(), path) {
            (Method::Get, "/greet") => {
                let name = param(query, "name").unwrap_or_else(|| "world".to_owned());
                text(200, format!("{}\n", greeting::greet(&name)))
            }
            (Method::Post, "/stats") => {
                let body = body_text(request).await;
                let summary = textstats::summarize(&body);
                text(
                    200,
                    format!(
                        "words: {}, chars: {}, longest: {}\n",
                        summary.words,
                        summary.chars,
                        summary.longest.as_deref().unwrap_or("-")
                    ),
                )
            }
            (Method::Get, "/") => text(
                200,
                "try GET /greet?name=you or POST /stats with some text\n".to_owned(),
            ),
            _ => text(404, "Not found\n".to_owned()),
        })
    }
}

/// The value of `key` in a query string, `+` and `%XX` decoded.
fn param(query: &str, key: &str) -> Option<String> {
    let raw = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)?
        .1;
    let mut out = Vec::new();
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).unwrap_or(b'?'));
            }
            b => out.push(b),
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The whole request body, as text.
async fn body_text(request: Request) -> String {
    let (_, handled) = wit_future::new(|| Ok(()));
    let (body, _trailers) = Request::consume_body(request, handled);
    String::from_utf8_lossy(&body.collect().await).into_owned()
}

/// A plain-text response, its body written once the host reads it.
fn text(status: u16, body: String) -> Response {
    let (mut tx, rx) = wit_stream::new::<u8>();
    wit_bindgen::spawn_local(async move {
        tx.write_all(body.into_bytes()).await;
    });
    let headers = Fields::new();
    let _ = headers.append("content-type", b"text/plain; charset=utf-8");
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _sent) = Response::new(headers, Some(rx), trailers);
    let _ = response.set_status_code(status);
    response
}
