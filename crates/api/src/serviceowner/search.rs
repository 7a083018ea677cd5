//! Service-owner dialog searches (api.md §3.1, §3.3, §3.4): `GET /api/v1/serviceowner/dialogs`
//! and `GET /api/v1/serviceowner/dialogs/endusercontext`.
//!
//! Both are always limited to the caller's organisation (the service owner its `consumer` org
//! number names; admins too, as DP's `GetDialogsAsServiceOwner(query, orgName)`). A request is
//! handled in DP's order: values that do not bind (bad dates, enums, numbers, `orderBy`,
//! `continuationToken`) are a 400 on their own; then every validator rule runs and all failures
//! come back together. Keys are the camel-cased property paths FastEndpoints' naming policy gives
//! FluentValidation (`createdAfter`, `serviceResource.Count`, `party[0]`); messages use the
//! PascalCase member names, as DP's display-name resolver does.
//!
//! Which index of `migrations/sqlite/0002_dialogs.sql` serves each filter (as SQLite's planner
//! chose them in `EXPLAIN QUERY PLAN` on a store without `ANALYZE` statistics):
//! * org (always) with the sort key: `dialog_org_content_updated` (default order and the
//!   `endusercontext` search), `dialog_org_updated`, `dialog_org_created`, `dialog_org_due`
//!   for `orderBy` on `updatedAt`, `createdAt`, `dueAt` (a sort key and `id` in opposite
//!   directions adds a temporary B-tree for the `id` part). The keyset position of a
//!   continuation token is a range on that same index, and so are `createdAfter/Before`,
//!   `updatedAfter/Before`, `contentUpdatedAfter/Before` and `dueAfter/Before` when their
//!   column is the sort key.
//! * one `party`: `dialog_party_content_updated`; one `serviceResource`:
//!   `dialog_resource_content_updated`. Several values (and the `endUserId` party × resource
//!   pairs) are checked on the org index walk instead, which keeps the order.
//! * `externalReference`, `process`: checked on the org index walk; the partial indexes
//!   `dialog_org_external_reference` / `dialog_org_process` are there for the planner once
//!   statistics show those values to be selective.
//! * `systemLabel` / `label`: the `dialog_system_label` primary key (dialog_id, label), probed
//!   per row of the org walk.
//! * `serviceOwnerLabels`: the `dialog_service_owner_label` primary key (dialog_id, label); an
//!   exact label or a `prefix*` is a range on it, probed per row.
//! * `search`: the FTS5 table `dialog_search` (rowid = `dialog.seq`), as a list subquery.
//! * `status`, `extendedStatus`, `deleted`, `isContentSeen`, `excludeApiOnly`,
//!   `visibleAfter/Before` and time ranges on a column that is not the sort key: no index of
//!   their own; checked on the rows the index walk yields.

use axum::extract::State;
use axum::response::Response;
use dp_app::read::serviceowner as view;
use dp_domain::PartyIdentifier;
use dp_domain::enums::{DeletedFilter, DialogStatus, SystemLabel};
use dp_domain::localization::normalize_language_code;
use dp_store::DialogQuery;

use crate::auth::ServiceOwnerSearch;
use crate::problem::ApiError;
use crate::query::{Query, invalid};
use crate::search_common::{
    Binder, MAX_END_USER_PARTY_VALUES, MAX_FILTER_VALUES, MIN_SEARCH_LENGTH, Paging, merge,
    respond, validate_count, validate_parties, validate_process, validate_ranges, validate_search,
};
use crate::state::DialogState;
use dp_app::dialogs::search;
use dp_app::validate::Errors;

const MAX_LABEL_LENGTH: usize = 255;
const END_USER_ID_MESSAGE: &str = "EndUserId must be a valid end user identifier. It must match the format \
'urn:altinn:person:identifier-no:{norwegian f-nr/d-nr}' or 'urn:altinn:systemuser:uuid:{uuid}'.";

// ---------------------------------------------------------------------------------------------
// `GET /api/v1/serviceowner/dialogs`

/// The bound and validated search request.
struct SearchRequest {
    query: DialogQuery,
    /// `endUserId` as given.
    end_user_id: Option<String>,
    paging: Paging,
}

