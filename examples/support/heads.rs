//! The synthetic heads of the benches' scaling groups, shared by `benches/bits.rs` and
//! `examples/profile_decode.rs` (included with `#[path]`) so both measure the same bytes.

/// A Ping head with `count` extra headers of `value_len` bytes each.
pub(crate) fn synthetic_head(count: usize, value_len: usize) -> Vec<u8> {
    let mut s = String::from("BITS_POST /upload/file.bin HTTP/1.1\r\nBITS-Packet-Type: Ping\r\n");
    for i in 0..count {
        s.push_str(&format!("X-Header-{i:04}: {}\r\n", "v".repeat(value_len)));
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s.into_bytes()
}
