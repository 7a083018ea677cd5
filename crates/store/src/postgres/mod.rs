//! The PostgreSQL store (issue 13): the same contract as the SQLite one, for deployments that
//! outgrow one machine and for several `serve` instances on one database, as the real service
//! runs (api.md §3.4, anchors.md §4: one PostgreSQL behind stateless API instances).
//!
//! - **Driver**: `tokio-postgres` with `deadpool-postgres`'s pool (chosen by a measured point
//!   read, README "PostgreSQL"); statements are prepared once per connection
//!   (`prepare_cached`).
//! - **Timeouts**: every connection sets `statement_timeout` (the real service uses 20 s), the
//!   pool waits at most the connect timeout for a connection, so a request never hangs on an
//!   unreachable database: it fails with [`StoreError::Unavailable`] (a 503), and a search that
//!   runs out of time with [`StoreError::Timeout`] (the real service's 422 "too broad").
//! - **Migrations**: `migrations/postgres/NNNN_name.sql`, applied at open in one transaction
//!   under a transaction-level advisory lock, so instances starting together apply each once;
//!   a schema newer than this build is refused.
//!
//! Layout: this module (pool, migrations, errors, the contract's glue), [`dialogs`] (rows, side
//! tables, the free-text vector), [`search`] (search statements), [`registry`].

mod bulk;
mod dialogs;
mod registry;
mod search;
mod shared;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use dp_authz::RegistryDocument;
use dp_domain::dialog::Dialog;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use crate::StoreError;
use crate::contract::{
    DialogQuery, DialogStore, RegistryStore, SharedState, Store, StoredDialog, WriteError,
};

/// Migrations in order; the index + 1 is the schema version after applying one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_dialogs",
        include_str!("../../migrations/postgres/0001_dialogs.sql"),
    ),
    (
        "0002_shared_state",
        include_str!("../../migrations/postgres/0002_shared_state.sql"),
    ),
    (
        "0003_shared_entries",
        include_str!("../../migrations/postgres/0003_shared_entries.sql"),
    ),
    (
        "0004_bulk_search",
        include_str!("../../migrations/postgres/0004_bulk_search.sql"),
    ),
    (
        "0005_side_tables_without_triggers",
        include_str!("../../migrations/postgres/0005_side_tables_without_triggers.sql"),
    ),
];

/// The schema version: the last migration applied.
const SCHEMA_VERSION: &str = "select coalesce(max(version), 0) from schema_migration";

/// The key of the advisory lock migrations run under (any constant shared by all instances).
const MIGRATION_LOCK: i64 = 0x6469_616c_6f67; // "dialog"

/// How to reach the database and how long to wait for it.
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    /// `postgres://USER@HOST:PORT/DB` (libpq URL or key-value form).
    pub url: String,
    /// Connections in the pool.
    pub pool_size: usize,
    /// Longest a statement may run (`statement_timeout`).
    pub statement_timeout: Duration,
    /// Longest to wait for a new connection or a free one from the pool.
    pub connect_timeout: Duration,
}

impl PostgresConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 16,
            statement_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Whether `url` is a connection string this store can use (the message says why not).
pub fn check_url(url: &str) -> Result<(), String> {
    url.parse::<tokio_postgres::Config>()
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The server's own words for a database error (`Display` says only "db error").
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.code() {
            Some(code) if *code == SqlState::QUERY_CANCELED => StoreError::Timeout,
            Some(code) if is_unavailable(code) => StoreError::Unavailable(describe(&error)),
            Some(_) => StoreError::Database(describe(&error)),
            None if is_connection_failure(&error) => StoreError::Unavailable(error.to_string()),
            // A parameter that could not be encoded, a row that could not be decoded.
            None => StoreError::Database(error.to_string()),
        }
    }
}

/// An error without SQLSTATE that means the server is out of reach: an I/O error, a closed
/// connection, a connect timeout (tokio-postgres exposes no error kind, only these).
fn is_connection_failure(error: &tokio_postgres::Error) -> bool {
    let io = std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>());
    let message = error.to_string();
    io || error.is_closed()
        || message.contains("timeout waiting for server")
        || message.contains("connection closed")
}

/// Server states that pass: shutting down, starting up, too many connections.
fn is_unavailable(code: &SqlState) -> bool {
    [
        SqlState::ADMIN_SHUTDOWN,
        SqlState::CRASH_SHUTDOWN,
        SqlState::CANNOT_CONNECT_NOW,
        SqlState::TOO_MANY_CONNECTIONS,
    ]
    .contains(code)
}

