//! The service-owner read models (`V1ServiceOwnerDialogsQueries*`, api.md §1, §3.1, §4.7, §4.8,
//! §6): the dialog, its list item, transmissions, activities, seen log, labels, the end-user
//! context list and the notification condition. Service owners see raw actor ids and every URL;
//! with `endUserId` the dialog also carries the `isAuthorized` flags computed for that person
//! ([`Dialog::flag_authorized`]).
//!
//! Never exposed: `frozen`, the raw seen log and the label-assignment log of the aggregate.

use std::borrow::Cow;

use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog as domain;
use dp_domain::enums::{ActivityType, DialogStatus, SystemLabel, TransmissionType};
use serde::Serialize;
use uuid::Uuid;

use super::common::{
    Activity, Actor, ApiAction, Attachment, ContentValue, EndUserContext, GuiAction, Label,
    NavigationalAction, SeenLog, TransmissionContent, content, labels, lower_case, seen_since,
};

/// `V1ServiceOwnerDialogsQueriesGet_Content`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_sensitive_title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_sensitive_summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_content_reference: Option<ContentValue<'a>>,
}

impl<'a> From<&'a domain::Content> for Content<'a> {
    fn from(c: &'a domain::Content) -> Self {
        Self {
            title: content(&c.title),
            non_sensitive_title: content(&c.non_sensitive_title),
            summary: content(&c.summary),
            non_sensitive_summary: content(&c.non_sensitive_summary),
            sender_name: content(&c.sender_name),
            additional_info: content(&c.additional_info),
            extended_status: content(&c.extended_status),
            main_content_reference: content(&c.main_content_reference),
        }
    }
}

/// `…_DialogServiceOwnerContext` (`Get` and `Search`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerContext<'a> {
    pub revision: Uuid,
    pub service_owner_labels: Vec<Label<'a>>,
}

/// Service-owner labels in order of value, as the real service returns them (its queries
/// order the labels by `Value`).
pub fn service_owner_labels(dialog: &domain::Dialog) -> Vec<Label<'_>> {
    let mut list = labels(&dialog.service_owner_context.service_owner_labels);
    list.sort_by(|a, b| a.value.cmp(b.value));
    list
}

impl<'a> From<&'a domain::Dialog> for ServiceOwnerContext<'a> {
    fn from(dialog: &'a domain::Dialog) -> Self {
        Self {
            revision: dialog.service_owner_context.revision,
            service_owner_labels: service_owner_labels(dialog),
        }
    }
}

/// `V1ServiceOwnerDialogsQueriesGet_DialogTransmission` (with `isOpened`), and without it
/// `…GetTransmission_Transmission` / `…SearchTransmissions_Transmission`. `isAuthorized` only
/// when read on an end user's behalf.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transmission<'a> {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<&'a str>,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_attribute: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_transmission_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub transmission_type: TransmissionType,
    pub sender: Actor<'a>,
    pub content: TransmissionContent<'a>,
    pub attachments: Vec<Attachment<'a>>,
    pub navigational_actions: Vec<NavigationalAction<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_opened: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_authorized: Option<bool>,
}

/// A transmission of `dialog`; `with_opened` adds `isOpened` (the dialog's own list).
pub fn transmission<'a>(
    dialog: &domain::Dialog,
    t: &'a domain::Transmission,
    with_opened: bool,
) -> Transmission<'a> {
    Transmission {
        id: t.id,
        idempotent_key: t.idempotent_key.as_deref(),
        created_at: t.created_at,
        authorization_attribute: t.authorization_attribute.as_deref(),
        extended_type: t.extended_type.as_deref(),
        external_reference: t.external_reference.as_deref(),
        related_transmission_id: t.related_transmission_id,
        transmission_type: t.transmission_type,
        sender: (&t.sender).into(),
        content: (&t.content).into(),
        attachments: t.attachments.iter().map(Attachment::from).collect(),
        navigational_actions: t
            .navigational_actions
            .iter()
            .map(NavigationalAction::from)
            .collect(),
        is_opened: with_opened.then(|| dialog.is_opened(t)),
        is_authorized: None,
    }
}

