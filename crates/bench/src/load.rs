//! The load generator: HTTP/1.1 keep-alive connections on hyper's low-level client (no pool,
//! no redirects, no decompression: one connection per worker, as `wrk` does), driven either
//! closed-loop (a fixed number of connections, each sending its next request as soon as the
//! previous answer is read: maximum throughput) or open-loop (requests scheduled at a fixed
//! rate and timed from their scheduled start, so a stalled server shows as latency instead of
//! as fewer requests: the coordinated-omission correction of `wrk2`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

/// Where the server listens.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
}

impl Target {
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// One request, cloned into a fresh [`Request`] for every send.
#[derive(Debug, Clone)]
pub struct Template {
    pub method: Method,
    /// Path and query.
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Template {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn with_body(
        method: Method,
        path: impl Into<String>,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Self {
        Self {
            method,
            path: path.into(),
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
        }
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.headers
            .push(("authorization", format!("Bearer {token}")));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn request(&self, target: &Target) -> Request<Full<Bytes>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str())
            .header("host", target.addr.to_string());
        for (name, value) in &self.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder
            .body(Full::new(self.body.clone()))
            .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
    }
}

/// Builds the request with index `i` of a run.
pub type MakeRequest = Arc<dyn Fn(u64) -> Template + Send + Sync>;

/// A keep-alive connection that reconnects after an error.
pub struct Connection {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub fn new(target: &Target) -> Self {
        Self {
            target: target.clone(),
            sender: None,
        }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
            let stream = tokio::net::TcpStream::connect(self.target.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("no connection"))
    }

    /// Sends `template` and reads the whole answer: status and body.
    pub async fn send(&mut self, template: &Template) -> anyhow::Result<(u16, Bytes)> {
        let request = template.request(&self.target);
        let result = async {
            let sender = self.connect().await?;
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }
}

/// Sends one request on a fresh connection; for setup steps.
pub async fn send_once(target: &Target, template: &Template) -> anyhow::Result<(u16, String)> {
    let (status, body) = Connection::new(target).send(template).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Latency of every measured request that answered as expected, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Measured requests that failed or answered another status.
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// The measured window.
    pub elapsed: Duration,
}

impl Outcome {
    pub fn requests(&self) -> u64 {
        self.latencies_us.len() as u64 + self.errors
    }

    pub fn throughput(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.latencies_us.len() as f64 / seconds
        } else {
            0.0
        }
    }

    fn merge(&mut self, other: Worker) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

#[derive(Default)]
struct Worker {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

impl Worker {
    fn record(&mut self, result: anyhow::Result<(u16, Bytes)>, expect: u16, latency: Duration) {
        match result {
            Ok((status, _)) if status == expect => {
                self.latencies_us
                    .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
            }
            Ok((status, body)) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    let text = String::from_utf8_lossy(&body);
                    self.first_error = Some(format!(
                        "status {status} (expected {expect}): {}",
                        text.chars().take(300).collect::<String>()
                    ));
                }
            }
            Err(error) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(format!("{error:#}"));
                }
            }
        }
    }
}

/// How a run is shaped.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// `connections` workers, each with one request in flight, for `warmup` (not measured)
    /// then `duration`.
    Closed {
        connections: usize,
        warmup: Duration,
        duration: Duration,
    },
    /// `rate` requests per second for `duration`, spread over up to `connections` workers.
    Open {
        connections: usize,
        rate: f64,
        duration: Duration,
    },
}

