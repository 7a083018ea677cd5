//! The API's error type and its ProblemDetails rendering (api.md §4.10, auth.md §6.8).
//!
//! Every error response body is built here: `type`, `title`, `status`, optional `detail`,
//! `errors` keyed by field, and `traceId` (W3C `traceparent` form, as ASP.NET writes it).
//! 401s carry `WWW-Authenticate` and no body, as the real service's JwtBearer challenge.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Serialize;

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// What error bodies need from the request: its trace id and path (`instance`).
#[derive(Clone)]
struct RequestContext {
    trace_id: String,
    path: String,
}

use dp_app::AppError;
pub use dp_app::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No usable bearer token: 401 with `WWW-Authenticate: Bearer`.
    #[error("missing bearer token")]
    MissingToken,
    /// A token that failed validation: 401 `Bearer error="invalid_token", error_description=…`.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// 403 with the reasons keyed as the real service keys them.
    #[error("forbidden")]
    Forbidden(FieldErrors),
    /// 400 ValidationProblemDetails.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422 with the reasons keyed by field or entity.
    #[error("unprocessable")]
    Unprocessable(FieldErrors),
    /// 413: the body is over the 20 MB limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 408: the body stopped arriving (slower than the minimum data rate), as Kestrel answers.
    #[error("request timeout")]
    RequestTimeout,
    #[error("not found")]
    NotFound(FieldErrors),
    /// 404 for a dialog not visible yet, with `Expires` at the time it becomes visible.
    #[error("not yet visible")]
    NotYetVisible {
        errors: FieldErrors,
        visible_from: dp_domain::Timestamp,
    },
    #[error("gone")]
    Gone(FieldErrors),
    #[error("conflict")]
    Conflict(FieldErrors),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("not acceptable")]
    NotAcceptable,
    #[error("not implemented")]
    NotImplemented {
        detail: String,
        caller: Box<RecognisedCaller>,
    },
    /// 503 while the database is unreachable; the cause is logged, never sent.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500; the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn forbidden(key: &str, message: impl Into<String>) -> Self {
        Self::Forbidden(FieldErrors::from([(key.to_owned(), vec![message.into()])]))
    }

    pub fn unprocessable(key: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable(FieldErrors::from([(key.to_owned(), vec![message.into()])]))
    }

    pub fn conflict(key: &str, message: impl Into<String>) -> Self {
        Self::Conflict(FieldErrors::from([(key.to_owned(), vec![message.into()])]))
    }

    /// DP's `EntityNotFound<T>`: 404 keyed by the entity name (api.md §4.10).
    pub fn entity_not_found(entity: &str, id: impl std::fmt::Display) -> Self {
        Self::NotFound(FieldErrors::from([(
            entity.to_owned(),
            vec![format!(
                "Entity '{entity}' with the following key(s) was not found: ({id})."
            )],
        )]))
    }

    /// DP's `EntityDeleted<T>`: 410 keyed by the entity name.
    pub fn entity_gone(entity: &str, id: impl std::fmt::Display) -> Self {
        Self::Gone(FieldErrors::from([(
            entity.to_owned(),
            vec![format!(
                "Entity '{entity}' with the following key(s) is removed: ({id})."
            )],
        )]))
    }

    pub fn validation(key: &str, message: impl Into<String>) -> Self {
        Self::Validation(FieldErrors::from([(key.to_owned(), vec![message.into()])]))
    }
}

/// The one place an application error becomes an HTTP error: the status follows the kind,
/// keys and messages are the application's (api.md §4.10).
impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Validation(errors) => Self::Validation(errors),
            AppError::Forbidden(errors) => Self::Forbidden(errors),
            AppError::Unprocessable(errors) => Self::Unprocessable(errors),
            AppError::NotFound(errors) => Self::NotFound(errors),
            AppError::NotYetVisible {
                errors,
                visible_from,
            } => Self::NotYetVisible {
                errors,
                visible_from,
            },
            AppError::Gone(errors) => Self::Gone(errors),
            AppError::Conflict(errors) => Self::Conflict(errors),
            AppError::PreconditionFailed => Self::PreconditionFailed,
            AppError::Unavailable(cause) => Self::Unavailable(cause),
            AppError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<dp_store::StoreError> for ApiError {
    fn from(error: dp_store::StoreError) -> Self {
        AppError::from(error).into()
    }
}

/// The request's trace id, or a fresh one outside a request.
pub fn current_trace_id() -> String {
    REQUEST
        .try_with(|r| r.trace_id.clone())
        .unwrap_or_else(|_| new_trace_id())
}

fn current_path() -> Option<String> {
    REQUEST.try_with(|r| r.path.clone()).ok()
}

fn new_trace_id() -> String {
    let mut rng = rand::rng();
    format!(
        "00-{:032x}-{:016x}-00",
        rng.random::<u128>(),
        rng.random::<u64>()
    )
}

/// Middleware giving each request a trace id, taken from a valid incoming `traceparent`.
pub async fn trace_id_layer(request: Request, next: Next) -> Response {
    let incoming = request
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() == 55 && v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        .map(str::to_owned);
    let context = RequestContext {
        trace_id: incoming.unwrap_or_else(new_trace_id),
        path: request.uri().path().to_owned(),
    };
    REQUEST
        .scope(context, async move {
            let response = next.run(request).await;
            // The body limit layer answers 413 in plain text; give it the ProblemDetails shape.
            if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem(&response) {
                return ApiError::PayloadTooLarge.into_response();
            }
            response
        })
        .await
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"))
}

