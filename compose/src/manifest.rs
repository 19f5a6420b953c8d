//! The app manifest, `app.toml`: the app's components, how each is built, and
//! any wiring that cannot be inferred.
//!
//! ```toml
//! [app]
//! name = "greeter"
//! main = "cli"
//! host-imports = ["wasi:keyvalue/store@0.2.0-draft"]
//!
//! [components.cli]
//! lang = "rust"
//! path = "cli"
//! world = "cli"
//!
//! [components.lib]
//! lang = "python"
//! wit = "lib/wit"                 # default: `wit` in its folder, else the app's `wit/`
//! world = "docs:lib/lib@0.1.0"    # short or fully qualified
//!
//! [components.clock]
//! wasm = "vendor/clock.wasm"
//!
//! [components.adder]
//! package = "docs:adder@0.1"      # fetched from a registry, not built
//!
//! [components.cli.plug]
//! "demo:text/transform" = "upper"
//!
//! [wit.deps]                      # WIT packages fetched from a registry
//! "wasi:http" = "0.2.6"
//! ```
//!
//! Unknown keys are errors, names are kebab-case, and every error points at
//! its span in the file. The file is read into private, spanned types and
//! checked into the public model ([`App`], [`ComponentEntry`]); spans stay
//! inside this crate.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::Lang;
use crate::capabilities::{Capabilities, Capability};
use crate::package::{PackageName, PackageSpec};

/// The default manifest file name.
pub const FILE_NAME: &str = "app.toml";

/// The manifest's text, shared by every diagnostic about it.
pub type Source = Arc<NamedSource<String>>;

/// Why an app manifest could not be loaded, or a change to it made.
///
/// Every variant about the file's contents carries its text and a span
/// into it. New variants may be added.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ManifestError {
    /// There is no file at the manifest path.
    #[error("no app manifest at `{}`", path.display())]
    #[diagnostic(
        code(wcomp::manifest::missing),
        help(
            "create one with `wcomp new NAME --lang rust|python|js`, or give the path of an existing one"
        )
    )]
    Missing {
        /// The manifest path, as given.
        path: PathBuf,
    },

    /// The manifest could not be read.
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(wcomp::manifest::io))]
    Io {
        /// The manifest path, as given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The manifest is not valid UTF-8.
    #[error("`{}` is not UTF-8 text", path.display())]
    #[diagnostic(
        code(wcomp::manifest::not_utf8),
        help("the first invalid byte is at line {line}, column {column}; save the file as UTF-8")
    )]
    NotUtf8 {
        /// The manifest path, as given.
        path: PathBuf,
        /// The line of the first invalid byte, from 1.
        line: usize,
        /// Its column, in characters from 1.
        column: usize,
    },

    /// The manifest is not valid TOML, or not an app manifest: an
    /// unknown key, a missing one, a value of the wrong type.
    #[error("{message}")]
    #[diagnostic(code(wcomp::manifest::syntax))]
    Syntax {
        /// The TOML parser's message, shown as the error itself.
        message: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// Where the problem is, when the parser knows.
        #[label("here")]
        span: Option<SourceSpan>,
        /// A hint for the common mistakes (a bare date, an unknown key).
        #[help]
        help: Option<String>,
    },

    /// An app or component name is not kebab-case.
    #[error("invalid {what} name `{name}`")]
    #[diagnostic(
        code(wcomp::manifest::invalid_name),
        help("names are kebab-case (lowercase words joined by `-`), e.g. `{suggestion}`")
    )]
    InvalidName {
        /// What is named: `app`, `main component` or `component`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// The nearest kebab-case spelling, as [`KebabName::new`] gives it.
        suggestion: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The name.
        #[label("not kebab-case")]
        span: SourceSpan,
    },

    /// `main` or a `plug` names a component the app does not have.
    #[error("{what} names `{name}`, which is not a component of this app")]
    #[diagnostic(code(wcomp::manifest::unknown_component), help("{known}"))]
    UnknownComponent {
        /// What names it, for the message: `` `main` `` or `a plug`.
        what: &'static str,
        /// The name as written.
        name: String,
        /// The sentence listing the app's components (or saying it has none),
        /// shown as help.
        known: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The name.
        #[label("unknown component")]
        span: SourceSpan,
    },

    /// A component is both prebuilt (`wasm`) and built from sources (`lang`).
    #[error("component `{component}` has both `wasm` and `lang`")]
    #[diagnostic(
        code(wcomp::manifest::wasm_and_lang),
        help("keep `wasm` for a prebuilt component, or `lang` to build it from sources")
    )]
    WasmAndLang {
        /// The component, by its name in app.toml.
        component: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The `wasm` entry.
        #[label("a prebuilt component")]
        span: SourceSpan,
    },

    /// A component is neither prebuilt (`wasm`) nor built from sources
    /// (`lang`).
    #[error("component `{component}` has neither `lang` nor `wasm`")]
    #[diagnostic(
        code(wcomp::manifest::no_lang),
        help(
            "add `lang = \"rust\"` (or `python`, `js`) to build it, `wasm = \"path\"` for a prebuilt one, or `package = \"ns:name@version\"` for a published one"
        )
    )]
    NeitherLangNorWasm {
        /// The component, by its name in app.toml.
        component: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The component's name in its `[components.NAME]` header.
        #[label("this component")]
        span: SourceSpan,
    },

    /// A component has `package` and also `wasm` or `lang`.
    #[error("component `{component}` has both `package` and `{other}`")]
    #[diagnostic(
        code(wcomp::manifest::package_and_source),
        help(
            "a component is fetched from a registry (`package`), prebuilt (`wasm`) or built from sources (`lang`): keep one"
        )
    )]
    PackageAndSource {
        /// The component, by its name in app.toml.
        component: String,
        /// The other key: `wasm` or `lang`.
        other: &'static str,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The `package` value.
        #[label("fetched from a registry")]
        span: SourceSpan,
    },

    /// A `package` value that is not `namespace:name@requirement`.
    #[error("invalid package `{text}` for component `{component}`: {reason}")]
    #[diagnostic(
        code(wcomp::manifest::invalid_package),
        help(
            "write `namespace:name@requirement`, e.g. `docs:adder@0.1` (any 0.1.x) or `docs:adder@=1.2.3`; requirements follow Cargo's rules"
        )
    )]
    InvalidPackage {
        /// The value as written.
        text: String,
        /// The component, by its name in app.toml.
        component: String,
        /// What is wrong with it.
        reason: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The `package` value.
        #[label("not a package requirement")]
        span: SourceSpan,
    },

    /// A `[wit.deps]` entry that is not `"namespace:name" = "requirement"`.
    #[error("invalid WIT dependency `{name}`: {reason}")]
    #[diagnostic(
        code(wcomp::manifest::invalid_wit_dep),
        help(
            "write `\"namespace:name\" = \"requirement\"`, e.g. `\"wasi:http\" = \"0.2.6\"` (any 0.2.x from 0.2.6) or `\"=0.2.6\"`; requirements follow Cargo's rules"
        )
    )]
    InvalidWitDep {
        /// The package name, as written.
        name: String,
        /// What is wrong with it.
        reason: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The name or the requirement, whichever is wrong.
        #[label("{label}")]
        span: SourceSpan,
        /// The label: `not a package name` or `not a version requirement`.
        label: &'static str,
    },

    /// A key that only some languages take is given to a component of
    /// another (`js-backend` outside JavaScript, `cflags` outside C and C++).
    #[error("`{key}` applies only to {applies_to} components")]
    #[diagnostic(
        code(wcomp::manifest::misplaced_key),
        help("remove it from `{component}`")
    )]
    MisplacedKey {
        /// The key, as written in app.toml (`js-backend`, `cflags`).
        key: &'static str,
        /// The components it applies to, in words (`` `lang = "js"` ``).
        applies_to: &'static str,
        /// The component, by its name in app.toml.
        component: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The key's value.
        #[label("`{component}` is not one")]
        span: SourceSpan,
    },

    /// A path key is the empty string.
    #[error("`{key}` of component `{component}` is empty")]
    #[diagnostic(
        code(wcomp::manifest::empty_path),
        help("give a path relative to app.toml, or remove the key")
    )]
    EmptyPath {
        /// The key: `path`, `wit` or `wasm`.
        key: &'static str,
        /// The component, by its name in app.toml.
        component: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The empty value.
        #[label("empty")]
        span: SourceSpan,
    },

    /// `[app] output` is not a relative path inside the app's folder.
    #[error("`output` must be a file inside the app: `{}`", path.display())]
    #[diagnostic(
        code(wcomp::manifest::output),
        help(
            "give a path relative to app.toml that stays inside the app; to write elsewhere, pass `wcomp compose -o PATH`"
        )
    )]
    OutputOutsideApp {
        /// The `output` path, as written.
        path: PathBuf,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The `output` value.
        #[label("{reason}")]
        span: SourceSpan,
        /// What is wrong with it, shown as the label: `an absolute path`,
        /// `leaves the app through ..` and the like.
        reason: &'static str,
    },

    /// A `capabilities` entry is not a capability wcomp knows.
    #[error("unknown capability `{word}` for component `{component}`")]
    #[diagnostic(
        code(wcomp::manifest::unknown_capability),
        help(
            "the known capabilities are `files`, `env`, `network`, `http` and `all`; stdio, clocks and random are always available"
        )
    )]
    UnknownCapability {
        /// The word as written.
        word: String,
        /// The component, by its name in app.toml.
        component: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The word.
        #[label("not a capability")]
        span: SourceSpan,
    },

    /// An `[app] host-imports` entry is neither an interface name nor
    /// `ns:pkg/*`.
    #[error("invalid host import `{entry}`")]
    #[diagnostic(
        code(wcomp::manifest::host_import),
        help(
            "write an interface name, `ns:pkg/iface@1.2.3` (the version optional), or a whole package, `ns:pkg/*`"
        )
    )]
    InvalidHostImport {
        /// The `[app] host-imports` entry as written.
        entry: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The entry.
        #[label("not an interface or package")]
        span: SourceSpan,
    },

    /// A component to add has the name of one the app already has.
    #[error("the app already has a component `{name}`")]
    #[diagnostic(
        code(wcomp::manifest::duplicate_component),
        help("choose another name, or remove this entry first")
    )]
    DuplicateComponent {
        /// The component name that is taken.
        name: String,
        /// The manifest's text, which the label points into.
        #[source_code]
        src: Source,
        /// The existing component's name.
        #[label("declared here")]
        span: SourceSpan,
    },
}

