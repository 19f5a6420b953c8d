//! `cli`: the app's command (Rust). It calls the Python `greeter`, the
//! JavaScript `stats`, the C++ `scorer` and the Go `framer` components
//! through typed WIT interfaces and prints what they return. Arguments, if
//! any, are the text to analyse.

wit_bindgen::generate!({
    path: "../wit",
    world: "cli",
    generate_all,
});

use hello::polyglot::greeting::{self, Person, Tone};
use hello::polyglot::framing::{self, Sides};
use hello::polyglot::scoring;
use hello::polyglot::textstats::{self, Size};

struct Component;

export!(Component);

const DEFAULT_TEXT: &str = "the quick brown fox jumps over the lazy dog and the cat";

impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        let people = [
            Person { name: "Ada".into(), age: Some(36), tags: vec!["math".into(), "engines".into()] },
            Person { name: "Grace".into(), age: Some(85), tags: vec![] },
            Person { name: "Linus".into(), age: None, tags: vec!["kernel".into()] },
        ];

        println!("== greeting (Python)");
        // Each person in a different tone, so every enum case crosses the boundary.
        for (who, how) in people.iter().zip([Tone::Plain, Tone::Excited, Tone::Whisper]) {
            println!("{}", greeting::greet(who, how));
        }
        // `result<u32, string>` arrives as a Rust `Result`: Ok with a sum, Err with
        // the Python exception's message.
        println!("total-age(all) = {:?}", greeting::total_age(&people));
        println!("total-age(Linus) = {:?}", greeting::total_age(&people[2..]));

        println!("== textstats (JavaScript)");
        // The arguments (from `wcomp run composed.wasm ARGS...`) are the text;
        // args[0] is the program name.
        let args: Vec<String> = std::env::args().skip(1).collect();
        let text = if args.is_empty() { DEFAULT_TEXT.to_string() } else { args.join(" ") };
        println!("text: {text:?}");
        let counts = textstats::word_counts(&text);
        for wc in &counts {
            println!("  {:<6} {}", wc.word, wc.count);
        }
        match textstats::measure(&text) {
            Size::Empty => println!("size: empty"),
            Size::Short(n) => println!("size: short ({n} words)"),
            Size::Long(n) => println!("size: long ({n} words)"),
        }
        match textstats::longest_word(&text) {
            Some(w) => println!("longest word: {w}"),
            None => println!("longest word: none"),
        }

        println!("== scoring (C++)");
        // `list<string>` in, `list<scored>` (a record) back: the top three.
        let words: Vec<String> = counts.into_iter().map(|wc| wc.word).collect();
        let top: Vec<String> = scoring::rank(&words)
            .iter()
            .take(3)
            .map(|scored| format!("{:<6} {}", scored.word, scored.points))
            .collect();
        for line in &top {
            println!("  {line}");
        }

        println!("== framing (Go)");
        // `flags` cross as a bit set: every side.
        let all = Sides::TOP | Sides::BOTTOM | Sides::LEFT | Sides::RIGHT;
        println!("{}", framing::frame(&top, all));
        Ok(())
    }
}
