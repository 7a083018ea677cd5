//! Dialog searches on PostgreSQL (api.md §3): every filter an indexed condition over typed
//! parameters (arrays for lists, so one prepared statement serves any number of values), the
//! keyset position as a row-value range, free text through `dialog_search` with
//! `websearch_to_tsquery` as the real service queries it (api.md §3.4).

use deadpool_postgres::GenericClient;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_domain::enums::DeletedFilter;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::dialogs::{read_document, text_search_config};
use crate::StoreError;
use crate::contract::{CursorValue, DialogQuery, OrderKey};

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(String),
    Int(i64),
    Id(Uuid),
    Texts(Vec<String>),
    Ids(Vec<Uuid>),
}

impl Value {
    fn boxed(self) -> Box<dyn ToSql + Sync + Send> {
        match self {
            Value::Text(v) => Box::new(v),
            Value::Int(v) => Box::new(v),
            Value::Id(v) => Box::new(v),
            Value::Texts(v) => Box::new(v),
            Value::Ids(v) => Box::new(v),
        }
    }
}

/// The input of `websearch_to_tsquery`, with the real service's rewrite: plain words are
/// joined with `or` (its `DialogFreeTextSearchSqlHelpers`: OR between terms unless a negated
/// `-term` is present; quoted phrases and explicit `AND`/`OR` are kept as written).
pub(super) fn websearch_input(search: &str) -> String {
    let words: Vec<&str> = search.split_whitespace().collect();
    let explicit = search.contains('"')
        || words.iter().any(|w| {
            w.starts_with('-') || w.eq_ignore_ascii_case("or") || w.eq_ignore_ascii_case("and")
        });
    if explicit {
        search.to_owned()
    } else {
        words.join(" or ")
    }
}

/// The SQL expression a sort key orders by; `due_sort` is `dueAt` with a missing date as the
/// largest value, so keyset comparisons stay total (migration 0001).
fn order_expression(key: OrderKey) -> &'static str {
    match key {
        OrderKey::ContentUpdatedAt => "d.content_updated_at",
        OrderKey::UpdatedAt => "d.updated_at",
        OrderKey::CreatedAt => "d.created_at",
        OrderKey::DueAt => "d.due_sort",
        OrderKey::Id => "d.id",
    }
}

/// A cursor value as a parameter with its type cast (row comparisons need typed parameters).
fn cursor_value(value: Option<CursorValue>) -> (Value, &'static str) {
    match value {
        Some(CursorValue::Time(t)) => (Value::Int(t.unix_micros()), "bigint"),
        Some(CursorValue::Id(id)) => (Value::Id(id), "uuid"),
        None => (Value::Int(i64::MAX), "bigint"),
    }
}

#[derive(Default)]
struct Sql {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    fn cursor(&mut self, value: Option<CursorValue>) -> String {
        let (value, cast) = cursor_value(value);
        format!("{}::{cast}", self.push(value))
    }

    fn any_of(&mut self, column: &str, values: Vec<String>) {
        if !values.is_empty() {
            let p = self.push(Value::Texts(values));
            self.conditions.push(format!("{column} = any({p}::text[])"));
        }
    }

    fn compare(&mut self, column: &str, operator: &str, value: Option<Timestamp>) {
        if let Some(value) = value {
            let p = self.push(Value::Int(value.unix_micros()));
            self.conditions.push(format!("{column} {operator} {p}"));
        }
    }
}

fn lower(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.to_lowercase()).collect()
}