/// A valid kebab-case name: lowercase words of letters and digits, each
/// starting with a letter, joined by single dashes. App and component names
/// are kebab names, as component-model tools require.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KebabName(String);

impl KebabName {
    /// `name` if it is kebab-case; otherwise the nearest kebab-case spelling,
    /// as a suggestion.
    pub fn new(name: &str) -> Result<KebabName, String> {
        if is_kebab_case(name) {
            Ok(KebabName(name.to_owned()))
        } else {
            Err(to_kebab_case(name))
        }
    }

    /// The name as text (always kebab-case).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KebabName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for KebabName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for KebabName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The nearest kebab-case spelling of `name`: letters lowercased, accents
/// dropped (`äddér` → `adder`), other characters turned into dashes.
fn to_kebab_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars().map(unaccented) {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('-');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = false;
        }
    }
    let kebab = words_start_with_letters(&out);
    if kebab.is_empty() {
        "my-component".to_owned()
    } else {
        kebab
    }
}

/// `words` (lowercase letters and digits, dash-separated) with every word
/// starting with a letter: the first word's leading digits are dropped
/// (`2fast` → `fast`), a later word that starts with a digit joins the word
/// before it (`v-2` → `v2`).
fn words_start_with_letters(words: &str) -> String {
    let mut out = String::new();
    for word in words.split('-').filter(|w| !w.is_empty()) {
        if !word.starts_with(|c: char| c.is_ascii_digit()) {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(word);
        } else if !out.is_empty() {
            out.push_str(word);
        } else {
            out.push_str(word.trim_start_matches(|c: char| c.is_ascii_digit()));
        }
    }
    out
}

