//! BITS responses: `BITS-Packet-Type: Ack`, for success and for errors ([MC-BUP] §2.2.3,
//! §2.2.5, §2.2.7, §2.2.9, §2.2.11; Learn "Ack for ..." pages).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use crate::http1::names::KnownHeader;
use alloc::borrow::Cow;

use bytes::BufMut;

use super::fields::AckFields;
use super::guid::Guid;
use super::headers as h;
use super::hresult::{ErrorContext, ErrorHeaderName, HResult};
use super::packet_type::PacketType;
use super::request::check_extra;
use super::session_id::SessionId;
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, InvalidKind, InvalidMessage, ValidationError};
use crate::http1::encode::{status_head, status_head_len};
use crate::http1::head::{self, Direction, FieldLine, FieldSink, Framing, StartLine};
use crate::http1::headers::Headers;
use crate::http1::values::{FieldName, FieldValue, HttpVersion, ReasonPhrase, Status};
use crate::options::DecodeOptions;

/// A BITS Ack: the server's answer to any request, success or error.
///
/// An Ack does not say which request it answers: it belongs to the request sent before it on
/// the same connection. Every field other than the status is optional on the wire (IIS omits
/// `BITS-Session-Id` on Fragment and Close Acks, as the [MC-BUP] §4.1 captures show); which
/// ones a given answer needs is the client's business, not the codec's.
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::bits::{Ack, HResult, ErrorContext};
///
/// let wire = b"HTTP/1.1 500 Internal Server Error\r\nBITS-Packet-Type: Ack\r\n\
///              BITS-Error-Code: 0x8020001F\r\nBITS-Error-Context: 0x5\r\nContent-Length: 0\r\n\r\n";
/// let (ack, _) = Ack::decode(wire).unwrap();
/// assert_eq!(ack.status().as_u16(), 500);
/// assert_eq!(ack.error_code(), Some(HResult::BG_E_SESSION_NOT_FOUND));
/// assert_eq!(ack.error_context(), Some(ErrorContext::REMOTE_FILE));
/// ```
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack<'a> {
    version: HttpVersion,
    status: Status,
    reason: ReasonPhrase<'a>,
    session_id: Option<SessionId<'a>>,
    protocol: Option<Guid>,
    host_id: Option<FieldValue<'a>>,
    host_id_fallback_timeout: Option<u32>,
    received_content_range: Option<u64>,
    reply_url: Option<FieldValue<'a>>,
    error_code: Option<HResult>,
    error_header_name: Option<ErrorHeaderName>,
    error_context: Option<ErrorContext>,
    content_length: u64,
    headers: Headers<'a>,
    body: Cow<'a, [u8]>,
}

/// Offset of the status code in a status line: `HTTP-version SP` is 9 bytes.
const STATUS_CODE_AT: usize = "HTTP/1.1 ".len();

#[derive(Default)]
pub(crate) struct AckSink<'a>(pub(crate) AckFields<'a>);

impl<'a> FieldSink<'a> for AckSink<'a> {
    fn start(&mut self, start: &StartLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        if let StartLine::Status { version, code, .. } = start {
            if *version != HttpVersion::Http11 && !opts.allow_http10 {
                return Err(InvalidMessage { kind: InvalidKind::HttpVersion, offset: 0 });
            }
            // `101 Switching Protocols` ends HTTP/1.1 on the connection (RFC 9110 §15.2.2): no
            // Ack can be one. The offset is the code's, after `HTTP/1.1 `.
            if *code == Status::SWITCHING_PROTOCOLS.as_u16() {
                return Err(InvalidMessage { kind: InvalidKind::UnexpectedStatus, offset: STATUS_CODE_AT });
            }
        }
        Ok(())
    }
    fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        self.0.field(line, opts)
    }
    fn known_only(&self) -> bool {
        true
    }
}

