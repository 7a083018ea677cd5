//! Validation of the create body's children: attachments, GUI and API actions, transmissions, activities, actors, search tags and service-owner labels
//! (api.md §2.2–2.3), with DP's messages and keys (`dto.attachments[0].urls[0].url`).

use dp_domain::enums::{ActivityType, ActorType, HttpVerb};
use uuid::Uuid;

use super::content::{dialog_content, is_https_url, localizations, transmission_content};
use super::{
    Context, Errors, MAX_STRING, MAX_URI, in_past, is_valid_party, is_well_formed_uri,
    party_format_message, unique_by, uuid_v7,
};
use crate::input::{Activity, Actor, ApiAction, Attachment, CreateDialog, GuiAction, Transmission};

const CORRESPONDENCE_ACTIVITY_DESCRIPTION_MAX: usize = 4095;

fn https_url(errors: &mut Errors, path: &str, name: &str, value: Option<&str>) {
    match value {
        None => errors.not_empty(path, name),
        Some(url) => {
            if !is_https_url(url) {
                errors.add(path, format!("'{name}' is not a well-formatted HTTPS URL."));
            }
            errors.max_length(path, name, Some(url), MAX_URI);
        }
    }
}

/// `IsValidUri` on a `Uri`-typed member (note: "well formatted", no hyphen, as DP writes it).
fn uri_member(errors: &mut Errors, path: &str, name: &str, value: Option<&str>) {
    if value.is_some_and(|v| !is_well_formed_uri(v)) {
        errors.add(path, format!("'{name}' is not a well formatted URI."));
    }
    errors.max_length(path, name, value, MAX_URI);
}

/// `IsValidAuthorizationAttribute`.
fn authorization_attribute(errors: &mut Errors, path: &str, value: Option<&str>) {
    let Some(value) = value else { return };
    errors.max_length(path, "AuthorizationAttribute", Some(value), MAX_STRING);
    let name_ok = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let lower = value.to_ascii_lowercase();
    let valid = match lower.strip_prefix("urn:altinn:") {
        Some(rest) => rest
            .split_once(':')
            .is_some_and(|(kind, name)| name_ok(kind) && name_ok(name)),
        None => name_ok(&lower),
    };
    if !valid {
        errors.add(
            path,
            "'AuthorizationAttribute' must be on format 'urn:altinn:{resourcetype}:{resourcename}' or {resourcename} with valid names (letters, digits, '-' or '_', starting with a letter).",
        );
    }
}

fn is_system_user(id: &str) -> bool {
    id.get(..27)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:altinn:systemuser:uuid:"))
        && uuid::Uuid::parse_str(&id[27..]).is_ok()
}

/// `ActorValidator`.
fn actor(errors: &mut Errors, path: &str, actor: &Actor) {
    let service_owner = actor.actor_type == Some(ActorType::ServiceOwner);
    let (id, name) = (actor.actor_id.as_deref(), actor.actor_name.as_deref());
    let valid = (id.is_none() || name.is_none())
        && ((service_owner && id.is_none() && name.is_none())
            || (!service_owner && (id.is_some() || name.is_some())));
    if !valid {
        errors.add(
            path,
            "If 'ActorType' is 'ServiceOwner', both 'ActorId' and 'ActorName' must be null. For any other value of 'ActorType', 'ActorId' or 'ActorName' must be set, but not both simultaneously.",
        );
    }
    // A system user may act too: the real service names it through Register like a party
    // (its `PopulateActorNameInterceptor` looks up `urn:altinn:systemuser:uuid:…`).
    if id.is_some_and(|id| !is_valid_party(id) && !is_system_user(id)) {
        errors.add(format!("{path}.actorId"), party_format_message("ActorId"));
    }
}

