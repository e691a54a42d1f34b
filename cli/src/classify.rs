//! Deciding what a whole input is, and decoding it as exactly one message.
//!
//! A response (`HTTP/…`) with a `BITS-Packet-Type` header is a BITS Ack. Any other response is
//! a Microsoft Graph answer when its content says so (an upload session, an OData error or a
//! created item as JSON, `201` with `Location` and no body, `204`), else plain HTTP; both are
//! read to the end of the input when they have no `Content-Length`. A request whose method is
//! exactly `BITS_POST` is a BITS request; a request of a Graph shape (see [`graph_request`])
//! is decoded strictly as Graph; any other request is plain HTTP.
//!
//! One exception to "else plain HTTP": a response whose `Content-Type` says JSON
//! (`application/json`, or any `+json` type, RFC 6839 §3.1) and whose body is not valid JSON
//! is an error naming the byte offset where the JSON breaks. The sender declared JSON, so a
//! body that is not JSON is a fault worth reporting, not a message of another protocol.
//!
//! [`Protocol`] forces the reading instead (the command line's `--as bits|graph|http`): the
//! input is decoded as that protocol's message of the direction its start line shows, with
//! none of the guessing above.

use core::fmt;

use bits_codec::bits::{Ack, BITS_POST, Request};
use bits_codec::graph::{self, JsonErrorKind, ResponseBody, is_create_upload_session_target};
use bits_codec::http1::Message;
use bits_codec::limits::{MAX_TARGET_LEN, MAX_VALUE_LEN};
use bits_codec::{Decode, DecodeError, DecodeOptions, InvalidKind, InvalidMessage};

/// A protocol to read an input as, instead of recognizing it (`--as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Protocol {
    /// A BITS request (`BITS_POST`) or Ack.
    Bits,
    /// A Microsoft Graph upload-session request or response.
    Graph,
    /// Any HTTP/1.1 message.
    Http,
}

impl Protocol {
    /// `"bits"`, `"graph"` or `"http"`: the value of `--as` and of the output's `protocol`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Bits => "bits",
            Protocol::Graph => "graph",
            Protocol::Http => "http",
        }
    }
}

impl core::str::FromStr for Protocol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bits" => Ok(Protocol::Bits),
            "graph" => Ok(Protocol::Graph),
            "http" => Ok(Protocol::Http),
            _ => Err(format!("unknown protocol {s:?}: expected bits, graph or http")),
        }
    }
}

/// One decoded message, by protocol and direction.
#[derive(Debug)]
pub(crate) enum Decoded<'a> {
    /// A `BITS_POST` request.
    Request(Request<'a>),
    /// A BITS Ack.
    Ack(Ack<'a>),
    /// Any other HTTP/1.1 message.
    Http(Message<'a>),
    /// A Microsoft Graph upload-session request.
    GraphRequest(graph::Request<'a>),
    /// A Microsoft Graph upload-session response.
    GraphResponse(graph::Response<'a>),
}

impl Decoded<'_> {
    /// `"bits"`, `"graph"` or `"http"`.
    pub(crate) fn protocol(&self) -> &'static str {
        self.protocol_kind().as_str()
    }

    /// The protocol of this message.
    pub(crate) fn protocol_kind(&self) -> Protocol {
        match self {
            Decoded::Request(_) | Decoded::Ack(_) => Protocol::Bits,
            Decoded::GraphRequest(_) | Decoded::GraphResponse(_) => Protocol::Graph,
            Decoded::Http(_) => Protocol::Http,
        }
    }
}

/// Why an input is not exactly one valid message.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input ends (at byte `at`) before the message does.
    Incomplete { at: usize, needed: Option<usize> },
    /// The codec rejected the input (a JSON body included: `InvalidKind::Json`).
    Invalid(InvalidMessage),
    /// A valid message ends at byte `at` and more bytes follow.
    Trailing { at: usize },
    /// A start-line piece the codec accepts but cannot represent as a value (see `precheck`).
    TooLong { what: &'static str, max: usize, at: usize },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Incomplete { at, needed: Some(n) } => {
                write!(f, "incomplete message: input ends at byte {at} before the message does ({n} more bytes needed)")
            }
            Failure::Incomplete { at, needed: None } => {
                write!(f, "incomplete message: input ends at byte {at} before the message does")
            }
            Failure::Invalid(InvalidMessage { kind: InvalidKind::Json(k), offset }) => {
                write!(f, "invalid JSON body at byte {offset}: {k}")
            }
            Failure::Invalid(m) => {
                write!(f, "{m}")?;
                match hint(m.kind) {
                    Some(flag) => write!(f, " (see {flag})"),
                    None => Ok(()),
                }
            }
            Failure::Trailing { at } => write!(f, "trailing bytes after message at offset {at}"),
            Failure::TooLong { what, max, at } => {
                write!(f, "invalid message at byte {at}: {what} longer than {max} bytes")
            }
        }
    }
}

