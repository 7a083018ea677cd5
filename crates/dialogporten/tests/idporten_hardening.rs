//! Issue 11, items 7, 8, 10, 11 and 12, over real HTTP on loopback against the server with its
//! embedded ID-porten and Maskinporten:
//!
//! - a reused authorization code revokes the access tokens issued from it, and the end-user
//!   API (with its verified-token cache) refuses them from then on (RFC 6749 §4.1.2);
//! - a refused refresh request leaves the refresh token usable (RFC 9700 §4.14);
//! - no refusal's `error_description` holds `"` or `\` (RFC 6749 §5.2);
//! - token revocation (RFC 7009) and pushed authorization requests (RFC 9126);
//! - `state` and `nonce` are required, a client assertion must be addressed to the issuer and
//!   comes with `client_id`.
#![allow(clippy::unwrap_used)]

mod idporten_support;

use idporten_support::{
    Browser, ClientKey, DEMO_PID, IdpServer, REDIRECT_URI, Step, b64, client, end_user_status,
    query,
};
use serde_json::{Value, json};

const VERIFIER: &str = "xyo94uhy3zKvgB0NJwLms86SwcjtWviEOpkBnGgaLlo";
const CHALLENGE: &str = "b7elB7ZyxIXgFyvBznKvxl7wOB-H17Pz0a3B62NIMFI";
const SUBSTANTIAL: &str = "idporten-loa-substantial";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn jti() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A valid authorization request of `client_id` with `changes` (an empty value drops one).
fn authorize_url(server: &IdpServer, client_id: &str, changes: &[(&str, &str)]) -> String {
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid digdir:dialogporten"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in changes {
        params.retain(|(k, _)| k != name);
        if !value.is_empty() {
            params.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    let mut url = reqwest::Url::parse(&format!("{}/authorize", server.issuer)).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

/// Follows `url` through login (and consent) to the redirect back to the client.
async fn login(browser: &Browser, url: &str) -> reqwest::Url {
    let mut step = browser.open(url).await;
    if let Step::Page { html, .. } = &step
        && html.contains("login-form")
    {
        step = browser.login(html, DEMO_PID, SUBSTANTIAL).await;
    }
    if let Step::Page { html, .. } = &step
        && html.contains("consent-form")
    {
        step = browser.consent(html, true).await;
    }
    step.left()
}

async fn code_of(browser: &Browser, server: &IdpServer, client_id: &str) -> String {
    let back = login(browser, &authorize_url(server, client_id, &[])).await;
    query(&back, "code").unwrap_or_else(|| panic!("no code in {back}"))
}

struct Answer {
    status: u16,
    body: Value,
    challenge: Option<String>,
}

impl Answer {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

async fn post(
    server: &IdpServer,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
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
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        body,
        challenge,
    }
}

const APP: (&str, &str) = ("app", "pw");

async fn redeem(server: &IdpServer, code: &str, basic: Option<(&str, &str)>) -> Answer {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    if basic.is_none() {
        form.push(("client_id", "public"));
    }
    post(server, "/idporten/token", &form, basic).await
}

async fn refresh(server: &IdpServer, token: &str, scope: Option<&str>) -> Answer {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    post(server, "/idporten/token", &form, Some(APP)).await
}

fn text<'a>(answer: &'a Answer, field: &str) -> &'a str {
    answer.body[field].as_str().unwrap_or_default()
}

async fn server() -> IdpServer {
    let server = IdpServer::start().await;
    server.register(client("app", "client_secret_basic", Some("pw"), None));
    server.register(client("other", "client_secret_basic", Some("pw2"), None));
    server.register(client("public", "none", None, None));
    server
}

