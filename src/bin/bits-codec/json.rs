//! A decoded message as one JSON object.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bits_codec::bits::{Ack, BITS_POST, NotificationRequest, NotificationResponse, Request};
use bits_codec::http::{FieldValue, Headers, Message, StartLine};
use bits_codec::{Decode, DecodeOptions};
use serde::Serialize;

use crate::classify::{Decoded, raw_reason};

/// The JSON shape of every message. Keys that do not apply to a message are left out; the
/// BITS keys are present (possibly `null`) on every BITS message and absent on plain HTTP.
#[derive(Debug, Serialize)]
pub(crate) struct MessageJson {
    protocol: &'static str,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    content_length: Option<u64>,
    #[serde(flatten)]
    bits: Option<BitsJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notification: Option<NotificationJson>,
    headers: Vec<(String, String)>,
    body_len: usize,
    body: String,
}

/// The typed BITS fields (requests and Acks share one key set).
#[derive(Debug, Default, Serialize)]
struct BitsJson {
    host: Option<String>,
    session_id: Option<String>,
    content_name: Option<String>,
    content_range: Option<RangeJson>,
    supported_protocols: Option<Vec<String>>,
    protocol_guid: Option<String>,
    received_content_range: Option<u64>,
    error_code: Option<u32>,
    error_context: Option<u32>,
    host_id: Option<String>,
    host_id_fallback_timeout: Option<u32>,
    reply_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct RangeJson {
    first: u64,
    last: u64,
    total: u64,
}

/// The back-end notification fields, when a plain message carries them.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum NotificationJson {
    Request {
        original_request_url: String,
        request_data_file: Option<String>,
        response_data_file: Option<String>,
        by_reference: bool,
    },
    Response {
        static_response_url: Option<String>,
        copy_file_to_destination: bool,
    },
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn value(v: Option<&FieldValue<'_>>) -> Option<String> {
    v.map(|v| text(v.as_bytes()))
}

fn headers(h: &Headers<'_>) -> Vec<(String, String)> {
    h.iter().map(|f| (f.name.to_owned(), text(f.value))).collect()
}

impl MessageJson {
    /// The JSON of `decoded`, which was decoded from exactly `input` with `opts`.
    pub(crate) fn new(decoded: &Decoded<'_>, input: &[u8], opts: &DecodeOptions) -> Self {
        match decoded {
            Decoded::Request(r) => Self::request(r),
            Decoded::Ack(a) => Self::ack(a, input),
            Decoded::Http(m) => Self::http(m, input, opts),
        }
    }

    fn base(message: &'static str, version: &'static str, h: &Headers<'_>, body: &[u8]) -> Self {
        Self {
            protocol: "bits",
            message,
            packet_type: None,
            method: None,
            target: None,
            version,
            status: None,
            reason: None,
            content_length: None,
            bits: None,
            notification: None,
            headers: headers(h),
            body_len: body.len(),
            body: STANDARD.encode(body),
        }
    }

    fn request(r: &Request<'_>) -> Self {
        let bits = BitsJson {
            host: value(r.host()),
            session_id: r.session_id().map(|s| s.as_str().to_owned()),
            content_name: value(r.content_name()),
            content_range: r.content_range().map(|c| RangeJson { first: c.first(), last: c.last(), total: c.total() }),
            supported_protocols: r.supported_protocols().map(|l| l.iter().map(|g| g.to_string()).collect()),
            ..BitsJson::default()
        };
        Self {
            packet_type: Some(r.packet_type().as_str()),
            method: Some(BITS_POST.to_owned()),
            target: Some(r.target().as_str().to_owned()),
            content_length: Some(r.content_length()),
            bits: Some(bits),
            ..Self::base("request", r.version().as_str(), r.headers(), r.body())
        }
    }

    fn ack(a: &Ack<'_>, input: &[u8]) -> Self {
        let bits = BitsJson {
            session_id: a.session_id().map(|s| s.as_str().to_owned()),
            protocol_guid: a.protocol().map(|g| g.to_string()),
            received_content_range: a.received_content_range(),
            error_code: a.error_code().map(|c| c.0),
            error_context: a.error_context().map(|c| c.0),
            host_id: value(a.host_id()),
            host_id_fallback_timeout: a.host_id_fallback_timeout(),
            reply_url: value(a.reply_url()),
            ..BitsJson::default()
        };
        Self {
            packet_type: Some("Ack"),
            status: Some(a.status().as_u16()),
            reason: Some(text(raw_reason(input))),
            content_length: Some(a.content_length()),
            bits: Some(bits),
            ..Self::base("response", a.version().as_str(), a.headers(), a.body())
        }
    }

    fn http(m: &Message<'_>, input: &[u8], opts: &DecodeOptions) -> Self {
        let content_length = m.headers().get("Content-Length").and_then(|f| f.value_str()?.parse().ok());
        let mut j = match m.start_line() {
            StartLine::Request { method, target, version } => Self {
                method: Some(method.as_str().to_owned()),
                target: Some(target.as_str().to_owned()),
                ..Self::base("request", version.as_str(), m.headers(), m.body())
            },
            StartLine::Response { version, status, .. } => Self {
                status: Some(status.as_u16()),
                reason: Some(text(raw_reason(input))),
                ..Self::base("response", version.as_str(), m.headers(), m.body())
            },
        };
        j.protocol = "http";
        j.content_length = content_length;
        j.notification = notification(m, input, opts);
        j
    }
}

/// The notification view of a plain message that carries the notification headers.
fn notification(m: &Message<'_>, input: &[u8], opts: &DecodeOptions) -> Option<NotificationJson> {
    let h = m.headers();
    match m.start_line() {
        StartLine::Request { .. } if h.get("BITS-Original-Request-URL").is_some() => {
            let (n, _) = NotificationRequest::decode_with(input, opts).ok()?;
            Some(NotificationJson::Request {
                original_request_url: text(n.original_request_url().as_bytes()),
                request_data_file: value(n.request_data_file()),
                response_data_file: value(n.response_data_file()),
                by_reference: n.is_by_reference(),
            })
        }
        StartLine::Response { .. }
            if h.get("BITS-Static-Response-URL").is_some() || h.get("BITS-Copy-File-To-Destination").is_some() =>
        {
            let (n, _) = NotificationResponse::decode_at_eof(input, opts).ok()?;
            Some(NotificationJson::Response {
                static_response_url: value(n.static_response_url()),
                copy_file_to_destination: n.copy_file_to_destination(),
            })
        }
        _ => None,
    }
}
