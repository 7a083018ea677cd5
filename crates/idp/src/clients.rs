//! OAuth clients of the embedded Maskinporten and ID-porten (issue 5): who may ask for tokens,
//! with which scopes, proving itself with which keys or secret, returning to which redirect
//! URIs. Kept as one JSON file in the data directory (`DIR/clients.json`, mode 0600), written
//! atomically; the server re-reads it when it changes, so `dialogporten clients …` run beside a
//! live server takes effect on the next request.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

/// Which embedded provider a client belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    Maskinporten,
    Idporten,
}

/// One registered client (Digdir's self-service client registration, auth.md §2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct OAuthClient {
    pub client_id: String,
    pub kind: ClientKind,
    /// The organisation number that owns the client (Maskinporten: the token's `consumer`
    /// unless it acts for another org).
    pub org_number: String,
    #[serde(default)]
    pub name: String,
    /// Scopes the client may ask for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Public keys (`{"keys": [...]}`) for JWT grants and `private_key_jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Value>,
    /// ID-porten: exact-match redirect URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uris: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`.
    #[serde(default = "default_auth_method")]
    pub token_endpoint_auth_method: String,
    /// SHA-256 (hex) of the client secret; the secret itself is never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_sha256: Option<String>,
}

fn default_auth_method() -> String {
    "private_key_jwt".to_owned()
}

pub fn sha256_hex(value: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl OAuthClient {
    /// Constant-time comparison of a presented secret with the stored hash.
    pub fn secret_matches(&self, presented: &str) -> bool {
        match &self.secret_sha256 {
            Some(expected) => {
                let actual = sha256_hex(presented);
                actual.as_bytes().ct_eq(expected.as_bytes()).into()
            }
            None => false,
        }
    }
}

/// The algorithms a registered key may sign JWT grants and client assertions with
/// (Maskinporten's list; never `none` or HMAC).
pub const GRANT_ALGORITHMS: [&str; 3] = ["RS256", "RS384", "RS512"];
/// Digdir's self-service API takes at most five keys per client (auth.md §2.4).
pub const MAX_KEYS: usize = 5;
/// The token endpoint authentication methods an ID-porten client may use.
pub const AUTH_METHODS: [&str; 4] = [
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
];

/// base64url with or without padding (JWK members are unpadded, some tools pad them).
fn base64url() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    )
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

/// The RSA public key of a JWK as big-endian `(n, e)` without leading zero bytes.
pub fn rsa_components(jwk: &Value) -> Option<(Vec<u8>, Vec<u8>)> {
    use base64::Engine;
    if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
        return None;
    }
    let member = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .and_then(|v| base64url().decode(v).ok())
            .map(|v| strip_leading_zeros(&v))
    };
    Some((member("n")?, member("e")?))
}

/// Checks a public key set as Digdir's self-service API would (auth.md §2.4): `{"keys": [...]}`,
/// one to five RSA signing keys of at least 2048 bits, each with a unique `kid`, no private
/// members, `alg` (when given) one of RS256, RS384, RS512.
pub fn validate_jwks(jwks: &Value) -> Result<(), String> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("a key set is a JSON object with a \"keys\" array")?;
    if keys.is_empty() {
        return Err("the key set has no keys".into());
    }
    if keys.len() > MAX_KEYS {
        return Err(format!(
            "the key set has {} keys; at most {MAX_KEYS} are allowed",
            keys.len()
        ));
    }
    let mut kids = std::collections::HashSet::new();
    for (i, key) in keys.iter().enumerate() {
        let path = format!("keys[{i}]");
        let Some(object) = key.as_object() else {
            return Err(format!("{path} is not a JSON object"));
        };
        if let Some(private) = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
            .into_iter()
            .find(|m| object.contains_key(*m))
        {
            return Err(format!(
                "{path} holds private key material ({private}); register the public key only"
            ));
        }
        if object.get("kty").and_then(Value::as_str) != Some("RSA") {
            return Err(format!(
                "{path}: only RSA keys (\"kty\": \"RSA\") are supported, as in Maskinporten"
            ));
        }
        let kid = object.get("kid").and_then(Value::as_str).unwrap_or("");
        if kid.is_empty() {
            return Err(format!("{path} has no kid"));
        }
        if !kids.insert(kid) {
            return Err(format!("{path}: kid {kid:?} is used twice"));
        }
        if let Some(usage) = object.get("use")
            && usage.as_str() != Some("sig")
        {
            return Err(format!("{path}: use must be \"sig\""));
        }
        if let Some(alg) = object.get("alg")
            && !alg.as_str().is_some_and(|a| GRANT_ALGORITHMS.contains(&a))
        {
            return Err(format!(
                "{path}: alg must be one of {}",
                GRANT_ALGORITHMS.join(", ")
            ));
        }
        let Some((n, e)) = rsa_components(key) else {
            return Err(format!(
                "{path}: n and e must be base64url-encoded integers"
            ));
        };
        let bits = n.len() * 8 - n.first().map_or(0, |b| b.leading_zeros() as usize);
        if bits < 2048 {
            return Err(format!(
                "{path}: the modulus has {bits} bits; at least 2048 are required"
            ));
        }
        if e.is_empty() || e.last().is_some_and(|b| b % 2 == 0) || e == [1] {
            return Err(format!("{path}: e is not a valid RSA public exponent"));
        }
    }
    Ok(())
}