#[tokio::test]
async fn a_reused_code_revokes_the_access_tokens_issued_from_it() {
    let server = server().await;
    let browser = Browser::new(&server);

    // Confidential client: the access token and the refresh token go.
    let code = code_of(&browser, &server, "app").await;
    let first = redeem(&server, &code, Some(APP)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let access = text(&first, "access_token").to_owned();
    assert_eq!(end_user_status(&server, &access).await, 200);
    // Twice, so the verified-token cache surely holds it.
    assert_eq!(end_user_status(&server, &access).await, 200);
    let again = redeem(&server, &code, Some(APP)).await;
    assert_eq!((again.status, again.error()), (400, "invalid_grant"));
    assert_eq!(
        end_user_status(&server, &access).await,
        401,
        "the API refuses the revoked token"
    );
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/enduser/parties", server.url))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("invalid_token") && challenge.contains("revoked"),
        "{challenge}"
    );
    let refreshed = refresh(&server, text(&first, "refresh_token"), None).await;
    assert_eq!(refreshed.error(), "invalid_grant");
    // The Altinn token exchange does not take it either.
    let exchanged = reqwest::Client::new()
        .get(format!(
            "{}/authentication/api/v1/exchange/id-porten",
            server.url
        ))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(exchanged.status(), 401);

    // Public client (no refresh token): its access token goes too.
    let code = code_for_public(&browser, &server).await;
    let first = redeem(&server, &code, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.get("refresh_token").is_none());
    let access = text(&first, "access_token").to_owned();
    assert_eq!(end_user_status(&server, &access).await, 200);
    assert_eq!(redeem(&server, &code, None).await.error(), "invalid_grant");
    assert_eq!(end_user_status(&server, &access).await, 401);

    // A rotated refresh token presented again revokes the access tokens of its family.
    let code = code_of(&browser, &server, "app").await;
    let first = redeem(&server, &code, Some(APP)).await;
    let rotated = refresh(&server, text(&first, "refresh_token"), None).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let latest = text(&rotated, "access_token").to_owned();
    assert_eq!(end_user_status(&server, &latest).await, 200);
    let reused = refresh(&server, text(&first, "refresh_token"), None).await;
    assert_eq!(reused.error(), "invalid_grant");
    assert_eq!(end_user_status(&server, &latest).await, 401);
    assert_eq!(
        end_user_status(&server, text(&first, "access_token")).await,
        401
    );

    // Revocations survive a restart (the refresh-token file keeps them until expiry).
    let dir = server.data_dir().to_owned();
    let keep = server.keep();
    drop(server);
    let restarted = IdpServer::start_in(&dir, keep).await;
    assert_eq!(end_user_status(&restarted, &latest).await, 401);
}

async fn code_for_public(browser: &Browser, server: &IdpServer) -> String {
    let back = login(browser, &authorize_url(server, "public", &[])).await;
    query(&back, "code").unwrap()
}

#[tokio::test]
async fn a_refused_refresh_does_not_use_up_the_refresh_token() {
    let server = server().await;
    let browser = Browser::new(&server);
    let code = code_of(&browser, &server, "app").await;
    let first = redeem(&server, &code, Some(APP)).await;
    let token = text(&first, "refresh_token").to_owned();

    let refused = refresh(&server, &token, Some("openid digdir:dialogporten altinn:x")).await;
    assert_eq!((refused.status, refused.error()), (400, "invalid_scope"));
    // Another client's attempt does not use it up either.
    let stolen = post(
        &server,
        "/idporten/token",
        &[("grant_type", "refresh_token"), ("refresh_token", &token)],
        Some(("other", "pw2")),
    )
    .await;
    assert_eq!(stolen.error(), "invalid_grant");

    let narrowed = refresh(&server, &token, Some("openid")).await;
    assert_eq!(narrowed.status, 200, "the same refresh token still works");
    assert_eq!(text(&narrowed, "scope"), "openid");
    let next = refresh(&server, text(&narrowed, "refresh_token"), None).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(
        end_user_status(&server, text(&next, "access_token")).await,
        200
    );
}

