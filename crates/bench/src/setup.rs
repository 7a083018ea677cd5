//! Data, servers and the fixture a run needs: generated data directories, the persons the
//! end-user scenarios act as, a server (the release binary as a child process, or in-process),
//! tokens, and the dialog ids and parties the scenarios address.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use dialogporten::generate::{GenerateOptions, org_number, person_number};
use dp_authz::RegistryDocument;
use hyper::Method;
use serde_json::Value;

use crate::load::{Target, Template, send_once};

/// The person who is made a one-party persona: their roles are removed after generation, so
/// they act only for themselves (the generator gives every person at least ten roles).
pub const ONE_PARTY_PERSON: usize = 1;

/// The service owner the service-owner scenarios act as: `so000` owns the most dialogs.
pub const SERVICE_OWNER: &str = "so000";

pub const SO_SCOPES: &str =
    "digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search";

pub fn person_urn(pid: &str) -> String {
    format!("urn:altinn:person:identifier-no:{pid}")
}

pub fn service_owner_org_number() -> String {
    org_number(900_000)
}

/// The data a size was generated with, and what it cost.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Generation {
    pub dialogs: usize,
    pub parties: usize,
    pub persons: usize,
    pub service_owners: usize,
    pub seed: u64,
    pub seconds: f64,
    /// SQLite: database, WAL and shared-memory files; PostgreSQL: the database.
    pub bytes: u64,
    /// PostgreSQL: each table with its indexes (empty on SQLite).
    #[serde(default)]
    pub relations: Vec<crate::postgres::Relation>,
}

/// Total size of the store's files in `dir`.
pub fn store_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("dialogporten.db")
                })
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Where a server keeps its data: a data directory, and the PostgreSQL database when it runs
/// on one (otherwise the SQLite store in the directory).
#[derive(Debug, Clone)]
pub struct Backing {
    pub dir: PathBuf,
    pub database_url: Option<String>,
}

impl Backing {
    pub fn sqlite(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            database_url: None,
        }
    }

    /// The store as the server opens it.
    pub async fn open(&self) -> anyhow::Result<Arc<dyn dp_store::Store>> {
        let config = dialogporten::Config {
            data_dir: self.dir.clone(),
            database_url: self.database_url.clone(),
            ..dialogporten::Config::default()
        };
        dialogporten::registry::open_store(&config).await
    }
}

/// Generates `options` into the store of `backing` and makes the one-party persona.
pub async fn generate(
    backing: &Backing,
    options: &GenerateOptions,
    progress: bool,
) -> anyhow::Result<(Generation, RegistryDocument)> {
    let dir = &backing.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let store = backing.open().await?;
    let generated = dialogporten::generate::generate(store.as_ref(), options, progress).await?;
    let mut document = store
        .load_registry()
        .await?
        .context("the generator stored no registry")?;
    let one = person_urn(&person_number(ONE_PARTY_PERSON));
    document.roles.retain(|role| role.to != one);
    store.replace_registry(document.clone()).await?;
    drop(store);
    let (bytes, relations) = match &backing.database_url {
        Some(url) => crate::postgres::measure(url).await?,
        None => (store_bytes(dir), Vec::new()),
    };
    let generation = Generation {
        dialogs: generated.dialogs,
        parties: generated.parties,
        persons: generated.persons,
        service_owners: options.service_owners,
        seed: options.seed,
        seconds: generated.seconds,
        bytes,
        relations,
    };
    Ok((generation, document))
}

/// A person an end-user scenario acts as.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Persona {
    /// The number of parties asked for (1, 20, 200).
    pub wanted: usize,
    pub pid: String,
    /// Roles held (DAGL on organisations); the person also acts for themselves.
    pub roles: usize,
    /// Parties as `GET /api/v1/enduser/parties` lists them (with sub-units), once checked.
    pub parties: Option<usize>,
    /// Dialogs of the all-resources search's first page (at most 100).
    pub first_page: Option<usize>,
}

impl Persona {
    pub fn urn(&self) -> String {
        person_urn(&self.pid)
    }
}

