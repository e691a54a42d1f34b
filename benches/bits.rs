//! The hot header path, side by side with httparse, on real messages from `corpus/`.
//!
//! For each BITS input, one group named after it with four IDs measured in the same run:
//! - `bits-codec/decode`: this crate's typed, validated decode;
//! - `httparse/tokenize`: httparse splitting the same bytes into a header array (the floor);
//! - `httparse+typed/decode`: httparse plus the hand-written extraction of the same BITS fields
//!   a user would write without this crate;
//! - `bits-codec/encode`: encoding the decoded value into a reused buffer.
//!
//! Plus scaling groups (8/64/512 headers; 16 B/256 B/4 KiB values) to show linear cost.
//! Run: `cargo bench --bench bits -- <filter> --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use bits_codec::bits::{Ack, RequestHead};
use bits_codec::{Decode, DecodeOptions, Encode};
use bits_codec_benches::{corpus, fragment_head, synthetic_head};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// What a user extracts by hand from httparse's header array: the same fields the typed decode
/// yields, with the usual `str::parse` (which, unlike this crate, accepts `+3`).
#[derive(Default, Debug)]
struct HandTyped<'a> {
    packet_type: Option<&'a str>,
    session_id: Option<&'a str>,
    content_length: Option<u64>,
    range: Option<(u64, u64, u64)>,
    protocols: Option<&'a str>,
    protocol: Option<&'a str>,
    received: Option<u64>,
    error_code: Option<u32>,
    error_context: Option<u32>,
    host_id: Option<&'a str>,
    fallback: Option<u32>,
    reply_url: Option<&'a str>,
    content_name: Option<&'a str>,
}

fn hex(v: &str) -> Option<u32> {
    u32::from_str_radix(v.trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
}

fn hand_typed<'a>(headers: &[httparse::Header<'a>]) -> Option<HandTyped<'a>> {
    let mut t = HandTyped::default();
    for h in headers {
        let v = std::str::from_utf8(h.value).ok()?.trim();
        let n = h.name;
        if n.eq_ignore_ascii_case("BITS-Packet-Type") {
            t.packet_type = Some(v);
        } else if n.eq_ignore_ascii_case("BITS-Session-Id") {
            t.session_id = Some(v);
        } else if n.eq_ignore_ascii_case("Content-Length") {
            t.content_length = Some(v.parse().ok()?);
        } else if n.eq_ignore_ascii_case("Content-Range") {
            let r = v.strip_prefix("bytes ")?;
            let (a, rest) = r.split_once('-')?;
            let (b, total) = rest.split_once('/')?;
            t.range = Some((a.parse().ok()?, b.parse().ok()?, total.parse().ok()?));
        } else if n.eq_ignore_ascii_case("BITS-Supported-Protocols") {
            t.protocols = Some(v);
        } else if n.eq_ignore_ascii_case("BITS-Protocol") {
            t.protocol = Some(v);
        } else if n.eq_ignore_ascii_case("BITS-Received-Content-Range") {
            t.received = Some(v.parse().ok()?);
        } else if n.eq_ignore_ascii_case("BITS-Error-Code") || n.eq_ignore_ascii_case("BITS-Error") {
            t.error_code = Some(hex(v)?);
        } else if n.eq_ignore_ascii_case("BITS-Error-Context") {
            t.error_context = Some(hex(v)?);
        } else if n.eq_ignore_ascii_case("BITS-Host-Id") {
            t.host_id = Some(v);
        } else if n.eq_ignore_ascii_case("BITS-Host-Id-Fallback-Timeout") {
            t.fallback = Some(v.parse().ok()?);
        } else if n.eq_ignore_ascii_case("BITS-Reply-URL") {
            t.reply_url = Some(v);
        } else if n.eq_ignore_ascii_case("Content-Name") {
            t.content_name = Some(v);
        }
    }
    Some(t)
}

#[derive(Clone, Copy)]
enum Kind {
    RequestHead,
    Ack,
}