/// The ASCII letter under a Latin accent, or the character itself.
fn unaccented(c: char) -> char {
    const MAP: &[(&str, char)] = &[
        ("àáâãäåā", 'a'),
        ("çćč", 'c'),
        ("ďđ", 'd'),
        ("èéêëēėę", 'e'),
        ("ìíîïī", 'i'),
        ("ñńň", 'n'),
        ("òóôõöøō", 'o'),
        ("ŕř", 'r'),
        ("śšß", 's'),
        ("ťţ", 't'),
        ("ùúûüūů", 'u'),
        ("ýÿ", 'y'),
        ("źżž", 'z'),
        ("ÀÁÂÃÄÅĀ", 'A'),
        ("ÇĆČ", 'C'),
        ("ÈÉÊËĒ", 'E'),
        ("ÌÍÎÏ", 'I'),
        ("ÑŃ", 'N'),
        ("ÒÓÔÕÖØ", 'O'),
        ("ÙÚÛÜ", 'U'),
        ("ÝŸ", 'Y'),
    ];
    MAP.iter()
        .find(|(accented, _)| accented.contains(c))
        .map_or(c, |(_, plain)| *plain)
}

/// Which JavaScript componentizer builds a JS component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JsBackend {
    /// StarlingMonkey through `jco componentize`: full JS with `console` and
    /// `fetch`, for synchronous WASI 0.2 worlds.
    ComponentizeJs,
    /// QuickJS: small and quick to build; async exports, streams, futures and
    /// `wasi:cli/run@0.3`, but no `console`.
    ComponentizeQjs,
}

impl JsBackend {
    /// The name used in app.toml.
    pub fn name(self) -> &'static str {
        match self {
            JsBackend::ComponentizeJs => "componentize-js",
            JsBackend::ComponentizeQjs => "componentize-qjs",
        }
    }
}

/// `[app]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawApp {
    name: Spanned<String>,
    main: Spanned<String>,
    output: Option<Spanned<PathBuf>>,
    #[serde(default)]
    host_imports: Vec<Spanned<String>>,
}

/// `[components.NAME]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawComponent {
    lang: Option<Spanned<Lang>>,
    path: Option<Spanned<PathBuf>>,
    wit: Option<Spanned<PathBuf>>,
    world: Option<Spanned<String>>,
    wasm: Option<Spanned<PathBuf>>,
    package: Option<Spanned<String>>,
    js_backend: Option<Spanned<JsBackend>>,
    cflags: Option<Spanned<Vec<String>>>,
    ldflags: Option<Spanned<Vec<String>>>,
    capabilities: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    plug: BTreeMap<String, Spanned<String>>,
}

/// `[wit]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWit {
    /// `"ns:name" = "requirement"`.
    #[serde(default)]
    deps: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// The whole file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    app: RawApp,
    #[serde(default)]
    components: BTreeMap<Spanned<String>, RawComponent>,
    #[serde(default)]
    wit: RawWit,
}

/// One component of the app, checked.
#[derive(Debug, Clone)]
pub struct ComponentEntry {
    name: KebabName,
    pub(crate) name_span: Range<usize>,
    lang: Option<Lang>,
    path: Option<PathBuf>,
    wit: Option<PathBuf>,
    world: Option<String>,
    pub(crate) wasm: Option<Spanned<PathBuf>>,
    package: Option<PackageSpec>,
    js_backend: Option<JsBackend>,
    cflags: Vec<String>,
    ldflags: Vec<String>,
    capabilities: Option<Capabilities>,
    pub(crate) plug: BTreeMap<String, Spanned<String>>,
}

impl ComponentEntry {
    /// The component's name: its key in `[components.NAME]`.
    pub fn name(&self) -> &KebabName {
        &self.name
    }

    /// The source language; `None` for a prebuilt component.
    pub fn lang(&self) -> Option<Lang> {
        self.lang
    }

    /// The source directory, relative to app.toml: `path`, or the
    /// component's name.
    pub fn source_dir(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| PathBuf::from(self.name.as_str()))
    }

    /// `wit` as app.toml gives it (a folder or a file), relative to
    /// app.toml. The WIT a component is built against is
    /// [`App::component_wit`], which also looks in its folder.
    pub fn wit(&self) -> Option<&Path> {
        self.wit.as_deref()
    }

    /// The world it implements, as written: a short name or a fully
    /// qualified one; the component's name by default.
    pub fn world(&self) -> &str {
        self.world.as_deref().unwrap_or(self.name.as_str())
    }

    /// Whether `world` was given rather than defaulted.
    pub fn has_explicit_world(&self) -> bool {
        self.world.is_some()
    }

    /// A prebuilt component, relative to app.toml.
    pub fn wasm(&self) -> Option<&Path> {
        self.wasm.as_ref().map(|w| w.get_ref().as_path())
    }

    /// A published component, fetched from a registry instead of built.
    pub fn package(&self) -> Option<&PackageSpec> {
        self.package.as_ref()
    }

    /// For JS components: the componentizer app.toml asks for, if any.
    pub fn js_backend(&self) -> Option<JsBackend> {
        self.js_backend
    }

    /// For C/C++: flags added to every compile, after wcomp's own (so `-O2`
    /// here overrides the profile's level).
    pub fn cflags(&self) -> &[String] {
        &self.cflags
    }

    /// For C/C++: flags added to the link.
    pub fn ldflags(&self) -> &[String] {
        &self.ldflags
    }

    /// The `capabilities` app.toml gives the component, if it gives any.
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.capabilities.as_ref()
    }

    /// Explicit wiring: interface name to the component that provides it.
    pub fn plugs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.plug
            .iter()
            .map(|(interface, target)| (interface.as_str(), target.get_ref().as_str()))
    }
}

/// A loaded app: its manifest, checked, and where it lives.
#[derive(Debug, Clone)]
pub struct App {
    path: PathBuf,
    dir: PathBuf,
    source: Source,
    name: KebabName,
    main: KebabName,
    pub(crate) main_span: Range<usize>,
    /// `[app] output`, and where it is written in app.toml.
    output: Option<(PathBuf, Range<usize>)>,
    host_imports: Vec<String>,
    components: BTreeMap<KebabName, ComponentEntry>,
    wit_deps: Vec<PackageSpec>,
}

