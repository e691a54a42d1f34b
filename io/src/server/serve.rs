//! The accept loop: hyper's HTTP/1.1 connections around any tower service, with the
//! connection cap, header read timeout, bounded read buffer and graceful shutdown of
//! [`Limits`].

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::body::BoxError;
use super::limits::Limits;

/// The client's address, in a request's extensions: [`serve`] inserts it, and
/// [`BitsService`](crate::BitsService) counts sessions per client IP with it. Under axum,
/// insert it from `ConnectInfo` (see `examples/axum_basic_auth.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub SocketAddr);

/// How long connections in flight get to finish after shutdown is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serve `service` on `listener` until `shutdown` completes; then stop accepting, let the
/// requests in flight finish (at most 10 s) and return.
///
/// Each connection is HTTP/1.1 with keep-alive, a read buffer of [`Limits::read_buffer`]
/// (so a connection's memory is bounded whatever it sends) and a head timeout of
/// [`Limits::header_read_timeout`]; at most [`Limits::max_connections`] are served at once
/// (the rest wait in the listen backlog). Each request carries the peer's [`ClientAddr`].
pub async fn serve<Svc, ResBody>(
    listener: TcpListener,
    service: Svc,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    Svc: tower_service::Service<http::Request<Incoming>, Response = http::Response<ResBody>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    Svc::Future: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.read_buffer.max(8192))
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => permit.map_err(io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: transient; back off instead of spinning.
                    tracing::warn!(target: "bits_codec_io", "accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let svc = AddClientAddr { inner: service.clone(), addr: ClientAddr(peer) };
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(target: "bits_codec_io", client = %peer, "connection: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(target: "bits_codec_io", "shutting down: waiting for requests in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!(target: "bits_codec_io", "connections still open after the grace period: dropped");
    }
    Ok(())
}

/// Inserts the peer's [`ClientAddr`] into each request.
#[derive(Clone)]
struct AddClientAddr<S> {
    inner: S,
    addr: ClientAddr,
}

impl<S, B> tower_service::Service<http::Request<B>> for AddClientAddr<S>
where
    S: tower_service::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> S::Future {
        req.extensions_mut().insert(self.addr);
        self.inner.call(req)
    }
}

/// Completes on Ctrl-C, or on SIGTERM on Unix: the usual `shutdown` for [`serve`].
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!(target: "bits_codec_io", "shutdown signal received");
}
