//! End-user dialog reads (api.md §1, §4.7, §4.9, §6; authz.md §3.6). Opening a dialog is also
//! a command: it records the end user's seen-log entry.

use dp_auth::{DialogTokenClaims, DialogTokenIssuer, Principal, actions_claim, unix_now};
use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_store::StoredDialog;
use uuid::Uuid;

use super::EndUserSubject;
use crate::dialogs::DIALOG_ENTITY;
use crate::dialogs::seen::record_seen;
use crate::events::Outcome;
use crate::{AppError, DialogState, FieldErrors};

/// A dialog as an end user may read it, with who they are and the PDP's decisions on it.
pub struct Readable {
    pub dialog: Dialog,
    pub subject: EndUserSubject,
    pub access: DetailsAuthorization,
}

/// An opened dialog: [`Readable`] plus a fresh dialog token when tokens are signed.
pub struct Opened {
    pub readable: Readable,
    pub dialog_token: Option<String>,
}

/// The dialog `id`, or 404.
pub async fn load(state: &DialogState, id: Uuid) -> Result<StoredDialog, AppError> {
    state
        .get_dialog(id)
        .await?
        .ok_or_else(|| AppError::entity_not_found(DIALOG_ENTITY, id))
}

/// `DateTime.ToString("s")`-style time in DP's visibility messages.
fn sortable(t: Timestamp) -> String {
    let text = t.to_string();
    text.split('.').next().unwrap_or(&text).to_owned()
}

fn not_found(message: String) -> FieldErrors {
    FieldErrors::from([(DIALOG_ENTITY.to_owned(), vec![message])])
}

/// Opens dialog `id` for the end user of `principal` (`GET /api/v1/enduser/dialogs/{id}`):
/// 403 without main access or list right, 410 deleted, 403 below the resource's level, 404 not
/// yet visible or expired; then the opening is recorded.
pub async fn open(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
) -> Result<Outcome<Opened>, AppError> {
    let subject = EndUserSubject::of(principal)?;
    let stored = load(state, id).await?;
    let access = subject.details(state, &stored.dialog);
    if !access.has_main_access() && !subject.may_list(state, &stored.dialog) {
        return Err(AppError::forbidden("Forbidden", "Forbidden"));
    }
    if stored.dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    subject.check_level(state, &stored.dialog)?;
    let now = Timestamp::now();
    if let Some(visible_from) = stored.dialog.visible_from.filter(|v| *v > now) {
        return Err(AppError::NotYetVisible {
            errors: not_found(format!(
                "Dialog is not visible until {}",
                sortable(visible_from)
            )),
            visible_from,
        });
    }
    if let Some(expired) = stored.dialog.expires_at.filter(|e| *e < now) {
        return Err(AppError::NotFound(not_found(format!(
            "Dialog expired at {}",
            sortable(expired)
        ))));
    }
    let seen = record_seen(state, stored, &subject.urn, false).await;
    let dialog_token = state
        .dialog_tokens
        .as_ref()
        .and_then(|issuer| dialog_token(issuer, principal, &seen.value, &access));
    let readable = Readable {
        dialog: seen.value,
        subject,
        access,
    };
    Ok(Outcome::new(
        Opened {
            readable,
            dialog_token,
        },
        seen.events,
    ))
}

/// The checks of a sub-resource read (authz.md §3.6): no main access → 404, deleted → 410,
/// level too low → 403.
pub async fn readable(
    state: &DialogState,
    principal: &Principal,
    id: Uuid,
) -> Result<Readable, AppError> {
    let subject = EndUserSubject::of(principal)?;
    let stored = load(state, id).await?;
    let access = subject.details(state, &stored.dialog);
    if !access.has_main_access() {
        return Err(AppError::entity_not_found(DIALOG_ENTITY, id));
    }
    if stored.dialog.is_deleted() {
        return Err(AppError::entity_gone(DIALOG_ENTITY, id));
    }
    subject.check_level(state, &stored.dialog)?;
    Ok(Readable {
        dialog: stored.dialog,
        subject,
        access,
    })
}

/// A fresh dialog token for `principal` on `dialog`: `a` lists the permitted actions
/// (auth.md §7). `None` when the principal has no authenticated party or level.
pub fn dialog_token(
    issuer: &DialogTokenIssuer,
    principal: &Principal,
    dialog: &Dialog,
    access: &DetailsAuthorization,
) -> Option<String> {
    let actions = actions_claim(&access.token_actions());
    let claims = DialogTokenClaims::for_principal(
        principal,
        dialog.party.clone(),
        dialog.service_resource.clone(),
        dialog.id,
        actions,
    )
    .ok()?;
    Some(issuer.issue(&claims, unix_now()))
}
