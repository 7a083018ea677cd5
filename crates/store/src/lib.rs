//! Storage behind one async contract ([`Store`]: dialogs and the registry, the outbox next),
//! one module per backend; SQLite (rusqlite, bundled) is the embedded default. Nothing above
//! this crate names a backend's type, SQL, constraint names or free-text syntax: the binary
//! opens a store with [`sqlite::open`] and everything else holds an `Arc<dyn Store>`.
//!
//! Migrations live in `migrations/<backend>/NNNN_name.sql` and are applied in order at open,
//! tracked by SQLite's `user_version`.

pub mod contract;
pub mod sqlite;

pub use contract::{
    CursorValue, DialogQuery, DialogStore, Order, OrderKey, RegistryStore, Store, StoredDialog,
    WriteError,
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
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Database(error.to_string())
    }
}
