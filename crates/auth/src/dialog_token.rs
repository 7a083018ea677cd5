//! Dialog tokens: the short-lived Ed25519 JWS that Dialogporten hands end users with every
//! `GET /api/v1/enduser/dialogs/{id}` (auth.md §7, api.md §6), and the key ring that signs them.
//!
//! - [`DialogTokenKeyRing`]: the Primary and Secondary Ed25519 keys (DP
//!   `Ed25519KeyPairs.{Primary,Secondary}`), persisted as JSON in
//!   `<data_dir>/keys/dialog-token-keys.json` with mode 0600, created race-free on first use and
//!   rotated with [`DialogTokenKeyRing::rotate`].
//! - [`DialogTokenIssuer`]: signs [`DialogTokenClaims`] with the Primary key and publishes both
//!   public keys as a JWKS (`/api/v1/.well-known/jwks.json`).

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dp_domain::PartyIdentifier;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::principal::{Principal, UserType};

/// Lifetime of a dialog token: `exp` = `iat` + 600 s (DP `DialogTokenGenerator`).
pub const DIALOG_TOKEN_LIFETIME_SECS: i64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum DialogTokenKeyError {
    #[error("reading or writing the dialog-token key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the dialog-token key file {path} is invalid: {reason}")]
    BadFile { path: String, reason: String },
    #[error("generating a dialog-token key failed")]
    Crypto,
}

/// One Ed25519 key of the ring: its `kid`, 32-byte private seed and public key.
pub struct DialogTokenKey {
    kid: String,
    seed: [u8; 32],
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for DialogTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the seed.
        f.debug_struct("DialogTokenKey")
            .field("kid", &self.kid)
            .field("x", &self.public_component())
            .finish_non_exhaustive()
    }
}

impl DialogTokenKey {
    /// A fresh key with a `dp-<yyyy-mm-dd>-<8 hex>` kid (today's UTC date and the first four
    /// bytes of the SHA-256 of the public key).
    pub fn generate() -> Result<Self, DialogTokenKeyError> {
        let mut seed = [0u8; 32];
        aws_lc_rs::rand::fill(&mut seed).map_err(|_| DialogTokenKeyError::Crypto)?;
        let pair =
            Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| DialogTokenKeyError::Crypto)?;
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, pair.public_key().as_ref());
        let thumbprint: String = digest.as_ref()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let date = time::OffsetDateTime::now_utc().date();
        let kid = format!(
            "dp-{:04}-{:02}-{:02}-{thumbprint}",
            date.year(),
            u8::from(date.month()),
            date.day()
        );
        Ok(Self { kid, seed, pair })
    }

    /// A key from its stored parts; the public key must belong to the seed.
    fn from_stored(stored: &StoredKey) -> Result<Self, String> {
        let decode = |name: &str, text: &str| -> Result<[u8; 32], String> {
            URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| {
                    format!(
                        "{name} of key {:?} is not 32 bytes of base64url",
                        stored.kid
                    )
                })
        };
        if stored.kid.trim().is_empty() {
            return Err("a key has an empty kid".to_owned());
        }
        let seed = decode("privateComponent", &stored.private_component)?;
        let public = decode("publicComponent", &stored.public_component)?;
        let pair = Ed25519KeyPair::from_seed_and_public_key(&seed, &public)
            .map_err(|_| format!("the public key of {:?} does not match its seed", stored.kid))?;
        Ok(Self {
            kid: stored.kid.clone(),
            seed,
            pair,
        })
    }

    fn to_stored(&self) -> StoredKey {
        StoredKey {
            kid: self.kid.clone(),
            private_component: URL_SAFE_NO_PAD.encode(self.seed),
            public_component: self.public_component(),
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The raw 32-byte public key, base64url without padding (the JWK `x`).
    pub fn public_component(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.pair.public_key().as_ref())
    }

    /// The public key as a JWK, members in DP's order.
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "use": "sig",
            "kid": self.kid,
            "crv": "Ed25519",
            "x": self.public_component(),
            "alg": "EdDSA",
        })
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// The key file's shape (DP's `Ed25519KeyPairs` configuration section, in camelCase).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredRing {
    primary: StoredKey,
    secondary: StoredKey,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredKey {
    kid: String,
    /// The raw 32-byte Ed25519 seed, base64url.
    private_component: String,
    /// The raw 32-byte public key, base64url.
    public_component: String,
}

