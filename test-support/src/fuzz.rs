//! The checks behind every fuzz target (feature `fuzzing`), as plain functions: the cargo-fuzz
//! targets are thin wrappers over them, and `tests/corpus_replay.rs` runs the very same checks
//! on stable over `corpus/` and `fuzz/artifacts/`. Each function panics on a violated property;
//! that is what the fuzzer looks for.

use arbitrary::{Arbitrary, Unstructured};

use bits_codec::bits::{Ack, Packet, Request, RequestHead};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

/// decode → encode → decode gives the same value; encode is idempotent; `encoded_len` is exact.
/// Evaluates to `Option<(value, used)>`. (A macro: the re-decoded value borrows a local buffer,
/// so the two values have different lifetimes.)
macro_rules! stable {
    ($ty:path, $data:expr, $opts:expr) => {{
        let (data, opts): (&[u8], &DecodeOptions) = ($data, $opts);
        match <$ty>::decode_with(data, opts) {
            Err(_) => None,
            Ok((value, used)) => {
                assert!(used <= data.len());
                let once = value.to_vec();
                assert_eq!(once.len(), value.encoded_len());
                let (again, used_again) = <$ty>::decode_with(&once, opts).expect("an encoded value decodes");
                assert_eq!(used_again, once.len());
                assert_eq!(again, value, "decode(encode(x)) != x");
                assert_eq!(again.to_vec(), once, "encode is not idempotent");
                Some((value, used))
            }
        }
    }};
}

