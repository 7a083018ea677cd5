//! The read models against the JSON the `serde_json::Value` views wrote before them
//! (`fixtures/expected.json`, written by those views from `fixtures/dialog.json`), and the
//! presentation passes on their own.

use std::borrow::Cow;

use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use serde_json::{Value, json};

use super::common::{Activity, Actor, Localization, SeenLog};
use super::presentation::{
    EXPIRED_URL, UNAUTHORIZED_URL, hide_attachment_urls, mask, mask_person_ids, prune_localizations,
};
use super::{enduser, serviceowner};

const P1: &str = "urn:altinn:person:identifier-no:08844397713";
const P2: &str = "urn:altinn:person:identifier-no:08895699684";

fn fixture() -> Dialog {
    serde_json::from_str(include_str!("fixtures/dialog.json")).expect("the fixture dialog")
}

fn expected(name: &str) -> Value {
    let all: Value =
        serde_json::from_str(include_str!("fixtures/expected.json")).expect("the expectations");
    all[name].clone()
}

/// The JSON of `model`, masked ids written as in the fixture (the salt is per process).
fn json_of(model: &impl serde::Serialize) -> String {
    serde_json::to_string(model)
        .expect("serializable")
        .replace(&mask(P1), "MASKED:08844397713")
        .replace(&mask(P2), "MASKED:08895699684")
}

fn value_of(model: &impl serde::Serialize) -> Value {
    serde_json::from_str(&json_of(model)).expect("json")
}

fn access(pairs: &[(&str, &str)]) -> DetailsAuthorization {
    DetailsAuthorization {
        permitted: pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect(),
    }
}

fn languages() -> Vec<String> {
    ["nn", "en", "nb"].map(str::to_owned).to_vec()
}

/// Same keys in the same order, same values: byte for byte.
fn assert_same_text(model: &impl serde::Serialize, name: &str) {
    assert_eq!(json_of(model), expected(name).to_string(), "{name}");
}

/// Same keys and values; the old views' `Map::remove` moved keys about, so order may differ.
fn assert_same_value(model: &impl serde::Serialize, name: &str) {
    assert_eq!(value_of(model), expected(name), "{name}");
}

#[test]
fn service_owner_models_write_the_json_of_the_value_views() {
    let d = fixture();
    assert_same_text(&serviceowner::dialog(&d, None), "so_dialog");
    let mut for_end_user = serviceowner::dialog(&d, Some(P1));
    for_end_user.flag_authorized(&access(&[("read", "main"), ("submit", "main")]));
    assert_same_text(&for_end_user, "so_dialog_for_end_user");
    assert_same_value(&serviceowner::search_item(&d, Some(P1)), "so_search_item");
    let transmissions: Vec<_> = d
        .transmissions
        .iter()
        .map(|t| serviceowner::transmission(&d, t, false))
        .collect();
    assert_same_text(&transmissions, "so_transmissions");
    let activities: Vec<_> = d
        .activities
        .iter()
        .map(serviceowner::ActivityListItem::from)
        .collect();
    assert_same_value(&activities, "so_activities");
    assert_same_text(&Activity::from(&d.activities[2]), "so_activity");
    let seen: Vec<_> = d
        .seen_log
        .iter()
        .map(serviceowner::SeenLogItem::from)
        .collect();
    assert_same_text(&seen, "so_seen_log");
    assert_same_text(&serviceowner::service_owner_labels(&d), "so_labels");
}

