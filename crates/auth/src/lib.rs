//! Authentication as the real Dialogporten does it (auth.md §6).
//!
//! - [`issuer`]: the trusted issuer schemes (`Maskinporten`, `Idporten`, `Altinn`), their metadata
//!   and key sets.
//! - [`verifier`]: turns a bearer token into verified claims, with per-issuer algorithm
//!   allow-lists, 2 s clock skew and a cache of verified tokens.
//! - [`principal`]: claims → user type, identifiers and authentication level (§6.5).
//! - [`policy`]: scopes and the authorization policies with their allowed user types (§6.4).
//! - [`revocation`]: revoked tokens of the embedded issuers, consulted on every verification.
//! - [`dialog_token`]: the Ed25519 dialog tokens Dialogporten issues and their key ring (§7).

pub mod dialog_token;
pub mod issuer;
pub mod keys;
pub mod policy;
pub mod principal;
pub mod revocation;
pub mod verifier;

pub use dialog_token::{
    DialogTokenClaims, DialogTokenClaimsError, DialogTokenIssuer, DialogTokenKey,
    DialogTokenKeyError, DialogTokenKeyRing, actions_claim,
};
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
