//! # bits-codec
//!
//! A zero-copy, streaming `nom` codec for the BITS upload protocol ([MC-BUP]): every
//! `BITS_POST` request (Ping, Create-Session, Fragment, Close-Session, Cancel-Session), every
//! Ack, and the back-end notification exchange, parsed without copying and written back byte
//! for byte. The [`graph`] module does the same for Microsoft Graph resumable uploads
//! (driveItem, Outlook and To Do attachments, Universal Print documents).
//!
//! ```
//! use bits_codec::{Decode, Encode};
//! use bits_codec::bits::{Ack, Guid, Request, RequestKind, SessionId};
//!
//! // Server side: decode a request from a socket buffer.
//! let buf = b"BITS_POST /upload/f.txt HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Create-Session\r\n\
//!             BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n\
//!             Content-Length: 0\r\n\r\n";
//! let (req, consumed) = Request::decode(buf).unwrap();
//! assert_eq!(consumed, buf.len());
//! let RequestKind::CreateSession { protocols } = req.kind() else { unreachable!() };
//! assert!(protocols.contains(Guid::BITS_1_5_UPLOAD));
//!
//! // ... and answer it.
//! let id = SessionId::new("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}").unwrap();
//! let ack = Ack::session_created(Guid::BITS_1_5_UPLOAD, id);
//! let mut out = Vec::with_capacity(ack.encoded_len());
//! ack.encode(&mut out);
//! assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n"));
//!
//! // A truncated message is "incomplete", never an error.
//! assert!(Request::decode(&buf[..40]).unwrap_err().is_incomplete());
//! ```
//!
//! The decisions taken where the specification is silent or contradicts itself are written
//! in the docs of the module that implements each, with its source; [`DecodeOptions`] lists
//! the opt-in leniencies.
//!
//! ## Layers
//!
//! - The wire codec, which does no I/O: [`http1`] (the HTTP/1.1 head both protocols share),
//!   [`bits`] and [`graph`] (their messages), each decoding through [`Decode`] and encoding
//!   through [`Encode`].
//! - The sans-IO machines on top, which use only the codec's public API: [`bits::client`],
//!   [`bits::server`] and [`graph::client`]. They decide what to send next and never touch a
//!   socket, a file or a clock; [`Endpoint`] is where a client's requests go.
//!
//! ## Cargo features
//!
//! | feature | default | what it adds | dependencies |
//! | --- | --- | --- | --- |
//! | `graph` | yes | [`graph`]: Microsoft Graph resumable uploads, messages and client | `serde`, `serde_json` |
//! | `http` | yes | conversions to and from the `http` crate's types (`http::request::Parts` views with [`PartsError`], `http::Request`/`Response`, `http::StatusCode`) | `http` |
//! | `arbitrary` | no | `Arbitrary` for every value that can be built, for fuzzing and property tests | `arbitrary` |
//!
//! With `--no-default-features` the crate is the BITS codec and machines alone: `nom` and
//! `bytes` (and, on x86-64, `safe_arch` for the SIMD line scan).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

#[cfg(feature = "arbitrary")]
mod arbitrary_impls;
pub mod bits;
mod codec;
mod error;
#[cfg(feature = "graph")]
pub mod graph;
pub mod http1;
pub mod limits;
mod machines;
mod options;
#[cfg(feature = "http")]
mod parts_error;

pub use codec::{Decode, Encode};
pub use error::{DecodeError, InvalidKind, InvalidMessage, ValidationError};
pub use machines::url::Endpoint;
pub use options::DecodeOptions;
#[cfg(feature = "http")]
pub use parts_error::{PartsError, PartsLocation};

// The README's examples are doctested by the I/O package (`io/src/lib.rs`), which sees both
// this library and the upload drivers one of them calls.
