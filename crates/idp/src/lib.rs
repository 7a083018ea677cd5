//! Embedded identity providers for local mode (no outside services).
//!
//! - [`signing`]: persisted signing keys (stable across restarts) and JWS signing.
//! - [`altinn`]: the embedded Altinn issuer with OpenID discovery and JWKS (auth.md §4).
//! - [`clients`]: OAuth clients of the embedded Maskinporten and ID-porten (`DIR/clients.json`).
//! - [`admin`]: the admin HTTP API for those clients (`/admin/clients`, bearer admin token).
//! - [`maskinporten`]: the embedded Maskinporten (JWT-bearer grants, auth.md §2).
//! - [`idporten`]: the embedded ID-porten (authorization code + PKCE, auth.md §1).
//! - [`exchange`]: Altinn token exchange of ID-porten and Maskinporten tokens (auth.md §4).
//! - [`shared`]: what several instances on one database share (entries and documents).
//! - [`testtools`]: the Altinn test-token generator, same endpoints, parameters and payloads
//!   (auth.md §5), behind Basic authentication.
//!
//! These run only in local mode; the binary refuses to start them once real issuers are
//! configured.

pub mod admin;
pub mod altinn;
pub mod clients;
pub mod exchange;
pub mod idporten;
pub mod maskinporten;
pub mod shared;
pub mod signing;
pub mod testtools;

pub use altinn::AltinnIssuer;
pub use clients::{ClientKind, ClientRegistry, OAuthClient};
pub use exchange::TokenExchange;
pub use idporten::IdportenIssuer;
pub use maskinporten::MaskinportenIssuer;
pub use signing::SigningKey;
pub use testtools::{TestTokenGenerator, TokenKind};
