//! Storage. One store per backend; SQLite (rusqlite, bundled) is the embedded default.
//!
//! Migrations live in `migrations/<backend>/NNNN_name.sql` and are applied in order at open,
//! tracked by SQLite's `user_version`.

pub mod dialogs;
pub mod sqlite;
mod sqlite_dialogs;

pub use dialogs::{DialogQuery, DialogStore, StoredDialog, WriteError};
pub use sqlite::SqliteStore;
pub use sqlite_dialogs::fts_query;

/// Storage failures. Client mistakes never reach this type; everything here is a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("the database schema is version {found}, newer than this build knows ({known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("database file: {0}")]
    Io(String),
}