#[tokio::test]
async fn revocation_endpoint_revokes_the_grant_of_a_token() {
    let server = server().await;
    let browser = Browser::new(&server);
    let discovery: Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        server.issuer
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        discovery["revocation_endpoint"],
        json!(format!("{}/revoke", server.issuer))
    );
    assert_eq!(
        discovery["pushed_authorization_request_endpoint"],
        json!(format!("{}/par", server.issuer))
    );

    // An access token: it, and everything of its grant, goes.
    let first = redeem(&server, &code_of(&browser, &server, "app").await, Some(APP)).await;
    let access = text(&first, "access_token").to_owned();
    assert_eq!(end_user_status(&server, &access).await, 200);
    let other = post(
        &server,
        "/idporten/revoke",
        &[("token", &access)],
        Some(("other", "pw2")),
    )
    .await;
    assert_eq!((other.status, other.error()), (400, "unauthorized_client"));
    assert_eq!(end_user_status(&server, &access).await, 200);
    let revoked = post(
        &server,
        "/idporten/revoke",
        &[("token", &access), ("token_type_hint", "access_token")],
        Some(APP),
    )
    .await;
    assert_eq!((revoked.status, &revoked.body), (200, &Value::Null));
    assert_eq!(end_user_status(&server, &access).await, 401);
    assert_eq!(
        refresh(&server, text(&first, "refresh_token"), None)
            .await
            .error(),
        "invalid_grant"
    );

    // A refresh token (the hint is only a hint): the family and its access tokens go.
    let first = redeem(&server, &code_of(&browser, &server, "app").await, Some(APP)).await;
    let access = text(&first, "access_token").to_owned();
    let token = text(&first, "refresh_token").to_owned();
    let revoked = post(
        &server,
        "/idporten/revoke",
        &[("token", &token), ("token_type_hint", "access_token")],
        Some(APP),
    )
    .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(
        refresh(&server, &token, None).await.error(),
        "invalid_grant"
    );
    assert_eq!(end_user_status(&server, &access).await, 401);
    // Revoking again, or an unknown token: still 200 (RFC 7009 §2.2).
    for token in [token.as_str(), "no-such-token"] {
        let again = post(&server, "/idporten/revoke", &[("token", token)], Some(APP)).await;
        assert_eq!(again.status, 200);
    }

    // Refusals: no client authentication, a wrong secret, no token.
    let anonymous = post(&server, "/idporten/revoke", &[("token", "x")], None).await;
    assert_eq!(
        (anonymous.status, anonymous.error()),
        (401, "invalid_client")
    );
    let wrong = post(
        &server,
        "/idporten/revoke",
        &[("token", "x")],
        Some(("app", "no")),
    )
    .await;
    assert_eq!((wrong.status, wrong.error()), (401, "invalid_client"));
    assert!(wrong.challenge.unwrap().starts_with("Basic"));
    let missing = post(&server, "/idporten/revoke", &[], Some(APP)).await;
    assert_eq!((missing.status, missing.error()), (400, "invalid_request"));

    // A public client revokes its own token with its client_id.
    let code = code_for_public(&browser, &server).await;
    let first = redeem(&server, &code, None).await;
    let access = text(&first, "access_token").to_owned();
    let revoked = post(
        &server,
        "/idporten/revoke",
        &[("token", &access), ("client_id", "public")],
        None,
    )
    .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(end_user_status(&server, &access).await, 401);
}

