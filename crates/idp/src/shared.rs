//! State the embedded identity providers share between instances (issue 13 item 3): with one
//! instance it lives in this process (and the data directory's files), with several on one
//! database in that database, reached through [`SharedEntries`], so every step of a login
//! (authorize, login form, consent, code redemption, refresh, logout) may reach a different
//! instance behind a load balancer.
//!
//! [`Table`] is a map of short-lived entries by key, in memory or shared; [`Document`] is one
//! JSON document (consents, refresh-token families, OAuth clients), in a file or shared, read
//! again when it changed and written with compare-and-swap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Blocking access to shared entries (the binary bridges it to the database). Each call is one
/// statement; versions move on every write.
pub trait SharedEntries: Send + Sync {
    /// The live entry and its version.
    fn get(&self, kind: &str, key: &str, now: i64) -> Result<Option<(String, i64)>, String>;
    /// Writes the entry whatever was there.
    fn put(&self, kind: &str, key: &str, value: &str, expires_at: i64) -> Result<(), String>;
    /// Writes the entry if no live one is there; false when one is.
    fn insert(&self, kind: &str, key: &str, value: &str, times: (i64, i64))
    -> Result<bool, String>;
    /// Replaces the entry if it still has `version`; false when it changed or went away.
    fn replace(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        expires_and_version: (i64, i64),
    ) -> Result<bool, String>;
    /// Removes the entry, returning it if it was live.
    fn take(&self, kind: &str, key: &str, now: i64) -> Result<Option<String>, String>;
}

/// An entry that knows when it expires.
pub trait Expiring {
    fn expires_at(&self) -> i64;
}

impl Expiring for i64 {
    fn expires_at(&self) -> i64 {
        *self
    }
}

/// Compare-and-swap attempts before an update gives up (only under heavy contention on one
/// key, which logins do not cause).
const ATTEMPTS: usize = 8;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Short-lived entries by key: in memory, or shared once [`Table::share`] is called.
pub struct Table<V> {
    kind: &'static str,
    memory: Mutex<HashMap<String, V>>,
    shared: OnceLock<Arc<dyn SharedEntries>>,
}

impl<V: Clone + Serialize + DeserializeOwned + Expiring> Table<V> {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            memory: Mutex::default(),
            shared: OnceLock::new(),
        }
    }

    /// Keeps the entries in `shared` from now on.
    pub fn share(&self, shared: Arc<dyn SharedEntries>) {
        let _ = self.shared.set(shared);
    }

    fn warn(&self, error: &str) {
        tracing::warn!(kind = self.kind, "shared identity-provider state: {error}");
    }

    fn decode(&self, text: &str) -> Option<V> {
        serde_json::from_str(text)
            .map_err(|e| self.warn(&e.to_string()))
            .ok()
    }

    fn encode(value: &V) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<V> {
        match self.shared.get() {
            Some(shared) => match shared.get(self.kind, key, now()) {
                Ok(found) => found.and_then(|(text, _)| self.decode(&text)),
                Err(error) => {
                    self.warn(&error);
                    None
                }
            },
            None => lock(&self.memory).get(key).cloned(),
        }
    }

    pub fn insert(&self, key: String, value: V) {
        match self.shared.get() {
            Some(shared) => {
                let written =
                    shared.put(self.kind, &key, &Self::encode(&value), value.expires_at());
                if let Err(error) = written {
                    self.warn(&error);
                }
            }
            None => {
                lock(&self.memory).insert(key, value);
            }
        }
    }

    /// Inserts unless a live entry has the key; false when one has (single use).
    pub fn insert_new(&self, key: String, value: V, now: i64) -> bool {
        match self.shared.get() {
            Some(shared) => {
                let text = Self::encode(&value);
                shared
                    .insert(self.kind, &key, &text, (value.expires_at(), now))
                    .unwrap_or_else(|error| {
                        self.warn(&error);
                        false
                    })
            }
            None => {
                let mut memory = lock(&self.memory);
                match memory.get(&key) {
                    Some(existing) if existing.expires_at() > now => false,
                    _ => {
                        memory.insert(key, value);
                        true
                    }
                }
            }
        }
    }

    /// Removes and returns the entry: of concurrent removals (on any instance) one gets it.
    pub fn remove(&self, key: &str) -> Option<V> {
        match self.shared.get() {
            Some(shared) => match shared.take(self.kind, key, now()) {
                Ok(found) => found.and_then(|text| self.decode(&text)),
                Err(error) => {
                    self.warn(&error);
                    None
                }
            },
            None => lock(&self.memory).remove(key),
        }
    }

    /// Changes the entry with `change` and returns what it answered; `None` when there is no
    /// entry. Shared entries are changed by compare-and-swap, so `change` may run again on a
    /// fresher copy: it must only change the entry and compute from it.
    pub fn update<R>(&self, key: &str, mut change: impl FnMut(&mut V) -> R) -> Option<R> {
        let Some(shared) = self.shared.get() else {
            return lock(&self.memory).get_mut(key).map(change);
        };
        for _ in 0..ATTEMPTS {
            let (text, version) = match shared.get(self.kind, key, now()) {
                Ok(found) => found?,
                Err(error) => {
                    self.warn(&error);
                    return None;
                }
            };
            let mut value = self.decode(&text)?;
            let answer = change(&mut value);
            let text = Self::encode(&value);
            match shared.replace(self.kind, key, &text, (value.expires_at(), version)) {
                Ok(true) => return Some(answer),
                Ok(false) => continue,
                Err(error) => {
                    self.warn(&error);
                    return None;
                }
            }
        }
        self.warn("an entry kept changing under an update");
        None
    }

    /// Forgets expired entries (the database drops its own).
    pub fn prune(&self, now: i64) {
        if self.shared.get().is_none() {
            lock(&self.memory).retain(|_, v| v.expires_at() > now);
        }
    }
}

/// Documents never expire.
pub const FOREVER: i64 = i64::MAX;

/// Where a shared document is and the version last read.
pub struct SharedDocument {
    pub entries: Arc<dyn SharedEntries>,
    pub name: &'static str,
    pub version: Option<i64>,
}

impl SharedDocument {
    pub fn new(entries: Arc<dyn SharedEntries>, name: &'static str) -> Self {
        Self {
            entries,
            name,
            version: None,
        }
    }

    /// The document when it changed since the last read (`Ok(None)`: unchanged or absent).
    pub fn changed<T: DeserializeOwned>(&mut self) -> Result<Option<T>, String> {
        let Some((text, version)) = self.entries.get("document", self.name, now())? else {
            self.version = None;
            return Ok(None);
        };
        if self.version == Some(version) {
            return Ok(None);
        }
        let value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", self.name))?;
        self.version = Some(version);
        Ok(Some(value))
    }

    /// Writes the document if nobody wrote it since the last read; `Ok(false)` when somebody
    /// did (the change was based on a stale copy and is not applied: read again and redo it).
    pub fn save<T: Serialize>(&mut self, value: &T) -> Result<bool, String> {
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        // Every write moves the version by one; a document never expires, so an insert is
        // of an absent one, at version 1.
        let (written, next) = match self.version {
            Some(version) => (
                self.entries
                    .replace("document", self.name, &text, (FOREVER, version))?,
                version + 1,
            ),
            None => (
                self.entries
                    .insert("document", self.name, &text, (FOREVER, now()))?,
                1,
            ),
        };
        if written {
            self.version = Some(next);
        }
        Ok(written)
    }
}
