//! The BITS server session machine, rule by rule ([MC-BUP] §3.2 and the decisions
//! `bits::server`'s module docs write out): each decision where the specification is silent
//! is pinned here, and the Acks it builds match the constructed examples of
//! `corpus/constructed/` byte for byte.

use std::path::Path;

use bits_codec::bits::server::{Action, DiscardReason, OverlapPolicy, Server, ServerConfig, WriteAt, sequential_ids};
use bits_codec::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, ProtocolList, Request, RequestHead, SessionId,
};
use bits_codec::http1::{ContentRange, FieldValue, RequestTarget, Status};
use bits_codec::{Decode, DecodeOptions, Encode};

/// The session id of the constructed examples (`corpus/constructed/`).
const ID: &str = "{6B29FC40-CA47-1067-B31D-00DD010662DA}";

fn guid() -> Guid {
    SessionId::new(ID).unwrap().as_guid().unwrap()
}

fn constructed(name: &str) -> Vec<u8> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/constructed");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(name))
        .unwrap();
    std::fs::read(file).unwrap()
}

fn server(config: ServerConfig) -> Server {
    let g = guid();
    let mut first = true;
    // The first id is the examples' id, then sequential ones.
    let mut rest = sequential_ids(1);
    Server::new(config, move || if std::mem::take(&mut first) { g } else { rest() })
}

fn target() -> RequestTarget<'static> {
    RequestTarget::new("/upload/f.bin").unwrap()
}

fn create(s: &mut Server) -> SessionId<'static> {
    let r = s.handle(&Request::create_session(target(), ProtocolList::one(Guid::BITS_1_5_UPLOAD)));
    assert_eq!(r.ack.status(), Status::OK);
    r.ack.session_id().unwrap().clone()
}

fn fragment(id: &SessionId<'static>, first: u64, last: u64, total: u64) -> Request<'static> {
    let body: Vec<u8> = (first..=last).map(|i| i as u8).collect();
    Request::fragment(target(), id.clone(), ContentRange::new(first, last, total).unwrap(), body).unwrap()
}

fn status(ack: &Ack<'_>) -> u16 {
    ack.status().as_u16()
}

fn write(a: &Action) -> WriteAt {
    match a {
        Action::Write(w) => *w,
        other => panic!("expected a write, got {other:?}"),
    }
}

fn assert_error(ack: &Ack<'_>, code: u16, hr: HResult) {
    assert_eq!((status(ack), ack.error_code(), ack.error_context()), (code, Some(hr), Some(ErrorContext::REMOTE_FILE)));
}

#[test]
fn create_session_ack_is_the_canonical_example() {
    let config = ServerConfig::default().host_id(FieldValue::from_static("node7.bits.example.com"), Some(86400));
    let mut s = server(config);
    let r = s.handle(&Request::create_session(target(), ProtocolList::one(Guid::BITS_1_5_UPLOAD)));
    assert_eq!(r.ack.to_vec(), constructed("c04"));
    assert_eq!(r.action, Action::Open { session: guid(), destination: "/upload/f.bin".into() });
    assert_eq!(s.session(guid()).unwrap().received, 0);
}

#[test]
fn create_session_picks_the_clients_first_common_protocol() {
    let other: Guid = "{11111111-2222-3333-4444-555555555555}".parse().unwrap();
    let config = ServerConfig::default().protocols(ProtocolList::new(vec![Guid::BITS_1_5_UPLOAD, other]).unwrap());
    let mut s = server(config);
    let offered = ProtocolList::new(vec![other, Guid::BITS_1_5_UPLOAD]).unwrap();
    assert_eq!(s.handle(&Request::create_session(target(), offered)).ack.protocol(), Some(other));
}

#[test]
fn rejects_create_session_without_a_common_protocol() {
    let mut s = server(ServerConfig::default());
    let other: Guid = "{11111111-2222-3333-4444-555555555555}".parse().unwrap();
    let r = s.handle(&Request::create_session(target(), ProtocolList::one(other)));
    assert_eq!(r.ack.to_vec(), constructed("c05"));
    assert_eq!((r.action, s.session_count()), (Action::None, 0));
}

#[test]
fn sequential_fragments_then_close_commit_and_a_second_close_finds_nothing() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    let r = s.handle(&fragment(&id, 0, 3, 10));
    assert_eq!(write(&r.action), WriteAt { session: guid(), offset: 0, skip: 0, len: 4, completes: false });
    let r = s.handle(&fragment(&id, 4, 7, 10));
    assert_eq!(r.ack.to_vec(), constructed("c07"));
    let r = s.handle(&fragment(&id, 8, 9, 10));
    assert!(write(&r.action).completes);
    assert_eq!(r.ack.received_content_range(), Some(10));
    let close = Request::close_session(target(), id.clone());
    let r = s.handle(&close);
    assert_eq!(r.ack.to_vec(), constructed("c17"));
    assert_eq!(
        r.action,
        Action::Commit { session: guid(), destination: "/upload/f.bin".into(), len: 10, reply_url: None }
    );
    assert_eq!(s.session_count(), 0);
    // Close twice: the session is gone ([MC-BUP] §3.2.5.2.7 deletes its state at the first Close),
    // so the second gets BG_E_SESSION_NOT_FOUND.
    let r = s.handle(&close);
    assert_eq!(r.ack.to_vec(), constructed("c12"));
    assert_eq!(r.action, Action::None);
}