#[tokio::test]
async fn pushed_authorization_requests_are_single_use() {
    let server = server().await;
    let browser = Browser::new(&server);
    let request = [
        ("response_type", "code"),
        ("client_id", "app"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid digdir:dialogporten"),
        ("state", "pushed-state"),
        ("nonce", "pushed-nonce"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let pushed = post(&server, "/idporten/par", &request, Some(APP)).await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    let request_uri = text(&pushed, "request_uri").to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    assert_eq!(pushed.body["expires_in"], json!(60));

    let url = |client_id: &str, request_uri: &str| {
        let mut url = reqwest::Url::parse(&format!("{}/authorize", server.issuer)).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("request_uri", request_uri);
        url.to_string()
    };
    // Redeemed at /authorize with client_id and request_uri alone.
    let back = login(&browser, &url("app", &request_uri)).await;
    assert_eq!(query(&back, "state").as_deref(), Some("pushed-state"));
    let code = query(&back, "code").unwrap();
    let tokens = redeem(&server, &code, Some(APP)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let id_token = idporten_support::payload(text(&tokens, "id_token"));
    assert_eq!(id_token["nonce"], json!("pushed-nonce"));

    // Single use: taken on first presentation; another client's, or an unknown one, neither.
    let (status, html) = browser.open(&url("app", &request_uri)).await.page();
    assert_eq!(status, 400, "single use: {html}");
    let second = post(&server, "/idporten/par", &request, Some(APP)).await;
    let (status, _) = browser
        .open(&url("other", text(&second, "request_uri")))
        .await
        .page();
    assert_eq!(status, 400, "pushed by another client");
    let (status, _) = browser
        .open(&url("app", "urn:ietf:params:oauth:request_uri:nope"))
        .await
        .page();
    assert_eq!(status, 400);

    // The pushed request is checked as /authorize checks it, answered as JSON.
    for (name, value, error) in [
        ("nonce", "", "invalid_request"),
        ("state", "", "invalid_request"),
        ("code_challenge_method", "plain", "invalid_request"),
        ("scope", "openid altinn:x", "invalid_scope"),
        (
            "redirect_uri",
            "http://localhost:7/elsewhere",
            "invalid_request",
        ),
        ("request_uri", "urn:x", "invalid_request"),
    ] {
        let mut form: Vec<(&str, &str)> = request
            .iter()
            .filter(|(k, _)| *k != name)
            .copied()
            .collect();
        if !value.is_empty() {
            form.push((name, value));
        }
        let refused = post(&server, "/idporten/par", &form, Some(APP)).await;
        assert_eq!((refused.status, refused.error()), (400, error), "{name}");
    }
    let anonymous = post(&server, "/idporten/par", &request, None).await;
    assert_eq!(
        (anonymous.status, anonymous.error()),
        (401, "invalid_client")
    );
}

#[tokio::test]
async fn state_nonce_and_the_client_assertion_are_as_strict_as_id_porten() {
    let server = server().await;
    let key = ClientKey::new("k1");
    server.register(client(
        "signed",
        "private_key_jwt",
        None,
        Some(json!({"keys": [key.jwk.clone()]})),
    ));
    let browser = Browser::new(&server);
    for missing in ["state", "nonce"] {
        let back = browser
            .open(&authorize_url(&server, "app", &[(missing, "")]))
            .await
            .left();
        assert_eq!(
            query(&back, "error").as_deref(),
            Some("invalid_request"),
            "{missing}"
        );
        assert!(
            query(&back, "error_description").unwrap().contains(missing),
            "{back}"
        );
        assert!(query(&back, "code").is_none());
    }

    let code = code_of(&browser, &server, "signed").await;
    let assertion = |aud: &str| {
        let now = dp_auth::unix_now();
        key.sign(
            &json!({"iss": "signed", "sub": "signed", "aud": aud, "iat": now,
            "exp": now + 60, "jti": jti()}),
        )
    };
    let exchange = |assertion: String, client_id: Option<&'static str>| {
        let code = code.clone();
        let server = &server;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", REDIRECT_URI.to_owned()),
                ("code_verifier", VERIFIER.to_owned()),
                ("client_assertion_type", ASSERTION_TYPE.to_owned()),
                ("client_assertion", assertion),
            ];
            if let Some(id) = client_id {
                form.push(("client_id", id.to_owned()));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(server, "/idporten/token", &form, None).await
        }
    };
    let token_endpoint = format!("{}/token", server.issuer);
    let refused = exchange(assertion(&token_endpoint), Some("signed")).await;
    assert_eq!((refused.status, refused.error()), (401, "invalid_client"));
    assert!(
        text(&refused, "error_description").contains("aud"),
        "{}",
        refused.body
    );
    let refused = exchange(assertion(&server.issuer), None).await;
    assert_eq!((refused.status, refused.error()), (400, "invalid_request"));
    assert!(text(&refused, "error_description").contains("client_id"));
    // The code is still good for a request that does it right.
    let good = exchange(assertion(&server.issuer), Some("signed")).await;
    assert_eq!(good.status, 200, "{}", good.body);
}

/// A request to an endpoint: its path, form and Basic credentials.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<(&'a str, &'a str)>);

fn clean(description: &str) -> bool {
    !description.contains('"') && !description.contains('\\')
}

#[tokio::test]
async fn no_id_porten_refusal_puts_quotes_or_backslashes_in_its_description() {
    let server = server().await;
    let browser = Browser::new(&server);
    let mut seen = Vec::new();
    let evil = "e\"v\\il";
    // Authorization error redirects.
    for changes in [
        vec![("prompt", evil)],
        vec![("scope", "openid e\"v\\il")],
        vec![("acr_values", evil)],
        vec![("response_type", evil)],
        vec![("response_mode", evil)],
        vec![("max_age", evil)],
        vec![("resource", evil)],
        vec![("code_challenge", evil)],
        vec![("code_challenge_method", evil)],
        vec![("state", "")],
        vec![("nonce", "")],
        vec![("request", evil)],
    ] {
        let back = browser
            .open(&authorize_url(&server, "app", &changes))
            .await
            .left();
        let description = query(&back, "error_description").unwrap();
        assert!(clean(&description), "{changes:?}: {description}");
        seen.push(description);
    }
    // Token, revocation and pushed-request endpoints.
    let code = code_of(&browser, &server, "app").await;
    let cases: Vec<Case> = vec![
        ("/idporten/token", vec![("grant_type", evil)], Some(APP)),
        ("/idporten/token", vec![], Some(APP)),
        (
            "/idporten/token",
            vec![("grant_type", "a"), ("grant_type", "b")],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![("grant_type", "authorization_code")],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![
                ("grant_type", "authorization_code"),
                ("code", evil),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", evil),
                ("code_verifier", VERIFIER),
            ],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![("grant_type", "refresh_token"), ("refresh_token", evil)],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![("grant_type", "refresh_token")],
            Some(APP),
        ),
        (
            "/idporten/token",
            vec![("grant_type", "refresh_token"), ("refresh_token", "x")],
            Some((evil, evil)),
        ),
        (
            "/idporten/token",
            vec![("grant_type", "refresh_token"), ("client_id", evil)],
            None,
        ),
        (
            "/idporten/token",
            vec![("grant_type", "refresh_token"), ("client_id", "public")],
            None,
        ),
        (
            "/idporten/token",
            vec![("client_id", "app"), ("client_secret", evil)],
            None,
        ),
        (
            "/idporten/token",
            vec![
                ("client_id", "app"),
                ("client_assertion", evil),
                ("client_assertion_type", evil),
            ],
            None,
        ),
        (
            "/idporten/token",
            vec![
                ("client_id", "app"),
                ("client_assertion", evil),
                ("client_assertion_type", ASSERTION_TYPE),
            ],
            None,
        ),
        ("/idporten/revoke", vec![], Some(APP)),
        (
            "/idporten/revoke",
            vec![("token", evil)],
            Some(("app", evil)),
        ),
        ("/idporten/par", vec![("client_id", "app")], Some(APP)),
        ("/idporten/par", vec![("redirect_uri", evil)], Some(APP)),
        (
            "/idporten/par",
            vec![
                ("redirect_uri", REDIRECT_URI),
                ("scope", "openid e\"v\\il"),
                ("response_type", "code"),
                ("state", "s"),
                ("nonce", "n"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            Some(APP),
        ),
    ];
    for (path, form, basic) in cases {
        let answer = post(&server, path, &form, basic).await;
        assert!(answer.status >= 400, "{path} {form:?}: {}", answer.status);
        let description = text(&answer, "error_description").to_owned();
        assert!(!description.is_empty(), "{path} {form:?}: {}", answer.body);
        assert!(clean(&description), "{path} {form:?}: {description}");
        seen.push(description);
    }
    // Userinfo: its body and its challenge.
    let response = reqwest::Client::new()
        .get(format!("{}/userinfo", server.issuer))
        .bearer_auth(evil)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert!(clean(body["error_description"].as_str().unwrap()));
    seen.sort();
    seen.dedup();
    assert!(
        seen.len() >= 25,
        "{} distinct refusals: {seen:#?}",
        seen.len()
    );
}

fn register_maskinporten(server: &IdpServer, key: &ClientKey) {
    server.register(dp_idp::OAuthClient {
        client_id: "mp".into(),
        kind: dp_idp::ClientKind::Maskinporten,
        org_number: "991825827".into(),
        name: "Maskinporten test client".into(),
        scopes: vec!["digdir:dialogporten.serviceprovider".into()],
        jwks: Some(json!({"keys": [key.jwk.clone()]})),
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        token_endpoint_auth_method: "private_key_jwt".into(),
        secret_sha256: None,
    });
}

#[tokio::test]
async fn no_maskinporten_refusal_puts_quotes_or_backslashes_in_its_description() {
    let server = server().await;
    let key = ClientKey::new("mp-key");
    register_maskinporten(&server, &key);
    let aud = format!("{}/maskinporten/", server.url);
    let now = dp_auth::unix_now();
    let claims = |changes: &[(&str, Value)]| {
        let mut claims = json!({"aud": aud, "iss": "mp", "scope": "digdir:dialogporten.serviceprovider",
            "iat": now, "exp": now + 60, "jti": jti()});
        for (name, value) in changes {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(*name);
            } else {
                claims[*name] = value.clone();
            }
        }
        claims
    };
    let evil = "e\"v\\il";
    let good = key.sign(&claims(&[]));
    let used = key.sign(&claims(&[("jti", json!("once"))]));
    let first = post(
        &server,
        "/maskinporten/token",
        &[("grant_type", JWT_BEARER), ("assertion", &used)],
        None,
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let unsigned = |header: Value| {
        format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims(&[]).to_string().as_bytes()),
            b64(b"sig")
        )
    };
    let other = ClientKey::new("mp-other");
    let mut tampered = good.clone();
    tampered.truncate(tampered.len() - 4);
    tampered.push_str("AAAA");
    let assertions: Vec<String> = vec![
        evil.to_owned(),
        "a.b.c".to_owned(),
        unsigned(json!({"alg": evil, "kid": "mp-key"})),
        unsigned(json!({"alg": "HS256", "kid": "mp-key"})),
        unsigned(json!({"alg": "none"})),
        unsigned(json!({"alg": "RS256", "kid": "mp-key", "crit": [evil]})),
        key.sign(&claims(&[("iss", json!(evil))])),
        key.sign(&claims(&[("iss", json!("app"))])),
        key.sign_with(&json!({"alg": "RS256", "kid": evil}), &claims(&[])),
        other.sign_with(&json!({"alg": "RS256", "kid": "mp-key"}), &claims(&[])),
        tampered,
        key.sign(&claims(&[("aud", json!(evil))])),
        key.sign(&claims(&[("aud", Value::Null)])),
        key.sign(&claims(&[
            ("exp", json!(now - 600)),
            ("iat", json!(now - 660)),
        ])),
        key.sign(&claims(&[("exp", json!(now + 3600))])),
        key.sign(&claims(&[
            ("iat", json!(now + 600)),
            ("exp", json!(now + 660)),
        ])),
        key.sign(&claims(&[("exp", json!(evil))])),
        key.sign(&claims(&[("scope", json!(evil))])),
        key.sign(&claims(&[("scope", Value::Null)])),
        used,
        key.sign(&claims(&[("consumer_org", json!(evil))])),
        key.sign(&claims(&[("consumer_org", json!("991825827"))])),
        key.sign(&claims(&[(
            "authorization_details",
            json!([{"type": evil}]),
        )])),
        key.sign(&claims(&[(
            "authorization_details",
            json!([{"type": "urn:altinn:systemuser", evil: 1}]),
        )])),
        key.sign(&claims(&[("authorization_details", json!(evil))])),
    ];
    let mut seen = Vec::new();
    let mut forms: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("grant_type", evil)],
        vec![("grant_type", JWT_BEARER)],
        vec![
            ("grant_type", JWT_BEARER),
            ("grant_type", JWT_BEARER),
            ("assertion", &good),
        ],
    ];
    for assertion in &assertions {
        forms.push(vec![("grant_type", JWT_BEARER), ("assertion", assertion)]);
    }
    for form in &forms {
        let answer = post(&server, "/maskinporten/token", form, None).await;
        assert_eq!(answer.status, 400, "{form:?}: {}", answer.body);
        let description = text(&answer, "error_description").to_owned();
        assert!(!description.is_empty(), "{form:?}: {}", answer.body);
        assert!(clean(&description), "{form:?}: {description}");
        seen.push(description);
    }
    // A body that is not a form.
    let response = reqwest::Client::new()
        .post(format!("{}/maskinporten/token", server.url))
        .header("content-type", "application/json")
        .body("{\"grant_type\": \"x\"}")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if let Some(description) = body["error_description"].as_str() {
        assert!(clean(description), "{status}: {description}");
    }
    seen.sort();
    seen.dedup();
    assert!(
        seen.len() >= 20,
        "{} distinct refusals: {seen:#?}",
        seen.len()
    );
}
