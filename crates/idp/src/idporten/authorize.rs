//! `GET|POST /idporten/authorize` (auth.md §1.3 step 3) and the flow behind it: validate the
//! request, then log the user in (or reuse the browser's login), ask for consent where a
//! scope needs it, and return to the client with `code`, `state` and `iss` (RFC 9207).
//!
//! An unknown client or a `redirect_uri` that is not registered for it gets an error page and
//! never a redirect; every later error is returned to the registered `redirect_uri`.
//!
//! As the real ID-porten, every request carries `state`, `nonce` and PKCE (S256): "PKCE, state
//! and nonce are required" (Digdir, "Changes in the new ID-porten",
//! <https://docs.digdir.no/docs/idporten/oidc/oidc_protocol_new_idporten>); a request without
//! one is refused with `invalid_request` (RFC 6749 §4.1.2.1, the error ID-porten answers for
//! a missing required parameter). A request pushed before (RFC 9126, [`super::par`]) is used
//! by `client_id` and `request_uri` alone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use subtle::ConstantTimeEq;

use super::params::{Params, cookie, is_form, redirect, set_cookie, with_query};
use super::state::{Code, Grant, Pending, Session};
use super::{
    Acr, CODE_SECONDS, CONSENT_PATH, IdportenIssuer, LOGIN_PATH, Locale, REQUEST_SECONDS,
    SCOPE_OPENID, SCOPE_PROFILE, now, pages, random_token, requires_consent,
};
use crate::clients::sha256_hex;

/// Binds an authorization request to the browser that started it.
pub(super) const BROWSER_COOKIE: &str = "idporten_browser";
/// The browser's login (SSO session id).
pub(super) const SSO_COOKIE: &str = "idporten_sso";

/// Every parameter of an authorization request; none may be repeated.
const PARAMETERS: [&str; 16] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "acr_values",
    "prompt",
    "max_age",
    "ui_locales",
    "resource",
    "request",
    "request_uri",
];

pub(super) async fn authorize_get(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    me.authorize(
        &Params::parse(query.unwrap_or_default().as_bytes()),
        &headers,
    )
}

pub(super) async fn authorize_post(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match front_channel_form(&headers, &body, "authorization") {
        Ok(params) => me.authorize(&params, &headers),
        Err(page) => *page,
    }
}

/// The parameters of a front-channel request (authorize, logout) sent as a POST: a URL-encoded
/// form, or an error page naming the request.
pub(super) fn front_channel_form(
    headers: &HeaderMap,
    body: &[u8],
    request: &str,
) -> Result<Params, Box<Response>> {
    if !is_form(headers) {
        return Err(Box::new(pages::error_page(
            Locale::Nb,
            StatusCode::BAD_REQUEST,
            &format!("The {request} request must be a query or a URL-encoded form."),
        )));
    }
    Ok(Params::parse(body))
}

/// A valid S256 `code_challenge`: the unpadded base64url of 32 bytes.
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Default)]
struct Prompt {
    none: bool,
    login: bool,
    consent: bool,
}

fn parse_prompt(value: Option<&str>) -> Result<Prompt, String> {
    let mut prompt = Prompt::default();
    let values: Vec<&str> = value.unwrap_or_default().split_whitespace().collect();
    for value in &values {
        match *value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            other => return Err(format!("Unsupported prompt value '{other}'")),
        }
    }
    if prompt.none && values.len() > 1 {
        return Err("prompt=none cannot be combined with other values".to_owned());
    }
    Ok(prompt)
}

/// A valid authorization request.
pub(super) struct Checked {
    client: crate::clients::OAuthClient,
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    scopes: Vec<String>,
    code_challenge: String,
    acr: Acr,
    prompt: Prompt,
    max_age: Option<i64>,
    locale: Locale,
    resource: Option<String>,
}

/// Why an authorization request was refused: before the client and its `redirect_uri` are
/// known (an error page, never a redirect), or after (an error redirect).
pub(super) enum Refusal {
    Page(String),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

impl Refusal {
    /// The OAuth `error` and description, for the pushed-request endpoint's JSON answer.
    pub(super) fn error(&self) -> (&'static str, &str) {
        match self {
            Self::Page(message) => ("invalid_request", message),
            Self::Redirect {
                error, description, ..
            } => (error, description),
        }
    }
}

impl IdportenIssuer {
    fn authorize(&self, params: &Params, headers: &HeaderMap) -> Response {
        let now = now();
        self.state.prune(now);
        let locale = Locale::from_ui_locales(params.field("ui_locales"));
        if params.one("request_uri").ok().flatten().is_some() {
            return self.authorize_pushed(params, headers, now);
        }
        match self.check_request(params) {
            Ok(checked) => self.start(checked, headers, now),
            Err(refusal) => self.refuse(refusal, locale),
        }
    }

