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
//!   recognised and revokes the whole family. It also lists the `jti`s of the access tokens
//!   issued from it, so revoking the family revokes them too; the file keeps the revoked
//!   `jti`s until those tokens expire, and [`State`] answers the API's verifier about them
//!   ([`dp_auth::revocation`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Acr, Locale, random_token};
use crate::clients::sha256_hex;
use crate::shared::{Expiring, SharedDocument, SharedEntries, Table};

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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Session {
    pub pid: String,
    pub acr: Acr,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// An access token that was issued: its `jti` and `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Issued {
    pub jti: String,
    pub exp: i64,
}

/// A pushed authorization request (RFC 9126), keyed by its `request_uri`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Pushed {
    pub client_id: String,
    pub params: Vec<(String, String)>,
    pub expires_at: i64,
}

/// Revoked `jti`s are remembered this long after the token's `exp` (more than any verifier's
/// clock skew).
const REVOKED_MARGIN: i64 = 60;

/// An issued authorization code, keyed by its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Code {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub expires_at: i64,
    pub used: bool,
    /// The refresh-token family started by redeeming it.
    pub family: Option<String>,
    /// The access token issued by redeeming it.
    pub access: Option<Issued>,
    /// Presented again while its first redemption was still issuing (possibly on another
    /// instance): what that redemption issues is revoked as soon as it is recorded.
    #[serde(default)]
    pub reused: bool,
}

impl Expiring for Pending {
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

impl Expiring for Session {
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

impl Expiring for Pushed {
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
}

impl Expiring for Code {
    fn expires_at(&self) -> i64 {
        self.expires_at
    }
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
    /// The access tokens issued from this family that have not expired yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<Issued>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FamilyFile {
    #[serde(default)]
    families: Vec<Family>,
    /// Revoked access tokens that have not expired yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    revoked_access: Vec<Issued>,
}

impl FamilyFile {
    /// Revokes `family` and every unexpired access token issued from it.
    fn revoke(&mut self, index: usize, now: i64) {
        let Some(family) = self.families.get_mut(index) else {
            return;
        };
        if family.revoked_at.is_none() {
            family.revoked_at = Some(now);
        }
        let access = std::mem::take(&mut family.access);
        self.revoked_access
            .extend(access.into_iter().filter(|a| a.exp + REVOKED_MARGIN > now));
    }

    fn prune(&mut self, now: i64) {
        self.families.retain(|f| f.expires_at > now);
        for family in &mut self.families {
            family.access.retain(|a| a.exp + REVOKED_MARGIN > now);
        }
        self.revoked_access.retain(|a| a.exp + REVOKED_MARGIN > now);
    }
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
    /// In the database instead of a file (several instances).
    shared: Option<SharedDocument>,
    value: T,
}

impl<T: Default + Serialize + DeserializeOwned> Stored<T> {
    fn memory() -> Self {
        Self {
            path: None,
            modified: None,
            shared: None,
            value: T::default(),
        }
    }

