//! The embedded identity providers' shared state in PostgreSQL (issue 13 item 3): the
//! blocking [`SharedEntries`] they call, bridged to the store's async [`SharedState`].
//!
//! The providers' state is read and written under their locks from synchronous code, on
//! whatever thread (an async worker of a single-threaded test runtime included), so the bridge
//! runs the statements on its own thread with its own small runtime and connections: a caller
//! waits for its answer without needing the caller's runtime to make progress, and nothing can
//! deadlock on it.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::Context;
use dp_idp::shared::SharedEntries;
use dp_store::postgres::PostgresConfig;
use dp_store::{SharedState, Store};

type Job = Box<dyn FnOnce(&tokio::runtime::Runtime, &dyn SharedState) + Send>;

/// Connections of the bridge: its calls run one after another.
const CONNECTIONS: usize = 2;

/// [`SharedEntries`] in the database, through a thread of its own.
pub struct DatabaseEntries {
    jobs: mpsc::Sender<Job>,
}

impl DatabaseEntries {
    /// Connects (on the bridge's thread) and returns once the database answered.
    pub fn start(config: &PostgresConfig) -> anyhow::Result<Arc<Self>> {
        let mut config = config.clone();
        config.pool_size = CONNECTIONS;
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, started) = mpsc::channel::<anyhow::Result<()>>();
        std::thread::Builder::new()
            .name("dp-shared-entries".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready.send(Err(e.into()));
                        return;
                    }
                };
                let store: Arc<dyn Store> =
                    match runtime.block_on(dp_store::postgres::open(&config)) {
                        Ok(store) => store,
                        Err(e) => {
                            let _ = ready.send(Err(e.into()));
                            return;
                        }
                    };
                let Some(shared) = store.shared_state() else {
                    let _ = ready.send(Err(anyhow::anyhow!("the store shares no state")));
                    return;
                };
                let _ = ready.send(Ok(()));
                // Ends when the last handle is dropped.
                for job in queue {
                    job(&runtime, shared);
                }
            })
            .context("starting the shared-state thread")?;
        started
            .recv()
            .context("the shared-state thread stopped")?
            .context("connecting the shared identity-provider state")?;
        Ok(Arc::new(Self { jobs }))
    }

    fn call<T: Send + 'static>(
        &self,
        job: impl FnOnce(&tokio::runtime::Runtime, &dyn SharedState) -> Result<T, dp_store::StoreError>
        + Send
        + 'static,
    ) -> Result<T, String> {
        let (answer, answered) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |runtime, shared| {
                let _ = answer.send(job(runtime, shared));
            }))
            .map_err(|_| "the shared-state thread stopped".to_owned())?;
        answered
            .recv()
            .map_err(|_| "the shared-state thread stopped".to_owned())?
            .map_err(|e| e.to_string())
    }
}

impl SharedEntries for DatabaseEntries {
    fn get(&self, kind: &str, key: &str, now: i64) -> Result<Option<(String, i64)>, String> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.call(move |rt, shared| rt.block_on(shared.get_entry(&kind, &key, now)))
    }

    fn put(&self, kind: &str, key: &str, value: &str, expires_at: i64) -> Result<(), String> {
        let (kind, key, value) = (kind.to_owned(), key.to_owned(), value.to_owned());
        self.call(move |rt, shared| rt.block_on(shared.put_entry(&kind, &key, &value, expires_at)))
    }

    fn insert(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        times: (i64, i64),
    ) -> Result<bool, String> {
        let (kind, key, value) = (kind.to_owned(), key.to_owned(), value.to_owned());
        self.call(move |rt, shared| rt.block_on(shared.insert_entry(&kind, &key, &value, times)))
    }

    fn replace(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        expires_and_version: (i64, i64),
    ) -> Result<bool, String> {
        let (kind, key, value) = (kind.to_owned(), key.to_owned(), value.to_owned());
        self.call(move |rt, shared| {
            rt.block_on(shared.replace_entry(&kind, &key, &value, expires_and_version))
        })
    }

    fn take(&self, kind: &str, key: &str, now: i64) -> Result<Option<String>, String> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.call(move |rt, shared| rt.block_on(shared.take_entry(&kind, &key, now)))
    }
}

/// The OAuth client list where the embedded providers keep it: the database's when a
/// database URL is configured, else `DIR/clients.json`.
pub fn client_registry(config: &crate::Config) -> anyhow::Result<dp_idp::ClientRegistry> {
    match config.postgres() {
        Some(postgres) => {
            let entries = DatabaseEntries::start(&postgres)?;
            Ok(dp_idp::ClientRegistry::open_shared(entries)?)
        }
        None => Ok(dp_idp::ClientRegistry::open(&config.data_dir)?),
    }
}
