//! The storage contract, as tests any [`DialogStore`] must pass. `sqlite.rs` runs them on
//! SQLite; a PostgreSQL backend runs the same functions.
#![allow(dead_code, clippy::unwrap_used)]

use dp_domain::Timestamp;
use dp_domain::dialog::{
    Actor, Content, ContentValue, Dialog, EndUserContext, Localization, ServiceOwnerContext,
    Transmission, TransmissionContent,
};
use dp_domain::enums::{ActorType, DeletedFilter, DialogStatus, SystemLabel, TransmissionType};
use dp_store::dialogs::{CursorValue, Order, OrderKey};
use dp_store::{DialogQuery, DialogStore, WriteError};
use uuid::Uuid;

fn text(value: &str) -> ContentValue {
    ContentValue {
        value: vec![Localization {
            language_code: "nb".into(),
            value: value.into(),
        }],
        media_type: "text/plain".into(),
    }
}

/// A dialog of `org` created `minutes` after a fixed time.
pub fn dialog(org: &str, title: &str, minutes: i64) -> Dialog {
    let at = Timestamp::from_unix_micros(1_700_000_000_000_000 + minutes * 60_000_000).unwrap();
    Dialog {
        id: Uuid::now_v7(),
        revision: Uuid::new_v4(),
        org: org.into(),
        service_resource: format!("urn:altinn:resource:{org}-resource"),
        service_resource_type: "genericaccessresource".into(),
        party: "urn:altinn:organization:identifier-no:310923044".into(),
        idempotent_key: None,
        progress: None,
        extended_status: None,
        external_reference: None,
        visible_from: None,
        due_at: None,
        expires_at: None,
        created_at: at,
        updated_at: at,
        content_updated_at: at,
        deleted_at: None,
        frozen: false,
        process: None,
        preceding_process: None,
        is_api_only: false,
        status: DialogStatus::NotApplicable,
        has_unopened_content: false,
        content: Content {
            title: Some(text(title)),
            ..Content::default()
        },
        search_tags: Vec::new(),
        attachments: Vec::new(),
        gui_actions: Vec::new(),
        api_actions: Vec::new(),
        transmissions: Vec::new(),
        activities: Vec::new(),
        seen_log: Vec::new(),
        end_user_context: EndUserContext {
            revision: Uuid::new_v4(),
            system_labels: vec![SystemLabel::Default],
            label_log: Vec::new(),
        },
        service_owner_context: ServiceOwnerContext {
            revision: Uuid::new_v4(),
            service_owner_labels: Vec::new(),
        },
    }
}

fn transmission(id: Uuid) -> Transmission {
    Transmission {
        id,
        idempotent_key: None,
        created_at: Timestamp::now(),
        authorization_attribute: None,
        extended_type: None,
        external_reference: None,
        related_transmission_id: None,
        transmission_type: TransmissionType::Information,
        sender: Actor {
            actor_type: ActorType::ServiceOwner,
            actor_name: None,
            actor_id: None,
        },
        content: TransmissionContent {
            title: Some(text("t")),
            ..TransmissionContent::default()
        },
        attachments: Vec::new(),
        navigational_actions: Vec::new(),
    }
}

fn ids(dialogs: &[Dialog]) -> Vec<Uuid> {
    dialogs.iter().map(|d| d.id).collect()
}

fn query(org: &str) -> DialogQuery {
    DialogQuery {
        org: vec![org.into()],
        limit: 1000,
        ..DialogQuery::default()
    }
}

/// Insert, read back, update with compare-and-swap, purge.
pub fn round_trip_and_compare_and_swap(store: &dyn DialogStore) {
    let mut d = dialog("ttd", "first", 0);
    store.insert_dialog(&d).unwrap();
    let stored = store.get_dialog(d.id).unwrap().unwrap();
    assert_eq!(stored.dialog, d);
    d.progress = Some(5);
    store.update_dialog(&d, stored.version).unwrap();
    // The version read before the update is stale now.
    assert!(matches!(
        store.update_dialog(&d, stored.version),
        Err(WriteError::Concurrency)
    ));
    let again = store.get_dialog(d.id).unwrap().unwrap();
    assert_eq!(again.dialog.progress, Some(5));
    assert!(store.purge_dialog(d.id).unwrap());
    assert!(store.get_dialog(d.id).unwrap().is_none());
    assert!(!store.purge_dialog(d.id).unwrap());
}

