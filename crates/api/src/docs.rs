//! The API documentation as the real service serves it, and a landing page.
//!
//! Dialogporten serves Swagger UI at `GET /swagger` over its OpenAPI document at
//! `GET /swagger/v1/swagger.json` (ASP.NET's Swashbuckle defaults). We do the same:
//!
//! - `/swagger` redirects to `/swagger/`, which serves Swagger UI; its assets (`/swagger/*`,
//!   among them `oauth2-redirect.html`) are compiled into the binary by `utoipa-swagger-ui`
//!   with its `vendored` feature, which unpacks the Swagger UI zip shipped inside the
//!   `utoipa-swagger-ui-vendored` crate: nothing is fetched at build or at run time.
//! - `/swagger/v1/swagger.json` is the contract (`contract/dialogporten-v1.openapi.json`,
//!   [`crate::json::CONTRACT`]), parsed once when the router is built, with
//!   `"servers": [{"url": public_url}]` added so "Try it out" calls this server.
//! - `/` is a small static page that says where to start: the API documentation, the discovery
//!   documents, the test-token generator and the health endpoints.
//!
//! # Logging in from Swagger UI (local mode)
//!
//! The contract's `idporten` security scheme is OAuth 2 authorization code; in local mode its
//! `authorizationUrl` and `tokenUrl` point at the embedded ID-porten
//! (`{public_url}/idporten/authorize`, `{public_url}/idporten/token`) and its scopes gain
//! `openid`, which ID-porten requires. Swagger UI is initialised (`initOAuth`) with client id
//! [`SWAGGER_CLIENT_ID`], the scopes `openid digdir:dialogporten`,
//! `usePkceWithAuthorizationCodeGrant` and a `nonce` (which ID-porten requires, as `state`), and returns to `{public_url}/swagger/oauth2-redirect.html`.
//! ID-porten only knows registered clients and compares redirect URIs exactly, so the server
//! registers this public client (PKCE, no secret) with that redirect URI when it starts in local
//! mode (`ensure_swagger_client` in the binary's `server.rs`); Swagger UI must be opened at the
//! public URL for the redirect page to reach it.
//!
//! Then "Authorize" → `idporten (OAuth2, authorizationCode)` logs a person in through the
//! embedded ID-porten, and the end-user operations carry the token. The service-owner
//! operations use the `maskinporten` bearer field: paste a token from the test-token generator
//! or the embedded Maskinporten. Open Swagger UI at the public URL: the redirect page hands the
//! code to the page that opened it, which only works within one origin.
//!
//! With external issuers (not local mode) the contract's own scheme (test.idporten.no) is
//! served unchanged, and the landing page lists no embedded providers.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde_json::{Map, Value, json};
use utoipa_swagger_ui::{Config, SwaggerUi, oauth};

/// Where Swagger UI is served (the real service's path).
pub const SWAGGER_PATH: &str = "/swagger";
/// The OpenAPI document (the real service's path).
pub const SPEC_PATH: &str = "/swagger/v1/swagger.json";
/// Swagger UI's OAuth 2 redirect page, a registered redirect URI of [`SWAGGER_CLIENT_ID`].
pub const OAUTH2_REDIRECT_PATH: &str = "/swagger/oauth2-redirect.html";
/// The ID-porten client id Swagger UI logs in with (local mode).
pub const SWAGGER_CLIENT_ID: &str = "swagger";

const IDPORTEN_AUTHORIZE_PATH: &str = "/idporten/authorize";
const IDPORTEN_TOKEN_PATH: &str = "/idporten/token";
const IDPORTEN_DISCOVERY_PATH: &str = "/idporten/.well-known/openid-configuration";
const MASKINPORTEN_METADATA_PATH: &str = "/maskinporten/.well-known/oauth-authorization-server";

