//! The BITS header collectors, one per message type: each turns the header lines its message
//! carries into typed values as the head is parsed, and enforces the single-value rules
//! (digest §7 A14). The same collectors serve bytes and `http::HeaderMap`, so both views apply
//! identical checks.

use super::guid::{Guid, ProtocolList};
use super::hresult::{ErrorContext, ErrorHeaderName, HResult};
use super::packet_type::PacketType;
use crate::error::{InvalidKind, InvalidMessage};
use crate::http1::content_range::ContentRange;
use crate::http1::head::{self, FieldLine, FieldSink};
use crate::http1::names::KnownHeader;
use crate::http1::syntax::{NumberError, decimal_u32, decimal_u64, hex_u32, visible_len};
use crate::http1::values::FieldValue;
use crate::limits::MAX_SESSION_ID_LEN;
use crate::options::DecodeOptions;

/// Which notification message [`NotificationFields`] reads: it types only the headers that
/// message can carry, and keeps every other header untouched in the header list (receivers
/// "MUST ignore any header fields that [they do] not understand", [MC-BUP] §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotificationRole {
    Request,
    Response,
}

/// A typed value with the offset of the header line it came from. Compared by value only: two
/// copies of a header are "the same" whatever line they stand on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<T> {
    pub(crate) value: T,
    pub(crate) at: usize,
}

impl<T: PartialEq> PartialEq for At<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

/// The fields of the notification messages (request and reply between the upload server and
/// the back-end server, [MC-BUP] §3.4.5.2).
#[derive(Debug, Clone)]
pub(crate) struct NotificationFields<'a> {
    role: NotificationRole,
    pub(crate) host: Option<At<FieldValue<'a>>>,
    pub(crate) original_request_url: Option<At<FieldValue<'a>>>,
    pub(crate) request_data_file: Option<At<FieldValue<'a>>>,
    pub(crate) response_data_file: Option<At<FieldValue<'a>>>,
    pub(crate) static_response_url: Option<At<FieldValue<'a>>>,
    pub(crate) copy_file_to_destination: Option<At<FieldValue<'a>>>,
}

fn invalid(kind: InvalidKind, offset: usize) -> InvalidMessage {
    InvalidMessage { kind, offset }
}

/// Store a single-valued header with the offset of its line (the rule is `head::set_once`).
fn set_once<T: PartialEq>(
    slot: &mut Option<At<T>>,
    value: T,
    name: KnownHeader,
    line: &FieldLine<'_>,
    opts: &DecodeOptions,
) -> Result<(), InvalidMessage> {
    head::set_once(slot, At { value, at: line.name_at }, name.as_str(), line, opts)
}

fn number_error(e: NumberError, name: KnownHeader, at: usize) -> InvalidMessage {
    match e {
        NumberError::Syntax(i) => invalid(InvalidKind::Number(name.as_str()), at + i),
        NumberError::Overflow => invalid(InvalidKind::NumberOverflow(name.as_str()), at),
    }
}

fn hex_error(e: NumberError, name: KnownHeader, at: usize) -> InvalidMessage {
    match e {
        NumberError::Syntax(i) => invalid(InvalidKind::HexNumber(name.as_str()), at + i),
        NumberError::Overflow => invalid(InvalidKind::HexNumber(name.as_str()), at),
    }
}

/// `BITS-Packet-Type`: one of the six names, in any case.
fn packet_type(v: &[u8], at: usize) -> Result<PacketType, InvalidMessage> {
    PacketType::from_bytes(v).ok_or(invalid(InvalidKind::PacketType, at))
}

/// `BITS-Session-Id`: 1 to 100 visible ASCII characters (digest §7 A11).
pub(crate) fn session_id(v: &[u8], at: usize) -> Result<&[u8], InvalidMessage> {
    if v.is_empty() {
        return Err(invalid(InvalidKind::SessionId, at));
    }
    // Eight bytes a step: an id is usually a 38-byte GUID.
    let n = visible_len(v);
    if n < v.len() {
        return Err(invalid(InvalidKind::SessionId, at + n));
    }
    if v.len() > MAX_SESSION_ID_LEN {
        return Err(invalid(InvalidKind::SessionId, at + MAX_SESSION_ID_LEN));
    }
    Ok(v)
}

