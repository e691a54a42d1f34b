//! The BITS service under plain hyper, with no help from `bits_codec_io::serve`: one
//! `serve_connection` per accepted socket.
//!
//! ```sh
//! cargo run -p bits-codec-io --example hyper_plain -- /tmp/uploads
//! ```
//!
//! `bits_codec_io::serve` does the same plus the connection cap, header read timeout,
//! bounded read buffer, client addresses and graceful shutdown; use it unless you need
//! your own loop.

use bits_codec_io::{BitsService, Config, FsStorage};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "uploads".into());
    let service = BitsService::new(FsStorage::new(&root)?, Config::default()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    println!("BITS uploads on http://{} into {root}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
