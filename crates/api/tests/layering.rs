//! The layering rules of issue 12 that a grep can check, over the workspace's sources (tests
//! modules at the end of a file are left out: they may build whatever JSON they like).
//!
//! - Response bodies are typed read models (`dp_app::read`) or typed ProblemDetails: no file of
//!   `crates/api` or `crates/app` builds a `serde_json::Value`, except the modules that handle
//!   *documents* rather than responses (listed in [`DOCUMENT_MODULES`] with the reason).
//! - Only `crates/store` names the SQLite backend's type: the binary opens the store with
//!   `dp_store::sqlite::open` and everything else holds an `Arc<dyn Store>`.
//! - `crates/api/src/enduser` and `.../serviceowner` do not import each other, and no crate
//!   has a circle of modules importing each other.
//! - Only `crates/authz` names the embedded authorization: the fronts get `Arc<dyn
//!   AccessManagement>` and `Arc<dyn Pdp>` from the application state, built once in the binary.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// Modules that edit JSON documents that are not read models, and why.
const DOCUMENT_MODULES: &[(&str, &str)] = &[
    (
        "api/src/json.rs",
        "reads the contract and normalizes request bodies",
    ),
    (
        "api/src/docs.rs",
        "serves the OpenAPI contract file, edited in place",
    ),
    (
        "api/src/serviceowner/patch.rs",
        "applies JSON Patch to the update document",
    ),
    (
        "app/src/dialogs/children.rs",
        "reads a stored dialog's update document back as the update input a child is added to",
    ),
    (
        "api/src/serviceowner/update.rs",
        "takes the JSON Patch operations of a PATCH body",
    ),
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `(path relative to crates/, code without comments and a trailing tests module)` of every `.rs` file
/// under `crates/<dir>`.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut pending = vec![crates_dir().join(dir)];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: String = match text.find("#[cfg(test)]") {
                    Some(at) => &text[..at],
                    None => text.as_str(),
                }
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
                let relative = path.strip_prefix(crates_dir()).unwrap();
                found.push((relative.to_string_lossy().replace('\\', "/"), code));
            }
        }
    }
    assert!(!found.is_empty(), "no sources under crates/{dir}");
    found
}

fn offenders(dirs: &[&str], skip: impl Fn(&str) -> bool, needles: &[&str]) -> Vec<String> {
    let mut offenders = Vec::new();
    for dir in dirs {
        for (path, code) in sources(dir) {
            if skip(&path) || path.contains("/tests/") || path.ends_with("/tests.rs") {
                continue;
            }
            for needle in needles {
                if code.contains(needle) {
                    offenders.push(format!("{path}: {needle}"));
                }
            }
        }
    }
    offenders
}

#[test]
fn response_bodies_are_typed() {
    let documents: Vec<&str> = DOCUMENT_MODULES.iter().map(|(path, _)| *path).collect();
    let found = offenders(
        &["api/src", "app/src"],
        |path| documents.contains(&path),
        &[
            "serde_json::Value",
            "json!(",
            "Map<String, Value>",
            "use serde_json::{Value",
        ],
    );
    assert!(
        found.is_empty(),
        "JSON values built outside the document modules: {found:#?}"
    );
}

