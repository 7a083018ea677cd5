//! The storage contract, as tests any [`Store`] must pass. `sqlite.rs` runs them on
//! SQLite; a PostgreSQL backend runs the same functions.
#![allow(dead_code, clippy::unwrap_used)]

/// Every test of the suite, for a backend's test file to instantiate: `$test!(name, …)`
/// becomes one test per function, each on a fresh store.
#[macro_export]
macro_rules! for_each_conformance_test {
    ($test:ident) => {
        $test! {
            round_trip_and_compare_and_swap,
            uniqueness,
            search,
            bulk_updates_are_all_or_nothing,
            bulk_inserts_are_all_or_nothing,
            registry_round_trip_and_revision,
            search_filters,
            resources_in_use,
            large_batches_are_stored_like_single_inserts,
        }
    };
}

use dp_domain::Timestamp;
use dp_domain::dialog::{
    Actor, Content, ContentValue, Dialog, EndUserContext, Localization, ServiceOwnerContext,
    Transmission, TransmissionContent,
};
use dp_domain::enums::{ActorType, DeletedFilter, DialogStatus, SystemLabel, TransmissionType};
use dp_store::{CursorValue, DialogQuery, Order, OrderKey, Store, WriteError};
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
pub async fn round_trip_and_compare_and_swap(store: &dyn Store) {
    let mut d = dialog("ttd", "first", 0);
    d.transmissions.push(transmission(Uuid::now_v7()));
    store.insert_dialog(d.clone()).await.unwrap();
    let stored = store.get_dialog(d.id).await.unwrap().unwrap();
    assert_eq!(stored.dialog, d);
    d.progress = Some(5);
    store
        .update_dialog(d.clone(), stored.version)
        .await
        .unwrap();
    // The version read before the update is stale now.
    assert!(matches!(
        store.update_dialog(d.clone(), stored.version).await,
        Err(WriteError::Concurrency)
    ));
    let again = store.get_dialog(d.id).await.unwrap().unwrap();
    assert_eq!(again.dialog.progress, Some(5));
    assert!(store.purge_dialog(d.id).await.unwrap());
    assert!(store.get_dialog(d.id).await.unwrap().is_none());
    assert!(!store.purge_dialog(d.id).await.unwrap());
    // Everything beside the row went with it: its child ids are free, so the same dialog
    // can be created again.
    let children = d.child_ids();
    assert!(!children.is_empty(), "the test dialog has child entities");
    for (child, _) in &children {
        assert_eq!(store.dialog_of_child(*child).await.unwrap(), None);
    }
    store.insert_dialog(d.clone()).await.unwrap();
    assert!(store.purge_dialog(d.id).await.unwrap());
}

/// Idempotent keys are unique per org; child ids are unique across dialogs; a failed write
/// leaves nothing behind.
pub async fn uniqueness(store: &dyn Store) {
    let mut a = dialog("ttd", "a", 0);
    a.idempotent_key = Some("key".into());
    store.insert_dialog(a.clone()).await.unwrap();
    let mut b = dialog("ttd", "b", 0);
    b.idempotent_key = Some("key".into());
    match store.insert_dialog(b.clone()).await {
        Err(WriteError::IdempotentKey { key, existing }) => {
            assert_eq!((key.as_str(), existing), ("key", a.id));
        }
        other => panic!("expected an idempotent-key conflict, got {other:?}"),
    }
    assert!(store.get_dialog(b.id).await.unwrap().is_none());
    let mut other_org = dialog("brg", "c", 0);
    other_org.idempotent_key = Some("key".into());
    store.insert_dialog(other_org.clone()).await.unwrap();
    assert_eq!(
        store
            .dialog_by_idempotent_key("ttd".into(), "key".into())
            .await
            .unwrap(),
        Some(a.id)
    );

    let shared = Uuid::now_v7();
    let mut first = dialog("ttd", "t1", 0);
    first.transmissions.push(transmission(shared));
    store.insert_dialog(first.clone()).await.unwrap();
    assert_eq!(store.dialog_of_child(shared).await.unwrap(), Some(first.id));
    let mut second = dialog("ttd", "t2", 0);
    second.transmissions.push(transmission(shared));
    assert!(matches!(
        store.insert_dialog(second.clone()).await,
        Err(WriteError::DuplicateId { .. })
    ));
    assert!(
        store.get_dialog(second.id).await.unwrap().is_none(),
        "nothing half-written"
    );
    assert!(matches!(
        store.insert_dialog(a.clone()).await,
        Err(WriteError::DuplicateId { .. })
    ));
}

