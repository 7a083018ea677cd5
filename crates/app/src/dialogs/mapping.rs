//! From validated request bodies to the stored aggregate: defaults filled in (ids, media types,
//! HTTP methods), deprecated values mapped, names of actors looked up in the registry.
//!
//! Runs only after validation passed, so a missing required value here is a default, never an
//! error; the one error is an actor id the registry does not know (422, api.md §2.2).

use dp_authz::Registry;
use dp_domain::Timestamp;
use dp_domain::dialog::{
    Activity, Actor, ApiAction, ApiActionEndpoint, Attachment, AttachmentUrl, Content,
    ContentValue, GuiAction, Localization, NavigationalAction, Transmission, TransmissionContent,
};
use dp_domain::enums::{
    ActivityType, ActorType, AttachmentUrlConsumerType, DialogStatus, DialogStatusInput,
    GuiActionPriority, HttpVerb, TransmissionType,
};
use uuid::Uuid;

use crate::AppError;
use crate::input as dto;

/// A new UUIDv7, as DP generates for entities created without an id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// A URI-valued string member: `""` is no value, as the real service takes it.
pub fn uri_value(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.is_empty())
}

/// A URL as .NET's `Uri` writes it back (`https://digdir.no` -> `https://digdir.no/`: scheme
/// and host lower case, the root path, no default port), for the members the real service
/// types as `Uri`. Non-ASCII URLs are kept as given (.NET shows them unescaped, while a WHATWG
/// serialization would percent-encode them).
pub fn normalize_url(value: &str) -> String {
    if !value.is_ascii() {
        return value.to_owned();
    }
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.to_string(),
        _ => value.to_owned(),
    }
}

fn normalize_url_opt(value: &Option<String>) -> Option<String> {
    value.as_deref().map(normalize_url)
}

/// DP maps the deprecated embed media types to their replacements on input (api.md §2.3).
fn media_type(value: Option<&str>) -> String {
    match value.map(str::trim) {
        None | Some("") => "text/plain".to_owned(),
        Some("application/vnd.dialogporten.frontchannelembed+json;type=markdown") => {
            "application/vnd.dialogporten.frontchannelembed-url;type=text/markdown".to_owned()
        }
        Some("application/vnd.dialogporten.frontchannelembed+json;type=html") => {
            "application/vnd.dialogporten.frontchannelembed-url;type=text/html".to_owned()
        }
        Some(other) => other.to_owned(),
    }
}

/// A localization list, ordered by language code as the real service returns every list of
/// localizations (its `LocalizationSet` mapping orders by `LanguageCode`).
pub fn localizations(values: &Option<Vec<dto::Localization>>) -> Vec<Localization> {
    let mut list: Vec<Localization> = values
        .iter()
        .flatten()
        .map(|l| Localization {
            language_code: dp_domain::localization::normalize_language_code(
                l.language_code.as_deref().unwrap_or_default(),
            ),
            value: l.value.clone().unwrap_or_default(),
        })
        .collect();
    list.sort_by(|a, b| a.language_code.cmp(&b.language_code));
    list
}

fn content_value(value: &Option<dto::ContentValue>) -> Option<ContentValue> {
    value.as_ref().map(|v| ContentValue {
        value: localizations(&v.value),
        media_type: media_type(v.media_type.as_deref()),
    })
}

pub fn content(value: &Option<dto::Content>) -> Content {
    let Some(c) = value else {
        return Content::default();
    };
    Content {
        title: content_value(&c.title),
        non_sensitive_title: content_value(&c.non_sensitive_title),
        summary: content_value(&c.summary),
        non_sensitive_summary: content_value(&c.non_sensitive_summary),
        sender_name: content_value(&c.sender_name),
        additional_info: content_value(&c.additional_info),
        extended_status: content_value(&c.extended_status),
        main_content_reference: content_value(&c.main_content_reference),
    }
}

pub fn status(value: Option<DialogStatusInput>) -> DialogStatus {
    match value.unwrap_or(DialogStatusInput::NotApplicable) {
        DialogStatusInput::New | DialogStatusInput::NotApplicable => DialogStatus::NotApplicable,
        DialogStatusInput::Sent | DialogStatusInput::Awaiting => DialogStatus::Awaiting,
        DialogStatusInput::InProgress => DialogStatus::InProgress,
        DialogStatusInput::Draft => DialogStatus::Draft,
        DialogStatusInput::RequiresAttention => DialogStatus::RequiresAttention,
        DialogStatusInput::Completed => DialogStatus::Completed,
    }
}

/// Looks up actor names in the registry (DP's `PopulateActorNameInterceptor`).
pub struct ActorNames<'a> {
    pub registry: &'a Registry,
    /// Unknown actor ids, each reported once.
    pub unknown: Vec<String>,
}

impl<'a> ActorNames<'a> {
    pub fn new(registry: &'a Registry) -> Self {
        Self {
            registry,
            unknown: Vec::new(),
        }
    }

    pub fn actor(&mut self, value: &Option<dto::Actor>) -> Actor {
        let value = value.clone().unwrap_or_default();
        let actor_type = value.actor_type.unwrap_or(ActorType::ServiceOwner);
        let actor_id = value.actor_id.map(|id| id.to_lowercase());
        let actor_name = match &actor_id {
            Some(id) => match self.registry.actor_name(id) {
                Some(name) => Some(name),
                None => {
                    if !self.unknown.contains(id) {
                        self.unknown.push(id.clone());
                    }
                    None
                }
            },
            None => value.actor_name,
        };
        Actor {
            actor_type,
            actor_name,
            actor_id,
        }
    }

