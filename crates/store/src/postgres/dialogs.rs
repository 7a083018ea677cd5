//! [`DialogStore`](crate::DialogStore) rows on PostgreSQL: the aggregate as a JSON document
//! with indexed copies of its searchable fields, labels and child ids in side tables, and the
//! weighted free-text vector in `dialog_search`, all written in the command's transaction.

use std::collections::BTreeMap;

use deadpool_postgres::{GenericClient, Transaction};
use dp_domain::dialog::{Dialog, SearchText};
use tokio_postgres::Statement;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::StoreError;
use crate::contract::{StoredDialog, WriteError};

/// The PostgreSQL text-search configuration for a localization's language, as the real
/// service maps ISO codes (api.md §3.4: nb/nn/no → norwegian, en → english, …, else simple).
pub(super) fn text_search_config(language: Option<&str>) -> &'static str {
    let Some(language) = language else {
        return "simple";
    };
    let base = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match base.as_str() {
        "nb" | "nn" | "no" => "norwegian",
        "en" => "english",
        "sv" => "swedish",
        "da" => "danish",
        "de" => "german",
        "fi" => "finnish",
        "fr" => "french",
        "es" => "spanish",
        "nl" => "dutch",
        "it" => "italian",
        "pt" => "portuguese",
        _ => "simple",
    }
}

