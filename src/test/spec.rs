//! Test files: `tests/*.toml` beside app.toml, each a list of `[[test]]`
//! cases, read into checked [`Case`]s. Spans into the file stay with each
//! case, so that everything found wrong later (an unknown component, a mock
//! value of the wrong type) points at what the person wrote.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use wcomp_host::Call;

/// The text of a test file, shared by the diagnostics about it.
pub type Source = Arc<NamedSource<String>>;

/// A test file that cannot be used as written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SpecError {
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(wcomp::test::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{message}")]
    #[diagnostic(code(wcomp::test::syntax))]
    Syntax {
        message: String,
        #[source_code]
        src: Source,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    /// Something of a case that is wrong where it is written.
    #[error("test `{test}`: {message}")]
    #[diagnostic(code(wcomp::test::invalid))]
    Invalid {
        test: String,
        message: String,
        #[source_code]
        src: Source,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },
}

/// `tests/NAME.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    test: Vec<Spanned<RawCase>>,
}

/// One `[[test]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCase {
    name: Spanned<String>,
    component: Option<Spanned<String>>,
    invoke: Option<Spanned<String>>,
    expect: Option<Spanned<String>>,
    args: Option<Vec<String>>,
    stdin: Option<Spanned<RawInput>>,
    stdout: Option<Spanned<RawOutput>>,
    stderr: Option<Spanned<RawOutput>>,
    exit: Option<i32>,
    trap: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    files: Option<Spanned<RawFiles>>,
    #[serde(default)]
    network: bool,
    timeout: Option<Spanned<String>>,
    max_memory: Option<Spanned<String>>,
    fuel: Option<u64>,
    clock: Option<Spanned<toml::value::Datetime>>,
    random_seed: Option<u64>,
    #[serde(default)]
    mock: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, RawMockFunction>>,
    request: Option<Spanned<RawRequest>>,
    status: Option<u16>,
    body: Option<Spanned<RawOutput>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

/// `request = { method = "POST", path = "/stats", headers = {...}, body = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    #[serde(default = "get")]
    method: String,
    #[serde(default = "root")]
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: String,
}

fn get() -> String {
    "GET".into()
}

fn root() -> String {
    "/".into()
}

/// `stdin = "text"` or `stdin = { file = "input.txt" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawInput {
    Text(String),
    File { file: PathBuf },
}

/// `stdout = "exact text"` or `stdout = { snapshot = "out.txt" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawOutput {
    Text(String),
    Snapshot { snapshot: PathBuf },
}

/// `files = { dir = "data", at = "/data", scratch = true, expect = "after" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFiles {
    dir: PathBuf,
    at: Option<String>,
    #[serde(default)]
    scratch: bool,
    expect: Option<PathBuf>,
}

/// `[test.mock."ns:pkg/iface@ver".func]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMockFunction {
    #[serde(default)]
    returns: Vec<Spanned<String>>,
    calls: Option<Spanned<u32>>,
    #[serde(default)]
    when: Vec<RawWhen>,
    args: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    streams: Vec<Spanned<RawInput>>,
}

/// `when = [{ args = "(1, 2)", returns = "3" }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    args: Spanned<String>,
    returns: Option<Spanned<String>>,
}

/// One test case, checked.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// Its place among the cases of a run, for reports.
    pub order: usize,
    /// The file it is written in, for messages.
    pub file: PathBuf,
    pub src: Source,
    pub span: Range<usize>,
    /// The component under test; `None` for the composed app.
    pub component: Option<Spanned<String>>,
    pub run: Run,
    /// The virtual world it runs in.
    pub world: World,
    pub mocks: Vec<Mock>,
}