fn bind_search(raw: &Query) -> Result<SearchRequest, ApiError> {
    let mut b = Binder::new(raw);
    let service_resources = raw.all("serviceResource");
    let parties = raw.all("party");
    let extended_status = raw.all("extendedStatus");
    let end_user_id = b.text("endUserId");
    let external_reference = b.text("externalReference");
    let status = b.list("status", DialogStatus::parse);
    let deleted = match b.text("deleted") {
        None => DeletedFilter::Exclude,
        Some(v) => DeletedFilter::parse(&v).unwrap_or_else(|| {
            merge(&mut b.errors, invalid("deleted", &v));
            DeletedFilter::Exclude
        }),
    };
    let ranges = b.ranges([
        ("createdAfter", "createdBefore"),
        ("updatedAfter", "updatedBefore"),
        ("contentUpdatedAfter", "contentUpdatedBefore"),
        ("dueAfter", "dueBefore"),
        ("visibleAfter", "visibleBefore"),
    ]);
    let is_content_seen = b.bool("isContentSeen");
    let process = b.text("process");
    let system_labels = b.list("systemLabel", SystemLabel::parse);
    let exclude_api_only = b.bool("excludeApiOnly").unwrap_or(false);
    let search = b.text("search");
    let search_language_code = b
        .text("searchLanguageCode")
        .map(|c| normalize_language_code(&c));
    let labels = raw.all("serviceOwnerLabels");
    let paging = b.paging();
    b.finish()?;

    let mut errors = Errors::default();
    let paging = paging.validate(&mut errors);
    for (i, label) in labels.iter().enumerate() {
        let path = format!("serviceOwnerLabels[{i}]");
        errors.min_length(&path, "ServiceOwnerLabels", Some(label), MIN_SEARCH_LENGTH);
        errors.max_length(&path, "ServiceOwnerLabels", Some(label), MAX_LABEL_LENGTH);
    }
    validate_search(
        &mut errors,
        search.as_deref(),
        search_language_code.as_deref(),
    );
    if let Some(id) = &end_user_id {
        let valid = PartyIdentifier::parse(id).is_ok_and(|p| {
            matches!(
                p,
                PartyIdentifier::Person(_) | PartyIdentifier::SystemUser(_)
            )
        });
        if !valid {
            errors.add("endUserId", END_USER_ID_MESSAGE);
        }
        if service_resources.is_empty() && parties.is_empty() {
            errors.add(
                "endUserId",
                "Either 'ServiceResource' or 'Party' must be specified if 'EndUserId' is provided.",
            );
        }
    }
    if search.is_some() && end_user_id.is_none() {
        errors.add(
            "search",
            "'EndUserId' must be specified if Search is provided.",
        );
    }
    validate_parties(&mut errors, &parties);
    let max_parties = if end_user_id.is_some() {
        MAX_END_USER_PARTY_VALUES
    } else {
        MAX_FILTER_VALUES
    };
    validate_count(
        &mut errors,
        "serviceResource",
        service_resources.len(),
        MAX_FILTER_VALUES,
    );
    validate_count(&mut errors, "party", parties.len(), max_parties);
    validate_count(
        &mut errors,
        "extendedStatus",
        extended_status.len(),
        MAX_FILTER_VALUES,
    );
    validate_process(&mut errors, process.as_deref());
    validate_ranges(&mut errors, &ranges);
    errors.into_result()?;

    let [created, updated, content_updated, due, visible] = ranges;
    let query = DialogQuery {
        service_resources,
        parties,
        extended_status,
        external_reference: external_reference.filter(|r| !r.trim().is_empty()),
        status,
        deleted: Some(deleted),
        created_after: created.after,
        created_before: created.before,
        updated_after: updated.after,
        updated_before: updated.before,
        content_updated_after: content_updated.after,
        content_updated_before: content_updated.before,
        due_after: due.after,
        due_before: due.before,
        visible_after: visible.after,
        visible_before: visible.before,
        is_content_seen,
        process,
        system_labels,
        exclude_api_only,
        search,
        search_language: search_language_code,
        service_owner_labels: labels.iter().map(|l| label_filter(l)).collect(),
        ..DialogQuery::default()
    };
    Ok(SearchRequest {
        query,
        end_user_id,
        paging,
    })
}

