//! JSON request bodies read the way the real service reads them (api.md §0): property names
//! case-insensitive (official clients send `"Title"`, `"SenderName"`), unknown properties
//! ignored, and every failure a 400 ProblemDetails that names where it happened.
//!
//! Case-insensitivity works from the official contract: every property name of
//! `components.schemas` (no two differ only in case) maps its lower-case form to the canonical
//! camelCase name, and incoming object keys are renamed before typed deserialization.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::problem::ApiError;

/// The official v1 contract, kept in the repository (`contract/`).
pub const CONTRACT: &str = include_str!("../../../contract/dialogporten-v1.openapi.json");

/// The contract's `components.schemas`, parsed once.
pub fn contract_schemas() -> &'static serde_json::Map<String, Value> {
    static SCHEMAS: OnceLock<serde_json::Map<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let contract: Value =
            serde_json::from_str(CONTRACT.trim_start_matches('\u{feff}')).unwrap_or(Value::Null);
        match contract.pointer("/components/schemas") {
            Some(Value::Object(schemas)) => schemas.clone(),
            _ => serde_json::Map::new(),
        }
    })
}

/// Lower-case property name → the contract's spelling.
fn property_names() -> &'static HashMap<String, String> {
    static NAMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = HashMap::new();
        for schema in contract_schemas().values() {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for name in properties.keys() {
                    names.insert(name.to_lowercase(), name.clone());
                }
            }
        }
        names
    })
}

/// The contract's spelling of a property name matched case-insensitively (JSON-patch paths).
pub fn canonical_property_name(name: &str) -> Option<&'static str> {
    property_names()
        .get(&name.to_lowercase())
        .map(String::as_str)
}

/// Renames object keys, at any depth, to the contract's spelling when they match one
/// case-insensitively. Keys the contract does not know are left as they are (and ignored by
/// the typed deserialization).
pub fn normalize_property_names(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let names = property_names();
            let entries = std::mem::take(object);
            for (key, mut inner) in entries {
                normalize_property_names(&mut inner);
                let key = match names.get(&key.to_lowercase()) {
                    Some(canonical) => canonical.clone(),
                    None => key,
                };
                object.insert(key, inner);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_property_names),
        _ => {}
    }
}

/// Parses `bytes` as `T`, with case-insensitive property names.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::validation(
            "$",
            format!(
                "The request body is not valid JSON: {}. LineNumber: {} | Column: {}.",
                strip_position(&e.to_string()),
                e.line(),
                e.column()
            ),
        )
    })?;
    normalize_property_names(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = if path == "." {
            "$".to_owned()
        } else {
            format!("$.{path}")
        };
        ApiError::validation(&key, strip_position(&e.into_inner().to_string()))
    })
}

/// serde_json appends " at line L column C"; the message names the position on its own.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// A JSON body read with the contract's conventions. Accepts `application/json` and any
/// `+json` type (`application/json-patch+json`); others get 415.
pub struct ContractJson<T>(pub T);

impl<S, T> FromRequest<S> for ContractJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| {
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    axum::extract::rejection::BytesRejection::FailedToBufferBody(
                        axum::extract::rejection::FailedToBufferBody::LengthLimitError(_),
                    ) => ApiError::PayloadTooLarge,
                    // The body failed while arriving: the connection's minimum data rate.
                    _ => ApiError::RequestTimeout,
                })?;
        parse_body(&bytes).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Attachment {
        display_name: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        service_resource: String,
        party: String,
        #[serde(default)]
        attachments: Vec<Attachment>,
        progress: Option<u8>,
    }

    #[test]
    fn property_names_match_case_insensitively_at_any_depth() {
        let body: Body = parse_body(
            br#"{"SERVICERESOURCE": "urn:altinn:resource:x", "Party": "p", "unknownThing": 1,
                 "Attachments": [{"DisplayName": ["a"]}], "progress": 5}"#,
        )
        .expect("parsed");
        assert_eq!(
            body,
            Body {
                service_resource: "urn:altinn:resource:x".into(),
                party: "p".into(),
                attachments: vec![Attachment {
                    display_name: vec!["a".into()]
                }],
                progress: Some(5),
            }
        );
        assert!(property_names().len() > 100, "names come from the contract");
    }

    #[test]
    fn failures_name_the_position_or_the_path() {
        let error = parse_body::<Body>(b"{\"party\": ").expect_err("truncated");
        let ApiError::Validation(errors) = error else {
            panic!("a validation error")
        };
        assert!(errors["$"][0].contains("LineNumber: 1"), "{errors:?}");
        let error = parse_body::<Body>(
            br#"{"serviceResource": "x", "party": "p", "attachments": [{"displayName": [1]}]}"#,
        )
        .expect_err("wrong type");
        let ApiError::Validation(errors) = error else {
            panic!("a validation error")
        };
        assert!(
            errors.contains_key("$.attachments[0].displayName[0]"),
            "{errors:?}"
        );
        let error = parse_body::<Body>(br#"{"party": "p"}"#).expect_err("missing");
        let ApiError::Validation(errors) = error else {
            panic!("a validation error")
        };
        assert!(errors["$"][0].contains("serviceResource"), "{errors:?}");
    }

    #[tokio::test]
    async fn the_extractor_refuses_other_media_types() {
        let request = Request::builder()
            .header(header::CONTENT_TYPE, "text/plain")
            .body(axum::body::Body::from("{}"))
            .expect("request");
        let result = ContractJson::<Body>::from_request(request, &()).await;
        assert!(matches!(result, Err(ApiError::UnsupportedMediaType)));
        let request = Request::builder()
            .header(
                header::CONTENT_TYPE,
                "application/json-patch+json; charset=utf-8",
            )
            .body(axum::body::Body::from(
                r#"{"ServiceResource": "x", "party": "y"}"#,
            ))
            .expect("request");
        assert!(
            ContractJson::<Body>::from_request(request, &())
                .await
                .is_ok()
        );
    }
}
