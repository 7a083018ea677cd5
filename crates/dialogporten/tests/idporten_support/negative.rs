//! The embedded ID-porten's refusals: PKCE `plain` or missing, redirect-URI mismatch, scopes,
//! reused codes, reused refresh tokens (the family goes), expired consent, forged forms,
//! client authentication, logout. Part of `tests/idporten.rs`.

use super::*;
use idporten_support::{Form, Step};

const VERIFIER: &str = "xyo94uhy3zKvgB0NJwLms86SwcjtWviEOpkBnGgaLlo";
const CHALLENGE: &str = "b7elB7ZyxIXgFyvBznKvxl7wOB-H17Pz0a3B62NIMFI";

fn authorize_url(server: &IdpServer, params: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/authorize", server.issuer)).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// A valid request of `client_id`, with `changes` applied (an empty value drops the parameter).
fn request(
    client_id: &str,
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, String)> {
    let mut params: Vec<(&'static str, String)> = vec![
        ("response_type", "code".into()),
        ("client_id", client_id.into()),
        ("redirect_uri", REDIRECT_URI.into()),
        ("scope", "openid digdir:dialogporten".into()),
        ("state", "st-1".into()),
        ("nonce", "n-1".into()),
        ("code_challenge", CHALLENGE.into()),
        ("code_challenge_method", "S256".into()),
    ];
    for (name, value) in changes {
        params.retain(|(k, _)| k != name);
        if !value.is_empty() {
            params.push((name, (*value).to_owned()));
        }
    }
    params
}

fn url_of(server: &IdpServer, params: &[(&'static str, String)]) -> String {
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    authorize_url(server, &pairs)
}

/// The `error` of an error redirect, after checking `state` and `iss` came back.
async fn redirected_error(browser: &Browser, server: &IdpServer, url: &str) -> String {
    let back = browser.open(url).await.left();
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    assert_eq!(query(&back, "iss").as_deref(), Some(server.issuer.as_str()));
    assert!(query(&back, "code").is_none());
    query(&back, "error").expect("an error")
}

async fn token_post(
    server: &IdpServer,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/token", server.issuer))
        .form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), challenge)
}

/// Logs in with the raw request (consenting if asked) and returns the code.
async fn raw_code(
    browser: &Browser,
    server: &IdpServer,
    params: &[(&'static str, String)],
) -> String {
    let mut step = browser.open(&url_of(server, params)).await;
    if let Step::Page { html, .. } = &step
        && html.contains("login-form")
    {
        step = browser.login(html, DEMO_PID, SUBSTANTIAL).await;
    }
    if let Step::Page { html, .. } = &step {
        step = browser.consent(html, true).await;
    }
    query(&step.left(), "code").unwrap()
}

async fn redeem(server: &IdpServer, code: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    let (status, body, _) = token_post(server, &form, Some(("neg", "pw"))).await;
    (status, body)
}

async fn refresh(server: &IdpServer, token: &str) -> (u16, Value) {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let (status, body, _) = token_post(server, &form, Some(("neg", "pw"))).await;
    (status, body)
}

async fn negative_server() -> IdpServer {
    let server = IdpServer::start().await;
    server.register(client("neg", "client_secret_basic", Some("pw"), None));
    server
}

#[tokio::test]
async fn authorization_requests_that_break_a_rule() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    for (changes, expected) in [
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (
            vec![("code_challenge", ""), ("code_challenge_method", "")],
            "invalid_request",
        ),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (
            vec![("code_challenge", "not-a-sha256-challenge")],
            "invalid_request",
        ),
        (vec![("scope", "digdir:dialogporten")], "invalid_scope"),
        (
            vec![("scope", "openid altinn:instances.read")],
            "invalid_scope",
        ),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("acr_values", "Level3")], "invalid_request"),
        (vec![("prompt", "none")], "login_required"),
        (vec![("prompt", "none login")], "invalid_request"),
    ] {
        let url = url_of(&server, &request("neg", &changes));
        assert_eq!(
            redirected_error(&browser, &server, &url).await,
            expected,
            "{changes:?}"
        );
    }
    // The state comes back with the error.
    let url = url_of(
        &server,
        &request("neg", &[("code_challenge_method", "plain")]),
    );
    let back = browser.open(&url).await.left();
    assert_eq!(query(&back, "state").as_deref(), Some("st-1"));

    // Unknown client or unregistered redirect URI: an error page, never a redirect.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for changes in [
        vec![("redirect_uri", "http://localhost:7/other")],
        vec![("redirect_uri", "http://localhost:7/callback/")],
        vec![("redirect_uri", "")],
        vec![("client_id", "nobody")],
    ] {
        let response = raw
            .get(url_of(&server, &request("neg", &changes)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{changes:?}");
        assert!(response.headers().get("location").is_none());
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_verifier_and_redirect_uri() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    let params = request("neg", &[]);

    let code = raw_code(&browser, &server, &params).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost:7/other"),
        ("code_verifier", VERIFIER),
    ];
    let (status, body, _) = token_post(&server, &form, Some(("neg", "pw"))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );

    // Same browser: no login or consent this time. A wrong verifier fails, a missing one too.
    let code = raw_code(&browser, &server, &params).await;
    let wrong = "A".repeat(43);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", wrong.as_str()),
    ];
    let (status, body, _) = token_post(&server, &form, Some(("neg", "pw"))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );
    let code = raw_code(&browser, &server, &params).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ];
    let (status, body, _) = token_post(&server, &form, Some(("neg", "pw"))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_request"))
    );

    // Client authentication: a wrong secret, or another method than the registered one.
    let (status, body, challenge) = token_post(&server, &form, Some(("neg", "nope"))).await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client"))
    );
    assert!(challenge.unwrap().starts_with("Basic"));
    let mut posted = form.to_vec();
    posted.extend([("client_id", "neg"), ("client_secret", "pw")]);
    let (status, body, _) = token_post(&server, &posted, None).await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client"))
    );

    // A code used twice: refused, and what the first use gave is revoked.
    let code = raw_code(&browser, &server, &params).await;
    let (status, tokens) = redeem(&server, &code).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, body) = redeem(&server, &code).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );
    let (status, body) = refresh(&server, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_family() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    let code = raw_code(&browser, &server, &request("neg", &[])).await;
    let (_, tokens) = redeem(&server, &code).await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, rotated) = refresh(&server, &first).await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);

    let (status, body) = refresh(&server, &first).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );
    let (status, body) = refresh(&server, &second).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant")),
        "the whole family is revoked"
    );
    // Another grant of the same user and client is not affected.
    let code = raw_code(&browser, &server, &request("neg", &[])).await;
    let (_, tokens) = redeem(&server, &code).await;
    let (status, _) = refresh(&server, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refresh_fails_once_the_consent_has_expired() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    let code = raw_code(&browser, &server, &request("neg", &[])).await;
    let (_, tokens) = redeem(&server, &code).await;
    let (status, rotated) = refresh(&server, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    // 90 days pass for the consent: its expiry moves to the past in the stored file.
    let mut stored = server.read_document("idporten-consents.json").await;
    let consent = &mut stored["consents"][0];
    assert_eq!(consent["scope"], json!("digdir:dialogporten"));
    assert_eq!(
        consent["expires_at"].as_i64().unwrap() - consent["granted_at"].as_i64().unwrap(),
        90 * 24 * 3600
    );
    consent["expires_at"] = json!(dp_auth::unix_now() - 1);
    server
        .write_document("idporten-consents.json", &stored)
        .await;

    let (status, body) = refresh(&server, rotated["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("consent")
    );
    // The next login asks for consent again.
    let (status, html) = browser
        .open(&url_of(&server, &request("neg", &[])))
        .await
        .page();
    assert_eq!(status, 200);
    assert!(html.contains("consent-form"), "{html}");
}

#[tokio::test]
async fn the_forms_refuse_forgery_and_invalid_numbers() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    let url = url_of(&server, &request("neg", &[("ui_locales", "nn")]));
    let (_, html) = browser.open(&url).await.page();
    assert!(
        html.contains("Tryggleiksnivå") && html.contains("lang=\"nn\""),
        "{html}"
    );
    let form = Form::find(&html, "login-form")
        .unwrap()
        .with("pid", DEMO_PID);

    let (status, _) = browser
        .submit(&form.clone().with("csrf", "forged"))
        .await
        .page();
    assert_eq!(status, 400);
    let stranger = Browser::new(&server);
    let (status, _) = stranger.submit(&form).await.page();
    assert_eq!(status, 400, "a request started in another browser");
    let (status, page) = browser
        .submit(&form.clone().with("other_pid", "12345678901"))
        .await
        .page();
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error\""), "{page}");

    // Any valid national identity number can be typed in.
    let typed = (0..100u8)
        .filter_map(|n| {
            dp_domain::NationalIdentityNumber::from_prefix([1, 2, 0, 3, 9, 0, 4, n / 10, n % 10])
        })
        .map(|pid| pid.as_str().to_owned())
        .find(|pid| pid != DEMO_PID)
        .unwrap();
    let (status, consent) = browser
        .submit(
            &form
                .clone()
                .with("other_pid", &typed)
                .with("action", "login"),
        )
        .await
        .page();
    assert_eq!(status, 200);
    assert!(
        consent.contains(&typed),
        "the consent page names who logged in"
    );
    let back = browser.consent(&consent, false).await.left();
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));

    let fresh = Browser::new(&server);
    let (_, html) = fresh
        .open(&url_of(&server, &request("neg", &[])))
        .await
        .page();
    assert!(html.contains("Sikkerhetsnivå"), "nb by default");
    let form = Form::find(&html, "login-form")
        .unwrap()
        .with("action", "cancel");
    let back = fresh.submit(&form).await.left();
    assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&back, "state").as_deref(), Some("st-1"));
}

