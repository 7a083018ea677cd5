//! The Altinn test-token generator (auth.md §5; TT `TokenGenerator/*.cs`, `Services/Token.cs`,
//! `Services/RequestValidator.cs`), served under `{public_url}/testtools/api/`.
//!
//! Same endpoints, query parameters, defaults, validation messages and claim sets as the real
//! generator; tokens are signed by the embedded Altinn issuer, so they look like
//! Altinn-exchanged tokens and pass the `Altinn` scheme. `env` is accepted and ignored.
//! Responses: the raw JWT as text, `dump` → indented header, `\n.\n`, indented payload;
//! `bulkCount` → a JSON object from generated pid/orgNo to token; 400 → a JSON object from
//! parameter name to message.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use dp_domain::{NationalIdentityNumber, OrganizationNumber};
use rand::Rng;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::altinn::AltinnIssuer;

const MISSING: &str = "Parameter must be supplied";
const INVALID: &str = "Parameter was supplied with a invalid value";
/// The realm of the real generator's Basic challenge.
pub const BASIC_REALM: &str = r#"Basic realm="AltinnTestTools - TokenGenerator""#;
/// Bulk minting is bounded: each token is an RSA signature.
pub const MAX_BULK_COUNT: u32 = 10_000;

/// The token kinds the generator mints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Enterprise,
    Personal,
    SystemUser,
    SelfRegisteredEmail,
    EnterpriseUser,
}

impl TokenKind {
    pub fn from_endpoint(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "getenterprisetoken" => Some(Self::Enterprise),
            "getpersonaltoken" => Some(Self::Personal),
            "getsystemusertoken" => Some(Self::SystemUser),
            "getselfregisteredemailusertoken" => Some(Self::SelfRegisteredEmail),
            "getenterpriseusertoken" => Some(Self::EnterpriseUser),
            _ => None,
        }
    }

    fn bulk_identity(self) -> Option<Identity> {
        match self {
            Self::Enterprise => Some(Identity::OrgNo),
            Self::Personal => Some(Identity::Pid),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
enum Identity {
    OrgNo,
    Pid,
}

/// Validation errors keyed by parameter name, as the real generator returns them.
pub type ParamErrors = BTreeMap<String, String>;

/// Query parameters with case-insensitive names (ASP.NET's query collection).
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn new<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Reads and validates parameters, collecting every error before giving up.
struct Reader<'a> {
    params: &'a Params,
    errors: ParamErrors,
}

impl Reader<'_> {
    fn check(
        &mut self,
        name: &str,
        required: bool,
        valid: impl Fn(&str) -> bool,
    ) -> Option<String> {
        match self.params.get(name) {
            None => {
                if required {
                    self.errors.insert(name.to_owned(), MISSING.to_owned());
                }
                None
            }
            Some(value) if valid(value) => Some(value.to_owned()),
            Some(_) => {
                self.errors.insert(name.to_owned(), INVALID.to_owned());
                None
            }
        }
    }

    fn scopes(&mut self, required: bool, default: &str) -> String {
        let valid = |v: &str| {
            v.len() <= 500
                && v.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b":/_-,. ".contains(&b)
                })
        };
        self.check("scopes", required, valid)
            .map(|v| {
                v.replace(',', " ")
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| default.to_owned())
    }

    fn identifier(&mut self, name: &str, required: bool) -> Option<String> {
        self.check(name, required, |v| {
            v.len() <= 50
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    }

    fn digits(&mut self, name: &str, required: bool, counts: &[usize]) -> Option<String> {
        self.check(name, required, |v| {
            counts.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())
        })
    }

    fn number(&mut self, name: &str, required: bool) -> Option<u32> {
        self.check(name, required, |v| v.parse::<u32>().is_ok())
            .and_then(|v| v.parse().ok())
    }

    fn guid(&mut self, name: &str, required: bool) -> Option<String> {
        self.check(name, required, |v| uuid::Uuid::parse_str(v).is_ok())
            .and_then(|v| uuid::Uuid::parse_str(&v).ok())
            .map(|u| u.to_string())
    }

    fn uri(&mut self, name: &str) -> Option<String> {
        self.check(name, false, |v| url::Url::parse(v).is_ok())
    }
}