/// Filters, ordering, keyset continuation, labels and free text.
pub async fn search(store: &dyn Store) {
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
        store.insert_dialog(d.clone()).await.unwrap();
        all.push(d);
    }
    store
        .insert_dialog(dialog("skd", "not nav", 3))
        .await
        .unwrap();

    // Default order: contentUpdatedAt desc, id desc; deleted excluded; org isolated.
    let found = store.search_dialogs(query("nav")).await.unwrap();
    let expected: Vec<Uuid> = all
        .iter()
        .rev()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| d.id)
        .collect();
    assert_eq!(ids(&found), expected);

    let mut q = query("nav");
    q.deleted = Some(DeletedFilter::Only);
    assert_eq!(
        ids(&store.search_dialogs(q.clone()).await.unwrap()),
        vec![all[4].id]
    );
    let mut q = query("nav");
    q.status = vec![DialogStatus::Completed];
    assert_eq!(store.search_dialogs(q.clone()).await.unwrap().len(), 4);
    let mut q = query("nav");
    q.system_labels = vec![SystemLabel::Bin];
    assert_eq!(
        ids(&store.search_dialogs(q.clone()).await.unwrap()),
        vec![all[5].id]
    );
    let mut q = query("nav");
    q.service_owner_labels = vec!["case:*".into()];
    assert_eq!(
        ids(&store.search_dialogs(q.clone()).await.unwrap()),
        vec![all[5].id]
    );
    let mut q = query("nav");
    q.search = Some("sykepenger".into());
    assert_eq!(
        ids(&store.search_dialogs(q.clone()).await.unwrap()),
        vec![all[5].id]
    );
    let mut q = query("nav");
    q.created_after = Some(all[9].created_at);
    assert_eq!(store.search_dialogs(q.clone()).await.unwrap().len(), 3);

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
        let page = store.search_dialogs(q.clone()).await.unwrap();
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
pub async fn bulk_updates_are_all_or_nothing(store: &dyn Store) {
    let a = dialog("ttd", "a", 0);
    let b = dialog("ttd", "b", 0);
    store.insert_dialog(a.clone()).await.unwrap();
    store.insert_dialog(b.clone()).await.unwrap();
    let va = store.get_dialog(a.id).await.unwrap().unwrap().version;
    let vb = store.get_dialog(b.id).await.unwrap().unwrap().version;
    let mut a2 = a.clone();
    a2.progress = Some(1);
    let mut b2 = b.clone();
    b2.progress = Some(2);
    assert!(matches!(
        store
            .update_dialogs(vec![(a2.clone(), va), (b2.clone(), vb + 7)])
            .await,
        Err(WriteError::Concurrency)
    ));
    assert_eq!(
        store
            .get_dialog(a.id)
            .await
            .unwrap()
            .unwrap()
            .dialog
            .progress,
        None
    );
    store
        .update_dialogs(vec![(a2, va), (b2, vb)])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_dialog(b.id)
            .await
            .unwrap()
            .unwrap()
            .dialog
            .progress,
        Some(2)
    );
}

/// Many dialogs in one transaction: all are written, or none when one of them clashes.
pub async fn bulk_inserts_are_all_or_nothing(store: &dyn Store) {
    let batch: Vec<Dialog> = (0..5).map(|i| dialog("ttd", "bulk", i)).collect();
    store.insert_dialogs(batch.clone()).await.unwrap();
    assert_eq!(store.search_dialogs(query("ttd")).await.unwrap().len(), 5);
    let clash = vec![dialog("ttd", "new", 9), batch[0].clone()];
    assert!(matches!(
        store.insert_dialogs(clash.clone()).await,
        Err(WriteError::DuplicateId { .. })
    ));
    assert!(store.get_dialog(clash[0].id).await.unwrap().is_none());
    assert_eq!(store.search_dialogs(query("ttd")).await.unwrap().len(), 5);
    assert_eq!(store.dialog_count().await.unwrap(), 5);
}

