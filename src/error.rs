//! Errors: [`DecodeError`] for bytes that are not (yet) a message (JSON bodies included:
//! [`InvalidKind::Json`] with a [`JsonErrorKind`]), [`ValidationError`] for values a caller
//! tries to build that could not be sent safely.

use core::fmt;
use core::num::NonZeroUsize;

use crate::http1::Status;

/// Why decoding stopped.
///
/// The split between the two variants is the streaming contract: `Incomplete` means "every byte
/// so far is valid, read more and call again"; `Invalid` means "no number of further bytes can
/// make this a valid message". Every strict prefix of a valid message gives `Incomplete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the message does.
    Incomplete {
        /// How many more bytes are needed at least, when known: inside a body it is exact;
        /// inside the head it is a lower bound when given (usually `None`).
        needed: Option<NonZeroUsize>,
    },
    /// The input can never become a valid message.
    Invalid(InvalidMessage),
}

impl DecodeError {
    pub(crate) fn invalid(kind: InvalidKind, offset: usize) -> Self {
        Self::Invalid(InvalidMessage { kind, offset })
    }

    pub(crate) const INCOMPLETE: Self = Self::Incomplete { needed: None };

    /// `true` for [`DecodeError::Incomplete`].
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }

    /// The [`InvalidMessage`], if the input is invalid.
    pub fn invalid_message(&self) -> Option<&InvalidMessage> {
        match self {
            Self::Invalid(m) => Some(m),
            Self::Incomplete { .. } => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete { needed: Some(n) } => {
                write!(f, "incomplete message: at least {n} more bytes needed")
            }
            Self::Incomplete { needed: None } => f.write_str("incomplete message: more bytes needed"),
            Self::Invalid(m) => m.fmt(f),
        }
    }
}

impl core::error::Error for DecodeError {}

/// An invalid message: what was wrong, and the offset of the first byte that made it so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidMessage {
    /// What was expected and not found.
    pub kind: InvalidKind,
    /// Offset, from the start of the input given to `decode`, of the offending byte (for a
    /// header-level problem: the first byte of that header's name or value).
    pub offset: usize,
}

impl fmt::Display for InvalidMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid message at byte {}: {}", self.offset, self.kind)
    }
}

impl core::error::Error for InvalidMessage {}

impl From<InvalidMessage> for DecodeError {
    fn from(m: InvalidMessage) -> Self {
        Self::Invalid(m)
    }
}

