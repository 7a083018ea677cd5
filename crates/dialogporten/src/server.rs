//! Builds the application from a [`Config`]: trusted issuers, embedded identity providers
//! (local mode only), the API routers and the middleware.

use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use dp_api::{AuthState, DialogState};
use dp_app::registry::LiveRegistry;
use dp_auth::{DialogTokenIssuer, KeySource, Scheme, TokenVerifier, TrustedIssuer};
use dp_authz::Registry;
use dp_idp::{
    AltinnIssuer, ClientKind, ClientRegistry, IdportenIssuer, MaskinportenIssuer, OAuthClient,
    TestTokenGenerator, TokenExchange,
};
use dp_store::Store;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::config::{Config, DEFAULT_TESTTOOLS_USERS};

/// Request bodies over 20 000 000 bytes are refused with 413 (DP's limit, anchors.md §5.1 API4).
pub const MAX_BODY_BYTES: usize = 20_000_000;

#[derive(Clone)]
pub struct AppState {
    pub auth: AuthState,
    /// Service owners, resources, parties and rights; reloaded when the store's copy changes.
    pub registry: Arc<LiveRegistry>,
    pub store: Arc<dyn Store>,
    /// Signs the `dialogToken` of end-user dialog answers and backs the well-known endpoints.
    pub dialog_tokens: Arc<DialogTokenIssuer>,
    /// Access Management and the PDP (the embedded ones over the live registry).
    pub access: Arc<dyn dp_authz::access::AccessManagement>,
    pub pdp: Arc<dyn dp_authz::access::Pdp>,
}

impl FromRef<AppState> for Arc<DialogTokenIssuer> {
    fn from_ref(state: &AppState) -> Self {
        state.dialog_tokens.clone()
    }
}

impl FromRef<AppState> for AuthState {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for DialogState {
    fn from_ref(state: &AppState) -> Self {
        DialogState {
            store: state.store.clone(),
            registry: state.registry.loaded(),
            access: state.access.clone(),
            pdp: state.pdp.clone(),
            dialog_tokens: Some(state.dialog_tokens.clone()),
        }
    }
}

/// The embedded Maskinporten and ID-porten of local mode, with their client list.
pub struct LocalProviders {
    pub clients: Arc<ClientRegistry>,
    pub maskinporten: Arc<MaskinportenIssuer>,
    pub idporten: Arc<IdportenIssuer>,
    /// Where the admin API's bearer token comes from.
    pub admin_token: AdminToken,
}

/// The admin API's bearer token source (never the token itself, so it can be logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminToken {
    /// `admin_token` in the configuration (or `DIALOGPORTEN_ADMIN_TOKEN`).
    Configured,
    /// `DIR/admin-token`, `created` now or found from an earlier start.
    File {
        path: std::path::PathBuf,
        created: bool,
    },
}

/// Maskinporten's replay cache in the database, when instances share one (issue 13 item 3):
/// a grant used on one instance is refused on all. Grants are checked on the blocking pool
/// (RSA signing), where waiting on the store is allowed.
struct SharedSingleUse {
    store: Arc<dyn Store>,
    runtime: tokio::runtime::Handle,
}

impl dp_idp::maskinporten::SingleUse for SharedSingleUse {
    fn first_use(&self, key: String, until: i64, now: i64) -> Result<bool, String> {
        let shared = self
            .store
            .shared_state()
            .ok_or_else(|| "the store shares no state".to_owned())?;
        self.runtime
            .block_on(shared.first_use(&key, until, now))
            .map_err(|e| e.to_string())
    }
}

/// Maskinporten's questions to Altinn (API delegations, system users), answered from the
/// live registry, so `registry grant|revoke|import` apply to the next grant.
struct RegistryRights(Arc<LiveRegistry>);

impl dp_idp::maskinporten::AltinnRights for RegistryRights {
    fn delegated_scopes(&self, consumer_org: &str, supplier_org: &str) -> Vec<String> {
        self.0
            .loaded()
            .delegated_scopes(consumer_org, supplier_org)
            .to_vec()
    }

    fn system_users(&self, owner_org: &str) -> Vec<dp_idp::maskinporten::SystemUserRecord> {
        let owner = format!("urn:altinn:organization:identifier-no:{owner_org}");
        self.0
            .loaded()
            .system_users_owned_by(&owner)
            .map(|u| dp_idp::maskinporten::SystemUserRecord {
                id: u.id.clone(),
                system_id: u.system_id.clone(),
                vendor_org_number: u.vendor_org_number.clone(),
            })
            .collect()
    }
}