/// The persons closest to 1, 20 and 200 parties (their roles plus themselves).
pub fn personas(document: &RegistryDocument) -> Vec<Persona> {
    let mut roles: std::collections::BTreeMap<&str, usize> = Default::default();
    for role in &document.roles {
        *roles.entry(role.to.as_str()).or_default() += 1;
    }
    let persons: Vec<(&str, usize)> = document
        .parties
        .iter()
        .filter(|p| p.identifier.contains(":person:"))
        .map(|p| {
            (
                p.identifier.as_str(),
                roles.get(p.identifier.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    [1usize, 20, 200]
        .into_iter()
        .filter_map(|wanted| {
            persons
                .iter()
                .min_by_key(|(_, count)| (count + 1).abs_diff(wanted))
                .map(|(urn, count)| Persona {
                    wanted,
                    pid: urn.rsplit(':').next().unwrap_or_default().to_owned(),
                    roles: *count,
                    parties: None,
                    first_page: None,
                })
        })
        .collect()
}

/// Resident set size and its peak (`VmRSS`, `VmHWM`) of a process, in KiB.
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Other compilers and cargo processes running now: the report's noise indicator.
pub fn busy_processes() -> Vec<String> {
    let own = std::process::id();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == own {
            continue;
        }
        if let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) {
            let comm = comm.trim();
            if matches!(
                comm,
                "rustc" | "cargo" | "cc1" | "cc1plus" | "ld" | "clippy-driver"
            ) {
                found.push(comm.to_owned());
            }
        }
    }
    found.sort();
    found
}

/// A free loopback port (bound and released; the server binds it right after).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Waits until `GET /health` answers 200.
async fn wait_healthy(target: &Target, timeout: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = send_once(target, &Template::get("/health")).await {
            return Ok(());
        }
        if started.elapsed() > timeout {
            anyhow::bail!("the server at {} did not answer /health", target.base_url());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How to start a server process.
#[derive(Debug, Clone)]
pub enum ServerCommand {
    /// The `dialogporten` release binary: `BIN --data-dir DIR --public-url URL serve --listen ADDR`.
    Dialogporten(PathBuf),
    /// This binary's `serve` (the same `dialogporten::build`, when the release binary is absent).
    SelfHosted(PathBuf),
}

/// A server child process on a data directory; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub target: Target,
    /// Seconds from spawn to the first healthy answer.
    pub startup_seconds: f64,
}

impl ServerProcess {
    /// Starts a server on `backing`, on a free port; its public URL is its own address unless
    /// `public_url` is given (instances behind a load balancer share the balancer's, so a token
    /// minted by one is accepted by another). Each instance logs to `server-{port}.log`.
    pub async fn start(
        command: &ServerCommand,
        backing: &Backing,
        public_url: Option<&str>,
    ) -> anyhow::Result<Self> {
        let data_dir = backing.dir.as_path();
        let port = free_port()?;
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let url = public_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
        let log_path = data_dir.join(format!("server-{port}.log"));
        let log = std::fs::File::create(&log_path)?;
        let mut cmd = match command {
            ServerCommand::Dialogporten(bin) => {
                let mut cmd = Command::new(bin);
                cmd.arg("--data-dir")
                    .arg(data_dir)
                    .args(["--public-url", &url]);
                if let Some(database) = &backing.database_url {
                    cmd.args(["--database-url", database]);
                }
                cmd.args(["serve", "--listen", &addr.to_string()]);
                cmd
            }
            ServerCommand::SelfHosted(bin) => {
                let mut cmd = Command::new(bin);
                cmd.arg("serve").arg("--data-dir").arg(data_dir).args([
                    "--listen",
                    &addr.to_string(),
                    "--public-url",
                    &url,
                ]);
                if let Some(database) = &backing.database_url {
                    cmd.args(["--database-url", database]);
                }
                cmd
            }
        };
        let started = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {command:?}"))?;
        let mut process = Self {
            child,
            target: Target::new(addr),
            startup_seconds: 0.0,
        };
        wait_healthy(&process.target, Duration::from_secs(300))
            .await
            .with_context(|| {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                format!("server log:\n{log}")
            })?;
        process.startup_seconds = started.elapsed().as_secs_f64();
        Ok(process)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory_kib(&self) -> Option<(u64, u64)> {
        memory_kib(self.pid())
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Serves `backing` in this process on `listen` (port 0: any); returns where it listens.
pub async fn serve_in_process(
    backing: &Backing,
    listen: std::net::SocketAddr,
    public_url: Option<String>,
) -> anyhow::Result<(Target, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let config = dialogporten::Config {
        listen: addr,
        public_url: public_url.unwrap_or_else(|| format!("http://{addr}")),
        data_dir: backing.dir.clone(),
        database_url: backing.database_url.clone(),
        ..dialogporten::Config::default()
    };
    let server = dialogporten::build(&config).await?;
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, server.router).await;
    });
    Ok((Target::new(addr), handle))
}

/// A token from the embedded test-token generator.
pub async fn test_token(target: &Target, endpoint: &str, query: &str) -> anyhow::Result<String> {
    let template = Template::get(format!("/testtools/api/{endpoint}?{query}"))
        .header("authorization", format!("Basic {}", basic("dev", "dev")));
    let (status, body) = send_once(target, &template).await?;
    anyhow::ensure!(status == 200, "{endpoint}: {status} {body}");
    Ok(body.trim().trim_matches('"').to_owned())
}

pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

pub fn enterprise_query(org: &str, org_no: &str, scopes: &str) -> String {
    format!("env=tt02&org={org}&orgNo={org_no}&scopes={scopes}&ttl=86400")
}

pub fn personal_query(pid: &str) -> String {
    format!("env=tt02&scopes=digdir:dialogporten&pid={pid}&authLvl=3&ttl=86400")
}

/// A Maskinporten client of the embedded Maskinporten and its RSA key: signs JWT grants.
pub struct GrantClient {
    pub client_id: String,
    pub kid: String,
    pub audience: String,
    pub scope: String,
    key: aws_lc_rs::signature::RsaKeyPair,
}

impl GrantClient {
    /// Registers a client through the admin API when the server has the embedded Maskinporten
    /// (`/maskinporten/token`) and an admin token in its data directory; `None` otherwise.
    pub async fn register(target: &Target, data_dir: &Path) -> anyhow::Result<Option<Self>> {
        let (status, metadata) = send_once(
            target,
            &Template::get("/maskinporten/.well-known/oauth-authorization-server"),
        )
        .await?;
        if status != 200 {
            return Ok(None);
        }
        let metadata: Value = serde_json::from_str(&metadata)?;
        let Some(audience) = metadata.get("issuer").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Ok(admin) = std::fs::read_to_string(data_dir.join("admin-token")) else {
            return Ok(None);
        };
        let key = aws_lc_rs::signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let kid = "bench-key".to_owned();
        let jwk = {
            use aws_lc_rs::signature::KeyPair;
            use base64::Engine;
            let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
            let public = key.public_key();
            serde_json::json!({
                "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                "e": b64(public.exponent().big_endian_without_leading_zero()),
                "n": b64(public.modulus().big_endian_without_leading_zero()),
            })
        };
        let scope = "digdir:dialogporten.serviceprovider".to_owned();
        let client_id = format!("bench-{}", uuid::Uuid::new_v4());
        let body = serde_json::json!({
            "client_id": client_id,
            "kind": "maskinporten",
            "org_number": service_owner_org_number(),
            "name": "dp-bench",
            "scopes": [scope],
            "jwks": { "keys": [jwk] },
        });
        let template = Template::with_body(
            Method::POST,
            "/admin/clients",
            "application/json",
            body.to_string(),
        )
        .bearer(admin.trim());
        let (status, answer) = send_once(target, &template).await?;
        anyhow::ensure!(
            status == 201 || status == 200,
            "registering the Maskinporten client: {status} {answer}"
        );
        Ok(Some(Self {
            client_id,
            kid,
            audience: audience.to_owned(),
            scope,
            key,
        }))
    }

    /// A fresh single-use grant, valid from now for about 15 seconds (the embedded Maskinporten
    /// accepts `iat` within ±10 s of its clock).
    pub fn assertion(&self, now: i64) -> anyhow::Result<String> {
        use base64::Engine;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let header = serde_json::json!({ "alg": "RS256", "kid": self.kid, "typ": "JWT" });
        let iat = now + 5;
        let claims = serde_json::json!({
            "aud": self.audience,
            "iss": self.client_id,
            "scope": self.scope,
            "iat": iat,
            "exp": iat + 60,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("signing the grant failed"))?;
        Ok(format!("{message}.{}", b64(&signature)))
    }

    /// `count` token requests, signed on `threads` threads.
    pub fn requests(&self, count: usize, threads: usize) -> anyhow::Result<Vec<Template>> {
        let now = unix_now();
        let per_thread = count.div_ceil(threads.max(1)).max(1);
        let chunks: Vec<anyhow::Result<Vec<String>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.max(1))
                .map(|t| {
                    let n = per_thread.min(count.saturating_sub(t * per_thread));
                    scope.spawn(move || (0..n).map(|_| self.assertion(now)).collect())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a signing thread panicked")))
                })
                .collect()
        });
        let mut requests = Vec::with_capacity(count);
        for chunk in chunks {
            for assertion in chunk? {
                requests.push(Template::with_body(
                    Method::POST,
                    "/maskinporten/token",
                    "application/x-www-form-urlencoded",
                    format!(
                        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
                    ),
                ));
            }
        }
        Ok(requests)
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Everything the scenarios address, fetched from a running server.
pub struct Fixture {
    pub so_token: String,
    pub so_org_no: String,
    /// Every resource of the registry, as `urn:altinn:resource:…`.
    pub resources: Vec<String>,
    /// The 1-, 20- and 200-party persons, with a token each.
    pub personas: Vec<(Persona, String)>,
    /// Dialogs of the service owner (for get and patch).
    pub so_ids: Vec<String>,
    /// Parties of those dialogs, most dialogs first (for search by party).
    pub parties: Vec<String>,
    /// Dialogs the one-party persona may read (for the end-user get).
    pub eu_ids: Vec<String>,
    /// The persona `eu_ids` belong to.
    pub eu_reader: usize,
    /// A party the service owner creates dialogs for.
    pub create_party: String,
    pub grant: Option<Arc<GrantClient>>,
}

fn json_ids(body: &str) -> anyhow::Result<Vec<(String, String)>> {
    let value: Value = serde_json::from_str(body)?;
    Ok(value
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some((
                        item.get("id")?.as_str()?.to_owned(),
                        item.get("party")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Counts parties and sub-parties of `GET /api/v1/enduser/parties`.
fn count_parties(value: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let own = usize::from(map.get("party").is_some_and(Value::is_string));
            own + map.values().map(count_parties).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(count_parties).sum(),
        _ => 0,
    }
}

/// The query that makes an end-user search span every party of the person: every resource
/// (at most 20 `serviceResource` values are allowed; `party` allows 100, too few for 200).
pub fn all_resources_query(resources: &[String]) -> String {
    resources
        .iter()
        .map(|r| format!("serviceResource={r}"))
        .collect::<Vec<_>>()
        .join("&")
}

impl Fixture {
    pub async fn load(
        target: &Target,
        data_dir: &Path,
        document: &RegistryDocument,
    ) -> anyhow::Result<Self> {
        let so_org_no = service_owner_org_number();
        let so_token = test_token(
            target,
            "GetEnterpriseToken",
            &enterprise_query(SERVICE_OWNER, &so_org_no, SO_SCOPES),
        )
        .await?;
        let resources: Vec<String> = document
            .resources
            .iter()
            .map(|r| format!("urn:altinn:resource:{}", r.identifier))
            .take(20)
            .collect();
        let mut personas = Vec::new();
        for mut persona in self::personas(document) {
            let token =
                test_token(target, "GetPersonalToken", &personal_query(&persona.pid)).await?;
            let (status, body) = send_once(
                target,
                &Template::get("/api/v1/enduser/parties").bearer(&token),
            )
            .await?;
            if status == 200 {
                persona.parties = Some(count_parties(&serde_json::from_str(&body)?));
            }
            let (status, body) = send_once(
                target,
                &Template::get(format!(
                    "/api/v1/enduser/dialogs?{}&limit=100",
                    all_resources_query(&resources)
                ))
                .bearer(&token),
            )
            .await?;
            anyhow::ensure!(status == 200, "end-user search: {status} {body}");
            persona.first_page = Some(json_ids(&body)?.len());
            personas.push((persona, token));
        }

        // Dialogs and parties of the service owner: the newest thousand.
        let (status, body) = send_once(
            target,
            &Template::get("/api/v1/serviceowner/dialogs?limit=1000").bearer(&so_token),
        )
        .await?;
        anyhow::ensure!(status == 200, "service-owner search: {status} {body}");
        let found = json_ids(&body)?;
        anyhow::ensure!(!found.is_empty(), "the service owner has no dialogs");
        let so_ids: Vec<String> = found.iter().map(|(id, _)| id.clone()).collect();
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for (_, party) in &found {
            *counts.entry(party.clone()).or_default() += 1;
        }
        let mut parties: Vec<(String, usize)> = counts.into_iter().collect();
        parties.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parties: Vec<String> = parties.into_iter().take(100).map(|(p, _)| p).collect();

        // The end-user get reads the one-party persona's own dialogs (or, in tiny data, the
        // dialogs of whichever persona has some).
        let mut eu_ids = Vec::new();
        let mut eu_reader = 0;
        for (index, (_, token)) in personas.iter().enumerate() {
            let (status, body) = send_once(
                target,
                &Template::get(format!(
                    "/api/v1/enduser/dialogs?{}&limit=100",
                    all_resources_query(&resources)
                ))
                .bearer(token),
            )
            .await?;
            anyhow::ensure!(status == 200, "end-user search: {status} {body}");
            let ids: Vec<String> = json_ids(&body)?.into_iter().map(|(id, _)| id).collect();
            if !ids.is_empty() {
                eu_ids = ids;
                eu_reader = index;
                break;
            }
        }
        anyhow::ensure!(!eu_ids.is_empty(), "no persona can read a dialog");
        let grant = GrantClient::register(target, data_dir).await?.map(Arc::new);
        Ok(Self {
            so_token,
            so_org_no,
            resources,
            personas,
            so_ids,
            create_party: parties[0].clone(),
            parties,
            eu_ids,
            eu_reader,
            grant,
        })
    }
}
