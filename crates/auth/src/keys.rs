//! JSON Web Keys to verification keys.
//!
//! Parsing is lenient where real issuers are sloppy (Altinn publishes RSA `n`/`e` in standard
//! base64 rather than base64url, auth.md §4) and strict where it matters: only RSA, P-256 and
//! Ed25519 public keys; symmetric (`oct`) keys are never accepted, so no HMAC algorithm can be
//! substituted for a public key (RFC 8725 §2.1).

use base64::Engine;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("the key set is not a JSON object with a `keys` array")]
    NotAKeySet,
}

/// One public key an issuer signs with.
#[derive(Clone)]
pub struct VerificationKey {
    pub kid: Option<String>,
    pub family: AlgorithmFamily,
    /// The `alg` the key is published for, when it says.
    pub alg: Option<Algorithm>,
    pub key: DecodingKey,
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("family", &self.family)
            .finish()
    }
}

impl VerificationKey {
    /// Whether a token signed with `alg` may be checked with this key.
    pub fn accepts(&self, alg: Algorithm) -> bool {
        alg.family() == self.family && self.alg.is_none_or(|own| own == alg)
    }
}

/// The keys of one issuer.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    pub keys: Vec<VerificationKey>,
}

/// Normalises base64 or base64url (with or without padding) to unpadded base64url.
fn to_base64url(value: &str) -> String {
    value
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

fn component(jwk: &Value, name: &str) -> Option<String> {
    jwk.get(name).and_then(Value::as_str).map(to_base64url)
}

fn parse_key(jwk: &Value) -> Option<VerificationKey> {
    // Keys published for encryption only are not signing keys.
    if jwk
        .get("use")
        .and_then(Value::as_str)
        .is_some_and(|u| u != "sig")
    {
        return None;
    }
    let alg = jwk
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|a| a.parse::<Algorithm>().ok());
    let (family, key) = match jwk.get("kty").and_then(Value::as_str)? {
        "RSA" => {
            let n = component(jwk, "n")?;
            // Refuse RSA keys under 2048 bits (RFC 7518 §3.3).
            let bits = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&n)
                .ok()?
                .len()
                * 8;
            if bits < 2048 {
                return None;
            }
            (
                AlgorithmFamily::Rsa,
                DecodingKey::from_rsa_components(&n, &component(jwk, "e")?).ok()?,
            )
        }
        "EC" if jwk.get("crv").and_then(Value::as_str) == Some("P-256") => (
            AlgorithmFamily::Ec,
            DecodingKey::from_ec_components(&component(jwk, "x")?, &component(jwk, "y")?).ok()?,
        ),
        "OKP" if jwk.get("crv").and_then(Value::as_str) == Some("Ed25519") => (
            AlgorithmFamily::Ed,
            DecodingKey::from_ed_components(&component(jwk, "x")?).ok()?,
        ),
        _ => return None,
    };
    if alg.is_some_and(|a| a.family() != family) {
        return None;
    }
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
    Some(VerificationKey {
        kid,
        family,
        alg,
        key,
    })
}

impl KeySet {
    /// Parses a JWKS document, skipping keys it cannot use (unknown types, `oct`, short RSA).
    pub fn from_jwks(document: &Value) -> Result<Self, KeysError> {
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeysError::NotAKeySet)?;
        Ok(Self {
            keys: keys.iter().filter_map(parse_key).collect(),
        })
    }

    /// Keys that may verify a token with this `kid` and `alg`. `kid` is only compared, never
    /// used as a path or URL (RFC 8725 §3.10). Without a `kid`, every key of the family is a
    /// candidate.
    pub fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = &'a VerificationKey> + 'a {
        // A `kid` no key carries falls back to the keys published without one (as .NET's
        // `TryAllIssuerSigningKeys`); keys with another `kid` are never tried.
        let kid_is_published =
            kid.is_some_and(|kid| self.keys.iter().any(|k| k.kid.as_deref() == Some(kid)));
        self.keys.iter().filter(move |k| {
            k.accepts(alg)
                && match kid {
                    None => true,
                    Some(kid) if kid_is_published => k.kid.as_deref() == Some(kid),
                    Some(_) => k.kid.is_none(),
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_unknown_keys_are_skipped() {
        let jwks = serde_json::json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "kid": "p384"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "short"}
        ]});
        assert!(KeySet::from_jwks(&jwks).expect("a key set").keys.is_empty());
        assert!(KeySet::from_jwks(&serde_json::json!({"nokeys": []})).is_err());
    }
}
