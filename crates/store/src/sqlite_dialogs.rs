//! [`DialogStore`] on SQLite: the aggregate as a JSON document plus indexed copies of the
//! searchable fields, labels and child ids in side tables, and an FTS5 table for free text.

use dp_domain::dialog::Dialog;
use dp_domain::enums::DeletedFilter;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params, params_from_iter};
use uuid::Uuid;

use crate::dialogs::{CursorValue, DialogQuery, DialogStore, OrderKey, StoredDialog, WriteError};
use crate::{SqliteStore, StoreError};

fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
}

/// `isContentSeen` as a searchable column: seen since the last content update and not marked
/// as unopened (api.md §4.7).
fn content_seen(dialog: &Dialog) -> bool {
    let marked = dialog
        .end_user_context
        .system_labels
        .contains(&dp_domain::enums::SystemLabel::MarkedAsUnopened);
    !marked
        && dialog
            .seen_log
            .iter()
            .any(|s| s.seen_at.unix_micros() >= dialog.content_updated_at.unix_micros())
}

/// Writes the dialog row's searchable columns and its side tables. `seq` is the row to update,
/// or `None` to insert.
fn write_dialog(
    tx: &Transaction<'_>,
    dialog: &Dialog,
    version: i64,
    existing_seq: Option<i64>,
) -> Result<i64, WriteError> {
    let document = serde_json::to_string(dialog)
        .map_err(|e| StoreError::Corrupt(format!("unserializable dialog: {e}")))?;
    let id = id_text(dialog.id);
    let values = params![
        id,
        version,
        dialog.org,
        dialog.service_resource.to_lowercase(),
        dialog.party.to_lowercase(),
        dialog.idempotent_key,
        dialog.status.as_str(),
        dialog.extended_status,
        dialog.external_reference,
        dialog.process,
        dialog.created_at.unix_micros(),
        dialog.updated_at.unix_micros(),
        dialog.content_updated_at.unix_micros(),
        dialog.due_at.map(|t| t.unix_micros()),
        dialog.visible_from.map(|t| t.unix_micros()),
        dialog.expires_at.map(|t| t.unix_micros()),
        dialog.deleted_at.map(|t| t.unix_micros()),
        dialog.is_api_only,
        content_seen(dialog),
        id_text(dialog.end_user_context.revision),
        document,
    ];
    let result = match existing_seq {
        None => tx.execute(
            "insert into dialog (id, version, org, service_resource, party, idempotent_key, status,
                extended_status, external_reference, process, created_at, updated_at,
                content_updated_at, due_at, visible_from, expires_at, deleted_at, is_api_only,
                is_content_seen, end_user_context_revision, document)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20, ?21)",
            values,
        ),
        Some(_) => tx.execute(
            "update dialog set version = ?2, org = ?3, service_resource = ?4, party = ?5,
                idempotent_key = ?6, status = ?7, extended_status = ?8, external_reference = ?9,
                process = ?10, created_at = ?11, updated_at = ?12, content_updated_at = ?13,
                due_at = ?14, visible_from = ?15, expires_at = ?16, deleted_at = ?17,
                is_api_only = ?18, is_content_seen = ?19, end_user_context_revision = ?20,
                document = ?21
             where id = ?1",
            values,
        ),
    };
    if let Err(error) = result {
        if !is_unique_violation(&error) {
            return Err(StoreError::from(error).into());
        }
        if let Some(key) = &dialog.idempotent_key {
            let existing: Option<String> = tx
                .query_row(
                    "select id from dialog where org = ?1 and idempotent_key = ?2",
                    params![dialog.org, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::from)?;
            if let Some(existing) = existing.and_then(|e| Uuid::parse_str(&e).ok())
                && existing != dialog.id
            {
                return Err(WriteError::IdempotentKey {
                    key: key.clone(),
                    existing,
                });
            }
        }
        return Err(WriteError::DuplicateId {
            kind: "DialogEntity".into(),
            id: dialog.id,
        });
    }
    let seq = match existing_seq {
        Some(seq) => seq,
        None => tx.last_insert_rowid(),
    };
    for table in [
        "dialog_child",
        "dialog_system_label",
        "dialog_service_owner_label",
    ] {
        tx.execute(&format!("delete from {table} where dialog_id = ?1"), [&id])
            .map_err(StoreError::from)?;
    }
    {
        let mut insert = tx
            .prepare_cached("insert into dialog_child (id, dialog_id, kind) values (?1, ?2, ?3)")
            .map_err(StoreError::from)?;
        for (child, kind) in dialog.child_ids() {
            if let Err(error) = insert.execute(params![id_text(child), id, kind]) {
                if is_unique_violation(&error) {
                    return Err(WriteError::DuplicateId {
                        kind: kind.into(),
                        id: child,
                    });
                }
                return Err(StoreError::from(error).into());
            }
        }
        let mut insert = tx
            .prepare_cached(
                "insert or ignore into dialog_system_label (dialog_id, label) values (?1, ?2)",
            )
            .map_err(StoreError::from)?;
        for label in &dialog.end_user_context.system_labels {
            insert
                .execute(params![id, label.as_str()])
                .map_err(StoreError::from)?;
        }
        let mut insert = tx
            .prepare_cached(
                "insert or ignore into dialog_service_owner_label (dialog_id, label) values (?1, ?2)",
            )
            .map_err(StoreError::from)?;
        for label in &dialog.service_owner_context.service_owner_labels {
            insert
                .execute(params![id, label.to_lowercase()])
                .map_err(StoreError::from)?;
        }
    }
    tx.execute("delete from dialog_search where rowid = ?1", [seq])
        .map_err(StoreError::from)?;
    tx.execute(
        "insert into dialog_search (rowid, body) values (?1, ?2)",
        params![seq, dialog.search_document()],
    )
    .map_err(StoreError::from)?;
    Ok(seq)
}

