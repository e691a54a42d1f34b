//! Property tests of the `Decode` / `Encode` contract.
//!
//! Values are built through the public constructors and builders only. For each message type:
//! (a) `decode(encode(x))` gives back `x` and consumes exactly `encoded_len(x)` bytes;
//! (b) re-encoding the decoded value is byte-identical;
//! (c) every strict prefix of `encode(x)` is `Incomplete` (inside a body, with the exact count);
//! (d) rewriting a length field is rejected or frames exactly the declared bytes;
//! (e) `RequestHead` stops at the end of a Fragment's head.
//! Then: arbitrary bytes, and valid encodings with bytes flipped, inserted, deleted, lines
//! duplicated or stretched, never panic a decoder (under the default options, with every
//! leniency on, and with raised limits); whatever decodes survives `into_owned` and re-encoding
//! (idempotent encode) and obeys the streaming contract (no look-ahead, strict prefixes are
//! incomplete, an error's offset has only valid bytes before it); and the decoders agree with
//! each other (`Packet` = `Request`/`Ack`, `RequestHead` = the request's head, every accepted
//! BITS message is the same plain `Message`).

use std::num::NonZeroUsize;
use std::path::Path;

use bits_codec::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, NotificationRequest, NotificationResponse, Packet, ProtocolList,
    Request, RequestHead, RequestKind, SessionId,
};
use bits_codec::http1::{
    ContentRange, FieldName, FieldValue, Headers, HttpVersion, KnownHeader, Message, ReasonPhrase, RequestMethod,
    RequestTarget, StartLine, Status,
};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode, InvalidKind};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------------------------
// Configuration and helpers
// ---------------------------------------------------------------------------------------------

fn config() -> ProptestConfig {
    // 256 cases per property keeps the suite fast; `PROPTEST_CASES=n` runs a deeper search.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256);
    // No regression files: this suite must not write into the source tree.
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

fn lenient() -> DecodeOptions {
    DecodeOptions::all_leniencies()
}

fn show(b: &[u8]) -> String {
    let shown: String = b.escape_ascii().to_string();
    if shown.len() > 2000 { format!("{}... ({} bytes)", &shown[..2000], b.len()) } else { shown }
}

/// The prefix lengths to try: all of them for a message up to 600 bytes, else all of the first
/// 600 and a sample of the rest (always including the last few).
fn prefix_points(len: usize) -> Vec<usize> {
    if len <= 600 {
        return (0..len).collect();
    }
    let mut v: Vec<usize> = (0..600).collect();
    v.extend((600..len).step_by(len / 64 + 1));
    v.extend(len.saturating_sub(4)..len);
    v.sort_unstable();
    v.dedup();
    v
}

/// (c): every strict prefix is `Incomplete`; from `body_at` on (the head is complete and the
/// body is framed by a length), `needed` is exactly the number of missing bytes, and before it
/// never more than are missing.
fn check_prefixes(
    wire: &[u8],
    body_at: Option<usize>,
    dec: impl Fn(&[u8]) -> Result<(), DecodeError>,
) -> Result<(), TestCaseError> {
    for n in prefix_points(wire.len()) {
        match dec(&wire[..n]) {
            Err(DecodeError::Incomplete { needed }) => {
                if body_at.is_some_and(|at| n >= at) {
                    prop_assert_eq!(needed, NonZeroUsize::new(wire.len() - n), "prefix {} of {}", n, show(wire));
                } else if let Some(k) = needed {
                    // In the head the count is a lower bound ("at least").
                    prop_assert!(k.get() <= wire.len() - n, "prefix {}: needed {} of {}", n, k, show(wire));
                }
            }
            other => prop_assert!(false, "prefix {}/{}: {:?}\n{}", n, wire.len(), other, show(&wire[..n])),
        }
    }
    Ok(())
}

/// (a) and (b) for a value `$x`: encode, decode with `$decode` (an expression using `$b`, the
/// wire bytes), compare, re-encode. Evaluates to the wire bytes.
macro_rules! assert_roundtrip {
    ($x:expr, |$b:ident| $decode:expr) => {{
        let x = $x;
        let wire = x.to_vec();
        prop_assert_eq!(wire.len(), x.encoded_len(), "encoded_len is exact");
        let $b: &[u8] = &wire;
        let (y, used) = match $decode {
            Ok(ok) => ok,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?} decoding {}", show(&wire)))),
        };
        prop_assert_eq!(&y, x, "decoded value differs; wire {}", show(&wire));
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(y.encoded_len(), wire.len());
        let again = y.to_vec();
        prop_assert!(again == wire, "re-encoding differs:\n{}\n{}", show(&again), show(&wire));
        wire
    }};
}

/// Replace the value of the first header line `name: value` (as the encoder writes it) with
/// `new`; returns the new wire and the offset of the new value.
fn rewrite_header(wire: &[u8], name: &str, new: &str) -> (Vec<u8>, usize) {
    let needle = format!("\r\n{name}: ");
    let start = wire.windows(needle.len()).position(|w| w == needle.as_bytes()).expect("header present") + needle.len();
    let end = start + wire[start..].windows(2).position(|w| w == b"\r\n").expect("line end");
    let mut out = wire[..start].to_vec();
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&wire[end..]);
    (out, start)
}

fn head_len(wire: &[u8]) -> usize {
    wire.windows(4).position(|w| w == b"\r\n\r\n").expect("end of head") + 4
}

