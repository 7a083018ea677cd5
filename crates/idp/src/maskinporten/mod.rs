//! The embedded Maskinporten at `{public_url}/maskinporten/` (auth.md §2): RFC 8414 metadata,
//! JWKS and the token endpoint for RFC 7523 JWT-bearer grants, with suppliers (`consumer_org`,
//! §2.5) and system users (`authorization_details`, §3).
//!
//! A grant is checked as Maskinporten checks it (§2.3): the header names a registered key of
//! the client (`kid`) or carries a certificate whose public key is registered (`x5c`); `alg` is
//! RS256, RS384 or RS512 (and the key's own `alg` when it has one); `aud` is this issuer, `iss`
//! the client id, `iat` within ±10 s of the server clock, `exp` in the future and at most 120 s
//! after `iat`, `jti` single-use; every scope must be registered for the client. Errors are the
//! real service's OAuth error bodies, with the MP code in the description and in `error_uri`.

mod error;
mod on_behalf;
mod replay;

pub use replay::SingleUse;
pub mod x509;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use crate::clients::{ClientKind, ClientRegistry, GRANT_ALGORITHMS, OAuthClient, rsa_components};
use crate::signing::SigningKey;
use replay::ReplayCache;

pub use error::GrantError;
use error::no_store;

pub const BASE_PATH: &str = "/maskinporten/";
pub const METADATA_PATH: &str = "/maskinporten/.well-known/oauth-authorization-server";
pub const JWKS_PATH: &str = "/maskinporten/jwk";
pub const TOKEN_PATH: &str = "/maskinporten/token";

/// The only grant type Maskinporten takes.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime of an access token, as the real test service's (auth.md §2.2: 120 s).
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 120;
/// `exp − iat` of a grant may be at most this (auth.md §2.3).
pub const MAX_GRANT_LIFETIME_SECS: i64 = 120;
/// `iat` must be within this many seconds of the server clock (auth.md §2.3).
pub const IAT_SKEW_SECS: i64 = 10;
/// The RAR type of system-user requests (auth.md §3).
pub const SYSTEM_USER_TYPE: &str = "urn:altinn:systemuser";
const ISO6523_AUTHORITY: &str = "iso6523-actorid-upis";
/// Claims a grant may carry (auth.md §2.3; `sub` and `nbf` from RFC 7523). Anything else is
/// refused, as Maskinporten refuses claims it does not document.
const GRANT_CLAIMS: [&str; 13] = [
    "aud",
    "iss",
    "sub",
    "iat",
    "exp",
    "nbf",
    "jti",
    "scope",
    "resource",
    "consumer_org",
    "authorization_details",
    "pid",
    "iss_onbehalfof",
];
/// Assertions longer than this are refused before parsing (a certificate chain fits easily).
const MAX_ASSERTION_BYTES: usize = 64 * 1024;

/// A system user as the grant check sees it (the registry's `systemUsers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUserRecord {
    /// Lower-case hyphenated UUID.
    pub id: String,
    /// The vendor's system, e.g. `991825827_smartcloud`.
    pub system_id: String,
    /// The organisation whose system it is (the client's org must match).
    pub vendor_org_number: String,
}

/// What Maskinporten asks Altinn while checking a grant: API delegations (suppliers) and
/// system users. The server answers from the registry, live.
pub trait AltinnRights: Send + Sync {
    /// The scopes `consumer_org` has delegated to `supplier_org` (both organisation numbers).
    fn delegated_scopes(&self, consumer_org: &str, supplier_org: &str) -> Vec<String>;
    /// The system users owned by the organisation `owner_org`.
    fn system_users(&self, owner_org: &str) -> Vec<SystemUserRecord>;
}

/// A successful token response (auth.md §2.3).
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
    /// The access token's claims (for logs and tests).
    pub claims: Map<String, Value>,
}

impl IssuedToken {
    pub fn body(&self) -> Value {
        json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        })
    }
}

