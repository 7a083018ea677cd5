//! `GET /api/v1/enduser/dialoglookup?instanceRef=` (api.md §1, §4.8): the dialog an instance
//! reference names, with the evidence of the caller's right to it (DP
//! `GetDialogLookupQuery` + `IdentifierLookupAuthorizationResolver`).
//!
//! Order: an unparseable reference is 400; no (undeleted) dialog is 404; a caller without a
//! role, access package, resource delegation or instance delegation on the dialog's party and
//! resource is 403. The evidence comes from Access Management's authorized parties for the
//! dialog's party (all include flags): role and package subjects that the resource's rules name,
//! a resource delegation of the resource, an instance delegation of the answered reference.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::response::Response;
use dp_app::read::common::localizations;
use dp_app::read::metadata::{
    AuthorizationEvidence, EndUserLookup, EvidenceItem, LookupServiceOwner, LookupServiceResource,
};
use dp_app::read::presentation::prune_localizations;
use dp_authz::access::{AuthorizedPartiesRequest, AuthorizedPartyDto};
use dp_authz::dialog_access::dialog_instance_refs;
use dp_authz::registry::RESOURCE_PREFIX;
use dp_domain::dialog::Dialog;
use dp_domain::enums::IdentifierLookupGrantType;
use dp_domain::instance_ref::InstanceRef;

use super::parties::{names, subject_metadata};
use super::presentation::AcceptedLanguages;
use crate::auth::EndUser;
use crate::problem::ApiError;
use crate::query::Query;
use crate::respond::ok_json;
use crate::state::DialogState;
use dp_app::enduser::EndUserSubject;
use dp_app::enduser::lookup::{self as queries, Found};

/// A parsed instance reference, lower case (DP `InstanceRef`).
/// The reference the answer names: the request's, except that a dialog id is answered with the
/// dialog's app instance, else its correspondence, when it has one (DP `ResolveOutputInstanceRef`).
fn output_reference(request: &InstanceRef, dialog: &Dialog) -> String {
    if let InstanceRef::Labelled(reference) = request {
        return reference.clone();
    }
    let refs = dialog_instance_refs(dialog);
    refs.iter()
        .find(|r| r.starts_with("urn:altinn:instance-id:"))
        .or_else(|| {
            refs.iter()
                .find(|r| r.starts_with("urn:altinn:correspondence-id:"))
        })
        .cloned()
        .unwrap_or_else(|| request.value())
}

/// `V1CommonIdentifierLookup_IdentifierLookupAuthorizationEvidence`, or `None` without access.
fn evidence(
    state: &DialogState,
    subject: &EndUserSubject,
    dialog: &Dialog,
    reference: &str,
    languages: &[String],
) -> Option<AuthorizationEvidence<'static>> {
    let parties = state
        .access
        .authorized_parties(&AuthorizedPartiesRequest::everything(
            &subject.urn,
            vec![dialog.party.clone()],
        ));
    let flat: Vec<&AuthorizedPartyDto> = parties
        .iter()
        .flat_map(|p| std::iter::once(p).chain(&p.subunits))
        .collect();
    let party = flat
        .into_iter()
        .find(|p| p.party_urn().eq_ignore_ascii_case(&dialog.party))?;
    let resource = dialog.service_resource.to_lowercase();
    let bare = resource.strip_prefix(RESOURCE_PREFIX).unwrap_or(&resource);
    // Role and package subjects the resource's rules name (SubjectResource, authz.md §3.8).
    let rule_subjects: BTreeSet<String> = state
        .registry
        .resource(bare)
        .into_iter()
        .flat_map(|r| &r.rules)
        .flat_map(|rule| rule.subjects.iter().map(|s| s.to_lowercase()))
        .collect();
    let held: BTreeSet<String> = party
        .authorized_roles
        .iter()
        .map(|r| format!("urn:altinn:rolecode:{}", r.to_lowercase()))
        .chain(
            party
                .authorized_access_packages
                .iter()
                .map(|p| format!("urn:altinn:accesspackage:{}", p.to_lowercase())),
        )
        .filter(|s| rule_subjects.contains(s))
        .collect();
    let mut items = Vec::new();
    let (mut via_role, mut via_package) = (false, false);
    for subject in &held {
        let grant = if subject.starts_with("urn:altinn:rolecode:") {
            via_role = true;
            IdentifierLookupGrantType::Role
        } else {
            via_package = true;
            IdentifierLookupGrantType::AccessPackage
        };
        let (name, links) = subject_metadata(subject, languages);
        items.push(EvidenceItem {
            grant_type: grant,
            subject: subject.clone(),
            name: Some(name),
            links: Some(links),
        });
    }
    let via_resource = party
        .authorized_resources
        .iter()
        .any(|r| r.eq_ignore_ascii_case(bare));
    if via_resource {
        items.push(EvidenceItem {
            grant_type: IdentifierLookupGrantType::ResourceDelegation,
            subject: dialog.service_resource.clone(),
            name: None,
            links: None,
        });
    }
    let via_instance = party.authorized_instances.iter().any(|i| {
        i.resource_id.eq_ignore_ascii_case(bare)
            && !i.instance_ref.trim().is_empty()
            && i.instance_ref.eq_ignore_ascii_case(reference)
    });
    if via_instance {
        items.push(EvidenceItem {
            grant_type: IdentifierLookupGrantType::InstanceDelegation,
            subject: reference.to_owned(),
            name: None,
            links: None,
        });
    }
    (via_role || via_package || via_resource || via_instance).then_some(AuthorizationEvidence {
        current_authentication_level: subject.authentication_level,
        via_role,
        via_access_package: via_package,
        via_resource_delegation: via_resource,
        via_instance_delegation: via_instance,
        evidence: items,
    })
}

