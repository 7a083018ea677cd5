//! The dialog-token discovery endpoints (anonymous; auth.md §7, DP `WebApi/Endpoints/V1/WellKnown`):
//!
//! - `GET /api/v1/.well-known/jwks.json`: the Ed25519 keys that verify dialog tokens, Primary
//!   first (`V1WellKnownJwksQueriesGet_Jwks`);
//! - `GET /api/v1/.well-known/oauth-authorization-server`: `{"issuer","jwks_uri"}`
//!   (`V1WellKnownOauthAuthorizationServerQueriesGet_OauthAuthorizationServer`).
//!
//! Both may be cached for a day (`Cache-Control: public, max-age=86400`, `Vary: Accept-Encoding`),
//! which is why a key is published ≥ 48 h before it signs. A request whose `Accept` excludes
//! JSON gets 406 ProblemDetails.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use dp_auth::DialogTokenIssuer;

use crate::problem::ApiError;

pub const JWKS_PATH: &str = "/api/v1/.well-known/jwks.json";
pub const OAUTH_AUTHORIZATION_SERVER_PATH: &str = "/api/v1/.well-known/oauth-authorization-server";

/// The two well-known routes, for any state that yields the dialog-token issuer.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<DialogTokenIssuer>: FromRef<S>,
{
    Router::new().route(JWKS_PATH, get(jwks)).route(
        OAUTH_AUTHORIZATION_SERVER_PATH,
        get(oauth_authorization_server),
    )
}

async fn jwks(
    State(issuer): State<Arc<DialogTokenIssuer>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::respond::require_json_accept(&headers)?;
    Ok(cacheable(&issuer.jwks()))
}

async fn oauth_authorization_server(
    State(issuer): State<Arc<DialogTokenIssuer>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::respond::require_json_accept(&headers)?;
    Ok(cacheable(&issuer.metadata()))
}

/// 200 JSON that clients and proxies may keep for a day.
fn cacheable(body: &impl serde::Serialize) -> Response {
    let mut response = crate::respond::ok_json(body, None);
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}
