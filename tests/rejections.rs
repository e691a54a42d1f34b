//! One test per rejection class: every bad input gets its own typed error and the offset of
//! the byte that made it bad. The strict default is what these pin; the opt-in leniencies are
//! in `tests/options.rs`.

use bits_codec::bits::{Ack, Request};
use bits_codec::http1::Message;
use bits_codec::{Decode, DecodeError, DecodeOptions, InvalidKind};

const FRAGMENT: &str = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: {A0FF5911-4144-45B3-BF27-27AFC8EC8A67}\r\nContent-Range: bytes 0-2/3\r\nContent-Length: 3\r\n\r\nabc";

/// Decode `wire` as a request and return the error kind and offset.
fn request_error(wire: &str) -> (InvalidKind, usize) {
    match Request::decode(wire.as_bytes()) {
        Err(DecodeError::Invalid(m)) => (m.kind, m.offset),
        other => panic!("expected invalid, got {other:?} for {wire:?}"),
    }
}

fn ack_error(wire: &str) -> (InvalidKind, usize) {
    match Ack::decode(wire.as_bytes()) {
        Err(DecodeError::Invalid(m)) => (m.kind, m.offset),
        other => panic!("expected invalid, got {other:?} for {wire:?}"),
    }
}

/// `FRAGMENT` with `from` replaced by `to`, and the offset of the replacement.
fn fragment_with(from: &str, to: &str) -> (String, usize) {
    let at = FRAGMENT.find(from).unwrap();
    (FRAGMENT.replacen(from, to, 1), at)
}

#[test]
fn the_base_fragment_is_valid() {
    assert!(Request::decode(FRAGMENT.as_bytes()).is_ok());
}

#[test]
fn rejects_whitespace_before_colon() {
    let (w, at) = fragment_with("Content-Length:", "Content-Length :");
    assert_eq!(request_error(&w), (InvalidKind::WhitespaceBeforeColon, at + "Content-Length".len()));
    let (w, at) = fragment_with("BITS-Packet-Type:", "BITS-Packet-Type\t:");
    assert_eq!(request_error(&w), (InvalidKind::WhitespaceBeforeColon, at + "BITS-Packet-Type".len()));
}

#[test]
fn rejects_obs_fold() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "Content-Length: 3\r\n folded\r\n");
    assert_eq!(request_error(&w), (InvalidKind::ObsFold, at + "Content-Length: 3\r\n".len()));
}

#[test]
fn rejects_bare_cr() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "X-A: 1\rX-B: 2\r\nContent-Length: 3\r\n");
    assert_eq!(request_error(&w), (InvalidKind::BareCr, at + "X-A: 1".len()));
}

#[test]
fn rejects_bare_lf_by_default() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "Content-Length: 3\n");
    assert_eq!(request_error(&w), (InvalidKind::BareLf, at + "Content-Length: 3".len()));
}

#[test]
fn rejects_control_bytes_in_values() {
    for ctl in ['\0', '\x01', '\x0b', '\x7f'] {
        let (w, at) = fragment_with("Content-Length: 3\r\n", &format!("X-A: a{ctl}b\r\nContent-Length: 3\r\n"));
        assert_eq!(request_error(&w), (InvalidKind::ControlByte, at + "X-A: a".len()), "{ctl:?}");
    }
}

#[test]
fn rejects_bad_header_names() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "X(A): 1\r\nContent-Length: 3\r\n");
    assert_eq!(request_error(&w), (InvalidKind::HeaderName, at + 1));
    let (w, at) = fragment_with("Content-Length: 3\r\n", ": 1\r\nContent-Length: 3\r\n");
    assert_eq!(request_error(&w), (InvalidKind::HeaderName, at));
    let (w, at) = fragment_with("Content-Length: 3\r\n", "NoColon\r\nContent-Length: 3\r\n");
    assert_eq!(request_error(&w), (InvalidKind::HeaderName, at + "NoColon".len()));
}