    /// 422 `{"ActorId": ["Unable to look up name for actor id: <urn>. ..."]}` for ids nobody
    /// can name. The real service's text comes first (`PopulateActorNameInterceptor`); the rest
    /// says how to make the embedded registry know the party.
    pub fn finish(self) -> Result<(), AppError> {
        if self.unknown.is_empty() {
            return Ok(());
        }
        let messages = self
            .unknown
            .iter()
            .map(|id| {
                format!(
                    "Unable to look up name for actor id: {id}. Add the party to the registry with \
                     `dialogporten registry add-party {id} NAME`, or list it under \"parties\" in a \
                     registry file and load it with `dialogporten registry import FILE`."
                )
            })
            .collect();
        Err(AppError::Unprocessable(crate::FieldErrors::from([(
            "ActorId".to_owned(),
            messages,
        )])))
    }
}

pub fn attachment(value: &dto::Attachment) -> Attachment {
    Attachment {
        id: value.id.unwrap_or_else(new_id),
        display_name: localizations(&value.display_name),
        name: value.name.clone(),
        urls: value
            .urls
            .iter()
            .flatten()
            .map(|u| AttachmentUrl {
                id: u.id.unwrap_or_else(new_id),
                url: normalize_url(u.url.as_deref().unwrap_or_default()),
                media_type: u.media_type.clone(),
                consumer_type: u.consumer_type.unwrap_or(AttachmentUrlConsumerType::Gui),
            })
            .collect(),
        expires_at: value.expires_at,
    }
}

pub fn gui_action(value: &dto::GuiAction) -> GuiAction {
    GuiAction {
        id: value.id.unwrap_or_else(new_id),
        action: value.action.clone().unwrap_or_default(),
        url: normalize_url(value.url.as_deref().unwrap_or_default()),
        authorization_attribute: value.authorization_attribute.clone(),
        is_delete_dialog_action: value.is_delete_dialog_action.unwrap_or(false),
        http_method: value.http_method.unwrap_or(HttpVerb::Get),
        priority: value.priority.unwrap_or(GuiActionPriority::Tertiary),
        title: localizations(&value.title),
        prompt: value.prompt.as_ref().map(|_| localizations(&value.prompt)),
    }
}

pub fn api_action(value: &dto::ApiAction) -> ApiAction {
    ApiAction {
        id: value.id.unwrap_or_else(new_id),
        action: value.action.clone().unwrap_or_default(),
        authorization_attribute: value.authorization_attribute.clone(),
        name: value.name.clone(),
        endpoints: value
            .endpoints
            .iter()
            .flatten()
            .map(|e| ApiActionEndpoint {
                id: e.id.unwrap_or_else(new_id),
                version: e.version.clone(),
                url: normalize_url(e.url.as_deref().unwrap_or_default()),
                http_method: e.http_method.unwrap_or(HttpVerb::Get),
                documentation_url: normalize_url_opt(&e.documentation_url),
                request_schema: normalize_url_opt(&e.request_schema),
                response_schema: normalize_url_opt(&e.response_schema),
                deprecated: e.deprecated.unwrap_or(false),
                sunset_at: e.sunset_at,
            })
            .collect(),
    }
}

/// A transmission; `created_at` is the time to use when the body gives none.
pub fn transmission(
    value: &dto::Transmission,
    created_at: Timestamp,
    names: &mut ActorNames<'_>,
) -> Transmission {
    let content = value.content.as_ref();
    Transmission {
        id: value.id.unwrap_or_else(new_id),
        idempotent_key: value.idempotent_key.clone(),
        created_at: value.created_at.unwrap_or(created_at),
        authorization_attribute: value.authorization_attribute.clone(),
        extended_type: value.extended_type.clone(),
        external_reference: value.external_reference.clone(),
        related_transmission_id: value.related_transmission_id,
        transmission_type: value
            .transmission_type
            .unwrap_or(TransmissionType::Information),
        sender: names.actor(&value.sender),
        content: TransmissionContent {
            title: content.and_then(|c| content_value(&c.title)),
            summary: content.and_then(|c| content_value(&c.summary)),
            content_reference: content.and_then(|c| content_value(&c.content_reference)),
        },
        attachments: value.attachments.iter().flatten().map(attachment).collect(),
        navigational_actions: value
            .navigational_actions
            .iter()
            .flatten()
            .map(|n| NavigationalAction {
                title: localizations(&n.title),
                url: normalize_url(n.url.as_deref().unwrap_or_default()),
                expires_at: n.expires_at,
            })
            .collect(),
    }
}

pub fn activity(
    value: &dto::Activity,
    created_at: Timestamp,
    names: &mut ActorNames<'_>,
) -> Activity {
    Activity {
        id: value.id.unwrap_or_else(new_id),
        created_at: value.created_at.unwrap_or(created_at),
        extended_type: value.extended_type.clone(),
        activity_type: value.activity_type.unwrap_or(ActivityType::Information),
        transmission_id: value.transmission_id,
        performed_by: names.actor(&value.performed_by),
        description: localizations(&value.description),
    }
}

/// Search tags: trimmed, lower case, distinct (api.md §2.1).
pub fn search_tags(values: &Option<Vec<dto::Value>>) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in values.iter().flatten().filter_map(|v| v.value.as_deref()) {
        let tag = tag.trim().to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}
