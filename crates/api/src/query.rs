//! Query strings as the real service reads them: names case-insensitive, arrays as repeated
//! keys (api.md §0). Values that do not parse give 400 naming the parameter; an empty value
//! of a typed parameter (`?dueAfter=`) is one of them, as in the real service's binding.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dp_domain::Timestamp;

use crate::problem::ApiError;

#[derive(Debug, Default, Clone)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: &str) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
                .collect(),
        }
    }

    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order; empty values are skipped.
    pub fn all(&self, name: &str) -> Vec<String> {
        let name = name.to_ascii_lowercase();
        self.pairs
            .iter()
            .filter(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn bool(&self, name: &str, display: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(invalid(display, v)),
        }
    }

    /// The hidden `isSilentUpdate` flag (api.md §4.5).
    pub fn is_silent_update(&self) -> Result<bool, ApiError> {
        Ok(self
            .bool("isSilentUpdate", "isSilentUpdate")?
            .unwrap_or(false))
    }

    pub fn timestamp(&self, name: &str) -> Result<Option<Timestamp>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("") => Err(invalid(name, "")),
            Some(v) => Timestamp::parse(v)
                .map(Some)
                .map_err(|e| ApiError::validation(name, e.to_string())),
        }
    }

    pub fn parse_all<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<T>, ApiError> {
        self.all(name)
            .iter()
            .map(|v| parse(v).ok_or_else(|| invalid(name, v)))
            .collect()
    }
}

/// 400 for a value that does not parse, in FastEndpoints' binding wording.
pub fn invalid(name: &str, value: &str) -> ApiError {
    ApiError::Validation(crate::problem::FieldErrors::from([(
        name.to_owned(),
        vec![format!(
            "Value [{value}] is not valid for a {name} parameter!"
        )],
    )]))
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::parse(parts.uri.query().unwrap_or_default()))
    }
}