/// `(party, resource) ∈ pairs`, or the dialog is named by a delegated instance (authz.md §3.4
/// step 7).
fn authorized(sql: &mut Sql, pairs: &[(String, String)], instances: &[String]) {
    let mut alternatives = Vec::new();
    if !pairs.is_empty() {
        let parties = sql.push(Value::Texts(
            pairs.iter().map(|p| p.0.to_lowercase()).collect(),
        ));
        let resources = sql.push(Value::Texts(
            pairs.iter().map(|p| p.1.to_lowercase()).collect(),
        ));
        alternatives.push(format!(
            "(d.party, d.service_resource) in (select * from unnest({parties}::text[], {resources}::text[]))"
        ));
    }
    let mut ids = Vec::new();
    let mut labels = Vec::new();
    for reference in instances {
        let reference = reference.to_lowercase();
        match reference.strip_prefix("urn:altinn:dialog-id:") {
            Some(id) => ids.extend(Uuid::parse_str(id).ok()),
            None => {
                // App instances are labelled in either spelling (api.md §4.8).
                if let Some(rest) = reference.strip_prefix("urn:altinn:instance-id:") {
                    labels.push(format!("urn:altinn:integration:storage:{rest}"));
                }
                labels.push(reference);
            }
        }
    }
    if !ids.is_empty() {
        let p = sql.push(Value::Ids(ids));
        alternatives.push(format!("d.id = any({p}::uuid[])"));
    }
    if !labels.is_empty() {
        let p = sql.push(Value::Texts(labels));
        alternatives.push(format!(
            "exists (select 1 from dialog_service_owner_label l where l.dialog_id = d.id and l.label collate \"C\" = any({p}::text[]))"
        ));
    }
    sql.conditions.push(if alternatives.is_empty() {
        "false".into()
    } else {
        format!("({})", alternatives.join(" or "))
    });
}

fn filters(sql: &mut Sql, query: &DialogQuery) {
    sql.any_of("d.org", query.org.clone());
    sql.any_of("d.service_resource", lower(&query.service_resources));
    sql.any_of("d.party", lower(&query.parties));
    if let Some(pairs) = &query.authorized_pairs {
        authorized(sql, pairs, &query.authorized_instances);
    }
    sql.any_of("d.extended_status", query.extended_status.clone());
    if let Some(reference) = &query.external_reference {
        let p = sql.push(Value::Text(reference.clone()));
        sql.conditions.push(format!("d.external_reference = {p}"));
    }
    let status: Vec<String> = query.status.iter().map(|s| s.as_str().to_owned()).collect();
    sql.any_of("d.status", status);
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
        let p = sql.push(Value::Int(now.unix_micros()));
        sql.conditions.push(format!(
            "(d.visible_from is null or d.visible_from <= {p}) and (d.expires_at is null or d.expires_at > {p})"
        ));
    }
    if let Some(seen) = query.is_content_seen {
        sql.conditions.push(format!("d.is_content_seen = {seen}"));
    }
    if let Some(process) = &query.process {
        let p = sql.push(Value::Text(process.clone()));
        sql.conditions.push(format!("d.process = {p}"));
    }
    if !query.system_labels.is_empty() {
        let labels = query
            .system_labels
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect();
        let p = sql.push(Value::Texts(labels));
        sql.conditions.push(format!(
            "exists (select 1 from dialog_system_label l where l.dialog_id = d.id and l.label = any({p}::text[]))"
        ));
    }
    if query.exclude_api_only {
        sql.conditions.push("not d.is_api_only".into());
    }
    if let Some(search) = &query.search {
        free_text(sql, query, search);
    }
    for label in &query.service_owner_labels {
        owner_label(sql, label);
    }
}

/// Free text: the dialogs whose vector matches, found through the GIN index on (party,
/// vector) when the search names its parties.
fn free_text(sql: &mut Sql, query: &DialogQuery, search: &str) {
    let config = text_search_config(query.search_language.as_deref());
    let text = sql.push(Value::Text(websearch_input(search)));
    let mut inner =
        format!("s.search_vector @@ websearch_to_tsquery('{config}'::regconfig, {text})");
    let mut parties = lower(&query.parties);
    if parties.is_empty()
        && query.authorized_instances.is_empty()
        && let Some(pairs) = &query.authorized_pairs
    {
        parties = pairs.iter().map(|p| p.0.to_lowercase()).collect();
        parties.sort();
        parties.dedup();
    }
    if !parties.is_empty() {
        let p = sql.push(Value::Texts(parties));
        inner.push_str(&format!(" and s.party = any({p}::text[])"));
    }
    sql.conditions.push(format!(
        "d.id in (select s.dialog_id from dialog_search s where {inner})"
    ));
}