/// The registry round-trips as a document; the revision moves with every change; a document
/// whose references do not resolve is refused and leaves the stored one in place.
pub async fn registry_round_trip_and_revision(store: &dyn Store) {
    assert_eq!(store.load_registry().await.unwrap(), None);
    let before = store.registry_revision().await.unwrap();
    let demo = dp_authz::RegistryDocument::demo();
    store.replace_registry(demo.clone()).await.unwrap();
    assert_eq!(store.load_registry().await.unwrap(), Some(demo.clone()));
    let after = store.registry_revision().await.unwrap();
    assert_ne!(before, after, "a replaced registry has a new revision");

    let mut fewer = demo.clone();
    fewer.roles.pop();
    store.replace_registry(fewer.clone()).await.unwrap();
    assert_eq!(store.load_registry().await.unwrap(), Some(fewer.clone()));
    assert_ne!(store.registry_revision().await.unwrap(), after);

    let revision = store.registry_revision().await.unwrap();
    let mut broken = demo;
    broken.roles[0].to = "urn:altinn:person:identifier-no:00000000000".into();
    assert!(store.replace_registry(broken).await.is_err());
    assert_eq!(store.load_registry().await.unwrap(), Some(fewer));
    assert_eq!(store.registry_revision().await.unwrap(), revision);
    assert!(store.schema_version().await.unwrap() > 0);
}

fn minute(minutes: i64) -> Timestamp {
    Timestamp::from_unix_micros(1_700_000_000_000_000 + minutes * 60_000_000).unwrap()
}