#[test]
fn gap_is_416_with_the_expected_offset_and_nothing_written() {
    for policy in [OverlapPolicy::TrimAndAccept, OverlapPolicy::Reject416] {
        let mut s = server(ServerConfig::default().overlap_policy(policy));
        let id = create(&mut s);
        s.handle(&fragment(&id, 0, 3, 10));
        let r = s.handle(&fragment(&id, 6, 9, 10));
        assert_eq!(r.ack.to_vec(), constructed("c08"), "{policy:?}");
        assert_eq!(r.action, Action::None);
        assert_eq!(s.session(guid()).unwrap().received, 4);
    }
}

#[test]
fn overlap_is_trimmed_by_default() {
    // The Learn page's example: 0-100 then 50-150 writes 101-150.
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 100, 1000));
    let r = s.handle(&fragment(&id, 50, 150, 1000));
    assert_eq!(write(&r.action), WriteAt { session: guid(), offset: 101, skip: 51, len: 50, completes: false });
    assert_eq!((status(&r.ack), r.ack.received_content_range()), (200, Some(151)));
    // The slice is the new tail of the body.
    let req = fragment(&id, 50, 150, 1000);
    assert_eq!(write(&r.action).slice(req.body()).unwrap(), &(101..=150u64).map(|i| i as u8).collect::<Vec<_>>()[..]);
}

#[test]
fn overlap_is_416_under_reject416() {
    let mut s = server(ServerConfig::default().overlap_policy(OverlapPolicy::Reject416));
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 100, 1000));
    let r = s.handle(&fragment(&id, 50, 150, 1000));
    assert_eq!((status(&r.ack), r.ack.received_content_range(), r.action), (416, Some(101), Action::None));
    assert_eq!(
        r.ack.error_code(),
        None,
        "416 carries no error code: the Ack's BITS-Received-Content-Range is the answer ([MC-BUP] §3.2.5.2.6)"
    );
}

#[test]
fn stale_fragment_is_reacked_or_416_by_policy() {
    for (policy, code) in [(OverlapPolicy::TrimAndAccept, 200), (OverlapPolicy::Reject416, 416)] {
        let mut s = server(ServerConfig::default().overlap_policy(policy));
        let id = create(&mut s);
        s.handle(&fragment(&id, 0, 7, 10));
        let r = s.handle(&fragment(&id, 0, 3, 10));
        assert_eq!((status(&r.ack), r.ack.received_content_range(), r.action), (code, Some(8), Action::None));
    }
}

