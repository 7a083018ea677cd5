//! The route table of the service-owner and end-user API groups.
//!
//! Every operation of the v1 contract (api.md §1) is listed with the policy that guards it, and
//! the router is built only from this table, so a test that walks [`ROUTES`] walks the router.
//! Operations not built yet answer 501 after the full auth pipeline has passed; later issues
//! replace the handler of each row and keep the row.

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{MethodFilter, MethodRouter, get, on};
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

/// Declares the route table once: [`ROUTES`] (method, path, policy: what tests and docs walk)
/// and the router's rows (the same method and path with the handler), from one list. Each
/// handler's extractor names the same policy as its row (`Authorized<P>`); `not_built` rows are
/// answered by the 501 placeholder after the auth pipeline of their policy.
macro_rules! route_table {
    ($( $method:ident $path:expr => $policy:ident, $kind:ident $(($handler:path))? ;)*) => {
        /// Every guarded operation, with DP's policy for it (api.md §1; the hidden admin and
        /// testing endpoints from auth.md §6.4).
        pub const ROUTES: &[ApiRoute] = &[$(route(stringify!($method), $path, $policy)),*];

        /// Every row of [`ROUTES`] with its method router.
        fn method_routers<S>() -> Vec<(&'static str, MethodRouter<S>)>
        where
            S: Clone + Send + Sync + 'static,
            AuthState: FromRef<S>,
            DialogState: FromRef<S>,
        {
            use crate::enduser as eu;
            use crate::serviceowner as so;
            vec![$(($path, route_table!(@row $method, $policy, $kind $(($handler))?))),*]
        }
    };
    (@row $method:ident, $policy:ident, handler($handler:path)) => {
        on(MethodFilter::$method, $handler)
    };
    (@row $method:ident, $policy:ident, not_built) => {
        placeholder(MethodFilter::$method, $policy)
    };
}

route_table! {
    GET so!("/dialoglookup") => SP, handler(so::lookup::dialog_lookup);
    GET so!("/dialogs") => SPSearch, handler(so::search::search);
    POST so!("/dialogs") => SP, handler(so::dialogs::create);
    GET so!("/dialogs/endusercontext") => SPSearch, handler(so::search::search_end_user_context);
    POST so!("/dialogs/endusercontext/systemlabels/actions/bulkset") => SP, handler(so::labels::bulk_set_system_labels);
    GET so!("/dialogs/{dialogId}") => SP, handler(so::dialogs::get);
    PUT so!("/dialogs/{dialogId}") => SP, handler(so::update::put);
    PATCH so!("/dialogs/{dialogId}") => SP, handler(so::update::patch);
    DELETE so!("/dialogs/{dialogId}") => SP, handler(so::dialogs::delete);
    POST so!("/dialogs/{dialogId}/actions/freeze") => SP, handler(so::dialogs::freeze);
    POST so!("/dialogs/{dialogId}/actions/purge") => SP, handler(so::dialogs::purge);
    POST so!("/dialogs/{dialogId}/actions/restore") => SP, handler(so::dialogs::restore);
    GET so!("/dialogs/{dialogId}/actions/should-send-notification") => NCC, handler(so::lookup::should_send_notification);
    GET so!("/dialogs/{dialogId}/activities") => SP, handler(so::children::list_activities);
    POST so!("/dialogs/{dialogId}/activities") => SP, handler(so::children::create_activity);
    GET so!("/dialogs/{dialogId}/activities/{activityId}") => SP, handler(so::children::get_activity);
    POST so!("/dialogs/{dialogId}/activities/{activityId}/actions/updateFormSavedActivityTime") => SPAdmin, handler(so::children::update_form_saved_activity_time);
    GET so!("/dialogs/{dialogId}/context/labels") => SP, handler(so::labels::get_labels);
    POST so!("/dialogs/{dialogId}/context/labels") => SP, handler(so::labels::create_label);
    DELETE so!("/dialogs/{dialogId}/context/labels/{label}") => SP, handler(so::labels::delete_label);
    PUT so!("/dialogs/{dialogId}/endusercontext/systemlabels") => SP, handler(so::labels::set_system_labels);
    GET so!("/dialogs/{dialogId}/seenlog") => SP, handler(so::children::list_seen_log);
    GET so!("/dialogs/{dialogId}/seenlog/{seenLogId}") => SP, handler(so::children::get_seen_log);
    GET so!("/dialogs/{dialogId}/transmissions") => SP, handler(so::children::list_transmissions);
    POST so!("/dialogs/{dialogId}/transmissions") => SP, handler(so::children::create_transmission);
    GET so!("/dialogs/{dialogId}/transmissions/{transmissionId}") => SP, handler(so::children::get_transmission);
    PUT so!("/dialogs/{dialogId}/transmissions/{transmissionId}") => SPChange, handler(so::children::update_transmission);
    GET eu!("/dialoglookup") => EU, handler(eu::lookup::dialog_lookup);
    GET eu!("/dialogs") => EU, handler(eu::search::search);
    POST eu!("/dialogs/context/systemlabels/actions/bulkset") => EU, handler(eu::labels::bulk_set);
    GET eu!("/dialogs/{dialogId}") => EU, handler(eu::dialogs::get);
    GET eu!("/dialogs/{dialogId}/activities") => EU, handler(eu::dialogs::list_activities);
    GET eu!("/dialogs/{dialogId}/activities/{activityId}") => EU, handler(eu::dialogs::get_activity);
    GET eu!("/dialogs/{dialogId}/context/labellog") => EU, handler(eu::dialogs::list_label_log);
    PUT eu!("/dialogs/{dialogId}/context/systemlabels") => EU, handler(eu::labels::set);
    GET eu!("/dialogs/{dialogId}/seenlog") => EU, handler(eu::dialogs::list_seen_log);
    GET eu!("/dialogs/{dialogId}/seenlog/{seenLogId}") => EU, handler(eu::dialogs::get_seen_log);
    GET eu!("/dialogs/{dialogId}/transmissions") => EU, handler(eu::dialogs::list_transmissions);
    GET eu!("/dialogs/{dialogId}/transmissions/{transmissionId}") => EU, handler(eu::dialogs::get_transmission);
    GET eu!("/parties") => EU, handler(eu::parties::parties);
    GET eu!("/serviceresources") => EU, handler(eu::parties::service_resources);
    GET "/api/v1/Exception" => Test, not_built;
}

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

fn placeholder<S>(filter: MethodFilter, policy: Policy) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    AuthState: FromRef<S>,
{
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

/// The service-owner and end-user groups, built from the route table.
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
    method_routers()
        .into_iter()
        .fold(anonymous, |router, (path, route)| router.route(path, route))
}
