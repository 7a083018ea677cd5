//! The registry a running server answers with (issue 4). Grants and revocations are written to
//! the store by `dialogporten registry grant|revoke` (another process, or another instance);
//! [`LiveRegistry::refresh`] compares the store's revision with the loaded one and reloads on a
//! change. The binary calls it once at the start of every API and identity-provider request, so
//! a change takes effect on the next request; [`LiveRegistry::loaded`] is the snapshot that
//! request then reads without touching the store again. On a store across the network
//! (PostgreSQL) the revision is read at most once per [`LiveRegistry::checking_every`] interval
//! instead, so a read costs one round trip, not two, and a change still reaches every instance
//! within that interval (issue 13: "answered by every instance within 1 s").

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use dp_authz::Registry;
use dp_store::Store;

pub struct LiveRegistry {
    store: Arc<dyn Store>,
    current: RwLock<(i64, Arc<Registry>)>,
    /// Zero: the revision is read on every refresh.
    check_every: Duration,
    last_check: Mutex<Instant>,
}

impl LiveRegistry {
    /// `registry` is what was loaded from (or written to) `store` at startup.
    pub async fn new(store: Arc<dyn Store>, registry: Registry) -> Self {
        let revision = store.registry_revision().await.unwrap_or(-1);
        Self {
            store,
            current: RwLock::new((revision, Arc::new(registry))),
            check_every: Duration::ZERO,
            last_check: Mutex::new(Instant::now()),
        }
    }

    /// Reads the stored revision at most once per `interval` (the other refreshes in between
    /// answer with the loaded registry).
    pub fn checking_every(mut self, interval: Duration) -> Self {
        self.check_every = interval;
        self
    }

    /// Whether this refresh reads the revision: always without an interval, else when the last
    /// read is older than it (one caller per interval takes the turn).
    fn due(&self) -> bool {
        if self.check_every.is_zero() {
            return true;
        }
        let mut last = self.last_check.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed() < self.check_every {
            return false;
        }
        *last = Instant::now();
        true
    }

    /// The registry as loaded by the last [`refresh`](Self::refresh).
    pub fn loaded(&self) -> Arc<Registry> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// Reloads the registry when the stored revision moved, and returns the current one. A
    /// store that does not answer, or a stored registry that is invalid, keeps the loaded one.
    pub async fn refresh(&self) -> Arc<Registry> {
        let (loaded, registry) = {
            let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
            (guard.0, guard.1.clone())
        };
        if !self.due() {
            return registry;
        }
        let Ok(revision) = self.store.registry_revision().await else {
            return registry;
        };
        if revision == loaded {
            return registry;
        }
        let reloaded = match self.store.load_registry().await {
            Ok(Some(document)) => Registry::new(document).map_err(|e| e.to_string()),
            Ok(None) => Err("no registry stored".to_owned()),
            Err(e) => Err(e.to_string()),
        };
        match reloaded {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
                *guard = (revision, fresh.clone());
                tracing::info!(revision, "registry reloaded from the store");
                fresh
            }
            Err(error) => {
                tracing::warn!(%error, "the stored registry changed but is invalid; keeping the loaded one");
                registry
            }
        }
    }
}

impl dp_authz::access::RegistrySource for LiveRegistry {
    fn registry(&self) -> Arc<Registry> {
        self.loaded()
    }
}
