//! The end-user API group (`/api/v1/enduser/...`, api.md §1, §6; authz.md §3).

pub mod dialogs;
pub mod labels;
pub mod lookup;
pub mod parties;
pub mod presentation;
pub mod search;
