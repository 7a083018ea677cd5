//! The route table of the service-owner and end-user API groups.
//!
//! Every operation of the v1 contract (api.md §1) is listed with the policy that guards it, and
//! the router is built only from this table, so a test that walks [`ROUTES`] walks the router.
//! Operations not built yet answer 501 after the full auth pipeline has passed; later issues
//! replace the handler of each row and keep the row.

use axum::Router;
use axum::extract::FromRef;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, on, patch, post, put};
use dp_auth::Policy;

use crate::auth::{
    AuthState, Authorized, EndUserPolicy, NotificationConditionCheckPolicy, PolicyMarker,
    ServiceProviderAdminPolicy, ServiceProviderChangeTransmissionsPolicy, ServiceProviderPolicy,
    ServiceProviderSearchPolicy, TestingPolicy,
};
use crate::problem::ApiError;
use crate::state::DialogState;

/// One operation: method, axum path and guarding policy.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub policy: Policy,
}

const fn route(method: &'static str, path: &'static str, policy: Policy) -> ApiRoute {
    ApiRoute {
        method,
        path,
        policy,
    }
}

use Policy::{
    EndUser as EU, NotificationConditionCheck as NCC, ServiceProvider as SP,
    ServiceProviderAdmin as SPAdmin, ServiceProviderChangeTransmissions as SPChange,
    ServiceProviderSearch as SPSearch, Testing as Test,
};

macro_rules! so {
    ($path:literal) => {
        concat!("/api/v1/serviceowner", $path)
    };
}

macro_rules! eu {
    ($path:literal) => {
        concat!("/api/v1/enduser", $path)
    };
}

/// Every guarded operation, with DP's policy for it (api.md §1; the hidden admin and testing
/// endpoints from auth.md §6.4).
pub const ROUTES: &[ApiRoute] = &[
    route("GET", so!("/dialoglookup"), SP),
    route("GET", so!("/dialogs"), SPSearch),
    route("POST", so!("/dialogs"), SP),
    route("GET", so!("/dialogs/endusercontext"), SPSearch),
    route(
        "POST",
        so!("/dialogs/endusercontext/systemlabels/actions/bulkset"),
        SP,
    ),
    route("GET", so!("/dialogs/{dialogId}"), SP),
    route("PUT", so!("/dialogs/{dialogId}"), SP),
    route("PATCH", so!("/dialogs/{dialogId}"), SP),
    route("DELETE", so!("/dialogs/{dialogId}"), SP),
    route("POST", so!("/dialogs/{dialogId}/actions/freeze"), SP),
    route("POST", so!("/dialogs/{dialogId}/actions/purge"), SP),
    route("POST", so!("/dialogs/{dialogId}/actions/restore"), SP),
    route(
        "GET",
        so!("/dialogs/{dialogId}/actions/should-send-notification"),
        NCC,
    ),
    route("GET", so!("/dialogs/{dialogId}/activities"), SP),
    route("POST", so!("/dialogs/{dialogId}/activities"), SP),
    route(
        "GET",
        so!("/dialogs/{dialogId}/activities/{activityId}"),
        SP,
    ),
    route(
        "POST",
        so!("/dialogs/{dialogId}/activities/{activityId}/actions/updateFormSavedActivityTime"),
        SPAdmin,
    ),
    route("GET", so!("/dialogs/{dialogId}/context/labels"), SP),
    route("POST", so!("/dialogs/{dialogId}/context/labels"), SP),
    route(
        "DELETE",
        so!("/dialogs/{dialogId}/context/labels/{label}"),
        SP,
    ),
    route(
        "PUT",
        so!("/dialogs/{dialogId}/endusercontext/systemlabels"),
        SP,
    ),
    route("GET", so!("/dialogs/{dialogId}/seenlog"), SP),
    route("GET", so!("/dialogs/{dialogId}/seenlog/{seenLogId}"), SP),
    route("GET", so!("/dialogs/{dialogId}/transmissions"), SP),
    route("POST", so!("/dialogs/{dialogId}/transmissions"), SP),
    route(
        "GET",
        so!("/dialogs/{dialogId}/transmissions/{transmissionId}"),
        SP,
    ),
    route(
        "PUT",
        so!("/dialogs/{dialogId}/transmissions/{transmissionId}"),
        SPChange,
    ),
    route("GET", eu!("/dialoglookup"), EU),
    route("GET", eu!("/dialogs"), EU),
    route(
        "POST",
        eu!("/dialogs/context/systemlabels/actions/bulkset"),
        EU,
    ),
    route("GET", eu!("/dialogs/{dialogId}"), EU),
    route("GET", eu!("/dialogs/{dialogId}/activities"), EU),
    route(
        "GET",
        eu!("/dialogs/{dialogId}/activities/{activityId}"),
        EU,
    ),
    route("GET", eu!("/dialogs/{dialogId}/context/labellog"), EU),
    route("PUT", eu!("/dialogs/{dialogId}/context/systemlabels"), EU),
    route("GET", eu!("/dialogs/{dialogId}/seenlog"), EU),
    route("GET", eu!("/dialogs/{dialogId}/seenlog/{seenLogId}"), EU),
    route("GET", eu!("/dialogs/{dialogId}/transmissions"), EU),
    route(
        "GET",
        eu!("/dialogs/{dialogId}/transmissions/{transmissionId}"),
        EU,
    ),
    route("GET", eu!("/parties"), EU),
    route("GET", eu!("/serviceresources"), EU),
    route("GET", "/api/v1/Exception", Test),
];

