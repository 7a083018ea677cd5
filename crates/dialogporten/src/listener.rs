//! The HTTP/1.1 accept loop, with the connection limits Kestrel gives the real service
//! (`KestrelServerLimits`: `RequestHeadersTimeout` 30 s, `KeepAliveTimeout` 130 s,
//! `MinRequestBodyDataRate` 240 bytes/s after a 5 s grace period, `MaxConcurrentConnections`),
//! so that no client can hold the server's connections or file descriptors (OWASP API4:2023,
//! CWE-400; issue 11 item 2).
//!
//! - A request head must arrive within the header timeout (hyper's `header_read_timeout`).
//! - A connection with no request in flight and no bytes moving for the keep-alive timeout is
//!   closed; this covers a connection that never sends anything as well.
//! - A request body slower than the minimum rate, on average after the grace period, fails:
//!   the handler's body read errors, the answer is a 4xx and the connection is closed.
//! - At most `max_connections` connections are served. Beyond that a few more are answered by
//!   a small refusal handler: `/health…` still answers (so orchestrators see a live process),
//!   everything else gets `503` ProblemDetails with `Retry-After`, and the connection closes.
//!   Beyond that too, a connection is closed at once.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// Connections beyond the cap that still get an answer (`/health` or 503) before closing.
const REFUSAL_SLOTS: usize = 64;
/// How long a refused connection may take to send its request head.
const REFUSAL_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `router` on `listener` until `shutdown` completes, then lets connections finish
/// their current request (at most 10 s).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let limits = Arc::new(limits);
    let served = Arc::new(Semaphore::new(limits.effective_max_connections()));
    let refusals = Arc::new(Semaphore::new(REFUSAL_SLOTS));
    let (stop_tx, stop_rx) = watch::channel(false);
    let open = Arc::new(AtomicUsize::new(0));
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors (or a connection reset before accept): wait a
                    // little instead of spinning, and keep serving the open connections.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        if let Ok(permit) = served.clone().try_acquire_owned() {
            let (router, limits, stop, open) = (
                router.clone(),
                limits.clone(),
                stop_rx.clone(),
                open.clone(),
            );
            tokio::spawn(async move {
                open.fetch_add(1, Ordering::SeqCst);
                serve_connection(stream, router, &limits, stop).await;
                open.fetch_sub(1, Ordering::SeqCst);
                drop(permit);
            });
        } else if let Ok(permit) = refusals.clone().try_acquire_owned() {
            let router = router.clone();
            tokio::spawn(async move {
                refuse_connection(stream, router).await;
                drop(permit);
            });
        } else {
            drop(stream);
        }
    }
    let _ = stop_tx.send(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    while open.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Milliseconds since `epoch`, for the last-activity clock.
fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: &ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let epoch = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let io = TokioIo::new(Tracked {
        inner: stream,
        epoch,
        activity: activity.clone(),
    });
    let (rate, grace) = (limits.min_request_body_rate, limits.grace());
    let requests = in_flight.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        let guard = InFlight::enter(&requests);
        async move {
            let request = request.map(|body| MinRateBody::new(body, rate, grace));
            let response = router.oneshot(request).await;
            drop(guard);
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout())
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let keep_alive = limits.keep_alive_timeout();
    let tick = (keep_alive / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut closing = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = tokio::time::sleep(tick), if !closing => {
                let idle = Duration::from_millis(
                    millis_since(epoch).saturating_sub(activity.load(Ordering::Relaxed)),
                );
                if in_flight.load(Ordering::SeqCst) == 0 && idle >= keep_alive {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            changed = stop.changed(), if !closing => {
                if changed.is_err() || *stop.borrow() {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// Answers one request on a connection over the cap: `/health…` through the router, anything
/// else `503` with `Retry-After`; then the connection closes.
async fn refuse_connection(stream: TcpStream, router: Router) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            if request.uri().path().starts_with("/health") {
                return router.oneshot(request).await;
            }
            Ok::<_, Infallible>(over_capacity())
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_HEADER_TIMEOUT)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(REFUSAL_HEADER_TIMEOUT * 2, connection).await;
}

fn over_capacity() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({
        "type": "https://datatracker.ietf.org/doc/html/rfc9110#section-15.6.4",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The server is at its maximum number of concurrent connections; retry shortly.",
    });
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        [
            (axum::http::header::CONTENT_TYPE, "application/problem+json"),
            (axum::http::header::RETRY_AFTER, "1"),
            (axum::http::header::CONNECTION, "close"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// Counts a request as in flight until dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The connection's stream, noting when bytes last moved either way.
struct Tracked {
    inner: TcpStream,
    epoch: Instant,
    activity: Arc<AtomicU64>,
}

impl Tracked {
    fn touch(&self) {
        self.activity
            .store(millis_since(self.epoch), Ordering::Relaxed);
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that fails when it arrives slower than `rate` bytes per second on average,
/// counted after `grace` (Kestrel's `MinRequestBodyDataRate`).
struct MinRateBody {
    inner: Incoming,
    rate: u64,
    grace: Duration,
    started: tokio::time::Instant,
    received: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl MinRateBody {
    fn new(inner: Incoming, rate: u64, grace: Duration) -> Self {
        let started = tokio::time::Instant::now();
        Self {
            inner,
            rate,
            grace,
            started,
            received: 0,
            deadline: Box::pin(tokio::time::sleep_until(started + grace)),
        }
    }

    /// When the bytes received so far stop meeting the rate.
    fn next_deadline(&self) -> tokio::time::Instant {
        let allowance = Duration::from_secs_f64(self.received as f64 / self.rate.max(1) as f64);
        self.started + self.grace + allowance
    }
}

impl hyper::body::Body for MinRateBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                    let deadline = self.next_deadline();
                    self.deadline.as_mut().reset(deadline);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                if self.rate > 0 && self.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(format!(
                        "the request body arrived slower than {} bytes per second",
                        self.rate
                    )
                    .into())));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