/// The Primary key (signs every dialog token) and the Secondary key (published, next to sign).
#[derive(Debug)]
pub struct DialogTokenKeyRing {
    pub primary: DialogTokenKey,
    pub secondary: DialogTokenKey,
}

/// What [`DialogTokenKeyRing::rotate`] did.
#[derive(Debug)]
pub struct Rotation {
    /// The ring before the rotation.
    pub previous: DialogTokenKeyRing,
    /// The ring now stored.
    pub current: DialogTokenKeyRing,
}

impl DialogTokenKeyRing {
    pub const FILE_NAME: &'static str = "dialog-token-keys.json";

    /// `<data_dir>/keys/dialog-token-keys.json`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("keys").join(Self::FILE_NAME)
    }

    /// Two fresh keys.
    pub fn generate() -> Result<Self, DialogTokenKeyError> {
        Ok(Self {
            primary: DialogTokenKey::generate()?,
            secondary: DialogTokenKey::generate()?,
        })
    }

    /// Loads the ring of `data_dir`, or generates and stores one when there is none. Creation
    /// is race-free: the file is written under a temporary name and hard-linked into place,
    /// which fails when another process got there first, whose ring is then loaded.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, DialogTokenKeyError> {
        let path = Self::path(data_dir);
        match Self::load(&path) {
            Err(DialogTokenKeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                let ring = Self::generate()?;
                let io = |source| DialogTokenKeyError::Io {
                    path: path.display().to_string(),
                    source,
                };
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                match write_private(&path, &ring.to_json(), Install::CreateNew) {
                    Ok(()) => Ok(ring),
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load(&path)
                    }
                    Err(error) => Err(io(error)),
                }
            }
            other => other,
        }
    }

    /// Loads the ring stored at `path`.
    pub fn load(path: &Path) -> Result<Self, DialogTokenKeyError> {
        let text = std::fs::read(path).map_err(|source| DialogTokenKeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// A ring from its stored form ([`DialogTokenKeyRing::to_json`]); `origin` names where it
    /// came from in errors (a file, or the database's secret).
    pub fn from_json(text: &[u8], origin: &str) -> Result<Self, DialogTokenKeyError> {
        let bad = |reason: String| DialogTokenKeyError::BadFile {
            path: origin.to_owned(),
            reason,
        };
        let stored: StoredRing = serde_json::from_slice(text).map_err(|e| bad(e.to_string()))?;
        let ring = Self {
            primary: DialogTokenKey::from_stored(&stored.primary).map_err(bad)?,
            secondary: DialogTokenKey::from_stored(&stored.secondary).map_err(bad)?,
        };
        if ring.primary.kid == ring.secondary.kid {
            return Err(bad(format!(
                "primary and secondary share the kid {:?}",
                ring.primary.kid
            )));
        }
        Ok(ring)
    }

    /// Rotates the ring of `data_dir` (creating one first if there is none): the Secondary,
    /// already published in the JWKS, becomes Primary, and a fresh key becomes Secondary. The
    /// file is replaced atomically (temporary file + rename).
    ///
    /// Verifiers accept any key in the published set and refresh it at least every 24 h (DP's
    /// client library every 12 h), and a key must be published ≥ 48 h before it signs
    /// (auth.md §7). So an operator rotates only after the current Secondary has been served
    /// at `/api/v1/.well-known/jwks.json` for at least 48 h; the fresh Secondary then waits its
    /// own 48 h before the next rotation. A running server keeps its loaded ring and picks up the
    /// rotated one at its next start. The old Primary leaves the set; tokens it signed live at
    /// most 10 minutes, and verifiers' cached sets still hold it.
    pub fn rotate(data_dir: &Path) -> Result<Rotation, DialogTokenKeyError> {
        let previous = Self::load_or_create(data_dir)?;
        let path = Self::path(data_dir);
        let current = previous.rotated(&path.display().to_string())?;
        write_private(&path, &current.to_json(), Install::Replace).map_err(|source| {
            DialogTokenKeyError::Io {
                path: path.display().to_string(),
                source,
            }
        })?;
        Ok(Rotation { previous, current })
    }

    /// The stored form: both private keys, as the key file holds them.
    pub fn to_json(&self) -> Vec<u8> {
        let stored = StoredRing {
            primary: self.primary.to_stored(),
            secondary: self.secondary.to_stored(),
        };
        // Strings only: serialization cannot fail.
        let mut text = serde_json::to_vec_pretty(&stored).unwrap_or_default();
        text.push(b'\n');
        text
    }

    /// The ring after a rotation: the Secondary as Primary, a fresh Secondary (see
    /// [`DialogTokenKeyRing::rotate`]).
    pub fn rotated(&self, origin: &str) -> Result<Self, DialogTokenKeyError> {
        Ok(Self {
            primary: DialogTokenKey::from_stored(&self.secondary.to_stored()).map_err(
                |reason| DialogTokenKeyError::BadFile {
                    path: origin.to_owned(),
                    reason,
                },
            )?,
            secondary: DialogTokenKey::generate()?,
        })
    }

    /// `{"keys":[<primary JWK>, <secondary JWK>]}`.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.primary.public_jwk(), self.secondary.public_jwk()] })
    }
}

