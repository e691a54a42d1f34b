//! Profiling aid for the Graph JSON bodies: `valgrind --tool=callgrind
//! target/release/examples/profile_graph MODE` (build with `cargo build --profile bench --example
//! profile_graph`, `CARGO_PROFILE_BENCH_DEBUG=true` for line attribution). MODE is one of
//! `session` (default, the 202 body of `benches/graph.rs`), `error` (its error body),
//! `serde-session`, `serde-error` (serde_json into the owned structs of `benches/graph.rs`),
//! `floor-session`, `floor-error` (serde_json skipping the whole body with `IgnoredAny`: what any
//! serde_json-based decoder pays at least), `skip-session`, `skip-error` (this crate's
//! `ResponseBody` decode of the body wrapped in an array: serde_json's skipping through this
//! crate's entry point), `ranges` (two `RangeSpec` parses), `put` (`graph::Request` decode of
//! the benches' PUT head and body). `time` (not for valgrind)
//! times `session`, `error` and their `serde-` twins, interleaved.
//! Each mode is its own non-inlined function of `ROUNDS` iterations, so instruction counts
//! divided by `ROUNDS` are per-decode costs comparable from one build to the next.

use std::hint::black_box;

use bits_codec::Decode as _;
use bits_codec::graph::{ODataError, UploadSession};
use bits_codec_benches::{corpus, fastest};
use serde::Deserialize;
use serde::de::IgnoredAny;

const ROUNDS: usize = 100_000;

fn body_of(message: &[u8]) -> Vec<u8> {
    let start = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    message[start..].to_vec()
}

// The owned shapes of benches/graph.rs (kept identical so the counts match the bench).
#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedSession {
    #[serde(rename = "uploadUrl")]
    upload_url: Option<String>,
    #[serde(rename = "expirationDateTime")]
    expiration_date_time: Option<String>,
    #[serde(rename = "nextExpectedRanges")]
    next_expected_ranges: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedInner {
    code: Option<String>,
    message: Option<String>,
    innererror: Option<Box<OwnedInner>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedErrorBody {
    code: String,
    message: Option<String>,
    innererror: Option<Box<OwnedInner>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedError {
    error: OwnedErrorBody,
}

#[inline(never)]
fn session(body: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(UploadSession::decode(black_box(body)).unwrap());
    }
}

#[inline(never)]
fn error(body: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(ODataError::decode(black_box(body)).unwrap());
    }
}

#[inline(never)]
fn serde_session(body: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(serde_json::from_slice::<OwnedSession>(black_box(body)).unwrap());
    }
}

#[inline(never)]
fn serde_error(body: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(serde_json::from_slice::<OwnedError>(black_box(body)).unwrap());
    }
}

#[inline(never)]
fn floor(body: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(serde_json::from_slice::<IgnoredAny>(black_box(body)).unwrap());
    }
}

/// `graph::Request` decode of the benches' PUT (head and its 26-byte body).
#[inline(never)]
fn put(message: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(bits_codec::graph::Request::decode(black_box(message)).unwrap());
    }
}

#[inline(never)]
fn ranges() {
    for _ in 0..ROUNDS {
        black_box(black_box("12345-55232").parse::<bits_codec::graph::RangeSpec>().unwrap());
        black_box(black_box("77829-99375").parse::<bits_codec::graph::RangeSpec>().unwrap());
    }
}

/// `ResponseBody` decode of the body wrapped in an array (which it skips): serde_json's
/// tokenizing through this crate's entry point, without typed values.
#[inline(never)]
fn skip(body: &[u8]) {
    let wrapped = [b"[".as_slice(), body, b"]"].concat();
    for _ in 0..ROUNDS {
        black_box(bits_codec::graph::ResponseBody::decode(black_box(&wrapped)).unwrap());
    }
}

/// The decodes and their `serde_json/owned` twins, timed.
fn time(progress: &[u8], err: &[u8]) {
    type Run = fn(&[u8]);
    let rows: [(&str, &[u8], Run, Run); 2] =
        [("202 body", progress, session, serde_session), ("error body", err, error, serde_error)];
    for (name, body, ours, theirs) in rows {
        let t = fastest(&[&|| ours(body), &|| theirs(body)], ROUNDS);
        let (ours, theirs) = (t[0], t[1]);
        println!("{name:12} {ours:7.1} ns  serde_json/owned {theirs:7.1} ns  ratio {:.2}", ours / theirs);
    }
}

fn main() {
    let progress = body_of(&corpus("graph/drive-progress-202-two-ranges.http"));
    let err = body_of(&corpus("graph/error-409-nested-inner-errors.http"));
    match std::env::args().nth(1).as_deref() {
        Some("error") => error(&err),
        Some("serde-session") => serde_session(&progress),
        Some("serde-error") => serde_error(&err),
        Some("floor-session") => floor(&progress),
        Some("floor-error") => floor(&err),
        Some("ranges") => ranges(),
        Some("skip-session") => skip(&progress),
        Some("skip-error") => skip(&err),
        Some("time") => time(&progress, &err),
        Some("put") => put(&corpus("graph/drive-upload-fragment-first-26-bytes.http")),
        _ => session(&progress),
    }
}
