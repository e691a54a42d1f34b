//! What the benches (`bits.rs`, `graph.rs`) and the callgrind drivers (`profile_decode.rs`,
//! `profile_graph.rs`) share, so that every measure runs on the same bytes.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The repository's `corpus/` folder.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("corpus")
}

/// A file of `corpus/`, by its path inside it.
pub fn corpus(path: &str) -> Vec<u8> {
    let full = corpus_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The 303-byte head of the real Fragment request of [MC-BUP] §4.1 (the body is streamed,
/// not decoded).
pub fn fragment_head() -> Vec<u8> {
    let whole = corpus("captures/mcbup-4.1-02-fragment.http");
    let end = whole.windows(4).position(|w| w == b"\r\n\r\n").expect("a head") + 4;
    assert_eq!(end, 303);
    whole[..end].to_vec()
}

/// A Ping head with `count` extra headers of `value_len` bytes each.
pub fn synthetic_head(count: usize, value_len: usize) -> Vec<u8> {
    let mut s = String::from("BITS_POST /upload/file.bin HTTP/1.1\r\nBITS-Packet-Type: Ping\r\n");
    for i in 0..count {
        s.push_str(&format!("X-Header-{i:04}: {}\r\n", "v".repeat(value_len)));
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s.into_bytes()
}

/// Fastest of 30 runs of each of `fs`, each run `rounds` decodes, in ns per decode. Interleaved:
/// each of the 30 rounds times every function once, so that a slow spell of a shared machine
/// falls on all of them rather than on whichever ran then; the minimum is a steadier
/// comparison than a mean on a busy machine.
pub fn fastest(fs: &[&dyn Fn()], rounds: usize) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; fs.len()];
    for _ in 0..30 {
        for (f, best) in fs.iter().zip(&mut best) {
            let t = std::time::Instant::now();
            f();
            *best = best.min(t.elapsed().as_nanos() as f64 / rounds as f64);
        }
    }
    best
}
