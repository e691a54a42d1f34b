//! The BITS header collectors, one per message type: each hands the header lines its message
//! carries to the header's wire rule in [`super::headers`] as the head is parsed, and enforces
//! the single-value rule: a BITS header names one value, so a second copy that differs is
//! refused, as RFC 9110 §5.3 allows a recipient to do for a field that is not a list (two
//! readers could otherwise pick different copies). The same collectors serve bytes and
//! `http::HeaderMap`, so both views apply identical checks.

use super::guid::{Guid, ProtocolList};
use super::headers::{self as h, run};
use super::hresult::{ErrorContext, ErrorHeaderName, HResult};
use super::packet_type::PacketType;
use crate::error::{InvalidKind, InvalidMessage};
use crate::http1::content_range::ContentRange;
use crate::http1::head::{self, FieldLine, FieldSink};
use crate::http1::names::KnownHeader;
use crate::http1::values::FieldValue;
use crate::options::DecodeOptions;

/// Which notification message [`NotificationFields`] reads: it types only the headers that
/// message can carry, and keeps every other header untouched in the header list (receivers
/// "MUST ignore any header fields that [they do] not understand", [MC-BUP] §2.2).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
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
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
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
            K::BitsPacketType => {
                let t = run(h::packet_type::packet_type, v, at, InvalidKind::PacketType)?;
                set_once(&mut self.packet_type, t, K::BitsPacketType, line, opts)
            }
            K::BitsSessionId => {
                let id = run(h::session_id::session_id, v, at, InvalidKind::SessionId)?;
                set_once(&mut self.session_id, id, K::BitsSessionId, line, opts)
            }
            K::BitsSupportedProtocols => {
                run(h::protocols::supported_protocols(&mut self.supported_protocols, opts), v, at, InvalidKind::Guid)
            }
            K::ContentRange => {
                let r = ContentRange::decode_value(v, opts).map_err(|(k, i)| invalid(k, at + i))?;
                set_once(&mut self.content_range, r, K::ContentRange, line, opts)
            }
            K::ContentName => {
                let name = run(h::content_name::content_name, v, at, InvalidKind::ControlByte)?;
                set_once(&mut self.content_name, name, K::ContentName, line, opts)
            }
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
            K::BitsPacketType => {
                let t = run(h::packet_type::packet_type, v, at, InvalidKind::PacketType)?;
                set_once(&mut self.packet_type, t, K::BitsPacketType, line, opts)
            }
            K::BitsSessionId => {
                let id = run(h::session_id::session_id, v, at, InvalidKind::SessionId)?;
                set_once(&mut self.session_id, id, K::BitsSessionId, line, opts)
            }
            K::BitsProtocol => {
                let g = run(h::protocols::guid(opts.allow_unbraced_guid), v, at, InvalidKind::Guid)?;
                set_once(&mut self.protocol, g, K::BitsProtocol, line, opts)
            }
            K::BitsReceivedContentRange => {
                let name = K::BitsReceivedContentRange;
                let n =
                    run(h::received_content_range::received_content_range, v, at, InvalidKind::Number(name.as_str()))?;
                set_once(&mut self.received_content_range, n, name, line, opts)
            }
            K::BitsHostId => {
                let host = run(h::host_id::host_id, v, at, InvalidKind::ControlByte)?;
                set_once(&mut self.host_id, host, K::BitsHostId, line, opts)
            }
            K::BitsHostIdFallbackTimeout => {
                let name = K::BitsHostIdFallbackTimeout;
                let n = run(
                    h::host_id_fallback_timeout::host_id_fallback_timeout,
                    v,
                    at,
                    InvalidKind::Number(name.as_str()),
                )?;
                set_once(&mut self.host_id_fallback_timeout, n, name, line, opts)
            }
            K::BitsReplyUrl => {
                let url = run(h::reply_url::reply_url, v, at, InvalidKind::ControlByte)?;
                set_once(&mut self.reply_url, url, K::BitsReplyUrl, line, opts)
            }
            // An empty error header is read as absent ([`h::error_code::is_absent`] says why).
            K::BitsErrorCode | K::BitsErrorContext if h::error_code::is_absent(v) => Ok(()),
            K::BitsErrorCode => {
                let name = K::BitsErrorCode;
                let code = run(h::error_code::error_code(name.as_str()), v, at, InvalidKind::HexNumber(name.as_str()))?;
                set_once(&mut self.error_code, code, name, line, opts)
            }
            K::BitsError => {
                let name = K::BitsError;
                let code = run(h::error_code::error_code(name.as_str()), v, at, InvalidKind::HexNumber(name.as_str()))?;
                set_once(&mut self.error_spec, code, name, line, opts)
            }
            K::BitsErrorContext => {
                let name = K::BitsErrorContext;
                let c = run(h::error_context::error_context, v, at, InvalidKind::HexNumber(name.as_str()))?;
                set_once(&mut self.error_context, c, name, line, opts)
            }
            _ => Ok(()),
        }
    }

    /// The error code from `BITS-Error-Code` or `BITS-Error` (aliases: [MC-BUP] §2.2.1.2 uses
    /// the second, the Learn pages and peers the first): if both
    /// are present they must agree.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
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
