//! The dialog aggregate as it is stored: the dialog with its children (attachments, actions,
//! transmissions, activities), its seen log and its two side contexts (end-user system labels,
//! service-owner labels), each of which carries its own revision (api.md §4.1, §4.8).
//!
//! Field names follow the contract's camelCase so that the service-owner view is mostly this
//! structure itself; computed fields (`isContentSeen`, counts, `systemLabel`…) are derived by
//! the API layer, never stored.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;
use crate::enums::{
    ActivityType, ActorType, AttachmentUrlConsumerType, DialogStatus, GuiActionPriority, HttpVerb,
    SystemLabel, TransmissionType,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Localization {
    pub language_code: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentValue {
    pub value: Vec<Localization>,
    pub media_type: String,
}

/// Dialog content: one optional value per content field (api.md §2.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_sensitive_title: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_sensitive_summary: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_content_reference: Option<ContentValue>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_reference: Option<ContentValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub actor_type: ActorType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentUrl {
    pub id: Uuid,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub consumer_type: AttachmentUrlConsumerType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: Uuid,
    #[serde(default)]
    pub display_name: Vec<Localization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub urls: Vec<AttachmentUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuiAction {
    pub id: Uuid,
    pub action: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    pub is_delete_dialog_action: bool,
    pub http_method: HttpVerb,
    pub priority: GuiActionPriority,
    #[serde(default)]
    pub title: Vec<Localization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<Localization>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiActionEndpoint {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub url: String,
    pub http_method: HttpVerb,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<String>,
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunset_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiAction {
    pub id: Uuid,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<ApiActionEndpoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    pub id: Uuid,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<String>,
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission_id: Option<Uuid>,
    pub performed_by: Actor,
    /// `null` when there is none, as the real service writes an activity without a
    /// description (its DTO's `Description` is a nullable list).
    #[serde(
        default,
        serialize_with = "empty_as_null",
        deserialize_with = "null_as_empty"
    )]
    pub description: Vec<Localization>,
}

fn empty_as_null<S: serde::Serializer>(
    list: &[Localization],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if list.is_empty() {
        serializer.serialize_none()
    } else {
        serializer.collect_seq(list)
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Localization>, D::Error> {
    Ok(Option::<Vec<Localization>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NavigationalAction {
    #[serde(default)]
    pub title: Vec<Localization>,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transmission {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<String>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_transmission_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub transmission_type: TransmissionType,
    pub sender: Actor,
    pub content: TransmissionContent,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub navigational_actions: Vec<NavigationalAction>,
}

impl Transmission {
    /// Submissions and corrections come from the party; every other type from the service
    /// owner (api.md §2.4 counts, §4.7 `hasUnopenedContent`).
    pub fn is_from_party(&self) -> bool {
        matches!(
            self.transmission_type,
            TransmissionType::Submission | TransmissionType::Correction
        )
    }
}

/// One "seen" record (api.md §4.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenLog {
    pub id: Uuid,
    pub seen_at: Timestamp,
    pub seen_by: Actor,
    pub is_via_service_owner: bool,
}

/// One entry of the label assignment log (api.md §4.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelAssignment {
    pub created_at: Timestamp,
    pub name: String,
    pub action: String,
    pub performed_by: Actor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndUserContext {
    pub revision: Uuid,
    pub system_labels: Vec<SystemLabel>,
    #[serde(default)]
    pub label_log: Vec<LabelAssignment>,
}

impl EndUserContext {
    /// The one of Default/Bin/Archive that is set (exactly one always is, api.md §4.8).
    pub fn primary_label(&self) -> SystemLabel {
        self.system_labels
            .iter()
            .copied()
            .find(|l| {
                matches!(
                    l,
                    SystemLabel::Default | SystemLabel::Bin | SystemLabel::Archive
                )
            })
            .unwrap_or(SystemLabel::Default)
    }

    /// Sets one of Default/Bin/Archive, replacing the other two.
    pub fn set_primary(&mut self, label: SystemLabel) {
        self.system_labels.retain(|l| {
            !matches!(
                l,
                SystemLabel::Default | SystemLabel::Bin | SystemLabel::Archive
            )
        });
        self.system_labels.insert(0, label);
    }

    pub fn add(&mut self, label: SystemLabel) {
        if !self.system_labels.contains(&label) {
            self.system_labels.push(label);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerContext {
    pub revision: Uuid,
    /// Lower-cased, unique (api.md §4.8).
    pub service_owner_labels: Vec<String>,
}

/// The dialog aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dialog {
    pub id: Uuid,
    pub revision: Uuid,
    pub org: String,
    pub service_resource: String,
    pub service_resource_type: String,
    pub party: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_from: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    /// Not exposed in any DTO (api.md §4.4).
    #[serde(default)]
    pub frozen: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preceding_process: Option<String>,
    pub is_api_only: bool,
    pub status: DialogStatus,
    pub has_unopened_content: bool,
    pub content: Content,
    #[serde(default)]
    pub search_tags: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub gui_actions: Vec<GuiAction>,
    #[serde(default)]
    pub api_actions: Vec<ApiAction>,
    #[serde(default)]
    pub transmissions: Vec<Transmission>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub seen_log: Vec<SeenLog>,
    pub end_user_context: EndUserContext,
    pub service_owner_context: ServiceOwnerContext,
}

impl Dialog {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn from_service_owner_transmissions(&self) -> usize {
        self.transmissions
            .iter()
            .filter(|t| !t.is_from_party())
            .count()
    }

    pub fn from_party_transmissions(&self) -> usize {
        self.transmissions
            .iter()
            .filter(|t| t.is_from_party())
            .count()
    }

    /// DP's `DialogUnopenedContent`: a service-owner transmission without a
    /// `TransmissionOpened` activity, or (correspondence) no `CorrespondenceOpened` yet.
    pub fn compute_has_unopened_content(&self, correspondence: bool) -> bool {
        let unopened_transmission = self.transmissions.iter().any(|t| {
            !t.is_from_party()
                && !self.activities.iter().any(|a| {
                    a.activity_type == ActivityType::TransmissionOpened
                        && a.transmission_id == Some(t.id)
                })
        });
        let unopened_correspondence = correspondence
            && !self
                .activities
                .iter()
                .any(|a| a.activity_type == ActivityType::CorrespondenceOpened);
        unopened_transmission || unopened_correspondence
    }

    /// Every id of a child entity that must be unique across the store (DP's primary keys).
    pub fn child_ids(&self) -> Vec<(Uuid, &'static str)> {
        let mut ids = Vec::new();
        for a in &self.attachments {
            ids.push((a.id, "DialogAttachment"));
        }
        for a in &self.gui_actions {
            ids.push((a.id, "DialogGuiAction"));
        }
        for a in &self.api_actions {
            ids.push((a.id, "DialogApiAction"));
        }
        for t in &self.transmissions {
            ids.push((t.id, "DialogTransmission"));
            for a in &t.attachments {
                ids.push((a.id, "DialogTransmissionAttachment"));
            }
        }
        for a in &self.activities {
            ids.push((a.id, "DialogActivity"));
        }
        ids
    }

    /// What the free-text search indexes (api.md §3.4), each piece with its language and
    /// weight as the real service's `VDialogDocument` view builds them: plain-text dialog
    /// content (the title weighted higher), search tags (no language), plain-text transmission
    /// content, dialog and transmission attachment display names, activity descriptions.
    pub fn search_texts(&self) -> Vec<SearchText<'_>> {
        let mut texts = Vec::new();
        let contents = [
            (&self.content.title, true),
            (&self.content.summary, false),
            (&self.content.non_sensitive_title, true),
            (&self.content.non_sensitive_summary, false),
            (&self.content.sender_name, false),
            (&self.content.additional_info, false),
            (&self.content.extended_status, false),
        ];
        for (value, title) in contents {
            if let Some(value) = value.as_ref().filter(|v| v.media_type == "text/plain") {
                localized(&mut texts, &value.value, title);
            }
        }
        texts.extend(self.search_tags.iter().map(|tag| SearchText {
            language: None,
            title: false,
            text: tag.as_str(),
        }));
        for t in &self.transmissions {
            for value in [&t.content.title, &t.content.summary].into_iter().flatten() {
                if value.media_type == "text/plain" {
                    localized(&mut texts, &value.value, false);
                }
            }
            for a in &t.attachments {
                localized(&mut texts, &a.display_name, false);
            }
        }
        for a in &self.attachments {
            localized(&mut texts, &a.display_name, false);
        }
        for a in &self.activities {
            localized(&mut texts, &a.description, false);
        }
        texts
    }

    /// [`Dialog::search_texts`] as one text (the SQLite store's FTS5 row).
    pub fn search_document(&self) -> String {
        let texts: Vec<&str> = self.search_texts().iter().map(|t| t.text).collect();
        texts.join("\n")
    }
}

fn localized<'a>(texts: &mut Vec<SearchText<'a>>, values: &'a [Localization], title: bool) {
    texts.extend(values.iter().map(|l| SearchText {
        language: Some(l.language_code.as_str()),
        title,
        text: l.value.as_str(),
    }));
}

/// One piece of a dialog's free-text document (see [`Dialog::search_texts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchText<'a> {
    /// The localization's language code; `None` for search tags.
    pub language: Option<&'a str>,
    /// A title (weighted above other text, api.md §3.4).
    pub title: bool,
    pub text: &'a str,
}
