//! The registry document and its validated, indexed form.
//!
//! The document is what `dialogporten serve --registry FILE` reads (JSON, camelCase): service
//! owners (org code, org number, names), service resources (identifier without the
//! `urn:altinn:resource:` prefix, type, owning org code, minimum authentication level, rules
//! granting actions to role subjects), parties with display names, and role assignments. The
//! built-in demo registry is `demo-registry.json` beside this file.
//!
//! Ownership follows authz.md §2.2: a resource belongs to the service owner whose org code the
//! resource names; the token's consumer org number finds the service owner.

use std::collections::{BTreeMap, HashMap};

use dp_domain::{OrganizationNumber, PartyIdentifier};
use serde::{Deserialize, Serialize};

/// The prefix Dialogporten puts before resource identifiers.
pub const RESOURCE_PREFIX: &str = "urn:altinn:resource:";
/// Altinn's default minimum authentication level for a resource (auth.md §6.5).
pub const DEFAULT_MINIMUM_AUTHENTICATION_LEVEL: u8 = 3;

/// Resource types Dialogporten supports (DP `Constants.SupportedResourceTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceType {
    GenericAccessResource,
    AltinnApp,
    MigratedApp,
    CorrespondenceService,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceOwner {
    pub org_code: String,
    pub org_number: String,
    /// Display names by language code (`nb`, `nn`, `en`).
    pub name: BTreeMap<String, String>,
}

impl ServiceOwner {
    /// The name to show for the service owner as an actor: Norwegian bokmål, else the first
    /// language given.
    pub fn display_name(&self) -> Option<&str> {
        self.name
            .get("nb")
            .or_else(|| self.name.values().next())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// `urn:altinn:rolecode:<code>` (lower-case code) or `urn:altinn:accesspackage:<code>`.
    pub subjects: Vec<String>,
    /// Actions such as `read`, `write`, `transmissionread`.
    pub actions: Vec<String>,
    /// Attributes the request must carry for the rule to apply (e.g. `urn:altinn:subresource`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceResource {
    /// Without the `urn:altinn:resource:` prefix, lower case.
    pub identifier: String,
    pub resource_type: ResourceType,
    /// Org code of the owning service owner.
    pub owner: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub title: BTreeMap<String, String>,
    #[serde(default = "default_level")]
    pub minimum_authentication_level: u8,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

fn default_level() -> u8 {
    DEFAULT_MINIMUM_AUTHENTICATION_LEVEL
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Party {
    /// `urn:altinn:person:identifier-no:…` or `urn:altinn:organization:identifier-no:…`.
    pub identifier: String,
    pub name: String,
    /// For a sub-unit: the main unit's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleAssignment {
    /// The party the role is held on.
    pub from: String,
    /// The party holding the role.
    pub to: String,
    /// Legacy role code, e.g. `DAGL`, `PRIV`.
    pub role: String,
}

/// A system user (authz.md §4): acts for its owning organisation with the rights delegated to
/// it (resources, access packages), never roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemUser {
    /// The system user's UUID (`urn:altinn:systemuser:uuid:<id>`).
    pub id: String,
    /// The owning organisation's party identifier.
    pub owner: String,
    /// The vendor's system (`<vendor>_<name>`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system_id: String,
    /// The vendor's organisation number (the token's `consumer`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vendor_org_number: String,
    pub name: String,
}

/// An access package held on a party (`urn:altinn:accesspackage:<package>` in rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageAssignment {
    pub from: String,
    /// A party or `urn:altinn:systemuser:uuid:<id>`.
    pub to: String,
    pub package: String,
}

/// A resource right delegated directly (Altinn's resource delegation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceDelegation {
    pub from: String,
    pub to: String,
    /// Resource identifier, with or without the `urn:altinn:resource:` prefix.
    pub resource: String,
    /// The delegated actions; absent means every action of the resource's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
}

/// A right on one instance: `urn:altinn:dialog-id:<uuid>`, `urn:altinn:instance-id:<partyId>/<uuid>`
/// or `urn:altinn:correspondence-id:<uuid>` (authz.md §3.4 step 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceDelegation {
    pub from: String,
    pub to: String,
    pub resource: String,
    pub instance_ref: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
}

