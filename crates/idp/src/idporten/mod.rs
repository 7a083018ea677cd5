//! The embedded ID-porten at `{public_url}/idporten` (auth.md §1): OpenID discovery and JWKS;
//! authorization code + PKCE (S256 only) with login and consent pages, token
//! (`authorization_code`, `refresh_token` with rotation and reuse detection), userinfo and
//! logout.
//!
//! - [`authorize`]: the authorization request, the flow from login to the code redirect;
//! - [`interaction`] and [`pages`]: the login and consent forms (server-rendered, no script,
//!   bound to the browser and protected by an anti-forgery token; nb, nn, en);
//! - [`token`] and [`client_auth`]: the token endpoint and client authentication;
//! - [`session_end`]: userinfo and logout;
//! - [`revoke`]: token revocation (RFC 7009) at `/idporten/revoke`;
//! - [`par`]: pushed authorization requests (RFC 9126) at `/idporten/par`, redeemed at
//!   `/idporten/authorize` with `client_id` and the single-use, short-lived `request_uri`;
//! - [`state`]: requests, sessions, codes, and the consents and refresh-token families kept in
//!   the data directory.
//!
//! Access tokens the issuer revokes (a reused code or refresh token, `/revoke`) are refused by
//! the API too: the state is registered as the issuer's [`dp_auth::revocation`] list.
//!
//! Tokens, codes and national identity numbers never reach the log.

mod authorize;
mod client_auth;
mod interaction;
mod pages;
mod par;
pub(crate) mod params;
mod revoke;
mod session_end;
mod state;
mod token;

use std::path::Path;
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dp_domain::NationalIdentityNumber;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clients::{ClientKind, ClientRegistry, OAuthClient};
use crate::signing::SigningKey;

pub use state::{CONSENTS_FILE, REFRESH_TOKENS_FILE, StateError};

pub const BASE_PATH: &str = "/idporten";
pub const DISCOVERY_PATH: &str = "/idporten/.well-known/openid-configuration";
pub const JWKS_PATH: &str = "/idporten/jwks.json";
pub const AUTHORIZE_PATH: &str = "/idporten/authorize";
pub const LOGIN_PATH: &str = "/idporten/login";
pub const CONSENT_PATH: &str = "/idporten/consent";
pub const TOKEN_PATH: &str = "/idporten/token";
pub const USERINFO_PATH: &str = "/idporten/userinfo";
pub const LOGOUT_PATH: &str = "/idporten/logout";
pub const REVOKE_PATH: &str = "/idporten/revoke";
pub const PAR_PATH: &str = "/idporten/par";

pub const SCOPE_OPENID: &str = "openid";
pub const SCOPE_PROFILE: &str = "profile";
/// Needs the user's consent, valid for [`CONSENT_SECONDS`] per (person, client, scope).
pub const SCOPE_DIALOGPORTEN: &str = "digdir:dialogporten";
/// Dialogporten's end-user scope that never asks for consent.
pub const SCOPE_DIALOGPORTEN_NOCONSENT: &str = "digdir:dialogporten.noconsent";

/// Consent to `digdir:dialogporten` lasts 90 days (seed, auth.md §1.3).
pub const CONSENT_SECONDS: i64 = 90 * 24 * 3600;
/// A refresh-token family lives at most 90 days from the login.
pub const REFRESH_SECONDS: i64 = 90 * 24 * 3600;
pub const ACCESS_TOKEN_SECONDS: i64 = 600;
pub const ID_TOKEN_SECONDS: i64 = 600;
/// Authorization codes are single-use and short-lived.
pub const CODE_SECONDS: i64 = 120;
/// A browser login (SSO session) lasts two hours.
pub const SESSION_SECONDS: i64 = 7200;
/// The time a user has to finish logging in and consenting.
pub const REQUEST_SECONDS: i64 = 1800;
/// A pushed authorization request's `request_uri` is single-use and lives 60 s (RFC 9126 §2.2
/// suggests 5 to 600 s; ID-porten answers `expires_in` 60).
pub const PAR_SECONDS: i64 = 60;

/// The ID-porten levels of assurance (`acr`) this provider logs in at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Acr {
    #[serde(rename = "idporten-loa-substantial")]
    Substantial,
    #[serde(rename = "idporten-loa-high")]
    High,
}

