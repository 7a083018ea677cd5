//! Dialogporten's side of end-user authorization (authz.md §3.4–3.7), on top of the two
//! Altinn contracts in [`crate::access`]: which (party, resource) pairs and instances a subject
//! may list, and which actions of one dialog the PDP permits.

use std::collections::{BTreeMap, BTreeSet};

use dp_domain::dialog::Dialog;

use crate::access::{
    AccessManagement, AuthorizedPartiesRequest, AuthorizedPartyDto, Decision, DecisionRequest, Pdp,
};
use crate::registry::{DEFAULT_MINIMUM_AUTHENTICATION_LEVEL, RESOURCE_PREFIX, Registry};

/// What a subject may list (authz.md §3.4): resources by party, plus instance references from
/// instance delegations (`urn:altinn:dialog-id:…`, `urn:altinn:instance-id:…`,
/// `urn:altinn:correspondence-id:…`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListAuthorization {
    pub resources_by_party: BTreeMap<String, BTreeSet<String>>,
    pub instance_refs: BTreeSet<String>,
}

impl ListAuthorization {
    pub fn is_empty(&self) -> bool {
        self.resources_by_party.is_empty() && self.instance_refs.is_empty()
    }

    /// `(party, resource)` pairs, for a search filter.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.resources_by_party
            .iter()
            .flat_map(|(party, resources)| {
                resources.iter().map(move |r| (party.clone(), r.clone()))
            })
            .collect()
    }

    /// `HasListAuthorizationForDialog` (authz.md §3.4).
    pub fn allows(&self, dialog: &Dialog) -> bool {
        self.resources_by_party
            .get(&dialog.party.to_lowercase())
            .is_some_and(|r| r.contains(&dialog.service_resource.to_lowercase()))
            || dialog_instance_refs(dialog)
                .iter()
                .any(|reference| self.instance_refs.contains(reference))
    }
}

/// The instance references a dialog answers to: its own id and its instance-id /
/// correspondence-id service-owner labels (authz.md §3.4 step 6, api.md §4.8).
pub fn dialog_instance_refs(dialog: &Dialog) -> Vec<String> {
    let mut refs = vec![format!("urn:altinn:dialog-id:{}", dialog.id)];
    for label in &dialog.service_owner_context.service_owner_labels {
        let label = label.to_lowercase();
        if let Some(rest) = label
            .strip_prefix("urn:altinn:integration:storage:")
            .or_else(|| label.strip_prefix("urn:altinn:instance-id:"))
        {
            refs.push(format!("urn:altinn:instance-id:{rest}"));
        } else if label.starts_with("urn:altinn:correspondence-id:") {
            refs.push(label);
        }
    }
    refs
}

fn flatten(parties: Vec<AuthorizedPartyDto>) -> Vec<AuthorizedPartyDto> {
    let mut flat = Vec::new();
    for mut party in parties {
        let subunits = std::mem::take(&mut party.subunits);
        flat.push(party);
        flat.extend(subunits);
    }
    flat
}

/// Subject (role/package URN) → resources, from every resource's rules: what Resource
/// Registry's `/resource/updated` feed gives DP (authz.md §3.8).
fn subject_resources(registry: &Registry) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in &registry.document().resources {
        for rule in &resource.rules {
            for subject in &rule.subjects {
                map.entry(subject.to_lowercase())
                    .or_default()
                    .insert(format!("{RESOURCE_PREFIX}{}", resource.identifier));
            }
        }
    }
    map
}

/// authz.md §3.4 steps 1–6 (pruning is not needed: the embedded store answers exactly).
pub fn list_authorization(
    access: &dyn AccessManagement,
    registry: &Registry,
    subject: &str,
    party_constraint: &[String],
    resource_constraint: &[String],
) -> ListAuthorization {
    let parties = flatten(
        access.authorized_parties(&AuthorizedPartiesRequest::everything(
            subject,
            party_constraint.to_vec(),
        )),
    );
    let party_constraint: BTreeSet<String> =
        party_constraint.iter().map(|p| p.to_lowercase()).collect();
    let resource_constraint: BTreeSet<String> = resource_constraint
        .iter()
        .map(|r| r.to_lowercase())
        .collect();
    let allowed =
        |resource: &str| resource_constraint.is_empty() || resource_constraint.contains(resource);
    let subjects = subject_resources(registry);
    let mut result = ListAuthorization::default();
    for party in parties {
        let urn = party.party_urn();
        if !party_constraint.is_empty() && !party_constraint.contains(&urn) {
            continue;
        }
        let mut resources = BTreeSet::new();
        let held = party
            .authorized_roles
            .iter()
            .map(|r| format!("urn:altinn:rolecode:{}", r.to_lowercase()))
            .chain(
                party
                    .authorized_access_packages
                    .iter()
                    .map(|p| format!("urn:altinn:accesspackage:{}", p.to_lowercase())),
            );
        for subject in held {
            for resource in subjects.get(&subject).into_iter().flatten() {
                if allowed(resource) {
                    resources.insert(resource.clone());
                }
            }
        }
        for resource in &party.authorized_resources {
            let urn = format!("{RESOURCE_PREFIX}{}", resource.to_lowercase());
            if allowed(&urn) {
                resources.insert(urn);
            }
        }
        for instance in &party.authorized_instances {
            let resource = format!("{RESOURCE_PREFIX}{}", instance.resource_id.to_lowercase());
            if allowed(&resource) && !instance.instance_ref.is_empty() {
                result
                    .instance_refs
                    .insert(instance.instance_ref.to_lowercase());
            }
        }
        if !resources.is_empty() {
            result
                .resources_by_party
                .entry(urn)
                .or_default()
                .extend(resources);
        }
    }
    result
}

