//! Profiling aid: `valgrind --tool=callgrind target/release/examples/profile_decode MODE`, MODE
//! one of `fragment-head` (default), `encode`, `ack`, `httparse` (the Fragment head),
//! `httparse-ack` (the Ack). Each mode is its own non-inlined function so instruction counts
//! stay comparable from one build to the next.
//!
//! `time` (not for valgrind) runs the same functions and prints the fastest of 30 runs, in ns
//! per decode: on a busy machine the minimum is a steadier comparison than a mean.
use bits_codec::bits::{Ack, RequestHead};
use bits_codec::{Decode, Encode};
use std::hint::black_box;

const ROUNDS: usize = 100_000;

fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(path)).unwrap()
}

#[inline(never)]
fn fragment_head(head: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(RequestHead::decode(black_box(head)).unwrap());
    }
}

#[inline(never)]
fn encode(head: &[u8]) {
    let (h, _) = RequestHead::decode(head).unwrap();
    let mut out = Vec::with_capacity(h.encoded_len());
    for _ in 0..ROUNDS {
        out.clear();
        black_box(&h).encode(&mut out);
        black_box(&out);
    }
}

#[inline(never)]
fn ack(bytes: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(Ack::decode(black_box(bytes)).unwrap());
    }
}

#[inline(never)]
fn httparse_tokenize(head: &[u8]) {
    for _ in 0..ROUNDS {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        black_box(req.parse(black_box(head)).unwrap());
    }
}

#[inline(never)]
fn httparse_ack(bytes: &[u8]) {
    for _ in 0..ROUNDS {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        black_box(resp.parse(black_box(bytes)).unwrap());
    }
}

/// Fastest of 30 runs of `f` (each `ROUNDS` decodes), in ns per decode.
fn fastest(f: impl Fn()) -> f64 {
    (0..30)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_nanos() as f64 / ROUNDS as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// The same non-inlined functions the callgrind modes run, timed.
fn time(head: &[u8], ack_bytes: &[u8]) {
    println!("fragment-head  {:7.1} ns", fastest(|| fragment_head(head)));
    println!("httparse       {:7.1} ns", fastest(|| httparse_tokenize(head)));
    println!("ack            {:7.1} ns", fastest(|| ack(ack_bytes)));
    println!("httparse-ack   {:7.1} ns", fastest(|| httparse_ack(ack_bytes)));
}

fn main() {
    let fragment = corpus("captures/mcbup-4.1-02-fragment.http");
    let head = &fragment[..303];
    match std::env::args().nth(1).as_deref() {
        Some("encode") => encode(head),
        Some("ack") => ack(&corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        Some("httparse") => httparse_tokenize(head),
        Some("httparse-ack") => httparse_ack(&corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        Some("time") => time(head, &corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        _ => fragment_head(head),
    }
}
