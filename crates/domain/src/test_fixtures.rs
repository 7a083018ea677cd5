//! A dialog for the unit tests of the aggregate's reads and rules.

use crate::dialog::Dialog;

/// A minimal stored dialog of `ttd` with the given system labels.
pub(crate) fn dialog(labels: &[&str]) -> Dialog {
    serde_json::from_value(serde_json::json!({
        "id": "01913cd5-784f-7d3b-abef-4c77b1f0972d",
        "revision": "a1b2c3d4-0000-0000-0000-000000000000",
        "org": "ttd",
        "serviceResource": "urn:altinn:resource:ttd-test",
        "serviceResourceType": "genericaccessresource",
        "party": "urn:altinn:organization:identifier-no:310923044",
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-03T00:00:00Z",
        "contentUpdatedAt": "2024-01-02T00:00:00Z",
        "isApiOnly": false,
        "status": "InProgress",
        "hasUnopenedContent": false,
        "content": {},
        "endUserContext": { "revision": "a1b2c3d4-0000-0000-0000-000000000001",
                            "systemLabels": labels },
        "serviceOwnerContext": { "revision": "a1b2c3d4-0000-0000-0000-000000000002",
                                 "serviceOwnerLabels": [] }
    }))
    .expect("a dialog")
}
