//! Table-driven create cases for the validation tests (`so_validation*.rs`): each case edits a
//! valid body, posts it, and checks the status, the ProblemDetails `errors` key and message,
//! and that a refused body left no dialog behind.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{Value, json};

use crate::common::TestServer;
use crate::common::dialogs::v7;

pub const DIALOGS: &str = "/api/v1/serviceowner/dialogs";
/// Scopes (URL-encoded space separated) for `service_owner_token`.
pub const ADMIN: &str =
    "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.admin";
pub const CORRESPONDENCE: &str =
    "digdir:dialogporten.serviceprovider%20digdir:dialogporten.correspondence";
pub const LEGACY_HTML: &str =
    "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.legacyhtml";

/// What the message under the expected key must be.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// One message equals this.
    Exact(&'static str),
    /// One message starts with this.
    Prefix(&'static str),
    /// One message contains this.
    Contains(&'static str),
    /// The spec gives no message: one non-empty message.
    NonEmpty,
}

/// One row: a description, an edit of a valid body, the expected status and, for errors, the
/// `errors` key (`"*"`: any key) and message.
pub struct Case {
    pub name: &'static str,
    pub edit: fn(&mut Value),
    pub status: u16,
    pub key: &'static str,
    pub want: Want,
}

/// A refused body.
pub fn bad(
    name: &'static str,
    edit: fn(&mut Value),
    status: u16,
    key: &'static str,
    want: Want,
) -> Case {
    Case {
        name,
        edit,
        status,
        key,
        want,
    }
}

/// An accepted body (201).
pub fn ok(name: &'static str, edit: fn(&mut Value)) -> Case {
    Case {
        name,
        edit,
        status: 201,
        key: "",
        want: Want::NonEmpty,
    }
}

/// Sets the value at a JSON pointer, creating missing objects on the way; an array index equal
/// to the length appends.
pub fn set(body: &mut Value, pointer: &str, value: Value) {
    let mut current = body;
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        current = match current {
            Value::Array(items) => {
                let index: usize = segment.parse().unwrap();
                if index == items.len() {
                    items.push(Value::Null);
                }
                &mut items[index]
            }
            other => {
                if !other.is_object() {
                    *other = json!({});
                }
                other
                    .as_object_mut()
                    .unwrap()
                    .entry((*segment).to_owned())
                    .or_insert(Value::Null)
            }
        };
        if last {
            *current = value;
            return;
        }
    }
}

/// Removes the member or item at a JSON pointer, if present.
pub fn remove(body: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    match body.pointer_mut(if parent.is_empty() { "" } else { parent }) {
        Some(Value::Object(map)) => {
            map.remove(last);
        }
        Some(Value::Array(items)) => {
            let index: usize = last.parse().unwrap();
            if index < items.len() {
                items.remove(index);
            }
        }
        _ => {}
    }
}

/// A content value in Norwegian with a media type.
pub fn content(value: &str, media_type: &str) -> Value {
    json!({ "value": [ { "languageCode": "nb", "value": value } ], "mediaType": media_type })
}

/// A localization list with one Norwegian value.
pub fn texts(value: &str) -> Value {
    json!([ { "languageCode": "nb", "value": value } ])
}

/// `https://example.com/` padded with path characters to exactly `length` characters.
pub fn long_url(length: usize) -> String {
    let base = "https://example.com/";
    format!("{base}{}", "p".repeat(length - base.len()))
}

/// A UUIDv7 whose timestamp lies `seconds` from now.
pub fn v7_at(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let millis = now + seconds * 1000;
    let mut bytes = *uuid::Uuid::now_v7().as_bytes();
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// A transmission from the service owner with a title.
pub fn transmission() -> Value {
    json!({ "id": v7(), "type": "information", "sender": { "actorType": "serviceOwner" },
            "content": { "title": content("Forsendelse", "text/plain") } })
}

fn matches(want: Want, messages: &[Value]) -> bool {
    let texts: Vec<&str> = messages.iter().filter_map(Value::as_str).collect();
    match want {
        Want::Exact(m) => texts.contains(&m),
        Want::Prefix(p) => texts.iter().any(|t| t.starts_with(p)),
        Want::Contains(p) => texts.iter().any(|t| t.contains(p)),
        Want::NonEmpty => texts.iter().any(|t| !t.is_empty()),
    }
}

/// Checks an answer against a case; `None` when it matches, else what differs.
pub fn check(
    name: &str,
    answer: &crate::common::dialogs::Answer,
    status: u16,
    key: &str,
    want: Want,
) -> Option<String> {
    if answer.status != status {
        return Some(format!(
            "{name}: status {} (want {status}): {}",
            answer.status, answer.text
        ));
    }
    if status < 400 || status == 412 {
        return None;
    }
    let errors = answer.body["errors"].as_object();
    let found = errors.is_some_and(|errors| {
        errors.iter().any(|(k, messages)| {
            (key == "*" || k == key) && messages.as_array().is_some_and(|m| matches(want, m))
        })
    });
    if found && answer.body["status"] == json!(status) {
        None
    } else {
        Some(format!(
            "{name}: want {key} {want:?}, got {}",
            answer.body["errors"]
        ))
    }
}

/// Posts every case (each on a fresh id) to `DIALOGS{query}` and returns what failed. A refused
/// body must leave no dialog behind: its id then reads 404.
pub async fn run(
    server: &TestServer,
    token: &str,
    query: &str,
    base: fn() -> Value,
    cases: &[Case],
) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let mut body = base();
        let id = v7();
        body["id"] = json!(id);
        (case.edit)(&mut body);
        let answer = server
            .send_json("POST", &format!("{DIALOGS}{query}"), token, &body, &[])
            .await;
        if let Some(failure) = check(case.name, &answer, case.status, case.key, case.want) {
            failures.push(failure);
            continue;
        }
        if body["id"] != json!(id) {
            continue;
        }
        let (status, _) = server.get_json(&format!("{DIALOGS}/{id}"), token).await;
        let expected = if case.status == 201 { 200 } else { 404 };
        if status != expected {
            failures.push(format!(
                "{}: GET of its id answered {status}, want {expected}",
                case.name
            ));
        }
    }
    failures
}

/// Panics with every failure, one per line.
pub fn assert_none(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