#[test]
fn end_user_models_write_the_json_of_the_value_views() {
    let d = fixture();
    let ok = access(&[("read", "main"), ("submit", "main")]);
    let langs = languages();
    assert_same_value(&enduser::dialog(&d, P1, &ok, &langs), "eu_dialog");
    assert_same_value(
        &enduser::dialog(&d, P2, &access(&[]), &[]),
        "eu_dialog_unauthorized",
    );
    assert_same_value(
        &enduser::search_item(&d, P1, false, &langs),
        "eu_search_item",
    );
    assert_same_value(
        &enduser::search_item(&d, P2, true, &[]),
        "eu_search_item_below_level",
    );
    let now = Timestamp::now();
    let mut transmissions: Vec<_> = d
        .transmissions
        .iter()
        .map(|t| enduser::transmission(&d, t, &ok, now, false))
        .collect();
    enduser::finish(&mut transmissions, &langs);
    assert_same_value(&transmissions, "eu_transmissions");
    let mut activities: Vec<_> = d
        .activities
        .iter()
        .map(enduser::ActivityListItem::from)
        .collect();
    enduser::finish(&mut activities, &langs);
    assert_same_value(&activities, "eu_activities");
    let mut activity = Activity::from(&d.activities[1]);
    enduser::finish(&mut activity, &langs);
    assert_same_text(&activity, "eu_activity");
    let mut seen: Vec<_> = d
        .seen_log
        .iter()
        .map(|s| SeenLog::new(s, Some(P1)))
        .collect();
    enduser::finish(&mut seen, &[]);
    assert_same_text(&seen, "eu_seen_log");
    let mut log: Vec<super::common::LabelAssignment<'_>> = d
        .end_user_context
        .label_log
        .iter()
        .map(Into::into)
        .collect();
    enduser::finish(&mut log, &[]);
    assert_same_text(&log, "eu_label_log");
}

#[test]
fn end_user_models_have_no_service_owner_fields() {
    let d = fixture();
    let view = value_of(&enduser::dialog(&d, P1, &access(&[]), &[]));
    for key in [
        "searchTags",
        "serviceOwnerContext",
        "visibleFrom",
        "deletedAt",
        "idempotentKey",
    ] {
        assert!(view.get(key).is_none(), "{key}");
    }
    assert!(view["content"].get("nonSensitiveTitle").is_none());
    assert!(view["transmissions"][0].get("idempotentKey").is_none());
}

#[test]
fn a_full_dialog_round_trips_through_its_json() {
    // The service-owner view of a dialog, read back, is the same view.
    let d = fixture();
    let text = serde_json::to_string(&serviceowner::dialog(&d, None)).expect("json");
    let back: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(back["id"], json!(d.id));
    assert_eq!(back["serviceResourceType"], "genericaccessresource");
    assert_eq!(
        back["serviceOwnerContext"]["serviceOwnerLabels"],
        json!([{ "value": "alpha" },
               { "value": "urn:altinn:instance-id:50000000/01913cd5-784f-7d3b-abef-4c77b1f0972d" },
               { "value": "zeta" }])
    );
    assert_eq!(back["activities"][0]["description"], Value::Null);
    assert_eq!(back["transmissions"][0]["isOpened"], true);
    assert_eq!(back["transmissions"][2]["isOpened"], false);
    assert_eq!(serde_json::to_string(&back).expect("json"), text);
}

#[test]
fn pruning_keeps_the_first_preferred_language_and_leaves_other_lists_whole() {
    let list = || {
        vec![
            Localization::new("nb", "Hei"),
            Localization::new("en", "Hello"),
            Localization::new("nn", "Hei då"),
        ]
    };
    let pruned = |order: &[&str]| {
        let mut activity = Activity {
            id: uuid::Uuid::nil(),
            created_at: Timestamp::now(),
            extended_type: None,
            activity_type: dp_domain::enums::ActivityType::Information,
            transmission_id: None,
            performed_by: Actor {
                actor_type: dp_domain::enums::ActorType::ServiceOwner,
                actor_name: None,
                actor_id: None,
            },
            description: Some(list()),
        };
        let order: Vec<String> = order.iter().map(|s| (*s).to_owned()).collect();
        prune_localizations(&mut activity, &order);
        activity.description.expect("kept")
    };
    assert_eq!(
        pruned(&["nn", "en", "nb"]),
        vec![Localization::new("nn", "Hei då")]
    );
    assert_eq!(
        pruned(&["de", "en", "nb"]),
        vec![Localization::new("en", "Hello")]
    );
    assert_eq!(pruned(&["sv"]), list(), "none preferred: whole");
    assert_eq!(pruned(&[]), list(), "no Accept-Language: whole");
}