pub struct MaskinportenIssuer {
    /// `{public_url}/maskinporten/` (the real one ends in `/` too).
    pub issuer: String,
    public_url: String,
    pub key: SigningKey,
    pub clients: Arc<ClientRegistry>,
    rights: Option<Arc<dyn AltinnRights>>,
    replay: Arc<dyn SingleUse>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A NumericDate claim: an integer, or a number with a fraction (truncated).
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, GrantError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                GrantError::client_auth("MP-100", format!("Invalid JWT claim {name}: not a number"))
            }),
    }
}

fn iso6523(org_number: &str) -> Value {
    json!({"authority": ISO6523_AUTHORITY, "ID": format!("0192:{org_number}")})
}

fn valid_org_number(value: &str) -> bool {
    dp_domain::OrganizationNumber::parse(value).is_ok()
}

/// The decoded, signature-checked parts of a grant.
struct Assertion {
    client: OAuthClient,
    claims: Map<String, Value>,
    /// `private_key_jwt` (registered key) or `virksomhetssertifikat` (x5c).
    client_amr: &'static str,
}

impl MaskinportenIssuer {
    pub fn new(public_url: &str, key: SigningKey, clients: Arc<ClientRegistry>) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Self {
            issuer: format!("{public_url}{BASE_PATH}"),
            public_url,
            key,
            clients,
            rights: None,
            replay: Arc::new(ReplayCache::default()),
        }
    }

    /// Remembers accepted grants in `memory` instead of this process (several instances).
    pub fn with_single_use(mut self, memory: Arc<dyn SingleUse>) -> Self {
        self.replay = memory;
        self
    }

    /// Answers supplier and system-user grants from `rights` (without it, both are refused).
    pub fn with_rights(mut self, rights: Arc<dyn AltinnRights>) -> Self {
        self.rights = Some(rights);
        self
    }

    pub fn metadata_url(&self) -> String {
        format!("{}{METADATA_PATH}", self.public_url)
    }

    pub fn token_endpoint(&self) -> String {
        format!("{}{TOKEN_PATH}", self.public_url)
    }

    pub fn metadata(&self) -> Value {
        json!({
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint(),
            "jwks_uri": format!("{}{JWKS_PATH}", self.public_url),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "grant_types_supported": [GRANT_TYPE],
            "token_endpoint_auth_signing_alg_values_supported": GRANT_ALGORITHMS,
            "authorization_details_types_supported": [SYSTEM_USER_TYPE],
        })
    }

    /// Grants remembered for replay detection right now.
    pub fn remembered_grants(&self) -> Option<usize> {
        self.replay.entries()
    }

    /// Handles a token request's form parameters at time `now` (Unix seconds).
    pub fn token_request(
        &self,
        form: &[(String, String)],
        now: i64,
    ) -> Result<IssuedToken, GrantError> {
        let mut params: HashMap<&str, &str> = HashMap::new();
        for (name, value) in form {
            if params.insert(name, value).is_some() {
                return Err(GrantError::new(
                    "invalid_request",
                    None,
                    format!("The parameter {name} is given more than once"),
                ));
            }
        }
        match params.get("grant_type") {
            None => {
                return Err(GrantError::new(
                    "invalid_request",
                    None,
                    "Missing required parameter: grant_type",
                ));
            }
            Some(&GRANT_TYPE) => {}
            Some(other) => {
                return Err(GrantError::new(
                    "unsupported_grant_type",
                    None,
                    format!(
                        "Unsupported grant_type '{other}'; Maskinporten supports only {GRANT_TYPE}"
                    ),
                ));
            }
        }
        let assertion = match params.get("assertion") {
            Some(a) if !a.is_empty() => *a,
            _ => {
                return Err(GrantError::new(
                    "invalid_request",
                    None,
                    "Missing required parameter: assertion",
                ));
            }
        };
        self.grant(assertion, now)
    }

    /// Checks a JWT grant and issues an access token.
    pub fn grant(&self, assertion: &str, now: i64) -> Result<IssuedToken, GrantError> {
        let Assertion {
            client,
            claims,
            client_amr,
        } = self.authenticate(assertion, now)?;
        self.check_claims(&client, &claims, now)?;

        // Single use: remembered once the grant is authentic and current.
        let exp = numeric_date(&claims, "exp")?.unwrap_or(now);
        let replay_key = match claims.get("jti") {
            Some(Value::String(jti)) => format!("{}\u{0}{jti}", client.client_id),
            _ => format!(
                "sha256\u{0}{}",
                URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
                    &aws_lc_rs::digest::SHA256,
                    assertion.as_bytes()
                ))
            ),
        };
        let first = self
            .replay
            .first_use(replay_key, exp.max(now) + IAT_SKEW_SECS, now)
            .map_err(|cause| {
                tracing::warn!(%cause, "the replay cache cannot be reached");
                GrantError::new(
                    "server_error",
                    None,
                    "The grant cannot be checked for reuse right now; try again",
                )
            })?;
        if !first {
            let which = match claims.get("jti").and_then(Value::as_str) {
                Some(jti) => format!("jti '{jti}'"),
                None => "the same assertion".to_owned(),
            };
            return Err(GrantError::new(
                "invalid_grant",
                Some("MP-012"),
                format!(
                    "Invalid assertion. The JWT grant has been used before ({which}); every grant needs a new jti"
                ),
            ));
        }

        let scopes = self.scopes(&client, &claims)?;
        let audience = resource(&claims)?;
        let consumer_org = match claims.get("consumer_org") {
            None => None,
            Some(Value::String(org)) if valid_org_number(org) => Some(org.clone()),
            Some(other) => {
                return Err(GrantError::request(
                    "MP-011",
                    format!(
                        "Invalid parameter consumer_org: {other} is not a 9-digit organisation number"
                    ),
                ));
            }
        };
        let system_user = match claims.get("authorization_details") {
            None => None,
            Some(details) => {
                if consumer_org.is_some() {
                    return Err(GrantError::request(
                        "MP-011",
                        "consumer_org cannot be combined with authorization_details",
                    ));
                }
                Some(self.system_user(&client, details)?)
            }
        };
        if let Some(consumer) = &consumer_org {
            self.check_delegation(&client, consumer, &scopes)?;
        }

        let scope = scopes.join(" ");
        let mut token = Map::new();
        if let Some(details) = system_user {
            token.insert("authorization_details".into(), json!([details]));
        }
        if let Some(audience) = audience {
            token.insert("aud".into(), audience);
        }
        token.insert("scope".into(), json!(scope));
        token.insert("iss".into(), json!(self.issuer));
        token.insert("client_amr".into(), json!(client_amr));
        token.insert("token_type".into(), json!("Bearer"));
        token.insert("exp".into(), json!(now + ACCESS_TOKEN_LIFETIME_SECS));
        token.insert("iat".into(), json!(now));
        token.insert("client_id".into(), json!(client.client_id));
        token.insert("jti".into(), json!(random_jti()));
        match &consumer_org {
            Some(consumer) => {
                token.insert("supplier".into(), iso6523(&client.org_number));
                token.insert(
                    "delegation_source".into(),
                    json!(format!("{}/", self.public_url)),
                );
                token.insert("consumer".into(), iso6523(consumer));
            }
            None => {
                token.insert("consumer".into(), iso6523(&client.org_number));
            }
        }
        let access_token = self.key.sign(&token).map_err(|e| {
            tracing::error!(error = %e, "signing a Maskinporten access token failed");
            GrantError::new("server_error", None, "The access token could not be signed")
        })?;
        tracing::debug!(client_id = %client.client_id, %scope, "Maskinporten token issued");
        Ok(IssuedToken {
            access_token,
            expires_in: ACCESS_TOKEN_LIFETIME_SECS,
            scope,
            claims: token,
        })
    }

    /// Decodes the grant, finds the client and its key, and verifies the signature.
    fn authenticate(&self, assertion: &str, now: i64) -> Result<Assertion, GrantError> {
        if assertion.len() > MAX_ASSERTION_BYTES {
            return Err(GrantError::request(
                "MP-011",
                format!("The assertion is longer than {MAX_ASSERTION_BYTES} bytes"),
            ));
        }
        let malformed = || {
            GrantError::client_auth(
                "MP-100",
                "The assertion is not a signed JWT (base64url header.payload.signature).",
            )
        };
        let mut parts = assertion.split('.');
        let (Some(header_part), Some(payload_part), Some(signature_part), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let object = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .and_then(|value| match value {
                    Value::Object(map) => Some(map),
                    _ => None,
                })
        };
        let header = object(header_part).ok_or_else(malformed)?;
        let claims = object(payload_part).ok_or_else(malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_part)
            .map_err(|_| malformed())?;

        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        let parameters = match alg {
            "RS256" => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            "RS384" => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA384,
            "RS512" => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA512,
            _ => {
                return Err(GrantError::client_auth(
                    "MP-100",
                    format!(
                        "Unsupported JWT algorithm '{alg}'; Maskinporten accepts RS256, RS384 and RS512."
                    ),
                ));
            }
        };
        if header.contains_key("crit") {
            return Err(GrantError::client_auth(
                "MP-100",
                "The JWT header has critical extensions (crit) this server does not understand.",
            ));
        }

        let client_id = match claims.get("iss") {
            Some(Value::String(iss)) if !iss.is_empty() => iss.clone(),
            _ => {
                return Err(GrantError::client_auth(
                    "MP-100",
                    "Missing JWT claim iss (your client_id).",
                ));
            }
        };
        let client = self.clients.get(&client_id).ok_or_else(|| {
            GrantError::client_auth("MP-100", format!("Unknown client '{client_id}'."))
        })?;
        if client.kind != ClientKind::Maskinporten {
            return Err(GrantError::client_auth(
                "MP-100",
                format!(
                    "The client '{client_id}' is an ID-porten client, not a Maskinporten client."
                ),
            ));
        }
        let keys: Vec<Value> = client
            .jwks
            .as_ref()
            .and_then(|jwks| jwks.get("keys"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();

        let (key, client_amr) = match (header.get("kid"), header.get("x5c")) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(GrantError::client_auth(
                    "MP-100",
                    "The JWT header must name either kid (a registered key) or x5c (a certificate chain), exactly one of them.",
                ));
            }
            (Some(kid), None) => {
                let kid = kid.as_str().unwrap_or_default();
                let key = keys
                    .iter()
                    .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))
                    .ok_or_else(|| {
                        GrantError::client_auth(
                            "MP-100",
                            format!("No key with kid '{kid}' is registered for the client '{client_id}'."),
                        )
                    })?;
                (key.clone(), "private_key_jwt")
            }
            (None, Some(x5c)) => (
                self.certificate_key(&client, &keys, x5c, now)?,
                "virksomhetssertifikat",
            ),
        };
        if let Some(key_alg) = key.get("alg").and_then(Value::as_str)
            && key_alg != alg
        {
            return Err(GrantError::client_auth(
                "MP-100",
                format!("The key is registered for {key_alg}, but the JWT is signed with {alg}."),
            ));
        }
        let (n, e) = rsa_components(&key).ok_or_else(|| {
            GrantError::client_auth("MP-100", "The registered key is not a usable RSA key.")
        })?;
        let message = &assertion[..header_part.len() + 1 + payload_part.len()];
        aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(parameters, message.as_bytes(), &signature)
            .map_err(|_| GrantError::client_auth("MP-124", "Invalid JWT signature."))?;
        Ok(Assertion {
            client,
            claims,
            client_amr,
        })
    }

    /// The registered key whose public key is the `x5c` leaf certificate's.
    fn certificate_key(
        &self,
        client: &OAuthClient,
        keys: &[Value],
        x5c: &Value,
        now: i64,
    ) -> Result<Value, GrantError> {
        let bad_chain = || {
            GrantError::client_auth(
                "MP-123",
                "x5c must be an array of base64-encoded DER certificates, the signing certificate first.",
            )
        };
        let leaf = x5c
            .as_array()
            .filter(|chain| chain.iter().all(Value::is_string))
            .and_then(|chain| chain.first())
            .and_then(Value::as_str)
            .ok_or_else(bad_chain)?;
        let der = STANDARD.decode(leaf).map_err(|_| bad_chain())?;
        let invalid = |detail: String| {
            GrantError::client_auth(
                "MP-120",
                format!("The JWT is signed with an invalid certificate. {detail}"),
            )
        };
        let certificate = x509::parse(&der).map_err(|e| invalid(format!("({e})")))?;
        if now < certificate.not_before {
            return Err(invalid(format!(
                "(not valid before {})",
                certificate.not_before
            )));
        }
        if now > certificate.not_after {
            return Err(invalid(format!("(expired at {})", certificate.not_after)));
        }
        keys.iter()
            .find(|key| {
                rsa_components(key).is_some_and(|(n, e)| n == certificate.n && e == certificate.e)
            })
            .cloned()
            .ok_or_else(|| {
                GrantError::client_auth(
                    "MP-100",
                    format!(
                        "The certificate's public key is not registered for the client '{}'.",
                        client.client_id
                    ),
                )
            })
    }

    /// `aud`, `sub`, time claims and the claim allow-list.
    fn check_claims(
        &self,
        client: &OAuthClient,
        claims: &Map<String, Value>,
        now: i64,
    ) -> Result<(), GrantError> {
        let unknown: Vec<&str> = claims
            .keys()
            .map(String::as_str)
            .filter(|name| !GRANT_CLAIMS.contains(name))
            .collect();
        if !unknown.is_empty() {
            return Err(GrantError::new(
                "invalid_grant",
                Some("MP-100"),
                format!(
                    "Invalid assertion. Claims not supported in a JWT grant: {}",
                    unknown.join(", ")
                ),
            ));
        }
        for name in ["pid", "iss_onbehalfof"] {
            if claims.contains_key(name) {
                return Err(GrantError::request(
                    "MP-011",
                    format!(
                        "The JWT grant claim {name} is not supported by this local Maskinporten"
                    ),
                ));
            }
        }
        let audience = match claims.get("aud") {
            Some(Value::String(aud)) => Some(aud.as_str()),
            Some(Value::Array(values)) if values.len() == 1 => values[0].as_str(),
            _ => None,
        };
        let bare_issuer = self.issuer.trim_end_matches('/');
        if !audience.is_some_and(|aud| aud == self.issuer || aud == bare_issuer) {
            return Err(GrantError::client_auth(
                "MP-110",
                format!(
                    "Invalid JWT claim aud (expected the issuer '{}', one value).",
                    self.issuer
                ),
            ));
        }
        if let Some(sub) = claims.get("sub")
            && sub.as_str() != Some(client.client_id.as_str())
        {
            return Err(GrantError::client_auth(
                "MP-100",
                "Invalid JWT claim sub (must be your client_id, as iss).",
            ));
        }
        let iat = numeric_date(claims, "iat")?
            .ok_or_else(|| GrantError::client_auth("MP-100", "Missing JWT claim iat."))?;
        let exp = numeric_date(claims, "exp")?
            .ok_or_else(|| GrantError::client_auth("MP-100", "Missing JWT claim exp."))?;
        if iat > now + IAT_SKEW_SECS {
            return Err(GrantError::client_auth(
                "MP-130",
                format!(
                    "Invalid JWT claim iat: {} s ahead of the server clock (at most {IAT_SKEW_SECS} s allowed).",
                    iat - now
                ),
            ));
        }
        if iat < now - IAT_SKEW_SECS {
            return Err(GrantError::client_auth(
                "MP-130",
                format!(
                    "Invalid JWT claim iat: issued {} s ago (at most {IAT_SKEW_SECS} s allowed); make a new grant for every token request.",
                    now - iat
                ),
            ));
        }
        if exp <= now {
            return Err(GrantError::client_auth(
                "MP-130",
                format!("The JWT has expired (exp is {} s in the past).", now - exp),
            ));
        }
        if exp - iat > MAX_GRANT_LIFETIME_SECS {
            return Err(GrantError::client_auth(
                "MP-130",
                format!(
                    "Invalid JWT claim exp: exp - iat is {} s (at most {MAX_GRANT_LIFETIME_SECS} s allowed).",
                    exp - iat
                ),
            ));
        }
        if let Some(nbf) = numeric_date(claims, "nbf")?
            && nbf > now + IAT_SKEW_SECS
        {
            return Err(GrantError::client_auth(
                "MP-130",
                "Invalid JWT claim nbf: the JWT is not valid yet.",
            ));
        }
        match claims.get("jti") {
            None => {}
            Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= 256 => {}
            Some(_) => {
                return Err(GrantError::request(
                    "MP-011",
                    "Invalid parameter jti: a string of 1-256 characters",
                ));
            }
        }
        Ok(())
    }

    /// The requested scopes, each registered for the client (MP-200).
    fn scopes(
        &self,
        client: &OAuthClient,
        claims: &Map<String, Value>,
    ) -> Result<Vec<String>, GrantError> {
        let requested = match claims.get("scope") {
            Some(Value::String(scope)) => scope,
            Some(_) => {
                return Err(GrantError::request(
                    "MP-011",
                    "Invalid parameter scope: a space-separated string",
                ));
            }
            None => {
                return Err(GrantError::request(
                    "MP-011",
                    "Missing JWT claim scope (space-separated scopes)",
                ));
            }
        };
        let mut scopes: Vec<String> = Vec::new();
        for scope in requested.split(' ').filter(|s| !s.is_empty()) {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(GrantError::request(
                "MP-011",
                "Missing JWT claim scope (space-separated scopes)",
            ));
        }
        let missing: Vec<&str> = scopes
            .iter()
            .map(String::as_str)
            .filter(|s| !client.scopes.iter().any(|allowed| allowed == s))
            .collect();
        if !missing.is_empty() {
            return Err(GrantError::new(
                "invalid_scope",
                Some("MP-200"),
                format!(
                    "Invalid scopes: {} (not registered for the client '{}')",
                    missing.join(" "),
                    client.client_id
                ),
            ));
        }
        Ok(scopes)
    }

    pub fn router(self: Arc<Self>) -> Router {
        let metadata = |State(me): State<Arc<Self>>| async move { Json(me.metadata()) };
        Router::new()
            .route(METADATA_PATH, get(metadata))
            // Dialogporten's own configuration names the URL with a trailing slash (auth.md §2.1).
            .route(&format!("{METADATA_PATH}/"), get(metadata))
            .route(
                JWKS_PATH,
                get(|State(me): State<Arc<Self>>| async move { Json(me.key.jwks()) }),
            )
            .route(TOKEN_PATH, post(token_endpoint))
            .with_state(self)
    }
}

