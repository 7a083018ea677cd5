//! The admin HTTP API for the OAuth clients of the embedded Maskinporten and ID-porten, in
//! local mode, guarded by a bearer token (`admin_token`, or `DIR/admin-token` generated at the
//! first start):
//!
//! - `GET /admin/clients` — every client (secrets never shown, only whether one is set);
//! - `POST /admin/clients` — register one (201; a generated client secret is shown once);
//! - `GET|PUT|DELETE /admin/clients/{client_id}` — read, replace, remove;
//! - `PUT /admin/clients/{client_id}/jwks` — replace the public keys (as Digdir's self-service
//!   API, auth.md §2.4).
//!
//! Bodies use the field names of `clients.json` (`client_id`, `kind`, `org_number`, `name`,
//! `scopes`, `jwks`, `redirect_uris`, `post_logout_redirect_uris`,
//! `token_endpoint_auth_method`) plus the write-only `client_secret`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::clients::{
    ClientKind, ClientRegistry, ClientsError, OAuthClient, generate_secret, sha256_hex,
    validate_jwks,
};

pub const CLIENTS_PATH: &str = "/admin/clients";
/// Where the generated admin token is kept in the data directory (mode 0600).
pub const TOKEN_FILE: &str = "admin-token";
/// Configured admin tokens must be at least this long.
pub const MIN_TOKEN_LENGTH: usize = 16;

/// The admin token file of a data directory.
pub fn token_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TOKEN_FILE)
}

/// Reads `DIR/admin-token`, or creates it with a fresh random token (mode 0600). Returns the
/// token and whether it was created now.
pub fn load_or_create_token(data_dir: &Path) -> std::io::Result<(String, bool)> {
    let path = token_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= MIN_TOKEN_LENGTH => {
            return Ok((text.trim().to_owned(), false));
        }
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} holds fewer than {MIN_TOKEN_LENGTH} characters; delete it to have a new token generated",
                    path.display()
                ),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(data_dir)?;
    let token = generate_secret();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(format!("{token}\n").as_bytes())?;
            file.sync_all()?;
            Ok((token, true))
        }
        // Another process created it first: use that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((std::fs::read_to_string(&path)?.trim().to_owned(), false))
        }
        Err(e) => Err(e),
    }
}

/// Scopes as a JSON array or one space-separated string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum Scopes {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

impl Scopes {
    pub fn into_vec(self) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::new();
        let items = match self {
            Self::None => Vec::new(),
            Self::List(list) => list,
            Self::Text(text) => text
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        for scope in items {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes
    }
}

/// A client as the admin API and the CLI take it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// Default: a random UUID.
    #[serde(default)]
    pub client_id: Option<String>,
    pub kind: ClientKind,
    pub org_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scopes: Scopes,
    #[serde(default)]
    pub jwks: Option<Value>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Default: `private_key_jwt` (Maskinporten), `client_secret_basic` (ID-porten).
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Write-only; stored as its SHA-256. Generated when a secret method needs one and none is
    /// given (nor kept from the client being replaced).
    #[serde(default)]
    pub client_secret: Option<String>,
}

/// Turns `input` into a validated client; `existing` is the client being replaced (its secret
/// is kept unless a new one is given). Returns the client and a secret generated now.
pub fn build_client(
    input: ClientInput,
    existing: Option<&OAuthClient>,
) -> Result<(OAuthClient, Option<String>), String> {
    let method = input.token_endpoint_auth_method.unwrap_or_else(|| {
        match input.kind {
            ClientKind::Maskinporten => "private_key_jwt",
            ClientKind::Idporten => "client_secret_basic",
        }
        .to_owned()
    });
    let uses_secret = input.kind == ClientKind::Idporten && method.starts_with("client_secret");
    let mut generated = None;
    let secret_sha256 = match (&input.client_secret, uses_secret) {
        (Some(_), false) => {
            return Err(format!(
                "client_secret is only for client_secret_basic and client_secret_post, not {method}"
            ));
        }
        (Some(secret), true) if secret.chars().count() < MIN_TOKEN_LENGTH => {
            return Err(format!(
                "client_secret must be at least {MIN_TOKEN_LENGTH} characters"
            ));
        }
        (Some(secret), true) => Some(sha256_hex(secret)),
        (None, true) => match existing.and_then(|c| c.secret_sha256.clone()) {
            Some(kept) => Some(kept),
            None => {
                let secret = generate_secret();
                let hash = sha256_hex(&secret);
                generated = Some(secret);
                Some(hash)
            }
        },
        (None, false) => None,
    };
    let client = OAuthClient {
        client_id: input
            .client_id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        kind: input.kind,
        org_number: input.org_number,
        name: input.name,
        scopes: input.scopes.into_vec(),
        jwks: input.jwks,
        redirect_uris: input.redirect_uris,
        post_logout_redirect_uris: input.post_logout_redirect_uris,
        token_endpoint_auth_method: method,
        secret_sha256,
    };
    client.validate()?;
    Ok((client, generated))
}

