//! How end users see dialog data (api.md §0, §3.2, §4.7, §6): localizations pruned to the one
//! language the `Accept-Language` header prefers, other people's national identity numbers
//! masked, and links the user may not follow replaced.

use std::sync::OnceLock;

use axum::http::HeaderMap;
use serde_json::Value;

pub const UNAUTHORIZED_URL: &str = "urn:dialogporten:unauthorized";
pub const EXPIRED_URL: &str = "urn:dialogporten:expired";

/// The weighted languages of an `Accept-Language` header, best first (normalised codes).
pub fn accepted_languages(headers: &HeaderMap) -> Vec<String> {
    let Some(header) = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let mut weighted: Vec<(u32, usize, String)> = Vec::new();
    for (position, part) in header.split(',').enumerate() {
        let mut pieces = part.split(';');
        let code = pieces.next().unwrap_or_default().trim();
        if code.is_empty() || code == "*" {
            continue;
        }
        let weight = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let weight = (weight.clamp(0.0, 1.0) * 1000.0) as u32;
        if weight == 0 {
            continue;
        }
        let code = dp_domain::localization::normalize_language_code(code);
        weighted.push((weight, position, code));
    }
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut languages: Vec<String> = Vec::new();
    for (_, _, code) in weighted {
        if !languages.contains(&code) {
            languages.push(code);
        }
    }
    languages
}

fn is_localization_list(items: &[Value]) -> bool {
    !items.is_empty()
        && items.iter().all(|item| {
            item.as_object().is_some_and(|o| {
                o.len() == 2 && o.contains_key("languageCode") && o.contains_key("value")
            })
        })
}

/// DP's `PruneLocalizations`: every localized list keeps one localization, the first match by
/// weight, then `en`, `nb` (`nb`, `en` when Swedish or Danish was asked for); a list with no
/// match is left whole.
pub fn prune_localizations(value: &mut Value, languages: &[String]) {
    if languages.is_empty() {
        return;
    }
    let scandinavian = languages.iter().any(|l| l == "sv" || l == "da");
    let fallback: [&str; 2] = if scandinavian {
        ["nb", "en"]
    } else {
        ["en", "nb"]
    };
    let order: Vec<&str> = languages
        .iter()
        .map(String::as_str)
        .chain(fallback)
        .collect();
    prune(value, &order);
}

fn prune(value: &mut Value, order: &[&str]) {
    match value {
        Value::Array(items) if is_localization_list(items) => {
            let chosen = order.iter().find_map(|language| {
                items
                    .iter()
                    .find(|item| item["languageCode"].as_str() == Some(language))
                    .cloned()
            });
            if let Some(chosen) = chosen {
                *items = vec![chosen];
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| prune(v, order)),
        Value::Object(map) => map.values_mut().for_each(|v| prune(v, order)),
        _ => {}
    }
}

/// A per-process random salt: the same person masks to the same id within one run only
/// (DP `IdentifierMasker`).
fn salt() -> &'static [u8; 32] {
    static SALT: OnceLock<[u8; 32]> = OnceLock::new();
    SALT.get_or_init(rand::random)
}

/// `urn:altinn:person:identifier-ephemeral:<10 hex>` for a person identifier.
pub fn mask(actor_id: &str) -> String {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(salt());
    context.update(actor_id.as_bytes());
    let digest = context.finish();
    let hex: String = digest.as_ref()[..5]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("urn:altinn:person:identifier-ephemeral:{hex}")
}

/// Masks every person `actorId` in `value` (api.md §4.7).
pub fn mask_person_ids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "actorId" {
                    if let Some(id) = inner.as_str()
                        && id.starts_with("urn:altinn:person:identifier-no:")
                    {
                        *inner = Value::String(mask(id));
                    }
                } else {
                    mask_person_ids(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_person_ids),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::ACCEPT_LANGUAGE,
            value.parse().expect("header"),
        );
        headers
    }

    #[test]
    fn localizations_are_pruned_by_weight_then_fallback() {
        let list = json!({ "title": [
            { "languageCode": "nb", "value": "Hei" },
            { "languageCode": "en", "value": "Hello" },
            { "languageCode": "nn", "value": "Hei då" } ] });
        let pruned = |header: &str| {
            let mut value = list.clone();
            prune_localizations(&mut value, &accepted_languages(&headers(header)));
            value["title"].clone()
        };
        assert_eq!(
            pruned("nn;q=0.9, en;q=0.5"),
            json!([{ "languageCode": "nn", "value": "Hei då" }])
        );
        assert_eq!(
            pruned("en-GB"),
            json!([{ "languageCode": "en", "value": "Hello" }])
        );
        assert_eq!(
            pruned("de"),
            json!([{ "languageCode": "en", "value": "Hello" }])
        );
        assert_eq!(
            pruned("sv"),
            json!([{ "languageCode": "nb", "value": "Hei" }])
        );
        let mut untouched = list.clone();
        prune_localizations(&mut untouched, &[]);
        assert_eq!(untouched, list);
    }

    #[test]
    fn person_ids_are_masked_stably_within_a_run() {
        let mut value = json!({ "seenBy": { "actorId": "urn:altinn:person:identifier-no:08844397713" },
                                "sender": { "actorId": "urn:altinn:organization:identifier-no:310923044" } });
        mask_person_ids(&mut value);
        let masked = value["seenBy"]["actorId"].as_str().expect("masked");
        assert!(masked.starts_with("urn:altinn:person:identifier-ephemeral:"));
        assert_eq!(
            masked.len(),
            "urn:altinn:person:identifier-ephemeral:".len() + 10
        );
        assert_eq!(masked, mask("urn:altinn:person:identifier-no:08844397713"));
        assert_eq!(
            value["sender"]["actorId"],
            "urn:altinn:organization:identifier-no:310923044"
        );
    }
}
