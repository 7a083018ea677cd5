//! Bearer token verification (auth.md §6.2, anchors.md §5.2).
//!
//! The pipeline: size limit → split → header (`alg`, `kid` only; any `crit` is refused, RFC 7515
//! §4.1.11, since no extension is understood; other header fields such as
//! `jku`, `x5u` or a non-standard `x5c` are ignored, never fetched) → unverified `iss` routes the
//! token to exactly one trusted scheme → per-scheme algorithm allow-list → key lookup by `kid`
//! (one rate-limited refresh on an unknown `kid`) → signature → `exp` required, `exp`/`nbf` with
//! 2 s clock skew → optional audience. Verified tokens are cached by SHA-256 until they expire;
//! a token an embedded issuer has revoked ([`crate::revocation`]) is refused, cached or not.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use crate::issuer::{Scheme, TrustedIssuer};
use crate::unix_now;

/// The real service's clock skew (DP `AuthenticationBuilderExtensions.cs`: `ClockSkew = 2s`).
pub const CLOCK_SKEW_SECS: i64 = 2;
/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;
/// The verified-token cache holds at most this many bytes of tokens.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a bearer token was refused. The messages follow ASP.NET's JwtBearer
/// `error_description` texts where it has one (auth.md §6.8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("The token is larger than 65536 bytes")]
    TooLarge,
    #[error("The token is malformed")]
    Malformed,
    #[error("The token has no issuer")]
    MissingIssuer,
    #[error("The token issuer is not trusted")]
    UntrustedIssuer,
    #[error("The signing algorithm '{0}' is not allowed")]
    AlgorithmNotAllowed(String),
    #[error("The signature key was not found")]
    KeyNotFound,
    #[error("The signature is invalid")]
    InvalidSignature,
    #[error("The token has no expiration")]
    NoExpiration,
    #[error("The token expired at '{}'", format_aspnet_date(*.0))]
    Expired(i64),
    #[error("The token is not valid before '{}'", format_aspnet_date(*.0))]
    NotYetValid(i64),
    #[error("The audience is invalid")]
    InvalidAudience,
    /// RFC 7515 §4.1.11: a JWS naming critical header parameters the recipient does not
    /// understand is invalid; this verifier understands none.
    #[error("The token has critical header parameters (crit) that are not understood")]
    UnsupportedCritical,
    /// Its embedded issuer revoked it (see [`crate::revocation`]).
    #[error("The token has been revoked")]
    Revoked,
}

