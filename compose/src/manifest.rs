//! The app manifest, `app.toml`: the app's components, how each is built, and
//! any wiring that cannot be inferred.
//!
//! ```toml
//! [app]
//! name = "greeter"
//! main = "cli"
//!
//! [components.cli]
//! lang = "rust"
//! path = "cli"
//! world = "cli"
//!
//! [components.clock]
//! wasm = "vendor/clock.wasm"
//!
//! [components.cli.plug]
//! "demo:text/transform" = "upper"
//! ```
//!
//! Unknown keys are errors, names are kebab-case, and every error points at
//! its span in the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use miette::{NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::Lang;

/// The default manifest file name.
pub const FILE_NAME: &str = "app.toml";

/// Why an app manifest could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ManifestError {
    #[error("no app manifest at `{}`", path.display())]
    #[diagnostic(
        code(wcomp::manifest::missing),
        help(
            "create one with `wcomp new NAME --lang rust|python|js`, or give the path of an existing one"
        )
    )]
    Missing { path: PathBuf },

    #[error("cannot read `{}`", path.display())]
    #[diagnostic(code(wcomp::manifest::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Invalid(Box<InvalidManifest>),
}

/// A manifest that parses as TOML but says something wcomp cannot use, with
/// the span it is about.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(wcomp::manifest::invalid))]
pub struct InvalidManifest {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// `[app]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSection {
    /// The app's name, kebab-case.
    pub name: Spanned<String>,
    /// The component whose exports become the composed component's exports.
    pub main: Spanned<String>,
    /// Where `wcomp compose` writes the result; `composed.wasm` by default,
    /// relative to app.toml.
    pub output: Option<Spanned<PathBuf>>,
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

/// `[components.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComponentEntry {
    /// The source language; absent for prebuilt components.
    pub lang: Option<Spanned<Lang>>,
    /// The source directory, relative to app.toml; the component's name by
    /// default.
    pub path: Option<Spanned<PathBuf>>,
    /// The world in the app's `wit/` it implements; the component's name by
    /// default.
    pub world: Option<Spanned<String>>,
    /// A prebuilt component, relative to app.toml, used instead of building.
    pub wasm: Option<Spanned<PathBuf>>,
    /// For `lang = "js"`: which componentizer builds it.
    pub js_backend: Option<Spanned<JsBackend>>,
    /// For `lang = "c"` and `"cpp"`: flags added to every compile, after
    /// wcomp's own (so `-O2` here overrides the profile's level).
    pub cflags: Option<Spanned<Vec<String>>>,
    /// For `lang = "c"` and `"cpp"`: flags added to the link.
    pub ldflags: Option<Spanned<Vec<String>>>,
    /// Explicit wiring: interface name to the component that provides it.
    #[serde(default)]
    pub plug: BTreeMap<String, Spanned<String>>,
}

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub app: AppSection,
    #[serde(default)]
    pub components: BTreeMap<Spanned<String>, ComponentEntry>,
}

/// A loaded app: its manifest and where it lives.
#[derive(Debug, Clone)]
pub struct App {
    /// The manifest file.
    pub path: PathBuf,
    /// The directory of the manifest; relative paths start here.
    pub dir: PathBuf,
    /// The file's text, for diagnostics.
    pub source: String,
    pub manifest: Manifest,
}