fn iso6523(org_no: &str) -> Value {
    json!({"authority": "iso6523-actorid-upis", "ID": format!("0192:{org_no}")})
}

fn random_jti() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
    let mut rng = rand::rng();
    (0..43)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A random synthetic (Tenor-style, month + 80) national identity number with valid check digits.
pub fn random_pid() -> String {
    let mut rng = rand::rng();
    loop {
        let day = rng.random_range(1..=28u8);
        let month = rng.random_range(1..=12u8) + 80;
        let year = rng.random_range(0..=99u8);
        let individual = rng.random_range(0..=999u16);
        let digits = [
            day / 10,
            day % 10,
            month / 10,
            month % 10,
            year / 10,
            year % 10,
            (individual / 100) as u8,
            (individual / 10 % 10) as u8,
            (individual % 10) as u8,
        ];
        if let Some(pid) = NationalIdentityNumber::from_prefix(digits) {
            return pid.as_str().to_owned();
        }
    }
}

/// A random organisation number in the synthetic 3xxxxxxxx range with a valid check digit.
pub fn random_org_no() -> String {
    let mut rng = rand::rng();
    loop {
        let mut digits = [3u8; 8];
        for digit in digits.iter_mut().skip(1) {
            *digit = rng.random_range(0..=9);
        }
        if let Some(org) = OrganizationNumber::from_prefix(digits) {
            return org.as_str().to_owned();
        }
    }
}

/// A claim set in insertion order (serde_json's `preserve_order`), as the generator writes it.
struct Claims(Map<String, Value>);

impl Claims {
    fn put(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_owned(), value);
    }

    /// Adds the claim only when a value was given.
    fn put_some(&mut self, name: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.put(name, value);
        }
    }
}

/// Mints test tokens with the embedded Altinn issuer's key.
pub struct TestTokenGenerator {
    issuer: Arc<AltinnIssuer>,
    /// Basic-auth users and passwords.
    users: Vec<(String, String)>,
}

/// What a mint request produced.
pub enum Minted {
    Token(String),
    Dump(String),
    Bulk(BTreeMap<String, String>),
}

/// A mint request failed.
#[derive(Debug)]
pub enum MintError {
    Invalid(ParamErrors),
    Signing(String),
}

impl TestTokenGenerator {
    pub fn new(issuer: Arc<AltinnIssuer>, users: Vec<(String, String)>) -> Self {
        Self { issuer, users }
    }

    /// Validates the parameters of `kind` and mints the token(s) they ask for.
    pub fn mint(&self, kind: TokenKind, params: &Params) -> Result<Minted, MintError> {
        let now = time_now();
        let mut reader = Reader {
            params,
            errors: ParamErrors::new(),
        };
        let bulk = kind.bulk_identity().zip(
            reader
                .check("bulkCount", false, |v| {
                    v.parse::<u32>().is_ok_and(|n| n <= MAX_BULK_COUNT)
                })
                .and_then(|v| v.parse::<u32>().ok()),
        );
        let mut errors = reader.errors;
        // Every parameter is validated before any signing, and all errors come back together.
        let claims = self
            .claims(kind, params, now, None)
            .map_err(|e| errors.extend(e))
            .ok();
        let (Some(claims), true) = (claims, errors.is_empty()) else {
            return Err(MintError::Invalid(errors));
        };
        let sign = |claims: &Map<String, Value>| {
            self.issuer
                .key
                .sign(claims)
                .map_err(|e| MintError::Signing(e.to_string()))
        };
        let Some((identity, count)) = bulk else {
            let token = sign(&claims)?;
            return Ok(if params.get("dump").is_some() {
                Minted::Dump(dump(&token))
            } else {
                Minted::Token(token)
            });
        };
        let mut tokens = BTreeMap::new();
        while tokens.len() < count as usize {
            let id = match identity {
                Identity::OrgNo => random_org_no(),
                Identity::Pid => random_pid(),
            };
            if tokens.contains_key(&id) {
                continue;
            }
            let claims = self
                .claims(kind, params, now, Some(&id))
                .map_err(MintError::Invalid)?;
            tokens.insert(id, sign(&claims)?);
        }
        Ok(Minted::Bulk(tokens))
    }

