//! The embedded ID-porten end to end with an independent OpenID Connect client (the
//! `openidconnect` crate): discovery, authorization code + PKCE through the login and consent
//! forms, code exchange with each client authentication method, ID-token verification,
//! userinfo and refresh; the access token then reads the end-user API. And every rule's
//! negative case (auth.md §1, issue 5).
#![allow(clippy::unwrap_used)]

mod idporten_support;

use idporten_support::{
    Browser, ClientKey, DEMO_NAME, DEMO_PID, IdpServer, POST_LOGOUT_URI, REDIRECT_URI, client,
    end_user_status, payload, query,
};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthType, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError,
    Scope, TokenResponse,
};
use serde_json::{Value, json};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

const SUBSTANTIAL: &str = "idporten-loa-substantial";
const HIGH: &str = "idporten-loa-high";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The `openidconnect` crate's HTTP hook, served by the workspace's reqwest.
async fn send(request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut answer = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    Ok(answer.body(response.bytes().await?.to_vec()).unwrap())
}

async fn oidc(server: &IdpServer, id: &str, secret: Option<&str>) -> Client {
    let issuer = IssuerUrl::new(server.issuer.clone()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &send)
        .await
        .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(id.to_owned()),
        secret.map(|s| ClientSecret::new(s.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap())
}

struct Started {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

fn start(client: &Client, scopes: &[&str], extra: &[(&str, &str)]) -> Started {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in scopes {
        request = request.add_scope(Scope::new((*scope).to_owned()));
    }
    for (name, value) in extra {
        request = request.add_extra_param(*name, *value);
    }
    let (url, state, nonce) = request.url();
    Started {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

/// Logs in as the demo person, consents when asked, and returns the code.
async fn code_for(browser: &Browser, started: &Started, server: &IdpServer) -> String {
    let (status, html) = browser.open(&started.url).await.page();
    assert_eq!(status, 200, "{html}");
    let mut step = browser.login(&html, DEMO_PID, SUBSTANTIAL).await;
    if let idporten_support::Step::Page { html, .. } = &step {
        assert!(html.contains("consent-form"), "{html}");
        step = browser.consent(html, true).await;
    }
    callback_code(step.left(), started, server)
}

fn callback_code(url: reqwest::Url, started: &Started, server: &IdpServer) -> String {
    assert!(url.as_str().starts_with(REDIRECT_URI), "{url}");
    assert_eq!(
        query(&url, "state").as_deref(),
        Some(started.state.secret().as_str())
    );
    assert_eq!(query(&url, "iss").as_deref(), Some(server.issuer.as_str()));
    query(&url, "code").expect("a code")
}

fn oauth_error<RE: std::error::Error + 'static>(
    result: Result<
        impl std::fmt::Debug,
        RequestTokenError<RE, openidconnect::StandardErrorResponse<CoreErrorResponseType>>,
    >,
) -> CoreErrorResponseType {
    match result {
        Err(RequestTokenError::ServerResponse(response)) => response.error().clone(),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[tokio::test]
async fn discovery_names_every_endpoint_and_the_client_library_reads_it() {
    let server = IdpServer::start().await;
    let document: Value = reqwest::get(format!(
        "{}/idporten/.well-known/openid-configuration",
        server.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let base = &server.issuer;
    assert_eq!(document["issuer"], json!(base));
    for (name, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("userinfo_endpoint", "userinfo"),
        ("end_session_endpoint", "logout"),
        ("jwks_uri", "jwks.json"),
    ] {
        assert_eq!(document[name], json!(format!("{base}/{path}")), "{name}");
    }
    assert_eq!(document["response_types_supported"], json!(["code"]));
    assert_eq!(
        document["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(document["acr_values_supported"], json!([SUBSTANTIAL, HIGH]));
    assert_eq!(
        document["grant_types_supported"],
        json!(["authorization_code", "refresh_token"])
    );
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ] {
        assert!(
            document["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(method))
        );
    }
    assert_eq!(document["ui_locales_supported"], json!(["nb", "nn", "en"]));
    assert_eq!(
        document["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(base.clone()).unwrap(), &send)
            .await
            .unwrap();
    assert_eq!(metadata.jwks().keys().len(), 1);
}

#[tokio::test]
async fn code_flow_with_pkce_userinfo_refresh_and_the_end_user_api() {
    let server = IdpServer::start().await;
    server.register(client("e2e", "client_secret_basic", Some("s3cret"), None));
    let oidc = oidc(&server, "e2e", Some("s3cret")).await;
    let browser = Browser::new(&server);
    let started = start(
        &oidc,
        &["digdir:dialogporten", "profile"],
        &[("ui_locales", "en")],
    );

    // The login page lists the registry's persons, in English.
    let (status, html) = browser.open(&started.url).await.page();
    assert_eq!(status, 200);
    assert!(
        html.contains(DEMO_NAME) && html.contains("Log in"),
        "{html}"
    );
    let (status, html) = browser.login(&html, DEMO_PID, SUBSTANTIAL).await.page();
    assert_eq!(status, 200);
    assert!(
        html.contains("digdir:dialogporten") && html.contains("90 days"),
        "{html}"
    );
    let code = callback_code(browser.consent(&html, true).await.left(), &started, &server);

    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request_async(&send)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&oidc.id_token_verifier(), &started.nonce)
        .unwrap();
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str()),
        Some(SUBSTANTIAL)
    );
    assert!(claims.auth_time().is_some());
    let id = payload(&id_token.to_string());
    assert_eq!(id["pid"], json!(DEMO_PID));
    assert_eq!(id["amr"], json!(["TestID"]));
    assert_eq!(id["locale"], json!("en"));
    assert_eq!(id["aud"], json!("e2e"));
    assert!(id["sid"].is_string() && id["jti"].is_string());
    assert_ne!(id["sub"], json!(DEMO_PID), "sub is pairwise");

    let access = tokens.access_token().secret().clone();
    let at = payload(&access);
    assert_eq!(at["iss"], json!(server.issuer));
    assert_eq!(at["pid"], json!(DEMO_PID));
    assert_eq!(at["sub"], id["sub"]);
    assert_eq!(at["acr"], json!(SUBSTANTIAL));
    assert_eq!(at["client_id"], json!("e2e"));
    assert_eq!(at["client_amr"], json!("client_secret_basic"));
    assert_eq!(at["scope"], json!("openid digdir:dialogporten profile"));
    assert_eq!(
        at["consumer"],
        json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827"})
    );
    assert!(at.get("aud").is_none());
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(end_user_status(&server, &access).await, 200);

    let info: CoreUserInfoClaims = oidc
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&send)
        .await
        .unwrap();
    assert_eq!(info.subject(), claims.subject());
    let raw: Value = reqwest::Client::new()
        .get(format!("{}/userinfo", server.issuer))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["pid"], json!(DEMO_PID));
    assert_eq!(raw["name"], json!(DEMO_NAME));
    let refused = reqwest::Client::new()
        .get(format!("{}/userinfo", server.issuer))
        .bearer_auth(id_token.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "an ID token is no access token");

    let first_refresh = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = oidc
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&send)
        .await
        .unwrap();
    let second_refresh = refreshed.refresh_token().expect("rotated").clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    assert_eq!(
        end_user_status(&server, refreshed.access_token().secret()).await,
        200
    );
    let again = payload(&refreshed.id_token().unwrap().to_string());
    assert_eq!(
        (&again["nonce"], &again["auth_time"]),
        (&id["nonce"], &id["auth_time"])
    );

    // The same browser comes back: no login page and no consent page.
    let second = start(&oidc, &["digdir:dialogporten"], &[]);
    let url = browser.open(&second.url).await.left();
    callback_code(url, &second, &server);
}

#[tokio::test]
async fn consent_is_remembered_across_restarts_and_never_asked_for_noconsent() {
    let first = IdpServer::start().await;
    first.register(client("app", "client_secret_post", Some("pw"), None));
    let oidc = oidc(&first, "app", Some("pw"))
        .await
        .set_auth_type(AuthType::RequestBody);

    // digdir:dialogporten.noconsent: login and straight back, no consent page.
    let browser = Browser::new(&first);
    let started = start(&oidc, &["digdir:dialogporten.noconsent"], &[]);
    let (_, html) = browser.open(&started.url).await.page();
    let url = browser.login(&html, DEMO_PID, SUBSTANTIAL).await.left();
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(callback_code(url, &started, &first)))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request_async(&send)
        .await
        .unwrap();
    assert_eq!(
        payload(tokens.access_token().secret())["client_amr"],
        json!("client_secret_post")
    );
    assert_eq!(
        end_user_status(&first, tokens.access_token().secret()).await,
        200
    );

    // digdir:dialogporten: consent once…
    let started = start(&oidc, &["digdir:dialogporten"], &[]);
    let code = code_for(&Browser::new(&first), &started, &first).await;
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(started.verifier)
        .request_async(&send)
        .await
        .unwrap();
    let consents = first.read_document("idporten-consents.json").await;
    assert!(consents.to_string().contains("digdir:dialogporten"));

    // …then, after a restart on the same data directory, a new browser logs in without it,
    // and the refresh token issued before the restart still works.
    let keep = first.keep();
    let dir = first.data_dir().to_owned();
    drop(first);
    let second = IdpServer::start_in(&dir, keep).await;
    let oidc = oidc_for_restart(&second).await;
    let started = start(&oidc, &["digdir:dialogporten"], &[]);
    let browser = Browser::new(&second);
    let (_, html) = browser.open(&started.url).await.page();
    let url = browser.login(&html, DEMO_PID, SUBSTANTIAL).await.left();
    callback_code(url, &started, &second);
    let refreshed = oidc
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&send)
        .await
        .unwrap();
    assert_eq!(
        end_user_status(&second, refreshed.access_token().secret()).await,
        200
    );

    // prompt=consent asks again.
    let started = start(&oidc, &["digdir:dialogporten"], &[("prompt", "consent")]);
    let (_, html) = browser.open(&started.url).await.page();
    assert!(html.contains("consent-form"), "{html}");
}

async fn oidc_for_restart(server: &IdpServer) -> Client {
    oidc(server, "app", Some("pw"))
        .await
        .set_auth_type(AuthType::RequestBody)
}

fn assertion_claims(client_id: &str, aud: &str) -> Value {
    let now = dp_auth::unix_now();
    json!({"iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + 60,
        "jti": uuid::Uuid::new_v4().to_string()})
}

#[tokio::test]
async fn private_key_jwt_and_the_high_level() {
    let server = IdpServer::start().await;
    let key = ClientKey::new("client-key-1");
    server.register(client(
        "signed",
        "private_key_jwt",
        None,
        Some(json!({"keys": [key.jwk.clone()]})),
    ));
    let oidc = oidc(&server, "signed", None)
        .await
        .set_auth_type(AuthType::RequestBody);
    let browser = Browser::new(&server);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("digdir:dialogporten.noconsent".into()))
        .add_auth_context_value(AuthenticationContextClass::new(HIGH.into()))
        .set_pkce_challenge(challenge)
        .url();
    let started = Started {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    };
    let (_, html) = browser.open(&started.url).await.page();
    assert!(
        !html.contains(SUBSTANTIAL),
        "only the requested level or higher is offered"
    );
    let code = callback_code(
        browser.login(&html, DEMO_PID, HIGH).await.left(),
        &started,
        &server,
    );

    let exchange = |code: String, assertion: String| {
        oidc.exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(PkceCodeVerifier::new(started.verifier.secret().clone()))
            .add_extra_param("client_assertion_type", ASSERTION_TYPE)
            .add_extra_param("client_assertion", assertion)
    };
    // Wrong audience, unknown kid, too long a lifetime: invalid_client, the code stays usable.
    let wrong_aud = key.sign(&assertion_claims("signed", "https://idporten.no"));
    let error = oauth_error(exchange(code.clone(), wrong_aud).request_async(&send).await);
    assert_eq!(error, CoreErrorResponseType::InvalidClient);
    let other = ClientKey::new("unknown-kid");
    let unknown = other.sign(&assertion_claims("signed", &server.issuer));
    let error = oauth_error(exchange(code.clone(), unknown).request_async(&send).await);
    assert_eq!(error, CoreErrorResponseType::InvalidClient);
    let mut long = assertion_claims("signed", &server.issuer);
    long["exp"] = json!(long["iat"].as_i64().unwrap() + 300);
    let error = oauth_error(
        exchange(code.clone(), key.sign(&long))
            .request_async(&send)
            .await,
    );
    assert_eq!(error, CoreErrorResponseType::InvalidClient);

    let good = key.sign(&assertion_claims("signed", &server.issuer));
    let tokens = exchange(code.clone(), good.clone())
        .request_async(&send)
        .await
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&oidc.id_token_verifier(), &started.nonce)
        .unwrap();
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some(HIGH));
    let at = payload(tokens.access_token().secret());
    assert_eq!(
        (at["acr"].clone(), at["client_amr"].clone()),
        (json!(HIGH), json!("private_key_jwt"))
    );
    assert_eq!(
        end_user_status(&server, tokens.access_token().secret()).await,
        200
    );

    // A replayed assertion (same jti) is refused.
    let replay = oidc
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .add_extra_param("client_assertion_type", ASSERTION_TYPE)
        .add_extra_param("client_assertion", good)
        .request_async(&send)
        .await;
    assert_eq!(oauth_error(replay), CoreErrorResponseType::InvalidClient);
    let fresh = key.sign(&assertion_claims("signed", &server.issuer));
    let refreshed = oidc
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .add_extra_param("client_assertion_type", ASSERTION_TYPE)
        .add_extra_param("client_assertion", fresh)
        .request_async(&send)
        .await
        .unwrap();
    assert_eq!(
        payload(refreshed.access_token().secret())["acr"],
        json!(HIGH)
    );
}

#[path = "idporten_support/negative.rs"]
mod negative;
