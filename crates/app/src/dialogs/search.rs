//! The service-owner searches (api.md §3.1, §3.3, §3.4): always limited to the caller's
//! organisation (the service owner its `consumer` org number names; admins too, as DP's
//! `GetDialogsAsServiceOwner(query, orgName)`), and with `endUserId` to what that end user may
//! list. The request comes bound and validated by the front.

use dp_auth::Principal;
use dp_store::DialogQuery;

use crate::enduser::EndUserSubject;
use crate::search::{DialogPage, Paging, page};
use crate::{AppError, DialogState};

/// The caller's service-owner code, from its `consumer` org number.
fn caller_org(state: &DialogState, principal: &Principal) -> Option<String> {
    let consumer = principal.consumer.as_ref()?;
    state
        .registry
        .service_owner_by_org_number(consumer.as_str())
        .map(|o| o.org_code.clone())
}

/// `GET /api/v1/serviceowner/dialogs`: `query` (without `org`, which is the caller's) for the
/// caller, on `end_user_id`'s behalf when given.
pub async fn search(
    state: &DialogState,
    principal: &Principal,
    mut query: DialogQuery,
    end_user_id: Option<&str>,
    paging: Paging,
) -> Result<DialogPage, AppError> {
    let Some(org) = caller_org(state, principal) else {
        return Ok(DialogPage::empty(paging));
    };
    query.org = vec![org];
    if let Some(end_user_id) = end_user_id {
        // What that end user may list (authz.md §3.4), as DP's `GetAuthorizedResourcesForSearch`
        // with the `pid` claim the middleware made of `endUserId`: nothing means an empty page.
        let list = EndUserSubject::acting_for(end_user_id).list(
            state,
            &query.parties,
            &query.service_resources,
        );
        if list.is_empty() {
            return Ok(DialogPage::empty(paging));
        }
        query.authorized_pairs = Some(list.pairs());
        query.authorized_instances = list.instance_refs.into_iter().collect();
    }
    page(state, query, paging).await
}

/// `GET /api/v1/serviceowner/dialogs/endusercontext`: `query` for the caller's organisation,
/// deleted dialogs left out.
pub async fn end_user_contexts(
    state: &DialogState,
    principal: &Principal,
    mut query: DialogQuery,
    paging: Paging,
) -> Result<DialogPage, AppError> {
    let Some(org) = caller_org(state, principal) else {
        return Ok(DialogPage::empty(paging));
    };
    query.org = vec![org];
    query.deleted = Some(dp_domain::enums::DeletedFilter::Exclude);
    page(state, query, paging).await
}
