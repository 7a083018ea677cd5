//! Running a dialog search one page at a time (api.md §3.3): the keyset cursor of the
//! continuation token, `limit + 1` rows to know whether a next page exists, and the token of
//! the page's last dialog. Binding and validating the request is the front's; [`paging`] has
//! the sort keys and tokens both share.

pub mod paging;

use dp_domain::dialog::Dialog;
use dp_store::{CursorValue, DialogQuery, Order};

use self::paging::{SortKey, order_string, token_of};
use crate::read::common as read;
use crate::{AppError, DialogState};

/// A validated page request.
pub struct Paging {
    pub order: Vec<SortKey>,
    /// The keyset position of the request's token.
    pub cursor: Option<Vec<Option<CursorValue>>>,
    /// The request's token as sent (echoed on an empty page).
    pub token: Option<String>,
    pub limit: i64,
}

/// The dialogs of one page, with what the answer says about paging.
pub struct DialogPage {
    dialogs: Vec<Dialog>,
    has_next_page: bool,
    order_by: String,
    continuation_token: Option<String>,
}

impl DialogPage {
    /// `{items, hasNextPage, orderBy, continuationToken?}` with `item` of every dialog.
    pub fn items<'d, T>(&'d self, item: impl FnMut(&'d Dialog) -> T) -> read::Page<T> {
        read::Page {
            items: self.dialogs.iter().map(item).collect(),
            has_next_page: self.has_next_page,
            order_by: self.order_by.clone(),
            continuation_token: self.continuation_token.clone(),
        }
    }

    /// A page with nothing on it (no authorization, no service owner): the request's token
    /// echoed, as on any empty page.
    pub fn empty(paging: Paging) -> Self {
        Self {
            dialogs: Vec::new(),
            has_next_page: false,
            order_by: order_string(&paging.order),
            continuation_token: paging.token,
        }
    }
}

/// The 422 of a search refused or cut off as too broad (the real service answers a search
/// that runs past its 20 s command timeout the same way).
pub const TOO_BROAD: &str = "The search matched too many dialogs to complete. Narrow it with a date \
range (contentUpdatedAfter), fewer parties, or a service resource.";

/// One page: runs `query` for `limit + 1` rows after the cursor in the requested order, for
/// `{items, hasNextPage, continuationToken?, orderBy}`. The token is the last item's; an empty
/// page echoes the request's token (api.md §3.3).
pub async fn page(
    state: &DialogState,
    mut query: DialogQuery,
    paging: Paging,
) -> Result<DialogPage, AppError> {
    let limit = usize::try_from(paging.limit).unwrap_or(1);
    query.order = paging
        .order
        .iter()
        .map(|o| Order {
            key: o.key,
            descending: o.descending,
        })
        .collect();
    query.after = paging.cursor;
    query.limit = limit + 1;
    let mut dialogs = match state.store.search_dialogs(query).await {
        Err(dp_store::StoreError::Timeout) => {
            return Err(AppError::unprocessable("Search", TOO_BROAD));
        }
        other => other?,
    };
    let has_next_page = dialogs.len() > limit;
    dialogs.truncate(limit);
    let token = dialogs
        .last()
        .map(|d| token_of(d, &paging.order))
        .or(paging.token);
    Ok(DialogPage {
        dialogs,
        has_next_page,
        order_by: order_string(&paging.order),
        continuation_token: token,
    })
}