#[derive(Clone, Copy)]
enum Install {
    /// Hard-link into place; `AlreadyExists` if the file exists.
    CreateNew,
    /// Rename over an existing file.
    Replace,
}

/// Writes `bytes` to a fresh private (0600) temporary file beside `path` and installs it.
fn write_private(path: &Path, bytes: &[u8], install: Install) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("tmp-{}", Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let installed = written.and_then(|()| match install {
        Install::CreateNew => std::fs::hard_link(&temporary, path),
        Install::Replace => std::fs::rename(&temporary, path),
    });
    let _ = std::fs::remove_file(&temporary);
    if installed.is_ok() {
        // Make the new directory entry durable too.
        if let Some(parent) = path.parent() {
            let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
        }
    }
    installed
}

/// The claims of one dialog token that depend on the caller and the dialog (auth.md §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogTokenClaims {
    /// The authenticated party.
    pub c: String,
    /// System users only: `urn:altinn:systemuser:uuid:<id>`.
    pub y: Option<String>,
    /// System users only: `urn:altinn:organization:identifier-no:<systemuser_org>`.
    pub o: Option<String>,
    /// Supplier tokens only: `urn:altinn:organization:identifier-no:<supplier>`.
    pub u: Option<String>,
    /// Authentication level.
    pub l: u8,
    /// The dialog's party.
    pub p: String,
    /// The dialog's service resource (`urn:altinn:resource:…`).
    pub s: String,
    /// The dialog id.
    pub i: Uuid,
    /// The authorized actions, see [`actions_claim`].
    pub a: String,
}

/// Why [`DialogTokenClaims::for_principal`] found no claims for a caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogTokenClaimsError {
    #[error("the caller has no party identifier a dialog token could name (user type {0})")]
    NoAuthenticatedParty(UserType),
    #[error("the caller's token gives no authentication level")]
    NoAuthenticationLevel,
}