/// A built application, ready to serve.
pub struct Server {
    pub router: Router,
    pub verifier: Arc<TokenVerifier>,
    /// The embedded Altinn issuer in local mode.
    pub altinn: Option<Arc<AltinnIssuer>>,
    pub generator: Option<Arc<TestTokenGenerator>>,
    /// The embedded Maskinporten and ID-porten (local mode).
    pub local: Option<LocalProviders>,
    pub registry: Arc<Registry>,
    pub registry_source: crate::registry::Source,
    pub store: Arc<dyn Store>,
    /// The dialog-token issuer (Ed25519 key ring in `DIR/keys/`), in every mode.
    pub dialog_tokens: Arc<DialogTokenIssuer>,
}

/// `GET /health/readiness` and `/health/deep`: 200 when the store answers, 503 otherwise.
async fn deep_health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    match state.store.schema_version().await {
        Ok(_) => (axum::http::StatusCode::OK, "Healthy"),
        _ => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "Unhealthy"),
    }
}

/// Loads (or creates) the embedded Altinn issuer's key where keys live; only in local mode.
pub async fn embedded_altinn(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<Arc<AltinnIssuer>> {
    anyhow::ensure!(
        config.local_mode(),
        "the embedded identity providers are off because external issuers are configured"
    );
    let key = crate::keys::signing_key(config, store, crate::keys::Issuer::Altinn).await?;
    Ok(Arc::new(AltinnIssuer::new(config.public_url(), key)))
}

/// How often a request reads the stored registry's revision: on every request on the local
/// SQLite file (in-process, microseconds), at most every `database.registry_check_secs`
/// (250 ms) on PostgreSQL, where it is a round trip that would double the cost of a point read;
/// a grant still reaches every instance within the 1 s of issue 13.
fn registry_check_interval(config: &Config) -> std::time::Duration {
    match config.postgres() {
        Some(_) => std::time::Duration::try_from_secs_f64(config.database.registry_check_secs)
            .unwrap_or_default(),
        None => std::time::Duration::ZERO,
    }
}

pub async fn build(config: &Config) -> anyhow::Result<Server> {
    dp_auth::install_crypto_provider();
    let store = crate::registry::open_store(config).await?;
    let dialog_tokens = crate::keys::dialog_token_issuer(config, store.as_ref()).await?;
    let (registry, registry_source) = crate::registry::effective(config, store.as_ref()).await?;
    let registry = Arc::new(registry);
    let live_registry = Arc::new(
        LiveRegistry::new(store.clone(), (*registry).clone())
            .await
            .checking_every(registry_check_interval(config)),
    );
    let mut issuers = Vec::new();
    let mut local: Option<LocalProviders> = None;
    let mut admin_token_value = None;
    let (altinn, generator) = if config.local_mode() {
        let altinn = embedded_altinn(config, store.as_ref()).await?;
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
        // With several instances on one database, the providers' state lives there too.
        let shared_entries = match config.postgres() {
            Some(postgres) if store.shared_state().is_some() => {
                Some(crate::shared_entries::DatabaseEntries::start(&postgres)?)
            }
            _ => None,
        };
        let clients = Arc::new(
            match &shared_entries {
                Some(entries) => ClientRegistry::open_shared(entries.clone()),
                None => ClientRegistry::open(&config.data_dir),
            }
            .context("opening the OAuth client list")?,
        );
        ensure_swagger_client(&clients, config.public_url())?;
        let mut maskinporten = MaskinportenIssuer::new(
            config.public_url(),
            crate::keys::signing_key(config, store.as_ref(), crate::keys::Issuer::Maskinporten)
                .await?,
            clients.clone(),
        )
        .with_rights(Arc::new(RegistryRights(live_registry.clone())));
        if store.shared_state().is_some() {
            maskinporten = maskinporten.with_single_use(Arc::new(SharedSingleUse {
                store: store.clone(),
                runtime: tokio::runtime::Handle::current(),
            }));
        }
        let maskinporten = Arc::new(maskinporten);
        let idporten = Arc::new(IdportenIssuer::new(
            config.public_url(),
            crate::keys::signing_key(config, store.as_ref(), crate::keys::Issuer::Idporten).await?,
            clients.clone(),
        ));
        match &shared_entries {
            Some(entries) => idporten.share(entries.clone()),
            None => idporten.persist_in(&config.data_dir),
        }
        .context("loading the ID-porten consents and refresh tokens")?;
        // The login page lists the registry's persons, as they are at each login.
        let persons = live_registry.clone();
        idporten.set_persons(move || {
            persons
                .loaded()
                .document()
                .parties
                .iter()
                .filter_map(|p| {
                    p.identifier
                        .strip_prefix("urn:altinn:person:identifier-no:")
                        .map(|pid| (pid.to_owned(), p.name.clone()))
                })
                .collect()
        });
        for (scheme, issuer, jwks) in [
            (
                Scheme::Maskinporten,
                maskinporten.issuer.clone(),
                maskinporten.key.jwks(),
            ),
            (
                Scheme::Idporten,
                idporten.issuer.clone(),
                idporten.key.jwks(),
            ),
        ] {
            let source = KeySource::Embedded { issuer, jwks };
            issuers.push(Arc::new(
                TrustedIssuer::new(scheme, source, None).map_err(anyhow::Error::msg)?,
            ));
        }
        let admin_token = match &config.admin_token {
            Some(token) => {
                admin_token_value = Some(token.clone());
                AdminToken::Configured
            }
            None => {
                let (token, created) = dp_idp::admin::load_or_create_token(&config.data_dir)
                    .context("creating the admin token file")?;
                admin_token_value = Some(token);
                AdminToken::File {
                    path: dp_idp::admin::token_path(&config.data_dir),
                    created,
                }
            }
        };
        local = Some(LocalProviders {
            clients,
            maskinporten,
            idporten,
            admin_token,
        });
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

    let state_registry = live_registry.clone();
    let live_registry_for_layer = live_registry.clone();
    // The embedded Altinn Authorization, built once: one object is both services.
    let authorization = Arc::new(dp_authz::access::RegistryAuthorization::new(
        live_registry.clone(),
    ));
    let state = AppState {
        auth: AuthState {
            verifier: verifier.clone(),
        },
        registry: live_registry,
        store: store.clone(),
        dialog_tokens: dialog_tokens.clone(),
        access: authorization.clone(),
        pdp: authorization,
    };
    let mut router = Router::new()
        // The real service's health endpoints (api.md §0); `readiness` and `deep` also read
        // the store, so a load balancer stops sending to an instance whose database is gone
        // (issue 13 item 4).
        .route("/health", get(|| async { "Healthy" }))
        .route("/health/startup", get(|| async { "Healthy" }))
        .route("/health/liveness", get(|| async { "Healthy" }))
        .route("/health/readiness", get(deep_health))
        .route("/health/deep", get(deep_health))
        .merge(dp_api::router::<AppState>())
        .merge(dp_api::wellknown::router::<AppState>())
        // Swagger UI at /swagger over /swagger/v1/swagger.json, and the landing page at /.
        .merge(dp_api::docs::router::<AppState>(
            config.public_url(),
            config.local_mode(),
        ))
        .with_state(state);
    if let (Some(altinn), Some(generator)) = (&altinn, &generator) {
        router = router
            .merge(altinn.clone().router())
            .merge(generator.clone().router());
    }
    if let (Some(local), Some(altinn)) = (&local, &altinn) {
        let org_registry = state_registry.clone();
        let exchange = Arc::new(TokenExchange {
            verifier: verifier.clone(),
            altinn: altinn.clone(),
            org_code: Arc::new(move |org_number: &str| {
                org_registry
                    .loaded()
                    .service_owner_by_org_number(org_number)
                    .map(|o| o.org_code.clone())
            }),
        });
        router = router
            .merge(local.maskinporten.clone().router())
            .merge(local.idporten.clone().router())
            .merge(exchange.router());
        if let Some(token) = &admin_token_value {
            router = router.merge(dp_idp::admin::router(local.clients.clone(), token));
        }
    }
    let refreshed = live_registry_for_layer.clone();
    let router = router
        // Every request but the health probes starts from the stored registry's revision, so
        // `registry grant|revoke` apply to the next request (the rest of the request reads the
        // snapshot, `LiveRegistry::loaded`).
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let registry = refreshed.clone();
                async move {
                    if !request.uri().path().starts_with("/health") {
                        registry.refresh().await;
                    }
                    next.run(request).await
                }
            },
        ))
        // One body limit, the contract's: axum's own 2 MB default is switched off.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(
            dp_api::auth::single_authorization_layer,
        ))
        // Outside the body limit, so its 413 gets the ProblemDetails shape too.
        .layer(axum::middleware::from_fn(dp_api::trace_id_layer))
        // Browser apps on allowed origins may call the API and the identity providers'
        // endpoints with bearer tokens (no cookies); preflights are answered here.
        .layer(cors_layer(config))
        // No response is content-sniffed into something else (plain-text errors included).
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        // 5xx are logged where they arise (ApiError::Internal); the trace layer stays at debug.
        .layer(
            TraceLayer::new_for_http()
                // The span names the matched route (`/api/v1/enduser/dialogs/{dialogId}`), never
                // the path or query: they hold dialog ids and personal ids (`enduserid`).
                .make_span_with(|request: &axum::http::Request<_>| {
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("(no route)", axum::extract::MatchedPath::as_str);
                    tracing::debug_span!("request", method = %request.method(), route = %route)
                })
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        );
    Ok(Server {
        router,
        verifier,
        altinn,
        generator,
        local,
        registry,
        registry_source,
        store,
        dialog_tokens,
    })
}

