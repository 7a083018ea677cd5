//! The end user: who they are and what they may do ([`subject`]), and what they do: open a
//! dialog and read its parts ([`dialogs`]), set system labels ([`labels`]) (api.md §1, §4.8,
//! §6; authz.md §3).

pub mod dialogs;
pub mod labels;
pub mod lookup;
pub mod parties;
pub mod search;
pub mod subject;

pub use subject::{EndUserSubject, level_too_low};
