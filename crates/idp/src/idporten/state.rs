//! What the embedded ID-porten remembers.
//!
//! Short-lived things live in memory: authorization requests in progress, browser (SSO)
//! sessions, authorization codes and used client-assertion `jti`s. What must outlive a restart
//! is kept in the data directory once [`State::persist_in`] is called, as JSON files with mode
//! 0600, written atomically and re-read when they change on disk:
//!
//! - `idporten-consents.json`: one entry per (pid, client, scope) with its expiry (90 days);
//! - `idporten-refresh-tokens.json`: refresh-token families. A family is every refresh token
//!   descending from one authorization code; it stores the SHA-256 of its live token and of
//!   every token it rotated away (never a token itself), so a rotated token presented again is
//!   recognised and revokes the whole family.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Acr, Locale, random_token};
use crate::clients::sha256_hex;

pub const CONSENTS_FILE: &str = "idporten-consents.json";
pub const REFRESH_TOKENS_FILE: &str = "idporten-refresh-tokens.json";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("reading or writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

/// Who logged in, how, and to what: carried from the login through the code to the refresh
/// tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub client_id: String,
    pub pid: String,
    pub acr: Acr,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub sid: String,
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub locale: Locale,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

/// An authorization request between `authorize` and the redirect back to the client.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub acr: Acr,
    pub prompt_none: bool,
    pub force_login: bool,
    pub force_consent: bool,
    pub max_age: Option<i64>,
    pub locale: Locale,
    pub resource: Option<String>,
    /// The browser cookie the request is bound to (login CSRF).
    pub browser: String,
    /// The anti-forgery token of this request's forms.
    pub csrf: String,
    pub expires_at: i64,
    /// Set once the user logged in during this request.
    pub login_sid: Option<String>,
    /// Set once the user consented during this request.
    pub consented: bool,
}

/// A browser's login (ID-porten's SSO session), keyed by its `sid`.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub pid: String,
    pub acr: Acr,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// An issued authorization code, keyed by its SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
    pub used: bool,
    /// The refresh-token family started by redeeming it.
    pub family: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Consent {
    pub pid: String,
    pub client_id: String,
    pub scope: String,
    pub granted_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ConsentFile {
    #[serde(default)]
    consents: Vec<Consent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Family {
    pub id: String,
    pub grant: Grant,
    pub created_at: i64,
    pub expires_at: i64,
    /// SHA-256 (hex) of the live refresh token.
    pub current: String,
    /// SHA-256 (hex) of every token rotated away.
    #[serde(default)]
    pub retired: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FamilyFile {
    #[serde(default)]
    families: Vec<Family>,
}

/// Why a refresh token was refused.
#[derive(Debug)]
pub(crate) enum RefreshError {
    Unknown,
    OtherClient,
    Revoked,
    /// A rotated token came back: the family is revoked now.
    Reused,
    Expired,
    /// The grant no longer holds (consent expired): the family is revoked now.
    NotAllowed,
    Storage(StateError),
}

/// A JSON document in memory and, once attached, in a file re-read when it changes (its
/// modification time or length).
struct Stored<T> {
    path: Option<PathBuf>,
    modified: Option<(SystemTime, u64)>,
    value: T,
}

impl<T: Default + Serialize + DeserializeOwned> Stored<T> {
    fn memory() -> Self {
        Self {
            path: None,
            modified: None,
            value: T::default(),
        }
    }

    fn io(path: &Path, source: std::io::Error) -> StateError {
        StateError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    fn modified(path: &Path) -> Option<(SystemTime, u64)> {
        let metadata = std::fs::metadata(path).ok()?;
        Some((metadata.modified().ok()?, metadata.len()))
    }

    fn read(path: &Path) -> Result<Option<T>, StateError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StateError::Invalid {
                    path: path.display().to_string(),
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io(path, e)),
        }
    }

    /// Uses `path` from now on: its content when it exists, else what memory holds.
    fn attach(&mut self, path: PathBuf) -> Result<(), StateError> {
        let modified = Self::modified(&path);
        match Self::read(&path)? {
            Some(value) => {
                self.value = value;
                self.path = Some(path);
                self.modified = modified;
                Ok(())
            }
            None => {
                self.path = Some(path);
                self.save()
            }
        }
    }

    /// The value, re-read first when the file changed.
    fn fresh(&mut self) -> &mut T {
        if let Some(path) = &self.path {
            let modified = Self::modified(path);
            if modified != self.modified {
                match Self::read(path) {
                    Ok(value) => {
                        self.value = value.unwrap_or_default();
                        self.modified = modified;
                    }
                    Err(error) => tracing::warn!("keeping the ID-porten state in memory: {error}"),
                }
            }
        }
        &mut self.value
    }

    fn save(&mut self) -> Result<(), StateError> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let text = serde_json::to_string_pretty(&self.value).map_err(|e| StateError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Self::io(parent, e))?;
        }
        let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
        let written = write_private(&temporary, text.as_bytes())
            .and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(Self::io(&path, error));
        }
        self.modified = Self::modified(&path);
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) struct State {
    pub pending: Mutex<HashMap<String, Pending>>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub codes: Mutex<HashMap<String, Code>>,
    jtis: Mutex<HashMap<String, i64>>,
    consents: Mutex<Stored<ConsentFile>>,
    families: Mutex<Stored<FamilyFile>>,
}

