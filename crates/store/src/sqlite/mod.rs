//! The SQLite store: WAL journal (readers never block the writer), `synchronous = NORMAL`
//! (a committed transaction survives a process kill; only an OS crash may lose the last ones),
//! foreign keys on, and a busy timeout so concurrent connections wait instead of failing.
//!
//! rusqlite is blocking, the contract is async: every call runs on tokio's blocking pool
//! ([`SqliteStore::blocking`]), except point reads by key ([`SqliteStore::read_now`]), which
//! run on the caller's thread when a reader connection is free. A primary-key read from the
//! page cache takes a few microseconds, less than the two thread switches of the pool; the
//! profile of the GET benchmark showed those switches as its largest cost (BENCHMARKS.md,
//! "What profiling changed"). When every reader is busy the read goes to the pool as well.
//!
//! Layout: this module (connections, migrations, the contract's glue), [`dialogs`] (the
//! dialog rows and side tables), [`search`] (search statements and free text), [`registry`].

mod dialogs;
mod registry;
mod search;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use dp_authz::RegistryDocument;
use dp_domain::dialog::Dialog;
use rusqlite::{Connection, OpenFlags};
use uuid::Uuid;

use crate::StoreError;
use crate::contract::{DialogQuery, DialogStore, RegistryStore, Store, StoredDialog, WriteError};

/// Migrations in order; the index + 1 is the schema version after applying one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_registry",
        include_str!("../../migrations/sqlite/0001_registry.sql"),
    ),
    (
        "0002_dialogs",
        include_str!("../../migrations/sqlite/0002_dialogs.sql"),
    ),
    (
        "0003_registry_rights",
        include_str!("../../migrations/sqlite/0003_registry_rights.sql"),
    ),
    (
        "0004_api_scope_delegations",
        include_str!("../../migrations/sqlite/0004_api_scope_delegations.sql"),
    ),
];

/// Read-only connections beside the writer: with WAL, readers never wait for the writer or
/// each other, so GETs and searches run in parallel while one command writes.
const READERS: usize = 4;

/// The connections: one writer, [`READERS`] read-only ones. Blocking; only [`SqliteStore`]
/// calls it, from the blocking pool or through [`SqliteStore::read_now`].
struct Connections {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// How ids are stored: hyphenated lower-case text.
fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn configure(connection: &Connection) -> Result<(), StoreError> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::NewerSchema {
            found: version,
            known,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
        tracing::info!(migration = name, "applied SQLite migration");
    }
    Ok(())
}

/// The database holds personal data: it is created readable by its owner only (0600, as the
/// signing keys), and an existing one is narrowed to that. SQLite gives its `-wal` and `-shm`
/// files the database file's mode (`findCreateFileMode` in its unix VFS); existing ones are
/// narrowed too.
fn restrict_to_owner(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| StoreError::Io(format!("creating {}: {e}", path.display())))?;
        let mut names = vec![path.as_os_str().to_owned()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            names.push(name);
        }
        for name in names {
            let file = Path::new(&name);
            if file.exists() {
                std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| StoreError::Io(format!("restricting {}: {e}", file.display())))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Connections {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    fn open(path: &Path) -> Result<Self, StoreError> {
        restrict_to_owner(path)?;
        let mut connection = Connection::open(path)?;
        configure(&connection)?;
        migrate(&mut connection)?;
        // Lets the planner gather the statistics it needs to pick the selective index for
        // each search filter (SQLite's recommendation for long-lived connections).
        connection.execute_batch("PRAGMA optimize=0x10002;")?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            readers.push(Mutex::new(reader));
        }
        Ok(Self {
            writer: Mutex::new(connection),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// Runs a read on a free reader connection (round robin, waiting only if all are busy).
    fn with_reader<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            let index = (start + offset) % self.readers.len();
            if let Ok(connection) = self.readers[index].try_lock() {
                return f(&connection);
            }
        }
        let index = start % self.readers.len();
        let connection = self.readers[index]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&connection)
    }

    /// Runs a read on a reader connection that is free right now, or returns `f` unrun.
    fn with_free_reader<T, E: From<StoreError>, F: FnOnce(&Connection) -> Result<T, E>>(
        &self,
        f: F,
    ) -> Result<Result<T, E>, F> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for offset in 0..self.readers.len() {
            let index = (start + offset) % self.readers.len();
            if let Ok(connection) = self.readers[index].try_lock() {
                return Ok(f(&connection));
            }
        }
        Err(f)
    }

    fn with_connection<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls back
        // on drop), so a poisoned lock is safe to reuse.
        let mut connection = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut connection)
    }
}

