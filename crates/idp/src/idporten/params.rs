//! Request plumbing shared by the ID-porten endpoints: form and query parameters with OAuth's
//! rules (RFC 6749 §3.1: a parameter without a value is omitted, none may appear twice),
//! cookies, and the few response shapes (HTML, redirects, OAuth error JSON).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Decoded `application/x-www-form-urlencoded` pairs, in order.
pub(crate) struct Params(Vec<(String, String)>);

/// A parameter that appeared more than once (its name).
#[derive(Debug)]
pub(crate) struct Repeated(pub String);

impl Params {
    pub fn parse(input: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The single non-empty value of `name`.
    pub fn one(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(Repeated(name.to_owned()));
        }
        Ok(first)
    }

    /// The value of `name`, `None` when absent or repeated (for form fields of our own pages).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.one(name).ok().flatten()
    }

    /// The first parameter that appears more than once among `names`.
    pub fn first_repeated(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|name| self.one(name).err().map(|Repeated(name)| name))
    }
}

/// Whether the request body is declared as a URL-encoded form.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The value of cookie `name`.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// The `Bearer` token of an `Authorization` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Minimal HTML escaping for text and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML page that must not be cached, framed or leak its URL.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    no_store(headers);
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

/// `303 See Other` to `location`.
pub(crate) fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    no_store(response.headers_mut());
    response
        .headers_mut()
        .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

/// `uri` with `pairs` appended to its query.
pub(crate) fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    // Redirect URIs carry no fragment (RFC 6749 §3.1.2); one would swallow the query.
    let base = uri.split('#').next().unwrap_or(uri);
    if pairs.is_empty() {
        return base.to_owned();
    }
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    let query = serializer.finish();
    let separator = if base.contains('?') {
        if base.ends_with('?') || base.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    format!("{base}{separator}{query}")
}

pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Adds a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
}

/// An `error_description` as RFC 6749 §5.2 (and §4.1.2.1) allows it: printable ASCII without
/// `"` and `\` (`%x20-21 / %x23-5B / %x5D-7E`). Quotes become `'`, a backslash `/`, Norwegian
/// letters their ASCII spelling, and anything else outside the set `?`; so a value a client
/// sent that is echoed in a message cannot break a client library's parser.
pub fn error_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push('\''),
            '\\' => out.push('/'),
            ' '..='~' => out.push(c),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'å' => out.push_str("aa"),
            'Å' => out.push_str("AA"),
            '\t' | '\n' | '\r' => out.push(' '),
            _ => out.push('?'),
        }
    }
    out
}

/// An OAuth 2.0 error answer of the token or userinfo endpoint (RFC 6749 §5.2, RFC 6750 §3).
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub challenge: Option<String>,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
            "insufficient_scope" => StatusCode::FORBIDDEN,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            error,
            description: error_description(&description.into()),
            challenge: None,
        }
    }

    pub fn request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    pub fn with_challenge(mut self, challenge: impl Into<String>) -> Self {
        self.challenge = Some(challenge.into());
        self
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, axum::Json(body)).into_response();
        no_store(response.headers_mut());
        if let Some(challenge) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_absent_and_repeats_are_refused() {
        let params = Params::parse(b"a=1&b=&c=2&c=3&d=x%20y");
        assert_eq!(params.one("a").ok().flatten(), Some("1"));
        assert_eq!(params.one("b").ok().flatten(), None);
        assert!(params.one("c").is_err());
        assert_eq!(params.field("d"), Some("x y"));
        assert_eq!(params.first_repeated(&["a", "c"]), Some("c".to_owned()));
    }

    #[test]
    fn query_pairs_are_appended() {
        assert_eq!(
            with_query("https://a.example/cb", &[("code", "x y"), ("state", "s")]),
            "https://a.example/cb?code=x+y&state=s"
        );
        assert_eq!(
            with_query("https://a.example/cb?x=1", &[("code", "c")]),
            "https://a.example/cb?x=1&code=c"
        );
        assert_eq!(error_description("a \"b\" \\ c\nø ✓"), "a 'b' / c o ?");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
