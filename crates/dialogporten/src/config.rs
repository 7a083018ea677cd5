//! Configuration: one typed struct, loaded once.
//!
//! Precedence, lowest to highest: built-in defaults → TOML file (`--config FILE` or
//! `DIALOGPORTEN_CONFIG`) → `DIALOGPORTEN_*` environment variables (nested keys joined by `__`,
//! e.g. `DIALOGPORTEN_ISSUERS__MASKINPORTEN__WELL_KNOWN`) → command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use dp_auth::{IssuerConfig, Scheme};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Base URL clients use to reach this server; every issuer and link is built from it.
    pub public_url: String,
    /// Directory for the store and the signing keys.
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the SQLite store in the data directory:
    /// `postgres://USER@HOST:PORT/DB` (`--database-url`, `DIALOGPORTEN_DATABASE_URL`). Several
    /// instances on one database behave as one service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// PostgreSQL pool and timeouts (`[database]`, `DIALOGPORTEN_DATABASE__…`).
    #[serde(default)]
    pub database: DatabaseSettings,
    /// Registry file (JSON) imported into the store at startup; without one the stored
    /// registry is used, and the built-in demo registry when none is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<PathBuf>,
    /// Trusted external issuers. With none, the server runs in local mode and trusts its
    /// embedded issuers instead.
    #[serde(default)]
    pub issuers: Issuers,
    #[serde(default)]
    pub testtools: TestTools,
    /// Log output: `text` or `json`.
    #[serde(default = "default_log_format")]
    pub log_format: String,
    /// Bearer token of the admin API (`/admin/clients`, local mode). Unset: a random one is
    /// generated into `DIR/admin-token` (mode 0600) at the first start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    /// Connection limits (`[limits]`, `DIALOGPORTEN_LIMITS__…`).
    #[serde(default)]
    pub limits: ConnectionLimits,
    /// Browser origins allowed to call the API and the identity providers' endpoints (CORS).
    #[serde(default)]
    pub cors: Cors,
}

/// Cross-origin requests from browser apps (an SPA using `oidc-client-ts`, say).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Cors {
    /// Exact origins (`https://inbox.example.no`). In local mode every `http(s)://localhost`
    /// and `http(s)://127.0.0.1` origin, any port, is allowed as well.
    pub allowed_origins: Vec<String>,
}

impl Cors {
    /// Whether a request from `origin` may read the answer.
    pub fn allows(&self, origin: &str, local_mode: bool) -> bool {
        if self
            .allowed_origins
            .iter()
            .any(|o| o.trim_end_matches('/') == origin)
        {
            return true;
        }
        local_mode && is_loopback_origin(origin)
    }
}

/// A database URL with any `user:password@` removed and no query (it may carry options).
fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split_once('?').map_or(rest, |(base, _)| base);
    if scheme.is_empty() {
        "(key-value connection string)".into()
    } else {
        format!("{scheme}://{rest}")
    }
}

/// `http(s)://localhost[:port]` or `http(s)://127.0.0.1[:port]`, nothing else.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
    matches!(host, "localhost" | "127.0.0.1")
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// The PostgreSQL pool and its timeouts, in seconds (fractions allowed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections per instance.
    pub pool_size: usize,
    /// Longest a statement may run; a search that runs out gets the real service's 422 "too
    /// broad" (it uses 20 s).
    pub statement_timeout_secs: f64,
    /// Longest to wait for a connection (new, or free in the pool) before answering 503.
    pub connect_timeout_secs: f64,
    /// How often a request reads the stored registry's revision (0: on every request): a
    /// `registry grant` reaches every instance within this.
    pub registry_check_secs: f64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            pool_size: 16,
            statement_timeout_secs: 20.0,
            connect_timeout_secs: 5.0,
            registry_check_secs: 0.25,
        }
    }
}

/// Limits on every client connection, with Kestrel's defaults (the real service runs on it):
/// see `listener.rs`. Times in seconds (fractions allowed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// A request head must arrive within this (Kestrel `RequestHeadersTimeout`, 30 s).
    pub header_read_timeout_secs: f64,
    /// A connection with nothing in flight is closed after this long without traffic (Kestrel
    /// `KeepAliveTimeout`, 130 s).
    pub keep_alive_timeout_secs: f64,
    /// A request body must average at least this many bytes per second (Kestrel
    /// `MinRequestBodyDataRate`, 240); 0 switches the check off.
    pub min_request_body_rate: u64,
    /// ... counted after this grace period (5 s).
    pub min_request_body_grace_secs: f64,
    /// At most this many connections are served at once; unset: three quarters of the open-file
    /// limit, at most 10 000 (Kestrel has no default cap; the file limit is the real one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: 30.0,
            keep_alive_timeout_secs: 130.0,
            min_request_body_rate: 240,
            min_request_body_grace_secs: 5.0,
            max_connections: None,
        }
    }
}

fn seconds(value: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(value.max(0.001)).unwrap_or(std::time::Duration::MAX)
}

impl ConnectionLimits {
    pub fn header_read_timeout(&self) -> std::time::Duration {
        seconds(self.header_read_timeout_secs)
    }

    pub fn keep_alive_timeout(&self) -> std::time::Duration {
        seconds(self.keep_alive_timeout_secs)
    }

    pub fn grace(&self) -> std::time::Duration {
        seconds(self.min_request_body_grace_secs)
    }

    /// The connection cap in force: the configured one, else from the open-file limit.
    pub fn effective_max_connections(&self) -> usize {
        self.max_connections
            .unwrap_or_else(|| {
                open_file_limit().map_or(10_000, |limit| (limit / 4 * 3).clamp(16, 10_000))
            })
            .max(1)
    }
}

