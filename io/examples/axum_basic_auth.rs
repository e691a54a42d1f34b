//! The BITS service as an axum route, behind HTTP Basic authentication done by ordinary
//! middleware (the service itself knows nothing about auth).
//!
//! ```sh
//! cargo run -p bits-codec-io --example axum_basic_auth -- /tmp/uploads
//! curl -i -u user:secret -X BITS_POST -H 'BITS-Packet-Type: Ping' -H 'Content-Length: 0' \
//!     http://127.0.0.1:8080/upload/x
//! ```
//!
//! A request without the right credentials gets 401 with `WWW-Authenticate`, which the BITS
//! client machine (and Windows BITS) answers by sending the request again with credentials.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bits_codec_io::{BitsService, ClientAddr, Config, DestinationPolicy, FsStorage};
use http::{StatusCode, header};

/// `user:secret`, base64 (RFC 7617). A real deployment reads its credentials from a store.
const EXPECTED: &str = "Basic dXNlcjpzZWNyZXQ=";

async fn basic_auth(req: Request, next: Next) -> Response {
    let authorized = req.headers().get(header::AUTHORIZATION).is_some_and(|v| v.as_bytes() == EXPECTED.as_bytes());
    if !authorized {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"uploads\"")]).into_response();
    }
    next.run(req).await
}

/// axum knows the peer as `ConnectInfo`; the service counts sessions per `ClientAddr`.
async fn client_addr(mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        req.extensions_mut().insert(ClientAddr(addr));
    }
    next.run(req).await
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "uploads".into());
    let storage = FsStorage::new(&root)?.policy(DestinationPolicy::new("/upload/"));
    let service = BitsService::new(storage, Config::default()).await?;
    let app = Router::new()
        .route_service("/upload/{*path}", service)
        .layer(middleware::from_fn(basic_auth))
        .layer(middleware::from_fn(client_addr));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("BITS uploads on http://{}/upload/ into {root}", listener.local_addr()?);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(bits_codec_io::shutdown_signal())
        .await
}
