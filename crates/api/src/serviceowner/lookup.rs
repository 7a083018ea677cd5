//! `GET /api/v1/serviceowner/dialoglookup` (instance references, api.md §4.8) and
//! `GET .../actions/should-send-notification` (notification conditions, api.md §1): handlers
//! over `dp_app::dialogs::lookup`.

use axum::extract::{Path, State};
use axum::response::Response;
use dp_app::dialogs::lookup::{self, NotificationConditionInput};
use dp_app::read::metadata::ServiceOwnerLookup;
use dp_app::read::serviceowner::NotificationCondition;

use crate::auth::{NotificationConditionCheck, ServiceOwner};
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::{ok_json, parse_id};
use crate::state::DialogState;

/// `GET /api/v1/serviceowner/dialoglookup?instanceRef=`
pub async fn dialog_lookup(
    caller: ServiceOwner,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let raw = query.get("instanceRef").unwrap_or_default();
    let dialog = lookup::lookup(&state, &caller.principal, raw).await?;
    let body = ServiceOwnerLookup::new(&dialog, raw.trim(), &state.registry);
    Ok(ok_json(&body, None))
}

/// `GET .../dialogs/{dialogId}/actions/should-send-notification`
pub async fn should_send_notification(
    _caller: NotificationConditionCheck,
    State(state): State<DialogState>,
    Path(dialog_id): Path<String>,
    query: Query,
) -> Result<Response, ApiError> {
    let id = parse_id("dialogId", &dialog_id)?;
    let input = NotificationConditionInput {
        condition_type: query.get("conditionType"),
        activity_type: query.get("activityType"),
        transmission_id: query.get("transmissionId"),
    };
    let send_notification = lookup::should_send_notification(&state, id, input).await?;
    Ok(ok_json(&NotificationCondition { send_notification }, None))
}
