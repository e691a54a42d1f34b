//! BITS requests: `BITS_POST` with `BITS-Packet-Type` Ping, Create-Session, Fragment,
//! Close-Session or Cancel-Session ([MC-BUP] §2.2.2, §2.2.4, §2.2.6, §2.2.8, §2.2.10).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Deref;

use bytes::BufMut;

use super::fields::RequestFields;
use super::guid::ProtocolList;
use super::headers as h;
use super::packet_type::PacketType;
use super::session_id::SessionId;
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, InvalidKind, InvalidMessage, ValidationError};
use crate::http1::content_range::ContentRange;
use crate::http1::encode::{request_head, request_head_len};
use crate::http1::head::{self, Direction, FieldSink, Framing, StartLine};
use crate::http1::headers::Headers;
use crate::http1::names::KnownHeader;
use crate::http1::syntax::decimal_len;
use crate::http1::values::{FieldName, FieldValue, HttpVersion, RequestTarget};
use crate::limits::{MAX_HEAD_LEN, MAX_HEADERS};
use crate::options::DecodeOptions;

/// The method of every BITS request: case-sensitive (RFC 9110 §9.1), so `bits_post` is not one.
pub const BITS_POST: &str = "BITS_POST";

/// What a request asks for, with the fields that packet type requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind<'r> {
    /// Ping: no session, no body.
    Ping,
    /// Create-Session with the client's protocol GUIDs.
    CreateSession {
        /// `BITS-Supported-Protocols`.
        protocols: &'r ProtocolList,
    },
    /// Fragment: a range of the upload; the body is the range's bytes.
    Fragment {
        /// `BITS-Session-Id`.
        session_id: &'r SessionId<'r>,
        /// `Content-Range`.
        range: ContentRange,
    },
    /// Close-Session.
    CloseSession {
        /// `BITS-Session-Id`.
        session_id: &'r SessionId<'r>,
    },
    /// Cancel-Session.
    CancelSession {
        /// `BITS-Session-Id`.
        session_id: &'r SessionId<'r>,
    },
}

/// The head of a BITS request: everything but the body.
///
/// Decode it alone with [`RequestHead::decode`] to stream a large Fragment body: the head
/// reports [`body_len`](RequestHead::body_len), and `consumed` stops at the end of the head.
///
/// Invariants (held by decoding and by every constructor): the packet type is a request type;
/// Create-Session has its protocols; Fragment, Close-Session and Cancel-Session have a session
/// id; Fragment has a `Content-Range` whose length equals `Content-Length`; every other packet
/// has `Content-Length: 0`. The typed fields agree with [`headers`](RequestHead::headers),
/// which hold every field in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead<'a> {
    target: RequestTarget<'a>,
    version: HttpVersion,
    packet_type: PacketType,
    session_id: Option<SessionId<'a>>,
    supported_protocols: Option<ProtocolList>,
    content_range: Option<ContentRange>,
    content_name: Option<FieldValue<'a>>,
    host: Option<FieldValue<'a>>,
    content_length: u64,
    headers: Headers<'a>,
}

/// A whole BITS request: head and body (the body is empty except on Fragment).
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::bits::{Request, RequestKind};
///
/// let wire = b"BITS_POST /up/f.txt HTTP/1.1\r\nBITS-Packet-Type: fragment\r\n\
///              BITS-Session-Id: {A0FF5911-4144-45B3-BF27-27AFC8EC8A67}\r\n\
///              Content-Range: bytes 0-4/5\r\nContent-Length: 5\r\n\r\nhello";
/// let (req, used) = Request::decode(wire).unwrap();
/// assert_eq!(used, wire.len());
/// let RequestKind::Fragment { range, .. } = req.kind() else { panic!() };
/// assert_eq!((range.first(), range.last(), range.total()), (0, 4, 5));
/// assert_eq!(req.body(), b"hello");
/// assert_eq!(req.to_vec(), wire); // lossless: order and spelling kept
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    head: RequestHead<'a>,
    body: Cow<'a, [u8]>,
}

impl<'a> Deref for Request<'a> {
    type Target = RequestHead<'a>;
    fn deref(&self) -> &RequestHead<'a> {
        &self.head
    }
}

