//! Who the end user is and what they may do, from the registry's embedded Altinn
//! Authorization (authz.md §3): the subject URN, authentication level, list authorization
//! and per-dialog decisions.

use dp_auth::Principal;
use dp_authz::dialog_access::{
    DetailsAuthorization, ListAuthorization, details_authorization, list_authorization,
    minimum_authentication_level,
};
use dp_domain::dialog::Dialog;

use crate::AppError;
use crate::DialogState;

/// The end user of a request.
#[derive(Debug, Clone)]
pub struct EndUserSubject {
    /// `urn:altinn:person:identifier-no:…`, `urn:altinn:systemuser:uuid:…` or
    /// `urn:altinn:person:idporten-email:…`, lower case.
    pub urn: String,
    pub authentication_level: u8,
}

impl EndUserSubject {
    pub fn of(principal: &Principal) -> Result<Self, AppError> {
        let urn = principal
            .user_id()
            .map(|id| id.to_string().to_lowercase())
            .ok_or_else(|| AppError::forbidden("Forbidden", "Forbidden"))?;
        Ok(Self {
            urn,
            authentication_level: principal.authentication_level().unwrap_or(0),
        })
    }

    /// The end user a service owner acts for (`endUserId`, api.md §6), decided as the
    /// end-user API would decide for them. The level does not matter: lists and details do
    /// not apply it (authz.md §3.4 step 7), so it is the default minimum.
    pub fn acting_for(end_user_id: &str) -> Self {
        Self {
            urn: end_user_id.to_lowercase(),
            authentication_level: dp_authz::registry::DEFAULT_MINIMUM_AUTHENTICATION_LEVEL,
        }
    }

    /// Whether the user may list `dialog`: a right on its party and resource, or on it.
    pub fn may_list(&self, state: &DialogState, dialog: &Dialog) -> bool {
        self.list(
            state,
            std::slice::from_ref(&dialog.party),
            std::slice::from_ref(&dialog.service_resource),
        )
        .allows(dialog)
    }

    /// What the user may list, constrained to the given parties and resources.
    pub fn list(
        &self,
        state: &DialogState,
        parties: &[String],
        resources: &[String],
    ) -> ListAuthorization {
        list_authorization(
            state.access.as_ref(),
            &state.registry,
            &self.urn,
            parties,
            resources,
        )
    }

    /// The PDP's decisions on every action of `dialog`.
    pub fn details(&self, state: &DialogState, dialog: &Dialog) -> DetailsAuthorization {
        details_authorization(state.pdp.as_ref(), &self.urn, dialog)
    }

    /// Whether the login is below the minimum authentication level of the dialog's resource.
    pub fn below_level(&self, state: &DialogState, dialog: &Dialog) -> bool {
        self.authentication_level
            < minimum_authentication_level(&state.registry, &dialog.service_resource)
    }

    /// 403 `Altinn authentication level too low.` below the resource's minimum (authz.md §3.7;
    /// the real service's `Constants.AltinnAuthLevelTooLow`).
    pub fn check_level(&self, state: &DialogState, dialog: &Dialog) -> Result<(), AppError> {
        if self.below_level(state, dialog) {
            return Err(level_too_low());
        }
        Ok(())
    }
}

/// The real service's refusal of a login below a resource's minimum authentication level.
pub fn level_too_low() -> AppError {
    AppError::forbidden("Forbidden", "Altinn authentication level too low.")
}
