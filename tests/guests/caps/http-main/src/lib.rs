//! The fixture's HTTP main: answers `GET /?var=VAR&path=PATH` with what it
//! sees of the file and the variable, then what its dependency sees.

wit_bindgen::generate!({ path: "../target/wcomp/wit/main", world: "http-main", generate_all });

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

struct Main;

impl Guest for Main {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let query = request.path_with_query().unwrap_or_default();
        let param = |key: &str| {
            let query = query.split_once('?').map_or("", |(_, q)| q);
            let found = query.split('&').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='));
            found.unwrap_or_default().to_owned()
        };
        let (path, var) = (param("path"), param("var"));
        let body = format!("main: {}\ndep:  {}\n", see(&path, &var), test::caps::probe::probe(&path, &var));
        let response = OutgoingResponse::new(Fields::new());
        let outgoing = response.body().expect("the body is taken once");
        ResponseOutparam::set(out, Ok(response));
        let stream = outgoing.write().expect("the body is written once");
        let _ = stream.blocking_write_and_flush(body.as_bytes());
        drop(stream);
        let _ = OutgoingBody::finish(outgoing, None);
    }
}

/// What this component sees of the grants, in the fixture's words.
fn see(path: &str, var: &str) -> String {
    let file = std::fs::read_to_string(path).map_or_else(|_| "denied".to_owned(), |s| s.trim().to_owned());
    let env = std::env::var(var).unwrap_or_else(|_| "unset".to_owned());
    format!("file={file} env={env}")
}

export!(Main);
