//! Two server instances on one PostgreSQL database behave as one service (issue 13 item 3):
//! each with its own data directory and the same public URL, as behind a load balancer. A
//! token one instance mints verifies on the other, a dialog created through one is read,
//! searched and changed through the other, revision checks and idempotent keys hold across
//! them, a registry grant on the database is answered by both, and both sign dialog tokens
//! with the one key ring the database holds. Skipped (with a note) without PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestServer;
use common::dialogs::{PARTY_ORG, TTD_RESOURCE, minimal_dialog};
use serde_json::{Value, json};

const SO: &str = "/api/v1/serviceowner/dialogs";
const OTHER_PERSON: &str = "08895699684";
const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");

/// Two instances on a fresh schema; the second uses the first's public URL.
async fn two_instances() -> Option<(TestServer, TestServer, String)> {
    let url = dp_store::postgres::scratch::database_url().await?;
    let url = dp_store::postgres::scratch::schema(&url).await.unwrap();
    let shared = url.clone();
    // The production interval of registry revision checks (the harness turns it off).
    let interval = dialogporten::config::DatabaseSettings::default().registry_check_secs;
    let first = TestServer::start(|c| {
        c.database_url = Some(shared);
        c.database.registry_check_secs = interval;
    })
    .await;
    let (shared, public_url) = (url.clone(), first.url.clone());
    let second = TestServer::start(move |c| {
        c.database_url = Some(shared);
        c.database.registry_check_secs = interval;
        c.public_url = public_url;
    })
    .await;
    Some((first, second, url))
}

async fn jwks(server: &TestServer) -> Value {
    server
        .call("GET", "/api/v1/.well-known/jwks.json", None)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_are_one_service() {
    let Some((a, b, url)) = two_instances().await else {
        return;
    };
    // The embedded issuers' and the dialog tokens' keys are the database's, not each data
    // directory's: the same published keys, and no key files.
    assert_eq!(jwks(&a).await, jwks(&b).await);
    assert!(
        !b.data_dir()
            .join("keys")
            .join("dialog-token-keys.json")
            .exists()
    );

    // A token minted by one instance is accepted by the other; a dialog created through one is
    // read through the other.
    let ttd = a.ttd().await;
    let id = a
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let (status, dialog) = b.get_json(&format!("{SO}/{id}"), &ttd).await;
    assert_eq!(status, 200, "{dialog}");
    let revision = dialog["revision"].as_str().unwrap().to_owned();

    // Revision checks hold across instances: of two PATCHes naming the same revision, one
    // through each instance, exactly one wins and the other gets 412.
    let patch = |progress: u32| json!([{"op": "replace", "path": "/progress", "value": progress}]);
    let (to_ten, to_twenty) = (patch(10), patch(20));
    let path = format!("{SO}/{id}");
    let if_match = [("if-match", revision.as_str())];
    let (first, second) = tokio::join!(
        a.send_json("PATCH", &path, &ttd, &to_ten, &if_match),
        b.send_json("PATCH", &path, &ttd, &to_twenty, &if_match),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 412], "{} / {}", first.text, second.text);

    // Idempotent keys are unique across instances.
    let mut keyed = minimal_dialog(TTD_RESOURCE, PARTY_ORG);
    keyed["idempotentKey"] = json!("instances-key");
    let created = a.send_json("POST", SO, &ttd, &keyed, &[]).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let again = b.send_json("POST", SO, &ttd, &keyed, &[]).await;
    assert_eq!(again.status, 409, "{}", again.text);

    // A registry grant on the database is answered by both instances on their next request:
    // the person without rights gets DAGL on the organisation and sees its dialogs.
    let person_a = a.person(OTHER_PERSON).await;
    let search = format!("/api/v1/enduser/dialogs?party={PARTY_ORG}");
    for server in [&a, &b] {
        let (status, page) = server.get_json(&search, &person_a).await;
        assert_eq!(
            (status, page["items"].as_array().map(Vec::len)),
            (200, Some(0))
        );
    }
    let output = std::process::Command::new(BIN)
        .args(["registry", "grant", "--from", PARTY_ORG, "--to"])
        .arg(format!("urn:altinn:person:identifier-no:{OTHER_PERSON}"))
        .args(["--role", "DAGL", "--database-url", &url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // Each instance reads the registry's revision at most every 250 ms: within 1 s, both.
    let granted = std::time::Instant::now();
    for server in [&a, &b] {
        loop {
            let (status, page) = server.get_json(&search, &person_a).await;
            assert_eq!(status, 200, "{page}");
            let found = page["items"].as_array().unwrap().len();
            if found == 2 {
                break;
            }
            assert!(granted.elapsed() < Duration::from_secs(1), "{page}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // A dialog token signed by one instance carries a key the other publishes.
    let (status, seen) = b
        .get_json(&format!("/api/v1/enduser/dialogs/{id}"), &person_a)
        .await;
    assert_eq!(status, 200, "{seen}");
    let kid = common::header(seen["dialogToken"].as_str().unwrap())["kid"].clone();
    let published = jwks(&a).await;
    assert!(
        published["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid),
        "{kid} in {published}"
    );
}

/// `keys rotate` on the database rotates the one ring all instances load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_once_for_all_instances() {
    let Some((a, _b, url)) = two_instances().await else {
        return;
    };
    let before = jwks(&a).await;
    let output = std::process::Command::new(BIN)
        .args(["keys", "rotate", "--database-url", &url])
        .env_remove("DIALOGPORTEN_CONFIG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("PostgreSQL"), "{text}");
    // A server started now (any instance) loads the rotated ring: the old Secondary is its
    // Primary.
    let shared = url.clone();
    let c = TestServer::start(move |c| c.database_url = Some(shared)).await;
    let after = jwks(&c).await;
    assert_eq!(after["keys"][0]["kid"], before["keys"][1]["kid"], "{after}");
    assert_ne!(after["keys"][1]["kid"], before["keys"][1]["kid"]);
}
