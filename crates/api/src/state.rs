//! What the dialog handlers share: the store behind its trait and the registry.

use std::sync::Arc;

use dp_authz::Registry;
use dp_store::{Store, StoreError, WriteError};

use crate::problem::ApiError;

#[derive(Clone)]
pub struct DialogState {
    pub store: Arc<dyn Store>,
    /// The registry as of this request.
    pub registry: Arc<Registry>,
    /// Altinn Access Management (authorized parties) and the PDP (decisions), injected: the
    /// embedded ones over the registry, or an adapter to the real services (authz.md §3).
    pub access: Arc<dyn dp_authz::access::AccessManagement>,
    pub pdp: Arc<dyn dp_authz::access::Pdp>,
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
    /// Reads one dialog by id (a point read; see `dp_store::sqlite` on where it runs).
    pub async fn get_dialog(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<dp_store::StoredDialog>, ApiError> {
        self.store.get_dialog(id).await.map_err(Into::into)
    }
}