impl<'a> FieldSink<'a> for RequestSink<'a> {
    fn start(&mut self, start: &StartLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        if let StartLine::Request { method, target, version } = start {
            if *method != BITS_POST.as_bytes() {
                return Err(InvalidMessage { kind: InvalidKind::Method, offset: 0 });
            }
            if *version != HttpVersion::Http11 && !opts.allow_http10 {
                let at = method.len() + 1 + target.len() + 1;
                return Err(InvalidMessage { kind: InvalidKind::HttpVersion, offset: at });
            }
        }
        Ok(())
    }
    fn field(&mut self, line: &head::FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        self.0.field(line, opts)
    }
    fn known_only(&self) -> bool {
        true
    }
}

#[derive(Default)]
pub(crate) struct RequestSink<'a>(pub(crate) RequestFields<'a>);

/// The request rules checked over the collected fields, with the small values they yield.
struct Checked {
    packet_type: PacketType,
    content_length: u64,
    /// Offset of the `Content-Length` value.
    cl_at: usize,
    content_range: Option<ContentRange>,
}

impl Checked {
    #[inline(always)]
    fn new(
        c: &RequestFields<'_>,
        content_length: Option<(u64, usize)>,
        end_at: usize,
        opts: &DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let t = c.packet_type.as_ref().ok_or_else(|| missing(KnownHeader::BitsPacketType, end_at))?;
        let packet_type = t.value;
        if !packet_type.is_request() {
            return Err(DecodeError::invalid(InvalidKind::PacketTypeDirection, t.at));
        }
        // "Content-Length MUST be present for all the request messages" ([MC-BUP] §2.2.1.1),
        // unless the caller opted in to reading a bodiless packet without it as RFC 9112 §6.3
        // frames a request with neither `Content-Length` nor `Transfer-Encoding`, with no body
        // (the reasons are on the option). Never a Fragment, whose body is the upload.
        // `Transfer-Encoding` never gets here: the head refuses it on every message.
        let (content_length, cl_at) = match content_length {
            Some(cl) => cl,
            None if opts.allow_bodiless_without_content_length && packet_type != PacketType::Fragment => (0, end_at),
            None => return Err(missing(KnownHeader::ContentLength, end_at)),
        };
        let needs_session =
            matches!(packet_type, PacketType::Fragment | PacketType::CloseSession | PacketType::CancelSession);
        if needs_session && c.session_id.is_none() {
            return Err(missing(KnownHeader::BitsSessionId, end_at));
        }
        let mut content_range = None;
        match packet_type {
            PacketType::CreateSession if c.supported_protocols.is_none() => {
                return Err(missing(KnownHeader::BitsSupportedProtocols, end_at));
            }
            PacketType::Fragment => {
                let range = c.content_range.as_ref().ok_or_else(|| missing(KnownHeader::ContentRange, end_at))?;
                // The body "MUST contain the range of bytes being sent" ([MC-BUP] §2.2.6.3).
                if range.value.len() != content_length {
                    return Err(DecodeError::invalid(InvalidKind::ContentLengthMismatch, cl_at));
                }
                content_range = Some(range.value);
            }
            _ => {}
        }
        if packet_type != PacketType::Fragment && content_length != 0 {
            return Err(DecodeError::invalid(InvalidKind::BodyNotAllowed, cl_at));
        }
        Ok(Self { packet_type, content_length, cl_at, content_range })
    }
}

/// Out of line and cold: an error path, kept out of the hot head decode (measured: 7 to 12
/// fewer instructions per request head).
#[cold]
#[inline(never)]
fn missing(name: KnownHeader, at: usize) -> DecodeError {
    DecodeError::invalid(InvalidKind::MissingHeader(name.as_str()), at)
}

