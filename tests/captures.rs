//! The 19 complete wire messages of [MC-BUP] §4 (Windows "Microsoft BITS/6.7" client against
//! IIS 6.0), and the constructed canonical examples of `corpus/constructed/` (one of each packet
//! and Ack shape of [MC-BUP] §2.2, written field by field from that section's rules): each
//! decodes to the right values and re-encodes byte for byte; every strict prefix is incomplete.

use std::path::Path;

use bits_codec::bits::{
    Ack, ErrorContext, Guid, HResult, NotificationRequest, NotificationResponse, Packet, PacketType, ProtocolList,
    Request, RequestKind, SessionId,
};
use bits_codec::http1::{ContentRange, FieldValue, Message, RequestTarget, Status};
use bits_codec::{Decode, DecodeOptions, Encode};
use sha2::{Digest, Sha256};

fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus").join(path)).unwrap()
}

fn sha256(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

fn request(path: &str) -> (Vec<u8>, Request<'static>) {
    let bytes = corpus(path);
    let (r, used) = Request::decode(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(used, bytes.len(), "{path}");
    assert_eq!(r.to_vec(), bytes, "{path} re-encodes byte for byte");
    assert_eq!(r.encoded_len(), bytes.len());
    let owned = r.into_owned();
    (bytes, owned)
}

fn ack(path: &str) -> Ack<'static> {
    let bytes = corpus(path);
    let (a, used) = Ack::decode(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(used, bytes.len(), "{path}");
    assert_eq!(a.to_vec(), bytes, "{path} re-encodes byte for byte");
    assert_eq!(a.encoded_len(), bytes.len());
    a.into_owned()
}

const SESSION_41: &str = "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}";
const SESSION_42: &str = "{C85B4E0A-9EB9-4114-BFA4-8A43B4710091}";

#[test]
fn create_session_requests() {
    for (path, target) in [
        ("captures/mcbup-4.1-00-create-session.http", "/upload/2000mb-rfc2119.txt"),
        ("captures/mcbup-4.2-09-create-session.http", "/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt"),
    ] {
        let (_, r) = request(path);
        assert_eq!(r.packet_type(), PacketType::CreateSession);
        assert_eq!(r.target().as_str(), target);
        let RequestKind::CreateSession { protocols } = r.kind() else { panic!("{path}") };
        assert_eq!(protocols.iter().collect::<Vec<_>>(), [Guid::BITS_1_5_UPLOAD]);
        assert_eq!(r.content_name().unwrap().as_bytes(), b"rfc2119.txt");
        assert_eq!(r.host().unwrap().as_bytes(), b"frankcao8");
        assert_eq!(r.session_id(), None);
        assert_eq!(r.content_length(), 0);
        // Accept, User-Agent and Connection are kept, in order.
        let others: Vec<_> = r.other_headers().map(|f| f.name).collect();
        assert_eq!(others, ["Accept", "User-Agent", "Connection"]);
    }
}

#[test]
fn fragment_requests_carry_the_rfc2119_body() {
    for (path, session) in
        [("captures/mcbup-4.1-02-fragment.http", SESSION_41), ("captures/mcbup-4.2-13-fragment.http", SESSION_42)]
    {
        let (bytes, r) = request(path);
        let RequestKind::Fragment { session_id, range } = r.kind() else { panic!("{path}") };
        assert_eq!(session_id.as_str(), session);
        assert_eq!(range, ContentRange::new(0, 4891, 4892).unwrap());
        assert_eq!(r.body().len(), 4892);
        assert_eq!(sha256(r.body()), "dfab02f24a7ee88045054ea8c8da40a45c6d6c519aa554d4c8e81b3de4f70a2f");
        // The head alone, for streaming the body.
        let (head, head_len) = bits_codec::bits::RequestHead::decode(&bytes).unwrap();
        assert_eq!((head_len as u64, head.body_len()), (bytes.len() as u64 - 4892, 4892));
        assert_eq!(&bytes[head_len..], r.body());
    }
}

#[test]
fn ping_close_requests() {
    let (_, p) = request("captures/mcbup-4.1-05-ping.http");
    assert_eq!(p.kind(), RequestKind::Ping);
    let (_, p) = request("captures/mcbup-4.2-11-ping-host-id.http");
    assert_eq!(p.host().unwrap().as_bytes(), b"FRANKCAO8");
    for (path, session) in [
        ("captures/mcbup-4.1-07-close-session.http", SESSION_41),
        ("captures/mcbup-4.2-20-close-session.http", SESSION_42),
    ] {
        let (_, r) = request(path);
        let RequestKind::CloseSession { session_id } = r.kind() else { panic!("{path}") };
        assert_eq!(session_id.as_str(), session);
    }
}

#[test]
fn acks() {
    let a = ack("captures/mcbup-4.1-01-ack-create-session.http");
    assert_eq!(a.status(), Status::OK);
    assert_eq!(a.protocol(), Some(Guid::BITS_1_5_UPLOAD));
    assert_eq!(a.session_id().unwrap().as_str(), SESSION_41);
    assert_eq!(a.headers().get("accept-encoding").unwrap().value, b"identity");

    let a = ack("captures/mcbup-4.2-10-ack-create-session-host-id.http");
    assert_eq!(a.host_id().unwrap().as_bytes(), b"FRANKCAO8");
    assert_eq!(a.host_id_fallback_timeout(), Some(110));
    assert_eq!(a.session_id().unwrap().as_str(), SESSION_42);

    // IIS omits BITS-Session-Id on Fragment and Close Acks.
    let a = ack("captures/mcbup-4.1-04-ack-fragment-final.http");
    assert_eq!((a.received_content_range(), a.session_id()), (Some(4892), None));
    let a = ack("captures/mcbup-4.2-17-ack-fragment-final-reply-url.http");
    assert_eq!(a.received_content_range(), Some(4892));
    assert_eq!(
        a.reply_url().unwrap().as_bytes(),
        br"BITS-Sessions\Replies\{C85B4E0A-9EB9-4114-BFA4-8A43B4710091}\responsefile.bin"
    );
    for path in [
        "captures/mcbup-4.1-06-ack-ping.http",
        "captures/mcbup-4.1-08-ack-close-session.http",
        "captures/mcbup-4.2-12-ack-ping.http",
        "captures/mcbup-4.2-21-ack-close-session.http",
    ] {
        let a = ack(path);
        assert_eq!((a.status(), a.error_code(), a.session_id()), (Status::OK, None, None));
    }
}

#[test]
fn notification_exchange() {
    let bytes = corpus("captures/mcbup-4.2-15-notification-request-by-reference.http");
    let (n, used) = NotificationRequest::decode(&bytes).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(n.to_vec(), bytes);
    assert!(n.is_by_reference());
    assert_eq!(n.original_request_url().as_bytes(), b"http://frankcao8/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt");
    assert!(n.response_data_file().unwrap().as_bytes().ends_with(br"\responsefile.bin"));

    let bytes = corpus("captures/mcbup-4.2-16-notification-response-until-close.http");
    // No Content-Length: the body runs until the connection closes.
    assert!(NotificationResponse::decode(&bytes).unwrap_err().is_incomplete());
    let (n, used) = NotificationResponse::decode_at_eof(&bytes, &DecodeOptions::default()).unwrap();
    assert_eq!((used, n.status(), n.message().body().len()), (bytes.len(), Status::OK, 0));
    assert_eq!(n.to_vec(), bytes);
}

#[test]
fn reply_download_is_plain_http_and_the_truncated_206_is_incomplete() {
    let bytes = corpus("captures/mcbup-4.2-18-get-reply-download.http");
    let (m, used) = Message::decode(&bytes).unwrap();
    assert_eq!((used, m.to_vec()), (bytes.len(), bytes.clone()));
    assert!(Request::decode(&bytes).unwrap_err().invalid_message().is_some(), "GET is not BITS");

    let bytes = corpus("incomplete/mcbup-4.2-19-206-reply-download-truncated.http");
    let e = Message::decode_at_eof(&bytes, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e, bits_codec::DecodeError::Incomplete { needed: std::num::NonZeroUsize::new(9977 - 590) });
}

#[test]
fn every_strict_prefix_of_every_capture_is_incomplete() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/captures");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let notification = path.to_string_lossy().contains("notification");
        for n in 0..bytes.len() {
            let prefix = &bytes[..n];
            let r = if notification {
                Message::decode(prefix).map(|_| ())
            } else if bytes.starts_with(b"GET") {
                Message::decode(prefix).map(|_| ())
            } else {
                Packet::decode(prefix).map(|_| ())
            };
            assert!(matches!(r, Err(e) if e.is_incomplete()), "{} prefix {n}: {r:?}", path.display());
        }
    }
}

