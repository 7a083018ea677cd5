//! Maskinporten's refusals: the OAuth error bodies of RFC 6749 §5.2 with the MP codes
//! (auth.md §2.3). Descriptions are reduced to the characters RFC 6749 §5.2 allows.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A refused token request: the OAuth error body of RFC 6749 §5.2, status 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError {
    pub error: &'static str,
    pub description: String,
    /// The MP code, e.g. `MP-124` (auth.md §2.3).
    pub code: Option<&'static str>,
}

impl GrantError {
    pub(super) fn new(
        error: &'static str,
        code: Option<&'static str>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            error,
            description: description.into(),
            code,
        }
    }

    /// `invalid_grant` with Maskinporten's "Invalid assertion. Client authentication failed."
    pub(super) fn client_auth(code: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::new(
            "invalid_grant",
            Some(code),
            format!("Invalid assertion. Client authentication failed. {detail}"),
        )
    }

    pub(super) fn request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new("invalid_request", Some(code), detail)
    }

    pub fn body(&self) -> Value {
        let description = match self.code {
            Some(code) => format!("{} ({code})", self.description),
            None => self.description.clone(),
        };
        // RFC 6749 §5.2: no `"` or `\` (and only printable ASCII) in error_description.
        let description = crate::idporten::params::error_description(&description);
        let mut body = json!({"error": self.error, "error_description": description});
        if let Some(code) = self.code {
            body["error_uri"] = json!(format!("https://maskinporten.no/errors/{code}"));
        }
        body
    }
}

impl IntoResponse for GrantError {
    fn into_response(self) -> Response {
        let status = if self.error == "server_error" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut response = (status, Json(self.body())).into_response();
        no_store(response.headers_mut());
        response
    }
}

pub(super) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