#[test]
fn rejects_duplicate_content_length() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "Content-Length: 3\r\nContent-Length: 3\r\n");
    assert_eq!(request_error(&w), (InvalidKind::DuplicateHeader("Content-Length"), at + "Content-Length: 3\r\n".len()));
}

#[test]
fn rejects_conflicting_content_length() {
    let (w, at) = fragment_with("Content-Length: 3\r\n", "Content-Length: 3\r\ncontent-length: 4\r\n");
    assert_eq!(
        request_error(&w),
        (InvalidKind::ConflictingHeader("Content-Length"), at + "Content-Length: 3\r\n".len())
    );
    // A list is not a number either: "3, 3" is a smuggling shape, not a leniency.
    let (w, at) = fragment_with("Content-Length: 3", "Content-Length: 3, 3");
    assert_eq!(request_error(&w), (InvalidKind::Number("Content-Length"), at + "Content-Length: 3".len()));
}

#[test]
fn rejects_duplicate_and_conflicting_singleton_bits_headers() {
    let line = |s: &str| format!("{s}\r\n");
    for (header, other_value) in [
        ("BITS-Packet-Type: Fragment", "BITS-Packet-Type: Ping"),
        ("BITS-Session-Id: {A0FF5911-4144-45B3-BF27-27AFC8EC8A67}", "BITS-Session-Id: other"),
        ("Content-Range: bytes 0-2/3", "Content-Range: bytes 0-2/4"),
    ] {
        let name: &'static str = match header.split(':').next().unwrap() {
            "BITS-Packet-Type" => "BITS-Packet-Type",
            "BITS-Session-Id" => "BITS-Session-Id",
            _ => "Content-Range",
        };
        let (w, at) = fragment_with(&line(header), &(line(header) + &line(header)));
        assert_eq!(request_error(&w), (InvalidKind::DuplicateHeader(name), at + header.len() + 2));
        let (w, at) = fragment_with(&line(header), &(line(header) + &line(other_value)));
        assert_eq!(request_error(&w), (InvalidKind::ConflictingHeader(name), at + header.len() + 2));
    }
    // Two Host headers (RFC 9112 §3.2).
    let w = "BITS_POST /u HTTP/1.1\r\nHost: a\r\nHost: b\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(request_error(w), (InvalidKind::ConflictingHeader("Host"), 32));
    // Ack singletons.
    let w = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nBITS-Received-Content-Range: 5\r\nBITS-Received-Content-Range: 6\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::ConflictingHeader("BITS-Received-Content-Range"), 72));
}

#[test]
fn rejects_any_transfer_encoding() {
    for te in ["chunked", "identity", "gzip, chunked"] {
        let (w, at) =
            fragment_with("Content-Length: 3\r\n", &format!("Transfer-Encoding: {te}\r\nContent-Length: 3\r\n"));
        assert_eq!(request_error(&w), (InvalidKind::TransferEncoding, at), "{te}");
    }
    let w = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::TransferEncoding, 40));
}

#[test]
fn rejects_signs_spaces_and_overflow_in_numbers() {
    let at = FRAGMENT.find("Content-Length: 3").unwrap() + "Content-Length: ".len();
    for (value, kind, offset) in [
        ("+3", InvalidKind::Number("Content-Length"), at),
        ("-3", InvalidKind::Number("Content-Length"), at),
        ("3 3", InvalidKind::Number("Content-Length"), at + 1),
        ("0x3", InvalidKind::Number("Content-Length"), at + 1),
        ("99999999999999999999", InvalidKind::NumberOverflow("Content-Length"), at),
    ] {
        let (w, _) = fragment_with("Content-Length: 3", &format!("Content-Length: {value}"));
        assert_eq!(request_error(&w), (kind, offset), "{value}");
    }
    let ack = |h: &str| format!("HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n{h}\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(
        ack_error(&ack("BITS-Received-Content-Range: +5")),
        (InvalidKind::Number("BITS-Received-Content-Range"), 69)
    );
    assert_eq!(
        ack_error(&ack("BITS-Host-Id-Fallback-Timeout: 4294967296")),
        (InvalidKind::NumberOverflow("BITS-Host-Id-Fallback-Timeout"), 71)
    );
    assert_eq!(ack_error(&ack("BITS-Error-Code: -2145386465")), (InvalidKind::HexNumber("BITS-Error-Code"), 57));
    assert_eq!(ack_error(&ack("BITS-Error-Context: 0x123456789")), (InvalidKind::HexNumber("BITS-Error-Context"), 60));
}