/// Reads the whole of the manifest at `path`.
fn read_manifest(path: &Path) -> Result<String, ManifestError> {
    let bytes = match wcomp_core::fs::read_regular(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ManifestError::Missing {
                path: path.to_owned(),
            });
        }
        Err(source) => {
            return Err(ManifestError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = &bytes[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        ManifestError::NotUtf8 {
            path: path.to_owned(),
            line,
            column: String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1,
        }
    })
}

impl App {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        Self::parse(path, read_manifest(path)?)
    }

    /// Reads a manifest that is about to gain component `pending`: `main` and
    /// plugs may already name it, and it must not exist yet. Used by
    /// `wcomp new`.
    pub fn load_adding(path: &Path, pending: &KebabName) -> Result<Self, ManifestError> {
        let app = Self::parse_with(path, read_manifest(path)?, Some(pending))?;
        if let Some(existing) = app.components.get(pending) {
            return Err(ManifestError::DuplicateComponent {
                name: pending.to_string(),
                src: app.source.clone(),
                span: existing.name_span.clone().into(),
            });
        }
        Ok(app)
    }

    /// Parses and checks manifest text; `path` names it in diagnostics and
    /// anchors relative paths.
    pub fn parse(path: &Path, source: String) -> Result<Self, ManifestError> {
        Self::parse_with(path, source, None)
    }

    fn parse_with(
        path: &Path,
        source: String,
        pending: Option<&KebabName>,
    ) -> Result<Self, ManifestError> {
        let src: Source = Arc::new(NamedSource::new(path.display().to_string(), source));
        let raw: RawManifest = toml::from_str(src.inner()).map_err(|e| syntax_error(&src, &e))?;
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let check = Checker { src: &src };
        let mut components = BTreeMap::new();
        for (name, raw) in raw.components {
            let entry = check.component(name, raw)?;
            components.insert(entry.name.clone(), entry);
        }
        let app = App {
            path: path.to_owned(),
            dir,
            name: check.name(&raw.app.name, "app")?,
            main: check.name(&raw.app.main, "main component")?,
            main_span: raw.app.main.span(),
            output: check.output(raw.app.output)?,
            host_imports: check.host_imports(raw.app.host_imports)?,
            wit_deps: check.wit_deps(raw.wit.deps)?,
            source: src.clone(),
            components,
        };
        app.check_references(pending)?;
        Ok(app)
    }

    /// `main` and every plug target must be components of the app (or the
    /// one being added).
    fn check_references(&self, pending: Option<&KebabName>) -> Result<(), ManifestError> {
        let known = |name: &str| {
            self.components.keys().any(|k| k == name) || pending.is_some_and(|p| p == name)
        };
        for entry in self.components.values() {
            for target in entry.plug.values() {
                if !known(target.get_ref()) {
                    return Err(self.unknown_component("a plug", target.get_ref(), target.span()));
                }
            }
        }
        if !known(self.main.as_str()) {
            return Err(self.unknown_component(
                "`main`",
                self.main.as_str(),
                self.main_span.clone(),
            ));
        }
        Ok(())
    }

    fn unknown_component(
        &self,
        what: &'static str,
        name: &str,
        span: Range<usize>,
    ) -> ManifestError {
        let known: Vec<String> = self.component_names().map(|n| format!("`{n}`")).collect();
        ManifestError::UnknownComponent {
            what,
            name: name.to_owned(),
            known: if known.is_empty() {
                "the app has no components yet; add one with `wcomp new`".into()
            } else {
                format!("the app's components are {}", known.join(", "))
            },
            src: self.source.clone(),
            span: span.into(),
        }
    }

    /// The manifest file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory of the manifest; relative paths start here.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest's text.
    pub fn text(&self) -> &str {
        self.source.inner()
    }

    /// The manifest's text, named, for diagnostics.
    pub fn source(&self) -> Source {
        self.source.clone()
    }

    /// The app's name.
    pub fn name(&self) -> &KebabName {
        &self.name
    }

    /// The main component's name.
    pub fn main(&self) -> &KebabName {
        &self.main
    }

    /// Imports a target host other than wcomp's provides: exact interface
    /// names, or packages as `ns:pkg/*`.
    pub fn host_imports(&self) -> &[String] {
        &self.host_imports
    }

    /// The WIT packages `[wit.deps]` fetches from registries, sorted by
    /// name: every component's WIT may use them, as if they were in its
    /// `deps/`.
    pub fn wit_deps(&self) -> &[PackageSpec] {
        &self.wit_deps
    }

    /// Where the WIT packages of `[wit.deps]` are kept once fetched, each
    /// as `<namespace>-<name>@<version>.wasm` (a WIT package encoded as
    /// Wasm, as `wkg wit build` writes it): `target/wcomp/wit-deps`.
    pub fn fetched_wit_dir(&self) -> PathBuf {
        self.build_dir().join("wit-deps")
    }

    /// The component called `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentEntry> {
        self.components
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e)
    }

    /// Every component, sorted by name.
    pub fn components(&self) -> impl Iterator<Item = &ComponentEntry> {
        self.components.values()
    }

    /// Component names, sorted.
    pub fn component_names(&self) -> impl Iterator<Item = &str> {
        self.components.keys().map(KebabName::as_str)
    }

    /// Where the composed component goes: `[app] output`, or
    /// `composed.wasm`, beside app.toml.
    pub fn output(&self) -> PathBuf {
        self.dir.join(
            self.output
                .as_ref()
                .map_or(Path::new("composed.wasm"), |(path, _)| path),
        )
    }

    /// [`App::output`], checked against the file system: an `[app] output`
    /// that a symbolic link (one of its folders, or the file itself) takes
    /// out of the app's folder is refused, as `..` is when the manifest is
    /// read. A path that cannot be resolved is left for the write to report.
    pub fn checked_output(&self) -> Result<PathBuf, ManifestError> {
        let path = self.output();
        let Some((given, span)) = &self.output else {
            return Ok(path);
        };
        let resolve = wcomp_core::fs::resolve;
        match (resolve(&self.dir), resolve(&path)) {
            (Ok(dir), Ok(target)) if !target.starts_with(&dir) => {
                Err(ManifestError::OutputOutsideApp {
                    path: given.clone(),
                    src: self.source.clone(),
                    span: span.clone().into(),
                    reason: "leaves the app through a symbolic link",
                })
            }
            _ => Ok(path),
        }
    }

    /// The app's WIT directory.
    pub fn wit_dir(&self) -> PathBuf {
        self.dir.join("wit")
    }

    /// The WIT a component's world is read from, and why that one: `wit`
    /// in its app.toml entry; else the `wit` in its source folder, which is
    /// what its own tools read (wit-bindgen's `generate!` and
    /// cargo-component in a Rust crate, componentize-py, jco); else the
    /// app's `wit/`. Every command that reads a component's world asks here.
    pub fn component_wit(&self, entry: &ComponentEntry) -> ComponentWit {
        if let Some(wit) = entry.wit() {
            return ComponentWit {
                path: self.dir.join(wit),
                origin: WitOrigin::Manifest,
            };
        }
        match own_wit(&self.dir, &entry.source_dir()) {
            Some(path) => ComponentWit {
                path,
                origin: WitOrigin::Own,
            },
            None => ComponentWit {
                path: self.wit_dir(),
                origin: WitOrigin::App,
            },
        }
    }

    /// Where `wcomp build` keeps its outputs and state (see [`build_dir`]).
    pub fn build_dir(&self) -> PathBuf {
        build_dir(&self.dir)
    }

    /// Where `wcomp build` writes component `name`.
    pub fn build_output(&self, name: &str) -> PathBuf {
        self.build_dir().join(format!("{name}.wasm"))
    }

    /// The binary component `name` is composed from: its prebuilt `wasm`, or
    /// what `wcomp build` produces (or fetches, for a `package`).
    pub fn component_wasm(&self, name: &str) -> Option<PathBuf> {
        let entry = self.component(name)?;
        Some(match entry.wasm() {
            Some(wasm) => self.dir.join(wasm),
            None => self.build_output(name),
        })
    }

    /// What component `name` may use of the host's grants: its
    /// `capabilities`, else everything for `main` and nothing for the others.
    pub fn granted(&self, name: &str) -> Capabilities {
        match self.component(name).and_then(ComponentEntry::capabilities) {
            Some(explicit) => explicit.clone(),
            None if self.main == *name => Capabilities::all(),
            None => Capabilities::none(),
        }
    }

    /// The span of `[components.NAME]`'s name.
    pub(crate) fn component_span(&self, name: &str) -> Range<usize> {
        self.component(name).map_or(0..0, |e| e.name_span.clone())
    }
}

