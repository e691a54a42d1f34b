//! Real-world dialects accepted by default (what servers and clients in use send beside the
//! letter of [MC-BUP] §2.2: case, spacing, order, optional headers), each pinned, and the
//! opt-in leniencies, each tested on and off.

use bits_codec::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, PacketType, Request, RequestKind, SessionId,
};
use bits_codec::http1::{ContentRange, Status};
use bits_codec::{Decode, DecodeOptions, Encode, InvalidKind};

fn request(wire: &str) -> Request<'static> {
    let (r, used) = Request::decode(wire.as_bytes()).unwrap_or_else(|e| panic!("{e} in {wire:?}"));
    assert_eq!(used, wire.len());
    assert_eq!(r.to_vec(), wire.as_bytes(), "lossless");
    r.into_owned()
}

fn ack(wire: &str) -> Ack<'static> {
    let (a, used) = Ack::decode(wire.as_bytes()).unwrap_or_else(|e| panic!("{e} in {wire:?}"));
    assert_eq!(used, wire.len());
    assert_eq!(a.to_vec(), wire.as_bytes(), "lossless");
    a.into_owned()
}

fn packet(t: &str, extra: &str) -> String {
    format!("BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: {t}\r\n{extra}Content-Length: 0\r\n\r\n")
}

const PROTOCOLS: &str = "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n";

#[test]
fn accepts_packet_types_in_any_case() {
    for t in ["Create-Session", "CREATE-SESSION", "create-session", "CreatE-SEssION"] {
        assert_eq!(request(&packet(t, PROTOCOLS)).packet_type(), PacketType::CreateSession, "{t}");
    }
    for t in ["Ping", "PING", "pinG"] {
        assert_eq!(request(&packet(t, "")).packet_type(), PacketType::Ping);
    }
    let f = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: fRaGmEnT\r\nBITS-Session-Id: s\r\nContent-Range: bytes 0-0/1\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(request(f).packet_type(), PacketType::Fragment);
    for t in ["CLOSE-SESSION", "Cancel-session"] {
        assert!(request(&packet(t, "BITS-Session-Id: s\r\n")).session_id().is_some());
    }
    for t in ["Ack", "ACK", "ack"] {
        let a = ack(&format!("HTTP/1.1 200 OK\r\nBITS-Packet-Type: {t}\r\nContent-Length: 0\r\n\r\n"));
        assert!(a.is_success());
    }
}

#[test]
fn accepts_header_names_in_any_case() {
    let r = request("BITS_POST /u HTTP/1.1\r\nbits-packet-type: Ping\r\nCONTENT-LENGTH: 0\r\n\r\n");
    assert_eq!(r.packet_type(), PacketType::Ping);
    // IIS writes `Accept-encoding`; the spelling is kept on re-encoding.
    let a = ack("HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\nAccept-encoding: identity\r\n\r\n");
    assert_eq!(a.headers().get("Accept-Encoding").unwrap().name, "Accept-encoding");
}

#[test]
fn accepts_acks_without_a_session_id() {
    let a = ack(
        "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\nBITS-Received-Content-Range: 4892\r\n\r\n",
    );
    assert_eq!((a.session_id(), a.received_content_range()), (None, Some(4892)));
}