/// Whether a client id is safe in paths and logs: 1–200 of `A-Z a-z 0-9 . _ - : @ ~`.
fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_:@~".contains(c))
}

fn valid_redirect_uri(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| u.fragment().is_none() && !u.cannot_be_a_base())
}

impl OAuthClient {
    /// Checks the registration: id, organisation number, scopes, keys, and per kind the
    /// authentication method, secret and redirect URIs. The CLI and the admin API refuse
    /// clients that fail this; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !valid_client_id(&self.client_id) {
            return Err(format!(
                "client_id {:?} must be 1-200 characters of A-Z a-z 0-9 . _ - : @ ~",
                self.client_id
            ));
        }
        dp_domain::OrganizationNumber::parse(&self.org_number).map_err(|e| {
            format!(
                "org_number {:?} is not an organisation number: {e}",
                self.org_number
            )
        })?;
        for scope in &self.scopes {
            if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("scope {scope:?} must be non-empty without spaces"));
            }
        }
        if let Some(jwks) = &self.jwks {
            validate_jwks(jwks).map_err(|e| format!("jwks: {e}"))?;
        }
        match self.kind {
            ClientKind::Maskinporten => {
                if self.token_endpoint_auth_method != "private_key_jwt" {
                    return Err(
                        "a Maskinporten client authenticates with private_key_jwt (JWT grants)"
                            .into(),
                    );
                }
                if self.jwks.is_none() {
                    return Err("a Maskinporten client needs public keys (jwks)".into());
                }
                if !self.redirect_uris.is_empty() || !self.post_logout_redirect_uris.is_empty() {
                    return Err("a Maskinporten client has no redirect URIs".into());
                }
            }
            ClientKind::Idporten => {
                let method = self.token_endpoint_auth_method.as_str();
                if !AUTH_METHODS.contains(&method) {
                    return Err(format!(
                        "token_endpoint_auth_method must be one of {}",
                        AUTH_METHODS.join(", ")
                    ));
                }
                if method.starts_with("client_secret") && self.secret_sha256.is_none() {
                    return Err(format!("{method} needs a client secret"));
                }
                if method == "private_key_jwt" && self.jwks.is_none() {
                    return Err("private_key_jwt needs public keys (jwks)".into());
                }
                if self.redirect_uris.is_empty() {
                    return Err("an ID-porten client needs at least one redirect URI".into());
                }
                for uri in self
                    .redirect_uris
                    .iter()
                    .chain(&self.post_logout_redirect_uris)
                {
                    if !valid_redirect_uri(uri) {
                        return Err(format!(
                            "redirect URI {uri:?} must be an absolute URL without a fragment"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A fresh client id: a random UUID, as Digdir assigns them.
pub fn new_client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh client secret: 32 random bytes, base64url (43 characters).
pub fn generate_secret() -> String {
    use base64::Engine;
    // ThreadRng: a CSPRNG seeded from the operating system.
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A generated client key: the private half as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, what
/// OpenSSL, Node, .NET, Java and Python read) and the public half as a JWK.
pub struct GeneratedKey {
    pub kid: String,
    pub private_pem: String,
    pub jwk: Value,
}

/// Generates an RSA-2048 key for a client (Digdir registers RS256 2048-bit keys).
pub fn generate_rsa_key(kid: &str) -> Result<GeneratedKey, String> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair;
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let pair = aws_lc_rs::signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|_| "RSA key generation failed".to_owned())?;
    let der = pair
        .as_der()
        .map_err(|_| "encoding the private key failed".to_owned())?;
    let encoded = STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    let public = pair.public_key();
    let jwk = serde_json::json!({
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "alg": "RS256",
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
    });
    Ok(GeneratedKey {
        kid: kid.to_owned(),
        private_pem: pem,
        jwk,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error("reading or writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a valid client list: {message}")]
    Invalid { path: String, message: String },
    #[error("a client with id {0:?} exists already")]
    Exists(String),
    #[error("no client with id {0:?}")]
    Unknown(String),
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct ClientFile {
    #[serde(default)]
    clients: Vec<OAuthClient>,
}

/// The client list, cached and reloaded when the file (or, with several instances, the shared
/// document) changes.
pub struct ClientRegistry {
    path: PathBuf,
    shared: Option<std::sync::Mutex<crate::shared::SharedDocument>>,
    cache: RwLock<(Option<SystemTime>, Vec<OAuthClient>)>,
    /// Serialises read-modify-write changes within this process (admin API requests run
    /// concurrently); the file itself is replaced atomically.
    write_lock: std::sync::Mutex<()>,
}

impl ClientRegistry {
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join("clients.json")
    }

    pub fn open(data_dir: &Path) -> Result<Self, ClientsError> {
        let registry = Self {
            path: Self::path_in(data_dir),
            shared: None,
            cache: RwLock::new((None, Vec::new())),
            write_lock: std::sync::Mutex::new(()),
        };
        registry.reload()?;
        Ok(registry)
    }

    /// The client list several instances share in `entries` (the database), as the document
    /// `clients.json`.
    pub fn open_shared(
        entries: std::sync::Arc<dyn crate::shared::SharedEntries>,
    ) -> Result<Self, ClientsError> {
        let registry = Self {
            path: PathBuf::from("clients.json (in the database)"),
            shared: Some(std::sync::Mutex::new(crate::shared::SharedDocument::new(
                entries,
                "clients.json",
            ))),
            cache: RwLock::new((None, Vec::new())),
            write_lock: std::sync::Mutex::new(()),
        };
        registry.reload()?;
        Ok(registry)
    }

    fn shared_error(&self, message: String) -> ClientsError {
        ClientsError::Invalid {
            path: self.path.display().to_string(),
            message,
        }
    }

    /// The shared list, read again when it changed.
    fn reload_shared(
        &self,
        shared: &std::sync::Mutex<crate::shared::SharedDocument>,
    ) -> Result<Vec<OAuthClient>, ClientsError> {
        let changed = shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .changed::<ClientFile>()
            .map_err(|e| self.shared_error(e))?;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if let Some(file) = changed {
            cache.1 = file.clients;
        }
        Ok(cache.1.clone())
    }

    fn io(&self, source: std::io::Error) -> ClientsError {
        ClientsError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn modified(&self) -> Option<SystemTime> {
        std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok()
    }

    fn reload(&self) -> Result<Vec<OAuthClient>, ClientsError> {
        if let Some(shared) = &self.shared {
            return self.reload_shared(shared);
        }
        let modified = self.modified();
        let clients = match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                serde_json::from_str::<ClientFile>(&text)
                    .map_err(|e| ClientsError::Invalid {
                        path: self.path.display().to_string(),
                        message: e.to_string(),
                    })?
                    .clients
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(self.io(e)),
        };
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        *cache = (modified, clients.clone());
        Ok(clients)
    }

    /// Every client, fresh from the file when it changed.
    pub fn list(&self) -> Vec<OAuthClient> {
        if self.shared.is_some() {
            let cached = self
                .cache
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .1
                .clone();
            return self.reload().unwrap_or(cached);
        }
        let (cached_at, clients) = {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            (cache.0, cache.1.clone())
        };
        if self.modified() == cached_at {
            return clients;
        }
        self.reload().unwrap_or(clients)
    }

    pub fn get(&self, client_id: &str) -> Option<OAuthClient> {
        self.list().into_iter().find(|c| c.client_id == client_id)
    }

    /// Stores the list; `Ok(false)` when another instance changed the shared one meanwhile.
    fn save(&self, clients: Vec<OAuthClient>) -> Result<bool, ClientsError> {
        if let Some(shared) = &self.shared {
            let file = ClientFile { clients };
            let saved = shared
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .save(&file)
                .map_err(|e| self.shared_error(e))?;
            if saved {
                self.cache.write().unwrap_or_else(|p| p.into_inner()).1 = file.clients;
            }
            return Ok(saved);
        }
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| self.io(e))?;
        }
        let text = serde_json::to_string_pretty(&ClientFile { clients }).map_err(|e| {
            ClientsError::Invalid {
                path: self.path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        let temporary = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        write_private(&temporary, text.as_bytes()).map_err(|e| self.io(e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| self.io(e))?;
        self.reload()?;
        Ok(true)
    }

    /// Applies `change` to a fresh list and stores it; with a shared list a change that lost a
    /// race with another instance is redone on the newer list.
    fn change(
        &self,
        mut change: impl FnMut(&mut Vec<OAuthClient>) -> Result<(), ClientsError>,
    ) -> Result<(), ClientsError> {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        for _ in 0..8 {
            let mut clients = self.reload()?;
            change(&mut clients)?;
            if self.save(clients)? {
                return Ok(());
            }
        }
        Err(self.shared_error("the client list kept changing; try again".into()))
    }

    pub fn add(&self, client: OAuthClient) -> Result<(), ClientsError> {
        self.change(|clients| {
            if clients.iter().any(|c| c.client_id == client.client_id) {
                return Err(ClientsError::Exists(client.client_id.clone()));
            }
            clients.push(client.clone());
            Ok(())
        })
    }

    /// Replaces a client (same id).
    pub fn update(&self, client: OAuthClient) -> Result<(), ClientsError> {
        self.change(|clients| {
            let Some(slot) = clients.iter_mut().find(|c| c.client_id == client.client_id) else {
                return Err(ClientsError::Unknown(client.client_id.clone()));
            };
            *slot = client.clone();
            Ok(())
        })
    }

    pub fn remove(&self, client_id: &str) -> Result<(), ClientsError> {
        self.change(|clients| {
            let before = clients.len();
            clients.retain(|c| c.client_id != client_id);
            if clients.len() == before {
                return Err(ClientsError::Unknown(client_id.to_owned()));
            }
            Ok(())
        })
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: &str) -> OAuthClient {
        OAuthClient {
            client_id: id.into(),
            kind: ClientKind::Maskinporten,
            org_number: "991825827".into(),
            name: "Test".into(),
            scopes: vec!["digdir:dialogporten.serviceprovider".into()],
            jwks: None,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            token_endpoint_auth_method: "private_key_jwt".into(),
            secret_sha256: Some(sha256_hex("s3cret")),
        }
    }

    #[test]
    fn clients_persist_and_a_second_handle_sees_changes() {
        let dir = tempfile::tempdir().expect("dir");
        let first = ClientRegistry::open(dir.path()).expect("open");
        let second = ClientRegistry::open(dir.path()).expect("open");
        first.add(client("a")).expect("added");
        assert!(matches!(
            first.add(client("a")),
            Err(ClientsError::Exists(_))
        ));
        assert_eq!(
            second.get("a").map(|c| c.org_number),
            Some("991825827".into())
        );
        assert!(
            second
                .get("a")
                .is_some_and(|c| c.secret_matches("s3cret") && !c.secret_matches("nope"))
        );
        second.remove("a").expect("removed");
        // Filesystem time stamps can be coarse: the removal is seen through the file.
        assert!(
            ClientRegistry::open(dir.path())
                .expect("open")
                .get("a")
                .is_none()
        );
    }
}
