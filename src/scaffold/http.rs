//! HTTP starters: `wcomp new NAME --world wasi:http/proxy` (WASI 0.2),
//! `wasi:http/service` (WASI 0.3) or `wasi:http/middleware` (0.3) writes a
//! working handler from `templates/http/` rather than stubs: it answers
//! `GET /` with a greeting naming its language and echoes `POST /echo`.
//!
//! The world goes into the app's `wit/` as `NAME.wit` (a world that
//! includes the vendored wasi:http one), so the user can add `import` lines
//! for interfaces other components export.

use wcomp_compose::Lang;
use wcomp_core::fmt::prose_list;

use super::{Context, File};

/// A language's HTTP starter: the component's world and its handler.
pub struct HttpStarter {
    /// The component's world file (placeholder `{{name}}`).
    pub world: &'static str,
    /// The handler's source (placeholders `{{name}}`, `{{wit_path}}` and
    /// `{{world}}`).
    pub source: &'static str,
    /// The component's files around the filled-in source.
    pub files: fn(&Context<'_>, String) -> Vec<File>,
}

/// Why a language offers no HTTP starter for a world.
#[derive(Debug, Clone, Copy)]
pub enum Unavailable {
    /// The language has no HTTP starters at all.
    InLanguage,
    /// It has none for this world, for this reason (the help shown).
    ForWorld(&'static str),
}

/// Which wasi:http world the starter implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// `wasi:http/proxy@0.2.12`: exports `incoming-handler`.
    Proxy,
    /// `wasi:http/service@0.3.0`: exports `handler`.
    Service,
    /// `wasi:http/middleware@0.3.0`: imports and exports `handler`.
    Middleware,
}

/// A starter asked for in a language that has none.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("there is no {lang} starter for `{world}`")]
#[diagnostic(code(wcomp::new::http_language), help("{help}"))]
pub struct NoStarter {
    pub lang: Lang,
    pub world: String,
    pub help: String,
}

impl Starter {
    /// Every starter.
    const ALL: [Starter; 3] = [Starter::Proxy, Starter::Service, Starter::Middleware];

    /// The starter a `--world` names: `wasi:http/proxy`, `wasi:http/service`
    /// or `wasi:http/middleware`, without a version or with one of the
    /// vendored line (`@0.2.x` for proxy, `@0.3.x` for the others).
    pub fn parse(world: &str) -> Option<Starter> {
        let (name, version) = match world.split_once('@') {
            Some((name, version)) => (name, Some(semver::Version::parse(version).ok()?)),
            None => (world, None),
        };
        let (starter, line) = match name {
            "wasi:http/proxy" => (Starter::Proxy, (0, 2)),
            "wasi:http/service" => (Starter::Service, (0, 3)),
            "wasi:http/middleware" => (Starter::Middleware, (0, 3)),
            _ => return None,
        };
        match version {
            Some(v) if (v.major, v.minor) != line || !v.pre.is_empty() => None,
            _ => Some(starter),
        }
    }

    /// The vendored world, fully qualified.
    pub fn world(self) -> &'static str {
        match self {
            Starter::Proxy => "wasi:http/proxy@0.2.12",
            Starter::Service => "wasi:http/service@0.3.0",
            Starter::Middleware => "wasi:http/middleware@0.3.0",
        }
    }

    /// The component's world file most languages' starters use
    /// (placeholder `{{name}}`): a world that includes the vendored one, to
    /// which the user can add imports.
    pub fn wit(self) -> &'static str {
        match self {
            Starter::Proxy => include_str!("../../templates/http/wit/handler-0.2.wit"),
            Starter::Service => include_str!("../../templates/http/wit/handler-0.3.wit"),
            Starter::Middleware => include_str!("../../templates/http/wit/middleware-0.3.wit"),
        }
    }

    /// The component's world file (placeholder `{{name}}`), for `lang`.
    pub fn world_wit(self, lang: Lang) -> Result<&'static str, NoStarter> {
        Ok(self.in_lang(lang)?.world)
    }

    /// The starter in `lang`, or the error saying why there is none.
    fn in_lang(self, lang: Lang) -> Result<HttpStarter, NoStarter> {
        crate::lang::driver(lang)
            .http_starter(self)
            .map_err(|why| NoStarter {
                lang,
                world: self.world().to_owned(),
                help: match why {
                    Unavailable::ForWorld(help) => help.to_owned(),
                    Unavailable::InLanguage => no_starters_help(),
                },
            })
    }

    /// The component's files: the template of its language and world.
    pub fn files(self, cx: &Context<'_>, lang: Lang) -> Result<Vec<File>, NoStarter> {
        let starter = self.in_lang(lang)?;
        let source = starter
            .source
            .replace("{{name}}", cx.name)
            .replace("{{wit_path}}", &cx.wit_rel)
            .replace("{{world}}", &cx.world.name);
        Ok((starter.files)(cx, source))
    }
}

/// The help for a language without HTTP starters: the languages with
/// some, and the way for the others.
fn no_starters_help() -> String {
    let (with, without): (Vec<_>, Vec<_>) = Lang::ALL
        .iter()
        .map(|&lang| crate::lang::driver(lang))
        .partition(|language| {
            Starter::ALL
                .iter()
                .any(|&starter| language.http_starter(starter).is_ok())
        });
    let titles = |languages: Vec<&dyn crate::lang::Language>| {
        languages.iter().map(|l| l.title()).collect::<Vec<_>>()
    };
    format!(
        "HTTP starters exist in {}; for {}, scaffold from a world of your own that includes it",
        prose_list(titles(with), "and"),
        prose_list(titles(without), "or")
    )
}

#[cfg(test)]
mod tests {
    use super::Starter;

    #[test]
    fn worlds_named_with_or_without_a_version() {
        assert_eq!(Starter::parse("wasi:http/proxy"), Some(Starter::Proxy));
        assert_eq!(
            Starter::parse("wasi:http/proxy@0.2.3"),
            Some(Starter::Proxy)
        );
        assert_eq!(Starter::parse("wasi:http/service"), Some(Starter::Service));
        assert_eq!(
            Starter::parse("wasi:http/service@0.3.0"),
            Some(Starter::Service)
        );
        assert_eq!(
            Starter::parse("wasi:http/middleware"),
            Some(Starter::Middleware)
        );
        for other in [
            "wasi:http/proxy@0.3.0",
            "wasi:http/service@0.3.0-rc-2025-09-16",
            "wasi:http/imports",
            "proxy",
            "wasi:cli/command",
        ] {
            assert_eq!(Starter::parse(other), None, "{other}");
        }
    }
}