impl<'a> Decode<'a> for Ack<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let mut sink = AckSink::default();
        let h = head::head(input, Direction::Response, opts, &mut sink)?;
        let StartLine::Status { version, code, reason } = h.start else {
            return Err(DecodeError::invalid(InvalidKind::StatusLine, 0));
        };
        let headers = Headers::from_head(&h);
        let cl_at = h.content_length.map_or(h.end_at, |(_, at)| at);
        let content_length = Self::check(&sink.0, h.content_length, h.end_at, opts)?;
        let framing = if head::no_body_status(code) { Framing::Length(0) } else { Framing::Length(content_length) };
        let (body, used) = head::body(input, h.len, framing, false, opts, cl_at)?;
        let error_code = sink.0.error().map_err(DecodeError::Invalid)?;
        let reason = ReasonPhrase::unvalidated(reason);
        Ok((Self::build(version, code, reason, sink.0, error_code, headers, content_length, body), used))
    }
}

impl<'a> Ack<'a> {
    /// The checks every Ack passes, whatever it was read from; returns `Content-Length`.
    pub(crate) fn check(
        c: &AckFields<'a>,
        content_length: Option<(u64, usize)>,
        end_at: usize,
        opts: &DecodeOptions,
    ) -> Result<u64, DecodeError> {
        let missing = |name: KnownHeader| DecodeError::invalid(InvalidKind::MissingHeader(name.as_str()), end_at);
        let t = c.packet_type.as_ref().ok_or(missing(KnownHeader::BitsPacketType))?;
        if t.value != PacketType::Ack {
            return Err(DecodeError::invalid(InvalidKind::PacketTypeDirection, t.at));
        }
        // Content-Length is "Required even if the body of the response does not include
        // content" (Learn, every Ack page), and "MUST be 0" ([MC-BUP] §2.2.3.1 and siblings).
        let (content_length, cl_at) = content_length.ok_or(missing(KnownHeader::ContentLength))?;
        if content_length != 0 && !opts.allow_ack_body {
            return Err(DecodeError::invalid(InvalidKind::BodyNotAllowed, cl_at));
        }
        Ok(content_length)
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))] // used by the `http` crate views
    pub(crate) fn from_collected(
        version: HttpVersion,
        code: u16,
        reason: ReasonPhrase<'a>,
        c: AckFields<'a>,
        headers: Headers<'a>,
        content_length: u64,
        body: &'a [u8],
    ) -> Result<Self, DecodeError> {
        let error_code = c.error().map_err(DecodeError::Invalid)?;
        Ok(Self::build(version, code, reason, c, error_code, headers, content_length, body))
    }

    /// The Ack from checked fields, taking what it uses out of the collector. Decoding builds
    /// it once, straight into the value it returns (no move of it or of the collector through
    /// intermediate results).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)] // the pieces of one message, each from its own source
    fn build(
        version: HttpVersion,
        code: u16,
        reason: ReasonPhrase<'a>,
        c: AckFields<'a>,
        error_code: Option<HResult>,
        headers: Headers<'a>,
        content_length: u64,
        body: &'a [u8],
    ) -> Self {
        Self {
            version,
            status: Status::unvalidated(code),
            reason,
            error_code,
            error_header_name: c.error_header_name(),
            session_id: c.session_id.map(|a| SessionId::unvalidated_bytes(a.value)),
            protocol: c.protocol.map(|a| a.value),
            host_id: c.host_id.map(|a| FieldValue::unvalidated(a.value)),
            host_id_fallback_timeout: c.host_id_fallback_timeout.map(|a| a.value),
            received_content_range: c.received_content_range.map(|a| a.value),
            reply_url: c.reply_url.map(|a| FieldValue::unvalidated(a.value)),
            error_context: c.error_context.map(|a| a.value),
            content_length,
            headers,
            body: Cow::Borrowed(body),
        }
    }
}

impl Encode for Ack<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        status_head(out, self.version, self.status.as_u16(), self.reason.as_bytes(), &self.headers);
        out.put_slice(&self.body);
    }
    fn encoded_len(&self) -> usize {
        status_head_len(self.status.as_u16(), self.reason.as_bytes(), &self.headers) + self.body.len()
    }
}

