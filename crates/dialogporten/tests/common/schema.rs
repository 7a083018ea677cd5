//! Checks answers against the official OpenAPI document's response schemas
//! (`contract/dialogporten-v1.openapi.json`).
//!
//! The validator covers the subset of OpenAPI 3.0 the document uses: `$ref` into
//! `#/components/schemas`, `type`, `properties`, `additionalProperties`, `items`, `nullable`,
//! `enum`, `required`, `oneOf`/`anyOf`/`allOf`, and the formats `date-time` (the contract's output
//! form, seven fractional digits and `Z`), `guid`/`uuid` and `int32`/`int64`. It is strict on
//! drift: a property the schema does not declare is an error (unless `additionalProperties`
//! allows it), and so is a `null` where the schema is not `nullable` (the server omits nulls).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::dialogs::Answer;

/// The official contract, parsed once.
pub fn contract() -> &'static Value {
    static CONTRACT: OnceLock<Value> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let text = include_str!("../../../../contract/dialogporten-v1.openapi.json");
        serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .expect("contract/dialogporten-v1.openapi.json is valid JSON")
    })
}

/// Panics when `answer` does not match the contract for `method path` and its status, listing
/// every mismatch as a JSON pointer into the body with the schema that was violated.
pub fn check(method: &str, path: &str, answer: &Answer) {
    let problems = mismatches(method, path, answer.status, &answer.body, &answer.text);
    if problems.is_empty() {
        return;
    }
    let mut text = answer.text.clone();
    if text.len() > 4000 {
        let mut end = 4000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" …");
    }
    panic!(
        "{} {path} answered {} in a shape the contract does not allow ({} mismatch{}):\n  {}\nbody: {text}",
        method.to_uppercase(),
        answer.status,
        problems.len(),
        if problems.len() == 1 { "" } else { "es" },
        problems.join("\n  "),
    );
}

/// Every way an answer (`status`, parsed `body`, raw `text`) to `method path` departs from the
/// contract; empty when it conforms or when the operation is not in the contract.
pub fn mismatches(method: &str, path: &str, status: u16, body: &Value, text: &str) -> Vec<String> {
    let Some((template, operation)) = find_operation(method, path) else {
        return Vec::new();
    };
    if (400..500).contains(&status) {
        return problem_mismatches(status, body, text);
    }
    if status >= 500 || !(200..300).contains(&status) {
        return Vec::new();
    }
    let Some(response) = operation
        .get("responses")
        .and_then(|r| r.get(status.to_string()).or_else(|| r.get("2XX")))
    else {
        return vec![format!(
            "status {status} is not documented for {} {template}",
            method.to_uppercase()
        )];
    };
    let Some((media_type, schema)) = response_schema(response) else {
        return Vec::new();
    };
    let value = if media_type.contains("json") {
        body.clone()
    } else {
        Value::String(text.to_owned())
    };
    validate(&value, schema)
}

/// Validates `value` against `schema` (a schema object of the contract, e.g.
/// `{"$ref": "#/components/schemas/X"}`), returning every mismatch.
pub fn validate(value: &Value, schema: &Value) -> Vec<String> {
    let mut validator = Validator {
        root: contract(),
        errors: Vec::new(),
    };
    let name = ref_name(schema).unwrap_or("inline schema");
    validator.node(value, schema, "#", name);
    validator.errors
}

/// Validates `value` against the named component schema.
pub fn validate_component(value: &Value, name: &str) -> Vec<String> {
    validate(
        value,
        &serde_json::json!({ "$ref": format!("#/components/schemas/{name}") }),
    )
}

/// 4xx answers other than 401 are ProblemDetails; a 403 from a policy failure has no body
/// (auth.md §6.8).
fn problem_mismatches(status: u16, body: &Value, text: &str) -> Vec<String> {
    if status == 401 || (status == 403 && text.trim().is_empty()) {
        return Vec::new();
    }
    let Some(object) = body.as_object() else {
        return vec![format!(
            "#: a {status} answer must be a ProblemDetails object, got {}",
            describe(body)
        )];
    };
    let mut errors = Vec::new();
    for member in ["type", "title", "traceId"] {
        match object.get(member) {
            Some(Value::String(_)) => {}
            Some(other) => errors.push(format!(
                "#/{member}: expected a string, got {} [ProblemDetails]",
                describe(other)
            )),
            None => errors.push(format!("#/{member}: missing [ProblemDetails]")),
        }
    }
    match object.get("status") {
        Some(value) if value.as_u64() == Some(u64::from(status)) => {}
        Some(other) => errors.push(format!(
            "#/status: expected {status} (the HTTP status), got {} [ProblemDetails]",
            describe(other)
        )),
        None => errors.push("#/status: missing [ProblemDetails]".to_owned()),
    }
    errors.extend(validate_component(body, "ProblemDetails"));
    errors
}

