//! Handler-level authorization of a create or update body (api.md §2.4, authz.md §2.3):
//! the service resource must exist in the registry with a supported type (else 422), every
//! primary resource reference must be owned by the caller's organisation (else 403), and a
//! CorrespondenceService needs the correspondence scope (else 403). Admins skip ownership.

use dp_auth::Principal;
use dp_authz::registry::RESOURCE_PREFIX;
use dp_authz::{Registry, ResourceType};

use crate::AppError;
use crate::input::CreateDialog;

/// What the registry says about the dialog's service resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedResource {
    /// `urn:altinn:resource:<id>`, lower case.
    pub service_resource: String,
    pub resource_type: ResourceType,
    /// The owning service owner's short code: the dialog's `org` (not taken from the token).
    pub org_code: String,
}

/// The resource type as DP prints it: lower case (`correspondenceservice`).
fn type_name(kind: ResourceType) -> String {
    serde_json::to_string(&kind)
        .unwrap_or_default()
        .trim_matches('"')
        .to_lowercase()
}

/// The primary resource references of a body: the service resource and every action and
/// transmission `authorizationAttribute` that names a resource; lower-cased, distinct.
pub fn primary_resource_references(dto: &CreateDialog) -> Vec<String> {
    let attributes = std::iter::once(dto.service_resource.as_deref())
        .chain(
            dto.api_actions
                .iter()
                .flatten()
                .map(|a| a.authorization_attribute.as_deref()),
        )
        .chain(
            dto.gui_actions
                .iter()
                .flatten()
                .map(|a| a.authorization_attribute.as_deref()),
        )
        .chain(
            dto.transmissions
                .iter()
                .flatten()
                .map(|t| t.authorization_attribute.as_deref()),
        );
    let mut references: Vec<String> = Vec::new();
    for reference in attributes.flatten().map(str::to_lowercase) {
        if reference.starts_with(RESOURCE_PREFIX) && !references.contains(&reference) {
            references.push(reference);
        }
    }
    references
}

