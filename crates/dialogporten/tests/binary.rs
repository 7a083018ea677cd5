//! The real binary: help texts, startup, the token command, key persistence and config
//! precedence.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::payload;

const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");

fn run(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .envs(envs.iter().copied())
        .env_remove("DIALOGPORTEN_CONFIG")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

struct Running {
    child: Child,
    url: String,
    log: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `dialogporten serve` on an ephemeral port and reads its startup log.
fn serve(data_dir: &std::path::Path) -> Running {
    serve_logging(data_dir, "info").0
}

/// [`serve`] with `RUST_LOG=filter`; the rest of the log keeps arriving on the returned channel.
fn serve_logging(
    data_dir: &std::path::Path,
    filter: &str,
) -> (Running, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data_dir.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", filter)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = Vec::new();
    let mut url = None;
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = Some(format!(
                "http://{}",
                rest.split_whitespace().next().unwrap()
            ));
        }
        let done = line.contains("test-token generator at");
        log.push(line);
        if done {
            break;
        }
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let running = Running {
        child,
        url: url.expect("the server logs where it listens"),
        log,
    };
    (running, receiver)
}

/// Request spans name the matched route, never the path: it holds dialog ids (issue 12 item 6).
#[tokio::test]
async fn request_spans_name_the_route_not_the_dialog_id() {
    let data = tempfile::tempdir().unwrap();
    let (running, log) = serve_logging(data.path(), "info,tower_http=debug,dialogporten=debug");
    let id = "0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c12";
    let response = reqwest::get(format!("{}/api/v1/serviceowner/dialogs/{id}", running.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = Vec::new();
    while std::time::Instant::now() < deadline {
        let Ok(line) = log.recv_timeout(std::time::Duration::from_millis(200)) else {
            continue;
        };
        let done = line.contains("finished processing request");
        seen.push(line);
        if done {
            break;
        }
    }
    let request_lines: Vec<&String> = seen.iter().filter(|l| l.contains("request{")).collect();
    assert!(
        request_lines
            .iter()
            .any(|l| l.contains("route=/api/v1/serviceowner/dialogs/{dialogId}")),
        "{seen:#?}"
    );
    assert!(seen.iter().all(|l| !l.contains(id)), "{seen:#?}");
}

#[test]
fn help_explains_every_command() {
    let (ok, help, _) = run(&["--help"], &[]);
    assert!(ok);
    for expected in [
        "serve",
        "token",
        "--config",
        "--data-dir",
        "--public-url",
        "DIALOGPORTEN_",
    ] {
        assert!(
            help.contains(expected),
            "--help mentions {expected}:\n{help}"
        );
    }
    let (_, serve_help, _) = run(&["serve", "--help"], &[]);
    assert!(serve_help.contains("--listen") && serve_help.contains("local mode"));
    let (_, token_help, _) = run(&["token", "--help"], &[]);
    for kind in ["enterprise", "personal", "systemuser", "email"] {
        assert!(token_help.contains(kind), "token --help lists {kind}");
    }
}

#[tokio::test]
async fn the_binary_serves_health_and_accepts_tokens_from_its_cli() {
    let data = tempfile::tempdir().unwrap();
    let running = serve(data.path());
    let log = running.log.join("\n");
    for expected in [
        "listening on",
        "local mode",
        "trusting Altinn issuer",
        "dev:dev",
        "store: SQLite ",
        "registry (built-in demo): 4 service owners",
    ] {
        assert!(
            log.contains(expected),
            "startup log mentions {expected}:\n{log}"
        );
    }
    let client = reqwest::Client::new();
    for path in [
        "/health",
        "/health/startup",
        "/health/liveness",
        "/health/readiness",
        "/health/deep",
    ] {
        let response = client
            .get(format!("{}{path}", running.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), "Healthy");
    }

    let data_arg = data.path().to_str().unwrap();
    let (ok, token, stderr) = run(
        &[
            "token",
            "enterprise",
            "--scopes",
            "digdir:dialogporten.serviceprovider",
            "--org",
            "ttd",
            "--org-no",
            "991825827",
            "--data-dir",
            data_arg,
        ],
        &[],
    );
    assert!(ok, "{stderr}");
    let token = token.trim().to_owned();
    assert_eq!(payload(&token)["urn:altinn:org"], "ttd");
    let call = |token: String, path: &'static str| {
        let client = client.clone();
        let url = running.url.clone();
        async move {
            client
                .get(format!("{url}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Past authentication: the handler's 404 for a dialog that does not exist.
    assert_eq!(
        call(
            token.clone(),
            "/api/v1/serviceowner/dialogs/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11"
        )
        .await,
        404
    );

    let (ok, personal, _) = run(
        &[
            "token",
            "personal",
            "--pid",
            "08844397713",
            "--scopes",
            "digdir:dialogporten",
            "--data-dir",
            data_arg,
        ],
        &[],
    );
    assert!(ok);
    let personal = personal.trim().to_owned();
    assert_eq!(
        call(
            personal.clone(),
            "/api/v1/enduser/dialogs?party=urn:altinn:person:identifier-no:08844397713"
        )
        .await,
        200
    );
    assert_eq!(call(personal, "/api/v1/serviceowner/dialogs/x").await, 403);
    let (ok, _, stderr) = run(
        &[
            "token",
            "personal",
            "--pid",
            "0884439771x",
            "--data-dir",
            data_arg,
        ],
        &[],
    );
    assert!(!ok && stderr.contains("pid"), "{stderr}");

    // The signing key survives a restart: old tokens stay valid.
    drop(running);
    let restarted = serve(data.path());
    let status = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/serviceowner/dialogs/0194f7ec-35a4-7b3c-a3e1-7d0f2b7e5c11",
            restarted.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[test]
fn configuration_precedence_is_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dialogporten.toml");
    std::fs::write(
        &file,
        "public_url = \"http://from-file:1\"\n[testtools]\nusers = \"a:b\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let (config_arg, data_arg) = (file.to_str().unwrap(), data.to_str().unwrap());
    let iss = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec![
            "token",
            "enterprise",
            "--scopes",
            "x",
            "--dump",
            "--config",
            config_arg,
            "--data-dir",
            data_arg,
        ];
        args.extend_from_slice(extra);
        let (ok, out, err) = run(&args, envs);
        assert!(ok, "{err}");
        let body = out.split_once("\n.\n").unwrap().1;
        serde_json::from_str::<serde_json::Value>(body).unwrap()["iss"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        iss(&[], &[]),
        "http://from-file:1/authentication/api/v1/openid/"
    );
    assert_eq!(
        iss(&[("DIALOGPORTEN_PUBLIC_URL", "http://from-env:2")], &[]),
        "http://from-env:2/authentication/api/v1/openid/"
    );
    assert_eq!(
        iss(
            &[("DIALOGPORTEN_PUBLIC_URL", "http://from-env:2")],
            &["--public-url", "http://from-flag:3"]
        ),
        "http://from-flag:3/authentication/api/v1/openid/"
    );

    // With an external issuer configured, minting is refused.
    let (ok, _, stderr) = run(
        &[
            "token",
            "enterprise",
            "--scopes",
            "x",
            "--data-dir",
            data_arg,
        ],
        &[(
            "DIALOGPORTEN_ISSUERS__MASKINPORTEN__WELL_KNOWN",
            "https://test.maskinporten.no/.well-known/oauth-authorization-server",
        )],
    );
    assert!(
        !ok && stderr.contains("external issuers are configured"),
        "{stderr}"
    );

    // The generator with its well-known default credentials stays on loopback.
    let (ok, _, stderr) = run(
        &["serve", "--listen", "0.0.0.0:0", "--data-dir", data_arg],
        &[],
    );
    assert!(!ok && stderr.contains("not loopback"), "{stderr}");

    // The other token kinds from the CLI.
    let (ok, system_user, stderr) = run(
        &[
            "token",
            "systemuser",
            "--system-user-id",
            "7633be4c-dbd5-49f4-bbc4-c058b275de7b",
            "--system-user-org",
            "310057223",
            "--scopes",
            "digdir:dialogporten",
            "--data-dir",
            data_arg,
            "--config",
            config_arg,
        ],
        &[],
    );
    assert!(ok, "{stderr}");
    assert_eq!(
        payload(system_user.trim())["authorization_details"][0]["systemuser_org"]["ID"],
        "0192:310057223"
    );
    let (ok, email, stderr) = run(
        &[
            "token",
            "email",
            "--email",
            "a@b.no",
            "-p",
            "partyId=77",
            "--data-dir",
            data_arg,
            "--config",
            config_arg,
        ],
        &[],
    );
    assert!(ok, "{stderr}");
    assert_eq!(payload(email.trim())["urn:altinn:partyid"], 77);

    // A bad configuration is a clear error.
    let (ok, _, stderr) = run(
        &["token", "enterprise", "--scopes", "x"],
        &[("DIALOGPORTEN_LISTEN", "nonsense")],
    );
    assert!(!ok && stderr.to_lowercase().contains("listen"), "{stderr}");
}

#[test]
fn registries_are_exported_checked_and_refused_with_the_entry_named() {
    let (ok, exported, _) = run(&["registry", "export"], &[]);
    assert!(ok);
    let document: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(document["serviceOwners"][0]["orgCode"], "ttd");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry.json");
    std::fs::write(&file, &exported).unwrap();
    let (ok, out, _) = run(&["registry", "check", file.to_str().unwrap()], &[]);
    assert!(
        ok && out.contains("valid; 4 service owners, 6 resources"),
        "{out}"
    );

    std::fs::write(
        &file,
        exported.replacen("\"owner\": \"ttd\"", "\"owner\": \"xyz\"", 1),
    )
    .unwrap();
    let (ok, _, stderr) = run(&["registry", "check", file.to_str().unwrap()], &[]);
    assert!(!ok && stderr.contains("resources[0].owner"), "{stderr}");
    let (ok, _, stderr) = run(
        &[
            "serve",
            "--registry",
            file.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert!(
        !ok && stderr.contains("resources[0].owner"),
        "serve refuses an invalid registry: {stderr}"
    );
}

#[test]
fn registry_grant_and_revoke_change_the_stored_rights() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let org = "urn:altinn:organization:identifier-no:310923044";
    let person = "urn:altinn:person:identifier-no:03886595947";
    let export = || {
        let (ok, out, err) = run(&["registry", "export", "--data-dir", data], &[]);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let has_role = |document: &serde_json::Value| {
        document["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["from"] == org && r["to"] == person && r["role"] == "DAGL")
    };
    let grant = [
        "registry",
        "grant",
        "--from",
        org,
        "--to",
        person,
        "--role",
        "DAGL",
        "--data-dir",
        data,
    ];
    let (ok, out, err) = run(&grant, &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "granted");
    assert!(has_role(&export()));
    let (_, out, _) = run(&grant, &[]);
    assert_eq!(out.trim(), "already granted; nothing changed");

    let mut revoke = grant;
    revoke[1] = "revoke";
    let (ok, out, err) = run(&revoke, &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "revoked");
    assert!(!has_role(&export()));

    // A resource delegation with actions, then an invalid one that names an unknown party.
    let (ok, _, err) = run(
        &[
            "registry",
            "grant",
            "--from",
            org,
            "--to",
            person,
            "--resource",
            "super-simple-service",
            "--actions",
            "read,write",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(ok, "{err}");
    let document = export();
    let delegation = document["resourceDelegations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["to"] == person)
        .unwrap()
        .clone();
    assert_eq!(delegation["actions"], serde_json::json!(["read", "write"]));
    let (ok, _, err) = run(
        &[
            "registry",
            "grant",
            "--from",
            "urn:altinn:organization:identifier-no:974760673",
            "--to",
            person,
            "--role",
            "DAGL",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(!ok);
    assert!(
        err.contains("roles[") && err.contains("is not a listed party"),
        "{err}"
    );
    // Exactly one kind of right.
    let (ok, _, err) = run(
        &[
            "registry",
            "grant",
            "--from",
            org,
            "--to",
            person,
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(!ok && err.contains("--role"), "{err}");
}

#[tokio::test]
async fn generate_fills_an_empty_store_that_the_server_then_serves() {
    let data = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_str().unwrap();
    let generate = [
        "generate",
        "--dialogs",
        "400",
        "--parties",
        "40",
        "--service-owners",
        "2",
        "--seed",
        "3",
        "--data-dir",
        data_arg,
    ];
    let (ok, out, stderr) = run(&generate, &[]);
    assert!(ok, "{stderr}");
    assert!(
        out.contains("generated 400 dialogs for 40 organisations"),
        "{out}"
    );
    // A second run would replace the registry under existing dialogs: refused, nothing lost.
    let (ok, _, stderr) = run(&generate, &[]);
    assert!(!ok && stderr.contains("already holds dialogs"), "{stderr}");

    let running = serve(data.path());
    let org_no = dialogporten::generate::org_number(900_000);
    let (ok, token, stderr) = run(
        &[
            "token",
            "enterprise",
            "--scopes",
            "digdir:dialogporten.serviceprovider digdir:dialogporten.serviceprovider.search",
            "--org",
            "so000",
            "--org-no",
            &org_no,
            "--data-dir",
            data_arg,
        ],
        &[],
    );
    assert!(ok, "{stderr}");
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/serviceowner/dialogs?limit=1000",
            running.url
        ))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().expect("a search page");
    assert!(
        !items.is_empty() && items.len() < 400,
        "so000 sees its own share of the 400 dialogs, not all: {}",
        items.len()
    );
    assert!(items.iter().all(|d| d["org"] == "so000"));
}
