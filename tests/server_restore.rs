//! `Server::restore`: a session a previous process persisted comes back with the offset its
//! storage holds, and behaves as if it had never left.

use bits_codec::bits::Request;
use bits_codec::bits::server::{Action, Server, ServerConfig, sequential_ids};
use bits_codec::bits::{Guid, RequestHead, SessionId};
use bits_codec::http1::{ContentRange, RequestTarget};

fn server() -> Server {
    Server::new(ServerConfig::default(), sequential_ids(100))
}

fn target() -> RequestTarget<'static> {
    RequestTarget::new("/upload/f.bin").unwrap()
}

fn fragment(id: Guid, first: u64, last: u64, total: u64) -> Request<'static> {
    let body = vec![0u8; (last - first + 1) as usize];
    Request::fragment(target(), SessionId::from_guid(id), ContentRange::new(first, last, total).unwrap(), body).unwrap()
}

#[test]
fn restored_session_acks_the_next_fragment_from_the_stored_offset() {
    let mut s = server();
    let id = Guid::from_u128(7);
    assert!(s.restore(id, "f.bin".into(), Some(10), 4));
    // A fragment past the stored offset is a gap: 416 with the stored offset.
    let reply = s.handle(&fragment(id, 6, 9, 10));
    assert_eq!(reply.ack.status().as_u16(), 416);
    assert_eq!(reply.ack.received_content_range(), Some(4));
    // The client resends from 4: written from 4.
    let reply = s.handle(&fragment(id, 4, 9, 10));
    let Action::Write(w) = reply.action else { panic!("{:?}", reply.action) };
    assert_eq!((w.offset, w.len, w.completes), (4, 6, true));
    let close = Request::close_session(target(), SessionId::from_guid(id));
    let head: &RequestHead<'_> = &close;
    match s.handle(head).action {
        Action::Commit { destination, len, .. } => assert_eq!((destination.as_str(), len), ("f.bin", 10)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn restored_session_keeps_bytes_written_after_the_last_ack() {
    let mut s = server();
    let id = Guid::from_u128(8);
    assert!(s.restore(id, "f.bin".into(), Some(10), 6));
    // The client's last Ack said 4; it resends 4..=9 and only the new tail is written.
    let Action::Write(w) = s.handle(&fragment(id, 4, 9, 10)).action else { panic!() };
    assert_eq!((w.offset, w.skip, w.len), (6, 2, 4));
}

#[test]
fn restore_refuses_an_id_in_use_or_an_offset_past_the_total() {
    let mut s = server();
    let id = Guid::from_u128(9);
    assert!(!s.restore(id, "f".into(), Some(3), 4));
    assert!(s.restore(id, "f".into(), None, 0));
    assert!(!s.restore(id, "g".into(), None, 0));
    assert_eq!(s.session(id).unwrap().destination, "f");
}

#[test]
fn restored_session_with_bytes_is_not_committed_as_an_empty_upload() {
    let config = ServerConfig::default().allow_empty_upload(true);
    let mut s = Server::new(config, sequential_ids(1));
    let id = Guid::from_u128(10);
    assert!(s.restore(id, "f".into(), None, 3));
    let close = Request::close_session(target(), SessionId::from_guid(id));
    assert!(matches!(s.handle(&close).action, Action::Discard { .. }));
}

#[test]
fn restored_session_expires_after_a_full_idle_period() {
    let mut s = server();
    let id = Guid::from_u128(11);
    assert!(s.restore(id, "f".into(), None, 0));
    assert!(s.sweep_idle().is_empty());
    assert_eq!(s.sweep_idle().len(), 1);
}
