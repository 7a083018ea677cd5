//! JSON Patch (RFC 6902) on the update document, as the real service applies a patch: it maps
//! the stored dialog to its update DTO (`UpdateDialogDto`, the PUT body) and applies the
//! operations to that object (`PatchDialogsController` in
//! `Digdir.Domain.Dialogporten.WebApi/Endpoints/V1/ServiceOwner/Dialogs/Patch`). Every
//! property of the DTO therefore exists, `null` where unset, so `replace /progress` works on
//! a dialog without progress; a member the DTO does not have cannot be patched in.
//!
//! A patch has at most [`MAX_PATCH_OPERATIONS`] operations and may not grow the document past
//! the request body limit (issue 11: a self-`copy` doubles the document per operation).
//!
//! The shape comes from the contract's `V1ServiceOwnerDialogsCommandsUpdate_Dialog` schema and
//! the schemas it refers to, so it cannot drift from the PUT body.

use dp_app::read::serviceowner as view;
use dp_domain::dialog::Dialog;
use serde_json::{Map, Value};

use crate::json::{canonical_property_name, contract_schemas, normalize_property_names};
use crate::problem::ApiError;

/// The PUT body's schema.
const UPDATE_SCHEMA: &str = "V1ServiceOwnerDialogsCommandsUpdate_Dialog";

/// At most this many operations in one patch (OWASP API4:2023: a `copy` of the document into
/// itself doubles it, so the count and the size below bound what one request can build).
pub const MAX_PATCH_OPERATIONS: usize = 100;

/// The patched document may not outgrow what a PUT body may be: the 20 000 000-byte request
/// body limit.
pub const MAX_PATCHED_DOCUMENT_BYTES: usize = 20_000_000;

/// About how many bytes `value` takes as JSON, counted without serializing it.
fn json_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|v| json_size(v) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() + 4 + json_size(v))
                .sum::<usize>()
        }
    }
}

/// How much an operation can grow the document: the size of the value it adds, or of the
/// member it copies (`move`, `remove` and `test` add nothing).
fn growth(document: &Value, operation: &json_patch::PatchOperation) -> usize {
    use json_patch::PatchOperation::{Add, Copy, Replace};
    match operation {
        Add(op) => json_size(&op.value),
        Replace(op) => json_size(&op.value),
        Copy(op) => document.pointer(op.from.as_str()).map_or(0, json_size),
        _ => 0,
    }
}

/// Applies the operations one by one, refusing the patch as soon as the document could pass
/// [`MAX_PATCHED_DOCUMENT_BYTES`], so memory stays within a small multiple of that limit.
fn apply_bounded(document: &mut Value, patch: &json_patch::Patch) -> Result<(), ApiError> {
    let mut size = json_size(document);
    for operation in &patch.0 {
        size += growth(document, operation);
        if size > MAX_PATCHED_DOCUMENT_BYTES {
            return Err(patch_error(format!(
                "The patched document would exceed {MAX_PATCHED_DOCUMENT_BYTES} bytes, the request body limit."
            )));
        }
        json_patch::patch(document, std::slice::from_ref(operation))
            .map_err(|e| patch_error(e.to_string()))?;
    }
    Ok(())
}

fn patch_error(message: impl Into<String>) -> ApiError {
    ApiError::validation("patchDocument", message)
}

/// The schema an object or array property points at: through `$ref`, `allOf`/`oneOf`
/// wrappers (how the contract writes nullable references) and array `items`.
fn resolve(schema: &Value) -> &Value {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return contract_schemas().get(name).map_or(&Value::Null, resolve);
    }
    for wrapper in ["allOf", "oneOf"] {
        if let Some(first) = schema.get(wrapper).and_then(|w| w.get(0)) {
            return resolve(first);
        }
    }
    schema
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    resolve(schema).get("properties").and_then(Value::as_object)
}

fn items(schema: &Value) -> Option<&Value> {
    resolve(schema).get("items")
}

/// Gives `value` exactly the members of `schema`: missing ones as `null`, others dropped.
fn shape(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(object) => {
            let Some(properties) = properties(schema) else {
                return;
            };
            object.retain(|key, _| properties.contains_key(key));
            for (key, property) in properties {
                let member = object.entry(key.clone()).or_insert(Value::Null);
                shape(member, property);
            }
        }
        Value::Array(list) => {
            if let Some(item) = items(schema) {
                list.iter_mut().for_each(|v| shape(v, item));
            }
        }
        _ => {}
    }
}

/// The JSON pointer of the first member of `value` that `schema` does not have.
fn unknown_member(value: &Value, schema: &Value, path: &str) -> Option<String> {
    match value {
        Value::Object(object) => {
            let properties = properties(schema)?;
            object.iter().find_map(|(key, member)| {
                let pointer = format!("{path}/{key}");
                match properties.get(key) {
                    None => Some(pointer),
                    Some(property) => unknown_member(member, property, &pointer),
                }
            })
        }
        Value::Array(list) => {
            let item = items(schema)?;
            list.iter()
                .enumerate()
                .find_map(|(i, v)| unknown_member(v, item, &format!("{path}/{i}")))
        }
        _ => None,
    }
}

