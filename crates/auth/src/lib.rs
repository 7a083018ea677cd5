//! Authentication as the real Dialogporten does it (auth.md §6).
//!
//! - [`issuer`]: the trusted issuer schemes (`Maskinporten`, `Idporten`, `Altinn`), their metadata
//!   and key sets.
//! - [`verifier`]: turns a bearer token into verified claims, with per-issuer algorithm
//!   allow-lists, 2 s clock skew and a cache of verified tokens.
//! - [`principal`]: claims → user type, identifiers and authentication level (§6.5).
//! - [`policy`]: scopes and the authorization policies with their allowed user types (§6.4).

pub mod issuer;
pub mod keys;
pub mod policy;
pub mod principal;
pub mod verifier;

pub use issuer::{IssuerConfig, KeySource, Scheme, TrustedIssuer};
pub use keys::{KeySet, KeysError, VerificationKey};
pub use policy::{Policy, PolicyFailure, scopes};
pub use principal::{EndUserIdError, Principal, SystemUserClaim, UserType};
pub use verifier::{TokenError, TokenVerifier, VerifiedToken};

/// Installs aws-lc-rs as jsonwebtoken's crypto provider. Idempotent; call before verifying.
pub fn install_crypto_provider() {
    // A second install returns Err, which only means it is already installed.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