    /// `client_id` and the `request_uri` of a pushed request (RFC 9126 §4): the request is
    /// taken, once, from what was pushed; other parameters are ignored.
    fn authorize_pushed(&self, params: &Params, headers: &HeaderMap, now: i64) -> Response {
        let locale = Locale::from_ui_locales(params.field("ui_locales"));
        let page = |message: &str| pages::error_page(locale, StatusCode::BAD_REQUEST, message);
        if let Some(name) = params.first_repeated(&["client_id", "request_uri"]) {
            return page(&format!("The parameter {name} is repeated."));
        }
        let Some(client_id) = params.field("client_id") else {
            return page("The request has no client_id.");
        };
        let request_uri = params.field("request_uri").unwrap_or_default();
        let Some(pushed) = self.state.pushed.remove(request_uri) else {
            return page("The request_uri is unknown, was used before or has expired.");
        };
        if pushed.expires_at <= now {
            return page("The request_uri has expired.");
        }
        if pushed.client_id != client_id {
            return page("The request_uri was pushed by another client.");
        }
        let stored = Params::from_pairs(pushed.params);
        let locale = Locale::from_ui_locales(stored.field("ui_locales"));
        match self.check_request(&stored) {
            Ok(checked) => self.start(checked, headers, now),
            Err(refusal) => self.refuse(refusal, locale),
        }
    }

    fn refuse(&self, refusal: Refusal, locale: Locale) -> Response {
        match refusal {
            Refusal::Page(message) => pages::error_page(locale, StatusCode::BAD_REQUEST, &message),
            Refusal::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => self.error_redirect(&redirect_uri, state.as_deref(), error, &description),
        }
    }

