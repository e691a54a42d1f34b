//! Differential tests against `httparse` 1 with its default `ParserConfig`.
//!
//! (a) Built requests, Acks and plain messages: httparse finds the same head length, start line
//!     and header list (names and OWS-trimmed values, in order), and calls every strict prefix of
//!     the head partial, as we call it incomplete. Mutated heads: where the two disagree on
//!     accept/reject, the difference is one of the deliberate ones listed below.
//! (b) Every file of `corpus/captures` and `corpus/constructed`: same head length and header
//!     spans.
//! (c) Hand-written framing cases, one test each, asserting what each side does.
//!
//! Deliberate differences (our default is stricter; each is asserted by a named test):
//! - bare LF line ends: httparse accepts, we reject (`BareLf`) unless `allow_bare_lf`;
//! - empty lines before a request line: httparse skips them, we reject (`LeadingWhitespace`);
//! - a status code starting with `0` (`000`, `099`): httparse accepts, we reject (`StatusLine`);
//! - UTF-8 (non-ASCII) bytes in the request target: httparse accepts them, we reject them
//!   (`RequestTarget`: a request target is visible ASCII, RFC 9112 §3.2 / RFC 3986);
//! - framing headers: httparse does not interpret them; we reject `Transfer-Encoding`, a
//!   `Content-Length` that is not `1*DIGIT`, and repeated `Content-Length`;
//! - limits: more than 100 fields, a value over 4096 bytes, a head over 64 KiB are errors here;
//! - BITS rules on top of HTTP (method `BITS_POST`, `HTTP/1.1` only unless `allow_http10`, ...)
//!   are not httparse's business: compared through the plain `Message` decoder.
//! - Not a framing difference: httparse reports a reason phrase with obs-text as `""`; we keep
//!   its bytes.
//!
//! Fixed bug, pinned by `impossible_version_or_status_prefix_is_invalid_not_incomplete`: a
//! version or status code that started wrong used to be `Incomplete` until all of its 8 (or 3)
//! bytes had arrived; now, like httparse, it is rejected at once.

use std::path::Path;

use bits_codec::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, NotificationRequest, NotificationResponse, Packet, ProtocolList,
    Request, SessionId,
};
use bits_codec::http1::{
    ContentRange, FieldName, FieldValue, Headers, HttpVersion, KnownHeader, Message, ReasonPhrase, RequestMethod,
    RequestTarget, StartLine, Status,
};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode, InvalidKind, InvalidMessage};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// The two parsers, reduced to comparable values
// ---------------------------------------------------------------------------------------------

/// A parsed head, as either parser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    len: usize,
    /// `(method, target)` or `(code, reason)`, as text (the reason as httparse reports it).
    start: (String, String),
    /// `HTTP/1.x` minor version.
    minor: u8,
    headers: Vec<(String, Vec<u8>)>,
}

/// What a parser made of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Complete(Head),
    Partial,
    Error(String),
}

impl Verdict {
    fn head(&self) -> Option<&Head> {
        match self {
            Verdict::Complete(h) => Some(h),
            _ => None,
        }
    }
}

