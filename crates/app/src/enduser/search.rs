//! The end-user search (api.md §3.2–3.4; authz.md §3.4, §3.7): the dialogs an end user may
//! list. Implicit filters: visible (`visibleFrom` ≤ now or unset), not expired, not deleted, and
//! `(party, resource)` listed for the user or the dialog named by one of their instance
//! delegations. Nothing authorized is an empty page.
//!
//! DP answers 422 when a free-text search runs past its statement timeout; here a search is
//! refused up front as too broad when it would have to be checked against more authorized
//! `(party, resource)` pairs than [`MAX_FREE_TEXT_PAIRS`] without a `contentUpdatedAfter`
//! bound, and any search with more pairs than [`MAX_PAIRS`] (the statement would pass SQLite's
//! bound-parameter limit).

use dp_auth::Principal;
use dp_domain::Timestamp;
use dp_store::DialogQuery;

use super::EndUserSubject;
use crate::search::{DialogPage, Paging, page};
use crate::{AppError, DialogState};

/// Free text over more authorized pairs than this needs a `contentUpdatedAfter` bound.
pub const MAX_FREE_TEXT_PAIRS: usize = 1000;
/// No search is run over more authorized pairs and instances than this.
pub const MAX_PAIRS: usize = 15_000;

pub use crate::search::TOO_BROAD;

/// A page of the search and whom it was for.
pub struct Found {
    pub page: DialogPage,
    pub subject: EndUserSubject,
}

/// Runs the bound and validated `query` for the end user of `principal`.
pub async fn search(
    state: &DialogState,
    principal: &Principal,
    mut query: DialogQuery,
    paging: Paging,
) -> Result<Found, AppError> {
    let subject = EndUserSubject::of(principal)?;
    let list = subject.list(state, &query.parties, &query.service_resources);
    if list.is_empty() {
        let page = DialogPage::empty(paging);
        return Ok(Found { page, subject });
    }
    query.deleted = Some(dp_domain::enums::DeletedFilter::Exclude);
    query.authorized_pairs = Some(list.pairs());
    query.authorized_instances = list.instance_refs.into_iter().collect();
    query.visible_at = Some(Timestamp::now());
    if let Some(error) = too_broad(&query) {
        return Err(error);
    }
    let page = page(state, query, paging).await?;
    Ok(Found { page, subject })
}

/// The too-broad guard (module docs): `Some(422)` when the search is refused.
fn too_broad(query: &DialogQuery) -> Option<AppError> {
    let pairs = query.authorized_pairs.as_ref().map_or(0, Vec::len);
    let size = pairs + query.authorized_instances.len();
    let broad_free_text = query.search.is_some()
        && query.content_updated_after.is_none()
        && pairs > MAX_FREE_TEXT_PAIRS;
    (size > MAX_PAIRS || broad_free_text).then(|| AppError::unprocessable("Search", TOO_BROAD))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broad_free_text_needs_a_date_bound() {
        let pairs: Vec<(String, String)> = (0..=MAX_FREE_TEXT_PAIRS)
            .map(|i| (format!("p{i}"), "r".to_owned()))
            .collect();
        let mut query = DialogQuery {
            authorized_pairs: Some(pairs),
            search: Some("skatt".into()),
            ..DialogQuery::default()
        };
        assert!(matches!(
            too_broad(&query),
            Some(AppError::Unprocessable(ref e)) if e["Search"][0] == TOO_BROAD
        ));
        query.content_updated_after = Some(Timestamp::now());
        assert!(too_broad(&query).is_none());
        query.search = None;
        query.content_updated_after = None;
        assert!(too_broad(&query).is_none());
    }
}