/// No connection from the pool (none free within the connect timeout, or a new one could not
/// be made or recycled): the database is unavailable, whatever the cause.
impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => StoreError::Unavailable(describe(&e)),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

/// The server-side store: a pool of connections to one PostgreSQL database.
#[derive(Clone)]
pub(crate) struct PostgresStore {
    pool: Pool,
}

/// Connects, applies pending migrations under the advisory lock and refuses a newer schema.
pub async fn open(config: &PostgresConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(PostgresStore::connect(config).await?))
}

impl PostgresStore {
    async fn connect(config: &PostgresConfig) -> Result<Self, StoreError> {
        let mut pg: tokio_postgres::Config = config
            .url
            .parse()
            .map_err(|e| StoreError::Database(format!("database URL: {e}")))?;
        let timeout = config.statement_timeout.as_millis();
        let options = match pg.get_options() {
            Some(own) => format!("{own} -c statement_timeout={timeout}"),
            None => format!("-c statement_timeout={timeout}"),
        };
        pg.options(&options);
        pg.connect_timeout(config.connect_timeout);
        if pg.get_application_name().is_none() {
            pg.application_name("dialogporten");
        }
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = Some(config.connect_timeout);
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .timeouts(Timeouts {
                wait,
                create: wait,
                recycle: wait,
            })
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Database(format!("connection pool: {e}")))?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("select pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "create table if not exists schema_migration (
                version    integer primary key,
                name       text not null,
                applied_at timestamptz not null default now()
            )",
        )
        .await?;
        let version: i32 = tx.query_one(SCHEMA_VERSION, &[]).await?.get(0);
        let known = MIGRATIONS.len() as i64;
        if i64::from(version) > known {
            return Err(StoreError::NewerSchema {
                found: version.into(),
                known,
            });
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await?;
            let number = index as i32 + 1;
            tx.execute(
                "insert into schema_migration (version, name) values ($1, $2)",
                &[&number, name],
            )
            .await?;
            tracing::info!(migration = name, "applied PostgreSQL migration");
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl DialogStore for PostgresStore {
    async fn insert_dialog(&self, dialog: Dialog) -> Result<(), WriteError> {
        self.insert_dialogs(vec![dialog]).await
    }

    async fn insert_dialogs(&self, dialogs: Vec<Dialog>) -> Result<(), WriteError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        if bulk::applies(&dialogs) {
            bulk::insert(&tx, &dialogs).await?;
        } else {
            for dialog in &dialogs {
                dialogs::write(&tx, dialog, 1, false).await?;
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn get_dialog(&self, id: Uuid) -> Result<Option<StoredDialog>, StoreError> {
        let client = self.client().await?;
        dialogs::get(&client, id).await
    }

    async fn update_dialog(&self, dialog: Dialog, expected_version: i64) -> Result<(), WriteError> {
        self.update_dialogs(vec![(dialog, expected_version)]).await
    }

    async fn update_dialogs(&self, updates: Vec<(Dialog, i64)>) -> Result<(), WriteError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        for (dialog, expected_version) in &updates {
            dialogs::write(&tx, dialog, expected_version + 1, true).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    async fn purge_dialog(&self, id: Uuid) -> Result<bool, StoreError> {
        let client = self.client().await?;
        // The side tables have no foreign keys (migration 0005): their rows go in the same
        // statement as the dialog's.
        let statement = client
            .prepare_cached(
                "with c as (delete from dialog_child where dialog_id = $1),
                      s as (delete from dialog_system_label where dialog_id = $1),
                      o as (delete from dialog_service_owner_label where dialog_id = $1),
                      v as (delete from dialog_search where dialog_id = $1)
                 delete from dialog where id = $1",
            )
            .await?;
        Ok(client.execute(&statement, &[&id]).await? > 0)
    }

    async fn dialog_by_idempotent_key(
        &self,
        org: String,
        key: String,
    ) -> Result<Option<Uuid>, StoreError> {
        let client = self.client().await?;
        dialogs::by_idempotent_key(&client, &org, &key).await
    }

    async fn dialog_of_child(&self, child_id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("select dialog_id from dialog_child where id = $1")
            .await?;
        Ok(client
            .query_opt(&statement, &[&child_id])
            .await?
            .map(|row| row.get(0)))
    }

    async fn dialog_count(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let count: i64 = client
            .query_one("select count(*) from dialog", &[])
            .await?
            .get(0);
        Ok(count.unsigned_abs())
    }

    async fn search_dialogs(&self, query: DialogQuery) -> Result<Vec<Dialog>, StoreError> {
        let client = self.client().await?;
        search::run(&client, &query).await
    }

    async fn resources_in_use(
        &self,
        probes: Vec<(Option<String>, String)>,
    ) -> Result<Vec<String>, StoreError> {
        let client = self.client().await?;
        dialogs::resources_in_use(&client, probes).await
    }
}

#[async_trait]
impl RegistryStore for PostgresStore {
    async fn replace_registry(&self, document: RegistryDocument) -> Result<(), StoreError> {
        let client = self.client().await?;
        registry::replace(&client, &document).await
    }

    async fn load_registry(&self) -> Result<Option<RegistryDocument>, StoreError> {
        let client = self.client().await?;
        registry::load(&client).await
    }

    async fn registry_revision(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        registry::revision(&client).await
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn schema_version(&self) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let version: i32 = client.query_one(SCHEMA_VERSION, &[]).await?.get(0);
        Ok(version.into())
    }

    fn shared_state(&self) -> Option<&dyn SharedState> {
        Some(self)
    }
}

/// Scratch databases for test suites and benchmarks: a fresh schema per store on the
/// database `DP_TEST_DATABASE_URL` names (default: this machine's local PostgreSQL).
pub mod scratch {
    use std::io::Write;
    use std::sync::OnceLock;

    use tokio_postgres::NoTls;

    /// The test database, when one answers. Without one the PostgreSQL tests skip, and say so
    /// once on the terminal (past the test harness's output capture); with
    /// `DP_REQUIRE_POSTGRES=1` (`.ci/run`) a missing database fails them instead.
    pub async fn database_url() -> Option<String> {
        static REACHABLE: OnceLock<bool> = OnceLock::new();
        let url = std::env::var("DP_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if let Some(reachable) = REACHABLE.get() {
            return reachable.then_some(url);
        }
        let probe = connect(&url).await;
        let reachable = probe.is_ok();
        if REACHABLE.set(reachable).is_ok()
            && let Err(error) = probe
        {
            if std::env::var("DP_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("DP_REQUIRE_POSTGRES=1 but {url} does not answer: {error}");
            }
            let _ = writeln!(
                std::io::stderr(),
                "note: PostgreSQL tests skipped: {url} does not answer ({error}); set DP_TEST_DATABASE_URL"
            );
        }
        reachable.then_some(url)
    }

    /// With `DP_TEST_STORE=postgres` (the second pass of `./run-tests`), a fresh schema for a
    /// test server; otherwise `None` (the test runs on SQLite).
    pub async fn for_test_server() -> Option<String> {
        if std::env::var("DP_TEST_STORE").as_deref() != Ok("postgres") {
            return None;
        }
        let url = database_url()
            .await
            .expect("DP_TEST_STORE=postgres, but no PostgreSQL answers at DP_TEST_DATABASE_URL");
        Some(schema(&url).await.expect("a scratch schema"))
    }

    async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut config: tokio_postgres::Config = url.parse()?;
        config.connect_timeout(std::time::Duration::from_secs(3));
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }

    /// Creates a fresh schema on `url` and returns a URL whose connections use it, dropping
    /// scratch schemas older than an hour that earlier (interrupted) runs left behind.
    pub async fn schema(url: &str) -> Result<String, tokio_postgres::Error> {
        let client = connect(url).await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let stale: Vec<String> = client
            .query(
                "select nspname from pg_namespace where nspname like 'dp\\_scratch\\_%'",
                &[],
            )
            .await?
            .iter()
            .map(|row| row.get(0))
            .filter(|name: &String| {
                name.split('_')
                    .nth(2)
                    .and_then(|t| t.parse::<u64>().ok())
                    .is_some_and(|t| t + 3600 < now)
            })
            .collect();
        for name in stale {
            let _ = client
                .batch_execute(&format!("drop schema if exists {name} cascade"))
                .await;
        }
        let name = format!("dp_scratch_{now}_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!("create schema {name}"))
            .await?;
        let separator = if url.contains('?') { '&' } else { '?' };
        Ok(format!("{url}{separator}options=-csearch_path%3D{name}"))
    }
}
