//! The `Accept-Language` preference of an end-user request (api.md §0, §3.2): the order in
//! which the typed presentation passes of `dp_app::read::presentation` prune localizations
//! (those passes also mask other people's identity numbers and replace the links a user may not
//! follow, api.md §4.7, §6).

use axum::http::HeaderMap;

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

#[cfg(test)]
mod tests {
    use super::*;
    use dp_app::read::common::{Actor, Localization, SeenLog};
    use dp_app::read::presentation::{mask, mask_person_ids, prune_list};
    use dp_domain::enums::ActorType;

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
        let list = vec![
            Localization::new("nb", "Hei"),
            Localization::new("en", "Hello"),
            Localization::new("nn", "Hei då"),
        ];
        let pruned = |header: &str| {
            let mut value = list.clone();
            prune_list(
                &mut value,
                &accepted_languages(&headers(header)).expect("well formed"),
            );
            value
        };
        assert_eq!(
            pruned("nn;q=0.9, en;q=0.5"),
            vec![Localization::new("nn", "Hei då")]
        );
        assert_eq!(pruned("en-GB"), vec![Localization::new("en", "Hello")]);
        assert_eq!(pruned("de"), vec![Localization::new("en", "Hello")]);
        assert_eq!(pruned("sv"), vec![Localization::new("nb", "Hei")]);
        assert_eq!(pruned("*"), vec![Localization::new("en", "Hello")]);
        let mut untouched = list.clone();
        prune_list(&mut untouched, &[]);
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
        let entry = |actor_id: &'static str| SeenLog {
            id: uuid::Uuid::nil(),
            seen_at: dp_domain::Timestamp::now(),
            seen_by: Actor {
                actor_type: ActorType::PartyRepresentative,
                actor_name: None,
                actor_id: Some(actor_id.into()),
            },
            is_via_service_owner: false,
            is_current_end_user: false,
        };
        let mut value = vec![
            entry("urn:altinn:person:identifier-no:08844397713"),
            entry("urn:altinn:organization:identifier-no:310923044"),
        ];
        mask_person_ids(&mut value);
        let masked = value[0].seen_by.actor_id.as_deref().expect("masked");
        assert!(masked.starts_with("urn:altinn:person:identifier-ephemeral:"));
        assert_eq!(
            masked.len(),
            "urn:altinn:person:identifier-ephemeral:".len() + 10
        );
        assert_eq!(masked, mask("urn:altinn:person:identifier-no:08844397713"));
        assert_eq!(
            value[1].seen_by.actor_id.as_deref(),
            Some("urn:altinn:organization:identifier-no:310923044")
        );
    }
}
