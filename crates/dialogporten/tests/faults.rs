//! The server while PostgreSQL is unreachable (issue 13 item 4): between the server and the
//! database sits a TCP proxy the test can cut. While it is cut, readiness and deep health
//! answer 503, requests get a 503 ProblemDetails within the timeouts (never a hang, never a
//! 500), client mistakes still get their 4xx; once it is back, everything recovers without a
//! restart and nothing acknowledged is lost. Skipped (with a note) without PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestServer;
use common::dialogs::{PARTY_ORG, TTD_RESOURCE, minimal_dialog};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to PostgreSQL that can be cut (every connection closed, new ones dropped).
struct Proxy {
    address: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (accepting, tasks) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(task.abort_handle());
            }
        });
        Self {
            address,
            up,
            connections,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `host:port` of a PostgreSQL URL (`postgres://user@host:port/db…`).
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap();
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    }
}

async fn status(server: &TestServer, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_a_503_and_recovers_without_a_restart() {
    let Some(url) = dp_store::postgres::scratch::database_url().await else {
        return;
    };
    let url = dp_store::postgres::scratch::schema(&url).await.unwrap();
    let upstream = host_port(&url);
    let proxy = Proxy::start(upstream.clone()).await;
    let proxied = url.replacen(&upstream, &proxy.address.to_string(), 1);
    let server = TestServer::start(move |c| {
        c.database_url = Some(proxied);
        c.database.connect_timeout_secs = 1.0;
    })
    .await;
    // Every answer below must come well within this; a hang fails the test.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let ttd = server.ttd().await;
    let id = server
        .create_dialog(&ttd, &minimal_dialog(TTD_RESOURCE, PARTY_ORG))
        .await;
    let path = format!("/api/v1/serviceowner/dialogs/{id}");
    assert_eq!(status(&server, &client, "/health/readiness").await, 200);

    proxy.cut();
    for health in ["/health/readiness", "/health/deep"] {
        assert_eq!(status(&server, &client, health).await, 503, "{health}");
    }
    assert_eq!(status(&server, &client, "/health/liveness").await, 200);
    let answer = client
        .get(format!("{}{path}", server.url))
        .bearer_auth(&ttd)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    let problem: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(problem["status"], 503, "{problem}");
    let create = server
        .send_json(
            "POST",
            "/api/v1/serviceowner/dialogs",
            &ttd,
            &minimal_dialog(TTD_RESOURCE, PARTY_ORG),
            &[],
        )
        .await;
    assert_eq!(create.status, 503, "{}", create.text);
    // A client mistake is still the client's: not a 503, never a 500.
    let bad = client
        .post(format!("{}/api/v1/serviceowner/dialogs", server.url))
        .bearer_auth(&ttd)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    proxy.restore();
    let mut ready = false;
    for _ in 0..50 {
        if status(&server, &client, "/health/readiness").await == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "readiness recovers without a restart");
    let (code, dialog) = server.get_json(&path, &ttd).await;
    assert_eq!(code, 200, "{dialog}");
    assert_eq!(dialog["id"], id.as_str());
}
