//! Authorization data and decisions.
//!
//! - [`registry`]: the embedded stand-in for Altinn Resource Registry, the service-owner list
//!   and Register: service owners, service resources with their rules, parties and role
//!   assignments, system users, access packages, resource and instance delegations, loaded
//!   from a JSON document (authz.md §2.2, §6.1).
//! - [`access`]: Access Management (authorized parties) and the PDP behind traits shaped like
//!   the real contracts, answered by [`access::EmbeddedAuthorization`] from the registry (§6.2–6.3).
//! - [`dialog_access`]: Dialogporten's use of them: list authorization, per-dialog action
//!   decisions, minimum authentication level (§3.4–3.7).

pub mod access;
pub mod dialog_access;
pub mod registry;

pub use registry::{Registry, RegistryDocument, RegistryError, ResourceType};
