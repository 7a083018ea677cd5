//! Shared by the ID-porten tests: the real server with its embedded ID-porten wired to the
//! registry's persons and to the data directory, test clients, and a cookie-keeping HTTP
//! "browser" that follows the login and consent forms.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dialogporten::Config;
use dp_idp::clients::sha256_hex;
use dp_idp::{ClientKind, ClientRegistry, IdportenIssuer, OAuthClient};
use serde_json::Value;

pub const DEMO_PID: &str = "08844397713";
pub const DEMO_NAME: &str = "UROMANTISK LITTERATUR";
pub const REDIRECT_URI: &str = "http://localhost:7/callback";
pub const POST_LOGOUT_URI: &str = "http://localhost:7/logged-out";

pub struct IdpServer {
    pub url: String,
    pub issuer: String,
    pub idporten: Arc<IdportenIssuer>,
    data_dir: PathBuf,
    /// Where its store is (data directory, database URL), for the client list.
    config: Config,
    _keep: Option<Arc<tempfile::TempDir>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for IdpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The registry's persons, as the server should hand them to the login page.
fn persons(registry: &dp_authz::Registry) -> Vec<(String, String)> {
    registry
        .document()
        .parties
        .iter()
        .filter_map(|p| {
            p.identifier
                .strip_prefix("urn:altinn:person:identifier-no:")
                .map(|pid| (pid.to_owned(), p.name.clone()))
        })
        .collect()
}

/// The test database of a data directory's servers on PostgreSQL (the suite's second pass):
/// made on the first start, remembered in the directory, so a restart finds its state.
async fn database_of(data_dir: &Path) -> Option<String> {
    let remembered = data_dir.join("test-database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url);
    }
    let url = dp_store::postgres::scratch::for_test_server().await?;
    std::fs::write(&remembered, &url).unwrap();
    Some(url)
}

impl IdpServer {
    /// A local-mode server on a fresh data directory.
    pub async fn start() -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let path = dir.path().to_owned();
        Self::start_in(&path, Some(dir)).await
    }