/// The schema of a response: `application/json` first, then any JSON type, then anything.
fn response_schema(response: &Value) -> Option<(&str, &Value)> {
    let content = response.get("content")?.as_object()?;
    let (media_type, media) = content
        .get_key_value("application/json")
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
        .or_else(|| content.iter().next())?;
    Some((media_type.as_str(), media.get("schema")?))
}

/// The contract's path template and operation for a request path (query string ignored,
/// literal segments beating `{parameter}` segments, case-insensitive like the server).
pub fn find_operation(method: &str, path: &str) -> Option<(&'static str, &'static Value)> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let paths = contract().get("paths")?.as_object()?;
    let mut best: Option<(Vec<bool>, &'static str, &'static Value)> = None;
    for (template, item) in paths {
        let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut score = Vec::with_capacity(parts.len());
        let matched = parts.iter().zip(&segments).all(|(part, segment)| {
            if part.starts_with('{') && part.ends_with('}') {
                score.push(false);
                true
            } else {
                score.push(true);
                part.eq_ignore_ascii_case(segment)
            }
        });
        if matched && best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, template.as_str(), item));
        }
    }
    let (_, template, item) = best?;
    let operation = item.get(method.to_ascii_lowercase())?;
    Some((template, operation))
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => return "an array".to_owned(),
        Value::Object(_) => return "an object".to_owned(),
    };
    let mut shown = value.to_string();
    if shown.len() > 80 {
        let mut end = 80;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push('…');
    }
    format!("{kind} {shown}")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Validator<'a> {
    root: &'a Value,
    errors: Vec<String>,
}