#[test]
fn rejects_bad_content_ranges() {
    let at = FRAGMENT.find("bytes 0-2/3").unwrap();
    for (range, kind, offset) in [
        ("bytes 2-0/3", InvalidKind::ContentRangeOrder, at + 8),
        ("bytes 0-3/3", InvalidKind::ContentRangeBeyondTotal, at + 10),
        ("bytes 0-2/*", InvalidKind::ContentRangeUnknownTotal, at + 10),
        ("bytes=0-2/3", InvalidKind::ContentRange, at + 5),
        ("items 0-2/3", InvalidKind::ContentRange, at),
        ("bytes 0-2", InvalidKind::ContentRange, at + 9),
    ] {
        let (w, _) = fragment_with("bytes 0-2/3", range);
        assert_eq!(request_error(&w), (kind, offset), "{range}");
    }
    // Content-Length must be the range's length.
    let (w, _) = fragment_with("Content-Range: bytes 0-2/3", "Content-Range: bytes 0-1/3");
    let cl_at = w.find("Content-Length: ").unwrap() + "Content-Length: ".len();
    assert_eq!(request_error(&w), (InvalidKind::ContentLengthMismatch, cl_at));
}

#[test]
fn rejects_http_versions_other_than_1_1() {
    for v in ["HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "http/1.1"] {
        let (w, _) = fragment_with("HTTP/1.1", v);
        assert_eq!(request_error(&w), (InvalidKind::HttpVersion, 13), "{v}");
    }
    assert_eq!(
        ack_error("HTTP/1.0 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n"),
        (InvalidKind::HttpVersion, 0)
    );
}

#[test]
fn rejects_missing_required_headers() {
    let end = |w: &str| w.len() - 2;
    let w = "BITS_POST /u HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(request_error(w), (InvalidKind::MissingHeader("BITS-Packet-Type"), end(w)));
    let w = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\n\r\n";
    assert_eq!(request_error(w), (InvalidKind::MissingHeader("Content-Length"), end(w)));
    let w = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: s\r\nContent-Length: 3\r\n\r\n";
    assert_eq!(request_error(w), (InvalidKind::MissingHeader("Content-Range"), end(w)));
    for t in ["Fragment", "Close-Session", "Cancel-Session"] {
        let w = format!(
            "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: {t}\r\nContent-Range: bytes 0-0/1\r\nContent-Length: 0\r\n\r\n"
        );
        assert_eq!(request_error(&w), (InvalidKind::MissingHeader("BITS-Session-Id"), end(&w)), "{t}");
    }
    let w = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Create-Session\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(request_error(w), (InvalidKind::MissingHeader("BITS-Supported-Protocols"), end(w)));
    let w = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::MissingHeader("BITS-Packet-Type"), end(w)));
    let w = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::MissingHeader("Content-Length"), end(w)));
}

