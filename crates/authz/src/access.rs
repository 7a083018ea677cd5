//! The two questions Dialogporten asks Altinn Authorization, behind traits shaped like the real
//! contracts (authz.md §6.3), and the embedded answers computed from the registry (§6.2).
//!
//! * [`AccessManagement::authorized_parties`]: Access Management's
//!   `POST accessmanagement/api/v1/resourceowner/authorizedparties`; the DTO is wire-identical
//!   (camelCase, AM's `type` strings), so an HTTP adapter can deserialize the real answer into it.
//! * [`Pdp::authorize`]: the PDP's `POST authorization/api/v1/authorize`, one decision per
//!   request in order (positional, as Dialogporten maps them, authz.md §3.5). The requests are
//!   typed here; an adapter renders them as the XACML JSON multi-request of §3.5.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::registry::{RESOURCE_PREFIX, Registry, ResourceType, SYSTEM_USER_PREFIX};

/// `AuthorizedInstanceDto`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedInstance {
    /// Resource id without prefix.
    pub resource_id: String,
    pub instance_id: String,
    pub instance_ref: String,
}

/// `AuthorizedPartiesResultDto` (authz.md §3.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizedPartyDto {
    pub party_uuid: String,
    pub name: String,
    pub organization_number: Option<String>,
    pub parent_id: Option<String>,
    pub person_id: Option<String>,
    pub date_of_birth: Option<String>,
    pub party_id: i64,
    pub email_id: Option<String>,
    /// `Person`, `Organization` or `SelfIdentified`.
    #[serde(rename = "type")]
    pub party_type: String,
    pub unit_type: Option<String>,
    pub is_deleted: bool,
    pub only_hierarchy_element_with_no_access: bool,
    pub authorized_access_packages: Vec<String>,
    pub authorized_resources: Vec<String>,
    pub authorized_roles: Vec<String>,
    pub authorized_instances: Vec<AuthorizedInstance>,
    pub subunits: Vec<AuthorizedPartyDto>,
}

impl AuthorizedPartyDto {
    /// The party as Dialogporten names it (authz.md §3.2 mapping).
    pub fn party_urn(&self) -> String {
        match self.party_type.as_str() {
            "Organization" => format!(
                "urn:altinn:organization:identifier-no:{}",
                self.organization_number.as_deref().unwrap_or_default()
            ),
            "Person" => format!(
                "urn:altinn:person:identifier-no:{}",
                self.person_id.as_deref().unwrap_or_default()
            ),
            _ => match &self.email_id {
                Some(email) => format!("urn:altinn:person:idporten-email:{}", email.to_lowercase()),
                None => format!(
                    "urn:altinn:person:legacy-selfidentified:{}",
                    self.name.to_lowercase()
                ),
            },
        }
    }
}

/// The include flags and party filter of an authorized-parties request.
#[derive(Debug, Clone, Default)]
pub struct AuthorizedPartiesRequest {
    /// The end user: `urn:altinn:person:identifier-no:…`, `urn:altinn:systemuser:uuid:…` or
    /// `urn:altinn:person:idporten-email:…`.
    pub subject: String,
    pub include_roles: bool,
    pub include_access_packages: bool,
    pub include_resources: bool,
    pub include_instances: bool,
    /// Party URNs; empty = no filter.
    pub party_filter: Vec<String>,
}

impl AuthorizedPartiesRequest {
    /// The search/lookup shape: all flags on (authz.md §3.1).
    pub fn everything(subject: &str, party_filter: Vec<String>) -> Self {
        Self {
            subject: subject.to_owned(),
            include_roles: true,
            include_access_packages: true,
            include_resources: true,
            include_instances: true,
            party_filter,
        }
    }
}

pub trait AccessManagement: Send + Sync {
    fn authorized_parties(&self, request: &AuthorizedPartiesRequest) -> Vec<AuthorizedPartyDto>;
}

/// One decision request: may `subject` do `action` on `resource` for `party`, on the
/// subresource named by `attribute` (`main` or an authorization attribute)?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    pub subject: String,
    /// `urn:altinn:resource:<id>`
    pub resource: String,
    pub party: String,
    /// `urn:altinn:resource:instance-id` of the request, lower case.
    pub instance_ref: Option<String>,
    /// `main`, a bare subresource name or an `urn:altinn:…:<value>` attribute.
    pub attribute: String,
    pub action: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Permit,
    Deny,
    NotApplicable,
    Indeterminate,
}

pub trait Pdp: Send + Sync {
    /// One decision per request, in request order.
    fn authorize(&self, requests: &[DecisionRequest]) -> Vec<Decision>;
}

