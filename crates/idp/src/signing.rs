//! Persisted RS256 signing keys.
//!
//! The key is RSA-2048 (RS256 is what Altinn's token exchange signs with, auth.md §4), kept as
//! PKCS#8 DER in the data directory with mode 0600 and parsed once, so each signature costs only
//! the RSA operation (jsonwebtoken's `encode` re-parses the key on every call).

use std::io::Write;
use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("reading or writing the key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the key file {0} does not hold an RSA PKCS#8 key")]
    BadKey(String),
    #[error("key generation or signing failed")]
    Crypto,
    #[error("the header or claims are not serializable")]
    Json(#[from] serde_json::Error),
}

/// An RSA signing key with its key id.
pub struct SigningKey {
    key_pair: RsaKeyPair,
    kid: String,
    rng: aws_lc_rs::rand::SystemRandom,
}

impl SigningKey {
    /// Loads the key at `path`, or generates and stores one when the file does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, SigningError> {
        let io = |source| SigningError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(der) => {
                Self::from_pkcs8(&der).map_err(|_| SigningError::BadKey(path.display().to_string()))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key_pair =
                    RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| SigningError::Crypto)?;
                let der = key_pair.as_der().map_err(|_| SigningError::Crypto)?;
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                match write_private(path, der.as_ref()) {
                    Ok(()) => Self::from_pkcs8(der.as_ref()),
                    // Another process created the key first: use that one.
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(path)
                    }
                    Err(error) => Err(io(error)),
                }
            }
            Err(error) => Err(io(error)),
        }
    }

    /// A fresh 2048-bit key as PKCS#8 DER (what the key file and the database hold).
    pub fn generate_pkcs8() -> Result<Vec<u8>, SigningError> {
        let key_pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| SigningError::Crypto)?;
        let der = key_pair.as_der().map_err(|_| SigningError::Crypto)?;
        Ok(der.as_ref().to_vec())
    }

    /// The key stored as PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, SigningError> {
        let key_pair = RsaKeyPair::from_pkcs8(der).map_err(|_| SigningError::Crypto)?;
        // Altinn's kid is the hex SHA-1 thumbprint of its certificate; with no certificate here,
        // the thumbprint of the public key stands in, in the same form.
        let spki = key_pair
            .public_key()
            .as_der()
            .map_err(|_| SigningError::Crypto)?;
        let sha1 =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, spki.as_ref());
        let kid = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        Ok(Self {
            key_pair,
            kid,
            rng: aws_lc_rs::rand::SystemRandom::new(),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> Value {
        let public = self.key_pair.public_key();
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
            "e": b64(public.exponent().big_endian_without_leading_zero()),
            "n": b64(public.modulus().big_endian_without_leading_zero()),
        })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public_jwk()] })
    }

    /// Signs `claims` as a compact JWS with header `{"alg":"RS256","kid":…,"typ":"JWT"}`.
    pub fn sign(&self, claims: &serde_json::Map<String, Value>) -> Result<String, SigningError> {
        let header = json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"});
        let mut token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?)
        );
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SigningError::Crypto)?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

/// Writes `bytes` to a private temporary file and links it into place without ever
/// replacing an existing key (`AlreadyExists` when another process won the race).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&temporary, path));
    let _ = std::fs::remove_file(&temporary);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_key_is_reloaded_with_the_same_kid_and_signatures_verify() {
        let dir = std::env::temp_dir().join(format!("dp-signing-{}", uuid::Uuid::new_v4()));
        let path = dir.join("key.p8");
        let first = SigningKey::load_or_create(&path).expect("created");
        let second = SigningKey::load_or_create(&path).expect("reloaded");
        assert_eq!(first.kid(), second.kid());
        assert_eq!(first.kid().len(), 40);

        let mut claims = serde_json::Map::new();
        claims.insert("sub".into(), json!("x"));
        let token = first.sign(&claims).expect("signed");
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(first.public_jwk()).expect("a JWK");
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("a key");
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let (message, signature) = token.rsplit_once('.').expect("three parts");
        assert!(
            jsonwebtoken::crypto::verify(
                signature,
                message.as_bytes(),
                &key,
                jsonwebtoken::Algorithm::RS256
            )
            .expect("verifiable")
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
