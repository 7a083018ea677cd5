//! What the service-owner and end-user dialog searches share (api.md §3.1–3.3): binding of
//! query values in FastEndpoints' manner, the validator rules both have, and paging.
//!
//! A request is handled in DP's order: values that do not bind (bad dates, enums, numbers,
//! `orderBy`, `continuationToken`) are a 400 on their own; then every validator rule runs and
//! all failures come back together. Keys are the camel-cased property paths FastEndpoints'
//! naming policy gives FluentValidation (`createdAfter`, `serviceResource.Count`, `party[0]`);
//! messages use the PascalCase member names, as DP's display-name resolver does.

use axum::response::Response;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_domain::localization::is_valid_language_code;

use crate::problem::ApiError;
use crate::query::{Query, invalid};
use crate::respond::ok_json;
use dp_app::search::paging::{
    SortKey, TokenPart, cursor_for, default_order, parse_order_by, parse_token,
};
pub use dp_app::search::{DialogPage, Paging};
use dp_app::validate::{Errors, is_absolute_uri, is_valid_party, party_format_message};

/// `PaginationConstants`: limit 1..1000, default 100.
const MIN_LIMIT: i64 = 1;
const MAX_LIMIT: i64 = 1000;
const DEFAULT_LIMIT: i64 = 100;
use dp_app::validate::MAX_URI as MAX_URI_LENGTH;
pub use dp_app::validate::{MAX_END_USER_PARTY_VALUES, MAX_FILTER_VALUES, MIN_SEARCH_LENGTH};

const NORMALIZATION: &str =
    "Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).";

// ---------------------------------------------------------------------------------------------
// Binding: values that do not convert are FastEndpoints binding failures, reported alone.

/// Adds the field errors of a validation `ApiError` to `errors`.
pub fn merge(errors: &mut Errors, error: ApiError) {
    if let ApiError::Validation(map) = error {
        for (key, messages) in map {
            for message in messages {
                errors.add(key.clone(), message);
            }
        }
    }
}

/// Binds query values, collecting the ones that do not convert.
pub struct Binder<'a> {
    query: &'a Query,
    pub errors: Errors,
}

impl<'a> Binder<'a> {
    pub fn new(query: &'a Query) -> Self {
        Self {
            query,
            errors: Errors::default(),
        }
    }

    /// A single string value; empty means absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.query
            .get(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// A datetime with an explicit offset (api.md §0). `Query::timestamp` is not used: its
    /// message is the bare value.
    /// An empty value (`?dueAfter=`) does not convert either.
    pub fn timestamp(&mut self, name: &str) -> Option<Timestamp> {
        let value = self.query.get(name)?;
        if value.is_empty() {
            merge(&mut self.errors, invalid(name, value));
            return None;
        }
        Timestamp::parse(value)
            .map_err(|e| self.errors.add(name, e.to_string()))
            .ok()
    }

    pub fn bool(&mut self, name: &str) -> Option<bool> {
        self.query.bool(name, name).unwrap_or_else(|e| {
            merge(&mut self.errors, e);
            None
        })
    }

    pub fn list<T>(&mut self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
        self.query.parse_all(name, parse).unwrap_or_else(|e| {
            merge(&mut self.errors, e);
            Vec::new()
        })
    }

    /// `[after, before]` pairs of datetimes, bound in that order.
    pub fn ranges<const N: usize>(
        &mut self,
        names: [(&'static str, &'static str); N],
    ) -> [Range; N] {
        names.map(|(after_name, before_name)| Range {
            after_name,
            before_name,
            after: self.timestamp(after_name),
            before: self.timestamp(before_name),
        })
    }

    /// `orderBy`, `continuationToken` and `limit`, bound in that order.
    pub fn paging(&mut self) -> BoundPaging {
        let order = self.order_by();
        let token = self.continuation_token();
        let limit = self.limit();
        BoundPaging {
            order,
            token,
            limit,
        }
    }

    /// `continuationToken` and `limit` of a search with the default order only.
    pub fn paging_in_default_order(&mut self) -> BoundPaging {
        let token = self.continuation_token();
        let limit = self.limit();
        BoundPaging {
            order: default_order(),
            token,
            limit,
        }
    }

    fn limit(&mut self) -> i64 {
        match self.query.get("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => v.trim().parse::<i64>().unwrap_or_else(|_| {
                merge(&mut self.errors, invalid("limit", v));
                DEFAULT_LIMIT
            }),
        }
    }

    fn order_by(&mut self) -> Vec<SortKey> {
        let raw = self.query.get("orderBy");
        parse_order_by(raw).unwrap_or_else(|| {
            merge(
                &mut self.errors,
                invalid("orderBy", raw.unwrap_or_default()),
            );
            default_order()
        })
    }

    fn continuation_token(&mut self) -> Option<(String, Vec<TokenPart>)> {
        let raw = self
            .query
            .get("continuationToken")
            .filter(|v| !v.trim().is_empty())?;
        match parse_token(raw) {
            Some(parts) => Some((raw.to_owned(), parts)),
            None => {
                merge(&mut self.errors, invalid("continuationToken", raw));
                None
            }
        }
    }

    /// The binding failures, if any, as one 400.
    pub fn finish(self) -> Result<(), ApiError> {
        Ok(self.errors.into_result()?)
    }
}

