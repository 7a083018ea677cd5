//! Ordering and continuation tokens of the dialog searches (api.md §3.3): DP's `OrderSet` and
//! `ContinuationTokenSet`, over the store's sort keys.

use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_store::{CursorValue, OrderKey};
use uuid::Uuid;

/// One sort key of a request, with the spelling the caller used (DP keeps it for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub key: OrderKey,
    pub name: String,
    pub descending: bool,
}

impl SortKey {
    fn new(key: OrderKey, descending: bool) -> Self {
        Self {
            key,
            name: display_name(key).to_owned(),
            descending,
        }
    }
}

/// The keys as DP's order definitions spell them.
fn display_name(key: OrderKey) -> &'static str {
    match key {
        OrderKey::ContentUpdatedAt => "contentUpdatedAt",
        OrderKey::UpdatedAt => "updatedAt",
        OrderKey::CreatedAt => "createdAt",
        OrderKey::DueAt => "dueAt",
        OrderKey::Id => "id",
    }
}

/// `contentupdatedat_desc,id_desc`: the default order of both searches.
pub fn default_order() -> Vec<SortKey> {
    vec![
        SortKey::new(OrderKey::ContentUpdatedAt, true),
        SortKey::new(OrderKey::Id, true),
    ]
}

/// Parses `orderBy` as `OrderSet.TryParse`: comma-separated `key[_asc|_desc]` (case-insensitive,
/// desc by default), no key twice, `id` moved last (added as `id_desc` when missing), and the
/// default key put first when `id` would be the only one. `None` when it does not parse.
pub fn parse_order_by(raw: Option<&str>) -> Option<Vec<SortKey>> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Some(default_order());
    };
    let mut orders: Vec<SortKey> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let pieces: Vec<&str> = part.split('_').map(str::trim).collect();
        let (name, descending) = match pieces.as_slice() {
            [name] => (*name, true),
            [name, direction] if direction.eq_ignore_ascii_case("asc") => (*name, false),
            [name, direction] if direction.eq_ignore_ascii_case("desc") => (*name, true),
            _ => return None,
        };
        let key = OrderKey::parse(name)?;
        if orders.iter().any(|o| o.key == key) {
            return None;
        }
        orders.push(SortKey {
            key,
            name: name.to_owned(),
            descending,
        });
    }
    let id = match orders.iter().position(|o| o.key == OrderKey::Id) {
        Some(index) => orders.remove(index),
        None => SortKey::new(OrderKey::Id, true),
    };
    orders.push(id);
    if orders.len() == 1 {
        orders.insert(0, SortKey::new(OrderKey::ContentUpdatedAt, true));
    }
    Some(orders)
}

/// The echoed `orderBy`: `key_direction`, lower case, comma-separated.
pub fn order_string(order: &[SortKey]) -> String {
    order
        .iter()
        .map(|o| {
            format!(
                "{}_{}",
                o.key.name(),
                if o.descending { "desc" } else { "asc" }
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One `key_value` pair of a continuation token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPart {
    pub key: OrderKey,
    pub value: Option<CursorValue>,
}

/// Parses a continuation token as `ContinuationTokenSet.TryParse`: `key_value` pairs joined by
/// `,`, every key a sort key, every value of the key's type (empty = null, only for `dueAt`),
/// no key twice. `None` when it does not parse.
pub fn parse_token(raw: &str) -> Option<Vec<TokenPart>> {
    let mut parts: Vec<TokenPart> = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let pieces: Vec<&str> = pair.split('_').map(str::trim).collect();
        let [name, value] = pieces.as_slice() else {
            return None;
        };
        let key = OrderKey::parse(name)?;
        let value = match key {
            OrderKey::Id => Some(CursorValue::Id(Uuid::parse_str(value).ok()?)),
            OrderKey::DueAt if value.is_empty() => None,
            _ => Some(CursorValue::Time(Timestamp::parse(value).ok()?)),
        };
        if parts.iter().any(|p| p.key == key) {
            return None;
        }
        parts.push(TokenPart { key, value });
    }
    Some(parts)
}

/// The keyset position of a token for `order`, or the validator's message naming the sort
/// keys the token lacks.
pub fn cursor_for(
    parts: &[TokenPart],
    order: &[SortKey],
) -> Result<Vec<Option<CursorValue>>, String> {
    let missing: Vec<&str> = order
        .iter()
        .filter(|o| !parts.iter().any(|p| p.key == o.key))
        .map(|o| o.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "ContinuationToken does not match OrderBy. Missing token keys: [{}].",
            missing.join(",")
        ));
    }
    Ok(order
        .iter()
        .map(|o| parts.iter().find(|p| p.key == o.key).and_then(|p| p.value))
        .collect())
}

/// `OrderSet.GetContinuationTokenFrom`: the item's value per sort key, datetimes in UTC "o"
/// form, null as the empty string.
pub fn token_of(dialog: &Dialog, order: &[SortKey]) -> String {
    order
        .iter()
        .map(|o| {
            let value = match o.key.value_of(dialog) {
                Some(CursorValue::Time(t)) => t.to_string(),
                Some(CursorValue::Id(id)) => id.hyphenated().to_string(),
                None => String::new(),
            };
            format!("{}_{value}", o.key.name())
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(order: &[SortKey]) -> String {
        order_string(order)
    }

    #[test]
    fn order_by_follows_order_set_parsing() {
        let parse = |raw: &str| parse_order_by(Some(raw)).map(|o| keys(&o));
        assert_eq!(
            parse_order_by(None).map(|o| keys(&o)).as_deref(),
            Some("contentupdatedat_desc,id_desc")
        );
        assert_eq!(parse("").as_deref(), Some("contentupdatedat_desc,id_desc"));
        assert_eq!(
            parse("createdAt").as_deref(),
            Some("createdat_desc,id_desc")
        );
        assert_eq!(
            parse("CREATEDAT_ASC").as_deref(),
            Some("createdat_asc,id_desc")
        );
        assert_eq!(
            parse("id_asc").as_deref(),
            Some("contentupdatedat_desc,id_asc")
        );
        assert_eq!(
            parse("id_asc,dueAt_asc,updatedAt").as_deref(),
            Some("dueat_asc,updatedat_desc,id_asc")
        );
        assert_eq!(parse(","), Some("contentupdatedat_desc,id_desc".into()));
        for bad in ["nope", "createdAt_up", "createdAt,createdat", "a_b_c"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_round_trip_and_name_missing_keys() {
        let order = parse_order_by(Some("dueAt_asc")).unwrap_or_default();
        let parts =
            parse_token("dueat_,id_0c089101-b7cf-a476-955c-f00a78d74a4e").unwrap_or_default();
        assert_eq!(
            cursor_for(&parts, &order),
            Ok(vec![
                None,
                Some(CursorValue::Id(
                    Uuid::parse_str("0c089101-b7cf-a476-955c-f00a78d74a4e").unwrap_or_default()
                ))
            ])
        );
        let parts = parse_token("createdat_2024-07-31T09:09:03.0257090Z").unwrap_or_default();
        assert_eq!(
            cursor_for(&parts, &default_order()),
            Err("ContinuationToken does not match OrderBy. Missing token keys: [contentUpdatedAt,id].".into())
        );
        for bad in [
            "createdat_",
            "id_nope",
            "nope_1",
            "createdat",
            "id_0c089101-b7cf-a476-955c-f00a78d74a4e,ID_0c089101-b7cf-a476-955c-f00a78d74a4e",
        ] {
            assert_eq!(parse_token(bad), None, "{bad}");
        }
    }
}
