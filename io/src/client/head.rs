//! The head of a Graph fragment `PUT`, built without the fragment's bytes.
//!
//! A BITS Fragment's head comes from the machine (`Transmit::request_head`, on the codec's
//! `RequestHead::fragment`). The Graph codec builds a fragment request only around its body
//! (`graph::Request::upload_fragment` checks that the body is as long as the range), and
//! sending a 60 MiB fragment that way would mean holding 60 MiB. So the driver builds the
//! request for a one-byte stand-in range at the same offset and total, encodes its head, and
//! writes the real range's `Content-Range` and `Content-Length` values into it. Every other
//! header is the codec's own. The result is checked by decoding it with the codec: a `PUT`
//! still waiting for exactly that many body bytes.

use bits_codec::http1::ContentRange;
use bits_codec::{Decode, DecodeError};

/// The one-byte range at `range`'s start, in the same file.
pub(crate) fn stand_in(range: ContentRange) -> Option<ContentRange> {
    ContentRange::new(range.first(), range.first(), range.total()).ok()
}

/// `stub` (a head encoded for [`stand_in`]`(range)`) with `range`'s `Content-Range` and
/// `Content-Length` written into it.
pub(crate) fn with_range(stub: &[u8], range: ContentRange) -> Vec<u8> {
    let mut out = Vec::with_capacity(stub.len() + 40);
    let mut value = Vec::new();
    range.encode(&mut value);
    let len = range.len().to_string();
    for line in stub.split_inclusive(|&b| b == b'\n') {
        let name = line.split(|&b| b == b':').next().unwrap_or(b"");
        if line.contains(&b':') && name.eq_ignore_ascii_case(b"Content-Range") {
            out.extend_from_slice(b"Content-Range: ");
            out.extend_from_slice(&value);
            out.extend_from_slice(b"\r\n");
        } else if line.contains(&b':') && name.eq_ignore_ascii_case(b"Content-Length") {
            out.extend_from_slice(b"Content-Length: ");
            out.extend_from_slice(len.as_bytes());
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// `true` if `head` is a Graph request head still waiting for exactly `range.len()` bytes.
pub(crate) fn is_graph_fragment_head(head: &[u8], range: ContentRange) -> bool {
    match bits_codec::graph::Request::decode(head) {
        Err(DecodeError::Incomplete { needed: Some(n) }) => n.get() as u64 == range.len(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bits_codec::Encode;
    use bits_codec::http1::RequestTarget;

    #[test]
    fn a_head_built_on_a_stand_in_is_the_head_of_the_real_request() {
        let t = RequestTarget::new("/up/a.bin").unwrap();
        let body: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        for (first, len, total) in [(0, 1, 1), (0, 1000, 1000), (7, 993, 1000), (999_999_000, 1000, 10_000_000_000)] {
            let range = ContentRange::from_len(first, len, total).unwrap();
            let body = &body[..len as usize];
            let real = bits_codec::graph::Request::upload_fragment(t.clone(), range, body).unwrap().to_vec();
            let mut head = Vec::new();
            bits_codec::graph::Request::upload_fragment(t.clone(), stand_in(range).unwrap(), &b"x"[..])
                .unwrap()
                .encode_head(&mut head);
            let head = with_range(&head, range);
            assert!(is_graph_fragment_head(&head, range));
            assert_eq!([&head[..], body].concat(), real);
        }
    }
}