/// A bound `xAfter`/`xBefore` pair.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    after_name: &'static str,
    before_name: &'static str,
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
}

/// `orderBy`, `continuationToken` and `limit` as bound, before validation.
pub struct BoundPaging {
    order: Vec<SortKey>,
    token: Option<(String, Vec<TokenPart>)>,
    limit: i64,
}

impl BoundPaging {
    /// The pagination validator: `limit` in range and a token that has every sort key.
    pub fn validate(self, errors: &mut Errors) -> Paging {
        errors.between("limit", "Limit", Some(self.limit), MIN_LIMIT, MAX_LIMIT);
        let cursor =
            self.token
                .as_ref()
                .and_then(|(_, parts)| match cursor_for(parts, &self.order) {
                    Ok(cursor) => Some(cursor),
                    Err(message) => {
                        errors.add("continuationToken", message);
                        None
                    }
                });
        Paging {
            order: self.order,
            cursor,
            token: self.token.map(|(raw, _)| raw),
            limit: self.limit,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validator rules both searches have.

/// `RuleFor(x => x.List!.Count).LessThanOrEqualTo(max)`.
pub fn validate_count(errors: &mut Errors, name: &str, count: usize, max: usize) {
    if count > max {
        errors.add(
            format!("{name}.Count"),
            format!("'Count' must be less than or equal to '{max}'."),
        );
    }
}

/// `RuleForEach(x => x.Party).IsValidPartyIdentifier()`.
pub fn validate_parties(errors: &mut Errors, parties: &[String]) {
    for (i, party) in parties.iter().enumerate() {
        if !is_valid_party(&party.to_lowercase()) {
            errors.add(format!("party[{i}]"), party_format_message("Party"));
        }
    }
}

/// `search` at least 3 characters; `searchLanguageCode` a valid (normalised) language code.
pub fn validate_search(errors: &mut Errors, search: Option<&str>, language: Option<&str>) {
    errors.min_length("search", "Search", search, MIN_SEARCH_LENGTH);
    if let Some(code) = language
        && !is_valid_language_code(code)
    {
        let hint = if code == "no" {
            "Use 'nb' or 'nn' for Norwegian. "
        } else {
            ""
        };
        errors.add(
            "searchLanguageCode",
            format!(
                "'SearchLanguageCode' '{code}' is not a valid language code. {hint}{NORMALIZATION}"
            ),
        );
    }
}

/// `process`: an absolute URI of at most 1023 characters.
pub fn validate_process(errors: &mut Errors, process: Option<&str>) {
    if let Some(process) = process {
        if !is_absolute_uri(process) {
            errors.add("process", "'Process' is not a well-formatted URI.");
        }
        errors.max_length("process", "Process", Some(process), MAX_URI_LENGTH);
    }
}

/// Each `xAfter` ≤ `xBefore`, keyed by the `after` parameter.
pub fn validate_ranges(errors: &mut Errors, ranges: &[Range]) {
    for range in ranges {
        if let (Some(from), Some(to)) = (range.after, range.before)
            && from > to
        {
            errors.add(
                range.after_name,
                format!(
                    "'{}' must be less than or equal to '{}'.",
                    pascal(range.after_name),
                    pascal(range.before_name)
                ),
            );
        }
    }
}

/// `createdAfter` → `CreatedAfter`.
fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Paging.

/// `{items, hasNextPage, orderBy, continuationToken?}` with `item` of every dialog of `page`.
pub fn respond<'d, T: serde::Serialize>(
    page: &'d DialogPage,
    item: impl FnMut(&'d Dialog) -> T,
) -> Response {
    ok_json(&page.items(item), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_the_after_parameter() {
        let query = Query::parse(
            "createdAfter=2024-01-02T00:00:00Z&createdBefore=2024-01-01T00:00:00Z&dueAfter=x",
        );
        let mut b = Binder::new(&query);
        let ranges = b.ranges([("createdAfter", "createdBefore"), ("dueAfter", "dueBefore")]);
        assert!(b.errors.get("dueAfter").is_some());
        let mut errors = Errors::default();
        validate_ranges(&mut errors, &ranges);
        assert_eq!(
            errors.get("createdAfter"),
            Some(&["'CreatedAfter' must be less than or equal to 'CreatedBefore'.".to_owned()][..])
        );
    }

    #[test]
    fn paging_validates_limit_and_token_keys() {
        let query =
            Query::parse("limit=0&continuationToken=id_0c089101-b7cf-a476-955c-f00a78d74a4e");
        let mut b = Binder::new(&query);
        let bound = b.paging();
        assert!(b.errors.is_empty());
        let mut errors = Errors::default();
        let paging = bound.validate(&mut errors);
        assert!(errors.get("limit").is_some());
        assert_eq!(
            errors.get("continuationToken"),
            Some(
                &["ContinuationToken does not match OrderBy. Missing token keys: [contentUpdatedAt]."
                    .to_owned()][..]
            )
        );
        assert_eq!(paging.order, default_order());
    }
}
