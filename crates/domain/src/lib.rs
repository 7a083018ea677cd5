//! Dialogporten's domain: identifiers and the rules that make them valid.
//!
//! This crate knows nothing of HTTP, JSON web tokens or SQL; every other layer builds on it.

pub mod dialog;
pub mod dialog_reads;
pub mod dialog_rules;
pub mod enums;
pub mod identifiers;
pub mod instance_ref;
pub mod localization;
pub mod system_labels;
pub mod timestamp;

#[cfg(test)]
mod test_fixtures;

pub use identifiers::{
    IdentifierError, NationalIdentityNumber, OrganizationNumber, PartyIdentifier,
};
pub use timestamp::{Timestamp, TimestampError};
