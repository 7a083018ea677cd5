//! `GET /api/v1/enduser/dialogs` (api.md §3.2–3.4, §4.9; authz.md §3.4, §3.7): the dialogs an
//! end user may list, with the service-owner search's filters minus the service-owner ones
//! (`endUserId`, `deleted`, `visibleAfter/Before`, `serviceOwnerLabels`) plus `org`.
//!
//! Implicit filters: visible (`visibleFrom` ≤ now or unset), not expired, not deleted, and
//! `(party, resource)` listed for the user or the dialog named by one of their instance
//! delegations. Nothing authorized is an empty page. Items are the service-owner list item
//! without what end users never see, with the non-sensitive title and summary when the user's
//! authentication level is below the resource's minimum, localizations pruned to the
//! `Accept-Language` header and other people's identity numbers masked.
//!
//! Free text runs on the store's index: SQLite's FTS5 with one tokenizer for every language,
//! PostgreSQL's tsvector where `searchLanguageCode` picks the stemming (api.md §3.4). This
//! module binds and validates the request; `dp_app::enduser::search` authorizes and runs it (and refuses one too
//! broad to complete).

use axum::extract::State;
use axum::response::Response;
use dp_app::read::enduser as view;
use dp_domain::dialog::Dialog;
use dp_domain::enums::{DialogStatus, SystemLabel};
use dp_domain::localization::normalize_language_code;
use dp_store::DialogQuery;

use super::presentation::AcceptedLanguages;
use crate::auth::EndUser;
use crate::problem::ApiError;
use crate::query::Query;
use crate::search_common::{
    Binder, MAX_END_USER_PARTY_VALUES, MAX_FILTER_VALUES, Paging, respond, validate_count,
    validate_parties, validate_process, validate_ranges, validate_search,
};
use crate::state::DialogState;
use dp_app::enduser::EndUserSubject;
use dp_app::enduser::search;
use dp_app::validate::Errors;

/// The bound and validated request.
struct SearchRequest {
    query: DialogQuery,
    paging: Paging,
}

/// Binds and validates as DP's end-user `SearchDialogQueryValidator`.
fn bind_search(raw: &Query) -> Result<SearchRequest, ApiError> {
    let mut b = Binder::new(raw);
    let orgs = raw.all("org");
    let service_resources = raw.all("serviceResource");
    let parties = raw.all("party");
    let extended_status = raw.all("extendedStatus");
    let external_reference = b.text("externalReference");
    let status = b.list("status", DialogStatus::parse);
    let ranges = b.ranges([
        ("createdAfter", "createdBefore"),
        ("updatedAfter", "updatedBefore"),
        ("dueAfter", "dueBefore"),
    ]);
    let content_updated_after = b.timestamp("contentUpdatedAfter");
    let content_updated_before = b.timestamp("contentUpdatedBefore");
    let is_content_seen = b.bool("isContentSeen");
    let process = b.text("process");
    let system_labels = b.list("systemLabel", SystemLabel::parse);
    let exclude_api_only = b.bool("excludeApiOnly").unwrap_or(false);
    let search = b.text("search");
    let search_language_code = b
        .text("searchLanguageCode")
        .map(|c| normalize_language_code(&c));
    let paging = b.paging();
    b.finish()?;

    let mut errors = Errors::default();
    let paging = paging.validate(&mut errors);
    validate_search(
        &mut errors,
        search.as_deref(),
        search_language_code.as_deref(),
    );
    if service_resources.is_empty() && parties.is_empty() {
        // `RuleFor(x => x)`: a rule on the whole query has no property name.
        errors.add("", "Either ServiceResource or Party must be specified.");
    }
    validate_parties(&mut errors, &parties);
    validate_count(&mut errors, "org", orgs.len(), MAX_FILTER_VALUES);
    validate_count(
        &mut errors,
        "serviceResource",
        service_resources.len(),
        MAX_FILTER_VALUES,
    );
    validate_count(
        &mut errors,
        "party",
        parties.len(),
        MAX_END_USER_PARTY_VALUES,
    );
    validate_count(
        &mut errors,
        "extendedStatus",
        extended_status.len(),
        MAX_FILTER_VALUES,
    );
    validate_process(&mut errors, process.as_deref());
    // DP's end-user validator compares created, due and updated ranges only.
    validate_ranges(&mut errors, &ranges);
    errors.into_result()?;

    let [created, updated, due] = ranges;
    let query = DialogQuery {
        org: orgs,
        service_resources,
        parties: parties.iter().map(|p| p.to_lowercase()).collect(),
        extended_status,
        external_reference: external_reference.filter(|r| !r.trim().is_empty()),
        status,
        created_after: created.after,
        created_before: created.before,
        updated_after: updated.after,
        updated_before: updated.before,
        content_updated_after,
        content_updated_before,
        due_after: due.after,
        due_before: due.before,
        is_content_seen,
        process,
        system_labels,
        exclude_api_only,
        search,
        search_language: search_language_code,
        ..DialogQuery::default()
    };
    Ok(SearchRequest { query, paging })
}

/// `V1EndUserDialogsQueriesSearch_Dialog` for `subject`: below the minimum level the
/// non-sensitive texts stand in.
fn item<'d>(
    state: &DialogState,
    subject: &EndUserSubject,
    languages: &[String],
    dialog: &'d Dialog,
) -> view::SearchDialog<'d> {
    let below_level = subject.below_level(state, dialog);
    view::search_item(dialog, &subject.urn, below_level, languages)
}

/// `GET /api/v1/enduser/dialogs`
pub async fn search(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let SearchRequest { query, paging } = bind_search(&query)?;
    let found = search::search(&state, &caller.principal, query, paging).await?;
    let subject = &found.subject;
    Ok(respond(&found.page, |dialog| {
        item(&state, subject, &languages, dialog)
    }))
}

#[cfg(test)]
mod tests {

    use super::*;

    fn errors_of(result: Result<SearchRequest, ApiError>) -> crate::problem::FieldErrors {
        match result {
            Err(ApiError::Validation(map)) => map,
            Err(other) => panic!("not a validation error: {other}"),
            Ok(_) => crate::problem::FieldErrors::new(),
        }
    }

    #[test]
    fn party_or_service_resource_is_required_and_lists_are_bounded() {
        let errors = errors_of(bind_search(&Query::parse("search=ab")));
        assert_eq!(
            errors.get(""),
            Some(&vec![
                "Either ServiceResource or Party must be specified.".to_owned()
            ])
        );
        assert!(errors.contains_key("search"));
        let many_orgs: Vec<String> = (0..21).map(|i| format!("org=o{i}")).collect();
        let errors = errors_of(bind_search(&Query::parse(&format!(
            "party=urn:altinn:organization:identifier-no:310923044&{}",
            many_orgs.join("&")
        ))));
        assert_eq!(
            errors.get("org.Count"),
            Some(&vec![
                "'Count' must be less than or equal to '20'.".to_owned()
            ])
        );
        let parties: Vec<String> = (0..100)
            .map(|_| "party=urn:altinn:organization:identifier-no:310923044".to_owned())
            .collect();
        assert!(errors_of(bind_search(&Query::parse(&parties.join("&")))).is_empty());
    }
}