/// The leniency flag that would accept an input rejected with `kind`, if any.
fn hint(kind: InvalidKind) -> Option<&'static str> {
    match kind {
        InvalidKind::BareLf => Some("--allow-bare-lf"),
        InvalidKind::HttpVersion => Some("--allow-http10"),
        InvalidKind::DuplicateHeader(_) => Some("--allow-identical-duplicates"),
        InvalidKind::Guid => Some("--allow-unbraced-guid"),
        InvalidKind::BodyNotAllowed => Some("--allow-ack-body"),
        InvalidKind::ContentRange => Some("--allow-spaces-in-content-range"),
        _ => None,
    }
}

/// Decode `input` as one whole message (a file: its end is the end of the connection), of the
/// protocol it shows.
pub(crate) fn decode<'a>(input: &'a [u8], opts: &DecodeOptions) -> Result<Decoded<'a>, Failure> {
    decode_as(input, opts, None)
}

/// Decode `input` as one whole message: of the `forced` protocol when given (a response or a
/// request by its start line), else of the protocol it shows (see the module docs).
pub(crate) fn decode_as<'a>(
    input: &'a [u8],
    opts: &DecodeOptions,
    forced: Option<Protocol>,
) -> Result<Decoded<'a>, Failure> {
    precheck(input)?;
    let result = match forced {
        Some(p) => decode_forced(input, opts, p),
        None => decode_auto(input, opts),
    };
    match result {
        Ok((_, used)) if used < input.len() => Err(Failure::Trailing { at: used }),
        Ok((decoded, _)) => Ok(decoded),
        Err(Failure::Incomplete { needed, .. }) => Err(Failure::Incomplete { at: input.len(), needed }),
        Err(e) => Err(e),
    }
}

/// `input` read as a message of protocol `p`, whatever it looks like.
fn decode_forced<'a>(input: &'a [u8], opts: &DecodeOptions, p: Protocol) -> Result<(Decoded<'a>, usize), Failure> {
    let response = input.starts_with(b"HTTP/");
    let r = match (p, response) {
        (Protocol::Bits, true) => Ack::decode_with(input, opts).map(|(a, n)| (Decoded::Ack(a), n)),
        (Protocol::Bits, false) => Request::decode_with(input, opts).map(|(r, n)| (Decoded::Request(r), n)),
        (Protocol::Graph, true) => {
            graph::Response::decode_at_eof(input, opts).map(|(r, n)| (Decoded::GraphResponse(r), n))
        }
        (Protocol::Graph, false) => {
            graph::Request::decode_with(input, opts).map(|(r, n)| (Decoded::GraphRequest(r), n))
        }
        (Protocol::Http, _) => Message::decode_at_eof(input, opts).map(|(m, n)| (Decoded::Http(m), n)),
    };
    r.map_err(Failure::from)
}

/// `input` read as the protocol it shows.
fn decode_auto<'a>(input: &'a [u8], opts: &DecodeOptions) -> Result<(Decoded<'a>, usize), Failure> {
    if input.starts_with(b"HTTP/") {
        if has_packet_type(input) {
            Ack::decode_with(input, opts).map(|(a, n)| (Decoded::Ack(a), n)).map_err(Failure::from)
        } else {
            match graph_response(input, opts) {
                Some(r) => r,
                None => Message::decode_at_eof(input, opts).map(|(m, n)| (Decoded::Http(m), n)).map_err(Failure::from),
            }
        }
    } else if method(input) == Some(BITS_POST.as_bytes()) {
        Request::decode_with(input, opts).map(|(r, n)| (Decoded::Request(r), n)).map_err(Failure::from)
    } else if graph_request(input) {
        graph::Request::decode_with(input, opts).map(|(r, n)| (Decoded::GraphRequest(r), n)).map_err(Failure::from)
    } else {
        Message::decode_at_eof(input, opts).map(|(m, n)| (Decoded::Http(m), n)).map_err(Failure::from)
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::Invalid(m) => Failure::Invalid(m),
            DecodeError::Incomplete { needed } => Failure::Incomplete { at: 0, needed: needed.map(|n| n.get()) },
            // `DecodeError` is non-exhaustive: treat anything new as "more input needed".
            _ => Failure::Incomplete { at: 0, needed: None },
        }
    }
}

