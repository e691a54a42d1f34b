//! [`Message`]: any HTTP/1.1 (or 1.0) message with `Content-Length` framing, for traffic that
//! is not a BITS packet: the reply download of an upload-reply job, the back-end notification
//! exchange, error pages from proxies.

use alloc::borrow::Cow;

use bytes::BufMut;

use super::encode::{request_head, request_head_len, status_head, status_head_len};
use super::head::{self, Direction, FieldSink};
use super::headers::Headers;
use super::names::KnownHeader;
use super::syntax::decimal_u64;
use super::values::{HttpVersion, ReasonPhrase, RequestMethod, RequestTarget, Status};
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, ValidationError};
use crate::options::DecodeOptions;

/// The start line of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `method SP target SP version`.
    Request {
        /// The method.
        method: RequestMethod<'a>,
        /// The request target.
        target: RequestTarget<'a>,
        /// The version.
        version: HttpVersion,
    },
    /// `version SP status SP reason`.
    Response {
        /// The version.
        version: HttpVersion,
        /// The status code.
        status: Status,
        /// The reason phrase, as sent.
        reason: ReasonPhrase<'a>,
    },
}

/// A plain HTTP message: start line, headers in wire order, body.
///
/// The body is framed by `Content-Length`; a request without one has no body, and a response
/// without one runs to the end of the connection (RFC 9112 §6.3): [`Decode::decode`] reports
/// such a response as incomplete, [`Message::decode_at_eof`] takes every remaining byte.
/// `Transfer-Encoding` is refused (this codec does not do chunked coding).
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::http1::{Message, StartLine};
/// let wire = b"GET /reply.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=0-9\r\n\r\n";
/// let (m, used) = Message::decode(wire).unwrap();
/// assert_eq!(used, wire.len());
/// assert!(matches!(m.start_line(), StartLine::Request { .. }));
/// assert_eq!(m.headers().get("range").unwrap().value, b"bytes=0-9");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    start: StartLine<'a>,
    headers: Headers<'a>,
    body: Cow<'a, [u8]>,
}

/// Plain messages check framing (in `head`) and one field rule of their own: a request carries
/// at most one `Host` line. RFC 9112 §3.2: a server "MUST respond with a 400 (Bad Request)
/// status code to any HTTP/1.1 request message that ... contains more than one Host header
/// field line", since two readers may each pick a different one (a smuggling shape). The rule
/// is the one BITS requests apply ([`head::set_once`]): `ConflictingHeader` for two values,
/// `DuplicateHeader` for the same value twice unless
/// [`DecodeOptions::allow_identical_duplicates`] is set. A response may repeat any field.
#[derive(Debug, Default)]
pub(crate) struct PlainSink<'a> {
    request: bool,
    host: Option<&'a [u8]>,
}

impl<'a> FieldSink<'a> for PlainSink<'a> {
    fn start(&mut self, start: &head::StartLine<'a>, _: &DecodeOptions) -> Result<(), crate::InvalidMessage> {
        self.request = matches!(start, head::StartLine::Request { .. });
        Ok(())
    }
    fn field(&mut self, line: &head::FieldLine<'a>, opts: &DecodeOptions) -> Result<(), crate::InvalidMessage> {
        if self.request && line.known == Some(KnownHeader::Host) {
            head::set_once(&mut self.host, line.value, KnownHeader::Host.as_str(), line, opts)?;
        }
        Ok(())
    }
    fn known_only(&self) -> bool {
        true
    }
}

impl<'a> Message<'a> {
    /// Decode with `sink` typing the fields; `at_eof` says the input ends where the connection
    /// does.
    pub(crate) fn decode_inner(
        input: &'a [u8],
        opts: &DecodeOptions,
        sink: &mut impl FieldSink<'a>,
        at_eof: bool,
    ) -> Result<(Self, usize, usize), DecodeError> {
        if input.len() < 5 && b"HTTP/".starts_with(input) {
            return Err(DecodeError::INCOMPLETE);
        }
        let dir = if input.starts_with(b"HTTP/") { Direction::Response } else { Direction::Request };
        let h = head::head(input, dir, opts, sink)?;
        let cl_at = h.content_length.map_or(h.end_at, |(_, at)| at);
        let (body, used) = head::body(input, h.len, h.framing(), at_eof, opts, cl_at)?;
        let start = match h.start {
            head::StartLine::Request { method, target, version } => StartLine::Request {
                method: RequestMethod::unvalidated_bytes(method),
                target: RequestTarget::unvalidated_bytes(target),
                version,
            },
            head::StartLine::Status { version, code, reason } => StartLine::Response {
                version,
                status: Status::unvalidated(code),
                reason: ReasonPhrase::unvalidated(reason),
            },
        };
        Ok((Self { start, headers: Headers::from_head(&h), body: Cow::Borrowed(body) }, used, h.end_at))
    }

