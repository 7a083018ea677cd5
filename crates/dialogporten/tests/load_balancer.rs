//! Two instances behind a real load balancer (issue 13 item 6): nginx from Debian's packages
//! with `least_conn`, as the real service's local setup, in front of two servers on one
//! PostgreSQL database with the load balancer's URL as their public URL. Through it: creates,
//! PATCHes racing on one revision, a registry grant, and a full ID-porten login (authorize,
//! login form, consent, code, token, refresh, the end-user API), each request free to land on
//! either instance; nginx's log shows that both served. Skipped (with a note) without nginx or
//! PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;
mod idporten_support;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;
use common::dialogs::{PARTY_ORG, TTD_RESOURCE, minimal_dialog};
use futures_util::future::join_all;
use idporten_support::{Browser, DEMO_PID, REDIRECT_URI, client, query};
use serde_json::{Value, json};

const NGINX: &str = "/usr/sbin/nginx";
const SO: &str = "/api/v1/serviceowner/dialogs";
const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");

/// nginx in the foreground on its own configuration; stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_nginx(dir: &Path, port: u16, upstreams: &[&str]) -> Nginx {
    let servers: String = upstreams
        .iter()
        .map(|u| format!("        server {u};\n"))
        .collect();
    let d = dir.display();
    let config = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n\
             log_format upstream '$status $upstream_addr $request_uri';\n\
             access_log {d}/access.log upstream;\n\
             client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n\
             upstream dialogporten {{\n        least_conn;\n{servers}        keepalive 16;\n    }}\n\
             server {{\n        listen 127.0.0.1:{port};\n        location / {{\n\
                 proxy_pass http://dialogporten;\n            proxy_http_version 1.1;\n\
                 proxy_set_header Connection \"\";\n            proxy_set_header Host $http_host;\n\
             }}\n    }}\n}}\n"
    );
    let path = dir.join("nginx.conf");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(config.as_bytes())
        .unwrap();
    let child = Command::new(NGINX)
        .args(["-c", path.to_str().unwrap(), "-p", dir.to_str().unwrap()])
        .args(["-e", dir.join("error.log").to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Nginx(child)
}

async fn wait_until_up(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{url}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "nginx did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn s256(verifier: &str) -> String {
    idporten_support::b64(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_are_one_service() {
    if !Path::new(NGINX).exists() {
        let _ = writeln!(
            std::io::stderr(),
            "note: load-balancer test skipped: no {NGINX} (Debian's nginx)"
        );
        return;
    }
    let Some(url) = dp_store::postgres::scratch::database_url().await else {
        return;
    };
    let database = dp_store::postgres::scratch::schema(&url).await.unwrap();
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut instances = Vec::new();
    for _ in 0..2 {
        let (database, public) = (database.clone(), public.clone());
        instances.push(
            TestServer::start(move |c| {
                c.database_url = Some(database);
                c.public_url = public;
                // The production interval of registry revision checks (the harness turns it off).
                c.database.registry_check_secs =
                    dialogporten::config::DatabaseSettings::default().registry_check_secs;
            })
            .await,
        );
    }
    let upstreams: Vec<String> = instances
        .iter()
        .map(|s| s.url.trim_start_matches("http://").to_owned())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let _nginx = start_nginx(
        dir.path(),
        port,
        &upstreams.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    wait_until_up(&public).await;
    // The load balancer as a server: every request below goes through it.
    let lb = TestServer::behind(&public, &instances[0]);

    // Creates, concurrently.
    let ttd = lb.ttd().await;
    let creates = (0..20).map(|_| {
        let (lb, ttd) = (&lb, &ttd);
        async move {
            lb.send_json(
                "POST",
                SO,
                ttd,
                &minimal_dialog(TTD_RESOURCE, PARTY_ORG),
                &[],
            )
            .await
        }
    });
    let created = join_all(creates).await;
    assert!(
        created.iter().all(|c| c.status == 201),
        "every create is a 201"
    );
    let id = created[0].body.as_str().unwrap().to_owned();

    // PATCHes racing on one revision: exactly one wins, the rest get 412.
    let (_, dialog) = lb.get_json(&format!("{SO}/{id}"), &ttd).await;
    let revision = dialog["revision"].as_str().unwrap().to_owned();
    let patches = (0..8).map(|i| {
        let (lb, ttd, revision, id) = (&lb, &ttd, &revision, &id);
        async move {
            let body = json!([{"op": "replace", "path": "/progress", "value": i}]);
            lb.send_json(
                "PATCH",
                &format!("{SO}/{id}"),
                ttd,
                &body,
                &[("if-match", revision.as_str())],
            )
            .await
            .status
        }
    });
    let mut statuses = join_all(patches).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 412, 412, 412, 412, 412, 412, 412]);

    // A registry grant on the database, answered through the load balancer at once.
    let person = "urn:altinn:person:identifier-no:08895699684";
    let search = format!("/api/v1/enduser/dialogs?party={PARTY_ORG}");
    let token = lb.person("08895699684").await;
    let (_, page) = lb.get_json(&search, &token).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    let output = Command::new(BIN)
        .args([
            "registry", "grant", "--from", PARTY_ORG, "--to", person, "--role", "DAGL",
        ])
        .args(["--database-url", &database])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // Each instance reads the registry's revision at most every 250 ms: within 1 s, the grant
    // holds on both, and then on every request.
    let granted = Instant::now();
    loop {
        let (status, page) = lb.get_json(&search, &token).await;
        assert_eq!(status, 200, "{page}");
        if page["items"].as_array().unwrap().len() == 20 {
            break;
        }
        assert!(granted.elapsed() < Duration::from_secs(1), "{page}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..4 {
        let (status, page) = lb.get_json(&search, &token).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 20, "{page}");
    }

    login_through(&public, &instances[0]).await;

    // Both instances served.
    let log = std::fs::read_to_string(dir.path().join("access.log")).unwrap();
    for upstream in &upstreams {
        assert!(
            log.contains(upstream.as_str()),
            "{upstream} served nothing:\n{log}"
        );
    }
    assert!(
        !log.lines().any(|l| l.starts_with("50")),
        "a 5xx went through:\n{log}"
    );
}

/// A full ID-porten login with a confidential client, every request through the load balancer.
async fn login_through(public: &str, instance: &TestServer) {
    instance
        .clients()
        .add(client("lb", "client_secret_basic", Some("pw"), None))
        .unwrap();
    let browser = Browser::at(public);
    let verifier = "lb-verifier-0123456789-0123456789-0123456789-abcdef";
    let authorize = reqwest::Url::parse_with_params(
        &format!("{public}/idporten/authorize"),
        &[
            ("response_type", "code"),
            ("client_id", "lb"),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "openid digdir:dialogporten"),
            ("state", "st"),
            ("nonce", "no"),
            ("code_challenge", &s256(verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let (status, html) = browser.open(authorize.as_str()).await.page();
    assert_eq!(status, 200, "{html}");
    let (status, html) = browser
        .login(&html, DEMO_PID, "idporten-loa-substantial")
        .await
        .page();
    assert_eq!(status, 200, "{html}");
    let back = browser.consent(&html, true).await.left();
    assert_eq!(query(&back, "state").as_deref(), Some("st"));
    let code = query(&back, "code").expect("a code");

    let http = reqwest::Client::new();
    let token = |form: Vec<(&'static str, String)>| {
        let http = http.clone();
        async move {
            let response = http
                .post(format!("{public}/idporten/token"))
                .basic_auth("lb", Some("pw"))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, tokens) = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("redirect_uri", REDIRECT_URI.into()),
        ("code_verifier", verifier.into()),
    ])
    .await;
    assert_eq!(status, 200, "{tokens}");

    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, rotated) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
    ])
    .await;
    assert_eq!(status, 200, "{rotated}");
    let access = rotated["access_token"].as_str().unwrap();
    for _ in 0..4 {
        let answer = http
            .get(format!(
                "{public}/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:{DEMO_PID}"
            ))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    // The rotated-away refresh token is refused, wherever it lands.
    let (status, _) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
    ])
    .await;
    assert_eq!(status, 400);
    // The code is single use on every instance (a second redemption revokes its tokens).
    let (status, _) = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("redirect_uri", REDIRECT_URI.into()),
        ("code_verifier", verifier.into()),
    ])
    .await;
    assert_eq!(status, 400);
}
