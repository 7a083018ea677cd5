//! The storage contract: the traits every backend implements, so nothing above this crate sees
//! SQL, constraint names or a backend's free-text syntax.
//!
//! Each method is one transaction. Writes are compare-and-swap on the stored `version`, so two
//! commands that read the same dialog cannot both write it (api.md §4.1: the loser gets 409).

use async_trait::async_trait;
use dp_authz::RegistryDocument;
use dp_domain::Timestamp;
use dp_domain::dialog::Dialog;
use dp_domain::enums::{DeletedFilter, DialogStatus, SystemLabel};
use uuid::Uuid;

use crate::StoreError;

/// A dialog as read, with the version its next write must name.
#[derive(Debug, Clone)]
pub struct StoredDialog {
    pub dialog: Dialog,
    pub version: i64,
}

/// Why a write did not happen. Everything but `Store` is the client's or a racing client's doing.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The dialog changed since it was read.
    #[error("the dialog was changed by a concurrent operation")]
    Concurrency,
    /// Another dialog of the same org has this idempotent key.
    #[error("idempotent key already used by dialog {existing}")]
    IdempotentKey { key: String, existing: Uuid },
    /// An entity with this id exists already (DP's unique-constraint violation).
    #[error("{kind} with id {id} already exists")]
    DuplicateId { kind: String, id: Uuid },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sort keys of dialog searches (api.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey {
    ContentUpdatedAt,
    UpdatedAt,
    CreatedAt,
    DueAt,
    Id,
}

impl OrderKey {
    pub fn name(self) -> &'static str {
        match self {
            Self::ContentUpdatedAt => "contentupdatedat",
            Self::UpdatedAt => "updatedat",
            Self::CreatedAt => "createdat",
            Self::DueAt => "dueat",
            Self::Id => "id",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "contentupdatedat" => Self::ContentUpdatedAt,
            "updatedat" => Self::UpdatedAt,
            "createdat" => Self::CreatedAt,
            "dueat" => Self::DueAt,
            "id" => Self::Id,
            _ => return None,
        })
    }

    /// This key's value in a dialog (`None` only for an unset `dueAt`).
    pub fn value_of(self, dialog: &Dialog) -> Option<CursorValue> {
        match self {
            Self::ContentUpdatedAt => Some(CursorValue::Time(dialog.content_updated_at)),
            Self::UpdatedAt => Some(CursorValue::Time(dialog.updated_at)),
            Self::CreatedAt => Some(CursorValue::Time(dialog.created_at)),
            Self::DueAt => dialog.due_at.map(CursorValue::Time),
            Self::Id => Some(CursorValue::Id(dialog.id)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorValue {
    Time(Timestamp),
    Id(Uuid),
}

/// One sort key with its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub key: OrderKey,
    pub descending: bool,
}

/// Filters of a dialog search; empty lists and `None` mean "no filter".
#[derive(Debug, Clone, Default)]
pub struct DialogQuery {
    /// Service-owner searches are always limited to the caller's org (api.md §3.1).
    pub org: Vec<String>,
    pub service_resources: Vec<String>,
    pub parties: Vec<String>,
    /// End-user searches: only these (party, resource) pairs (authz.md §3.4). `None` = no limit.
    pub authorized_pairs: Option<Vec<(String, String)>>,
    /// End-user searches: also dialogs these instance references name (`urn:altinn:dialog-id:…`,
    /// or an instance/correspondence service-owner label), from instance delegations.
    pub authorized_instances: Vec<String>,
    pub extended_status: Vec<String>,
    pub external_reference: Option<String>,
    pub status: Vec<DialogStatus>,
    pub deleted: Option<DeletedFilter>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    pub updated_after: Option<Timestamp>,
    pub updated_before: Option<Timestamp>,
    pub content_updated_after: Option<Timestamp>,
    pub content_updated_before: Option<Timestamp>,
    pub due_after: Option<Timestamp>,
    pub due_before: Option<Timestamp>,
    pub visible_after: Option<Timestamp>,
    pub visible_before: Option<Timestamp>,
    /// End-user searches: visible (visibleFrom ≤ now) and not expired at this time.
    pub visible_at: Option<Timestamp>,
    pub is_content_seen: Option<bool>,
    pub process: Option<String>,
    pub system_labels: Vec<SystemLabel>,
    pub exclude_api_only: bool,
    /// Free text (api.md §3.4), already checked for length.
    pub search: Option<String>,
    /// `searchLanguageCode`: the language whose stemming the free text uses where the backend
    /// stems (PostgreSQL); `None` = no stemming (the real service's `simple`).
    pub search_language: Option<String>,
    /// Lower case; a trailing `*` is a prefix match; all must match (AND).
    pub service_owner_labels: Vec<String>,
    /// Sort keys, `id` last (api.md §3.3).
    pub order: Vec<Order>,
    /// Keyset position: values of the last row of the previous page, one per sort key.
    pub after: Option<Vec<Option<CursorValue>>>,
    /// Rows to return (the caller asks for one more than its page to learn `hasNextPage`).
    pub limit: usize,
}

/// The dialog half of the storage contract. Every method is one transaction; writes are
/// compare-and-swap on the version read.
#[async_trait]
pub trait DialogStore: Send + Sync {
    /// Inserts a new dialog with its labels, child ids and search text.
    async fn insert_dialog(&self, dialog: Dialog) -> Result<(), WriteError>;

    /// Inserts many new dialogs in one transaction (bulk loads): all or none.
    async fn insert_dialogs(&self, dialogs: Vec<Dialog>) -> Result<(), WriteError>;

    async fn get_dialog(&self, id: Uuid) -> Result<Option<StoredDialog>, StoreError>;

    /// Replaces the stored dialog if its version is still `expected_version`.
    async fn update_dialog(&self, dialog: Dialog, expected_version: i64) -> Result<(), WriteError>;

    /// Replaces several dialogs in one transaction: all are written or none (bulk label
    /// changes, api.md §4.8).
    async fn update_dialogs(&self, updates: Vec<(Dialog, i64)>) -> Result<(), WriteError>;

    /// Removes the dialog and everything that hangs off it; false when there was none.
    async fn purge_dialog(&self, id: Uuid) -> Result<bool, StoreError>;

    /// The dialog of `org` that carries `key`, if any.
    async fn dialog_by_idempotent_key(
        &self,
        org: String,
        key: String,
    ) -> Result<Option<Uuid>, StoreError>;

    /// The dialog that owns a child entity (transmission, activity …) with this id.
    async fn dialog_of_child(&self, child_id: Uuid) -> Result<Option<Uuid>, StoreError>;

    /// How many dialogs are stored, deleted ones included (`store copy` verifies with it).
    async fn dialog_count(&self) -> Result<u64, StoreError>;

    /// Dialogs matching `query`, in its order, at most `query.limit`.
    async fn search_dialogs(&self, query: DialogQuery) -> Result<Vec<Dialog>, StoreError>;

    /// The service resources some dialog uses, deleted dialogs included: one indexed probe
    /// per `(party, resource)` (any party when `None`), skipping a resource already found.
    /// Each resource found once, in the order of the probes (`/enduser/serviceresources`,
    /// `/metadata/serviceresources`).
    async fn resources_in_use(
        &self,
        probes: Vec<(Option<String>, String)>,
    ) -> Result<Vec<String>, StoreError>;
}

/// The registry half: service owners, resources, parties and rights as one document, with a
/// revision that moves on every change so running servers know when to reload (issue 4).
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Replaces the whole registry in one transaction; a document whose references do not
    /// resolve is refused and leaves the stored one in place.
    async fn replace_registry(&self, document: RegistryDocument) -> Result<(), StoreError>;

    /// The stored registry, or `None` when none was ever stored.
    async fn load_registry(&self) -> Result<Option<RegistryDocument>, StoreError>;

    /// The registry's revision: it moves with every stored change (grants, revocations,
    /// imports).
    async fn registry_revision(&self) -> Result<i64, StoreError>;
}

/// What several server instances on one database must share beyond dialogs and the registry
/// (issue 13 item 3): the embedded issuers' and the dialog tokens' signing keys, and single-use
/// markers (Maskinporten's replay cache). Only a backend that several machines reach has it
/// ([`Store::shared_state`]); with SQLite the processes of one machine share the data
/// directory's files instead.
#[async_trait]
pub trait SharedState: Send + Sync {
    /// A stored secret (a signing key as bytes), if there is one.
    async fn load_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores `value` under `name` unless a secret is stored there already, and returns the one
    /// stored: of instances creating a key at the same time, every one gets the first's.
    async fn create_secret(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StoreError>;

    /// Replaces the secret under `name` (key rotation).
    async fn replace_secret(&self, name: &str, value: Vec<u8>) -> Result<(), StoreError>;

    /// Remembers `key` until `until` (Unix seconds); false when it is remembered already and
    /// not expired at `now`. Of concurrent first uses on any instance exactly one gets true.
    async fn first_use(&self, key: &str, until: i64, now: i64) -> Result<bool, StoreError>;

    /// The live entry `(kind, key)` with its version (entries expire at `expires_at`).
    async fn get_entry(
        &self,
        kind: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<(String, i64)>, StoreError>;

    /// Writes the entry, replacing whatever was there.
    async fn put_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Writes the entry only if there is no live one; false when there is.
    async fn insert_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        (expires_at, now): (i64, i64),
    ) -> Result<bool, StoreError>;

    /// Replaces the entry if it still has `version`; false when it changed or went away.
    async fn replace_entry(
        &self,
        kind: &str,
        key: &str,
        value: &str,
        (expires_at, version): (i64, i64),
    ) -> Result<bool, StoreError>;

    /// Removes the entry and returns it if it was live: of concurrent takes one gets it.
    async fn take_entry(
        &self,
        kind: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError>;
}

/// The whole storage contract a backend implements: dialogs and the registry today, the
/// outbox of domain events next (issue 14) as a third part written in the dialog
/// transactions. Used as `Arc<dyn Store>` everywhere outside this crate; the conformance suite
/// in `tests/conformance` is what a backend must pass.
#[async_trait]
pub trait Store: DialogStore + RegistryStore {
    /// The schema version, for startup logs; an error when the database does not answer
    /// (`/health/deep`).
    async fn schema_version(&self) -> Result<i64, StoreError>;

    /// The state several instances share through this store, when it is one that several
    /// machines reach (PostgreSQL); `None` for the embedded SQLite store.
    fn shared_state(&self) -> Option<&dyn SharedState> {
        None
    }
}