/// The classes of invalid input. Each names what the decoder expected.
///
/// Header names in the variants (`&'static str`) are the canonical spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKind {
    /// The method is not a token, or not the one this decoder reads (`BITS_POST` for BITS).
    Method,
    /// The request line is not `method SP request-target SP HTTP-version CRLF`.
    RequestLine,
    /// The request target is empty or has a byte outside `%x21-7E`.
    RequestTarget,
    /// The HTTP version is not `HTTP/1.1` (or `HTTP/1.0` where allowed).
    HttpVersion,
    /// The status line is not `HTTP-version SP 3DIGIT SP reason-phrase CRLF`.
    StatusLine,
    /// A status code this message cannot carry; the offset is the code's. A BITS Ack is never
    /// `101 Switching Protocols`: it answers a `BITS_POST`, which asks for no upgrade, and after
    /// a 101 the connection no longer speaks HTTP/1.1 (RFC 9110 §15.2.2), so no Ack could follow.
    UnexpectedStatus,
    /// A control byte in the reason phrase.
    ReasonPhrase,
    /// An empty line (or whitespace) where the start line was expected.
    LeadingWhitespace,
    /// A header name is empty or has a byte that is not a `tchar`.
    HeaderName,
    /// Whitespace between a header name and its colon (a request-smuggling shape, RFC 9112 §5.1).
    WhitespaceBeforeColon,
    /// A header line that starts with whitespace: obsolete line folding (RFC 9112 §5.2).
    ObsFold,
    /// A CR not followed by LF.
    BareCr,
    /// A line ending in LF without CR (allowed only with [`DecodeOptions::allow_bare_lf`](crate::DecodeOptions::allow_bare_lf)).
    BareLf,
    /// A control byte (other than HTAB) inside a header value.
    ControlByte,
    /// A header value longer than [`DecodeOptions::max_value_len`](crate::DecodeOptions::max_value_len).
    HeaderValueTooLong,
    /// More header lines than [`DecodeOptions::max_headers`](crate::DecodeOptions::max_headers).
    TooManyHeaders,
    /// No end of head within [`DecodeOptions::max_head_len`](crate::DecodeOptions::max_head_len) bytes.
    HeadTooLarge,
    /// A body longer than [`DecodeOptions::max_body_len`](crate::DecodeOptions::max_body_len).
    BodyTooLarge,
    /// The same single-valued header twice with the same value.
    DuplicateHeader(&'static str),
    /// The same single-valued header twice with different values (or `BITS-Error` and
    /// `BITS-Error-Code` that disagree).
    ConflictingHeader(&'static str),
    /// A header the message must carry is absent.
    MissingHeader(&'static str),
    /// Any `Transfer-Encoding`: this codec frames bodies by `Content-Length` only.
    TransferEncoding,
    /// A number that is not `1*DIGIT` (no sign, no inner space).
    Number(&'static str),
    /// A number too large for its type.
    NumberOverflow(&'static str),
    /// `Content-Range` is not `bytes first-last/total`.
    ContentRange,
    /// `Content-Range` with `last < first`.
    ContentRangeOrder,
    /// `Content-Range` with `last >= total`.
    ContentRangeBeyondTotal,
    /// `Content-Range` with an unknown (`*`) total.
    ContentRangeUnknownTotal,
    /// `Content-Length` disagrees with the length of `Content-Range`.
    ContentLengthMismatch,
    /// A message that must not have a body has `Content-Length` other than 0.
    BodyNotAllowed,
    /// `BITS-Packet-Type` is not one of the known packet types.
    PacketType,
    /// A request packet type on a response, or `Ack` on a request.
    PacketTypeDirection,
    /// A session id that is not 1–100 visible ASCII characters.
    SessionId,
    /// A protocol GUID that is not `{8-4-4-4-12 hex}`.
    Guid,
    /// More than [`MAX_SUPPORTED_PROTOCOLS`](crate::limits::MAX_SUPPORTED_PROTOCOLS) protocol GUIDs.
    TooManyProtocols,
    /// An HRESULT or error context that is not `[0x]1*8HEXDIG`.
    HexNumber(&'static str),
    /// A header value that must be text is not UTF-8.
    Utf8(&'static str),
    /// A JSON body (a Graph message's, or one decoded alone) that is not the document
    /// expected. The offset is that of the offending byte in the whole input: inside a
    /// message, counted from the message's first byte.
    #[cfg(feature = "graph")]
    Json(JsonErrorKind),
}

impl InvalidKind {
    /// The HTTP status a BITS server answers this error with ([MC-BUP] §2.2.1.2 table): 400 for
    /// malformed requests, 411 for a missing `Content-Length` ([MC-BUP] §3.2.5.2.3: "SHOULD
    /// return a 411"), 413 for a body over the limit, 431 for a head over the limits.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn http_status(&self) -> Status {
        match self {
            Self::MissingHeader("Content-Length") => Status::LENGTH_REQUIRED,
            Self::BodyTooLarge => Status::CONTENT_TOO_LARGE,
            Self::HeadTooLarge | Self::TooManyHeaders => Status::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::HttpVersion => Status::HTTP_VERSION_NOT_SUPPORTED,
            _ => Status::BAD_REQUEST,
        }
    }
}

impl fmt::Display for InvalidKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Method => f.write_str("expected the method BITS_POST (a token, case-sensitive)"),
            Self::RequestLine => f.write_str("expected request line `method SP target SP HTTP/1.1 CRLF`"),
            Self::RequestTarget => f.write_str("expected a request target of visible ASCII bytes"),
            Self::HttpVersion => f.write_str("expected HTTP version HTTP/1.1"),
            Self::StatusLine => f.write_str("expected status line `HTTP/1.1 SP 3DIGIT SP reason CRLF`"),
            Self::UnexpectedStatus => f.write_str("status code this message cannot carry"),
            Self::ReasonPhrase => f.write_str("expected a reason phrase without control bytes"),
            Self::LeadingWhitespace => f.write_str("expected a start line, found whitespace or an empty line"),
            Self::HeaderName => f.write_str("expected a header name (token) followed by `:`"),
            Self::WhitespaceBeforeColon => f.write_str("expected `:` right after the header name, found whitespace"),
            Self::ObsFold => f.write_str("expected a header name, found a folded continuation line (obs-fold)"),
            Self::BareCr => f.write_str("expected LF after CR"),
            Self::BareLf => f.write_str("expected CRLF, found a bare LF"),
            Self::ControlByte => f.write_str("expected a header value without control bytes"),
            Self::HeaderValueTooLong => f.write_str("header value longer than the limit"),
            Self::TooManyHeaders => f.write_str("more header fields than the limit"),
            Self::HeadTooLarge => f.write_str("message head longer than the limit"),
            Self::BodyTooLarge => f.write_str("message body longer than the limit"),
            Self::DuplicateHeader(h) => write!(f, "header {h} appears more than once"),
            Self::ConflictingHeader(h) => write!(f, "header {h} appears more than once with different values"),
            Self::MissingHeader(h) => write!(f, "expected header {h}"),
            Self::TransferEncoding => f.write_str("Transfer-Encoding is not accepted (Content-Length framing only)"),
            Self::Number(h) => write!(f, "expected decimal digits only in {h}"),
            Self::NumberOverflow(h) => write!(f, "number in {h} is too large"),
            Self::ContentRange => f.write_str("expected Content-Range `bytes first-last/total`"),
            Self::ContentRangeOrder => f.write_str("Content-Range last byte is before its first byte"),
            Self::ContentRangeBeyondTotal => f.write_str("Content-Range last byte is not below the total length"),
            Self::ContentRangeUnknownTotal => f.write_str("expected a numeric Content-Range total, found `*`"),
            Self::ContentLengthMismatch => f.write_str("Content-Length disagrees with the Content-Range length"),
            Self::BodyNotAllowed => f.write_str("expected Content-Length: 0 (this packet has no body)"),
            Self::PacketType => f.write_str("expected a known BITS-Packet-Type"),
            Self::PacketTypeDirection => f.write_str("BITS-Packet-Type does not fit the message direction"),
            Self::SessionId => f.write_str("expected a session id of 1 to 100 visible ASCII characters"),
            Self::Guid => f.write_str("expected a GUID {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"),
            Self::TooManyProtocols => f.write_str("more protocol GUIDs than the limit"),
            Self::HexNumber(h) => write!(f, "expected [0x]1-8 hex digits in {h}"),
            Self::Utf8(h) => write!(f, "expected UTF-8 text in {h}"),
            #[cfg(feature = "graph")]
            Self::Json(k) => write!(f, "invalid JSON body: {k}"),
        }
    }
}

/// The classes of invalid JSON bodies and values. Key names in the variants are the canonical
/// (camelCase) spellings.
#[cfg(feature = "graph")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not JSON at all, truncated JSON, a trailing comma (the doc 409 examples), or bytes after
    /// the value.
    Syntax,
    /// Objects and arrays nested deeper than [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH).
    TooDeep,
    /// A member with the wrong JSON type (a number where a string belongs, …).
    Type(&'static str),
    /// A required member is absent.
    MissingKey(&'static str),
    /// The same member twice (keys compare ASCII case-insensitively, so `nextExpectedRanges`
    /// and `NextExpectedRanges` together are a duplicate).
    DuplicateKey(&'static str),
    /// A `nextExpectedRanges` item that is not `S`, `S-` or `S-E` (decimal digits only).
    RangeItem,
    /// A `nextExpectedRanges` item `S-E` with `E < S`.
    RangeOrder,
    /// A number too large for 64 bits.
    NumberOverflow,
    /// A timestamp that is not RFC 3339 (`YYYY-MM-DDThh:mm:ss[.f{1,12}](Z|±hh:mm)`), or a date
    /// that does not exist.
    DateTime,
    /// A `createUploadSession` body that matches no variant (`item`/`deferCommit`,
    /// `AttachmentItem`, `properties`, `attachmentInfo`), or several at once.
    Shape,
    /// A body that must be a JSON object is another JSON value.
    NotAnObject,
}

#[cfg(feature = "graph")]
impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax => f.write_str("not valid JSON"),
            Self::TooDeep => write!(f, "JSON nested deeper than {} levels", crate::limits::MAX_JSON_DEPTH),
            Self::Type(k) => write!(f, "member {k} has the wrong JSON type"),
            Self::MissingKey(k) => write!(f, "expected member {k}"),
            Self::DuplicateKey(k) => write!(f, "member {k} appears more than once"),
            Self::RangeItem => f.write_str("expected a range item \"S\", \"S-\" or \"S-E\""),
            Self::RangeOrder => f.write_str("range item end is before its start"),
            Self::NumberOverflow => f.write_str("number too large for 64 bits"),
            Self::DateTime => f.write_str("expected an RFC 3339 date-time with zone (Z or +hh:mm)"),
            Self::Shape => f.write_str("expected exactly one of item, AttachmentItem, properties, attachmentInfo"),
            Self::NotAnObject => f.write_str("expected a JSON object"),
        }
    }
}

/// A value that cannot be built, because sending it would not be safe or would not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// Not a token (`1*tchar`): header names and methods.
    Token,
    /// CR, LF, NUL or another control byte, or leading/trailing whitespace, in a header value.
    FieldValue,
    /// A value longer than the per-value limit (4 KiB).
    ValueTooLong,
    /// A request target that is empty, too long, or has a byte outside `%x21-7E`.
    RequestTarget,
    /// A reason phrase with a control byte.
    ReasonPhrase,
    /// A status code outside 100–999.
    StatusCode,
    /// An HTTP version other than 1.0 and 1.1.
    HttpVersion,
    /// A session id that is not 1–100 visible ASCII characters.
    SessionId,
    /// A GUID that is not `{8-4-4-4-12 hex}`.
    Guid,
    /// A protocol list that is empty or longer than the limit.
    ProtocolList,
    /// `last < first` or `last >= total` in a byte range.
    ContentRange,
    /// A body whose length is not the one the headers give.
    BodyLength,
    /// A header the codec manages itself (framing or typed BITS header): use the typed setter.
    ReservedHeader(&'static str),
    /// Adding this header would pass the header-count or head-size limit.
    TooManyHeaders,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token => f.write_str("not a token"),
            Self::FieldValue => f.write_str("header value has a control byte or surrounding whitespace"),
            Self::ValueTooLong => f.write_str("header value longer than 4096 bytes"),
            Self::RequestTarget => f.write_str("request target is empty, too long, or not visible ASCII"),
            Self::ReasonPhrase => f.write_str("reason phrase has a control byte"),
            Self::StatusCode => f.write_str("status code outside 100-999"),
            Self::HttpVersion => f.write_str("HTTP version other than HTTP/1.0 and HTTP/1.1"),
            Self::SessionId => f.write_str("session id is not 1-100 visible ASCII characters"),
            Self::Guid => f.write_str("not a braced GUID"),
            Self::ProtocolList => f.write_str("protocol list is empty or too long"),
            Self::ContentRange => f.write_str("byte range with last < first or last >= total"),
            Self::BodyLength => f.write_str("body length differs from the range length"),
            Self::ReservedHeader(h) => write!(f, "header {h} is set through its typed setter"),
            Self::TooManyHeaders => f.write_str("header count or head size over the limit"),
        }
    }
}

impl core::error::Error for ValidationError {}
