//! From verified claims to a principal: user type, identifiers and authentication level,
//! exactly as DP's `ClaimsPrincipalExtensions` (auth.md §6.5, §3).
//!
//! ASP.NET keeps JSON object claims (`consumer`, `supplier`, an `authorization_details`
//! object) as JSON and splits arrays into one claim per element, so a one-element
//! `authorization_details` array equals a single object; both shapes are accepted here.

use std::sync::Arc;

use dp_domain::{NationalIdentityNumber, OrganizationNumber, PartyIdentifier};
use serde_json::{Map, Value};

use crate::issuer::Scheme;
use crate::policy::scopes;
use crate::verifier::VerifiedToken;

/// DP `DialogUserType`, with its numeric values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserType {
    Unknown = 0,
    Person = 1,
    SystemUser = 2,
    ServiceOwner = 3,
    ServiceOwnerOnBehalfOfPerson = 4,
    IdportenEmailIdentifiedUser = 5,
    AltinnSelfIdentifiedUser = 6,
    FeideUser = 7,
}

impl UserType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Person => "Person",
            Self::SystemUser => "SystemUser",
            Self::ServiceOwner => "ServiceOwner",
            Self::ServiceOwnerOnBehalfOfPerson => "ServiceOwnerOnBehalfOfPerson",
            Self::IdportenEmailIdentifiedUser => "IdportenEmailIdentifiedUser",
            Self::AltinnSelfIdentifiedUser => "AltinnSelfIdentifiedUser",
            Self::FeideUser => "FeideUser",
        }
    }
}

