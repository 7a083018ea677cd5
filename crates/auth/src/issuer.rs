//! Trusted issuer schemes and their key sets (auth.md §6.1–6.2).
//!
//! Each scheme is configured by its well-known metadata URL. The server fetches the metadata
//! (`issuer`, `jwks_uri`) and the key set, refreshes the keys periodically and when a token
//! names an unknown `kid` (at most once per `refresh_min_interval` per issuer), and routes a
//! token to the scheme whose metadata `issuer` equals the token's `iss` exactly. Only the
//! configured URL and the `jwks_uri` it names are ever fetched; nothing from a token.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::Value;

use crate::keys::KeySet;

/// The three schemes of the real service, named exactly as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Maskinporten,
    Idporten,
    Altinn,
}

impl Scheme {
    pub const ALL: [Scheme; 3] = [Scheme::Maskinporten, Scheme::Idporten, Scheme::Altinn];

    pub fn name(self) -> &'static str {
        match self {
            Self::Maskinporten => "Maskinporten",
            Self::Idporten => "Idporten",
            Self::Altinn => "Altinn",
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The algorithms accepted when a scheme's configuration does not narrow them (issue 2):
/// RSA PKCS#1 v1.5, ES256 and EdDSA. `none` and HMAC are never accepted.
pub const DEFAULT_ALGORITHMS: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

/// How long a request waits for a refresh another request started.
const MAX_REFRESH_WAIT: Duration = Duration::from_secs(2);
/// The largest metadata or JWKS document accepted.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The longest periodic refresh interval accepted (one week).
pub const MAX_REFRESH_INTERVAL_SECS: u64 = 7 * 24 * 3600;

/// Configuration of one trusted issuer (`issuers.<name>` in the config file).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The issuer's metadata document: OpenID discovery or RFC 8414.
    pub well_known: String,
    /// Opt-in audience check: the token's `aud` must contain one of these.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Narrows the accepted algorithms; each must be one of the defaults.
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Minimum seconds between two key refreshes triggered by unknown `kid`s.
    #[serde(default = "default_min_refresh")]
    pub refresh_min_interval_secs: u64,
    /// Seconds between periodic refreshes of metadata and keys.
    #[serde(default = "default_refresh")]
    pub refresh_interval_secs: u64,
}

fn default_min_refresh() -> u64 {
    60
}

fn default_refresh() -> u64 {
    3600
}

impl IssuerConfig {
    pub fn new(well_known: impl Into<String>) -> Self {
        Self {
            well_known: well_known.into(),
            audience: Vec::new(),
            algorithms: None,
            refresh_min_interval_secs: default_min_refresh(),
            refresh_interval_secs: default_refresh(),
        }
    }

    /// The algorithm allow-list, refusing anything outside the defaults.
    pub fn allowed_algorithms(&self) -> Result<Vec<Algorithm>, String> {
        let Some(names) = &self.algorithms else {
            return Ok(DEFAULT_ALGORITHMS.to_vec());
        };
        if names.is_empty() {
            return Err("algorithms must name at least one algorithm".into());
        }
        names
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .ok()
                    .filter(|alg| DEFAULT_ALGORITHMS.contains(alg))
                    .ok_or_else(|| {
                        format!("algorithm `{name}` is not allowed; choose among RS256, RS384, RS512, ES256, EdDSA")
                    })
            })
            .collect()
    }

    /// Checks every setting; the error names the setting.
    pub fn validate(&self) -> Result<(), String> {
        self.allowed_algorithms()?;
        if !(self.well_known.starts_with("https://") || self.well_known.starts_with("http://")) {
            return Err("well_known must be an http(s) URL".into());
        }
        if self.refresh_min_interval_secs == 0 {
            return Err("refresh_min_interval_secs must be at least 1".into());
        }
        if !(1..=MAX_REFRESH_INTERVAL_SECS).contains(&self.refresh_interval_secs) {
            return Err(format!(
                "refresh_interval_secs must be 1 to {MAX_REFRESH_INTERVAL_SECS}"
            ));
        }
        Ok(())
    }
}

/// Where a scheme's metadata and keys come from.
pub enum KeySource {
    /// A real (or test) issuer reached over HTTP(S).
    WellKnown {
        url: String,
        client: reqwest::Client,
    },
    /// An embedded issuer of this process: its issuer string and JWKS document.
    Embedded { issuer: String, jwks: Value },
}

struct IssuerState {
    issuer: Option<Arc<str>>,
    keys: Arc<KeySet>,
    last_refresh: Option<Instant>,
}

/// One trusted scheme with its cached metadata and keys.
pub struct TrustedIssuer {
    pub scheme: Scheme,
    source: KeySource,
    pub allowed_algorithms: Vec<Algorithm>,
    pub audiences: Vec<String>,
    min_refresh_interval: Duration,
    pub refresh_interval: Duration,
    state: RwLock<IssuerState>,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("fetching {url} failed: {reason}")]
    Fetch { url: String, reason: String },
    #[error("the metadata at {0} has no `issuer` and `jwks_uri` strings")]
    Metadata(String),
    #[error("the key set at {0} is not a JWKS document")]
    KeySet(String),
}

