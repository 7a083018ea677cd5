//! The service-owner API group (`/api/v1/serviceowner/...`): wire types now, handlers with
//! issue 3.

pub mod authorize;
pub mod create_dialog;
pub mod validate_children;
pub mod validate_content;
pub mod validate_create;
pub mod validation;