fn read_document(text: &str) -> Result<Dialog, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The free-text query for FTS5: every word quoted (so no FTS syntax leaks through) and
/// joined with OR, as DP rewrites plain multi-word input (api.md §3.4). Words prefixed with
/// `-` are excluded.
pub fn fts_query(search: &str) -> Option<String> {
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
fn search_sql(query: &DialogQuery) -> (String, Vec<SqlValue>) {
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

impl SqliteStore {
    fn get_row(
        connection: &Connection,
        id: Uuid,
    ) -> Result<Option<(i64, i64, String)>, StoreError> {
        Ok(connection
            .prepare_cached("select seq, version, document from dialog where id = ?1")?
            .query_row([id_text(id)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }
}

impl DialogStore for SqliteStore {
    fn insert_dialog(&self, dialog: &Dialog) -> Result<(), WriteError> {
        self.with_connection(|connection| {
            let tx = connection.transaction().map_err(StoreError::from)?;
            match write_dialog(&tx, dialog, 1, None) {
                Ok(_) => {
                    tx.commit().map_err(StoreError::from)?;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        })
    }

    fn insert_dialogs(&self, dialogs: &[Dialog]) -> Result<(), WriteError> {
        self.with_connection(|connection| {
            let tx = connection.transaction().map_err(StoreError::from)?;
            for dialog in dialogs {
                write_dialog(&tx, dialog, 1, None)?;
            }
            tx.commit().map_err(StoreError::from)?;
            Ok(())
        })
    }

    fn get_dialog(&self, id: Uuid) -> Result<Option<StoredDialog>, StoreError> {
        self.with_reader(|connection| match Self::get_row(connection, id)? {
            Some((_, version, document)) => Ok(Some(StoredDialog {
                dialog: read_document(&document)?,
                version,
            })),
            None => Ok(None),
        })
    }

    fn update_dialog(&self, dialog: &Dialog, expected_version: i64) -> Result<(), WriteError> {
        self.with_connection(|connection| {
            let tx = connection.transaction().map_err(StoreError::from)?;
            let Some((seq, version, _)) = Self::get_row(&tx, dialog.id)? else {
                return Err(WriteError::Concurrency);
            };
            if version != expected_version {
                return Err(WriteError::Concurrency);
            }
            write_dialog(&tx, dialog, version + 1, Some(seq))?;
            tx.commit().map_err(StoreError::from)?;
            Ok(())
        })
    }

    fn update_dialogs(&self, updates: &[(Dialog, i64)]) -> Result<(), WriteError> {
        self.with_connection(|connection| {
            let tx = connection.transaction().map_err(StoreError::from)?;
            for (dialog, expected_version) in updates {
                let Some((seq, version, _)) = Self::get_row(&tx, dialog.id)? else {
                    return Err(WriteError::Concurrency);
                };
                if version != *expected_version {
                    return Err(WriteError::Concurrency);
                }
                write_dialog(&tx, dialog, version + 1, Some(seq))?;
            }
            tx.commit().map_err(StoreError::from)?;
            Ok(())
        })
    }

    fn purge_dialog(&self, id: Uuid) -> Result<bool, StoreError> {
        self.with_connection(|connection| {
            let tx = connection.transaction()?;
            let Some((seq, _, _)) = Self::get_row(&tx, id)? else {
                return Ok(false);
            };
            tx.execute("delete from dialog_search where rowid = ?1", [seq])?;
            tx.execute("delete from dialog where seq = ?1", [seq])?;
            tx.commit()?;
            Ok(true)
        })
    }

    fn dialog_by_idempotent_key(&self, org: &str, key: &str) -> Result<Option<Uuid>, StoreError> {
        self.with_reader(|connection| {
            let id: Option<String> = connection
                .prepare_cached("select id from dialog where org = ?1 and idempotent_key = ?2")?
                .query_row(params![org, key], |r| r.get(0))
                .optional()?;
            Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
        })
    }

    fn dialog_of_child(&self, child_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        self.with_reader(|connection| {
            let id: Option<String> = connection
                .prepare_cached("select dialog_id from dialog_child where id = ?1")?
                .query_row([id_text(child_id)], |r| r.get(0))
                .optional()?;
            Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
        })
    }

    fn search_dialogs(&self, query: &DialogQuery) -> Result<Vec<Dialog>, StoreError> {
        let (sql, values) = search_sql(query);
        self.with_reader(|connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params_from_iter(values), |r| r.get::<_, String>(0))?;
            let mut dialogs = Vec::new();
            for row in rows {
                dialogs.push(read_document(&row?)?);
            }
            Ok(dialogs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialogs::Order;

    /// The query plan of a search, one line per step.
    fn plan(query: &DialogQuery) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("plan.db")).expect("store");
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
