//! The end-user read models (`V1EndUserDialogsQueries*`, api.md §3.2, §4.7, §6): built from the
//! stored dialog by their own allow-lists, so nothing only service owners see (`searchTags`,
//! `serviceOwnerContext`, `visibleFrom`, `deletedAt`, `idempotentKey`, the non-sensitive
//! texts of the dialog view) can leak. Decorated with the authorization flags of the reader,
//! URLs they may not follow replaced, then ([`finish`]) localizations pruned and other people's
//! identifiers masked.

use std::borrow::Cow;

use dp_authz::dialog_access::DetailsAuthorization;
use dp_domain::Timestamp;
use dp_domain::dialog as domain;
use dp_domain::enums::{ActivityType, DialogStatus, SystemLabel, TransmissionType};
use serde::Serialize;
use uuid::Uuid;

use super::common::{
    Activity, Actor, ApiAction, Attachment, ContentValue, EndUserContext, GuiAction, Localization,
    NavigationalAction, SeenLog, TransmissionContent, content, description, lower_case, seen_since,
};
use super::presentation::{
    UNAUTHORIZED_URL, Visitor, Walk, hide_attachment_urls, hide_content_reference,
    hide_navigational_urls,
};

pub use super::presentation::finish;

/// `V1EndUserDialogsQueriesGet_Content`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_content_reference: Option<ContentValue<'a>>,
}

/// `V1EndUserDialogsQueriesGet_DialogTransmission` (with `isOpened`),
/// `…GetTransmission_Transmission` and `…SearchTransmissions_Transmission` (without).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transmission<'a> {
    pub id: Uuid,
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
    pub is_authorized: bool,
}

/// A transmission as end users see it: `isAuthorized`, and the URLs they may not follow
/// replaced (unauthorized: attachments, navigational actions and the content reference; else
/// expired attachments and navigational actions). `with_opened` adds `isOpened`.
pub fn transmission<'a>(
    dialog: &domain::Dialog,
    t: &'a domain::Transmission,
    access: &DetailsAuthorization,
    now: Timestamp,
    with_opened: bool,
) -> Transmission<'a> {
    let authorized = access.transmission_authorized(t.authorization_attribute.as_deref());
    let mut view = Transmission {
        id: t.id,
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
        is_authorized: authorized,
    };
    hide_attachment_urls(&mut view.attachments, authorized, now);
    hide_navigational_urls(&mut view.navigational_actions, authorized, now);
    if !authorized && let Some(reference) = &mut view.content.content_reference {
        hide_content_reference(reference);
    }
    view
}

/// `V1EndUserDialogsQueriesGet_Dialog`.
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
    pub due_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_updated_at: Timestamp,
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
    pub content: Content<'a>,
    pub attachments: Vec<Attachment<'a>>,
    pub gui_actions: Vec<GuiAction<'a>>,
    pub api_actions: Vec<ApiAction<'a>>,
    pub transmissions: Vec<Transmission<'a>>,
    pub activities: Vec<Activity<'a>>,
    /// Set by the front that issues it (auth.md §7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialog_token: Option<String>,
}

/// `V1EndUserDialogsQueriesGet_Dialog` for `subject`, without `dialogToken`: flags and URL
/// replacement for `access` (api.md §6), then [`finish`] with `languages`.
pub fn dialog<'a>(
    d: &'a domain::Dialog,
    subject: &str,
    access: &DetailsAuthorization,
    languages: &[String],
) -> Dialog<'a> {
    let now = Timestamp::now();
    let c = &d.content;
    let mut main_content_reference = content(&c.main_content_reference);
    if let Some(reference) = &mut main_content_reference {
        let authorized = access.read_main();
        reference.is_authorized = Some(authorized);
        if !authorized {
            hide_content_reference(reference);
        }
    }
    let mut gui_actions: Vec<GuiAction<'a>> = d.gui_actions.iter().map(GuiAction::from).collect();
    for action in &mut gui_actions {
        let authorized = access.has_access_to_action(action.action, action.authorization_attribute);
        action.is_authorized = Some(authorized);
        if !authorized {
            action.url = UNAUTHORIZED_URL;
        }
    }
    let mut api_actions: Vec<ApiAction<'a>> = d.api_actions.iter().map(ApiAction::from).collect();
    for action in &mut api_actions {
        let authorized = access.has_access_to_action(action.action, action.authorization_attribute);
        action.is_authorized = Some(authorized);
        if !authorized {
            for endpoint in &mut action.endpoints {
                endpoint.url = UNAUTHORIZED_URL;
            }
        }
    }
    let mut attachments: Vec<Attachment<'a>> = d.attachments.iter().map(Attachment::from).collect();
    // Dialog-level attachments are never hidden for authorization, only for expiry.
    hide_attachment_urls(&mut attachments, true, now);
    let mut view = Dialog {
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
        due_at: d.due_at,
        expires_at: d.expires_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
        content_updated_at: d.content_updated_at,
        status: d.status,
        is_api_only: d.is_api_only,
        has_unopened_content: d.has_unopened_content,
        is_content_seen: d.is_content_seen(),
        from_service_owner_transmissions_count: d.from_service_owner_transmissions(),
        from_party_transmissions_count: d.from_party_transmissions(),
        system_label: d.end_user_context.primary_label(),
        seen_since_last_update: seen_since(d, d.updated_at, Some(subject)),
        seen_since_last_content_update: seen_since(d, d.content_updated_at, Some(subject)),
        end_user_context: (&d.end_user_context).into(),
        content: Content {
            title: content(&c.title),
            summary: content(&c.summary),
            sender_name: content(&c.sender_name),
            additional_info: content(&c.additional_info),
            extended_status: content(&c.extended_status),
            main_content_reference,
        },
        attachments,
        gui_actions,
        api_actions,
        transmissions: d
            .transmissions
            .iter()
            .map(|t| transmission(d, t, access, now, true))
            .collect(),
        activities: d.activities.iter().map(Activity::from).collect(),
        dialog_token: None,
    };
    finish(&mut view, languages);
    view
}