    /// Decode a message that ends where `input` ends (a file, or a connection that closed): a
    /// response without `Content-Length` takes every remaining byte as its body.
    pub fn decode_at_eof(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, &mut PlainSink::default(), true).map(|(m, used, _)| (m, used))
    }

    /// Set a header in canonical position (replacing one of the same name), within the limits.
    pub(crate) fn with_canonical(
        mut self,
        name: &'static str,
        value: super::values::FieldValue<'a>,
    ) -> Result<Self, ValidationError> {
        self.headers.set_canonical(name, value);
        if self.headers.len() > crate::limits::MAX_HEADERS
            || self.encoded_len() - self.body.len() > crate::limits::MAX_HEAD_LEN
        {
            return Err(ValidationError::TooManyHeaders);
        }
        Ok(self)
    }

    /// Build a message, checking its framing: no `Transfer-Encoding`; a `Content-Length`, if
    /// present, appears once and equals the body length; a request without one has no body.
    pub fn new(
        start: StartLine<'a>,
        headers: Headers<'a>,
        body: impl Into<Cow<'a, [u8]>>,
    ) -> Result<Self, ValidationError> {
        let body = body.into();
        let mut content_length = None;
        for f in headers.iter() {
            match f.known() {
                Some(KnownHeader::TransferEncoding) => {
                    return Err(ValidationError::ReservedHeader(KnownHeader::TransferEncoding.as_str()));
                }
                Some(KnownHeader::ContentLength) => {
                    let n = decimal_u64(f.value).map_err(|_| ValidationError::BodyLength)?;
                    if content_length.replace(n).is_some() {
                        return Err(ValidationError::ReservedHeader(KnownHeader::ContentLength.as_str()));
                    }
                }
                _ => {}
            }
        }
        let body_ok = match (content_length, &start) {
            (_, StartLine::Response { status, .. }) if status.forbids_body() => body.is_empty(),
            (Some(n), _) => n == body.len() as u64,
            (None, StartLine::Request { .. }) => body.is_empty(),
            (None, StartLine::Response { .. }) => true,
        };
        if !body_ok {
            return Err(ValidationError::BodyLength);
        }
        if headers.len() > crate::limits::MAX_HEADERS {
            return Err(ValidationError::TooManyHeaders);
        }
        let m = Self { start, headers, body };
        let head_len = m.encoded_len() - m.body.len();
        if head_len > crate::limits::MAX_HEAD_LEN {
            return Err(ValidationError::TooManyHeaders);
        }
        Ok(m)
    }

    /// The start line.
    pub fn start_line(&self) -> &StartLine<'a> {
        &self.start
    }
    /// Every header field in wire order.
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }
    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Message<'static> {
        let start = match self.start {
            StartLine::Request { method, target, version } => {
                StartLine::Request { method: method.into_owned(), target: target.into_owned(), version }
            }
            StartLine::Response { version, status, reason } => {
                StartLine::Response { version, status, reason: reason.into_owned() }
            }
        };
        Message { start, headers: self.headers.into_owned(), body: Cow::Owned(self.body.into_owned()) }
    }
}

impl<'a> Decode<'a> for Message<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, &mut PlainSink::default(), false).map(|(m, used, _)| (m, used))
    }
}

impl Encode for Message<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        match &self.start {
            StartLine::Request { method, target, version } => {
                request_head(out, method.as_bytes(), target.as_bytes(), *version, &self.headers);
            }
            StartLine::Response { version, status, reason } => {
                status_head(out, *version, status.as_u16(), reason.as_bytes(), &self.headers);
            }
        }
        out.put_slice(&self.body);
    }
    fn encoded_len(&self) -> usize {
        let head = match &self.start {
            StartLine::Request { method, target, .. } => {
                request_head_len(method.as_bytes(), target.as_bytes(), &self.headers)
            }
            StartLine::Response { status, reason, .. } => {
                status_head_len(status.as_u16(), reason.as_bytes(), &self.headers)
            }
        };
        head + self.body.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InvalidKind;

    #[test]
    fn response_without_length_runs_to_eof() {
        let wire = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nreply";
        assert!(Message::decode(wire).unwrap_err().is_incomplete());
        let (m, used) = Message::decode_at_eof(wire, &DecodeOptions::default()).unwrap();
        assert_eq!((m.body(), used), (&b"reply"[..], wire.len()));
    }

    #[test]
    fn rejects_transfer_encoding() {
        let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        let e = Message::decode(wire).unwrap_err();
        assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::TransferEncoding);
    }

    #[test]
    fn no_content_responses_have_no_body() {
        let wire = b"HTTP/1.1 204 No Content\r\n\r\nNEXT";
        let (m, used) = Message::decode(wire).unwrap();
        assert_eq!((m.body().len(), used), (0, wire.len() - 4));
    }

    #[test]
    fn a_request_with_two_host_lines_is_refused_at_the_second() {
        let wire = b"GET / HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\nHost: b.example\r\n\r\n";
        let e = Message::decode(wire).unwrap_err();
        let e = e.invalid_message().unwrap();
        assert_eq!(e.kind, InvalidKind::ConflictingHeader("Host"));
        assert_eq!(e.offset, wire.windows(6).rposition(|w| w == b"Host: ").unwrap());
    }

    #[test]
    fn a_request_with_the_same_host_twice_is_a_duplicate_unless_allowed() {
        let wire = b"GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n";
        let e = Message::decode(wire).unwrap_err();
        let e = e.invalid_message().unwrap();
        assert_eq!((e.kind, e.offset), (InvalidKind::DuplicateHeader("Host"), 33));
        let opts = DecodeOptions::default().allow_identical_duplicates(true);
        assert!(Message::decode_with(wire, &opts).is_ok());
    }

    #[test]
    fn a_request_with_one_host_and_a_response_with_two_are_accepted() {
        assert!(Message::decode(b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n").is_ok());
        let wire = b"HTTP/1.1 204 No Content\r\nHost: a\r\nHost: b\r\n\r\n";
        assert!(Message::decode(wire).is_ok());
    }
}
