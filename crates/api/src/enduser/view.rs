//! The end-user views of a dialog (`V1EndUserDialogsQueries*`): the service-owner view minus
//! what end users never see, decorated with authorization (api.md §6), then localizations
//! pruned and other people's identifiers masked.

use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use serde_json::{Map, Value};

use super::presentation::{EXPIRED_URL, UNAUTHORIZED_URL, mask_person_ids, prune_localizations};
use crate::serviceowner::view as so_view;

/// Fields of the service-owner view end users never get (api.md §6).
const SERVICE_OWNER_ONLY: &[&str] = &[
    "searchTags",
    "serviceOwnerContext",
    "visibleFrom",
    "deletedAt",
    "idempotentKey",
];

fn expired(value: &Value, now: Timestamp) -> bool {
    value
        .get("expiresAt")
        .and_then(Value::as_str)
        .and_then(|t| Timestamp::parse(t).ok())
        .is_some_and(|t| t < now)
}

/// Attachment URLs of expired attachments become `urn:dialogporten:expired`; with
/// `authorized == false` every URL becomes `urn:dialogporten:unauthorized`.
fn decorate_attachments(attachments: Option<&mut Value>, authorized: bool, now: Timestamp) {
    for attachment in attachments
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let replacement = if !authorized {
            Some(UNAUTHORIZED_URL)
        } else if expired(attachment, now) {
            Some(EXPIRED_URL)
        } else {
            None
        };
        if let Some(replacement) = replacement {
            for url in attachment["urls"].as_array_mut().into_iter().flatten() {
                url["url"] = Value::String(replacement.to_owned());
            }
        }
    }
}

fn hide_content_reference(content: Option<&mut Value>) {
    if let Some(values) = content
        .and_then(|c| c.get_mut("value"))
        .and_then(Value::as_array_mut)
    {
        for localization in values {
            localization["value"] = Value::String(UNAUTHORIZED_URL.to_owned());
        }
    }
}

/// A transmission as end users see it: `isAuthorized`, and URLs they may not follow replaced.
pub fn transmission(
    mut value: Value,
    attribute: Option<&str>,
    access: &DetailsAuthorization,
    now: Timestamp,
) -> Value {
    let authorized = access.transmission_authorized(attribute);
    value["isAuthorized"] = Value::Bool(authorized);
    if let Some(map) = value.as_object_mut() {
        map.remove("idempotentKey");
    }
    decorate_attachments(value.get_mut("attachments"), authorized, now);
    for action in value["navigationalActions"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if !authorized {
            action["url"] = Value::String(UNAUTHORIZED_URL.to_owned());
        } else if expired(action, now) {
            action["url"] = Value::String(EXPIRED_URL.to_owned());
        }
    }
    if !authorized {
        hide_content_reference(
            value
                .get_mut("content")
                .and_then(|c| c.get_mut("contentReference")),
        );
    }
    value
}

/// `V1EndUserDialogsQueriesGet_Dialog`, without `dialogToken` (the handler adds it).
pub fn dialog(
    dialog: &Dialog,
    subject: &str,
    access: &DetailsAuthorization,
    languages: &[String],
) -> Value {
    let now = Timestamp::now();
    let mut value = so_view::dialog(dialog, Some(subject));
    let map = value
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut map: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| !SERVICE_OWNER_ONLY.contains(&k.as_str()))
        .collect();
    if let Some(content) = map.get_mut("content").and_then(Value::as_object_mut) {
        content.remove("nonSensitiveTitle");
        content.remove("nonSensitiveSummary");
        if let Some(reference) = content.get_mut("mainContentReference") {
            let authorized = access.read_main();
            reference["isAuthorized"] = Value::Bool(authorized);
            if !authorized {
                hide_content_reference(Some(reference));
            }
        }
    }
    for action in map
        .get_mut("guiActions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let authorized = access.has_access_to_action(
            action["action"].as_str().unwrap_or_default(),
            action["authorizationAttribute"].as_str(),
        );
        action["isAuthorized"] = Value::Bool(authorized);
        if !authorized {
            action["url"] = Value::String(UNAUTHORIZED_URL.to_owned());
        }
    }
    for action in map
        .get_mut("apiActions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let authorized = access.has_access_to_action(
            action["action"].as_str().unwrap_or_default(),
            action["authorizationAttribute"].as_str(),
        );
        action["isAuthorized"] = Value::Bool(authorized);
        if !authorized {
            for endpoint in action["endpoints"].as_array_mut().into_iter().flatten() {
                endpoint["url"] = Value::String(UNAUTHORIZED_URL.to_owned());
            }
        }
    }
    // Dialog-level attachments are never hidden for authorization, only for expiry.
    decorate_attachments(map.get_mut("attachments"), true, now);
    if let Some(Value::Array(transmissions)) = map.remove("transmissions") {
        let decorated = transmissions
            .into_iter()
            .zip(&dialog.transmissions)
            .map(|(value, t)| {
                transmission(value, t.authorization_attribute.as_deref(), access, now)
            })
            .collect();
        map.insert("transmissions".into(), Value::Array(decorated));
    }
    let mut value = Value::Object(map);
    finish(&mut value, languages);
    value
}

/// Last steps of every end-user view: prune languages, mask person ids.
pub fn finish(value: &mut Value, languages: &[String]) {
    prune_localizations(value, languages);
    mask_person_ids(value);
}