impl<'a> Ack<'a> {
    /// An Ack with `status`, its standard reason phrase, `BITS-Packet-Type: Ack` and
    /// `Content-Length: 0`.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::bits::Ack;
    /// use bits_codec::http1::Status;
    /// assert_eq!(
    ///     Ack::new(Status::OK).to_vec(),
    ///     b"HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n"
    /// );
    /// ```
    ///
    /// An Ack with `101 Switching Protocols` can be built but is refused by [`Ack::decode`]
    /// (`InvalidKind::UnexpectedStatus`): after a 101 the connection no longer speaks HTTP/1.1
    /// (RFC 9110 §15.2.2), so no Ack can carry it. Do not send one.
    pub fn new(status: Status) -> Self {
        let mut headers = Headers::new();
        headers.set_known(KnownHeader::BitsPacketType, h::packet_type::encode(PacketType::Ack));
        headers.set_known(KnownHeader::ContentLength, FieldValue::from_static("0"));
        Self {
            version: HttpVersion::Http11,
            status,
            reason: ReasonPhrase::unvalidated(status.canonical_reason().as_bytes()),
            session_id: None,
            protocol: None,
            host_id: None,
            host_id_fallback_timeout: None,
            received_content_range: None,
            reply_url: None,
            error_code: None,
            error_header_name: None,
            error_context: None,
            content_length: 0,
            headers,
            body: Cow::Borrowed(&[]),
        }
    }

    /// `200 OK`.
    pub fn ok() -> Self {
        Self::new(Status::OK)
    }

