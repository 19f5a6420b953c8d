//! Data-driven runs of the real `wcomp` binary, one test per case folder.
//!
//! Each folder under `tests/cases/<group>/` holding a `case.toml` is a case:
//! its other files are copied into a scratch folder (`*.wat` assembled to
//! `*.wasm` beside them), the command in `case.toml` runs there with an
//! empty `$WCOMP_HOME` and no network, and what it did is compared with
//! `output.snap` beside the case: the exit code, stdout, stderr with paths
//! filtered, and any files the case asks to show. Every case also checks
//! that nothing panicked, that it did not hang, and (for failures) that the
//! scratch folder is exactly as it was: a failed command writes nothing.
//!
//! Adding a case is adding a folder; `INSTA_UPDATE=always cargo test --test
//! cli-cases` writes new snapshots for review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

/// `case.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case checks, for people.
    #[allow(dead_code)]
    about: String,
    /// The arguments after `wcomp`.
    args: Vec<String>,
    /// The expected exit code.
    #[serde(default = "one")]
    exit: i32,
    /// The folder to run in, relative to the scratch folder.
    #[serde(default)]
    cwd: Option<PathBuf>,
    /// Extra environment variables.
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Text fed to stdin (none: stdin is empty).
    #[serde(default)]
    stdin: Option<String>,
    /// Things to make in the scratch folder before the run.
    #[serde(default)]
    setup: Vec<Setup>,
    /// Files whose contents the snapshot shows after the run.
    #[serde(default)]
    show: Vec<PathBuf>,
    /// Show the list of files after the run.
    #[serde(default)]
    tree: bool,
    /// How long the command may take before the case fails as a hang.
    #[serde(default = "sixty")]
    timeout_secs: u64,
}

fn one() -> i32 {
    1
}

fn sixty() -> u64 {
    60
}