/// Target `decode_bits_request`: arbitrary bytes as a request (whole and head only).
pub fn decode_bits_request(data: &[u8]) {
    let opts = DecodeOptions::default();
    let whole = stable!(Request<'_>, data, &opts);
    let head = stable!(RequestHead<'_>, data, &opts);
    if let Some((r, used)) = whole {
        let (h, head_len) = head.expect("a request's head decodes alone");
        assert_eq!(&h, r.head());
        assert_eq!(head_len as u64 + h.body_len(), used as u64);
    }
}

/// Target `decode_bits_response`: arbitrary bytes as an Ack.
pub fn decode_bits_response(data: &[u8]) {
    let _ = stable!(Ack<'_>, data, &DecodeOptions::default());
}

/// Target `roundtrip_bits`: any Request or Ack the API can build encodes to bytes that decode,
/// with the default options, to the same value.
pub fn roundtrip_bits(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let opts = DecodeOptions::default();
    if let Ok(req) = Request::arbitrary(&mut u) {
        let wire = req.to_vec();
        assert_eq!(wire.len(), req.encoded_len());
        let (back, used) = Request::decode_with(&wire, &opts).unwrap_or_else(|e| panic!("{e}: {req:?}"));
        assert_eq!((back, used), (req, wire.len()));
    }
    if let Ok(ack) = Ack::arbitrary(&mut u) {
        let wire = ack.to_vec();
        assert_eq!(wire.len(), ack.encoded_len());
        let (back, used) = Ack::decode_with(&wire, &opts).unwrap_or_else(|e| panic!("{e}: {ack:?}"));
        assert_eq!((back, used), (ack, wire.len()));
    }
}

/// Options from the first two bytes: every leniency and small limits get fuzzed.
fn options_from(bits: u16) -> DecodeOptions {
    let flag = |i: u32| bits & (1 << i) != 0;
    let mut o = DecodeOptions::default()
        .allow_bare_lf(flag(0))
        .allow_http10(flag(1))
        .allow_identical_duplicates(flag(2))
        .allow_unbraced_guid(flag(3))
        .allow_ack_body(flag(4))
        .allow_spaces_in_content_range(flag(5))
        .allow_bodiless_without_content_length(flag(10));
    if flag(6) {
        o = o.max_headers(usize::from(bits >> 12));
    }
    if flag(7) {
        o = o.max_head_len(usize::from(bits >> 8) * 16);
    }
    if flag(8) {
        o = o.max_value_len(usize::from(bits >> 10) * 8);
    }
    if flag(9) {
        o = o.max_body_len(Some(u64::from(bits >> 11)));
    }
    o
}

/// Target `decode_options`: the first two bytes pick the options. With them, decoding is stable
/// (decode → encode → decode); and whatever the strict default accepts, every leniency accepts
/// too, as the same value (leniencies only widen).
pub fn decode_options(data: &[u8]) {
    let [a, b, rest @ ..] = data else { return };
    let bits = u16::from_le_bytes([*a, *b]);
    let opts = options_from(bits);
    let lenient = stable!(Packet<'_>, rest, &opts);
    let widened = options_from(bits & 0x3f); // same leniencies, default limits
    if let Some((strict, used)) = stable!(Packet<'_>, rest, &DecodeOptions::default()) {
        let (wide, wide_used) = Packet::decode_with(rest, &widened).expect("a leniency rejected strict input");
        assert_eq!((wide, wide_used), (strict, used));
    }
    drop(lenient);
}

/// Target `stream_split`: the first byte picks a chunk size; feeding `data` in growing chunks
/// behaves as one shot. Decoding is prefix-monotone: once a prefix decodes (or is invalid),
/// every longer input gives the same answer; before that, every prefix is incomplete.
pub fn stream_split(data: &[u8]) {
    let [step, rest @ ..] = data else { return };
    let step = usize::from(*step).max(1);
    let opts = DecodeOptions::default();
    let full = Packet::decode_with(rest, &opts);
    let mut end = 0;
    loop {
        end = (end + step).min(rest.len());
        match Packet::decode_with(&rest[..end], &opts) {
            Err(DecodeError::Incomplete { .. }) if end < rest.len() => continue,
            r => {
                assert_eq!(r, full, "chunked feeding (step {step}, {end} bytes) differs from one shot");
                if let Ok((_, used)) = r {
                    for n in 0..used {
                        let p = Packet::decode_with(&rest[..n], &opts);
                        assert!(matches!(p, Err(DecodeError::Incomplete { .. })), "prefix {n} of {used}: {p:?}");
                    }
                }
                break;
            }
        }
    }
}

/// Target `differential_httparse`: where httparse reads a complete head, this crate's plain
/// decoder agrees on the head length and on every header name and value, unless it rejects the
/// head for one of its deliberate strictness rules (listed in `fuzz/README.md`); and whatever
/// this crate accepts, httparse accepts too.
pub fn differential_httparse(data: &[u8]) {
    let opts = DecodeOptions::default();
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let ours = bits_codec::http1::Message::decode_at_eof(data, &opts);
    let theirs = if data.starts_with(b"HTTP/") {
        httparse::Response::new(&mut headers).parse(data)
    } else {
        httparse::Request::new(&mut headers).parse(data)
    };
    let Ok((msg, _)) = ours else { return };
    let n = match theirs {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!("this crate accepted a head httparse did not: {other:?}"),
    };
    let ours: Vec<(&str, &[u8])> = msg.headers().iter().map(|f| (f.name, f.value)).collect();
    let theirs: Vec<(&str, &[u8])> = headers.iter().take(ours.len()).map(|h| (h.name, trim_ows(h.value))).collect();
    assert_eq!(ours, theirs, "header spans differ");
    // On input already in canonical form the head lengths agree as they are; on any input,
    // httparse reads our re-encoding with our head length.
    if msg.to_vec() == data[..msg.encoded_len().min(data.len())] {
        assert_eq!(n, msg.encoded_len() - msg.body().len());
    }
    assert_eq!(msg.encoded_len() - msg.body().len(), {
        let wire = msg.to_vec();
        let mut h2 = [httparse::EMPTY_HEADER; 128];
        let r = if wire.starts_with(b"HTTP/") {
            httparse::Response::new(&mut h2).parse(&wire)
        } else {
            httparse::Request::new(&mut h2).parse(&wire)
        };
        match r {
            Ok(httparse::Status::Complete(m)) => m,
            other => panic!("httparse rejects our encoding: {other:?}"),
        }
    });
}

/// decode → encode → decode for a Graph JSON body: `decode` gives the same value back from
/// its own encoding, and the encoding is stable.
macro_rules! stable_json {
    ($ty:ty, $data:expr) => {{
        if let Ok((value, used)) = <$ty>::decode($data) {
            assert_eq!(used, $data.len());
            let once = value.to_vec();
            assert_eq!(once.len(), value.encoded_len());
            let (again, _) = <$ty>::decode(&once).expect("an encoded body decodes");
            assert_eq!(again, value, "decode(encode(x)) != x");
            assert_eq!(again.to_vec(), once, "encode is not idempotent");
        }
    }};
}

/// Target `decode_graph`: arbitrary bytes as a Graph request, a Graph response (streaming and
/// at end of input), and as each JSON body type; whatever decodes is stable under
/// encode → decode.
pub fn decode_graph(data: &[u8]) {
    use bits_codec::graph;
    let opts = DecodeOptions::default();
    let _ = stable!(graph::Request<'_>, data, &opts);
    let _ = stable!(graph::Response<'_>, data, &opts);
    if let Ok((r, used)) = graph::Response::decode_at_eof(data, &opts) {
        assert!(used <= data.len());
        let once = r.to_vec();
        assert_eq!(once.len(), r.encoded_len());
        let (again, n) = graph::Response::decode_at_eof(&once, &opts).expect("an encoded response decodes");
        assert_eq!((again, n), (r, once.len()));
    }
    stable_json!(graph::UploadSession<'_>, data);
    let _ = graph::ResponseBody::decode(data);
    stable_json!(graph::CreateSessionBody<'_>, data);
    stable_json!(graph::ODataError<'_>, data);
    if let Ok(s) = core::str::from_utf8(data) {
        let _ = s.parse::<graph::RangeSpec>();
        let _ = graph::DateTimeOffset::new(s);
    }
}

/// Target `roundtrip_graph`: any Graph request or response the API can build encodes to bytes
/// that decode, with the default options, to the same value.
pub fn roundtrip_graph(data: &[u8]) {
    use bits_codec::graph;
    let mut u = Unstructured::new(data);
    let opts = DecodeOptions::default();
    if let Ok(req) = graph::Request::arbitrary(&mut u) {
        let wire = req.to_vec();
        assert_eq!(wire.len(), req.encoded_len());
        let (back, used) = graph::Request::decode_with(&wire, &opts).unwrap_or_else(|e| panic!("{e}: {req:?}"));
        assert_eq!((back, used), (req, wire.len()));
    }
    if let Ok(resp) = graph::Response::arbitrary(&mut u) {
        let wire = resp.to_vec();
        assert_eq!(wire.len(), resp.encoded_len());
        let (back, used) = graph::Response::decode_at_eof(&wire, &opts).unwrap_or_else(|e| panic!("{e}: {resp:?}"));
        assert_eq!((back, used), (resp, wire.len()));
    }
    if let Ok(s) = graph::UploadSession::arbitrary(&mut u) {
        stable_json!(graph::UploadSession<'_>, &s.to_vec());
        assert_eq!(graph::UploadSession::decode(&s.to_vec()).expect("built session decodes").0, s);
    }
}

/// A field value without the optional whitespace around it (RFC 9110 §5.5), as httparse
/// leaves it in place and this crate strips it.
fn trim_ows(v: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| matches!(b, b' ' | b'\t');
    let start = v.iter().position(|b| !is_ows(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !is_ows(b)).map_or(start, |i| i + 1);
    &v[start..end]
}