/// `check_expiry`: `expiresAt` must not lie in the past: for every attachment of a create and
/// new attachments of an update; a dialog attachment kept by an update may have expired since.
fn attachment(
    errors: &mut Errors,
    path: &str,
    item: &Attachment,
    check_expiry: bool,
    context: &Context,
) {
    if check_expiry && item.expires_at.is_some_and(|e| e < context.now) {
        errors.add(
            format!("{path}.expiresAt"),
            "'ExpiresAt' must be in the future.",
        );
    }
    uuid_v7(
        errors,
        &format!("{path}.id"),
        "Id",
        item.id.as_ref(),
        context.now,
    );
    localizations(
        errors,
        &format!("{path}.displayName"),
        item.display_name.as_deref().unwrap_or_default(),
        MAX_STRING,
    );
    errors.max_length(
        &format!("{path}.name"),
        "Name",
        item.name.as_deref(),
        MAX_STRING,
    );
    let urls = item.urls.as_deref().unwrap_or_default();
    if urls.is_empty() {
        errors.not_empty(&format!("{path}.urls"), "Urls");
    }
    for (i, url) in urls.iter().enumerate() {
        let url_path = format!("{path}.urls[{i}]");
        uuid_v7(
            errors,
            &format!("{url_path}.id"),
            "Id",
            url.id.as_ref(),
            context.now,
        );
        https_url(
            errors,
            &format!("{url_path}.url"),
            "Url",
            url.url.as_deref(),
        );
        errors.max_length(
            &format!("{url_path}.mediaType"),
            "MediaType",
            url.media_type.as_deref(),
            MAX_STRING,
        );
    }
}

fn action_name(errors: &mut Errors, path: &str, action: Option<&str>) {
    match action {
        None | Some("") => errors.add(
            path,
            "'Action' must not be empty when 'AuthorizationContext' is not supplied.",
        ),
        action => errors.max_length(path, "Action", action, MAX_STRING),
    }
}

fn gui_action(errors: &mut Errors, path: &str, item: &GuiAction, context: &Context) {
    uuid_v7(
        errors,
        &format!("{path}.id"),
        "Id",
        item.id.as_ref(),
        context.now,
    );
    action_name(errors, &format!("{path}.action"), item.action.as_deref());
    https_url(errors, &format!("{path}.url"), "Url", item.url.as_deref());
    authorization_attribute(
        errors,
        &format!("{path}.authorizationAttribute"),
        item.authorization_attribute.as_deref(),
    );
    if item
        .http_method
        .is_some_and(|m| !matches!(m, HttpVerb::Get | HttpVerb::Post | HttpVerb::Delete))
    {
        errors.add(
            format!("{path}.httpMethod"),
            "'HttpMethod' for GUI actions must be one of the following: [GET, POST, DELETE].",
        );
    }
    let title = item.title.as_deref().unwrap_or_default();
    if title.is_empty() {
        errors.not_empty(&format!("{path}.title"), "Title");
    }
    localizations(errors, &format!("{path}.title"), title, MAX_STRING);
    if let Some(prompt) = &item.prompt {
        localizations(errors, &format!("{path}.prompt"), prompt, MAX_STRING);
    }
}

fn api_action(errors: &mut Errors, path: &str, item: &ApiAction, context: &Context) {
    uuid_v7(
        errors,
        &format!("{path}.id"),
        "Id",
        item.id.as_ref(),
        context.now,
    );
    action_name(errors, &format!("{path}.action"), item.action.as_deref());
    authorization_attribute(
        errors,
        &format!("{path}.authorizationAttribute"),
        item.authorization_attribute.as_deref(),
    );
    errors.max_length(
        &format!("{path}.name"),
        "Name",
        item.name.as_deref(),
        MAX_STRING,
    );
    let endpoints = item.endpoints.as_deref().unwrap_or_default();
    if endpoints.is_empty() {
        errors.not_empty(&format!("{path}.endpoints"), "Endpoints");
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        let p = format!("{path}.endpoints[{i}]");
        errors.max_length(
            &format!("{p}.version"),
            "Version",
            endpoint.version.as_deref(),
            MAX_STRING,
        );
        https_url(errors, &format!("{p}.url"), "Url", endpoint.url.as_deref());
        uri_member(
            errors,
            &format!("{p}.documentationUrl"),
            "DocumentationUrl",
            endpoint.documentation_url.as_deref(),
        );
        uri_member(
            errors,
            &format!("{p}.requestSchema"),
            "RequestSchema",
            endpoint.request_schema.as_deref(),
        );
        uri_member(
            errors,
            &format!("{p}.responseSchema"),
            "ResponseSchema",
            endpoint.response_schema.as_deref(),
        );
        if endpoint.sunset_at.is_some() && endpoint.deprecated != Some(true) {
            errors.add(
                format!("{p}.deprecated"),
                "'Deprecated' must be equal to 'True' when SunsetAt is set.",
            );
        }
    }
}