impl State {
    pub fn new() -> Self {
        Self {
            pending: Mutex::default(),
            sessions: Mutex::default(),
            codes: Mutex::default(),
            jtis: Mutex::default(),
            consents: Mutex::new(Stored::memory()),
            families: Mutex::new(Stored::memory()),
        }
    }

    pub fn persist_in(&self, data_dir: &Path) -> Result<(), StateError> {
        lock(&self.consents).attach(data_dir.join(CONSENTS_FILE))?;
        lock(&self.families).attach(data_dir.join(REFRESH_TOKENS_FILE))
    }

    pub fn pending(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        lock(&self.pending)
    }

    pub fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        lock(&self.sessions)
    }

    pub fn codes(&self) -> MutexGuard<'_, HashMap<String, Code>> {
        lock(&self.codes)
    }

    /// Forgets expired requests, sessions, codes and `jti`s.
    pub fn prune(&self, now: i64) {
        self.pending().retain(|_, p| p.expires_at > now);
        self.sessions().retain(|_, s| s.expires_at > now);
        self.codes().retain(|_, c| c.expires_at > now);
        lock(&self.jtis).retain(|_, exp| *exp > now);
    }

    /// Records a client-assertion `jti` until `exp`; false when it was seen before.
    pub fn use_jti(&self, key: String, exp: i64, now: i64) -> bool {
        let mut jtis = lock(&self.jtis);
        jtis.retain(|_, e| *e > now);
        match jtis.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(exp);
                true
            }
        }
    }

    pub fn consent_valid(&self, pid: &str, client_id: &str, scope: &str, now: i64) -> bool {
        lock(&self.consents).fresh().consents.iter().any(|c| {
            c.pid == pid && c.client_id == client_id && c.scope == scope && c.expires_at > now
        })
    }

    /// Stores consent to `scopes` until `now + lifetime`.
    pub fn grant_consents(
        &self,
        pid: &str,
        client_id: &str,
        scopes: &[String],
        now: i64,
        lifetime: i64,
    ) -> Result<(), StateError> {
        let mut stored = lock(&self.consents);
        let file = stored.fresh();
        file.consents.retain(|c| {
            c.expires_at > now
                && !(c.pid == pid && c.client_id == client_id && scopes.contains(&c.scope))
        });
        file.consents.extend(scopes.iter().map(|scope| Consent {
            pid: pid.to_owned(),
            client_id: client_id.to_owned(),
            scope: scope.clone(),
            granted_at: now,
            expires_at: now + lifetime,
        }));
        stored.save()
    }

    /// Starts a refresh-token family for `grant`; returns its id and first token.
    pub fn start_family(
        &self,
        grant: Grant,
        now: i64,
        lifetime: i64,
    ) -> Result<(String, String), StateError> {
        let token = random_token();
        let id = uuid::Uuid::new_v4().to_string();
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        file.families.retain(|f| f.expires_at > now);
        file.families.push(Family {
            id: id.clone(),
            grant,
            created_at: now,
            expires_at: now + lifetime,
            current: sha256_hex(&token),
            retired: Vec::new(),
            revoked_at: None,
        });
        stored.save()?;
        Ok((id, token))
    }

    pub fn revoke_family(&self, id: &str, now: i64) {
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let mut changed = false;
        for family in file
            .families
            .iter_mut()
            .filter(|f| f.id == id && f.revoked_at.is_none())
        {
            family.revoked_at = Some(now);
            changed = true;
        }
        if changed && let Err(error) = stored.save() {
            tracing::error!("ID-porten: storing a revoked refresh-token family: {error}");
        }
    }

    /// Redeems a refresh token of `client_id`: the grant and the next token of the family.
    /// `allowed` decides whether the grant still holds (consent).
    pub fn rotate(
        &self,
        token: &str,
        client_id: &str,
        now: i64,
        allowed: impl FnOnce(&Grant) -> bool,
    ) -> Result<(Grant, String), RefreshError> {
        let hash = sha256_hex(token);
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let Some(family) = file
            .families
            .iter_mut()
            .find(|f| f.current == hash || f.retired.contains(&hash))
        else {
            return Err(RefreshError::Unknown);
        };
        if family.grant.client_id != client_id {
            return Err(RefreshError::OtherClient);
        }
        if family.revoked_at.is_some() {
            return Err(RefreshError::Revoked);
        }
        let outcome = if family.current != hash {
            Err(RefreshError::Reused)
        } else if family.expires_at <= now {
            return Err(RefreshError::Expired);
        } else if !allowed(&family.grant) {
            Err(RefreshError::NotAllowed)
        } else {
            Ok(())
        };
        let result = match outcome {
            Err(error) => {
                family.revoked_at = Some(now);
                Err(error)
            }
            Ok(()) => {
                let next = random_token();
                let previous = std::mem::replace(&mut family.current, sha256_hex(&next));
                family.retired.push(previous);
                Ok((family.grant.clone(), next))
            }
        };
        stored.save().map_err(RefreshError::Storage)?;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "c".into(),
            pid: "08844397713".into(),
            acr: Acr::Substantial,
            amr: vec!["TestID".into()],
            auth_time: 1,
            sid: "s".into(),
            scopes: vec!["openid".into(), "digdir:dialogporten".into()],
            nonce: None,
            locale: Locale::Nb,
            resource: None,
        }
    }

    #[test]
    fn rotation_and_reuse_revoke_the_family_and_survive_a_reload() {
        let dir = tempfile::tempdir().expect("dir");
        let state = State::new();
        state.persist_in(dir.path()).expect("attached");
        let (_, first) = state.start_family(grant(), 100, 1000).expect("started");
        let (_, second) = state.rotate(&first, "c", 101, |_| true).expect("rotated");
        assert!(matches!(
            state.rotate(&second, "other", 102, |_| true),
            Err(RefreshError::OtherClient)
        ));

        // A second process (a restart) sees the same family.
        let reloaded = State::new();
        reloaded.persist_in(dir.path()).expect("attached");
        assert!(matches!(
            reloaded.rotate(&first, "c", 103, |_| true),
            Err(RefreshError::Reused)
        ));
        assert!(matches!(
            state.rotate(&second, "c", 104, |_| true),
            Err(RefreshError::Revoked)
        ));
        let text = std::fs::read_to_string(dir.path().join(REFRESH_TOKENS_FILE)).expect("file");
        assert!(!text.contains(&first) && !text.contains(&second));
    }

    #[test]
    fn consents_expire_and_refused_grants_revoke() {
        let state = State::new();
        let scopes = vec!["digdir:dialogporten".to_owned()];
        state
            .grant_consents("p", "c", &scopes, 100, 50)
            .expect("granted");
        assert!(state.consent_valid("p", "c", "digdir:dialogporten", 149));
        assert!(!state.consent_valid("p", "c", "digdir:dialogporten", 150));
        assert!(!state.consent_valid("p", "other", "digdir:dialogporten", 120));

        let (_, token) = state.start_family(grant(), 100, 1000).expect("started");
        assert!(matches!(
            state.rotate(&token, "c", 200, |_| false),
            Err(RefreshError::NotAllowed)
        ));
        assert!(matches!(
            state.rotate(&token, "c", 201, |_| true),
            Err(RefreshError::Revoked)
        ));
        assert!(state.use_jti("c:j".into(), 300, 200));
        assert!(!state.use_jti("c:j".into(), 300, 250));
        assert!(state.use_jti("c:j".into(), 400, 301));
    }
}