/// `V1ServiceOwnerDialogsQueriesGet_Dialog`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dialog<'a> {
    pub id: Uuid,
    pub revision: Uuid,
    pub org: &'a str,
    pub service_resource: &'a str,
    pub service_resource_type: Cow<'a, str>,
    pub party: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preceding_process: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_from: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    pub status: DialogStatus,
    pub is_api_only: bool,
    pub has_unopened_content: bool,
    pub is_content_seen: bool,
    pub from_service_owner_transmissions_count: usize,
    pub from_party_transmissions_count: usize,
    pub system_label: SystemLabel,
    pub seen_since_last_update: Vec<SeenLog<'a>>,
    pub seen_since_last_content_update: Vec<SeenLog<'a>>,
    pub end_user_context: EndUserContext<'a>,
    pub service_owner_context: ServiceOwnerContext<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent_key: Option<&'a str>,
    pub content: Content<'a>,
    pub search_tags: Vec<Label<'a>>,
    pub attachments: Vec<Attachment<'a>>,
    pub gui_actions: Vec<GuiAction<'a>>,
    pub api_actions: Vec<ApiAction<'a>>,
    pub transmissions: Vec<Transmission<'a>>,
    pub activities: Vec<Activity<'a>>,
}

/// `V1ServiceOwnerDialogsQueriesGet_Dialog`. `current_end_user` is the `endUserId` of the
/// request, if any, for `isCurrentEndUser`.
pub fn dialog<'a>(d: &'a domain::Dialog, current_end_user: Option<&str>) -> Dialog<'a> {
    Dialog {
        id: d.id,
        revision: d.revision,
        org: &d.org,
        service_resource: &d.service_resource,
        service_resource_type: lower_case(&d.service_resource_type),
        party: &d.party,
        progress: d.progress,
        process: d.process.as_deref(),
        preceding_process: d.preceding_process.as_deref(),
        extended_status: d.extended_status.as_deref(),
        external_reference: d.external_reference.as_deref(),
        visible_from: d.visible_from,
        due_at: d.due_at,
        expires_at: d.expires_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
        content_updated_at: d.content_updated_at,
        deleted_at: d.deleted_at,
        status: d.status,
        is_api_only: d.is_api_only,
        has_unopened_content: d.has_unopened_content,
        is_content_seen: d.is_content_seen(),
        from_service_owner_transmissions_count: d.from_service_owner_transmissions(),
        from_party_transmissions_count: d.from_party_transmissions(),
        system_label: d.end_user_context.primary_label(),
        seen_since_last_update: seen_since(d, d.updated_at, current_end_user),
        seen_since_last_content_update: seen_since(d, d.content_updated_at, current_end_user),
        end_user_context: (&d.end_user_context).into(),
        service_owner_context: d.into(),
        idempotent_key: d.idempotent_key.as_deref(),
        content: (&d.content).into(),
        search_tags: labels(&d.search_tags),
        attachments: d.attachments.iter().map(Attachment::from).collect(),
        gui_actions: d.gui_actions.iter().map(GuiAction::from).collect(),
        api_actions: d.api_actions.iter().map(ApiAction::from).collect(),
        transmissions: d
            .transmissions
            .iter()
            .map(|t| transmission(d, t, true))
            .collect(),
        activities: d.activities.iter().map(Activity::from).collect(),
    }
}

impl Dialog<'_> {
    /// `isAuthorized` on GUI/API actions, transmissions and the main content reference for the
    /// end user a service owner reads on behalf of (api.md §6); URLs stay as they are.
    pub fn flag_authorized(&mut self, access: &DetailsAuthorization) {
        for action in &mut self.gui_actions {
            action.is_authorized =
                Some(access.has_access_to_action(action.action, action.authorization_attribute));
        }
        for action in &mut self.api_actions {
            action.is_authorized =
                Some(access.has_access_to_action(action.action, action.authorization_attribute));
        }
        // `IsAuthorized is evaluated only when you use the EndUserId query-parameter` (contract).
        if let Some(reference) = &mut self.content.main_content_reference {
            reference.is_authorized = Some(access.read_main());
        }
        for transmission in &mut self.transmissions {
            transmission.is_authorized =
                Some(access.transmission_authorized(transmission.authorization_attribute));
        }
    }
}

/// `V1ServiceOwnerDialogsQueriesSearch_Content`: only what a list shows (api.md §2.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_sensitive_title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_sensitive_summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<ContentValue<'a>>,
}

