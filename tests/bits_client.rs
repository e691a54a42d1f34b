//! The BITS client session machine against scripted answers (the client rules of [MC-BUP]
//! §3.1 and the decisions `bits::client`'s module docs write out): resynchronisation, 413 shrinking, session loss, retries, Host-Id, reply URLs,
//! non-BITS answers, cancel.

use bits_codec::Decode;
use bits_codec::bits::client::{
    Client, ClientConfig, ClientError, Event, Response, Step, Transmit, TransmitKind, resolve_reply_url,
};
use bits_codec::bits::{Ack, ErrorContext, Guid, HResult, PacketType, SessionId};
use bits_codec::http1::{ContentRange, FieldValue, Status};

const ID: &str = "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}";
const URL: &str = "http://frankcao8/upload/2000mb-rfc2119.txt";

fn st(code: u16) -> Status {
    Status::new(code).unwrap()
}

fn next(c: &mut Client) -> Transmit {
    match c.poll() {
        Step::Transmit(t) => t,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn created() -> Ack<'static> {
    Ack::session_created(Guid::BITS_1_5_UPLOAD, SessionId::new(ID).unwrap())
}

fn received(code: u16, next: u64) -> Ack<'static> {
    Ack::fragment_received(st(code), next)
}

fn error(code: u16, hr: HResult) -> Ack<'static> {
    Ack::error(st(code), hr, ErrorContext::REMOTE_FILE)
}

fn range(t: &Transmit) -> (u64, u64) {
    let r = t.range().unwrap();
    (r.first(), r.last())
}

/// A client of `total` bytes in `fragment`-byte fragments, past Create-Session.
fn started(total: u64, fragment: u64) -> Client {
    let mut c = Client::new(ClientConfig::default().fragment_len(fragment).min_fragment_len(1), URL, total).unwrap();
    assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
    assert!(matches!(c.handle_ack(&created()), Event::SessionCreated { host_id: false, .. }));
    c
}

#[test]
fn uploads_in_fragments_then_closes() {
    let config = ClientConfig::default().fragment_len(4).content_name(FieldValue::from_static("rfc2119.txt"));
    let mut c = Client::new(config, URL, 10).unwrap();
    let t = next(&mut c);
    assert_eq!(c.poll(), Step::AwaitingResponse, "one request in flight");
    let req = t.request(&[]).unwrap();
    assert_eq!(req.packet_type(), PacketType::CreateSession);
    assert_eq!(req.target().as_str(), "/upload/2000mb-rfc2119.txt");
    assert_eq!(req.host().unwrap().as_bytes(), b"frankcao8");
    assert_eq!(req.content_name().unwrap().as_bytes(), b"rfc2119.txt");
    assert!(req.supported_protocols().unwrap().contains(Guid::BITS_1_5_UPLOAD));
    c.handle_ack(&created());
    let mut ranges = Vec::new();
    loop {
        let t = next(&mut c);
        let Some(r) = t.range() else {
            assert_eq!(t.kind(), TransmitKind::CloseSession);
            let close = t.request(&[]).unwrap();
            assert_eq!(close.session_id().unwrap().as_str(), ID);
            assert_eq!(close.content_name().unwrap().as_bytes(), b"rfc2119.txt");
            break;
        };
        let body = vec![0u8; r.len() as usize];
        let req = t.request(&body).unwrap();
        assert_eq!((req.session_id().unwrap().as_str(), req.body().len() as u64), (ID, r.len()));
        ranges.push((r.first(), r.last()));
        let ev = c.handle_ack(&received(200, r.end()));
        assert!(matches!(ev, Event::Progress { .. } | Event::AllBytesReceived { reply_url: None }), "{ev:?}");
    }
    assert_eq!(ranges, [(0, 3), (4, 7), (8, 9)]);
    assert_eq!(c.handle_ack(&Ack::ok()), Event::Committed);
    assert_eq!(c.poll(), Step::Done);
    assert!(c.is_finished());
}

