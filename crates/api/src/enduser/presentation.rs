//! How end users see dialog data (api.md §0, §3.2, §4.7, §6): localizations pruned to the one
//! language the `Accept-Language` header prefers, other people's national identity numbers
//! masked, and links the user may not follow replaced.

use std::sync::OnceLock;

use axum::http::HeaderMap;
use serde_json::Value;

pub const UNAUTHORIZED_URL: &str = "urn:dialogporten:unauthorized";
pub const EXPIRED_URL: &str = "urn:dialogporten:expired";

/// The order in which localizations are chosen for a request (DP `AcceptedLanguages` and
/// `LocalizationExtensions.PruneLocalizations`): the accepted codes by descending weight (ties
/// in header order), then the fallbacks `en`, `nb` (`nb`, `en` when Swedish or Danish is
/// accepted). Empty when the request has no `Accept-Language`: nothing is pruned.
///
/// Extracted from the request; a header that is not a list of `language[;q=weight]` is a 400
/// naming `Accept-Language`, as the real service's header binding answers.
#[derive(Debug, Clone, Default)]
pub struct AcceptedLanguages(pub Vec<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AcceptedLanguages {
    type Rejection = crate::problem::ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        accepted_languages(&parts.headers).map(Self)
    }
}

/// Why an `Accept-Language` header is refused, in the wording of the real service's header
/// binding (FastEndpoints' `RequestBinder` when `AcceptedLanguages.TryParse` fails).
fn malformed_accept_language(header: &str) -> crate::problem::ApiError {
    crate::problem::ApiError::validation(
        "Accept-Language",
        format!("Unable to bind header value [{header}] to a [AcceptedLanguages] property!"),
    )
}

/// A `;` parameter's weight as the real service reads it (`AcceptedLanguages.TryParse` in
/// `Digdir.Domain.Dialogporten.Application/Features/V1/EndUser/Common/AcceptedLanguage.cs`):
/// only `q=` is a parameter (anything else fails the header); a weight that is not a number
/// counts as 0.
fn weight(parameter: &str) -> Option<u32> {
    let (key, value) = parameter.split_once('=')?;
    if !key.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let weight = value.trim().parse::<f32>().unwrap_or(0.0);
    Some((weight.clamp(0.0, 1.0) * 1000.0) as u32)
}

/// The localization preference order of a request (see [`AcceptedLanguages`]).
pub fn accepted_languages(headers: &HeaderMap) -> Result<Vec<String>, crate::problem::ApiError> {
    let Some(value) = headers.get(axum::http::header::ACCEPT_LANGUAGE) else {
        return Ok(Vec::new());
    };
    let header = String::from_utf8_lossy(value.as_bytes()).into_owned();
    let mut weighted: Vec<(u32, usize, String)> = Vec::new();
    for (position, part) in header.split(',').enumerate() {
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or_default().trim();
        let mut q = 1000;
        for parameter in pieces {
            q = weight(parameter).ok_or_else(|| malformed_accept_language(&header))?;
        }
        // `*` names no localization: the fallbacks decide.
        if !range.is_empty() && range != "*" {
            let code = dp_domain::localization::normalize_language_code(range);
            weighted.push((q, position, code));
        }
    }
    weighted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut order: Vec<String> = Vec::new();
    for (_, _, code) in weighted {
        if !order.contains(&code) {
            order.push(code);
        }
    }
    let scandinavian = order.iter().any(|l| l == "sv" || l == "da");
    let fallback: [&str; 2] = if scandinavian {
        ["nb", "en"]
    } else {
        ["en", "nb"]
    };
    for code in fallback {
        if !order.iter().any(|c| c == code) {
            order.push(code.to_owned());
        }
    }
    Ok(order)
}

fn is_localization_list(items: &[Value]) -> bool {
    !items.is_empty()
        && items.iter().all(|item| {
            item.as_object().is_some_and(|o| {
                o.len() == 2 && o.contains_key("languageCode") && o.contains_key("value")
            })
        })
}

/// DP's `PruneLocalizations`: every localized list keeps one localization, the first of
/// `order` (from [`accepted_languages`]) that it has; a list with none of them is left whole,
/// and an empty order (no `Accept-Language`) prunes nothing.
pub fn prune_localizations(value: &mut Value, order: &[String]) {
    if order.is_empty() {
        return;
    }
    let order: Vec<&str> = order.iter().map(String::as_str).collect();
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
            prune_localizations(
                &mut value,
                &accepted_languages(&headers(header)).expect("well formed"),
            );
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
        assert_eq!(
            pruned("*"),
            json!([{ "languageCode": "en", "value": "Hello" }])
        );
        let mut untouched = list.clone();
        prune_localizations(&mut untouched, &[]);
        assert_eq!(untouched, list);
    }

    #[test]
    fn malformed_headers_are_refused() {
        for bad in ["invalid;;;;q=0.01", "en;level=1", "nb;q"] {
            assert!(accepted_languages(&headers(bad)).is_err(), "{bad}");
        }
        for good in [
            "nb, en;q=0.5",
            "*",
            "en-GB,en;q=0.9",
            "nb;q=1.000",
            " , nb",
            "en;q=abc",
        ] {
            assert!(accepted_languages(&headers(good)).is_ok(), "{good}");
        }
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