/// Something a case needs that files alone cannot hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
enum Setup {
    /// A named pipe.
    Fifo(PathBuf),
    /// A symbolic link at `at` pointing to `to` (as written).
    Symlink { at: PathBuf, to: PathBuf },
    /// An empty folder.
    Dir(PathBuf),
    /// A file of raw bytes, written in hex.
    Bytes { at: PathBuf, hex: String },
    /// A copy of a file or folder of the repository (`*.wat` assembled to
    /// `*.wasm`, as the case's own files are).
    Copy { from: PathBuf, to: PathBuf },
    /// What an earlier `wcomp` command writes: it runs with these
    /// arguments in the scratch folder (with a home of its own), and must
    /// succeed.
    Wcomp(Vec<String>),
    /// A text file too long to keep in the repository: `before`, then
    /// `fill` `times` times, then `after`.
    Long {
        at: PathBuf,
        before: String,
        fill: String,
        times: usize,
        after: String,
    },
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cases_root() -> PathBuf {
    repo().join("tests/cases")
}

fn main() {
    let args = Arguments::from_args();
    let trials = discover()
        .into_iter()
        .map(|(name, dir)| Trial::test(name, move || run_case(&dir)));
    libtest_mimic::run(&args, trials.collect()).exit();
}

/// Every case folder, named `<group>::<case>`. Groups whose name starts
/// with `_` hold shared files; in any other group, every folder is a case,
/// so one whose `case.toml` is missing or misnamed fails instead of being
/// skipped.
fn discover() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut groups: Vec<PathBuf> = read_dir(&cases_root())
        .into_iter()
        .filter(|p| p.is_dir() && !file_name(p).starts_with('_'))
        .collect();
    groups.sort();
    for group in groups {
        let mut cases: Vec<PathBuf> = read_dir(&group)
            .into_iter()
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        for case in cases {
            let name = format!("{}::{}", file_name(&group), file_name(&case));
            found.push((name, case));
        }
    }
    found
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Runs one case and compares it with its snapshot.
fn run_case(dir: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(dir.join("case.toml")).map_err(|e| {
        format!(
            "`{}` is a case folder without a readable `case.toml` ({e}); every folder of a case group is a case",
            dir.display()
        )
    })?;
    let case: Case = toml::from_str(&text).map_err(|e| format!("case.toml: {e}"))?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_inputs(dir, scratch.path())?;
    for step in &case.setup {
        setup(scratch.path(), step)?;
    }
    let before = tree(scratch.path());
    let out = execute(&case, scratch.path(), home.path())?;
    if out.stderr.contains("panicked") || out.code == 101 || out.code < 0 {
        return Err(format!("wcomp crashed:\n{}", out.report).into());
    }
    if out.code != case.exit {
        return Err(format!(
            "exit code {} instead of {}:\n{}",
            out.code, case.exit, out.report
        )
        .into());
    }
    let after = tree(scratch.path());
    if case.exit != 0 && before != after {
        return Err(format!(
            "a failed command changed its folder:\nbefore: {before:?}\nafter:  {after:?}\n{}",
            out.report
        )
        .into());
    }
    let snapshot = describe(&case, scratch.path(), &out, &after);
    compare(dir, snapshot)
}

/// Copies a case's input files, assembling `*.wat` to `*.wasm`.
fn copy_inputs(from: &Path, to: &Path) -> Result<(), String> {
    for path in read_dir(from) {
        let name = file_name(&path);
        if matches!(
            name.as_str(),
            "case.toml" | "output.snap" | "output.snap.new"
        ) {
            continue;
        }
        let target = to.join(&name);
        if path.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_inputs(&path, &target)?;
        } else if path.extension().is_some_and(|e| e == "wat") {
            let bytes = wat::parse_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::write(target.with_extension("wasm"), bytes).map_err(|e| e.to_string())?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn setup(scratch: &Path, step: &Setup) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("setup {step:?}: {e}");
    match step {
        Setup::Fifo(at) => {
            let path = std::ffi::CString::new(scratch.join(at).to_string_lossy().as_bytes())
                .map_err(|e| e.to_string())?;
            // SAFETY: a valid NUL-terminated path.
            if unsafe { libc::mkfifo(path.as_ptr(), 0o600) } != 0 {
                return Err(fail(std::io::Error::last_os_error()));
            }
        }
        Setup::Symlink { at, to } => {
            let at = scratch.join(at);
            if let Some(parent) = at.parent() {
                std::fs::create_dir_all(parent).map_err(fail)?;
            }
            std::os::unix::fs::symlink(to, at).map_err(fail)?;
        }
        Setup::Dir(at) => std::fs::create_dir_all(scratch.join(at)).map_err(fail)?,
        Setup::Bytes { at, hex } => {
            let bytes: Result<Vec<u8>, _> = hex
                .split_whitespace()
                .map(|b| u8::from_str_radix(b, 16))
                .collect();
            std::fs::write(scratch.join(at), bytes.map_err(|e| e.to_string())?).map_err(fail)?;
        }
        Setup::Copy { from, to } => {
            copy_tree(&repo().join(from), &scratch.join(to)).map_err(fail)?
        }
        Setup::Wcomp(args) => run_setup_command(scratch, args)?,
        Setup::Long {
            at,
            before,
            fill,
            times,
            after,
        } => {
            let text = format!("{before}{}{after}", fill.repeat(*times));
            std::fs::write(scratch.join(at), text).map_err(fail)?
        }
    }
    Ok(())
}

/// Runs `wcomp ARGS` in `scratch` for a case's setup.
fn run_setup_command(scratch: &Path, args: &[String]) -> Result<(), String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = Command::new(env!("CARGO_BIN_EXE_wcomp"))
        .args(args)
        .current_dir(scratch)
        .env("WCOMP_HOME", home.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("setup `wcomp {}`: {e}", args.join(" ")))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "setup `wcomp {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_file() {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if from.extension().is_some_and(|e| e == "wat") {
            let bytes = wat::parse_file(from).map_err(std::io::Error::other)?;
            std::fs::write(to.with_extension("wasm"), bytes)?;
        } else {
            std::fs::copy(from, to)?;
        }
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        copy_tree(&entry.path(), &to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Every path under `dir` with its size and, for files, a hash of its
/// contents (links as their target): enough to see any change.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for path in read_dir(&current) {
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap_or_default();
                out.push(format!("{rel} -> {}", to.display()));
            } else if meta.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.push(format!(
                    "{rel} ({} bytes, {:016x})",
                    bytes.len(),
                    fnv(&bytes)
                ));
            } else {
                out.push(format!("{rel} (special)"));
            }
        }
    }
    out.sort();
    out
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// A finished run.
struct Output {
    code: i32,
    stderr: String,
    report: String,
}