impl Acr {
    pub const ALL: [Acr; 2] = [Acr::Substantial, Acr::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Substantial => "idporten-loa-substantial",
            Self::High => "idporten-loa-high",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// The page and `locale` languages (`ui_locales`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Nb,
    Nn,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::Nn => "nn",
            Self::En => "en",
        }
    }

    /// The first supported entry of a space-separated `ui_locales`, else `nb`.
    pub fn from_ui_locales(value: Option<&str>) -> Self {
        value
            .unwrap_or_default()
            .split_whitespace()
            .find_map(
                |tag| match tag.split(['-', '_']).next()?.to_ascii_lowercase().as_str() {
                    "nb" | "no" => Some(Self::Nb),
                    "nn" => Some(Self::Nn),
                    "en" => Some(Self::En),
                    _ => None,
                },
            )
            .unwrap_or(Self::Nb)
    }
}

/// A person offered on the login page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub pid: String,
    pub name: String,
}

type PersonSource = Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>;

/// Whether logging in to `scope` asks for the user's consent.
pub fn requires_consent(scope: &str) -> bool {
    scope == SCOPE_DIALOGPORTEN
}

pub struct IdportenIssuer {
    /// `{public_url}/idporten` (no trailing slash, as the real `https://idporten.no`).
    pub issuer: String,
    public_url: String,
    pub key: SigningKey,
    pub clients: Arc<ClientRegistry>,
    persons: RwLock<Option<PersonSource>>,
    state: Arc<state::State>,
    /// Keys the pairwise `sub`: derived from the signing key, so stable with it.
    pairwise_salt: Vec<u8>,
    own_key: Option<jsonwebtoken::DecodingKey>,
    cookie_path: String,
    secure_cookies: bool,
}

impl IdportenIssuer {
    /// An issuer keeping consents and refresh tokens in memory until [`Self::persist_in`].
    pub fn new(public_url: &str, key: SigningKey, clients: Arc<ClientRegistry>) -> Self {
        dp_auth::install_crypto_provider();
        let public_url = public_url.trim_end_matches('/').to_owned();
        let mut purpose = serde_json::Map::new();
        purpose.insert("purpose".into(), json!("idporten pairwise subject"));
        let pairwise_salt = key
            .sign(&purpose)
            .map(|signed| crate::clients::sha256_hex(&signed).into_bytes())
            .unwrap_or_else(|_| random_token().into_bytes());
        let own_key = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(key.public_jwk())
            .ok()
            .and_then(|jwk| jsonwebtoken::DecodingKey::from_jwk(&jwk).ok());
        let parsed = url::Url::parse(&public_url).ok();
        let issuer = format!("{public_url}{BASE_PATH}");
        let state = Arc::new(state::State::new());
        let revocations: Arc<dyn dp_auth::revocation::RevocationList> = state.clone();
        dp_auth::revocation::register(&issuer, &revocations);
        let prefix = parsed
            .as_ref()
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Self {
            issuer,
            secure_cookies: parsed.is_some_and(|u| u.scheme() == "https"),
            cookie_path: format!("{prefix}{BASE_PATH}"),
            public_url,
            key,
            clients,
            persons: RwLock::new(None),
            state,
            pairwise_salt,
            own_key,
        }
    }

    /// Keeps consents and refresh-token families in `data_dir` (`idporten-consents.json`,
    /// `idporten-refresh-tokens.json`), loading what is there; so both survive restarts.
    pub fn persist_in(&self, data_dir: &Path) -> Result<(), StateError> {
        self.state.persist_in(data_dir)
    }

    /// Keeps requests, sessions, codes, consents and refresh-token families in `entries`
    /// (the database several instances share) instead of this process and `data_dir`.
    pub fn share(
        &self,
        entries: std::sync::Arc<dyn crate::shared::SharedEntries>,
    ) -> Result<(), StateError> {
        self.state.share(entries)
    }

    /// Where the login page finds its persons: `(pid, name)` pairs, asked on every page view
    /// (for example the registry's persons). Entries with invalid numbers are left out.
    pub fn set_persons(&self, source: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static) {
        let mut persons = self.persons.write().unwrap_or_else(|p| p.into_inner());
        *persons = Some(Arc::new(source));
    }