    /// A server on `data_dir` (a restart when another one used it before).
    pub async fn start_in(data_dir: &Path, keep: Option<Arc<tempfile::TempDir>>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let config = Config {
            listen: address,
            public_url: format!("http://{address}"),
            data_dir: data_dir.to_owned(),
            database_url: database_of(data_dir).await,
            ..Config::default()
        };
        let server = dialogporten::build(&config).await.unwrap();
        let idporten = server.local.as_ref().unwrap().idporten.clone();
        // What server.rs is asked to do: the registry's persons and the data directory.
        let registry = server.registry.clone();
        idporten.set_persons(move || persons(&registry));
        idporten.persist_in(data_dir).unwrap();
        let router = server.router;
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let config = Config {
            database_url: config.database_url.clone(),
            data_dir: data_dir.to_owned(),
            ..Config::default()
        };
        Self {
            config,
            url: format!("http://{address}"),
            issuer: format!("http://{address}/idporten"),
            idporten,
            data_dir: data_dir.to_owned(),
            _keep: keep,
            task,
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn keep(&self) -> Option<Arc<tempfile::TempDir>> {
        self._keep.clone()
    }

    /// The OAuth client list this server reads (the data directory's, or the database's).
    pub fn clients(&self) -> ClientRegistry {
        dialogporten::shared_entries::client_registry(&self.config).unwrap()
    }

    /// One of ID-porten's stored documents (`idporten-consents.json`, …): the data
    /// directory's file, or the database's copy.
    pub async fn read_document(&self, name: &str) -> Value {
        let text = match self.shared_entries() {
            Some(entries) => {
                entries
                    .get("document", name, dp_auth::unix_now())
                    .unwrap()
                    .unwrap()
                    .0
            }
            None => std::fs::read_to_string(self.data_dir.join(name)).unwrap(),
        };
        serde_json::from_str(&text).unwrap()
    }

    /// Replaces a stored document behind the server's back (to let time pass, say).
    pub async fn write_document(&self, name: &str, value: &Value) {
        match self.shared_entries() {
            Some(entries) => {
                let (_, version) = entries
                    .get("document", name, dp_auth::unix_now())
                    .unwrap()
                    .unwrap();
                let text = value.to_string();
                assert!(
                    entries
                        .replace("document", name, &text, (i64::MAX, version))
                        .unwrap()
                );
            }
            None => std::fs::write(self.data_dir.join(name), value.to_string()).unwrap(),
        }
    }

    fn shared_entries(&self) -> Option<Arc<dyn dp_idp::shared::SharedEntries>> {
        let postgres = self.config.postgres()?;
        Some(dialogporten::shared_entries::DatabaseEntries::start(&postgres).unwrap())
    }

    pub fn register(&self, client: OAuthClient) {
        self.clients().add(client).unwrap();
    }
}

/// An ID-porten client of org 991825827 with the Dialogporten scopes.
pub fn client(id: &str, method: &str, secret: Option<&str>, jwks: Option<Value>) -> OAuthClient {
    OAuthClient {
        client_id: id.to_owned(),
        kind: ClientKind::Idporten,
        org_number: "991825827".to_owned(),
        name: format!("Testtjeneste {id}"),
        scopes: vec![
            "digdir:dialogporten".to_owned(),
            "digdir:dialogporten.noconsent".to_owned(),
        ],
        jwks,
        redirect_uris: vec![REDIRECT_URI.to_owned()],
        post_logout_redirect_uris: vec![POST_LOGOUT_URI.to_owned()],
        token_endpoint_auth_method: method.to_owned(),
        secret_sha256: secret.map(sha256_hex),
    }
}

/// Undoes the HTML escaping of our pages.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in a tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// A form of a page: where it posts and its hidden fields.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The form with `id` in `html`.
    pub fn find(html: &str, id: &str) -> Option<Form> {
        let marker = format!("id=\"{id}\"");
        let start = html
            .find(&marker)
            .and_then(|at| html[..at].rfind("<form"))?;
        let end = html[start..].find("</form>")? + start;
        let form = &html[start..end];
        let open = &form[..form.find('>')?];
        let action = attribute(open, "action")?;
        let fields = form
            .split("<input")
            .skip(1)
            .filter_map(|rest| rest.split('>').next())
            .filter(|tag| tag.contains("type=\"hidden\""))
            .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
            .collect();
        Some(Form { action, fields })
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Where a navigation ended: a page of the server, or a redirect away from it.
#[derive(Debug)]
pub enum Step {
    Page {
        status: u16,
        url: String,
        html: String,
    },
    Left(reqwest::Url),
}

impl Step {
    pub fn page(self) -> (u16, String) {
        match self {
            Step::Page { status, html, .. } => (status, html),
            Step::Left(url) => panic!("expected a page, left for {url}"),
        }
    }

    pub fn left(self) -> reqwest::Url {
        match self {
            Step::Left(url) => url,
            Step::Page { status, url, html } => {
                panic!("expected a redirect away, got {status} at {url}: {html}")
            }
        }
    }
}

/// A cookie-keeping user agent that follows redirects within the server and stops at the
/// first one leading elsewhere (the client's redirect URI).
pub struct Browser {
    pub http: reqwest::Client,
    server: String,
}

impl Browser {
    pub fn new(server: &IdpServer) -> Self {
        Self::at(&server.url)
    }

    /// A browser of the server (or load balancer) at `url`.
    pub fn at(url: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            server: url.to_owned(),
        }
    }

    async fn follow(&self, mut response: reqwest::Response) -> Step {
        loop {
            let url = response.url().to_string();
            if !response.status().is_redirection() {
                let status = response.status().as_u16();
                return Step::Page {
                    status,
                    url,
                    html: response.text().await.unwrap(),
                };
            }
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let next = response.url().join(&location).unwrap();
            if !next.as_str().starts_with(&self.server) {
                return Step::Left(next);
            }
            response = self.http.get(next).send().await.unwrap();
        }
    }

    pub async fn open(&self, url: &str) -> Step {
        let response = self.http.get(url).send().await.unwrap();
        self.follow(response).await
    }

    pub async fn submit(&self, form: &Form) -> Step {
        let response = self
            .http
            .post(&form.action)
            .form(&form.fields)
            .send()
            .await
            .unwrap();
        self.follow(response).await
    }

    /// Logs in as `pid` at `acr` on a login page.
    pub async fn login(&self, html: &str, pid: &str, acr: &str) -> Step {
        let form = Form::find(html, "login-form").expect("a login form");
        self.submit(
            &form
                .with("pid", pid)
                .with("acr", acr)
                .with("action", "login"),
        )
        .await
    }

    /// Accepts (or declines) on a consent page.
    pub async fn consent(&self, html: &str, accept: bool) -> Step {
        let form = Form::find(html, "consent-form").expect("a consent form");
        self.submit(&form.with("action", if accept { "accept" } else { "reject" }))
            .await
    }
}

/// The value of query parameter `name`.
pub fn query(url: &reqwest::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn payload(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// An RSA-2048 key registered for `private_key_jwt` (the keys Digdir's registration takes),
/// and RS256 JWTs (client assertions) signed with it.
pub struct ClientKey {
    pub kid: String,
    pair: aws_lc_rs::signature::RsaKeyPair,
    pub jwk: Value,
}

impl ClientKey {
    pub fn new(kid: &str) -> Self {
        use aws_lc_rs::signature::KeyPair;
        let pair =
            aws_lc_rs::signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        let jwk = serde_json::json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": b64(public.modulus().big_endian_without_leading_zero()),
            "e": b64(public.exponent().big_endian_without_leading_zero())});
        Self {
            kid: kid.to_owned(),
            pair,
            jwk,
        }
    }

    /// Signs `claims` under `header` as given.
    pub fn sign_with(&self, header: &Value, claims: &Value) -> String {
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .unwrap();
        format!("{message}.{}", b64(&signature))
    }

    /// Signs `claims` with the header `alg` RS256, this key's `kid`, `typ` JWT.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with(
            &serde_json::json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"}),
            claims,
        )
    }
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The end-user API's answer (status) to `token`: a search of the demo person's dialogs.
pub async fn end_user_status(server: &IdpServer, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!(
            "{}/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:{DEMO_PID}",
            server.url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
