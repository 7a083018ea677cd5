//! Read models built from the registry and Access Management rather than from one dialog alone
//! (api.md §1, §4.8; authz.md §3.3, §3.4): the identifier lookups of both groups with their
//! authorization evidence, the end user's authorized parties, the service-resource metadata
//! items and the search limits.

use std::collections::BTreeMap;

use dp_authz::Registry;
use dp_authz::registry::ResourceType;
use dp_domain::dialog as domain;
use dp_domain::enums::IdentifierLookupGrantType;
use serde::Serialize;
use uuid::Uuid;

use super::common::{Localization, localizations};

/// A registry name map (language → text) as a localization list, in language order.
pub fn registry_names(map: &BTreeMap<String, String>) -> Vec<Localization<'_>> {
    map.iter()
        .map(|(language, value)| Localization::new(language, value.as_str()))
        .collect()
}

/// `V1CommonIdentifierLookup_IdentifierLookupServiceOwner`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupServiceOwner<'a> {
    pub code: &'a str,
    pub org_number: &'a str,
    pub name: Vec<Localization<'a>>,
}

/// `V1CommonIdentifierLookup_IdentifierLookupServiceResource`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupServiceResource<'a> {
    pub id: &'a str,
    pub is_delegable: bool,
    pub minimum_authentication_level: u8,
    pub name: Vec<Localization<'a>>,
}

/// `V1CommonIdentifierLookup_ServiceOwnerIdentifierLookup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerLookup<'a> {
    pub dialog_id: Uuid,
    pub instance_ref: &'a str,
    pub party: &'a str,
    pub service_owner: LookupServiceOwner<'a>,
    pub service_resource: LookupServiceResource<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Vec<Localization<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_sensitive_title: Option<Vec<Localization<'a>>>,
}

impl<'a> ServiceOwnerLookup<'a> {
    /// The lookup answer for `dialog` found by `instance_ref`: names from the registry (none
    /// when it does not know the owner or resource), both titles.
    pub fn new(dialog: &'a domain::Dialog, instance_ref: &'a str, registry: &'a Registry) -> Self {
        let owner = registry.service_owner_by_code(&dialog.org);
        let resource = registry.resource(&dialog.service_resource);
        Self {
            dialog_id: dialog.id,
            instance_ref,
            party: &dialog.party,
            service_owner: LookupServiceOwner {
                code: &dialog.org,
                org_number: owner.map(|o| o.org_number.as_str()).unwrap_or_default(),
                name: owner.map(|o| registry_names(&o.name)).unwrap_or_default(),
            },
            service_resource: LookupServiceResource {
                id: &dialog.service_resource,
                is_delegable: true,
                minimum_authentication_level: resource
                    .map_or(3, |r| r.minimum_authentication_level),
                name: resource
                    .map(|r| registry_names(&r.title))
                    .unwrap_or_default(),
            },
            title: dialog
                .content
                .title
                .as_ref()
                .map(|t| localizations(&t.value)),
            non_sensitive_title: dialog
                .content
                .non_sensitive_title
                .as_ref()
                .map(|t| localizations(&t.value)),
        }
    }
}

/// `{metadata}`: where the metadata of a resource, role or access package is published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Links {
    pub metadata: String,
}

/// `V1CommonIdentifierLookup_IdentifierLookupAuthorizationEvidenceItem`: `name` and `links` for
/// role and access-package grants only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceItem<'a> {
    pub grant_type: IdentifierLookupGrantType,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Vec<Localization<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
}

/// `V1CommonIdentifierLookup_IdentifierLookupAuthorizationEvidence`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationEvidence<'a> {
    pub current_authentication_level: u8,
    pub via_role: bool,
    pub via_access_package: bool,
    pub via_resource_delegation: bool,
    pub via_instance_delegation: bool,
    pub evidence: Vec<EvidenceItem<'a>>,
}

/// `V1CommonIdentifierLookup_EndUserIdentifierLookup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndUserLookup<'a> {
    pub dialog_id: Uuid,
    pub instance_ref: String,
    pub party: &'a str,
    pub service_owner: LookupServiceOwner<'a>,
    pub service_resource: LookupServiceResource<'a>,
    pub authorization_evidence: AuthorizationEvidence<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Vec<Localization<'a>>>,
}

/// `V1AccessManagementQueriesGetParties_AuthorizedParty`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedParty<'a> {
    pub party: String,
    pub party_uuid: &'a str,
    pub party_id: i64,
    pub name: &'a str,
    pub party_type: &'a str,
    pub is_deleted: bool,
    pub has_key_role: bool,
    pub is_current_end_user: bool,
    pub is_main_administrator: bool,
    pub is_access_manager: bool,
    pub has_only_access_to_sub_parties: bool,
    pub sub_parties: Vec<AuthorizedParty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

/// `V1AccessManagementQueriesGetParties_Parties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parties<'a> {
    pub authorized_parties: Vec<AuthorizedParty<'a>>,
}

/// `V1CommonServiceResourceMetadata_ServiceResourceMetadataServiceResource`: `resourceType`
/// and `status` are empty strings for a resource the registry does not know.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataServiceResource<'a> {
    pub id: String,
    #[serde(serialize_with = "resource_type_or_empty")]
    pub resource_type: Option<ResourceType>,
    pub status: &'static str,
    pub is_delegable: bool,
    pub minimum_authentication_level: u8,
    pub name: Vec<Localization<'a>>,
    pub links: Links,
}

fn resource_type_or_empty<S: serde::Serializer>(
    value: &Option<ResourceType>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(resource_type) => resource_type.serialize(serializer),
        None => serializer.serialize_str(""),
    }
}

/// `V1CommonServiceResourceMetadata_ServiceResourceMetadataRole` and
/// `…_ServiceResourceMetadataAccessPackage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetadataSubject<'a> {
    pub urn: String,
    pub name: Vec<Localization<'a>>,
    pub links: Links,
}

/// `V1CommonServiceResourceMetadata_ServiceResourceMetadataServiceOwner`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataServiceOwner<'a> {
    pub org_number: &'a str,
    pub code: &'a str,
    pub name: Vec<Localization<'a>>,
}

/// `V1CommonServiceResourceMetadata_ServiceResourceMetadataItem`, the items of
/// `V1EndUserServiceResourcesQueriesSearch_AuthorizedServiceResources` and
/// `V1MetadataServiceResourcesQueriesGet_ServiceResourceMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceResourceMetadataItem<'a> {
    pub service_resource: MetadataServiceResource<'a>,
    pub roles: Vec<MetadataSubject<'a>>,
    pub access_packages: Vec<MetadataSubject<'a>>,
    pub service_owner: MetadataServiceOwner<'a>,
}

/// `V1MetadataLimitsQueriesGet_EndUserSearchLimits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndUserSearchLimits {
    pub max_extended_status_filter_values: usize,
    pub max_org_filter_values: usize,
    pub max_party_filter_values: usize,
    pub max_service_resource_filter_values: usize,
}

/// `V1MetadataLimitsQueriesGet_ServiceOwnerSearchLimits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceOwnerSearchLimits {
    pub max_extended_status_filter_values: usize,
    pub max_party_filter_values: usize,
    pub max_service_resource_filter_values: usize,
}

/// `V1MetadataLimitsQueriesGet_Limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub end_user_search: EndUserSearchLimits,
    pub service_owner_search: ServiceOwnerSearchLimits,
}