/// A client as the admin API shows it: no secret hash, only whether a secret is set.
pub fn public_view(client: &OAuthClient) -> Value {
    let mut value = serde_json::to_value(client).unwrap_or_else(|_| json!({}));
    if let Some(object) = value.as_object_mut() {
        object.remove("secret_sha256");
        object.insert(
            "has_client_secret".into(),
            json!(client.secret_sha256.is_some()),
        );
    }
    value
}

struct Admin {
    clients: Arc<ClientRegistry>,
    /// SHA-256 of the token: compared in constant time with the presented one's.
    token_sha256: String,
}

fn error(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": code, "error_description": description.into()})),
    )
        .into_response()
}

fn invalid(description: impl Into<String>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_client_metadata",
        description,
    )
}

fn not_found(client_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no client with id {client_id:?}"),
    )
}

fn storage_error(e: ClientsError) -> Response {
    match e {
        ClientsError::Unknown(id) => not_found(&id),
        ClientsError::Exists(id) => error(
            StatusCode::CONFLICT,
            "client_exists",
            format!("a client with id {id:?} exists already"),
        ),
        other => {
            tracing::error!(error = %other, "the client list could not be written");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the client list could not be written",
            )
        }
    }
}

/// The body as `T`, or the 400 answer's description.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("the body is not valid: {e}"))
}

async fn require_token(State(admin): State<Arc<Admin>>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let valid = presented.is_some_and(|token| {
        let hash = sha256_hex(token);
        bool::from(hash.as_bytes().ct_eq(admin.token_sha256.as_bytes()))
    });
    if valid {
        return next.run(request).await;
    }
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "the admin API needs Authorization: Bearer <admin token> (configuration admin_token, or the file admin-token in the data directory)",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"dialogporten-admin\""),
    );
    response
}

async fn list(State(admin): State<Arc<Admin>>) -> Response {
    let clients: Vec<Value> = admin.clients.list().iter().map(public_view).collect();
    Json(clients).into_response()
}

async fn create(State(admin): State<Arc<Admin>>, body: Bytes) -> Response {
    let input: ClientInput = match parse(&body) {
        Ok(input) => input,
        Err(message) => return invalid(message),
    };
    let (client, secret) = match build_client(input, None) {
        Ok(built) => built,
        Err(message) => return invalid(message),
    };
    if let Err(e) = admin.clients.add(client.clone()) {
        return storage_error(e);
    }
    tracing::info!(client_id = %client.client_id, kind = ?client.kind, "OAuth client added through the admin API");
    let mut view = public_view(&client);
    if let Some(secret) = secret {
        view["client_secret"] = json!(secret);
    }
    (StatusCode::CREATED, Json(view)).into_response()
}

async fn read(State(admin): State<Arc<Admin>>, UrlPath(client_id): UrlPath<String>) -> Response {
    match admin.clients.get(&client_id) {
        Some(client) => Json(public_view(&client)).into_response(),
        None => not_found(&client_id),
    }
}