/// The rules transmissions and activities share: UUIDv7 id, `createdAt` not in the future,
/// `extendedType` a URI.
fn id_time_and_type(
    errors: &mut Errors,
    path: &str,
    id: Option<&Uuid>,
    created_at: Option<dp_domain::Timestamp>,
    extended_type: Option<&str>,
    context: &Context,
) {
    uuid_v7(errors, &format!("{path}.id"), "Id", id, context.now);
    in_past(
        errors,
        &format!("{path}.createdAt"),
        "CreatedAt",
        created_at,
        context.now,
    );
    uri_member(
        errors,
        &format!("{path}.extendedType"),
        "ExtendedType",
        extended_type,
    );
}

fn transmission(
    errors: &mut Errors,
    path: &str,
    item: &Transmission,
    ids: &[Uuid],
    api_only: bool,
    context: &Context,
) {
    id_time_and_type(
        errors,
        path,
        item.id.as_ref(),
        item.created_at,
        item.extended_type.as_deref(),
        context,
    );
    errors.max_length(
        &format!("{path}.externalReference"),
        "ExternalReference",
        item.external_reference.as_deref(),
        MAX_STRING,
    );
    if let Some(related) = item.related_transmission_id {
        if item.id == Some(related) {
            errors.add(
                format!("{path}.relatedTransmissionId"),
                format!("A transmission cannot reference itself (RelatedTransmissionId is equal to Id, '{related}')."),
            );
        }
        if !context.is_update && !ids.contains(&related) {
            errors.add(
                path,
                format!("Item '{related}' in 'Transmissions' does not exist."),
            );
        }
    }
    match &item.sender {
        Some(sender) => actor(errors, &format!("{path}.sender"), sender),
        None => errors.not_empty(&format!("{path}.sender"), "Sender"),
    }
    authorization_attribute(
        errors,
        &format!("{path}.authorizationAttribute"),
        item.authorization_attribute.as_deref(),
    );
    let attachments = item.attachments.as_deref().unwrap_or_default();
    unique_by(
        errors,
        &format!("{path}.attachments"),
        attachments.iter().map(|a| a.id),
    );
    for (i, a) in attachments.iter().enumerate() {
        attachment(
            errors,
            &format!("{path}.attachments[{i}]"),
            a,
            true,
            context,
        );
    }
    for (i, action) in item.navigational_actions.iter().flatten().enumerate() {
        let p = format!("{path}.navigationalActions[{i}]");
        let title = action.title.as_deref().unwrap_or_default();
        if title.is_empty() {
            errors.not_empty(&format!("{p}.title"), "Title");
        }
        localizations(errors, &format!("{p}.title"), title, MAX_STRING);
        https_url(errors, &format!("{p}.url"), "Url", action.url.as_deref());
        if action.expires_at.is_some_and(|e| e < context.now) {
            errors.add(
                format!("{p}.expiresAt"),
                "'ExpiresAt' must be in the future.",
            );
        }
    }
    if let Some(key) = item.idempotent_key.as_deref() {
        errors.min_length(
            &format!("{path}.idempotentKey"),
            "IdempotentKey",
            Some(key),
            3,
        );
        errors.max_length(
            &format!("{path}.idempotentKey"),
            "IdempotentKey",
            Some(key),
            36,
        );
    }
    match &item.content {
        Some(content) => transmission_content(errors, &format!("{path}.content"), content, context),
        None if !api_only => errors.not_empty(&format!("{path}.content"), "Content"),
        None => {}
    }
}