#[tokio::test]
async fn logout_ends_the_login_and_returns_to_a_registered_uri_only() {
    let server = negative_server().await;
    let browser = Browser::new(&server);
    let code = raw_code(&browser, &server, &request("neg", &[])).await;
    let (_, tokens) = redeem(&server, &code).await;
    let hint = tokens["id_token"].as_str().unwrap();

    let logout = |target: &str, state: &str| {
        let mut url = reqwest::Url::parse(&format!("{}/logout", server.issuer)).unwrap();
        url.query_pairs_mut()
            .append_pair("id_token_hint", hint)
            .append_pair("post_logout_redirect_uri", target)
            .append_pair("state", state);
        url.to_string()
    };
    let (status, _) = browser
        .open(&logout("http://localhost:7/elsewhere", "x"))
        .await
        .page();
    assert_eq!(status, 400);
    let back = browser.open(&logout(POST_LOGOUT_URI, "bye")).await.left();
    assert!(back.as_str().starts_with(POST_LOGOUT_URI));
    assert_eq!(query(&back, "state").as_deref(), Some("bye"));

    // The browser's login is gone: prompt=none now answers login_required.
    let url = url_of(&server, &request("neg", &[("prompt", "none")]));
    assert_eq!(
        redirected_error(&browser, &server, &url).await,
        "login_required"
    );
}