fn hp_headers(h: &[httparse::Header<'_>]) -> Vec<(String, Vec<u8>)> {
    h.iter().map(|h| (h.name.to_owned(), trim(h.value).to_vec())).collect()
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// httparse with the default `ParserConfig`; a request unless the input starts with `HTTP/`.
fn httparse(input: &[u8]) -> Verdict {
    let mut headers = [httparse::EMPTY_HEADER; 256];
    if input.starts_with(b"HTTP/") {
        let mut r = httparse::Response::new(&mut headers);
        match r.parse(input) {
            Ok(httparse::Status::Complete(len)) => Verdict::Complete(Head {
                len,
                start: (r.code.unwrap_or_default().to_string(), r.reason.unwrap_or_default().to_owned()),
                minor: r.version.unwrap_or_default(),
                headers: hp_headers(r.headers),
            }),
            Ok(httparse::Status::Partial) => Verdict::Partial,
            Err(e) => Verdict::Error(e.to_string()),
        }
    } else {
        let mut r = httparse::Request::new(&mut headers);
        match r.parse(input) {
            Ok(httparse::Status::Complete(len)) => Verdict::Complete(Head {
                len,
                start: (r.method.unwrap_or_default().to_owned(), r.path.unwrap_or_default().to_owned()),
                minor: r.version.unwrap_or_default(),
                headers: hp_headers(r.headers),
            }),
            Ok(httparse::Status::Partial) => Verdict::Partial,
            Err(e) => Verdict::Error(e.to_string()),
        }
    }
}

/// The reason as httparse reports it: `""` as soon as it has an obs-text byte.
fn as_httparse_reason(reason: &[u8]) -> String {
    if reason.is_ascii() { String::from_utf8(reason.to_vec()).expect("ASCII") } else { String::new() }
}

fn minor(v: HttpVersion) -> u8 {
    match v {
        HttpVersion::Http10 => 0,
        HttpVersion::Http11 => 1,
    }
}

fn our_headers(h: &Headers<'_>) -> Vec<(String, Vec<u8>)> {
    h.iter().map(|f| (f.name.to_owned(), f.value.to_vec())).collect()
}

/// The head of a plain message as we see it (`len` through the empty line).
fn message_head(m: &Message<'_>, used: usize) -> Head {
    let (start, minor_version) = match m.start_line() {
        StartLine::Request { method, target, version } => {
            ((method.as_str().to_owned(), target.as_str().to_owned()), minor(*version))
        }
        StartLine::Response { version, status, reason } => {
            ((status.as_u16().to_string(), as_httparse_reason(reason.as_bytes())), minor(*version))
        }
    };
    Head { len: used - m.body().len(), start, minor: minor_version, headers: our_headers(m.headers()) }
}

/// Our plain-HTTP decoder on a whole input (the input ends where the connection does).
fn ours_with(input: &[u8], opts: &DecodeOptions) -> Verdict {
    match Message::decode_at_eof(input, opts) {
        Ok((m, used)) => Verdict::Complete(message_head(&m, used)),
        Err(DecodeError::Invalid(m)) => Verdict::Error(format!("{:?} at {}", m.kind, m.offset)),
        Err(_) => Verdict::Partial,
    }
}

fn ours(input: &[u8]) -> Verdict {
    ours_with(input, &DecodeOptions::default())
}

fn our_kind(input: &[u8], opts: &DecodeOptions) -> Option<InvalidKind> {
    Message::decode_at_eof(input, opts).err().and_then(|e| e.invalid_message().map(|m| m.kind))
}

fn show(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

// ---------------------------------------------------------------------------------------------
// Strategies (built values only, through the public API)
// ---------------------------------------------------------------------------------------------

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256);
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn ascii(bytes: impl Strategy<Value = u8>, len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    vec(bytes, len).prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

fn target() -> BoxedStrategy<RequestTarget<'static>> {
    prop_oneof![
        3 => ascii(select(b"abcxyzABC0129/-._~%?=&{}".to_vec()), 0..=40).prop_map(|s| format!("/{s}")),
        1 => ascii(0x21u8..=0x7e, 1..=60),
    ]
    .prop_map(|s| RequestTarget::new(s).expect("visible ASCII"))
    .boxed()
}

fn guid() -> BoxedStrategy<Guid> {
    prop_oneof![Just(Guid::BITS_1_5_UPLOAD), any::<u128>().prop_map(Guid::from_u128)].boxed()
}

fn session_id() -> BoxedStrategy<SessionId<'static>> {
    prop_oneof![
        guid().prop_map(SessionId::from_guid),
        any::<i64>().prop_map(|n| SessionId::new(n.to_string()).expect("decimal")),
        ascii(0x21u8..=0x7e, 1..=100).prop_map(|s| SessionId::new(s).expect("visible ASCII")),
    ]
    .boxed()
}

/// VCHAR, obs-text, SP and HTAB inside, never at the ends; possibly empty.
fn field_value() -> BoxedStrategy<FieldValue<'static>> {
    let byte = prop_oneof![10 => 0x21u8..=0x7e, 2 => Just(b' '), 1 => Just(b'\t'), 2 => 0x80u8..=0xff];
    vec(byte, 0..=40)
        .prop_map(|mut v| {
            while v.last().is_some_and(|b| matches!(b, b' ' | b'\t')) {
                v.pop();
            }
            let lead = v.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
            v.drain(..lead);
            FieldValue::from_vec(v).expect("field value")
        })
        .boxed()
}

fn header_name() -> BoxedStrategy<FieldName<'static>> {
    prop_oneof![
        3 => ascii(select(TCHARS.to_vec()), 1..=20),
        1 => select(KnownHeader::ALL.to_vec()).prop_map(|k| k.as_str().to_ascii_lowercase()),
    ]
    .prop_map(|s| FieldName::new(s).expect("token"))
    .boxed()
}

fn status() -> BoxedStrategy<Status> {
    prop_oneof![select(vec![100u16, 200, 204, 304, 400, 416, 500]), 100u16..=999]
        .prop_map(|c| Status::new(c).expect("100-999"))
        .boxed()
}

fn reason() -> BoxedStrategy<ReasonPhrase<'static>> {
    let byte = prop_oneof![8 => 0x20u8..=0x7e, 1 => Just(b'\t'), 1 => 0x80u8..=0xff];
    vec(byte, 0..=30).prop_map(|v| ReasonPhrase::from_bytes(v).expect("field bytes")).boxed()
}

fn extra_headers() -> BoxedStrategy<Vec<(FieldName<'static>, FieldValue<'static>)>> {
    vec((header_name(), field_value()), 0..6).boxed()
}

fn request() -> BoxedStrategy<Request<'static>> {
    let body_and_range = vec(any::<u8>(), 1..=100).prop_flat_map(|b| {
        let len = b.len() as u64;
        (0..=u64::MAX - len).prop_map(move |first| {
            let range = ContentRange::new(first, first + len - 1, u64::MAX).expect("valid range");
            (b.clone(), range)
        })
    });
    let base = prop_oneof![
        target().prop_map(Request::ping),
        (target(), vec(guid(), 1..=4))
            .prop_map(|(t, g)| Request::create_session(t, ProtocolList::new(g).expect("1-4 GUIDs"))),
        (target(), session_id(), body_and_range)
            .prop_map(|(t, s, (b, r))| Request::fragment(t, s, r, b).expect("body fits")),
        (target(), session_id()).prop_map(|(t, s)| Request::close_session(t, s)),
        (target(), session_id()).prop_map(|(t, s)| Request::cancel_session(t, s)),
    ];
    (base, option::of(field_value()), option::of(field_value()), extra_headers())
        .prop_map(|(mut r, host, name, extra)| {
            for (n, v) in extra {
                r = r.clone().with_header(n, v).unwrap_or(r);
            }
            if let Some(h) = host {
                r = r.with_host(h);
            }
            if let Some(n) = name {
                r = r.with_content_name(n);
            }
            r
        })
        .boxed()
}

