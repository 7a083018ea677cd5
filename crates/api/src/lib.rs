//! Dialogporten's HTTP API: routers per API group, the auth extractors that guard them, and
//! the one error type that becomes a ProblemDetails response.

pub mod auth;
mod contract_inputs;
pub mod docs;
pub mod enduser;
pub mod json;
pub mod metadata;
pub mod problem;
pub mod query;
pub mod respond;
pub mod routes;
pub mod search_common;
pub mod serviceowner;
pub mod state;
pub mod wellknown;

pub use auth::{
    AuthState, Authorized, EndUser, NotificationConditionCheck, ServiceOwner, ServiceOwnerAdmin,
    ServiceOwnerChangeTransmissions, ServiceOwnerSearch, Testing,
};
pub use problem::{ApiError, trace_id_layer};
pub use routes::{ApiRoute, ROUTES, router};
pub use state::DialogState;
