//! The create-dialog request, `V1ServiceOwnerDialogsCommandsCreate_Dialog` and its children,
//! field for field as the contract has them.
//!
//! Every field is optional here: the real service reads a missing non-nullable value as its
//! default and lets validation name it ("'Service Resource' must not be empty."), so the
//! validation layer, not deserialization, decides what is required (api.md §2).

use dp_domain::Timestamp;
use dp_domain::enums::{
    ActivityType, ActorType, AttachmentUrlConsumerType, DialogStatusInput, GuiActionPriority,
    HttpVerb, SystemLabel, TransmissionType,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `V1CommonLocalizations_Localization`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Localization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `V1CommonContent_ContentValue` (input: `isAuthorized` is output only and ignored).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Vec<Localization>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_authorized: Option<bool>,
}

/// `V1ServiceOwnerCommonActors_Actor`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_type: Option<ActorType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_Content`
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

/// `V1ServiceOwnerDialogsCommandsCreate_Tag` and `_ServiceOwnerLabel`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Value {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_DialogServiceOwnerContext`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_owner_labels: Option<Vec<Value>>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_AttachmentUrl` (transmission attachment URLs have no `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentUrl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_type: Option<AttachmentUrlConsumerType>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_Attachment` and `_TransmissionAttachment`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Vec<Localization>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<AttachmentUrl>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_GuiAction`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuiAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_delete_dialog_action: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<HttpVerb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<GuiActionPriority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Vec<Localization>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Vec<Localization>>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_ApiActionEndpoint`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiActionEndpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<HttpVerb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunset_at: Option<Timestamp>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_ApiAction`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Vec<ApiActionEndpoint>>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_Activity`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub activity_type: Option<ActivityType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed_by: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Vec<Localization>>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_TransmissionContent`
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

/// `V1ServiceOwnerDialogsCommandsCreate_TransmissionNavigationalAction`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NavigationalAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Vec<Localization>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_Transmission`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transmission {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_transmission_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub transmission_type: Option<TransmissionType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<TransmissionContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub navigational_actions: Option<Vec<NavigationalAction>>,
}

/// `V1ServiceOwnerDialogsCommandsCreate_Dialog`
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDialog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preceding_process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_api_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DialogStatusInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_label: Option<SystemLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_owner_context: Option<ServiceOwnerContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_tags: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmissions: Option<Vec<Transmission>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gui_actions: Option<Vec<GuiAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_actions: Option<Vec<ApiAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<Activity>>,
}

/// Reads a test body: the REST front reads property names case-insensitively, tests here
/// write them as the contract does.
#[cfg(test)]
pub(crate) fn parse_test_body<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_json::Error> {
    serde_json::from_slice(bytes)
}
