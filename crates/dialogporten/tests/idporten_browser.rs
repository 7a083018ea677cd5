//! A real browser against the embedded ID-porten: headless Chromium (Debian's `chromium`),
//! driven over WebDriver (`chromedriver` + the `fantoccini` client). A demo person logs in,
//! consents, and the browser lands on the client's redirect URI with a code that redeems;
//! a second login within 90 days skips the consent page.
//!
//! Skipped, loudly, only when `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing
//! (`.ci/run` installs both); any other failure to start the browser fails the test.
#![allow(clippy::unwrap_used)]

mod browser_support;
mod idporten_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::RawQuery;
use axum::routing::get;
use browser_support::{browser, browser_missing, log_in_as, start_driver};
use fantoccini::{Client, Locator};
use idporten_support::{DEMO_NAME, DEMO_PID, IdpServer, client};

const VERIFIER: &str = "xyo94uhy3zKvgB0NJwLms86SwcjtWviEOpkBnGgaLlo";
const CHALLENGE: &str = "b7elB7ZyxIXgFyvBznKvxl7wOB-H17Pz0a3B62NIMFI";

/// A tiny redirect target that records the queries it receives.
async fn callback_target() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/callback",
        get(move |RawQuery(query): RawQuery| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(query.unwrap_or_default());
                axum::response::Html(
                    "<html><body><p id=\"done\">Back at the service</p></body></html>",
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/callback"), seen)
}

fn authorize_url(server: &IdpServer, redirect_uri: &str, state: &str) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/authorize", server.issuer)).unwrap();
    url.query_pairs_mut().extend_pairs([
        ("response_type", "code"),
        ("client_id", "browser-app"),
        ("redirect_uri", redirect_uri),
        ("scope", "openid digdir:dialogporten"),
        ("state", state),
        ("nonce", "nonce-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("ui_locales", "nb"),
    ]);
    url.to_string()
}

/// Waits until the browser is at the redirect target; returns the URL it ended at.
async fn landed(browser: &Client, redirect_uri: &str) -> reqwest::Url {
    for _ in 0..100 {
        let url = browser.current_url().await.unwrap();
        if url.as_str().starts_with(redirect_uri) {
            browser
                .wait()
                .at_most(Duration::from_secs(10))
                .for_element(Locator::Id("done"))
                .await
                .unwrap();
            return reqwest::Url::parse(url.as_str()).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = browser.source().await.unwrap_or_default();
    panic!("the browser did not reach {redirect_uri}: {source}");
}

fn query(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_person_logs_in_and_consents_in_chromium_and_the_next_login_skips_consent() {
    if browser_missing("ID-porten") {
        return;
    }
    let server = IdpServer::start().await;
    let (redirect_uri, seen) = callback_target().await;
    let mut app = client("browser-app", "client_secret_basic", Some("pw"), None);
    app.redirect_uris = vec![redirect_uri.clone()];
    server.register(app);

    let (_driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver_url, profile.path(), &[]).await;

    // First login: login page, consent page, back at the service with a code.
    browser
        .goto(&authorize_url(&server, &redirect_uri, "first"))
        .await
        .unwrap();
    log_in_as(&browser, DEMO_PID, DEMO_NAME).await;
    let consent = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("consent-form"))
        .await
        .unwrap();
    let page = browser.source().await.unwrap();
    assert!(
        page.contains("digdir:dialogporten") && page.contains("90 dager"),
        "{page}"
    );
    consent
        .find(Locator::Id("accept"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = landed(&browser, &redirect_uri).await;
    assert_eq!(query(&url, "state").as_deref(), Some("first"));
    assert_eq!(query(&url, "iss").as_deref(), Some(server.issuer.as_str()));
    let code = query(&url, "code").expect("a code");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the service received the redirect"
    );

    // The code redeems, and the token reads the end-user API.
    let tokens: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", server.issuer))
        .basic_auth("browser-app", Some("pw"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().expect("an access token");
    let search = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:{DEMO_PID}",
            server.url
        ))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 200);

    // The person logs out of ID-porten; a second login within 90 days shows the login page
    // again, but no consent page.
    browser
        .goto(&format!("{}/logout", server.issuer))
        .await
        .unwrap();
    let page = browser.source().await.unwrap();
    assert!(page.contains("Du er logget ut"), "{page}");
    browser
        .goto(&authorize_url(&server, &redirect_uri, "second"))
        .await
        .unwrap();
    log_in_as(&browser, DEMO_PID, DEMO_NAME).await;
    let url = landed(&browser, &redirect_uri).await;
    assert_eq!(query(&url, "state").as_deref(), Some("second"));
    assert!(query(&url, "code").is_some());
    assert_eq!(seen.lock().unwrap().len(), 2);

    browser.close().await.unwrap();
}
