//! Auth extractors: a handler that takes `ServiceOwner`, `EndUser`, … cannot run unless the
//! request passed the whole pipeline of the real service (auth.md §6.3):
//! authentication (401) → policy scopes and consumer (403) → `enduserid` (400) →
//! user type for the policy (403 ProblemDetails).

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use dp_auth::{Policy, PolicyFailure, Principal, TokenVerifier};

use crate::problem::ApiError;

/// What the extractors need from the application state.
#[derive(Clone)]
pub struct AuthState {
    pub verifier: Arc<TokenVerifier>,
}

/// A policy as a type, so the extractor's type names the policy it enforces.
pub trait PolicyMarker: Send + Sync + 'static {
    const POLICY: Policy;
}

macro_rules! policy_markers {
    ($($marker:ident => $policy:ident),* $(,)?) => {
        $(
            #[doc = concat!("Marker for `Policy::", stringify!($policy), "`.")]
            pub struct $marker;
            impl PolicyMarker for $marker {
                const POLICY: Policy = Policy::$policy;
            }
        )*
    };
}

policy_markers! {
    EndUserPolicy => EndUser,
    ServiceProviderPolicy => ServiceProvider,
    ServiceProviderSearchPolicy => ServiceProviderSearch,
    ServiceProviderChangeTransmissionsPolicy => ServiceProviderChangeTransmissions,
    ServiceProviderAdminPolicy => ServiceProviderAdmin,
    NotificationConditionCheckPolicy => NotificationConditionCheck,
    TestingPolicy => Testing,
}

/// An authenticated principal that satisfies policy `P`.
pub struct Authorized<P: PolicyMarker> {
    pub principal: Principal,
    _policy: PhantomData<P>,
}

pub type EndUser = Authorized<EndUserPolicy>;
pub type ServiceOwner = Authorized<ServiceProviderPolicy>;
pub type ServiceOwnerSearch = Authorized<ServiceProviderSearchPolicy>;
pub type ServiceOwnerChangeTransmissions = Authorized<ServiceProviderChangeTransmissionsPolicy>;
pub type ServiceOwnerAdmin = Authorized<ServiceProviderAdminPolicy>;
pub type NotificationConditionCheck = Authorized<NotificationConditionCheckPolicy>;
pub type Testing = Authorized<TestingPolicy>;

/// The bearer token of the request. Like DP's `JwtSchemeSelectorMiddleware`, the value after
/// the last space of the `Authorization` header is the token. Several `Authorization` headers
/// never get here: [`single_authorization_layer`] refuses them for every route.
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    rest.rsplit(' ').next().filter(|t| !t.is_empty())
}

/// RFC 9110 §5.3: `Authorization` is not a list-valued field, so a request that repeats it is
/// malformed: 400 naming the header, never "the first one wins". A middleware for the whole
/// server (the API, the identity providers, the admin API and the token generator alike).
pub async fn single_authorization_layer(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .count()
        > 1
    {
        return ApiError::validation(
            "Authorization",
            "The request has more than one Authorization header.",
        )
        .into_response();
    }
    next.run(request).await
}

/// The `enduserid` query parameter, with ASP.NET's case-insensitive key matching.
fn enduserid(parts: &Parts) -> Option<String> {
    url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case("enduserid"))
        .map(|(_, value)| value.into_owned())
}

fn policy_error(failure: &PolicyFailure) -> ApiError {
    let key = match failure {
        PolicyFailure::UserType { .. } => "Type",
        PolicyFailure::MissingScope { .. } => "Scope",
        PolicyFailure::InvalidConsumer { .. } => "Consumer",
    };
    ApiError::forbidden(key, failure.message())
}

/// Runs the pipeline for `policy` on the request.
pub async fn authorize(
    state: &AuthState,
    parts: &Parts,
    policy: Policy,
) -> Result<Principal, ApiError> {
    let token = bearer_token(parts).ok_or(ApiError::MissingToken)?;
    let verified = state
        .verifier
        .verify(token)
        .await
        .map_err(|e| ApiError::InvalidToken(e.to_string()))?;
    let principal = Principal::from_token(&verified);
    policy
        .check_scopes(&principal)
        .map_err(|f| policy_error(&f))?;
    let principal = principal
        .on_behalf_of(enduserid(parts).as_deref())
        .map_err(|e| ApiError::validation("EndUserId", e.to_string()))?;
    policy
        .check_user_type(&principal)
        .map_err(|f| policy_error(&f))?;
    Ok(principal)
}

impl<S, P> FromRequestParts<S> for Authorized<P>
where
    S: Send + Sync,
    AuthState: FromRef<S>,
    P: PolicyMarker,
{
    type Rejection = ApiError;

    #[tracing::instrument(skip_all, name = "authorize", fields(policy = P::POLICY.name()))]
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let principal = authorize(&AuthState::from_ref(state), parts, P::POLICY).await?;
        Ok(Self {
            principal,
            _policy: PhantomData,
        })
    }
}