    /// The claim set of one token, in the real generator's order. `identity` overrides the
    /// pid/orgNo in bulk mode.
    fn claims(
        &self,
        kind: TokenKind,
        params: &Params,
        now: i64,
        identity: Option<&str>,
    ) -> Result<Map<String, Value>, ParamErrors> {
        let mut r = Reader {
            params,
            errors: ParamErrors::new(),
        };
        let _env = params.get("env");
        let ttl = i64::from(r.number("ttl", false).unwrap_or(1800));
        let exp = now + ttl;
        let iss = self.issuer.issuer.as_str();
        let actual_iss = "altinn-test-tools";
        let mut c = Claims(Map::new());
        match kind {
            TokenKind::Enterprise => {
                let scopes = r.scopes(true, "");
                let org = r.identifier("org", false);
                let org_no = r.digits("orgNo", false, &[9]);
                let supplier = r.digits("supplierOrgNo", false, &[9]);
                let client_id = r.check("clientId", false, |_| true);
                let delegation_source = r.uri("delegationSource");
                let org_no = identity
                    .map(str::to_owned)
                    .or(org_no)
                    .unwrap_or_else(random_org_no);
                c.put("scope", json!(scopes));
                c.put("token_type", json!("Bearer"));
                c.put("exp", json!(exp));
                c.put("iat", json!(now));
                c.put(
                    "client_id",
                    json!(client_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())),
                );
                c.put("jti", json!(random_jti()));
                c.put("consumer", iso6523(&org_no));
                c.put("urn:altinn:orgNumber", json!(org_no));
                c.put("urn:altinn:authenticatemethod", json!("maskinporten"));
                c.put("urn:altinn:authlevel", json!(3));
                c.put("iss", json!(iss));
                c.put("actual_iss", json!(actual_iss));
                c.put("nbf", json!(now));
                c.put_some("urn:altinn:org", org.map(|v| json!(v)));
                c.put_some("supplier", supplier.map(|v| iso6523(&v)));
                c.put_some("delegation_source", delegation_source.map(|v| json!(v)));
            }
            TokenKind::Personal => {
                let scopes = r.scopes(false, "altinn:enduser");
                let pid = r.digits("pid", false, &[11]);
                let user_id = r.number("userId", false).unwrap_or(0);
                let party_id = r.number("partyId", false).unwrap_or(0);
                let party_uuid = r.guid("partyuuid", false);
                let auth_level = r
                    .check("authLvl", false, |v| ["1", "2", "3", "4"].contains(&v))
                    .unwrap_or_else(|| "3".into());
                let consumer = r.digits("consumerOrgNo", false, &[9, 11]);
                let user_name = r.check("userName", false, |_| true);
                let client_amr = r
                    .check("clientAmr", false, |_| true)
                    .unwrap_or_else(|| "virksomhetssertifikat".into());
                let delegation_source = r.uri("delegationSource");
                let pid = identity
                    .map(str::to_owned)
                    .or(pid)
                    .unwrap_or_else(random_pid);
                let acr = match auth_level.as_str() {
                    "3" => "idporten-loa-substantial",
                    "4" => "idporten-loa-high",
                    _ => "idporten-loa-low",
                };
                c.put("urn:altinn:authenticatemethod", json!("NotDefined"));
                c.put("urn:altinn:authlevel", json!(auth_level));
                c.put("client_amr", json!(client_amr));
                c.put("pid", json!(pid));
                c.put("token_type", json!("Bearer"));
                c.put("client_id", json!(uuid::Uuid::new_v4().to_string()));
                c.put("acr", json!(acr));
                c.put("scope", json!(scopes));
                c.put("exp", json!(exp));
                c.put("iat", json!(now));
                c.put("iss", json!(iss));
                c.put("actual_iss", json!(actual_iss));
                c.put("nbf", json!(now));
                c.put_some("delegation_source", delegation_source.map(|v| json!(v)));
                if let Some(consumer) = consumer {
                    c.put("client_orgno", json!(consumer));
                    c.put("consumer", iso6523(&consumer));
                }
                if user_id != 0 {
                    c.put("nameid", json!(user_id.to_string()));
                    c.put("urn:altinn:userid", json!(user_id));
                }
                if party_id != 0 {
                    c.put("urn:altinn:partyid", json!(party_id));
                }
                c.put_some("urn:altinn:username", user_name.map(|v| json!(v)));
                c.put_some("urn:altinn:party:uuid", party_uuid.map(|v| json!(v)));
            }
            TokenKind::SystemUser => {
                let system_user_id = r.guid("systemUserId", true);
                let scopes = r.scopes(false, "altinn:enduser");
                let org_no = r
                    .digits("orgNo", false, &[9])
                    .unwrap_or_else(|| "991825827".into());
                let system_user_org = r
                    .digits("systemUserOrg", false, &[9])
                    .unwrap_or_else(|| "991825827".into());
                let supplier = r.digits("supplierOrgNo", false, &[9]);
                let client_id = r.identifier("clientId", false);
                c.put("iss", json!(iss));
                c.put("scope", json!(scopes));
                c.put(
                    "client_id",
                    json!(client_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string())),
                );
                c.put("consumer", iso6523(&org_no));
                c.put("exp", json!(exp));
                c.put("iat", json!(now));
                c.put("jti", json!(random_jti()));
                c.put(
                    "authorization_details",
                    json!([{
                        "type": "urn:altinn:systemuser",
                        "systemuser_id": [system_user_id.unwrap_or_default()],
                        "systemuser_org": iso6523(&system_user_org),
                        "system_id": uuid::Uuid::new_v4().to_string(),
                    }]),
                );
                c.put("urn:altinn:authenticatemethod", json!("maskinporten"));
                c.put("urn:altinn:authlevel", json!(3));
                c.put("token_type", json!("Bearer"));
                c.put("nbf", json!(now));
                c.put("actual_iss", json!(actual_iss));
                c.put_some("supplier", supplier.map(|v| iso6523(&v)));
            }
            TokenKind::SelfRegisteredEmail => {
                let email = r.check("email", true, |v| {
                    v.len() <= 50
                        && v.split('@').count() == 2
                        && v.split('@').all(|part| !part.is_empty())
                });
                let user_id = r.number("userId", false).unwrap_or(0);
                let scopes = r.scopes(false, "altinn:portal/enduser");
                let party_id = r
                    .number("partyId", false)
                    .unwrap_or_else(|| rand::rng().random_range(5_000_000..7_000_000));
                let party_uuid = r
                    .guid("partyuuid", false)
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                let email = email.unwrap_or_default();
                let jti = random_jti();
                c.put("sub", json!(format!("urn:altinn:party:uuid:{party_uuid}")));
                c.put("sid", json!(jti));
                c.put("iss", json!(iss));
                c.put("urn:altinn:party:uuid", json!(party_uuid));
                c.put("jti", json!(jti));
                c.put("urn:altinn:partyid", json!(party_id));
                c.put("urn:altinn:userid", json!(user_id));
                c.put("urn:altinn:username", json!(format!("epost:{email}")));
                c.put("orignaliss", json!("idporten"));
                c.put("email", json!(email));
                c.put(
                    "urn:altinn:party:external-identifier",
                    json!(format!("urn:altinn:person:idporten-email:{email}")),
                );
                c.put("acr", json!("selfregistered-email"));
                c.put("urn:altinn:authlevel", json!(0));
                c.put("amr", json!(["Selfregistered-email"]));
                c.put("urn:altinn:authenticatemethod", json!("IdportenEpost"));
                c.put("auth_time", json!(now));
                c.put("scope", json!(scopes));
                c.put("nbf", json!(now));
                c.put("exp", json!(exp));
                c.put("iat", json!(now));
                c.put("actual_iss", json!(actual_iss));
            }
            TokenKind::EnterpriseUser => {
                let org_no = r.digits("orgNo", true, &[9]);
                let party_id = r.number("partyId", true);
                let user_id = r.number("userId", true);
                let user_name = r.identifier("userName", true);
                let scopes = r.scopes(false, "altinn:enduser");
                let org = r.identifier("org", false);
                let supplier = r.digits("supplierOrgNo", false, &[9]);
                let party_uuid = r.guid("partyuuid", false);
                let delegation_source = r.uri("delegationSource");
                let org_no = org_no.unwrap_or_default();
                c.put("scope", json!(scopes));
                c.put("token_type", json!("Bearer"));
                c.put("exp", json!(exp));
                c.put("iat", json!(now));
                c.put("client_id", json!(uuid::Uuid::new_v4().to_string()));
                c.put("consumer", iso6523(&org_no));
                c.put("jti", json!(random_jti()));
                c.put("urn:altinn:userid", json!(user_id.unwrap_or(0)));
                c.put("urn:altinn:username", json!(user_name.unwrap_or_default()));
                c.put("urn:altinn:partyid", json!(party_id.unwrap_or(0)));
                c.put("urn:altinn:orgNumber", json!(org_no));
                c.put("urn:altinn:authenticatemethod", json!("virksomhetsbruker"));
                c.put("urn:altinn:authlevel", json!(3));
                c.put("iss", json!(iss));
                c.put("actual_iss", json!(actual_iss));
                c.put("nbf", json!(now));
                c.put_some("urn:altinn:org", org.map(|v| json!(v)));
                c.put_some("urn:altinn:party:uuid", party_uuid.map(|v| json!(v)));
                c.put_some("supplier", supplier.map(|v| iso6523(&v)));
                c.put_some("delegation_source", delegation_source.map(|v| json!(v)));
            }
        }
        if r.errors.is_empty() {
            Ok(c.0)
        } else {
            Err(r.errors)
        }
    }

    /// Whether the `Authorization` header holds one of the configured Basic users.
    /// `Err(())` means the header is Basic but undecodable (the real generator answers 400).
    fn authorize(&self, headers: &HeaderMap) -> Result<bool, ()> {
        let Some(value) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(false);
        };
        let Some((scheme, credentials)) = value.split_once(' ') else {
            return Ok(false);
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return Ok(false);
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials.trim())
            .map_err(|_| ())?;
        let decoded = String::from_utf8(decoded).map_err(|_| ())?;
        let (user, password) = decoded.split_once(':').ok_or(())?;
        // Compare digests in constant time so neither content nor length leaks through timing.
        let digest = |s: &str| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes());
        let (user, password) = (digest(user), digest(password));
        let mut any = subtle::Choice::from(0);
        for (u, p) in &self.users {
            any |= digest(u).as_ref().ct_eq(user.as_ref())
                & digest(p).as_ref().ct_eq(password.as_ref());
        }
        Ok(any.into())
    }

    /// `GET /testtools/api/{endpoint}`.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/testtools/api/{endpoint}", get(serve_token))
            .with_state(self)
    }
}