/// Rights held on one party: role codes (upper case), packages, delegated resources (with
/// their actions, `None` = all) and delegated instances.
#[derive(Debug, Clone, Default)]
struct Rights {
    roles: BTreeSet<String>,
    packages: BTreeSet<String>,
    resources: BTreeMap<String, Option<BTreeSet<String>>>,
    instances: Vec<(String, String, Option<BTreeSet<String>>)>,
}

impl Rights {
    fn is_empty(&self) -> bool {
        self.roles.is_empty()
            && self.packages.is_empty()
            && self.resources.is_empty()
            && self.instances.is_empty()
    }

    fn merge(&mut self, other: &Rights) {
        self.roles.extend(other.roles.iter().cloned());
        self.packages.extend(other.packages.iter().cloned());
        for (resource, actions) in &other.resources {
            match (self.resources.get_mut(resource), actions) {
                (Some(mine), Some(theirs)) => {
                    if let Some(mine) = mine {
                        mine.extend(theirs.iter().cloned());
                    }
                }
                (Some(mine), None) => *mine = None,
                (None, _) => {
                    self.resources.insert(resource.clone(), actions.clone());
                }
            }
        }
        self.instances.extend(other.instances.iter().cloned());
    }

    /// The rule subjects these rights match: `urn:altinn:rolecode:<lower>` and
    /// `urn:altinn:accesspackage:<lower>`.
    fn subjects(&self) -> BTreeSet<String> {
        self.roles
            .iter()
            .map(|r| format!("urn:altinn:rolecode:{}", r.to_lowercase()))
            .chain(
                self.packages
                    .iter()
                    .map(|p| format!("urn:altinn:accesspackage:{}", p.to_lowercase())),
            )
            .collect()
    }
}

fn bare_resource(id: &str) -> String {
    let lower = id.to_lowercase();
    lower
        .strip_prefix(RESOURCE_PREFIX)
        .unwrap_or(&lower)
        .to_owned()
}

fn action_set(actions: &Option<Vec<String>>) -> Option<BTreeSet<String>> {
    actions
        .as_ref()
        .map(|a| a.iter().map(|s| s.to_lowercase()).collect())
}

/// A stable 64-bit FNV-1a hash: synthetic party ids and uuids that do not change between runs.
fn fnv(seed: u64, text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325 ^ seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Where the embedded authorization reads the registry from: the one current for this
/// request (the server's live registry, refreshed per request from the store's revision).
pub trait RegistrySource: Send + Sync {
    fn registry(&self) -> std::sync::Arc<Registry>;
}

/// The embedded Altinn Authorization as an injected service: built once in the binary and
/// handed to the application as `Arc<dyn AccessManagement>` and `Arc<dyn Pdp>`, so a real
/// Altinn adapter can take its place. Each call answers from the registry current at that
/// moment; the registry's holder and sub-unit indexes (the rule index) are built once per
/// registry revision, when the registry is loaded, not per request.
pub struct RegistryAuthorization {
    source: std::sync::Arc<dyn RegistrySource>,
}

impl RegistryAuthorization {
    pub fn new(source: std::sync::Arc<dyn RegistrySource>) -> Self {
        Self { source }
    }
}

impl AccessManagement for RegistryAuthorization {
    fn authorized_parties(&self, request: &AuthorizedPartiesRequest) -> Vec<AuthorizedPartyDto> {
        EmbeddedAuthorization::new(&self.source.registry()).authorized_parties(request)
    }
}

impl Pdp for RegistryAuthorization {
    fn authorize(&self, requests: &[DecisionRequest]) -> Vec<Decision> {
        EmbeddedAuthorization::new(&self.source.registry()).authorize(requests)
    }
}

/// The embedded Altinn Authorization: Access Management and PDP over the registry.
pub struct EmbeddedAuthorization<'a> {
    registry: &'a Registry,
}

impl<'a> EmbeddedAuthorization<'a> {
    pub fn new(registry: &'a Registry) -> Self {
        Self { registry }
    }

