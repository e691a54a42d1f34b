//! Decoding a BITS packet allocates nothing, and encoding into a buffer sized with
//! `encoded_len` allocates nothing: a counting global allocator proves it for every capture
//! and canonical example. (Counting, not timing: this test cannot be flaky.)

use bits_codec::bits::{Ack, Packet, Request, RequestHead};
use bits_codec::{Decode, Encode};

/// How many allocations (and reallocations) `f` made on this thread: `allocation-counter`
/// replaces the global allocator of this test binary with a counting one.
fn allocations_in(f: impl FnOnce()) -> usize {
    let info = allocation_counter::measure(f);
    usize::try_from(info.count_total).expect("a count that fits")
}

fn bits_packets() -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus");
    let mut out = Vec::new();
    for dir in ["captures", "constructed"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let is_bits = bytes.starts_with(b"BITS_POST") || bytes.windows(17).any(|w| w == b"BITS-Packet-Type:");
            if is_bits {
                out.push((path.display().to_string(), bytes));
            }
        }
    }
    assert!(out.len() >= 30, "{}", out.len());
    out
}

#[test]
fn decoding_allocates_nothing() {
    for (name, bytes) in bits_packets() {
        let n = allocations_in(|| {
            let (p, used) = Packet::decode(&bytes).unwrap();
            assert_eq!(used, bytes.len());
            std::hint::black_box(&p);
            // Touch the typed fields and walk the headers: still nothing allocated.
            match &p {
                Packet::Request(r) => {
                    std::hint::black_box((r.kind(), r.session_id(), r.headers().iter().count()));
                }
                Packet::Ack(a) => {
                    std::hint::black_box((a.session_id(), a.error_code(), a.headers().iter().count()));
                }
            }
            if bytes.starts_with(b"BITS_POST") {
                std::hint::black_box(RequestHead::decode(&bytes).unwrap());
                std::hint::black_box(Request::decode(&bytes).unwrap());
            } else {
                std::hint::black_box(Ack::decode(&bytes).unwrap());
            }
        });
        assert_eq!(n, 0, "{name}: decoding allocated {n} times");
    }
}

#[test]
fn encoding_into_a_presized_buffer_allocates_nothing() {
    for (name, bytes) in bits_packets() {
        let (p, _) = Packet::decode(&bytes).unwrap();
        let mut out = Vec::with_capacity(p.encoded_len());
        let n = allocations_in(|| p.encode(&mut out));
        assert_eq!(n, 0, "{name}: encoding allocated {n} times");
        assert_eq!(out, bytes);
    }
}
