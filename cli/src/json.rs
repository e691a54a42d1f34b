//! A decoded message as one JSON object.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bits_codec::bits::{Ack, BITS_POST, NotificationRequest, NotificationResponse, Request};
use bits_codec::graph::{self, CreateSessionBody, InnerError, ODataError, Outcome, RetryAfter, UploadSession};
use bits_codec::http1::{FieldValue, Headers, Message, StartLine};
use bits_codec::{Decode, DecodeOptions};
use serde::Serialize;

use crate::classify::{Decoded, raw_reason};

/// The JSON shape of every message. Keys that do not apply to a message are left out; the
/// BITS keys are present (possibly `null`) on every BITS message, the Graph keys on every
/// Graph message, and neither on plain HTTP.
#[derive(Debug, Serialize)]
pub(crate) struct MessageJson {
    protocol: &'static str,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    packet_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
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
    #[serde(flatten)]
    graph_request: Option<GraphRequestJson>,
    #[serde(flatten)]
    graph_response: Option<GraphResponseJson>,
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

/// The typed fields of a Graph request.
#[derive(Debug, Serialize)]
struct GraphRequestJson {
    content_range: Option<RangeJson>,
    create_upload_session: Option<CreateJson>,
}

/// A `createUploadSession` body, by variant.
#[derive(Debug, Serialize)]
#[serde(tag = "variant", rename_all = "snake_case")]
enum CreateJson {
    DriveItem {
        conflict_behavior: Option<String>,
        name: Option<String>,
        description: Option<String>,
        file_size: Option<u64>,
        file_system_info: Option<FileSystemInfoJson>,
        defer_commit: Option<bool>,
    },
    Attachment(AttachmentJson),
    TaskAttachment(AttachmentJson),
    PrintDocument {
        document_name: String,
        content_type: String,
        size: u64,
    },
    Unknown,
}

#[derive(Debug, Serialize)]
struct FileSystemInfoJson {
    created_date_time: Option<String>,
    last_accessed_date_time: Option<String>,
    last_modified_date_time: Option<String>,
}

#[derive(Debug, Serialize)]
struct AttachmentJson {
    attachment_type: String,
    name: String,
    size: u64,
    content_type: Option<String>,
    is_inline: Option<bool>,
    content_id: Option<String>,
}

/// The typed fields of a Graph response.
#[derive(Debug, Serialize)]
struct GraphResponseJson {
    outcome: &'static str,
    upload_session: Option<SessionJson>,
    error: Option<ErrorJson>,
    item: Option<ItemJson>,
    location: Option<String>,
    retry_after: Option<RetryAfterJson>,
}

#[derive(Debug, Serialize)]
struct SessionJson {
    upload_url: Option<String>,
    expiration_date_time: Option<String>,
    next_expected_ranges: Option<Vec<RangeItemJson>>,
}

/// One `nextExpectedRanges` item; `end` is `null` for "to the end of the file".
#[derive(Debug, Serialize)]
struct RangeItemJson {
    start: u64,
    end: Option<u64>,
}

#[derive(Debug, Serialize)]
struct ErrorJson {
    code: String,
    message: Option<String>,
    inner_error: Option<Box<InnerErrorJson>>,
}

#[derive(Debug, Serialize)]
struct InnerErrorJson {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    client_request_id: Option<String>,
    date: Option<String>,
    inner_error: Option<Box<InnerErrorJson>>,
}

#[derive(Debug, Serialize)]
struct ItemJson {
    id: String,
    name: Option<String>,
    size: Option<u64>,
}

/// `Retry-After`: seconds as a number, an HTTP date as a string.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum RetryAfterJson {
    Seconds(u64),
    Date(String),
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
            Decoded::GraphRequest(r) => Self::graph_request(r),
            Decoded::GraphResponse(r) => Self::graph_response(r, input),
        }
    }

    fn base(message: &'static str, version: &'static str, h: &Headers<'_>, body: &[u8]) -> Self {
        Self {
            protocol: "bits",
            message,
            packet_type: None,
            operation: None,
            method: None,
            target: None,
            version,
            status: None,
            reason: None,
            content_length: None,
            bits: None,
            graph_request: None,
            graph_response: None,
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

    fn graph_request(r: &graph::Request<'_>) -> Self {
        let graph = GraphRequestJson {
            content_range: r.content_range().map(|c| RangeJson { first: c.first(), last: c.last(), total: c.total() }),
            create_upload_session: r.create_session_body().map(create_json),
        };
        Self {
            protocol: "graph",
            operation: Some(r.operation().as_str()),
            method: Some(r.method().as_str().to_owned()),
            target: Some(r.target().as_str().to_owned()),
            content_length: r.content_length(),
            graph_request: Some(graph),
            ..Self::base("request", r.version().as_str(), r.headers(), r.body())
        }
    }

    fn graph_response(r: &graph::Response<'_>, input: &[u8]) -> Self {
        let graph = GraphResponseJson {
            outcome: outcome_name(&r.outcome()),
            upload_session: r.upload_session().map(session_json),
            error: r.odata_error().map(error_json),
            item: r.completed_item().map(|i| ItemJson {
                id: i.id().to_owned(),
                name: i.name().map(str::to_owned),
                size: i.size(),
            }),
            location: value(r.location()),
            retry_after: r.retry_after().map(|a| match a {
                RetryAfter::Seconds(n) => RetryAfterJson::Seconds(*n),
                RetryAfter::Date(d) => RetryAfterJson::Date(text(d.as_bytes())),
            }),
        };
        Self {
            protocol: "graph",
            status: Some(r.status().as_u16()),
            reason: Some(text(raw_reason(input))),
            content_length: r.content_length(),
            graph_response: Some(graph),
            ..Self::base("response", r.version().as_str(), r.headers(), r.body())
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

fn outcome_name(o: &Outcome<'_>) -> &'static str {
    match o {
        Outcome::SessionCreated(_) => "session-created",
        Outcome::InProgress(_) => "in-progress",
        Outcome::AwaitingCommit(_) => "awaiting-commit",
        Outcome::RangesUnknown(_) => "ranges-unknown",
        Outcome::Completed(_) => "completed",
        Outcome::CompletedAt(_) => "completed-at-location",
        Outcome::NoContent => "no-content",
        Outcome::Failed(_) => "failed",
        _ => "unrecognized",
    }
}

fn session_json(s: &UploadSession<'_>) -> SessionJson {
    SessionJson {
        upload_url: s.upload_url().map(str::to_owned),
        expiration_date_time: s.expiration_date_time().map(|t| t.as_str().to_owned()),
        next_expected_ranges: s
            .next_expected_ranges()
            .map(|r| r.iter().map(|r| RangeItemJson { start: r.start(), end: r.end() }).collect()),
    }
}

fn inner_json(i: &InnerError<'_>) -> Box<InnerErrorJson> {
    Box::new(InnerErrorJson {
        code: i.code().map(str::to_owned),
        message: i.message().map(str::to_owned),
        request_id: i.request_id().map(str::to_owned),
        client_request_id: i.client_request_id().map(str::to_owned),
        date: i.date().map(str::to_owned),
        inner_error: i.inner_error().map(inner_json),
    })
}

fn error_json(e: &ODataError<'_>) -> ErrorJson {
    ErrorJson {
        code: e.code().to_owned(),
        message: e.message().map(str::to_owned),
        inner_error: e.inner_error().map(inner_json),
    }
}

fn create_json(b: &CreateSessionBody<'_>) -> CreateJson {
    let attachment = |a: &graph::AttachmentItem<'_>| AttachmentJson {
        attachment_type: a.attachment_type().as_str().to_owned(),
        name: a.name().to_owned(),
        size: a.size(),
        content_type: a.content_type().map(str::to_owned),
        is_inline: a.is_inline(),
        content_id: a.content_id().map(str::to_owned),
    };
    match b {
        CreateSessionBody::DriveItem(d) => {
            let item = d.item();
            let date = |t: Option<&graph::DateTimeOffset<'_>>| t.map(|t| t.as_str().to_owned());
            CreateJson::DriveItem {
                conflict_behavior: item.and_then(|i| i.conflict_behavior()).map(|c| c.as_str().to_owned()),
                name: item.and_then(|i| i.name()).map(str::to_owned),
                description: item.and_then(|i| i.description()).map(str::to_owned),
                file_size: item.and_then(|i| i.file_size()),
                file_system_info: item.and_then(|i| i.file_system_info()).map(|f| FileSystemInfoJson {
                    created_date_time: date(f.created_date_time()),
                    last_accessed_date_time: date(f.last_accessed_date_time()),
                    last_modified_date_time: date(f.last_modified_date_time()),
                }),
                defer_commit: d.defer_commit(),
            }
        }
        CreateSessionBody::Attachment(a) => CreateJson::Attachment(attachment(a)),
        CreateSessionBody::TaskAttachment(a) => CreateJson::TaskAttachment(attachment(a)),
        CreateSessionBody::PrintDocument(p) => CreateJson::PrintDocument {
            document_name: p.document_name().to_owned(),
            content_type: p.content_type().to_owned(),
            size: p.size(),
        },
        // A variant this tool does not know yet: no typed view.
        _ => CreateJson::Unknown,
    }
}
