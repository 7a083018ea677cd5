//! The service-owner API group (`/api/v1/serviceowner/...`): wire types now, handlers with
//! issue 3.

pub mod authorize;
pub mod children;
pub mod common;
pub mod create_dialog;
pub mod dialogs;
pub mod labels;
pub mod lookup;
pub mod mapping;
pub mod patch;
pub mod rules;
pub mod search;
pub mod update;
pub mod validate_children;
pub mod validate_content;
pub mod validate_create;
pub mod validation;