    /// Checks an authorization request (of `/authorize`, or pushed to `/par`).
    pub(super) fn check_request(&self, params: &Params) -> Result<Checked, Refusal> {
        let locale = Locale::from_ui_locales(params.field("ui_locales"));
        let page = |message: &str| Refusal::Page(message.to_owned());
        if let Some(name) = params.first_repeated(&["client_id", "redirect_uri"]) {
            return Err(page(&format!("The parameter {name} is repeated.")));
        }
        let Some(client_id) = params.field("client_id") else {
            return Err(page("The request has no client_id."));
        };
        let Some(client) = self.client(client_id) else {
            return Err(page("The client_id is not a registered ID-porten client."));
        };
        let Some(redirect_uri) = params.field("redirect_uri") else {
            return Err(page("The request has no redirect_uri."));
        };
        if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
            return Err(page("The redirect_uri is not registered for this client."));
        }
        let state = params.one("state").ok().flatten();
        let fail = |error: &'static str, description: &str| Refusal::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: state.map(str::to_owned),
            error,
            description: description.to_owned(),
        };
        if let Some(name) = params.first_repeated(&PARAMETERS) {
            return Err(fail(
                "invalid_request",
                &format!("The parameter {name} is repeated"),
            ));
        }
        if params.field("request").is_some() {
            return Err(fail(
                "request_not_supported",
                "Request objects are not supported",
            ));
        }
        if params.field("request_uri").is_some() {
            return Err(fail(
                "invalid_request",
                "request_uri cannot be part of a pushed authorization request",
            ));
        }
        match params.field("response_type") {
            Some("code") => {}
            None => return Err(fail("invalid_request", "response_type is required")),
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "Only response_type=code is supported",
                ));
            }
        }
        if !matches!(params.field("response_mode"), None | Some("query")) {
            return Err(fail(
                "invalid_request",
                "Only response_mode=query is supported",
            ));
        }
        // ID-porten requires state and nonce with PKCE (module docs).
        if state.is_none() {
            return Err(fail("invalid_request", "state is required"));
        }
        let Some(nonce) = params.field("nonce") else {
            return Err(fail("invalid_request", "nonce is required"));
        };
        let code_challenge = match (
            params.field("code_challenge"),
            params.field("code_challenge_method"),
        ) {
            (None, _) => {
                return Err(fail(
                    "invalid_request",
                    "PKCE is required: code_challenge and code_challenge_method=S256",
                ));
            }
            (Some(_), None | Some("plain")) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256; plain is not supported",
                ));
            }
            (Some(_), Some(method)) if method != "S256" => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge_method must be S256; plain is not supported",
                ));
            }
            (Some(challenge), Some(_)) if !valid_challenge(challenge) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge must be the unpadded base64url SHA-256 of the code_verifier",
                ));
            }
            (Some(challenge), Some(_)) => challenge.to_owned(),
        };
        let mut scopes: Vec<String> = Vec::new();
        for scope in params.field("scope").unwrap_or_default().split_whitespace() {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        if !scopes.iter().any(|s| s == SCOPE_OPENID) {
            return Err(fail("invalid_scope", "The scope must include openid"));
        }
        if let Some(scope) = scopes.iter().find(|s| {
            s.as_str() != SCOPE_OPENID && s.as_str() != SCOPE_PROFILE && !client.scopes.contains(*s)
        }) {
            return Err(fail(
                "invalid_scope",
                &format!("The client may not ask for the scope {scope}"),
            ));
        }
        let acr = match params.field("acr_values") {
            None => Acr::Substantial,
            Some(values) => {
                let parsed: Option<Vec<Acr>> = values.split_whitespace().map(Acr::parse).collect();
                match parsed.and_then(|p| p.first().copied()) {
                    Some(acr) => acr,
                    None => {
                        return Err(fail(
                            "invalid_request",
                            "acr_values must be idporten-loa-substantial or idporten-loa-high",
                        ));
                    }
                }
            }
        };
        let prompt = match parse_prompt(params.field("prompt")) {
            Ok(prompt) => prompt,
            Err(message) => return Err(fail("invalid_request", &message)),
        };
        let max_age = match params.field("max_age").map(str::parse::<i64>) {
            None => None,
            Some(Ok(seconds)) if seconds >= 0 => Some(seconds),
            Some(_) => {
                return Err(fail(
                    "invalid_request",
                    "max_age must be a number of seconds",
                ));
            }
        };
        let resource = params.field("resource");
        if resource.is_some_and(|r| url::Url::parse(r).is_err()) {
            return Err(fail("invalid_target", "resource must be an absolute URI"));
        }

        Ok(Checked {
            client,
            redirect_uri: redirect_uri.to_owned(),
            state: state.map(str::to_owned),
            nonce: Some(nonce.to_owned()),
            scopes,
            code_challenge,
            acr,
            prompt,
            max_age,
            locale,
            resource: resource.map(str::to_owned),
        })
    }

    /// Starts the login of a checked request, bound to this browser.
    fn start(&self, checked: Checked, headers: &HeaderMap, now: i64) -> Response {
        let Checked {
            client,
            redirect_uri,
            state,
            nonce,
            scopes,
            code_challenge,
            acr,
            prompt,
            max_age,
            locale,
            resource,
        } = checked;
        let known_browser = cookie(headers, BROWSER_COOKIE);
        let browser = known_browser.clone().unwrap_or_else(random_token);
        let rid = random_token();
        self.state.pending.insert(
            rid.clone(),
            Pending {
                client_id: client.client_id.clone(),
                client_name: if client.name.is_empty() {
                    client.client_id.clone()
                } else {
                    client.name.clone()
                },
                redirect_uri,
                scopes,
                state,
                nonce,
                code_challenge,
                acr,
                prompt_none: prompt.none,
                force_login: prompt.login,
                force_consent: prompt.consent,
                max_age,
                locale,
                resource,
                browser: browser.clone(),
                csrf: random_token(),
                expires_at: now + REQUEST_SECONDS,
                login_sid: None,
                consented: false,
            },
        );
        let mut response = self.proceed(&rid, headers);
        if known_browser.is_none() {
            set_cookie(&mut response, &self.cookie(BROWSER_COOKIE, &browser));
        }
        response
    }

    /// The error redirect of RFC 6749 §4.1.2.1, with `iss` (RFC 9207).
    pub(super) fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &str,
        description: &str,
    ) -> Response {
        let description = super::params::error_description(description);
        let mut pairs = vec![
            ("error", error),
            ("error_description", description.as_str()),
        ];
        if let Some(state) = state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", &self.issuer));
        redirect(&with_query(redirect_uri, &pairs))
    }

    /// The request `rid` if it exists and belongs to this browser.
    pub(super) fn bound_request(&self, rid: Option<&str>, headers: &HeaderMap) -> Option<Pending> {
        let pending = self.state.pending.get(rid?)?;
        let browser = cookie(headers, BROWSER_COOKIE)?;
        let same: bool = browser.as_bytes().ct_eq(pending.browser.as_bytes()).into();
        (same && pending.expires_at > now()).then_some(pending)
    }

    /// The login that serves `pending`: the one made during it, or the browser's when it is
    /// recent enough, at a level high enough and no new login was asked for.
    pub(super) fn current_session(
        &self,
        pending: &Pending,
        headers: &HeaderMap,
        now: i64,
    ) -> Option<(String, Session)> {
        let found = |sid: &str| {
            self.state
                .sessions
                .get(sid)
                .filter(|s| s.expires_at > now && s.acr >= pending.acr)
                .map(|s| (sid.to_owned(), s))
        };
        if let Some(sid) = &pending.login_sid {
            return found(sid);
        }
        if pending.force_login {
            return None;
        }
        let sid = cookie(headers, SSO_COOKIE)?;
        found(&sid).filter(|(_, s)| pending.max_age.is_none_or(|age| now - s.auth_time <= age))
    }

    /// The scopes of `pending` that still need the user's consent.
    pub(super) fn consent_needed(&self, pending: &Pending, pid: &str, now: i64) -> Vec<String> {
        if pending.consented {
            return Vec::new();
        }
        pending
            .scopes
            .iter()
            .filter(|s| requires_consent(s))
            .filter(|s| {
                pending.force_consent || !self.state.consent_valid(pid, &pending.client_id, s, now)
            })
            .cloned()
            .collect()
    }

    /// The next step of request `rid`: the login page, the consent page, or the redirect back
    /// to the client with a code.
    pub(super) fn proceed(&self, rid: &str, headers: &HeaderMap) -> Response {
        let now = now();
        let Some(pending) = self.state.pending.get(rid) else {
            return pages::error_page(
                Locale::Nb,
                StatusCode::BAD_REQUEST,
                "The login request has expired. Start again from the service.",
            );
        };
        let fail = |error: &str, description: &str| {
            self.state.pending.remove(rid);
            self.error_redirect(
                &pending.redirect_uri,
                pending.state.as_deref(),
                error,
                description,
            )
        };
        let Some((sid, session)) = self.current_session(&pending, headers, now) else {
            if pending.prompt_none {
                return fail("login_required", "The user is not logged in");
            }
            return redirect(&with_query(&self.url(LOGIN_PATH), &[("rid", rid)]));
        };
        if !self.consent_needed(&pending, &session.pid, now).is_empty() {
            if pending.prompt_none {
                return fail("consent_required", "The user has not consented");
            }
            return redirect(&with_query(&self.url(CONSENT_PATH), &[("rid", rid)]));
        }
        self.state.pending.remove(rid);
        let code = random_token();
        self.state.codes.insert(
            sha256_hex(&code),
            Code {
                grant: Grant {
                    client_id: pending.client_id.clone(),
                    pid: session.pid,
                    acr: session.acr,
                    amr: session.amr,
                    auth_time: session.auth_time,
                    sid,
                    scopes: pending.scopes,
                    nonce: pending.nonce,
                    locale: pending.locale,
                    resource: pending.resource,
                },
                redirect_uri: pending.redirect_uri.clone(),
                code_challenge: pending.code_challenge,
                expires_at: now + CODE_SECONDS,
                used: false,
                reused: false,
                family: None,
                access: None,
            },
        );
        tracing::info!(
            client_id = %pending.client_id,
            acr = session.acr.as_str(),
            "ID-porten: authorization code issued"
        );
        let mut pairs = vec![("code", code.as_str())];
        if let Some(state) = &pending.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", &self.issuer));
        redirect(&with_query(&pending.redirect_uri, &pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_and_prompts() {
        assert!(valid_challenge(
            "b7elB7ZyxIXgFyvBznKvxl7wOB-H17Pz0a3B62NIMFI"
        ));
        assert!(!valid_challenge(
            "b7elB7ZyxIXgFyvBznKvxl7wOB+H17Pz0a3B62NIMFI"
        ));
        assert!(!valid_challenge("short"));
        assert!(parse_prompt(Some("login consent")).is_ok_and(|p| p.login && p.consent));
        assert!(parse_prompt(Some("none login")).is_err());
        assert!(parse_prompt(Some("bogus")).is_err());
    }
}