/// Runs `make` against `target` in `mode`; every answer must have status `expect`. With
/// `limit`, at most that many requests are sent (requests that can be used once, such as JWT
/// grants), and a closed run ends early when they are used up.
pub async fn run(
    target: &Target,
    make: MakeRequest,
    expect: u16,
    mode: Mode,
    limit: Option<u64>,
) -> Outcome {
    let next = Arc::new(AtomicU64::new(0));
    match mode {
        Mode::Closed {
            connections,
            warmup,
            duration,
        } => {
            let started = Instant::now();
            let measure_from = started + warmup;
            let end = measure_from + duration;
            let mut tasks = Vec::with_capacity(connections);
            for _ in 0..connections {
                let (target, make, next) = (target.clone(), make.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    let mut connection = Connection::new(&target);
                    let mut worker = Worker::default();
                    let mut last = measure_from;
                    loop {
                        let sent = Instant::now();
                        if sent >= end {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if limit.is_some_and(|l| i >= l) {
                            break;
                        }
                        let template = make(i);
                        let result = connection.send(&template).await;
                        let done = Instant::now();
                        if sent >= measure_from {
                            worker.record(result, expect, done - sent);
                            last = done;
                        }
                    }
                    (worker, last)
                }));
            }
            let mut outcome = Outcome::default();
            let mut last = measure_from;
            for task in tasks {
                if let Ok((worker, finished)) = task.await {
                    outcome.merge(worker);
                    last = last.max(finished);
                }
            }
            // A limited run that ran out before `end` is measured up to its last answer.
            outcome.elapsed = if limit.is_some() {
                last.min(end).saturating_duration_since(measure_from)
            } else {
                duration
            };
            outcome
        }
        Mode::Open {
            connections,
            rate,
            duration,
        } => {
            let rate = rate.max(1.0);
            let mut total = (rate * duration.as_secs_f64()).ceil().max(1.0) as u64;
            if let Some(limit) = limit {
                total = total.min(limit);
            }
            let interval = Duration::from_secs_f64(1.0 / rate);
            let start = Instant::now() + Duration::from_millis(20);
            let mut tasks = Vec::with_capacity(connections);
            for _ in 0..connections.max(1) {
                let (target, make, next) = (target.clone(), make.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    let mut connection = Connection::new(&target);
                    let mut worker = Worker::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let scheduled = start + interval.mul_f64(i as f64);
                        tokio::time::sleep_until(scheduled.into()).await;
                        let template = make(i);
                        let result = connection.send(&template).await;
                        worker.record(result, expect, scheduled.elapsed());
                    }
                    worker
                }));
            }
            let mut outcome = Outcome::default();
            for task in tasks {
                if let Ok(worker) = task.await {
                    outcome.merge(worker);
                }
            }
            outcome.elapsed = start.elapsed();
            outcome
        }
    }
}

/// Percentiles and rates of an [`Outcome`], in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub rps: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub fn of(outcome: &Outcome) -> Self {
        let mut sorted = outcome.latencies_us.clone();
        sorted.sort_unstable();
        let at = |q: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            // Nearest rank.
            let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            f64::from(sorted[rank - 1]) / 1000.0
        };
        let mean = if sorted.is_empty() {
            0.0
        } else {
            sorted.iter().map(|&v| f64::from(v)).sum::<f64>() / sorted.len() as f64 / 1000.0
        };
        Self {
            requests: outcome.requests(),
            errors: outcome.errors,
            seconds: outcome.elapsed.as_secs_f64(),
            rps: outcome.throughput(),
            mean_ms: mean,
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: sorted.last().map_or(0.0, |&v| f64::from(v) / 1000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let outcome = Outcome {
            latencies_us: (1..=100).map(|v| v * 1000).collect(),
            errors: 2,
            first_error: None,
            elapsed: Duration::from_secs(2),
        };
        let summary = Summary::of(&outcome);
        assert_eq!(summary.requests, 102);
        assert!((summary.p50_ms - 50.0).abs() < 1e-9);
        assert!((summary.p95_ms - 95.0).abs() < 1e-9);
        assert!((summary.p99_ms - 99.0).abs() < 1e-9);
        assert!((summary.max_ms - 100.0).abs() < 1e-9);
        assert!((summary.rps - 50.0).abs() < 1e-9);
    }
}
