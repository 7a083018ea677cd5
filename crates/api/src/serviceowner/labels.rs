//! Service-owner labels and, on an end user's behalf, system labels (api.md §4.8): handlers
//! over `dp_app::dialogs::labels`. Both live in side contexts with their own revisions, which
//! the answers carry as `Etag`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::dialogs::labels::SystemLabelRequest;
use dp_app::dialogs::{guard, labels};
use serde::Deserialize;

use crate::auth::ServiceOwner;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::{if_match, no_content, no_content_plain, ok_json, parse_id};
use crate::state::DialogState;

/// `GET .../dialogs/{dialogId}/context/labels`: `Etag` is the service-owner-context revision.
pub async fn get_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let stored = guard::load_owned(&state, &caller.principal, id).await?;
    Ok(ok_json(
        &dp_app::read::serviceowner::service_owner_labels(&stored.dialog),
        Some(stored.dialog.service_owner_context.revision),
    ))
}

/// `V1ServiceOwnerServiceOwnerContextCommandsCreateServiceOwnerLabel_Label`
#[derive(Debug, Deserialize)]
pub struct LabelRequest {
    #[serde(default)]
    value: Option<String>,
}

/// `POST .../dialogs/{dialogId}/context/labels`
pub async fn create_label(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    ContractJson(request): ContractJson<LabelRequest>,
) -> Result<Response, ApiError> {
    let target = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = labels::add_label(&state, &caller.principal, target, request.value).await?;
    Ok(no_content(outcome.value))
}

/// `DELETE .../dialogs/{dialogId}/context/labels/{label}`
pub async fn delete_label(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path((dialog_id, label)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let target = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = labels::remove_label(&state, &caller.principal, target, &label).await?;
    Ok(no_content(outcome.value))
}

/// `PUT .../dialogs/{dialogId}/endusercontext/systemlabels?enduserId=`
pub async fn set_system_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    query: Query,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let (id, expected) = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let target = (id, expected, query.get("enduserId"));
    let principal = &caller.principal;
    let outcome = labels::set_system_labels(&state, principal, target, &request).await?;
    Ok(no_content(outcome.value))
}

/// `POST .../dialogs/endusercontext/systemlabels/actions/bulkset?enduserId=`: all or nothing.
pub async fn bulk_set_system_labels(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let end_user = query.get("enduserId");
    labels::bulk_set_system_labels(&state, &caller.principal, end_user, &request).await?;
    Ok(no_content_plain())
}