fn invalid_kind(r: Result<impl Sized, DecodeError>) -> Option<(InvalidKind, usize)> {
    match r {
        Err(DecodeError::Invalid(m)) => Some((m.kind, m.offset)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies: valid values, built through the public API only
// ---------------------------------------------------------------------------------------------

const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn ascii(bytes: impl Strategy<Value = u8>, len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    vec(bytes, len).prop_map(|v| String::from_utf8(v).expect("ASCII"))
}

fn visible(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    ascii(0x21u8..=0x7e, len)
}

fn target() -> BoxedStrategy<RequestTarget<'static>> {
    let path = select(b"abcxyzABC0129/-._~%?=&{}".to_vec());
    prop_oneof![
        3 => ascii(path, 0..=40).prop_map(|s| format!("/{s}")),
        1 => visible(1..=80),
        1 => ascii(select(b"abc/.".to_vec()), 0..=12).prop_map(|s| format!("http://bits.example.com:8080/{s}")),
    ]
    .prop_map(|s| RequestTarget::new(s).expect("valid target"))
    .boxed()
}

fn guid() -> BoxedStrategy<Guid> {
    prop_oneof![
        1 => Just(Guid::BITS_1_5_UPLOAD),
        1 => Just(Guid::from_u128(0)),
        1 => Just(Guid::from_u128(u128::MAX)),
        4 => any::<u128>().prop_map(Guid::from_u128),
    ]
    .boxed()
}

fn session_id() -> BoxedStrategy<SessionId<'static>> {
    prop_oneof![
        2 => guid().prop_map(SessionId::from_guid),
        1 => guid().prop_map(|g| SessionId::new(g.to_string()).expect("lower-case braced GUID")),
        1 => guid().prop_map(|g| SessionId::new(g.to_braced(true).trim_matches(['{', '}']).to_owned()).expect("bare GUID")),
        1 => any::<i64>().prop_map(|n| SessionId::new(n.to_string()).expect("signed decimal")),
        2 => visible(1..=100).prop_map(|s| SessionId::new(s).expect("visible ASCII")),
        1 => visible(100..=100).prop_map(|s| SessionId::new(s).expect("100 characters")),
    ].boxed()
}

/// A header value: VCHAR, obs-text, SP and HTAB inside (never at the ends), possibly empty.
fn field_value(max: usize) -> BoxedStrategy<FieldValue<'static>> {
    let byte = prop_oneof![10 => 0x21u8..=0x7e, 2 => Just(b' '), 1 => Just(b'\t'), 2 => 0x80u8..=0xff];
    vec(byte, 0..=max)
        .prop_map(|mut v| {
            while v.last().is_some_and(|b| matches!(b, b' ' | b'\t')) {
                v.pop();
            }
            let lead = v.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
            v.drain(..lead);
            FieldValue::from_vec(v).expect("valid field value")
        })
        .boxed()
}

fn random_case(s: &str, seed: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if seed >> (i % 64) & 1 == 1 { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
        .collect()
}

/// Token names: random ones, `BITS-`/`X-` look-alikes, and known names in any case (builders
/// refuse those; plain messages keep them).
fn header_name() -> BoxedStrategy<FieldName<'static>> {
    let tchar = select(TCHARS.to_vec());
    prop_oneof![
        3 => ascii(tchar.clone(), 1..=20),
        1 => ascii(tchar.clone(), 1..=12).prop_map(|s| format!("BITS-{s}")),
        1 => ascii(tchar, 1..=12).prop_map(|s| format!("X-{s}")),
        1 => (select(KnownHeader::ALL.to_vec()), any::<u64>()).prop_map(|(k, seed)| random_case(k.as_str(), seed)),
    ]
    .prop_map(|s| FieldName::new(s).expect("token"))
    .boxed()
}

/// A status an Ack can carry: every one but `101 Switching Protocols`, which the Ack decoder
/// refuses (after a 101 the connection no longer speaks HTTP/1.1, RFC 9110 §15.2.2).
fn ack_status() -> BoxedStrategy<Status> {
    status().prop_filter("an Ack is never 101", |s| s.as_u16() != 101).boxed()
}

fn status() -> BoxedStrategy<Status> {
    prop_oneof![select(vec![100u16, 101, 200, 204, 206, 304, 400, 403, 404, 413, 416, 500, 501, 503]), 100u16..=999,]
        .prop_map(|c| Status::new(c).expect("100-999"))
        .boxed()
}

/// A reason phrase: any field text (SP and HTAB anywhere, non-ASCII UTF-8), or field bytes
/// with obs-text that is not UTF-8; possibly empty.
fn reason() -> BoxedStrategy<ReasonPhrase<'static>> {
    let ch = prop_oneof![
        8 => (0x20u8..=0x7e).prop_map(char::from),
        1 => Just('\t'),
        1 => proptest::char::range('\u{80}', '\u{10ffff}'),
    ];
    let byte = prop_oneof![8 => 0x20u8..=0x7e, 1 => Just(b'\t'), 2 => 0x80u8..=0xff];
    prop_oneof![
        3 => vec(ch, 0..=30).prop_map(|v| ReasonPhrase::new(v.into_iter().collect::<String>()).expect("field text")),
        1 => vec(byte, 0..=30).prop_map(|v| ReasonPhrase::from_bytes(v).expect("field bytes")),
    ]
    .boxed()
}

fn interesting_u64() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), Just(u64::MAX), Just(u64::MAX - 1), 0u64..=100_000, any::<u64>()]
}

fn interesting_u32() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(u32::MAX), Just(5), Just(7), Just(0x8020_001F), any::<u32>()]
}

fn protocols() -> BoxedStrategy<ProtocolList> {
    prop_oneof![8 => vec(guid(), 1..=5), 1 => vec(guid(), 100..=100)]
        .prop_map(|v| ProtocolList::new(v).expect("1-100 protocols"))
        .boxed()
}

/// A range of exactly `len` bytes, with u64 extremes for its position and total.
fn range_of_len(len: u64) -> impl Strategy<Value = ContentRange> {
    let max_first = u64::MAX - len; // so that last = first + len - 1 < u64::MAX
    prop_oneof![Just(0u64), Just(max_first), 0..=max_first, 0..=max_first.min(1000)].prop_flat_map(move |first| {
        let last = first + len - 1;
        prop_oneof![Just(last + 1), Just(u64::MAX), (last + 1)..=u64::MAX]
            .prop_map(move |total| ContentRange::new(first, last, total).expect("first <= last < total"))
    })
}

