//! What the CLI tests of both tiers need: running the binary, filtering
//! paths out of its output for snapshots, the `WCOMP_HOME` of the tier, and
//! (for the toolchain tier) the guest fixtures built once.

pub mod dev;
#[allow(dead_code)]
pub mod registry;
pub mod serving;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The cargo target directory the tests run in.
pub fn target_dir() -> PathBuf {
    // tests run from target/<profile>/deps/all-<hash>
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in target/<profile>/deps")
        .to_owned()
}

/// The `WCOMP_HOME` of the tests: shared by every toolchain test of this
/// checkout, so toolchains are installed once; an empty folder for the
/// hermetic tier.
pub fn home() -> PathBuf {
    if crate::HERMETIC {
        static EMPTY: OnceLock<tempfile::TempDir> = OnceLock::new();
        EMPTY
            .get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
            .path()
            .to_owned()
    } else {
        target_dir().join("wcomp-test-home")
    }
}

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a zero exit code, showing the output otherwise.
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "wcomp failed:\n{self}");
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit: {}", self.code)?;
        writeln!(f, "--- stdout")?;
        write!(f, "{}", self.stdout)?;
        writeln!(f, "--- stderr")?;
        write!(f, "{}", self.stderr)
    }
}

/// Variables that CI sets for compiling wcomp itself (clippy inside the
/// build, see `.ci/run`), which must not reach the guests' own cargo builds.
const WCOMP_BUILD_ONLY: [&str; 2] = ["RUSTC_WORKSPACE_WRAPPER", "CLIPPY_ARGS"];

/// A `wcomp` command with a clean, deterministic environment: the shared
/// test home, no color, no CI-specific output.
pub fn wcomp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wcomp"));
    cmd.env("WCOMP_HOME", home())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100");
    for var in WCOMP_BUILD_ONLY {
        cmd.env_remove(var);
    }
    cmd
}

/// Calls `call` (a WAVE call) on the component at `wasm`, which must fail
/// with a stub's message naming `what`: "`what` is not implemented yet".
#[allow(dead_code)]
pub fn stub_fails(wasm: &Path, call: &str, what: &str) {
    let out = run(wcomp().args(["run", "--invoke", call]).arg(wasm), &[]);
    assert_ne!(out.code, 0, "{out}");
    let message = format!("`{what}` is not implemented yet");
    assert!(out.stderr.contains(&message), "{out}");
}

/// Runs `cmd` to completion, with paths that vary between machines filtered
/// out of its output.
pub fn run(cmd: &mut Command, extra_filters: &[(&Path, &str)]) -> Run {
    let output = cmd.output().expect("the wcomp binary runs");
    let filter = |bytes: &[u8]| {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for (path, name) in extra_filters {
            text = text.replace(&*path.to_string_lossy(), name);
        }
        text.replace(&*home().to_string_lossy(), "[HOME]")
            .replace(&*repo().to_string_lossy(), "[REPO]")
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: filter(&output.stdout),
        stderr: filter(&output.stderr),
    }
}

/// Runs `wcomp ARGS` in `dir` with the default filters.
pub fn wcomp_in(dir: &Path, args: &[&str]) -> Run {
    run(wcomp().current_dir(dir).args(args), &[(dir, "[CWD]")])
}

/// Installs every toolchain into the shared home, once per test run.
#[allow(dead_code)]
pub fn toolchains() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        run(wcomp().args(["setup"]), &[]).success();
    });
}

/// Values made once per test run, one per name: concurrent callers of one
/// name wait for the one that makes it; a maker that panics leaves the
/// next caller to try again.
#[allow(dead_code)]
pub struct OncePerName<T>(OnceLock<Mutex<HashMap<String, Arc<OnceLock<T>>>>>);

#[allow(dead_code)]
impl<T: Clone> OncePerName<T> {
    pub const fn new() -> Self {
        OncePerName(OnceLock::new())
    }

    /// The value of `name`, made by `make` if no caller has made it yet.
    pub fn get(&self, name: &str, make: impl FnOnce() -> T) -> T {
        let cell = self
            .0
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_owned())
            .or_default()
            .clone();
        cell.get_or_init(make).clone()
    }
}