#[test]
fn repeated_final_fragment_is_reacked_with_the_same_reply_url_under_both_policies() {
    for policy in [OverlapPolicy::TrimAndAccept, OverlapPolicy::Reject416] {
        let config = ServerConfig::default()
            .overlap_policy(policy)
            .upload_reply(r"BITS-Sessions\Replies\", r"\responsefile.bin")
            .unwrap();
        let mut s = server(config);
        let id = create(&mut s);
        s.handle(&fragment(&id, 0, 5, 10));
        let first = s.handle(&fragment(&id, 6, 9, 10));
        let url = format!(r"BITS-Sessions\Replies\{ID}\responsefile.bin");
        assert_eq!(first.ack.reply_url().unwrap().as_bytes(), url.as_bytes());
        // The Ack was lost; the client sends the final fragment again.
        let again = s.handle(&fragment(&id, 6, 9, 10));
        assert_eq!(again.ack, first.ack, "{policy:?}");
        assert_eq!(again.action, Action::None);
        // Any Fragment Ack that reports the whole upload carries it (a client that resyncs to
        // the end, even through a 416, needs it); Acks before the end do not.
        assert!(s.handle(&fragment(&id, 0, 5, 10)).ack.reply_url().is_some());
    }
    let mut s = server(ServerConfig::default().upload_reply("r/", "/x").unwrap());
    let id = create(&mut s);
    assert!(s.handle(&fragment(&id, 0, 5, 10)).ack.reply_url().is_none());
    assert!(s.handle(&fragment(&id, 8, 9, 10)).ack.reply_url().is_none());
}

#[test]
fn unknown_session_is_500_session_not_found_for_fragment_close_and_cancel() {
    let mut s = server(ServerConfig::default());
    let id = SessionId::new(ID).unwrap();
    for req in [
        fragment(&id, 0, 3, 10),
        Request::close_session(target(), id.clone()),
        Request::cancel_session(target(), id.clone()),
    ] {
        let r = s.handle(&req);
        assert_eq!(r.ack.to_vec(), constructed("c12"));
        assert_eq!(r.action, Action::None);
    }
    // An id that is not a GUID names no session either.
    let r = s.handle(&Request::close_session(target(), SessionId::new("-7214031596473453851").unwrap()));
    assert_error(&r.ack, 500, HResult::BG_E_SESSION_NOT_FOUND);
    assert_eq!(r.ack.session_id().unwrap().as_str(), "-7214031596473453851");
}

#[test]
fn session_ids_compare_by_guid_value() {
    let mut s = server(ServerConfig::default());
    create(&mut s);
    for spelling in [ID.to_ascii_lowercase(), ID.trim_matches(['{', '}']).to_string()] {
        let id = SessionId::new(spelling.clone()).unwrap();
        let r = s.handle(&Request::fragment(target(), id, ContentRange::new(0, 0, 10).unwrap(), &[0u8][..]).unwrap());
        assert_eq!(status(&r.ack), 200, "{spelling}");
        // Echoed byte for byte.
        assert_eq!(r.ack.session_id().unwrap().as_str(), spelling);
    }
}

#[test]
fn total_changed_mid_session_is_400() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let r = s.handle(&fragment(&id, 4, 7, 11));
    assert_error(&r.ack, 400, HResult::E_INVALIDARG);
    assert_eq!((r.action, s.session(guid()).unwrap().total), (Action::None, Some(10)));
}

#[test]
fn upload_over_the_maximum_is_500_too_large() {
    let mut s = server(ServerConfig::default().max_upload_len(Some(9)));
    let id = create(&mut s);
    let r = s.handle(&fragment(&id, 0, 3, 10));
    assert_eq!(r.ack.to_vec(), constructed("c14"));
    assert_eq!((r.action, s.session(guid()).unwrap().total), (Action::None, None));
    assert_eq!(status(&s.handle(&fragment(&id, 0, 3, 9)).ack), 200);
}

