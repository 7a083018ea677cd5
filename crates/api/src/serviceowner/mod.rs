//! The service-owner API group (`/api/v1/serviceowner/...`): wire types now, handlers with
//! issue 3.

pub mod children;
pub mod dialogs;
pub mod labels;
pub mod lookup;
pub mod patch;
pub mod search;
pub mod update;
