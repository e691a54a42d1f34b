//! The typed view over `http::request::Parts` / `http::response::Parts` applies the same
//! checks as the byte decoder, and conversions to `http` keep every header.

use bits_codec::bits::{Ack, Guid, Request, RequestHead, RequestKind, SessionId};
use bits_codec::http1::ContentRange;
use bits_codec::{Decode, DecodeOptions, InvalidKind, PartsLocation};

fn parts(builder: http::request::Builder) -> http::request::Parts {
    builder.body(()).unwrap().into_parts().0
}

#[test]
fn fragment_from_parts_matches_the_byte_decoder() {
    let wire = b"BITS_POST /u/f.bin HTTP/1.1\r\nbits-packet-type: Fragment\r\nbits-session-id: {A0FF5911-4144-45B3-BF27-27AFC8EC8A67}\r\ncontent-range: bytes 0-2/3\r\ncontent-length: 3\r\n\r\nabc";
    let (from_bytes, _) = Request::decode(wire).unwrap();
    let p = parts(
        http::Request::builder()
            .method("BITS_POST")
            .uri("/u/f.bin")
            .header("BITS-Packet-Type", "Fragment")
            .header("BITS-Session-Id", "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}")
            .header("Content-Range", "bytes 0-2/3")
            .header("Content-Length", "3"),
    );
    let from_parts = Request::from_http_parts(&p, b"abc", &DecodeOptions::default()).unwrap();
    assert_eq!(from_parts, from_bytes);
    let RequestKind::Fragment { range, .. } = from_parts.kind() else { panic!() };
    assert_eq!(range, ContentRange::new(0, 2, 3).unwrap());
    // Body of the wrong length.
    let e = Request::from_http_parts(&p, b"ab", &DecodeOptions::default()).unwrap_err();
    assert_eq!((e.kind, e.location), (InvalidKind::ContentLengthMismatch, PartsLocation::Body));
}

#[test]
fn parts_get_the_same_rejections() {
    let opts = DecodeOptions::default();
    let base = || http::Request::builder().method("BITS_POST").uri("/u").header("Content-Length", "0");
    let e = RequestHead::from_http_parts(&parts(base()), &opts).unwrap_err();
    assert_eq!(e.kind, InvalidKind::MissingHeader("BITS-Packet-Type"));
    assert_eq!(e.location, PartsLocation::Headers, "a missing header is about the headers as a whole");
    let e = RequestHead::from_http_parts(&parts(base().method("POST").header("BITS-Packet-Type", "Ping")), &opts)
        .unwrap_err();
    assert_eq!((e.kind, e.location), (InvalidKind::Method, PartsLocation::Method));
    let p = parts(base().header("BITS-Packet-Type", "Ping").header("Transfer-Encoding", "chunked"));
    assert_eq!(RequestHead::from_http_parts(&p, &opts).unwrap_err().kind, InvalidKind::TransferEncoding);
    let p = parts(base().header("BITS-Packet-Type", "Ping").header("Content-Length", "1"));
    // Parts have no byte offsets: the error names the field, by its index in the map's
    // iteration order (which groups the values of one name: the second Content-Length is
    // field 1) and its name.
    let e = RequestHead::from_http_parts(&p, &opts).unwrap_err();
    assert_eq!(e.kind, InvalidKind::ConflictingHeader("Content-Length"));
    assert_eq!(e.location, PartsLocation::Header { index: 1, name: http::header::CONTENT_LENGTH });
    let p = parts(base().header("BITS-Packet-Type", "Close-Session").header("BITS-Session-Id", "a b"));
    assert_eq!(RequestHead::from_http_parts(&p, &opts).unwrap_err().kind, InvalidKind::SessionId);
    let p = parts(base().header("BITS-Packet-Type", "Ping").version(http::Version::HTTP_2));
    let e = RequestHead::from_http_parts(&p, &opts).unwrap_err();
    assert_eq!((e.kind, e.location), (InvalidKind::HttpVersion, PartsLocation::Version));
}

#[test]
fn request_converts_to_http_and_back() {
    let id = SessionId::new("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}").unwrap();
    let range = ContentRange::new(0, 4, 5).unwrap();
    let req = Request::fragment("/up/x".try_into().unwrap(), id, range, &b"hello"[..]).unwrap();
    let http_req = req.to_http().unwrap();
    assert_eq!(http_req.method().as_str(), "BITS_POST");
    assert_eq!(http_req.headers()["content-range"], "bytes 0-4/5");
    let (p, ()) = http_req.into_parts();
    let back = Request::from_http_parts(&p, b"hello", &DecodeOptions::default()).unwrap();
    // Names come back lower-cased by `http`; the typed fields are the same.
    assert_eq!((back.kind(), back.target()), (req.kind(), req.target()));
}

#[test]
fn ack_converts_to_http_and_back() {
    let ack = Ack::session_created(Guid::BITS_1_5_UPLOAD, SessionId::new("{1}").unwrap());
    let resp = ack.to_http().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["bits-protocol"], "{7df0354d-249b-430f-820d-3d2a9bef4931}");
    let (p, ()) = resp.into_parts();
    let back = Ack::from_http_parts(&p, b"", &DecodeOptions::default()).unwrap();
    assert_eq!((back.protocol(), back.session_id()), (ack.protocol(), ack.session_id()));
    // A response without BITS-Packet-Type is not an Ack.
    let p = http::Response::builder().status(404).body(()).unwrap().into_parts().0;
    assert_eq!(
        Ack::from_http_parts(&p, b"", &DecodeOptions::default()).unwrap_err().kind,
        InvalidKind::MissingHeader("BITS-Packet-Type")
    );
}
