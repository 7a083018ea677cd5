//! Validation of the create-dialog body: the top-level rules of DP's `CreateDialogDtoValidator`
//! (api.md §2.1), with its exact messages and `dto.`-prefixed camelCase keys.
//!
//! Child validators (attachments, transmissions, activities, actors, content values and
//! localizations, api.md §2.2–2.3) are the next step; this covers the dialog's own fields and
//! the list-level rules (unique ids, GUI action priority counts, content presence).

use std::collections::HashSet;

use dp_domain::enums::{GuiActionPriority, SystemLabel};
use dp_domain::{NationalIdentityNumber, OrganizationNumber, Timestamp};
use uuid::Uuid;

use super::create_dialog::CreateDialog;
use super::validation::Errors;

pub const SERVICE_RESOURCE_PREFIX: &str = "urn:altinn:resource:";
const DEFAULT_MAX_STRING_LENGTH: usize = 255;
const DEFAULT_MAX_URI_LENGTH: usize = 1023;
/// Timestamps and UUIDv7 times may lie this far in the future (DP `FutureTolerance`).
const FUTURE_TOLERANCE_MICROS: i64 = 15_000_000;

/// What validation needs besides the body.
pub struct Context {
    pub now: Timestamp,
    /// The caller has `digdir:dialogporten.serviceprovider.admin`.
    pub is_admin: bool,
    /// The caller has the correspondence scope: 255-character limits become 512.
    pub correspondence: bool,
    /// The caller has `digdir:dialogporten.serviceprovider.legacyhtml`: HTML media types allowed.
    pub legacy_html: bool,
    /// Transmissions the dialog has already (updates): related ids and activity
    /// `transmissionId`s may name them as well as the request's own.
    pub existing_transmissions: Vec<Uuid>,
    /// PUT/PATCH rather than create: references to transmissions are checked by the handler
    /// (422, api.md §2.5), the stored `visibleFrom` bounds `dueAt` for admins too, and only
    /// new attachments must not have expired.
    pub is_update: bool,
    /// Dialog attachments the dialog has already (updates).
    pub existing_attachments: Vec<Uuid>,
}

/// `DateTimeOffset.ToString("o")` for a UTC time: seven fractional digits and `+00:00`.
fn round_trip_offset(t: Timestamp) -> String {
    let text = t.to_string();
    format!("{}+00:00", text.trim_end_matches('Z'))
}

/// The unix-millisecond timestamp of a UUIDv7 (its first 48 bits, big endian).
fn uuid_v7_millis(id: &Uuid) -> i64 {
    let bytes = id.as_bytes();
    bytes[..6]
        .iter()
        .fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
}

/// DP's `IsValidUuidV7().UuidV7TimestampIsInPast(clock)`; both messages can apply.
pub fn uuid_v7(errors: &mut Errors, path: &str, name: &str, id: Option<&Uuid>, now: Timestamp) {
    let Some(id) = id else { return };
    if id.get_version_num() != 7 || id.get_variant() != uuid::Variant::RFC4122 {
        errors.add(
            path,
            format!("Invalid {name}. Expected big endian UUIDv7 format. Got '{id}'."),
        );
    }
    let date = Timestamp::from_unix_micros(uuid_v7_millis(id).saturating_mul(1000));
    let in_past =
        date.is_some_and(|d| d.unix_micros() < now.unix_micros() + FUTURE_TOLERANCE_MICROS);
    if !in_past {
        let date = date.map_or_else(|| "invalid date".to_owned(), round_trip_offset);
        errors.add(
            path,
            format!(
                "Invalid {name}. Expected the unix timestamp portion of the UUIDv7 to be in the past. Extrapolated '{date}' from '{id}'."
            ),
        );
    }
}

/// DP's `IsInPast(clock)`: at most 15 s ahead of now.
pub fn in_past(
    errors: &mut Errors,
    path: &str,
    name: &str,
    value: Option<Timestamp>,
    now: Timestamp,
) {
    if value.is_some_and(|v| v.unix_micros() > now.unix_micros() + FUTURE_TOLERANCE_MICROS) {
        errors.add(path, format!("'{name}' must be in the past."));
    }
}