/// The WIT a component's world is read from: see [`App::component_wit`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComponentWit {
    /// A folder or a `.wit` file (or a link to either); relative paths
    /// start where app.toml's do.
    pub path: PathBuf,
    /// Why this WIT and not another.
    pub origin: WitOrigin,
}

/// Where a component's WIT comes from, in the order it is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WitOrigin {
    /// `wit = ...` in the component's app.toml entry.
    Manifest,
    /// The `wit` in the component's source folder.
    Own,
    /// The app's `wit/` beside app.toml.
    App,
}

impl WitOrigin {
    /// What it is, in words: `the component's own`.
    pub fn describe(self) -> &'static str {
        match self {
            WitOrigin::Manifest => "its `wit` in app.toml",
            WitOrigin::Own => "the component's own",
            WitOrigin::App => "the app's",
        }
    }
}

/// The WIT a component in `source_dir` (relative to the app folder
/// `app_dir`) keeps of its own: a `wit` folder, file or link there (a
/// dangling link too, so that reading it says what is wrong), unless that
/// is the app's `wit/` itself (a component in the app's own folder).
pub fn own_wit(app_dir: &Path, source_dir: &Path) -> Option<PathBuf> {
    let dir = app_dir.join(source_dir);
    // `Path` equality compares components, so `./.` is `.`.
    let is_app_dir = dir == app_dir
        || std::fs::canonicalize(&dir)
            .is_ok_and(|dir| std::fs::canonicalize(app_dir).is_ok_and(|app| app == dir));
    let own = dir.join("wit");
    (!is_app_dir && std::fs::symlink_metadata(&own).is_ok()).then_some(own)
}

/// Where `wcomp build` keeps its outputs and state for the app in
/// `app_dir`: `target/wcomp` beside app.toml.
pub fn build_dir(app_dir: &Path) -> PathBuf {
    app_dir.join("target").join("wcomp")
}

/// Checks the raw manifest into the public model.
struct Checker<'a> {
    src: &'a Source,
}

