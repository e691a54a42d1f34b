//! [`PartsError`]: why `http::request::Parts` (or `http::response::Parts`) are not a valid
//! message, and where in them.
//!
//! The byte decoder points at a byte ([`InvalidMessage::offset`]). Parts have no bytes: hyper
//! or axum parsed them already, and an `http::HeaderMap` keeps neither the head's bytes nor,
//! across names, its order. So an error from the parts names the part instead: the version,
//! the method, the target, the status, one header by its index in the map's iteration order
//! *and its name*, the header map as a whole (a header that is missing), or the body. The
//! kinds are the byte decoder's ([`InvalidKind`]), so a server answers both the same way
//! ([`InvalidKind::http_status`]).

use core::fmt;

use crate::error::{InvalidKind, InvalidMessage};

/// The part of an `http` message an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartsLocation {
    /// The HTTP version.
    Version,
    /// The request method.
    Method,
    /// The request target (the URI).
    Target,
    /// The response status.
    Status,
    /// One header field.
    Header {
        /// Its position in the `HeaderMap`'s iteration order, which groups the values of one
        /// name together (so it is not the position on the wire).
        index: usize,
        /// Its name (lower case, as `http` keeps names).
        name: http::HeaderName,
    },
    /// The header fields taken together: a header that is missing, or fields that disagree
    /// only once all are read.
    Headers,
    /// The body: its length against `Content-Length`.
    Body,
    /// A byte of the body (a Graph JSON body that does not parse, or has a wrong value).
    BodyByte(usize),
}

impl fmt::Display for PartsLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version => f.write_str("the HTTP version"),
            Self::Method => f.write_str("the method"),
            Self::Target => f.write_str("the request target"),
            Self::Status => f.write_str("the status"),
            Self::Header { index, name } => write!(f, "header #{index} ({name})"),
            Self::Headers => f.write_str("the headers"),
            Self::Body => f.write_str("the body"),
            Self::BodyByte(offset) => write!(f, "byte {offset} of the body"),
        }
    }
}

/// `http` parts that are not a valid message: what is wrong ([`InvalidKind`], as from bytes)
/// and which part ([`PartsLocation`]).
///
/// ```
/// use bits_codec::bits::RequestHead;
/// use bits_codec::{DecodeOptions, InvalidKind, PartsLocation};
/// let (parts, ()) = http::Request::builder()
///     .method("BITS_POST")
///     .uri("/upload/f.bin")
///     .header("BITS-Packet-Type", "Ping")
///     .header("Content-Length", "0")
///     .header("Content-Length", "1")
///     .body(())
///     .unwrap()
///     .into_parts();
/// let e = RequestHead::from_http_parts(&parts, &DecodeOptions::default()).unwrap_err();
/// assert_eq!(e.kind, InvalidKind::ConflictingHeader("Content-Length"));
/// assert_eq!(e.location, PartsLocation::Header { index: 2, name: http::header::CONTENT_LENGTH });
/// assert!(e.to_string().starts_with("invalid message at header #2 (content-length): "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartsError {
    /// What was expected and not found.
    pub kind: InvalidKind,
    /// Where.
    pub location: PartsLocation,
}

impl PartsError {
    pub(crate) fn new(kind: InvalidKind, location: PartsLocation) -> Self {
        Self { kind, location }
    }

    /// An error from the start line (`is_request`: method and target, else status), placed by
    /// its kind.
    pub(crate) fn at_start_line(kind: InvalidKind, is_request: bool) -> Self {
        let location = match kind {
            InvalidKind::HttpVersion => PartsLocation::Version,
            InvalidKind::RequestTarget => PartsLocation::Target,
            _ if is_request => PartsLocation::Method,
            _ => PartsLocation::Status,
        };
        Self::new(kind, location)
    }

    /// An error from the header fields: the codec reports a field by its index in `map`'s
    /// iteration order, and the end of the fields (index = count) for what is missing.
    pub(crate) fn at_header(m: InvalidMessage, map: &http::HeaderMap) -> Self {
        let location = match map.iter().nth(m.offset) {
            Some((name, _)) => PartsLocation::Header { index: m.offset, name: name.clone() },
            None => PartsLocation::Headers,
        };
        Self::new(m.kind, location)
    }
}

impl fmt::Display for PartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid message at {}: {}", self.location, self.kind)
    }
}

impl core::error::Error for PartsError {}