    /// Every right `subject` holds, by the party it is held on; sub-units inherit from their
    /// main unit (authz.md §6.2). A person or e-mail user holds PRIV on their own party.
    fn rights_by_party(&self, subject: &str) -> BTreeMap<String, Rights> {
        let subject = subject.to_lowercase();
        let mut direct: BTreeMap<String, Rights> = BTreeMap::new();
        if !subject.starts_with(SYSTEM_USER_PREFIX) && self.registry.party(&subject).is_some() {
            direct
                .entry(subject.clone())
                .or_default()
                .roles
                .insert("PRIV".into());
        }
        for role in self.registry.roles_held_by(&subject) {
            direct
                .entry(role.from.clone())
                .or_default()
                .roles
                .insert(role.role.to_uppercase());
        }
        for package in self.registry.packages_held_by(&subject) {
            direct
                .entry(package.from.clone())
                .or_default()
                .packages
                .insert(package.package.to_lowercase());
        }
        for d in self.registry.resource_delegations_to(&subject) {
            let rights = direct.entry(d.from.clone()).or_default();
            let single = Rights {
                resources: BTreeMap::from([(bare_resource(&d.resource), action_set(&d.actions))]),
                ..Rights::default()
            };
            rights.merge(&single);
        }
        for d in self.registry.instance_delegations_to(&subject) {
            direct.entry(d.from.clone()).or_default().instances.push((
                bare_resource(&d.resource),
                d.instance_ref.to_lowercase(),
                action_set(&d.actions),
            ));
        }
        // Sub-units inherit what is held on their main unit.
        let mut all = direct.clone();
        for (party, rights) in &direct {
            for unit in self.registry.sub_units(party) {
                all.entry(unit.identifier.clone())
                    .or_default()
                    .merge(rights);
            }
        }
        all.retain(|_, r| !r.is_empty());
        all
    }

