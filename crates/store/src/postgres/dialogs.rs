//! [`DialogStore`](crate::DialogStore) rows on PostgreSQL: the aggregate as a JSON document
//! with indexed copies of its searchable fields, labels and child ids in side tables, and the
//! weighted free-text vector in `dialog_search`, all written in the command's transaction.

use std::collections::BTreeMap;

use deadpool_postgres::{GenericClient, Transaction};
use dp_domain::dialog::{Dialog, SearchText};
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
    } else {
        // A taken idempotent key is no error inside the transaction (so the existing dialog
        // can still be named); a taken id still is.
        let statement = tx
            .prepare_cached(&format!(
                "insert into dialog ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                    $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
                 on conflict (org, idempotent_key) where idempotent_key is not null do nothing"
            ))
            .await
            .map_err(StoreError::from)?;
        match tx.execute(&statement, &refs(&values)).await {
            Ok(0) => return Err(idempotent_key_taken(tx, dialog).await),
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(WriteError::DuplicateId {
                    kind: "DialogEntity".into(),
                    id: dialog.id,
                });
            }
            Err(e) => return Err(StoreError::from(e).into()),
        }
    }
    write_side_tables(tx, dialog).await
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

async fn write_side_tables(tx: &Transaction<'_>, dialog: &Dialog) -> Result<(), WriteError> {
    let children = dialog.child_ids();
    if !children.is_empty() {
        let ids: Vec<Uuid> = children.iter().map(|(id, _)| *id).collect();
        let kinds: Vec<&str> = children.iter().map(|(_, kind)| *kind).collect();
        let statement = tx
            .prepare_cached(
                "insert into dialog_child (id, dialog_id, kind)
                 select child, $2, kind from unnest($1::uuid[], $3::text[]) as c (child, kind)",
            )
            .await
            .map_err(StoreError::from)?;
        if let Err(error) = tx.execute(&statement, &[&ids, &dialog.id, &kinds]).await {
            if is_unique_violation(&error) {
                let id = violated_id(&error).unwrap_or(dialog.id);
                let kind = children
                    .iter()
                    .find(|(child, _)| *child == id)
                    .map_or("DialogEntity", |(_, kind)| *kind);
                return Err(WriteError::DuplicateId {
                    kind: kind.into(),
                    id,
                });
            }
            return Err(StoreError::from(error).into());
        }
    }
    let system: Vec<&str> = dialog
        .end_user_context
        .system_labels
        .iter()
        .map(|l| l.as_str())
        .collect();
    let owner: Vec<String> = dialog
        .service_owner_context
        .service_owner_labels
        .iter()
        .map(|l| l.to_lowercase())
        .collect();
    for (table, labels) in [
        (
            "dialog_system_label",
            system.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        ("dialog_service_owner_label", owner),
    ] {
        if labels.is_empty() {
            continue;
        }
        let statement = tx
            .prepare_cached(&format!(
                "insert into {table} (dialog_id, label) select $1, l from unnest($2::text[]) l
                 on conflict do nothing"
            ))
            .await
            .map_err(StoreError::from)?;
        tx.execute(&statement, &[&dialog.id, &labels])
            .await
            .map_err(StoreError::from)?;
    }
    write_search_vector(tx, dialog).await?;
    Ok(())
}

async fn write_search_vector(tx: &Transaction<'_>, dialog: &Dialog) -> Result<(), StoreError> {
    let (vector, texts) = search_vector(&dialog.search_texts(), 3);
    let statement = tx
        .prepare_cached(&format!(
            "insert into dialog_search (dialog_id, party, search_vector) values ($1, $2, {vector})
             on conflict (dialog_id) do update
             set party = excluded.party, search_vector = excluded.search_vector"
        ))
        .await?;
    let party = dialog.party.to_lowercase();
    let mut values: Vec<&(dyn ToSql + Sync)> = vec![&dialog.id, &party];
    values.extend(texts.iter().map(|t| t as &(dyn ToSql + Sync)));
    tx.execute(&statement, &values).await?;
    Ok(())
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
