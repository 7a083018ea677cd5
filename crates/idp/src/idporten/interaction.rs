//! The login and consent forms of an authorization request.
//!
//! Each request (`rid`) is bound to the browser that started it (a cookie) and each form
//! carries the request's anti-forgery token, so neither a forged form post nor a request
//! started in another browser gets anywhere.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dp_domain::NationalIdentityNumber;
use subtle::ConstantTimeEq;

use super::authorize::SSO_COOKIE;
use super::pages::{self, LoginError};
use super::params::{Params, is_form, set_cookie};
use super::state::{Pending, Session};
use super::{Acr, CONSENT_SECONDS, IdportenIssuer, Locale, SESSION_SECONDS, now, random_token};

const EXPIRED: &str =
    "This login has expired or was started in another browser. Start again from the service.";
const FORGED: &str = "The form was not sent by this page. Start again from the service.";

fn expired(locale: Locale) -> Response {
    pages::error_page(locale, StatusCode::BAD_REQUEST, EXPIRED)
}

/// The request of a form post: bound to this browser, with the right anti-forgery token.
fn posted(
    me: &IdportenIssuer,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(String, Pending, Params), Box<Response>> {
    if !is_form(headers) {
        return Err(Box::new(expired(Locale::Nb)));
    }
    let params = Params::parse(body);
    let rid = params.field("rid").unwrap_or_default().to_owned();
    let Some(pending) = me.bound_request(Some(&rid), headers) else {
        return Err(Box::new(expired(Locale::Nb)));
    };
    let csrf = params.field("csrf").unwrap_or_default();
    if !bool::from(csrf.as_bytes().ct_eq(pending.csrf.as_bytes())) {
        return Err(Box::new(pages::error_page(
            pending.locale,
            StatusCode::BAD_REQUEST,
            FORGED,
        )));
    }
    Ok((rid, pending, params))
}

pub(super) async fn login_page(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let rid = params.field("rid").unwrap_or_default();
    match me.bound_request(Some(rid), &headers) {
        Some(pending) => pages::login(&me, rid, &pending, None),
        None => expired(Locale::Nb),
    }
}

pub(super) async fn login_submit(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (rid, pending, params) = match posted(&me, &headers, &body) {
        Ok(posted) => posted,
        Err(response) => return *response,
    };
    if params.field("action") == Some("cancel") {
        me.state.pending.remove(&rid);
        return me.error_redirect(
            &pending.redirect_uri,
            pending.state.as_deref(),
            "access_denied",
            "The user cancelled the login",
        );
    }
    let typed: String = params
        .field("other_pid")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let chosen = if typed.is_empty() {
        params.field("pid").unwrap_or_default()
    } else {
        typed.as_str()
    };
    let Ok(pid) = NationalIdentityNumber::parse(chosen) else {
        return pages::login(&me, &rid, &pending, Some(LoginError::InvalidPid));
    };
    let acr = match params.field("acr") {
        None => pending.acr,
        Some(value) => match Acr::parse(value) {
            Some(acr) if acr >= pending.acr => acr,
            _ => return pages::login(&me, &rid, &pending, Some(LoginError::Level)),
        },
    };
    let now = now();
    let sid = random_token();
    me.state.sessions.insert(
        sid.clone(),
        Session {
            pid: pid.as_str().to_owned(),
            acr,
            amr: vec!["TestID".to_owned()],
            auth_time: now,
            expires_at: now + SESSION_SECONDS,
        },
    );
    me.state
        .pending
        .update(&rid, |request| request.login_sid = Some(sid.clone()));
    tracing::info!(client_id = %pending.client_id, acr = acr.as_str(), "ID-porten: login");
    let mut response = me.proceed(&rid, &headers);
    set_cookie(&mut response, &me.cookie(SSO_COOKIE, &sid));
    response
}

pub(super) async fn consent_page(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let rid = params.field("rid").unwrap_or_default();
    let Some(pending) = me.bound_request(Some(rid), &headers) else {
        return expired(Locale::Nb);
    };
    let now = now();
    let Some((_, session)) = me.current_session(&pending, &headers, now) else {
        return me.proceed(rid, &headers);
    };
    let scopes = me.consent_needed(&pending, &session.pid, now);
    if scopes.is_empty() {
        return me.proceed(rid, &headers);
    }
    pages::consent(&me, rid, &pending, &session.pid, &scopes)
}

pub(super) async fn consent_submit(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (rid, pending, params) = match posted(&me, &headers, &body) {
        Ok(posted) => posted,
        Err(response) => return *response,
    };
    let now = now();
    let Some((_, session)) = me.current_session(&pending, &headers, now) else {
        return me.proceed(&rid, &headers);
    };
    if params.field("action") != Some("accept") {
        me.state.pending.remove(&rid);
        return me.error_redirect(
            &pending.redirect_uri,
            pending.state.as_deref(),
            "access_denied",
            "The user did not consent",
        );
    }
    let scopes = me.consent_needed(&pending, &session.pid, now);
    if let Err(error) = me.state.grant_consents(
        &session.pid,
        &pending.client_id,
        &scopes,
        now,
        CONSENT_SECONDS,
    ) {
        tracing::error!("ID-porten: storing a consent: {error}");
        return pages::error_page(
            pending.locale,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The consent could not be stored.",
        );
    }
    me.state
        .pending
        .update(&rid, |request| request.consented = true);
    tracing::info!(client_id = %pending.client_id, "ID-porten: consent given");
    me.proceed(&rid, &headers)
}