/// `(action, attribute)` pairs the PDP is asked about for a dialog (authz.md §3.5): every API
/// and GUI action with its attribute (`main` when none), `read`/`transmissionread` for
/// transmissions with an attribute, and always `read` on main; distinct and sorted.
pub fn dialog_actions(dialog: &Dialog) -> Vec<(String, String)> {
    let mut actions: BTreeSet<(String, String)> = BTreeSet::new();
    for a in &dialog.api_actions {
        actions.insert((
            a.action.clone(),
            a.authorization_attribute
                .clone()
                .unwrap_or_else(|| "main".into()),
        ));
    }
    for a in &dialog.gui_actions {
        actions.insert((
            a.action.clone(),
            a.authorization_attribute
                .clone()
                .unwrap_or_else(|| "main".into()),
        ));
    }
    for t in &dialog.transmissions {
        if let Some(attribute) = &t.authorization_attribute {
            let action = if attribute.to_lowercase().starts_with(RESOURCE_PREFIX) {
                "read"
            } else {
                "transmissionread"
            };
            actions.insert((action.to_owned(), attribute.clone()));
        }
    }
    actions.insert(("read".into(), "main".into()));
    actions.into_iter().collect()
}

/// The PDP's answer for one dialog (authz.md §3.6).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailsAuthorization {
    /// Permitted `(action, attribute)` pairs; attribute `main` for the main resource.
    pub permitted: BTreeSet<(String, String)>,
}

impl DetailsAuthorization {
    /// Any permitted action on main (not only read).
    pub fn has_main_access(&self) -> bool {
        self.permitted
            .iter()
            .any(|(_, attribute)| attribute == "main")
    }

    /// DP's `HasAccessToAction`: without an attribute, some permitted action of that name and
    /// main access (authz.md §7.5: kept for parity); with one, the exact pair.
    pub fn has_access_to_action(&self, action: &str, attribute: Option<&str>) -> bool {
        match attribute {
            None => self.has_main_access() && self.permitted.iter().any(|(a, _)| a == action),
            Some(attribute) => self
                .permitted
                .contains(&(action.to_owned(), attribute.to_owned())),
        }
    }

    pub fn read_main(&self) -> bool {
        self.permitted
            .contains(&("read".to_owned(), "main".to_owned()))
    }

    /// A transmission is readable: main access without an attribute, else `transmissionread`
    /// or `read` on its attribute.
    pub fn transmission_authorized(&self, attribute: Option<&str>) -> bool {
        match attribute {
            None => self.has_main_access(),
            Some(attribute) => {
                self.has_access_to_action("transmissionread", Some(attribute))
                    || self.has_access_to_action("read", Some(attribute))
            }
        }
    }

    /// The dialog token's `a` claim entries: permitted pairs, `main` omitted.
    pub fn token_actions(&self) -> Vec<(String, Option<String>)> {
        self.permitted
            .iter()
            .map(|(action, attribute)| {
                (
                    action.clone(),
                    (attribute != "main").then(|| attribute.clone()),
                )
            })
            .collect()
    }
}

/// The instance reference the PDP is told about: an app instance label, then a correspondence
/// label, otherwise the dialog id (authz.md §3.5).
fn pdp_instance_ref(dialog: &Dialog) -> String {
    let refs = dialog_instance_refs(dialog);
    refs.iter()
        .find(|r| r.starts_with("urn:altinn:instance-id:"))
        .or_else(|| {
            refs.iter()
                .find(|r| r.starts_with("urn:altinn:correspondence-id:"))
        })
        .cloned()
        .unwrap_or_else(|| refs[0].clone())
}