/// `BITS-Supported-Protocols`: GUIDs separated by runs of SP, HTAB or `,` ("space-delimited
/// or comma-delimited", [MC-BUP] §2.2.2.2). Several headers are one list, in order
/// (RFC 9110 §5.3; digest §7 A13).
fn supported_protocols(
    list: &mut Option<ProtocolList>,
    v: &[u8],
    at: usize,
    opts: &DecodeOptions,
) -> Result<(), InvalidMessage> {
    let mut i = 0;
    let mut any = false;
    while i < v.len() {
        if matches!(v[i], b' ' | b'\t' | b',') {
            i += 1;
            continue;
        }
        // The usual token, a braced GUID then a separator or the end, without the byte loop
        // looking for the separator: a token that reads as a GUID holds none.
        let braced = v
            .get(i..i + 38)
            .filter(|_| v.get(i + 38).is_none_or(|b| matches!(b, b' ' | b'\t' | b',')))
            .and_then(|t| Guid::decode(t, opts.allow_unbraced_guid).ok());
        let (g, len) = match braced {
            Some(g) => (g, 38),
            None => {
                let len = v[i..].iter().position(|&b| matches!(b, b' ' | b'\t' | b',')).unwrap_or(v.len() - i);
                let g = Guid::decode(&v[i..i + len], opts.allow_unbraced_guid)
                    .map_err(|j| invalid(InvalidKind::Guid, at + i + j))?;
                (g, len)
            }
        };
        match list {
            None => *list = Some(ProtocolList::one(g)),
            Some(list) => {
                if !list.push(g) {
                    return Err(invalid(InvalidKind::TooManyProtocols, at + i));
                }
            }
        }
        any = true;
        i += len;
    }
    if any { Ok(()) } else { Err(invalid(InvalidKind::Guid, at)) }
}

/// `BITS-Error-Code: ` or `BITS-Error-Context: ` with nothing after the colon (but OWS) is read
/// as if the header were absent: the typed accessor returns `None`, and the line stays in the
/// header list so the Ack re-encodes byte for byte. This is the default, not an option.
///
/// Why: the Python BITS servers in use (built on `http.server`) send both headers on every Ack,
/// and leave them empty on success, so every Ping Ack they send carries
/// `BITS-Error-Context: ` (an empty value is a valid `field-value`, RFC 9110 §5.5). Refusing it
/// would stop a client from ever pinging them. Accepting it cannot turn an error into a
/// success: whether an Ack reports success is decided by its status code (each Ack section of
/// [MC-BUP] §2.2 pairs a success status with the fields of a success, and an error status with
/// `BITS-Error-Code` and `BITS-Error-Context`), so a missing code leaves an error status an
/// error; and the emptiness of a value has nothing to do with framing, which `Content-Length`
/// alone decides. A non-empty value that is not hex digits stays an error (`HexNumber`).
#[inline(always)]
fn empty_error_header_is_absent(v: &[u8]) -> bool {
    v.is_empty()
}

/// The fields a BITS request types, collected as its head is read: slices of the input (or of
/// a header map) and small values, each with the offset of its line. Only what a request
/// carries, and nothing to drop but the protocol list: this is filled once per Fragment head,
/// the hot path, where the shared [`Collected`] (about 600 bytes to set up and tear down) cost
/// more than the typing itself.
#[derive(Debug, Default)]
pub(crate) struct RequestFields<'a> {
    pub(crate) packet_type: Option<At<PacketType>>,
    pub(crate) session_id: Option<At<&'a [u8]>>,
    pub(crate) supported_protocols: Option<ProtocolList>,
    pub(crate) content_range: Option<At<ContentRange>>,
    pub(crate) content_name: Option<At<&'a [u8]>>,
    pub(crate) host: Option<At<&'a [u8]>>,
}

impl<'a> RequestFields<'a> {
    /// A field of a BITS request; every header a request does not type is left alone.
    #[inline]
    pub(crate) fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        use KnownHeader as K;
        let Some(known) = line.known else { return Ok(()) };
        let (v, at) = (line.value, line.value_at);
        match known {
            K::BitsPacketType => set_once(&mut self.packet_type, packet_type(v, at)?, K::BitsPacketType, line, opts),
            K::BitsSessionId => set_once(&mut self.session_id, session_id(v, at)?, K::BitsSessionId, line, opts),
            K::BitsSupportedProtocols => supported_protocols(&mut self.supported_protocols, v, at, opts),
            K::ContentRange => {
                let r = ContentRange::decode_value(v, opts).map_err(|(k, i)| invalid(k, at + i))?;
                set_once(&mut self.content_range, r, K::ContentRange, line, opts)
            }
            K::ContentName => set_once(&mut self.content_name, v, K::ContentName, line, opts),
            // Two Host headers are a classic smuggling shape: a server MUST reject them
            // (RFC 9112 §3.2).
            K::Host => set_once(&mut self.host, v, K::Host, line, opts),
            _ => Ok(()),
        }
    }
}

/// The fields a BITS Ack types, collected as its head is read (see [`RequestFields`] for why a
/// message type has its own small collector): all `Copy`, nothing to drop.
#[derive(Debug, Default)]
pub(crate) struct AckFields<'a> {
    pub(crate) packet_type: Option<At<PacketType>>,
    pub(crate) session_id: Option<At<&'a [u8]>>,
    pub(crate) protocol: Option<At<Guid>>,
    pub(crate) received_content_range: Option<At<u64>>,
    pub(crate) host_id: Option<At<&'a [u8]>>,
    pub(crate) host_id_fallback_timeout: Option<At<u32>>,
    pub(crate) reply_url: Option<At<&'a [u8]>>,
    pub(crate) error_code: Option<At<HResult>>,
    pub(crate) error_spec: Option<At<HResult>>,
    pub(crate) error_context: Option<At<ErrorContext>>,
}