/// `V1EndUserDialogsQueriesSearch_Content`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<ContentValue<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_status: Option<ContentValue<'a>>,
}

/// `V1EndUserDialogsQueriesSearch_Dialog`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchDialog<'a> {
    pub id: Uuid,
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
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_updated_at: Timestamp,
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
    pub content: SearchContent<'a>,
    pub gui_attachment_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_activity: Option<Activity<'a>>,
}

/// `V1EndUserDialogsQueriesSearch_Dialog` for `subject`. `below_level`: the user's
/// authentication level is below the resource's minimum, so the non-sensitive title and
/// summary stand in (the real service's `SearchDialogQuery` content selection by
/// `HasRequiredAuthLevel`). Then [`finish`] with `languages`.
pub fn search_item<'a>(
    d: &'a domain::Dialog,
    subject: &str,
    below_level: bool,
    languages: &[String],
) -> SearchDialog<'a> {
    let c = &d.content;
    let (title, summary) = if below_level {
        (
            c.non_sensitive_title.as_ref().or(c.title.as_ref()),
            c.non_sensitive_summary.as_ref().or(c.summary.as_ref()),
        )
    } else {
        (c.title.as_ref(), c.summary.as_ref())
    };
    let mut view = SearchDialog {
        id: d.id,
        org: &d.org,
        service_resource: &d.service_resource,
        service_resource_type: lower_case(&d.service_resource_type),
        party: &d.party,
        progress: d.progress,
        process: d.process.as_deref(),
        preceding_process: d.preceding_process.as_deref(),
        extended_status: d.extended_status.as_deref(),
        external_reference: d.external_reference.as_deref(),
        due_at: d.due_at,
        created_at: d.created_at,
        updated_at: d.updated_at,
        content_updated_at: d.content_updated_at,
        status: d.status,
        is_api_only: d.is_api_only,
        has_unopened_content: d.has_unopened_content,
        is_content_seen: d.is_content_seen(),
        from_service_owner_transmissions_count: d.from_service_owner_transmissions(),
        from_party_transmissions_count: d.from_party_transmissions(),
        system_label: d.end_user_context.primary_label(),
        seen_since_last_update: seen_since(d, d.updated_at, Some(subject)),
        seen_since_last_content_update: seen_since(d, d.content_updated_at, Some(subject)),
        end_user_context: (&d.end_user_context).into(),
        content: SearchContent {
            title: title.map(ContentValue::from),
            summary: summary.map(ContentValue::from),
            sender_name: content(&c.sender_name),
            extended_status: content(&c.extended_status),
        },
        gui_attachment_count: d.gui_attachment_count(),
        latest_activity: d.latest_activity().map(Activity::from),
    };
    finish(&mut view, languages);
    view
}

/// `V1EndUserDialogsQueriesSearchActivities_Activity`: no actor.
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
    pub description: Option<Vec<Localization<'a>>>,
}

impl<'a> From<&'a domain::Activity> for ActivityListItem<'a> {
    fn from(a: &'a domain::Activity) -> Self {
        Self {
            id: a.id,
            created_at: a.created_at,
            extended_type: a.extended_type.as_deref(),
            activity_type: a.activity_type,
            transmission_id: a.transmission_id,
            description: description(&a.description),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the presentation passes reach

impl<'a> Walk<'a> for Content<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.title.walk(visitor);
        self.summary.walk(visitor);
        self.sender_name.walk(visitor);
        self.additional_info.walk(visitor);
        self.extended_status.walk(visitor);
        self.main_content_reference.walk(visitor);
    }
}

impl<'a> Walk<'a> for Transmission<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.sender.walk(visitor);
        self.content.walk(visitor);
        self.attachments.walk(visitor);
        self.navigational_actions.walk(visitor);
    }
}

impl<'a> Walk<'a> for Dialog<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.seen_since_last_update.walk(visitor);
        self.seen_since_last_content_update.walk(visitor);
        self.content.walk(visitor);
        self.attachments.walk(visitor);
        self.gui_actions.walk(visitor);
        self.api_actions.walk(visitor);
        self.transmissions.walk(visitor);
        self.activities.walk(visitor);
    }
}

impl<'a> Walk<'a> for SearchContent<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.title.walk(visitor);
        self.summary.walk(visitor);
        self.sender_name.walk(visitor);
        self.extended_status.walk(visitor);
    }
}

impl<'a> Walk<'a> for SearchDialog<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        self.seen_since_last_update.walk(visitor);
        self.seen_since_last_content_update.walk(visitor);
        self.content.walk(visitor);
        self.latest_activity.walk(visitor);
    }
}

impl<'a> Walk<'a> for ActivityListItem<'a> {
    fn walk(&mut self, visitor: &mut dyn Visitor<'a>) {
        if let Some(description) = &mut self.description {
            visitor.localizations(description);
        }
    }
}
