//! The service-owner commands and queries on dialogs (api.md §1, §2, §4).

pub mod authorize;
pub mod children;
pub mod create;
pub mod get;
pub mod guard;
pub mod labels;
pub mod lifecycle;
pub mod lookup;
pub mod mapping;
pub mod rules;
pub mod search;
pub mod seen;
pub mod update;

pub use guard::DIALOG_ENTITY;