fn target() -> RequestTarget<'static> {
    RequestTarget::new("/upload/report.bin").unwrap()
}
fn session() -> SessionId<'static> {
    SessionId::new("{6B29FC40-CA47-1067-B31D-00DD010662DA}").unwrap()
}
fn host(h: &'static str) -> FieldValue<'static> {
    FieldValue::new(h).unwrap()
}

/// The canonical examples of `corpus/constructed/`, built through the API: the serializer
/// writes exactly them.
#[test]
fn builders_write_the_canonical_examples() {
    let status = |c| Status::new(c).unwrap();
    let name = FieldValue::new("report.bin").unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("c01-ping.http", Request::ping(target()).with_host(host("bits.example.com")).to_vec()),
        ("c02-ack-ping.http", Ack::ok().to_vec()),
        (
            "c03-create-session.http",
            Request::create_session(target(), ProtocolList::one(Guid::BITS_1_5_UPLOAD))
                .with_content_name(name.clone())
                .with_host(host("bits.example.com"))
                .to_vec(),
        ),
        (
            "c04-ack-create-session-host-id-fallback.http",
            Ack::session_created(Guid::BITS_1_5_UPLOAD, session())
                .with_host_id(host("node7.bits.example.com"), Some(86400))
                .to_vec(),
        ),
        (
            "c05-ack-create-session-400-no-common-protocol.http",
            Ack::error(status(400), HResult::E_INVALIDARG, ErrorContext::REMOTE_FILE).to_vec(),
        ),
        (
            "c06-fragment-middle-bytes-4-7-of-10.http",
            Request::fragment(target(), session(), ContentRange::new(4, 7, 10).unwrap(), &b"EFGH"[..])
                .unwrap()
                .with_host(host("node7.bits.example.com"))
                .with_content_name(name)
                .to_vec(),
        ),
        ("c07-ack-fragment-mid-file.http", Ack::fragment_received(Status::OK, 8).with_session_id(session()).to_vec()),
        ("c08-ack-fragment-416-resume-at-4.http", Ack::fragment_received(status(416), 4).with_session_id(session()).to_vec()),
        (
            "c09-ack-fragment-final-reply-url.http",
            Ack::fragment_received(Status::OK, 10)
                .with_session_id(session())
                .with_reply_url(host("http://node7.bits.example.com/upload/BITS-Sessions/Replies/%7B6B29FC40-CA47-1067-B31D-00DD010662DA%7D/responsefile.bin"))
                .to_vec(),
        ),
        ("c10-cancel-session.http", Request::cancel_session(target(), session()).with_host(host("node7.bits.example.com")).to_vec()),
        ("c11-ack-cancel-session.http", Ack::ok().with_session_id(session()).to_vec()),
        (
            "c12-ack-500-session-not-found.http",
            Ack::error(status(500), HResult::BG_E_SESSION_NOT_FOUND, ErrorContext::REMOTE_FILE).with_session_id(session()).to_vec(),
        ),
        ("c13-ack-501-uploads-disabled.http", Ack::error(status(501), HResult::E_ACCESSDENIED, ErrorContext::REMOTE_FILE).to_vec()),
        (
            "c14-ack-fragment-500-too-large.http",
            Ack::error(status(500), HResult::BG_E_TOO_LARGE, ErrorContext::REMOTE_FILE).with_session_id(session()).to_vec(),
        ),
        (
            "c15-ack-fragment-500-server-application-failed.http",
            Ack::error(status(500), HResult::from_http_status(404), ErrorContext::REMOTE_APPLICATION)
                .with_session_id(session())
                .to_vec(),
        ),
        ("c16-close-session.http", Request::close_session(target(), session()).with_host(host("node7.bits.example.com")).to_vec()),
        ("c17-ack-close-session.http", Ack::ok().with_session_id(session()).to_vec()),
    ];
    for (file, built) in cases {
        let expected = corpus(&format!("constructed/{file}"));
        assert_eq!(String::from_utf8_lossy(&built), String::from_utf8_lossy(&expected), "{file}");
        // ... and each decodes back to the value it was built from.
        let (p, used) = Packet::decode(&expected).unwrap();
        assert_eq!((used, p.to_vec()), (expected.len(), expected));
    }
}
