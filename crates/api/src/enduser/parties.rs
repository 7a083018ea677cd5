//! `GET /api/v1/enduser/parties` and `GET /api/v1/enduser/serviceresources` (authz.md §3.3,
//! §3.4), and the role and access-package metadata they and the dialog lookup show.
//!
//! * Parties: Access Management's authorized parties with every include flag off, not
//!   flattened (authz.md §3.3). With the flags off AM lists no roles, so `hasKeyRole`,
//!   `isMainAdministrator` and `isAccessManager` are false, as in DP today.
//! * Service resources: the union of the resources the caller may list over the requested
//!   parties (all of them without a filter), always pruned to the (party, resource) pairs some
//!   dialog refers to (§3.4 step 5, forced for this endpoint), each as the metadata item of the
//!   public catalogue (`V1CommonServiceResourceMetadata_ServiceResourceMetadataItem`).

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use dp_app::enduser::parties as queries;
use dp_app::read::common::{Items, Localization};
use dp_app::read::metadata::{
    AuthorizedParty, Links, MetadataServiceOwner, MetadataServiceResource, MetadataSubject,
    Parties, ServiceResourceMetadataItem,
};
use dp_app::read::presentation::prune_list;
use dp_authz::Registry;
use dp_authz::access::AuthorizedPartyDto;
use dp_authz::registry::RESOURCE_PREFIX;

use super::presentation::AcceptedLanguages;
use crate::auth::EndUser;
use crate::problem::ApiError;
use crate::respond::ok_json;
use crate::respond::require_json_accept;
use crate::state::DialogState;

/// Where the metadata links of the embedded Altinn point: the tt02 platform, whose Resource
/// Registry and Access Management metadata APIs the links follow (DP `MetadataLinkProvider`).
pub const ALTINN_BASE_URL: &str = "https://platform.tt02.altinn.no/";

/// Role codes that make `hasKeyRole` (authz.md §3.2).
const KEY_ROLES: &[&str] = &["DAGL", "LEDE", "INNH", "DTPR", "DTSO", "BEST"];

/// Display names of the common Altinn 2 / ER role codes (Access Management's role metadata).
const ROLE_NAMES: &[(&str, &str, &str, &str)] = &[
    // (code, nb, nn, en)
    ("dagl", "Daglig leder", "Dagleg leiar", "Managing director"),
    (
        "lede",
        "Styrets leder",
        "Styrets leiar",
        "Chair of the board",
    ),
    ("innh", "Innehaver", "Innehavar", "Owner"),
    (
        "dtpr",
        "Deltaker delt ansvar",
        "Deltakar delt ansvar",
        "Partner with shared liability",
    ),
    (
        "dtso",
        "Deltaker fullt ansvar",
        "Deltakar fullt ansvar",
        "Partner with full liability",
    ),
    (
        "best",
        "Bestyrende reder",
        "Bestyrande reiar",
        "Managing shipowner",
    ),
    ("priv", "Privatperson", "Privatperson", "Private person"),
    (
        "hadm",
        "Hovedadministrator",
        "Hovudadministrator",
        "Main administrator",
    ),
    (
        "admai",
        "Tilgangsstyring",
        "Tilgangsstyring",
        "Access manager",
    ),
    (
        "utinn",
        "Utfyller/Innsender",
        "Utfyllar/Innsendar",
        "Reporter/sender",
    ),
    (
        "regna",
        "Regnskapsmedarbeider",
        "Rekneskapsmedarbeidar",
        "Accounting employee",
    ),
];

/// `BTreeMap` of names by language as a localization list; `fallback` (as `nb`) when empty
/// (DP `ToLocalizationDtos`).
pub fn names<'a>(map: &'a BTreeMap<String, String>, fallback: &'a str) -> Vec<Localization<'a>> {
    if map.is_empty() {
        return vec![Localization::new("nb", fallback)];
    }
    dp_app::read::metadata::registry_names(map)
}