impl<'a> AckFields<'a> {
    /// A field of a BITS Ack; every header an Ack does not type is left alone.
    #[inline]
    pub(crate) fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        use KnownHeader as K;
        let Some(known) = line.known else { return Ok(()) };
        let (v, at) = (line.value, line.value_at);
        match known {
            K::BitsPacketType => set_once(&mut self.packet_type, packet_type(v, at)?, K::BitsPacketType, line, opts),
            K::BitsSessionId => set_once(&mut self.session_id, session_id(v, at)?, K::BitsSessionId, line, opts),
            K::BitsProtocol => {
                let g = Guid::decode(v, opts.allow_unbraced_guid).map_err(|i| invalid(InvalidKind::Guid, at + i))?;
                set_once(&mut self.protocol, g, K::BitsProtocol, line, opts)
            }
            K::BitsReceivedContentRange => {
                let n = decimal_u64(v).map_err(|e| number_error(e, K::BitsReceivedContentRange, at))?;
                set_once(&mut self.received_content_range, n, K::BitsReceivedContentRange, line, opts)
            }
            K::BitsHostId => set_once(&mut self.host_id, v, K::BitsHostId, line, opts),
            K::BitsHostIdFallbackTimeout => {
                let n = decimal_u32(v).map_err(|e| number_error(e, K::BitsHostIdFallbackTimeout, at))?;
                set_once(&mut self.host_id_fallback_timeout, n, K::BitsHostIdFallbackTimeout, line, opts)
            }
            K::BitsReplyUrl => set_once(&mut self.reply_url, v, K::BitsReplyUrl, line, opts),
            // An empty error header is treated as absent; see `empty_error_header_is_absent`.
            K::BitsErrorCode | K::BitsErrorContext if empty_error_header_is_absent(v) => Ok(()),
            K::BitsErrorCode => {
                let n = hex_u32(v).map_err(|e| hex_error(e, K::BitsErrorCode, at))?;
                set_once(&mut self.error_code, HResult(n), K::BitsErrorCode, line, opts)
            }
            K::BitsError => {
                let n = hex_u32(v).map_err(|e| hex_error(e, K::BitsError, at))?;
                set_once(&mut self.error_spec, HResult(n), K::BitsError, line, opts)
            }
            K::BitsErrorContext => {
                let n = hex_u32(v).map_err(|e| hex_error(e, K::BitsErrorContext, at))?;
                set_once(&mut self.error_context, ErrorContext(n), K::BitsErrorContext, line, opts)
            }
            _ => Ok(()),
        }
    }

    /// The error code from `BITS-Error-Code` or `BITS-Error` (aliases, digest §7 A6): if both
    /// are present they must agree.
    pub(crate) fn error(&self) -> Result<Option<HResult>, InvalidMessage> {
        match (&self.error_code, &self.error_spec) {
            (Some(a), Some(b)) if a.value != b.value => {
                Err(invalid(InvalidKind::ConflictingHeader(KnownHeader::BitsError.as_str()), a.at.max(b.at)))
            }
            (Some(a), _) | (None, Some(a)) => Ok(Some(a.value)),
            (None, None) => Ok(None),
        }
    }

    /// Which error header names appeared.
    pub(crate) fn error_header_name(&self) -> Option<ErrorHeaderName> {
        match (self.error_code.is_some(), self.error_spec.is_some()) {
            (true, true) => Some(ErrorHeaderName::Both),
            (true, false) => Some(ErrorHeaderName::Code),
            (false, true) => Some(ErrorHeaderName::Spec),
            (false, false) => None,
        }
    }
}

impl NotificationFields<'_> {
    pub(crate) fn new(role: NotificationRole) -> Self {
        Self {
            role,
            host: None,
            original_request_url: None,
            request_data_file: None,
            response_data_file: None,
            static_response_url: None,
            copy_file_to_destination: None,
        }
    }
}

impl<'a> FieldSink<'a> for NotificationFields<'a> {
    fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        use KnownHeader as K;
        use NotificationRole as R;
        let (slot, name) = match (self.role, line.known) {
            // Two Host headers are a classic smuggling shape (RFC 9112 §3.2).
            (R::Request, Some(K::Host)) => (&mut self.host, K::Host),
            (R::Request, Some(K::BitsOriginalRequestUrl)) => {
                (&mut self.original_request_url, K::BitsOriginalRequestUrl)
            }
            (R::Request, Some(K::BitsRequestDataFileName)) => (&mut self.request_data_file, K::BitsRequestDataFileName),
            (R::Request, Some(K::BitsResponseDataFileName)) => {
                (&mut self.response_data_file, K::BitsResponseDataFileName)
            }
            (R::Response, Some(K::BitsStaticResponseUrl)) => (&mut self.static_response_url, K::BitsStaticResponseUrl),
            (R::Response, Some(K::BitsCopyFileToDestination)) => {
                (&mut self.copy_file_to_destination, K::BitsCopyFileToDestination)
            }
            _ => return Ok(()),
        };
        set_once(slot, FieldValue::unvalidated(line.value), name, line, opts)
    }
}
