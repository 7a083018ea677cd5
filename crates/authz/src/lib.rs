//! Authorization data and decisions.
//!
//! - [`registry`]: the embedded stand-in for Altinn Resource Registry, the service-owner list
//!   and Register: service owners, service resources with their rules, parties and role
//!   assignments, loaded from a JSON document (authz.md §2.2, §6.1).

pub mod registry;

pub use registry::{Registry, RegistryDocument, RegistryError, ResourceType};