/// A response of a Graph shape, decoded; `None` when the response is not one (it is then
/// plain HTTP). A JSON body whose members are Graph's but whose values are wrong (a range
/// `"5-3"`, a date without zone) is a Graph message, and an error; so is a body that is not
/// JSON at all under a JSON `Content-Type` (see the module docs).
fn graph_response<'a>(input: &'a [u8], opts: &DecodeOptions) -> Option<Result<(Decoded<'a>, usize), Failure>> {
    match graph::Response::decode_at_eof(input, opts) {
        Ok((r, n)) => {
            let status = r.status().as_u16();
            let shape = match r.body_kind() {
                ResponseBody::Session(_) | ResponseBody::Error(_) | ResponseBody::Item(_) => true,
                ResponseBody::Empty => status == 204 || (status == 201 && r.location().is_some()),
                _ => false,
            };
            shape.then_some(Ok((Decoded::GraphResponse(r), n)))
        }
        Err(DecodeError::Invalid(m)) => match m.kind {
            InvalidKind::Json(JsonErrorKind::Syntax) if declares_json(input) => Some(Err(Failure::Invalid(m))),
            InvalidKind::Json(JsonErrorKind::Syntax | JsonErrorKind::TooDeep | JsonErrorKind::NotAnObject) => None,
            InvalidKind::Json(_) => Some(Err(Failure::Invalid(m))),
            _ => None,
        },
        Err(_) => None,
    }
}

/// Whether a request has a Graph upload-session shape: `POST …/createUploadSession`, a `PUT`
/// with `Content-Range`, or a `GET`/`DELETE`/`POST`/`PUT` whose target or `Host` looks like an
/// `uploadUrl` (`…uploadSession…`, `…AttachmentSessions…`, `tempauth`, `authtoken=`,
/// `*.up.1drv.com`, `api.onedrive.com/up/` or `/rup/`). The URL is opaque by design, so this
/// last rule is a heuristic; a request it misses decodes as plain HTTP.
pub(crate) fn graph_request(input: &[u8]) -> bool {
    let line = first_line(input);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return false };
    let target = String::from_utf8_lossy(target);
    let head_field = |name: &[u8]| head_field(input, name);
    if method == b"POST" && is_create_upload_session_target(&target) {
        return true;
    }
    if method == b"PUT" && head_field(b"Content-Range").is_some() {
        return true;
    }
    if !matches!(method, b"GET" | b"DELETE" | b"POST" | b"PUT") {
        return false;
    }
    let t = target.to_ascii_lowercase();
    let host = head_field(b"Host").map(|h| String::from_utf8_lossy(&h).trim().to_owned()).unwrap_or_default();
    ["uploadsession", "attachmentsession", "tempauth", "authtoken="].iter().any(|m| t.contains(m))
        || host.ends_with(".up.1drv.com")
        || t.contains(".up.1drv.com/")
        || ((host == "api.onedrive.com" || t.contains("api.onedrive.com/"))
            && (t.contains("/up/") || t.contains("/rup/")))
}

/// The value of the first field `name` in the head, lower-cased (untrimmed).
fn head_field(input: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    input
        .split(|&b| b == b'\n')
        .skip(1)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take_while(|l| !l.is_empty())
        .find(|l| l.len() > name.len() && l[..name.len()].eq_ignore_ascii_case(name) && l[name.len()] == b':')
        .map(|l| l[name.len() + 1..].to_ascii_lowercase())
}

/// Whether the head's `Content-Type` is a JSON media type: `application/json`, or any type
/// with the `+json` structured syntax suffix (RFC 6839 §3.1), parameters ignored.
fn declares_json(input: &[u8]) -> bool {
    let Some(value) = head_field(input, b"Content-Type") else { return false };
    let media = value.split(|&b| b == b';').next().unwrap_or_default();
    let media = media.trim_ascii();
    media == b"application/json" || media.ends_with(b"+json")
}

/// The method: the bytes before the first space of the first line, if there is one.
fn method(input: &[u8]) -> Option<&[u8]> {
    let line = first_line(input);
    line.iter().position(|&b| b == b' ').map(|sp| &line[..sp])
}

fn first_line(input: &[u8]) -> &[u8] {
    let end = input.iter().position(|&b| b == b'\n').unwrap_or(input.len());
    &input[..end]
}

/// Whether the head (the lines before the first empty line) has a `BITS-Packet-Type` field.
fn has_packet_type(input: &[u8]) -> bool {
    const NAME: &[u8] = b"BITS-Packet-Type:";
    input
        .split(|&b| b == b'\n')
        .skip(1)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .any(|line| line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME))
}

/// The raw reason phrase of a status line (the codec's `ReasonPhrase` is text, so a reason with
/// obs-text bytes comes back empty from it; see the report in `main.rs`).
pub(crate) fn raw_reason(input: &[u8]) -> &[u8] {
    let line = first_line(input);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // `HTTP/1.1 200 ` is 13 bytes.
    line.get(13..).unwrap_or_default()
}