#[test]
fn rejects_a_body_on_packets_without_one() {
    for (t, extra) in [
        ("Ping", ""),
        ("Create-Session", "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n"),
        ("Close-Session", "BITS-Session-Id: s\r\n"),
        ("Cancel-Session", "BITS-Session-Id: s\r\n"),
    ] {
        let w = format!("BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: {t}\r\n{extra}Content-Length: 2\r\n\r\nhi");
        let at = w.find("Content-Length: ").unwrap() + 16;
        assert_eq!(request_error(&w), (InvalidKind::BodyNotAllowed, at), "{t}");
    }
    let w = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 2\r\n\r\nhi";
    assert_eq!(ack_error(w), (InvalidKind::BodyNotAllowed, 56));
}

#[test]
fn rejects_bad_session_ids() {
    let at = FRAGMENT.find("{A0FF").unwrap();
    let long = "x".repeat(101);
    for (id, offset) in [("a b", at + 1), (long.as_str(), at + 100), ("é", at)] {
        let (w, _) = fragment_with("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}", id);
        assert_eq!(request_error(&w), (InvalidKind::SessionId, offset), "{id}");
    }
    let (w, _) = fragment_with("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}", &"x".repeat(100));
    assert!(Request::decode(w.as_bytes()).is_ok(), "100 characters is the limit, inclusive");
    let (w, _) = fragment_with("BITS-Session-Id: {A0FF5911-4144-45B3-BF27-27AFC8EC8A67}", "BITS-Session-Id:");
    assert_eq!(request_error(&w).0, InvalidKind::SessionId);
}