impl<'a> RequestHead<'a> {
    /// The request target, as sent (origin-form in practice: the upload's destination path).
    pub fn target(&self) -> &RequestTarget<'a> {
        &self.target
    }
    /// The HTTP version (1.1 unless [`DecodeOptions::allow_http10`] let 1.0 in).
    pub fn version(&self) -> HttpVersion {
        self.version
    }
    /// `BITS-Packet-Type` (never [`PacketType::Ack`]).
    pub fn packet_type(&self) -> PacketType {
        self.packet_type
    }
    /// The packet with the fields its type requires.
    pub fn kind(&self) -> RequestKind<'_> {
        // The invariants guarantee the `Some`s; the fallbacks are never taken.
        match (self.packet_type, &self.session_id) {
            (PacketType::CreateSession, _) => match &self.supported_protocols {
                Some(protocols) => RequestKind::CreateSession { protocols },
                None => RequestKind::Ping,
            },
            (PacketType::Fragment, Some(session_id)) => match self.content_range {
                Some(range) => RequestKind::Fragment { session_id, range },
                None => RequestKind::Ping,
            },
            (PacketType::CloseSession, Some(session_id)) => RequestKind::CloseSession { session_id },
            (PacketType::CancelSession, Some(session_id)) => RequestKind::CancelSession { session_id },
            _ => RequestKind::Ping,
        }
    }
    /// `BITS-Session-Id`: always present on Fragment, Close-Session and Cancel-Session; on
    /// Ping and Create-Session only if the client sent one (a server ignores it there: no
    /// session exists yet for either packet, [MC-BUP] §2.2.2 and §2.2.4 list no session id).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn session_id(&self) -> Option<&SessionId<'a>> {
        self.session_id.as_ref()
    }
    /// `BITS-Supported-Protocols` (Create-Session).
    pub fn supported_protocols(&self) -> Option<&ProtocolList> {
        self.supported_protocols.as_ref()
    }
    /// `Content-Range` (Fragment; on other packets it is ignored and `None`).
    pub fn content_range(&self) -> Option<ContentRange> {
        self.content_range
    }
    /// `Content-Name`: the client's file name, informational only ([MC-BUP] §2.2.1.1).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn content_name(&self) -> Option<&FieldValue<'a>> {
        self.content_name.as_ref()
    }
    /// `Host`.
    pub fn host(&self) -> Option<&FieldValue<'a>> {
        self.host.as_ref()
    }
    /// `Content-Length`: the body length that follows the head.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }
    /// The body length that follows the head (same as [`content_length`](Self::content_length)).
    pub fn body_len(&self) -> u64 {
        self.content_length
    }
    /// Every header field in wire order, names as spelled; unknown headers included.
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }
    /// Header fields this crate does not type, in order.
    pub fn other_headers(&self) -> impl Iterator<Item = crate::http1::Field<'_>> {
        self.headers.iter().filter(|f| f.known().is_none())
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> RequestHead<'static> {
        RequestHead {
            target: self.target.into_owned(),
            version: self.version,
            packet_type: self.packet_type,
            session_id: self.session_id.map(SessionId::into_owned),
            supported_protocols: self.supported_protocols,
            content_range: self.content_range,
            content_name: self.content_name.map(FieldValue::into_owned),
            host: self.host.map(FieldValue::into_owned),
            content_length: self.content_length,
            headers: self.headers.into_owned(),
        }
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))] // used by the `http` crate views
    pub(crate) fn from_collected(
        target: RequestTarget<'a>,
        version: HttpVersion,
        mut c: RequestFields<'a>,
        headers: Headers<'a>,
        content_length: Option<(u64, usize)>,
        end_at: usize,
        opts: &DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let checked = Checked::new(&c, content_length, end_at, opts)?;
        Ok(Self::build(target, version, &mut c, &checked, headers))
    }

    /// The head from checked fields, taking only what a request uses out of the collector.
    /// Decoding builds it once, straight into the value it returns: moving the head (224 bytes)
    /// or the collector (600) through intermediate results cost more than the checks.
    #[inline(always)]
    fn build(
        target: RequestTarget<'a>,
        version: HttpVersion,
        c: &mut RequestFields<'a>,
        k: &Checked,
        headers: Headers<'a>,
    ) -> Self {
        Self {
            target,
            version,
            packet_type: k.packet_type,
            session_id: c.session_id.map(|a| SessionId::unvalidated_bytes(a.value)),
            supported_protocols: if k.packet_type == PacketType::CreateSession {
                c.supported_protocols.take()
            } else {
                None
            },
            content_range: k.content_range,
            content_name: c.content_name.map(|a| FieldValue::unvalidated(a.value)),
            host: c.host.map(|a| FieldValue::unvalidated(a.value)),
            content_length: k.content_length,
            headers,
        }
    }

    /// Parse the head into `sink`; returns the head's pieces for [`build`](Self::build).
    #[inline(always)]
    fn parse(
        input: &'a [u8],
        opts: &DecodeOptions,
        sink: &mut RequestSink<'a>,
    ) -> Result<(RequestTarget<'a>, HttpVersion, Checked, Headers<'a>, usize), DecodeError> {
        let h = head::head(input, Direction::Request, opts, sink)?;
        let StartLine::Request { target, version, .. } = h.start else {
            return Err(DecodeError::invalid(InvalidKind::RequestLine, 0));
        };
        let checked = Checked::new(&sink.0, h.content_length, h.end_at, opts)?;
        Ok((RequestTarget::unvalidated_bytes(target), version, checked, Headers::from_head(&h), h.len))
    }

    fn encoded_len(&self) -> usize {
        request_head_len(BITS_POST.as_bytes(), self.target.as_bytes(), &self.headers)
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        request_head(out, BITS_POST.as_bytes(), self.target.as_bytes(), self.version, &self.headers);
    }
}