/// Resolves the service resource and checks the caller may reference everything it names.
pub fn authorize_service_resources(
    dto: &CreateDialog,
    registry: &Registry,
    principal: &Principal,
) -> Result<ResolvedResource, AppError> {
    let requested = dto.service_resource.as_deref().unwrap_or_default();
    let Some(resource) = registry.resource(requested) else {
        let message = format!(
            "Service resource '{requested}' is invalid due to one or more of the following reasons:\n\
             - It does not exist in the resource registry.\n\
             - It does not have mandatory fields 'CompetentAuthority.Organization' / 'CompetentAuthority.OrgCode' set.\n\
             - It is not of the following supported resource types: [GenericAccessResource, AltinnApp, MigratedApp, CorrespondenceService]."
        );
        return Err(AppError::Unprocessable(crate::FieldErrors::from([(
            "ServiceResource".to_owned(),
            vec![message],
        )])));
    };
    if !principal.is_admin() {
        let owned = principal
            .consumer
            .as_ref()
            .map(|org| registry.owned_resources(org.as_str()))
            .unwrap_or_default();
        let unowned: Vec<String> = primary_resource_references(dto)
            .into_iter()
            .filter(|r| !owned.contains(r))
            .collect();
        if !unowned.is_empty() {
            return Err(AppError::forbidden(
                "Forbidden",
                format!(
                    "Not allowed to reference the following unowned resources: [{}].",
                    unowned.join(", ")
                ),
            ));
        }
        if resource.resource_type == ResourceType::CorrespondenceService
            && !principal.has_correspondence_scope()
        {
            return Err(AppError::forbidden(
                "Forbidden",
                format!(
                    "User cannot create or modify a dialog with resource type {}.",
                    type_name(resource.resource_type)
                ),
            ));
        }
    }
    Ok(ResolvedResource {
        service_resource: format!("{RESOURCE_PREFIX}{}", resource.identifier),
        resource_type: resource.resource_type,
        org_code: resource.owner.clone(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use dp_auth::Scheme;
    use serde_json::{Value, json};

    use super::*;
    use crate::input::parse_test_body as parse_body;

    fn principal(org: &str, scope: &str) -> Principal {
        let Value::Object(claims) = json!({"scope": scope,
            "consumer": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{org}")}})
        else {
            unreachable!()
        };
        Principal::from_claims(Scheme::Altinn, Arc::new(claims), 0)
    }

    fn body(resource: &str, attribute: &str) -> CreateDialog {
        parse_body(
            json!({"serviceResource": resource,
                   "guiActions": [{"authorizationAttribute": attribute}],
                   "transmissions": [{"authorizationAttribute": "urn:altinn:subresource:not-a-resource"}]})
            .to_string()
            .as_bytes(),
        )
        .expect("parses")
    }

    fn problem(error: AppError) -> (String, String) {
        match error {
            AppError::Forbidden(errors) => ("403".into(), errors["Forbidden"][0].clone()),
            AppError::Unprocessable(errors) => ("422".into(), errors["ServiceResource"][0].clone()),
            other => (other.to_string(), String::new()),
        }
    }

    #[test]
    fn owners_may_reference_their_resources_and_nobody_else_may() {
        let registry = Registry::demo();
        let ttd = principal("991825827", "digdir:dialogporten.serviceprovider");
        let resolved = authorize_service_resources(
            &body(
                "URN:ALTINN:RESOURCE:Super-Simple-Service",
                "urn:altinn:resource:ttd-dialogporten-automated-tests",
            ),
            &registry,
            &ttd,
        )
        .expect("ttd owns both");
        assert_eq!(
            resolved.service_resource,
            "urn:altinn:resource:super-simple-service"
        );
        assert_eq!(resolved.org_code, "ttd");

        let brg = principal("974760673", "digdir:dialogporten.serviceprovider");
        let error = authorize_service_resources(
            &body(
                "urn:altinn:resource:super-simple-service",
                "urn:altinn:resource:brg-dialogporten-automated-tests",
            ),
            &registry,
            &brg,
        )
        .expect_err("brg does not own super-simple-service");
        assert_eq!(
            problem(error),
            ("403".into(), "Not allowed to reference the following unowned resources: [urn:altinn:resource:super-simple-service].".into())
        );
        // Another owner's resource in an action attribute is refused too.
        let error = authorize_service_resources(
            &body(
                "urn:altinn:resource:super-simple-service",
                "urn:altinn:resource:brg-dialogporten-automated-tests",
            ),
            &registry,
            &ttd,
        )
        .expect_err("attribute not owned");
        assert!(
            problem(error)
                .1
                .contains("[urn:altinn:resource:brg-dialogporten-automated-tests]")
        );
        // Admins may reference anything.
        let admin = principal(
            "974760673",
            "digdir:dialogporten.serviceprovider digdir:dialogporten.serviceprovider.admin",
        );
        assert!(
            authorize_service_resources(
                &body("urn:altinn:resource:super-simple-service", "read"),
                &registry,
                &admin
            )
            .is_ok()
        );
    }

    #[test]
    fn unknown_resources_are_422_and_correspondence_needs_its_scope() {
        let registry = Registry::demo();
        let ttd = principal("991825827", "digdir:dialogporten.serviceprovider");
        let (status, message) = problem(
            authorize_service_resources(&body("urn:altinn:resource:nope", "read"), &registry, &ttd)
                .expect_err("unknown"),
        );
        assert_eq!(status, "422");
        assert!(message.starts_with("Service resource 'urn:altinn:resource:nope' is invalid due to one or more of the following reasons:\n- It does not exist in the resource registry.\n"));
        let correspondence = body(
            "urn:altinn:resource:ttd-dialogporten-automated-tests-correspondence",
            "read",
        );
        assert_eq!(
            problem(
                authorize_service_resources(&correspondence, &registry, &ttd)
                    .expect_err("no scope")
            ),
            (
                "403".into(),
                "User cannot create or modify a dialog with resource type correspondenceservice."
                    .into()
            )
        );
        for scope in [
            "digdir:dialogporten.correspondence",
            "digdir:dialogporten.serviceprovider.correspondence",
        ] {
            let with_scope = principal(
                "991825827",
                &format!("digdir:dialogporten.serviceprovider {scope}"),
            );
            assert!(
                authorize_service_resources(&correspondence, &registry, &with_scope).is_ok(),
                "{scope}"
            );
        }
    }
}
