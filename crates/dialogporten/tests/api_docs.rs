//! The API documentation as the real service serves it: the contract at
//! `/swagger/v1/swagger.json` (with `servers` = the public URL), Swagger UI at `/swagger`
//! (rendered in headless Chromium, and logging a person in through the embedded ID-porten with
//! PKCE), and the landing page at `/`, every link of which answers.
//!
//! The browser test is skipped, loudly, only when `/usr/bin/chromium` or `/usr/bin/chromedriver`
//! is missing (`.ci/run` installs both); any other failure to start the browser fails it.
#![allow(clippy::unwrap_used)]

mod browser_support;
mod idporten_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use browser_support::{browser, browser_missing, log_in_as, start_driver};
use fantoccini::{Client, Locator};
use idporten_support::{DEMO_NAME, DEMO_PID, IdpServer};
use serde_json::{Value, json};

fn contract() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contract/dialogporten-v1.openapi.json");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
}

fn path_keys(document: &Value) -> BTreeSet<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// The number of operations (path × method) of an OpenAPI document.
fn operation_count(document: &Value) -> usize {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .count()
        })
        .sum()
}

#[tokio::test]
async fn swagger_json_is_the_contract_with_the_public_url_as_server() {
    let server = IdpServer::start().await;
    let response = reqwest::get(format!("{}/swagger/v1/swagger.json", server.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let served: Value = response.json().await.unwrap();
    let contract = contract();
    assert_eq!(path_keys(&served), path_keys(&contract));
    assert_eq!(served["paths"], contract["paths"]);
    assert_eq!(
        served["components"]["schemas"],
        contract["components"]["schemas"]
    );
    assert_eq!(served["info"], contract["info"]);
    assert_eq!(served["servers"], json!([{ "url": server.url }]));
    // Local mode: the Authorize button logs in through the embedded ID-porten.
    let flow = &served["components"]["securitySchemes"]["idporten"]["flows"]["authorizationCode"];
    assert_eq!(
        flow["authorizationUrl"],
        format!("{}/idporten/authorize", server.url)
    );
    assert_eq!(flow["tokenUrl"], format!("{}/idporten/token", server.url));
    assert!(flow["scopes"]["openid"].is_string(), "{flow}");
    assert!(flow["scopes"]["digdir:dialogporten"].is_string(), "{flow}");
    // The discovery document agrees on both endpoints.
    let discovery: Value = reqwest::get(format!(
        "{}/idporten/.well-known/openid-configuration",
        server.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        discovery["authorization_endpoint"],
        flow["authorizationUrl"]
    );
    assert_eq!(discovery["token_endpoint"], flow["tokenUrl"]);
}

#[tokio::test]
async fn swagger_ui_and_its_oauth2_redirect_page_are_served_from_the_binary() {
    let server = IdpServer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(format!("{}/swagger", server.url))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/swagger/");
    for (path, kind, needle) in [
        ("/swagger/", "text/html", "swagger-ui"),
        ("/swagger/index.html", "text/html", "swagger-ui"),
        (
            "/swagger/swagger-initializer.js",
            "text/javascript",
            "/swagger/v1/swagger.json",
        ),
        (
            "/swagger/swagger-ui-bundle.js",
            "text/javascript",
            "SwaggerUI",
        ),
        ("/swagger/swagger-ui.css", "text/css", ".swagger-ui"),
        (
            "/swagger/oauth2-redirect.html",
            "text/html",
            "oauth2-redirect",
        ),
    ] {
        let response = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        let body = response.text().await.unwrap();
        assert!(body.contains(needle), "{path} lacks {needle:?}");
    }
    // The configuration Swagger UI starts with: PKCE, the swagger client, the redirect page.
    let initializer = http
        .get(format!("{}/swagger/swagger-initializer.js", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "\"usePkceWithAuthorizationCodeGrant\": true",
        "\"clientId\": \"swagger\"",
        &format!(
            "\"oauth2RedirectUrl\": \"{}/swagger/oauth2-redirect.html\"",
            server.url
        ),
    ] {
        assert!(initializer.contains(needle), "{needle}: {initializer}");
    }
}

/// The `href` targets of a page, unescaped.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('"')
                .map(|(href, _)| href.replace("&amp;", "&"))
        })
        .collect()
}

#[tokio::test]
async fn the_landing_page_links_answer() {
    let server = IdpServer::start().await;
    let http = reqwest::Client::new();
    let response = http.get(format!("{}/", server.url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains("<h1>"), "{page}");
    let links = links(&page);
    for path in [
        "/swagger/",
        "/swagger/v1/swagger.json",
        "/api/v1/.well-known/oauth-authorization-server",
        "/api/v1/.well-known/jwks.json",
        "/idporten/.well-known/openid-configuration",
        "/maskinporten/.well-known/oauth-authorization-server",
        "/authentication/api/v1/openid/.well-known/openid-configuration",
        "/testtools/api/GetPersonalToken",
        "/testtools/api/GetEnterpriseToken",
        "/health",
        "/health/deep",
    ] {
        let url = format!("{}{path}", server.url);
        assert!(
            links
                .iter()
                .any(|l| l == &url || l.starts_with(&format!("{url}?"))),
            "no link to {path}: {links:?}"
        );
    }
    let ours: Vec<&String> = links
        .iter()
        .filter(|l| l.starts_with(&format!("{}/", server.url)))
        .collect();
    assert!(ours.len() >= 11, "{links:?}");
    for link in ours {
        let response = http.get(link).send().await.unwrap();
        if link.contains("/testtools/") {
            // The generator wants Basic credentials; with them it mints.
            assert_eq!(response.status(), 401, "{link}");
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{link}"
            );
            let response = http
                .get(link)
                .basic_auth("dev", Some("dev"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{link}");
        } else {
            assert_eq!(response.status(), 200, "{link}");
        }
    }
}

async fn page_dump(browser: &Client) -> String {
    format!(
        "at {:?}: {}",
        browser.current_url().await.map(|u| u.to_string()),
        browser.source().await.unwrap_or_default()
    )
}

/// Waits for the window Swagger UI opened for the login; switches to it.
async fn switch_to_popup(browser: &Client, main: &fantoccini::wd::WindowHandle) {
    for _ in 0..100 {
        let windows = browser.windows().await.unwrap();
        if let Some(popup) = windows.into_iter().find(|w| w != main) {
            browser.switch_to_window(popup).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "Swagger UI opened no login window: {}",
        page_dump(browser).await
    );
}

/// Waits for the login window to close itself (the redirect page hands over the code).
async fn popup_closed(browser: &Client, main: &fantoccini::wd::WindowHandle) {
    for _ in 0..100 {
        let windows = browser.windows().await.unwrap();
        if windows.len() == 1 && &windows[0] == main {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the login window did not close: {}",
        page_dump(browser).await
    );
}

#[tokio::test]
async fn swagger_ui_renders_in_chromium_and_logs_in_through_the_embedded_idporten_with_pkce() {
    if browser_missing("Swagger UI") {
        return;
    }
    let server = IdpServer::start().await;
    // The server registers Swagger UI as a public ID-porten client (PKCE, no secret) returning
    // to its redirect page at the public URL, so "Authorize" works on a fresh data directory.
    let registered = server
        .clients()
        .get(dp_api::docs::SWAGGER_CLIENT_ID)
        .expect("the swagger client is registered at startup");
    assert_eq!(registered.token_endpoint_auth_method, "none");
    assert_eq!(
        registered.redirect_uris,
        [format!("{}/swagger/oauth2-redirect.html", server.url)]
    );

    let (_driver, driver_url) = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver_url, profile.path(), &["--window-size=1280,1600"]).await;

    // Swagger UI renders the contract's operation list.
    browser
        .goto(&format!("{}/swagger", server.url))
        .await
        .unwrap();
    if let Err(error) = browser
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(".opblock"))
        .await
    {
        panic!("no operation list ({error}) {}", page_dump(&browser).await);
    }
    let operations = browser.find_all(Locator::Css(".opblock")).await.unwrap();
    assert_eq!(operations.len(), operation_count(&contract()));
    let mut texts = Vec::new();
    for operation in &operations {
        texts.push(operation.text().await.unwrap());
    }
    assert!(
        texts
            .iter()
            .any(|t| t.contains("/api/v1/serviceowner/dialogs")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("/api/v1/enduser/dialogs")),
        "{texts:?}"
    );

    // Authorize → idporten: a login window at the embedded ID-porten, PKCE, back to the
    // redirect page, which hands the code to Swagger UI; Swagger UI redeems it.
    let main = browser.window().await.unwrap();
    browser
        .find(Locator::Css(".scheme-container button.authorize"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let authorize = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//div[contains(@class,'auth-container')][.//h4[contains(.,'idporten')]]\
             //button[contains(@class,'authorize')]",
        ))
        .await
        .unwrap();
    // The dialog scrolls; bring the idporten section's button into view first.
    browser
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&authorize).unwrap()],
        )
        .await
        .unwrap();
    authorize.click().await.unwrap();
    switch_to_popup(&browser, &main).await;
    // The embedded ID-porten refuses authorization requests without an S256 code challenge,
    // so reaching the login page means Swagger UI used PKCE.
    log_in_as(&browser, DEMO_PID, DEMO_NAME).await;
    let consent = match browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("consent-form"))
        .await
    {
        Ok(consent) => consent,
        Err(error) => panic!("no consent page ({error}) {}", page_dump(&browser).await),
    };
    consent
        .find(Locator::Id("accept"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    popup_closed(&browser, &main).await;
    browser.switch_to_window(main).await.unwrap();

    // Swagger UI holds an ID-porten access token, and it reads the end-user API.
    let mut token = Value::Null;
    for _ in 0..100 {
        token = browser
            .execute(
                "const a = window.ui.authSelectors.authorized().toJS().idporten;\
                 return a && a.token ? a.token : null;",
                vec![],
            )
            .await
            .unwrap();
        if !token.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let access = token["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in Swagger UI: {token}"))
        .to_owned();
    let logout = browser
        .find(Locator::XPath(
            "//div[contains(@class,'auth-container')][.//h4[contains(.,'idporten')]]\
             //button[normalize-space(.)='Logout']",
        ))
        .await;
    assert!(logout.is_ok(), "not shown as authorized");
    let search = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:{DEMO_PID}",
            server.url
        ))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 200);

    browser.close().await.unwrap();
}