impl DialogTokenClaims {
    /// Derives `c`, `y`, `o`, `u` and `l` from the caller (auth.md §7):
    /// - `c`: a person's `urn:altinn:person:identifier-no:<pid>`; an e-mail user's
    ///   `urn:altinn:person:idporten-email:<email>`; a system user's
    ///   `urn:altinn:organization:identifier-no:<consumer>` (the vendor), falling back to
    ///   `urn:altinn:systemuser:uuid:<id>` when the consumer claim is not a valid organisation; a
    ///   service owner's organisation;
    /// - `y` and `o`: system users only, `o` only when `systemuser_org` is valid;
    /// - `u`: only with a valid `supplier` claim;
    /// - `l`: [`Principal::authentication_level`].
    ///
    /// `party` and `resource` are the dialog's `p` and `s`, `actions` its `a`
    /// ([`actions_claim`]).
    pub fn for_principal(
        principal: &Principal,
        party: impl Into<String>,
        resource: impl Into<String>,
        dialog_id: Uuid,
        actions: impl Into<String>,
    ) -> Result<Self, DialogTokenClaimsError> {
        let org = |o: &dp_domain::OrganizationNumber| {
            PartyIdentifier::Organization(o.clone()).to_string()
        };
        let user_type = principal.user_type();
        let (c, y, o) = match user_type {
            UserType::SystemUser => {
                let system_user = principal.system_user.as_ref();
                let y =
                    system_user.map(|s| format!("{}{}", PartyIdentifier::SYSTEM_USER_PREFIX, s.id));
                let c = principal.consumer.as_ref().map(org).or_else(|| y.clone());
                let o = system_user.and_then(|s| s.org.as_ref()).map(org);
                (c, y, o)
            }
            _ => (principal.user_id().map(|id| id.to_string()), None, None),
        };
        let c = c.ok_or(DialogTokenClaimsError::NoAuthenticatedParty(user_type))?;
        let l = principal
            .authentication_level()
            .ok_or(DialogTokenClaimsError::NoAuthenticationLevel)?;
        Ok(Self {
            c,
            y,
            o,
            u: principal.supplier.as_ref().map(org),
            l,
            p: party.into(),
            s: resource.into(),
            i: dialog_id,
            a: actions.into(),
        })
    }
}

/// The `a` claim: each distinct entry as `action` (the main resource) or
/// `action,<authorizationAttribute>`, in the given order, joined with `;`; empty if none.
pub fn actions_claim<A: AsRef<str>, B: AsRef<str>>(entries: &[(A, Option<B>)]) -> String {
    let mut seen: Vec<String> = Vec::with_capacity(entries.len());
    for (action, attribute) in entries {
        let entry = match attribute {
            Some(attribute) => format!("{},{}", action.as_ref(), attribute.as_ref()),
            None => action.as_ref().to_owned(),
        };
        if !seen.contains(&entry) {
            seen.push(entry);
        }
    }
    seen.join(";")
}

/// The JWS header, members in DP's order.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

/// The payload, members in DP's insertion order.
#[derive(Serialize)]
struct Payload<'a> {
    jti: String,
    c: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<&'a str>,
    l: u8,
    p: &'a str,
    s: &'a str,
    i: String,
    a: &'a str,
    iss: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Signs dialog tokens with the ring's Primary key.
#[derive(Debug)]
pub struct DialogTokenIssuer {
    /// `<public URL without trailing />/api/v1`, the tokens' `iss`.
    pub issuer: String,
    pub ring: DialogTokenKeyRing,
}

impl DialogTokenIssuer {
    /// An issuer for a server reachable at `public_url`.
    pub fn new(public_url: &str, ring: DialogTokenKeyRing) -> Self {
        Self {
            issuer: format!("{}/api/v1", public_url.trim_end_matches('/')),
            ring,
        }
    }

    /// Loads (or creates) the ring of `data_dir`, see [`DialogTokenKeyRing::load_or_create`].
    pub fn load_or_create(public_url: &str, data_dir: &Path) -> Result<Self, DialogTokenKeyError> {
        Ok(Self::new(
            public_url,
            DialogTokenKeyRing::load_or_create(data_dir)?,
        ))
    }

    pub fn primary_kid(&self) -> &str {
        self.ring.primary.kid()
    }