    fn party_dto(
        &self,
        identifier: &str,
        rights: &Rights,
        request: &AuthorizedPartiesRequest,
    ) -> AuthorizedPartyDto {
        let registry = self.registry;
        let party = registry.party(identifier);
        let name = party.map(|p| p.name.clone()).unwrap_or_default();
        let (party_type, organization_number, person_id, email_id) = if let Some(org) =
            identifier.strip_prefix("urn:altinn:organization:identifier-no:")
        {
            ("Organization", Some(org.to_owned()), None, None)
        } else if let Some(pid) = identifier.strip_prefix("urn:altinn:person:identifier-no:") {
            ("Person", None, Some(pid.to_owned()), None)
        } else if let Some(email) = identifier.strip_prefix("urn:altinn:person:idporten-email:") {
            ("SelfIdentified", None, None, Some(email.to_owned()))
        } else {
            ("SelfIdentified", None, None, None)
        };
        let uuid = u128::from(fnv(1, identifier)) << 64 | u128::from(fnv(2, identifier));
        let party_uuid = uuid::Uuid::from_u128(uuid).hyphenated().to_string();
        let party_id = i64::from((fnv(3, identifier) % 90_000_000) as u32) + 50_000_000;
        let parent_id = party.and_then(|p| p.parent.as_deref()).map(|parent| {
            let uuid = u128::from(fnv(1, parent)) << 64 | u128::from(fnv(2, parent));
            uuid::Uuid::from_u128(uuid).hyphenated().to_string()
        });
        AuthorizedPartyDto {
            party_uuid,
            name,
            organization_number,
            parent_id,
            person_id,
            date_of_birth: None,
            party_id,
            email_id,
            party_type: party_type.to_owned(),
            unit_type: if party_type == "Organization" {
                Some(
                    if party.is_some_and(|p| p.parent.is_some()) {
                        "BEDR"
                    } else {
                        "AS"
                    }
                    .to_owned(),
                )
            } else {
                None
            },
            is_deleted: false,
            only_hierarchy_element_with_no_access: false,
            authorized_access_packages: if request.include_access_packages {
                rights.packages.iter().cloned().collect()
            } else {
                Vec::new()
            },
            authorized_resources: if request.include_resources {
                rights.resources.keys().cloned().collect()
            } else {
                Vec::new()
            },
            authorized_roles: if request.include_roles {
                rights.roles.iter().cloned().collect()
            } else {
                Vec::new()
            },
            authorized_instances: if request.include_instances {
                rights
                    .instances
                    .iter()
                    .map(|(resource, reference, _)| AuthorizedInstance {
                        resource_id: resource.clone(),
                        instance_id: reference
                            .rsplit(['/', ':'])
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                        instance_ref: reference.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            subunits: Vec::new(),
        }
    }

    /// Does a rule of `resource` grant `action` to one of `subjects`, with every attribute the
    /// rule constrains present in the request (`attributes`)?
    fn rule_permits(
        &self,
        resource: &str,
        subjects: &BTreeSet<String>,
        action: &str,
        attributes: &BTreeMap<String, String>,
    ) -> bool {
        let Some(resource) = self.registry.resource(resource) else {
            return false;
        };
        resource.rules.iter().any(|rule| {
            rule.subjects
                .iter()
                .any(|s| subjects.contains(&s.to_lowercase()))
                && rule.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
                && rule.resource_attributes.iter().all(|(id, value)| {
                    attributes
                        .get(&id.to_lowercase())
                        .is_some_and(|v| v.eq_ignore_ascii_case(value))
                })
        })
    }

    fn decide(
        &self,
        request: &DecisionRequest,
        rights_by_party: &BTreeMap<String, Rights>,
    ) -> Decision {
        let Some(rights) = rights_by_party.get(&request.party.to_lowercase()) else {
            return Decision::NotApplicable;
        };
        // The attribute split at its last ':' (default namespace urn:altinn:subresource); a
        // resource attribute is a separate-policy override (authz.md §3.5).
        let attribute = request.attribute.to_lowercase();
        let (attribute_id, attribute_value) = match attribute.rsplit_once(':') {
            Some((id, value)) => (id.to_owned(), value.to_owned()),
            None => ("urn:altinn:subresource".to_owned(), attribute.clone()),
        };
        let (resource, attributes) = if attribute_id == "urn:altinn:resource" {
            (attribute_value.clone(), BTreeMap::new())
        } else {
            (
                bare_resource(&request.resource),
                BTreeMap::from([(attribute_id, attribute_value)]),
            )
        };
        if self.registry.resource(&resource).is_none() {
            return Decision::NotApplicable;
        }
        let action = request.action.to_lowercase();
        let all_rule_actions = || -> BTreeSet<String> {
            self.registry
                .resource(&resource)
                .map(|r| {
                    r.rules
                        .iter()
                        .flat_map(|rule| rule.actions.iter().map(|a| a.to_lowercase()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let delegated = |actions: &Option<BTreeSet<String>>| match actions {
            Some(actions) => actions.contains(&action),
            None => all_rule_actions().contains(&action),
        };
        let by_rule = self.rule_permits(&resource, &rights.subjects(), &action, &attributes);
        let by_resource = rights.resources.get(&resource).is_some_and(delegated);
        let by_instance = request.instance_ref.as_deref().is_some_and(|reference| {
            rights
                .instances
                .iter()
                .any(|(r, i, actions)| *r == resource && i == reference && delegated(actions))
        });
        if by_rule || by_resource || by_instance {
            Decision::Permit
        } else {
            Decision::NotApplicable
        }
    }

    /// The resource types the registry knows (for the authorized-service-resources endpoint).
    pub fn resource_type(&self, resource: &str) -> Option<ResourceType> {
        self.registry.resource(resource).map(|r| r.resource_type)
    }
}

impl AccessManagement for EmbeddedAuthorization<'_> {
    fn authorized_parties(&self, request: &AuthorizedPartiesRequest) -> Vec<AuthorizedPartyDto> {
        let rights = self.rights_by_party(&request.subject);
        let subject = request.subject.to_lowercase();
        let mut top: BTreeMap<String, AuthorizedPartyDto> = BTreeMap::new();
        // Main units (and parties without a parent) first, sub-units nested under them.
        for (party, held) in &rights {
            let parent = self.registry.party(party).and_then(|p| p.parent.clone());
            if parent.is_none() {
                top.insert(party.clone(), self.party_dto(party, held, request));
            }
        }
        for (party, held) in &rights {
            let Some(parent) = self.registry.party(party).and_then(|p| p.parent.clone()) else {
                continue;
            };
            let dto = self.party_dto(party, held, request);
            let entry = top.entry(parent.clone()).or_insert_with(|| {
                let mut only = self.party_dto(&parent, &Rights::default(), request);
                only.only_hierarchy_element_with_no_access = true;
                only
            });
            entry.subunits.push(dto);
        }
        // The subject's own party comes first, as in AM.
        let mut parties: Vec<AuthorizedPartyDto> = Vec::new();
        if let Some(own) = top.remove(&subject) {
            parties.push(own);
        }
        parties.extend(top.into_values());
        if request.party_filter.is_empty() {
            return parties;
        }
        let filter: BTreeSet<String> = request
            .party_filter
            .iter()
            .map(|p| p.to_lowercase())
            .collect();
        parties
            .into_iter()
            .filter_map(|mut p| {
                p.subunits.retain(|s| filter.contains(&s.party_urn()));
                (filter.contains(&p.party_urn()) || !p.subunits.is_empty()).then_some(p)
            })
            .collect()
    }
}

impl Pdp for EmbeddedAuthorization<'_> {
    fn authorize(&self, requests: &[DecisionRequest]) -> Vec<Decision> {
        // A batch is usually one subject's decisions on one dialog: their rights are gathered
        // once per subject, not once per action.
        let mut rights: BTreeMap<&str, BTreeMap<String, Rights>> = BTreeMap::new();
        requests
            .iter()
            .map(|r| {
                let held = rights
                    .entry(r.subject.as_str())
                    .or_insert_with(|| self.rights_by_party(&r.subject));
                self.decide(r, held)
            })
            .collect()
    }
}