/// A service-owner label, exact or `prefix*`; in the C collation so a prefix is an index
/// range (migration 0001).
fn owner_label(sql: &mut Sql, label: &str) {
    let label = label.to_lowercase();
    let condition = match label.strip_suffix('*') {
        Some(prefix) => {
            let low = sql.push(Value::Text(prefix.to_owned()));
            let high = sql.push(Value::Text(format!("{prefix}\u{10FFFF}")));
            format!("l.label collate \"C\" >= {low} and l.label collate \"C\" < {high}")
        }
        None => {
            let p = sql.push(Value::Text(label.clone()));
            format!("l.label collate \"C\" = {p}")
        }
    };
    sql.conditions.push(format!(
        "exists (select 1 from dialog_service_owner_label l where l.dialog_id = d.id and {condition})"
    ));
}

/// Rows strictly after the cursor in sort order: one row comparison when every key runs the
/// same way (an index range), else `(k1 > v1) or (k1 = v1 and k2 > v2) …`.
fn keyset(sql: &mut Sql, query: &DialogQuery) {
    let Some(after) = &query.after else {
        return;
    };
    if query.order.is_empty() {
        return;
    }
    let same_direction = query
        .order
        .windows(2)
        .all(|pair| pair[0].descending == pair[1].descending);
    if same_direction {
        let columns: Vec<&str> = query
            .order
            .iter()
            .map(|o| order_expression(o.key))
            .collect();
        let values: Vec<String> = (0..query.order.len())
            .map(|i| sql.cursor(after.get(i).copied().flatten()))
            .collect();
        let operator = if query.order[0].descending { "<" } else { ">" };
        sql.conditions.push(format!(
            "({}) {operator} ({})",
            columns.join(", "),
            values.join(", ")
        ));
        return;
    }
    let mut alternatives = Vec::new();
    for (index, order) in query.order.iter().enumerate() {
        let mut parts = Vec::new();
        for (previous, value) in query.order[..index].iter().zip(after) {
            let p = sql.cursor(*value);
            parts.push(format!("{} = {p}", order_expression(previous.key)));
        }
        let p = sql.cursor(after.get(index).copied().flatten());
        let operator = if order.descending { "<" } else { ">" };
        parts.push(format!("{} {operator} {p}", order_expression(order.key)));
        alternatives.push(format!("({})", parts.join(" and ")));
    }
    sql.conditions
        .push(format!("({})", alternatives.join(" or ")));
}

/// The search statement (`select d.document …`) and its parameters.
pub(super) fn search_sql(query: &DialogQuery) -> (String, Vec<Value>) {
    let mut sql = Sql::default();
    filters(&mut sql, query);
    keyset(&mut sql, query);
    let order: Vec<String> = if query.order.is_empty() {
        vec!["d.content_updated_at desc".into(), "d.id desc".into()]
    } else {
        query
            .order
            .iter()
            .map(|o| {
                let direction = if o.descending { "desc" } else { "asc" };
                format!("{} {direction}", order_expression(o.key))
            })
            .collect()
    };
    let where_clause = if sql.conditions.is_empty() {
        String::new()
    } else {
        format!("where {}", sql.conditions.join(" and "))
    };
    let limit = sql.push(Value::Int(i64::try_from(query.limit).unwrap_or(i64::MAX)));
    (
        format!(
            "select d.document from dialog d {where_clause} order by {} limit {limit}",
            order.join(", ")
        ),
        sql.values,
    )
}

