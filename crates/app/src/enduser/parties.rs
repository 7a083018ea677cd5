//! The end user's parties and the service resources they may use (api.md §1; authz.md §3.3,
//! §5, §6.2): `GET /api/v1/enduser/parties` and `GET /api/v1/enduser/serviceresources`.

use dp_auth::Principal;
use dp_authz::Registry;
use dp_authz::access::{AuthorizedPartiesRequest, AuthorizedPartyDto};

use super::EndUserSubject;
use crate::validate::{MAX_END_USER_PARTY_VALUES, is_valid_party, party_format_message};
use crate::{AppError, DialogState};

/// The parties the end user may act for, and who they are.
pub struct Parties {
    pub parties: Vec<AuthorizedPartyDto>,
    pub subject: EndUserSubject,
}

/// Every party the end user of `principal` may act for: all include flags off, no filter,
/// nested (authz.md §3.3). A person or e-mail user always appears as themselves (authz.md
/// §3.3, §6.2), even when the registry does not list their party.
pub async fn authorized_parties(
    state: &DialogState,
    principal: &Principal,
) -> Result<Parties, AppError> {
    let subject = EndUserSubject::of(principal)?;
    let request = AuthorizedPartiesRequest {
        subject: subject.urn.clone(),
        ..AuthorizedPartiesRequest::default()
    };
    let mut parties = state.access.authorized_parties(&request);
    if !subject
        .urn
        .starts_with(dp_authz::registry::SYSTEM_USER_PREFIX)
        && !parties
            .iter()
            .any(|p| p.party_urn().eq_ignore_ascii_case(&subject.urn))
        && let Some(own) = unlisted_self(&state.registry, &subject.urn)
    {
        parties.insert(0, own);
    }
    Ok(Parties { parties, subject })
}

/// The service resources (URNs) of the dialogs the end user may list, for the given parties
/// (`None`: all of theirs): only `(party, resource)` pairs some dialog refers to (DP's forced
/// pruning).
pub async fn service_resources(
    state: &DialogState,
    principal: &Principal,
    filter: Option<Vec<String>>,
) -> Result<Vec<String>, AppError> {
    if let Some(parties) = &filter {
        validate_parties(parties)?;
    }
    let subject = EndUserSubject::of(principal)?;
    let parties: Vec<String> = filter
        .unwrap_or_default()
        .iter()
        .map(|p| p.trim().to_lowercase())
        .collect();
    let probes = subject
        .list(state, &parties, &[])
        .pairs()
        .into_iter()
        .map(|(party, resource)| (Some(party), resource))
        .collect();
    Ok(state.store.resources_in_use(probes).await?)
}

fn validate_parties(parties: &[String]) -> Result<(), AppError> {
    let mut errors = crate::FieldErrors::new();
    if parties.len() > MAX_END_USER_PARTY_VALUES {
        errors.insert(
            "Parties.Length".into(),
            vec![format!(
                "'Parties Length' must be between 1 and {MAX_END_USER_PARTY_VALUES}. You entered {}.",
                parties.len()
            )],
        );
    }
    for (i, party) in parties.iter().enumerate() {
        if !is_valid_party(&party.trim().to_lowercase()) {
            errors.insert(
                format!("Parties[{i}]"),
                vec![party_format_message("Parties")],
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// A stable UUID-shaped id from a name (the embedded registry has no role GUIDs of its own).
pub fn synthetic_uuid(name: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// The caller's own party when the registry does not list it: a person or an e-mail user with
/// stable synthetic ids and no rights.
fn unlisted_self(registry: &Registry, subject: &str) -> Option<AuthorizedPartyDto> {
    let (party_type, person_id, email_id) =
        if let Some(pid) = subject.strip_prefix("urn:altinn:person:identifier-no:") {
            ("Person", Some(pid.to_owned()), None)
        } else if let Some(email) = subject.strip_prefix("urn:altinn:person:idporten-email:") {
            ("SelfIdentified", None, Some(email.to_owned()))
        } else {
            return None;
        };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, subject.as_bytes());
    let number = u32::from_be_bytes([
        digest.as_ref()[16],
        digest.as_ref()[17],
        digest.as_ref()[18],
        digest.as_ref()[19],
    ]);
    Some(AuthorizedPartyDto {
        party_uuid: synthetic_uuid(subject),
        name: registry
            .name_of(subject)
            .map(str::to_owned)
            .or_else(|| email_id.clone())
            .unwrap_or_default(),
        organization_number: None,
        parent_id: None,
        person_id,
        date_of_birth: None,
        party_id: 50_000_000 + i64::from(number % 90_000_000),
        email_id,
        party_type: party_type.to_owned(),
        unit_type: None,
        is_deleted: false,
        only_hierarchy_element_with_no_access: false,
        authorized_access_packages: Vec::new(),
        authorized_resources: Vec::new(),
        authorized_roles: Vec::new(),
        authorized_instances: Vec::new(),
        subunits: Vec::new(),
    })
}
