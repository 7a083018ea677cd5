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
use serde_json::{Value, json};

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// What error bodies need from the request: its trace id and path (`instance`).
#[derive(Clone)]
struct RequestContext {
    trace_id: String,
    path: String,
}

/// Errors keyed by field (or by concern such as `Type`), each with its messages.
/// Insertion-ordered: the members appear in the order the validators ran, as in the real
/// service's ProblemDetails.
pub type FieldErrors = indexmap::IndexMap<String, Vec<String>>;

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
    /// 501 for an operation that is authorized but not built yet; `extensions` are added to
    /// the body.
    #[error("not found")]
    NotFound(FieldErrors),
    #[error("gone")]
    Gone(FieldErrors),
    #[error("conflict")]
    Conflict(FieldErrors),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("not acceptable")]
    NotAcceptable,
    #[error("not implemented")]
    NotImplemented { detail: String, extensions: Value },
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

fn problem(status: StatusCode, type_uri: &str, title: &str, extra: Value) -> Response {
    let mut body = json!({ "type": type_uri, "title": title, "status": status.as_u16() });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        // Nulls are omitted, as in every response of the real service.
        body.extend(extra.into_iter().filter(|(_, v)| !v.is_null()));
        if let Some(path) = current_path() {
            body.insert("instance".into(), Value::String(path));
        }
        body.insert("traceId".into(), Value::String(current_trace_id()));
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
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
                json!({ "errors": errors }),
            ),
            Self::Validation(errors) => problem(
                StatusCode::BAD_REQUEST,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1",
                "One or more validation errors occurred.",
                json!({ "errors": errors }),
            ),
            Self::UnsupportedMediaType => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.13",
                "Unsupported media type.",
                json!({ "errors": { "Content-Type": ["The request body must be application/json."] } }),
            ),
            Self::Unprocessable(errors) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "https://datatracker.ietf.org/doc/html/rfc4918#section-11.2",
                "Unprocessable request.",
                json!({ "errors": errors }),
            ),
            Self::NotFound(errors) => problem(
                StatusCode::NOT_FOUND,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4",
                "Resource not found.",
                json!({ "errors": errors }),
            ),
            Self::Gone(errors) => problem(
                StatusCode::GONE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.9",
                "Resource no longer available.",
                json!({ "errors": errors }),
            ),
            Self::Conflict(errors) => problem(
                StatusCode::CONFLICT,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.8",
                "Conflict.",
                json!({ "errors": errors }),
            ),
            Self::NotAcceptable => problem(
                StatusCode::NOT_ACCEPTABLE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.6",
                "Requested content type is not acceptable.",
                json!({
                    "detail": "The request must accept application/json responses.",
                    "errors": { "Accept": ["The request must accept application/json responses."] }
                }),
            ),
            Self::PreconditionFailed => problem(
                StatusCode::PRECONDITION_FAILED,
                "https://datatracker.ietf.org/doc/html/rfc7232#section-4.2",
                "Precondition failed.",
                json!({}),
            ),
            Self::PayloadTooLarge => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.11",
                "Payload too large. The maximum allowed size is 20000000 bytes.",
                json!({}),
            ),
            Self::RequestTimeout => problem(
                StatusCode::REQUEST_TIMEOUT,
                "https://datatracker.ietf.org/doc/html/rfc9110#section-15.5.9",
                "The request body arrived too slowly.",
                json!({}),
            ),
            Self::NotImplemented {
                detail,
                mut extensions,
            } => {
                if let Some(map) = extensions.as_object_mut() {
                    map.insert("detail".into(), Value::String(detail));
                }
                problem(
                    StatusCode::NOT_IMPLEMENTED,
                    "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.2",
                    "Not Implemented.",
                    extensions,
                )
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1",
                    "An error occurred while processing the request.",
                    json!({}),
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