/// Idempotent keys are unique per org; child ids are unique across dialogs; a failed write
/// leaves nothing behind.
pub fn uniqueness(store: &dyn DialogStore) {
    let mut a = dialog("ttd", "a", 0);
    a.idempotent_key = Some("key".into());
    store.insert_dialog(&a).unwrap();
    let mut b = dialog("ttd", "b", 0);
    b.idempotent_key = Some("key".into());
    match store.insert_dialog(&b) {
        Err(WriteError::IdempotentKey { key, existing }) => {
            assert_eq!((key.as_str(), existing), ("key", a.id));
        }
        other => panic!("expected an idempotent-key conflict, got {other:?}"),
    }
    assert!(store.get_dialog(b.id).unwrap().is_none());
    let mut other_org = dialog("brg", "c", 0);
    other_org.idempotent_key = Some("key".into());
    store.insert_dialog(&other_org).unwrap();
    assert_eq!(
        store.dialog_by_idempotent_key("ttd", "key").unwrap(),
        Some(a.id)
    );

    let shared = Uuid::now_v7();
    let mut first = dialog("ttd", "t1", 0);
    first.transmissions.push(transmission(shared));
    store.insert_dialog(&first).unwrap();
    assert_eq!(store.dialog_of_child(shared).unwrap(), Some(first.id));
    let mut second = dialog("ttd", "t2", 0);
    second.transmissions.push(transmission(shared));
    assert!(matches!(
        store.insert_dialog(&second),
        Err(WriteError::DuplicateId { .. })
    ));
    assert!(
        store.get_dialog(second.id).unwrap().is_none(),
        "nothing half-written"
    );
    assert!(matches!(
        store.insert_dialog(&a),
        Err(WriteError::DuplicateId { .. })
    ));
}

/// Filters, ordering, keyset continuation, labels and free text.
pub fn search(store: &dyn DialogStore) {
    let mut all = Vec::new();
    for i in 0..12 {
        let mut d = dialog("nav", &format!("dialog number {i}"), i);
        if i % 3 == 0 {
            d.status = DialogStatus::Completed;
        }
        if i == 4 {
            d.deleted_at = Some(Timestamp::now());
        }
        if i == 5 {
            d.search_tags = vec!["sykepenger".into()];
            d.service_owner_context.service_owner_labels = vec!["case:123".into()];
            d.end_user_context.set_primary(SystemLabel::Bin);
        }
        store.insert_dialog(&d).unwrap();
        all.push(d);
    }
    store.insert_dialog(&dialog("skd", "not nav", 3)).unwrap();

    // Default order: contentUpdatedAt desc, id desc; deleted excluded; org isolated.
    let found = store.search_dialogs(&query("nav")).unwrap();
    let expected: Vec<Uuid> = all
        .iter()
        .rev()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| d.id)
        .collect();
    assert_eq!(ids(&found), expected);

    let mut q = query("nav");
    q.deleted = Some(DeletedFilter::Only);
    assert_eq!(ids(&store.search_dialogs(&q).unwrap()), vec![all[4].id]);
    let mut q = query("nav");
    q.status = vec![DialogStatus::Completed];
    assert_eq!(store.search_dialogs(&q).unwrap().len(), 4);
    let mut q = query("nav");
    q.system_labels = vec![SystemLabel::Bin];
    assert_eq!(ids(&store.search_dialogs(&q).unwrap()), vec![all[5].id]);
    let mut q = query("nav");
    q.service_owner_labels = vec!["case:*".into()];
    assert_eq!(ids(&store.search_dialogs(&q).unwrap()), vec![all[5].id]);
    let mut q = query("nav");
    q.search = Some("sykepenger".into());
    assert_eq!(ids(&store.search_dialogs(&q).unwrap()), vec![all[5].id]);
    let mut q = query("nav");
    q.created_after = Some(all[9].created_at);
    assert_eq!(store.search_dialogs(&q).unwrap().len(), 3);

    // Keyset pages, ascending by createdAt: no gaps, no repeats.
    let order = vec![
        Order {
            key: OrderKey::CreatedAt,
            descending: false,
        },
        Order {
            key: OrderKey::Id,
            descending: false,
        },
    ];
    let mut seen = Vec::new();
    let mut after: Option<Vec<Option<CursorValue>>> = None;
    loop {
        let mut q = query("nav");
        q.order = order.clone();
        q.after = after.clone();
        q.limit = 5;
        let page = store.search_dialogs(&q).unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(order.iter().map(|o| o.key.value_of(last)).collect());
        seen.extend(ids(&page));
    }
    let expected: Vec<Uuid> = all
        .iter()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| d.id)
        .collect();
    assert_eq!(seen, expected);
}

/// Several dialogs change in one transaction, or none does.
pub fn bulk_updates_are_all_or_nothing(store: &dyn DialogStore) {
    let a = dialog("ttd", "a", 0);
    let b = dialog("ttd", "b", 0);
    store.insert_dialog(&a).unwrap();
    store.insert_dialog(&b).unwrap();
    let va = store.get_dialog(a.id).unwrap().unwrap().version;
    let vb = store.get_dialog(b.id).unwrap().unwrap().version;
    let mut a2 = a.clone();
    a2.progress = Some(1);
    let mut b2 = b.clone();
    b2.progress = Some(2);
    assert!(matches!(
        store.update_dialogs(&[(a2.clone(), va), (b2.clone(), vb + 7)]),
        Err(WriteError::Concurrency)
    ));
    assert_eq!(
        store.get_dialog(a.id).unwrap().unwrap().dialog.progress,
        None
    );
    store.update_dialogs(&[(a2, va), (b2, vb)]).unwrap();
    assert_eq!(
        store.get_dialog(b.id).unwrap().unwrap().dialog.progress,
        Some(2)
    );
}