    pub fn persons(&self) -> Vec<Person> {
        let source = self
            .persons
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        source
            .map(|source| source())
            .unwrap_or_default()
            .into_iter()
            .filter(|(pid, _)| NationalIdentityNumber::parse(pid).is_ok())
            .map(|(pid, name)| Person { pid, name })
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    pub fn discovery_url(&self) -> String {
        self.url(DISCOVERY_PATH)
    }

    pub fn discovery_document(&self) -> Value {
        let mut scopes = vec![
            SCOPE_OPENID.to_owned(),
            SCOPE_PROFILE.to_owned(),
            SCOPE_DIALOGPORTEN.to_owned(),
            SCOPE_DIALOGPORTEN_NOCONSENT.to_owned(),
        ];
        for client in self.clients.list() {
            if client.kind == ClientKind::Idporten {
                for scope in client.scopes {
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
            }
        }
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.url(AUTHORIZE_PATH),
            "token_endpoint": self.url(TOKEN_PATH),
            "userinfo_endpoint": self.url(USERINFO_PATH),
            "end_session_endpoint": self.url(LOGOUT_PATH),
            "revocation_endpoint": self.url(REVOKE_PATH),
            "revocation_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
            "pushed_authorization_request_endpoint": self.url(PAR_PATH),
            "require_pushed_authorization_requests": false,
            "jwks_uri": self.url(JWKS_PATH),
            "scopes_supported": scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
            "token_endpoint_auth_signing_alg_values_supported":
                client_auth::ALGORITHMS.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>(),
            "acr_values_supported": Acr::ALL.map(Acr::as_str),
            "ui_locales_supported": ["nb", "nn", "en"],
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "jti", "auth_time", "nonce", "acr", "amr",
                "pid", "locale", "sid", "name", "client_id", "client_amr", "consumer", "scope"
            ],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
            "frontchannel_logout_supported": false,
            "prompt_values_supported": ["none", "login", "consent"],
        })
    }

    /// A registered ID-porten client.
    fn client(&self, client_id: &str) -> Option<OAuthClient> {
        self.clients
            .get(client_id)
            .filter(|c| c.kind == ClientKind::Idporten)
    }

    /// ID-porten's `sub` is pairwise: the same person has a different one per client.
    fn pairwise_sub(&self, client_id: &str, pid: &str) -> String {
        let mut input = self.pairwise_salt.clone();
        input.extend_from_slice(format!("\n{client_id}\n{pid}").as_bytes());
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &input);
        URL_SAFE_NO_PAD.encode(&digest.as_ref()[..24])
    }

    fn cookie(&self, name: &str, value: &str) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!(
            "{name}={value}; Path={}; HttpOnly; SameSite=Lax{secure}",
            self.cookie_path
        )
    }

    fn expired_cookie(&self, name: &str) -> String {
        format!("{name}=; Path={}; Max-Age=0; HttpOnly", self.cookie_path)
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                DISCOVERY_PATH,
                get(|State(me): State<Arc<Self>>| async move { Json(me.discovery_document()) }),
            )
            .route(
                JWKS_PATH,
                get(|State(me): State<Arc<Self>>| async move { Json(me.key.jwks()) }),
            )
            .route(
                AUTHORIZE_PATH,
                get(authorize::authorize_get).post(authorize::authorize_post),
            )
            .route(
                LOGIN_PATH,
                get(interaction::login_page).post(interaction::login_submit),
            )
            .route(
                CONSENT_PATH,
                get(interaction::consent_page).post(interaction::consent_submit),
            )
            .route(TOKEN_PATH, post(token::token))
            .route(REVOKE_PATH, post(revoke::revoke))
            .route(PAR_PATH, post(par::push))
            .route(
                USERINFO_PATH,
                get(session_end::userinfo).post(session_end::userinfo),
            )
            .route(
                LOGOUT_PATH,
                get(session_end::logout_get).post(session_end::logout_post),
            )
            .with_state(self)
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    dp_auth::unix_now()
}

/// 32 random bytes, base64url: codes, refresh tokens, session ids, anti-forgery tokens.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_pick_the_first_supported_language() {
        assert_eq!(Locale::from_ui_locales(None), Locale::Nb);
        assert_eq!(Locale::from_ui_locales(Some("se en nn")), Locale::En);
        assert_eq!(Locale::from_ui_locales(Some("nn-NO")), Locale::Nn);
        assert_eq!(Locale::from_ui_locales(Some("de")), Locale::Nb);
        assert!(Acr::High > Acr::Substantial);
        assert_eq!(
            Acr::parse("idporten-loa-high").map(Acr::as_str),
            Some("idporten-loa-high")
        );
    }
}
