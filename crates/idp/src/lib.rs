//! Embedded identity providers for local mode (no outside services).
//!
//! - [`signing`]: persisted signing keys (stable across restarts) and JWS signing.
//! - [`altinn`]: the embedded Altinn issuer with OpenID discovery and JWKS (auth.md §4).
//! - [`testtools`]: the Altinn test-token generator, same endpoints, parameters and payloads
//!   (auth.md §5), behind Basic authentication.
//!
//! These run only in local mode; the binary refuses to start them once real issuers are
//! configured.

pub mod altinn;
pub mod signing;
pub mod testtools;

pub use altinn::AltinnIssuer;
pub use signing::SigningKey;
pub use testtools::{TestTokenGenerator, TokenKind};
