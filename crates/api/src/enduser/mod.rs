//! The end-user API group (`/api/v1/enduser/...`, api.md §1, §6; authz.md §3).

pub mod access;
pub mod dialogs;
pub mod labels;
pub mod lookup;
pub mod parties;
pub mod presentation;
pub mod search;

use dp_auth::{DialogTokenClaims, DialogTokenIssuer, Principal, actions_claim, unix_now};
use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::dialog::Dialog;

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