/// The weighted vector of a dialog: an SQL expression over text parameters starting at
/// `first`, and the texts. Titles weigh `B`, the rest `D` (api.md §3.4). Every text is also
/// indexed with `simple` (unlike the real service), so a search without a language code,
/// which the real service runs with `simple`, still finds a word that a stemmer would change
/// ("meldingen" in a bokmål title).
fn search_vector(texts: &[SearchText<'_>], first: usize) -> (String, Vec<String>) {
    let buckets = search_buckets(texts);
    if buckets.is_empty() {
        return ("''::tsvector".into(), Vec::new());
    }
    let mut terms = Vec::new();
    let mut values = Vec::new();
    for ((config, weight), text) in buckets {
        values.push(text);
        terms.push(format!(
            "setweight(to_tsvector('{config}'::regconfig, ${}), '{weight}')",
            first + values.len() - 1
        ));
    }
    (terms.join(" || "), values)
}

/// A dialog's texts by (configuration, weight), each joined by newlines (see
/// [`search_vector`]); the bulk path stages them as rows.
pub(super) fn search_buckets(texts: &[SearchText<'_>]) -> BTreeMap<(&'static str, char), String> {
    let mut buckets: BTreeMap<(&'static str, char), String> = BTreeMap::new();
    for text in texts {
        let weight = if text.title { 'B' } else { 'D' };
        let config = text_search_config(text.language);
        for config in [config, "simple"] {
            let bucket = buckets.entry((config, weight)).or_default();
            if !bucket.is_empty() {
                bucket.push('\n');
            }
            bucket.push_str(text.text);
            if config == "simple" {
                break;
            }
        }
    }
    buckets
}

fn refs(values: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// The id in a unique violation's detail: `Key (id)=(…) already exists.`
pub(super) fn violated_id(error: &tokio_postgres::Error) -> Option<Uuid> {
    let detail = error.as_db_error()?.detail()?;
    let start = detail.find(")=(")? + 3;
    let end = detail[start..].find(')')? + start;
    Uuid::parse_str(&detail[start..end]).ok()
}

pub(super) fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

pub(super) const COLUMNS: &str = "id, version, org, service_resource, party, idempotent_key, status, \
    extended_status, external_reference, process, created_at, updated_at, content_updated_at, \
    due_at, visible_from, expires_at, deleted_at, is_api_only, is_content_seen, \
    end_user_context_revision, document";

/// The values of the dialog row's [`COLUMNS`], in order.
pub(super) fn row_values(
    dialog: &Dialog,
    version: i64,
) -> Result<Vec<Box<dyn ToSql + Sync + Send>>, StoreError> {
    let document = serde_json::to_string(dialog)
        .map_err(|e| StoreError::Corrupt(format!("unserializable dialog: {e}")))?;
    Ok(vec![
        Box::new(dialog.id),
        Box::new(version),
        Box::new(dialog.org.clone()),
        Box::new(dialog.service_resource.to_lowercase()),
        Box::new(dialog.party.to_lowercase()),
        Box::new(dialog.idempotent_key.clone()),
        Box::new(dialog.status.as_str().to_owned()),
        Box::new(dialog.extended_status.clone()),
        Box::new(dialog.external_reference.clone()),
        Box::new(dialog.process.clone()),
        Box::new(dialog.created_at.unix_micros()),
        Box::new(dialog.updated_at.unix_micros()),
        Box::new(dialog.content_updated_at.unix_micros()),
        Box::new(dialog.due_at.map(|t| t.unix_micros())),
        Box::new(dialog.visible_from.map(|t| t.unix_micros())),
        Box::new(dialog.expires_at.map(|t| t.unix_micros())),
        Box::new(dialog.deleted_at.map(|t| t.unix_micros())),
        Box::new(dialog.is_api_only),
        Box::new(crate::content_seen(dialog)),
        Box::new(dialog.end_user_context.revision),
        Box::new(document),
    ])
}

/// Writes the dialog row and everything beside it. `update`: replace the row whose version is
/// `version - 1` (compare-and-swap); otherwise insert.
///
/// Every statement is prepared first and then sent at once (tokio-postgres pipelines the
/// requests of futures polled together, in the order they are first polled: `join!(biased;
/// …)` polls in the order written), so a create costs
/// one round trip inside its transaction instead of one per table. The results are read in
/// that order: the first failure is the one that explains the rest (a failed statement aborts
/// the transaction, and the caller then drops it, which rolls it back).
pub(super) async fn write(
    tx: &Transaction<'_>,
    dialog: &Dialog,
    version: i64,
    update: bool,
) -> Result<(), WriteError> {
    let values = row_values(dialog, version)?;
    if update {
        let statement = tx
            .prepare_cached(&format!(
                "update dialog set ({COLUMNS}) = ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                    $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
                 where id = $1 and version = $2::bigint - 1"
            ))
            .await
            .map_err(StoreError::from)?;
        match tx.execute(&statement, &refs(&values)).await {
            Ok(0) => return Err(WriteError::Concurrency),
            Ok(_) => {}
            Err(e) => return Err(StoreError::from(e).into()),
        }
        clear_side_tables(tx, dialog.id).await?;
        let side = SideRows::prepare(tx, dialog).await?;
        return side.send(tx).await;
    }
    // A taken idempotent key is no error inside the transaction (so the existing dialog can
    // still be named); a taken id still is.
    let statement = tx
        .prepare_cached(&format!(
            "insert into dialog ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
             on conflict (org, idempotent_key) where idempotent_key is not null do nothing"
        ))
        .await
        .map_err(StoreError::from)?;
    let side = SideRows::prepare(tx, dialog).await?;
    if dialog.idempotent_key.is_some() {
        // Naming the dialog that holds the key takes a query in this transaction, which the
        // side rows' failure (no dialog row to refer to) would have aborted: one at a time.
        let inserted = tx.execute(&statement, &refs(&values)).await;
        inserted_row(tx, dialog, inserted).await?;
        return side.send(tx).await;
    }
    let params = refs(&values);
    let (inserted, side) = tokio::join!(biased; tx.execute(&statement, &params), side.send(tx));
    inserted_row(tx, dialog, inserted).await?;
    side
}

/// What the dialog row's insert says: inserted, its idempotent key taken, or its id taken.
async fn inserted_row(
    tx: &Transaction<'_>,
    dialog: &Dialog,
    inserted: Result<u64, tokio_postgres::Error>,
) -> Result<(), WriteError> {
    match inserted {
        Ok(0) => Err(idempotent_key_taken(tx, dialog).await),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(WriteError::DuplicateId {
            kind: "DialogEntity".into(),
            id: dialog.id,
        }),
        Err(e) => Err(StoreError::from(e).into()),
    }
}

/// The error for a write whose idempotent key another dialog of the org holds.
async fn idempotent_key_taken(tx: &Transaction<'_>, dialog: &Dialog) -> WriteError {
    let Some(key) = &dialog.idempotent_key else {
        return WriteError::Concurrency;
    };
    match by_idempotent_key(tx, &dialog.org, key).await {
        // The same dialog again: its id is what is taken.
        Ok(Some(existing)) if existing == dialog.id => WriteError::DuplicateId {
            kind: "DialogEntity".into(),
            id: dialog.id,
        },
        Ok(Some(existing)) => WriteError::IdempotentKey {
            key: key.clone(),
            existing,
        },
        Ok(None) => WriteError::Concurrency,
        Err(e) => e.into(),
    }
}

async fn clear_side_tables(tx: &Transaction<'_>, id: Uuid) -> Result<(), StoreError> {
    for table in [
        "dialog_child",
        "dialog_system_label",
        "dialog_service_owner_label",
    ] {
        let statement = tx
            .prepare_cached(&format!("delete from {table} where dialog_id = $1"))
            .await?;
        tx.execute(&statement, &[&id]).await?;
    }
    Ok(())
}

/// The rows beside a dialog's (child ids, labels, the free-text vector), prepared and ready to
/// be sent together.
struct SideRows<'d> {
    dialog: &'d Dialog,
    children: Option<(Statement, Vec<Uuid>, Vec<&'static str>)>,
    labels: Vec<(Statement, Vec<String>)>,
    search: (Statement, String, Vec<String>),
}

impl<'d> SideRows<'d> {
    async fn prepare(tx: &Transaction<'_>, dialog: &'d Dialog) -> Result<Self, StoreError> {
        let ids = dialog.child_ids();
        let children = if ids.is_empty() {
            None
        } else {
            let statement = tx
                .prepare_cached(
                    "insert into dialog_child (id, dialog_id, kind)
                     select child, $2, kind from unnest($1::uuid[], $3::text[]) as c (child, kind)",
                )
                .await?;
            Some((
                statement,
                ids.iter().map(|(id, _)| *id).collect(),
                ids.iter().map(|(_, kind)| *kind).collect(),
            ))
        };
        let system: Vec<String> = dialog
            .end_user_context
            .system_labels
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect();
        let owner: Vec<String> = dialog
            .service_owner_context
            .service_owner_labels
            .iter()
            .map(|l| l.to_lowercase())
            .collect();
        let mut labels = Vec::new();
        for (table, values) in [
            ("dialog_system_label", system),
            ("dialog_service_owner_label", owner),
        ] {
            if values.is_empty() {
                continue;
            }
            let statement = tx
                .prepare_cached(&format!(
                    "insert into {table} (dialog_id, label) select $1, l from unnest($2::text[]) l
                     on conflict do nothing"
                ))
                .await?;
            labels.push((statement, values));
        }
        let (vector, texts) = search_vector(&dialog.search_texts(), 3);
        let statement = tx
            .prepare_cached(&format!(
                "insert into dialog_search (dialog_id, party, search_vector) values ($1, $2, {vector})
                 on conflict (dialog_id) do update
                 set party = excluded.party, search_vector = excluded.search_vector"
            ))
            .await?;
        Ok(Self {
            dialog,
            children,
            labels,
            search: (statement, dialog.party.to_lowercase(), texts),
        })
    }

    /// Sends every statement at once and reads the answers in order.
    async fn send(&self, tx: &Transaction<'_>) -> Result<(), WriteError> {
        let id = &self.dialog.id;
        let children = async {
            match &self.children {
                Some((statement, ids, kinds)) => tx.execute(statement, &[ids, id, kinds]).await,
                None => Ok(0),
            }
        };
        let labels =
            futures_util::future::join_all(self.labels.iter().map(
                |(statement, values)| async move { tx.execute(statement, &[id, values]).await },
            ));
        let (statement, party, texts) = &self.search;
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![id, party];
        values.extend(texts.iter().map(|t| t as &(dyn ToSql + Sync)));
        let search = tx.execute(statement, &values);
        let (children, labels, search) = tokio::join!(biased; children, labels, search);
        if let Err(error) = children {
            return Err(self.child_error(error));
        }
        for result in labels {
            result.map_err(StoreError::from)?;
        }
        search.map_err(StoreError::from)?;
        Ok(())
    }

    /// A child id already taken (by this or another dialog) is a 422 naming the entity.
    fn child_error(&self, error: tokio_postgres::Error) -> WriteError {
        if !is_unique_violation(&error) {
            return StoreError::from(error).into();
        }
        let id = violated_id(&error).unwrap_or(self.dialog.id);
        let kind = self
            .dialog
            .child_ids()
            .into_iter()
            .find(|(child, _)| *child == id)
            .map_or("DialogEntity", |(_, kind)| kind);
        WriteError::DuplicateId {
            kind: kind.into(),
            id,
        }
    }
}

pub(super) fn read_document(text: &str) -> Result<Dialog, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) async fn get(
    client: &impl GenericClient,
    id: Uuid,
) -> Result<Option<StoredDialog>, StoreError> {
    let statement = client
        .prepare_cached("select version, document from dialog where id = $1")
        .await?;
    match client.query_opt(&statement, &[&id]).await? {
        Some(row) => Ok(Some(StoredDialog {
            version: row.get(0),
            dialog: read_document(row.get(1))?,
        })),
        None => Ok(None),
    }
}

pub(super) async fn by_idempotent_key(
    client: &impl GenericClient,
    org: &str,
    key: &str,
) -> Result<Option<Uuid>, StoreError> {
    let statement = client
        .prepare_cached("select id from dialog where org = $1 and idempotent_key = $2")
        .await?;
    Ok(client
        .query_opt(&statement, &[&org, &key])
        .await?
        .map(|row| row.get(0)))
}

/// One indexed probe per `(party, resource)`, skipping resources already found.
pub(super) async fn resources_in_use(
    client: &impl GenericClient,
    probes: Vec<(Option<String>, String)>,
) -> Result<Vec<String>, StoreError> {
    let by_party = client
        .prepare_cached("select 1 from dialog where party = $1 and service_resource = $2 limit 1")
        .await?;
    let any_party = client
        .prepare_cached("select 1 from dialog where service_resource = $1 limit 1")
        .await?;
    let mut in_use: Vec<String> = Vec::new();
    for (party, resource) in probes {
        if in_use.contains(&resource) {
            continue;
        }
        let lower = resource.to_lowercase();
        let found = match party {
            Some(party) => client
                .query_opt(&by_party, &[&party.to_lowercase(), &lower])
                .await?
                .is_some(),
            None => client.query_opt(&any_party, &[&lower]).await?.is_some(),
        };
        if found {
            in_use.push(resource);
        }
    }
    Ok(in_use)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_map_to_configurations_and_every_text_is_also_simple() {
        assert_eq!(text_search_config(Some("nb")), "norwegian");
        assert_eq!(text_search_config(Some("nn-NO")), "norwegian");
        assert_eq!(text_search_config(Some("en")), "english");
        assert_eq!(text_search_config(Some("se")), "simple");
        assert_eq!(text_search_config(None), "simple");
        let texts = [
            SearchText {
                language: Some("nb"),
                title: true,
                text: "Skattemeldingen",
            },
            SearchText {
                language: None,
                title: false,
                text: "tag",
            },
        ];
        let (sql, values) = search_vector(&texts, 3);
        assert_eq!(
            sql,
            "setweight(to_tsvector('norwegian'::regconfig, $3), 'B') || \
             setweight(to_tsvector('simple'::regconfig, $4), 'B') || \
             setweight(to_tsvector('simple'::regconfig, $5), 'D')"
        );
        assert_eq!(values, ["Skattemeldingen", "Skattemeldingen", "tag"]);
    }
}
