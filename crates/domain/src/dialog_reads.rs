//! Computations the read models show but never store (api.md §2.4, §4.7): `isContentSeen`,
//! `isOpened`, the seen-since groupings, the GUI attachment count and the latest activity of a
//! list item. Pure functions of the aggregate, so every front derives them the same way.

use std::collections::BTreeMap;

use crate::Timestamp;
use crate::dialog::{Activity, Dialog, SeenLog, Transmission};
use crate::enums::{ActivityType, AttachmentUrlConsumerType, SystemLabel};

impl Dialog {
    /// `isContentSeen`: seen since the last content update and not marked unopened (api.md §4.7).
    pub fn is_content_seen(&self) -> bool {
        !self
            .end_user_context
            .system_labels
            .contains(&SystemLabel::MarkedAsUnopened)
            && self
                .seen_log
                .iter()
                .any(|s| s.seen_at >= self.content_updated_at)
    }

    /// `isOpened`: a service-owner transmission with a `TransmissionOpened` activity (api.md §4.7).
    pub fn is_opened(&self, transmission: &Transmission) -> bool {
        !transmission.is_from_party()
            && self.activities.iter().any(|a| {
                a.activity_type == ActivityType::TransmissionOpened
                    && a.transmission_id == Some(transmission.id)
            })
    }

    /// `seenSinceLastUpdate` / `seenSinceLastContentUpdate` (api.md §4.7): the latest seen-log
    /// entry per actor at or after `since` (the first of equally late ones), ordered by actor id
    /// (an entry without one counts as the empty id).
    pub fn seen_since(&self, since: Timestamp) -> Vec<&SeenLog> {
        let mut latest: BTreeMap<&str, &SeenLog> = BTreeMap::new();
        for entry in self.seen_log.iter().filter(|s| s.seen_at >= since) {
            let actor = entry.seen_by.actor_id.as_deref().unwrap_or_default();
            match latest.get(actor) {
                Some(existing) if existing.seen_at >= entry.seen_at => {}
                _ => {
                    latest.insert(actor, entry);
                }
            }
        }
        latest.into_values().collect()
    }

    /// `guiAttachmentCount` of a list item: attachments with at least one GUI URL (api.md §2.3).
    pub fn gui_attachment_count(&self) -> usize {
        self.attachments
            .iter()
            .filter(|a| {
                a.urls
                    .iter()
                    .any(|u| u.consumer_type == AttachmentUrlConsumerType::Gui)
            })
            .count()
    }

    /// `latestActivity` of a list item: the activity created last (the later in the list of
    /// equally old ones).
    pub fn latest_activity(&self) -> Option<&Activity> {
        self.activities.iter().max_by_key(|a| a.created_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialog::Actor;
    use crate::enums::ActorType;

    fn dialog() -> Dialog {
        crate::test_fixtures::dialog(&["Default"])
    }

    fn seen(id: u128, at: &str, actor: Option<&str>) -> SeenLog {
        SeenLog {
            id: uuid::Uuid::from_u128(id),
            seen_at: Timestamp::parse(at).expect("time"),
            seen_by: Actor {
                actor_type: ActorType::PartyRepresentative,
                actor_name: None,
                actor_id: actor.map(str::to_owned),
            },
            is_via_service_owner: false,
        }
    }

    #[test]
    fn seen_since_keeps_the_latest_entry_per_actor_in_actor_order() {
        let mut d = dialog();
        d.seen_log = vec![
            seen(1, "2024-01-02T10:00:00Z", Some("urn:b")),
            seen(2, "2024-01-01T10:00:00Z", Some("urn:a")),
            seen(3, "2024-01-04T10:00:00Z", Some("urn:b")),
            seen(4, "2024-01-02T12:00:00Z", Some("urn:a")),
            seen(5, "2024-01-02T12:00:00Z", Some("urn:a")),
        ];
        let ids = |since| {
            d.seen_since(since)
                .iter()
                .map(|s| s.id.as_u128())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(d.content_updated_at), vec![4, 3]);
        assert_eq!(ids(d.updated_at), vec![3]);
        assert!(d.is_content_seen());
        d.end_user_context
            .system_labels
            .push(SystemLabel::MarkedAsUnopened);
        assert!(!d.is_content_seen());
        d.end_user_context.system_labels.pop();
        d.seen_log.retain(|s| s.id.as_u128() == 2);
        assert!(!d.is_content_seen(), "seen before the content changed");
    }
}
