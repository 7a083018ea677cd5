//! The application layer's one error type (issue 12 item 1). Every command and query returns
//! it; each front maps it to its own shape in one place (`dp_api::ApiError: From<AppError>`
//! renders ProblemDetails, api.md §4.10). The variants name what went wrong, not a status code;
//! the keys and messages are the real service's, so the REST front only picks the status.

use dp_store::{StoreError, WriteError};

/// Errors keyed by field (or by concern such as `Type`), each with its messages.
/// Insertion-ordered: the members appear in the order the validators ran, as in the real
/// service's ProblemDetails.
pub type FieldErrors = indexmap::IndexMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a validation rule (FluentValidation's `ValidationError`).
    #[error("validation failed")]
    Validation(FieldErrors),
    /// The caller may not do this (`Forbidden`).
    #[error("forbidden")]
    Forbidden(FieldErrors),
    /// The input is well-formed but breaks a domain rule (`DomainError`).
    #[error("unprocessable")]
    Unprocessable(FieldErrors),
    /// No such entity, or not one the caller may see (`EntityNotFound<T>`).
    #[error("not found")]
    NotFound(FieldErrors),
    /// Not found for now: the dialog becomes visible at `visible_from` (api.md §4.6).
    #[error("not yet visible")]
    NotYetVisible {
        errors: FieldErrors,
        visible_from: dp_domain::Timestamp,
    },
    /// The entity is soft-deleted (`EntityDeleted<T>`).
    #[error("gone")]
    Gone(FieldErrors),
    /// A concurrent write or an idempotent key in use (`Conflict`).
    #[error("conflict")]
    Conflict(FieldErrors),
    /// The expected revision does not match (`ConcurrencyError` with If-Match, api.md §4.1).
    #[error("precondition failed")]
    PreconditionFailed,
    /// The database cannot be reached now (a 503 until it answers again); the cause is
    /// logged, never shown.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A fault of this server or its store; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

fn one(key: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors::from([(key.to_owned(), vec![message.into()])])
}

impl AppError {
    pub fn forbidden(key: &str, message: impl Into<String>) -> Self {
        Self::Forbidden(one(key, message))
    }

    pub fn unprocessable(key: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable(one(key, message))
    }

    pub fn conflict(key: &str, message: impl Into<String>) -> Self {
        Self::Conflict(one(key, message))
    }

    pub fn validation(key: &str, message: impl Into<String>) -> Self {
        Self::Validation(one(key, message))
    }

    /// DP's `EntityNotFound<T>`: keyed by the entity name (api.md §4.10).
    pub fn entity_not_found(entity: &str, id: impl std::fmt::Display) -> Self {
        Self::NotFound(one(
            entity,
            format!("Entity '{entity}' with the following key(s) was not found: ({id})."),
        ))
    }

    /// DP's `EntityDeleted<T>`: keyed by the entity name.
    pub fn entity_gone(entity: &str, id: impl std::fmt::Display) -> Self {
        Self::Gone(one(
            entity,
            format!("Entity '{entity}' with the following key(s) is removed: ({id})."),
        ))
    }

    /// 409 for a dialog idempotent key already used by the same org (api.md §2.1).
    pub fn idempotent_key_conflict(key: &str, existing: uuid::Uuid) -> Self {
        Self::conflict(
            "IdempotentKey",
            format!("'{key}' already exists with DialogId '{existing}'"),
        )
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) | StoreError::Timeout => {
                AppError::Unavailable(error.to_string())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<WriteError> for AppError {
    fn from(error: WriteError) -> Self {
        match error {
            // INF `UnitOfWork.cs`: a lost race without If-Match (api.md §4.1).
            WriteError::Concurrency => AppError::conflict(
                "",
                "The request conflicted with a concurrent operation. Please try again.",
            ),
            WriteError::IdempotentKey { key, existing } => {
                AppError::idempotent_key_conflict(&key, existing)
            }
            // DP surfaces unique-constraint violations as 422 (api.md §2.4).
            WriteError::DuplicateId { kind, id } => {
                AppError::unprocessable(&kind, format!("Key ('Id')=({id}) already exists."))
            }
            WriteError::Store(e) => e.into(),
        }
    }
}
