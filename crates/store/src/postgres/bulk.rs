//! Bulk inserts (`generate`, `store copy`; issue 13 item 5) with PostgreSQL's binary `COPY`:
//! the dialog rows, child ids and labels stream straight into their tables, the free-text
//! pieces into a staging table from which one statement builds every dialog's vector. One
//! transaction for the batch, like the row-by-row path, and the same stored result (the
//! conformance suite checks both through `insert_dialogs`).

use std::pin::pin;

use deadpool_postgres::Transaction;
use dp_domain::dialog::Dialog;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use uuid::Uuid;

use super::dialogs::{COLUMNS, row_values, search_buckets, violated_id};
use crate::StoreError;
use crate::contract::WriteError;

/// Batches smaller than this go row by row (a `COPY` has a fixed cost of a few statements).
const THRESHOLD: usize = 50;

/// Whether a batch takes the bulk path: big enough, and no idempotent key, whose conflict the
/// row-by-row path names with the dialog that holds it.
pub(super) fn applies(dialogs: &[Dialog]) -> bool {
    dialogs.len() >= THRESHOLD && dialogs.iter().all(|d| d.idempotent_key.is_none())
}

/// A unique violation while copying: the id already taken, as the row path reports it.
fn duplicate(error: tokio_postgres::Error, dialogs: &[Dialog]) -> WriteError {
    if error.code() != Some(&SqlState::UNIQUE_VIOLATION) {
        return StoreError::from(error).into();
    }
    let id = violated_id(&error).unwrap_or_default();
    let kind = dialogs
        .iter()
        .flat_map(Dialog::child_ids)
        .find(|(child, _)| *child == id)
        .map_or("DialogEntity", |(_, kind)| kind);
    WriteError::DuplicateId {
        kind: kind.into(),
        id,
    }
}

async fn copy_rows(
    tx: &Transaction<'_>,
    statement: &str,
    types: &[Type],
    rows: Vec<Vec<Box<dyn ToSql + Sync + Send>>>,
    dialogs: &[Dialog],
) -> Result<(), WriteError> {
    let sink = tx.copy_in(statement).await.map_err(StoreError::from)?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, types));
    for row in rows {
        let values: Vec<&(dyn ToSql + Sync)> = row
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer
            .as_mut()
            .write(&values)
            .await
            .map_err(|e| duplicate(e, dialogs))?;
    }
    writer.finish().await.map_err(|e| duplicate(e, dialogs))?;
    Ok(())
}

/// Inserts `dialogs` (all new) in the caller's transaction.
pub(super) async fn insert(tx: &Transaction<'_>, dialogs: &[Dialog]) -> Result<(), WriteError> {
    let rows = dialogs
        .iter()
        .map(|d| row_values(d, 1))
        .collect::<Result<Vec<_>, _>>()?;
    let types = [
        Type::UUID,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::BOOL,
        Type::BOOL,
        Type::UUID,
        Type::TEXT,
    ];
    let statement = format!("copy dialog ({COLUMNS}) from stdin binary");
    copy_rows(tx, &statement, &types, rows, dialogs).await?;
    copy_side_tables(tx, dialogs).await?;
    build_search_vectors(tx, dialogs).await
}

fn boxed<T: ToSql + Sync + Send + 'static>(value: T) -> Box<dyn ToSql + Sync + Send> {
    Box::new(value)
}

async fn copy_side_tables(tx: &Transaction<'_>, dialogs: &[Dialog]) -> Result<(), WriteError> {
    let mut children = Vec::new();
    for d in dialogs {
        for (child, kind) in d.child_ids() {
            children.push(vec![boxed(child), boxed(d.id), boxed(kind.to_owned())]);
        }
    }
    let statement = "copy dialog_child (id, dialog_id, kind) from stdin binary";
    copy_rows(
        tx,
        statement,
        &[Type::UUID, Type::UUID, Type::TEXT],
        children,
        dialogs,
    )
    .await?;
    let labels = |d: &Dialog, owner: bool| -> Vec<String> {
        let mut labels: Vec<String> = if owner {
            let labels = &d.service_owner_context.service_owner_labels;
            labels.iter().map(|l| l.to_lowercase()).collect()
        } else {
            let labels = &d.end_user_context.system_labels;
            labels.iter().map(|l| l.as_str().to_owned()).collect()
        };
        labels.sort();
        labels.dedup();
        labels
    };
    for (table, owner) in [
        ("dialog_system_label", false),
        ("dialog_service_owner_label", true),
    ] {
        let mut rows = Vec::new();
        for d in dialogs {
            for label in labels(d, owner) {
                rows.push(vec![boxed(d.id), boxed(label)]);
            }
        }
        let statement = format!("copy {table} (dialog_id, label) from stdin binary");
        copy_rows(tx, &statement, &[Type::UUID, Type::TEXT], rows, dialogs).await?;
    }
    Ok(())
}

/// Stages every dialog's text buckets and builds the vectors in one statement, as the row
/// path's `setweight(to_tsvector(config, text), weight) || …`.
async fn build_search_vectors(tx: &Transaction<'_>, dialogs: &[Dialog]) -> Result<(), WriteError> {
    tx.batch_execute(
        "create temporary table if not exists dialog_search_staging (
             dialog_id uuid, position int, config text, weight text, body text
         ) on commit delete rows",
    )
    .await
    .map_err(StoreError::from)?;
    let mut rows = Vec::new();
    for d in dialogs {
        let buckets = search_buckets(&d.search_texts());
        for (position, ((config, weight), body)) in buckets.into_iter().enumerate() {
            rows.push(vec![
                boxed(d.id),
                boxed(position as i32),
                boxed(config.to_owned()),
                boxed(weight.to_string()),
                boxed(body),
            ]);
        }
    }
    let statement = "copy dialog_search_staging (dialog_id, position, config, weight, body) \
                     from stdin binary";
    let types = [Type::UUID, Type::INT4, Type::TEXT, Type::TEXT, Type::TEXT];
    copy_rows(tx, statement, &types, rows, dialogs).await?;
    let ids: Vec<Uuid> = dialogs.iter().map(|d| d.id).collect();
    tx.execute(
        "insert into dialog_search (dialog_id, party, search_vector)
         select d.id, d.party, coalesce(v.vector, ''::tsvector)
         from dialog d
         left join (
             select dialog_id, dp_tsvector_agg(
                 setweight(to_tsvector(config::regconfig, body), weight::\"char\")
                 order by position) as vector
             from dialog_search_staging group by dialog_id
         ) v on v.dialog_id = d.id
         where d.id = any($1)",
        &[&ids],
    )
    .await
    .map_err(StoreError::from)?;
    Ok(())
}