/// What a case runs and what it expects.
#[derive(Debug, Clone)]
pub enum Run {
    /// A call of an exported function, WAVE in and out.
    Invoke {
        call: Call,
        span: Range<usize>,
        expect: Option<String>,
        trap: Option<String>,
    },
    /// An HTTP request to the handler (`wasi:http`), served as `wcomp
    /// serve` serves it.
    Request {
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        /// The response's status (200 unless given).
        status: u16,
        /// Headers the response must have, with these values.
        expect_headers: Vec<(String, String)>,
        expect_body: Option<Expected>,
    },
    /// The cases a test component lists (see [`super::components`]),
    /// each run on its own.
    Listed,
    /// A run of the command (`wasi:cli/run`).
    Command {
        args: Vec<String>,
        stdin: Input,
        stdout: Option<Expected>,
        stderr: Option<Expected>,
        exit: i32,
        trap: Option<String>,
    },
}

/// What the guest reads on stdin, or a mocked stream yields.
#[derive(Debug, Clone)]
pub enum Input {
    Text(String),
    File(PathBuf),
}

impl Input {
    /// Its bytes, or why a file's cannot be read.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            Input::Text(text) => Ok(text.clone().into_bytes()),
            Input::File(path) => {
                std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
            }
        }
    }
}

/// Expected output: exact text, or a snapshot file (`--update` writes it).
#[derive(Debug, Clone)]
pub enum Expected {
    Text(String),
    Snapshot(PathBuf),
}

/// The guest's world: files, environment, network, limits, and its clock
/// and randomness when they are fixed.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub env: Vec<(String, String)>,
    pub files: Option<Files>,
    pub network: bool,
    pub timeout: Option<Duration>,
    pub max_memory: Option<u64>,
    pub fuel: Option<u64>,
    /// `clock = 2024-01-01T00:00:00Z`: the wall clock stands there.
    pub clock: Option<SystemTime>,
    /// `random-seed = 42`: `wasi:random` gives the same bytes every run.
    pub random_seed: Option<u64>,
}

/// A folder the guest sees.
#[derive(Debug, Clone)]
pub struct Files {
    pub dir: PathBuf,
    pub at: String,
    /// Run on a copy, writable, instead of the folder read-only.
    pub scratch: bool,
    /// What the copy must hold afterwards.
    pub expect: Option<PathBuf>,
}

/// The answers of one mocked interface.
#[derive(Debug, Clone)]
pub struct Mock {
    pub interface: Spanned<String>,
    pub functions: Vec<MockFunction>,
}

/// The answers of one function of a mock, and the calls it must get.
#[derive(Debug, Clone)]
pub struct MockFunction {
    pub name: Spanned<String>,
    /// The answers to calls no `when` matches, one per call, the last
    /// repeated.
    pub returns: Vec<Spanned<String>>,
    /// How many calls it must get.
    pub calls: Option<Spanned<u32>>,
    /// Answers for calls with given arguments, the first match winning.
    pub when: Vec<When>,
    /// The arguments each call must have, in order (WAVE, as a call writes
    /// them: `(1, 2)`).
    pub args: Option<Vec<Spanned<String>>>,
    /// For a function returning a `stream<u8>`: what each call's stream
    /// yields (text, or a file's bytes), the last repeated.
    pub streams: Vec<Spanned<Input>>,
}

impl MockFunction {
    /// Whether the host must see its calls: to match or record their
    /// arguments, or to answer with a stream.
    pub fn intercepted(&self) -> bool {
        !self.when.is_empty() || self.args.is_some() || !self.streams.is_empty()
    }
}

/// An answer for the calls whose arguments are `args`.
#[derive(Debug, Clone)]
pub struct When {
    pub args: Spanned<String>,
    /// What such a call returns (nothing, for a function without a result).
    pub returns: Option<Spanned<String>>,
}

/// Limits of a case unless it says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;

/// Reads the test file at `path`; relative paths in it start at its folder.
pub fn load(path: &Path) -> Result<Vec<Case>, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, text)
}