impl Validator<'_> {
    fn error(&mut self, pointer: &str, name: &str, message: String) {
        self.errors.push(format!("{pointer}: {message} [{name}]"));
    }

    /// Errors of `value` against `schema` without recording them here.
    fn trial(&self, value: &Value, schema: &Value, pointer: &str, name: &str) -> Vec<String> {
        let mut inner = Validator {
            root: self.root,
            errors: Vec::new(),
        };
        inner.node(value, schema, pointer, name);
        inner.errors
    }

    fn node(&mut self, value: &Value, schema: &Value, pointer: &str, name: &str) {
        let Some(schema_object) = schema.as_object() else {
            if schema == &Value::Bool(false) {
                self.error(pointer, name, "no value is allowed here".into());
            }
            return;
        };
        let nullable = schema_object.get("nullable") == Some(&Value::Bool(true));
        if value.is_null() && nullable {
            return;
        }
        if let Some(reference) = schema_object.get("$ref").and_then(Value::as_str) {
            let Some(target_name) = reference.strip_prefix("#/components/schemas/") else {
                self.error(pointer, name, format!("unsupported $ref {reference}"));
                return;
            };
            match self.root["components"]["schemas"].get(target_name) {
                Some(target) => self.node(value, target, pointer, target_name),
                None => self.error(pointer, name, format!("dangling $ref {reference}")),
            }
            return;
        }
        if value.is_null() {
            self.error(
                pointer,
                name,
                "null is not allowed (the schema is not nullable; omit the member instead)".into(),
            );
            return;
        }
        if let Some(Value::Array(alternatives)) = schema_object.get("allOf") {
            for alternative in alternatives {
                let alt_name = ref_name(alternative).unwrap_or(name).to_owned();
                self.node(value, alternative, pointer, &alt_name);
            }
        }
        if let Some(Value::Array(alternatives)) = schema_object.get("oneOf") {
            self.alternatives(value, alternatives, pointer, name, true);
        }
        if let Some(Value::Array(alternatives)) = schema_object.get("anyOf") {
            self.alternatives(value, alternatives, pointer, name, false);
        }
        if let Some(Value::Array(allowed)) = schema_object.get("enum")
            && !allowed.contains(value)
        {
            let allowed: Vec<String> = allowed.iter().map(Value::to_string).collect();
            self.error(
                pointer,
                name,
                format!(
                    "{} is not one of the enum values [{}]",
                    describe(value),
                    allowed.join(", ")
                ),
            );
        }
        let declared_type = schema_object.get("type").and_then(Value::as_str);
        let implied_type = declared_type.or_else(|| {
            (schema_object.contains_key("properties")
                || schema_object.contains_key("additionalProperties"))
            .then_some("object")
            .or_else(|| schema_object.contains_key("items").then_some("array"))
        });
        let Some(kind) = implied_type else {
            return;
        };
        let format = schema_object.get("format").and_then(Value::as_str);
        match kind {
            "object" => match value.as_object() {
                Some(object) => self.object(object, schema_object, pointer, name),
                None => self.mismatch(pointer, name, "an object", value),
            },
            "array" => match value.as_array() {
                Some(items) => {
                    if let Some(item_schema) = schema_object.get("items") {
                        for (index, item) in items.iter().enumerate() {
                            self.node(item, item_schema, &format!("{pointer}/{index}"), name);
                        }
                    }
                }
                None => self.mismatch(pointer, name, "an array", value),
            },
            "string" => match value.as_str() {
                Some(text) => self.string_format(text, format, pointer, name),
                None => self.mismatch(pointer, name, "a string", value),
            },
            "integer" => match value.as_i64() {
                Some(number) => {
                    if format == Some("int32") && i32::try_from(number).is_err() {
                        self.error(pointer, name, format!("{number} is out of the int32 range"));
                    }
                }
                None if value.is_u64() && format != Some("int32") => {}
                None => self.mismatch(pointer, name, "an integer", value),
            },
            "number" => {
                if !value.is_number() {
                    self.mismatch(pointer, name, "a number", value);
                }
            }
            "boolean" => {
                if !value.is_boolean() {
                    self.mismatch(pointer, name, "a boolean", value);
                }
            }
            other => self.error(pointer, name, format!("unsupported schema type {other}")),
        }
    }

    fn mismatch(&mut self, pointer: &str, name: &str, expected: &str, value: &Value) {
        self.error(
            pointer,
            name,
            format!("expected {expected}, got {}", describe(value)),
        );
    }

    fn alternatives(
        &mut self,
        value: &Value,
        alternatives: &[Value],
        pointer: &str,
        name: &str,
        exactly_one: bool,
    ) {
        let trials: Vec<(String, Vec<String>)> = alternatives
            .iter()
            .map(|alternative| {
                let alt_name = ref_name(alternative).unwrap_or(name).to_owned();
                let errors = self.trial(value, alternative, pointer, &alt_name);
                (alt_name, errors)
            })
            .collect();
        let matching = trials.iter().filter(|(_, e)| e.is_empty()).count();
        if matching == 1 || (!exactly_one && matching > 1) {
            return;
        }
        if let [(_, errors)] = trials.as_slice() {
            self.errors.extend(errors.iter().cloned());
            return;
        }
        let keyword = if exactly_one { "oneOf" } else { "anyOf" };
        let names: Vec<&str> = trials.iter().map(|(n, _)| n.as_str()).collect();
        if matching > 1 {
            self.error(
                pointer,
                name,
                format!(
                    "matches {matching} {keyword} alternatives [{}], exactly one allowed",
                    names.join(", ")
                ),
            );
            return;
        }
        self.error(
            pointer,
            name,
            format!(
                "matches none of the {keyword} alternatives [{}]",
                names.join(", ")
            ),
        );
        for (alt_name, errors) in trials {
            for error in errors {
                self.errors.push(format!("  ({alt_name}) {error}"));
            }
        }
    }

    fn object(
        &mut self,
        object: &Map<String, Value>,
        schema: &Map<String, Value>,
        pointer: &str,
        name: &str,
    ) {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Some(Value::Array(required)) = schema.get("required") {
            for member in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(member) {
                    self.error(
                        &format!("{pointer}/{}", escape(member)),
                        name,
                        "required member is missing".into(),
                    );
                }
            }
        }
        for (key, member) in object {
            let member_pointer = format!("{pointer}/{}", escape(key));
            if let Some(member_schema) = properties.get(key) {
                self.node(member, member_schema, &member_pointer, name);
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(true)) => {}
                Some(extra @ Value::Object(_)) => self.node(member, extra, &member_pointer, name),
                _ => self.error(
                    &member_pointer,
                    name,
                    format!(
                        "member {key:?} is not declared in the schema (got {})",
                        describe(member)
                    ),
                ),
            }
        }
    }

    fn string_format(&mut self, text: &str, format: Option<&str>, pointer: &str, name: &str) {
        match format {
            Some("date-time") if !is_contract_date_time(text) => self.error(
                pointer,
                name,
                format!(
                    "date-time {text:?} is not in the contract's output form \
                     yyyy-MM-ddTHH:mm:ss.fffffffZ (UTC, seven fractional digits)"
                ),
            ),
            Some("guid" | "uuid") => match uuid::Uuid::parse_str(text) {
                Ok(id) if id.hyphenated().to_string() == text => {}
                Ok(_) => self.error(
                    pointer,
                    name,
                    format!("guid {text:?} is not in the lower-case hyphenated form"),
                ),
                Err(_) => self.error(pointer, name, format!("{text:?} is not a guid")),
            },
            _ => {}
        }
    }
}

/// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$`
pub fn is_contract_date_time(text: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddddddZ";
    let bytes = text.as_bytes();
    bytes.len() == SHAPE.len()
        && bytes.iter().zip(SHAPE).all(|(&b, &s)| match s {
            b'd' => b.is_ascii_digit(),
            _ => b == s,
        })
}