/// `V1ServiceOwnerDialogsQueriesSearch_Dialog`: list fields, the latest activity and only the
/// content a list shows (api.md §2.3); no `expiresAt`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchDialog<'a> {
    pub id: Uuid,
    pub revision: Uuid,
    pub org: &'a str,
    pub service_resource: &'a str,
    pub service_resource_type: Cow<'a, str>,
    pub party: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preceding_process: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_from: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    pub status: DialogStatus,
    pub is_api_only: bool,
    pub has_unopened_content: bool,
    pub is_content_seen: bool,
    pub from_service_owner_transmissions_count: usize,
    pub from_party_transmissions_count: usize,
    pub system_label: SystemLabel,
    pub seen_since_last_update: Vec<SeenLog<'a>>,
    pub seen_since_last_content_update: Vec<SeenLog<'a>>,
    pub end_user_context: EndUserContext<'a>,
    pub service_owner_context: ServiceOwnerContext<'a>,
    pub content: SearchContent<'a>,
    pub gui_attachment_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_activity: Option<Activity<'a>>,
}

/// `V1ServiceOwnerDialogsQueriesSearch_Dialog` for a search by (or, with `endUserId`, on behalf
/// of) `current_end_user`.
pub fn search_item<'a>(d: &'a domain::Dialog, current_end_user: Option<&str>) -> SearchDialog<'a> {
    let c = &d.content;
    SearchDialog {
        id: d.id,
        revision: d.revision,
        org: &d.org,
        service_resource: &d.service_resource,
        service_resource_type: lower_case(&d.service_resource_type),
        party: &d.party,
        progress: d.progress,
        process: d.process.as_deref(),
        preceding_process: d.preceding_process.as_deref(),
        extended_status: d.extended_status.as_deref(),
        external_reference: d.external_reference.as_deref(),
        visible_from: d.visible_from,
        due_at: d.due_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
        content_updated_at: d.content_updated_at,
        deleted_at: d.deleted_at,
        status: d.status,
        is_api_only: d.is_api_only,
        has_unopened_content: d.has_unopened_content,
        is_content_seen: d.is_content_seen(),
        from_service_owner_transmissions_count: d.from_service_owner_transmissions(),
        from_party_transmissions_count: d.from_party_transmissions(),
        system_label: d.end_user_context.primary_label(),
        seen_since_last_update: seen_since(d, d.updated_at, current_end_user),
        seen_since_last_content_update: seen_since(d, d.content_updated_at, current_end_user),
        end_user_context: (&d.end_user_context).into(),
        service_owner_context: d.into(),
        content: SearchContent {
            title: content(&c.title),
            summary: content(&c.summary),
            non_sensitive_title: content(&c.non_sensitive_title),
            non_sensitive_summary: content(&c.non_sensitive_summary),
            sender_name: content(&c.sender_name),
            extended_status: content(&c.extended_status),
        },
        gui_attachment_count: d.gui_attachment_count(),
        latest_activity: d.latest_activity().map(Activity::from),
    }
}

/// `V1ServiceOwnerDialogsQueriesSearchActivities_Activity`: no actor, no description.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityListItem<'a> {
    pub id: Uuid,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_type: Option<&'a str>,
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmission_id: Option<Uuid>,
}

impl<'a> From<&'a domain::Activity> for ActivityListItem<'a> {
    fn from(a: &'a domain::Activity) -> Self {
        Self {
            id: a.id,
            created_at: a.created_at,
            extended_type: a.extended_type.as_deref(),
            activity_type: a.activity_type,
            transmission_id: a.transmission_id,
        }
    }
}

/// `V1ServiceOwnerDialogsQueriesGetSeenLog_SeenLog`, `…SearchSeenLogs_SeenLog`: raw ids, no
/// `isCurrentEndUser`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenLogItem<'a> {
    pub id: Uuid,
    pub seen_at: Timestamp,
    pub seen_by: Actor<'a>,
    pub is_via_service_owner: bool,
}

impl<'a> From<&'a domain::SeenLog> for SeenLogItem<'a> {
    fn from(s: &'a domain::SeenLog) -> Self {
        Self {
            id: s.id,
            seen_at: s.seen_at,
            seen_by: (&s.seen_by).into(),
            is_via_service_owner: s.is_via_service_owner,
        }
    }
}

/// `V1ServiceOwnerDialogsQueriesSearchEndUserContext_DialogEndUserContextItem`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndUserContextItem<'a> {
    pub dialog_id: Uuid,
    pub end_user_context_revision: Uuid,
    pub system_labels: &'a [SystemLabel],
}

impl<'a> From<&'a domain::Dialog> for EndUserContextItem<'a> {
    fn from(d: &'a domain::Dialog) -> Self {
        Self {
            dialog_id: d.id,
            end_user_context_revision: d.end_user_context.revision,
            system_labels: &d.end_user_context.system_labels,
        }
    }
}

/// `V1ServiceOwnerDialogsQueriesNotificationCondition_NotificationCondition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationCondition {
    pub send_notification: bool,
}
