//! `GET|POST /idporten/userinfo` (an access token of this issuer as Bearer) and
//! `GET|POST /idporten/logout` (OpenID RP-initiated logout: ends the browser's login, returns
//! to a registered `post_logout_redirect_uri` with `state`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value, json};

use super::authorize::{SSO_COOKIE, front_channel_form};
use super::params::{OAuthError, Params, bearer, cookie, redirect, set_cookie, with_query};
use super::{IdportenIssuer, Locale, SCOPE_OPENID, SCOPE_PROFILE, pages};

impl IdportenIssuer {
    /// The claims of a token this issuer signed; `exp` is checked when `current` is set.
    pub(super) fn own_claims(&self, token: &str, current: bool) -> Option<Map<String, Value>> {
        let key = self.own_key.as_ref()?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.validate_aud = false;
        validation.validate_exp = current;
        validation.leeway = 5;
        if current {
            validation.set_required_spec_claims(&["exp", "iss"]);
        } else {
            validation.set_required_spec_claims(&["iss"]);
        }
        jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

fn invalid_token(description: &str) -> Response {
    OAuthError::new("invalid_token", description)
        .with_challenge(format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            super::params::error_description(description)
        ))
        .into_response()
}

pub(super) async fn userinfo(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer(&headers) else {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
        return response;
    };
    let Some(claims) = me.own_claims(token, true) else {
        return invalid_token("The access token is invalid or has expired");
    };
    let scopes: Vec<&str> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    // ID tokens have no `scope` or `client_id`; only access tokens with `openid` qualify.
    if !claims.contains_key("client_id") || !scopes.contains(&SCOPE_OPENID) {
        return OAuthError::new(
            "insufficient_scope",
            "The access token was not issued with the openid scope",
        )
        .with_challenge("Bearer error=\"insufficient_scope\", scope=\"openid\"")
        .into_response();
    }
    let mut answer = Map::new();
    for name in ["sub", "pid", "acr"] {
        if let Some(value) = claims.get(name) {
            answer.insert(name.into(), value.clone());
        }
    }
    if scopes.contains(&SCOPE_PROFILE) {
        let pid = claims
            .get("pid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(person) = me.persons().into_iter().find(|p| p.pid == pid) {
            answer.insert("name".into(), json!(person.name));
        }
    }
    let mut response = Json(Value::Object(answer)).into_response();
    super::params::no_store(response.headers_mut());
    response
}

pub(super) async fn logout_get(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    me.logout(
        &Params::parse(query.unwrap_or_default().as_bytes()),
        &headers,
    )
}

pub(super) async fn logout_post(
    State(me): State<Arc<IdportenIssuer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match front_channel_form(&headers, &body, "logout") {
        Ok(params) => me.logout(&params, &headers),
        Err(page) => *page,
    }
}

impl IdportenIssuer {
    fn logout(&self, params: &Params, headers: &HeaderMap) -> Response {
        let locale = Locale::from_ui_locales(params.field("ui_locales"));
        let page = |message: &str| pages::error_page(locale, StatusCode::BAD_REQUEST, message);
        if let Some(name) = params.first_repeated(&[
            "id_token_hint",
            "post_logout_redirect_uri",
            "state",
            "client_id",
        ]) {
            return page(&format!("The parameter {name} is repeated."));
        }
        let hint = match params.field("id_token_hint") {
            None => None,
            Some(token) => match self.own_claims(token, false) {
                Some(claims) => Some(claims),
                None => return page("The id_token_hint is not an ID token from this issuer."),
            },
        };
        let hinted_client = hint.as_ref().and_then(|claims| match claims.get("aud") {
            Some(Value::String(aud)) => Some(aud.clone()),
            Some(Value::Array(auds)) => auds.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        });
        let client_id = match (hinted_client, params.field("client_id")) {
            (Some(hinted), Some(given)) if hinted != given => {
                return page("client_id does not match the id_token_hint.");
            }
            (Some(hinted), _) => Some(hinted),
            (None, given) => given.map(str::to_owned),
        };
        let target = match params.field("post_logout_redirect_uri") {
            None => None,
            Some(uri) => {
                let Some(client) = client_id.as_deref().and_then(|id| self.client(id)) else {
                    return page(
                        "A post_logout_redirect_uri needs an id_token_hint or client_id of a registered client.",
                    );
                };
                if !client.post_logout_redirect_uris.iter().any(|r| r == uri) {
                    return page("The post_logout_redirect_uri is not registered for this client.");
                }
                Some(uri.to_owned())
            }
        };
        {
            let sessions = &self.state.sessions;
            if let Some(sid) = cookie(headers, SSO_COOKIE) {
                sessions.remove(&sid);
            }
            if let Some(sid) = hint
                .as_ref()
                .and_then(|claims| claims.get("sid"))
                .and_then(Value::as_str)
            {
                sessions.remove(sid);
            }
        }
        tracing::info!("ID-porten: logout");
        let mut response = match target {
            Some(uri) => {
                let state = params.field("state");
                let pairs: Vec<(&str, &str)> = state.map(|s| ("state", s)).into_iter().collect();
                redirect(&with_query(&uri, &pairs))
            }
            None => pages::logged_out(locale),
        };
        set_cookie(&mut response, &self.expired_cookie(SSO_COOKIE));
        response
    }
}