/// Runs the case's command, killing it if it outlives its timeout.
fn execute(case: &Case, scratch: &Path, home: &Path) -> Result<Output, String> {
    let cwd = scratch.join(case.cwd.as_deref().unwrap_or(Path::new(".")));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wcomp"));
    cmd.args(&case.args)
        .current_dir(&cwd)
        .env("WCOMP_HOME", home)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CI")
        .envs(&case.env)
        .stdin(if case.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run wcomp: {e}"))?;
    if let (Some(text), Some(mut stdin)) = (&case.stdin, child.stdin.take()) {
        use std::io::Write;
        let _ = stdin.write_all(text.as_bytes());
    }
    let deadline = Instant::now() + Duration::from_secs(case.timeout_secs);
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!(
                "wcomp {:?} hung for {}s",
                case.args, case.timeout_secs
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let filter = |bytes: &[u8]| filtered(&String::from_utf8_lossy(bytes), scratch, home);
    let (stdout, stderr) = (filter(&output.stdout), filter(&output.stderr));
    let code = output.status.code().unwrap_or(-1);
    Ok(Output {
        report: format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}"),
        code,
        stderr,
    })
}

/// Paths and durations that differ between runs, replaced by names.
fn filtered(text: &str, scratch: &Path, home: &Path) -> String {
    let mut text = without_reuse_counts(&without_durations(text));
    for (path, name) in [(scratch, "[CASE]"), (home, "[HOME]"), (repo(), "[REPO]")] {
        if let Ok(canonical) = std::fs::canonicalize(path) {
            text = text.replace(&*canonical.to_string_lossy(), name);
        }
        text = text.replace(&*path.to_string_lossy(), name);
    }
    text
}

/// `in 136ms`, `in 1.5s` become `in [TIME]`.
fn without_durations(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(" in ") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let digits = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        let unit = &tail[digits..];
        let unit_len = if unit.starts_with("ms") {
            2
        } else if unit.starts_with('s') {
            1
        } else {
            0
        };
        if digits > 0 && unit_len > 0 {
            out.push_str("[TIME]");
            rest = &tail[digits + unit_len..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// `, 2 of 14 functions from the cache` becomes `, [N] of [M] functions from
/// the cache`: which functions hit varies with Cranelift's cache keys, some
/// of which are not stable from one process to the next.
fn without_reuse_counts(text: &str) -> String {
    const PHRASE: &str = " functions from the cache";
    text.split_inclusive('\n')
        .map(|line| {
            let Some(end) = line.find(PHRASE) else {
                return line.to_owned();
            };
            match line[..end].rfind(", ") {
                Some(start) => format!("{}, [N] of [M]{}", &line[..start], &line[end..]),
                None => line.to_owned(),
            }
        })
        .collect()
}

/// What the snapshot holds: the run, the files shown, the tree.
fn describe(case: &Case, scratch: &Path, out: &Output, tree: &[String]) -> String {
    let mut text = format!("$ wcomp {}\n{}", case.args.join(" "), out.report);
    for file in &case.show {
        let contents = std::fs::read_to_string(scratch.join(file))
            .unwrap_or_else(|e| format!("<cannot read: {e}>\n"));
        text.push_str(&format!("--- {}\n{}", file.display(), contents));
    }
    if case.tree {
        text.push_str("--- files\n");
        for line in tree {
            // Hashes of generated files would churn the snapshot; names suffice.
            let name = line.split(" (").next().unwrap_or(line);
            text.push_str(&format!("{name}\n"));
        }
    }
    text
}

/// Compares with `output.snap` beside the case.
fn compare(dir: &Path, snapshot: String) -> Result<(), Failed> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(dir.join("case.toml"));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!("output", snapshot));
    }))
    .map_err(|_| {
        Failed::from(format!(
            "the output differs from {}/output.snap",
            dir.display()
        ))
    })
}
