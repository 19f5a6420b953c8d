//! `wcomp test`: tests as data for an app and its components.
//!
//! [`spec`] reads `tests/*.toml`, [`target`] composes what each case runs
//! (mocks included), [`run`] runs the cases, each in a fresh instance and
//! store, in parallel, and [`report`] turns the outcomes into what a person
//! or a CI system reads.

pub mod components;
pub mod http;
pub mod intercept;
pub mod report;
pub mod run;
pub mod spec;
pub mod target;

use std::path::{Path, PathBuf};

use wcomp_compose::App;

use spec::Case;

/// The folder of test files, beside app.toml.
pub fn tests_dir(app: &App) -> PathBuf {
    app.dir().join("tests")
}

/// Every case of the app's test files (`tests/*.toml`, in name order)
/// whose `file: name` contains `filter`.
pub fn discover(app: &App, filter: Option<&str>) -> miette::Result<Vec<Case>> {
    let dir = tests_dir(app);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(miette::miette!("cannot read `{}`: {e}", dir.display())),
    };
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        for mut case in spec::load(&file)? {
            if filter.is_none_or(|f| case_id(&case).contains(f)) {
                case.order = cases.len();
                cases.push(case);
            }
        }
    }
    // A test component's cases are known once it runs; the filter is
    // applied to them then.
    let listings = components::discover(app, cases.len());
    cases.extend(listings);
    Ok(cases)
}

/// The cases of `cases` a change affects, for `wcomp dev --test`: those of
/// a test file among `changed`, those of a component among `built` (or a
/// prebuilt one whose file is among `changed`), and those of the composed
/// app when any component is new or app.toml changed.
pub fn affected(cases: Vec<Case>, app: &App, changed: &[PathBuf], built: &[String]) -> Vec<Case> {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let changed: Vec<PathBuf> = changed.iter().map(|p| absolute(p)).collect();
    // Built, or prebuilt and replaced.
    let mut new: Vec<String> = built.to_vec();
    new.extend(app.components().filter_map(|entry| {
        let name = entry.name().as_str();
        let wasm = app
            .component_wasm(name)
            .filter(|_| entry.lang().is_none())?;
        changed.contains(&absolute(&wasm)).then(|| name.to_owned())
    }));
    let app_changed = !new.is_empty() || changed.contains(&absolute(app.path()));
    cases
        .into_iter()
        .filter(|case| {
            changed.contains(&absolute(&case.file))
                || match &case.component {
                    Some(component) => new.iter().any(|n| n == component.get_ref()),
                    None => app_changed,
                }
        })
        .collect()
}

/// How a case is named in reports and matched by a filter: its file's
/// name without `.toml`, then its own name (`math: adds`).
pub fn case_id(case: &Case) -> String {
    format!("{}: {}", file_stem(&case.file), case.name)
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
