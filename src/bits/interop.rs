//! The `http` crate's view of BITS messages: a server on hyper or axum holds
//! `http::request::Parts`, not bytes. The same typed view, with the same checks, is built from
//! the parts; and every BITS message converts to `http::Request<()>` / `http::Response<()>`.
//!
//! Parts have no bytes to point into, so their errors name the part instead of an offset
//! ([`PartsError`]).

use alloc::borrow::Cow;
use alloc::string::ToString;

use super::{Ack, AckSink, BITS_POST, Request, RequestHead, RequestSink};
use crate::error::InvalidKind;
use crate::http1::head::{FieldSink, StartLine as RawStart};
use crate::http1::interop::{decode_error, feed, to_http_version, version_of};
use crate::http1::values::{ReasonPhrase, RequestTarget};
use crate::options::DecodeOptions;
use crate::parts_error::{PartsError, PartsLocation};

impl<'a> RequestHead<'a> {
    /// The typed view of a request a hyper/axum server received, with the checks
    /// [`Decode`](crate::Decode) applies to bytes.
    ///
    /// ```
    /// use bits_codec::DecodeOptions;
    /// use bits_codec::bits::{PacketType, RequestHead};
    /// let req = http::Request::builder()
    ///     .method("BITS_POST")
    ///     .uri("/upload/f.bin")
    ///     .header("BITS-Packet-Type", "Ping")
    ///     .header("Content-Length", "0")
    ///     .body(())
    ///     .unwrap();
    /// let (parts, ()) = req.into_parts();
    /// let head = RequestHead::from_http_parts(&parts, &DecodeOptions::default()).unwrap();
    /// assert_eq!(head.packet_type(), PacketType::Ping);
    /// ```
    pub fn from_http_parts(parts: &'a http::request::Parts, opts: &DecodeOptions) -> Result<Self, PartsError> {
        let start_error = |kind| PartsError::at_start_line(kind, true);
        let version = version_of(parts.version).ok_or(start_error(InvalidKind::HttpVersion))?;
        let mut sink = RequestSink::default();
        let start = RawStart::Request { method: parts.method.as_str().as_bytes(), target: b"", version };
        sink.start(&start, opts).map_err(|m| start_error(m.kind))?;
        // Origin-form borrows; an absolute-form URI is rebuilt as text.
        let target = match (parts.uri.scheme(), parts.uri.path_and_query()) {
            (None, Some(pq)) => Cow::Borrowed(pq.as_str()),
            _ => Cow::Owned(parts.uri.to_string()),
        };
        let target = RequestTarget::new(target).map_err(|_| start_error(InvalidKind::RequestTarget))?;
        let at_header = |m| PartsError::at_header(m, &parts.headers);
        let (headers, content_length) = feed(&parts.headers, opts, &mut sink).map_err(at_header)?;
        let end = headers.len();
        RequestHead::from_collected(target, version, sink.0, headers, content_length, end, opts)
            .map_err(|e| at_header(decode_error(e)))
    }

    /// This head as an `http::Request<()>` (method `BITS_POST`, every header in order).
    /// Fails only where the `http` crate is stricter than HTTP/1.1 about the target's bytes.
    pub fn to_http(&self) -> Result<http::Request<()>, http::Error> {
        let mut b = http::Request::builder()
            .method(BITS_POST)
            .uri(self.target().as_str())
            .version(to_http_version(self.version()));
        for f in self.headers() {
            b = b.header(f.name, f.value);
        }
        b.body(())
    }
}

impl<'a> Request<'a> {
    /// A whole request from `http` parts and the collected body, which must be
    /// `Content-Length` bytes long.
    pub fn from_http_parts(
        parts: &'a http::request::Parts,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Self, PartsError> {
        let head = RequestHead::from_http_parts(parts, opts)?;
        if head.content_length() != body.len() as u64 {
            return Err(PartsError::new(InvalidKind::ContentLengthMismatch, PartsLocation::Body));
        }
        Ok(Request::from_head_and_body(head, body))
    }
}

impl<'a> Ack<'a> {
    /// The typed view of a response an `http` client received. `http` keeps no reason phrase:
    /// the standard one for the status is used.
    pub fn from_http_parts(
        parts: &'a http::response::Parts,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Self, PartsError> {
        let start_error = |kind| PartsError::at_start_line(kind, false);
        let version = version_of(parts.version).ok_or(start_error(InvalidKind::HttpVersion))?;
        let code = parts.status.as_u16();
        let mut sink = AckSink::default();
        sink.start(&RawStart::Status { version, code, reason: b"" }, opts).map_err(|m| start_error(m.kind))?;
        let at_header = |m| PartsError::at_header(m, &parts.headers);
        let (headers, content_length) = feed(&parts.headers, opts, &mut sink).map_err(at_header)?;
        let end = headers.len();
        let n = Ack::check(&sink.0, content_length, end, opts).map_err(|e| at_header(decode_error(e)))?;
        if n != body.len() as u64 {
            return Err(PartsError::new(InvalidKind::ContentLengthMismatch, PartsLocation::Body));
        }
        let reason = ReasonPhrase::unvalidated(parts.status.canonical_reason().unwrap_or("").as_bytes());
        Ack::from_collected(version, code, reason, sink.0, headers, n, body).map_err(|e| at_header(decode_error(e)))
    }

    /// This Ack as an `http::Response<()>` (the reason phrase is not carried).
    pub fn to_http(&self) -> Result<http::Response<()>, http::Error> {
        let mut b = http::Response::builder().status(self.status().as_u16()).version(to_http_version(self.version()));
        for f in self.headers() {
            b = b.header(f.name, f.value);
        }
        b.body(())
    }
}