#[test]
fn rejects_malformed_protocol_guids() {
    let cs = |g: &str| {
        format!(
            "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Create-Session\r\nBITS-Supported-Protocols: {g}\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let at = cs("").find(": \r\n").unwrap() + 2;
    for (g, offset) in [
        ("{7df0354d-249b-430f-820d-3d2a9bef493}", at + 36),
        ("{7df0354d_249b-430f-820d-3d2a9bef4931}", at + 9),
        ("{7df0354d-249b-430f-820d-3d2a9bef493g}", at + 36),
        ("7df0354d-249b-430f-820d-3d2a9bef4931", at),
        ("{7df0354d-249b-430f-820d-3d2a9bef4931", at + 37),
        (",", at),
    ] {
        assert_eq!(request_error(&cs(g)), (InvalidKind::Guid, offset), "{g}");
    }
    let ack = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nBITS-Protocol: {nope}\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(ack_error(ack).0, InvalidKind::Guid);
    let many = vec!["{7df0354d-249b-430f-820d-3d2a9bef4931}"; 101].join(" ");
    assert_eq!(request_error(&cs(&many)), (InvalidKind::TooManyProtocols, at + 100 * 39));
}

#[test]
fn rejects_wrong_method_and_packet_types() {
    assert_eq!(request_error(&FRAGMENT.replacen("BITS_POST", "bits_post", 1)), (InvalidKind::Method, 0));
    assert_eq!(request_error(&FRAGMENT.replacen("BITS_POST", "POST", 1)), (InvalidKind::Method, 0));
    let (w, at) = fragment_with("Fragment", "AWESOME-MESSAGE");
    assert_eq!(request_error(&w), (InvalidKind::PacketType, at));
    let (w, at) = fragment_with("Fragment", "Ack");
    assert_eq!(request_error(&w), (InvalidKind::PacketTypeDirection, at - "BITS-Packet-Type: ".len()));
    let w = "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::PacketTypeDirection, 17));
}

#[test]
fn rejects_conflicting_error_header_aliases() {
    let w = "HTTP/1.1 500 X\r\nBITS-Packet-Type: Ack\r\nBITS-Error-Code: 0x8020001F\r\nBITS-Error: 0x80070057\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(ack_error(w), (InvalidKind::ConflictingHeader("BITS-Error"), 68));
}

#[test]
fn rejects_malformed_start_lines() {
    assert_eq!(request_error("BITS_POST  /u HTTP/1.1\r\n\r\n"), (InvalidKind::RequestTarget, 10));
    assert_eq!(request_error("BITS_POST /u  HTTP/1.1\r\n\r\n"), (InvalidKind::HttpVersion, 13));
    assert_eq!(request_error("BITS_POST /u HTTP/1.1 \r\n\r\n"), (InvalidKind::HttpVersion, 21));
    assert_eq!(request_error("\r\nBITS_POST /u HTTP/1.1\r\n\r\n"), (InvalidKind::LeadingWhitespace, 0));
    assert_eq!(request_error("BITS_POST /\x7f HTTP/1.1\r\n\r\n"), (InvalidKind::RequestTarget, 11));
    assert_eq!(ack_error("HTTP/1.1 20 OK\r\n\r\n"), (InvalidKind::StatusLine, 9));
    assert_eq!(ack_error("HTTP/1.1 099 OK\r\n\r\n"), (InvalidKind::StatusLine, 9));
    assert_eq!(ack_error("HTTP/1.1 200 O\x01K\r\n\r\n"), (InvalidKind::ReasonPhrase, 14));
}

#[test]
fn limits_each_have_their_own_error() {
    // Head bytes: 64 KiB by default, counted from the first byte.
    let big = format!("BITS_POST /u HTTP/1.1\r\n{}", format!("X-Pad: {}\r\n", "a".repeat(4000)).repeat(20));
    assert_eq!(request_error(&big), (InvalidKind::HeadTooLarge, 64 * 1024));
    // ... but a shorter truncated head is only incomplete.
    assert!(Request::decode(&big.as_bytes()[..60_000]).unwrap_err().is_incomplete());
    // Header count: 100 by default.
    let many = format!("BITS_POST /u HTTP/1.1\r\n{}\r\n", "X: 1\r\n".repeat(101));
    assert_eq!(request_error(&many), (InvalidKind::TooManyHeaders, 23 + 100 * 6));
    // Value length: 4 KiB by default, as IIS.
    let (w, at) =
        fragment_with("Content-Length: 3\r\n", &format!("X-Long: {}\r\nContent-Length: 3\r\n", "v".repeat(4097)));
    assert_eq!(request_error(&w), (InvalidKind::HeaderValueTooLong, at + 8));
    let (w, _) =
        fragment_with("Content-Length: 3\r\n", &format!("X-Long: {}\r\nContent-Length: 3\r\n", "v".repeat(4096)));
    assert!(Request::decode(w.as_bytes()).is_ok());
    // Each is configurable.
    let opts = DecodeOptions::default().max_headers(3);
    let e = Request::decode_with(FRAGMENT.as_bytes(), &opts).unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::TooManyHeaders);
    let opts = DecodeOptions::default().max_head_len(50);
    let e = Request::decode_with(FRAGMENT.as_bytes(), &opts).unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::HeadTooLarge);
    let opts = DecodeOptions::default().max_value_len(10);
    let e = Request::decode_with(FRAGMENT.as_bytes(), &opts).unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::HeaderValueTooLong);
    let opts = DecodeOptions::default().max_body_len(Some(2));
    let e = Request::decode_with(FRAGMENT.as_bytes(), &opts).unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::BodyTooLarge);
}

#[test]
fn a_huge_content_length_is_incomplete_without_allocating() {
    let (w, _) = fragment_with(
        "Content-Range: bytes 0-2/3\r\nContent-Length: 3\r\n\r\nabc",
        "Content-Range: bytes 0-18446744073709551614/18446744073709551615\r\nContent-Length: 18446744073709551615\r\n\r\n",
    );
    match Request::decode(w.as_bytes()) {
        Err(DecodeError::Incomplete { needed: Some(n) }) => assert!(n.get() > 1 << 40),
        other => panic!("{other:?}"),
    }
}

#[test]
fn plain_messages_keep_the_framing_rules() {
    let e = Message::decode(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::ConflictingHeader("Content-Length"));
    let e = Message::decode(b"POST / HTTP/1.1\r\nHost : x\r\n\r\n").unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::WhitespaceBeforeColon);
}