#[test]
fn only_the_store_names_its_backend() {
    let found = offenders(
        &[
            "api",
            "app",
            "auth",
            "authz",
            "domain",
            "idp",
            "dialogporten",
            "bench",
        ],
        |_| false,
        &["SqliteStore"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn authorization_is_injected() {
    let found = offenders(
        &["api", "app", "dialogporten", "bench"],
        |_| false,
        &["EmbeddedAuthorization"],
    );
    assert!(
        found.is_empty(),
        "authorization services built outside crates/authz: {found:#?}"
    );
}

#[test]
fn the_api_groups_do_not_import_each_other() {
    let into_serviceowner = offenders(
        &["api/src/enduser"],
        |_| false,
        &["crate::serviceowner", "super::super::serviceowner"],
    );
    let into_enduser = offenders(
        &["api/src/serviceowner"],
        |_| false,
        &["crate::enduser", "super::super::enduser"],
    );
    assert!(
        into_serviceowner.is_empty() && into_enduser.is_empty(),
        "shared code belongs in a neutral module or in dp-app: {into_serviceowner:#?} {into_enduser:#?}"
    );
}

/// The module path of a source file relative to its crate's `src` (`dialogs::guard`), and the
/// crate's source directory.
fn module_of(path: &str) -> (String, Vec<String>) {
    let (krate, file) = path.split_once("/src/").unwrap();
    let file = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = file.split('/').map(str::to_owned).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    (krate.to_owned(), parts)
}

/// The modules `code` (of module `here`) refers to: `crate::a::b…`, `super::a…` and, for a
/// module with children, `use child::…`, each cut to the longest prefix that is a module.
/// A path through a re-export counts as an edge to the module that re-exports it.
fn references(code: &str, here: &[String], modules: &[Vec<String>]) -> Vec<Vec<String>> {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let mut found = Vec::new();
    let mut resolve = |mut base: Vec<String>, rest: &str| {
        for part in rest.split("::").filter(|p| !p.is_empty()) {
            base.push(part.to_owned());
            if !modules.contains(&base) {
                base.pop();
                break;
            }
        }
        // The crate root only re-exports (`pub use error::AppError`): not an import edge.
        if base != here && !base.is_empty() {
            found.push(base);
        }
    };
    for (at, _) in code.match_indices("crate::") {
        let rest: String = code[at + 7..].chars().take_while(|c| ident(*c)).collect();
        resolve(Vec::new(), &rest);
    }
    for (at, _) in code.match_indices("super::") {
        if at >= 2 && &code[at - 2..at] == "::" {
            continue;
        }
        let mut rest: String = code[at..].chars().take_while(|c| ident(*c)).collect();
        let mut base = here.to_vec();
        while let Some(next) = rest.strip_prefix("super::") {
            base.pop();
            rest = next.to_owned();
        }
        resolve(base, &rest);
    }
    // `use child::…` of a module with children (a `pub use` re-export is a facade, not an edge).
    for line in code.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("use ") {
            let mut child = here.to_vec();
            child.push(rest.split("::").next().unwrap_or_default().to_owned());
            if modules.contains(&child) {
                found.push(child);
            }
        }
    }
    found
}

#[test]
fn no_module_import_circle() {
    for dir in ["api/src", "app/src", "domain/src", "store/src"] {
        let files: Vec<(Vec<String>, String)> = sources(dir)
            .into_iter()
            .map(|(path, code)| (module_of(&path).1, code))
            .collect();
        let modules: Vec<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
        let edges: Vec<(Vec<String>, Vec<Vec<String>>)> = files
            .iter()
            .map(|(m, code)| (m.clone(), references(code, m, &modules)))
            .collect();
        // Depth-first search for a back edge; the path to it is the circle.
        fn visit(
            node: &Vec<String>,
            edges: &[(Vec<String>, Vec<Vec<String>>)],
            stack: &mut Vec<Vec<String>>,
            done: &mut Vec<Vec<String>>,
        ) -> Option<Vec<String>> {
            if let Some(at) = stack.iter().position(|n| n == node) {
                let mut circle: Vec<String> = stack[at..].iter().map(|m| m.join("::")).collect();
                circle.push(node.join("::"));
                return Some(circle);
            }
            if done.contains(node) {
                return None;
            }
            stack.push(node.clone());
            let next = edges
                .iter()
                .find(|(m, _)| m == node)
                .map(|(_, e)| e.clone());
            for target in next.unwrap_or_default() {
                if let Some(circle) = visit(&target, edges, stack, done) {
                    return Some(circle);
                }
            }
            stack.pop();
            done.push(node.clone());
            None
        }
        let (mut stack, mut done) = (Vec::new(), Vec::new());
        for (module, _) in &edges {
            if let Some(circle) = visit(module, &edges, &mut stack, &mut done) {
                panic!(
                    "module import circle in crates/{dir}: {}",
                    circle.join(" -> ")
                );
            }
        }
    }
}