    /// `<issuer>/.well-known/jwks.json`.
    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }

    /// The published key set: Primary, then Secondary.
    pub fn jwks(&self) -> Value {
        self.ring.jwks()
    }

    /// `{"issuer":…,"jwks_uri":…}` (`/api/v1/.well-known/oauth-authorization-server`).
    pub fn metadata(&self) -> Value {
        json!({ "issuer": self.issuer, "jwks_uri": self.jwks_uri() })
    }

    /// A compact JWS, header `{"alg":"EdDSA","typ":"JWT","kid":"<primary kid>"}`, payload
    /// `jti, c, [y, o], [u], l, p, s, i, a, iss, iat, nbf, exp` with `iat` = `nbf` = `now` (Unix
    /// seconds) and `exp` = `now` + 600, signed with the Primary key.
    pub fn issue(&self, claims: &DialogTokenClaims, now: i64) -> String {
        let key = &self.ring.primary;
        let header = Header {
            alg: "EdDSA",
            typ: "JWT",
            kid: key.kid(),
        };
        let payload = Payload {
            jti: Uuid::new_v4().to_string(),
            c: &claims.c,
            y: claims.y.as_deref(),
            o: claims.o.as_deref(),
            u: claims.u.as_deref(),
            l: claims.l,
            p: &claims.p,
            s: &claims.s,
            i: claims.i.to_string(),
            a: &claims.a,
            iss: &self.issuer,
            iat: now,
            nbf: now,
            exp: now + DIALOG_TOKEN_LIFETIME_SECS,
        };
        let mut token = format!("{}.{}", b64_json(&header), b64_json(&payload));
        let signature = key.sign(token.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        token
    }
}

