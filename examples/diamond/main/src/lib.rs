//! `main` (Rust): the command. It calls `left` and `right` alternately; if
//! both were wired to their own `counter`, each would count 1, 2, 3. With
//! one shared instance the totals they report keep rising across both.

wit_bindgen::generate!({
    path: "../wit",
    world: "main",
    generate_all,
});

use diamond::app::{counter, left, right};

struct Component;

export!(Component);

impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        for round in 1..=3 {
            println!("round {round}:");
            println!("  {}", left::bump());
            println!("  {}", right::bump());
            // An extra bump from left so the two sides are not symmetric.
            if round == 2 {
                println!("  {}", left::bump());
            }
        }
        // main imports `counter` too, and gets the very same instance.
        let (total, callers) = counter::totals();
        let shares: Vec<String> = callers.iter().map(|(who, n)| format!("{who}={n}")).collect();
        println!("counter total seen by main: {total} ({})", shares.join(", "));
        Ok(())
    }
}