/// An API scope delegated by a consumer organisation to a supplier (Altinn's API delegation of a
/// `MaskinportenSchema` resource, auth.md §2.5): the supplier's Maskinporten client may then ask
/// for these scopes with `consumer_org` = the consumer, and its token names the consumer as
/// `consumer` and the supplier as `supplier`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiScopeDelegation {
    /// The consumer's organisation number (e.g. the service owner's).
    pub from: String,
    /// The supplier's organisation number (the vendor whose client asks for tokens).
    pub to: String,
    /// The delegated Maskinporten scopes.
    pub scopes: Vec<String>,
}

/// The registry file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryDocument {
    #[serde(default)]
    pub service_owners: Vec<ServiceOwner>,
    #[serde(default)]
    pub resources: Vec<ServiceResource>,
    #[serde(default)]
    pub parties: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_users: Vec<SystemUser>,
    #[serde(default)]
    pub roles: Vec<RoleAssignment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageAssignment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_delegations: Vec<ResourceDelegation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_delegations: Vec<InstanceDelegation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_scope_delegations: Vec<ApiScopeDelegation>,
}

/// The prefix of system-user subjects.
pub const SYSTEM_USER_PREFIX: &str = "urn:altinn:systemuser:uuid:";

/// What is wrong with a registry document, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("the registry is not valid JSON: {0}")]
    Json(String),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> RegistryError {
    RegistryError::Invalid {
        path: path.into(),
        message: message.into(),
    }
}