/// Reject what the codec's grammar accepts but its value types cannot hold: a request target
/// over `MAX_TARGET_LEN` or a reason phrase over `MAX_VALUE_LEN` bytes. The codec builds those
/// values unchecked (a debug assertion fails, and the value could not be re-encoded).
fn precheck(input: &[u8]) -> Result<(), Failure> {
    let visible = |b: &u8| (0x21..=0x7e).contains(b);
    if input.starts_with(b"HTTP/") {
        if raw_reason(input).len() > MAX_VALUE_LEN {
            return Err(Failure::TooLong { what: "reason phrase", max: MAX_VALUE_LEN, at: 13 + MAX_VALUE_LEN });
        }
    } else if let Some(m) = method(input) {
        let target_len = input[m.len() + 1..].iter().take_while(|b| visible(b)).count();
        if target_len > MAX_TARGET_LEN {
            let at = m.len() + 1 + MAX_TARGET_LEN;
            return Err(Failure::TooLong { what: "request target", max: MAX_TARGET_LEN, at });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_response(content_type: &str, body: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            .into_bytes()
    }

    #[test]
    fn a_json_content_type_with_a_broken_body_is_an_error_at_the_offset() {
        let opts = DecodeOptions::default();
        for ct in
            ["application/json", "application/json; charset=utf-8", "application/problem+json", "Application/JSON"]
        {
            let wire = json_response(ct, r#"{"value":1,}"#);
            let at = wire.len() - 1; // serde_json stops at the `}` after the trailing comma
            match decode(&wire, &opts) {
                Err(Failure::Invalid(InvalidMessage { kind: InvalidKind::Json(JsonErrorKind::Syntax), offset })) => {
                    assert_eq!(offset, at, "{ct}");
                }
                other => panic!("{ct}: {other:?}"),
            }
            let shown = decode(&wire, &opts).unwrap_err().to_string();
            assert!(shown.starts_with(&format!("invalid JSON body at byte {at}")), "{shown}");
        }
    }

    #[test]
    fn a_broken_body_without_a_json_content_type_stays_plain_http() {
        let opts = DecodeOptions::default();
        for ct in ["text/plain", "application/jsonx", "text/html"] {
            let wire = json_response(ct, r#"{"value":1,}"#);
            assert_eq!(decode(&wire, &opts).unwrap().protocol(), "http", "{ct}");
        }
        // Valid JSON of no Graph shape is plain HTTP too.
        let wire = json_response("application/json", r#"{"value":1}"#);
        assert_eq!(decode(&wire, &opts).unwrap().protocol(), "http");
    }

    #[test]
    fn a_forced_protocol_decodes_as_that_protocol() {
        let opts = DecodeOptions::default();
        // Valid JSON of no Graph shape: plain HTTP when recognized, Graph when forced.
        let wire = json_response("application/json", r#"{"value":1}"#);
        assert_eq!(decode_as(&wire, &opts, None).unwrap().protocol(), "http");
        assert_eq!(decode_as(&wire, &opts, Some(Protocol::Graph)).unwrap().protocol(), "graph");
        assert_eq!(decode_as(&wire, &opts, Some(Protocol::Http)).unwrap().protocol(), "http");
        // Not an Ack: forcing BITS names what is missing.
        match decode_as(&wire, &opts, Some(Protocol::Bits)) {
            Err(Failure::Invalid(m)) => assert_eq!(m.kind, InvalidKind::MissingHeader("BITS-Packet-Type")),
            other => panic!("{other:?}"),
        }
        // A Graph-shaped PUT read as plain HTTP, and a plain GET forced to Graph.
        let put = b"PUT /up/x HTTP/1.1\r\nContent-Length: 3\r\nContent-Range: bytes 0-2/9\r\n\r\nabc";
        assert_eq!(decode_as(put, &opts, None).unwrap().protocol(), "graph");
        assert_eq!(decode_as(put, &opts, Some(Protocol::Http)).unwrap().protocol(), "http");
        let get = b"GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
        assert_eq!(decode_as(get, &opts, None).unwrap().protocol(), "http");
        assert_eq!(decode_as(get, &opts, Some(Protocol::Graph)).unwrap().protocol(), "graph");
        // A BITS request forced to HTTP.
        let ping = b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(decode_as(ping, &opts, None).unwrap().protocol(), "bits");
        assert_eq!(decode_as(ping, &opts, Some(Protocol::Http)).unwrap().protocol(), "http");
    }

    #[test]
    fn protocols_parse_from_their_names() {
        for p in [Protocol::Bits, Protocol::Graph, Protocol::Http] {
            assert_eq!(p.as_str().parse(), Ok(p));
        }
        assert!("BITS".parse::<Protocol>().is_err());
    }
}