/// Parses test file text; `path` names it and anchors relative paths.
pub fn parse(path: &Path, text: String) -> Result<Vec<Case>, SpecError> {
    let src: Source = Arc::new(NamedSource::new(path.display().to_string(), text));
    let raw: RawFile = toml::from_str(src.inner()).map_err(|e| SpecError::Syntax {
        message: e.message().to_owned(),
        src: src.clone(),
        span: e.span().map(Into::into),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut cases = Vec::new();
    for raw in raw.test {
        let span = raw.span();
        let raw = raw.into_inner();
        let name = raw.name.get_ref().clone();
        let reader = CaseReader {
            src: &src,
            dir,
            test: &name,
        };
        if seen.insert(name.clone(), raw.name.span()).is_some() {
            return Err(reader.invalid(
                raw.name.span(),
                "another test has the same name",
                "a second time",
                Some("give each test of a file its own name".into()),
            ));
        }
        let run = reader.run(&raw)?;
        let world = reader.world(&raw)?;
        let mocks = mocks(reader.dir, raw.mock);
        cases.push(Case {
            order: 0,
            name,
            file: path.to_owned(),
            src: src.clone(),
            span,
            component: raw.component,
            run,
            world,
            mocks,
        });
    }
    Ok(cases)
}

/// Reads the parts of one `[[test]]` of a file, whose errors point into it.
struct CaseReader<'a> {
    src: &'a Source,
    /// The file's folder, where its relative paths start.
    dir: &'a Path,
    /// The test's name.
    test: &'a str,
}

impl CaseReader<'_> {
    /// An error about this test at `span`.
    fn invalid(
        &self,
        span: Range<usize>,
        message: &str,
        label: &str,
        help: Option<String>,
    ) -> SpecError {
        SpecError::Invalid {
            test: self.test.to_owned(),
            message: message.to_owned(),
            src: self.src.clone(),
            span: span.into(),
            label: label.to_owned(),
            help,
        }
    }

    /// What the test runs: a request, a call (`invoke`) or a command.
    fn run(&self, raw: &RawCase) -> Result<Run, SpecError> {
        let http_only = raw.status.is_some() || raw.body.is_some() || !raw.headers.is_empty();
        if http_only && raw.request.is_none() {
            return Err(self.invalid(
                raw.name.span(),
                "`status`, `body` and `headers` check the response to a `request`",
                "no `request`",
                Some("add `request = { method = \"GET\", path = \"/\" }`".into()),
            ));
        }
        match (&raw.request, &raw.invoke, &raw.args) {
            (Some(request), _, _) => self.request(raw, request),
            (None, Some(invoke), None) => self.invoke(raw, invoke),
            (None, None, _) => self.command(raw),
            (None, Some(invoke), Some(_)) => Err(self.invalid(
                invoke.span(),
                "a test has either `invoke` or `args`",
                "a call",
                Some("split it into two tests".into()),
            )),
        }
    }

    /// A `request` test: the request, and what its response must be.
    fn request(&self, raw: &RawCase, request: &Spanned<RawRequest>) -> Result<Run, SpecError> {
        if raw.invoke.is_some() || raw.args.is_some() || raw.stdout.is_some() {
            return Err(self.invalid(
                request.span(),
                "a `request` test has no `invoke`, `args` or `stdout`",
                "a request",
                Some("check the response with `status`, `headers` and `body`".into()),
            ));
        }
        let r = request.get_ref();
        Ok(Run::Request {
            method: r.method.to_ascii_uppercase(),
            path: r.path.clone(),
            headers: r.headers.clone().into_iter().collect(),
            body: r.body.clone().into_bytes(),
            status: raw.status.unwrap_or(200),
            expect_headers: raw
                .headers
                .clone()
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            expect_body: raw.body.as_ref().map(|b| expected(self.dir, b.get_ref())),
        })
    }

    /// An `invoke` test: the call, and its expected result or trap.
    fn invoke(&self, raw: &RawCase, invoke: &Spanned<String>) -> Result<Run, SpecError> {
        if raw.stdout.is_some() || raw.stderr.is_some() || raw.exit.is_some() {
            return Err(self.invalid(
                invoke.span(),
                "`stdout`, `stderr` and `exit` are for commands run with `args`",
                "a call",
                Some("check a call's result with `expect`".into()),
            ));
        }
        let call = Call::parse(invoke.get_ref()).map_err(|e| {
            self.invalid(
                invoke.span(),
                &format!("invalid `invoke`: {}", e.message),
                "not a call",
                Some(
                    "write a call like `add(1, 2)` or `ns:pkg/iface#f(\"x\")`, arguments in WAVE syntax"
                        .into(),
                ),
            )
        })?;
        if raw.expect.is_none() && raw.trap.is_none() {
            return Err(self.invalid(
                invoke.span(),
                "a call needs `expect` (its WAVE result) or `trap`",
                "nothing checked",
                None,
            ));
        }
        Ok(Run::Invoke {
            call,
            span: invoke.span(),
            expect: raw.expect.as_ref().map(|e| e.get_ref().trim().to_owned()),
            trap: raw.trap.clone(),
        })
    }

    /// A command test: its arguments and stdin, and its expected output
    /// and exit code.
    fn command(&self, raw: &RawCase) -> Result<Run, SpecError> {
        if let Some(expect) = &raw.expect {
            return Err(self.invalid(
                expect.span(),
                "`expect` checks the result of `invoke`",
                "no `invoke`",
                Some(
                    "add `invoke = \"f(args)\"`, or check a command with `stdout` and `exit`"
                        .into(),
                ),
            ));
        }
        let dir = self.dir;
        Ok(Run::Command {
            args: raw.args.clone().unwrap_or_default(),
            stdin: match raw.stdin.as_ref().map(Spanned::get_ref) {
                None => Input::Text(String::new()),
                Some(raw) => input(dir, raw),
            },
            stdout: raw.stdout.as_ref().map(|o| expected(dir, o.get_ref())),
            stderr: raw.stderr.as_ref().map(|o| expected(dir, o.get_ref())),
            exit: raw.exit.unwrap_or(0),
            trap: raw.trap.clone(),
        })
    }

    /// What the test's guest may use: environment, a folder, the network,
    /// and its limits.
    fn world(&self, raw: &RawCase) -> Result<World, SpecError> {
        let dir = self.dir;
        Ok(World {
            env: raw.env.clone().into_iter().collect(),
            files: raw.files.as_ref().map(|f| {
                let f = f.get_ref();
                Files {
                    dir: dir.join(&f.dir),
                    at: f.at.clone().unwrap_or_else(|| "/".into()),
                    scratch: f.scratch || f.expect.is_some(),
                    expect: f.expect.as_ref().map(|e| dir.join(e)),
                }
            }),
            network: raw.network,
            timeout: self
                .limit(&raw.timeout, |s| {
                    crate::flags::parse_duration(s)
                        .map(|d| d.as_millis() as u64)
                        .map_err(|e| e.to_string())
                })?
                .map(Duration::from_millis),
            max_memory: self.limit(&raw.max_memory, |s| {
                crate::flags::parse_size(s).map_err(|e| e.to_string())
            })?,
            fuel: raw.fuel,
            clock: raw.clock.as_ref().map(|c| self.clock(c)).transpose()?,
            random_seed: raw.random_seed,
        })
    }

    /// A `clock`: an offset date-time (`2024-01-01T00:00:00Z`), at or after
    /// 1970.
    fn clock(&self, clock: &Spanned<toml::value::Datetime>) -> Result<SystemTime, SpecError> {
        unix_time(clock.get_ref()).ok_or_else(|| {
            self.invalid(
                clock.span(),
                "`clock` must be a date and time with its offset, at or after 1970",
                "not a point in time",
                Some("write it like `clock = 2024-01-01T00:00:00Z`".to_owned()),
            )
        })
    }

    /// A limit as written (`"5s"`, `"64MiB"`), read by `parse`.
    fn limit(
        &self,
        value: &Option<Spanned<String>>,
        parse: fn(&str) -> Result<u64, String>,
    ) -> Result<Option<u64>, SpecError> {
        value
            .as_ref()
            .map(|v| {
                parse(v.get_ref()).map_err(|why| self.invalid(v.span(), &why, "not a limit", None))
            })
            .transpose()
    }
}

