//! `POST /idporten/revoke`: token revocation (RFC 7009).
//!
//! The client authenticates as at the token endpoint and posts `token` (and optionally
//! `token_type_hint`, which is only a hint, §2.1). As ID-porten documents it, "that token and
//! all other tokens associated with the underlying grant - for that specific client only - are
//! invalidated" (<https://docs.digdir.no/docs/idporten/oidc/oidc_protocol_revoke.html>): a
//! refresh token (current or rotated) revokes its family with its access tokens; an access
//! token of this issuer revokes its family too, or only itself when it has none (a public
//! client). The API refuses revoked access tokens from then on ([`dp_auth::revocation`]).
//!
//! The answer is `200` with an empty body, also for a token that is unknown, invalid or
//! already revoked (§2.2); a token issued to another client is refused with
//! `unauthorized_client` (§2.1: the server checks the token was issued to the client asking).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::params::{OAuthError, Params, is_form, no_store};
use super::state::{Issued, RefreshError};
use super::{IdportenIssuer, now};

/// Parameters of a revocation request; none may be repeated.
const PARAMETERS: [&str; 7] = [
    "token",
    "token_type_hint",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "grant_type",
];

pub(super) async fn revoke(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match me.revoke(&headers, &body) {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => error.into_response(),
    }
}

fn other_client() -> OAuthError {
    OAuthError::new(
        "unauthorized_client",
        "The token was not issued to this client",
    )
}

impl IdportenIssuer {
    fn revoke(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
        if !is_form(headers) {
            return Err(OAuthError::request(
                "The body must be application/x-www-form-urlencoded",
            ));
        }
        let params = Params::parse(body);
        if let Some(name) = params.first_repeated(&PARAMETERS) {
            return Err(OAuthError::request(format!(
                "The parameter {name} is repeated"
            )));
        }
        let now = now();
        let auth = self.authenticate_client(headers, &params, now)?;
        let client_id = auth.client.client_id.as_str();
        let token = params
            .field("token")
            .ok_or_else(|| OAuthError::request("token is required"))?;
        let storage = |error: super::StateError| {
            tracing::error!("ID-porten revocation: {error}");
            OAuthError::new("server_error", "The token could not be revoked")
        };
        // A JWT of this issuer is an access (or ID) token; anything else may be a refresh token.
        if let Some(claims) = self.own_claims(token, false) {
            let jti = claims.get("jti").and_then(Value::as_str);
            let exp = claims.get("exp").and_then(Value::as_i64);
            let owner = claims.get("client_id").and_then(Value::as_str);
            let (Some(jti), Some(exp), Some(owner)) = (jti, exp, owner) else {
                // An ID token: nothing to revoke (RFC 7009 §2.2 answers 200).
                return Ok(());
            };
            if owner != client_id {
                return Err(other_client());
            }
            self.state
                .revoke_access(
                    Issued {
                        jti: jti.to_owned(),
                        exp,
                    },
                    now,
                )
                .map_err(storage)?;
            tracing::info!(client_id, "ID-porten: an access token was revoked");
            return Ok(());
        }
        match self.state.revoke_refresh(token, client_id, now) {
            Ok(true) => {
                tracing::info!(client_id, "ID-porten: a refresh token was revoked");
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(RefreshError::OtherClient) => Err(other_client()),
            Err(RefreshError::Storage(error)) => Err(storage(error)),
            Err(_) => Ok(()),
        }
    }
}