/// The update body of a stored dialog (`V1ServiceOwnerDialogsCommandsUpdate_Dialog`), every
/// property present; transmissions and activities empty so `add /transmissions/-` appends.
pub fn update_document(dialog: &Dialog) -> Value {
    let mut document = serde_json::to_value(view::dialog(dialog, None)).unwrap_or(Value::Null);
    if let Some(object) = document.as_object_mut() {
        object.insert("transmissions".into(), Value::Array(Vec::new()));
        object.insert("activities".into(), Value::Array(Vec::new()));
    }
    let schema = serde_json::json!({ "$ref": format!("#/components/schemas/{UPDATE_SCHEMA}") });
    shape(&mut document, &schema);
    document
}

/// Applies RFC 6902 operations with case-insensitive property names in paths (api.md §2.5),
/// then refuses a result with members the update DTO does not have.
pub fn apply_patch(document: &mut Value, mut operations: Value) -> Result<(), ApiError> {
    let Some(list) = operations.as_array_mut() else {
        return Err(patch_error(
            "The patch document must be a JSON array of operations.",
        ));
    };
    if list.len() > MAX_PATCH_OPERATIONS {
        return Err(patch_error(format!(
            "The patch document has {} operations; at most {MAX_PATCH_OPERATIONS} are allowed.",
            list.len()
        )));
    }
    for operation in list.iter_mut() {
        for field in ["path", "from"] {
            if let Some(path) = operation.get(field).and_then(Value::as_str) {
                let canonical = canonical_pointer(path);
                operation[field] = Value::String(canonical);
            }
        }
    }
    let patch: json_patch::Patch = serde_json::from_value(operations)
        .map_err(|e| patch_error(format!("Invalid patch document: {e}")))?;
    apply_bounded(document, &patch)?;
    normalize_property_names(document);
    let schema = serde_json::json!({ "$ref": format!("#/components/schemas/{UPDATE_SCHEMA}") });
    if let Some(pointer) = unknown_member(document, &schema, "") {
        return Err(patch_error(format!(
            "The target location specified by path '{pointer}' was not found: the update document has no such member."
        )));
    }
    Ok(())
}

fn canonical_pointer(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.is_empty() || segment == "-" || segment.bytes().all(|b| b.is_ascii_digit()) {
                segment.to_owned()
            } else {
                canonical_property_name(segment).map_or_else(|| segment.to_owned(), str::to_owned)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document() -> Value {
        let mut document = json!({ "status": "InProgress", "content": {
            "title": { "value": [{ "languageCode": "nb", "value": "Hei" }], "mediaType": "text/plain" } },
            "attachments": [{ "id": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11", "urls": [] }],
            "revision": "not in the update body" });
        let schema = json!({ "$ref": format!("#/components/schemas/{UPDATE_SCHEMA}") });
        shape(&mut document, &schema);
        document
    }

    #[test]
    fn every_update_property_exists_and_others_are_dropped() {
        let document = document();
        assert_eq!(document["progress"], Value::Null);
        assert_eq!(document["content"]["summary"], Value::Null);
        assert_eq!(document["attachments"][0]["expiresAt"], Value::Null);
        assert!(document.get("revision").is_none());
        assert_eq!(
            document["content"]["title"]["value"][0]["value"],
            json!("Hei")
        );
    }

    #[test]
    fn self_copies_and_long_patches_are_refused() {
        let mut document = document();
        let bomb: Vec<Value> = (0..60)
            .map(|_| json!({ "op": "copy", "from": "", "path": "/attachments/-" }))
            .collect();
        let error = apply_patch(&mut document, Value::Array(bomb)).expect_err("refused");
        assert!(format!("{error:?}").contains("20000000 bytes"), "{error:?}");
        let long: Vec<Value> = (0..=MAX_PATCH_OPERATIONS)
            .map(|_| json!({ "op": "test", "path": "/progress", "value": null }))
            .collect();
        let error = apply_patch(&mut document, Value::Array(long)).expect_err("refused");
        assert!(format!("{error:?}").contains("at most 100"), "{error:?}");
    }

    #[test]
    fn replace_on_unset_members_works_and_unknown_members_are_refused() {
        let mut document = document();
        apply_patch(
            &mut document,
            json!([{ "op": "replace", "path": "/Progress", "value": 50 },
                   { "op": "test", "path": "/externalReference", "value": null },
                   { "op": "replace", "path": "/content/summary", "value": { "value": [] } }]),
        )
        .expect("applies");
        assert_eq!(document["progress"], json!(50));
        let error = apply_patch(
            &mut document,
            json!([{ "op": "add", "path": "/notAMember", "value": 1 }]),
        )
        .expect_err("refused");
        assert!(format!("{error:?}").contains("/notAMember"), "{error:?}");
        let error = apply_patch(
            &mut document,
            json!([{ "op": "add", "path": "/content/title/bogus", "value": 1 }]),
        )
        .expect_err("refused");
        assert!(
            format!("{error:?}").contains("/content/title/bogus"),
            "{error:?}"
        );
    }
}