    /// Keeps the document in the database from now on: what is stored there, else what memory
    /// holds.
    fn share(&mut self, mut document: SharedDocument) -> Result<(), StateError> {
        let invalid = |message: String| StateError::Invalid {
            path: document.name.to_owned(),
            message,
        };
        match document.changed::<T>() {
            Ok(Some(value)) => self.value = value,
            Ok(None) => {
                if !document.save(&self.value).map_err(invalid)? {
                    // Another instance stored it first: use that one.
                    if let Some(value) = document.changed::<T>().map_err(invalid)? {
                        self.value = value;
                    }
                }
            }
            Err(message) => return Err(invalid(message)),
        }
        self.shared = Some(document);
        Ok(())
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

    /// The value, re-read first when the file (or the shared document) changed.
    fn fresh(&mut self) -> &mut T {
        if let Some(shared) = &mut self.shared {
            match shared.changed() {
                Ok(Some(value)) => self.value = value,
                Ok(None) => {}
                Err(error) => tracing::warn!("keeping the ID-porten state in memory: {error}"),
            }
            return &mut self.value;
        }
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
        if let Some(shared) = &mut self.shared {
            let name = shared.name;
            let invalid = |message: String| StateError::Invalid {
                path: name.to_owned(),
                message,
            };
            return match shared.save(&self.value).map_err(invalid)? {
                true => Ok(()),
                false => Err(invalid(
                    "changed by another instance at the same time; try again".into(),
                )),
            };
        }
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
    pub pending: Table<Pending>,
    pub sessions: Table<Session>,
    pub codes: Table<Code>,
    pub pushed: Table<Pushed>,
    jtis: Table<i64>,
    consents: Mutex<Stored<ConsentFile>>,
    families: Mutex<Stored<FamilyFile>>,
}

impl State {
    pub fn new() -> Self {
        Self {
            pending: Table::new("idporten.pending"),
            sessions: Table::new("idporten.session"),
            codes: Table::new("idporten.code"),
            pushed: Table::new("idporten.pushed"),
            jtis: Table::new("idporten.jti"),
            consents: Mutex::new(Stored::memory()),
            families: Mutex::new(Stored::memory()),
        }
    }

    pub fn persist_in(&self, data_dir: &Path) -> Result<(), StateError> {
        lock(&self.consents).attach(data_dir.join(CONSENTS_FILE))?;
        lock(&self.families).attach(data_dir.join(REFRESH_TOKENS_FILE))
    }

    /// Keeps everything in `entries` (the database several instances share) instead of this
    /// process and the data directory's files.
    pub fn share(&self, entries: Arc<dyn SharedEntries>) -> Result<(), StateError> {
        self.pending.share(entries.clone());
        self.sessions.share(entries.clone());
        self.codes.share(entries.clone());
        self.pushed.share(entries.clone());
        self.jtis.share(entries.clone());
        lock(&self.consents).share(SharedDocument::new(entries.clone(), CONSENTS_FILE))?;
        lock(&self.families).share(SharedDocument::new(entries, REFRESH_TOKENS_FILE))
    }

    /// Forgets expired requests, sessions, codes and `jti`s.
    pub fn prune(&self, now: i64) {
        self.pending.prune(now);
        self.pushed.prune(now);
        self.sessions.prune(now);
        self.codes.prune(now);
        self.jtis.prune(now);
    }

    /// Records a client-assertion `jti` until `exp`; false when it was seen before.
    pub fn use_jti(&self, key: String, exp: i64, now: i64) -> bool {
        self.jtis.prune(now);
        self.jtis.insert_new(key, exp, now)
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
        file.prune(now);
        file.families.push(Family {
            id: id.clone(),
            grant,
            created_at: now,
            expires_at: now + lifetime,
            current: sha256_hex(&token),
            retired: Vec::new(),
            revoked_at: None,
            access: Vec::new(),
        });
        stored.save()?;
        Ok((id, token))
    }

    /// Revokes family `id` and the access tokens issued from it.
    pub fn revoke_family(&self, id: &str, now: i64) {
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let Some(index) = file.families.iter().position(|f| f.id == id) else {
            return;
        };
        file.revoke(index, now);
        if let Err(error) = stored.save() {
            tracing::error!("ID-porten: storing a revoked refresh-token family: {error}");
        }
    }

    /// Revokes an access token: with everything of its grant when a family issued it (as
    /// ID-porten's `/revoke` does), else on its own.
    pub fn revoke_access(&self, issued: Issued, now: i64) -> Result<(), StateError> {
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        match file
            .families
            .iter()
            .position(|f| f.access.iter().any(|a| a.jti == issued.jti))
        {
            Some(index) => file.revoke(index, now),
            None if issued.exp + REVOKED_MARGIN > now => file.revoked_access.push(issued),
            None => return Ok(()),
        }
        stored.save()
    }

    /// Records an access token issued from family `id`.
    pub fn record_access(&self, id: &str, issued: Issued, now: i64) -> Result<(), StateError> {
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let Some(family) = file.families.iter_mut().find(|f| f.id == id) else {
            return Ok(());
        };
        family.access.retain(|a| a.exp + REVOKED_MARGIN > now);
        if family.revoked_at.is_some() {
            // Revoked in the meantime: the token goes with it.
            file.revoked_access.push(issued);
        } else {
            family.access.push(issued);
        }
        stored.save()
    }

    /// Whether the access token `jti` has been revoked.
    pub fn access_revoked(&self, jti: &str, now: i64) -> bool {
        lock(&self.families)
            .fresh()
            .revoked_access
            .iter()
            .any(|a| a.jti == jti && a.exp + REVOKED_MARGIN > now)
    }

    /// Revokes the family of refresh token `token` (current or rotated) of `client_id`, with
    /// its access tokens. `Ok(false)` when no family has it.
    pub fn revoke_refresh(
        &self,
        token: &str,
        client_id: &str,
        now: i64,
    ) -> Result<bool, RefreshError> {
        let hash = sha256_hex(token);
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let Some(index) = file
            .families
            .iter()
            .position(|f| f.current == hash || f.retired.contains(&hash))
        else {
            return Ok(false);
        };
        if file.families[index].grant.client_id != client_id {
            return Err(RefreshError::OtherClient);
        }
        file.revoke(index, now);
        stored.save().map_err(RefreshError::Storage)?;
        Ok(true)
    }

    /// Redeems a refresh token of `client_id`. `allowed` decides whether the grant still
    /// holds (consent); then `issue` answers with the grant and the next refresh token. Only
    /// when it succeeds is the token rotated (and the access token it issued recorded): a
    /// request `issue` refuses (a scope not granted) leaves the refresh token usable
    /// (RFC 9700 §4.14). A reused token, or a grant that no longer holds, revokes the family.
    pub fn rotate<T, E>(
        &self,
        token: &str,
        client_id: &str,
        now: i64,
        allowed: impl FnOnce(&Grant) -> bool,
        issue: impl FnOnce(&Grant, &str) -> Result<(T, Issued), E>,
    ) -> Result<Result<T, E>, RefreshError> {
        let hash = sha256_hex(token);
        let mut stored = lock(&self.families);
        let file = stored.fresh();
        let Some(index) = file
            .families
            .iter()
            .position(|f| f.current == hash || f.retired.contains(&hash))
        else {
            return Err(RefreshError::Unknown);
        };
        let family = &file.families[index];
        if family.grant.client_id != client_id {
            return Err(RefreshError::OtherClient);
        }
        if family.revoked_at.is_some() {
            return Err(RefreshError::Revoked);
        }
        let refused = if family.current != hash {
            Some(RefreshError::Reused)
        } else if family.expires_at <= now {
            return Err(RefreshError::Expired);
        } else if !allowed(&family.grant) {
            Some(RefreshError::NotAllowed)
        } else {
            None
        };
        if let Some(error) = refused {
            file.revoke(index, now);
            stored.save().map_err(RefreshError::Storage)?;
            return Err(error);
        }
        let next = random_token();
        let (answer, issued) = match issue(&family.grant, &next) {
            Ok(issued) => issued,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let family = &mut file.families[index];
        let previous = std::mem::replace(&mut family.current, sha256_hex(&next));
        family.retired.push(previous);
        family.access.retain(|a| a.exp + REVOKED_MARGIN > now);
        family.access.push(issued);
        stored.save().map_err(RefreshError::Storage)?;
        Ok(Ok(answer))
    }
}

impl dp_auth::revocation::RevocationList for State {
    fn is_revoked(&self, claims: &serde_json::Map<String, serde_json::Value>) -> bool {
        claims
            .get("jti")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|jti| self.access_revoked(jti, super::now()))
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

    /// One refresh: the next token, recording an access token `at-{now}`.
    fn step(
        state: &State,
        token: &str,
        client_id: &str,
        now: i64,
        allowed: bool,
    ) -> Result<String, RefreshError> {
        let issue = |_: &Grant, next: &str| {
            let issued = Issued {
                jti: format!("at-{now}"),
                exp: now + 600,
            };
            Ok::<_, ()>((next.to_owned(), issued))
        };
        state
            .rotate(token, client_id, now, |_| allowed, issue)
            .map(|answer| answer.unwrap_or_default())
    }

    #[test]
    fn rotation_and_reuse_revoke_the_family_and_survive_a_reload() {
        let dir = tempfile::tempdir().expect("dir");
        let state = State::new();
        state.persist_in(dir.path()).expect("attached");
        let (_, first) = state.start_family(grant(), 100, 1000).expect("started");
        let second = step(&state, &first, "c", 101, true).expect("rotated");
        assert!(matches!(
            step(&state, &second, "other", 102, true),
            Err(RefreshError::OtherClient)
        ));

        // A second process (a restart) sees the same family.
        let reloaded = State::new();
        reloaded.persist_in(dir.path()).expect("attached");
        assert!(matches!(
            step(&reloaded, &first, "c", 103, true),
            Err(RefreshError::Reused)
        ));
        assert!(matches!(
            step(&state, &second, "c", 104, true),
            Err(RefreshError::Revoked)
        ));
        // The access token the rotation issued is revoked for both processes.
        assert!(state.access_revoked("at-101", 105) && reloaded.access_revoked("at-101", 105));
        let text = std::fs::read_to_string(dir.path().join(REFRESH_TOKENS_FILE)).expect("file");
        assert!(!text.contains(&first) && !text.contains(&second));
    }

    #[test]
    fn revoking_a_family_revokes_its_access_tokens_and_a_refused_issue_rotates_nothing() {
        let state = State::new();
        let (family, first) = state.start_family(grant(), 100, 1000).expect("started");
        state
            .record_access(
                &family,
                Issued {
                    jti: "code-at".into(),
                    exp: 700,
                },
                100,
            )
            .expect("recorded");
        let refused = state.rotate(
            &first,
            "c",
            101,
            |_| true,
            |_, _| Err::<((), Issued), _>("no"),
        );
        assert!(matches!(refused, Ok(Err("no"))));
        let second = step(&state, &first, "c", 102, true).expect("still the live token");
        assert!(!state.access_revoked("code-at", 103));
        // The first token comes back: the family goes, with both access tokens.
        assert!(matches!(
            step(&state, &first, "c", 103, true),
            Err(RefreshError::Reused)
        ));
        assert!(state.access_revoked("code-at", 104));
        assert!(state.access_revoked("at-102", 104));
        assert!(!state.access_revoked("at-102", 102 + 600 + REVOKED_MARGIN));
        assert!(matches!(
            step(&state, &second, "c", 105, true),
            Err(RefreshError::Revoked)
        ));

        // A lone access token (a public client's) is revoked on its own.
        state
            .revoke_access(
                Issued {
                    jti: "lone".into(),
                    exp: 900,
                },
                200,
            )
            .expect("revoked");
        assert!(state.access_revoked("lone", 201));
        // Revoking through a refresh token of another client is refused.
        let (_, other) = state.start_family(grant(), 300, 1000).expect("started");
        assert!(matches!(
            state.revoke_refresh(&other, "x", 301),
            Err(RefreshError::OtherClient)
        ));
        assert!(matches!(state.revoke_refresh(&other, "c", 301), Ok(true)));
        assert!(matches!(
            state.revoke_refresh("unknown", "c", 301),
            Ok(false)
        ));
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
            step(&state, &token, "c", 200, false),
            Err(RefreshError::NotAllowed)
        ));
        assert!(matches!(
            step(&state, &token, "c", 201, true),
            Err(RefreshError::Revoked)
        ));
        assert!(state.use_jti("c:j".into(), 300, 200));
        assert!(!state.use_jti("c:j".into(), 300, 250));
        assert!(state.use_jti("c:j".into(), 400, 301));
    }
}