/// `DateTime.ToString(CultureInfo.InvariantCulture)` as ASP.NET prints token times: `MM/dd/yyyy HH:mm:ss`.
fn format_aspnet_date(unix: i64) -> String {
    let format = time::macros::format_description!("[month]/[day]/[year] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// A token whose signature and lifetime were checked.
#[derive(Debug)]
pub struct VerifiedToken {
    pub scheme: Scheme,
    pub algorithm: Algorithm,
    pub claims: Arc<Map<String, Value>>,
    pub expires_at: i64,
    /// The token's size, its weight in the cache.
    pub weight: u32,
}

/// Verifies bearer tokens against the trusted schemes.
pub struct TokenVerifier {
    issuers: Vec<Arc<TrustedIssuer>>,
    cache: moka::sync::Cache<[u8; 32], Arc<VerifiedToken>>,
}

impl TokenVerifier {
    pub fn new(issuers: Vec<Arc<TrustedIssuer>>) -> Self {
        let cache = moka::sync::Cache::builder()
            // Weighed by token size, so large tokens cannot make the cache huge.
            .weigher(|_, token: &Arc<VerifiedToken>| token.weight)
            .max_capacity(CACHE_BYTES)
            // Longer-lived entries are also checked against `exp` on every hit.
            .time_to_live(Duration::from_secs(3600))
            .build();
        Self { issuers, cache }
    }

    pub fn issuers(&self) -> &[Arc<TrustedIssuer>] {
        &self.issuers
    }

    /// Fetches metadata and keys of every remote scheme, logging the ones that fail (they are
    /// retried when a token needs them).
    pub async fn refresh_all(&self) {
        for issuer in &self.issuers {
            if let Err(error) = issuer.refresh().await {
                tracing::warn!(scheme = %issuer.scheme, %error, "could not load issuer metadata; will retry on demand");
            }
        }
    }

    /// Starts one background task per remote scheme that refreshes its keys periodically.
    pub fn spawn_periodic_refresh(&self) {
        for issuer in self.issuers.iter().filter(|i| i.is_remote()).cloned() {
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(issuer.refresh_interval);
                ticker.tick().await;
                loop {
                    ticker.tick().await;
                    if let Err(error) = issuer.refresh().await {
                        tracing::warn!(scheme = %issuer.scheme, %error, "periodic key refresh failed");
                    }
                }
            });
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Arc<VerifiedToken>, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let digest: [u8; 32] =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
                .as_ref()
                .try_into()
                .map_err(|_| TokenError::Malformed)?;
        let now = unix_now();
        if let Some(hit) = self.cache.get(&digest) {
            if now <= hit.expires_at.saturating_add(CLOCK_SKEW_SECS) {
                // A cached token is asked about again: it may have been revoked since.
                if crate::revocation::is_revoked(&hit.claims) {
                    return Err(TokenError::Revoked);
                }
                return Ok(hit);
            }
            self.cache.invalidate(&digest);
        }
        let verified = Arc::new(self.verify_uncached(token, now).await?);
        if crate::revocation::is_revoked(&verified.claims) {
            return Err(TokenError::Revoked);
        }
        self.cache.insert(digest, verified.clone());
        Ok(verified)
    }

    async fn verify_uncached(&self, token: &str, now: i64) -> Result<VerifiedToken, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header = decode_json_object(header)?;
        if header.contains_key("crit") {
            return Err(TokenError::UnsupportedCritical);
        }
        let claims = decode_json_object(payload)?;
        let alg_name = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(TokenError::Malformed)?;
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(TokenError::MissingIssuer)?;
        let issuer = self.route(iss).await?;

        // Only after routing: a token from an untrusted issuer learns nothing about algorithms.
        let algorithm = alg_name
            .parse::<Algorithm>()
            .ok()
            .filter(|alg| issuer.allowed_algorithms.contains(alg))
            .ok_or_else(|| TokenError::AlgorithmNotAllowed(alg_name.chars().take(16).collect()))?;
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(TokenError::Malformed),
        };
        let message = &token[..header_and_payload_len(token)];
        let mut outcome = check_signature(&issuer, kid, algorithm, message, signature);
        if outcome == Err(TokenError::KeyNotFound) {
            issuer.refresh_if_allowed().await;
            outcome = check_signature(&issuer, kid, algorithm, message, signature);
        }
        outcome?;

        let expires_at = numeric_date(&claims, "exp")?.ok_or(TokenError::NoExpiration)?;
        if now > expires_at.saturating_add(CLOCK_SKEW_SECS) {
            return Err(TokenError::Expired(expires_at));
        }
        if let Some(not_before) = numeric_date(&claims, "nbf")?
            && now + CLOCK_SKEW_SECS < not_before
        {
            return Err(TokenError::NotYetValid(not_before));
        }
        if !issuer.audiences.is_empty() && !audience_matches(&claims, &issuer.audiences) {
            return Err(TokenError::InvalidAudience);
        }
        Ok(VerifiedToken {
            scheme: issuer.scheme,
            algorithm,
            claims: Arc::new(claims),
            expires_at,
            weight: u32::try_from(token.len()).unwrap_or(u32::MAX),
        })
    }

    /// The scheme whose metadata `issuer` equals `iss` exactly (ordinal comparison, as DP's
    /// `JwtSchemeSelectorMiddleware`). Remote schemes whose metadata is not loaded yet are
    /// given one rate-limited chance to load it.
    async fn route(&self, iss: &str) -> Result<Arc<TrustedIssuer>, TokenError> {
        if let Some(found) = self
            .issuers
            .iter()
            .find(|i| i.issuer().as_deref() == Some(iss))
        {
            return Ok(found.clone());
        }
        for pending in self
            .issuers
            .iter()
            .filter(|i| i.is_remote() && i.issuer().is_none())
        {
            pending.refresh_if_allowed().await;
            if pending.issuer().as_deref() == Some(iss) {
                return Ok(pending.clone());
            }
        }
        Err(TokenError::UntrustedIssuer)
    }
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn check_signature(
    issuer: &TrustedIssuer,
    kid: Option<&str>,
    algorithm: Algorithm,
    message: &str,
    signature: &str,
) -> Result<(), TokenError> {
    let keys = issuer.keys();
    let mut candidates = keys.candidates(kid, algorithm).peekable();
    if candidates.peek().is_none() {
        return Err(TokenError::KeyNotFound);
    }
    let valid = candidates.any(|candidate| {
        jsonwebtoken::crypto::verify(signature, message.as_bytes(), &candidate.key, algorithm)
            .unwrap_or(false)
    });
    if valid {
        Ok(())
    } else {
        Err(TokenError::InvalidSignature)
    }
}

fn decode_json_object(segment: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed),
    }
}

/// A NumericDate claim (RFC 7519 §2): a JSON number, possibly with a fraction.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or(TokenError::Malformed),
        Some(_) => Err(TokenError::Malformed),
    }
}

fn audience_matches(claims: &Map<String, Value>, accepted: &[String]) -> bool {
    match claims.get("aud") {
        Some(Value::String(aud)) => accepted.contains(aud),
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .any(|a| accepted.iter().any(|x| x == a)),
        _ => false,
    }
}
