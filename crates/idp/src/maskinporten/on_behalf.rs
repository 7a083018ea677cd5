//! Grants on behalf of others (auth.md §2.5 and §3): a supplier's `consumer_org`, which the
//! consumer must have delegated the scopes for, and a system user asked for with
//! `authorization_details`, which must belong to a system of the client's organisation.

use super::*;

impl MaskinportenIssuer {
    /// A supplier's grant: `consumer_org` must have delegated every scope to the client's org.
    pub(super) fn check_delegation(
        &self,
        client: &OAuthClient,
        consumer: &str,
        scopes: &[String],
    ) -> Result<(), GrantError> {
        if consumer == client.org_number {
            return Err(GrantError::request(
                "MP-011",
                format!(
                    "The combination consumer_org={consumer} and client '{}' (of organisation {consumer}) is invalid: a client cannot be a supplier for its own organisation",
                    client.client_id
                ),
            ));
        }
        let delegated = self
            .rights
            .as_ref()
            .map(|r| r.delegated_scopes(consumer, &client.org_number))
            .unwrap_or_default();
        let missing: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !delegated.iter().any(|d| d == s))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(GrantError::new(
            "invalid_grant",
            Some("MP-251"),
            format!(
                "The consumer {consumer} has not delegated the scope(s) {} to the supplier {} (registry apiScopeDelegations)",
                missing.join(" "),
                client.org_number
            ),
        ))
    }

    /// A system-user grant (auth.md §3): one `urn:altinn:systemuser` entry naming the customer
    /// organisation, which must own a system user of a system of the client's organisation.
    pub(super) fn system_user(
        &self,
        client: &OAuthClient,
        details: &Value,
    ) -> Result<Value, GrantError> {
        let entry = match details.as_array().map(Vec::as_slice) {
            Some([entry]) => entry,
            Some([]) | None => {
                return Err(GrantError::request(
                    "MP-302",
                    "authorization_details must be a JSON array with one entry",
                ));
            }
            Some(_) => {
                return Err(GrantError::request(
                    "MP-302",
                    "authorization_details may name one system user per grant",
                ));
            }
        };
        let Some(entry) = entry.as_object() else {
            return Err(GrantError::request(
                "MP-302",
                "an authorization_details entry must be a JSON object",
            ));
        };
        let kind = entry.get("type").and_then(Value::as_str).unwrap_or("");
        if kind != SYSTEM_USER_TYPE {
            return Err(GrantError::request(
                "MP-301",
                format!(
                    "Unsupported authorization_details type '{kind}'; expected {SYSTEM_USER_TYPE}"
                ),
            ));
        }
        if let Some(field) = entry
            .keys()
            .find(|k| !["type", "systemuser_org", "system_id", "externalRef"].contains(&k.as_str()))
        {
            return Err(GrantError::request(
                "MP-302",
                format!(
                    "Unknown field '{field}' in authorization_details (expected type, systemuser_org, and optionally externalRef, system_id)"
                ),
            ));
        }
        let org = entry
            .get("systemuser_org")
            .and_then(Value::as_object)
            .and_then(|org| {
                let authority = org.get("authority")?.as_str()?;
                let id = org.get("ID")?.as_str()?;
                let number = id.strip_prefix("0192:")?;
                (authority.eq_ignore_ascii_case(ISO6523_AUTHORITY) && valid_org_number(number))
                    .then(|| number.to_owned())
            })
            .ok_or_else(|| {
                GrantError::request(
                    "MP-303",
                    format!(
                        "Invalid systemuser_org: expected {{\"authority\":\"{ISO6523_AUTHORITY}\",\"ID\":\"0192:<organisation number>\"}}"
                    ),
                )
            })?;
        let system_id = match entry.get("system_id") {
            None => None,
            Some(Value::String(id)) => Some(id.as_str()),
            Some(_) => {
                return Err(GrantError::request(
                    "MP-302",
                    "system_id in authorization_details must be a string",
                ));
            }
        };
        let external_ref = match entry.get("externalRef") {
            None => None,
            Some(Value::String(r)) => Some(r.clone()),
            Some(_) => {
                return Err(GrantError::request(
                    "MP-302",
                    "externalRef in authorization_details must be a string",
                ));
            }
        };
        let owned = self
            .rights
            .as_ref()
            .map(|r| r.system_users(&org))
            .unwrap_or_default();
        let found = owned.iter().find(|u| {
            u.vendor_org_number == client.org_number
                && system_id.is_none_or(|wanted| wanted == u.system_id)
        });
        let Some(user) = found else {
            let why = if owned.is_empty() {
                format!("the organisation {org} has no system users")
            } else {
                format!(
                    "none of the organisation {org}'s system users belongs to a system of the client's organisation {}{}",
                    client.org_number,
                    system_id
                        .map(|s| format!(" with system_id '{s}'"))
                        .unwrap_or_default()
                )
            };
            return Err(GrantError::new(
                "invalid_altinn_customer_configuration",
                Some("MP-303"),
                format!("No system user found for the request: {why}"),
            ));
        };
        let mut claim = Map::new();
        claim.insert("type".into(), json!(SYSTEM_USER_TYPE));
        claim.insert("systemuser_id".into(), json!([user.id]));
        claim.insert("systemuser_org".into(), iso6523(&org));
        claim.insert("system_id".into(), json!(user.system_id));
        if let Some(external_ref) = external_ref {
            claim.insert("externalRef".into(), json!(external_ref));
        }
        Ok(Value::Object(claim))
    }
}
