//! The embedded Altinn issuer: `{public_url}/authentication/api/v1/openid/` with OpenID
//! discovery and JWKS at the paths the real platform uses (auth.md §4).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::signing::SigningKey;

pub const ISSUER_PATH: &str = "/authentication/api/v1/openid/";
pub const DISCOVERY_PATH: &str = "/authentication/api/v1/openid/.well-known/openid-configuration";
pub const JWKS_PATH: &str = "/authentication/api/v1/openid/.well-known/openid-configuration/jwks";

/// The Altinn issuer of this server.
pub struct AltinnIssuer {
    pub issuer: String,
    public_url: String,
    pub key: SigningKey,
}

impl AltinnIssuer {
    /// `public_url` without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub fn new(public_url: &str, key: SigningKey) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Self {
            issuer: format!("{public_url}{ISSUER_PATH}"),
            public_url,
            key,
        }
    }

    pub fn discovery_url(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.public_url)
    }

    pub fn discovery_document(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{}{JWKS_PATH}", self.public_url),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        })
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                DISCOVERY_PATH,
                get(|State(me): State<Arc<Self>>| async move { Json(me.discovery_document()) }),
            )
            .route(
                JWKS_PATH,
                get(|State(me): State<Arc<Self>>| async move { Json(me.key.jwks()) }),
            )
            .with_state(self)
    }
}