/// Answers an operation that passed its auth pipeline but is not built yet. The body says who
/// the caller was taken to be, so the auth layer can be checked end to end.
async fn not_yet_implemented<P: PolicyMarker>(caller: Authorized<P>) -> ApiError {
    let principal = &caller.principal;
    ApiError::NotImplemented {
        detail: "The request was authenticated and authorized, but this operation is not implemented yet.".into(),
        caller: Box::new(crate::problem::RecognisedCaller {
            policy: P::POLICY.name(),
            user_type: principal.user_type().name(),
            authentication_level: principal.authentication_level(),
            consumer_org_number: principal.consumer.as_ref().map(|o| o.as_str().to_owned()),
            supplier_org_number: principal.supplier.as_ref().map(|o| o.as_str().to_owned()),
            has_correspondence_scope: principal.has_correspondence_scope(),
            has_admin_scope: principal.is_admin(),
        }),
    }
}

fn placeholder<S>(method: Method, policy: Policy) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
{
    let filter =
        axum::routing::MethodFilter::try_from(method).unwrap_or(axum::routing::MethodFilter::GET);
    match policy {
        EU => on(filter, not_yet_implemented::<EndUserPolicy>),
        SP => on(filter, not_yet_implemented::<ServiceProviderPolicy>),
        SPSearch => on(filter, not_yet_implemented::<ServiceProviderSearchPolicy>),
        SPChange => on(
            filter,
            not_yet_implemented::<ServiceProviderChangeTransmissionsPolicy>,
        ),
        SPAdmin => on(filter, not_yet_implemented::<ServiceProviderAdminPolicy>),
        NCC => on(
            filter,
            not_yet_implemented::<NotificationConditionCheckPolicy>,
        ),
        Test => on(filter, not_yet_implemented::<TestingPolicy>),
    }
}

