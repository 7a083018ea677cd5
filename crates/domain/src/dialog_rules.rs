//! Rules of the dialog aggregate that every command applies the same way (api.md §4.6–4.8):
//! when an end user's opening is recorded, what counts as a content change, and what a
//! service owner's non-silent update does to the timestamps and to Bin/Archive. Pure: the
//! caller passes the time and the new ids.

use uuid::Uuid;

use crate::Timestamp;
use crate::dialog::{Actor, Dialog, SeenLog};
use crate::enums::{ActorType, SystemLabel};
use crate::system_labels;

impl Dialog {
    /// Records that `seen_by` opened the dialog (api.md §4.7): a seen-log entry unless they saw
    /// it since the last update and it is not marked unopened; `MarkedAsUnopened` goes, logged
    /// as their `remove` (the real service's `DialogSeenLogWriter`). Neither the revision nor
    /// `updatedAt` moves. Returns whether anything was recorded.
    pub fn record_seen(
        &mut self,
        seen_by: Actor,
        via_service_owner: bool,
        now: Timestamp,
        entry_id: Uuid,
    ) -> bool {
        if seen_by
            .actor_id
            .as_deref()
            .is_some_and(|id| self.is_seen_by(id))
        {
            return false;
        }
        if system_labels::remove_unopened(&mut self.end_user_context, &seen_by, now) {
            self.end_user_context.revision = Uuid::new_v4();
        }
        self.seen_log.push(SeenLog {
            id: entry_id,
            seen_at: now,
            seen_by,
            is_via_service_owner: via_service_owner,
        });
        true
    }

    /// Whether `actor_id` saw the dialog since its last update and it is not marked unopened:
    /// then opening it again records nothing.
    pub fn is_seen_by(&self, actor_id: &str) -> bool {
        !self
            .end_user_context
            .system_labels
            .contains(&SystemLabel::MarkedAsUnopened)
            && self.seen_log.iter().any(|s| {
                s.seen_by.actor_id.as_deref() == Some(actor_id) && s.seen_at >= self.updated_at
            })
    }

    /// `ContentHasChanged` (api.md §4.6): new transmissions, or a change of content,
    /// attachments, actions, status or extended status since `before`. Only these move
    /// `contentUpdatedAt`.
    pub fn content_changed_since(&self, before: &Dialog, added_transmissions: bool) -> bool {
        added_transmissions
            || self.content != before.content
            || self.attachments != before.attachments
            || self.gui_actions != before.gui_actions
            || self.api_actions != before.api_actions
            || self.status != before.status
            || self.extended_status != before.extended_status
    }

    /// A service owner's non-silent update at `now` (api.md §4.6, §4.8): `updatedAt` moves,
    /// `contentUpdatedAt` too when the content changed, and the dialog leaves Bin/Archive, logged
    /// as a `remove` by the service owner without id or name (the real service's
    /// `SystemLabelAdder` and `LabelAssignmentLogActorFactory`).
    pub fn touch_by_service_owner(&mut self, content_changed: bool, now: Timestamp) {
        self.updated_at = now;
        if content_changed {
            self.content_updated_at = now;
        }
        let service_owner = Actor {
            actor_type: ActorType::ServiceOwner,
            actor_name: None,
            actor_id: None,
        };
        if system_labels::restore_default(&mut self.end_user_context, &service_owner, now) {
            self.end_user_context.revision = Uuid::new_v4();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog(labels: &[&str]) -> Dialog {
        crate::test_fixtures::dialog(labels)
    }

    fn person(id: &str) -> Actor {
        Actor {
            actor_type: ActorType::PartyRepresentative,
            actor_name: None,
            actor_id: Some(id.to_owned()),
        }
    }

    fn at(time: &str) -> Timestamp {
        Timestamp::parse(time).expect("time")
    }

    #[test]
    fn an_opening_is_recorded_once_per_update_unless_marked_unopened() {
        let mut d = dialog(&["Default"]);
        let revision = d.revision;
        assert!(d.record_seen(
            person("urn:a"),
            false,
            at("2024-01-04T00:00:00Z"),
            Uuid::from_u128(1)
        ));
        assert!(!d.record_seen(
            person("urn:a"),
            false,
            at("2024-01-05T00:00:00Z"),
            Uuid::from_u128(2)
        ));
        assert!(d.record_seen(
            person("urn:b"),
            true,
            at("2024-01-05T00:00:00Z"),
            Uuid::from_u128(3)
        ));
        assert_eq!(d.seen_log.len(), 2);
        assert!(d.seen_log[1].is_via_service_owner);
        assert_eq!(d.revision, revision, "seeing never moves the revision");

        d.end_user_context
            .system_labels
            .push(SystemLabel::MarkedAsUnopened);
        let context_revision = d.end_user_context.revision;
        assert!(d.record_seen(
            person("urn:a"),
            false,
            at("2024-01-06T00:00:00Z"),
            Uuid::from_u128(4)
        ));
        assert!(
            !d.end_user_context
                .system_labels
                .contains(&SystemLabel::MarkedAsUnopened)
        );
        assert_ne!(d.end_user_context.revision, context_revision);
        assert_eq!(
            d.end_user_context.label_log.len(),
            1,
            "the removal is logged"
        );
    }

    #[test]
    fn only_content_like_changes_count_as_content_changes() {
        let before = dialog(&["Default"]);
        let mut after = before.clone();
        after.progress = Some(50);
        after.due_at = Some(at("2030-01-01T00:00:00Z"));
        assert!(!after.content_changed_since(&before, false));
        assert!(
            after.content_changed_since(&before, true),
            "a new transmission"
        );
        after.extended_status = Some("urn:x".into());
        assert!(after.content_changed_since(&before, false));
    }

    #[test]
    fn a_service_owner_update_moves_times_and_leaves_bin_and_archive() {
        let now = at("2024-02-01T00:00:00Z");
        let mut d = dialog(&["Bin"]);
        d.touch_by_service_owner(false, now);
        assert_eq!(d.updated_at, now);
        assert_eq!(d.content_updated_at, at("2024-01-02T00:00:00Z"));
        assert_eq!(d.end_user_context.system_labels, vec![SystemLabel::Default]);
        let service_owner = &d.end_user_context.label_log[0].performed_by;
        assert_eq!(service_owner.actor_type, ActorType::ServiceOwner);
        assert_eq!(service_owner.actor_id, None);

        let mut d = dialog(&["Default"]);
        let context_revision = d.end_user_context.revision;
        d.touch_by_service_owner(true, now);
        assert_eq!(d.content_updated_at, now);
        assert_eq!(
            d.end_user_context.revision, context_revision,
            "no label change"
        );
    }
}
