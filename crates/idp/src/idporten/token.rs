//! `POST /idporten/token` (auth.md §1.3 steps 5–7): the `authorization_code` grant (single-use
//! codes, PKCE S256, the same `redirect_uri`; a code presented again revokes the refresh and
//! access tokens issued from it, RFC 6749 §4.1.2) and the `refresh_token` grant (a new refresh
//! token each time; an old one presented again revokes its family with its access tokens;
//! refused once the consent behind it has expired). A refresh request that is refused (a scope
//! that was not granted) does not use up its refresh token: everything is checked, and the
//! tokens signed, before it is rotated (RFC 9700 §4.14). Access and ID tokens carry the claims
//! of auth.md §1.2.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use super::client_auth::Authenticated;
use super::params::{OAuthError, Params, is_form, no_store};
use super::state::{Code, Grant, Issued, RefreshError};
use super::{
    ACCESS_TOKEN_SECONDS, ID_TOKEN_SECONDS, IdportenIssuer, REFRESH_SECONDS, SCOPE_OPENID, now,
    random_token, requires_consent,
};
use crate::clients::sha256_hex;

/// Parameters of a token request; none may be repeated.
const PARAMETERS: [&str; 10] = [
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

pub(super) async fn token(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match me.token_request(&headers, &body) {
        Ok(answer) => {
            let mut response = Json(answer).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => error.into_response(),
    }
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn s256(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        value.as_bytes(),
    ))
}

fn server_error(error: impl std::fmt::Display) -> OAuthError {
    tracing::error!("ID-porten token endpoint: {error}");
    OAuthError::new("server_error", "The tokens could not be issued")
}

/// What redeeming an authorization code found.
enum Claim {
    Unknown,
    Expired,
    /// Used before: what that redemption issued, to revoke.
    Reused {
        family: Option<String>,
        access: Option<Issued>,
    },
    Claimed(Box<Code>),
}

impl IdportenIssuer {
    fn token_request(&self, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
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
        self.state.prune(now);
        let client = self.authenticate_client(headers, &params, now)?;
        match params.field("grant_type") {
            Some("authorization_code") => self.code_grant(&client, &params, now),
            Some("refresh_token") => self.refresh_grant(&client, &params, now),
            None => Err(OAuthError::request("grant_type is required")),
            Some(_) => Err(OAuthError::new(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )),
        }
    }

    fn code_grant(
        &self,
        auth: &Authenticated,
        params: &Params,
        now: i64,
    ) -> Result<Value, OAuthError> {
        let required = |name: &str| {
            params
                .field(name)
                .ok_or_else(|| OAuthError::request(format!("{name} is required")))
        };
        let code = required("code")?;
        let redirect_uri = required("redirect_uri")?;
        let verifier = required("code_verifier")?;
        let hash = sha256_hex(code);
        let entry = match self.claim_code(&hash, now) {
            Claim::Claimed(entry) => *entry,
            Claim::Unknown => {
                return Err(OAuthError::grant(
                    "The authorization code is invalid or has expired",
                ));
            }
            Claim::Expired => return Err(OAuthError::grant("The authorization code has expired")),
            Claim::Reused { family, access } => {
                // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for: the
                // refresh tokens and the access tokens issued from it.
                self.revoke_redeemed(family, access, now);
                tracing::warn!(
                    client_id = %auth.client.client_id,
                    "ID-porten: an authorization code was presented again; its tokens are revoked"
                );
                return Err(OAuthError::grant(
                    "The authorization code has already been used",
                ));
            }
        };
        if entry.grant.client_id != auth.client.client_id {
            return Err(OAuthError::grant(
                "The authorization code was issued to another client",
            ));
        }
        if entry.redirect_uri != redirect_uri {
            return Err(OAuthError::grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        if !valid_verifier(verifier) {
            return Err(OAuthError::grant(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ));
        }
        if !bool::from(
            s256(verifier)
                .as_bytes()
                .ct_eq(entry.code_challenge.as_bytes()),
        ) {
            return Err(OAuthError::grant(
                "PKCE verification failed: code_verifier does not match code_challenge",
            ));
        }
        let grant = entry.grant;
        // Refresh tokens go to confidential clients only (auth.md §1.3 step 6).
        let (family, refresh) = if auth.method == "none" {
            (None, None)
        } else {
            let (family, token) = self
                .state
                .start_family(grant.clone(), now, REFRESH_SECONDS)
                .map_err(server_error)?;
            (Some(family), Some(token))
        };
        let (answer, issued) = self.tokens(&grant, &grant.scopes, auth, refresh, now)?;
        if let Some(family) = &family {
            self.state
                .record_access(family, issued.clone(), now)
                .map_err(server_error)?;
        }
        // What this redemption issued goes on the code, so a second redemption revokes it; one
        // that came while this one was issuing (on any instance) marked the code, and then it
        // is revoked here.
        let reused = self
            .state
            .codes
            .update(&hash, |e| {
                e.family = family.clone();
                e.access = Some(issued.clone());
                e.reused
            })
            .unwrap_or(false);
        if reused {
            self.revoke_redeemed(family, Some(issued), now);
        }
        Ok(answer)
    }

    /// Marks the code used and returns it, once: of concurrent redemptions (on any instance)
    /// one claims it, the others find it used.
    fn claim_code(&self, hash: &str, now: i64) -> Claim {
        self.state
            .codes
            .update(hash, |entry| {
                if entry.used {
                    entry.reused = true;
                    Claim::Reused {
                        family: entry.family.clone(),
                        access: entry.access.clone(),
                    }
                } else if entry.expires_at <= now {
                    Claim::Expired
                } else {
                    entry.used = true;
                    Claim::Claimed(Box::new(entry.clone()))
                }
            })
            .unwrap_or(Claim::Unknown)
    }

    /// Revokes the refresh-token family and the access token a code was exchanged for.
    fn revoke_redeemed(&self, family: Option<String>, access: Option<Issued>, now: i64) {
        if let Some(family) = &family {
            self.state.revoke_family(family, now);
        }
        if let Some(access) = access
            && let Err(error) = self.state.revoke_access(access, now)
        {
            tracing::error!("ID-porten: storing a revoked access token: {error}");
        }
    }

    fn refresh_grant(
        &self,
        auth: &Authenticated,
        params: &Params,
        now: i64,
    ) -> Result<Value, OAuthError> {
        if auth.method == "none" {
            return Err(OAuthError::new(
                "unauthorized_client",
                "Public clients get no refresh tokens",
            ));
        }
        let token = params
            .field("refresh_token")
            .ok_or_else(|| OAuthError::request("refresh_token is required"))?;
        let consent_holds = |grant: &Grant| {
            grant
                .scopes
                .iter()
                .filter(|s| requires_consent(s))
                .all(|s| {
                    self.state
                        .consent_valid(&grant.pid, &grant.client_id, s, now)
                })
        };
        let asked = params.field("scope");
        // Everything is checked and signed inside `rotate`, before the token is rotated.
        let issue = |grant: &Grant, next: &str| {
            let scopes = match asked {
                None => grant.scopes.clone(),
                Some(asked) => {
                    let asked: Vec<String> = asked.split_whitespace().map(str::to_owned).collect();
                    if let Some(scope) = asked.iter().find(|s| !grant.scopes.contains(s)) {
                        return Err(OAuthError::new(
                            "invalid_scope",
                            format!("The scope {scope} was not granted"),
                        ));
                    }
                    asked
                }
            };
            self.tokens(grant, &scopes, auth, Some(next.to_owned()), now)
        };
        self.state
            .rotate(token, &auth.client.client_id, now, consent_holds, issue)
            .map_err(|error| match error {
                RefreshError::Unknown => OAuthError::grant("The refresh token is invalid"),
                RefreshError::OtherClient => {
                    OAuthError::grant("The refresh token was issued to another client")
                }
                RefreshError::Revoked => OAuthError::grant("The refresh token has been revoked"),
                RefreshError::Reused => {
                    tracing::warn!(
                        client_id = %auth.client.client_id,
                        "ID-porten: a rotated refresh token was presented again; its family is revoked"
                    );
                    OAuthError::grant(
                        "The refresh token has already been used; every token of the grant is revoked",
                    )
                }
                RefreshError::Expired => OAuthError::grant("The refresh token has expired"),
                RefreshError::NotAllowed => OAuthError::grant(
                    "The user's consent has expired; the user must log in and consent again",
                ),
                RefreshError::Storage(error) => server_error(error),
            })?
    }

    /// The token response: access token, ID token (with `openid`), refresh token; and the
    /// access token's `jti` and `exp`.
    fn tokens(
        &self,
        grant: &Grant,
        scopes: &[String],
        auth: &Authenticated,
        refresh_token: Option<String>,
        now: i64,
    ) -> Result<(Value, Issued), OAuthError> {
        let scope = scopes.join(" ");
        let sub = self.pairwise_sub(&grant.client_id, &grant.pid);
        let mut access = Map::new();
        access.insert("sub".into(), json!(sub));
        access.insert("acr".into(), json!(grant.acr.as_str()));
        access.insert("scope".into(), json!(scope));
        access.insert("iss".into(), json!(self.issuer));
        access.insert("client_amr".into(), json!(auth.method));
        access.insert("pid".into(), json!(grant.pid));
        access.insert("exp".into(), json!(now + ACCESS_TOKEN_SECONDS));
        access.insert("iat".into(), json!(now));
        let issued = Issued {
            jti: random_token()[..22].to_owned(),
            exp: now + ACCESS_TOKEN_SECONDS,
        };
        access.insert("jti".into(), json!(issued.jti));
        access.insert("client_id".into(), json!(grant.client_id));
        access.insert(
            "consumer".into(),
            json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{}", auth.client.org_number)}),
        );
        if let Some(resource) = &grant.resource {
            access.insert("aud".into(), json!(resource));
        }
        let access_token = self.key.sign(&access).map_err(server_error)?;

        let mut answer = Map::new();
        answer.insert("access_token".into(), json!(access_token));
        if scopes.iter().any(|s| s == SCOPE_OPENID) {
            let digest =
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
            let mut id = Map::new();
            id.insert("sub".into(), json!(sub));
            id.insert("amr".into(), json!(grant.amr));
            id.insert("iss".into(), json!(self.issuer));
            id.insert("pid".into(), json!(grant.pid));
            id.insert("locale".into(), json!(grant.locale.as_str()));
            if let Some(nonce) = &grant.nonce {
                id.insert("nonce".into(), json!(nonce));
            }
            id.insert("sid".into(), json!(grant.sid));
            id.insert("aud".into(), json!(grant.client_id));
            id.insert("acr".into(), json!(grant.acr.as_str()));
            id.insert("auth_time".into(), json!(grant.auth_time));
            id.insert("exp".into(), json!(now + ID_TOKEN_SECONDS));
            id.insert("iat".into(), json!(now));
            id.insert("jti".into(), json!(&random_token()[..22]));
            id.insert(
                "at_hash".into(),
                json!(URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])),
            );
            answer.insert(
                "id_token".into(),
                json!(self.key.sign(&id).map_err(server_error)?),
            );
        }
        answer.insert("token_type".into(), json!("Bearer"));
        answer.insert("expires_in".into(), json!(ACCESS_TOKEN_SECONDS));
        if let Some(refresh_token) = refresh_token {
            answer.insert("refresh_token".into(), json!(refresh_token));
        }
        answer.insert("scope".into(), json!(scope));
        Ok((Value::Object(answer), issued))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifies() {
        // auth.md §1.3 step 2.
        assert_eq!(
            s256("xyo94uhy3zKvgB0NJwLms86SwcjtWviEOpkBnGgaLlo"),
            "b7elB7ZyxIXgFyvBznKvxl7wOB-H17Pz0a3B62NIMFI"
        );
        assert!(valid_verifier(
            "xyo94uhy3zKvgB0NJwLms86SwcjtWviEOpkBnGgaLlo"
        ));
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a".repeat(129)));
    }
}