pub(super) async fn run(
    client: &impl GenericClient,
    query: &DialogQuery,
) -> Result<Vec<Dialog>, StoreError> {
    let (text, values) = search_sql(query);
    let values: Vec<Box<dyn ToSql + Sync + Send>> = values.into_iter().map(Value::boxed).collect();
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let statement = client.prepare_cached(&text).await?;
    let rows = client.query(&statement, &params).await?;
    rows.iter().map(|row| read_document(row.get(0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Order;
    use crate::postgres::{PostgresConfig, PostgresStore, scratch};

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

    fn ordered(key: OrderKey, descending: bool) -> DialogQuery {
        let mut query = by_org();
        query.order[0] = Order { key, descending };
        query.order[1].descending = descending;
        query
    }

    const PARTY: &str = "urn:altinn:organization:identifier-no:310923044";

    /// Every filter and order of the search can run on an index (issue 13 item 2), as the
    /// SQLite store's plan test checks: with sequential scans priced out
    /// (`enable_seqscan = off`), no plan step scans a table.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn searches_use_an_index_and_never_scan_a_table() {
        let Some(url) = scratch::database_url().await else {
            return;
        };
        let url = scratch::schema(&url).await.expect("schema");
        let store = PostgresStore::connect(&PostgresConfig::new(url))
            .await
            .expect("store");
        let client = store.client().await.expect("client");
        client
            .batch_execute("set enable_seqscan = off")
            .await
            .expect("set");
        let mut party = by_org();
        party.parties = vec![PARTY.into()];
        let mut reference = by_org();
        reference.external_reference = Some("ext-1".into());
        let mut labels = by_org();
        labels.service_owner_labels = vec!["case:*".into()];
        labels.system_labels = vec![dp_domain::enums::SystemLabel::Bin];
        let mut page = by_org();
        page.after = Some(vec![
            Some(CursorValue::Time(Timestamp::now())),
            Some(CursorValue::Id(Uuid::now_v7())),
        ]);
        let mut due_page = ordered(OrderKey::DueAt, false);
        due_page.after = Some(vec![None, Some(CursorValue::Id(Uuid::now_v7()))]);
        let mut free_text = by_org();
        free_text.search = Some("skatt melding".into());
        let end_user = DialogQuery {
            authorized_pairs: Some(vec![
                (PARTY.into(), "urn:altinn:resource:a".into()),
                (
                    "urn:altinn:person:identifier-no:1".into(),
                    "urn:altinn:resource:b".into(),
                ),
            ]),
            visible_at: Some(Timestamp::now()),
            deleted: Some(DeletedFilter::Exclude),
            ..by_org()
        };
        let end_user = DialogQuery {
            org: Vec::new(),
            ..end_user
        };
        let mut end_user_text = end_user.clone();
        end_user_text.search = Some("skatt".into());
        let mut resource = by_org();
        resource.org = Vec::new();
        resource.service_resources = vec!["urn:altinn:resource:a".into()];
        let queries = [
            ("org", by_org()),
            ("party", party),
            ("external reference", reference),
            ("labels", labels),
            ("keyset page", page),
            ("createdAt", ordered(OrderKey::CreatedAt, false)),
            ("updatedAt", ordered(OrderKey::UpdatedAt, true)),
            ("dueAt page", due_page),
            ("free text", free_text),
            ("end user", end_user),
            ("end user free text", end_user_text),
            ("resource", resource),
        ];
        for (name, query) in queries {
            let (text, values) = search_sql(&query);
            let values: Vec<Box<dyn ToSql + Sync + Send>> =
                values.into_iter().map(Value::boxed).collect();
            let params: Vec<&(dyn ToSql + Sync)> = values
                .iter()
                .map(|v| v.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let plan: Vec<String> = client
                .query(&format!("explain {text}"), &params)
                .await
                .expect("explain")
                .iter()
                .map(|row| row.get(0))
                .collect();
            let plan = plan.join("\n");
            assert!(!plan.contains("Seq Scan"), "{name}: a table scan:\n{plan}");
            assert!(plan.contains("Index"), "{name}: no index:\n{plan}");
        }
    }

    #[test]
    fn plain_words_are_or_joined_and_explicit_syntax_is_kept() {
        assert_eq!(websearch_input("skatt  melding"), "skatt or melding");
        assert_eq!(websearch_input("skatt -utkast"), "skatt -utkast");
        assert_eq!(websearch_input("\"min skatt\" 2024"), "\"min skatt\" 2024");
        assert_eq!(websearch_input("skatt AND melding"), "skatt AND melding");
    }
}
