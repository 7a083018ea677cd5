//! Client authentication at the token, revocation and pushed-request endpoints (auth.md §1.3
//! step 5): `client_secret_basic`, `client_secret_post`, `private_key_jwt` (RFC 7523 client
//! assertion signed with a key of the client's registered JWKS: `iss` = `sub` = client id,
//! at most 120 s of lifetime, single-use `jti`) and `none` for public clients. A client must use
//! the method it is registered with.
//!
//! Strict as the real ID-porten: with `private_key_jwt` the `client_id` form parameter is
//! required ("client_id: required", <https://docs.digdir.no/docs/idporten/oidc/oidc_protocol_token.html>;
//! refused with `invalid_request`), and the assertion's `aud` must be the issuer identifier
//! only ("make sure the OIDC-provider is used as audience", ID-porten's JWT grant page,
//! <https://docs.digdir.no/docs/idporten/oidc_old/oidc_protocol_jwtgrant.html>; RFC 7523 §3):
//! an assertion addressed to the token endpoint URL is refused with `invalid_client`.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::IdportenIssuer;
use super::params::{OAuthError, Params};
use crate::clients::OAuthClient;

/// Signature algorithms accepted on client assertions: those of the keys a client may register
/// (RSA, as for Maskinporten grants).
pub(super) const ALGORITHMS: [Algorithm; 3] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512];

pub(super) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest a client assertion may live (`exp − iat`), as for Maskinporten grants.
const ASSERTION_LIFETIME: i64 = 120;
const LEEWAY: i64 = 10;
const BASIC_CHALLENGE: &str = "Basic realm=\"idporten\"";

/// The authenticated client and how it authenticated (`client_amr`).
pub(super) struct Authenticated {
    pub client: OAuthClient,
    pub method: &'static str,
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential part (RFC 6749 §2.3.1).
fn form_decode(part: &str) -> String {
    let spaced = part.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The `(client_id, secret)` of a Basic `Authorization` header.
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || {
        OAuthError::client("The Basic credentials are malformed").with_challenge(BASIC_CHALLENGE)
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::client(
            "Only Basic credentials are accepted in the Authorization header",
        ));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(malformed)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

fn number(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

impl IdportenIssuer {
    pub(super) fn authenticate_client(
        &self,
        headers: &HeaderMap,
        params: &Params,
        now: i64,
    ) -> Result<Authenticated, OAuthError> {
        let basic = basic(headers)?;
        let field = |name| params.one(name).ok().flatten();
        let secret = field("client_secret");
        let assertion = field("client_assertion");
        let body_id = field("client_id");
        let methods = [basic.is_some(), secret.is_some(), assertion.is_some()];
        if methods.iter().filter(|used| **used).count() > 1 {
            return Err(OAuthError::request(
                "Use exactly one client authentication method",
            ));
        }
        let (client_id, method) = if let Some((id, _)) = &basic {
            (id.clone(), "client_secret_basic")
        } else if secret.is_some() {
            let id = body_id.ok_or_else(|| OAuthError::request("client_id is required"))?;
            (id.to_owned(), "client_secret_post")
        } else if let Some(assertion) = assertion {
            if field("client_assertion_type") != Some(ASSERTION_TYPE) {
                return Err(OAuthError::request(format!(
                    "client_assertion_type must be {ASSERTION_TYPE}"
                )));
            }
            let claims: Map<String, Value> =
                jsonwebtoken::dangerous::insecure_decode_claims(assertion)
                    .map_err(|_| OAuthError::client("The client_assertion is not a JWT"))?;
            if claims.get("iss").and_then(Value::as_str).is_none() {
                return Err(OAuthError::client("The client_assertion has no iss"));
            }
            let id = body_id
                .ok_or_else(|| OAuthError::request("client_id is required with private_key_jwt"))?;
            (id.to_owned(), "private_key_jwt")
        } else {
            let id =
                body_id.ok_or_else(|| OAuthError::client("The client is not authenticated"))?;
            (id.to_owned(), "none")
        };
        let challenge = |error: OAuthError| {
            if basic.is_some() {
                error.with_challenge(BASIC_CHALLENGE)
            } else {
                error
            }
        };
        if body_id.is_some_and(|id| id != client_id) {
            return Err(challenge(OAuthError::client(
                "client_id does not match the authenticated client",
            )));
        }
        let Some(client) = self.client(&client_id) else {
            return Err(challenge(OAuthError::client("Unknown client")));
        };
        if client.token_endpoint_auth_method != method {
            return Err(challenge(OAuthError::client(format!(
                "The client is registered for {}, not {method}",
                client.token_endpoint_auth_method
            ))));
        }
        match method {
            "client_secret_basic" | "client_secret_post" => {
                let presented = basic
                    .as_ref()
                    .map(|(_, s)| s.as_str())
                    .or(secret)
                    .unwrap_or_default();
                if !client.secret_matches(presented) {
                    return Err(challenge(OAuthError::client("Invalid client secret")));
                }
            }
            "private_key_jwt" => {
                self.verify_assertion(&client, assertion.unwrap_or_default(), now)?;
            }
            _ => {}
        }
        Ok(Authenticated { client, method })
    }

    fn verify_assertion(
        &self,
        client: &OAuthClient,
        assertion: &str,
        now: i64,
    ) -> Result<(), OAuthError> {
        let invalid = |why: &str| OAuthError::client(format!("Invalid client_assertion: {why}"));
        let header = jsonwebtoken::decode_header(assertion).map_err(|_| invalid("not a JWT"))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid("unsupported alg"));
        }
        let keys: JwkSet = client
            .jwks
            .clone()
            .and_then(|jwks| serde_json::from_value(jwks).ok())
            .ok_or_else(|| invalid("the client has no registered keys"))?;
        let jwk = match &header.kid {
            Some(kid) => keys.find(kid),
            None if keys.keys.len() == 1 => keys.keys.first(),
            None => None,
        }
        .ok_or_else(|| invalid("no registered key has its kid"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| invalid("unusable registered key"))?;
        let mut validation = Validation::new(header.alg);
        // The issuer is the only valid audience (module docs); not the token endpoint URL.
        validation.set_audience(std::slice::from_ref(&self.issuer));
        validation.set_issuer(&[&client.client_id]);
        validation.sub = Some(client.client_id.clone());
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        validation.leeway = LEEWAY as u64;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(assertion, &key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                    invalid("aud must be the issuer identifier (not the token endpoint)")
                }
                _ => invalid(&e.to_string()),
            })?
            .claims;
        let exp = number(&claims, "exp").ok_or_else(|| invalid("exp is not a number"))?;
        if let Some(iat) = number(&claims, "iat") {
            if iat > now + LEEWAY {
                return Err(invalid("iat is in the future"));
            }
            if exp - iat > ASSERTION_LIFETIME {
                return Err(invalid("exp - iat is more than 120 seconds"));
            }
        }
        if exp - now > ASSERTION_LIFETIME + LEEWAY {
            return Err(invalid("exp is more than 120 seconds away"));
        }
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .filter(|j| !j.is_empty())
            .ok_or_else(|| invalid("jti is required"))?;
        if !self
            .state
            .use_jti(format!("{}\n{jti}", client.client_id), exp + LEEWAY, now)
        {
            return Err(invalid("jti has been used before"));
        }
        Ok(())
    }
}