#[test]
fn resumes_from_the_offset_a_416_names() {
    let mut c = started(100, 10);
    assert_eq!(range(&next(&mut c)), (0, 9));
    c.handle_ack(&received(200, 10));
    assert_eq!(range(&next(&mut c)), (10, 19));
    assert_eq!(c.handle_ack(&received(416, 4)), Event::Resynced { expected: 20, received: 4 });
    assert_eq!(range(&next(&mut c)), (4, 13));
}

#[test]
fn resynchronises_on_any_received_range_lower_or_higher() {
    let mut c = started(100, 10);
    next(&mut c);
    // The server already has more (another connection delivered it).
    assert_eq!(c.handle_ack(&received(200, 55)), Event::Resynced { expected: 10, received: 55 });
    assert_eq!(range(&next(&mut c)), (55, 64));
    // The server lost some.
    assert_eq!(c.handle_ack(&received(200, 30)), Event::Resynced { expected: 65, received: 30 });
    assert_eq!(range(&next(&mut c)), (30, 39));
    // The server has everything.
    assert_eq!(c.handle_ack(&received(416, 100)), Event::AllBytesReceived { reply_url: None });
    assert_eq!(next(&mut c).kind(), TransmitKind::CloseSession);
}

#[test]
fn rejects_fragment_acks_without_a_usable_offset() {
    for ack in [received(200, 101), Ack::new(st(416)), Ack::ok()] {
        let mut c = started(100, 10);
        next(&mut c);
        assert_eq!(c.handle_ack(&ack), Event::Failed(ClientError::InvalidResponse("BITS-Received-Content-Range")));
        assert!(matches!(c.poll(), Step::Failed(_)));
    }
}

