//! The services every command and query stands on, built once in the binary and handed to
//! each front: the store behind its contract, the registry as of this request, and the
//! injected authorization (authz.md §3).

use std::sync::Arc;

use dp_authz::Registry;
use dp_authz::access::{AccessManagement, Pdp};
use dp_store::{Store, StoredDialog};

use crate::AppError;

#[derive(Clone)]
pub struct DialogState {
    pub store: Arc<dyn Store>,
    /// The registry as of this request.
    pub registry: Arc<Registry>,
    /// Altinn Access Management (authorized parties) and the PDP (decisions), injected: the
    /// embedded ones over the registry, or an adapter to the real services (authz.md §3).
    pub access: Arc<dyn AccessManagement>,
    pub pdp: Arc<dyn Pdp>,
    /// Signs end users' `dialogToken` (auth.md §7).
    pub dialog_tokens: Option<Arc<dp_auth::DialogTokenIssuer>>,
}

impl DialogState {
    /// Reads one dialog by id (a point read; see `dp_store::sqlite` on where it runs).
    pub async fn get_dialog(&self, id: uuid::Uuid) -> Result<Option<StoredDialog>, AppError> {
        self.store.get_dialog(id).await.map_err(Into::into)
    }
}