impl std::fmt::Display for UserType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The `urn:altinn:systemuser` entry of `authorization_details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserClaim {
    /// The first `systemuser_id`, lower-cased.
    pub id: String,
    /// `systemuser_org`, when it is a valid ISO 6523 organisation.
    pub org: Option<OrganizationNumber>,
    pub system_id: Option<String>,
}

/// The authenticated caller as the API layers see it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub scheme: Scheme,
    pub claims: Arc<Map<String, Value>>,
    /// Every value of every `scope` claim, split on spaces (what policies check).
    pub scopes: Vec<String>,
    /// The first `scope` claim split on spaces (what DP's `HasScope` checks).
    first_scope_claim: Vec<String>,
    pub consumer: Option<OrganizationNumber>,
    pub supplier: Option<OrganizationNumber>,
    pub pid: Option<NationalIdentityNumber>,
    pub system_user: Option<SystemUserClaim>,
    /// Set for `selfregistered-email` users: the lower-cased e-mail.
    pub email_user: Option<String>,
    /// `urn:altinn:org`, present on exchanged and test tokens.
    pub org_code: Option<String>,
    pub expires_at: i64,
}

/// The `enduserid` query value is not a person identifier (auth.md §6.6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "EndUserId must be a valid end user identifier. It must match the format 'urn:altinn:person:identifier-no:{{norwegian f-nr/d-nr}}'."
)]
pub struct EndUserIdError;

/// An ISO 6523 organisation claim: `{"authority":"iso6523-actorid-upis","ID":"0192:<orgno>"}`,
/// authority compared case-insensitively, `ID` exactly two `:`-separated parts.
fn iso6523_org(value: Option<&Value>) -> Option<OrganizationNumber> {
    let object = match value? {
        Value::Object(object) => object.clone(),
        // A claim that arrives as serialised JSON text is read the same way.
        Value::String(text) => match serde_json::from_str::<Value>(text).ok()? {
            Value::Object(object) => object,
            _ => return None,
        },
        _ => return None,
    };
    let authority = object.get("authority")?.as_str()?;
    if !authority.eq_ignore_ascii_case("iso6523-actorid-upis") {
        return None;
    }
    match object
        .get("ID")?
        .as_str()?
        .split(':')
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["0192", number] => OrganizationNumber::parse(number).ok(),
        _ => None,
    }
}

/// Claim values as ASP.NET sees them: a string is one value, an array one value per element.
fn claim_values(claims: &Map<String, Value>, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::Number(n)) => vec![n.to_string()],
        Some(Value::Bool(b)) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

fn system_user(claims: &Map<String, Value>) -> Option<SystemUserClaim> {
    let entries: Vec<&Value> = match claims.get("authorization_details")? {
        Value::Array(items) => items.iter().collect(),
        object @ Value::Object(_) => vec![object],
        _ => return None,
    };
    let entry = entries
        .into_iter()
        .find(|e| e.get("type").and_then(Value::as_str) == Some("urn:altinn:systemuser"))?;
    let id = entry
        .get("systemuser_id")?
        .as_array()?
        .first()?
        .as_str()?
        .to_lowercase();
    Some(SystemUserClaim {
        id,
        org: iso6523_org(entry.get("systemuser_org")),
        system_id: entry
            .get("system_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn email_user(claims: &Map<String, Value>) -> Option<String> {
    let email = claims.get("email")?.as_str()?;
    let mut amr = claim_values(claims, "amr");
    amr.retain(|v| !v.is_empty());
    amr.sort();
    amr.dedup();
    (amr == ["Selfregistered-email"]).then(|| email.to_lowercase())
}

impl Principal {
    pub fn from_token(token: &VerifiedToken) -> Self {
        Self::from_claims(token.scheme, token.claims.clone(), token.expires_at)
    }

    pub fn from_claims(scheme: Scheme, claims: Arc<Map<String, Value>>, expires_at: i64) -> Self {
        let scope_claims = claim_values(&claims, "scope");
        let split = |claim: &String| {
            claim
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        Self {
            scheme,
            scopes: scope_claims.iter().flat_map(split).collect(),
            first_scope_claim: scope_claims.first().map(split).unwrap_or_default(),
            consumer: iso6523_org(claims.get("consumer")),
            supplier: iso6523_org(claims.get("supplier")),
            pid: claim_values(&claims, "pid")
                .first()
                .and_then(|p| NationalIdentityNumber::parse(p).ok()),
            system_user: system_user(&claims),
            email_user: email_user(&claims),
            org_code: claims
                .get("urn:altinn:org")
                .and_then(Value::as_str)
                .map(str::to_owned),
            expires_at,
            claims,
        }
    }

    /// Any scope claim grants `scope` (DP `RequireScope`, used by policies).
    pub fn has_policy_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The first scope claim grants `scope` (DP `HasScope`, used for user types, `enduserid`
    /// and the admin, correspondence and legacy-HTML checks).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.first_scope_claim.iter().any(|s| s == scope)
    }

    /// The correspondence scope under either name (auth.md §8.1).
    pub fn has_correspondence_scope(&self) -> bool {
        scopes::CORRESPONDENCE.iter().any(|s| self.has_scope(s))
    }

    pub fn is_admin(&self) -> bool {
        self.has_scope(scopes::SERVICE_PROVIDER_ADMIN)
    }

    pub fn user_type(&self) -> UserType {
        if self.pid.is_some() {
            return if self.has_scope(scopes::SERVICE_PROVIDER) {
                UserType::ServiceOwnerOnBehalfOfPerson
            } else {
                UserType::Person
            };
        }
        if self.system_user.is_some() {
            return UserType::SystemUser;
        }
        if self.has_scope(scopes::SERVICE_PROVIDER) && self.consumer.is_some() {
            return UserType::ServiceOwner;
        }
        if self.email_user.is_some() {
            return UserType::IdportenEmailIdentifiedUser;
        }
        UserType::Unknown
    }

    /// The external id that goes with the user type: pid, system user id, org number or e-mail.
    pub fn user_id(&self) -> Option<PartyIdentifier> {
        match self.user_type() {
            UserType::Person | UserType::ServiceOwnerOnBehalfOfPerson => {
                self.pid.clone().map(PartyIdentifier::Person)
            }
            UserType::SystemUser => self
                .system_user
                .as_ref()
                .and_then(|s| uuid::Uuid::parse_str(&s.id).ok())
                .map(PartyIdentifier::SystemUser),
            UserType::ServiceOwner => self.consumer.clone().map(PartyIdentifier::Organization),
            UserType::IdportenEmailIdentifiedUser => {
                self.email_user.clone().map(PartyIdentifier::IdportenEmail)
            }
            _ => None,
        }
    }

    /// DP `GetAuthenticationLevel`: `urn:altinn:authlevel` (number or string, ≥ 0), else `acr`,
    /// else 3 for system users. `None` where DP throws (unknown `acr`, no claim at all).
    pub fn authentication_level(&self) -> Option<u8> {
        let explicit = match self.claims.get("urn:altinn:authlevel") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        if let Some(level) = explicit.filter(|l| *l >= 0) {
            return u8::try_from(level).ok();
        }
        if let Some(acr) = self.claims.get("acr").and_then(Value::as_str) {
            return match acr {
                "selfregistered-email" | "idporten-loa-low" => Some(0),
                "idporten-loa-substantial" => Some(3),
                "idporten-loa-high" => Some(4),
                _ => None,
            };
        }
        self.system_user.as_ref().map(|_| 3)
    }

    /// DP `ServiceOwnerOnBehalfOfPersonMiddleware`: a service owner passing `enduserid` acts
    /// for that person. Applies only when the first scope claim holds `.serviceprovider`;
    /// otherwise the principal is returned unchanged.
    pub fn on_behalf_of(mut self, enduserid: Option<&str>) -> Result<Self, EndUserIdError> {
        let Some(value) = enduserid else {
            return Ok(self);
        };
        if !self.has_scope(scopes::SERVICE_PROVIDER) {
            return Ok(self);
        }
        // DP's parser takes the part after the last ':' and validates it as a f-nr/d-nr.
        let id_part = value.rsplit(':').next().unwrap_or(value);
        let pid = NationalIdentityNumber::parse(id_part).map_err(|_| EndUserIdError)?;
        let mut claims = (*self.claims).clone();
        claims.insert("pid".to_owned(), Value::String(pid.as_str().to_owned()));
        self.claims = Arc::new(claims);
        self.pid = Some(pid);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn principal(claims: Value) -> Principal {
        let Value::Object(map) = claims else {
            panic!("claims must be an object")
        };
        Principal::from_claims(Scheme::Altinn, Arc::new(map), 0)
    }

    const CONSUMER: &str = r#"{"authority":"iso6523-actorid-upis","ID":"0192:991825827"}"#;

    #[test]
    fn user_types_follow_the_documented_order() {
        let consumer: Value = serde_json::from_str(CONSUMER).expect("json");
        let so = principal(
            json!({"scope": "digdir:dialogporten.serviceprovider", "consumer": consumer}),
        );
        assert_eq!(so.user_type(), UserType::ServiceOwner);
        assert_eq!(
            so.user_id().map(|u| u.to_string()).as_deref(),
            Some("urn:altinn:organization:identifier-no:991825827")
        );
        let obo = principal(
            json!({"scope": "digdir:dialogporten.serviceprovider", "consumer": consumer, "pid": "08844397713"}),
        );
        assert_eq!(obo.user_type(), UserType::ServiceOwnerOnBehalfOfPerson);
        let person = principal(
            json!({"scope": "digdir:dialogporten", "pid": "08844397713", "acr": "idporten-loa-high"}),
        );
        assert_eq!(person.user_type(), UserType::Person);
        assert_eq!(person.authentication_level(), Some(4));
        let bad_pid = principal(json!({"scope": "digdir:dialogporten", "pid": "08844397714"}));
        assert_eq!(bad_pid.user_type(), UserType::Unknown);
        let system = principal(json!({"scope": "digdir:dialogporten", "consumer": consumer,
            "authorization_details": {"type": "urn:altinn:systemuser", "systemuser_id": ["7633BE4C-DBD5-49F4-BBC4-C058B275DE7B"],
            "systemuser_org": {"authority": "ISO6523-ACTORID-UPIS", "ID": "0192:310057223"}}}));
        assert_eq!(system.user_type(), UserType::SystemUser);
        let claim = system.system_user.clone().expect("system user");
        assert_eq!(claim.id, "7633be4c-dbd5-49f4-bbc4-c058b275de7b");
        assert_eq!(
            claim.org.map(|o| o.to_string()).as_deref(),
            Some("310057223")
        );
        assert_eq!(system.authentication_level(), Some(3));
        let email = principal(
            json!({"scope": "digdir:dialogporten", "email": "Someone@Example.com",
            "amr": ["Selfregistered-email"], "acr": "selfregistered-email"}),
        );
        assert_eq!(email.user_type(), UserType::IdportenEmailIdentifiedUser);
        assert_eq!(email.authentication_level(), Some(0));
        assert_eq!(email.email_user.as_deref(), Some("someone@example.com"));
        let email_other_amr =
            principal(json!({"email": "a@b.no", "amr": ["Selfregistered-email", "pwd"]}));
        assert_eq!(email_other_amr.user_type(), UserType::Unknown);
    }

    #[test]
    fn consumer_claims_must_be_exact_iso6523() {
        for bad in [
            json!({"authority": "other", "ID": "0192:991825827"}),
            json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825828"}),
            json!({"authority": "iso6523-actorid-upis", "ID": "0193:991825827"}),
            json!({"authority": "iso6523-actorid-upis", "ID": "0192:991825827:x"}),
            json!({"authority": "iso6523-actorid-upis", "id": "0192:991825827"}),
            json!("0192:991825827"),
        ] {
            assert!(
                principal(json!({"consumer": bad})).consumer.is_none(),
                "{bad}"
            );
        }
        assert!(
            principal(json!({"consumer": CONSUMER})).consumer.is_some(),
            "JSON text claim"
        );
    }

    #[test]
    fn authentication_level_reads_numbers_strings_and_acr() {
        assert_eq!(
            principal(json!({"urn:altinn:authlevel": 3})).authentication_level(),
            Some(3)
        );
        assert_eq!(
            principal(json!({"urn:altinn:authlevel": "2"})).authentication_level(),
            Some(2)
        );
        assert_eq!(
            principal(json!({"urn:altinn:authlevel": -1, "acr": "idporten-loa-substantial"}))
                .authentication_level(),
            Some(3)
        );
        assert_eq!(
            principal(json!({"acr": "unknown"})).authentication_level(),
            None
        );
        assert_eq!(principal(json!({})).authentication_level(), None);
    }

    #[test]
    fn has_scope_reads_the_first_scope_claim_and_policies_read_all() {
        let p = principal(
            json!({"scope": ["digdir:dialogporten", "digdir:dialogporten.serviceprovider"]}),
        );
        assert!(p.has_scope("digdir:dialogporten"));
        assert!(!p.has_scope("digdir:dialogporten.serviceprovider"));
        assert!(p.has_policy_scope("digdir:dialogporten.serviceprovider"));
        // Exact tokens, not substrings.
        assert!(
            !principal(json!({"scope": "digdir:dialogporten.serviceprovider.search"}))
                .has_scope(scopes::SERVICE_PROVIDER)
        );
    }

    #[test]
    fn enduserid_switches_a_service_owner_to_on_behalf_of_person() {
        let so = principal(
            json!({"scope": "digdir:dialogporten.serviceprovider", "consumer": CONSUMER}),
        );
        let obo = so
            .clone()
            .on_behalf_of(Some("urn:altinn:person:identifier-no:08844397713"))
            .expect("valid");
        assert_eq!(obo.user_type(), UserType::ServiceOwnerOnBehalfOfPerson);
        assert_eq!(
            so.clone()
                .on_behalf_of(Some("urn:altinn:person:identifier-no:08844397714"))
                .err(),
            Some(EndUserIdError)
        );
        let person = principal(json!({"scope": "digdir:dialogporten", "pid": "03886595947"}));
        let unchanged = person
            .on_behalf_of(Some("garbage"))
            .expect("ignored without the serviceprovider scope");
        assert_eq!(
            unchanged.pid.map(|p| p.as_str().to_owned()).as_deref(),
            Some("03886595947")
        );
    }
}
