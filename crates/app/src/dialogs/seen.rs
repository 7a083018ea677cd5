//! Recording that an end user opened a dialog (api.md §4.7): a read on their behalf, through
//! the end-user API or the service-owner API's `endUserId`, is also this command.

use dp_domain::Timestamp;
use dp_domain::dialog::{Actor, Dialog};
use dp_domain::enums::ActorType;
use dp_store::StoredDialog;

use super::mapping;
use crate::DialogState;
use crate::events::{DialogRef, DomainEvent, Outcome};

/// Marks `stored` seen by `end_user` (a lower-case party URN) and returns the dialog as it is
/// now. A lost race only skips the record: the read still succeeds with the dialog as read.
pub async fn record_seen(
    state: &DialogState,
    stored: StoredDialog,
    end_user: &str,
    via_service_owner: bool,
) -> Outcome<Dialog> {
    if stored.dialog.is_seen_by(end_user) {
        return Outcome::unchanged(stored.dialog);
    }
    let original = stored.dialog.clone();
    let mut dialog = stored.dialog;
    let seen_by = Actor {
        actor_type: ActorType::PartyRepresentative,
        actor_name: state.registry.name_of(end_user).map(str::to_owned),
        actor_id: Some(end_user.to_owned()),
    };
    if !dialog.record_seen(
        seen_by,
        via_service_owner,
        Timestamp::now(),
        mapping::new_id(),
    ) {
        return Outcome::unchanged(dialog);
    }
    match state
        .store
        .update_dialog(dialog.clone(), stored.version)
        .await
    {
        Ok(()) => {
            let event = DomainEvent::Seen {
                dialog: DialogRef::of(&dialog, false),
                seen_by: end_user.to_owned(),
            };
            Outcome::new(dialog, vec![event])
        }
        Err(_) => Outcome::unchanged(original),
    }
}