/// Logs what the server is about to do: address, data, trusted issuers and mode.
pub async fn log_startup(config: &Config, address: std::net::SocketAddr, server: &Server) {
    let public_url = config.public_url();
    tracing::info!("listening on {address} (public URL {public_url})");
    let limits = &config.limits;
    tracing::info!(
        "connection limits: at most {} connections; request head within {} s; idle keep-alive closed after {} s; request bodies at least {} bytes/s after {} s ([limits] in the configuration)",
        limits.effective_max_connections(),
        limits.header_read_timeout_secs,
        limits.keep_alive_timeout_secs,
        limits.min_request_body_rate,
        limits.min_request_body_grace_secs,
    );
    let schema = server.store.schema_version().await.unwrap_or_default();
    tracing::info!(
        "store: {} (schema version {schema}); signing keys in {}",
        config.store_description(),
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
    tracing::info!(
        "dialog tokens: issuer {}, signing key {} (next: {}), keys at {}",
        server.dialog_tokens.issuer,
        server.dialog_tokens.primary_kid(),
        server.dialog_tokens.ring.secondary.kid(),
        server.dialog_tokens.jwks_uri()
    );
    if let Some(local) = &server.local {
        tracing::info!(
            "Maskinporten metadata at {}; ID-porten discovery at {}; {} OAuth clients in {}",
            local.maskinporten.metadata_url(),
            local.idporten.discovery_url(),
            local.clients.list().len(),
            ClientRegistry::path_in(&config.data_dir).display()
        );
        tracing::info!(
            "Maskinporten token endpoint at {} (JWT-bearer grants; clients: dialogporten clients add --kind maskinporten)",
            local.maskinporten.token_endpoint()
        );
        let source = match &local.admin_token {
            AdminToken::Configured => "from the configuration (admin_token)".to_owned(),
            AdminToken::File { path, created } => format!(
                "in {}{}",
                path.display(),
                if *created { ", created now" } else { "" }
            ),
        };
        tracing::info!(
            "admin API at {public_url}{} (Authorization: Bearer <admin token>; the token is {source})",
            dp_idp::admin::CLIENTS_PATH
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

/// The public ID-porten client the Swagger UI at `/swagger` logs in with (PKCE, no secret;
/// `dp_api::docs`), registered in local mode so "Authorize" works on a fresh data directory.
/// Its redirect URI follows the public URL; a client of that id that the user changed is kept.
fn ensure_swagger_client(clients: &ClientRegistry, public_url: &str) -> anyhow::Result<()> {
    let redirect = format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        dp_api::docs::OAUTH2_REDIRECT_PATH
    );
    match clients.get(dp_api::docs::SWAGGER_CLIENT_ID) {
        Some(existing) if existing.redirect_uris.contains(&redirect) => Ok(()),
        Some(mut existing) if existing.name == SWAGGER_CLIENT_NAME => {
            existing.redirect_uris = vec![redirect];
            clients
                .update(existing)
                .context("updating the Swagger UI client")
        }
        Some(_) => Ok(()),
        None => clients
            .add(OAuthClient {
                client_id: dp_api::docs::SWAGGER_CLIENT_ID.to_owned(),
                kind: ClientKind::Idporten,
                org_number: "991825827".to_owned(),
                name: SWAGGER_CLIENT_NAME.to_owned(),
                scopes: vec!["openid".to_owned(), "digdir:dialogporten".to_owned()],
                jwks: None,
                redirect_uris: vec![redirect],
                post_logout_redirect_uris: Vec::new(),
                token_endpoint_auth_method: "none".to_owned(),
                secret_sha256: None,
            })
            .context("registering the Swagger UI client"),
    }
}

const SWAGGER_CLIENT_NAME: &str = "Swagger UI";

/// CORS for the origins `[cors]` allows (and, in local mode, any loopback origin).
fn cors_layer(config: &Config) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let cors = config.cors.clone();
    let local = config.local_mode();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin.to_str().is_ok_and(|o| cors.allows(o, local))
        }))
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            HeaderName::from_static("traceparent"),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::WWW_AUTHENTICATE])
        .max_age(std::time::Duration::from_secs(3600))
}
