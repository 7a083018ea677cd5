//! Storage behind one async contract ([`Store`]: dialogs and the registry, the outbox next),
//! one module per backend: SQLite (rusqlite, bundled) is the embedded default, PostgreSQL
//! (tokio-postgres) serves several instances on one database (issue 13). Nothing above this
//! crate names a backend's type, SQL, constraint names or free-text syntax: the binary opens a
//! store with [`sqlite::open`] or [`postgres::open`] and everything else holds an
//! `Arc<dyn Store>`.
//!
//! Migrations live in `migrations/<backend>/NNNN_name.sql` and are applied in order at open,
//! tracked by SQLite's `user_version` and PostgreSQL's `schema_migration` table.

pub mod contract;
pub mod postgres;
pub mod sqlite;

pub use contract::{
    CursorValue, DialogQuery, DialogStore, Order, OrderKey, RegistryStore, SharedState, Store,
    StoredDialog, WriteError,
};

/// Storage failures. Client mistakes never reach this type; everything here is a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a statement (the backend's message).
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("the database schema is version {found}, newer than this build knows ({known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("database file: {0}")]
    Io(String),
    /// The database cannot be reached now (down, restarting, no free connection within the
    /// connect timeout): a 503, and `/health/readiness` fails until it answers again.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A statement ran past the statement timeout (a search: the real service's 422 "too
    /// broad").
    #[error("the statement ran past the statement timeout")]
    Timeout,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Database(error.to_string())
    }
}

/// `isContentSeen` as a searchable column of both backends: seen since the last content update
/// and not marked as unopened (api.md §4.7).
pub(crate) fn content_seen(dialog: &dp_domain::dialog::Dialog) -> bool {
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
