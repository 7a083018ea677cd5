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

/// Item 5: a JWS with a `crit` header parameter is refused (RFC 7515 §4.1.11): this server
/// understands no extension. The same token without `crit` passes.
#[tokio::test]
async fn tokens_with_critical_header_parameters_are_refused() {
    let key = common::IssuerKey::rsa("rsa-1", jsonwebtoken::Algorithm::RS256);
    let issuer = common::ExternalIssuer::start(vec![key.clone()]).await;
    let well_known = issuer.well_known.clone();
    let server = TestServer::start(move |config| {
        config.issuers.maskinporten = Some(dp_auth::IssuerConfig::new(well_known));
    })
    .await;
    let claims = issuer.service_owner_claims("digdir:dialogporten.serviceprovider");
    let route = format!("{SO}/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11");
    let plain = key.sign_with_header(&claims, json!({}));
    let response = server.call("GET", &route, Some(&plain)).await;
    assert_eq!(response.status(), 404, "the token without crit passes");
    for crit in [json!(["exp"]), json!(["x-unknown"]), json!([])] {
        let token = key.sign_with_header(&claims, json!({ "crit": crit, "x-unknown": true }));
        let response = server.call("GET", &route, Some(&token)).await;
        assert_eq!(response.status(), 401, "crit {crit}");
        let challenge = common::www_authenticate(&response);
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#) && challenge.contains("crit"),
            "{challenge}"
        );
    }
}

/// Item 6: several `Authorization` headers are a 400 naming the header (RFC 9110 §5.3), even
/// when each of them alone would be accepted.
#[tokio::test]
async fn several_authorization_headers_are_refused() {
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    let brg = server.brg().await;
    let response = server
        .client
        .get(format!("{}{SO}", server.url))
        .header("authorization", format!("Bearer {ttd}"))
        .header("authorization", format!("Bearer {brg}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["Authorization"].is_array(), "{body}");
    let response = server
        .client
        .get(format!("{}{SO}", server.url))
        .header("authorization", format!("Bearer {ttd}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Item 13: the store and its WAL and SHM files are readable by their owner only, and every
/// response, the exchange endpoint's plain-text errors among them, says `nosniff`.
#[tokio::test]
async fn store_files_are_private_and_responses_are_not_sniffed() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::local().await;
    let ttd = server.ttd().await;
    server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    for name in [
        "dialogporten.db",
        "dialogporten.db-wal",
        "dialogporten.db-shm",
    ] {
        let path = server.data_dir().join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
    }
    for (path, token) in [
        ("/authentication/api/v1/exchange/maskinporten", None),
        (
            "/authentication/api/v1/exchange/maskinporten",
            Some("not-a-token"),
        ),
        (SO, Some(ttd.as_str())),
        ("/health", None),
        ("/no-such-path", None),
    ] {
        let response = server.call("GET", path, token).await;
        assert_eq!(
            response
                .headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path} ({})",
            response.status()
        );
    }
}
