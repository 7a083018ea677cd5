//! Issue 11, hardening: no request can exhaust the server, and every check holds on every
//! route. Real server on loopback, tokens from the embedded generator.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::dialogs::*;
use serde_json::{Value, json};

const SO: &str = "/api/v1/serviceowner/dialogs";

/// The resident set of this process (the server runs in it), in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Item 1: a patch that copies the document into itself is refused once the document would
/// outgrow the body limit, with memory growth bounded; more than 100 operations are refused.
#[tokio::test]
async fn patch_amplification_is_refused_with_bounded_memory() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let mut body = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    body["content"]["additionalInfo"] =
        json!({ "value": [{ "languageCode": "nb", "value": "x".repeat(1000) }] });
    let id = server.create_dialog(&ttd, &body).await;
    let path = format!("{SO}/{id}");

    let bomb: Vec<Value> = (0..40)
        .map(|_| json!({ "op": "copy", "from": "", "path": "/searchTags/-" }))
        .collect();
    let before = rss_bytes();
    let answer = server
        .send_json("PATCH", &path, &ttd, &Value::Array(bomb), &[])
        .await;
    let grown = rss_bytes().saturating_sub(before);
    assert_eq!(answer.status, 400, "{}", answer.text);
    let message = answer.body["errors"]["patchDocument"][0].as_str().unwrap();
    assert!(message.contains("20000000 bytes"), "{message}");
    // 40 doublings of ~3 KB would be 3 PB; the refusal comes before the document passes 20 MB.
    assert!(grown < 400 * 1024 * 1024, "RSS grew by {grown} bytes");

    let long: Vec<Value> = (0..101)
        .map(|_| json!({ "op": "test", "path": "/progress", "value": null }))
        .collect();
    let answer = server
        .send_json("PATCH", &path, &ttd, &Value::Array(long), &[])
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(
        answer.body["errors"]["patchDocument"][0],
        "The patch document has 101 operations; at most 100 are allowed."
    );
    // The dialog is unchanged and a normal patch still works.
    let ok = json!([{ "op": "replace", "path": "/progress", "value": 5 }]);
    let answer = server.send_json("PATCH", &path, &ttd, &ok, &[]).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
}