fn body_and_range() -> BoxedStrategy<(Vec<u8>, ContentRange)> {
    vec(any::<u8>(), 1..=300)
        .prop_flat_map(|body| {
            let len = body.len() as u64;
            (Just(body), range_of_len(len))
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum ReqMod {
    Host(FieldValue<'static>),
    ContentName(FieldValue<'static>),
    Header(FieldName<'static>, FieldValue<'static>),
}

fn request() -> BoxedStrategy<Request<'static>> {
    let base = prop_oneof![
        1 => target().prop_map(Request::ping),
        1 => (target(), protocols()).prop_map(|(t, p)| Request::create_session(t, p)),
        2 => (target(), session_id(), body_and_range())
            .prop_map(|(t, s, (b, r))| Request::fragment(t, s, r, b).expect("body fits the range")),
        1 => (target(), session_id()).prop_map(|(t, s)| Request::close_session(t, s)),
        1 => (target(), session_id()).prop_map(|(t, s)| Request::cancel_session(t, s)),
    ];
    let modifier = prop_oneof![
        1 => field_value(40).prop_map(ReqMod::Host),
        1 => field_value(40).prop_map(ReqMod::ContentName),
        2 => (header_name(), field_value(40)).prop_map(|(n, v)| ReqMod::Header(n, v)),
    ];
    (base, vec(modifier, 0..6))
        .prop_map(|(mut r, mods)| {
            for m in mods {
                r = match m {
                    ReqMod::Host(h) => r.with_host(h),
                    ReqMod::ContentName(n) => r.with_content_name(n),
                    // Known and reserved names are refused: skip them.
                    ReqMod::Header(n, v) => r.clone().with_header(n, v).unwrap_or(r),
                };
            }
            r
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum AckMod {
    Reason(ReasonPhrase<'static>),
    Session(SessionId<'static>),
    Protocol(Guid),
    HostId(FieldValue<'static>, Option<u32>),
    AcceptEncoding,
    Received(u64),
    ReplyUrl(FieldValue<'static>),
    Error(ErrorHeaderName, HResult, ErrorContext),
    Header(FieldName<'static>, FieldValue<'static>),
}

fn hresult() -> impl Strategy<Value = HResult> {
    prop_oneof![
        select(vec![HResult::S_OK, HResult::E_INVALIDARG, HResult::BG_E_SESSION_NOT_FOUND, HResult::ERROR_DISK_FULL]),
        interesting_u32().prop_map(HResult),
    ]
}

fn ack() -> BoxedStrategy<Ack<'static>> {
    let base = prop_oneof![
        ack_status().prop_map(Ack::new),
        Just(Ack::ok()),
        (guid(), session_id()).prop_map(|(g, s)| Ack::session_created(g, s)),
        (ack_status(), interesting_u64()).prop_map(|(s, n)| Ack::fragment_received(s, n)),
        (ack_status(), hresult(), interesting_u32()).prop_map(|(s, h, c)| Ack::error(s, h, ErrorContext(c))),
    ];
    let modifier = prop_oneof![
        1 => reason().prop_map(AckMod::Reason),
        1 => session_id().prop_map(AckMod::Session),
        1 => guid().prop_map(AckMod::Protocol),
        1 => (field_value(40), option::of(interesting_u32())).prop_map(|(h, t)| AckMod::HostId(h, t)),
        1 => Just(AckMod::AcceptEncoding),
        1 => interesting_u64().prop_map(AckMod::Received),
        1 => field_value(80).prop_map(AckMod::ReplyUrl),
        1 => (select(vec![ErrorHeaderName::Code, ErrorHeaderName::Spec, ErrorHeaderName::Both]), hresult(), interesting_u32())
            .prop_map(|(n, h, c)| AckMod::Error(n, h, ErrorContext(c))),
        2 => (header_name(), field_value(40)).prop_map(|(n, v)| AckMod::Header(n, v)),
    ];
    (base, vec(modifier, 0..7))
        .prop_map(|(mut a, mods)| {
            for m in mods {
                a = match m {
                    AckMod::Reason(r) => a.with_reason(r),
                    AckMod::Session(s) => a.with_session_id(s),
                    AckMod::Protocol(g) => a.with_protocol(g),
                    AckMod::HostId(h, t) => a.with_host_id(h, t),
                    AckMod::AcceptEncoding => a.with_accept_encoding_identity(),
                    AckMod::Received(n) => a.with_received_content_range(n),
                    AckMod::ReplyUrl(u) => a.with_reply_url(u),
                    AckMod::Error(n, h, c) => a.with_error_as(n, h, c),
                    AckMod::Header(n, v) => a.clone().with_header(n, v).unwrap_or(a),
                };
            }
            a
        })
        .boxed()
}

fn packet() -> BoxedStrategy<Packet<'static>> {
    prop_oneof![request().prop_map(Packet::Request), ack().prop_map(Packet::Ack)].boxed()
}

fn version() -> impl Strategy<Value = HttpVersion> {
    prop_oneof![3 => Just(HttpVersion::Http11), 1 => Just(HttpVersion::Http10)]
}

/// Headers for a plain message: any token names (known BITS names included, several times
/// possibly) except the framing ones, which the strategies add themselves.
fn plain_headers() -> impl Strategy<Value = Vec<(FieldName<'static>, FieldValue<'static>)>> {
    let pair = (header_name(), field_value(40)).prop_filter("framing headers are added separately", |(n, _)| {
        !n.as_str().eq_ignore_ascii_case("Content-Length") && !n.as_str().eq_ignore_ascii_case("Transfer-Encoding")
    });
    vec(pair, 0..6)
}

/// `Content-Length: len`, spelled in some case, maybe with leading zeros, at some position.
fn with_content_length(
    mut headers: Vec<(FieldName<'static>, FieldValue<'static>)>,
    len: usize,
    (name, zeros, at): (&'static str, bool, Index),
) -> Vec<(FieldName<'static>, FieldValue<'static>)> {
    let value = if zeros { format!("00{len}") } else { len.to_string() };
    let at = at.index(headers.len() + 1);
    headers.insert(at, (FieldName::new(name).expect("token"), FieldValue::new(value).expect("digits")));
    headers
}

fn to_headers(fields: Vec<(FieldName<'static>, FieldValue<'static>)>) -> Headers<'static> {
    let mut h = Headers::new();
    for (n, v) in fields {
        h.push(n, v);
    }
    h
}

fn content_length_spelling() -> impl Strategy<Value = (&'static str, bool, Index)> {
    (select(vec!["Content-Length", "content-length", "CONTENT-LENGTH"]), any::<bool>(), any::<Index>())
}

fn no_body_status(s: Status) -> bool {
    let s = s.as_u16();
    s < 200 || s == 204 || s == 304
}

/// A response without Content-Length whose body runs to the end of the connection.
fn until_close(m: &Message<'_>) -> bool {
    match m.start_line() {
        StartLine::Response { status, .. } => !no_body_status(*status) && m.headers().get("content-length").is_none(),
        StartLine::Request { .. } => false,
    }
}

fn message() -> BoxedStrategy<Message<'static>> {
    let method = prop_oneof![
        select(vec!["GET", "POST", "PUT", "BITS_POST", "HEAD"]).prop_map(str::to_owned),
        ascii(select(TCHARS.to_vec()), 1..=12),
    ];
    let request = (
        method,
        target(),
        version(),
        plain_headers(),
        option::of(vec(any::<u8>(), 0..=200)),
        any::<bool>(),
        content_length_spelling(),
    )
        .prop_map(|(method, target, version, headers, body, zero_length, cl)| {
            let start = StartLine::Request { method: RequestMethod::new(method).expect("token"), target, version };
            let (headers, body) = match body {
                Some(b) => (with_content_length(headers, b.len(), cl), b),
                None if zero_length => (with_content_length(headers, 0, cl), Vec::new()),
                None => (headers, Vec::new()),
            };
            Message::new(start, to_headers(headers), body).expect("consistent framing")
        });
    let response = (
        version(),
        status(),
        option::of(reason()),
        plain_headers(),
        vec(any::<u8>(), 0..=200),
        any::<bool>(),
        content_length_spelling(),
    )
        .prop_map(|(version, status, reason, headers, body, length, cl)| {
            let reason =
                reason.unwrap_or_else(|| ReasonPhrase::new(status.canonical_reason()).expect("standard phrase"));
            let start = StartLine::Response { version, status, reason };
            // 1xx, 204 and 304 end at the empty line whatever Content-Length says.
            let body = if no_body_status(status) { Vec::new() } else { body };
            let headers = if length { with_content_length(headers, body.len(), cl) } else { headers };
            Message::new(start, to_headers(headers), body).expect("consistent framing")
        });
    prop_oneof![request, response].boxed()
}

fn notification_request() -> BoxedStrategy<NotificationRequest<'static>> {
    prop_oneof![
        (target(), field_value(60), field_value(60), field_value(60))
            .prop_map(|(t, u, a, b)| NotificationRequest::by_reference(t, u, a, b)),
        (target(), field_value(60), vec(any::<u8>(), 0..=200))
            .prop_map(|(t, u, b)| NotificationRequest::by_value(t, u, b)),
    ]
    .boxed()
}

fn notification_response() -> BoxedStrategy<NotificationResponse<'static>> {
    (status(), vec(any::<u8>(), 0..=200), option::of(field_value(60)), any::<bool>(), any::<bool>())
        .prop_map(|(status, body, url, copy, copy_first)| {
            let body = if no_body_status(status) { Vec::new() } else { body };
            let mut n = NotificationResponse::new(status, body).expect("body allowed");
            if copy && copy_first {
                n = n.with_copy_file_to_destination().expect("within limits");
            }
            if let Some(u) = url {
                n = n.with_static_response_url(u).expect("within limits");
            }
            if copy && !copy_first {
                n = n.with_copy_file_to_destination().expect("within limits");
            }
            n
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// (a) (b) (c) per type
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn request_roundtrips(x in request()) {
        let wire = assert_roundtrip!(&x, |b| Request::decode(b));
        // Valid input decodes the same whatever leniencies are on.
        let (y, used) = Request::decode_with(&wire, &lenient()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((&y, used), (&x, wire.len()));
        let body_at = wire.len() - x.body().len();
        prop_assert_eq!(body_at, head_len(&wire));
        check_prefixes(&wire, Some(body_at), |b| Request::decode(b).map(drop))?;
    }

    #[test]
    fn request_head_roundtrips(x in request()) {
        let (head, body) = x.clone().into_parts();
        let wire = assert_roundtrip!(&head, |b| RequestHead::decode(b));
        prop_assert_eq!(head.body_len(), body.len() as u64);
        // The head's bytes are the request's bytes up to the body.
        prop_assert_eq!(&x.to_vec()[..wire.len()], &wire[..]);
        check_prefixes(&wire, None, |b| RequestHead::decode(b).map(drop))?;
    }

    #[test]
    fn packet_roundtrips(x in packet()) {
        let wire = assert_roundtrip!(&x, |b| Packet::decode(b));
        let body_len = match &x {
            Packet::Request(r) => r.body().len(),
            Packet::Ack(a) => a.body().len(),
        };
        check_prefixes(&wire, Some(wire.len() - body_len), |b| Packet::decode(b).map(drop))?;
    }

    #[test]
    fn ack_roundtrips(x in ack()) {
        let wire = assert_roundtrip!(&x, |b| Ack::decode(b));
        let (y, used) = Ack::decode_with(&wire, &lenient()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((&y, used), (&x, wire.len()));
        prop_assert_eq!(head_len(&wire), wire.len());
        check_prefixes(&wire, None, |b| Ack::decode(b).map(drop))?;
    }

    #[test]
    fn message_roundtrips(x in message()) {
        if until_close(&x) {
            let wire = assert_roundtrip!(&x, |b| Message::decode_at_eof(b, &DecodeOptions::default()));
            // Without the end of the connection, it is never complete.
            prop_assert!(Message::decode(&wire).is_err_and(|e| e.is_incomplete()));
            check_prefixes(&wire, None, |b| Message::decode(b).map(drop))?;
            // At EOF, every prefix that ends inside the head is still incomplete.
            check_prefixes(&wire[..head_len(&wire) - 1], None, |b| {
                Message::decode_at_eof(b, &DecodeOptions::default()).map(drop)
            })?;
        } else {
            let wire = assert_roundtrip!(&x, |b| Message::decode(b));
            // Framed by length: the end of the connection changes nothing.
            let (y, used) = Message::decode_at_eof(&wire, &DecodeOptions::default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!((&y, used), (&x, wire.len()));
            check_prefixes(&wire, Some(wire.len() - x.body().len()), |b| Message::decode(b).map(drop))?;
        }
    }

    #[test]
    fn notification_request_roundtrips(x in notification_request()) {
        let wire = assert_roundtrip!(&x, |b| NotificationRequest::decode(b));
        prop_assert_eq!(x.is_by_reference(), x.request_data_file().is_some());
        let body = x.message().body().len();
        check_prefixes(&wire, Some(wire.len() - body), |b| NotificationRequest::decode(b).map(drop))?;
    }

    #[test]
    fn notification_response_roundtrips(x in notification_response()) {
        let wire = assert_roundtrip!(&x, |b| NotificationResponse::decode(b));
        // Content-Length framing: the end of the connection changes nothing.
        let (y, used) = NotificationResponse::decode_at_eof(&wire, &DecodeOptions::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((&y, used), (&x, wire.len()));
        let body = x.message().body().len();
        check_prefixes(&wire, Some(wire.len() - body), |b| NotificationResponse::decode(b).map(drop))?;
    }
}

// ---------------------------------------------------------------------------------------------
// (d) length fields, (e) the head of a Fragment
// ---------------------------------------------------------------------------------------------

fn fragment() -> BoxedStrategy<Request<'static>> {
    (target(), session_id(), body_and_range(), option::of(field_value(20)))
        .prop_map(|(t, s, (b, r), host)| {
            let f = Request::fragment(t, s, r, b).expect("body fits the range");
            match host {
                Some(h) => f.with_host(h),
                None => f,
            }
        })
        .boxed()
}

fn other_length(len: u64) -> impl Strategy<Value = u64> {
    prop_oneof![0..len, (len + 1)..=(len + 1000), Just(u64::MAX)]
}

proptest! {
    #![proptest_config(config())]

    /// (e) `RequestHead` on a whole Fragment: consumed is the head, body_len the range length.
    #[test]
    fn request_head_of_fragment_stops_at_the_body(x in fragment()) {
        let wire = x.to_vec();
        let RequestKind::Fragment { range, .. } = x.kind() else { unreachable!() };
        let (head, consumed) = RequestHead::decode(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(consumed, head_len(&wire));
        prop_assert_eq!(consumed + x.body().len(), wire.len());
        prop_assert_eq!(head.body_len(), range.len());
        prop_assert_eq!(head.content_range(), Some(range));
        prop_assert_eq!(&head, x.head());
        // The head alone, without any of the body, decodes the same way.
        let (alone, used) = RequestHead::decode(&wire[..consumed]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((&alone, used), (&head, consumed));
        prop_assert_eq!(&wire[consumed..], x.body());
    }

    /// (d) Content-Length that disagrees with Content-Range, larger or smaller: invalid
    /// (`ContentLengthMismatch`, at the Content-Length value), for the request and for its head
    /// alone. (A larger Content-Length alone is not "incomplete": the range says how long the
    /// body is, and the two must agree.)
    #[test]
    fn fragment_content_length_must_match_the_range(
        (x, n) in fragment().prop_flat_map(|x| { let len = x.body().len() as u64; (Just(x), other_length(len)) })
    ) {
        let (wire, at) = rewrite_header(&x.to_vec(), "Content-Length", &n.to_string());
        let expected = Some((InvalidKind::ContentLengthMismatch, at));
        prop_assert_eq!(invalid_kind(Request::decode(&wire)), expected);
        prop_assert_eq!(invalid_kind(RequestHead::decode(&wire)), expected);
        prop_assert_eq!(invalid_kind(Packet::decode(&wire)), expected);
    }

    /// (d) Content-Range and Content-Length changed together: a longer range is incomplete by
    /// exactly the missing bytes; a shorter one takes only its bytes and leaves the rest.
    #[test]
    fn fragment_consistent_length_change_frames_exactly(
        (x, n) in fragment().prop_flat_map(|x| { let len = x.body().len() as u64; (Just(x), 1..=(len + 300)) })
    ) {
        let RequestKind::Fragment { range, .. } = x.kind() else { unreachable!() };
        let len = range.len();
        let first = range.first().min(u64::MAX - n);
        let total = range.total().max(first + n);
        let new_range = ContentRange::new(first, first + n - 1, total).expect("valid");
        let (wire, _) = rewrite_header(&x.to_vec(), "Content-Range", &new_range.to_string());
        let (wire, _) = rewrite_header(&wire, "Content-Length", &n.to_string());
        let head = head_len(&wire);
        let (h, used) = RequestHead::decode(&wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!((h.body_len(), used), (n, head));
        match Request::decode(&wire) {
            Ok((r, used)) => {
                prop_assert!(n <= len);
                prop_assert_eq!(used, head + n as usize);
                prop_assert_eq!(r.body(), &x.body()[..n as usize]);
                prop_assert_eq!(r.content_range(), Some(new_range));
            }
            Err(DecodeError::Incomplete { needed }) => {
                prop_assert!(n > len);
                prop_assert_eq!(needed, NonZeroUsize::new((n - len) as usize));
            }
            Err(e) => prop_assert!(false, "{e:?}"),
        }
    }

    /// (d) Non-Fragment requests must declare no body; Acks too unless allow_ack_body, which
    /// then frames exactly the declared bytes.
    #[test]
    fn bodiless_packets_reject_a_length(
        x in packet().prop_filter("Fragments have a body", |x| {
            !matches!(x, Packet::Request(r) if matches!(r.kind(), RequestKind::Fragment { .. }))
        }),
        n in 1u64..=u64::MAX,
    ) {
        let (wire, at) = rewrite_header(&x.to_vec(), "Content-Length", &n.to_string());
        prop_assert_eq!(invalid_kind(Packet::decode(&wire)), Some((InvalidKind::BodyNotAllowed, at)));
        if let Packet::Ack(a) = &x && a.status().forbids_body() {
            // 1xx, 204 and 304 end at the empty line whatever Content-Length says.
            let (a, used) = Ack::decode_with(&wire, &lenient()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!((used, a.body().len(), a.content_length()), (wire.len(), 0, n));
        } else if let Packet::Ack(_) = x {
            let r = Ack::decode_with(&wire, &lenient());
            prop_assert!(r.as_ref().is_err_and(DecodeError::is_incomplete), "{:?}", r);
            if n <= 64 {
                let mut full = wire.clone();
                full.extend(std::iter::repeat_n(b'z', n as usize + 3));
                let (a, used) = Ack::decode_with(&full, &lenient()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(used, wire.len() + n as usize);
                prop_assert_eq!(a.body().len() as u64, n);
                prop_assert_eq!(a.content_length(), n);
            }
        }
    }

    /// (d) Content-Length framing of plain messages and notifications: a smaller value takes
    /// fewer bytes (the parse changes), a larger one is incomplete by exactly the difference.
    #[test]
    fn plain_content_length_frames_exactly(
        wire in prop_oneof![
            message()
                .prop_filter("Content-Length frames the body", |m| {
                    m.headers().get("content-length").is_some()
                        && !matches!(m.start_line(), StartLine::Response { status, .. } if status.forbids_body())
                })
                .prop_map(|m| m.to_vec()),
            notification_request().prop_map(|n| n.to_vec()),
            notification_response()
                .prop_filter("Content-Length frames the body", |n| !n.status().forbids_body())
                .prop_map(|n| n.to_vec()),
        ],
        delta in 1usize..=500,
    ) {
        let head = head_len(&wire);
        let body = wire.len() - head;
        // Lower-case the name, then rewrite it: the encoder keeps the spelling it was given.
        let at = {
            let lower = wire[..head].to_ascii_lowercase();
            let needle = b"\r\ncontent-length: ";
            lower.windows(needle.len()).position(|w| w == needle).expect("Content-Length") + needle.len()
        };
        let end = at + wire[at..].windows(2).position(|w| w == b"\r\n").expect("line end");
        let with_length = |n: usize| {
            let mut w = wire[..at].to_vec();
            w.extend_from_slice(n.to_string().as_bytes());
            w.extend_from_slice(&wire[end..]);
            w
        };
        let larger = with_length(body + delta);
        match Message::decode(&larger) {
            Err(DecodeError::Incomplete { needed }) => prop_assert_eq!(needed, NonZeroUsize::new(delta)),
            other => prop_assert!(false, "{other:?}"),
        }
        if body > 0 {
            let smaller_len = delta % body;
            let smaller = with_length(smaller_len);
            let new_head = head_len(&smaller);
            let (m, used) = Message::decode(&smaller).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(used, new_head + smaller_len);
            prop_assert!(used < smaller.len());
            prop_assert_eq!(m.body(), &wire[head..head + smaller_len]);
        }
    }
}

/// (d) at the u64 extremes: a range of 2^64 - 1 bytes decodes as a head, and the request is
/// incomplete (never an overflow, never a panic).
#[test]
fn fragment_length_at_u64_max_is_incomplete() {
    let r = Request::fragment(
        RequestTarget::new("/u").unwrap(),
        SessionId::new("s").unwrap(),
        ContentRange::new(0, 0, 1).unwrap(),
        &b"x"[..],
    )
    .unwrap();
    let max = u64::MAX;
    let (wire, _) = rewrite_header(&r.to_vec(), "Content-Range", &format!("bytes 0-{}/{max}", max - 1));
    let (wire, _) = rewrite_header(&wire, "Content-Length", &max.to_string());
    let (head, used) = RequestHead::decode(&wire).unwrap();
    assert_eq!((head.body_len(), used), (max, wire.len() - 1));
    assert!(Request::decode(&wire).unwrap_err().is_incomplete());
    let opts = DecodeOptions::default().max_body_len(Some(1 << 20));
    assert_eq!(
        RequestHead::decode_with(&wire, &opts).unwrap_err().invalid_message().map(|m| m.kind),
        Some(InvalidKind::BodyTooLarge)
    );
    // One more than u64::MAX overflows.
    let (wire, at) = rewrite_header(&wire, "Content-Length", "18446744073709551616");
    assert_eq!(invalid_kind(Request::decode(&wire)), Some((InvalidKind::NumberOverflow("Content-Length"), at)));
}

// ---------------------------------------------------------------------------------------------
// Arbitrary and mutated bytes
// ---------------------------------------------------------------------------------------------

const SNIPPETS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b" ",
    b"\t",
    b":",
    b"Content-Length: 0\r\n",
    b"Content-Length: 5\r\n",
    b"Content-Length: 18446744073709551615\r\n",
    b"Content-Length: 99999999999999999999\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Host: h\r\n",
    b"BITS-Packet-Type: Fragment\r\n",
    b"BITS-Packet-Type: Ack\r\n",
    b"BITS-Packet-Type: create-session\r\n",
    b"BITS-Session-Id: {0}\r\n",
    b"Content-Range: bytes 0-4/5\r\n",
    b"Content-Range: bytes   0-0/1\r\n",
    b"Content-Range: bytes 0-18446744073709551614/18446744073709551615\r\n",
    b"BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}, 7df0354d-249b-430f-820d-3d2a9bef4931\r\n",
    b"BITS-Protocol: 7df0354d-249b-430f-820d-3d2a9bef4931\r\n",
    b"BITS-Error: 0x8\r\n",
    b"BITS-Error-Code: 0X80070057\r\n",
    b"BITS-Error-Context: 5\r\n",
    b"BITS-Host-Id-Fallback-Timeout: 4294967296\r\n",
    b"BITS-Received-Content-Range: 007\r\n",
    b"BITS-Original-Request-URL: http://h/u\r\n",
    b"HTTP/1.0",
    b"HTTP/1.1 200 OK\r\n",
    b"BITS_POST / HTTP/1.1\r\n",
    b"POST / HTTP/1.1\r\n",
    b"hello",
];

#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    Splice(Index, &'static [u8]),
    DuplicateLine(Index),
    DeleteLine(Index),
    FlipCase(Index),
    /// Repeat the byte at the index this many times (long tokens, targets, values, heads).
    Stretch(Index, usize),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => select(b"\r\n \t:0159-/{},xX\x00\x7f\x80\xff".to_vec()),
        1 => any::<u8>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => any::<Index>().prop_map(Mutation::Delete),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), select(SNIPPETS.to_vec())).prop_map(|(i, s)| Mutation::Splice(i, s)),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::FlipCase),
        1 => (any::<Index>(), select(vec![50usize, 101, 4097, 8193])).prop_map(|(i, n)| Mutation::Stretch(i, n)),
    ]
}

/// The line (through its LF) that contains byte `i`.
fn line_around(w: &[u8], i: usize) -> std::ops::Range<usize> {
    let start = w[..i].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let end = w[i..].iter().position(|&b| b == b'\n').map_or(w.len(), |p| i + p + 1);
    start..end
}

fn apply(mut w: Vec<u8>, mutations: Vec<Mutation>) -> Vec<u8> {
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
            Mutation::DuplicateLine(i) => {
                let line = line_around(&w, i.index(len));
                let copy = w[line.clone()].to_vec();
                w.splice(line.end..line.end, copy);
            }
            Mutation::DeleteLine(i) => {
                let line = line_around(&w, i.index(len));
                w.drain(line);
            }
            Mutation::Stretch(i, n) => {
                let at = i.index(len);
                let b = w[at];
                w.splice(at..at, std::iter::repeat_n(b, n));
            }
            Mutation::FlipCase(i) => {
                let b = &mut w[i.index(len)];
                *b = if b.is_ascii_lowercase() { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() };
            }
        }
    }
    w
}

fn corpus_files() -> Vec<Vec<u8>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus");
    let mut files = Vec::new();
    for dir in ["captures", "constructed", "incomplete"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("corpus directory") {
            files.push(std::fs::read(entry.expect("entry").path()).expect("corpus file"));
        }
    }
    files.sort();
    files
}

fn seed() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => packet().prop_map(|x| x.to_vec()),
        1 => message().prop_map(|x| x.to_vec()),
        1 => notification_request().prop_map(|x| x.to_vec()),
        1 => notification_response().prop_map(|x| x.to_vec()),
        1 => select(corpus_files()),
        1 => vec(any::<u8>(), 0..=200),
    ]
    .boxed()
}

fn mutated() -> BoxedStrategy<Vec<u8>> {
    (seed(), vec(mutation(), 0..=5)).prop_map(|(w, m)| apply(w, m)).boxed()
}

/// A few strict prefixes of `w`: the start, around CRLFs, and evenly spread.
fn sample_prefixes(w: &[u8]) -> Vec<usize> {
    let mut v: Vec<usize> = (0..w.len().min(6)).collect();
    v.extend((0..w.len()).step_by(w.len() / 12 + 1));
    v.extend(w.iter().enumerate().filter(|&(_, &b)| b == b'\n').take(12).flat_map(|(i, _)| [i, i + 1]));
    v.retain(|&n| n < w.len());
    v.sort_unstable();
    v.dedup();
    v
}

/// Run one decoder on `input`: no panic (the test would fail); if it decodes, the value
/// re-encodes to exactly `encoded_len` bytes that decode to the same value; if `streaming`,
/// the message does not depend on the bytes after it and its strict prefixes are incomplete,
/// and an incomplete input has only incomplete prefixes.
fn check_decoder<T: Encode + PartialEq + std::fmt::Debug>(
    name: &str,
    input: &[u8],
    opts: &DecodeOptions,
    streaming: bool,
    dec: impl Fn(&[u8], &DecodeOptions) -> Result<(Vec<u8>, T, usize), DecodeError>,
) -> Result<(), TestCaseError> {
    let ctx = || format!("{name} with {opts:?} on {}", show(input));
    match dec(input, opts) {
        Ok((borrowed, v, used)) => {
            prop_assert!(used <= input.len(), "{}", ctx());
            let w = v.to_vec();
            prop_assert!(w == borrowed, "into_owned changed the value: {}; {}", show(&w), ctx());
            prop_assert_eq!(w.len(), v.encoded_len(), "{}", ctx());
            let (_, v2, used2) = match dec(&w, opts) {
                Ok(ok) => ok,
                Err(e) => return Err(TestCaseError::fail(format!("re-decoding {}: {e:?}; {}", show(&w), ctx()))),
            };
            prop_assert_eq!(&v2, &v, "{}", ctx());
            prop_assert_eq!(used2, w.len(), "{}", ctx());
            prop_assert!(v2.to_vec() == w, "encode is not idempotent; {}", ctx());
            if streaming {
                let msg = &input[..used];
                match dec(msg, opts) {
                    Ok((_, v3, used3)) => prop_assert!(v3 == v && used3 == used, "{}", ctx()),
                    Err(e) => prop_assert!(false, "the message alone: {:?}; {}", e, ctx()),
                }
                for n in sample_prefixes(msg) {
                    let r = dec(&msg[..n], opts);
                    prop_assert!(r.as_ref().is_err_and(DecodeError::is_incomplete), "prefix {}: {:?}; {}", n, r, ctx());
                }
            }
        }
        Err(DecodeError::Invalid(m)) => {
            prop_assert!(m.offset <= input.len(), "offset {}; {}", m.offset, ctx());
            if streaming {
                // Nothing before the offending byte is wrong yet.
                let r = dec(&input[..m.offset], opts);
                prop_assert!(r.as_ref().is_err_and(DecodeError::is_incomplete), "before {:?}: {:?}; {}", m, r, ctx());
            }
        }
        Err(_) => {
            if streaming {
                for n in sample_prefixes(input) {
                    let r = dec(&input[..n], opts);
                    prop_assert!(r.as_ref().is_err_and(DecodeError::is_incomplete), "prefix {}: {:?}; {}", n, r, ctx());
                }
            }
        }
    }
    Ok(())
}

/// The decoders agree with each other: `Packet` is `Request` or `Ack` by the start line; a
/// request's head is what `RequestHead` reads; whatever a BITS decoder accepts, the plain
/// `Message` decoder accepts with the same headers, body and length (BITS only adds rules).
fn check_consistency(input: &[u8], opts: &DecodeOptions) -> Result<(), TestCaseError> {
    let ctx = || format!("{opts:?} on {}", show(input));
    let request = Request::decode_with(input, opts);
    let ack = Ack::decode_with(input, opts);
    let packet = Packet::decode_with(input, opts);
    let message = Message::decode_with(input, opts);
    let expected = if input.starts_with(b"HTTP/") {
        ack.clone().map(|(a, n)| (Packet::Ack(a), n))
    } else if b"HTTP/".starts_with(input) {
        Err(DecodeError::Incomplete { needed: None })
    } else {
        request.clone().map(|(r, n)| (Packet::Request(r), n))
    };
    match (&packet, &expected) {
        (Ok(p), Ok(e)) => prop_assert_eq!(p, e, "{}", ctx()),
        (Err(p), Err(e)) => prop_assert_eq!(p, e, "{}", ctx()),
        _ => prop_assert!(false, "Packet {:?} but expected {:?}; {}", packet, expected, ctx()),
    }
    if let Ok((r, n)) = &request {
        let (h, hn) =
            RequestHead::decode_with(input, opts).map_err(|e| TestCaseError::fail(format!("{e:?}; {}", ctx())))?;
        prop_assert_eq!((&h, hn), (r.head(), n - r.body().len()), "{}", ctx());
        let Ok((m, mn)) = &message else { return Err(TestCaseError::fail(format!("Message {message:?}; {}", ctx()))) };
        prop_assert_eq!((m.headers(), m.body(), *mn), (r.headers(), r.body(), *n), "{}", ctx());
    }
    if let Ok((a, n)) = &ack {
        let Ok((m, mn)) = &message else { return Err(TestCaseError::fail(format!("Message {message:?}; {}", ctx()))) };
        prop_assert_eq!((m.headers(), m.body(), *mn), (a.headers(), a.body(), *n), "{}", ctx());
    }
    if let Ok((x, n)) = NotificationRequest::decode_with(input, opts) {
        prop_assert_eq!(message.as_ref().ok(), Some(&(x.message().clone(), n)), "{}", ctx());
    }
    if let Ok((x, n)) = NotificationResponse::decode_with(input, opts) {
        prop_assert_eq!(message.as_ref().ok(), Some(&(x.message().clone(), n)), "{}", ctx());
    }
    Ok(())
}

/// A decoder as `check_decoder` wants it: the encoding of the borrowed value, the owned value,
/// the bytes consumed.
macro_rules! owned {
    ($decode:expr) => {
        |b: &[u8], o: &DecodeOptions| $decode(b, o).map(|(v, n)| (v.to_vec(), v.into_owned(), n))
    };
}

/// The option sets the fuzz properties run under: strict, every leniency, and raised limits
/// (values and heads longer than the defaults).
fn fuzz_options() -> [DecodeOptions; 3] {
    [
        DecodeOptions::default(),
        lenient(),
        DecodeOptions::default().max_value_len(1 << 16).max_headers(1000).max_head_len(1 << 20),
    ]
}

fn check_all_decoders(input: &[u8]) -> Result<(), TestCaseError> {
    for opts in fuzz_options() {
        check_consistency(input, &opts)?;
        check_decoder("Request", input, &opts, true, owned!(Request::decode_with))?;
        check_decoder("RequestHead", input, &opts, true, owned!(RequestHead::decode_with))?;
        check_decoder("Ack", input, &opts, true, owned!(Ack::decode_with))?;
        check_decoder("Packet", input, &opts, true, owned!(Packet::decode_with))?;
        check_decoder("Message", input, &opts, true, owned!(Message::decode_with))?;
        check_decoder("Message at EOF", input, &opts, false, owned!(Message::decode_at_eof))?;
        check_decoder("NotificationRequest", input, &opts, true, owned!(NotificationRequest::decode_with))?;
        check_decoder("NotificationResponse", input, &opts, true, owned!(NotificationResponse::decode_with))?;
        check_decoder("NotificationResponse at EOF", input, &opts, false, owned!(NotificationResponse::decode_at_eof))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_messages_never_panic_and_reencode_idempotently(input in mutated()) {
        check_all_decoders(&input)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reencode_idempotently(input in vec(any::<u8>(), 0..=300)) {
        check_all_decoders(&input)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Findings pinned as named tests
// ---------------------------------------------------------------------------------------------

/// Found while writing this suite (fixed concurrently in 0aadf43): a reason phrase with obs-text that
/// is not UTF-8 (legal on the wire, RFC 9112 §4) used to decode as an empty reason, so
/// `encode(decode(x)) != x`.
#[test]
fn non_utf8_reason_phrase_survives_decode() {
    let wire = b"HTTP/1.1 200 O\xffK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n";
    let (ack, used) = Ack::decode(wire).unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(ack.reason().as_bytes(), b"O\xffK");
    assert_eq!(ack.encoded_len(), wire.len());
    assert_eq!(ack.to_vec(), wire);
}