/// Swagger UI, the OpenAPI document and the landing page, for any state.
pub fn router<S>(public_url: &str, local_mode: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let public_url = public_url.trim_end_matches('/');
    let mut scopes = vec!["digdir:dialogporten".to_owned()];
    let mut login = oauth::Config::new()
        .app_name("Dialogporten")
        .use_pkce_with_authorization_code_grant(true);
    if local_mode {
        scopes.insert(0, "openid".to_owned());
        // The embedded ID-porten, as the real one, requires a nonce on every authorization
        // request; Swagger UI sends none of its own (and never checks the ID token), so the
        // page carries one per server start.
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        login = login
            .client_id(SWAGGER_CLIENT_ID)
            .additional_query_string_params(std::collections::HashMap::from([(
                "nonce".to_owned(),
                nonce,
            )]));
    }
    let swagger: Router<S> = SwaggerUi::new(SWAGGER_PATH)
        .external_url_unchecked(SPEC_PATH, document(public_url, local_mode))
        .config(
            Config::new([SPEC_PATH])
                .oauth2_redirect_url(format!("{public_url}{OAUTH2_REDIRECT_PATH}"))
                .display_request_duration(true),
        )
        .oauth(login.scopes(scopes))
        .into();
    let page = landing_page(public_url, local_mode);
    swagger.route(
        "/",
        get(move || {
            let page = page.clone();
            async move {
                (
                    [
                        (
                            header::CONTENT_SECURITY_POLICY,
                            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                        ),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    Html(page),
                )
                    .into_response()
            }
        }),
    )
}

/// The contract as served at [`SPEC_PATH`]: with `servers`, and in local mode with the
/// `idporten` scheme pointing at the embedded ID-porten.
pub fn document(public_url: &str, local_mode: bool) -> Value {
    let public_url = public_url.trim_end_matches('/');
    let mut document: Value =
        match serde_json::from_str(crate::json::CONTRACT.trim_start_matches('\u{feff}')) {
            Ok(document) => document,
            Err(error) => {
                tracing::error!(%error, "the embedded contract is not JSON");
                json!({})
            }
        };
    let Some(root) = document.as_object_mut() else {
        return document;
    };
    root.insert("servers".into(), json!([{ "url": public_url }]));
    if !local_mode {
        return document;
    }
    if let Some(scheme) = document.pointer_mut("/components/securitySchemes/idporten") {
        if let Some(Value::String(text)) = scheme.get_mut("description") {
            *text = text.replace(
                "https://test.idporten.no/.well-known/openid-configuration",
                &format!("{public_url}{IDPORTEN_DISCOVERY_PATH} (the embedded ID-porten)"),
            );
        }
        if let Some(Value::Object(flow)) = scheme.pointer_mut("/flows/authorizationCode") {
            flow.insert(
                "authorizationUrl".into(),
                Value::String(format!("{public_url}{IDPORTEN_AUTHORIZE_PATH}")),
            );
            flow.insert(
                "tokenUrl".into(),
                Value::String(format!("{public_url}{IDPORTEN_TOKEN_PATH}")),
            );
            let mut scopes = Map::new();
            scopes.insert(
                "openid".into(),
                Value::String("OpenID Connect (ID-porten requires it)".into()),
            );
            if let Some(Value::Object(listed)) = flow.get("scopes") {
                scopes.extend(listed.clone());
            }
            flow.insert("scopes".into(), Value::Object(scopes));
        }
    }
    if let Some(Value::String(text)) =
        document.pointer_mut("/components/securitySchemes/maskinporten/description")
    {
        *text = text.replace(
            "https://test.maskinporten.no/.well-known/oauth-authorization-server/",
            &format!("{public_url}{MASKINPORTEN_METADATA_PATH} (the embedded Maskinporten)"),
        );
    }
    document
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One `<li>`: a link to `{public_url}{path}` and what it is.
fn item(public_url: &str, path: &str, label: &str, what: &str) -> String {
    format!(
        "      <li><a href=\"{href}\">{label}</a> <code>{path}</code> — {what}</li>\n",
        href = escape(&format!("{public_url}{path}")),
        label = escape(label),
        path = escape(path),
        what = escape(what),
    )
}

fn section(title: &str, id: &str, items: &[String], note: &str) -> String {
    let mut out =
        format!("  <section aria-labelledby=\"{id}\">\n    <h2 id=\"{id}\">{title}</h2>\n");
    if !note.is_empty() {
        out.push_str(&format!("    <p>{note}</p>\n"));
    }
    out.push_str("    <ul>\n");
    for item in items {
        out.push_str(item);
    }
    out.push_str("    </ul>\n  </section>\n");
    out
}

/// The page at `/`: our own HTML and CSS, no script.
fn landing_page(public_url: &str, local_mode: bool) -> String {
    let u = public_url;
    let mut body = String::new();
    body.push_str(&section(
        "API documentation",
        "docs",
        &[
            item(u, "/swagger/", "Swagger UI", "browse and try the API"),
            item(
                u,
                SPEC_PATH,
                "OpenAPI document",
                "the Dialogporten v1 contract",
            ),
        ],
        "",
    ));
    let mut discovery = vec![
        item(
            u,
            "/api/v1/.well-known/oauth-authorization-server",
            "Dialog-token issuer",
            "metadata of the dialog tokens Dialogporten signs",
        ),
        item(
            u,
            "/api/v1/.well-known/jwks.json",
            "Dialog-token keys",
            "the Ed25519 keys that verify dialog tokens",
        ),
    ];
    if local_mode {
        discovery.extend([
            item(
                u,
                IDPORTEN_DISCOVERY_PATH,
                "Embedded ID-porten",
                "OpenID Connect discovery (people log in; authorization code + PKCE)",
            ),
            item(
                u,
                MASKINPORTEN_METADATA_PATH,
                "Embedded Maskinporten",
                "authorization server metadata (JWT-bearer grants)",
            ),
            item(
                u,
                "/authentication/api/v1/openid/.well-known/openid-configuration",
                "Embedded Altinn issuer",
                "OpenID discovery of the Altinn token exchange and the test tokens",
            ),
        ]);
    }
    body.push_str(&section("Discovery documents", "discovery", &discovery, ""));
    if local_mode {
        body.push_str(&section(
            "Test-token generator",
            "testtools",
            &[
                item(
                    u,
                    "/testtools/api/GetPersonalToken?env=tt02&scopes=digdir:dialogporten",
                    "GetPersonalToken",
                    "an end-user token",
                ),
                item(
                    u,
                    "/testtools/api/GetEnterpriseToken?env=tt02&org=ttd&orgNo=991825827&scopes=digdir:dialogporten.serviceprovider",
                    "GetEnterpriseToken",
                    "a service-owner token",
                ),
            ],
            "Basic authentication with the <code>testtools.users</code> credentials. The \
             other endpoints: GetSystemUserToken, GetSelfRegisteredEmailUserToken, \
             GetEnterpriseUserToken.",
        ));
        body.push_str(&format!(
            "  <section aria-labelledby=\"login\">\n    <h2 id=\"login\">Logging in from Swagger UI</h2>\n    \
             <p>In <a href=\"{swagger}\">Swagger UI</a>, <em>Authorize</em> → <code>idporten</code> \
             logs a person in through the embedded ID-porten (the public client \
             <code>{SWAGGER_CLIENT_ID}</code>, PKCE). Service-owner operations take a token from \
             the generator above in the <code>maskinporten</code> field.</p>\n  </section>\n",
            swagger = escape(&format!("{public_url}/swagger/")),
        ));
    }
    body.push_str(&section(
        "Health",
        "health",
        &[
            item(u, "/health", "Health", "the process answers"),
            item(u, "/health/deep", "Deep health", "the store answers too"),
        ],
        "",
    ));
    let mode = if local_mode {
        "Local mode: the embedded ID-porten, Maskinporten and Altinn issuer are on."
    } else {
        "Tokens come from the configured external issuers."
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  \
         <title>Dialogporten</title>\n  <style>\n    \
         body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }}\n    \
         h1 {{ font-size: 1.8rem; }} h2 {{ font-size: 1.2rem; margin-top: 1.8rem; }}\n    \
         a {{ color: #0051a8; }} code, pre {{ background: #f2f2f2; }} pre {{ padding: .6rem; overflow-x: auto; }}\n  \
         </style>\n</head>\n<body>\n<main>\n  <h1>Dialogporten</h1>\n  \
         <p>The Dialogporten v1 API at <code>{url}</code>. {mode}</p>\n{body}</main>\n</body>\n</html>\n",
        url = escape(public_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_the_contract_with_servers() {
        let served = document("http://example.test/", true);
        assert_eq!(served["servers"][0]["url"], "http://example.test");
        let flow =
            &served["components"]["securitySchemes"]["idporten"]["flows"]["authorizationCode"];
        assert_eq!(
            flow["authorizationUrl"],
            "http://example.test/idporten/authorize"
        );
        assert_eq!(flow["tokenUrl"], "http://example.test/idporten/token");
        assert!(flow["scopes"]["openid"].is_string());
        assert!(flow["scopes"]["digdir:dialogporten"].is_string());
        let external = document("http://example.test", false);
        assert_eq!(
            external["components"]["securitySchemes"]["idporten"]["flows"]["authorizationCode"]["tokenUrl"],
            "https://test.idporten.no/token"
        );
    }

    #[test]
    fn the_landing_page_lists_the_embedded_providers_only_in_local_mode() {
        let local = landing_page("http://x", true);
        assert!(local.contains("<html lang=\"en\">"));
        assert!(local.contains("href=\"http://x/idporten/.well-known/openid-configuration\""));
        assert!(local.contains("GetPersonalToken?env=tt02&amp;scopes"));
        let external = landing_page("http://x", false);
        assert!(!external.contains("/idporten/"));
        assert!(!external.contains("testtools"));
        assert!(external.contains("href=\"http://x/health/deep\""));
    }
}
