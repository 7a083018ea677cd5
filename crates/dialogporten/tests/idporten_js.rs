//! Node's `openid-client` (v6) against the embedded ID-porten (issue 11, item 11): it pushes
//! the authorization request (`buildAuthorizationUrlWithPAR`, RFC 9126), the person logs in
//! through the server's pages (this test's cookie-keeping HTTP browser), the library redeems
//! the code (PKCE, state, nonce, `iss`) and revokes the refresh token (`tokenRevocation`,
//! RFC 7009); the end-user API then refuses the access token of that grant.
//!
//! The library lives in `tests-js/` (`npm ci` there; `.ci/run` does it). Without `node` or
//! without `tests-js/node_modules` the test says so on stderr and passes without running.
#![allow(clippy::unwrap_used)]

mod idporten_support;

use std::path::PathBuf;
use std::process::Command;

use idporten_support::{
    Browser, DEMO_PID, IdpServer, REDIRECT_URI, Step, client, end_user_status, query,
};
use serde_json::Value;

fn tests_js() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-js")
}

/// Why the Node test cannot run here, if it cannot.
fn missing_node() -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => {}
        _ => return Some("node is not installed".to_owned()),
    }
    let library = tests_js().join("node_modules/openid-client/package.json");
    if !library.exists() {
        return Some(format!(
            "{} is missing (run `npm ci` in tests-js/, as .ci/run does)",
            library.display()
        ));
    }
    None
}

/// Runs one phase of `tests-js/idporten.mjs` (off the runtime's thread, which serves the
/// server) and returns its JSON lines.
async fn node(server: &IdpServer, phase: &str, extra: &[(&str, &str)]) -> Vec<Value> {
    let mut command = Command::new("node");
    command
        .current_dir(tests_js())
        .arg("idporten.mjs")
        .arg(phase)
        .env("ISSUER", &server.issuer)
        .env("CLIENT_ID", "node-app")
        .env("CLIENT_SECRET", "node-secret")
        .env("REDIRECT_URI", REDIRECT_URI)
        .env("SCOPE", "openid digdir:dialogporten")
        .envs(extra.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node {phase} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_pushes_the_request_redeems_the_code_and_revokes() {
    if let Some(why) = missing_node() {
        eprintln!("SKIPPED openid_client_pushes_the_request_redeems_the_code_and_revokes: {why}");
        return;
    }
    let server = IdpServer::start().await;
    server.register(client(
        "node-app",
        "client_secret_basic",
        Some("node-secret"),
        None,
    ));
    let started = node(&server, "par", &[]).await;
    let started = &started[0];
    let url = started["url"].as_str().unwrap();
    assert!(
        url.contains("request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A"),
        "{url}"
    );
    assert!(
        !url.contains("code_challenge"),
        "only client_id and request_uri: {url}"
    );

    let browser = Browser::new(&server);
    let mut step = browser.open(url).await;
    if let Step::Page { html, .. } = &step {
        step = browser
            .login(html, DEMO_PID, "idporten-loa-substantial")
            .await;
    }
    if let Step::Page { html, .. } = &step {
        step = browser.consent(html, true).await;
    }
    let callback = step.left();
    assert!(query(&callback, "code").is_some(), "{callback}");

    let lines = node(
        &server,
        "finish",
        &[
            ("CALLBACK", callback.as_str()),
            ("VERIFIER", started["verifier"].as_str().unwrap()),
            ("STATE", started["state"].as_str().unwrap()),
            ("NONCE", started["nonce"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(lines[0]["nonce"], started["nonce"]);
    assert_eq!(lines[1]["revoked"], Value::Bool(true));
    let access = lines[0]["access_token"].as_str().unwrap();
    assert_eq!(
        end_user_status(&server, access).await,
        401,
        "revoking the refresh token revoked its grant"
    );
    // The request_uri was single use.
    let (status, _) = browser.open(url).await.page();
    assert_eq!(status, 400);
}
