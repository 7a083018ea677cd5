//! Scopes and authorization policies (auth.md §6.4, DP `AuthorizationOptionsSetup.cs` and
//! `UserTypeValidationMiddleware.cs`).

use crate::principal::{Principal, UserType};

/// Scope strings, as DP's `AuthorizationScope` constants.
pub mod scopes {
    pub const END_USER: &str = "digdir:dialogporten";
    pub const END_USER_NO_CONSENT: &str = "digdir:dialogporten.noconsent";
    pub const SERVICE_PROVIDER: &str = "digdir:dialogporten.serviceprovider";
    pub const SERVICE_PROVIDER_SEARCH: &str = "digdir:dialogporten.serviceprovider.search";
    pub const SERVICE_PROVIDER_ADMIN: &str = "digdir:dialogporten.serviceprovider.admin";
    pub const SERVICE_PROVIDER_CHANGE_TRANSMISSIONS: &str =
        "digdir:dialogporten.serviceprovider.changetransmissions";
    pub const LEGACY_HTML: &str = "digdir:dialogporten.serviceprovider.legacyhtml";
    /// Both names are accepted: the code's (`digdir:dialogporten.correspondence`) and the
    /// documentation's (`digdir:dialogporten.serviceprovider.correspondence`), auth.md §8.1.
    pub const CORRESPONDENCE: [&str; 2] = [
        "digdir:dialogporten.correspondence",
        "digdir:dialogporten.serviceprovider.correspondence",
    ];
    pub const NOTIFICATION_CONDITION_CHECK: &str = "altinn:system/notifications.condition.check";
    pub const TESTING: &str = "digdir:dialogporten.developer.test";
}

/// The real service's authorization policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    EndUser,
    ServiceProvider,
    ServiceProviderSearch,
    ServiceProviderChangeTransmissions,
    ServiceProviderAdmin,
    NotificationConditionCheck,
    Testing,
}

/// A policy was not met: which, and the scope that was missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyFailure {
    /// The token lacks a scope the policy requires.
    MissingScope { policy: Policy, required: String },
    /// The policy needs a valid ISO 6523 `consumer` claim.
    InvalidConsumer { policy: Policy },
    /// The scopes fit but the user type is not one the policy serves.
    UserType { allowed: &'static [UserType] },
}

impl PolicyFailure {
    /// The message the response names, DP's exact text for the user-type case.
    pub fn message(&self) -> String {
        match self {
            Self::MissingScope { policy, required } => {
                format!(
                    "The '{}' policy requires the scope {required}.",
                    policy.name()
                )
            }
            Self::InvalidConsumer { policy } => format!(
                "The '{}' policy requires a valid 'consumer' claim (iso6523-actorid-upis, 0192:<organization number>).",
                policy.name()
            ),
            Self::UserType { allowed } => format!(
                "The request was authenticated, but we were unable to determine valid user type in order to authorize the request. Valid user types for this endpoint are: {}",
                allowed
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Policy {
    pub const ALL: [Policy; 7] = [
        Policy::EndUser,
        Policy::ServiceProvider,
        Policy::ServiceProviderSearch,
        Policy::ServiceProviderChangeTransmissions,
        Policy::ServiceProviderAdmin,
        Policy::NotificationConditionCheck,
        Policy::Testing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::EndUser => "enduser",
            Self::ServiceProvider => "serviceprovider",
            Self::ServiceProviderSearch => "serviceproviderSearch",
            Self::ServiceProviderChangeTransmissions => "serviceproviderChangeTransmissions",
            Self::ServiceProviderAdmin => "serviceproviderAdmin",
            Self::NotificationConditionCheck => "notificationConditionCheck",
            Self::Testing => "testing",
        }
    }

    /// The user types this policy serves; `None` means no user-type check (DP checks only the
    /// four policies listed in `UserTypeValidationMiddleware`).
    pub fn allowed_user_types(self) -> Option<&'static [UserType]> {
        const END_USERS: &[UserType] = &[
            UserType::Person,
            UserType::SystemUser,
            UserType::IdportenEmailIdentifiedUser,
        ];
        const SERVICE_OWNERS: &[UserType] = &[
            UserType::ServiceOwner,
            UserType::ServiceOwnerOnBehalfOfPerson,
        ];
        match self {
            Self::EndUser => Some(END_USERS),
            Self::ServiceProvider | Self::ServiceProviderSearch => Some(SERVICE_OWNERS),
            Self::ServiceProviderAdmin => Some(&[UserType::ServiceOwner]),
            _ => None,
        }
    }

    /// The scope and consumer requirements, evaluated on the token's own claims (before any
    /// `enduserid` substitution, as in DP where authorization runs first).
    pub fn check_scopes(self, principal: &Principal) -> Result<(), PolicyFailure> {
        let require = |scope: &str| {
            if principal.has_policy_scope(scope) {
                Ok(())
            } else {
                Err(PolicyFailure::MissingScope {
                    policy: self,
                    required: scope.to_owned(),
                })
            }
        };
        let require_consumer = || match principal.consumer {
            Some(_) => Ok(()),
            None => Err(PolicyFailure::InvalidConsumer { policy: self }),
        };
        match self {
            Self::EndUser => {
                if principal.has_policy_scope(scopes::END_USER)
                    || principal.has_policy_scope(scopes::END_USER_NO_CONSENT)
                {
                    Ok(())
                } else {
                    Err(PolicyFailure::MissingScope {
                        policy: self,
                        required: format!(
                            "{} or {}",
                            scopes::END_USER,
                            scopes::END_USER_NO_CONSENT
                        ),
                    })
                }
            }
            Self::ServiceProvider => {
                require_consumer().and_then(|()| require(scopes::SERVICE_PROVIDER))
            }
            Self::ServiceProviderSearch => Self::ServiceProvider
                .check_scopes(principal)
                .and_then(|()| require(scopes::SERVICE_PROVIDER_SEARCH)),
            Self::ServiceProviderChangeTransmissions => Self::ServiceProvider
                .check_scopes(principal)
                .and_then(|()| require(scopes::SERVICE_PROVIDER_CHANGE_TRANSMISSIONS)),
            Self::ServiceProviderAdmin => Self::ServiceProvider
                .check_scopes(principal)
                .and_then(|()| require(scopes::SERVICE_PROVIDER_ADMIN)),
            Self::NotificationConditionCheck => {
                require_consumer().and_then(|()| require(scopes::NOTIFICATION_CONDITION_CHECK))
            }
            Self::Testing => require(scopes::TESTING),
        }
    }

    /// The user-type check that runs after `enduserid` has been applied.
    pub fn check_user_type(self, principal: &Principal) -> Result<(), PolicyFailure> {
        match self.allowed_user_types() {
            Some(allowed) if !allowed.contains(&principal.user_type()) => {
                Err(PolicyFailure::UserType { allowed })
            }
            _ => Ok(()),
        }
    }
}
