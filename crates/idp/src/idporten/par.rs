//! `POST /idporten/par`: pushed authorization requests (RFC 9126).
//!
//! The client authenticates as at the token endpoint ([`super::client_auth`]) and posts the
//! parameters of an authorization request; they are checked as `/authorize` checks them
//! (§2.1), and the answer is `201` with a `request_uri` (`urn:ietf:params:oauth:request_uri:…`)
//! and `expires_in` (§2.2). The `request_uri` is single-use and lives [`PAR_SECONDS`]; the
//! browser then goes to `/authorize?client_id=…&request_uri=…` (§4). Refusals are the OAuth
//! error JSON of §2.3 (`invalid_request`, `invalid_scope`, `invalid_client`, …).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::params::{OAuthError, Params, is_form, no_store};
use super::state::Pushed;
use super::{IdportenIssuer, PAR_SECONDS, now, random_token};

/// The prefix RFC 9126 §2.2 suggests for `request_uri` values.
const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Client authentication parameters: not part of the stored authorization request.
const CLIENT_AUTH: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

pub(super) async fn push(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match me.push(&headers, &body) {
        Ok((request_uri, expires_in)) => {
            let mut response = (
                StatusCode::CREATED,
                Json(json!({"request_uri": request_uri, "expires_in": expires_in})),
            )
                .into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => error.into_response(),
    }
}

impl IdportenIssuer {
    fn push(&self, headers: &HeaderMap, body: &[u8]) -> Result<(String, i64), OAuthError> {
        if !is_form(headers) {
            return Err(OAuthError::request(
                "The body must be application/x-www-form-urlencoded",
            ));
        }
        let params = Params::parse(body);
        if let Some(name) = params.first_repeated(&CLIENT_AUTH) {
            return Err(OAuthError::request(format!(
                "The parameter {name} is repeated"
            )));
        }
        let now = now();
        self.state.prune(now);
        let auth = self.authenticate_client(headers, &params, now)?;
        let client_id = auth.client.client_id.clone();
        // The stored request: its own parameters, with the authenticated client's id.
        let mut pairs: Vec<(String, String)> = params
            .pairs()
            .iter()
            .filter(|(name, _)| !CLIENT_AUTH.contains(&name.as_str()) && name != "client_id")
            .cloned()
            .collect();
        pairs.push(("client_id".to_owned(), client_id.clone()));
        let stored = Params::from_pairs(pairs);
        if let Err(refusal) = self.check_request(&stored) {
            let (error, description) = refusal.error();
            return Err(OAuthError::new(error, description));
        }
        let request_uri = format!("{REQUEST_URI_PREFIX}{}", random_token());
        self.state.pushed.insert(
            request_uri.clone(),
            Pushed {
                client_id: client_id.clone(),
                params: stored.pairs().to_vec(),
                expires_at: now + PAR_SECONDS,
            },
        );
        tracing::info!(client_id = %client_id, "ID-porten: authorization request pushed");
        Ok((request_uri, PAR_SECONDS))
    }
}
