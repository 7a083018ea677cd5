//! Dialog searches in SQL (api.md §3): every filter as an indexed condition, the keyset
//! position as a row-value range, free text through the FTS5 table. The FTS syntax and the
//! statement shape stay in here; the contract speaks [`DialogQuery`].

use dp_domain::enums::DeletedFilter;
use rusqlite::types::Value as SqlValue;

use super::id_text;
use crate::contract::{CursorValue, DialogQuery, OrderKey};

/// The free-text query for FTS5: every word quoted (so no FTS syntax leaks through) and
/// joined with OR, as DP rewrites plain multi-word input (api.md §3.4). Words prefixed with
/// `-` are excluded.
fn fts_query(search: &str) -> Option<String> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for word in search.split_whitespace() {
        let (negated, word) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let cleaned: String = word
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '@' || *c == '.' || *c == '-')
            .collect();
        let cleaned = cleaned.trim_matches(|c| c == '.' || c == '-').to_owned();
        if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("or") || cleaned == "AND" {
            continue;
        }
        let quoted = format!("\"{}\"", cleaned.replace('"', ""));
        if negated {
            exclude.push(quoted);
        } else {
            include.push(quoted);
        }
    }
    if include.is_empty() {
        return None;
    }
    let mut query = format!("({})", include.join(" OR "));
    for term in exclude {
        query.push_str(" NOT ");
        query.push_str(&term);
    }
    Some(query)
}

/// The SQL expression a sort key orders by. A missing `dueAt` sorts after every date, as in
/// PostgreSQL (NULLs are largest), so the keyset comparison stays total.
fn order_expression(key: OrderKey) -> &'static str {
    match key {
        OrderKey::ContentUpdatedAt => "d.content_updated_at",
        OrderKey::UpdatedAt => "d.updated_at",
        OrderKey::CreatedAt => "d.created_at",
        OrderKey::DueAt => "coalesce(d.due_at, 9223372036854775807)",
        OrderKey::Id => "d.id",
    }
}

fn cursor_sql_value(value: Option<CursorValue>) -> SqlValue {
    match value {
        Some(CursorValue::Time(t)) => SqlValue::Integer(t.unix_micros()),
        Some(CursorValue::Id(id)) => SqlValue::Text(id_text(id)),
        None => SqlValue::Integer(i64::MAX),
    }
}

struct Sql {
    conditions: Vec<String>,
    values: Vec<SqlValue>,
}

impl Sql {
    fn push(&mut self, value: impl Into<SqlValue>) -> String {
        self.values.push(value.into());
        format!("?{}", self.values.len())
    }

    fn any_of(&mut self, column: &str, values: impl IntoIterator<Item = String>) {
        let placeholders: Vec<String> = values.into_iter().map(|v| self.push(v)).collect();
        if !placeholders.is_empty() {
            self.conditions
                .push(format!("{column} in ({})", placeholders.join(", ")));
        }
    }

    fn compare(&mut self, column: &str, operator: &str, value: Option<dp_domain::Timestamp>) {
        if let Some(value) = value {
            let p = self.push(value.unix_micros());
            self.conditions.push(format!("{column} {operator} {p}"));
        }
    }
}

