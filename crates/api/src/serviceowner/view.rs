//! The service-owner views of a stored dialog, shaped as the contract's
//! `V1ServiceOwnerDialogsQueries*` schemas: the aggregate itself minus what is never exposed
//! (`frozen`, the raw seen and label logs), plus the computed fields (api.md §3.1, §4.7, §4.8).

use std::collections::BTreeMap;

use dp_domain::dialog::{Dialog, SeenLog, Transmission};
use dp_domain::enums::{ActivityType, SystemLabel};
use serde_json::{Map, Value, json};

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn values(list: &[String]) -> Value {
    Value::Array(list.iter().map(|v| json!({ "value": v })).collect())
}

/// `isContentSeen`: seen since the last content update and not marked unopened (api.md §4.7).
pub fn is_content_seen(dialog: &Dialog) -> bool {
    !dialog
        .end_user_context
        .system_labels
        .contains(&SystemLabel::MarkedAsUnopened)
        && dialog
            .seen_log
            .iter()
            .any(|s| s.seen_at >= dialog.content_updated_at)
}

/// The latest seen-log entry per actor at or after `since`.
fn seen_since(dialog: &Dialog, since: dp_domain::Timestamp, current: Option<&str>) -> Value {
    let mut latest: BTreeMap<String, &SeenLog> = BTreeMap::new();
    for entry in dialog.seen_log.iter().filter(|s| s.seen_at >= since) {
        let actor = entry.seen_by.actor_id.clone().unwrap_or_default();
        match latest.get(&actor) {
            Some(existing) if existing.seen_at >= entry.seen_at => {}
            _ => {
                latest.insert(actor, entry);
            }
        }
    }
    Value::Array(
        latest
            .values()
            .map(|entry| {
                let mut item = to_value(*entry);
                item["isCurrentEndUser"] = Value::Bool(
                    current.is_some_and(|c| entry.seen_by.actor_id.as_deref() == Some(c)),
                );
                item
            })
            .collect(),
    )
}

/// `isOpened`: a service-owner transmission with a `TransmissionOpened` activity (api.md §4.7).
pub fn is_opened(dialog: &Dialog, transmission: &Transmission) -> bool {
    !transmission.is_from_party()
        && dialog.activities.iter().any(|a| {
            a.activity_type == ActivityType::TransmissionOpened
                && a.transmission_id == Some(transmission.id)
        })
}

pub fn transmission(dialog: &Dialog, transmission: &Transmission, with_opened: bool) -> Value {
    let mut value = to_value(transmission);
    if with_opened {
        value["isOpened"] = Value::Bool(is_opened(dialog, transmission));
    }
    value
}

fn end_user_context(dialog: &Dialog) -> Value {
    json!({
        "revision": dialog.end_user_context.revision,
        "systemLabels": dialog.end_user_context.system_labels,
    })
}

fn service_owner_context(dialog: &Dialog) -> Value {
    json!({
        "revision": dialog.service_owner_context.revision,
        "serviceOwnerLabels": service_owner_labels(dialog),
    })
}

/// Service-owner labels in order of value, as the real service returns them (its queries
/// order the labels by `Value`).
pub fn service_owner_labels(dialog: &Dialog) -> Value {
    let mut labels: Vec<String> = dialog.service_owner_context.service_owner_labels.clone();
    labels.sort();
    values(&labels)
}

/// Fields every dialog view shares.
fn common(dialog: &Dialog, current_end_user: Option<&str>) -> Map<String, Value> {
    let mut map = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            map.insert(key.to_owned(), value);
        }
    };
    put("id", to_value(&dialog.id));
    put("revision", to_value(&dialog.revision));
    put("org", to_value(&dialog.org));
    put("serviceResource", to_value(&dialog.service_resource));
    put(
        "serviceResourceType",
        // Lower case as the real service returns it, also for dialogs stored before.
        Value::String(dialog.service_resource_type.to_lowercase()),
    );
    put("party", to_value(&dialog.party));
    put("progress", to_value(&dialog.progress));
    put("process", to_value(&dialog.process));
    put("precedingProcess", to_value(&dialog.preceding_process));
    put("extendedStatus", to_value(&dialog.extended_status));
    put("externalReference", to_value(&dialog.external_reference));
    put("visibleFrom", to_value(&dialog.visible_from));
    put("dueAt", to_value(&dialog.due_at));
    put("expiresAt", to_value(&dialog.expires_at));
    put("createdAt", to_value(&dialog.created_at));
    put("updatedAt", to_value(&dialog.updated_at));
    put("contentUpdatedAt", to_value(&dialog.content_updated_at));
    put("deletedAt", to_value(&dialog.deleted_at));
    put("status", to_value(&dialog.status));
    put("isApiOnly", Value::Bool(dialog.is_api_only));
    put(
        "hasUnopenedContent",
        Value::Bool(dialog.has_unopened_content),
    );
    put("isContentSeen", Value::Bool(is_content_seen(dialog)));
    put(
        "fromServiceOwnerTransmissionsCount",
        json!(dialog.from_service_owner_transmissions()),
    );
    put(
        "fromPartyTransmissionsCount",
        json!(dialog.from_party_transmissions()),
    );
    put(
        "systemLabel",
        to_value(&dialog.end_user_context.primary_label()),
    );
    put(
        "seenSinceLastUpdate",
        seen_since(dialog, dialog.updated_at, current_end_user),
    );
    put(
        "seenSinceLastContentUpdate",
        seen_since(dialog, dialog.content_updated_at, current_end_user),
    );
    put("endUserContext", end_user_context(dialog));
    put("serviceOwnerContext", service_owner_context(dialog));
    map
}