/// No registry names: `names` falls back to the code.
static NO_NAMES: BTreeMap<String, String> = BTreeMap::new();

/// `V1EndUserDialogLookupQueriesGet_DialogLookup` of a found dialog (names as the registry has
/// them; the caller prunes them to the accepted languages).
fn lookup_body<'a>(
    registry: &'a dp_authz::Registry,
    dialog: &'a Dialog,
    output: String,
    evidence: AuthorizationEvidence<'static>,
    below_level: bool,
) -> EndUserLookup<'a> {
    let owner = registry.service_owner_by_code(&dialog.org);
    let resource = registry.resource(&dialog.service_resource);
    // Below the resource's minimum level the non-sensitive title stands in for the title, as
    // the real service's `IdentifierLookupTitleResolver.ResolveEndUserTitle` does.
    let content = &dialog.content;
    let title = match &content.non_sensitive_title {
        Some(non_sensitive) if below_level => Some(non_sensitive),
        _ => content.title.as_ref(),
    };
    EndUserLookup {
        dialog_id: dialog.id,
        instance_ref: output,
        party: &dialog.party,
        service_owner: LookupServiceOwner {
            code: &dialog.org,
            org_number: owner.map(|o| o.org_number.as_str()).unwrap_or_default(),
            name: owner.map_or_else(
                || names(&NO_NAMES, &dialog.org),
                |o| names(&o.name, &o.org_code),
            ),
        },
        service_resource: LookupServiceResource {
            id: &dialog.service_resource,
            is_delegable: resource.is_some(),
            minimum_authentication_level: resource.map_or(
                dp_authz::registry::DEFAULT_MINIMUM_AUTHENTICATION_LEVEL,
                |r| r.minimum_authentication_level,
            ),
            name: resource.map_or_else(
                || names(&NO_NAMES, &dialog.service_resource),
                |r| names(&r.title, &r.identifier),
            ),
        },
        authorization_evidence: evidence,
        title: title.map(|t| localizations(&t.value)),
    }
}

/// `GET /api/v1/enduser/dialoglookup?instanceRef=`
pub async fn dialog_lookup(
    caller: EndUser,
    AcceptedLanguages(languages): AcceptedLanguages,
    State(state): State<DialogState>,
    query: Query,
) -> Result<Response, ApiError> {
    let raw = query.get("instanceRef").unwrap_or_default();
    let Found {
        reference,
        dialog,
        subject,
    } = queries::find(&state, &caller.principal, raw).await?;
    let output = output_reference(&reference, &dialog);
    let Some(evidence) = evidence(&state, &subject, &dialog, &output, &languages) else {
        return Err(ApiError::forbidden("Forbidden", "Forbidden"));
    };
    let below_level = subject.below_level(&state, &dialog);
    let mut body = lookup_body(&state.registry, &dialog, output, evidence, below_level);
    prune_localizations(&mut body, &languages);
    Ok(ok_json(&body, None))
}
