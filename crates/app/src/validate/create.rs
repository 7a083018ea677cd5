//! Validation of the create-dialog body: the top-level rules of DP's `CreateDialogDtoValidator`
//! (api.md §2.1), with its exact messages and `dto.`-prefixed camelCase keys.
//!
//! Child validators (attachments, transmissions, activities, actors, content values and
//! localizations, api.md §2.2–2.3) are the next step; this covers the dialog's own fields and
//! the list-level rules (unique ids, GUI action priority counts, content presence).

use dp_domain::enums::{GuiActionPriority, SystemLabel};

use super::{
    Context, Errors, MAX_STRING, MAX_URI, in_past, is_absolute_uri, is_valid_party,
    is_well_formed_uri, party_format_message, unique_by, uuid_v7,
};
use crate::input::CreateDialog;

pub const SERVICE_RESOURCE_PREFIX: &str = "urn:altinn:resource:";

/// The top-level rules of `CreateDialogDtoValidator`.
pub fn validate(dto: &CreateDialog, context: &Context) -> Errors {
    let mut errors = Errors::default();
    let now = context.now;
    uuid_v7(&mut errors, "dto.id", "Id", dto.id.as_ref(), now);

    in_past(
        &mut errors,
        "dto.createdAt",
        "CreatedAt",
        dto.created_at,
        now,
    );
    if dto.updated_at.is_some() && dto.created_at.is_none() {
        errors.add(
            "dto.createdAt",
            "CreatedAt must not be empty when 'UpdatedAt is set.",
        );
    }
    if let (Some(created), Some(updated)) = (dto.created_at, dto.updated_at) {
        in_past(
            &mut errors,
            "dto.updatedAt",
            "UpdatedAt",
            Some(updated),
            now,
        );
        if updated < created {
            errors.add(
                "dto.updatedAt",
                "'UpdatedAt' must be greater than or equal to 'CreatedAt'.",
            );
        }
    }

    if let Some(key) = dto.idempotent_key.as_deref() {
        let length = super::dotnet_length(key);
        if length < 3 {
            errors.add(
                "dto.idempotentKey",
                format!("The length of 'IdempotentKey' must be at least 3 characters. You entered {length} characters."),
            );
        }
        errors.max_length("dto.idempotentKey", "IdempotentKey", Some(key), 36);
    }

    let resource = dto.service_resource.as_deref();
    if resource.is_none() {
        errors.not_empty("dto.serviceResource", "ServiceResource");
    }
    if resource.is_some_and(|r| !is_well_formed_uri(r)) {
        errors.add(
            "dto.serviceResource",
            "'ServiceResource' is not a well-formatted URI.",
        );
    }
    errors.max_length("dto.serviceResource", "ServiceResource", resource, MAX_URI);
    if !resource.is_some_and(|r| r.starts_with(SERVICE_RESOURCE_PREFIX)) {
        errors.add(
            "dto.serviceResource",
            format!("'ServiceResource' must start with '{SERVICE_RESOURCE_PREFIX}'."),
        );
    }

    let party = dto.party.as_deref();
    if party.is_some_and(|p| !is_valid_party(p)) {
        errors.add("dto.party", party_format_message("Party"));
    }
    if party.is_none_or(str::is_empty) {
        errors.not_empty("dto.party", "Party");
    }
    errors.max_length("dto.party", "Party", party, MAX_STRING);

    errors.between(
        "dto.progress",
        "Progress",
        dto.progress.map(i64::from),
        0,
        100,
    );
    errors.max_length(
        "dto.extendedStatus",
        "ExtendedStatus",
        dto.extended_status.as_deref(),
        MAX_STRING,
    );
    errors.max_length(
        "dto.externalReference",
        "ExternalReference",
        dto.external_reference.as_deref(),
        MAX_STRING,
    );

    if let Some(expires) = dto.expires_at {
        if dto.due_at.is_some_and(|due| expires < due) {
            errors.add("dto.expiresAt", "'ExpiresAt' must be after 'DueAt'.");
        }
        if dto.visible_from.is_some_and(|visible| expires < visible) {
            errors.add("dto.expiresAt", "'ExpiresAt' must be after 'VisibleFrom'.");
        }
    }
    // Create: dropped for admins, Altinn apps have no such restriction (DP comment). Update:
    // DP's update validator compares with the stored visibleFrom for everyone.
    if let (Some(due), Some(visible)) = (dto.due_at, dto.visible_from)
        && due < visible
    {
        if context.is_update {
            errors.add(
                "dto.dueAt",
                "DueAt must be greater than or equal to VisibleFrom.",
            );
        } else if !context.is_admin {
            errors.add("dto.dueAt", "'DueAt' must be after 'VisibleFrom'.");
        }
    }

    let tags = dto.search_tags.iter().flatten();
    unique_by(
        &mut errors,
        "dto.searchTags",
        tags.map(|t| t.value.as_ref().map(|v| v.to_lowercase())),
    );

    let gui_actions = dto.gui_actions.as_deref().unwrap_or_default();
    let count = |priority| {
        gui_actions
            .iter()
            .filter(|a| a.priority == Some(priority))
            .count()
    };
    if count(GuiActionPriority::Primary) > 1 {
        errors.add("dto.guiActions", "Only one primary GUI action is allowed.");
    }
    if count(GuiActionPriority::Secondary) > 1 {
        errors.add(
            "dto.guiActions",
            "Only one secondary GUI action is allowed.",
        );
    }
    if count(GuiActionPriority::Tertiary) > 5 {
        errors.add(
            "dto.guiActions",
            "Only five tertiary GUI actions are allowed.",
        );
    }
    unique_by(
        &mut errors,
        "dto.guiActions",
        gui_actions.iter().map(|a| a.id),
    );
    unique_by(
        &mut errors,
        "dto.apiActions",
        dto.api_actions.iter().flatten().map(|a| a.id),
    );
    unique_by(
        &mut errors,
        "dto.attachments",
        dto.attachments.iter().flatten().map(|a| a.id),
    );
    unique_by(
        &mut errors,
        "dto.transmissions",
        dto.transmissions.iter().flatten().map(|t| t.id),
    );
    unique_by(
        &mut errors,
        "dto.activities",
        dto.activities.iter().flatten().map(|a| a.id),
    );

    if dto.content.is_none() && !dto.is_api_only.unwrap_or(false) {
        errors.not_empty("dto.content", "Content");
    }

    for (path, name, value) in [
        ("dto.process", "Process", dto.process.as_deref()),
        (
            "dto.precedingProcess",
            "PrecedingProcess",
            dto.preceding_process.as_deref(),
        ),
    ] {
        // An empty string is "no value" (the real service accepts `""` on create).
        if value.is_some_and(|v| !v.is_empty() && !is_absolute_uri(v)) {
            errors.add(path, format!("'{name}' is not a well-formatted URI."));
        }
        errors.max_length(path, name, value, MAX_URI);
    }
    if dto
        .preceding_process
        .as_deref()
        .is_some_and(|p| !p.is_empty())
        && dto.process.as_deref().is_none_or(str::is_empty)
    {
        errors.add(
            "dto.process",
            "Process must not be empty when PrecedingProcess is set.",
        );
    }

    if dto.system_label.is_some_and(|l| {
        !matches!(
            l,
            SystemLabel::Default | SystemLabel::Bin | SystemLabel::Archive
        )
    }) {
        errors.add(
            "dto.systemLabel",
            "SystemLabel must be Default, Bin or Archive.",
        );
    }
    super::children::validate(&mut errors, dto, context);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_test_body as parse_body;
    use dp_domain::Timestamp;
    use uuid::Uuid;

    fn context() -> Context {
        Context {
            now: Timestamp::parse("2026-11-24T12:00:00Z").expect("valid"),
            is_admin: false,
            correspondence: false,
            legacy_html: false,
            existing_transmissions: Vec::new(),
            is_update: false,
            existing_attachments: Vec::new(),
        }
    }

    fn errors_for(body: &str) -> Errors {
        let dto: CreateDialog = parse_body(body.as_bytes()).expect("parses");
        validate(&dto, &context())
    }

    fn messages<'a>(errors: &'a Errors, path: &str) -> Vec<&'a str> {
        errors
            .get(path)
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .collect()
    }

    const MINIMAL: &str = r#"{"serviceResource": "urn:altinn:resource:super-simple-service",
        "party": "urn:altinn:organization:identifier-no:310923044",
        "content": {"title": {"value": [{"languageCode": "nb", "value": "T"}]}}}"#;

    #[test]
    fn a_minimal_body_is_valid() {
        assert!(errors_for(MINIMAL).is_empty(), "{:?}", errors_for(MINIMAL));
    }

    #[test]
    fn missing_required_fields_get_dp_messages() {
        let errors = errors_for("{}");
        assert_eq!(
            messages(&errors, "dto.serviceResource"),
            [
                "'ServiceResource' must not be empty.",
                "'ServiceResource' must start with 'urn:altinn:resource:'."
            ]
        );
        assert_eq!(
            messages(&errors, "dto.party"),
            ["'Party' must not be empty."]
        );
        assert_eq!(
            messages(&errors, "dto.content"),
            ["'Content' must not be empty."]
        );
        let api_only = errors_for(r#"{"isApiOnly": true}"#);
        assert!(api_only.get("dto.content").is_none());
    }

    #[test]
    fn field_rules_use_the_exact_messages() {
        let errors = errors_for(
            r#"{"id": "0194f7ec-35a4-4b3c-a3e1-7d0f2b7e5c11", "idempotentKey": "ab", "serviceResource": "super simple",
                "party": "urn:altinn:organization:identifier-no:310923045", "progress": 101,
                "visibleFrom": "2027-01-02T00:00:00Z", "dueAt": "2027-01-01T00:00:00Z", "expiresAt": "2026-12-31T00:00:00Z",
                "precedingProcess": "urn:p:0", "systemLabel": "sent",
                "createdAt": "2026-11-25T00:00:00Z", "updatedAt": "2026-11-24T00:00:00Z",
                "searchTags": [{"value": "Tag"}, {"value": "tag"}],
                "guiActions": [{"priority": "primary"}, {"priority": "Primary"}]}"#,
        );
        assert_eq!(
            messages(&errors, "dto.id"),
            [
                "Invalid Id. Expected big endian UUIDv7 format. Got '0194f7ec-35a4-4b3c-a3e1-7d0f2b7e5c11'."
            ]
        );
        assert_eq!(
            messages(&errors, "dto.idempotentKey"),
            [
                "The length of 'IdempotentKey' must be at least 3 characters. You entered 2 characters."
            ]
        );
        assert_eq!(
            messages(&errors, "dto.serviceResource"),
            [
                "'ServiceResource' is not a well-formatted URI.",
                "'ServiceResource' must start with 'urn:altinn:resource:'."
            ]
        );
        assert_eq!(
            messages(&errors, "dto.party"),
            [&party_format_message("Party")]
        );
        assert_eq!(
            messages(&errors, "dto.progress"),
            ["'Progress' must be between 0 and 100. You entered 101."]
        );
        assert_eq!(
            messages(&errors, "dto.dueAt"),
            ["'DueAt' must be after 'VisibleFrom'."]
        );
        assert_eq!(
            messages(&errors, "dto.expiresAt"),
            [
                "'ExpiresAt' must be after 'DueAt'.",
                "'ExpiresAt' must be after 'VisibleFrom'."
            ]
        );
        assert_eq!(
            messages(&errors, "dto.process"),
            ["Process must not be empty when PrecedingProcess is set."]
        );
        assert_eq!(
            messages(&errors, "dto.systemLabel"),
            ["SystemLabel must be Default, Bin or Archive."]
        );
        assert_eq!(
            messages(&errors, "dto.createdAt"),
            ["'CreatedAt' must be in the past."]
        );
        assert_eq!(
            messages(&errors, "dto.updatedAt"),
            ["'UpdatedAt' must be greater than or equal to 'CreatedAt'."]
        );
        assert_eq!(
            messages(&errors, "dto.searchTags"),
            ["Can not contain duplicate items: [tag]."]
        );
        assert_eq!(
            messages(&errors, "dto.guiActions"),
            ["Only one primary GUI action is allowed."]
        );
    }

    #[test]
    fn uuid_v7_times_may_be_at_most_fifteen_seconds_ahead() {
        let now = context().now;
        let at = |offset_ms: i64| {
            let millis = now.unix_micros() / 1000 + offset_ms;
            let mut bytes = *Uuid::now_v7().as_bytes();
            bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
            Uuid::from_bytes(bytes)
        };
        let mut errors = Errors::default();
        uuid_v7(&mut errors, "dto.id", "Id", Some(&at(14_000)), now);
        assert!(errors.is_empty());
        uuid_v7(&mut errors, "dto.id", "Id", Some(&at(16_000)), now);
        let message = &errors.get("dto.id").expect("an error")[0];
        assert!(
            message.starts_with("Invalid Id. Expected the unix timestamp portion of the UUIDv7 to be in the past. Extrapolated '2026-11-24T12:00:16.0000000+00:00'"),
            "{message}"
        );
        let mut errors = Errors::default();
        in_past(&mut errors, "dto.createdAt", "CreatedAt", Some(now), now);
        assert!(errors.is_empty());
    }
}
