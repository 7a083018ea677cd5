//! Test harness: the real server on an ephemeral loopback port, and an independent external
//! issuer (its own metadata, JWKS and keys) that the server can be configured to trust.
#![allow(dead_code, clippy::unwrap_used)]

pub mod dialogs;
pub mod schema;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair,
};
use axum::Json;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dialogporten::Config;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub struct TestServer {
    pub url: String,
    pub client: reqwest::Client,
    data_dir: Arc<tempfile::TempDir>,
    /// The PostgreSQL database (a fresh schema) when the suite runs on PostgreSQL.
    pub database_url: Option<String>,
}

/// With `DP_TEST_STORE=postgres` (the second pass of the README's test command) every test
/// server runs on a fresh schema of `DP_TEST_DATABASE_URL`; otherwise on SQLite.
pub async fn test_database() -> Option<String> {
    dp_store::postgres::scratch::for_test_server().await
}

impl TestServer {
    /// A local-mode server (embedded issuers) on its own data directory.
    pub async fn local() -> Self {
        Self::start(|_| {}).await
    }

    /// A server whose config is adjusted by `configure` after the address is known.
    pub async fn start(configure: impl FnOnce(&mut Config)) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut config = Config {
            listen: address,
            public_url: format!("http://{address}"),
            data_dir: data_dir.path().to_owned(),
            database_url: test_database().await,
            ..Config::default()
        };
        // The suite's second pass runs every test on PostgreSQL, many of them changing the
        // registry and asking at once; `instances.rs` and `load_balancer.rs` keep the default
        // interval and wait for it.
        config.database.registry_check_secs = 0.0;
        configure(&mut config);
        let database_url = config.database_url.clone();
        let server = dialogporten::build(&config).await.unwrap();
        let limits = config.limits.clone();
        tokio::spawn(async move {
            dialogporten::listener::serve(listener, server.router, limits, std::future::pending())
                .await
                .unwrap()
        });
        Self {
            url: format!("http://{address}"),
            client: reqwest::Client::new(),
            data_dir: Arc::new(data_dir),
            database_url,
        }
    }

    /// The same service reached at `url` (a load balancer in front of `instance` and others).
    pub fn behind(url: &str, instance: &TestServer) -> Self {
        Self {
            url: url.to_owned(),
            client: reqwest::Client::new(),
            data_dir: instance.data_dir.clone(),
            database_url: instance.database_url.clone(),
        }
    }

    /// The command-line flags that point a `dialogporten` command at this server's store.
    pub fn store_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data-dir".to_owned(),
            self.data_dir().display().to_string(),
        ];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".to_owned(), url.clone()]);
        }
        args
    }

    /// A configuration file (`--config`) that points a command at this server's store: its data
    /// directory and, on PostgreSQL, its database.
    pub fn config_file(&self) -> String {
        let path = self.data_dir().join("test-config.toml");
        let mut text = format!("data_dir = {:?}\n", self.data_dir().display().to_string());
        if let Some(url) = &self.database_url {
            text.push_str(&format!("database_url = {url:?}\n"));
        }
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// An embedded issuer's signing key as this server loaded it (`maskinporten`, `idporten`,
    /// `altinn`): from the data directory, or the database.
    pub async fn embedded_key(&self, provider: &str) -> dp_idp::SigningKey {
        let name = format!("{provider}-signing-key.p8");
        match &self.database_url {
            Some(_) => {
                let store = self.store().await;
                let der = store
                    .shared_state()
                    .unwrap()
                    .load_secret(&name)
                    .await
                    .unwrap()
                    .unwrap();
                dp_idp::SigningKey::from_pkcs8(&der).unwrap()
            }
            None => dp_idp::SigningKey::load_or_create(&self.data_dir().join("keys").join(name))
                .unwrap(),
        }
    }

    /// The OAuth client list this server reads (the data directory's, or the database's).
    pub fn clients(&self) -> dp_idp::ClientRegistry {
        let config = Config {
            data_dir: self.data_dir().to_owned(),
            database_url: self.database_url.clone(),
            ..Config::default()
        };
        dialogporten::shared_entries::client_registry(&config).unwrap()
    }

    /// The store this server runs on, opened a second time (for what the API cannot show).
    pub async fn store(&self) -> std::sync::Arc<dyn dp_store::Store> {
        match &self.database_url {
            Some(url) => dp_store::postgres::open(&dp_store::postgres::PostgresConfig::new(url))
                .await
                .unwrap(),
            None => dp_store::sqlite::open(&self.data_dir().join("dialogporten.db")).unwrap(),
        }
    }

    /// The server's data directory (its store is `dialogporten.db` there).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// Calls a test-token generator endpoint with the default `dev:dev` credentials.
    pub async fn test_token(&self, endpoint: &str, query: &str) -> String {
        let response = self
            .client
            .get(format!("{}/testtools/api/{endpoint}?{query}", self.url))
            .basic_auth("dev", Some("dev"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{endpoint}?{query}");
        response.text().await.unwrap()
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }
}

pub fn www_authenticate(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn header(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A signing key of the external test issuer.
#[derive(Clone)]
pub struct IssuerKey {
    pub kid: String,
    pub algorithm: Algorithm,
    pub encoding: EncodingKey,
    pub jwk: Value,
    /// RSA keys sign through aws-lc-rs directly (jsonwebtoken's RSA signer wants PKCS#1).
    pub rsa: Option<Arc<aws_lc_rs::signature::RsaKeyPair>>,
}

impl IssuerKey {
    pub fn es256(kid: &str) -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
        Self {
            kid: kid.into(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
            rsa: None,
        }
    }

    pub fn ed25519(kid: &str) -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())});
        Self {
            kid: kid.into(),
            algorithm: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            jwk,
            rsa: None,
        }
    }

    /// An RSA-2048 key published the way Altinn publishes it: `n` and `e` in standard base64
    /// (not base64url), and no `kid` in the JWK when `kid` is empty.
    pub fn rsa(kid: &str, algorithm: Algorithm) -> Self {
        use base64::engine::general_purpose::STANDARD;
        let pair =
            aws_lc_rs::signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let mut jwk = json!({"kty": "RSA", "use": "sig",
            "n": STANDARD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": STANDARD.encode(public.exponent().big_endian_without_leading_zero())});
        if !kid.is_empty() {
            jwk["kid"] = json!(kid);
        }
        Self {
            kid: kid.into(),
            algorithm,
            encoding: EncodingKey::from_secret(b"unused"),
            jwk,
            rsa: Some(Arc::new(pair)),
        }
    }

    /// Signs `claims` with a standard JWT library (jsonwebtoken), header `alg` + `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(claims, json!({}))
    }

    /// As `sign`, with `extra` fields merged into the header (RSA keys only).
    pub fn sign_with_header(&self, claims: &Value, extra: Value) -> String {
        if let Some(pair) = &self.rsa {
            let alg = format!("{:?}", self.algorithm);
            let mut header = if self.kid.is_empty() {
                json!({"alg": alg, "typ": "JWT"})
            } else {
                json!({"alg": alg, "typ": "JWT", "kid": self.kid})
            };
            if let (Some(header), Value::Object(extra)) = (header.as_object_mut(), extra) {
                header.extend(extra);
            }
            let message = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let padding = match self.algorithm {
                Algorithm::RS384 => &aws_lc_rs::signature::RSA_PKCS1_SHA384,
                Algorithm::RS512 => &aws_lc_rs::signature::RSA_PKCS1_SHA512,
                _ => &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            };
            let mut signature = vec![0; pair.public_modulus_len()];
            pair.sign(
                padding,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .unwrap();
            return format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature));
        }
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }
}