fn activity(
    errors: &mut Errors,
    path: &str,
    item: &Activity,
    transmission_ids: &[Uuid],
    context: &Context,
) {
    id_time_and_type(
        errors,
        path,
        item.id.as_ref(),
        item.created_at,
        item.extended_type.as_deref(),
        context,
    );
    match &item.performed_by {
        Some(performer) => actor(errors, &format!("{path}.performedBy"), performer),
        None => errors.not_empty(&format!("{path}.performedBy"), "PerformedBy"),
    }
    let description = item.description.as_deref().unwrap_or_default();
    if item.activity_type == Some(ActivityType::Information) {
        if description.is_empty() {
            errors.add(
                format!("{path}.description"),
                "Description is required when the type is 'Information'.",
            );
        }
        let max = if context.correspondence {
            CORRESPONDENCE_ACTIVITY_DESCRIPTION_MAX
        } else {
            MAX_STRING
        };
        localizations(errors, &format!("{path}.description"), description, max);
    } else if !description.is_empty() {
        errors.add(
            format!("{path}.description"),
            "Description is only allowed when the type is 'Information'.",
        );
    }
    let opened = item.activity_type == Some(ActivityType::TransmissionOpened);
    match item.transmission_id {
        Some(_) if !opened => errors.add(
            format!("{path}.transmissionId"),
            "Only activities of type TransmissionOpened can reference a transmission.",
        ),
        None if opened => errors.add(
            format!("{path}.transmissionId"),
            "An activity of type TransmissionOpened needs to reference a transmission.",
        ),
        _ => {}
    }
    if let Some(id) = item.transmission_id
        && !context.is_update
        && !transmission_ids.contains(&id)
    {
        errors.add(
            path,
            format!("Item '{id}' in 'Transmissions' does not exist."),
        );
    }
}