/// `Uri.IsWellFormedUriString(value, UriKind.RelativeOrAbsolute)`, approximated: no spaces,
/// control characters, backslashes or other characters .NET wants escaped (`|`, `"`, `<`,
/// `>`, `{`, `}`, `^`, `` ` ``), and an absolute URI has a valid scheme.
pub fn is_well_formed_uri(value: &str) -> bool {
    if value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\\|\"<>{}^`".contains(c))
    {
        return false;
    }
    match value.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') => is_scheme(scheme),
        _ => true,
    }
}

fn is_scheme(scheme: &str) -> bool {
    scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// The absolute-URI rule of `process` and `precedingProcess` (and the searches' `process`
/// filter): well formed and with a scheme (`urn:…`, `https://…`).
pub fn is_absolute_uri(value: &str) -> bool {
    is_well_formed_uri(value)
        && value
            .split_once(':')
            .is_some_and(|(scheme, rest)| is_scheme(scheme) && !rest.is_empty())
}

/// DP's party identifiers for a dialog: person, organisation, legacy self-identified user or
/// ID-porten e-mail user.
pub fn is_valid_party(value: &str) -> bool {
    if let Some(pid) = value.strip_prefix("urn:altinn:person:identifier-no:") {
        return NationalIdentityNumber::parse(pid).is_ok();
    }
    if let Some(org) = value.strip_prefix("urn:altinn:organization:identifier-no:") {
        return OrganizationNumber::parse(org).is_ok();
    }
    if let Some(user) = value.strip_prefix("urn:altinn:person:legacy-selfidentified:") {
        return !user.is_empty();
    }
    if let Some(email) = value.strip_prefix("urn:altinn:person:idporten-email:") {
        return email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
    }
    false
}

const PARTY_MESSAGE: &str = "'Party' must be on format 'urn:altinn:organization:identifier-no:{norwegian org-nr}', \
'urn:altinn:person:identifier-no:{norwegian f-nr/d-nr}', 'urn:altinn:person:legacy-selfidentified:{username}' or 'urn:altinn:person:idporten-email:{e-mail}' with valid values, respectively.";

/// FluentValidation's `UniqueBy`: "Can not contain duplicate items: [a,b]." (null keys ignored).
pub fn unique_by<K: std::hash::Hash + Eq + Clone + std::fmt::Display>(
    errors: &mut Errors,
    path: &str,
    keys: impl IntoIterator<Item = Option<K>>,
) {
    let mut seen = HashSet::new();
    let mut duplicates: Vec<K> = Vec::new();
    for key in keys.into_iter().flatten() {
        if !seen.insert(key.clone()) && !duplicates.contains(&key) {
            duplicates.push(key);
        }
    }
    if !duplicates.is_empty() {
        let list: Vec<String> = duplicates.iter().map(ToString::to_string).collect();
        errors.add(
            path,
            format!("Can not contain duplicate items: [{}].", list.join(",")),
        );
    }
}

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
        let length = super::validation::dotnet_length(key);
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
    errors.max_length(
        "dto.serviceResource",
        "ServiceResource",
        resource,
        DEFAULT_MAX_URI_LENGTH,
    );
    if !resource.is_some_and(|r| r.starts_with(SERVICE_RESOURCE_PREFIX)) {
        errors.add(
            "dto.serviceResource",
            format!("'ServiceResource' must start with '{SERVICE_RESOURCE_PREFIX}'."),
        );
    }

    let party = dto.party.as_deref();
    if party.is_some_and(|p| !is_valid_party(p)) {
        errors.add("dto.party", PARTY_MESSAGE);
    }
    if party.is_none_or(str::is_empty) {
        errors.not_empty("dto.party", "Party");
    }
    errors.max_length("dto.party", "Party", party, DEFAULT_MAX_STRING_LENGTH);

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
        DEFAULT_MAX_STRING_LENGTH,
    );
    errors.max_length(
        "dto.externalReference",
        "ExternalReference",
        dto.external_reference.as_deref(),
        DEFAULT_MAX_STRING_LENGTH,
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
        errors.max_length(path, name, value, DEFAULT_MAX_URI_LENGTH);
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
    super::validate_children::validate(&mut errors, dto, context);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_body;

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
        assert_eq!(messages(&errors, "dto.party"), [PARTY_MESSAGE]);
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