impl TrustedIssuer {
    pub fn new(
        scheme: Scheme,
        source: KeySource,
        config: Option<&IssuerConfig>,
    ) -> Result<Self, String> {
        let allowed_algorithms = match config {
            Some(config) => config.allowed_algorithms()?,
            None => DEFAULT_ALGORITHMS.to_vec(),
        };
        let (issuer, keys) = match &source {
            KeySource::Embedded { issuer, jwks } => {
                let keys = KeySet::from_jwks(jwks).map_err(|e| e.to_string())?;
                (Some(Arc::from(issuer.as_str())), keys)
            }
            KeySource::WellKnown { .. } => (None, KeySet::default()),
        };
        Ok(Self {
            scheme,
            source,
            allowed_algorithms,
            audiences: config.map(|c| c.audience.clone()).unwrap_or_default(),
            min_refresh_interval: Duration::from_secs(
                config.map_or(default_min_refresh(), |c| c.refresh_min_interval_secs),
            ),
            refresh_interval: Duration::from_secs(
                config
                    .map_or(default_refresh(), |c| c.refresh_interval_secs)
                    .max(1),
            ),
            state: RwLock::new(IssuerState {
                issuer,
                keys: Arc::new(keys),
                last_refresh: None,
            }),
            refresh_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The `issuer` of the scheme's metadata, once known.
    pub fn issuer(&self) -> Option<Arc<str>> {
        self.read_state(|s| s.issuer.clone())
    }

    pub fn keys(&self) -> Arc<KeySet> {
        self.read_state(|s| s.keys.clone())
    }

    /// Where the metadata comes from, for startup logs.
    pub fn describe_source(&self) -> String {
        match &self.source {
            KeySource::WellKnown { url, .. } => url.clone(),
            KeySource::Embedded { .. } => "embedded".to_owned(),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self.source, KeySource::WellKnown { .. })
    }

    fn read_state<T>(&self, f: impl FnOnce(&IssuerState) -> T) -> T {
        // A poisoned lock still holds consistent data: writers only swap whole fields.
        let guard = self
            .state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&guard)
    }

    /// Fetches metadata and keys now. Embedded issuers have nothing to fetch.
    pub async fn refresh(&self) -> Result<(), RefreshError> {
        let _single_flight = self.refresh_lock.lock().await;
        self.refresh_locked().await
    }

    /// Refreshes unless the last refresh was less than `refresh_min_interval` ago. Callers
    /// look at the keys again afterwards: another request may have refreshed them meanwhile.
    pub async fn refresh_if_allowed(&self) {
        if !self.is_remote() {
            return;
        }
        // A request that finds a refresh under way waits for it (briefly) and then uses its
        // result; it never queues behind a slow issuer for long.
        let Ok(_single_flight) =
            tokio::time::timeout(MAX_REFRESH_WAIT, self.refresh_lock.lock()).await
        else {
            return;
        };
        let recent = self.read_state(|s| {
            s.last_refresh
                .is_some_and(|at| at.elapsed() < self.min_refresh_interval)
        });
        if recent {
            return;
        }
        if let Err(error) = self.refresh_locked().await {
            tracing::warn!(scheme = %self.scheme, %error, "key refresh failed");
        }
    }

    async fn refresh_locked(&self) -> Result<(), RefreshError> {
        let KeySource::WellKnown { url, client } = &self.source else {
            return Ok(());
        };
        // Count the attempt even when it fails, so an unreachable issuer is not hammered.
        self.state
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .last_refresh = Some(Instant::now());
        let metadata = fetch_json(client, url).await?;
        let (Some(issuer), Some(jwks_uri)) = (
            metadata.get("issuer").and_then(Value::as_str),
            metadata.get("jwks_uri").and_then(Value::as_str),
        ) else {
            return Err(RefreshError::Metadata(url.clone()));
        };
        let jwks = fetch_json(client, jwks_uri).await?;
        let keys =
            KeySet::from_jwks(&jwks).map_err(|_| RefreshError::KeySet(jwks_uri.to_owned()))?;
        // A key set with no usable key would refuse every token: keep the previous one.
        if keys.keys.is_empty() {
            return Err(RefreshError::KeySet(jwks_uri.to_owned()));
        }
        tracing::debug!(scheme = %self.scheme, keys = keys.keys.len(), "issuer keys refreshed");
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        state.issuer = Some(Arc::from(issuer));
        state.keys = Arc::new(keys);
        Ok(())
    }
}

async fn fetch_json(client: &reqwest::Client, url: &str) -> Result<Value, RefreshError> {
    let fail = |reason: String| RefreshError::Fetch {
        url: url.to_owned(),
        reason,
    };
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("status {}", response.status())));
    }
    // Metadata and key sets are small; a larger answer is refused rather than buffered.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(fail(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))
}

/// An HTTP client for metadata fetches: short timeouts, no redirects to other hosts' content.
pub fn metadata_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}