/// The embedded store: a SQLite database file with its WAL, behind the async contract.
#[derive(Clone)]
pub(crate) struct SqliteStore {
    connections: Arc<Connections>,
}

/// Opens (creating if needed) the SQLite database at `path`, applies pending migrations and
/// refuses a schema newer than this build knows.
pub fn open(path: &Path) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(SqliteStore {
        connections: Arc::new(Connections::open(path)?),
    }))
}

impl SqliteStore {
    /// Runs `f` on tokio's blocking pool, so no async worker waits on SQLite.
    async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&Connections) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let connections = self.connections.clone();
        tokio::task::spawn_blocking(move || f(&connections))
            .await
            .map_err(|e| StoreError::Io(format!("store task failed: {e}")))?
    }

    /// A point read by key: on this thread when a reader is free (see the module docs),
    /// otherwise on the blocking pool.
    async fn read_now<T, E>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match self.connections.with_free_reader(f) {
            Ok(result) => result,
            Err(f) => self.blocking(move |c| c.with_reader(f)).await,
        }
    }
}

#[async_trait]
impl DialogStore for SqliteStore {
    async fn insert_dialog(&self, dialog: Dialog) -> Result<(), WriteError> {
        self.blocking(move |c| c.insert_dialog(&dialog)).await
    }

    async fn insert_dialogs(&self, dialogs: Vec<Dialog>) -> Result<(), WriteError> {
        self.blocking(move |c| c.insert_dialogs(&dialogs)).await
    }

    async fn get_dialog(&self, id: Uuid) -> Result<Option<StoredDialog>, StoreError> {
        self.read_now(move |c| Connections::get_dialog_on(c, id))
            .await
    }

    async fn update_dialog(&self, dialog: Dialog, expected_version: i64) -> Result<(), WriteError> {
        self.blocking(move |c| c.update_dialog(&dialog, expected_version))
            .await
    }

    async fn update_dialogs(&self, updates: Vec<(Dialog, i64)>) -> Result<(), WriteError> {
        self.blocking(move |c| c.update_dialogs(&updates)).await
    }

    async fn purge_dialog(&self, id: Uuid) -> Result<bool, StoreError> {
        self.blocking(move |c| c.purge_dialog(id)).await
    }

    async fn dialog_by_idempotent_key(
        &self,
        org: String,
        key: String,
    ) -> Result<Option<Uuid>, StoreError> {
        self.blocking(move |c| c.dialog_by_idempotent_key(&org, &key))
            .await
    }

    async fn dialog_of_child(&self, child_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        self.blocking(move |c| c.dialog_of_child(child_id)).await
    }

    async fn dialog_count(&self) -> Result<u64, StoreError> {
        self.blocking(|c| {
            c.with_reader(|connection| {
                let count: i64 =
                    connection.query_row("select count(*) from dialog", [], |r| r.get(0))?;
                Ok(count.unsigned_abs())
            })
        })
        .await
    }

    async fn search_dialogs(&self, query: DialogQuery) -> Result<Vec<Dialog>, StoreError> {
        self.blocking(move |c| c.search_dialogs(&query)).await
    }

    async fn resources_in_use(
        &self,
        probes: Vec<(Option<String>, String)>,
    ) -> Result<Vec<String>, StoreError> {
        self.blocking(move |c| c.resources_in_use(probes)).await
    }
}

#[async_trait]
impl RegistryStore for SqliteStore {
    async fn replace_registry(&self, document: RegistryDocument) -> Result<(), StoreError> {
        self.blocking(move |c| c.replace_registry(&document)).await
    }

    async fn load_registry(&self) -> Result<Option<RegistryDocument>, StoreError> {
        self.blocking(|c| c.load_registry()).await
    }

    /// Asked on every API request (the registry of a running server follows `registry
    /// grant|revoke` at once), so it is a point read like [`DialogStore::get_dialog`].
    async fn registry_revision(&self) -> Result<i64, StoreError> {
        self.read_now(Connections::registry_revision_on).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn schema_version(&self) -> Result<i64, StoreError> {
        self.blocking(|c| c.schema_version()).await
    }
}