#[test]
fn shrinks_fragments_on_413_down_to_the_floor() {
    let config = ClientConfig::default().fragment_len(64 * 1024);
    let mut c = Client::new(config, URL, 1 << 20).unwrap();
    next(&mut c);
    c.handle_ack(&created());
    let mut sizes = Vec::new();
    loop {
        let t = next(&mut c);
        let len = t.range().unwrap().len();
        sizes.push(len);
        match c.handle_ack(&error(413, HResult::E_INVALIDARG)) {
            Event::FragmentShrunk { len } => assert_eq!(len, c.fragment_len()),
            Event::Failed(e) => {
                assert_eq!(e, ClientError::FragmentTooLarge);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    // Halving from 64 KiB, never below 5 KiB (Windows' floor), and the floor is tried once.
    assert_eq!(sizes, [65536, 32768, 16384, 8192, 5120]);
    // A plain 413 (IIS request filtering, a proxy: no BITS headers) shrinks fragments too.
    let mut c = started(100_000, 40_000);
    next(&mut c);
    let plain = Response::decode_with(
        b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n",
        &Default::default(),
    )
    .unwrap()
    .0;
    assert_eq!(c.handle_response(&plain), Event::FragmentShrunk { len: 20_000 });
    // A fragment that fits is acknowledged and the size stays.
    let mut c = started(100_000, 40_000);
    next(&mut c);
    c.handle_ack(&error(413, HResult::E_INVALIDARG));
    assert_eq!(range(&next(&mut c)), (0, 19_999));
    c.handle_ack(&received(200, 20_000));
    assert_eq!(range(&next(&mut c)), (20_000, 39_999));
}

#[test]
fn session_not_found_restarts_with_create_session_a_bounded_number_of_times() {
    let config = ClientConfig::default().fragment_len(10).max_restarts(2);
    let mut c = Client::new(config, URL, 100).unwrap();
    for _ in 0..2 {
        assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
        c.handle_ack(&created());
        assert_eq!(range(&next(&mut c)), (0, 9));
        c.handle_ack(&received(200, 10));
        next(&mut c);
        assert_eq!(c.handle_ack(&error(500, HResult::BG_E_SESSION_NOT_FOUND)), Event::Restarted);
        assert_eq!((c.received(), c.session_id()), (0, None));
    }
    next(&mut c);
    c.handle_ack(&created());
    next(&mut c);
    assert_eq!(c.handle_ack(&error(500, HResult::BG_E_SESSION_NOT_FOUND)), Event::Failed(ClientError::TooManyRestarts));
}

#[test]
fn session_not_found_on_close_restarts_and_on_cancel_means_cancelled() {
    let mut c = started(5, 10);
    next(&mut c);
    c.handle_ack(&received(200, 5));
    assert_eq!(next(&mut c).kind(), TransmitKind::CloseSession);
    assert_eq!(c.handle_ack(&error(500, HResult::BG_E_SESSION_NOT_FOUND)), Event::Restarted);
    assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);

    let mut c = started(5, 10);
    c.cancel();
    assert_eq!(next(&mut c).kind(), TransmitKind::CancelSession);
    assert_eq!(c.handle_ack(&error(500, HResult::BG_E_SESSION_NOT_FOUND)), Event::Cancelled);
    assert_eq!(c.poll(), Step::Cancelled);
}

#[test]
fn close_and_cancel_retry_on_5xx_but_not_on_4xx() {
    for cancel in [false, true] {
        let config = ClientConfig::default().max_retries(2);
        let mut c = Client::new(config.clone(), URL, 0).unwrap();
        next(&mut c);
        c.handle_ack(&created());
        if cancel {
            c.cancel();
        }
        let kind = if cancel { TransmitKind::CancelSession } else { TransmitKind::CloseSession };
        for _ in 0..2 {
            assert_eq!(next(&mut c).kind(), kind);
            assert_eq!(c.handle_ack(&error(503, HResult(0x8007_0070))), Event::Retrying);
        }
        next(&mut c);
        assert_eq!(c.handle_ack(&error(500, HResult(0x8007_0070))), Event::Failed(ClientError::RetriesExhausted));

        let mut c = Client::new(config, URL, 0).unwrap();
        next(&mut c);
        c.handle_ack(&created());
        if cancel {
            c.cancel();
        }
        next(&mut c);
        let ev = c.handle_ack(&error(403, HResult::E_ACCESSDENIED));
        let Event::Failed(e) = ev else { panic!("{ev:?}") };
        assert_eq!(e.hresult(), HResult::E_ACCESSDENIED);
    }
}

#[test]
fn other_errors_fail_and_resume_pings_then_continues() {
    let mut c = started(100, 10);
    next(&mut c);
    c.handle_ack(&received(200, 10));
    next(&mut c);
    let ev = c.handle_ack(&error(500, HResult::BG_E_TOO_LARGE));
    assert_eq!(
        ev,
        Event::Failed(ClientError::Server {
            status: st(500),
            code: Some(HResult::BG_E_TOO_LARGE),
            context: Some(ErrorContext::REMOTE_FILE)
        })
    );
    assert!(c.resume());
    assert!(!c.resume(), "only a failed upload resumes");
    assert_eq!(next(&mut c).kind(), TransmitKind::Ping);
    assert_eq!(c.handle_ack(&Ack::ok()), Event::Pinged);
    assert_eq!(range(&next(&mut c)), (10, 19));
}

#[test]
fn host_id_redirects_later_requests_after_a_ping() {
    let mut c = Client::new(ClientConfig::default(), "http://frankcao8/upload-ref-isapi-WebFarm/f.txt", 10).unwrap();
    let t = next(&mut c);
    assert_eq!(t.endpoint().host(), "frankcao8");
    let ack = created().with_host_id(FieldValue::from_static("FRANKCAO8"), Some(110));
    assert!(matches!(c.handle_ack(&ack), Event::SessionCreated { host_id: true, .. }));
    assert_eq!(c.host_id_fallback_timeout(), Some(110));
    let ping = next(&mut c);
    assert_eq!(ping.kind(), TransmitKind::Ping);
    assert_eq!(ping.request(&[]).unwrap().host().unwrap().as_bytes(), b"FRANKCAO8");
    c.handle_ack(&Ack::ok());
    let frag = next(&mut c);
    assert_eq!((frag.endpoint().host(), frag.endpoint().port()), ("FRANKCAO8", 80));
    c.handle_ack(&received(200, 10));
    c.fall_back_to_origin();
    assert_eq!(next(&mut c).request(&[]).unwrap().host().unwrap().as_bytes(), b"frankcao8");
}

#[test]
fn host_id_replaces_the_host_and_the_port_only_if_given() {
    let cases = [
        ("http://origin:8080/u", "node7", "node7", 8080, "node7:8080"),
        ("http://origin:8080/u", "node7:81", "node7", 81, "node7:81"),
        ("http://origin/u", "[fe80::1]:81", "fe80::1", 81, "[fe80::1]:81"),
        ("https://origin/u", "fe80::1", "fe80::1", 443, "[fe80::1]"),
        ("http://[::1]:5000/u", "10.0.0.7", "10.0.0.7", 5000, "10.0.0.7:5000"),
    ];
    for (url, host_id, host, port, header) in cases {
        let mut c = Client::new(ClientConfig::default().ping_after_host_id(false), url, 10).unwrap();
        next(&mut c);
        c.handle_ack(&created().with_host_id(FieldValue::new(host_id).unwrap(), None));
        assert_eq!(c.host_id_fallback_timeout(), None);
        let t = next(&mut c);
        assert_eq!(t.kind(), TransmitKind::Fragment(ContentRange::new(0, 9, 10).unwrap()), "no Ping when disabled");
        assert_eq!((t.endpoint().host(), t.endpoint().port()), (host, port), "{host_id}");
        assert_eq!(t.request(&[0; 10]).unwrap().host().unwrap().as_bytes(), header.as_bytes());
    }
    let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
    next(&mut c);
    let ev = c.handle_ack(&created().with_host_id(FieldValue::from_static("node:http"), None));
    assert_eq!(ev, Event::Failed(ClientError::InvalidResponse("BITS-Host-Id")));
}

#[test]
fn session_id_on_later_acks_is_optional_but_must_match() {
    let mut c = started(10, 5);
    next(&mut c);
    // IIS omits it (accepted); a matching one in another case is fine.
    assert!(matches!(c.handle_ack(&received(200, 5)), Event::Progress { received: 5 }));
    next(&mut c);
    let lower = received(200, 10).with_session_id(SessionId::new(ID.to_ascii_lowercase()).unwrap());
    assert!(matches!(c.handle_ack(&lower), Event::AllBytesReceived { .. }));
    next(&mut c);
    let other = Ack::ok().with_session_id(SessionId::new("{00000000-0000-0000-0000-000000000001}").unwrap());
    assert_eq!(c.handle_ack(&other), Event::Failed(ClientError::InvalidResponse("BITS-Session-Id")));
}

#[test]
fn create_session_ack_must_be_complete() {
    let other: Guid = "{11111111-2222-3333-4444-555555555555}".parse().unwrap();
    let id = || SessionId::new(ID).unwrap();
    let cases = [
        (Ack::ok().with_protocol(Guid::BITS_1_5_UPLOAD), "BITS-Session-Id"),
        (Ack::ok().with_session_id(id()), "BITS-Protocol"),
        (Ack::ok().with_session_id(id()).with_protocol(other), "BITS-Protocol"),
    ];
    for (ack, header) in cases {
        let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
        next(&mut c);
        assert_eq!(c.handle_ack(&ack), Event::Failed(ClientError::InvalidResponse(header)));
    }
    // Accept-Encoding other than identity; 201 is success (some servers answer 201 where IIS
    // answers 200, and RFC 9110 §15.3 makes every 2xx a success).
    let wire = |status: &str, ae: &str| {
        format!(
            "HTTP/1.1 {status}\r\nBITS-Packet-Type: Ack\r\nBITS-Protocol: {{7df0354d-249b-430f-820d-3d2a9bef4931}}\r\n\
             BITS-Session-Id: {ID}\r\nAccept-Encoding: {ae}\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
    next(&mut c);
    let w = wire("200 OK", "gzip");
    assert_eq!(
        c.handle_ack(&Ack::decode(w.as_bytes()).unwrap().0),
        Event::Failed(ClientError::InvalidResponse("Accept-Encoding"))
    );
    let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
    next(&mut c);
    let w = wire("201 Created", "Identity");
    assert!(matches!(c.handle_ack(&Ack::decode(w.as_bytes()).unwrap().0), Event::SessionCreated { .. }));
}

#[test]
fn plain_http_answers_are_classified() {
    let decode = |w: &'static [u8]| Response::decode_with(w, &Default::default()).unwrap().0;
    let not_found =
        decode(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n<html/>\r\n");
    assert!(matches!(not_found, Response::Http(_)));
    let mut c = started(10, 5);
    next(&mut c);
    assert_eq!(c.handle_response(&not_found), Event::Failed(ClientError::Http { status: st(404) }));
    assert_eq!(ClientError::Http { status: st(404) }.hresult(), HResult(0x8019_0194));

    // A success without BITS-Packet-Type breaks the protocol.
    let mut c = started(10, 5);
    next(&mut c);
    let ok = decode(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.handle_response(&ok), Event::Failed(ClientError::InvalidResponse("BITS-Packet-Type")));
    assert_eq!(ClientError::InvalidResponse("x").hresult(), HResult::BG_E_INVALID_SERVER_RESPONSE);

    // 1xx is skipped; a proxy's 503 on Close-Session is retried.
    let mut c = started(0, 5);
    next(&mut c);
    assert_eq!(c.handle_response(&decode(b"HTTP/1.1 100 Continue\r\n\r\n")), Event::Ignored);
    assert_eq!(c.poll(), Step::AwaitingResponse);
    assert_eq!(
        c.handle_response(&decode(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")),
        Event::Retrying
    );
    // The Ack path of the same helper, and both error header names.
    next(&mut c);
    let spec_name = decode(
        b"HTTP/1.1 500 Internal Server Error\r\nBITS-Packet-Type: Ack\r\nBITS-Error: 0x8020001F\r\n\
          BITS-Error-Context: 0x5\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(matches!(spec_name, Response::Ack(_)));
    assert_eq!(c.handle_response(&spec_name), Event::Restarted);
}

#[test]
fn authentication_challenge_is_answered_once() {
    let mut c = started(10, 5);
    let t = next(&mut c);
    assert_eq!(t.auth_challenge(), None);
    assert_eq!(c.handle_ack(&Ack::new(st(401))), Event::AuthRequired(st(401)));
    let again = next(&mut c);
    assert_eq!((again.range(), again.auth_challenge()), (t.range(), Some(st(401))));
    assert_eq!(c.handle_http_status(st(407)), Event::Failed(ClientError::AuthRequired(st(407))));
    // After a success, a later challenge is answered again.
    let mut c = started(10, 5);
    next(&mut c);
    c.handle_ack(&Ack::new(st(401)));
    next(&mut c);
    c.handle_ack(&received(200, 5));
    assert_eq!(next(&mut c).auth_challenge(), None);
    assert_eq!(c.handle_ack(&Ack::new(st(401))), Event::AuthRequired(st(401)));
}

#[test]
fn upload_reply_fetches_the_resolved_url_before_close() {
    let dest = "http://frankcao8/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt";
    let mut c = Client::new(ClientConfig::default().expect_reply(true), dest, 4892).unwrap();
    next(&mut c);
    c.handle_ack(&created().with_host_id(FieldValue::from_static("FRANKCAO8"), Some(110)));
    next(&mut c);
    c.handle_ack(&Ack::ok());
    next(&mut c);
    let reply = r"BITS-Sessions\Replies\{C85B4E0A-9EB9-4114-BFA4-8A43B4710091}\responsefile.bin";
    let ev = c.handle_ack(&received(200, 4892).with_reply_url(FieldValue::new(reply).unwrap()));
    // Resolved against the original destination (the trace's GET goes to frankcao8).
    let expected = "http://frankcao8/upload-ref-isapi-WebFarm/BITS-Sessions/Replies/\
                    %7BC85B4E0A-9EB9-4114-BFA4-8A43B4710091%7D/responsefile.bin";
    assert_eq!(ev, Event::AllBytesReceived { reply_url: Some(expected.into()) });
    assert_eq!(c.poll(), Step::FetchReply(expected.into()));
    assert_eq!(c.poll(), Step::FetchReply(expected.into()), "until the caller says it is fetched");
    c.reply_fetched();
    let close = next(&mut c);
    assert_eq!(close.kind(), TransmitKind::CloseSession);
    assert_eq!(close.endpoint().host(), "FRANKCAO8");

    // Without a reply URL, an upload-reply job fails.
    let mut c = Client::new(ClientConfig::default().expect_reply(true), dest, 10).unwrap();
    next(&mut c);
    c.handle_ack(&created());
    next(&mut c);
    assert_eq!(c.handle_ack(&received(200, 10)), Event::Failed(ClientError::InvalidResponse("BITS-Reply-URL")));
}

#[test]
fn reply_urls_resolve_as_rfc_3986_relative_references() {
    let base = "http://h:8080/vdir/sub/file.txt?q=1";
    let cases = [
        ("reply.bin", "http://h:8080/vdir/sub/reply.bin"),
        (r"..\replies\a b.bin", "http://h:8080/vdir/replies/a%20b.bin"),
        (r"\root\{x}.bin", "http://h:8080/root/%7Bx%7D.bin"),
        ("/abs/path?x=%41", "http://h:8080/abs/path?x=%41"),
        ("100%.bin", "http://h:8080/vdir/sub/100%25.bin"),
        ("//other:81/r", "http://other:81/r"),
        ("./a/../b", "http://h:8080/vdir/sub/b"),
        ("?only=query", "http://h:8080/vdir/sub/file.txt?only=query"),
        ("HTTPS://elsewhere/r.bin", "https://elsewhere/r.bin"),
    ];
    for (reply, expected) in cases {
        assert_eq!(resolve_reply_url(base, reply).unwrap(), expected, "{reply}");
    }
    for bad in ["", "ftp://h/r", r"C:\replies\r.bin", "mailto:x@y"] {
        assert!(resolve_reply_url(base, bad).is_err(), "{bad}");
    }
    assert!(resolve_reply_url(base, &"a".repeat(2201)).is_err());
    assert!(resolve_reply_url(base, &"a".repeat(2200)).is_ok());
    assert_eq!(resolve_reply_url("not a url", "r"), Err(ClientError::InvalidUrl));
}

#[test]
fn cancel_waits_for_the_request_in_flight() {
    // Before any session: cancelled at once, nothing sent.
    let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
    c.cancel();
    assert_eq!(c.poll(), Step::Cancelled);

    // While Create-Session is in flight: Cancel-Session once the session exists.
    let mut c = Client::new(ClientConfig::default(), URL, 10).unwrap();
    next(&mut c);
    c.cancel();
    assert_eq!(c.poll(), Step::AwaitingResponse);
    c.handle_ack(&created());
    let t = next(&mut c);
    assert_eq!((t.kind(), t.session_id().unwrap().as_str()), (TransmitKind::CancelSession, ID));
    assert_eq!(c.handle_ack(&Ack::ok()), Event::Cancelled);
    assert_eq!(c.poll(), Step::Cancelled);

    // Mid-upload, a Ping pending is dropped.
    let mut c = started(100, 10);
    next(&mut c);
    c.ping_next();
    c.cancel();
    c.handle_ack(&received(200, 10));
    assert_eq!(next(&mut c).kind(), TransmitKind::CancelSession);
}

#[test]
fn lost_answers_resend_the_same_request_a_bounded_number_of_times() {
    let config = ClientConfig::default().fragment_len(5).max_retries(2);
    let mut c = Client::new(config, URL, 10).unwrap();
    next(&mut c);
    c.handle_ack(&created());
    next(&mut c);
    c.handle_ack(&received(200, 5));
    let t = next(&mut c);
    assert_eq!(c.transport_failed(), Event::Retrying);
    assert_eq!(next(&mut c), t);
    assert_eq!(c.transport_failed(), Event::Retrying);
    next(&mut c);
    assert_eq!(c.transport_failed(), Event::Failed(ClientError::RetriesExhausted));
    assert_eq!(c.transport_failed(), Event::Ignored, "nothing in flight");
}

#[test]
fn a_server_that_never_moves_forward_fails_the_upload() {
    let mut c = started(100, 10);
    let mut n = 0;
    loop {
        next(&mut c);
        n += 1;
        match c.handle_ack(&received(416, 0)) {
            Event::Resynced { .. } => {}
            Event::Failed(e) => {
                assert_eq!(e, ClientError::NoProgress);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(n, 17);
}

#[test]
fn zero_byte_file_goes_from_create_to_close() {
    let mut c = Client::new(ClientConfig::default(), URL, 0).unwrap();
    next(&mut c);
    c.handle_ack(&created());
    assert_eq!(next(&mut c).kind(), TransmitKind::CloseSession);
}

#[test]
fn transmit_checks_the_body_length() {
    let mut c = started(10, 4);
    let t = next(&mut c);
    assert!(t.request(&[0; 3]).is_err());
    assert!(t.request(&[0; 4]).is_ok());
    c.handle_ack(&received(200, 10));
    assert!(next(&mut c).request(&[1]).is_err(), "Close-Session has no body");
}

#[test]
fn destinations_must_be_http_urls_with_a_host() {
    for bad in ["/upload/f", "ftp://h/f", "http:///f", "http://user@h/f", "http://h:99999/f", "http://h/a b"] {
        assert_eq!(Client::new(ClientConfig::default(), bad, 1).unwrap_err(), ClientError::InvalidUrl, "{bad}");
    }
    let c = Client::new(ClientConfig::default(), "HTTPS://[::1]:8443", 1).unwrap();
    assert_eq!((c.endpoint().host(), c.endpoint().port(), c.endpoint().is_https()), ("::1", 8443, true));
    assert_eq!(c.endpoint().authority(), "[::1]:8443");
}

#[test]
fn request_head_is_the_head_of_every_request_without_its_body() {
    use bits_codec::Encode;
    let config = ClientConfig::default().fragment_len(4).content_name(FieldValue::from_static("rfc2119.txt"));
    let mut c = Client::new(config, URL, 10).unwrap();
    let data = b"0123456789";
    let mut kinds = Vec::new();
    loop {
        let t = match c.poll() {
            Step::Transmit(t) => t,
            Step::Done => break,
            other => panic!("{other:?}"),
        };
        let body = t.range().map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize]);
        let whole = t.request(body).unwrap();
        let head = t.request_head().unwrap();
        assert_eq!(head.to_vec(), whole.head().to_vec(), "{:?}", t.kind());
        assert_eq!(head.content_length(), body.len() as u64);
        kinds.push(t.kind());
        let ack = match t.kind() {
            TransmitKind::CreateSession => created(),
            TransmitKind::Fragment(r) => received(200, r.end()),
            _ => Ack::new(st(200)),
        };
        c.handle_ack(&ack);
    }
    assert_eq!(kinds.len(), 5, "create, three fragments, close: {kinds:?}");
}
