//! Bugs found by review and fuzzing, each pinned with its bytes inline.

use bits_codec::bits::{Ack, Request};
use bits_codec::http1::Message;
use bits_codec::{Decode, DecodeOptions, Encode, InvalidKind};

/// A request target longer than a built one may be (8 KiB) failed a debug assertion; now it is
/// a `RequestTarget` error at the first byte past the limit.
#[test]
fn long_request_target_is_an_error_not_a_panic() {
    let wire = [&b"GET /"[..], &[b'a'; 9000], b" HTTP/1.1\r\n\r\n"].concat();
    let e = Message::decode_at_eof(&wire, &DecodeOptions::default()).unwrap_err();
    let m = e.invalid_message().unwrap();
    assert_eq!((m.kind, m.offset), (InvalidKind::RequestTarget, 4 + 8192));
    let wire = [&b"BITS_POST /"[..], &[b'a'; 9000], b" HTTP/1.1\r\n\r\n"].concat();
    assert_eq!(Request::decode(&wire).unwrap_err().invalid_message().unwrap().kind, InvalidKind::RequestTarget);
}

/// Same for a reason phrase over 4 KiB.
#[test]
fn long_reason_phrase_is_an_error_not_a_panic() {
    let wire = [&b"HTTP/1.1 200 "[..], &[b'a'; 5000], b"\r\nContent-Length: 0\r\n\r\n"].concat();
    let e = Message::decode_at_eof(&wire, &DecodeOptions::default()).unwrap_err();
    let m = e.invalid_message().unwrap();
    assert_eq!((m.kind, m.offset), (InvalidKind::ReasonPhrase, 13 + 4096));
}

/// A reason phrase with obs-text (legal, RFC 9112 §4) was silently replaced by "".
#[test]
fn obs_text_reason_phrase_is_kept_byte_for_byte() {
    let wire = b"HTTP/1.1 200 \xffOK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n";
    let (a, _) = Ack::decode(wire).unwrap();
    assert_eq!(a.reason().as_bytes(), b"\xffOK");
    assert_eq!(a.reason().to_str(), None);
    assert_eq!(a.to_vec(), wire);
}

/// A decoded value longer than 4 KiB (allowed by a raised `max_value_len`) became "" when the
/// headers were copied.
#[test]
fn long_decoded_values_survive_into_owned() {
    let value = "v".repeat(5000);
    let wire =
        format!("BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nX-Long: {value}\r\nContent-Length: 0\r\n\r\n");
    let opts = DecodeOptions::default().max_value_len(8192);
    let (r, _) = Request::decode_with(wire.as_bytes(), &opts).unwrap();
    let owned = r.into_owned();
    assert_eq!(owned.headers().get("x-long").unwrap().value, value.as_bytes());
    assert_eq!(owned.to_vec(), wire.as_bytes());
}

/// Content-Length used to win over RFC 9112 §6.3 rule 1: a 204 with `Content-Length: 4` took
/// the next message's first 4 bytes as its body, and a 304 waited for a body that never comes.
#[test]
fn no_body_statuses_end_at_the_empty_line_whatever_content_length_says() {
    let wire = b"HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nNEXT";
    let (m, used) = Message::decode(wire).unwrap();
    assert_eq!((m.body().len(), used), (0, wire.len() - 4));
    let wire = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n";
    let (m, used) = Message::decode(wire).unwrap();
    assert_eq!((m.body().len(), used), (0, wire.len()));
    assert_eq!(m.to_vec(), wire);
    let wire = b"HTTP/1.1 204 No Content\r\nBITS-Packet-Type: Ack\r\nContent-Length: 4\r\n\r\nNEXT";
    let opts = DecodeOptions::default().allow_ack_body(true);
    let (a, used) = Ack::decode_with(wire, &opts).unwrap();
    assert_eq!((a.body().len(), used), (0, wire.len() - 4));
}
