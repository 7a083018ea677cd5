//! End users' system labels (api.md §4.8): handlers over `dp_app::enduser::labels`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::dialogs::labels::SystemLabelRequest;
use dp_app::enduser::labels;

use crate::auth::EndUser;
use crate::json::ContractJson;
use crate::problem::ApiError;
use crate::respond::{if_match, no_content, no_content_plain, parse_id};
use crate::state::DialogState;

/// `PUT /api/v1/enduser/dialogs/{dialogId}/context/systemlabels`
pub async fn set(
    caller: EndUser,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    headers: HeaderMap,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    let target = (parse_id("dialogId", &dialog_id)?, if_match(&headers)?);
    let outcome = labels::set(&state, &caller.principal, target, &request).await?;
    Ok(no_content(outcome.value))
}

/// `POST /api/v1/enduser/dialogs/context/systemlabels/actions/bulkset`
pub async fn bulk_set(
    caller: EndUser,
    State(state): State<DialogState>,
    ContractJson(request): ContractJson<SystemLabelRequest>,
) -> Result<Response, ApiError> {
    labels::bulk_set(&state, &caller.principal, &request).await?;
    Ok(no_content_plain())
}
