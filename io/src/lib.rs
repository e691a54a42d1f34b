//! A BITS upload server one can deploy, on the [`bits_codec`] wire codec and its sans-IO
//! server machine ([`bits_codec::bits::server::Server`]).
//!
//! - [`BitsService`]: a tower `Service<http::Request<B>>` for BITS uploads, usable as an axum
//!   route, under hyper, or in any tower stack (authentication, TLS and rate limits come from
//!   ordinary middleware). Fragment bodies are streamed to storage frame by frame, never held
//!   whole.
//! - [`Storage`]: where sessions and uploads live, with [`FsStorage`] (the file system) as the
//!   default: destinations mapped under one root by a [`DestinationPolicy`] nothing escapes,
//!   temp files that become the destination only at commit, session state that survives
//!   `kill -9`.
//! - [`serve`]: the accept loop (connection cap, header read timeout, bounded read buffer,
//!   graceful shutdown) behind `bits-codec serve`.
//!
//! The design follows the resumable-upload servers tusd and rustus: a data store and an info
//! store behind one trait, the file system as default, a lock per upload, hooks (here
//! [`Event`]s), and expiry of abandoned uploads.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use bits_codec_io::{BitsService, Config, FsStorage};
//! let storage = FsStorage::new("/srv/uploads")?;
//! let config = Config::default();
//! let service = BitsService::new(storage, config.clone()).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! bits_codec_io::serve(listener, service, &config.limits, bits_codec_io::shutdown_signal()).await
//! # }
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub mod storage;

#[cfg(feature = "server")]
pub use server::{
    BitsService, ClientAddr, Completed, Config, Event, EventSink, Limits, Notifier, ResponseBody, random_ids, serve,
    shutdown_signal,
};
#[cfg(feature = "server")]
pub use storage::{DestinationError, DestinationPolicy, FsStorage, Fsync, Storage};

/// The README's examples, compiled as doctests.
#[cfg(all(doctest, feature = "server"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