/// `resource` → the access token's `aud`: a string, or a non-empty array of strings.
fn resource(claims: &Map<String, Value>) -> Result<Option<Value>, GrantError> {
    let invalid = || {
        GrantError::request(
            "MP-011",
            "Invalid parameter resource: a string or an array of strings (the audiences of the token)",
        )
    };
    match claims.get("resource") {
        None => Ok(None),
        Some(Value::String(r)) if !r.is_empty() => Ok(Some(json!(r))),
        Some(Value::Array(items))
            if !items.is_empty()
                && items.len() <= 10
                && items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| !s.is_empty())) =>
        {
            Ok(Some(if items.len() == 1 {
                items[0].clone()
            } else {
                Value::Array(items.clone())
            }))
        }
        Some(_) => Err(invalid()),
    }
}

/// 32 random bytes, base64url: the shape of the real service's `jti`.
fn random_jti() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn token_endpoint(
    State(me): State<Arc<MaskinportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return GrantError::new(
            "invalid_request",
            None,
            "The token request must be a form: Content-Type application/x-www-form-urlencoded",
        )
        .into_response();
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let now = now_secs();
    // RSA signing takes about a millisecond: off the async workers.
    let result = tokio::task::spawn_blocking(move || me.token_request(&form, now)).await;
    match result {
        Ok(Ok(issued)) => {
            let mut response = Json(issued.body()).into_response();
            no_store(response.headers_mut());
            response
        }
        Ok(Err(error)) => error.into_response(),
        Err(_) => GrantError::new("server_error", None, "The token request failed").into_response(),
    }
}