/// Builds the search statement: filters, keyset position, order and limit.
pub(super) fn search_sql(query: &DialogQuery) -> (String, Vec<SqlValue>) {
    let mut sql = Sql {
        conditions: Vec::new(),
        values: Vec::new(),
    };
    // With parties given, the party index is the one to walk: a party holds few dialogs next
    // to an organisation's or a resource's many, or a common word's. Without statistics the
    // planner may pick the org or resource index or the free-text list instead and read far
    // more rows (at 200k dialogs: 34 ms instead of 4 ms for a 20-party person's free-text
    // search); a unary `+` keeps a column out of the index choice (sqlite.org/optoverview.html).
    // An end user's authorized (party, resource) pairs name their parties too: when nothing
    // else can match (no delegated instances), those parties are an indexable filter.
    let pair_parties: Vec<String> = match &query.authorized_pairs {
        Some(pairs) if query.parties.is_empty() && query.authorized_instances.is_empty() => pairs
            .iter()
            .map(|(party, _)| party.to_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let by_party = !query.parties.is_empty() || !pair_parties.is_empty();
    let (org, resource, seq) = if by_party {
        ("+d.org", "+d.service_resource", "+d.seq")
    } else {
        ("d.org", "d.service_resource", "d.seq")
    };
    sql.any_of(org, query.org.iter().cloned());
    sql.any_of(
        resource,
        query.service_resources.iter().map(|s| s.to_lowercase()),
    );
    sql.any_of("d.party", query.parties.iter().map(|s| s.to_lowercase()));
    sql.any_of("d.party", pair_parties);
    if let Some(pairs) = &query.authorized_pairs {
        // (party, resource) ∈ pairs, or the dialog is named by a delegated instance
        // (authz.md §3.4 step 7).
        let mut alternatives = Vec::new();
        if !pairs.is_empty() {
            let rows: Vec<String> = pairs
                .iter()
                .map(|(party, resource)| {
                    let p = sql.push(party.to_lowercase());
                    let r = sql.push(resource.to_lowercase());
                    format!("({p}, {r})")
                })
                .collect();
            alternatives.push(format!(
                "(d.party, d.service_resource) in (values {})",
                rows.join(", ")
            ));
        }
        let mut ids = Vec::new();
        let mut labels = Vec::new();
        for reference in &query.authorized_instances {
            let reference = reference.to_lowercase();
            match reference.strip_prefix("urn:altinn:dialog-id:") {
                Some(id) => ids.push(sql.push(id.to_owned())),
                None => {
                    labels.push(sql.push(reference.clone()));
                    // App instances are labelled in either spelling (api.md §4.8).
                    if let Some(rest) = reference.strip_prefix("urn:altinn:instance-id:") {
                        labels.push(sql.push(format!("urn:altinn:integration:storage:{rest}")));
                    }
                }
            }
        }
        if !ids.is_empty() {
            alternatives.push(format!("d.id in ({})", ids.join(", ")));
        }
        if !labels.is_empty() {
            alternatives.push(format!(
                "exists (select 1 from dialog_service_owner_label l where l.dialog_id = d.id and l.label in ({}))",
                labels.join(", ")
            ));
        }
        if alternatives.is_empty() {
            sql.conditions.push("0".into());
        } else {
            sql.conditions
                .push(format!("({})", alternatives.join(" or ")));
        }
    }
    sql.any_of("d.extended_status", query.extended_status.iter().cloned());
    if let Some(reference) = &query.external_reference {
        let p = sql.push(reference.clone());
        sql.conditions.push(format!("d.external_reference = {p}"));
    }
    sql.any_of(
        "d.status",
        query.status.iter().map(|s| s.as_str().to_owned()),
    );
    match query.deleted {
        Some(DeletedFilter::Include) => {}
        Some(DeletedFilter::Only) => sql.conditions.push("d.deleted_at is not null".into()),
        Some(DeletedFilter::Exclude) | None => sql.conditions.push("d.deleted_at is null".into()),
    }
    sql.compare("d.created_at", ">=", query.created_after);
    sql.compare("d.created_at", "<=", query.created_before);
    sql.compare("d.updated_at", ">=", query.updated_after);
    sql.compare("d.updated_at", "<=", query.updated_before);
    sql.compare("d.content_updated_at", ">=", query.content_updated_after);
    sql.compare("d.content_updated_at", "<=", query.content_updated_before);
    sql.compare("d.due_at", ">=", query.due_after);
    sql.compare("d.due_at", "<=", query.due_before);
    sql.compare("d.visible_from", ">=", query.visible_after);
    sql.compare("d.visible_from", "<=", query.visible_before);
    if let Some(now) = query.visible_at {
        let p = sql.push(now.unix_micros());
        sql.conditions.push(format!(
            "(d.visible_from is null or d.visible_from <= {p}) and (d.expires_at is null or d.expires_at > {p})"
        ));
    }
    if let Some(seen) = query.is_content_seen {
        let p = sql.push(i64::from(seen));
        sql.conditions.push(format!("d.is_content_seen = {p}"));
    }
    if let Some(process) = &query.process {
        let p = sql.push(process.clone());
        sql.conditions.push(format!("d.process = {p}"));
    }
    if !query.system_labels.is_empty() {
        let placeholders: Vec<String> = query
            .system_labels
            .iter()
            .map(|l| sql.push(l.as_str().to_owned()))
            .collect();
        sql.conditions.push(format!(
            "exists (select 1 from dialog_system_label l where l.dialog_id = d.id and l.label in ({}))",
            placeholders.join(", ")
        ));
    }
    if query.exclude_api_only {
        sql.conditions.push("d.is_api_only = 0".into());
    }
    if let Some(search) = &query.search {
        match fts_query(search) {
            Some(fts) => {
                let p = sql.push(fts);
                sql.conditions.push(format!(
                    "{seq} in (select rowid from dialog_search where dialog_search match {p})"
                ));
            }
            // Nothing searchable (only punctuation or negations) matches nothing (api.md §3.4).
            None => sql.conditions.push("0".into()),
        }
    }
    for label in &query.service_owner_labels {
        let label = label.to_lowercase();
        let condition = match label.strip_suffix('*') {
            // Prefix match as an index range: [prefix, prefix + U+10FFFF).
            Some(prefix) => {
                let low = sql.push(prefix.to_owned());
                let high = sql.push(format!("{prefix}\u{10FFFF}"));
                format!("l.label >= {low} and l.label < {high}")
            }
            None => {
                let p = sql.push(label.clone());
                format!("l.label = {p}")
            }
        };
        sql.conditions.push(format!(
            "exists (select 1 from dialog_service_owner_label l where l.dialog_id = d.id and {condition})"
        ));
    }
    let same_direction = query
        .order
        .windows(2)
        .all(|pair| pair[0].descending == pair[1].descending);
    if let (Some(after), true, false) = (&query.after, same_direction, query.order.is_empty()) {
        // One direction: a row-value comparison, which SQLite turns into an index range
        // (org = ? and (content_updated_at, id) < (?, ?)) instead of a filter.
        let columns: Vec<&str> = query
            .order
            .iter()
            .map(|o| order_expression(o.key))
            .collect();
        let values: Vec<String> = (0..query.order.len())
            .map(|i| sql.push(cursor_sql_value(after.get(i).copied().flatten())))
            .collect();
        let operator = if query.order[0].descending { "<" } else { ">" };
        sql.conditions.push(format!(
            "({}) {operator} ({})",
            columns.join(", "),
            values.join(", ")
        ));
    } else if let Some(after) = &query.after {
        // Rows strictly after the cursor in sort order: (k1 > v1) or (k1 = v1 and k2 > v2) …
        let mut alternatives = Vec::new();
        for (index, order) in query.order.iter().enumerate() {
            let mut parts = Vec::new();
            for (previous, value) in query.order[..index].iter().zip(after) {
                let p = sql.push(cursor_sql_value(*value));
                parts.push(format!("{} = {p}", order_expression(previous.key)));
            }
            let value = after.get(index).copied().flatten();
            let p = sql.push(cursor_sql_value(value));
            let operator = if order.descending { "<" } else { ">" };
            parts.push(format!("{} {operator} {p}", order_expression(order.key)));
            alternatives.push(format!("({})", parts.join(" and ")));
        }
        if !alternatives.is_empty() {
            sql.conditions
                .push(format!("({})", alternatives.join(" or ")));
        }
    }
    let order: Vec<String> = query
        .order
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                order_expression(o.key),
                if o.descending { "desc" } else { "asc" }
            )
        })
        .collect();
    let where_clause = if sql.conditions.is_empty() {
        String::new()
    } else {
        format!("where {}", sql.conditions.join(" and "))
    };
    let order_clause = if order.is_empty() {
        "order by d.content_updated_at desc, d.id desc".to_owned()
    } else {
        format!("order by {}", order.join(", "))
    };
    let limit = sql.push(i64::try_from(query.limit).unwrap_or(i64::MAX));
    (
        format!("select d.document from dialog d {where_clause} {order_clause} limit {limit}"),
        sql.values,
    )
}

