//! Graph messages from `corpus/graph/`: the fragment `PUT` head (this crate's typed decode vs
//! httparse's tokenizing), and the JSON bodies (this crate's borrowed decode vs serde_json into
//! owned `String`/`Vec<String>` structs, what a user writes without this crate).
//! Run: `cargo bench --bench graph -- <filter> --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use bits_codec::graph::{ODataError, Request, UploadSession};
use bits_codec::{Decode, Encode};
use bits_codec_benches::corpus;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;

fn body_of(message: &[u8]) -> Vec<u8> {
    let start = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    message[start..].to_vec()
}

/// The owned shape a hand-written client deserializes an upload session into.
#[derive(Deserialize)]
#[allow(dead_code)] // the fields are read by black_box only
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

fn graph_put_head(c: &mut Criterion) {
    // The whole PUT (a 26-byte body, borrowed): the cost is the head.
    let input = corpus("graph/drive-upload-fragment-first-26-bytes.http");
    let mut g = c.benchmark_group("graph_put_head");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("bits-codec/decode", |b| b.iter(|| Request::decode(black_box(&input)).unwrap()));
    g.bench_function("httparse/tokenize", |b| {
        b.iter(|| {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            black_box(req.parse(black_box(&input)).unwrap());
        })
    });
    let (value, _) = Request::decode(&input).unwrap();
    let mut out = Vec::with_capacity(value.encoded_len());
    g.bench_function("bits-codec/encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&value).encode(&mut out);
            black_box(out.len());
        })
    });
    g.finish();
}

fn graph_bodies(c: &mut Criterion) {
    let progress = body_of(&corpus("graph/drive-progress-202-two-ranges.http"));
    let mut g = c.benchmark_group("graph_202_body");
    g.throughput(Throughput::Bytes(progress.len() as u64));
    g.bench_function("bits-codec/decode", |b| b.iter(|| UploadSession::decode(black_box(&progress)).unwrap()));
    g.bench_function("serde_json/owned", |b| {
        b.iter(|| serde_json::from_slice::<OwnedSession>(black_box(&progress)).unwrap())
    });
    g.finish();

    let error = body_of(&corpus("graph/error-409-nested-inner-errors.http"));
    let mut g = c.benchmark_group("graph_error_body");
    g.throughput(Throughput::Bytes(error.len() as u64));
    g.bench_function("bits-codec/decode", |b| b.iter(|| ODataError::decode(black_box(&error)).unwrap()));
    g.bench_function("serde_json/owned", |b| {
        b.iter(|| serde_json::from_slice::<OwnedError>(black_box(&error)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, graph_put_head, graph_bodies);
criterion_main!(benches);
