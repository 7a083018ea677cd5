//! The application core (issue 12): what every front (REST, GraphQL, events, the inbox page)
//! stands on. Fronts extract a principal and a typed input, call a command or query here, and
//! serialize the typed result; no front holds a business rule.
//!
//! Layering: `dp-domain` (pure types and rules) → `dp-auth`, `dp-authz` → `dp-store` →
//! `dp-app` (this crate) → fronts (`dp-api`) → the `dialogporten` binary.
//!
//! - [`dialogs`]: the service-owner commands and queries on dialogs (create, update, delete,
//!   restore, purge, freeze, transmissions, activities, labels, system labels, seen);
//! - [`enduser`]: who the end user is and what they may do, and the end-user commands;
//! - [`input`] and [`validate`]: the command inputs and their validation, worded as the real
//!   service's FluentValidation;
//! - [`read`]: the typed read models of every response;
//! - [`events`]: the domain events each command returns;
//! - [`error`]: the one [`AppError`].

pub mod dialogs;
pub mod enduser;
pub mod error;
pub mod events;
pub mod input;
pub mod read;
pub mod registry;
pub mod search;
pub mod state;
pub mod validate;

pub use error::{AppError, FieldErrors};
pub use events::{DomainEvent, Outcome};
pub use state::DialogState;
