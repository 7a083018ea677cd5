//! Altinn token exchange, `GET /authentication/api/v1/exchange/{id-porten|maskinporten}`
//! (auth.md §4): a token from a trusted ID-porten or Maskinporten is checked, its claims copied
//! and extended the way Altinn Authentication does, and signed by this server's Altinn issuer.
//! The exchanged token is accepted by both dialog APIs as the original would be.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dp_auth::{Scheme, TokenVerifier, unix_now};
use serde_json::{Map, Value, json};

use crate::altinn::AltinnIssuer;

pub const EXCHANGE_PATH: &str = "/authentication/api/v1/exchange/{provider}";

/// Altinn's `JwtValidityMinutes` for Maskinporten exchanges.
const MASKINPORTEN_VALIDITY_SECS: i64 = 30 * 60;

/// Scopes a person's ID-porten token may carry to be exchanged besides `altinn:*` (Altinn's
/// configured partner scopes; Dialogporten's own, so its tokens can be exchanged).
const PARTNER_SCOPES: &[&str] = &["digdir:dialogporten", "digdir:dialogporten.noconsent"];

/// Looks up the service-owner org code of an organisation number (`urn:altinn:org`).
pub type OrgCodeLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct TokenExchange {
    pub verifier: Arc<TokenVerifier>,
    pub altinn: Arc<AltinnIssuer>,
    pub org_code: OrgCodeLookup,
}

/// A stable number for an identifier: the synthetic Altinn user and party ids of a person
/// (Register is not here); FNV-1a, so the same person always gets the same ids.
fn synthetic_id(seed: u64, text: &str) -> i64 {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325 ^ seed, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    i64::try_from(hash % 90_000_000).unwrap_or(0) + 50_000_000
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// `0192:<orgno>` of an ISO 6523 `consumer` claim.
fn consumer_org(claims: &Map<String, Value>) -> Option<String> {
    let consumer = claims.get("consumer")?.as_object()?;
    if !consumer
        .get("authority")?
        .as_str()?
        .eq_ignore_ascii_case("iso6523-actorid-upis")
    {
        return None;
    }
    let id = consumer.get("ID")?.as_str()?;
    let (_, number) = id.split_once(':')?;
    dp_domain::OrganizationNumber::parse(number)
        .ok()
        .map(|n| n.as_str().to_owned())
}

impl TokenExchange {
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(EXCHANGE_PATH, get(exchange))
            .with_state(self)
    }

    /// The claims of an exchanged Maskinporten token (auth.md §4, Maskinporten path).
    fn exchanged_maskinporten_claims(
        &self,
        original: &Map<String, Value>,
        now: i64,
    ) -> Option<Map<String, Value>> {
        let org_number = consumer_org(original)?;
        let mut claims = original.clone();
        for removed in [
            "aud",
            "iss",
            "client_amr",
            "sid",
            "exp",
            "iat",
            "nbf",
            "jti",
        ] {
            claims.remove(removed);
        }
        // One system user is an object in exchanged tokens, not a one-element array.
        if let Some(Value::Array(details)) = claims.get("authorization_details")
            && details.len() == 1
        {
            let single = details[0].clone();
            claims.insert("authorization_details".into(), single);
        }
        if scopes(original)
            .iter()
            .any(|s| s.contains("altinn:serviceowner"))
            && let Some(code) = (self.org_code)(&org_number)
        {
            claims.insert("urn:altinn:org".into(), Value::String(code));
        }
        claims.insert("urn:altinn:orgNumber".into(), Value::String(org_number));
        claims.insert(
            "urn:altinn:authenticatemethod".into(),
            json!("maskinporten"),
        );
        claims.insert("urn:altinn:authlevel".into(), json!(3));
        self.stamp(&mut claims, now, now + MASKINPORTEN_VALIDITY_SECS);
        Some(claims)
    }

    /// The claims of an exchanged ID-porten token (auth.md §4, ID-porten path).
    fn exchanged_idporten_claims(
        &self,
        original: &Map<String, Value>,
        now: i64,
    ) -> Option<Map<String, Value>> {
        let pid = original.get("pid")?.as_str()?.to_owned();
        let acr = original.get("acr")?.as_str()?.to_owned();
        let level = match acr.as_str() {
            "idporten-loa-low" | "selfregistered-email" => 0,
            "idporten-loa-substantial" | "Level3" => 3,
            "idporten-loa-high" | "Level4" => 4,
            _ => return None,
        };
        let expires = original.get("exp").and_then(Value::as_i64)?;
        let mut claims = original.clone();
        for removed in [
            "aud", "iss", "at_hash", "sid", "sub", "iat", "nbf", "jti", "exp",
        ] {
            claims.remove(removed);
        }
        let user_id = synthetic_id(7, &pid);
        let party_id = synthetic_id(3, &format!("urn:altinn:person:identifier-no:{pid}"));
        claims.insert("nameid".into(), Value::String(user_id.to_string()));
        claims.insert(
            "urn:altinn:userid".into(),
            Value::String(user_id.to_string()),
        );
        claims.insert("urn:altinn:username".into(), json!(""));
        claims.insert("urn:altinn:partyid".into(), json!(party_id));
        let method = original
            .get("amr")
            .and_then(|a| a.as_array().and_then(|v| v.first()).or(Some(a)))
            .and_then(Value::as_str)
            .unwrap_or("NotDefined")
            .to_owned();
        claims.insert(
            "urn:altinn:authenticatemethod".into(),
            Value::String(method),
        );
        claims.insert("urn:altinn:authlevel".into(), json!(level));
        self.stamp(&mut claims, now, expires);
        Some(claims)
    }

    fn stamp(&self, claims: &mut Map<String, Value>, now: i64, expires: i64) {
        claims.insert("iss".into(), Value::String(self.altinn.issuer.clone()));
        claims.insert(
            "sid".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        claims.insert(
            "jti".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        claims.insert("iat".into(), json!(now));
        claims.insert("nbf".into(), json!(now));
        claims.insert("exp".into(), json!(expires));
    }
}

async fn exchange(
    State(me): State<Arc<TokenExchange>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.contains_key("X-Altinn-EnterpriseUser-Authentication") {
        let body = json!({
            "type": "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.9",
            "title": "Enterprise user authentication is no longer supported.",
            "status": 410,
        });
        return (
            StatusCode::GONE,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
    }
    let scheme = match provider.to_ascii_lowercase().as_str() {
        "id-porten" => Scheme::Idporten,
        "maskinporten" => Scheme::Maskinporten,
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                format!("Invalid token provider: {provider}"),
            )
                .into_response();
        }
    };
    let Some(token) = bearer(&headers) else {
        return unauthorized();
    };
    let Ok(verified) = me.verifier.verify(token).await else {
        return unauthorized();
    };
    if verified.scheme != scheme {
        return unauthorized();
    }
    let now = unix_now();
    let claims = match scheme {
        Scheme::Maskinporten => match me.exchanged_maskinporten_claims(&verified.claims, now) {
            Some(claims) => claims,
            None => return unauthorized(),
        },
        _ => {
            let allowed = scopes(&verified.claims)
                .iter()
                .any(|s| s.starts_with("altinn:") || PARTNER_SCOPES.contains(&s.as_str()));
            if !allowed {
                return StatusCode::FORBIDDEN.into_response();
            }
            match me.exchanged_idporten_claims(&verified.claims, now) {
                Some(claims) => claims,
                None => return unauthorized(),
            }
        }
    };
    match me.altinn.key.sign(&claims) {
        Ok(jwt) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            jwt,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "signing an exchanged token failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
