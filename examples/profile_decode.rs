//! Profiling aid: decodes and encodes the real Fragment head in a loop (`valgrind --tool=callgrind`).
use bits_codec::bits::RequestHead;
use bits_codec::{Decode, Encode};
fn main() {
    let whole =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/captures/mcbup-4.1-02-fragment.http")).unwrap();
    let head = &whole[..303];
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut out = Vec::with_capacity(400);
    if mode == "ack" {
        let ack =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/captures/mcbup-4.1-01-ack-create-session.http"))
                .unwrap();
        for _ in 0..100_000 {
            std::hint::black_box(bits_codec::bits::Ack::decode(std::hint::black_box(&ack[..])).unwrap());
        }
        return;
    }
    if mode == "httparse" {
        for _ in 0..100_000 {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            std::hint::black_box(req.parse(std::hint::black_box(head)).unwrap());
        }
        return;
    }
    for _ in 0..100_000 {
        let (h, n) = RequestHead::decode(std::hint::black_box(head)).unwrap();
        if mode == "encode" {
            out.clear();
            h.encode(&mut out);
        }
        std::hint::black_box((h, n));
    }
}