/// Escapes a value for a quoted-string in `WWW-Authenticate`.
fn quoted(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
        .collect()
}

/// RFC 1123, for the `Expires` header of a dialog not yet visible.
fn rfc1123(t: dp_domain::Timestamp) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.datetime().format(&format).unwrap_or_default()
}

/// Who a 501 placeholder took the caller to be, so the auth layer can be checked end to end.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecognisedCaller {
    pub policy: &'static str,
    pub user_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_org_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_org_number: Option<String>,
    pub has_correspondence_scope: bool,
    pub has_admin_scope: bool,
}

/// The ProblemDetails body (RFC 9457) as the real service writes it: absent members omitted,
/// `instance` and `traceId` on every one.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProblemDetails<'a> {
    #[serde(rename = "type")]
    type_uri: &'a str,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<FieldErrors>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    caller: Option<Box<RecognisedCaller>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    trace_id: String,
}

/// The members a kind of problem adds to type, title and status.
#[derive(Default)]
struct Members {
    detail: Option<String>,
    errors: Option<FieldErrors>,
    caller: Option<Box<RecognisedCaller>>,
}

fn with_errors(errors: FieldErrors) -> Members {
    Members {
        errors: Some(errors),
        ..Members::default()
    }
}

fn single_error(key: &str, message: &str) -> FieldErrors {
    FieldErrors::from([(key.to_owned(), vec![message.to_owned()])])
}

fn problem(status: StatusCode, type_uri: &str, title: &str, members: Members) -> Response {
    let body = ProblemDetails {
        type_uri,
        title,
        status: status.as_u16(),
        detail: members.detail,
        errors: members.errors,
        caller: members.caller,
        instance: current_path(),
        trace_id: current_trace_id(),
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&body).unwrap_or_default(),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::MissingToken => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            )
                .into_response(),
            Self::InvalidToken(description) => {
                let challenge = format!(
                    r#"Bearer error="invalid_token", error_description="{}""#,
                    quoted(&description)
                );
                let value = HeaderValue::from_str(&challenge).unwrap_or_else(|_| {
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#)
                });
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, value)],
                )
                    .into_response()
            }
            Self::Forbidden(errors) => problem(
                StatusCode::FORBIDDEN,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.3",
                "Forbidden.",
                with_errors(errors),
            ),
            Self::Validation(errors) => problem(
                StatusCode::BAD_REQUEST,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
                "One or more validation errors occurred.",
                with_errors(errors),
            ),
            Self::UnsupportedMediaType => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.13",
                "Unsupported media type.",
                with_errors(single_error(
                    "Content-Type",
                    "The request body must be application/json.",
                )),
            ),
            Self::Unprocessable(errors) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "https://datatracker.ietf.org/doc/html/rfc4918#section-11.2",
                "Unprocessable request.",
                with_errors(errors),
            ),
            Self::NotFound(errors) => problem(
                StatusCode::NOT_FOUND,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
                "Resource not found.",
                with_errors(errors),
            ),
            Self::NotYetVisible {
                errors,
                visible_from,
            } => {
                let mut response = Self::NotFound(errors).into_response();
                if let Ok(value) = HeaderValue::from_str(&rfc1123(visible_from)) {
                    response.headers_mut().insert(header::EXPIRES, value);
                }
                response
            }
            Self::Gone(errors) => problem(
                StatusCode::GONE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.9",
                "Resource no longer available.",
                with_errors(errors),
            ),
            Self::Conflict(errors) => problem(
                StatusCode::CONFLICT,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.8",
                "Conflict.",
                with_errors(errors),
            ),
            Self::NotAcceptable => problem(
                StatusCode::NOT_ACCEPTABLE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.6",
                "Requested content type is not acceptable.",
                Members {
                    detail: Some("The request must accept application/json responses.".into()),
                    errors: Some(single_error(
                        "Accept",
                        "The request must accept application/json responses.",
                    )),
                    caller: None,
                },
            ),
            Self::PreconditionFailed => problem(
                StatusCode::PRECONDITION_FAILED,
                "https://datatracker.ietf.org/doc/html/rfc7232#section-4.2",
                "Precondition failed.",
                Members::default(),
            ),
            Self::PayloadTooLarge => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.11",
                "Payload too large. The maximum allowed size is 20000000 bytes.",
                Members::default(),
            ),
            Self::RequestTimeout => problem(
                StatusCode::REQUEST_TIMEOUT,
                "https://datatracker.ietf.org/doc/html/rfc9110#section-15.5.9",
                "The request body arrived too slowly.",
                Members::default(),
            ),
            Self::NotImplemented { detail, caller } => problem(
                StatusCode::NOT_IMPLEMENTED,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.2",
                "Not Implemented.",
                Members {
                    detail: Some(detail),
                    errors: None,
                    caller: Some(caller),
                },
            ),
            Self::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "https://datatracker.ietf.org/doc/html/rfc9110#section-15.6.4",
                    "The service is temporarily unavailable. Please try again.",
                    Members::default(),
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
                response
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1",
                    "An error occurred while processing the request.",
                    Members::default(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_descriptions_cannot_break_the_header() {
        let response = ApiError::InvalidToken("a \"quoted\"\r\nvalue".into()).into_response();
        let challenge = response
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            challenge,
            Some(r#"Bearer error="invalid_token", error_description="a 'quoted'value""#)
        );
    }

    #[test]
    fn trace_ids_have_the_traceparent_shape() {
        let id = current_trace_id();
        assert_eq!(id.len(), 55);
        assert!(id.starts_with("00-") && id.ends_with("-00"));
    }
}