fn bench_input(c: &mut Criterion, group_name: &str, input: &[u8], kind: Kind) {
    let mut g = c.benchmark_group(group_name);
    g.throughput(Throughput::Bytes(input.len() as u64));
    match kind {
        Kind::RequestHead => {
            g.bench_function("bits-codec/decode", |b| b.iter(|| RequestHead::decode(black_box(input)).unwrap()));
            g.bench_function("httparse/tokenize", |b| {
                b.iter(|| {
                    let mut headers = [httparse::EMPTY_HEADER; 32];
                    let mut req = httparse::Request::new(&mut headers);
                    let n = req.parse(black_box(input)).unwrap();
                    black_box((n, req.method, req.path, req.headers.len()));
                })
            });
            g.bench_function("httparse+typed/decode", |b| {
                b.iter(|| {
                    let mut headers = [httparse::EMPTY_HEADER; 32];
                    let mut req = httparse::Request::new(&mut headers);
                    let n = req.parse(black_box(input)).unwrap();
                    black_box((n, req.method == Some("BITS_POST"), hand_typed(req.headers).unwrap()));
                })
            });
            let (value, _) = RequestHead::decode(input).unwrap();
            let mut out = Vec::with_capacity(value.encoded_len());
            g.bench_function("bits-codec/encode", |b| {
                b.iter(|| {
                    out.clear();
                    black_box(&value).encode(&mut out);
                    black_box(out.len());
                })
            });
        }
        Kind::Ack => {
            g.bench_function("bits-codec/decode", |b| b.iter(|| Ack::decode(black_box(input)).unwrap()));
            g.bench_function("httparse/tokenize", |b| {
                b.iter(|| {
                    let mut headers = [httparse::EMPTY_HEADER; 32];
                    let mut resp = httparse::Response::new(&mut headers);
                    let n = resp.parse(black_box(input)).unwrap();
                    black_box((n, resp.code, resp.headers.len()));
                })
            });
            g.bench_function("httparse+typed/decode", |b| {
                b.iter(|| {
                    let mut headers = [httparse::EMPTY_HEADER; 32];
                    let mut resp = httparse::Response::new(&mut headers);
                    let n = resp.parse(black_box(input)).unwrap();
                    black_box((n, resp.code, hand_typed(resp.headers).unwrap()));
                })
            });
            let (value, _) = Ack::decode(input).unwrap();
            let mut out = Vec::with_capacity(value.encoded_len());
            g.bench_function("bits-codec/encode", |b| {
                b.iter(|| {
                    out.clear();
                    black_box(&value).encode(&mut out);
                    black_box(out.len());
                })
            });
        }
    }
    g.finish();
}

fn bits_inputs(c: &mut Criterion) {
    bench_input(
        c,
        "bits_create_session_request",
        &corpus("captures/mcbup-4.1-00-create-session.http"),
        Kind::RequestHead,
    );
    bench_input(c, "bits_create_session_ack", &corpus("captures/mcbup-4.1-01-ack-create-session.http"), Kind::Ack);
    bench_input(c, "bits_fragment_head", &fragment_head(), Kind::RequestHead);
    bench_input(c, "bits_fragment_ack", &corpus("captures/mcbup-4.1-04-ack-fragment-final.http"), Kind::Ack);
    bench_input(c, "bits_error_ack", &corpus("constructed/c12-ack-500-session-not-found.http"), Kind::Ack);
}

fn scaling(c: &mut Criterion) {
    let opts = DecodeOptions::default().max_headers(1024).max_head_len(1 << 20);
    for (group, cases) in [
        ("scaling_header_count", [(8, 16), (64, 16), (512, 16)]),
        ("scaling_value_len", [(8, 16), (8, 256), (8, 4096)]),
    ] {
        let mut g = c.benchmark_group(group);
        for (count, len) in cases {
            let input = synthetic_head(count, len);
            let param = if group == "scaling_header_count" { count } else { len };
            g.throughput(Throughput::Bytes(input.len() as u64));
            g.bench_with_input(BenchmarkId::new("bits-codec/decode", param), &input, |b, input| {
                b.iter(|| RequestHead::decode_with(black_box(input), &opts).unwrap())
            });
            // A header array sized for the input, made outside the timed part: zeroing 1,024
            // entries per parse would be measured instead of httparse.
            g.bench_with_input(BenchmarkId::new("httparse/tokenize", param), &input, |b, input| {
                b.iter_batched_ref(
                    || vec![httparse::EMPTY_HEADER; count + 8],
                    |headers| {
                        let mut req = httparse::Request::new(headers);
                        black_box(req.parse(black_box(input)).unwrap());
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bits_inputs, scaling);
criterion_main!(benches);
