//! Throughput and latency of the service-owner dialog API over real HTTP on loopback:
//! the release server in-process on the embedded SQLite store, a reqwest client with
//! `CONCURRENCY` requests in flight. `cargo bench -p dialogporten --bench dialogs`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Semaphore;

const CONCURRENCY: usize = 16;
const CREATES: usize = 3_000;
const GETS: usize = 20_000;
const SEARCHES: usize = 2_000;

fn dialog(i: usize) -> Value {
    let text = |v: &str| json!({ "value": [ { "languageCode": "nb", "value": v } ] });
    json!({
        "serviceResource": "urn:altinn:resource:ttd-dialogporten-automated-tests",
        "party": "urn:altinn:organization:identifier-no:310923044",
        "idempotentKey": format!("bench-{i}"),
        "status": "inProgress",
        "content": { "title": text(&format!("Melding nummer {i}")), "summary": text("Et sammendrag") },
        "searchTags": [ { "value": "benchmark" } ],
        "transmissions": [ { "type": "information", "sender": { "actorType": "serviceOwner" },
                             "content": { "title": text("Forsendelse") } } ],
        "activities": [ { "type": "dialogCreated", "performedBy": { "actorType": "serviceOwner" } } ]
    })
}

struct Stats {
    name: &'static str,
    count: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Stats {
    fn print(&mut self) {
        self.latencies.sort();
        let at = |q: f64| {
            self.latencies
                [((self.latencies.len() as f64 * q) as usize).min(self.latencies.len() - 1)]
        };
        println!(
            "| {:<28} | {:>7} | {:>9.0} | {:>8.2} | {:>8.2} |",
            self.name,
            self.count,
            self.count as f64 / self.elapsed.as_secs_f64(),
            at(0.50).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0
        );
    }
}

/// Runs `count` requests built by `request`, `CONCURRENCY` at a time; each must answer `expect`.
async fn run<F>(name: &'static str, count: usize, expect: u16, request: F) -> (Stats, Vec<String>)
where
    F: Fn(usize) -> reqwest::RequestBuilder,
{
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let permit = limit.clone().acquire_owned().await.unwrap();
        let builder = request(i);
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = builder.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            drop(permit);
            assert_eq!(status, expect, "{body}");
            (sent.elapsed(), body)
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    let mut bodies = Vec::with_capacity(count);
    for task in tasks {
        let (latency, body) = task.await.unwrap();
        latencies.push(latency);
        bodies.push(body);
    }
    (
        Stats {
            name,
            count,
            elapsed: started.elapsed(),
            latencies,
        },
        bodies,
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let data = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let config = dialogporten::Config {
            listen: address,
            public_url: format!("http://{address}"),
            data_dir: data.path().to_owned(),
            ..dialogporten::Config::default()
        };
        let server = dialogporten::build(&config).await.unwrap();
        tokio::spawn(async move { axum::serve(listener, server.router).await.unwrap() });
        let url = format!("http://{address}");
        let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();
        let token = client
            .get(format!("{url}/testtools/api/GetEnterpriseToken?env=tt02&org=ttd&orgNo=991825827&scopes=digdir:dialogporten.serviceprovider%20digdir:dialogporten.serviceprovider.search"))
            .basic_auth("dev", Some("dev"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();

        println!("| operation                    | requests | per second | p50 (ms) | p99 (ms) |");
        println!("|---|---:|---:|---:|---:|");
        let (mut stats, ids) = run("POST /dialogs (create)", CREATES, 201, |i| {
            client
                .post(format!("{url}/api/v1/serviceowner/dialogs"))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(dialog(i).to_string())
        })
        .await;
        stats.print();
        let ids: Vec<String> = ids.iter().map(|b| b.trim_matches('"').to_owned()).collect();
        let (mut stats, _) = run("GET /dialogs/{id}", GETS, 200, |i| {
            client
                .get(format!("{url}/api/v1/serviceowner/dialogs/{}", ids[i % ids.len()]))
                .bearer_auth(&token)
        })
        .await;
        stats.print();
        let (mut stats, _) = run("GET /dialogs?limit=100", SEARCHES, 200, |_| {
            client
                .get(format!("{url}/api/v1/serviceowner/dialogs?limit=100"))
                .bearer_auth(&token)
        })
        .await;
        stats.print();
        let (mut stats, _) = run("GET /dialogs?party=…&status=…", SEARCHES, 200, |_| {
            client
                .get(format!("{url}/api/v1/serviceowner/dialogs?party=urn:altinn:organization:identifier-no:310923044&status=InProgress&limit=20"))
                .bearer_auth(&token)
        })
        .await;
        stats.print();
        let (mut stats, _) = run("PATCH /dialogs/{id}", CREATES, 204, |i| {
            client
                .patch(format!("{url}/api/v1/serviceowner/dialogs/{}", ids[i]))
                .bearer_auth(&token)
                .header("content-type", "application/json-patch+json")
                .body(json!([{ "op": "replace", "path": "/progress", "value": i % 100 }]).to_string())
        })
        .await;
        stats.print();
    });
}