/// A `serviceOwnerLabels` value as the store matches it: lower case, every trailing `*`
/// folded into one prefix marker (DP trims them all and appends `%`).
fn label_filter(label: &str) -> String {
    let lower = label.to_lowercase();
    match lower.strip_suffix('*') {
        Some(_) => format!("{}*", lower.trim_end_matches('*')),
        None => lower,
    }
}

/// `GET /api/v1/serviceowner/dialogs`
pub async fn search(
    caller: ServiceOwnerSearch,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let request = bind_search(&query)?;
    let end_user = request.end_user_id.as_deref();
    let principal = &caller.principal;
    let found = search::search(&state, principal, request.query, end_user, request.paging).await?;
    Ok(respond(&found, |d| view::search_item(d, end_user)))
}

// ---------------------------------------------------------------------------------------------
// `GET /api/v1/serviceowner/dialogs/endusercontext`

/// `GET /api/v1/serviceowner/dialogs/endusercontext`: the end-user contexts of the caller's
/// dialogs for the given parties, newest content first; `label` values are OR-ed and
/// `contentUpdatedAfter` is inclusive. The order is fixed (`contentupdatedat_desc,id_desc`).
pub async fn search_end_user_context(
    caller: ServiceOwnerSearch,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let mut b = Binder::new(&query);
    let parties = query.all("party");
    let labels = b.list("label", SystemLabel::parse);
    let content_updated_after = b.timestamp("contentUpdatedAfter");
    let paging = b.paging_in_default_order();
    b.finish()?;

    let mut errors = Errors::default();
    let paging = paging.validate(&mut errors);
    if parties.is_empty() {
        errors.not_empty("party", "Party");
    }
    validate_parties(&mut errors, &parties);
    validate_count(&mut errors, "party", parties.len(), MAX_FILTER_VALUES);
    errors.into_result()?;

    let query = DialogQuery {
        parties,
        system_labels: labels,
        content_updated_after,
        ..DialogQuery::default()
    };
    let found = search::end_user_contexts(&state, &caller.principal, query, paging).await?;
    Ok(respond(&found, view::EndUserContextItem::from))
}

#[cfg(test)]
mod tests {

    use super::*;

    /// Field errors as a map, for tests of the binding and validation layers.
    fn errors_of(result: Result<SearchRequest, ApiError>) -> crate::problem::FieldErrors {
        match result {
            Err(ApiError::Validation(map)) => map,
            Err(other) => panic!("not a validation error: {other}"),
            Ok(_) => crate::problem::FieldErrors::new(),
        }
    }

    #[test]
    fn binding_failures_come_alone_and_rules_come_together() {
        let errors = errors_of(bind_search(&Query::parse(
            "createdAfter=yesterday&limit=0&status=nope",
        )));
        assert!(errors.contains_key("createdAfter"), "{errors:?}");
        assert!(errors.contains_key("status"), "{errors:?}");
        assert!(!errors.contains_key("limit"), "{errors:?}");
        let errors = errors_of(bind_search(&Query::parse(
            "limit=0&search=ab&createdAfter=2024-01-02T00:00:00Z&createdBefore=2024-01-01T00:00:00Z",
        )));
        assert_eq!(
            errors.get("limit").map(|m| m[0].as_str()),
            Some("'Limit' must be between 1 and 1000. You entered 0.")
        );
        assert_eq!(
            errors.get("search"),
            Some(&vec![
                "The length of 'Search' must be at least 3 characters. You entered 2 characters."
                    .to_owned(),
                "'EndUserId' must be specified if Search is provided.".to_owned()
            ])
        );
        assert_eq!(
            errors.get("createdAfter").map(|m| m[0].as_str()),
            Some("'CreatedAfter' must be less than or equal to 'CreatedBefore'.")
        );
    }

    #[test]
    fn labels_fold_trailing_stars() {
        assert_eq!(label_filter("Abc**"), "abc*");
        assert_eq!(label_filter("Abc"), "abc");
    }
}
