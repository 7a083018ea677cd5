//! Builds the application from a [`Config`]: trusted issuers, embedded identity providers
//! (local mode only), the API routers and the middleware.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use dp_api::AuthState;
use dp_auth::{KeySource, Scheme, TokenVerifier, TrustedIssuer};
use dp_authz::Registry;
use dp_idp::{AltinnIssuer, SigningKey, TestTokenGenerator};
use dp_store::SqliteStore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::config::{Config, DEFAULT_TESTTOOLS_USERS};

/// Request bodies over 20 000 000 bytes are refused with 413 (DP's limit, anchors.md §5.1 API4).
pub const MAX_BODY_BYTES: usize = 20_000_000;

#[derive(Clone)]
pub struct AppState {
    pub auth: AuthState,
    /// Service owners, resources and parties (issue 3 builds the dialog API on it).
    pub registry: Arc<Registry>,
    pub store: Arc<SqliteStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// A built application, ready to serve.
pub struct Server {
    pub router: Router,
    pub verifier: Arc<TokenVerifier>,
    /// The embedded Altinn issuer in local mode.
    pub altinn: Option<Arc<AltinnIssuer>>,
    pub generator: Option<Arc<TestTokenGenerator>>,
    pub registry: Arc<Registry>,
    pub registry_source: crate::registry::Source,
    pub store: Arc<SqliteStore>,
}

/// `GET /health/deep`: 200 when the store answers, 503 otherwise.
async fn deep_health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.schema_version()).await {
        Ok(Ok(_)) => (axum::http::StatusCode::OK, "Healthy"),
        _ => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "Unhealthy"),
    }
}

/// Loads (or creates) the embedded Altinn issuer's key; only in local mode.
pub fn embedded_altinn(config: &Config) -> anyhow::Result<Arc<AltinnIssuer>> {
    anyhow::ensure!(
        config.local_mode(),
        "the embedded identity providers are off because external issuers are configured"
    );
    let key = SigningKey::load_or_create(&config.altinn_key_path())
        .context("loading the Altinn signing key")?;
    Ok(Arc::new(AltinnIssuer::new(config.public_url(), key)))
}

pub async fn build(config: &Config) -> anyhow::Result<Server> {
    dp_auth::install_crypto_provider();
    let store = crate::registry::open_store(config)?;
    let (registry, registry_source) = crate::registry::effective(config, &store)?;
    let store = Arc::new(store);
    let registry = Arc::new(registry);
    let mut issuers = Vec::new();
    let (altinn, generator) = if config.local_mode() {
        let altinn = embedded_altinn(config)?;
        let source = KeySource::Embedded {
            issuer: altinn.issuer.clone(),
            jwks: altinn.key.jwks(),
        };
        issuers.push(Arc::new(
            TrustedIssuer::new(Scheme::Altinn, source, None).map_err(anyhow::Error::msg)?,
        ));
        let generator = Arc::new(TestTokenGenerator::new(
            altinn.clone(),
            config.testtools.user_list(),
        ));
        (Some(altinn), Some(generator))
    } else {
        let client = dp_auth::issuer::metadata_client();
        for (scheme, issuer_config) in config.issuers.configured() {
            let source = KeySource::WellKnown {
                url: issuer_config.well_known.clone(),
                client: client.clone(),
            };
            let issuer = TrustedIssuer::new(scheme, source, Some(issuer_config))
                .map_err(anyhow::Error::msg)?;
            issuers.push(Arc::new(issuer));
        }
        (None, None)
    };
    let verifier = Arc::new(TokenVerifier::new(issuers));
    verifier.refresh_all().await;
    verifier.spawn_periodic_refresh();

    let state = AppState {
        auth: AuthState {
            verifier: verifier.clone(),
        },
        registry: registry.clone(),
        store: store.clone(),
    };
    let mut router = Router::new()
        // The real service's health endpoints (api.md §0); `deep` also reads the store.
        .route("/health", get(|| async { "Healthy" }))
        .route("/health/startup", get(|| async { "Healthy" }))
        .route("/health/liveness", get(|| async { "Healthy" }))
        .route("/health/readiness", get(|| async { "Healthy" }))
        .route("/health/deep", get(deep_health))
        .merge(dp_api::router::<AppState>())
        .with_state(state);
    if let (Some(altinn), Some(generator)) = (&altinn, &generator) {
        router = router
            .merge(altinn.clone().router())
            .merge(generator.clone().router());
    }
    let router = router
        // One body limit, the contract's: axum's own 2 MB default is switched off.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Outside the body limit, so its 413 gets the ProblemDetails shape too.
        .layer(axum::middleware::from_fn(dp_api::trace_id_layer))
        // 5xx are logged where they arise (ApiError::Internal); the trace layer stays at debug.
        .layer(
            TraceLayer::new_for_http()
                // The span names the path only: queries may hold personal ids (`enduserid`).
                .make_span_with(|request: &axum::http::Request<_>| {
                    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
                })
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        );
    Ok(Server {
        router,
        verifier,
        altinn,
        generator,
        registry,
        registry_source,
        store,
    })
}

/// Logs what the server is about to do: address, data, trusted issuers and mode.
pub fn log_startup(config: &Config, address: std::net::SocketAddr, server: &Server) {
    let public_url = config.public_url();
    tracing::info!("listening on {address} (public URL {public_url})");
    let schema = server.store.schema_version().unwrap_or_default();
    tracing::info!(
        "store: SQLite at {} (schema version {schema}); signing keys in {}",
        config.database_path().display(),
        config.data_dir.join("keys").display()
    );
    let document = server.registry.document();
    let source = match server.registry_source {
        crate::registry::Source::File => format!(
            "imported from {}",
            config
                .registry
                .as_deref()
                .unwrap_or(std::path::Path::new("?"))
                .display()
        ),
        crate::registry::Source::Stored => "from the store".to_owned(),
        crate::registry::Source::Demo => "built-in demo".to_owned(),
    };
    tracing::info!(
        "registry ({source}): {} service owners, {} resources, {} parties",
        document.service_owners.len(),
        document.resources.len(),
        document.parties.len()
    );
    if config.local_mode() {
        tracing::info!("local mode: no external issuer configured; trusting the embedded issuers");
    }
    for issuer in server.verifier.issuers() {
        let iss = issuer
            .issuer()
            .map_or_else(|| "(metadata not loaded yet)".to_owned(), |i| i.to_string());
        tracing::info!(
            "trusting {} issuer {iss} (metadata: {})",
            issuer.scheme,
            issuer.describe_source()
        );
    }
    if let Some(altinn) = &server.altinn {
        tracing::info!("Altinn issuer discovery at {}", altinn.discovery_url());
        let users = config.testtools.user_list();
        let credentials = if config.testtools.users == DEFAULT_TESTTOOLS_USERS {
            format!("default Basic credentials {DEFAULT_TESTTOOLS_USERS}")
        } else {
            format!(
                "Basic users {}",
                users
                    .iter()
                    .map(|(u, _)| u.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        tracing::info!("test-token generator at {public_url}/testtools/api/ ({credentials})");
    }
}
