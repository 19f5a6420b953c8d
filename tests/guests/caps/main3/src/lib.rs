//! The fixture's WASI 0.3 main: reports what it sees, then what its
//! dependency sees. Arguments: PATH VAR.

wit_bindgen::generate!({ path: "../target/wcomp/wit/main", world: "main3", generate_all });

struct Main;

impl exports::wasi::cli::run::Guest for Main {
    async fn run() -> Result<(), ()> {
        let args: Vec<String> = std::env::args().collect();
        let (path, var) = (&args[1], &args[2]);
        println!("main: {}", see(path, var));
        println!("dep:  {}", test::caps::probe::probe(path, var));
        Ok(())
    }
}

/// What this component sees of the grants, in the fixture's words.
fn see(path: &str, var: &str) -> String {
    let file = std::fs::read_to_string(path).map_or_else(|_| "denied".to_owned(), |s| s.trim().to_owned());
    let env = std::env::var(var).unwrap_or_else(|_| "unset".to_owned());
    format!("file={file} env={env}")
}

export!(Main);