/// The soft limit on open files of this process (Linux `/proc/self/limits`).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

fn default_log_format() -> String {
    "text".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Issuers {
    pub maskinporten: Option<IssuerConfig>,
    pub idporten: Option<IssuerConfig>,
    pub altinn: Option<IssuerConfig>,
}

impl Issuers {
    pub fn configured(&self) -> Vec<(Scheme, &IssuerConfig)> {
        [
            (Scheme::Maskinporten, &self.maskinporten),
            (Scheme::Idporten, &self.idporten),
            (Scheme::Altinn, &self.altinn),
        ]
        .into_iter()
        .filter_map(|(scheme, config)| config.as_ref().map(|c| (scheme, c)))
        .collect()
    }
}

/// The embedded test-token generator (local mode only).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestTools {
    /// Basic-auth users as `user:password`, comma-separated.
    pub users: String,
}

pub const DEFAULT_TESTTOOLS_USERS: &str = "dev:dev";

impl Default for TestTools {
    fn default() -> Self {
        Self {
            users: DEFAULT_TESTTOOLS_USERS.into(),
        }
    }
}

impl TestTools {
    pub fn user_list(&self) -> Vec<(String, String)> {
        self.users
            .split(',')
            .filter_map(|pair| pair.trim().split_once(':'))
            .map(|(u, p)| (u.to_owned(), p.to_owned()))
            .collect()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database: DatabaseSettings::default(),
            registry: None,
            issuers: Issuers::default(),
            testtools: TestTools::default(),
            log_format: default_log_format(),
            admin_token: None,
            limits: ConnectionLimits::default(),
            cors: Cors::default(),
        }
    }
}

/// Values given on the command line; only those set override the other sources.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads defaults, the TOML file, the environment and `overrides`, in that order.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            anyhow::ensure!(
                file.is_file(),
                "config file {} does not exist",
                file.display()
            );
            figment = figment.merge(Toml::file(file));
        }
        let config: Config = figment
            .merge(
                Env::prefixed("DIALOGPORTEN_")
                    .split("__")
                    .ignore(&["config"]),
            )
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let url = self.public_url.trim_end_matches('/');
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "public_url must be an absolute http(s) URL, got {url:?}"
        );
        for (scheme, issuer) in self.issuers.configured() {
            issuer
                .validate()
                .map_err(|e| anyhow::anyhow!("issuers.{}: {e}", scheme.name().to_lowercase()))?;
        }
        let users = self.testtools.user_list();
        if self.local_mode() {
            anyhow::ensure!(
                !users.is_empty() && users.iter().all(|(u, p)| !u.is_empty() && !p.is_empty()),
                "testtools.users must list at least one `user:password` with both parts non-empty"
            );
            // Anyone who can reach the generator can mint any identity: the well-known default
            // credentials are for a server only this machine can reach.
            anyhow::ensure!(
                self.listen.ip().is_loopback() || self.testtools.users != DEFAULT_TESTTOOLS_USERS,
                "local mode on {} (not loopback) with the default test-token credentials {DEFAULT_TESTTOOLS_USERS} would let \
                 anyone mint tokens; set testtools.users (DIALOGPORTEN_TESTTOOLS__USERS) to your own",
                self.listen
            );
        }
        if let Some(token) = &self.admin_token {
            anyhow::ensure!(
                token.trim().len() >= dp_idp::admin::MIN_TOKEN_LENGTH && token.trim() == token,
                "admin_token must be at least {} characters without surrounding spaces",
                dp_idp::admin::MIN_TOKEN_LENGTH
            );
        }
        if let Some(url) = &self.database_url {
            dp_store::postgres::check_url(url)
                .map_err(|e| anyhow::anyhow!("database_url is not a PostgreSQL URL: {e}"))?;
            anyhow::ensure!(
                self.database.pool_size >= 1,
                "database.pool_size must be at least 1"
            );
            anyhow::ensure!(
                (0.0..=60.0).contains(&self.database.registry_check_secs),
                "database.registry_check_secs must be from 0 to 60"
            );
        }
        anyhow::ensure!(
            matches!(self.log_format.as_str(), "text" | "json"),
            "log_format must be `text` or `json`"
        );
        Ok(())
    }

    /// Local mode: no external issuer configured, so the embedded issuers are trusted and
    /// token minting is on.
    pub fn local_mode(&self) -> bool {
        self.issuers.configured().is_empty()
    }

    pub fn public_url(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }

    /// The SQLite database in the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("dialogporten.db")
    }

    /// The PostgreSQL settings, when a database URL is configured.
    pub fn postgres(&self) -> Option<dp_store::postgres::PostgresConfig> {
        let url = self.database_url.as_ref()?;
        Some(dp_store::postgres::PostgresConfig {
            url: url.clone(),
            pool_size: self.database.pool_size,
            statement_timeout: seconds(self.database.statement_timeout_secs),
            connect_timeout: seconds(self.database.connect_timeout_secs),
        })
    }

    /// The store for messages: the SQLite file, or the PostgreSQL URL without credentials.
    pub fn store_description(&self) -> String {
        match &self.database_url {
            Some(url) => format!("PostgreSQL {}", without_credentials(url)),
            None => format!("SQLite {}", self.database_path().display()),
        }
    }

    pub fn maskinporten_key_path(&self) -> PathBuf {
        self.data_dir
            .join("keys")
            .join("maskinporten-signing-key.p8")
    }

    pub fn altinn_key_path(&self) -> PathBuf {
        self.data_dir.join("keys").join("altinn-signing-key.p8")
    }
}