fn time_now() -> i64 {
    dp_auth::unix_now()
}

/// The real generator's `dump`: indented header, a line with `.`, indented payload.
fn dump(token: &str) -> String {
    let mut parts = token.split('.');
    let mut pretty = || {
        parts
            .next()
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
            .unwrap_or_default()
    };
    let header = pretty();
    let payload = pretty();
    format!("{header}\n.\n{payload}")
}

async fn serve_token(
    State(generator): State<Arc<TestTokenGenerator>>,
    Path(endpoint): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    match generator.authorize(&headers) {
        Ok(true) => {}
        Ok(false) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, BASIC_REALM)],
            )
                .into_response();
        }
        Err(()) => return StatusCode::BAD_REQUEST.into_response(),
    }
    let Some(kind) = TokenKind::from_endpoint(&endpoint) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let params = Params::new(query);
    // RSA signing is CPU work; keep it off the async workers (bulk mode signs thousands).
    let minted = tokio::task::spawn_blocking(move || generator.mint(kind, &params)).await;
    match minted {
        Ok(Ok(Minted::Token(token))) | Ok(Ok(Minted::Dump(token))) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], token).into_response()
        }
        Ok(Ok(Minted::Bulk(tokens))) => axum::Json(tokens).into_response(),
        Ok(Err(MintError::Invalid(errors))) => {
            (StatusCode::BAD_REQUEST, axum::Json(errors)).into_response()
        }
        Ok(Err(MintError::Signing(error))) => {
            tracing::error!(%error, "test token signing failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(join_error) => {
            tracing::error!(%join_error, "test token minting task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
