//! The fixture's dependency in Rust: reports what it sees.

wit_bindgen::generate!({ path: "../target/wcomp/wit/dep", world: "dep", generate_all });

struct Dep;

impl exports::test::caps::probe::Guest for Dep {
    fn probe(path: String, var: String) -> String {
        see(&path, &var)
    }
}

/// What this component sees of the grants, in the fixture's words.
fn see(path: &str, var: &str) -> String {
    let file = std::fs::read_to_string(path).map_or_else(|_| "denied".to_owned(), |s| s.trim().to_owned());
    let env = std::env::var(var).unwrap_or_else(|_| "unset".to_owned());
    format!("file={file} env={env}")
}

export!(Dep);