#[test]
fn fragment_over_the_maximum_is_413() {
    let mut s = server(ServerConfig::default().max_fragment_len(Some(4)));
    let id = create(&mut s);
    let r = s.handle(&fragment(&id, 0, 4, 10));
    assert_error(&r.ack, 413, HResult::E_INVALIDARG);
    assert_eq!(r.action, Action::None);
    assert_eq!(status(&s.handle(&fragment(&id, 0, 3, 10)).ack), 200);
}

#[test]
fn close_before_the_last_byte_discards_and_is_400() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let r = s.handle(&Request::close_session(target(), id.clone()));
    assert_error(&r.ack, 400, HResult::E_INVALIDARG);
    assert_eq!(r.action, Action::Discard { session: guid(), reason: DiscardReason::IncompleteClose });
    assert_eq!(s.session_count(), 0);
}

#[test]
fn zero_byte_upload_commits_only_when_allowed() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    let r = s.handle(&Request::close_session(target(), id));
    assert_error(&r.ack, 400, HResult::E_INVALIDARG);
    assert_eq!(r.action, Action::Discard { session: guid(), reason: DiscardReason::IncompleteClose });

    let mut s = server(ServerConfig::default().allow_empty_upload(true));
    let id = create(&mut s);
    let r = s.handle(&Request::close_session(target(), id));
    assert_eq!(status(&r.ack), 200);
    assert_eq!(
        r.action,
        Action::Commit { session: guid(), destination: "/upload/f.bin".into(), len: 0, reply_url: None }
    );
    // A session that has a fragment is not empty, even with the flag; nor is one whose only
    // fragment was refused (here: over the maximum upload size).
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    assert_eq!(status(&s.handle(&Request::close_session(target(), id)).ack), 400);
    let mut s = server(ServerConfig::default().allow_empty_upload(true).max_upload_len(Some(5)));
    let id = create(&mut s);
    assert_eq!(status(&s.handle(&fragment(&id, 0, 3, 10)).ack), 500);
    let r = s.handle(&Request::close_session(target(), id));
    assert_eq!(
        (status(&r.ack), r.action),
        (400, Action::Discard { session: guid(), reason: DiscardReason::IncompleteClose })
    );
}

#[test]
fn cancel_discards_and_the_session_is_gone_afterwards() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let cancel = Request::cancel_session(target(), id.clone());
    let r = s.handle(&cancel);
    assert_eq!(r.ack.to_vec(), constructed("c11"));
    assert_eq!(r.action, Action::Discard { session: guid(), reason: DiscardReason::Cancelled });
    assert_eq!(s.handle(&fragment(&id, 4, 7, 10)).ack.to_vec(), constructed("c12"));
    // Cancel twice, Close after Cancel: the session is gone, nothing else happens.
    assert_eq!(s.handle(&cancel).ack.to_vec(), constructed("c12"));
    assert_eq!(s.handle(&Request::close_session(target(), id)).action, Action::None);
}

#[test]
fn cancel_after_the_last_byte_but_before_close_discards() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 9, 10));
    let r = s.handle(&Request::cancel_session(target(), id));
    assert_eq!(r.action, Action::Discard { session: guid(), reason: DiscardReason::Cancelled });
}

#[test]
fn ping_is_200_at_any_time_and_changes_nothing() {
    let mut s = server(ServerConfig::default());
    let ping = Request::ping(target());
    assert_eq!(s.handle(&ping).ack.to_vec(), constructed("c02"));
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let before = format!("{:?}", s.session(guid()));
    // A Ping naming a session (or one that does not exist) is not looked up.
    let named = Request::decode(
        b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nBITS-Session-Id: {00000000-0000-0000-0000-000000000000}\r\n\
          Content-Length: 0\r\n\r\n",
    )
    .unwrap()
    .0;
    for p in [&ping, &named] {
        let r = s.handle(p);
        assert_eq!((status(&r.ack), r.ack.error_code(), r.action), (200, None, Action::None));
    }
    assert_eq!(format!("{:?}", s.session(guid())), before);
}