/// Every filter of [`DialogQuery`] not covered by [`search`], each against a dialog that
/// matches and one that does not.
pub async fn search_filters(store: &dyn Store) {
    const PERSON: &str = "urn:altinn:person:identifier-no:08895699684";
    let plain = dialog("ttd", "plain", 0);
    let mut rich = dialog("ttd", "rich", 1);
    rich.service_resource = "urn:altinn:resource:other".into();
    rich.party = PERSON.into();
    rich.extended_status = Some("urn:x:status".into());
    rich.external_reference = Some("ext-42".into());
    rich.process = Some("urn:x:process".into());
    rich.due_at = Some(minute(100));
    rich.visible_from = Some(minute(50));
    rich.expires_at = Some(minute(200));
    rich.updated_at = minute(10);
    rich.content_updated_at = minute(5);
    rich.is_api_only = true;
    rich.seen_log.push(dp_domain::dialog::SeenLog {
        id: Uuid::now_v7(),
        seen_at: minute(6),
        seen_by: Actor {
            actor_type: ActorType::PartyRepresentative,
            actor_name: None,
            actor_id: Some(PERSON.into()),
        },
        is_via_service_owner: false,
    });
    let mut named = dialog("ttd", "named by an instance delegation", 2);
    named.party = "urn:altinn:organization:identifier-no:991825827".into();
    store.insert_dialog(plain.clone()).await.unwrap();
    store.insert_dialog(rich.clone()).await.unwrap();
    store.insert_dialog(named.clone()).await.unwrap();

    let only_rich = [rich.id];
    let cases: Vec<(&str, DialogQuery, Vec<Uuid>)> = vec![
        (
            "service resource",
            DialogQuery {
                service_resources: vec!["URN:ALTINN:RESOURCE:OTHER".into()],
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "party",
            DialogQuery {
                parties: vec![PERSON.into()],
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "extended status",
            DialogQuery {
                extended_status: vec!["urn:x:status".into()],
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "external reference",
            DialogQuery {
                external_reference: Some("ext-42".into()),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "process",
            DialogQuery {
                process: Some("urn:x:process".into()),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "updated after",
            DialogQuery {
                updated_after: Some(minute(9)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "updated before",
            DialogQuery {
                updated_before: Some(minute(1)),
                ..query("ttd")
            },
            vec![plain.id],
        ),
        (
            "content updated after",
            DialogQuery {
                content_updated_after: Some(minute(4)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "content updated before",
            DialogQuery {
                content_updated_before: Some(minute(1)),
                ..query("ttd")
            },
            vec![plain.id],
        ),
        (
            "due after",
            DialogQuery {
                due_after: Some(minute(99)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "due before",
            DialogQuery {
                due_before: Some(minute(101)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "visible after",
            DialogQuery {
                visible_after: Some(minute(49)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "visible before",
            DialogQuery {
                visible_before: Some(minute(51)),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "visible at, before visibleFrom",
            DialogQuery {
                visible_at: Some(minute(40)),
                ..query("ttd")
            },
            vec![named.id, plain.id],
        ),
        (
            "visible at, after expiry",
            DialogQuery {
                visible_at: Some(minute(300)),
                ..query("ttd")
            },
            vec![named.id, plain.id],
        ),
        (
            "visible at, in between",
            DialogQuery {
                visible_at: Some(minute(60)),
                ..query("ttd")
            },
            vec![rich.id, named.id, plain.id],
        ),
        (
            "content seen",
            DialogQuery {
                is_content_seen: Some(true),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "content not seen",
            DialogQuery {
                is_content_seen: Some(false),
                ..query("ttd")
            },
            vec![named.id, plain.id],
        ),
        (
            "api-only excluded",
            DialogQuery {
                exclude_api_only: true,
                ..query("ttd")
            },
            vec![named.id, plain.id],
        ),
        ("other org", query("nav"), vec![]),
        (
            "authorized pairs",
            DialogQuery {
                org: vec![],
                authorized_pairs: Some(vec![(PERSON.into(), "urn:altinn:resource:other".into())]),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
        (
            "authorized pairs, wrong resource",
            DialogQuery {
                org: vec![],
                authorized_pairs: Some(vec![(
                    PERSON.into(),
                    "urn:altinn:resource:ttd-resource".into(),
                )]),
                ..query("ttd")
            },
            vec![],
        ),
        (
            "authorized instance",
            DialogQuery {
                org: vec![],
                authorized_pairs: Some(vec![(PERSON.into(), "urn:altinn:resource:other".into())]),
                authorized_instances: vec![format!("urn:altinn:dialog-id:{}", named.id)],
                ..query("ttd")
            },
            vec![rich.id, named.id],
        ),
        (
            "free text, nothing searchable",
            DialogQuery {
                search: Some("\" ( )".into()),
                ..query("ttd")
            },
            vec![],
        ),
        (
            "free text, OR between words",
            DialogQuery {
                search: Some("rich plain".into()),
                ..query("ttd")
            },
            vec![rich.id, plain.id],
        ),
        (
            "free text, excluded word",
            DialogQuery {
                search: Some("rich -plain".into()),
                ..query("ttd")
            },
            only_rich.to_vec(),
        ),
    ];
    for (name, q, expected) in cases {
        assert_eq!(
            ids(&store.search_dialogs(q).await.unwrap()),
            expected,
            "{name}"
        );
    }

    // Descending keyset pages by dueAt: dialogs without a due date come first (they sort as
    // the largest value), and the pages together are the whole list.
    let order = vec![
        Order {
            key: OrderKey::DueAt,
            descending: true,
        },
        Order {
            key: OrderKey::Id,
            descending: true,
        },
    ];
    let mut seen = Vec::new();
    let mut after: Option<Vec<Option<CursorValue>>> = None;
    loop {
        let q = DialogQuery {
            order: order.clone(),
            after: after.clone(),
            limit: 1,
            ..query("ttd")
        };
        let page = store.search_dialogs(q).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(order.iter().map(|o| o.key.value_of(last)).collect());
        seen.extend(ids(&page));
    }
    assert_eq!(seen, vec![named.id, plain.id, rich.id]);
}

/// Which service resources some dialog uses, overall or on one party; deleted dialogs count.
pub async fn resources_in_use(store: &dyn Store) {
    let mut deleted = dialog("ttd", "deleted", 0);
    deleted.deleted_at = Some(Timestamp::now());
    store.insert_dialog(deleted.clone()).await.unwrap();
    store.insert_dialog(dialog("nav", "live", 1)).await.unwrap();
    let candidates = [
        "urn:altinn:resource:nav-resource".to_owned(),
        "urn:altinn:resource:unused".to_owned(),
        "urn:altinn:resource:TTD-resource".to_owned(),
    ];
    let anywhere: Vec<(Option<String>, String)> =
        candidates.iter().map(|r| (None, r.clone())).collect();
    assert_eq!(
        store.resources_in_use(anywhere).await.unwrap(),
        vec![candidates[0].clone(), candidates[2].clone()]
    );
    let person = Some("urn:altinn:person:identifier-no:08895699684".to_owned());
    let elsewhere: Vec<(Option<String>, String)> = candidates
        .iter()
        .map(|r| (person.clone(), r.clone()))
        .collect();
    assert_eq!(
        store.resources_in_use(elsewhere).await.unwrap(),
        Vec::<String>::new()
    );
    // Both resources on the dialogs' party, the first asked twice: found once each.
    let party = Some(deleted.party.to_uppercase());
    let mut on_party: Vec<(Option<String>, String)> = candidates
        .iter()
        .map(|r| (party.clone(), r.clone()))
        .collect();
    on_party.push((person, candidates[0].clone()));
    assert_eq!(
        store.resources_in_use(on_party).await.unwrap(),
        vec![candidates[0].clone(), candidates[2].clone()]
    );
}

/// A large batch (a backend may load it by another path, PostgreSQL by `COPY`) is stored as
/// single inserts are: read back equal, found by free text (title, search tag, transmission
/// title), labels and child ids; a batch holding one taken id writes nothing.
pub async fn large_batches_are_stored_like_single_inserts(store: &dyn Store) {
    let mut batch = Vec::new();
    for i in 0..120 {
        let mut d = dialog("ttd", &format!("bulk dialog {i}"), i);
        if i % 10 == 0 {
            d.search_tags = vec!["sykepenger".into()];
            d.service_owner_context.service_owner_labels = vec!["Case:1".into(), "case:1".into()];
            d.end_user_context.set_primary(SystemLabel::Archive);
            d.transmissions.push(transmission(Uuid::now_v7()));
        }
        batch.push(d);
    }
    store.insert_dialogs(batch.clone()).await.unwrap();
    assert_eq!(store.dialog_count().await.unwrap(), 120);
    for d in [&batch[0], &batch[77]] {
        let stored = store.get_dialog(d.id).await.unwrap().unwrap();
        assert_eq!((&stored.dialog, stored.version), (d, 1));
    }
    let tagged: std::collections::BTreeSet<Uuid> = batch.iter().step_by(10).map(|d| d.id).collect();
    let found = |q: DialogQuery| async move {
        store
            .search_dialogs(q)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let mut q = query("ttd");
    q.search = Some("sykepenger".into());
    assert_eq!(found(q).await, tagged);
    let mut q = query("ttd");
    q.search = Some("77".into());
    assert_eq!(found(q).await, [batch[77].id].into());
    let mut q = query("ttd");
    q.service_owner_labels = vec!["case:*".into()];
    assert_eq!(found(q).await, tagged);
    let mut q = query("ttd");
    q.system_labels = vec![SystemLabel::Archive];
    assert_eq!(found(q).await, tagged);
    let child = batch[10].transmissions[0].id;
    assert_eq!(
        store.dialog_of_child(child).await.unwrap(),
        Some(batch[10].id)
    );

    let mut again: Vec<Dialog> = (0..60).map(|i| dialog("ttd", "again", 200 + i)).collect();
    again[30].transmissions.push(transmission(child));
    match store.insert_dialogs(again.clone()).await {
        Err(WriteError::DuplicateId { id, .. }) => assert_eq!(id, child),
        other => panic!("expected a duplicate id, got {other:?}"),
    }
    assert_eq!(
        store.dialog_count().await.unwrap(),
        120,
        "nothing half-written"
    );
    assert!(store.get_dialog(again[0].id).await.unwrap().is_none());
}