struct IssuerState {
    issuer: String,
    keys: Mutex<Vec<IssuerKey>>,
    jwks_fetches: AtomicUsize,
}

/// An external issuer on its own port: `/.well-known/openid-configuration` and `/jwks`.
pub struct ExternalIssuer {
    pub issuer: String,
    pub well_known: String,
    state: Arc<IssuerState>,
}

impl ExternalIssuer {
    pub async fn start(keys: Vec<IssuerKey>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let issuer = format!("{base}/");
        let state = Arc::new(IssuerState {
            issuer: issuer.clone(),
            keys: Mutex::new(keys),
            jwks_fetches: AtomicUsize::new(0),
        });
        let router = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(s): State<Arc<IssuerState>>| async move {
                    let base = s.issuer.trim_end_matches('/').to_owned();
                    Json(json!({"issuer": s.issuer, "jwks_uri": format!("{base}/jwks")}))
                }),
            )
            .route(
                "/jwks",
                get(|State(s): State<Arc<IssuerState>>| async move {
                    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                    let keys: Vec<Value> = s
                        .keys
                        .lock()
                        .unwrap()
                        .iter()
                        .map(|k| k.jwk.clone())
                        .collect();
                    Json(json!({ "keys": keys }))
                }),
            )
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            issuer,
            well_known: format!("{base}/.well-known/openid-configuration"),
            state,
        }
    }

    /// Replaces the published key set (a rotation).
    pub fn publish(&self, keys: Vec<IssuerKey>) {
        *self.state.keys.lock().unwrap() = keys;
    }

    pub fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Maskinporten-shaped service-owner claims from this issuer, valid for two minutes.
    pub fn service_owner_claims(&self, scope: &str) -> Value {
        let now = now();
        json!({"scope": scope, "iss": self.issuer, "client_amr": "private_key_jwt", "token_type": "Bearer",
            "exp": now + 120, "iat": now, "client_id": "test-client", "jti": "jti-1",
            "consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:991825827"}})
    }
}