impl RegistryDocument {
    /// The built-in demo registry (issue 3).
    pub fn demo() -> Self {
        // The demo file is part of the build and checked by a unit test.
        serde_json::from_str(include_str!("demo-registry.json")).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, RegistryError> {
        serde_json::from_str(text).map_err(|e| RegistryError::Json(e.to_string()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A validated registry with lookups by org number, org code, resource and party.
#[derive(Debug, Clone)]
pub struct Registry {
    document: RegistryDocument,
    owner_by_org_number: HashMap<String, usize>,
    owner_by_code: HashMap<String, usize>,
    resource_by_id: HashMap<String, usize>,
    party_by_id: HashMap<String, usize>,
    system_user_by_id: HashMap<String, usize>,
    /// Assignments by their holder (lower case): a subject's rights are found without scanning
    /// every assignment (generated registries hold hundreds of thousands; authz.md §6.2 runs
    /// on every end-user request).
    held_by: HashMap<String, HeldRights>,
    /// Sub-units by the identifier of their main unit.
    sub_units_by_parent: HashMap<String, Vec<usize>>,
}

/// Positions in the document's assignment lists of what one subject holds.
#[derive(Debug, Clone, Default)]
struct HeldRights {
    roles: Vec<usize>,
    packages: Vec<usize>,
    resource_delegations: Vec<usize>,
    instance_delegations: Vec<usize>,
}

impl Registry {
    /// Validates `document`: valid org numbers and party identifiers, unique keys, resources
    /// owned by a listed service owner, role assignments between listed parties.
    pub fn new(document: RegistryDocument) -> Result<Self, RegistryError> {
        let mut owner_by_org_number = HashMap::new();
        let mut owner_by_code = HashMap::new();
        for (i, owner) in document.service_owners.iter().enumerate() {
            let path = format!("serviceOwners[{i}]");
            OrganizationNumber::parse(&owner.org_number).map_err(|e| {
                invalid(
                    format!("{path}.orgNumber"),
                    format!("{:?} is not an organisation number: {e}", owner.org_number),
                )
            })?;
            if owner.org_code.is_empty()
                || owner
                    .org_code
                    .chars()
                    .any(|c| !c.is_ascii_lowercase() && !c.is_ascii_digit())
            {
                return Err(invalid(
                    format!("{path}.orgCode"),
                    "must be lower-case letters and digits",
                ));
            }
            if owner_by_org_number
                .insert(owner.org_number.clone(), i)
                .is_some()
            {
                return Err(invalid(format!("{path}.orgNumber"), "listed twice"));
            }
            if owner_by_code.insert(owner.org_code.clone(), i).is_some() {
                return Err(invalid(format!("{path}.orgCode"), "listed twice"));
            }
        }
        let mut resource_by_id = HashMap::new();
        for (i, resource) in document.resources.iter().enumerate() {
            let path = format!("resources[{i}]");
            let id = &resource.identifier;
            if id.is_empty()
                || id.starts_with(RESOURCE_PREFIX)
                || id
                    .chars()
                    .any(|c| c.is_ascii_uppercase() || c.is_whitespace())
            {
                return Err(invalid(
                    format!("{path}.identifier"),
                    "must be lower case, without spaces and without the urn:altinn:resource: prefix",
                ));
            }
            if !owner_by_code.contains_key(&resource.owner) {
                return Err(invalid(
                    format!("{path}.owner"),
                    format!("{:?} is not a listed service owner", resource.owner),
                ));
            }
            if resource.minimum_authentication_level > 4 {
                return Err(invalid(
                    format!("{path}.minimumAuthenticationLevel"),
                    "must be 0 to 4",
                ));
            }
            if resource_by_id.insert(id.clone(), i).is_some() {
                return Err(invalid(format!("{path}.identifier"), "listed twice"));
            }
        }
        let mut party_by_id = HashMap::new();
        for (i, party) in document.parties.iter().enumerate() {
            let path = format!("parties[{i}].identifier");
            if matches!(
                PartyIdentifier::parse(&party.identifier),
                Err(_) | Ok(PartyIdentifier::SystemUser(_))
            ) {
                return Err(invalid(
                    path,
                    format!(
                        "{:?} is not a person, organisation or e-mail user identifier",
                        party.identifier
                    ),
                ));
            }
            if party_by_id.insert(party.identifier.clone(), i).is_some() {
                return Err(invalid(path, "listed twice"));
            }
        }
        for (i, party) in document.parties.iter().enumerate() {
            if let Some(parent) = &party.parent
                && !party_by_id.contains_key(parent)
            {
                return Err(invalid(
                    format!("parties[{i}].parent"),
                    format!("{parent:?} is not a listed party"),
                ));
            }
        }
        let mut system_user_by_id = HashMap::new();
        for (i, user) in document.system_users.iter().enumerate() {
            let path = format!("systemUsers[{i}]");
            let id = uuid::Uuid::parse_str(&user.id)
                .map_err(|_| invalid(format!("{path}.id"), "must be a UUID"))?;
            if id.hyphenated().to_string() != user.id {
                return Err(invalid(
                    format!("{path}.id"),
                    "must be a lower-case hyphenated UUID",
                ));
            }
            if !party_by_id.contains_key(&user.owner) {
                return Err(invalid(
                    format!("{path}.owner"),
                    format!("{:?} is not a listed party", user.owner),
                ));
            }
            if !user.vendor_org_number.is_empty() {
                OrganizationNumber::parse(&user.vendor_org_number)
                    .map_err(|e| invalid(format!("{path}.vendorOrgNumber"), e.to_string()))?;
            }
            if system_user_by_id
                .insert(format!("{SYSTEM_USER_PREFIX}{}", user.id), i)
                .is_some()
            {
                return Err(invalid(format!("{path}.id"), "listed twice"));
            }
        }
        // `from` is always a party; `to` a party or a system user.
        let check_edge =
            |path: String, from: &str, to: &str, system_users: bool| -> Result<(), RegistryError> {
                if !party_by_id.contains_key(from) {
                    return Err(invalid(
                        format!("{path}.from"),
                        format!("{from:?} is not a listed party"),
                    ));
                }
                let known = party_by_id.contains_key(to)
                    || (system_users && system_user_by_id.contains_key(to));
                if !known {
                    let kinds = if system_users {
                        "party or system user"
                    } else {
                        "party (system users hold no roles)"
                    };
                    return Err(invalid(
                        format!("{path}.to"),
                        format!("{to:?} is not a listed {kinds}"),
                    ));
                }
                Ok(())
            };
        for (i, role) in document.roles.iter().enumerate() {
            check_edge(format!("roles[{i}]"), &role.from, &role.to, false)?;
            if role.role.is_empty() {
                return Err(invalid(format!("roles[{i}].role"), "must not be empty"));
            }
        }
        for (i, package) in document.packages.iter().enumerate() {
            check_edge(format!("packages[{i}]"), &package.from, &package.to, true)?;
            if package.package.is_empty() {
                return Err(invalid(
                    format!("packages[{i}].package"),
                    "must not be empty",
                ));
            }
        }
        let known_resource = |id: &str| {
            let lower = id.to_lowercase();
            resource_by_id.contains_key(lower.strip_prefix(RESOURCE_PREFIX).unwrap_or(&lower))
        };
        for (i, d) in document.resource_delegations.iter().enumerate() {
            let path = format!("resourceDelegations[{i}]");
            check_edge(path.clone(), &d.from, &d.to, true)?;
            if !known_resource(&d.resource) {
                return Err(invalid(
                    format!("{path}.resource"),
                    format!("{:?} is not a listed resource", d.resource),
                ));
            }
        }
        for (i, d) in document.instance_delegations.iter().enumerate() {
            let path = format!("instanceDelegations[{i}]");
            check_edge(path.clone(), &d.from, &d.to, true)?;
            if !known_resource(&d.resource) {
                return Err(invalid(
                    format!("{path}.resource"),
                    format!("{:?} is not a listed resource", d.resource),
                ));
            }
            let reference = d.instance_ref.to_lowercase();
            let valid = [
                "urn:altinn:dialog-id:",
                "urn:altinn:correspondence-id:",
                "urn:altinn:instance-id:",
            ]
            .iter()
            .any(|prefix| reference.starts_with(prefix));
            if !valid {
                return Err(invalid(
                    format!("{path}.instanceRef"),
                    "must be urn:altinn:dialog-id:…, urn:altinn:instance-id:… or urn:altinn:correspondence-id:…",
                ));
            }
        }
        let mut delegation_pairs = std::collections::HashSet::new();
        for (i, d) in document.api_scope_delegations.iter().enumerate() {
            let path = format!("apiScopeDelegations[{i}]");
            for (field, value) in [("from", &d.from), ("to", &d.to)] {
                OrganizationNumber::parse(value).map_err(|e| {
                    invalid(
                        format!("{path}.{field}"),
                        format!("{value:?} is not an organisation number: {e}"),
                    )
                })?;
            }
            if d.from == d.to {
                return Err(invalid(
                    format!("{path}.to"),
                    "an organisation cannot delegate to itself",
                ));
            }
            if d.scopes.is_empty() {
                return Err(invalid(format!("{path}.scopes"), "must not be empty"));
            }
            for (j, scope) in d.scopes.iter().enumerate() {
                if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(invalid(
                        format!("{path}.scopes[{j}]"),
                        format!("{scope:?} is not a scope (non-empty, no spaces)"),
                    ));
                }
            }
            if !delegation_pairs.insert((d.from.as_str(), d.to.as_str())) {
                return Err(invalid(
                    path,
                    "listed twice for the same from and to; list every scope in one entry",
                ));
            }
        }
        let (held_by, sub_units_by_parent) = Self::holder_indexes(&document);
        Ok(Self {
            document,
            owner_by_org_number,
            owner_by_code,
            resource_by_id,
            party_by_id,
            system_user_by_id,
            held_by,
            sub_units_by_parent,
        })
    }

    #[allow(clippy::type_complexity)]
    fn holder_indexes(
        document: &RegistryDocument,
    ) -> (HashMap<String, HeldRights>, HashMap<String, Vec<usize>>) {
        let mut held_by: HashMap<String, HeldRights> = HashMap::new();
        for (i, role) in document.roles.iter().enumerate() {
            held_by
                .entry(role.to.to_lowercase())
                .or_default()
                .roles
                .push(i);
        }
        for (i, package) in document.packages.iter().enumerate() {
            held_by
                .entry(package.to.to_lowercase())
                .or_default()
                .packages
                .push(i);
        }
        for (i, delegation) in document.resource_delegations.iter().enumerate() {
            held_by
                .entry(delegation.to.to_lowercase())
                .or_default()
                .resource_delegations
                .push(i);
        }
        for (i, delegation) in document.instance_delegations.iter().enumerate() {
            held_by
                .entry(delegation.to.to_lowercase())
                .or_default()
                .instance_delegations
                .push(i);
        }
        let mut sub_units_by_parent: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, party) in document.parties.iter().enumerate() {
            if let Some(parent) = &party.parent {
                sub_units_by_parent
                    .entry(parent.clone())
                    .or_default()
                    .push(i);
            }
        }
        (held_by, sub_units_by_parent)
    }

    /// The role assignments held by `subject` (compared case-insensitively).
    pub fn roles_held_by(&self, subject: &str) -> impl Iterator<Item = &RoleAssignment> {
        self.held(subject, |h| &h.roles)
            .map(|i| &self.document.roles[i])
    }

    /// The access packages held by `subject`.
    pub fn packages_held_by(&self, subject: &str) -> impl Iterator<Item = &PackageAssignment> {
        self.held(subject, |h| &h.packages)
            .map(|i| &self.document.packages[i])
    }

    /// The resource delegations to `subject`.
    pub fn resource_delegations_to(
        &self,
        subject: &str,
    ) -> impl Iterator<Item = &ResourceDelegation> {
        self.held(subject, |h| &h.resource_delegations)
            .map(|i| &self.document.resource_delegations[i])
    }

    /// The instance delegations to `subject`.
    pub fn instance_delegations_to(
        &self,
        subject: &str,
    ) -> impl Iterator<Item = &InstanceDelegation> {
        self.held(subject, |h| &h.instance_delegations)
            .map(|i| &self.document.instance_delegations[i])
    }

    fn held(
        &self,
        subject: &str,
        list: fn(&HeldRights) -> &Vec<usize>,
    ) -> impl Iterator<Item = usize> + '_ {
        self.held_by
            .get(&subject.to_lowercase())
            .map(list)
            .into_iter()
            .flatten()
            .copied()
    }

    pub fn demo() -> Self {
        Self::new(RegistryDocument::demo()).unwrap_or_else(|_| Self::empty())
    }

    fn empty() -> Self {
        Self {
            document: RegistryDocument::default(),
            owner_by_org_number: HashMap::new(),
            owner_by_code: HashMap::new(),
            resource_by_id: HashMap::new(),
            party_by_id: HashMap::new(),
            system_user_by_id: HashMap::new(),
            held_by: HashMap::new(),
            sub_units_by_parent: HashMap::new(),
        }
    }

    pub fn document(&self) -> &RegistryDocument {
        &self.document
    }

    /// The service owner a consumer org number belongs to.
    pub fn service_owner_by_org_number(&self, org_number: &str) -> Option<&ServiceOwner> {
        self.owner_by_org_number
            .get(org_number)
            .map(|&i| &self.document.service_owners[i])
    }

    pub fn service_owner_by_code(&self, org_code: &str) -> Option<&ServiceOwner> {
        self.owner_by_code
            .get(org_code)
            .map(|&i| &self.document.service_owners[i])
    }

    /// A resource by identifier, with or without the `urn:altinn:resource:` prefix, case-insensitively
    /// (DP lower-cases resource ids).
    pub fn resource(&self, identifier: &str) -> Option<&ServiceResource> {
        let lower = identifier.to_lowercase();
        let bare = lower.strip_prefix(RESOURCE_PREFIX).unwrap_or(&lower);
        self.resource_by_id
            .get(bare)
            .map(|&i| &self.document.resources[i])
    }

    /// Whether the service owner with `org_number` owns `identifier`.
    pub fn owns(&self, org_number: &str, identifier: &str) -> bool {
        match (
            self.service_owner_by_org_number(org_number),
            self.resource(identifier),
        ) {
            (Some(owner), Some(resource)) => resource.owner == owner.org_code,
            _ => false,
        }
    }

    /// The resources owned by `org_number`, as `urn:altinn:resource:` ids.
    pub fn owned_resources(&self, org_number: &str) -> Vec<String> {
        let Some(owner) = self.service_owner_by_org_number(org_number) else {
            return Vec::new();
        };
        self.document
            .resources
            .iter()
            .filter(|r| r.owner == owner.org_code)
            .map(|r| format!("{RESOURCE_PREFIX}{}", r.identifier))
            .collect()
    }

    pub fn party(&self, identifier: &str) -> Option<&Party> {
        self.party_by_id
            .get(identifier)
            .map(|&i| &self.document.parties[i])
    }

    /// A system user by `urn:altinn:systemuser:uuid:<id>`.
    pub fn system_user(&self, urn: &str) -> Option<&SystemUser> {
        self.system_user_by_id
            .get(&urn.to_lowercase())
            .map(|&i| &self.document.system_users[i])
    }

    /// The scopes `consumer` (org number) has delegated to `supplier` (org number).
    pub fn delegated_scopes(&self, consumer: &str, supplier: &str) -> &[String] {
        self.document
            .api_scope_delegations
            .iter()
            .find(|d| d.from == consumer && d.to == supplier)
            .map_or(&[], |d| d.scopes.as_slice())
    }

    /// The system users owned by the party `owner` (`urn:altinn:organization:identifier-no:…`).
    pub fn system_users_owned_by<'a>(
        &'a self,
        owner: &'a str,
    ) -> impl Iterator<Item = &'a SystemUser> + 'a {
        self.document
            .system_users
            .iter()
            .filter(move |u| u.owner == owner)
    }

    /// The display name of a party or system user (Register's party-name lookup).
    pub fn name_of(&self, identifier: &str) -> Option<&str> {
        self.party(identifier)
            .map(|p| p.name.as_str())
            .or_else(|| self.system_user(identifier).map(|u| u.name.as_str()))
    }

    /// The name of an actor id (`performedBy`, `sender`), as the real service's actor-name
    /// lookup gives it: a registered party or system user by its name, a service owner's own
    /// organisation by the service owner's name, and a legacy self-identified user by the
    /// username in lower case (the real service:
    /// `Digdir.Domain.Dialogporten.Infrastructure/Persistence/Interceptors/PopulateActorNameInterceptor.cs`
    /// with `PartyNameRegistryClient`). `None` when nobody can name it.
    pub fn actor_name(&self, actor_id: &str) -> Option<String> {
        let id = actor_id.to_lowercase();
        if let Some(name) = self.name_of(&id) {
            return Some(name.to_owned());
        }
        if let Some(org_number) = id.strip_prefix("urn:altinn:organization:identifier-no:")
            && let Some(owner) = self.service_owner_by_org_number(org_number)
        {
            return owner.display_name().map(str::to_owned);
        }
        id.strip_prefix("urn:altinn:person:legacy-selfidentified:")
            .filter(|username| !username.is_empty())
            .map(str::to_owned)
    }

    /// The sub-units of a main unit.
    pub fn sub_units(&self, identifier: &str) -> impl Iterator<Item = &Party> {
        self.sub_units_by_parent
            .get(identifier)
            .into_iter()
            .flatten()
            .map(|&i| &self.document.parties[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_registry_is_valid_and_has_what_issue_3_lists() {
        let text = include_str!("demo-registry.json");
        let document = RegistryDocument::from_json(text).expect("the demo file parses");
        let registry = Registry::new(document).expect("the demo registry is valid");
        assert_eq!(
            registry
                .service_owner_by_org_number("991825827")
                .map(|o| o.org_code.as_str()),
            Some("ttd")
        );
        assert_eq!(
            registry
                .service_owner_by_code("brg")
                .map(|o| o.org_number.as_str()),
            Some("974760673")
        );
        assert!(registry.owns(
            "991825827",
            "urn:altinn:resource:ttd-dialogporten-automated-tests"
        ));
        assert!(registry.owns("991825827", "super-simple-service"));
        assert_eq!(
            registry
                .resource("ttd-dialogporten-automated-tests-correspondence")
                .map(|r| r.resource_type),
            Some(ResourceType::CorrespondenceService)
        );
        assert!(registry.owns("974760673", "brg-dialogporten-automated-tests"));
        assert!(!registry.owns("974760673", "super-simple-service"));
        assert!(
            !registry.owns("310923044", "super-simple-service"),
            "not a service owner"
        );
        for owner in ["974761076", "889640782"] {
            assert_eq!(registry.owned_resources(owner).len(), 1);
        }
        assert_eq!(
            registry
                .party("urn:altinn:person:identifier-no:08844397713")
                .map(|p| p.name.as_str()),
            Some("UROMANTISK LITTERATUR")
        );
        assert!(registry.document().roles.iter().any(|r| r.role == "DAGL"
            && r.from == "urn:altinn:organization:identifier-no:310923044"
            && r.to == "urn:altinn:person:identifier-no:08844397713"));
        for resource in &registry.document().resources {
            let rule = &resource.rules[0];
            assert_eq!(rule.actions, ["read", "write", "transmissionread"]);
            assert!(
                rule.subjects
                    .contains(&"urn:altinn:rolecode:priv".to_owned())
            );
            assert!(
                rule.subjects
                    .contains(&"urn:altinn:rolecode:dagl".to_owned())
            );
        }
        assert_eq!(Registry::demo().document(), registry.document());
    }

    #[test]
    fn api_scope_delegations_are_validated_and_looked_up() {
        let registry = Registry::demo();
        assert_eq!(
            registry.delegated_scopes("991825827", "310923044"),
            [
                "digdir:dialogporten.serviceprovider",
                "digdir:dialogporten.serviceprovider.search"
            ]
        );
        assert!(
            registry
                .delegated_scopes("310923044", "991825827")
                .is_empty()
        );
        let bad = |change: &dyn Fn(&mut ApiScopeDelegation)| {
            let mut document = RegistryDocument::demo();
            change(&mut document.api_scope_delegations[0]);
            match Registry::new(document) {
                Err(RegistryError::Invalid { path, .. }) => path,
                other => panic!("expected an invalid entry, got {other:?}"),
            }
        };
        assert_eq!(
            bad(&|d| d.from = "991825828".into()),
            "apiScopeDelegations[0].from"
        );
        assert_eq!(bad(&|d| d.to = "x".into()), "apiScopeDelegations[0].to");
        assert_eq!(bad(&|d| d.to = d.from.clone()), "apiScopeDelegations[0].to");
        assert_eq!(bad(&|d| d.scopes.clear()), "apiScopeDelegations[0].scopes");
        assert_eq!(
            bad(&|d| d.scopes.push("a b".into())),
            "apiScopeDelegations[0].scopes[2]"
        );
        let mut document = RegistryDocument::demo();
        let twice = document.api_scope_delegations[0].clone();
        document.api_scope_delegations.push(twice);
        assert!(
            matches!(Registry::new(document), Err(RegistryError::Invalid { path, .. }) if path == "apiScopeDelegations[1]")
        );
    }

    #[test]
    fn invalid_documents_name_the_entry() {
        let mut document = RegistryDocument::demo();
        document.service_owners[0].org_number = "991825828".into();
        assert!(
            matches!(Registry::new(document), Err(RegistryError::Invalid { path, .. }) if path == "serviceOwners[0].orgNumber")
        );
        let mut document = RegistryDocument::demo();
        document.resources[1].owner = "nope".into();
        assert!(
            matches!(Registry::new(document), Err(RegistryError::Invalid { path, .. }) if path == "resources[1].owner")
        );
        let mut document = RegistryDocument::demo();
        document.roles[0].to = "urn:altinn:person:identifier-no:03886595947x".into();
        assert!(
            matches!(Registry::new(document), Err(RegistryError::Invalid { path, .. }) if path == "roles[0].to")
        );
        assert!(matches!(
            RegistryDocument::from_json("{\"unknown\": 1}"),
            Err(RegistryError::Json(_))
        ));
        let round_trip =
            RegistryDocument::from_json(&RegistryDocument::demo().to_json()).expect("round trip");
        assert_eq!(round_trip, RegistryDocument::demo());
    }
}