/// Every child rule of the create body.
pub fn validate(errors: &mut Errors, dto: &CreateDialog, context: &Context) {
    let api_only = dto.is_api_only.unwrap_or(false);
    if let Some(content) = &dto.content {
        dialog_content(errors, content, context);
    }
    for (i, tag) in dto.search_tags.iter().flatten().enumerate() {
        let path = format!("dto.searchTags[{i}].value");
        errors.min_length(&path, "Value", tag.value.as_deref(), 3);
        errors.max_length(&path, "Value", tag.value.as_deref(), 63);
    }
    if let Some(labels) = dto
        .service_owner_context
        .as_ref()
        .and_then(|c| c.service_owner_labels.as_deref())
    {
        let path = "dto.serviceOwnerContext.serviceOwnerLabels";
        unique_by(
            errors,
            path,
            labels
                .iter()
                .map(|l| l.value.as_ref().map(|v| v.trim().to_lowercase())),
        );
        if labels.len() > 20 {
            errors.add(path, "Maximum 20 service owner labels are allowed.");
        }
        for (i, label) in labels.iter().enumerate() {
            let label_path = format!("{path}[{i}].value");
            match label.value.as_deref() {
                None | Some("") => errors.not_empty(&label_path, "Value"),
                value => {
                    errors.min_length(&label_path, "Value", value, 3);
                    errors.max_length(&label_path, "Value", value, MAX_STRING);
                }
            }
        }
    }
    for (i, item) in dto.attachments.iter().flatten().enumerate() {
        // New attachments must not have expired; kept ones may have since (api.md §2.5).
        let new = item
            .id
            .is_none_or(|id| !context.existing_attachments.contains(&id));
        attachment(
            errors,
            &format!("dto.attachments[{i}]"),
            item,
            !context.is_update || new,
            context,
        );
    }
    for (i, item) in dto.gui_actions.iter().flatten().enumerate() {
        gui_action(errors, &format!("dto.guiActions[{i}]"), item, context);
    }
    for (i, item) in dto.api_actions.iter().flatten().enumerate() {
        api_action(errors, &format!("dto.apiActions[{i}]"), item, context);
    }
    let transmission_ids: Vec<Uuid> = dto
        .transmissions
        .iter()
        .flatten()
        .filter_map(|t| t.id)
        .chain(context.existing_transmissions.iter().copied())
        .collect();
    for (i, item) in dto.transmissions.iter().flatten().enumerate() {
        transmission(
            errors,
            &format!("dto.transmissions[{i}]"),
            item,
            &transmission_ids,
            api_only,
            context,
        );
    }
    for (i, item) in dto.activities.iter().flatten().enumerate() {
        activity(
            errors,
            &format!("dto.activities[{i}]"),
            item,
            &transmission_ids,
            context,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse_test_body as parse_body;
    use dp_domain::Timestamp;

    fn errors_for(body: &str) -> Errors {
        let dto: CreateDialog = parse_body(body.as_bytes()).expect("parses");
        let context = Context {
            now: Timestamp::parse("2026-11-24T12:00:00Z").expect("valid"),
            is_admin: false,
            correspondence: false,
            legacy_html: false,
            existing_transmissions: Vec::new(),
            is_update: false,
            existing_attachments: Vec::new(),
        };
        super::super::create::validate(&dto, &context)
    }

    fn first<'a>(errors: &'a Errors, path: &str) -> &'a str {
        errors
            .get(path)
            .and_then(|m| m.first())
            .map_or("<none>", String::as_str)
    }

    #[test]
    fn child_rules_use_dp_messages_and_keys() {
        let errors = errors_for(
            r#"{"content": {"summary": {"value": [{"languageCode": "no", "value": "x"}, {"languageCode": "nb_NO", "value": ""},
                                                 {"languageCode": "NB", "value": "y"}], "mediaType": "text/html"}},
                "attachments": [{"urls": []}, {"urls": [{"url": "http://example.com/a"}]}],
                "guiActions": [{"action": "read", "url": "https://x.no", "httpMethod": "PUT", "authorizationAttribute": "urn:altinn:9x:y",
                                "title": [{"languageCode": "xx", "value": "t"}], "priority": "primary"}],
                "apiActions": [{"action": "write", "endpoints": [{"url": "https://x.no", "sunsetAt": "2030-01-01T00:00:00Z"}]}],
                "transmissions": [{"id": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14", "relatedTransmissionId": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14",
                                   "sender": {"actorType": "serviceOwner", "actorName": "x"}},
                                  {"relatedTransmissionId": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c99", "sender": {"actorType": "serviceOwner"},
                                   "content": {"title": {"value": [{"languageCode": "nb", "value": "t"}]}}}],
                "activities": [{"type": "information", "performedBy": {"actorType": "partyRepresentative", "actorName": "a", "actorId": "b"}},
                               {"type": "transmissionOpened", "performedBy": {"actorType": "serviceOwner"}, "description": [{"languageCode": "nb", "value": "d"}]}]}"#,
        );
        // Exact messages by key.
        let exact = [
            ("dto.content", "Title must not be empty."),
            (
                "dto.content.value",
                "Can not contain duplicate items: [nb]. Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).",
            ),
            (
                "dto.content.value[0].languageCode",
                "'LanguageCode' 'no' is not a valid language code. Use 'nb' or 'nn' for Norwegian. Culture specific codes like 'en_GB' and 'en-US' are normalized to 'en' (ISO 639).",
            ),
            ("dto.content.value[1].value", "'Value' must not be empty."),
            ("dto.attachments[0].urls", "'Urls' must not be empty."),
            (
                "dto.attachments[1].urls[0].url",
                "'Url' is not a well-formatted HTTPS URL.",
            ),
            (
                "dto.guiActions[0].httpMethod",
                "'HttpMethod' for GUI actions must be one of the following: [GET, POST, DELETE].",
            ),
            (
                "dto.apiActions[0].endpoints[0].deprecated",
                "'Deprecated' must be equal to 'True' when SunsetAt is set.",
            ),
            (
                "dto.transmissions[0].relatedTransmissionId",
                "A transmission cannot reference itself (RelatedTransmissionId is equal to Id, '0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14').",
            ),
            (
                "dto.transmissions[0].content",
                "'Content' must not be empty.",
            ),
            (
                "dto.transmissions[1]",
                "Item '0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c99' in 'Transmissions' does not exist.",
            ),
            (
                "dto.activities[0].description",
                "Description is required when the type is 'Information'.",
            ),
            (
                "dto.activities[1].description",
                "Description is only allowed when the type is 'Information'.",
            ),
            (
                "dto.activities[1].transmissionId",
                "An activity of type TransmissionOpened needs to reference a transmission.",
            ),
        ];
        for (path, message) in exact {
            assert_eq!(first(&errors, path), message, "{path}: {errors:?}");
        }
        // Messages whose tail names values, by prefix.
        let prefixes = [
            (
                "dto.content.mediaType",
                "MediaType 'text/html' is not allowed for content type Summary. Allowed media types are 'text/plain'",
            ),
            (
                "dto.guiActions[0].authorizationAttribute",
                "'AuthorizationAttribute' must be on format",
            ),
            (
                "dto.guiActions[0].title[0].languageCode",
                "'LanguageCode' 'xx' is not a valid language code.",
            ),
            (
                "dto.transmissions[0].sender",
                "If 'ActorType' is 'ServiceOwner', both 'ActorId' and 'ActorName' must be null.",
            ),
            (
                "dto.activities[0].performedBy",
                "If 'ActorType' is 'ServiceOwner'",
            ),
        ];
        for (path, prefix) in prefixes {
            assert!(
                first(&errors, path).starts_with(prefix),
                "{path}: {}",
                first(&errors, path)
            );
        }
    }

    #[test]
    fn a_complete_valid_body_has_no_errors() {
        let errors = errors_for(
            r#"{"serviceResource": "urn:altinn:resource:super-simple-service", "party": "urn:altinn:person:identifier-no:08844397713",
                "content": {"title": {"value": [{"languageCode": "nb", "value": "T"}, {"languageCode": "en-GB", "value": "T"}]},
                            "additionalInfo": {"value": [{"languageCode": "nb", "value": "*md*"}], "mediaType": "text/markdown"},
                            "mainContentReference": {"value": [{"languageCode": "nb", "value": "https://x.no/m"}],
                                                     "mediaType": "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown"}},
                "searchTags": [{"value": "abc"}], "serviceOwnerContext": {"serviceOwnerLabels": [{"value": "lab"}]},
                "attachments": [{"displayName": [{"languageCode": "nb", "value": "a"}], "urls": [{"url": "https://x.no/a", "consumerType": "gui"}]}],
                "guiActions": [{"action": "read", "url": "https://x.no", "priority": "primary", "title": [{"languageCode": "nb", "value": "t"}],
                                "authorizationAttribute": "urn:altinn:subresource:secret"}],
                "apiActions": [{"action": "write", "endpoints": [{"url": "https://x.no/api", "httpMethod": "POST", "deprecated": true,
                                                                  "sunsetAt": "2030-01-01T00:00:00Z"}]}],
                "transmissions": [{"id": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14", "type": "information", "sender": {"actorType": "serviceOwner"},
                                   "content": {"title": {"value": [{"languageCode": "nb", "value": "t"}]}}}],
                "activities": [{"type": "transmissionOpened", "transmissionId": "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c14",
                                "performedBy": {"actorType": "partyRepresentative", "actorId": "urn:altinn:person:identifier-no:08844397713"}},
                               {"type": "information", "performedBy": {"actorType": "partyRepresentative", "actorName": "Ola"},
                                "description": [{"languageCode": "nb", "value": "d"}]}]}"#,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }
}