#[test]
fn person_ids_are_masked_and_organizations_are_not() {
    let actor = |id: &str| Actor {
        actor_type: dp_domain::enums::ActorType::PartyRepresentative,
        actor_name: None,
        actor_id: Some(Cow::Owned(id.to_owned())),
    };
    let mut actors = vec![
        super::common::LabelAssignment {
            created_at: Timestamp::now(),
            name: "systemlabel:Bin",
            action: "set",
            performed_by: actor(P1),
        },
        super::common::LabelAssignment {
            created_at: Timestamp::now(),
            name: "systemlabel:Bin",
            action: "set",
            performed_by: actor("urn:altinn:organization:identifier-no:310923044"),
        },
    ];
    mask_person_ids(&mut actors);
    let masked = actors[0].performed_by.actor_id.as_deref().expect("masked");
    assert!(masked.starts_with("urn:altinn:person:identifier-ephemeral:"));
    assert_eq!(
        masked.len(),
        "urn:altinn:person:identifier-ephemeral:".len() + 10
    );
    assert_eq!(masked, mask(P1), "stable within a run");
    assert_eq!(
        actors[1].performed_by.actor_id.as_deref(),
        Some("urn:altinn:organization:identifier-no:310923044")
    );
}

#[test]
fn urls_are_replaced_when_unauthorized_or_expired() {
    let d = fixture();
    let now = Timestamp::now();
    let mut attachments: Vec<_> = d
        .attachments
        .iter()
        .map(super::common::Attachment::from)
        .collect();
    hide_attachment_urls(&mut attachments, true, now);
    assert_eq!(attachments[0].urls[0].url, "https://example.com/a.pdf");
    assert!(attachments[1].urls.iter().all(|u| u.url == EXPIRED_URL));
    hide_attachment_urls(&mut attachments, false, now);
    assert!(
        attachments
            .iter()
            .flat_map(|a| &a.urls)
            .all(|u| u.url == UNAUTHORIZED_URL)
    );

    // Transmission 2 needs `urn:altinn:subresource:secret`; the reader has main only.
    let main_only = access(&[("read", "main")]);
    let view = enduser::transmission(&d, &d.transmissions[1], &main_only, now, false);
    assert!(!view.is_authorized);
    assert_eq!(view.navigational_actions[0].url, UNAUTHORIZED_URL);
    let reference = view.content.content_reference.expect("a reference");
    assert!(reference.value.iter().all(|l| l.value == UNAUTHORIZED_URL));
    let open = enduser::transmission(&d, &d.transmissions[0], &main_only, now, true);
    assert!(open.is_authorized);
    assert_eq!(open.is_opened, Some(true));
    assert_eq!(open.navigational_actions[0].url, "https://example.com/go");
    assert_eq!(open.navigational_actions[1].url, EXPIRED_URL);
    assert_eq!(open.attachments[1].urls[0].url, EXPIRED_URL);

    // The dialog: unauthorized actions and the main content reference hidden.
    let view = enduser::dialog(&d, P1, &main_only, &[]);
    assert_eq!(view.gui_actions[0].url, "https://example.com/open");
    assert_eq!(view.gui_actions[1].url, UNAUTHORIZED_URL);
    assert_eq!(view.api_actions[0].endpoints[0].url, UNAUTHORIZED_URL);
    let main = view.content.main_content_reference.expect("main");
    assert_eq!(main.is_authorized, Some(true));
    let hidden = enduser::dialog(&d, P1, &access(&[]), &[]);
    let main = hidden.content.main_content_reference.expect("main");
    assert_eq!(main.is_authorized, Some(false));
    assert!(main.value.iter().all(|l| l.value == UNAUTHORIZED_URL));
}
