//! The parts the service-owner and end-user read models share: localizations, content values,
//! actors, attachments, actions, activities, seen-log entries, the end-user context and the
//! paged list (api.md §2.2, §2.3, §3.3, §4.7, §4.8). Every struct borrows from the stored
//! [`dp_domain::dialog::Dialog`] and copies its fields one by one (an allow-list): a field added
//! to the aggregate shows in no response until a read model names it.
//!
//! Optional fields are left out of the JSON when absent (`skip_serializing_if`), except an
//! activity's `description`, which is `null` when empty, as the real service writes it.

use std::borrow::Cow;

use dp_domain::Timestamp;
use dp_domain::dialog as domain;
use dp_domain::enums::{
    ActivityType, ActorType, AttachmentUrlConsumerType, GuiActionPriority, HttpVerb, SystemLabel,
};
use serde::Serialize;
use uuid::Uuid;

/// `V1CommonLocalizations_Localization`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Localization<'a> {
    pub language_code: &'a str,
    pub value: Cow<'a, str>,
}

impl<'a> Localization<'a> {
    pub fn new(language_code: &'a str, value: impl Into<Cow<'a, str>>) -> Self {
        Self {
            language_code,
            value: value.into(),
        }
    }
}

/// A stored localization list, borrowed.
pub fn localizations(list: &[domain::Localization]) -> Vec<Localization<'_>> {
    list.iter()
        .map(|l| Localization::new(&l.language_code, l.value.as_str()))
        .collect()
}

/// `V1CommonContent_ContentValue`; `isAuthorized` only on a main content reference read for an
/// end user (api.md §2.3, §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentValue<'a> {
    pub value: Vec<Localization<'a>>,
    pub media_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_authorized: Option<bool>,
}

impl<'a> From<&'a domain::ContentValue> for ContentValue<'a> {
    fn from(c: &'a domain::ContentValue) -> Self {
        Self {
            value: localizations(&c.value),
            media_type: &c.media_type,
            is_authorized: None,
        }
    }
}

/// An optional content value.
pub fn content(value: &Option<domain::ContentValue>) -> Option<ContentValue<'_>> {
    value.as_ref().map(ContentValue::from)
}

/// `V1CommonActors_Actor`. The id is a `Cow` so that the end-user view can mask it in place.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor<'a> {
    pub actor_type: ActorType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Cow<'a, str>>,
}

impl<'a> From<&'a domain::Actor> for Actor<'a> {
    fn from(a: &'a domain::Actor) -> Self {
        Self {
            actor_type: a.actor_type,
            actor_name: a.actor_name.as_deref(),
            actor_id: a.actor_id.as_deref().map(Cow::Borrowed),
        }
    }
}

/// `…_DialogAttachmentUrl`, `…_DialogTransmissionAttachmentUrl`, `…_AttachmentUrl`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentUrl<'a> {
    pub id: Uuid,
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'a str>,
    pub consumer_type: AttachmentUrlConsumerType,
}

/// `…_DialogAttachment`, `…_DialogTransmissionAttachment`, `…_Attachment`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment<'a> {
    pub id: Uuid,
    pub display_name: Vec<Localization<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub urls: Vec<AttachmentUrl<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl<'a> From<&'a domain::Attachment> for Attachment<'a> {
    fn from(a: &'a domain::Attachment) -> Self {
        Self {
            id: a.id,
            display_name: localizations(&a.display_name),
            name: a.name.as_deref(),
            urls: a
                .urls
                .iter()
                .map(|u| AttachmentUrl {
                    id: u.id,
                    url: &u.url,
                    media_type: u.media_type.as_deref(),
                    consumer_type: u.consumer_type,
                })
                .collect(),
            expires_at: a.expires_at,
        }
    }
}

/// `…_DialogGuiAction`; `isAuthorized` when read for an end user (api.md §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuiAction<'a> {
    pub id: Uuid,
    pub action: &'a str,
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<&'a str>,
    pub is_delete_dialog_action: bool,
    pub http_method: HttpVerb,
    pub priority: GuiActionPriority,
    pub title: Vec<Localization<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<Localization<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_authorized: Option<bool>,
}

impl<'a> From<&'a domain::GuiAction> for GuiAction<'a> {
    fn from(a: &'a domain::GuiAction) -> Self {
        Self {
            id: a.id,
            action: &a.action,
            url: &a.url,
            authorization_attribute: a.authorization_attribute.as_deref(),
            is_delete_dialog_action: a.is_delete_dialog_action,
            http_method: a.http_method,
            priority: a.priority,
            title: localizations(&a.title),
            prompt: a.prompt.as_deref().map(localizations),
            is_authorized: None,
        }
    }
}

/// `…_DialogApiActionEndpoint`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiActionEndpoint<'a> {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<&'a str>,
    pub url: &'a str,
    pub http_method: HttpVerb,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_schema: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<&'a str>,
    pub deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunset_at: Option<Timestamp>,
}

/// `…_DialogApiAction`; `isAuthorized` when read for an end user (api.md §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiAction<'a> {
    pub id: Uuid,
    pub action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub endpoints: Vec<ApiActionEndpoint<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_authorized: Option<bool>,
}