/// Name and metadata link of a rule subject (`urn:altinn:rolecode:…` or
/// `urn:altinn:accesspackage:…`), with names pruned to `languages`.
pub fn subject_metadata(
    subject: &str,
    languages: &[String],
) -> (Vec<Localization<'static>>, Links) {
    let subject = subject.to_lowercase();
    let (mut name, link) = if let Some(code) = subject.strip_prefix("urn:altinn:rolecode:") {
        let name = match ROLE_NAMES.iter().find(|(c, ..)| *c == code) {
            Some((_, nb, nn, en)) => vec![
                Localization::new("nb", *nb),
                Localization::new("nn", *nn),
                Localization::new("en", *en),
            ],
            None => vec![Localization::new("nb", code.to_uppercase())],
        };
        let link = format!(
            "{ALTINN_BASE_URL}accessmanagement/api/v1/meta/info/roles/{}",
            queries::synthetic_uuid(&subject)
        );
        (name, link)
    } else {
        let code = subject.rsplit(':').next().unwrap_or_default();
        let link = format!(
            "{ALTINN_BASE_URL}accessmanagement/api/v1/meta/info/accesspackages/package/urn/{}",
            url::form_urlencoded::byte_serialize(subject.as_bytes()).collect::<String>()
        );
        (vec![Localization::new("nb", code.to_owned())], link)
    };
    prune_list(&mut name, languages);
    (name, Links { metadata: link })
}

// ---------------------------------------------------------------------------------------------
// Parties

/// `V1AccessManagementQueriesGetParties_AuthorizedParty` (DP `AuthorizedPartiesHelper` +
/// `GetPartiesQueryMapper`).
fn party_view<'a>(dto: &'a AuthorizedPartyDto, subject: &str) -> AuthorizedParty<'a> {
    let party = dto.party_urn();
    let has_role = |codes: &[&str]| {
        dto.authorized_roles
            .iter()
            .any(|r| codes.iter().any(|c| r.eq_ignore_ascii_case(c)))
    };
    let birth = dto.date_of_birth.clone().or_else(|| {
        (dto.party_type == "Person")
            .then(|| {
                dto.person_id
                    .as_deref()
                    .and_then(dp_domain::identifiers::date_of_birth)
            })
            .flatten()
    });
    AuthorizedParty {
        is_current_end_user: party.eq_ignore_ascii_case(subject),
        party,
        party_uuid: &dto.party_uuid,
        party_id: dto.party_id,
        name: &dto.name,
        party_type: &dto.party_type,
        is_deleted: dto.is_deleted,
        has_key_role: has_role(KEY_ROLES),
        is_main_administrator: has_role(&["HADM"]),
        is_access_manager: has_role(&["ADMAI"]),
        has_only_access_to_sub_parties: dto.only_hierarchy_element_with_no_access,
        sub_parties: dto
            .subunits
            .iter()
            .map(|s| party_view(s, subject))
            .collect(),
        date_of_birth: birth,
    }
}

/// `GET /api/v1/enduser/parties`
pub async fn parties(
    caller: EndUser,
    State(state): State<DialogState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require_json_accept(&headers)?;
    let found = queries::authorized_parties(&state, &caller.principal).await?;
    let subject = &found.subject.urn;
    let authorized_parties = found
        .parties
        .iter()
        .map(|p| party_view(p, subject))
        .collect();
    Ok(ok_json(&Parties { authorized_parties }, None))
}

// ---------------------------------------------------------------------------------------------
// Authorized service resources