    /// The success Ack for Create-Session: 200, the chosen protocol, the new session id and
    /// `Accept-Encoding: identity` ([MC-BUP] §2.2.3; the Learn page's header list).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn session_created(protocol: Guid, session_id: SessionId<'a>) -> Self {
        Self::ok().with_protocol(protocol).with_session_id(session_id).with_accept_encoding_identity()
    }

    /// The Ack for a Fragment: `status` (200, or 416 to resynchronise) and the offset the
    /// server expects next in `BITS-Received-Content-Range` ([MC-BUP] §2.2.7.2).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn fragment_received(status: Status, received: u64) -> Self {
        Self::new(status).with_received_content_range(received)
    }

    /// An error Ack: `status` with `BITS-Error-Code` and `BITS-Error-Context`.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::bits::{Ack, ErrorContext, HResult};
    /// use bits_codec::http1::Status;
    /// let ack = Ack::error(Status::new(400).unwrap(), HResult::E_INVALIDARG, ErrorContext::REMOTE_FILE);
    /// assert_eq!(
    ///     ack.to_vec(),
    ///     b"HTTP/1.1 400 Bad Request\r\nBITS-Packet-Type: Ack\r\nBITS-Error-Code: 0x80070057\r\n\
    ///       BITS-Error-Context: 0x5\r\nContent-Length: 0\r\n\r\n"
    /// );
    /// ```
    pub fn error(status: Status, code: HResult, context: ErrorContext) -> Self {
        Self::new(status).with_error(code, context)
    }

    /// The Ack a server sends for a request it could not decode: the status of
    /// [`InvalidKind::http_status`], `E_INVALIDARG`, context `0x5` ([MC-BUP] §2.2.1.2 table).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn for_invalid_request(e: &InvalidMessage) -> Self {
        let status = e.kind.http_status();
        Self::error(status, HResult::E_INVALIDARG, ErrorContext::REMOTE_FILE)
    }

    /// Replace the reason phrase.
    pub fn with_reason(mut self, reason: ReasonPhrase<'a>) -> Self {
        self.reason = reason;
        self
    }

    /// Set `BITS-Session-Id`.
    pub fn with_session_id(mut self, id: SessionId<'a>) -> Self {
        self.headers.set_known(KnownHeader::BitsSessionId, h::session_id::encode(&id));
        self.session_id = Some(id);
        self
    }

    /// Set `BITS-Protocol`.
    pub fn with_protocol(mut self, protocol: Guid) -> Self {
        self.headers.set_known(KnownHeader::BitsProtocol, h::protocols::encode_guid(protocol));
        self.protocol = Some(protocol);
        self
    }

    /// Set `BITS-Host-Id`, and `BITS-Host-Id-Fallback-Timeout` (seconds) if given.
    pub fn with_host_id(mut self, host: FieldValue<'a>, fallback_timeout: Option<u32>) -> Self {
        self.headers.set_known(KnownHeader::BitsHostId, h::host_id::encode(&host));
        self.host_id = Some(host);
        match fallback_timeout {
            Some(t) => {
                self.headers.set_known(KnownHeader::BitsHostIdFallbackTimeout, h::host_id_fallback_timeout::encode(t))
            }
            None => self.headers.remove_known(KnownHeader::BitsHostIdFallbackTimeout),
        }
        self.host_id_fallback_timeout = fallback_timeout;
        self
    }

    /// Add `Accept-Encoding: identity` (on a successful Create-Session Ack).
    pub fn with_accept_encoding_identity(mut self) -> Self {
        self.headers.set_known(KnownHeader::AcceptEncoding, FieldValue::from_static("identity"));
        self
    }

    /// Set `BITS-Received-Content-Range`.
    pub fn with_received_content_range(mut self, next: u64) -> Self {
        self.headers.set_known(KnownHeader::BitsReceivedContentRange, h::received_content_range::encode(next));
        self.received_content_range = Some(next);
        self
    }

    /// Set `BITS-Reply-URL` (final Fragment Ack of an upload-reply job).
    pub fn with_reply_url(mut self, url: FieldValue<'a>) -> Self {
        self.headers.set_known(KnownHeader::BitsReplyUrl, h::reply_url::encode(&url));
        self.reply_url = Some(url);
        self
    }

    /// Set the error code (as `BITS-Error-Code`) and `BITS-Error-Context`.
    pub fn with_error(self, code: HResult, context: ErrorContext) -> Self {
        self.with_error_as(ErrorHeaderName::Code, code, context)
    }

    /// Set the error code under the header name(s) `name` chooses, and the context.
    pub fn with_error_as(mut self, name: ErrorHeaderName, code: HResult, context: ErrorContext) -> Self {
        self.headers.remove_known(KnownHeader::BitsErrorCode);
        self.headers.remove_known(KnownHeader::BitsError);
        let v = h::error_code::encode(code);
        if matches!(name, ErrorHeaderName::Code | ErrorHeaderName::Both) {
            self.headers.set_known(KnownHeader::BitsErrorCode, v.clone());
        }
        if matches!(name, ErrorHeaderName::Spec | ErrorHeaderName::Both) {
            self.headers.set_known(KnownHeader::BitsError, v);
        }
        self.headers.set_known(KnownHeader::BitsErrorContext, h::error_context::encode(context));
        self.error_code = Some(code);
        self.error_header_name = Some(name);
        self.error_context = Some(context);
        self
    }

    /// Add a header this crate does not manage (see
    /// [`Request::with_header`](super::Request::with_header)).
    pub fn with_header(mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<Self, ValidationError> {
        self.push_header(name, value)?;
        Ok(self)
    }

    /// [`with_header`](Self::with_header) in place: on error the Ack is unchanged.
    pub fn push_header(&mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<(), ValidationError> {
        check_extra(&name, &value, &self.headers, self.encoded_len())?;
        self.headers.insert_ranked(name, value);
        Ok(())
    }

    /// The HTTP version.
    pub fn version(&self) -> HttpVersion {
        self.version
    }
    /// The status code.
    pub fn status(&self) -> Status {
        self.status
    }
    /// The reason phrase, as sent (never interpreted).
    pub fn reason(&self) -> &ReasonPhrase<'a> {
        &self.reason
    }
    /// `true` for a 2xx Ack.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
    /// `BITS-Session-Id`, if present.
    pub fn session_id(&self) -> Option<&SessionId<'a>> {
        self.session_id.as_ref()
    }
    /// `BITS-Protocol`: the protocol the server chose.
    pub fn protocol(&self) -> Option<Guid> {
        self.protocol
    }
    /// `BITS-Host-Id`: the host for every later request of the session.
    pub fn host_id(&self) -> Option<&FieldValue<'a>> {
        self.host_id.as_ref()
    }
    /// `BITS-Host-Id-Fallback-Timeout`, in seconds.
    pub fn host_id_fallback_timeout(&self) -> Option<u32> {
        self.host_id_fallback_timeout
    }
    /// `BITS-Received-Content-Range`: the next offset the server expects.
    pub fn received_content_range(&self) -> Option<u64> {
        self.received_content_range
    }
    /// `BITS-Reply-URL`, as sent (IIS sends a relative path with backslashes).
    pub fn reply_url(&self) -> Option<&FieldValue<'a>> {
        self.reply_url.as_ref()
    }
    /// The error code, from `BITS-Error-Code` or `BITS-Error` (they must agree if both appear).
    /// An empty `BITS-Error-Code` reads as absent: the Python BITS servers send one, and the
    /// status, not this code, says whether the Ack is an error.
    pub fn error_code(&self) -> Option<HResult> {
        self.error_code
    }
    /// Which error header name(s) carried the code.
    pub fn error_header_name(&self) -> Option<ErrorHeaderName> {
        self.error_header_name
    }
    /// `BITS-Error-Context`. An empty value reads as absent (the Python BITS servers send
    /// `BITS-Error-Context: ` on every Ping Ack); the line stays in [`headers`](Self::headers).
    pub fn error_context(&self) -> Option<ErrorContext> {
        self.error_context
    }
    /// `Content-Length` (0 unless [`DecodeOptions::allow_ack_body`] let a body in).
    pub fn content_length(&self) -> u64 {
        self.content_length
    }
    /// Every header field in wire order.
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }
    /// The body (empty for every conforming Ack).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Ack<'static> {
        Ack {
            version: self.version,
            status: self.status,
            reason: self.reason.into_owned(),
            session_id: self.session_id.map(SessionId::into_owned),
            protocol: self.protocol,
            host_id: self.host_id.map(FieldValue::into_owned),
            host_id_fallback_timeout: self.host_id_fallback_timeout,
            received_content_range: self.received_content_range,
            reply_url: self.reply_url.map(FieldValue::into_owned),
            error_code: self.error_code,
            error_header_name: self.error_header_name,
            error_context: self.error_context,
            content_length: self.content_length,
            headers: self.headers.into_owned(),
            body: Cow::Owned(self.body.into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ack_with_status_101_is_refused_at_the_status_code() {
        let wire = b"HTTP/1.1 101 Switching Protocols\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n";
        let e = Ack::decode(wire).unwrap_err();
        let e = e.invalid_message().unwrap();
        assert_eq!((e.kind, e.offset), (InvalidKind::UnexpectedStatus, 9));
        assert_eq!(&wire[e.offset..e.offset + 3], b"101");
    }

    #[test]
    fn an_ack_with_status_101_is_refused_before_its_headers_arrive() {
        let e = Ack::decode(b"HTTP/1.1 101 Switching Protocols\r\nBITS-Pa").unwrap_err();
        assert_eq!(e.invalid_message().map(|m| m.kind), Some(InvalidKind::UnexpectedStatus));
    }

    #[test]
    fn an_ack_with_status_100_or_200_is_still_read() {
        for status in ["100 Continue", "200 OK"] {
            let wire = format!("HTTP/1.1 {status}\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n");
            assert!(Ack::decode(wire.as_bytes()).is_ok(), "{status}");
        }
    }
}