impl Checker<'_> {
    fn name(&self, name: &Spanned<String>, what: &'static str) -> Result<KebabName, ManifestError> {
        KebabName::new(name.get_ref()).map_err(|suggestion| ManifestError::InvalidName {
            what,
            name: name.get_ref().clone(),
            suggestion,
            src: self.src.clone(),
            span: name.span().into(),
        })
    }

    /// One `[components.NAME]` table, checked: a kebab name, `lang` or
    /// `wasm` (one of them), keys that fit its language, no empty path.
    fn component(
        &self,
        name: Spanned<String>,
        raw: RawComponent,
    ) -> Result<ComponentEntry, ManifestError> {
        let kebab = self.name(&name, "component")?;
        let component = kebab.to_string();
        self.check_source(&component, &name, &raw)?;
        let lang = raw.lang.as_ref().map(|l| *l.get_ref());
        self.check_language_keys(&component, lang, &raw)?;
        self.check_paths(&component, &raw)?;
        let package = raw
            .package
            .as_ref()
            .map(|p| self.package(&component, p))
            .transpose()?;
        let capabilities = raw
            .capabilities
            .map(|words| self.capabilities(&component, &words))
            .transpose()?;
        Ok(ComponentEntry {
            name: kebab,
            name_span: name.span(),
            capabilities,
            lang,
            path: raw.path.map(Spanned::into_inner),
            wit: raw.wit.map(Spanned::into_inner),
            world: raw.world.map(Spanned::into_inner),
            wasm: raw.wasm,
            package,
            js_backend: raw.js_backend.map(Spanned::into_inner),
            cflags: raw.cflags.map(Spanned::into_inner).unwrap_or_default(),
            ldflags: raw.ldflags.map(Spanned::into_inner).unwrap_or_default(),
            plug: raw.plug,
        })
    }

    /// A component is built from sources (`lang`) or prebuilt (`wasm`).
    fn check_source(
        &self,
        component: &str,
        name: &Spanned<String>,
        raw: &RawComponent,
    ) -> Result<(), ManifestError> {
        let (component, src) = (component.to_owned(), self.src.clone());
        if let Some(package) = &raw.package {
            let other = match (&raw.wasm, &raw.lang, &raw.path) {
                (Some(_), _, _) => Some("wasm"),
                (_, Some(_), _) => Some("lang"),
                (_, _, Some(_)) => Some("path"),
                _ => None,
            };
            return match other {
                Some(other) => Err(ManifestError::PackageAndSource {
                    component,
                    other,
                    src,
                    span: package.span().into(),
                }),
                None => Ok(()),
            };
        }
        match (&raw.wasm, &raw.lang) {
            (Some(wasm), Some(_)) => Err(ManifestError::WasmAndLang {
                component,
                src,
                span: wasm.span().into(),
            }),
            (None, None) => Err(ManifestError::NeitherLangNorWasm {
                component,
                src,
                span: name.span().into(),
            }),
            _ => Ok(()),
        }
    }

    /// `js-backend` is for JS, `cflags` and `ldflags` for C and C++.
    fn check_language_keys(
        &self,
        component: &str,
        lang: Option<Lang>,
        raw: &RawComponent,
    ) -> Result<(), ManifestError> {
        let js = [("js-backend", raw.js_backend.as_ref().map(Spanned::span))];
        let c = [
            ("cflags", raw.cflags.as_ref().map(Spanned::span)),
            ("ldflags", raw.ldflags.as_ref().map(Spanned::span)),
        ];
        let misplaced = |applies_to, keys: &[(&'static str, Option<Range<usize>>)]| {
            keys.iter()
                .find_map(|(key, span)| Some((*key, span.clone()?)))
                .map(|(key, span)| ManifestError::MisplacedKey {
                    key,
                    applies_to,
                    component: component.to_owned(),
                    src: self.src.clone(),
                    span: span.into(),
                })
        };
        if lang != Some(Lang::Js)
            && let Some(e) = misplaced("`lang = \"js\"`", &js)
        {
            return Err(e);
        }
        if !matches!(lang, Some(Lang::C | Lang::Cpp))
            && let Some(e) = misplaced("`lang = \"c\"` and `lang = \"cpp\"`", &c)
        {
            return Err(e);
        }
        Ok(())
    }

    /// `path`, `wit` and `wasm`, when given, are not empty.
    fn check_paths(&self, component: &str, raw: &RawComponent) -> Result<(), ManifestError> {
        for (key, path) in [("path", &raw.path), ("wit", &raw.wit), ("wasm", &raw.wasm)] {
            if let Some(path) = path
                && path.get_ref().as_os_str().is_empty()
            {
                return Err(ManifestError::EmptyPath {
                    key,
                    component: component.to_owned(),
                    src: self.src.clone(),
                    span: path.span().into(),
                });
            }
        }
        Ok(())
    }

    /// `package = "ns:name@requirement"`.
    fn package(
        &self,
        component: &str,
        text: &Spanned<String>,
    ) -> Result<PackageSpec, ManifestError> {
        text.get_ref()
            .parse()
            .map_err(|reason| ManifestError::InvalidPackage {
                text: text.get_ref().clone(),
                component: component.to_owned(),
                reason,
                src: self.src.clone(),
                span: text.span().into(),
            })
    }

    /// A `capabilities` list: capability words, or `all`.
    fn capabilities(
        &self,
        component: &str,
        words: &[Spanned<String>],
    ) -> Result<Capabilities, ManifestError> {
        for word in words {
            if word.get_ref() != "all" && word.get_ref().parse::<Capability>().is_err() {
                return Err(ManifestError::UnknownCapability {
                    word: word.get_ref().clone(),
                    component: component.to_owned(),
                    src: self.src.clone(),
                    span: word.span().into(),
                });
            }
        }
        Capabilities::parse(words.iter().map(|w| w.get_ref().as_str())).map_err(|e| {
            ManifestError::UnknownCapability {
                word: e.0,
                component: component.to_owned(),
                src: self.src.clone(),
                span: (0..0).into(),
            }
        })
    }

    /// `[app] output`: a file path inside the app (an app's manifest does
    /// not write outside the app; the command line can).
    fn output(
        &self,
        output: Option<Spanned<PathBuf>>,
    ) -> Result<Option<(PathBuf, Range<usize>)>, ManifestError> {
        let Some(output) = output else {
            return Ok(None);
        };
        let path = output.get_ref();
        let reason = if path.as_os_str().is_empty() {
            Some("empty")
        } else if path.to_string_lossy().contains('\0') {
            Some("contains a NUL character")
        } else if path.is_absolute() {
            Some("an absolute path")
        } else if path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            Some("leaves the app through `..`")
        } else {
            None
        };
        match reason {
            None => {
                let span = output.span();
                Ok(Some((output.into_inner(), span)))
            }
            Some(reason) => Err(ManifestError::OutputOutsideApp {
                path: path.clone(),
                src: self.src.clone(),
                span: output.span().into(),
                reason,
            }),
        }
    }

    /// `[wit.deps]`: package names and the versions they may have.
    fn wit_deps(
        &self,
        deps: BTreeMap<Spanned<String>, Spanned<String>>,
    ) -> Result<Vec<PackageSpec>, ManifestError> {
        let invalid = |name: &Spanned<String>, reason, span: Range<usize>, label| {
            ManifestError::InvalidWitDep {
                name: name.get_ref().clone(),
                reason,
                src: self.src.clone(),
                span: span.into(),
                label,
            }
        };
        deps.into_iter()
            .map(|(name, requirement)| {
                let package: PackageName = name
                    .get_ref()
                    .parse()
                    .map_err(|reason| invalid(&name, reason, name.span(), "not a package name"))?;
                let text = requirement.get_ref();
                let req = semver::VersionReq::parse(text.trim()).map_err(|e| {
                    invalid(
                        &name,
                        format!("`{text}` is not a version requirement ({e})"),
                        requirement.span(),
                        "not a version requirement",
                    )
                })?;
                Ok(PackageSpec::new(package, req))
            })
            .collect()
    }

    fn host_imports(&self, entries: Vec<Spanned<String>>) -> Result<Vec<String>, ManifestError> {
        entries
            .into_iter()
            .map(|entry| {
                let text = entry.get_ref();
                let valid = match text.strip_suffix("/*") {
                    Some(package) => package.split_once(':').is_some_and(|(ns, pkg)| {
                        !ns.is_empty() && !pkg.is_empty() && !pkg.contains(['/', '@', ':'])
                    }),
                    None => wcomp_core::InterfaceName::parse(text).is_some(),
                };
                if valid {
                    Ok(entry.into_inner())
                } else {
                    Err(ManifestError::InvalidHostImport {
                        entry: text.clone(),
                        src: self.src.clone(),
                        span: entry.span().into(),
                    })
                }
            })
            .collect()
    }
}

