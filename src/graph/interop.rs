//! Interop with the `http` crate, as on the BITS side: the typed view of a request a hyper or
//! axum server received (or of a response a reqwest/hyper client got), with the checks the
//! byte decoder applies; and conversions back to `http::Request<()>` / `http::Response<()>`.
//!
//! Errors are [`PartsError`]s: they name the part they are about (a header by its index in
//! the map's iteration order and its name, or a byte of the body for JSON problems), never a
//! header index posing as a byte offset.

use alloc::borrow::Cow;
use alloc::string::ToString;

use super::fields::{GraphSink, Side};
use super::request::{Checked, Request};
use super::response::{Response, check_length};
use crate::error::{DecodeError, InvalidKind};
use crate::http1::head::{FieldSink, StartLine as RawStart};
use crate::http1::interop::{decode_error, feed, to_http_version, version_of};
use crate::http1::values::{ReasonPhrase, RequestMethod, RequestTarget, Status};
use crate::options::DecodeOptions;
use crate::parts_error::{PartsError, PartsLocation};

/// A [`DecodeError`] from the checks after the fields are fed, placed: `in_body` for an error
/// from reading the body (read with its first byte at offset 0, so the offset is the body's
/// byte), else a header-level error (an index in the map, or the fields as a whole).
fn placed(e: DecodeError, map: &http::HeaderMap, in_body: bool) -> PartsError {
    let m = decode_error(e);
    if in_body { PartsError::new(m.kind, PartsLocation::BodyByte(m.offset)) } else { PartsError::at_header(m, map) }
}

impl<'a> Request<'a> {
    /// The typed view of a request received through the `http` crate, with its collected body
    /// (which must be `Content-Length` bytes long).
    ///
    /// ```
    /// use bits_codec::DecodeOptions;
    /// use bits_codec::graph::{Operation, Request};
    /// let req = http::Request::builder()
    ///     .method("PUT")
    ///     .uri("https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337")
    ///     .header("Content-Length", "3")
    ///     .header("Content-Range", "bytes 0-2/10")
    ///     .body(())
    ///     .unwrap();
    /// let (parts, ()) = req.into_parts();
    /// let r = Request::from_http_parts(&parts, b"abc", &DecodeOptions::default()).unwrap();
    /// assert_eq!(r.operation(), Operation::UploadFragment);
    /// assert!(Request::from_http_parts(&parts, b"ab", &DecodeOptions::default()).is_err());
    /// ```
    pub fn from_http_parts(
        parts: &'a http::request::Parts,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Self, PartsError> {
        let start_error = |kind| PartsError::at_start_line(kind, true);
        let version = version_of(parts.version).ok_or(start_error(InvalidKind::HttpVersion))?;
        let mut sink = GraphSink::new(Side::Request);
        let start = RawStart::Request { method: parts.method.as_str().as_bytes(), target: b"", version };
        sink.start(&start, opts).map_err(|m| start_error(m.kind))?;
        // Origin-form borrows; an absolute-form URI (the usual `uploadUrl`) is rebuilt as text.
        let target = match (parts.uri.scheme(), parts.uri.path_and_query()) {
            (None, Some(pq)) => Cow::Borrowed(pq.as_str()),
            _ => Cow::Owned(parts.uri.to_string()),
        };
        let target = RequestTarget::new(target).map_err(|_| start_error(InvalidKind::RequestTarget))?;
        let method = RequestMethod::new(parts.method.as_str()).map_err(|_| start_error(InvalidKind::Method))?;
        let (headers, content_length) =
            feed(&parts.headers, opts, &mut sink).map_err(|m| PartsError::at_header(m, &parts.headers))?;
        let end = headers.len();
        let checked = Checked::new(method, target, version, sink, headers, content_length, end)
            .map_err(|e| placed(e, &parts.headers, false))?;
        if checked.body_len() != body.len() as u64 {
            return Err(PartsError::new(InvalidKind::ContentLengthMismatch, PartsLocation::Body));
        }
        checked.finish(body, 0).map_err(|e| placed(e, &parts.headers, true))
    }

    /// This request as an `http::Request<()>` (every header in order; send
    /// [`body`](Request::body) with it). Fails only where the `http` crate is stricter than
    /// HTTP/1.1 about the target's bytes (`{`, `}` in a doc template, say).
    pub fn to_http(&self) -> Result<http::Request<()>, http::Error> {
        let mut b = http::Request::builder()
            .method(self.method().as_str())
            .uri(self.target().as_str())
            .version(to_http_version(self.version()));
        for f in self.headers() {
            b = b.header(f.name, f.value);
        }
        b.body(())
    }
}

impl<'a> Response<'a> {
    /// The typed view of a response received through the `http` crate, with its collected
    /// body. `http` keeps no reason phrase: the standard one for the status is used.
    ///
    /// ```
    /// use bits_codec::DecodeOptions;
    /// use bits_codec::graph::{Outcome, Response};
    /// let resp = http::Response::builder()
    ///     .status(201)
    ///     .header("location", "https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/Attachments('a')")
    ///     .header("content-length", "0")
    ///     .body(())
    ///     .unwrap();
    /// let (parts, ()) = resp.into_parts();
    /// let r = Response::from_http_parts(&parts, b"", &DecodeOptions::default()).unwrap();
    /// assert!(matches!(r.outcome(), Outcome::CompletedAt(_)));
    /// assert!(Response::from_http_parts(&parts, b"x", &DecodeOptions::default()).is_err());
    /// ```
    pub fn from_http_parts(
        parts: &'a http::response::Parts,
        body: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Self, PartsError> {
        let start_error = |kind| PartsError::at_start_line(kind, false);
        let version = version_of(parts.version).ok_or(start_error(InvalidKind::HttpVersion))?;
        let code = parts.status.as_u16();
        let mut sink = GraphSink::new(Side::Response);
        sink.start(&RawStart::Status { version, code, reason: b"" }, opts).map_err(|m| start_error(m.kind))?;
        let (headers, content_length) =
            feed(&parts.headers, opts, &mut sink).map_err(|m| PartsError::at_header(m, &parts.headers))?;
        let end = headers.len();
        if check_length(content_length, body, end).is_err() {
            return Err(PartsError::new(InvalidKind::ContentLengthMismatch, PartsLocation::Body));
        }
        if crate::http1::head::no_body_status(code) && !body.is_empty() {
            return Err(PartsError::new(InvalidKind::BodyNotAllowed, PartsLocation::Body));
        }
        let status = Status::new(code).map_err(|_| start_error(InvalidKind::StatusLine))?;
        let reason = ReasonPhrase::unvalidated(parts.status.canonical_reason().unwrap_or("").as_bytes());
        // Only the body can fail here (read with its first byte at offset 0).
        Response::assemble(version, status, reason, sink, headers, content_length.map(|(n, _)| n), body, 0)
            .map_err(|e| placed(e, &parts.headers, true))
    }

    /// This response as an `http::Response<()>` (the reason phrase is not carried).
    pub fn to_http(&self) -> Result<http::Response<()>, http::Error> {
        let mut b = http::Response::builder().status(self.status().as_u16()).version(to_http_version(self.version()));
        for f in self.headers() {
            b = b.header(f.name, f.value);
        }
        b.body(())
    }
}
