//! Profiling aid: `valgrind --tool=callgrind target/release/examples/profile_decode MODE`, MODE
//! one of `fragment-head` (default), `encode`, `ack`, `httparse` (the Fragment head),
//! `httparse-ack` (the Ack); `create-session`, `fragment-ack`, `error-ack` and their
//! `httparse-` twins for the other bench inputs. Each mode is its own non-inlined function so
//! instruction counts stay comparable from one build to the next.
//!
//! `count-N` / `value-N` (N as in the benches' scaling groups) decode the scaling heads 10,000
//! times. (httparse on them is left out on purpose: a second call site of `Request::parse`
//! changes how it is inlined, and with it the `httparse` count.)
//!
//! `message-ack`, `message-create-session`: the untyped `http::Message` decode of those inputs.
//!
//! `time` (not for valgrind) runs the same functions on every bench input and prints the
//! fastest of 30 runs, in ns per decode: on a busy machine the minimum is a steadier
//! comparison than a mean.
use bits_codec::bits::{Ack, RequestHead};
use bits_codec::{Decode, Encode};
use bits_codec_benches::{corpus, fastest, synthetic_head};
use std::hint::black_box;

const ROUNDS: usize = 100_000;

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

/// The untyped, validated decode of the same bytes (`http::Message`): the head grammar and the
/// framing rules without the BITS layer, to tell the tokenizer's cost from the typed layer's.
#[inline(never)]
fn message(bytes: &[u8]) {
    for _ in 0..ROUNDS {
        black_box(bits_codec::http1::Message::decode(black_box(bytes)).unwrap());
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
fn scaling(head: &[u8]) {
    let opts = bits_codec::DecodeOptions::default().max_headers(1024).max_head_len(1 << 20);
    for _ in 0..ROUNDS / 10 {
        black_box(RequestHead::decode_with(black_box(head), &opts).unwrap());
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

/// The same non-inlined functions the callgrind modes run, timed, on every bench input.
fn time() {
    let fragment = corpus("captures/mcbup-4.1-02-fragment.http");
    for (name, path, request) in [
        ("create-session", "captures/mcbup-4.1-00-create-session.http", true),
        ("create-session ack", "captures/mcbup-4.1-01-ack-create-session.http", false),
        ("fragment head", "captures/mcbup-4.1-02-fragment.http", true),
        ("fragment ack", "captures/mcbup-4.1-04-ack-fragment-final.http", false),
        ("error ack", "constructed/c12-ack-500-session-not-found.http", false),
    ] {
        // The Fragment capture carries its body: the bench decodes its 303-byte head.
        let bytes = if name == "fragment head" { fragment[..303].to_vec() } else { corpus(path) };
        let ours = || if request { fragment_head(&bytes) } else { ack(&bytes) };
        let theirs = || if request { httparse_tokenize(&bytes) } else { httparse_ack(&bytes) };
        // `http::Message` needs the whole message: not for the Fragment head, whose body is absent.
        let whole = name != "fragment head";
        let untyped = || {
            if whole {
                message(&bytes)
            }
        };
        let t = fastest(&[&ours, &theirs, &untyped], ROUNDS);
        let (ours, theirs) = (t[0], t[1]);
        let untyped =
            if whole { format!("  untyped {:7.1} ns  ratio {:.2}", t[2], t[2] / theirs) } else { String::new() };
        println!("{name:20} {ours:7.1} ns  httparse {theirs:7.1} ns  ratio {:.2}{untyped}", ours / theirs);
    }
}

fn main() {
    let fragment = corpus("captures/mcbup-4.1-02-fragment.http");
    let head = &fragment[..303];
    match std::env::args().nth(1).as_deref() {
        Some("encode") => encode(head),
        Some("ack") => ack(&corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        Some("httparse") => httparse_tokenize(head),
        // The other bench inputs, through the same functions (no new call sites: those change
        // inlining, and with it the counts above).
        Some("create-session") => fragment_head(&corpus("captures/mcbup-4.1-00-create-session.http")),
        Some("httparse-create-session") => httparse_tokenize(&corpus("captures/mcbup-4.1-00-create-session.http")),
        Some("fragment-ack") => ack(&corpus("captures/mcbup-4.1-04-ack-fragment-final.http")),
        Some("httparse-fragment-ack") => httparse_ack(&corpus("captures/mcbup-4.1-04-ack-fragment-final.http")),
        Some("error-ack") => ack(&corpus("constructed/c12-ack-500-session-not-found.http")),
        Some("httparse-error-ack") => httparse_ack(&corpus("constructed/c12-ack-500-session-not-found.http")),
        Some("message-ack") => message(&corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        Some("message-create-session") => message(&corpus("captures/mcbup-4.1-00-create-session.http")),
        Some("httparse-ack") => httparse_ack(&corpus("captures/mcbup-4.1-01-ack-create-session.http")),
        // `count-N` / `value-N`: the scaling groups' heads, 10,000 decodes.
        Some(m) if m.starts_with("count-") || m.starts_with("value-") => {
            let (kind, n) = m.split_once('-').unwrap();
            let n: usize = n.parse().unwrap();
            scaling(&if kind == "count" { synthetic_head(n, 16) } else { synthetic_head(8, n) })
        }
        Some("time") => time(),
        _ => fragment_head(head),
    }
}