/// The guest fixture `name` from `tests/guests/`, built with the pinned
/// toolchains once per test run (concurrent callers wait for the one build).
#[allow(dead_code)]
pub fn guest(name: &str) -> PathBuf {
    static BUILT: OncePerName<PathBuf> = OncePerName::new();
    BUILT.get(name, || {
        toolchains();
        let out_dir = target_dir().join("test-guests");
        let mut build = Command::new("bash");
        for var in WCOMP_BUILD_ONLY {
            build.env_remove(var);
        }
        let output = build
            .arg(repo().join("tests/guests/build.sh"))
            .arg(name)
            .env("OUT", &out_dir)
            .env("WCOMP_HOME", home())
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "building guest `{name}` failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        out_dir.join(format!("{name}.wasm"))
    })
}

/// Copies `from` into `to`, recursively, following symlinks and skipping
/// build outputs.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["target", "Cargo.lock", "node_modules", "__pycache__"]
            .contains(&&*name.to_string_lossy())
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// An app with a Rust command (`cli`), a Python and a JS library exporting
/// `wcomp:test/greet`, made from the guest fixtures, in a fresh directory.
#[allow(dead_code)]
pub fn polyglot_app() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let guests = repo().join("tests/guests");
    copy_dir(&guests.join("rust-hello-p2"), &dir.join("cli"));
    copy_dir(&guests.join("py-lib"), &dir.join("upper"));
    copy_dir(&guests.join("js-lib"), &dir.join("js"));
    for lib in ["upper", "js"] {
        std::fs::remove_dir_all(dir.join(lib).join("wit")).unwrap();
    }
    copy_dir(&repo().join("wit/wasi-0.2"), &dir.join("wit/deps"));
    let greet = std::fs::read_to_string(guests.join("py-lib/wit/world.wit")).unwrap();
    std::fs::write(
        dir.join("wit/app.wit"),
        format!("{greet}\nworld cli {{\n  export wasi:cli/run@0.2.12;\n}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("app.toml"),
        r#"# The test app.
[app]
name = "polyglot"
main = "cli"

[components.cli]
lang = "rust"

[components.upper]
lang = "python"
world = "greeter"

[components.js]
lang = "js"
world = "greeter"
js-backend = "componentize-qjs"
"#,
    )
    .unwrap();
    tmp
}

/// The worlds of `tests/wit/kinds` every language scaffolds; `None` is the
/// starter command (no `--world`).
#[allow(dead_code)]
pub const KIND_WORLDS: [Option<&str>; 5] = [
    None,
    Some("types"),
    Some("resources"),
    Some("streams"),
    Some("consumer"),
];

/// Scaffolds every language of `langs` × [`KIND_WORLDS`] into a new app in
/// `dir`, as `<lang>-<world>`; returns `(name, world)` in order.
#[allow(dead_code)]
pub fn scaffold_kinds(dir: &Path, langs: &[&str]) -> Vec<(String, Option<&'static str>)> {
    copy_dir(&repo().join("tests/wit/kinds"), &dir.join("wit"));
    let mut components = Vec::new();
    for world in KIND_WORLDS {
        for lang in langs {
            let name = format!("{lang}-{}", world.unwrap_or("starter"));
            let mut args = vec!["new", name.as_str(), "--lang", lang];
            if let Some(world) = world {
                args.extend(["--world", world]);
            }
            wcomp_in(dir, &args).success();
            components.push((name, world));
        }
    }
    components
}

/// A file's text as a snapshot shows it: a Cargo.lock (hundreds of pinned
/// versions, copied from a template) as its package count and this
/// package's entry.
fn summarized(rel: &Path, text: String) -> String {
    if rel.file_name().is_none_or(|n| n != "Cargo.lock") {
        return text;
    }
    let packages: Vec<&str> = text.split("[[package]]\n").skip(1).collect();
    let own = packages
        .iter()
        .find(|p| !p.contains("source = "))
        .map_or("", |p| p.trim_end());
    format!("{} packages pinned; this one:\n{own}\n", packages.len())
}

/// A generated component's files for a snapshot, each with its text;
/// files under `listed_only` (generated by a third-party tool) are only
/// named.
#[allow(dead_code)]
pub fn tree(dir: &Path, listed_only: Option<&str>) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut shown = Vec::new();
    let mut listed = Vec::new();
    for f in files {
        let rel = f.strip_prefix(dir).unwrap().to_owned();
        if listed_only.is_some_and(|prefix| rel.starts_with(prefix)) {
            listed.push(rel.display().to_string());
        } else {
            let text = std::fs::read_to_string(&f).unwrap();
            shown.push(format!("=== {}\n{}", rel.display(), summarized(&rel, text)));
        }
    }
    match listed_only {
        Some(_) => format!("generated: {}\n\n{}", listed.join(", "), shown.join("\n")),
        None => shown.join("\n"),
    }
}