/// Asks the PDP about every action of `dialog` for `subject`.
pub fn details_authorization(
    pdp: &dyn Pdp,
    subject: &str,
    dialog: &Dialog,
) -> DetailsAuthorization {
    let actions = dialog_actions(dialog);
    let instance_ref = pdp_instance_ref(dialog);
    let requests: Vec<DecisionRequest> = actions
        .iter()
        .map(|(action, attribute)| DecisionRequest {
            subject: subject.to_owned(),
            resource: dialog.service_resource.clone(),
            party: dialog.party.clone(),
            instance_ref: Some(instance_ref.clone()),
            attribute: attribute.clone(),
            action: action.clone(),
        })
        .collect();
    let decisions = pdp.authorize(&requests);
    DetailsAuthorization {
        permitted: actions
            .into_iter()
            .zip(decisions)
            .filter(|(_, decision)| *decision == Decision::Permit)
            .map(|(pair, _)| pair)
            .collect(),
    }
}

/// The resource's minimum authentication level; 3 when the registry does not know it
/// (authz.md §3.7).
pub fn minimum_authentication_level(registry: &Registry, resource: &str) -> u8 {
    registry
        .resource(resource)
        .map_or(DEFAULT_MINIMUM_AUTHENTICATION_LEVEL, |r| {
            r.minimum_authentication_level
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::EmbeddedAuthorization;

    const DAGL: &str = "urn:altinn:person:identifier-no:08844397713";
    const ORG: &str = "urn:altinn:organization:identifier-no:310923044";
    const SYSTEM_USER: &str = "urn:altinn:systemuser:uuid:7633be4c-dbd5-49f4-bbc4-c058b275de7b";

    fn list(registry: &Registry, subject: &str) -> ListAuthorization {
        let embedded = EmbeddedAuthorization::new(registry);
        list_authorization(&embedded, registry, subject, &[], &[])
    }

    #[test]
    fn the_demo_subjects_list_what_issue_4_says() {
        let registry = Registry::demo();
        let all: BTreeSet<String> = registry
            .document()
            .resources
            .iter()
            .map(|r| format!("{RESOURCE_PREFIX}{}", r.identifier))
            .collect();
        let dagl = list(&registry, DAGL);
        assert_eq!(
            dagl.resources_by_party.keys().cloned().collect::<Vec<_>>(),
            [ORG.to_owned(), DAGL.to_owned()]
        );
        assert_eq!(dagl.resources_by_party[ORG], all);
        assert_eq!(
            dagl.resources_by_party[DAGL], all,
            "PRIV on their own party"
        );

        let other = list(&registry, "urn:altinn:person:identifier-no:08895699684");
        assert_eq!(
            other.resources_by_party.keys().cloned().collect::<Vec<_>>(),
            ["urn:altinn:person:identifier-no:08895699684".to_owned()]
        );

        let system = list(&registry, SYSTEM_USER);
        assert_eq!(
            system.pairs(),
            [(
                "urn:altinn:organization:identifier-no:310057223".to_owned(),
                "urn:altinn:resource:ttd-dialogporten-automated-tests".to_owned()
            )]
        );
        // Constraints narrow the answer.
        let embedded = EmbeddedAuthorization::new(&registry);
        let narrowed = list_authorization(
            &embedded,
            &registry,
            DAGL,
            &[ORG.to_owned()],
            &["urn:altinn:resource:super-simple-service".to_owned()],
        );
        assert_eq!(
            narrowed.pairs(),
            [(
                ORG.to_owned(),
                "urn:altinn:resource:super-simple-service".to_owned()
            )]
        );
    }

    #[test]
    fn the_pdp_permits_rule_actions_and_overrides_and_nothing_else() {
        let registry = Registry::demo();
        let embedded = EmbeddedAuthorization::new(&registry);
        let request = |subject: &str, action: &str, attribute: &str| DecisionRequest {
            subject: subject.to_owned(),
            resource: "urn:altinn:resource:super-simple-service".to_owned(),
            party: ORG.to_owned(),
            instance_ref: Some("urn:altinn:dialog-id:0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11".into()),
            attribute: attribute.to_owned(),
            action: action.to_owned(),
        };
        let decisions = embedded.authorize(&[
            request(DAGL, "read", "main"),
            request(DAGL, "sign", "main"),
            request(DAGL, "transmissionread", "urn:altinn:subresource:secret"),
            request(
                DAGL,
                "read",
                "urn:altinn:resource:brg-dialogporten-automated-tests",
            ),
            request(
                "urn:altinn:person:identifier-no:08895699684",
                "read",
                "main",
            ),
            request(SYSTEM_USER, "read", "main"),
        ]);
        assert_eq!(
            decisions,
            [
                Decision::Permit,
                Decision::NotApplicable,
                Decision::Permit,
                Decision::Permit,
                Decision::NotApplicable,
                Decision::NotApplicable
            ]
        );
    }
}