#[cfg(test)]
mod tests {
    use super::super::Connections;
    use super::*;
    use crate::StoreError;
    use crate::contract::Order;
    use rusqlite::params_from_iter;
    use uuid::Uuid;

    /// The query plan of a search, one line per step.
    fn plan(query: &DialogQuery) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Connections::open(&dir.path().join("plan.db")).expect("store");
        let (sql, values) = search_sql(query);
        store
            .with_reader(|c| {
                let mut statement = c.prepare(&format!("explain query plan {sql}"))?;
                let rows = statement
                    .query_map(params_from_iter(values), |r| r.get::<_, String>(3))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, StoreError>(rows.join("\n"))
            })
            .expect("plan")
    }

    fn by_org() -> DialogQuery {
        DialogQuery {
            org: vec!["ttd".into()],
            order: vec![
                Order {
                    key: OrderKey::ContentUpdatedAt,
                    descending: true,
                },
                Order {
                    key: OrderKey::Id,
                    descending: true,
                },
            ],
            limit: 101,
            ..DialogQuery::default()
        }
    }

    /// Searches stay index searches as data grows (issue 3): no step scans the dialog table.
    #[test]
    fn searches_use_an_index_and_never_scan_the_table() {
        let mut party = by_org();
        party.parties = vec!["urn:altinn:organization:identifier-no:310923044".into()];
        let mut reference = by_org();
        reference.external_reference = Some("ext-1".into());
        let mut labels = by_org();
        labels.service_owner_labels = vec!["case:*".into()];
        labels.system_labels = vec![dp_domain::enums::SystemLabel::Bin];
        let mut page = by_org();
        page.after = Some(vec![
            Some(CursorValue::Time(dp_domain::Timestamp::now())),
            Some(CursorValue::Id(Uuid::now_v7())),
        ]);
        assert!(
            plan(&page).contains("(content_updated_at,id)<"),
            "a keyset page is an index range: {}",
            plan(&page)
        );
        for query in [by_org(), party, reference, labels, page] {
            let plan = plan(&query);
            assert!(
                plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"),
                "{plan}"
            );
            for line in plan.lines() {
                assert!(
                    !line.starts_with("SCAN d") || line.contains("INDEX"),
                    "a table scan: {plan}"
                );
            }
        }
    }

    #[test]
    fn free_text_is_quoted_and_or_joined() {
        assert_eq!(
            fts_query("skatt melding").as_deref(),
            Some("(\"skatt\" OR \"melding\")")
        );
        assert_eq!(
            fts_query("skatt -utkast").as_deref(),
            Some("(\"skatt\") NOT \"utkast\"")
        );
        assert_eq!(fts_query("\" * ( )"), None);
        assert_eq!(
            fts_query("a\"b NEAR(").as_deref(),
            Some("(\"ab\" OR \"NEAR\")")
        );
    }
}
