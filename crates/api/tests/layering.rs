//! The layering rules of issue 12 that a grep can check, over the workspace's sources (tests
//! modules at the end of a file are left out: they may build whatever JSON they like).
//!
//! - Response bodies are typed read models (`dp_app::read`) or typed ProblemDetails: no file of
//!   `crates/api` or `crates/app` builds a `serde_json::Value`, except the modules that handle
//!   *documents* rather than responses (listed in [`DOCUMENT_MODULES`] with the reason).
//! - Only `crates/store` names the SQLite backend's type: the binary opens the store with
//!   `dp_store::sqlite::open` and everything else holds an `Arc<dyn Store>`.
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
        "api/src/serviceowner/children.rs",
        "builds the update document a child is added to",
    ),
    (
        "api/src/serviceowner/update.rs",
        "reads the update document",
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
