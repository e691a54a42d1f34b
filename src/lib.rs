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
//! See the README for the decisions taken where the specification is silent or contradicts
//! itself, and [`DecodeOptions`] for the opt-in leniencies.

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

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
