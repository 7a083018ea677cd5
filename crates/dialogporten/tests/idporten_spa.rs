//! A browser app (a single-page app on another origin) with `oidc-client-ts` in headless
//! Chromium against the embedded ID-porten and the end-user API (issue 11, item 9): the library
//! fetches the discovery document, sends the person through the authorization-code flow with
//! PKCE (and `state` and `nonce`), redeems the code at the token endpoint with `fetch`, and the
//! app calls `/api/v1/enduser/parties` with the access token — every cross-origin call through
//! the server's CORS answers.
//!
//! `oidc-client-ts` comes from the npm registry into `tests-js/` (`npm ci`; `.ci/run` does it).
//! Without it, or without Chromium and chromedriver, the test says so on stderr and passes.
#![allow(clippy::unwrap_used)]

mod browser_support;
mod idporten_support;

use std::path::PathBuf;
use std::time::Duration;

use axum::response::{Html, IntoResponse};
use axum::routing::get;
use browser_support::{browser, browser_missing, log_in_as, start_driver};
use fantoccini::Locator;
use idporten_support::{DEMO_NAME, DEMO_PID, IdpServer, client};

fn library() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests-js/node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js")
}

/// The app's one page: log in on a click, finish the sign-in when the code comes back, then
/// call the end-user API and show what it answered in `#result`.
fn page(authority: &str, api: &str, redirect_uri: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test app</title>
<script src="/oidc-client-ts.min.js"></script></head>
<body><button id="login">Log in</button><pre id="result"></pre>
<script>
const manager = new oidc.UserManager({{
  authority: "{authority}", client_id: "spa", redirect_uri: "{redirect_uri}",
  response_type: "code", scope: "openid digdir:dialogporten"
}});
const show = (text) => {{ document.getElementById("result").textContent = text; }};
document.getElementById("login").onclick = () =>
  manager.signinRedirect({{ nonce: crypto.randomUUID() }}).catch((e) => show("error: " + e));
if (location.search.includes("code=")) {{
  manager.signinRedirectCallback()
    .then((user) => fetch("{api}/api/v1/enduser/parties",
                          {{ headers: {{ Authorization: "Bearer " + user.access_token }} }}))
    .then(async (response) => show(response.status + " " + await response.text()))
    .catch((e) => show("error: " + e));
}}
</script></body></html>"#
    )
}

#[tokio::test]
async fn oidc_client_ts_logs_in_with_pkce_and_calls_the_end_user_api_across_origins() {
    if browser_missing("oidc-client-ts") {
        return;
    }
    if !library().exists() {
        eprintln!(
            "SKIPPED oidc_client_ts_logs_in_with_pkce_and_calls_the_end_user_api_across_origins: \
             {} is missing (run `npm ci` in tests-js/, as .ci/run does)",
            library().display()
        );
        return;
    }
    let server = IdpServer::start().await;

    // The app on its own origin: localhost, where the server is 127.0.0.1.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("http://localhost:{port}");
    let redirect_uri = format!("{origin}/");
    let html = page(&server.issuer, &server.url, &redirect_uri);
    let script = std::fs::read(library()).unwrap();
    let app =
        axum::Router::new()
            .route("/", get(move || async move { Html(html) }))
            .route(
                "/oidc-client-ts.min.js",
                get(move || async move {
                    ([("content-type", "text/javascript")], script).into_response()
                }),
            );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut spa = client("spa", "none", None, None);
    spa.scopes = vec!["openid".into(), "digdir:dialogporten".into()];
    spa.redirect_uris = vec![redirect_uri.clone()];
    spa.post_logout_redirect_uris = Vec::new();
    server.register(spa);

    let (_driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver_url, profile.path(), &[]).await;
    browser.goto(&redirect_uri).await.unwrap();
    browser
        .find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    log_in_as(&browser, DEMO_PID, DEMO_NAME).await;
    let consent = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("accept"))
        .await
        .unwrap();
    consent.click().await.unwrap();

    let mut result = String::new();
    for _ in 0..150 {
        if let Ok(element) = browser.find(Locator::Id("result")).await {
            result = element.text().await.unwrap_or_default();
            if !result.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        result.starts_with("200 ") && result.contains("authorizedParties"),
        "the app got: {result:?} at {:?}",
        browser.current_url().await.map(|u| u.to_string())
    );
    browser.close().await.unwrap();
}
