//! Upload drivers: the crate's sans-IO client machines ([`bits_codec::bits::client`],
//! [`bits_codec::graph::client`]) run to completion over real connections.
//!
//! Each upload is one call for the caller:
//!
//! ```no_run
//! # fn run() -> Result<(), bits_codec_io::client::UploadError> {
//! use bits_codec_io::client::{BitsUpload, Options};
//! let file = std::fs::File::open("big.bin")?;
//! let summary = BitsUpload::new("https://bits.example.com/upload/big.bin", file, Options::default())?
//!     .on_progress(|p| eprintln!("{} of {} bytes", p.received, p.total))
//!     .run_blocking()?;
//! println!("{} bytes in {} requests", summary.total, summary.requests);
//! # Ok(()) }
//! ```
//!
//! How the drivers behave, whichever runs them ([`BitsUpload::run_blocking`],
//! `BitsUpload::run` on tokio, and the same two for [`GraphUpload`]):
//!
//! - **One connection per upload**, kept alive across its requests as the Windows BITS client
//!   does (some servers keep their sessions per connection), and replaced only when it is
//!   lost, when the server says `Connection: close`, when the machine sends the next request
//!   to another host (a `BITS-Host-Id`, Graph's `uploadUrl`), or after an answer whose end
//!   was the connection's (an unframed answer: RFC 9112 §6.3 rule 8, see
//!   [`Response::is_unframed`](bits_codec::bits::client::Response::is_unframed)).
//! - **Fragments are streamed from the source** ([`Read`](std::io::Read) + [`Seek`](std::io::Seek),
//!   or their tokio counterparts): the head is built on its own and the body copied through a
//!   64 KiB buffer, so memory does not grow with the fragment size.
//! - **The machine decides** what to send next, what to retry and when a session starts over;
//!   the driver adds the waiting the machines leave to their caller: a pause before each
//!   reconnection after a lost connection (doubling from 250 ms to 8 s), and, for a BITS upload
//!   the server refused with a 5xx or 429 (a BITS server says 503 when it is busy; the BITS
//!   machine does not retry a Fragment's 5xx), a wait of `Retry-After` seconds (or the back-off)
//!   and a resume — a Ping, then on from where the server is ([MC-BUP] §3.1.4.3) — at most
//!   [`Options::max_waits`] times.
//! - **Timeouts** ([`Options::connect_timeout`], [`Options::io_timeout`]): a connection that
//!   cannot be made or goes quiet is lost, and the machine resends. An answer without framing
//!   is read until the peer closes or the I/O timeout.
//! - **HTTPS** through rustls, trusting Mozilla's roots (`webpki-roots`, the same on every
//!   machine) or a root of one's own ([`Tls::with_root`]).

mod inbox;
mod options;
mod plan;
mod tls;
mod url;

mod blocking;
#[cfg(feature = "tokio-client")]
mod on_tokio;

pub use options::{Options, Progress, Summary, UploadError};
pub use plan::{BitsUpload, GraphUpload};
pub use tls::Tls;