impl<'a> Decode<'a> for RequestHead<'a> {
    /// Decodes the head only; `consumed` is the head's length and the body
    /// ([`body_len`](RequestHead::body_len) bytes) follows it.
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let mut sink = RequestSink::default();
        let (target, version, k, headers, len) = Self::parse(input, opts, &mut sink)?;
        if opts.max_body_len.is_some_and(|max| k.content_length > max) {
            return Err(DecodeError::invalid(InvalidKind::BodyTooLarge, k.cl_at));
        }
        Ok((Self::build(target, version, &mut sink.0, &k, headers), len))
    }
}

impl Encode for RequestHead<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        RequestHead::encode(self, out);
    }
    fn encoded_len(&self) -> usize {
        RequestHead::encoded_len(self)
    }
}

impl<'a> Decode<'a> for Request<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let mut sink = RequestSink::default();
        let (target, version, k, headers, len) = RequestHead::parse(input, opts, &mut sink)?;
        let (body, used) = head::body(input, len, Framing::Length(k.content_length), false, opts, k.cl_at)?;
        let head = RequestHead::build(target, version, &mut sink.0, &k, headers);
        Ok((Self { head, body: Cow::Borrowed(body) }, used))
    }
}

impl Encode for Request<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        self.head.encode(out);
        out.put_slice(&self.body);
    }
    fn encoded_len(&self) -> usize {
        self.head.encoded_len() + self.body.len()
    }
}

