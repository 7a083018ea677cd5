//! Issue 10: a client written for the real Dialogporten works unchanged. One test per item of
//! the issue, each against the real server with tokens from the embedded generator, asserting
//! the status and the body field or header the item names. Every answer also goes through the
//! contract's response-schema check (`common::schema`).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod labels;
mod reads;
mod writes;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};

const SO: &str = "/api/v1/serviceowner/dialogs";
const EU: &str = "/api/v1/enduser/dialogs";
/// DAGL for `PARTY_ORG` (310923044) in the demo registry.
const DAGL: &str = "08844397713";
/// A demo person with no right on `PARTY_ORG`.
const STRANGER: &str = "08895699684";

impl TestServer {
    /// `ttd` with the admin scope as well.
    async fn ttd_admin(&self) -> String {
        self.service_owner_token(
            "ttd",
            "991825827",
            "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search%20digdir:dialogporten.serviceprovider.admin",
        )
        .await
    }
}

/// A minimal ttd dialog on `PARTY_ORG` with `fields` merged in; returns its id.
async fn create(server: &TestServer, token: &str, fields: Value) -> String {
    server
        .create_dialog(token, &dialog_on(TTD_RESOURCE, PARTY_ORG, fields))
        .await
}

/// The service-owner view of a dialog.
async fn so_get(server: &TestServer, token: &str, id: &str) -> Value {
    let (status, body) = server.get_json(&format!("{SO}/{id}"), token).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The members of `errors`, in the order the body has them.
fn error_keys(body: &Value) -> Vec<String> {
    body["errors"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The first message under `errors[key]`.
fn message<'a>(body: &'a Value, key: &str) -> &'a str {
    body["errors"][key][0]
        .as_str()
        .unwrap_or_else(|| panic!("no errors.{key} in {body}"))
}

fn nb(value: &str) -> Value {
    json!({ "value": [ { "languageCode": "nb", "value": value } ] })
}