/// A TOML or schema error, at its span, in words a person can act on.
fn syntax_error(src: &Source, e: &toml::de::Error) -> ManifestError {
    let message = e.message().to_owned();
    let help = if message.contains("invalid type: map") {
        Some(
            "a value here must be a quoted string; a bare date or time is read as a TOML date-time"
                .to_owned(),
        )
    } else if message.starts_with("unknown field") {
        Some(
            "see the app.toml reference in the wcomp book for the keys each table takes".to_owned(),
        )
    } else {
        None
    };
    ManifestError::Syntax {
        message: message.replace(
            "invalid type: map, expected a string",
            "expected a string, found a table or date-time",
        ),
        src: src.clone(),
        span: e.span().map(Into::into),
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<App, ManifestError> {
        App::parse(Path::new("app.toml"), text.to_owned())
    }

    #[test]
    fn kebab_names() {
        for ok in ["cli", "hello-world2", "a-b-c"] {
            assert!(KebabName::new(ok).is_ok(), "{ok}");
        }
        for (bad, suggestion) in [
            ("Hello", "hello"),
            ("a--b", "a-b"),
            ("2fast", "fast"),
            ("", "my-component"),
            ("HelloWorld", "hello-world"),
            ("my_comp", "my-comp"),
            ("3d model", "d-model"),
            ("äddér", "adder"),
            // The suggestion must be kebab-case itself (the app_manifest fuzz
            // target checks it): a word after a dash may start with a digit.
            ("a-1", "a1"),
            ("web-2-0", "web20"),
            ("1-2-x", "x"),
            ("3 4", "my-component"),
        ] {
            assert!(KebabName::new(suggestion).is_ok(), "{suggestion}");
            assert_eq!(KebabName::new(bad).unwrap_err(), suggestion, "{bad}");
        }
    }

    #[test]
    fn wit_deps_are_package_requirements_sorted_by_name() {
        let app = parse(
            r#"
            [app]
            name = "calc"
            main = "cli"

            [components.cli]
            lang = "rust"

            [wit.deps]
            "wasi:keyvalue" = "=0.2.0-draft"
            "docs:adder" = "0.1"
            "#,
        )
        .unwrap();
        let deps: Vec<String> = app.wit_deps().iter().map(ToString::to_string).collect();
        assert_eq!(deps, ["docs:adder@^0.1", "wasi:keyvalue@=0.2.0-draft"]);
        let adder = &app.wit_deps()[0];
        assert!(adder.requirement().matches(&"0.1.7".parse().unwrap()));
        assert!(!adder.requirement().matches(&"0.2.0".parse().unwrap()));
        assert_eq!(
            app.fetched_wit_dir(),
            PathBuf::from("./target/wcomp/wit-deps")
        );
        let none = parse("[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nwasm = \"x.wasm\"\n");
        assert!(none.unwrap().wit_deps().is_empty());
        let unknown = parse(
            "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nwasm = \"x.wasm\"\n[wit]\npath = \"w\"\n",
        );
        assert!(matches!(unknown, Err(ManifestError::Syntax { .. })));
    }

    #[test]
    fn a_full_manifest() {
        let app = parse(
            r#"
            [app]
            name = "greeter"
            main = "cli"
            host-imports = ["wasi:keyvalue/store@0.2.0-draft", "fermyon:spin/*"]

            [components.cli]
            lang = "rust"
            world = "command"

            [components.cli.plug]
            "demo:text/transform" = "upper"

            [components.upper]
            lang = "js"
            path = "js/upper"
            wit = "js/upper/wit"
            js-backend = "componentize-qjs"

            [components.clock]
            wasm = "vendor/clock.wasm"
            "#,
        )
        .unwrap();
        assert_eq!(app.main().as_str(), "cli");
        assert_eq!(app.host_imports().len(), 2);
        assert_eq!(
            app.component_names().collect::<Vec<_>>(),
            ["cli", "clock", "upper"]
        );
        let upper = app.component("upper").unwrap();
        assert_eq!(upper.source_dir(), PathBuf::from("js/upper"));
        assert_eq!(upper.world(), "upper");
        assert_eq!(
            app.component_wit(upper).path,
            PathBuf::from("./js/upper/wit")
        );
        assert_eq!(app.component_wit(upper).origin, WitOrigin::Manifest);
        assert_eq!(upper.js_backend(), Some(JsBackend::ComponentizeQjs));
        let cli = app.component("cli").unwrap();
        assert_eq!(cli.world(), "command");
        assert_eq!(
            cli.plugs().collect::<Vec<_>>(),
            [("demo:text/transform", "upper")]
        );
        assert_eq!(app.component_wit(cli).path, PathBuf::from("./wit"));
        assert_eq!(app.component_wit(cli).origin, WitOrigin::App);
        assert_eq!(
            app.component_wasm("clock").unwrap(),
            PathBuf::from("./vendor/clock.wasm")
        );
        assert_eq!(
            app.build_output("cli"),
            PathBuf::from("./target/wcomp/cli.wasm")
        );
    }

    #[test]
    fn a_component_folder_with_its_own_wit_is_built_against_it() {
        let dir = tempfile::tempdir().unwrap();
        let at = |p: &str| dir.path().join(p);
        for folder in ["wit", "crate/wit", "plain", "in-app/wit"] {
            std::fs::create_dir_all(at(folder)).unwrap();
        }
        std::fs::create_dir_all(at("linked")).unwrap();
        std::os::unix::fs::symlink("../wit", at("linked/wit")).unwrap();
        std::fs::create_dir_all(at("dangling")).unwrap();
        std::os::unix::fs::symlink("../nowhere", at("dangling/wit")).unwrap();
        std::fs::write(
            at("app.toml"),
            r#"
            [app]
            name = "a"
            main = "own"
            [components.own]
            lang = "rust"
            path = "crate"
            [components.explicit]
            lang = "rust"
            path = "crate"
            wit = "wit"
            [components.plain]
            lang = "python"
            [components.linked]
            lang = "js"
            [components.dangling]
            lang = "c"
            [components.here]
            lang = "rust"
            path = "."
            [components.also-here]
            lang = "rust"
            path = "in-app/.."
            "#,
        )
        .unwrap();
        let app = App::load(&at("app.toml")).unwrap();
        let wit = |name: &str| {
            let wit = app.component_wit(app.component(name).unwrap());
            let rel = wit.path.strip_prefix(dir.path()).unwrap().to_owned();
            (rel, wit.origin)
        };
        assert_eq!(wit("own"), (PathBuf::from("crate/wit"), WitOrigin::Own));
        assert_eq!(wit("explicit"), (PathBuf::from("wit"), WitOrigin::Manifest));
        assert_eq!(wit("plain"), (PathBuf::from("wit"), WitOrigin::App));
        assert_eq!(wit("linked"), (PathBuf::from("linked/wit"), WitOrigin::Own));
        assert_eq!(
            wit("dangling"),
            (PathBuf::from("dangling/wit"), WitOrigin::Own)
        );
        // A component in the app's own folder: its `wit` is the app's.
        assert_eq!(wit("here"), (PathBuf::from("wit"), WitOrigin::App));
        assert_eq!(wit("also-here"), (PathBuf::from("wit"), WitOrigin::App));
    }

    #[test]
    fn errors_are_typed_and_point_at_their_span() {
        let base = "[app]\nname = \"a\"\nmain = \"x\"\n";
        type Is = fn(&ManifestError) -> bool;
        let cases: &[(&str, &str, Is)] = &[
            ("color = 1\n", "color", |e| {
                matches!(e, ManifestError::Syntax { .. })
            }),
            ("", "\"x\"", |e| {
                matches!(e, ManifestError::UnknownComponent { .. })
            }),
            ("[components.x]\nlang = \"cobol\"\n", "\"cobol\"", |e| {
                matches!(e, ManifestError::Syntax { .. })
            }),
            ("[components.x]\npath = \"x\"\n", "x]", |e| {
                matches!(e, ManifestError::NeitherLangNorWasm { .. })
            }),
            (
                "[components.x]\nlang = \"rust\"\nwasm = \"x.wasm\"\n",
                "\"x.wasm\"",
                |e| matches!(e, ManifestError::WasmAndLang { .. }),
            ),
            (
                "[components.x]\nlang = \"rust\"\njs-backend = \"componentize-js\"\n",
                "\"componentize-js\"",
                |e| matches!(e, ManifestError::MisplacedKey { .. }),
            ),
            ("[components.X]\nlang = \"rust\"\n", "X]", |e| {
                matches!(e, ManifestError::InvalidName { .. })
            }),
            (
                "[components.x]\nlang = \"rust\"\n[components.x.plug]\n\"a:b/c\" = \"nope\"\n",
                "\"nope\"",
                |e| matches!(e, ManifestError::UnknownComponent { .. }),
            ),
            (
                "[components.x]\nlang = \"rust\"\nwit = \"\"\n",
                "\"\"",
                |e| matches!(e, ManifestError::EmptyPath { .. }),
            ),
            (
                "[components.x]\nlang = \"rust\"\ncapabilities = [\"env\", \"disk\"]\n",
                "\"disk\"",
                |e| matches!(e, ManifestError::UnknownCapability { .. }),
            ),
        ];
        for (extra, at, is) in cases {
            let text = format!("{base}{extra}");
            let err = parse(&text).unwrap_err();
            assert!(is(&err), "{text:?}: {err:?}");
            let span = miette::Diagnostic::labels(&err)
                .and_then(|mut l| l.next())
                .expect("a label")
                .inner()
                .to_owned();
            let expected = text.find(at).unwrap();
            assert!(
                span.offset() <= expected && expected < span.offset() + span.len().max(1),
                "{text:?}: span {span:?}, expected at {expected}: {err}"
            );
        }
        let err = parse("[app]\nname = \"Bad_Name\"\nmain = \"x\"\n").unwrap_err();
        assert!(
            matches!(err, ManifestError::InvalidName { what: "app", .. }),
            "{err:?}"
        );
        let err =
            parse("[app]\nname = \"a\"\nmain = \"x\"\nhost-imports = [\"nope\"]\n").unwrap_err();
        assert!(
            matches!(err, ManifestError::InvalidHostImport { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn c_flags_belong_to_c_components() {
        let app = parse(
            "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nlang = \"cpp\"\ncflags = [\"-O2\", \"-DX=1\"]\nldflags = [\"-lm\"]\n",
        )
        .unwrap();
        let x = app.component("x").unwrap();
        assert_eq!(x.cflags(), ["-O2", "-DX=1"]);
        assert_eq!(x.ldflags(), ["-lm"]);
        let text = "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nlang = \"rust\"\nldflags = [\"-lm\"]\n";
        let err = parse(text).unwrap_err();
        let ManifestError::MisplacedKey {
            key: "ldflags",
            span,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(span.offset(), text.find("[\"-lm\"]").unwrap());
    }

    #[test]
    fn a_datetime_name_gets_a_useful_message() {
        let err = parse("[app]\nname = 1979-05-27\nmain = \"x\"\n").unwrap_err();
        let text = format!(
            "{err} {:?}",
            miette::Diagnostic::help(&err).map(|h| h.to_string())
        );
        assert!(!text.contains("invalid type: map"), "{text}");
        assert!(text.contains("date-time"), "{text}");
    }

    #[test]
    fn non_utf8_manifests_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.toml");
        std::fs::write(&path, b"[app]\nname = \"a\xff\"\n").unwrap();
        let err = App::load(&path).unwrap_err();
        assert!(
            matches!(
                err,
                ManifestError::NotUtf8 {
                    line: 2,
                    column: 10,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