/// The handler of a built operation; `None` for one still answered by the placeholder.
/// Each handler's extractor names the same policy as its row in [`ROUTES`].
fn handler<S>(method: &str, path: &str) -> Option<MethodRouter<S>>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
    DialogState: FromRef<S>,
{
    use crate::enduser as eu;
    use crate::serviceowner as so;
    let route = match (method, path.trim_start_matches("/api/v1/serviceowner")) {
        ("POST", "/dialogs") => post(so::dialogs::create),
        ("GET", "/dialoglookup") => get(so::lookup::dialog_lookup),
        ("GET", "/dialogs/{dialogId}/actions/should-send-notification") => {
            get(so::lookup::should_send_notification)
        }
        ("GET", "/dialogs") => get(so::search::search),
        ("GET", "/dialogs/endusercontext") => get(so::search::search_end_user_context),
        ("GET", "/dialogs/{dialogId}") => get(so::dialogs::get),
        ("DELETE", "/dialogs/{dialogId}") => delete(so::dialogs::delete),
        ("PUT", "/dialogs/{dialogId}") => put(so::update::put),
        ("PATCH", "/dialogs/{dialogId}") => patch(so::update::patch),
        ("GET", "/dialogs/{dialogId}/transmissions") => get(so::children::list_transmissions),
        ("POST", "/dialogs/{dialogId}/transmissions") => post(so::children::create_transmission),
        ("GET", "/dialogs/{dialogId}/transmissions/{transmissionId}") => {
            get(so::children::get_transmission)
        }
        ("PUT", "/dialogs/{dialogId}/transmissions/{transmissionId}") => {
            put(so::children::update_transmission)
        }
        ("GET", "/dialogs/{dialogId}/activities") => get(so::children::list_activities),
        ("POST", "/dialogs/{dialogId}/activities") => post(so::children::create_activity),
        ("GET", "/dialogs/{dialogId}/activities/{activityId}") => get(so::children::get_activity),
        (
            "POST",
            "/dialogs/{dialogId}/activities/{activityId}/actions/updateFormSavedActivityTime",
        ) => post(so::children::update_form_saved_activity_time),
        ("GET", "/dialogs/{dialogId}/seenlog") => get(so::children::list_seen_log),
        ("GET", "/dialogs/{dialogId}/context/labels") => get(so::labels::get_labels),
        ("POST", "/dialogs/{dialogId}/context/labels") => post(so::labels::create_label),
        ("DELETE", "/dialogs/{dialogId}/context/labels/{label}") => {
            delete(so::labels::delete_label)
        }
        ("PUT", "/dialogs/{dialogId}/endusercontext/systemlabels") => {
            put(so::labels::set_system_labels)
        }
        ("POST", "/dialogs/endusercontext/systemlabels/actions/bulkset") => {
            post(so::labels::bulk_set_system_labels)
        }
        ("GET", "/dialogs/{dialogId}/seenlog/{seenLogId}") => get(so::children::get_seen_log),
        ("POST", "/dialogs/{dialogId}/actions/restore") => post(so::dialogs::restore),
        ("POST", "/dialogs/{dialogId}/actions/purge") => post(so::dialogs::purge),
        ("POST", "/dialogs/{dialogId}/actions/freeze") => post(so::dialogs::freeze),
        ("GET", "/api/v1/enduser/dialogs/{dialogId}") => get(eu::dialogs::get),
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/transmissions") => {
            get(eu::dialogs::list_transmissions)
        }
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/transmissions/{transmissionId}") => {
            get(eu::dialogs::get_transmission)
        }
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/activities") => {
            get(eu::dialogs::list_activities)
        }
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/activities/{activityId}") => {
            get(eu::dialogs::get_activity)
        }
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/seenlog") => get(eu::dialogs::list_seen_log),
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/seenlog/{seenLogId}") => {
            get(eu::dialogs::get_seen_log)
        }
        ("GET", "/api/v1/enduser/dialogs/{dialogId}/context/labellog") => {
            get(eu::dialogs::list_label_log)
        }
        ("PUT", "/api/v1/enduser/dialogs/{dialogId}/context/systemlabels") => put(eu::labels::set),
        ("POST", "/api/v1/enduser/dialogs/context/systemlabels/actions/bulkset") => {
            post(eu::labels::bulk_set)
        }
        ("GET", "/api/v1/enduser/dialogs") => get(eu::search::search),
        ("GET", "/api/v1/enduser/parties") => get(eu::parties::parties),
        ("GET", "/api/v1/enduser/serviceresources") => get(eu::parties::service_resources),
        ("GET", "/api/v1/enduser/dialoglookup") => get(eu::parties::dialog_lookup),
        _ => return None,
    };
    Some(route)
}

/// The service-owner and end-user groups, built from [`ROUTES`].
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
    DialogState: FromRef<S>,
{
    let anonymous = Router::new()
        .route("/api/v1/metadata/limits", get(crate::metadata::limits))
        .route(
            "/api/v1/metadata/serviceresources",
            get(crate::metadata::service_resources),
        );
    ROUTES.iter().fold(anonymous, |router, r| {
        let method = Method::from_bytes(r.method.as_bytes()).unwrap_or(Method::GET);
        let route = handler(r.method, r.path).unwrap_or_else(|| placeholder(method, r.policy));
        router.route(r.path, route)
    })
}