async fn replace(
    State(admin): State<Arc<Admin>>,
    UrlPath(client_id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let mut input: ClientInput = match parse(&body) {
        Ok(input) => input,
        Err(message) => return invalid(message),
    };
    if input.client_id.as_deref().is_some_and(|id| id != client_id) {
        return invalid("client_id in the body differs from the one in the path");
    }
    input.client_id = Some(client_id.clone());
    let Some(existing) = admin.clients.get(&client_id) else {
        return not_found(&client_id);
    };
    let (client, secret) = match build_client(input, Some(&existing)) {
        Ok(built) => built,
        Err(message) => return invalid(message),
    };
    if let Err(e) = admin.clients.update(client.clone()) {
        return storage_error(e);
    }
    tracing::info!(%client_id, "OAuth client replaced through the admin API");
    let mut view = public_view(&client);
    if let Some(secret) = secret {
        view["client_secret"] = json!(secret);
    }
    Json(view).into_response()
}

async fn remove(State(admin): State<Arc<Admin>>, UrlPath(client_id): UrlPath<String>) -> Response {
    match admin.clients.remove(&client_id) {
        Ok(()) => {
            tracing::info!(%client_id, "OAuth client removed through the admin API");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => storage_error(e),
    }
}

async fn replace_keys(
    State(admin): State<Arc<Admin>>,
    UrlPath(client_id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let jwks: Value = match parse(&body) {
        Ok(jwks) => jwks,
        Err(message) => return invalid(message),
    };
    if let Err(message) = validate_jwks(&jwks) {
        return invalid(message);
    }
    let Some(mut client) = admin.clients.get(&client_id) else {
        return not_found(&client_id);
    };
    client.jwks = Some(jwks);
    if let Err(message) = client.validate() {
        return invalid(message);
    }
    if let Err(e) = admin.clients.update(client.clone()) {
        return storage_error(e);
    }
    tracing::info!(%client_id, "OAuth client keys replaced through the admin API");
    Json(public_view(&client)).into_response()
}

/// The admin routes, every one behind the bearer token `token`.
pub fn router(clients: Arc<ClientRegistry>, token: &str) -> Router {
    let admin = Arc::new(Admin {
        clients,
        token_sha256: sha256_hex(token),
    });
    Router::new()
        .route(CLIENTS_PATH, get(list).post(create))
        .route(
            &format!("{CLIENTS_PATH}/{{client_id}}"),
            get(read).put(replace).delete(remove),
        )
        .route(
            &format!("{CLIENTS_PATH}/{{client_id}}/jwks"),
            put(replace_keys),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            admin.clone(),
            require_token,
        ))
        .with_state(admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().expect("dir");
        let (first, created) = load_or_create_token(dir.path()).expect("created");
        assert!(created && first.len() >= 43);
        let (second, created) = load_or_create_token(dir.path()).expect("read");
        assert!(!created);
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(token_path(dir.path()))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn secrets_are_generated_kept_or_refused() {
        let input = |secret: Option<&str>, method: Option<&str>| ClientInput {
            client_id: Some("web".into()),
            kind: ClientKind::Idporten,
            org_number: "991825827".into(),
            name: String::new(),
            scopes: Scopes::Text("openid digdir:dialogporten".into()),
            jwks: None,
            redirect_uris: vec!["http://localhost:3000/callback".into()],
            post_logout_redirect_uris: Vec::new(),
            token_endpoint_auth_method: method.map(str::to_owned),
            client_secret: secret.map(str::to_owned),
        };
        let (client, generated) = build_client(input(None, None), None).expect("built");
        let generated = generated.expect("a secret is generated");
        assert!(client.secret_matches(&generated));
        assert_eq!(client.scopes, ["openid", "digdir:dialogporten"]);
        let (replaced, again) = build_client(input(None, None), Some(&client)).expect("kept");
        assert!(again.is_none() && replaced.secret_matches(&generated));
        assert!(build_client(input(Some("short"), None), None).is_err());
        assert!(build_client(input(Some("a-long-enough-secret"), Some("none")), None).is_err());
        let (public, none) = build_client(input(None, Some("none")), None).expect("public");
        assert!(none.is_none() && public.secret_sha256.is_none());
    }
}