/// `V1ServiceOwnerDialogsQueriesGet_Dialog`. `current_end_user` is the `endUserId` of the
/// request, if any, for `isCurrentEndUser`.
pub fn dialog(dialog: &Dialog, current_end_user: Option<&str>) -> Value {
    let mut map = common(dialog, current_end_user);
    if let Some(key) = &dialog.idempotent_key {
        map.insert("idempotentKey".into(), Value::String(key.clone()));
    }
    map.insert("content".into(), to_value(&dialog.content));
    map.insert("searchTags".into(), values(&dialog.search_tags));
    map.insert("attachments".into(), to_value(&dialog.attachments));
    map.insert("guiActions".into(), to_value(&dialog.gui_actions));
    map.insert("apiActions".into(), to_value(&dialog.api_actions));
    map.insert(
        "transmissions".into(),
        Value::Array(
            dialog
                .transmissions
                .iter()
                .map(|t| transmission(dialog, t, true))
                .collect(),
        ),
    );
    map.insert("activities".into(), to_value(&dialog.activities));
    Value::Object(map)
}

/// `V1ServiceOwnerDialogsQueriesSearch_Dialog`: list fields, the latest activity and only the
/// content a list shows (api.md §2.3).
pub fn search_item(dialog: &Dialog, current_end_user: Option<&str>) -> Value {
    let mut map = common(dialog, current_end_user);
    let c = &dialog.content;
    let mut content = Map::new();
    for (key, value) in [
        ("title", &c.title),
        ("summary", &c.summary),
        ("nonSensitiveTitle", &c.non_sensitive_title),
        ("nonSensitiveSummary", &c.non_sensitive_summary),
        ("senderName", &c.sender_name),
        ("extendedStatus", &c.extended_status),
    ] {
        if let Some(value) = value {
            content.insert(key.to_owned(), to_value(value));
        }
    }
    map.insert("content".into(), Value::Object(content));
    map.insert(
        "guiAttachmentCount".into(),
        json!(
            dialog
                .attachments
                .iter()
                .filter(|a| a
                    .urls
                    .iter()
                    .any(|u| u.consumer_type == dp_domain::enums::AttachmentUrlConsumerType::Gui))
                .count()
        ),
    );
    if let Some(latest) = dialog.activities.iter().max_by_key(|a| a.created_at) {
        map.insert("latestActivity".into(), to_value(latest));
    }
    map.remove("expiresAt");
    Value::Object(map)
}

/// `V1ServiceOwnerDialogsQueriesSearchActivities_Activity`: no actor, no description.
pub fn activity_list_item(activity: &dp_domain::dialog::Activity) -> Value {
    let mut value = to_value(activity);
    if let Some(map) = value.as_object_mut() {
        map.remove("performedBy");
        map.remove("description");
    }
    value
}

pub fn seen_log(entry: &SeenLog) -> Value {
    to_value(entry)
}

/// `isAuthorized` on GUI/API actions, transmissions and the main content reference for the end user a service owner reads
/// on behalf of (api.md §6); URLs stay as they are.
pub fn flag_authorized(
    body: &mut Value,
    dialog: &Dialog,
    access: &dp_authz::dialog_access::DetailsAuthorization,
) {
    for key in ["guiActions", "apiActions"] {
        for action in body[key].as_array_mut().into_iter().flatten() {
            let authorized = access.has_access_to_action(
                action["action"].as_str().unwrap_or_default(),
                action["authorizationAttribute"].as_str(),
            );
            action["isAuthorized"] = Value::Bool(authorized);
        }
    }
    // `IsAuthorized is evaluated only when you use the EndUserId query-parameter` (contract).
    if let Some(reference) = body
        .get_mut("content")
        .and_then(|c| c.get_mut("mainContentReference"))
        .filter(|r| r.is_object())
    {
        reference["isAuthorized"] = Value::Bool(access.read_main());
    }
    for (value, transmission) in body["transmissions"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .zip(&dialog.transmissions)
    {
        value["isAuthorized"] = Value::Bool(
            access.transmission_authorized(transmission.authorization_attribute.as_deref()),
        );
    }
}