/// base64url (no padding) of the JSON of a value that always serializes: the header and
/// payload hold only strings and integers, so `to_vec` cannot fail.
fn b64_json<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::issuer::Scheme;
    use serde_json::Map;
    use std::sync::Arc;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("dp-dialog-token-{}", Uuid::new_v4()))
    }

    fn principal(claims: Value) -> Principal {
        let Value::Object(map) = claims else {
            panic!("claims must be an object")
        };
        Principal::from_claims(Scheme::Altinn, Arc::new(map), 0)
    }

    fn decode_part(part: &str) -> String {
        String::from_utf8(URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    fn claims() -> DialogTokenClaims {
        DialogTokenClaims {
            c: "urn:altinn:person:identifier-no:08844397713".into(),
            y: None,
            o: None,
            u: None,
            l: 3,
            p: "urn:altinn:organization:identifier-no:991825827".into(),
            s: "urn:altinn:resource:super-simple-service".into(),
            i: Uuid::parse_str("0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11").unwrap(),
            a: "read;write".into(),
        }
    }

    #[test]
    fn tokens_verify_with_the_published_primary_key() {
        crate::install_crypto_provider();
        let dir = temp_dir();
        let issuer = DialogTokenIssuer::load_or_create("https://dp.example/", &dir).unwrap();
        assert_eq!(issuer.issuer, "https://dp.example/api/v1");
        let now = crate::unix_now();
        let token = issuer.issue(&claims(), now);
        let jwks = issuer.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kid"], issuer.primary_kid());
        let x = keys[0]["x"].as_str().unwrap();
        let key = jsonwebtoken::DecodingKey::from_ed_components(x).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.set_issuer(&["https://dp.example/api/v1"]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss"]);
        validation.validate_nbf = true;
        let decoded =
            jsonwebtoken::decode::<Map<String, Value>>(&token, &key, &validation).unwrap();
        assert_eq!(decoded.header.kid.as_deref(), Some(issuer.primary_kid()));
        assert_eq!(decoded.claims["exp"], now + 600);
        assert_eq!(decoded.claims["i"], "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11");

        // The secondary key does not verify it.
        let other =
            jsonwebtoken::DecodingKey::from_ed_components(keys[1]["x"].as_str().unwrap()).unwrap();
        assert!(jsonwebtoken::decode::<Map<String, Value>>(&token, &other, &validation).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn header_and_claims_are_serialized_in_dp_order() {
        let issuer = DialogTokenIssuer::new(
            "http://localhost:8080",
            DialogTokenKeyRing::generate().unwrap(),
        );
        let token = issuer.issue(&claims(), 1_700_000_000);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| !p.contains('=')));
        assert_eq!(
            decode_part(parts[0]),
            format!(
                r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
                issuer.primary_kid()
            )
        );
        let payload = decode_part(parts[1]);
        let jti = serde_json::from_str::<Value>(&payload).unwrap()["jti"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(Uuid::parse_str(&jti).unwrap().get_version_num(), 4);
        assert_eq!(
            payload,
            format!(
                concat!(
                    r#"{{"jti":"{}","c":"urn:altinn:person:identifier-no:08844397713","l":3,"#,
                    r#""p":"urn:altinn:organization:identifier-no:991825827","#,
                    r#""s":"urn:altinn:resource:super-simple-service","#,
                    r#""i":"0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11","a":"read;write","#,
                    r#""iss":"http://localhost:8080/api/v1","iat":1700000000,"nbf":1700000000,"exp":1700000600}}"#
                ),
                jti
            )
        );

        let mut full = claims();
        full.y = Some("urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b".into());
        full.o = Some("urn:altinn:organization:identifier-no:310057223".into());
        full.u = Some("urn:altinn:organization:identifier-no:974760673".into());
        let payload = decode_part(issuer.issue(&full, 1).split('.').nth(1).unwrap());
        let order: Vec<String> = serde_json::from_str::<Map<String, Value>>(&payload)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(
            order,
            [
                "jti", "c", "y", "o", "u", "l", "p", "s", "i", "a", "iss", "iat", "nbf", "exp"
            ]
        );
        // Two tokens never share a jti.
        assert_ne!(issuer.issue(&claims(), 1), issuer.issue(&claims(), 1));
    }

    #[test]
    fn the_key_file_is_private_and_reloads_the_same_keys() {
        let dir = temp_dir();
        let first = DialogTokenKeyRing::load_or_create(&dir).unwrap();
        let path = DialogTokenKeyRing::path(&dir);
        assert!(path.ends_with("keys/dialog-token-keys.json"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = DialogTokenKeyRing::load_or_create(&dir).unwrap();
        assert_eq!(first.jwks(), second.jwks());
        assert_eq!(first.primary.seed, second.primary.seed);
        assert_ne!(first.primary.kid(), first.secondary.kid());
        let kid = first.primary.kid();
        assert!(
            kid.starts_with("dp-") && kid.len() == "dp-2025-01-01-0123abcd".len(),
            "{kid}"
        );
        // Only the temporary file's traces would be extra entries.
        let entries = std::fs::read_dir(dir.join("keys")).unwrap().count();
        assert_eq!(entries, 1);
        // A debug print never shows the seed.
        let seed = URL_SAFE_NO_PAD.encode(first.primary.seed);
        assert!(!format!("{first:?}").contains(&seed));

        // A tampered public key is refused.
        let text = std::fs::read_to_string(&path).unwrap();
        let mut stored: Value = serde_json::from_str(&text).unwrap();
        stored["primary"]["publicComponent"] = stored["secondary"]["publicComponent"].clone();
        std::fs::write(&path, stored.to_string()).unwrap();
        assert!(matches!(
            DialogTokenKeyRing::load_or_create(&dir),
            Err(DialogTokenKeyError::BadFile { .. })
        ));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn concurrent_first_use_agrees_on_one_ring() {
        let dir = temp_dir();
        let jwks: Vec<Value> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| DialogTokenKeyRing::load_or_create(&dir).unwrap().jwks()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(jwks.windows(2).all(|w| w[0] == w[1]));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn rotation_promotes_the_secondary_and_adds_a_fresh_key() {
        let dir = temp_dir();
        let before = DialogTokenKeyRing::load_or_create(&dir).unwrap();
        let rotation = DialogTokenKeyRing::rotate(&dir).unwrap();
        assert_eq!(rotation.previous.primary.kid(), before.primary.kid());
        assert_eq!(rotation.current.primary.kid(), before.secondary.kid());
        assert_eq!(rotation.current.primary.seed, before.secondary.seed);
        assert_ne!(rotation.current.secondary.kid(), before.primary.kid());
        assert_ne!(rotation.current.secondary.kid(), before.secondary.kid());
        let reloaded = DialogTokenKeyRing::load_or_create(&dir).unwrap();
        assert_eq!(reloaded.jwks(), rotation.current.jwks());
        assert_eq!(reloaded.jwks()["keys"].as_array().unwrap().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = DialogTokenKeyRing::path(&dir);
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn actions_are_distinct_in_order_and_joined() {
        let none: [(&str, Option<&str>); 0] = [];
        assert_eq!(actions_claim(&none), "");
        assert_eq!(
            actions_claim(&[
                ("read".to_owned(), None),
                ("write".to_owned(), None),
                (
                    "transmissionread".to_owned(),
                    Some("urn:altinn:subresource:x".to_owned())
                ),
                ("read".to_owned(), None),
            ]),
            "read;write;transmissionread,urn:altinn:subresource:x"
        );
    }

    const CONSUMER: &str = r#"{"authority":"iso6523-actorid-upis","ID":"0192:991825827"}"#;

    #[test]
    fn claims_follow_the_caller() {
        let id = Uuid::now_v7();
        let person = principal(json!({"scope": "digdir:dialogporten", "pid": "08844397713",
            "acr": "idporten-loa-substantial",
            "supplier": {"authority": "iso6523-actorid-upis", "ID": "0192:974760673"}}));
        let c = DialogTokenClaims::for_principal(&person, "p", "s", id, "read").unwrap();
        assert_eq!(c.c, "urn:altinn:person:identifier-no:08844397713");
        assert_eq!((c.y.as_deref(), c.o.as_deref()), (None, None));
        assert_eq!(
            c.u.as_deref(),
            Some("urn:altinn:organization:identifier-no:974760673")
        );
        assert_eq!(
            (c.l, c.p.as_str(), c.s.as_str(), c.i, c.a.as_str()),
            (3, "p", "s", id, "read")
        );

        let consumer: Value = serde_json::from_str(CONSUMER).unwrap();
        let system = principal(json!({"scope": "digdir:dialogporten", "consumer": consumer,
            "authorization_details": [{"type": "urn:altinn:systemuser",
            "systemuser_id": ["7633BE4C-DBD5-49F4-BBC4-C058B275DE7B"],
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:310057223"}}]}));
        let c = DialogTokenClaims::for_principal(&system, "p", "s", id, "").unwrap();
        assert_eq!(c.c, "urn:altinn:organization:identifier-no:991825827");
        assert_eq!(
            c.y.as_deref(),
            Some("urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b")
        );
        assert_eq!(
            c.o.as_deref(),
            Some("urn:altinn:organization:identifier-no:310057223")
        );
        assert_eq!((c.u, c.l), (None, 3));

        let no_consumer = principal(json!({"scope": "digdir:dialogporten",
            "authorization_details": {"type": "urn:altinn:systemuser",
            "systemuser_id": ["7633be4c-dbd5-49f4-bbc4-c058b275de7b"]}}));
        let c = DialogTokenClaims::for_principal(&no_consumer, "p", "s", id, "").unwrap();
        assert_eq!(
            c.c,
            "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b"
        );
        assert_eq!(c.o, None);

        let email = principal(json!({"scope": "digdir:dialogporten", "email": "A@B.no",
            "amr": ["Selfregistered-email"], "acr": "selfregistered-email"}));
        let c = DialogTokenClaims::for_principal(&email, "p", "s", id, "").unwrap();
        assert_eq!(
            (c.c.as_str(), c.l),
            ("urn:altinn:person:idporten-email:a@b.no", 0)
        );

        assert_eq!(
            DialogTokenClaims::for_principal(
                &principal(json!({"acr": "idporten-loa-high"})),
                "p",
                "s",
                id,
                ""
            ),
            Err(DialogTokenClaimsError::NoAuthenticatedParty(
                UserType::Unknown
            ))
        );
        assert_eq!(
            DialogTokenClaims::for_principal(
                &principal(json!({"pid": "08844397713"})),
                "p",
                "s",
                id,
                ""
            ),
            Err(DialogTokenClaimsError::NoAuthenticationLevel)
        );
    }
}
