//! [`DialogStore`] on SQLite: the aggregate as a JSON document plus indexed copies of the
//! searchable fields, labels and child ids in side tables, and an FTS5 table for free text.

use dp_domain::dialog::Dialog;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, params, params_from_iter};
use uuid::Uuid;

use super::Connections;
use super::id_text;
use super::search::search_sql;
use crate::StoreError;
use crate::contract::{DialogQuery, StoredDialog, WriteError};

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
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
        crate::content_seen(dialog),
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

impl Connections {
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

impl Connections {
    pub(super) fn insert_dialog(&self, dialog: &Dialog) -> Result<(), WriteError> {
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

    pub(super) fn insert_dialogs(&self, dialogs: &[Dialog]) -> Result<(), WriteError> {
        self.with_connection(|connection| {
            let tx = connection.transaction().map_err(StoreError::from)?;
            for dialog in dialogs {
                write_dialog(&tx, dialog, 1, None)?;
            }
            tx.commit().map_err(StoreError::from)?;
            Ok(())
        })
    }

    /// A point read on the given (reader) connection.
    pub(super) fn get_dialog_on(
        connection: &Connection,
        id: Uuid,
    ) -> Result<Option<StoredDialog>, StoreError> {
        match Self::get_row(connection, id)? {
            Some((_, version, document)) => Ok(Some(StoredDialog {
                dialog: read_document(&document)?,
                version,
            })),
            None => Ok(None),
        }
    }

    pub(super) fn update_dialog(
        &self,
        dialog: &Dialog,
        expected_version: i64,
    ) -> Result<(), WriteError> {
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

    pub(super) fn update_dialogs(&self, updates: &[(Dialog, i64)]) -> Result<(), WriteError> {
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

    pub(super) fn purge_dialog(&self, id: Uuid) -> Result<bool, StoreError> {
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

    pub(super) fn dialog_by_idempotent_key(
        &self,
        org: &str,
        key: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        self.with_reader(|connection| {
            let id: Option<String> = connection
                .prepare_cached("select id from dialog where org = ?1 and idempotent_key = ?2")?
                .query_row(params![org, key], |r| r.get(0))
                .optional()?;
            Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
        })
    }

    pub(super) fn dialog_of_child(&self, child_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        self.with_reader(|connection| {
            let id: Option<String> = connection
                .prepare_cached("select dialog_id from dialog_child where id = ?1")?
                .query_row([id_text(child_id)], |r| r.get(0))
                .optional()?;
            Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
        })
    }

    pub(super) fn search_dialogs(&self, query: &DialogQuery) -> Result<Vec<Dialog>, StoreError> {
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

    /// One indexed probe per `(party, resource)`, skipping resources already found.
    pub(super) fn resources_in_use(
        &self,
        probes: Vec<(Option<String>, String)>,
    ) -> Result<Vec<String>, StoreError> {
        self.with_reader(|connection| {
            let mut in_use: Vec<String> = Vec::new();
            for (party, resource) in probes {
                if in_use.contains(&resource) {
                    continue;
                }
                let lower = resource.to_lowercase();
                let found = match party {
                    Some(party) => connection
                        .prepare_cached(
                            "select 1 from dialog where party = ?1 and service_resource = ?2 limit 1",
                        )?
                        .exists(params![party.to_lowercase(), lower])?,
                    None => connection
                        .prepare_cached("select 1 from dialog where service_resource = ?1 limit 1")?
                        .exists([lower])?,
                };
                if found {
                    in_use.push(resource);
                }
            }
            Ok(in_use)
        })
    }
}
