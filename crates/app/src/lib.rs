//! The application core (issue 12): what every front (REST, GraphQL, events, the inbox page)
//! stands on. Fronts extract a principal and a typed input, call a command or query here, and
//! serialize the typed result; no front holds a business rule.
//!
//! Layering: `dp-domain` (pure types and rules) → `dp-auth`, `dp-authz` → `dp-store` →
//! `dp-app` (this crate) → fronts (`dp-api`) → the `dialogporten` binary.

pub mod read;
pub mod registry;