fn ack() -> BoxedStrategy<Ack<'static>> {
    let error_name = select(vec![ErrorHeaderName::Code, ErrorHeaderName::Spec, ErrorHeaderName::Both]);
    (
        // The Ack decoder refuses 101 (RFC 9110 §15.2.2: no HTTP/1.1 Ack can follow it).
        status().prop_filter("an Ack is never 101", |s| s.as_u16() != 101),
        option::of(reason()),
        option::of(session_id()),
        option::of(guid()),
        option::of((field_value(), option::of(any::<u32>()))),
        option::of(any::<u64>()),
        option::of(field_value()),
        option::of((error_name, any::<u32>(), any::<u32>())),
        extra_headers(),
    )
        .prop_map(|(status, reason, session, protocol, host_id, received, reply, error, extra)| {
            let mut a = Ack::new(status);
            for (n, v) in extra {
                a = a.clone().with_header(n, v).unwrap_or(a);
            }
            if let Some(r) = reason {
                a = a.with_reason(r);
            }
            if let Some(s) = session {
                a = a.with_session_id(s);
            }
            if let Some(g) = protocol {
                a = a.with_protocol(g).with_accept_encoding_identity();
            }
            if let Some((h, t)) = host_id {
                a = a.with_host_id(h, t);
            }
            if let Some(n) = received {
                a = a.with_received_content_range(n);
            }
            if let Some(u) = reply {
                a = a.with_reply_url(u);
            }
            if let Some((name, code, context)) = error {
                a = a.with_error_as(name, HResult(code), ErrorContext(context));
            }
            a
        })
        .boxed()
}

