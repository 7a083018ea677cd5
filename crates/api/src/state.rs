//! What the dialog handlers share: the store behind its trait and the registry.

use std::sync::Arc;

use dp_authz::Registry;
use dp_store::{DialogStore, StoreError, WriteError};

use crate::problem::ApiError;

#[derive(Clone)]
pub struct DialogState {
    pub store: Arc<dyn DialogStore>,
    /// The registry as of this request.
    pub registry: Arc<Registry>,
    /// Signs end users' `dialogToken` (auth.md §7).
    pub dialog_tokens: Option<Arc<dp_auth::DialogTokenIssuer>>,
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<WriteError> for ApiError {
    fn from(error: WriteError) -> Self {
        match error {
            // INF `UnitOfWork.cs`: a lost race without If-Match (api.md §4.1).
            WriteError::Concurrency => ApiError::Conflict(crate::problem::FieldErrors::from([(
                String::new(),
                vec![
                    "The request conflicted with a concurrent operation. Please try again.".into(),
                ],
            )])),
            WriteError::IdempotentKey { key, existing } => idempotent_key_conflict(&key, existing),
            // DP surfaces unique-constraint violations as 422 (api.md §2.4).
            WriteError::DuplicateId { kind, id } => {
                ApiError::unprocessable(&kind, format!("Key ('Id')=({id}) already exists."))
            }
            WriteError::Store(e) => e.into(),
        }
    }
}

/// 409 for a dialog idempotent key already used by the same org (api.md §2.1).
pub fn idempotent_key_conflict(key: &str, existing: uuid::Uuid) -> ApiError {
    ApiError::conflict(
        "IdempotentKey",
        format!("'{key}' already exists with DialogId '{existing}'"),
    )
}

impl DialogState {
    /// Runs a store call on the blocking pool: SQLite calls block, handlers must not.
    pub async fn run<T, E>(
        &self,
        f: impl FnOnce(&dyn DialogStore) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(format!("store task failed: {e}")))?
            .map_err(Into::into)
    }

    /// Reads one dialog by id on the calling thread. A primary-key read from SQLite's page
    /// cache takes a few microseconds, less than the hop to the blocking pool that `run` makes
    /// (profiling the GET benchmark showed the thread switches as its largest cost).
    pub fn get_dialog_now(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<dp_store::StoredDialog>, ApiError> {
        self.store.get_dialog(id).map_err(Into::into)
    }
}