/// The point in time a TOML offset date-time names; `None` for a local
/// date or time, or one before 1970.
fn unix_time(datetime: &toml::value::Datetime) -> Option<SystemTime> {
    use toml::value::Offset;
    let (date, time, offset) = (datetime.date?, datetime.time?, datetime.offset?);
    let offset_minutes = match offset {
        Offset::Z => 0,
        Offset::Custom { minutes } => i64::from(minutes),
    };
    let seconds = days_from_civil(i64::from(date.year), date.month.into(), date.day.into())
        * 86_400
        + i64::from(time.hour) * 3_600
        + i64::from(time.minute) * 60
        + i64::from(time.second.unwrap_or(0))
        - offset_minutes * 60;
    let seconds = u64::try_from(seconds).ok()?;
    let nanos = time.nanosecond.unwrap_or(0);
    Some(SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos))
}

/// Days from 1970-01-01 to the date `year-month-day` of the proleptic
/// Gregorian calendar (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The mocks of a test, as written; files are read from `dir`.
fn mocks(
    dir: &Path,
    raw: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, RawMockFunction>>,
) -> Vec<Mock> {
    raw.into_iter()
        .map(|(interface, functions)| Mock {
            interface,
            functions: functions
                .into_iter()
                .map(|(name, f)| MockFunction {
                    name,
                    returns: f.returns,
                    calls: f.calls,
                    when: f
                        .when
                        .into_iter()
                        .map(|w| When {
                            args: w.args,
                            returns: w.returns,
                        })
                        .collect(),
                    args: f.args,
                    streams: f
                        .streams
                        .into_iter()
                        .map(|raw| {
                            let span = raw.span();
                            Spanned::new(span, input(dir, raw.get_ref()))
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// Text, or a file in `dir`.
fn input(dir: &Path, raw: &RawInput) -> Input {
    match raw {
        RawInput::Text(t) => Input::Text(t.clone()),
        RawInput::File { file } => Input::File(dir.join(file)),
    }
}

fn expected(dir: &Path, raw: &RawOutput) -> Expected {
    match raw {
        RawOutput::Text(t) => Expected::Text(t.clone()),
        RawOutput::Snapshot { snapshot } => Expected::Snapshot(dir.join(snapshot)),
    }
}

impl Case {
    /// Whether its mocks match or record arguments, which the host does
    /// with the target's components linked (see [`crate::test::intercept`]).
    pub fn intercepted(&self) -> bool {
        let functions = self.mocks.iter().flat_map(|m| &m.functions);
        functions.into_iter().any(MockFunction::intercepted)
    }

    /// Whether its mocks check the calls they get (how many, or with
    /// which arguments): a request case then has a server of its own, so
    /// that the calls it sees are its request's alone.
    pub fn checks_calls(&self) -> bool {
        let mut functions = self.mocks.iter().flat_map(|m| &m.functions);
        functions.any(|f| f.calls.is_some() || f.intercepted())
    }

    /// An error about this case, pointing at `span` in its file.
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> SpecError {
        SpecError::Invalid {
            test: self.name.clone(),
            message: message.into(),
            src: self.src.clone(),
            span: span.into(),
            label: label.into(),
            help,
        }
    }

    /// The component under test, for messages: its name, or `the app`.
    pub fn subject(&self) -> String {
        match &self.component {
            Some(c) => format!("`{}`", c.get_ref()),
            None => "the app".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<u64> {
        let datetime: toml::value::Datetime = text.parse().unwrap();
        unix_time(&datetime).map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs())
    }

    #[test]
    fn clocks_are_points_in_time() {
        assert_eq!(at("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(at("2024-01-01T00:00:00Z"), Some(1_704_067_200));
        assert_eq!(at("2024-02-29T12:30:15.5+02:00"), Some(1_709_202_615));
        assert_eq!(at("2000-03-01T00:00:00-00:30"), Some(951_870_600));
        // A local date-time says no point in time; before 1970 is refused.
        assert_eq!(at("2024-01-01T00:00:00"), None);
        assert_eq!(at("2024-01-01"), None);
        assert_eq!(at("1969-12-31T23:59:59Z"), None);
    }
}