fn message() -> BoxedStrategy<Message<'static>> {
    let framing_free = (header_name(), field_value()).prop_filter("framing headers are added separately", |(n, _)| {
        !n.as_str().eq_ignore_ascii_case("content-length") && !n.as_str().eq_ignore_ascii_case("transfer-encoding")
    });
    let method = ascii(select(TCHARS.to_vec()), 1..=10);
    let start = prop_oneof![
        (method, target(), any::<bool>()).prop_map(|(m, target, old)| StartLine::Request {
            method: RequestMethod::new(m).expect("token"),
            target,
            version: if old { HttpVersion::Http10 } else { HttpVersion::Http11 },
        }),
        (status(), reason(), any::<bool>()).prop_map(|(status, reason, old)| StartLine::Response {
            version: if old { HttpVersion::Http10 } else { HttpVersion::Http11 },
            status,
            reason,
        }),
    ];
    (start, vec(framing_free, 0..8), vec(any::<u8>(), 0..=100), any::<Index>())
        .prop_map(|(start, fields, body, at)| {
            // 1xx, 204 and 304 end at the empty line whatever Content-Length says.
            let body = match &start {
                StartLine::Response { status, .. } if status.forbids_body() => Vec::new(),
                _ => body,
            };
            let mut fields = fields;
            // A request carries at most one Host line (RFC 9112 §3.2), which the decoder checks.
            if matches!(start, StartLine::Request { .. }) {
                let mut hosts = 0;
                fields.retain(|(n, _)| {
                    hosts += usize::from(n.as_str().eq_ignore_ascii_case("host"));
                    !n.as_str().eq_ignore_ascii_case("host") || hosts == 1
                });
            }
            fields.insert(
                at.index(fields.len() + 1),
                (
                    FieldName::new("Content-Length").expect("token"),
                    FieldValue::new(body.len().to_string()).expect("digits"),
                ),
            );
            let mut headers = Headers::new();
            for (n, v) in fields {
                headers.push(n, v);
            }
            Message::new(start, headers, body).expect("consistent framing")
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// (a) built values
// ---------------------------------------------------------------------------------------------

/// httparse on `wire` (one whole message with a `body_len`-byte body) agrees with `expected`,
/// our own view of its head; and on every strict prefix of the head both say "partial".
fn agree_on_built(wire: &[u8], body_len: usize, expected: Head) -> Result<(), TestCaseError> {
    prop_assert_eq!(expected.len, wire.len() - body_len);
    let hp = httparse(wire);
    prop_assert_eq!(hp.head(), Some(&expected), "on {}", show(wire));
    // Our plain decoder reads the same head as the typed one did.
    let mine = ours(wire);
    prop_assert_eq!(mine.head(), Some(&expected), "on {}", show(wire));
    for n in 0..expected.len {
        let prefix = &wire[..n];
        prop_assert_eq!(httparse(prefix), Verdict::Partial, "httparse on prefix {} of {}", n, show(wire));
        prop_assert_eq!(ours(prefix), Verdict::Partial, "ours on prefix {} of {}", n, show(wire));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn httparse_reads_built_requests_as_we_do(x in request()) {
        let wire = x.to_vec();
        let (decoded, used) = Request::decode(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(used, wire.len());
        let expected = Head {
            len: wire.len() - x.body().len(),
            start: ("BITS_POST".to_owned(), x.target().as_str().to_owned()),
            minor: 1,
            headers: our_headers(x.headers()),
        };
        prop_assert_eq!(our_headers(decoded.headers()), expected.headers.clone());
        agree_on_built(&wire, x.body().len(), expected)?;
    }

    #[test]
    fn httparse_reads_built_acks_as_we_do(x in ack()) {
        let wire = x.to_vec();
        let (decoded, used) = Ack::decode(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((used, &decoded), (wire.len(), &x));
        let expected = Head {
            len: wire.len(),
            start: (x.status().as_u16().to_string(), as_httparse_reason(x.reason().as_bytes())),
            minor: 1,
            headers: our_headers(x.headers()),
        };
        agree_on_built(&wire, 0, expected)?;
    }

    #[test]
    fn httparse_reads_built_messages_as_we_do(x in message()) {
        let wire = x.to_vec();
        let (decoded, used) = Message::decode(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((used, &decoded), (wire.len(), &x));
        agree_on_built(&wire, x.body().len(), message_head(&x, wire.len()))?;
    }

    /// Mutated heads: where one parser accepts (or waits) and the other rejects, the difference
    /// must be a deliberate one; where both accept, they read the same head.
    #[test]
    fn httparse_and_we_agree_on_mutated_heads(input in mutated()) {
        check_agreement(&input)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Mutated heads
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    Splice(Index, &'static [u8]),
}

const SNIPPETS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b":",
    b" :",
    b"\r\n ",
    b"\r\n\t",
    b"X: y\r\n",
    b"X:y\r\n",
    b"X:\r\n",
    b"\r\n\r\n",
    b"HTTP/1.0",
    b"HTTP/1.1 ",
    b"200",
    b"0",
    b"\x80",
    b"\x7f",
    b"\x00",
];

fn mutated() -> BoxedStrategy<Vec<u8>> {
    let byte = prop_oneof![3 => select(b"\r\n \t:/0aZ\x00\x01\x7f\x80\xff{}\"(),;=?@[\\]".to_vec()), 1 => any::<u8>()];
    let mutation = prop_oneof![
        (any::<Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), select(SNIPPETS.to_vec())).prop_map(|(i, s)| Mutation::Splice(i, s)),
    ];
    let seed = prop_oneof![
        request().prop_map(|x| x.to_vec()),
        ack().prop_map(|x| x.to_vec()),
        message().prop_map(|x| x.to_vec()),
    ];
    (seed, vec(mutation, 1..=3))
        .prop_map(|(mut w, mutations)| {
            // Only the head matters here; mutate within it.
            let head = w.windows(4).position(|x| x == b"\r\n\r\n").map_or(w.len(), |p| p + 4);
            w.truncate(head);
            for m in mutations {
                let len = w.len();
                match m {
                    Mutation::Insert(i, b) => w.insert(i.index(len + 1), b),
                    Mutation::Splice(i, s) => {
                        let at = i.index(len + 1);
                        w.splice(at..at, s.iter().copied());
                    }
                    _ if len == 0 => {}
                    Mutation::Set(i, b) => w[i.index(len)] = b,
                    Mutation::Delete(i) => {
                        w.remove(i.index(len));
                    }
                    Mutation::Truncate(i) => w.truncate(i.index(len)),
                }
            }
            w
        })
        .boxed()
}

/// Our rejections that httparse (default config) does not make, on purpose.
fn deliberately_stricter(m: InvalidMessage, input: &[u8]) -> bool {
    match m.kind {
        InvalidKind::BareLf
        | InvalidKind::LeadingWhitespace
        | InvalidKind::TransferEncoding
        | InvalidKind::Number("Content-Length")
        | InvalidKind::NumberOverflow("Content-Length")
        | InvalidKind::DuplicateHeader("Content-Length")
        | InvalidKind::ConflictingHeader("Content-Length")
        | InvalidKind::TooManyHeaders
        | InvalidKind::HeaderValueTooLong
        | InvalidKind::HeadTooLarge => true,
        // A request with two Host lines (RFC 9112 §3.2: a server MUST answer 400); httparse
        // leaves that rule to its caller.
        InvalidKind::DuplicateHeader("Host") | InvalidKind::ConflictingHeader("Host") => !input.starts_with(b"HTTP/"),
        // `HTTP/1.1 0xx`: httparse takes any three digits.
        InvalidKind::StatusLine => input.get(9) == Some(&b'0'),
        // Non-ASCII (UTF-8) in the request target: httparse takes it.
        InvalidKind::RequestTarget => input.get(m.offset).is_some_and(|&b| b >= 0x80),
        _ => false,
    }
}

fn check_agreement(input: &[u8]) -> Result<(), TestCaseError> {
    let hp = httparse(input);
    let ctx = || format!("httparse {hp:?} on {}", show(input));
    match &hp {
        Verdict::Complete(h) => {
            // Judge our decoder on the head alone (a body may be declared and missing).
            let head = &input[..h.len];
            match Message::decode_at_eof(head, &DecodeOptions::default()) {
                Ok((m, used)) => prop_assert_eq!(&message_head(&m, used), h, "{}", ctx()),
                Err(DecodeError::Incomplete { needed: Some(missing) }) if missing.get() <= 1 << 16 => {
                    // The head is complete and `missing` body bytes are declared: supply them.
                    let mut padded = head.to_vec();
                    padded.resize(head.len() + missing.get(), b'z');
                    match Message::decode(&padded) {
                        Ok((m, used)) => prop_assert_eq!(&message_head(&m, used), h, "{}", ctx()),
                        Err(e) => prop_assert!(false, "ours {:?} with the body; {}", e, ctx()),
                    }
                }
                // A huge declared body: the head was read (the count is a body count).
                Err(DecodeError::Incomplete { needed: Some(_) }) => {}
                Err(DecodeError::Invalid(m)) => {
                    prop_assert!(deliberately_stricter(m, input), "we reject ({:?}); {}", m, ctx());
                }
                Err(e) => prop_assert!(false, "ours {:?}; {}", e, ctx()),
            }
        }
        Verdict::Partial => match Message::decode_at_eof(input, &DecodeOptions::default()) {
            Err(DecodeError::Incomplete { .. }) => {}
            Err(DecodeError::Invalid(m)) => {
                prop_assert!(deliberately_stricter(m, input), "we reject ({:?}); {}", m, ctx());
            }
            other => prop_assert!(false, "ours {:?}; {}", other.map(|(_, n)| n), ctx()),
        },
        Verdict::Error(_) => {
            // We are never more lenient than httparse's default, and never wait where it has
            // already judged the bytes invalid.
            let ours = Message::decode_at_eof(input, &DecodeOptions::default());
            let waits = ours.as_ref().is_err_and(DecodeError::is_incomplete);
            prop_assert!(ours.is_err() && !waits, "ours {:?}; {}", ours.map(|(_, n)| n), ctx());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (b) the corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn corpus_heads_agree_with_httparse() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus");
    let mut checked = 0;
    for dir in ["captures", "constructed"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let hp = httparse(&bytes);
            let hp = hp.head().unwrap_or_else(|| panic!("{name}: httparse {hp:?}"));
            let mine = ours(&bytes);
            assert_eq!(mine.head(), Some(hp), "{name}");
            // The typed decoders see the same header spans.
            let typed = if name.contains("notification-request") {
                NotificationRequest::decode(&bytes).map(|(x, _)| our_headers(x.message().headers()))
            } else if name.contains("notification-response") {
                NotificationResponse::decode_at_eof(&bytes, &DecodeOptions::default())
                    .map(|(x, _)| our_headers(x.message().headers()))
            } else if bytes.starts_with(b"GET ") {
                Message::decode(&bytes).map(|(x, _)| our_headers(x.headers()))
            } else {
                Packet::decode(&bytes).map(|(p, _)| match p {
                    Packet::Request(r) => our_headers(r.headers()),
                    Packet::Ack(a) => our_headers(a.headers()),
                })
            };
            assert_eq!(typed.unwrap_or_else(|e| panic!("{name}: {e}")), hp.headers, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 19 + 17);
}

// ---------------------------------------------------------------------------------------------
// (c) hand-written framing cases
// ---------------------------------------------------------------------------------------------

fn lf() -> DecodeOptions {
    DecodeOptions::default().allow_bare_lf(true)
}

#[track_caller]
fn both_reject(input: &[u8]) -> (String, String) {
    let (hp, mine) = (httparse(input), ours(input));
    match (&hp, &mine) {
        (Verdict::Error(a), Verdict::Error(b)) => (a.clone(), b.clone()),
        _ => panic!("expected both to reject {}: httparse {hp:?}, ours {mine:?}", show(input)),
    }
}

#[track_caller]
fn both_accept(input: &[u8]) -> Head {
    let (hp, mine) = (httparse(input), ours(input));
    match (&hp, &mine) {
        (Verdict::Complete(a), Verdict::Complete(b)) if a == b => a.clone(),
        _ => panic!("expected both to accept {} alike: httparse {hp:?}, ours {mine:?}", show(input)),
    }
}

#[track_caller]
fn ours_rejects_with(input: &[u8], kind: InvalidKind) {
    assert_eq!(our_kind(input, &DecodeOptions::default()), Some(kind), "{}", show(input));
}

#[test]
fn whitespace_before_colon_is_rejected_by_both() {
    for input in [
        &b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
    ] {
        both_reject(input);
        ours_rejects_with(input, InvalidKind::WhitespaceBeforeColon);
        // No leniency makes it acceptable.
        assert_eq!(our_kind(input, &lf()), Some(InvalidKind::WhitespaceBeforeColon));
    }
}

#[test]
fn obs_fold_is_rejected_by_both() {
    for input in [
        &b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
        b"GET / HTTP/1.1\r\n X: a\r\n\r\n",
    ] {
        both_reject(input);
        ours_rejects_with(input, InvalidKind::ObsFold);
    }
}

/// DELIBERATE difference: httparse accepts bare LF line ends; we reject them unless
/// `allow_bare_lf`, and then read the same head as httparse.
#[test]
fn bare_lf_is_accepted_by_httparse_and_by_us_only_with_allow_bare_lf() {
    for input in [
        &b"GET / HTTP/1.1\nHost: h\n\n"[..],
        b"GET / HTTP/1.1\r\nHost: h\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n\n",
        b"GET / HTTP/1.1\r\nX:\n\r\n",
        b"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        b"BITS_POST /u HTTP/1.1\nBITS-Packet-Type: Ping\nContent-Length: 0\n\n",
        b"HTTP/1.1 200 OK\nBITS-Packet-Type: Ack\r\nContent-Length: 0\n\n",
    ] {
        let hp = httparse(input);
        assert!(matches!(hp, Verdict::Complete(_)), "httparse {hp:?} on {}", show(input));
        ours_rejects_with(input, InvalidKind::BareLf);
        assert_eq!(ours_with(input, &lf()), hp, "with allow_bare_lf: {}", show(input));
        // The BITS decoders follow the same switch.
        if input.starts_with(b"BITS_POST") || input.windows(3).any(|w| w == b"Ack") {
            let strict = Packet::decode(input).unwrap_err();
            assert_eq!(strict.invalid_message().map(|m| m.kind), Some(InvalidKind::BareLf));
            let (_, used) = Packet::decode_with(input, &lf()).unwrap();
            assert_eq!(used, input.len());
        }
    }
}

/// DELIBERATE difference (not in RFC 9112's MUSTs: a server "SHOULD ignore at least one empty
/// line" before a request line): httparse skips empty lines before a request line; we reject
/// them (`LeadingWhitespace`), with or without leniencies. Before a status line both reject.
#[test]
fn empty_lines_before_the_request_line_are_skipped_by_httparse_and_rejected_by_us() {
    for input in [&b"\r\nGET / HTTP/1.1\r\n\r\n"[..], b"\nGET / HTTP/1.1\r\n\r\n", b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"] {
        let hp = httparse(input);
        assert_eq!(hp.head().map(|h| h.len), Some(input.len()), "httparse on {}", show(input));
        ours_rejects_with(input, InvalidKind::LeadingWhitespace);
        assert_eq!(our_kind(input, &lf()), Some(InvalidKind::LeadingWhitespace));
    }
    for input in [&b"\r\nHTTP/1.1 200 OK\r\n\r\n"[..], b" GET / HTTP/1.1\r\n\r\n", b"\tGET / HTTP/1.1\r\n\r\n"] {
        both_reject(input);
    }
}

/// DELIBERATE difference: httparse takes any three digits as a status code; we require 100-999
/// (a `Status` cannot hold `099`).
#[test]
fn status_codes_starting_with_zero_are_accepted_by_httparse_only() {
    for input in [&b"HTTP/1.1 000 X\r\n\r\n"[..], b"HTTP/1.1 099 X\r\n\r\n"] {
        assert!(matches!(httparse(input), Verdict::Complete(_)), "{}", show(input));
        ours_rejects_with(input, InvalidKind::StatusLine);
    }
    for input in [&b"HTTP/1.1 20 X\r\n\r\n"[..], b"HTTP/1.1 2000 X\r\n\r\n", b"HTTP/1.1 2x0 X\r\n\r\n"] {
        both_reject(input);
    }
    assert_eq!(both_accept(b"HTTP/1.1 999 X\r\n\r\n").start.0, "999");
    assert_eq!(both_accept(b"HTTP/1.1 100 X\r\n\r\n").start.0, "100");
}

/// DELIBERATE difference: httparse accepts a request target with UTF-8 (non-ASCII) bytes, as
/// long as they are valid UTF-8; we accept visible ASCII only. A lone obs-text byte is rejected
/// by both.
#[test]
fn utf8_in_the_request_target_is_accepted_by_httparse_only() {
    for input in [&b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"[..], b"BITS_POST /\xe2\x82\xac HTTP/1.1\r\n\r\n"] {
        assert!(matches!(httparse(input), Verdict::Complete(_)), "{}", show(input));
        ours_rejects_with(input, InvalidKind::RequestTarget);
    }
    for input in [&b"GET /\xff HTTP/1.1\r\n\r\n"[..], b"GET /\x80 HTTP/1.1\r\n\r\n", b"GET /\xc3 HTTP/1.1\r\n\r\n"] {
        both_reject(input);
    }
}

#[test]
fn invalid_bytes_in_header_names_are_rejected_by_both() {
    for b in
        [b'(', b')', b'"', b'/', b'@', b'[', b']', b'{', b'}', b',', b';', b'=', b'?', b'\\', 0x00, 0x7f, 0x80, 0xff]
    {
        let input = [&b"GET / HTTP/1.1\r\nX"[..], &[b], b"Y: v\r\n\r\n"].concat();
        both_reject(&input);
        ours_rejects_with(&input, InvalidKind::HeaderName);
    }
    both_reject(b"GET / HTTP/1.1\r\n: v\r\n\r\n");
}

/// Every byte in every position of the head that the grammar constrains: both parsers accept
/// the same bytes. The only exception is LF, where a bare LF is a line end to httparse.
#[test]
fn every_byte_in_every_head_position_is_judged_alike() {
    let templates: &[(&[u8], &[u8])] = &[
        (b"G", b"T / HTTP/1.1\r\n\r\n"),
        (b"GET /a", b"b HTTP/1.1\r\n\r\n"),
        (b"GET / HTTP/1.1\r\nX", b"Y: v\r\n\r\n"),
        (b"GET / HTTP/1.1\r\nX: a", b"b\r\n\r\n"),
        (b"GET / HTTP/1.1\r\nX:", b"\r\n\r\n"),
        (b"HTTP/1.1 200 OK\r\nX: a", b"b\r\n\r\n"),
        (b"HTTP/1.1 200 O", b"K\r\n\r\n"),
        (b"HTTP/1.1 200", b"OK\r\n\r\n"),
        (b"HTTP/1.1 2", b"0 OK\r\n\r\n"),
        (b"", b"GET / HTTP/1.1\r\n\r\n"),
        (b"", b"HTTP/1.1 200 OK\r\n\r\n"),
    ];
    for (before, after) in templates {
        for b in 0..=255u8 {
            let input = [before, &[b][..], after].concat();
            let (hp, mine) = (httparse(&input), ours(&input));
            let same = match (&hp, &mine) {
                (Verdict::Error(_), Verdict::Error(_)) => true,
                (a, b) => a == b,
            };
            if same {
                continue;
            }
            // The deliberate differences: a bare LF, and an empty line before a request line.
            assert_eq!(b, b'\n', "{}: httparse {hp:?}, ours {mine:?}", show(&input));
            assert!(matches!(hp, Verdict::Complete(_)), "{}", show(&input));
            let kind = our_kind(&input, &DecodeOptions::default());
            assert!(matches!(kind, Some(InvalidKind::BareLf | InvalidKind::LeadingWhitespace)), "{kind:?}");
        }
    }
}

#[test]
fn two_spaces_in_the_request_line_are_rejected_by_both() {
    for input in [
        &b"GET  / HTTP/1.1\r\n\r\n"[..],
        b"GET /  HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1 \r\n\r\n",
        b"GET\t/ HTTP/1.1\r\n\r\n",
        b"GET /\tHTTP/1.1\r\n\r\n",
    ] {
        both_reject(input);
    }
    ours_rejects_with(b"GET  / HTTP/1.1\r\n\r\n", InvalidKind::RequestTarget);
}

#[test]
fn control_bytes_in_values_are_rejected_by_both() {
    for b in (0x00..0x20u8).chain([0x7f]).filter(|&b| b != b'\t' && b != b'\n') {
        for (before, after, kind) in [
            (&b"GET / HTTP/1.1\r\nX: a"[..], &b"b\r\n\r\n"[..], InvalidKind::ControlByte),
            (b"HTTP/1.1 200 OK\r\nX: a", b"b\r\n\r\n", InvalidKind::ControlByte),
            (b"HTTP/1.1 200 O", b"K\r\n\r\n", InvalidKind::ReasonPhrase),
        ] {
            let input = [before, &[b], after].concat();
            both_reject(&input);
            let expected = if b == b'\r' { InvalidKind::BareCr } else { kind };
            assert_eq!(our_kind(&input, &lf()), Some(expected), "{}", show(&input));
        }
    }
}

#[test]
fn a_status_line_without_reason_is_accepted_by_both() {
    for input in [&b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"[..], b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"] {
        let head = both_accept(input);
        assert_eq!(head.start, ("200".to_owned(), String::new()));
    }
    // ... also as a BITS Ack, which then re-encodes with the SP.
    let wire = b"HTTP/1.1 200\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n";
    let (ack, used) = Ack::decode(wire).unwrap();
    assert_eq!((used, ack.reason().as_bytes()), (wire.len(), &b""[..]));
    assert!(ack.to_vec().starts_with(b"HTTP/1.1 200 \r\n"));
    // A reason with SP and HTAB inside and around is kept as sent by both.
    assert_eq!(both_accept(b"HTTP/1.1 200  a\tb \r\n\r\n").start.1, " a\tb ");
}

#[test]
fn obs_text_is_accepted_by_both_in_values_and_reasons() {
    let head = both_accept(b"GET / HTTP/1.1\r\nX: caf\xc3\xa9 \xff\x80\r\n\r\n");
    assert_eq!(head.headers, [("X".to_owned(), b"caf\xc3\xa9 \xff\x80".to_vec())]);
    // httparse reports a reason with obs-text as ""; we keep its bytes.
    let input = b"HTTP/1.1 200 O\xffK\r\n\r\n";
    let mut headers = [httparse::EMPTY_HEADER; 4];
    let mut r = httparse::Response::new(&mut headers);
    assert_eq!(r.parse(input), Ok(httparse::Status::Complete(input.len())));
    assert_eq!(r.reason, Some(""));
    let (m, _) = Message::decode_at_eof(input, &DecodeOptions::default()).unwrap();
    let StartLine::Response { reason, .. } = m.start_line() else { panic!() };
    assert_eq!(reason.as_bytes(), b"O\xffK");
}

#[test]
fn optional_whitespace_around_values_is_trimmed_by_both() {
    let head = both_accept(b"GET / HTTP/1.1\r\nA:b\r\nC: \t d e \t\r\nE:\r\nF:  \r\n\r\n");
    let values: Vec<&[u8]> = head.headers.iter().map(|(_, v)| &v[..]).collect();
    assert_eq!(values, [&b"b"[..], b"d e", b"", b""]);
}

#[test]
fn versions_are_judged_alike() {
    for v in ["HTTP/1.1", "HTTP/1.0"] {
        both_accept(format!("GET / {v}\r\n\r\n").as_bytes());
        both_accept(format!("{v} 200 OK\r\n\r\n").as_bytes());
    }
    for v in ["HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/11", "HTTP/1"] {
        both_reject(format!("GET / {v}\r\n\r\n").as_bytes());
        both_reject(format!("{v} 200 OK\r\n\r\n").as_bytes());
    }
    // HTTP/1.0 is plain HTTP to both; on a BITS packet it is our rule (MC-BUP §2.2.1), opt-in.
    let ping = b"BITS_POST /u HTTP/1.0\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n";
    both_accept(ping);
    assert_eq!(Request::decode(ping).unwrap_err().invalid_message().map(|m| m.kind), Some(InvalidKind::HttpVersion));
    assert!(Request::decode_with(ping, &DecodeOptions::default().allow_http10(true)).is_ok());
}

#[test]
fn targets_and_methods_are_judged_alike() {
    let head = both_accept(b"GET http://h:80/a?b=c#d HTTP/1.1\r\n\r\n");
    assert_eq!(head.start.1, "http://h:80/a?b=c#d");
    both_accept(b"BITS_POST * HTTP/1.1\r\n\r\n");
    both_accept(b"M!#$%&'*+-.^_`|~9 / HTTP/1.1\r\n\r\n");
    for input in [
        &b"GET /\xff HTTP/1.1\r\n\r\n"[..],
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        b"G@T / HTTP/1.1\r\n\r\n",
        b" / HTTP/1.1\r\n\r\n",
    ] {
        both_reject(input);
    }
}

#[test]
fn bare_cr_is_rejected_by_both() {
    for input in [
        &b"GET / HTTP/1.1\rX: a\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\r\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\r\n\rx",
    ] {
        both_reject(input);
        ours_rejects_with(input, InvalidKind::BareCr);
    }
}

/// DELIBERATE difference: httparse parses heads and leaves framing to its caller; we decide
/// framing and refuse every shape that two parsers could frame two ways.
#[test]
fn framing_headers_httparse_does_not_interpret_are_rejected_by_us() {
    let cases: [(&[u8], InvalidKind); 6] = [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", InvalidKind::TransferEncoding),
        (b"GET / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", InvalidKind::Number("Content-Length")),
        (b"GET / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\na", InvalidKind::Number("Content-Length")),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
            InvalidKind::DuplicateHeader("Content-Length"),
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            InvalidKind::ConflictingHeader("Content-Length"),
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            InvalidKind::NumberOverflow("Content-Length"),
        ),
    ];
    for (input, kind) in cases {
        assert!(matches!(httparse(input), Verdict::Complete(_)), "{}", show(input));
        ours_rejects_with(input, kind);
    }
}

/// DELIBERATE difference: our limits (100 fields, 4 KiB values, 64 KiB heads) are errors with
/// their own kinds; httparse is bounded only by the caller's header array.
#[test]
fn limits_are_ours() {
    let many: Vec<u8> = [&b"GET / HTTP/1.1\r\n"[..], &b"X: y\r\n".repeat(101), b"\r\n"].concat();
    assert!(matches!(httparse(&many), Verdict::Complete(_)));
    ours_rejects_with(&many, InvalidKind::TooManyHeaders);
    let long: Vec<u8> = [&b"GET / HTTP/1.1\r\nX: "[..], &b"v".repeat(4097), b"\r\n\r\n"].concat();
    assert!(matches!(httparse(&long), Verdict::Complete(_)));
    ours_rejects_with(&long, InvalidKind::HeaderValueTooLong);
    let exact: Vec<u8> = [&b"GET / HTTP/1.1\r\nX: "[..], &b"v".repeat(4096), b"\r\n\r\n"].concat();
    both_accept(&exact);
}

/// Regression (fixed): `Incomplete` promises "every byte so far is valid", but a request line
/// whose version had started wrong (`GET / X`, `GET / \r\n`) or a status line with a bad code
/// digit (`HTTP/1.1 2x`) was reported incomplete until all 8 version bytes (or 3 code digits)
/// had arrived, so a peer that sent just `GET / \r\n` was never answered.
#[test]
fn impossible_version_or_status_prefix_is_invalid_not_incomplete() {
    for input in [&b"GET / X"[..], b"GET / \r\n", b"GET / HTTP/9", b"HTTP/1.1 2x", b"HTTP/9"] {
        assert!(matches!(httparse(input), Verdict::Error(_)), "{}", show(input));
        let ours = Message::decode(input);
        assert!(ours.as_ref().is_err_and(|e| !e.is_incomplete()), "ours {ours:?} on {}", show(input));
    }
    assert!(Request::decode(b"BITS_POST / \r\n").unwrap_err().invalid_message().is_some());
    assert!(Ack::decode(b"HTTP/1.1 2x").unwrap_err().invalid_message().is_some());
}