#[test]
fn create_session_with_a_session_id_header_makes_a_new_session() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    let wire = format!(
        "BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Create-Session\r\nBITS-Session-Id: {id}\r\n\
         BITS-Supported-Protocols: {{7df0354d-249b-430f-820d-3d2a9bef4931}}\r\nContent-Length: 0\r\n\r\n"
    );
    let r = s.handle(&Request::decode(wire.as_bytes()).unwrap().0);
    assert_ne!(r.ack.session_id().unwrap().as_str(), id.as_str());
    assert_eq!(s.session_count(), 2);
}

#[test]
fn every_decode_error_gets_the_status_its_kind_names() {
    let s = server(ServerConfig::default());
    let cases: [(&[u8], u16); 6] = [
        (b"BITS_POST /u HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400), // no packet type
        (b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: AWESOME-MESSAGE\r\nContent-Length: 0\r\n\r\n", 400),
        (b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\n\r\n", 411), // no Content-Length
        (b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nContent-Length: 3\r\n\r\nabc", 400),
        (b"BITS_POST /u HTTP/2.0\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n\r\n", 505),
        (
            b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: x\r\n\
              Content-Range: bytes 0-9/*\r\nContent-Length: 10\r\n\r\n0123456789",
            400,
        ),
    ];
    for (wire, code) in cases {
        let e = Request::decode(wire).unwrap_err();
        let ack = s.reject(e.invalid_message().unwrap().kind);
        assert_error(&ack, code, HResult::E_INVALIDARG);
    }
    // A body over the decoder's limit: 413.
    let opts = DecodeOptions::default().max_body_len(Some(4));
    let wire = b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: x\r\n\
                 Content-Range: bytes 0-9/10\r\nContent-Length: 10\r\n\r\n";
    let e = RequestHead::decode_with(wire, &opts).unwrap_err();
    assert_error(&s.reject(e.invalid_message().unwrap().kind), 413, HResult::E_INVALIDARG);
}

#[test]
fn streams_a_fragment_from_its_head() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let wire = fragment(&id, 2, 9, 10).to_vec();
    let (head, head_len) = RequestHead::decode(&wire).unwrap();
    let r = s.handle(&head);
    let w = write(&r.action);
    // The body is read after the answer is known.
    assert_eq!(w.slice(&wire[head_len..]).unwrap(), &[4, 5, 6, 7, 8, 9]);
    assert_eq!((w.offset, w.completes), (4, true));
}

#[test]
fn failed_write_rewinds_and_the_client_resynchronises() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 3, 10));
    let r = s.handle(&fragment(&id, 4, 7, 10));
    let ack =
        s.action_failed(&r.action, Status::new(500).unwrap(), HResult::ERROR_DISK_FULL, ErrorContext::REMOTE_FILE);
    assert_error(&ack, 500, HResult::ERROR_DISK_FULL);
    assert_eq!(ack.session_id().unwrap().as_str(), ID);
    assert_eq!(s.session(guid()).unwrap().received, 4);
    // Sending the same fragment again writes it.
    assert_eq!(write(&s.handle(&fragment(&id, 4, 7, 10)).action).offset, 4);
}

#[test]
fn failed_commit_restores_the_session_so_close_can_be_retried() {
    let config = ServerConfig::default().upload_reply("r/", "/reply.bin").unwrap();
    let mut s = server(config);
    let id = create(&mut s);
    s.handle(&fragment(&id, 0, 9, 10));
    let close = Request::close_session(target(), id);
    let r = s.handle(&close);
    let ack =
        s.action_failed(&r.action, Status::new(500).unwrap(), HResult::ERROR_DISK_FULL, ErrorContext::REMOTE_FILE);
    assert_eq!(status(&ack), 500);
    assert!(s.session(guid()).unwrap().is_complete());
    assert_eq!(s.handle(&close).action, r.action);
}

#[test]
fn failed_open_or_notification_rolls_back() {
    let mut s = server(ServerConfig::default());
    let r = s.handle(&Request::create_session(target(), ProtocolList::one(Guid::BITS_1_5_UPLOAD)));
    let ack =
        s.action_failed(&r.action, Status::new(500).unwrap(), HResult::ERROR_DISK_FULL, ErrorContext::REMOTE_FILE);
    assert_eq!((status(&ack), s.session_count()), (500, 0));

    // Upload-reply: the server application failed on the final fragment (context 0x7).
    let config = ServerConfig::default().upload_reply("r/", "/reply.bin").unwrap();
    let mut s = server(config);
    let id = create(&mut s);
    let r = s.handle(&fragment(&id, 0, 9, 10));
    assert!(write(&r.action).completes);
    let ack =
        s.action_failed(&r.action, Status::new(500).unwrap(), HResult(0x8007_0005), ErrorContext::REMOTE_APPLICATION);
    assert_eq!(ack.error_context(), Some(ErrorContext::REMOTE_APPLICATION));
    assert_eq!(s.session(guid()).unwrap().received, 0);
}

#[test]
fn sweep_removes_sessions_idle_since_the_previous_sweep() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    let other = create(&mut s);
    assert!(s.sweep_idle().is_empty(), "both were just used");
    s.handle(&fragment(&id, 0, 3, 10));
    let gone = s.sweep_idle();
    let other_guid = other.as_guid().unwrap();
    assert_eq!(gone, [Action::Discard { session: other_guid, reason: DiscardReason::Expired }]);
    assert!(s.session(guid()).is_some());
    assert_eq!(s.sweep_idle().len(), 1);
    assert_eq!(s.session_count(), 0);
}

#[test]
fn set_reply_url_replaces_the_template_and_reaches_the_final_ack() {
    let mut s = server(ServerConfig::default());
    let id = create(&mut s);
    let url = format!(
        "http://node7.bits.example.com/upload/BITS-Sessions/Replies/%7B{}%7D/responsefile.bin",
        ID.trim_matches(['{', '}'])
    );
    assert!(s.set_reply_url(guid(), FieldValue::new(url).unwrap()));
    assert!(!s.set_reply_url(Guid::from_u128(9), FieldValue::from_static("x")));
    s.handle(&fragment(&id, 0, 5, 10));
    let r = s.handle(&fragment(&id, 6, 9, 10));
    assert_eq!(r.ack.to_vec(), constructed("c09"));
}

#[test]
fn echo_and_error_header_options() {
    let mut s = server(ServerConfig::default().echo_session_id(false).error_header(ErrorHeaderName::Both));
    let id = create(&mut s);
    let r = s.handle(&fragment(&id, 0, 3, 10));
    assert_eq!(r.ack.session_id(), None);
    let r = s.handle(&fragment(&id, 0, 3, 11));
    let wire = r.ack.to_vec();
    assert!(wire.windows(12).any(|w| w == b"BITS-Error: "));
    assert!(wire.windows(17).any(|w| w == b"BITS-Error-Code: "));
    assert_eq!(r.ack.session_id(), None);
}

#[test]
fn generator_collisions_are_skipped_and_a_stuck_generator_is_500() {
    let mut s = Server::new(ServerConfig::default(), || Guid::from_u128(42));
    let create = Request::create_session(target(), ProtocolList::one(Guid::BITS_1_5_UPLOAD));
    assert_eq!(status(&s.handle(&create).ack), 200);
    let r = s.handle(&create);
    assert_eq!((status(&r.ack), r.ack.error_code(), r.action), (500, Some(HResult(0x8000_4005)), Action::None));
    assert_eq!(s.session_count(), 1);
}