/// Whether `name` is a valid kebab-case name: lowercase words of letters and
/// digits, each starting with a letter, joined by single dashes.
pub fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The nearest kebab-case spelling of `name`, for suggestions.
pub fn to_kebab_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
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
    let trimmed = out.trim_matches('-');
    let trimmed = trimmed.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    if trimmed.is_empty() {
        "my-component".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl App {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let source = match std::fs::read_to_string(path) {
            Ok(source) => source,
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
        Self::parse(path, source)
    }

    /// Reads a manifest that is about to gain component `pending`: `main` and
    /// plugs may already name it. Used by `wcomp new`.
    pub fn load_adding(path: &Path, pending: &str) -> Result<Self, ManifestError> {
        let source = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse_with(path, source, Some(pending))
    }

    /// Parses and validates manifest text; `path` names it in diagnostics and
    /// anchors relative paths.
    pub fn parse(path: &Path, source: String) -> Result<Self, ManifestError> {
        Self::parse_with(path, source, None)
    }

    fn parse_with(
        path: &Path,
        source: String,
        pending: Option<&str>,
    ) -> Result<Self, ManifestError> {
        let manifest: Manifest = match toml::from_str(&source) {
            Ok(manifest) => manifest,
            Err(e) => {
                let message = e.message().to_owned();
                let span = e.span();
                return Err(invalid(path, &source, message, span, "here", None));
            }
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let app = App {
            path: path.to_owned(),
            dir,
            source,
            manifest,
        };
        app.validate(pending)?;
        Ok(app)
    }

    /// An error pointing at `span` in this manifest.
    pub fn error(
        &self,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> ManifestError {
        invalid(
            &self.path,
            &self.source,
            message.into(),
            Some(span),
            label,
            help,
        )
    }

    fn validate(&self, pending: Option<&str>) -> Result<(), ManifestError> {
        let known = |name: &str| self.component(name).is_some() || pending == Some(name);
        let app = &self.manifest.app;
        self.check_name(&app.name, "app")?;
        for (name, entry) in &self.manifest.components {
            self.check_name(name, "component")?;
            match (&entry.wasm, &entry.lang) {
                (Some(wasm), Some(_)) => {
                    return Err(self.error(
                        format!("component `{}` has both `wasm` and `lang`", name.get_ref()),
                        wasm.span(),
                        "a prebuilt component",
                        Some("keep `wasm` for a prebuilt component, or `lang` to build it from sources".into()),
                    ));
                }
                (None, None) => {
                    return Err(self.error(
                        format!("component `{}` has neither `lang` nor `wasm`", name.get_ref()),
                        name.span(),
                        "this component",
                        Some("add `lang = \"rust\"` (or `python`, `js`) to build it, or `wasm = \"path\"` for a prebuilt one".into()),
                    ));
                }
                _ => {}
            }
            if let Some(backend) = &entry.js_backend
                && entry.lang.as_ref().map(|l| *l.get_ref()) != Some(Lang::Js)
            {
                return Err(self.error(
                    "`js-backend` applies only to `lang = \"js\"` components",
                    backend.span(),
                    "not a JS component",
                    None,
                ));
            }
            self.check_c_flags(entry)?;
            for target in entry.plug.values() {
                if !known(target.get_ref()) {
                    return Err(self.unknown_component(target, "plug target"));
                }
            }
        }
        if !known(app.main.get_ref()) {
            return Err(self.unknown_component(&app.main, "`main`"));
        }
        Ok(())
    }

    /// `cflags` and `ldflags` mean something only to the C/C++ driver.
    fn check_c_flags(&self, entry: &ComponentEntry) -> Result<(), ManifestError> {
        let is_c = matches!(
            entry.lang.as_ref().map(|l| *l.get_ref()),
            Some(Lang::C | Lang::Cpp)
        );
        for (key, flags) in [("cflags", &entry.cflags), ("ldflags", &entry.ldflags)] {
            if let Some(flags) = flags
                && !is_c
            {
                return Err(self.error(
                    format!(
                        "`{key}` applies only to `lang = \"c\"` and `lang = \"cpp\"` components"
                    ),
                    flags.span(),
                    "not a C or C++ component",
                    None,
                ));
            }
        }
        Ok(())
    }

    fn check_name(&self, name: &Spanned<String>, what: &str) -> Result<(), ManifestError> {
        if is_kebab_case(name.get_ref()) {
            return Ok(());
        }
        Err(self.error(
            format!("invalid {what} name `{}`", name.get_ref()),
            name.span(),
            "not kebab-case",
            Some(format!(
                "names are kebab-case (lowercase words joined by `-`), e.g. `{}`",
                to_kebab_case(name.get_ref())
            )),
        ))
    }

    fn unknown_component(&self, name: &Spanned<String>, what: &str) -> ManifestError {
        let known: Vec<String> = self.component_names().map(|n| format!("`{n}`")).collect();
        self.error(
            format!(
                "{what} names `{}`, which is not a component of this app",
                name.get_ref()
            ),
            name.span(),
            "unknown component",
            Some(if known.is_empty() {
                "the app has no components yet; add one with `wcomp new`".into()
            } else {
                format!("the app's components are {}", known.join(", "))
            }),
        )
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        self.manifest.app.name.get_ref()
    }

    /// The main component's name.
    pub fn main(&self) -> &str {
        self.manifest.app.main.get_ref()
    }

    /// The component called `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentEntry> {
        self.manifest
            .components
            .iter()
            .find(|(n, _)| n.get_ref() == name)
            .map(|(_, entry)| entry)
    }

    /// Component names, sorted.
    pub fn component_names(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .components
            .keys()
            .map(|n| n.get_ref().as_str())
    }

    /// Where the composed component goes.
    pub fn output(&self) -> PathBuf {
        match &self.manifest.app.output {
            Some(out) => self.dir.join(out.get_ref()),
            None => self.dir.join("composed.wasm"),
        }
    }

    /// The app's WIT directory.
    pub fn wit_dir(&self) -> PathBuf {
        self.dir.join("wit")
    }

    /// Where `wcomp build` writes component `name`.
    pub fn build_output(&self, name: &str) -> PathBuf {
        self.dir
            .join("target")
            .join("wcomp")
            .join(format!("{name}.wasm"))
    }

    /// The component binary `name` is composed from: its prebuilt `wasm`, or
    /// what `wcomp build` produces.
    pub fn component_wasm(&self, name: &str) -> Option<PathBuf> {
        let entry = self.component(name)?;
        Some(match &entry.wasm {
            Some(wasm) => self.dir.join(wasm.get_ref()),
            None => self.build_output(name),
        })
    }
}

impl ComponentEntry {
    /// The source directory of component `name`, relative to the app.
    pub fn source_dir(&self, name: &str) -> PathBuf {
        self.path
            .as_ref()
            .map(|p| p.get_ref().clone())
            .unwrap_or_else(|| PathBuf::from(name))
    }

    /// The extra compile flags of a C/C++ component (none by default).
    pub fn cflags(&self) -> &[String] {
        self.cflags.as_ref().map_or(&[], |f| f.get_ref())
    }

    /// The extra link flags of a C/C++ component (none by default).
    pub fn ldflags(&self) -> &[String] {
        self.ldflags.as_ref().map_or(&[], |f| f.get_ref())
    }

    /// The world component `name` implements.
    pub fn world_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.world
            .as_ref()
            .map(|w| w.get_ref().as_str())
            .unwrap_or(name)
    }
}

fn invalid(
    path: &Path,
    source: &str,
    message: String,
    span: Option<Range<usize>>,
    label: impl Into<String>,
    help: Option<String>,
) -> ManifestError {
    ManifestError::Invalid(Box::new(InvalidManifest {
        message,
        src: NamedSource::new(path.display().to_string(), source.to_owned()),
        span: span.map(Into::into),
        label: label.into(),
        help,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<App, ManifestError> {
        App::parse(Path::new("app.toml"), text.to_owned())
    }

    #[test]
    fn kebab_case() {
        assert!(is_kebab_case("cli"));
        assert!(is_kebab_case("hello-world2"));
        assert!(!is_kebab_case("Hello"));
        assert!(!is_kebab_case("a--b"));
        assert!(!is_kebab_case("2fast"));
        assert!(!is_kebab_case(""));
        assert_eq!(to_kebab_case("HelloWorld"), "hello-world");
        assert_eq!(to_kebab_case("my_comp"), "my-comp");
        assert_eq!(to_kebab_case("3d model"), "d-model");
    }

    #[test]
    fn a_full_manifest() {
        let app = parse(
            r#"
            [app]
            name = "greeter"
            main = "cli"

            [components.cli]
            lang = "rust"
            world = "command"

            [components.cli.plug]
            "demo:text/transform" = "upper"

            [components.upper]
            lang = "js"
            path = "js/upper"
            js-backend = "componentize-qjs"

            [components.clock]
            wasm = "vendor/clock.wasm"
            "#,
        )
        .unwrap();
        assert_eq!(app.main(), "cli");
        assert_eq!(
            app.component_names().collect::<Vec<_>>(),
            ["cli", "clock", "upper"]
        );
        let upper = app.component("upper").unwrap();
        assert_eq!(upper.source_dir("upper"), PathBuf::from("js/upper"));
        assert_eq!(upper.world_name("upper"), "upper");
        assert_eq!(app.component("cli").unwrap().world_name("cli"), "command");
        assert_eq!(
            app.component_wasm("clock").unwrap(),
            PathBuf::from("./vendor/clock.wasm")
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
        assert!(app.component("x").is_some_and(|x| x.lang.is_some()));

        let text = "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nlang = \"rust\"\nldflags = [\"-lm\"]\n";
        let err = parse(text).unwrap_err();
        let ManifestError::Invalid(invalid) = &err else {
            panic!("{err:?}");
        };
        assert!(invalid.message.contains("`ldflags` applies only"), "{err}");
        let span = invalid.span.expect("a span");
        assert_eq!(span.offset(), text.find("[\"-lm\"]").unwrap());
    }

    #[test]
    fn errors_point_at_their_span() {
        let cases = [
            ("[app]\nname = \"a\"\nmain = \"x\"\ncolor = 1\n", "color"),
            ("[app]\nname = \"a\"\nmain = \"x\"\n", "\"x\""),
            ("[app]\nname = \"Bad_Name\"\nmain = \"x\"\n", "\"Bad_Name\""),
            (
                "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\nlang = \"go\"\n",
                "\"go\"",
            ),
            (
                "[app]\nname = \"a\"\nmain = \"x\"\n[components.x]\npath = \"x\"\n",
                "x]",
            ),
        ];
        for (text, at) in cases {
            let err = parse(text).unwrap_err();
            let ManifestError::Invalid(invalid) = &err else {
                panic!("{err:?}");
            };
            let span = invalid.span.expect("a span");
            let expected = text.find(at).unwrap();
            assert!(
                span.offset() <= expected && expected < span.offset() + span.len().max(1),
                "{text:?}: span {span:?}, expected at {expected}: {err}"
            );
        }
    }
}
