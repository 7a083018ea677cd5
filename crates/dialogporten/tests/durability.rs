//! Durability of the real binary under `kill -9`: a stream of concurrent rich creates, a SIGKILL
//! while requests are in flight, a restart on the same data directory (three rounds). Every acknowledged (201)
//! dialog must come back whole, and no dialog may be stored partially, whether its create was
//! acknowledged or cut off by the kill. On SQLite, and on PostgreSQL in the suite's second pass
//! (`DP_TEST_STORE=postgres`).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::dialogs::rich_dialog;
use dp_domain::dialog::Dialog;
use dp_domain::enums::DeletedFilter;
use dp_store::DialogQuery;
use serde_json::Value;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_dialogporten");
const WRITERS: usize = 8;
const ACKNOWLEDGEMENTS_BEFORE_KILL: usize = 200;
/// Kill -9 rounds on the same data directory.
const KILLS: usize = 3;
const DIALOGS: &str = "/api/v1/serviceowner/dialogs";

/// A running `dialogporten serve`; killed (SIGKILL) and reaped when dropped, also on panic.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts the binary on a free loopback port and waits until `/health` answers.
    async fn start(data_dir: &Path, database: Option<&str>, log_dir: &Path, run: usize) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let log = File::create(log_dir.join(format!("serve-{run}.log"))).unwrap();
        let child = Command::new(BIN)
            .args(["serve", "--data-dir", data_dir.to_str().unwrap()])
            .args(
                database
                    .map(|url| ["--database-url", url])
                    .into_iter()
                    .flatten(),
            )
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--public-url",
                &url,
            ])
            .env_remove("DIALOGPORTEN_CONFIG")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = Self { child, url };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(log_dir.join(format!("serve-{run}.log")));
                panic!("the server exited during startup ({status}): {log:?}");
            }
            let health = client
                .get(format!("{}/health", server.url))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if matches!(&health, Ok(r) if r.status() == 200) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer /health within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL (`Child::kill` on Unix) and reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn token(&self, client: &reqwest::Client) -> String {
        let response = client
            .get(format!(
                "{}/testtools/api/GetEnterpriseToken?env=tt02&scopes=digdir:dialogporten.serviceprovider&org=ttd&orgNo=991825827",
                self.url
            ))
            .basic_auth("dev", Some("dev"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How many children of each kind a dialog has, from a JSON body (sent or read back) or from the
/// stored aggregate.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Shape {
    transmissions: usize,
    transmission_attachments: usize,
    navigational_actions: usize,
    activities: usize,
    attachments: usize,
    attachment_urls: usize,
    gui_actions: usize,
    api_actions: usize,
    api_action_endpoints: usize,
}

fn list<'a>(value: &'a Value, member: &str) -> &'a [Value] {
    value[member].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn sum(items: &[Value], member: &str) -> usize {
    items.iter().map(|item| list(item, member).len()).sum()
}

impl Shape {
    fn of_json(dialog: &Value) -> Self {
        let transmissions = list(dialog, "transmissions");
        let attachments = list(dialog, "attachments");
        let api_actions = list(dialog, "apiActions");
        Self {
            transmissions: transmissions.len(),
            transmission_attachments: sum(transmissions, "attachments"),
            navigational_actions: sum(transmissions, "navigationalActions"),
            activities: list(dialog, "activities").len(),
            attachments: attachments.len(),
            attachment_urls: sum(attachments, "urls"),
            gui_actions: list(dialog, "guiActions").len(),
            api_actions: api_actions.len(),
            api_action_endpoints: sum(api_actions, "endpoints"),
        }
    }

    fn of_stored(dialog: &Dialog) -> Self {
        Self {
            transmissions: dialog.transmissions.len(),
            transmission_attachments: dialog
                .transmissions
                .iter()
                .map(|t| t.attachments.len())
                .sum(),
            navigational_actions: dialog
                .transmissions
                .iter()
                .map(|t| t.navigational_actions.len())
                .sum(),
            activities: dialog.activities.len(),
            attachments: dialog.attachments.len(),
            attachment_urls: dialog.attachments.iter().map(|a| a.urls.len()).sum(),
            gui_actions: dialog.gui_actions.len(),
            api_actions: dialog.api_actions.len(),
            api_action_endpoints: dialog.api_actions.iter().map(|a| a.endpoints.len()).sum(),
        }
    }
}

type Bodies = Arc<Mutex<HashMap<String, Value>>>;

/// The load: `WRITERS` tasks creating rich dialogs back to back until the server stops answering.
struct Load {
    sent: Bodies,
    acknowledged: Bodies,
    in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

async fn write_until_refused(client: reqwest::Client, url: String, token: String, load: Arc<Load>) {
    while !load.stop.load(Ordering::SeqCst) {
        let body = rich_dialog();
        let id = body["id"].as_str().unwrap().to_owned();
        load.sent.lock().unwrap().insert(id.clone(), body.clone());
        load.in_flight.fetch_add(1, Ordering::SeqCst);
        let response = client
            .post(format!("{url}{DIALOGS}"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        load.in_flight.fetch_sub(1, Ordering::SeqCst);
        let Ok(response) = response else {
            return; // the server is gone
        };
        let status = response.status().as_u16();
        if status == 201 {
            // Committed before the status line was written: from here on it must survive.
            load.acknowledged.lock().unwrap().insert(id.clone(), body);
            if let Ok(text) = response.text().await {
                assert_eq!(text, format!("\"{id}\""), "the 201 body is the new id");
            }
        } else {
            let text = response.text().await.unwrap_or_default();
            panic!("create answered {status} instead of 201: {text}");
        }
    }
}

/// Runs the load against `server` until `ACKNOWLEDGEMENTS_BEFORE_KILL` creates are acknowledged,
/// then SIGKILLs it. Returns (sent, acknowledged) bodies by id.
async fn load_then_kill(
    server: &mut Server,
    client: &reqwest::Client,
    token: &str,
) -> (HashMap<String, Value>, HashMap<String, Value>) {
    let load = Arc::new(Load {
        sent: Arc::default(),
        acknowledged: Arc::default(),
        in_flight: Arc::default(),
        stop: Arc::default(),
    });
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            tokio::spawn(write_until_refused(
                client.clone(),
                server.url.clone(),
                token.to_owned(),
                load.clone(),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(15);
    while load.acknowledged.lock().unwrap().len() < ACKNOWLEDGEMENTS_BEFORE_KILL {
        assert!(
            writers.iter().all(|w| !w.is_finished()),
            "a writer stopped before the kill"
        );
        assert!(
            Instant::now() < deadline,
            "fewer than {ACKNOWLEDGEMENTS_BEFORE_KILL} creates acknowledged in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let in_flight_at_kill = load.in_flight.load(Ordering::SeqCst);
    server.kill();
    load.stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(
        in_flight_at_kill > 0,
        "the kill must cut requests off in flight"
    );
    let sent = load.sent.lock().unwrap().clone();
    let acknowledged = load.acknowledged.lock().unwrap().clone();
    eprintln!(
        "sent {}, acknowledged {}, in flight at the kill {in_flight_at_kill}",
        sent.len(),
        acknowledged.len()
    );
    (sent, acknowledged)
}

/// Over HTTP: every acknowledged dialog GETs 200 with all its children; an unacknowledged one
/// is either 404 or whole.
async fn verify_over_http(
    server: &Server,
    client: &reqwest::Client,
    sent: &HashMap<String, Value>,
    acknowledged: &HashMap<String, Value>,
) {
    let token = server.token(client).await;
    let limit = Arc::new(tokio::sync::Semaphore::new(WRITERS));
    let mut reads = tokio::task::JoinSet::new();
    for id in sent.keys() {
        let (client, url, token, limit, id) = (
            client.clone(),
            server.url.clone(),
            token.clone(),
            limit.clone(),
            id.clone(),
        );
        reads.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let response = client
                .get(format!("{url}{DIALOGS}/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (id, status, body)
        });
    }
    let mut unacknowledged_but_stored = 0;
    while let Some(read) = reads.join_next().await {
        let (id, status, body) = read.unwrap();
        if acknowledged.contains_key(&id) {
            assert_eq!(
                status, 200,
                "acknowledged dialog {id} lost after kill -9: {body}"
            );
        } else if status == 404 {
            continue;
        } else {
            assert_eq!(status, 200, "unacknowledged dialog {id}: {body}");
            unacknowledged_but_stored += 1;
        }
        assert_eq!(body["id"], Value::String(id.clone()));
        assert_eq!(
            Shape::of_json(&body),
            Shape::of_json(&sent[&id]),
            "dialog {id} came back with other children than were sent"
        );
    }
    eprintln!("unacknowledged but stored (whole): {unacknowledged_but_stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_creates_survive_kill_9_and_no_dialog_is_stored_partially() {
    let data_dir = tempfile::tempdir().unwrap();
    let database = common::test_database().await;
    let database = database.as_deref();
    let log_dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // Several rounds on the same data directory: check what earlier rounds left, load, kill -9.
    let mut sent = HashMap::new();
    let mut acknowledged = HashMap::new();
    for round in 1..=KILLS {
        let mut server = Server::start(data_dir.path(), database, log_dir.path(), round).await;
        if round > 1 {
            verify_over_http(&server, &client, &sent, &acknowledged).await;
        }
        let token = server.token(&client).await;
        let (round_sent, round_acknowledged) = load_then_kill(&mut server, &client, &token).await;
        sent.extend(round_sent);
        acknowledged.extend(round_acknowledged);
    }
    let last = Server::start(data_dir.path(), database, log_dir.path(), KILLS + 1).await;
    verify_over_http(&last, &client, &sent, &acknowledged).await;
    drop(last);

    // The store itself, with no server running: every stored dialog is one that was sent, with
    // all its children, each child indexed to it.
    let store = match database {
        Some(url) => dp_store::postgres::open(&dp_store::postgres::PostgresConfig::new(url))
            .await
            .unwrap(),
        None => dp_store::sqlite::open(&data_dir.path().join("dialogporten.db")).unwrap(),
    };
    let stored = store
        .search_dialogs(DialogQuery {
            org: vec!["ttd".into()],
            deleted: Some(DeletedFilter::Include),
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        stored.len() >= acknowledged.len(),
        "{} stored, {} acknowledged",
        stored.len(),
        acknowledged.len()
    );
    for dialog in &stored {
        let id = dialog.id.to_string();
        let body = sent
            .get(&id)
            .unwrap_or_else(|| panic!("stored dialog {id} was never sent"));
        assert_eq!(
            Shape::of_stored(dialog),
            Shape::of_json(body),
            "stored dialog {id} is partial"
        );
        for (child, kind) in dialog.child_ids() {
            assert_eq!(
                store.dialog_of_child(child).await.unwrap(),
                Some(dialog.id),
                "{kind} {child} of dialog {id} is not indexed to it"
            );
        }
    }
    for id in acknowledged.keys() {
        let id = Uuid::parse_str(id).unwrap();
        assert!(
            store.get_dialog(id).await.unwrap().is_some(),
            "acknowledged {id} missing from the store"
        );
    }
}