/// `V1CommonServiceResourceMetadata_ServiceResourceMetadataItem` for a registry resource
/// (DP `ServiceResourceMetadataItemBuilder`), names pruned to `languages`.
pub fn resource_item<'a>(
    registry: &'a Registry,
    resource: &str,
    languages: &[String],
) -> ServiceResourceMetadataItem<'a> {
    let lower = resource.to_lowercase();
    let id = lower
        .strip_prefix(RESOURCE_PREFIX)
        .unwrap_or(&lower)
        .to_owned();
    let known = registry.resource(&id);
    let owner = known.and_then(|r| registry.service_owner_by_code(&r.owner));
    let code = known.map(|r| r.owner.as_str()).unwrap_or_default();
    let mut name = match known {
        Some(r) if !r.title.is_empty() => dp_app::read::metadata::registry_names(&r.title),
        _ => vec![Localization::new("nb", id.clone())],
    };
    prune_list(&mut name, languages);
    let mut owner_name = owner.map_or_else(
        || vec![Localization::new("nb", code)],
        |o| names(&o.name, &o.org_code),
    );
    prune_list(&mut owner_name, languages);
    let subjects: BTreeSet<String> = known
        .into_iter()
        .flat_map(|r| &r.rules)
        .flat_map(|rule| rule.subjects.iter().map(|s| s.to_lowercase()))
        .collect();
    let items = |prefix: &str| -> Vec<MetadataSubject<'a>> {
        let mut items: Vec<(String, MetadataSubject<'a>)> = subjects
            .iter()
            .filter(|s| s.starts_with(prefix))
            .map(|s| {
                let (name, links) = subject_metadata(s, languages);
                let sort = name
                    .first()
                    .map(|l| l.value.to_lowercase())
                    .unwrap_or_default();
                let urn = s.clone();
                (sort, MetadataSubject { urn, name, links })
            })
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items.into_iter().map(|(_, v)| v).collect()
    };
    ServiceResourceMetadataItem {
        service_resource: MetadataServiceResource {
            resource_type: known.map(|r| r.resource_type),
            status: if known.is_some() { "Completed" } else { "" },
            is_delegable: known.is_some(),
            minimum_authentication_level: known.map_or(
                dp_authz::registry::DEFAULT_MINIMUM_AUTHENTICATION_LEVEL,
                |r| r.minimum_authentication_level,
            ),
            name,
            links: Links {
                metadata: format!("{ALTINN_BASE_URL}resourceregistry/api/v1/resource/{id}"),
            },
            id,
        },
        roles: items("urn:altinn:rolecode:"),
        access_packages: items("urn:altinn:accesspackage:"),
        service_owner: MetadataServiceOwner {
            org_number: owner.map(|o| o.org_number.as_str()).unwrap_or_default(),
            code,
            name: owner_name,
        },
    }
}

/// The `party` values of the query, blank ones included (a blank filter is an invalid one, not
/// an absent one: DP's `SearchAuthorizedServiceResourcesQueryValidator`).
fn party_filter(raw: Option<&str>) -> Option<Vec<String>> {
    let values: Vec<String> = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key.eq_ignore_ascii_case("party"))
        .map(|(_, value)| value.into_owned())
        .collect();
    (!values.is_empty()).then_some(values)
}

/// `GET /api/v1/enduser/serviceresources?party=`
pub async fn service_resources(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let filter = party_filter(raw.as_deref());
    let referenced = queries::service_resources(&state, &caller.principal, filter).await?;
    let mut items: Vec<(String, ServiceResourceMetadataItem)> = referenced
        .iter()
        .map(|resource| {
            let item = resource_item(&state.registry, resource, &languages);
            let sort = item
                .service_resource
                .name
                .first()
                .map(|l| l.value.to_lowercase())
                .unwrap_or_default();
            (sort, item)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let items = items.into_iter().map(|(_, item)| item).collect();
    Ok(ok_json(&Items { items }, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_metadata_has_names_and_links() {
        use serde_json::json;
        let json = |name: &[Localization]| serde_json::to_value(name).expect("json");
        let (name, links) = subject_metadata("urn:altinn:rolecode:DAGL", &["en".into()]);
        assert_eq!(
            json(&name),
            json!([{ "languageCode": "en", "value": "Managing director" }])
        );
        assert!(links.metadata.starts_with(
            "https://platform.tt02.altinn.no/accessmanagement/api/v1/meta/info/roles/"
        ));
        let (name, _) = subject_metadata("urn:altinn:accesspackage:skatt-naering", &[]);
        assert_eq!(
            json(&name),
            json!([{ "languageCode": "nb", "value": "skatt-naering" }])
        );
    }
}