impl<'a> From<&'a domain::ApiAction> for ApiAction<'a> {
    fn from(a: &'a domain::ApiAction) -> Self {
        Self {
            id: a.id,
            action: &a.action,
            authorization_attribute: a.authorization_attribute.as_deref(),
            name: a.name.as_deref(),
            endpoints: a
                .endpoints
                .iter()
                .map(|e| ApiActionEndpoint {
                    id: e.id,
                    version: e.version.as_deref(),
                    url: &e.url,
                    http_method: e.http_method,
                    documentation_url: e.documentation_url.as_deref(),
                    request_schema: e.request_schema.as_deref(),
                    response_schema: e.response_schema.as_deref(),
                    deprecated: e.deprecated,
                    sunset_at: e.sunset_at,
                })
                .collect(),
            is_authorized: None,
        }
    }
}

/// `…_DialogActivity`, `…GetActivity_Activity` (both groups): `description` is `null` when
/// there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity<'a> {
    pub id: Uuid,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<&'a str>,
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmission_id: Option<Uuid>,
    pub performed_by: Actor<'a>,
    pub description: Option<Vec<Localization<'a>>>,
}

/// An empty list as `None` (serialized `null`).
pub fn description(list: &[domain::Localization]) -> Option<Vec<Localization<'_>>> {
    (!list.is_empty()).then(|| localizations(list))
}

impl<'a> From<&'a domain::Activity> for Activity<'a> {
    fn from(a: &'a domain::Activity) -> Self {
        Self {
            id: a.id,
            created_at: a.created_at,
            extended_type: a.extended_type.as_deref(),
            activity_type: a.activity_type,
            transmission_id: a.transmission_id,
            performed_by: (&a.performed_by).into(),
            description: description(&a.description),
        }
    }
}

/// `…_DialogTransmissionNavigationalAction`, `…_NavigationalAction`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NavigationalAction<'a> {
    pub title: Vec<Localization<'a>>,
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl<'a> From<&'a domain::NavigationalAction> for NavigationalAction<'a> {
    fn from(a: &'a domain::NavigationalAction) -> Self {
        Self {
            title: localizations(&a.title),
            url: &a.url,
            expires_at: a.expires_at,
        }
    }
}

/// `…_DialogTransmissionContent`, `…Transmission(s)_Content`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionContent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_reference: Option<ContentValue<'a>>,
}

impl<'a> From<&'a domain::TransmissionContent> for TransmissionContent<'a> {
    fn from(c: &'a domain::TransmissionContent) -> Self {
        Self {
            title: content(&c.title),
            summary: content(&c.summary),
            content_reference: content(&c.content_reference),
        }
    }
}

/// A seen-log entry with `isCurrentEndUser`: `…_DialogSeenLog` (the seen-since lists of both
/// groups) and the end-user seen-log endpoints (`V1EndUserDialogsQueriesGetSeenLog_SeenLog`,
/// `…SearchSeenLogs_SeenLog`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenLog<'a> {
    pub id: Uuid,
    pub seen_at: Timestamp,
    pub seen_by: Actor<'a>,
    pub is_via_service_owner: bool,
    pub is_current_end_user: bool,
}

impl<'a> SeenLog<'a> {
    /// `current` is the end user the view is for, if any.
    pub fn new(entry: &'a domain::SeenLog, current: Option<&str>) -> Self {
        Self {
            id: entry.id,
            seen_at: entry.seen_at,
            seen_by: (&entry.seen_by).into(),
            is_via_service_owner: entry.is_via_service_owner,
            is_current_end_user: current
                .is_some_and(|c| entry.seen_by.actor_id.as_deref() == Some(c)),
        }
    }
}

/// The latest entry per actor since `since` (api.md §4.7).
pub fn seen_since<'a>(
    dialog: &'a domain::Dialog,
    since: Timestamp,
    current: Option<&str>,
) -> Vec<SeenLog<'a>> {
    dialog
        .seen_since(since)
        .into_iter()
        .map(|entry| SeenLog::new(entry, current))
        .collect()
}

/// `…_DialogEndUserContext` (both groups).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndUserContext<'a> {
    pub revision: Uuid,
    pub system_labels: &'a [SystemLabel],
}

impl<'a> From<&'a domain::EndUserContext> for EndUserContext<'a> {
    fn from(c: &'a domain::EndUserContext) -> Self {
        Self {
            revision: c.revision,
            system_labels: &c.system_labels,
        }
    }
}

/// `V1EndUserEndUserContextQueriesSearchLabelAssignmentLog_LabelAssignmentLog`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelAssignment<'a> {
    pub created_at: Timestamp,
    pub name: &'a str,
    pub action: &'a str,
    pub performed_by: Actor<'a>,
}

impl<'a> From<&'a domain::LabelAssignment> for LabelAssignment<'a> {
    fn from(l: &'a domain::LabelAssignment) -> Self {
        Self {
            created_at: l.created_at,
            name: &l.name,
            action: &l.action,
            performed_by: (&l.performed_by).into(),
        }
    }
}

/// `{value}`: a search tag (`V1ServiceOwnerDialogsQueriesGet_Tag`) or a service-owner label
/// (`…_DialogServiceOwnerLabel`, `…GetServiceOwnerLabels_ServiceOwnerLabel`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label<'a> {
    pub value: &'a str,
}

/// A list of strings as `[{value}]`.
pub fn labels(list: &[String]) -> Vec<Label<'_>> {
    list.iter().map(|v| Label { value: v }).collect()
}

/// `PaginatedListOf…`: a page of a search (api.md §3.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub order_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
}

/// `{items}`: the end-user and metadata service-resource lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Lower case as the real service returns it, also for dialogs stored before (borrowed when it
/// already is).
pub fn lower_case(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_uppercase) {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}
