//! The end user's dialog lookup by instance reference (`GET /api/v1/enduser/dialoglookup`,
//! api.md §4.8): finding the dialog; the front shows it with the authorization evidence.

use dp_auth::Principal;
use dp_domain::dialog::Dialog;
use dp_domain::enums::DeletedFilter;
use dp_domain::instance_ref::InstanceRef;
use dp_store::{DialogQuery, Order, OrderKey};

use super::EndUserSubject;
use crate::{AppError, DialogState};

const INVALID_REFERENCE: &str = "InstanceRef must be a supported identifier: 'urn:altinn:instance-id:{partyId}/{uuid}', 'urn:altinn:correspondence-id:{uuid}' or 'urn:altinn:dialog-id:{uuid}'.";

/// The dialog behind a reference, the reference as parsed, and who asked.
pub struct Found {
    pub reference: InstanceRef,
    pub dialog: Dialog,
    pub subject: EndUserSubject,
}

/// The dialog behind instance reference `raw`: 400 for a malformed one, 404 for none or a
/// deleted one. Whether the user may see it is the caller's next question (the evidence).
pub async fn find(
    state: &DialogState,
    principal: &Principal,
    raw: &str,
) -> Result<Found, AppError> {
    let Some(reference) = InstanceRef::parse(raw) else {
        return Err(AppError::validation("InstanceRef", INVALID_REFERENCE));
    };
    let subject = EndUserSubject::of(principal)?;
    let found = match &reference {
        InstanceRef::Dialog(id) => state.get_dialog(*id).await?.map(|s| s.dialog),
        InstanceRef::Labelled(label) => {
            // The newest dialog carrying the label, in either app-instance spelling.
            let query = DialogQuery {
                authorized_pairs: Some(Vec::new()),
                authorized_instances: vec![label.clone()],
                deleted: Some(DeletedFilter::Exclude),
                order: vec![Order {
                    key: OrderKey::Id,
                    descending: true,
                }],
                limit: 1,
                ..DialogQuery::default()
            };
            state.store.search_dialogs(query).await?.into_iter().next()
        }
    };
    let Some(dialog) = found.filter(|d| !d.is_deleted()) else {
        return Err(not_found(raw.trim()));
    };
    Ok(Found {
        reference,
        dialog,
        subject,
    })
}

fn not_found(raw: &str) -> AppError {
    AppError::NotFound(crate::FieldErrors::from([(
        "InstanceRef".to_owned(),
        vec![format!(
            "Entity 'InstanceRef' with the following key(s) was not found: ({raw})."
        )],
    )]))
}