impl<'a> Request<'a> {
    /// The head.
    pub fn head(&self) -> &RequestHead<'a> {
        &self.head
    }

    /// The body: the Fragment's bytes, empty for every other packet.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Write the head only (then write [`body`](Self::body) yourself, e.g. with vectored I/O).
    pub fn encode_head<B: BufMut>(&self, out: &mut B) {
        self.head.encode(out);
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Request<'static> {
        Request { head: self.head.into_owned(), body: Cow::Owned(self.body.into_owned()) }
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))] // used by the `http` crate views
    pub(crate) fn from_head_and_body(head: RequestHead<'a>, body: &'a [u8]) -> Self {
        Self { head, body: Cow::Borrowed(body) }
    }

    /// Split into head and body.
    pub fn into_parts(self) -> (RequestHead<'a>, Cow<'a, [u8]>) {
        (self.head, self.body)
    }

    fn build(target: RequestTarget<'a>, packet_type: PacketType) -> Self {
        let mut headers = Headers::new();
        headers.set_known(KnownHeader::BitsPacketType, h::packet_type::encode(packet_type));
        headers.set_known(KnownHeader::ContentLength, FieldValue::from_static("0"));
        Self {
            head: RequestHead {
                target,
                version: HttpVersion::Http11,
                packet_type,
                session_id: None,
                supported_protocols: None,
                content_range: None,
                content_name: None,
                host: None,
                content_length: 0,
                headers,
            },
            body: Cow::Borrowed(&[]),
        }
    }

    fn set_session_id(mut self, id: SessionId<'a>) -> Self {
        self.head.headers.set_known(KnownHeader::BitsSessionId, h::session_id::encode(&id));
        self.head.session_id = Some(id);
        self
    }

    /// A Ping ([MC-BUP] §2.2.4).
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::bits::Request;
    /// use bits_codec::http1::{FieldValue, RequestTarget};
    /// let ping = Request::ping(RequestTarget::new("/upload/report.bin").unwrap())
    ///     .with_host(FieldValue::new("bits.example.com").unwrap());
    /// assert_eq!(
    ///     ping.to_vec(),
    ///     b"BITS_POST /upload/report.bin HTTP/1.1\r\nHost: bits.example.com\r\n\
    ///       BITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n"
    /// );
    /// ```
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn ping(target: RequestTarget<'a>) -> Self {
        Self::build(target, PacketType::Ping)
    }

    /// A Create-Session offering `protocols` ([MC-BUP] §2.2.2).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn create_session(target: RequestTarget<'a>, protocols: ProtocolList) -> Self {
        let mut r = Self::build(target, PacketType::CreateSession);
        r.head.headers.set_known(KnownHeader::BitsSupportedProtocols, h::protocols::encode_list(&protocols));
        r.head.supported_protocols = Some(protocols);
        r
    }

    /// A Fragment carrying `body` as the bytes `range` names ([MC-BUP] §2.2.6). Fails if the
    /// body's length is not the range's.
    ///
    /// ```
    /// use bits_codec::bits::{Request, SessionId};
    /// use bits_codec::http1::{ContentRange, RequestTarget};
    /// let t = RequestTarget::new("/u").unwrap();
    /// let id = SessionId::new("{6B29FC40-CA47-1067-B31D-00DD010662DA}").unwrap();
    /// let range = ContentRange::new(4, 7, 10).unwrap();
    /// assert!(Request::fragment(t.clone(), id.clone(), range, &b"EFGH"[..]).is_ok());
    /// assert!(Request::fragment(t, id, range, &b"EFG"[..]).is_err());
    /// ```
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn fragment(
        target: RequestTarget<'a>,
        session_id: SessionId<'a>,
        range: ContentRange,
        body: impl Into<Cow<'a, [u8]>>,
    ) -> Result<Self, ValidationError> {
        let body = body.into();
        if body.len() as u64 != range.len() {
            return Err(ValidationError::BodyLength);
        }
        Ok(Self { head: RequestHead::fragment(target, session_id, range), body })
    }

    /// A Close-Session ([MC-BUP] §2.2.8).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn close_session(target: RequestTarget<'a>, session_id: SessionId<'a>) -> Self {
        Self::build(target, PacketType::CloseSession).set_session_id(session_id)
    }

    /// A Cancel-Session ([MC-BUP] §2.2.10).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn cancel_session(target: RequestTarget<'a>, session_id: SessionId<'a>) -> Self {
        Self::build(target, PacketType::CancelSession).set_session_id(session_id)
    }

    /// Set `Host` (the first header of a built request: the canonical order puts it first).
    pub fn with_host(mut self, host: FieldValue<'a>) -> Self {
        self.head = self.head.with_host(host);
        self
    }

    /// Set `Content-Name`, the client's file name.
    pub fn with_content_name(mut self, name: FieldValue<'a>) -> Self {
        self.head = self.head.with_content_name(name);
        self
    }

    /// Add a header this crate does not manage (before `Content-Length`). Headers with a typed
    /// setter or a framing meaning are refused, as is a header past the count or size limits,
    /// so the result always decodes with the default options.
    ///
    /// ```
    /// use bits_codec::bits::Request;
    /// use bits_codec::http1::{FieldValue, FieldName, RequestTarget};
    /// let ping = Request::ping(RequestTarget::new("/u").unwrap());
    /// let ua = (FieldName::new("User-Agent").unwrap(), FieldValue::new("Microsoft BITS/7.8").unwrap());
    /// assert!(ping.clone().with_header(ua.0, ua.1).is_ok());
    /// let te = (FieldName::new("transfer-encoding").unwrap(), FieldValue::new("chunked").unwrap());
    /// assert!(ping.with_header(te.0, te.1).is_err());
    /// ```
    pub fn with_header(mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<Self, ValidationError> {
        self.push_header(name, value)?;
        Ok(self)
    }

    /// [`with_header`](Self::with_header) in place: on error the request is unchanged.
    pub fn push_header(&mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<(), ValidationError> {
        self.head.push_header(name, value)
    }
}

/// Building a head without its body: the one message that has a body, a Fragment, can then be
/// sent with the range's bytes written after the head as they are read, so a fragment of any
/// size never sits whole in memory. `Request`'s builders build their head through these.
impl<'a> RequestHead<'a> {
    /// The head of a Fragment for `range` ([MC-BUP] §2.2.6), without the range's bytes: write
    /// exactly `range.len()` bytes after it. It is the head [`Request::fragment`] gives with
    /// the bytes.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::bits::{Request, RequestHead, SessionId};
    /// use bits_codec::http1::{ContentRange, RequestTarget};
    /// let t = RequestTarget::new("/u").unwrap();
    /// let id = SessionId::new("{6B29FC40-CA47-1067-B31D-00DD010662DA}").unwrap();
    /// let range = ContentRange::new(4, 7, 10).unwrap();
    /// let head = RequestHead::fragment(t.clone(), id.clone(), range);
    /// let whole = Request::fragment(t, id, range, &b"EFGH"[..]).unwrap();
    /// assert_eq!(head.to_vec(), whole.head().to_vec());
    /// assert_eq!(head.content_length(), 4);
    /// ```
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn fragment(target: RequestTarget<'a>, session_id: SessionId<'a>, range: ContentRange) -> Self {
        let mut head = Request::build(target, PacketType::Fragment).set_session_id(session_id).head;
        let mut v = Vec::with_capacity(range.encoded_len());
        range.encode(&mut v);
        head.headers.set_known(
            KnownHeader::ContentRange,
            FieldValue::from_vec(v).unwrap_or_else(|_| FieldValue::from_static("")),
        );
        head.headers.set_known(KnownHeader::ContentLength, decimal_value(range.len()));
        head.content_range = Some(range);
        head.content_length = range.len();
        head
    }

    /// Set `Host` (the first header of a built request: the canonical order puts it first).
    pub fn with_host(mut self, host: FieldValue<'a>) -> Self {
        self.headers.set_known(KnownHeader::Host, host.clone());
        self.host = Some(host);
        self
    }

    /// Set `Content-Name`, the client's file name.
    pub fn with_content_name(mut self, name: FieldValue<'a>) -> Self {
        self.headers.set_known(KnownHeader::ContentName, h::content_name::encode(&name));
        self.content_name = Some(name);
        self
    }

    /// Add a header this crate does not manage, as [`Request::with_header`] does; on error
    /// the head is unchanged.
    pub fn push_header(&mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<(), ValidationError> {
        check_extra(&name, &value, &self.headers, self.encoded_len())?;
        self.headers.insert_ranked(name, value);
        Ok(())
    }
}

/// The checks every `with_header` makes: not a managed name, and within the default limits.
pub(crate) fn check_extra(
    name: &FieldName<'_>,
    value: &FieldValue<'_>,
    headers: &Headers<'_>,
    head_len: usize,
) -> Result<(), ValidationError> {
    if let Some(known) = KnownHeader::find(name.as_bytes()) {
        return Err(ValidationError::ReservedHeader(known.as_str()));
    }
    let added = name.as_bytes().len() + 2 + value.as_bytes().len() + 2;
    if headers.len() + 1 > MAX_HEADERS || head_len + added > MAX_HEAD_LEN {
        return Err(ValidationError::TooManyHeaders);
    }
    Ok(())
}

pub(crate) fn owned_value(s: String) -> FieldValue<'static> {
    // Only called with values this crate formats (GUIDs, numbers, ranges).
    FieldValue::from_vec(s.into_bytes()).unwrap_or_else(|_| FieldValue::from_static(""))
}

pub(crate) fn decimal_value(n: u64) -> FieldValue<'static> {
    let mut v = Vec::with_capacity(decimal_len(n));
    crate::http1::syntax::put_decimal(&mut v, n);
    FieldValue::from_vec(v).unwrap_or_else(|_| FieldValue::from_static("0"))
}