#[test]
fn accepts_both_error_header_names() {
    let base = |h: &str| {
        format!(
            "HTTP/1.1 500 Internal Server Error\r\nBITS-Packet-Type: Ack\r\n{h}BITS-Error-Context: 0x5\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let w = base("BITS-Error-Code: 0x8020001F\r\n");
    let a = ack(&w);
    assert_eq!(
        (a.error_code(), a.error_header_name()),
        (Some(HResult::BG_E_SESSION_NOT_FOUND), Some(ErrorHeaderName::Code))
    );
    let w = base("BITS-Error: 0x8020001F\r\n");
    let a = ack(&w);
    assert_eq!(
        (a.error_code(), a.error_header_name()),
        (Some(HResult::BG_E_SESSION_NOT_FOUND), Some(ErrorHeaderName::Spec))
    );
    let w = base("BITS-Error: 0x8020001F\r\nBITS-Error-Code: 0x8020001f\r\n");
    let a = ack(&w);
    assert_eq!(
        (a.error_code(), a.error_header_name()),
        (Some(HResult::BG_E_SESSION_NOT_FOUND), Some(ErrorHeaderName::Both))
    );
    // The encoder writes either or both on request.
    let built = Ack::new(Status::new(500).unwrap()).with_error_as(
        ErrorHeaderName::Both,
        HResult::E_INVALIDARG,
        ErrorContext::REMOTE_FILE,
    );
    let wire = built.to_vec();
    let text = String::from_utf8(wire.clone()).unwrap();
    assert!(text.contains("BITS-Error-Code: 0x80070057\r\n") && text.contains("BITS-Error: 0x80070057\r\n"));
    assert_eq!(Ack::decode(&wire).unwrap().0, built);
}

#[test]
fn accepts_error_codes_and_contexts_with_or_without_0x() {
    for (code, ctx, want_code, want_ctx) in [
        ("0x80070057", "0x5", 0x8007_0057, 5),
        ("80070057", "5", 0x8007_0057, 5),
        ("0X8020001f", "0x00000007", 0x8020_001F, 7),
        ("0x0", "0x7", 0, 7), // SimpleBITSServer writes Python hex(): 0x0
    ] {
        let a = ack(&format!(
            "HTTP/1.1 400 Bad Request\r\nBITS-Packet-Type: Ack\r\nBITS-Error-Code: {code}\r\nBITS-Error-Context: {ctx}\r\nContent-Length: 0\r\n\r\n"
        ));
        assert_eq!((a.error_code(), a.error_context()), (Some(HResult(want_code)), Some(ErrorContext(want_ctx))));
    }
}

#[test]
fn accepts_session_ids_that_are_not_braced_upper_case_guids() {
    for id in [
        "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}",
        "{a0ff5911-4144-45b3-bf27-27afc8ec8a67}",
        "a0ff5911-4144-45b3-bf27-27afc8ec8a67",
        "-7214031596473453851", // SimpleBITSServer: a signed decimal
        "session_42",
    ] {
        let r = request(&packet("Close-Session", &format!("BITS-Session-Id: {id}\r\n")));
        assert_eq!(r.session_id().unwrap().as_str(), id, "echoed byte for byte");
    }
    // GUID-shaped ids name the same session whatever their case and braces.
    let upper = SessionId::new("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}").unwrap();
    assert!(upper.matches(&SessionId::new("a0ff5911-4144-45b3-bf27-27afc8ec8a67").unwrap()));
    assert!(!SessionId::new("abc").unwrap().matches(&SessionId::new("ABC").unwrap()));
}

#[test]
fn accepts_backslash_reply_urls() {
    let a = ack(
        "HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nBITS-Reply-URL: BITS-Sessions\\Replies\\{C85B}\\responsefile.bin\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(a.reply_url().unwrap().as_bytes(), br"BITS-Sessions\Replies\{C85B}\responsefile.bin");
}

#[test]
fn accepts_create_session_ack_with_201() {
    let a = ack(
        "HTTP/1.1 201 Created\r\nBITS-Packet-Type: Ack\r\nBITS-Protocol: {7DF0354D-249B-430F-820D-3D2A9BEF4931}\r\nBITS-Session-Id: {1}\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(a.is_success());
    assert_eq!(a.protocol(), Some(Guid::BITS_1_5_UPLOAD));
}

#[test]
fn accepts_protocol_lists_with_commas_tabs_and_several_headers() {
    let g2 = "{00000000-0000-0000-0000-000000000002}";
    let list = format!(
        "BITS-Supported-Protocols: {{7DF0354D-249b-430f-820d-3d2a9bef4931}},\t{g2} ,{g2}\r\nBITS-Supported-Protocols: {g2}\r\n"
    );
    let r = request(&packet("Create-Session", &list));
    let RequestKind::CreateSession { protocols } = r.kind() else { panic!() };
    assert_eq!(protocols.len(), 4);
    assert_eq!(protocols.iter().next(), Some(Guid::BITS_1_5_UPLOAD));
}

#[test]
fn accepts_the_docs_spelling_of_the_range_unit_and_leading_zeros() {
    let f = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: s\r\nContent-Range: Bytes 0-01/2\r\nContent-Length: 02\r\n\r\nxy";
    assert_eq!(request(f).content_range(), Some(ContentRange::new(0, 1, 2).unwrap()));
}

#[test]
fn accepts_a_status_line_without_reason_and_ows_around_values() {
    let (a, _) = Ack::decode(b"HTTP/1.1 200\r\nBITS-Packet-Type:Ack\r\nContent-Length: \t0 \r\n\r\n").unwrap();
    assert_eq!((a.status().as_u16(), a.reason().as_bytes(), a.content_length()), (200, &b""[..], 0));
    // Re-encoding normalizes to the canonical spacing, and that form is stable.
    let once = a.to_vec();
    assert_eq!(once, b"HTTP/1.1 200 \r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(Ack::decode(&once).unwrap().0.to_vec(), once);
}

#[test]
fn ignores_headers_a_message_does_not_carry() {
    // Response-only headers on a request are kept, not interpreted (and not validated).
    let r = request(&packet("Ping", "BITS-Received-Content-Range: not-a-number\r\nBITS-Session-Id: {any}\r\n"));
    assert_eq!(r.headers().len(), 4);
}

// ---- opt-in leniencies: each off by default (tested in rejections.rs) and on here ----

#[test]
fn option_allow_bare_lf() {
    let w = b"BITS_POST /u HTTP/1.1\nBITS-Packet-Type: Ping\r\nContent-Length: 0\n\n";
    assert_eq!(Request::decode(w).unwrap_err().invalid_message().unwrap().kind, InvalidKind::BareLf);
    let opts = DecodeOptions::default().allow_bare_lf(true);
    let (r, used) = Request::decode_with(w, &opts).unwrap();
    assert_eq!((r.packet_type(), used), (PacketType::Ping, w.len()));
    assert_eq!(r.headers().get("content-length").unwrap().value, b"0");
}

#[test]
fn option_allow_http10() {
    let w = packet("Ping", "").replace("HTTP/1.1", "HTTP/1.0");
    assert!(Request::decode(w.as_bytes()).is_err());
    let opts = DecodeOptions::default().allow_http10(true);
    let (r, _) = Request::decode_with(w.as_bytes(), &opts).unwrap();
    assert_eq!(r.to_vec(), w.as_bytes());
}

#[test]
fn option_allow_identical_duplicates() {
    let w = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nBITS-Packet-Type: PING\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        Request::decode(w.as_bytes()).unwrap_err().invalid_message().unwrap().kind,
        InvalidKind::DuplicateHeader("BITS-Packet-Type")
    );
    let opts = DecodeOptions::default().allow_identical_duplicates(true);
    assert!(Request::decode_with(w.as_bytes(), &opts).is_ok());
    // Different values stay an error.
    let w = w.replacen("Content-Length: 0\r\n\r\n", "Content-Length: 1\r\n\r\n", 1);
    let e = Request::decode_with(w.as_bytes(), &opts).unwrap_err();
    assert_eq!(e.invalid_message().unwrap().kind, InvalidKind::ConflictingHeader("Content-Length"));
}

#[test]
fn option_allow_unbraced_guid() {
    let w = packet("Create-Session", "BITS-Supported-Protocols: 7df0354d-249b-430f-820d-3d2a9bef4931\r\n");
    assert_eq!(Request::decode(w.as_bytes()).unwrap_err().invalid_message().unwrap().kind, InvalidKind::Guid);
    let opts = DecodeOptions::default().allow_unbraced_guid(true);
    let (r, _) = Request::decode_with(w.as_bytes(), &opts).unwrap();
    assert!(r.supported_protocols().unwrap().contains(Guid::BITS_1_5_UPLOAD));
}

#[test]
fn option_allow_ack_body() {
    let w = b"HTTP/1.1 404 Not Found\r\nBITS-Packet-Type: Ack\r\nContent-Length: 9\r\n\r\nnot found";
    assert_eq!(Ack::decode(w).unwrap_err().invalid_message().unwrap().kind, InvalidKind::BodyNotAllowed);
    let opts = DecodeOptions::default().allow_ack_body(true);
    let (a, used) = Ack::decode_with(w, &opts).unwrap();
    assert_eq!((a.body(), used), (&b"not found"[..], w.len()));
}

#[test]
fn option_allow_spaces_in_content_range() {
    let w = b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: s\r\nContent-Range: bytes  0-0/1\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(Request::decode(w).unwrap_err().invalid_message().unwrap().kind, InvalidKind::ContentRange);
    let opts = DecodeOptions::default().allow_spaces_in_content_range(true);
    assert_eq!(Request::decode_with(w, &opts).unwrap().0.content_range(), Some(ContentRange::new(0, 0, 1).unwrap()));
}

/// The bytes of a file under `corpus/peers/` (shapes real BITS peers send).
fn peer(name: &str) -> Vec<u8> {
    let path = format!("{}/../corpus/peers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn an_empty_error_code_or_context_is_read_as_absent_by_default() {
    // The Ping Ack of the Python servers: `BITS-Error-Context: ` empty, `BITS-Error-Code: 1`.
    let wire = peer("p01-ack-ping-empty-error-headers.http");
    let (a, used) = Ack::decode(&wire).unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(a.status(), Status::OK);
    assert_eq!(a.error_context(), None);
    assert_eq!(a.error_code(), Some(HResult(1)));
    // Still in the header list, so the Ack re-encodes byte for byte.
    assert_eq!(a.headers().get("BITS-Error-Context").unwrap().value, b"");
    assert_eq!(a.to_vec(), wire);

    // An empty code is absent too, and an error status stays an error.
    let wire = "HTTP/1.1 500 Internal Server Error\r\nBITS-Packet-Type: Ack\r\nBITS-Error-Code: \r\n\
                BITS-Error-Context: \r\nContent-Length: 0\r\n\r\n";
    let a = ack(wire);
    assert!(!a.is_success());
    assert_eq!((a.error_code(), a.error_header_name(), a.error_context()), (None, None, None));
}

#[test]
fn a_non_empty_malformed_error_code_or_context_is_still_refused() {
    for (line, name) in [
        ("BITS-Error-Code: x\r\n", "BITS-Error-Code"),
        ("BITS-Error-Code: 0x\r\n", "BITS-Error-Code"),
        ("BITS-Error-Context: -\r\n", "BITS-Error-Context"),
        ("BITS-Error-Context: 0x5 5\r\n", "BITS-Error-Context"),
    ] {
        let wire = format!("HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n{line}Content-Length: 0\r\n\r\n");
        let e = Ack::decode(wire.as_bytes()).unwrap_err();
        assert_eq!(e.invalid_message().map(|m| m.kind), Some(InvalidKind::HexNumber(name)), "{line:?}");
    }
}

const BODILESS_PEERS: [(&str, PacketType); 4] = [
    ("p07-create-session-httplib-no-content-length.http", PacketType::CreateSession),
    ("p08-ping-curl-no-content-length.http", PacketType::Ping),
    ("p09-close-session-httplib-no-content-length.http", PacketType::CloseSession),
    ("p10-cancel-session-curl-no-content-length.http", PacketType::CancelSession),
];

fn bodiless_allowed() -> DecodeOptions {
    DecodeOptions::default().allow_bodiless_without_content_length(true)
}

#[test]
fn option_allow_bodiless_without_content_length_on() {
    let opts = bodiless_allowed();
    assert!(opts.bodiless_without_content_length_allowed());
    for (name, t) in BODILESS_PEERS {
        let wire = peer(name);
        let (r, used) = Request::decode_with(&wire, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(used, wire.len(), "{name}");
        assert_eq!((r.packet_type(), r.content_length(), r.body()), (t, 0, &[][..]), "{name}");
        assert!(r.headers().get("Content-Length").is_none(), "{name}");
        assert_eq!(r.to_vec(), wire, "{name}: re-encodes byte for byte");
    }
}

#[test]
fn option_allow_bodiless_without_content_length_off() {
    assert!(!DecodeOptions::default().bodiless_without_content_length_allowed());
    for (name, _) in BODILESS_PEERS {
        let wire = peer(name);
        let e = Request::decode(&wire).unwrap_err();
        let m = e.invalid_message().unwrap_or_else(|| panic!("{name}: {e}"));
        // At the empty line that ends the head, where the header was expected.
        assert_eq!((m.kind, m.offset), (InvalidKind::MissingHeader("Content-Length"), wire.len() - 2), "{name}");
    }
}

#[test]
fn option_allow_bodiless_without_content_length_never_frees_a_fragment() {
    let wire = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: s\r\n\
                Content-Range: bytes 0-0/1\r\n\r\nx";
    for opts in [DecodeOptions::default(), bodiless_allowed()] {
        let e = Request::decode_with(wire.as_bytes(), &opts).unwrap_err();
        let m = e.invalid_message().unwrap();
        assert_eq!((m.kind, m.offset), (InvalidKind::MissingHeader("Content-Length"), wire.len() - 3));
    }
}

#[test]
fn option_allow_bodiless_without_content_length_never_admits_transfer_encoding() {
    let wire = "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    for opts in [DecodeOptions::default(), bodiless_allowed()] {
        let e = Request::decode_with(wire.as_bytes(), &opts).unwrap_err();
        assert_eq!(e.invalid_message().map(|m| (m.kind, m.offset)), Some((InvalidKind::TransferEncoding, 47)));
    }
}

#[test]
fn option_allow_bodiless_without_content_length_applies_to_http_parts() {
    for (name, t) in BODILESS_PEERS {
        let wire = peer(name);
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut parsed = httparse::Request::new(&mut headers);
        parsed.parse(&wire).unwrap();
        let mut b = http::Request::builder().method(parsed.method.unwrap()).uri(parsed.path.unwrap());
        for h in parsed.headers.iter() {
            b = b.header(h.name, h.value);
        }
        let (parts, ()) = b.body(()).unwrap().into_parts();
        assert!(Request::from_http_parts(&parts, &[], &DecodeOptions::default()).is_err(), "{name}");
        let r = Request::from_http_parts(&parts, &[], &bodiless_allowed()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((r.packet_type(), r.content_length()), (t, 0), "{name}");
    }
}
