//! Whole BITS upload sessions replayed in order, through both session machines.
//!
//! The real [MC-BUP] §4.1 (upload) and §4.2 (upload-reply, Host-Id) exchanges: the client
//! machine produces requests semantically equal to the captured ones, and the server machine,
//! fed the captured requests, answers what IIS answered. Then sessions with faults (gap,
//! overlap under both policies, lost Ack, cancel, lost session, 413, Host-Id), each run through
//! the wire codec in both directions.

use std::collections::BTreeMap;
use std::path::Path;

use bits_codec::bits::client::{Client, ClientConfig, Event, Response, Step, Transmit};
use bits_codec::bits::server::{Action, OverlapPolicy, Server, ServerConfig, sequential_ids};
use bits_codec::bits::{Ack, Guid, Request, SessionId};
use bits_codec::http1::{ContentRange, FieldValue, Message, StartLine};
use bits_codec::{Decode, DecodeOptions, Encode};

const SESSION_41: &str = "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}";
const SESSION_42: &str = "{C85B4E0A-9EB9-4114-BFA4-8A43B4710091}";

fn capture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/captures").join(name)).unwrap()
}

fn captured_request(name: &str) -> Request<'static> {
    let bytes = capture(name);
    Request::decode(&bytes).unwrap().0.into_owned()
}

fn captured_ack(name: &str) -> Ack<'static> {
    let bytes = capture(name);
    Ack::decode(&bytes).unwrap().0.into_owned()
}

/// The typed view of a request: what a BITS server reads from it.
fn request_meaning(r: &Request<'_>) -> String {
    format!(
        "{:?} {} host={:?} session={:?} range={:?} protocols={:?} name={:?} length={} body={}",
        r.packet_type(),
        r.target().as_str(),
        r.host().map(|h| h.to_str().unwrap().to_owned()),
        r.session_id().map(|s| s.as_str().to_owned()),
        r.content_range(),
        r.supported_protocols().map(|p| p.iter().collect::<Vec<_>>()),
        r.content_name().map(|n| n.to_str().unwrap().to_owned()),
        r.content_length(),
        r.body().len(),
    )
}

/// The typed view of an Ack: what a BITS client reads from it.
fn ack_meaning(a: &Ack<'_>) -> String {
    format!(
        "{} session={:?} protocol={:?} host_id={:?}/{:?} received={:?} reply={:?} error={:?}/{:?} encoding={:?}",
        a.status(),
        a.session_id().map(|s| s.as_str().to_owned()),
        a.protocol(),
        a.host_id().map(|h| h.to_str().unwrap().to_owned()),
        a.host_id_fallback_timeout(),
        a.received_content_range(),
        a.reply_url().map(|u| u.to_str().unwrap().to_owned()),
        a.error_code(),
        a.error_context(),
        a.headers().get("accept-encoding").map(|f| f.value_str().unwrap().to_ascii_lowercase()),
    )
}

fn next(c: &mut Client) -> Transmit {
    match c.poll() {
        Step::Transmit(t) => t,
        other => panic!("expected a request, got {other:?}"),
    }
}

/// One exchange: the client's next request must mean what the captured one means; the server,
/// given the captured request, must answer what IIS answered; the client then reads the
/// captured Ack. Returns the server's action.
fn exchange(client: &mut Client, server: &mut Server, file: &[u8], req: &str, ack: &str) -> Action {
    let captured = captured_request(req);
    let t = next(client);
    let body = t.range().map_or(&[][..], |r| &file[r.first() as usize..=r.last() as usize]);
    assert_eq!(request_meaning(&t.request(body).unwrap()), request_meaning(&captured), "{req}");
    if !body.is_empty() {
        assert_eq!(body, captured.body(), "{req}");
    }
    let reply = server.handle(&captured);
    let iis = captured_ack(ack);
    assert_eq!(ack_meaning(&reply.ack), ack_meaning(&iis), "{ack}");
    client.handle_ack(&iis);
    reply.action
}

fn fixed_id(id: &str) -> impl FnMut() -> Guid + Send + 'static {
    let g = SessionId::new(id).unwrap().as_guid().unwrap();
    move || g
}

#[test]
fn mcbup_4_1_upload() {
    let file = captured_request("mcbup-4.1-02-fragment.http").body().to_vec();
    let config = ClientConfig::default().content_name(FieldValue::from_static("rfc2119.txt"));
    let mut client = Client::new(config, "http://frankcao8/upload/2000mb-rfc2119.txt", file.len() as u64).unwrap();
    // IIS leaves BITS-Session-Id out of the Fragment and Close Acks.
    let mut server = Server::new(ServerConfig::default().echo_session_id(false), fixed_id(SESSION_41));

    let open = exchange(
        &mut client,
        &mut server,
        &file,
        "mcbup-4.1-00-create-session.http",
        "mcbup-4.1-01-ack-create-session.http",
    );
    assert!(matches!(open, Action::Open { .. }));
    let write =
        exchange(&mut client, &mut server, &file, "mcbup-4.1-02-fragment.http", "mcbup-4.1-04-ack-fragment-final.http");
    let Action::Write(w) = write else { panic!("{write:?}") };
    assert_eq!((w.offset, w.skip, w.len, w.completes), (0, 0, 4892, true));
    // Windows pinged between the last Fragment Ack and Close-Session (a resumed job).
    client.ping_next();
    exchange(&mut client, &mut server, &file, "mcbup-4.1-05-ping.http", "mcbup-4.1-06-ack-ping.http");
    let commit = exchange(
        &mut client,
        &mut server,
        &file,
        "mcbup-4.1-07-close-session.http",
        "mcbup-4.1-08-ack-close-session.http",
    );
    assert!(matches!(commit, Action::Commit { len: 4892, .. }));
    assert_eq!(client.poll(), Step::Done);
    assert_eq!(server.session_count(), 0);
}

#[test]
fn mcbup_4_2_upload_reply_with_host_id() {
    let file = captured_request("mcbup-4.2-13-fragment.http").body().to_vec();
    let dest = "http://frankcao8/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt";
    let config = ClientConfig::default().content_name(FieldValue::from_static("rfc2119.txt")).expect_reply(true);
    let mut client = Client::new(config, dest, file.len() as u64).unwrap();
    let server_config = ServerConfig::default()
        .echo_session_id(false)
        .host_id(FieldValue::from_static("FRANKCAO8"), Some(110))
        .upload_reply(r"BITS-Sessions\Replies\", r"\responsefile.bin")
        .unwrap();
    let mut server = Server::new(server_config, fixed_id(SESSION_42));

    exchange(
        &mut client,
        &mut server,
        &file,
        "mcbup-4.2-09-create-session.http",
        "mcbup-4.2-10-ack-create-session-host-id.http",
    );
    assert_eq!(client.host_id_fallback_timeout(), Some(110));
    // The Ping goes to the Host-Id host, and so does every later request.
    exchange(&mut client, &mut server, &file, "mcbup-4.2-11-ping-host-id.http", "mcbup-4.2-12-ack-ping.http");
    let write = exchange(
        &mut client,
        &mut server,
        &file,
        "mcbup-4.2-13-fragment.http",
        "mcbup-4.2-17-ack-fragment-final-reply-url.http",
    );
    // The last byte: the moment the server notifies the server application (#15, #16).
    assert!(matches!(write, Action::Write(w) if w.completes));

    // The client downloads the reply from where the trace's GET (#18) went.
    let get = capture("mcbup-4.2-18-get-reply-download.http");
    let (get, _) = Message::decode(&get).unwrap();
    let StartLine::Request { target, .. } = get.start_line() else { panic!() };
    let host = get.headers().get("host").unwrap().value_str().unwrap();
    assert_eq!(client.poll(), Step::FetchReply(format!("http://{host}{}", target.as_str())));
    client.reply_fetched();

    let commit = exchange(
        &mut client,
        &mut server,
        &file,
        "mcbup-4.2-20-close-session.http",
        "mcbup-4.2-21-ack-close-session.http",
    );
    let Action::Commit { reply_url, .. } = commit else { panic!("{commit:?}") };
    assert!(reply_url.unwrap().as_bytes().ends_with(br"\responsefile.bin"), "the reply can be deleted now");
    assert_eq!(client.poll(), Step::Done);
}

/// A fault to inject into a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The n-th fragment is sent shifted forward by its own length (a fragment went missing).
    Gap(usize),
    /// The n-th fragment is sent starting half a fragment earlier.
    Overlap(usize),
    /// The Ack of the n-th fragment is lost (the server did the work).
    DropAck(usize),
    /// The user cancels after the n-th fragment's Ack.
    Cancel(usize),
    /// The server restarts (forgets every session) before the n-th fragment.
    ServerRestart(usize),
}

#[derive(Debug, Default)]
struct Outcome {
    /// One line per packet, `>` requests and `<` Acks.
    trace: Vec<String>,
    events: Vec<Event>,
    committed: BTreeMap<String, Vec<u8>>,
    /// Sessions whose data still exists on the server's storage.
    temp: BTreeMap<Guid, Vec<u8>>,
    end: Option<Step>,
}

/// Run one upload of `file` through the wire codec in both directions.
fn run(mut client: Client, server_config: ServerConfig, file: &[u8], fault: Fault) -> Outcome {
    let mut server = Server::new(server_config.clone(), sequential_ids(0x5000));
    let mut out = Outcome::default();
    let mut fragments = 0;
    let mut dropped = false;
    for _ in 0..10_000 {
        let t = match client.poll() {
            Step::Transmit(t) => t,
            Step::FetchReply(_) => {
                client.reply_fetched();
                continue;
            }
            end => {
                out.end = Some(end);
                return out;
            }
        };
        let mut range = t.range();
        if let Some(r) = range {
            fragments += 1;
            let shifted = match fault {
                Fault::Gap(n) if n == fragments => r.first() + r.len(),
                Fault::Overlap(n) if n == fragments => r.first().saturating_sub(r.len() / 2),
                _ => r.first(),
            };
            let last = (shifted + r.len() - 1).min(r.total() - 1);
            range = Some(ContentRange::new(shifted.min(last), last, r.total()).unwrap());
            if fault == Fault::ServerRestart(fragments) {
                server = Server::new(server_config.clone(), sequential_ids(0x9000));
            }
        }
        let body = range.map_or(&[][..], |r| &file[r.first() as usize..=r.last() as usize]);
        let wire = match range {
            // The range actually sent (tampered with by the fault, if any).
            Some(r) => Request::fragment(t.target().clone(), t.session_id().unwrap().clone(), r, body)
                .unwrap()
                .with_host(FieldValue::new(t.endpoint().authority()).unwrap())
                .to_vec(),
            None => t.request(body).unwrap().to_vec(),
        };
        // Server side: decode, answer, do the storage work.
        let (req, used) = Request::decode(&wire).unwrap();
        assert_eq!(used, wire.len());
        out.trace.push(format!(
            "> {:?} {:?} host={}",
            req.packet_type(),
            req.content_range(),
            req.host().unwrap().to_str().unwrap()
        ));
        let reply = server.handle(&req);
        match &reply.action {
            Action::Open { session, .. } => {
                out.temp.insert(*session, Vec::new());
            }
            Action::Write(w) => {
                let data = out.temp.get_mut(&w.session).unwrap();
                let bytes = w.slice(req.body()).unwrap();
                let at = w.offset as usize;
                if data.len() < at + bytes.len() {
                    data.resize(at + bytes.len(), 0);
                }
                data[at..at + bytes.len()].copy_from_slice(bytes);
            }
            Action::Commit { session, destination, len, .. } => {
                let data = out.temp.remove(session).unwrap();
                assert_eq!(data.len() as u64, *len);
                out.committed.insert(destination.clone(), data);
            }
            Action::Discard { session, .. } => {
                out.temp.remove(session);
            }
            _ => {}
        }
        let ack_wire = reply.ack.to_vec();
        if fault == Fault::DropAck(fragments) && range.is_some() && !dropped {
            dropped = true;
            out.trace.push("< (dropped)".into());
            out.events.push(client.transport_failed());
            continue;
        }
        // Client side: decode the answer.
        let (resp, used) = Response::decode_with(&ack_wire, &DecodeOptions::default()).unwrap();
        assert_eq!(used, ack_wire.len());
        let Response::Ack(ack) = &resp else { panic!() };
        out.trace.push(format!("< {} {:?}", ack.status(), ack.received_content_range()));
        out.events.push(client.handle_response(&resp));
        if fault == Fault::Cancel(fragments) && range.is_some() {
            client.cancel();
        }
    }
    panic!("the session did not end: {:?}", out.trace);
}

fn file(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn client(len: usize, fragment: u64) -> Client {
    let config = ClientConfig::default().fragment_len(fragment).min_fragment_len(16);
    Client::new(config, "http://127.0.0.1:8080/upload/f.bin", len as u64).unwrap()
}

fn count(out: &Outcome, needle: &str) -> usize {
    out.trace.iter().filter(|l| l.contains(needle)).count()
}

fn assert_uploaded(out: &Outcome, data: &[u8]) {
    assert_eq!(out.end, Some(Step::Done), "{:#?}", out.trace);
    assert_eq!(out.committed.get("/upload/f.bin").map(Vec::as_slice), Some(data));
    assert!(out.temp.is_empty(), "no session data left behind");
}

#[test]
fn clean_upload_in_many_fragments() {
    let data = file(1000);
    let out = run(client(1000, 100), ServerConfig::default(), &data, Fault::None);
    assert_uploaded(&out, &data);
    assert_eq!(count(&out, "> Fragment"), 10);
}

#[test]
fn gap_is_answered_416_and_the_client_resumes() {
    let data = file(1000);
    for policy in [OverlapPolicy::TrimAndAccept, OverlapPolicy::Reject416] {
        let out = run(client(1000, 100), ServerConfig::default().overlap_policy(policy), &data, Fault::Gap(3));
        assert_uploaded(&out, &data);
        assert_eq!(count(&out, "< 416 Some(200)"), 1, "{policy:?}");
        assert!(out.events.contains(&Event::Resynced { expected: 300, received: 200 }));
    }
}

#[test]
fn overlap_is_trimmed_or_refused_by_policy_and_the_upload_completes_either_way() {
    let data = file(1000);
    let out = run(client(1000, 100), ServerConfig::default(), &data, Fault::Overlap(3));
    assert_uploaded(&out, &data);
    assert_eq!(count(&out, "< 416"), 0);
    // 150-249 was sent for 200-299: 200-249 written, and the client goes on from 250.
    assert!(out.events.contains(&Event::Resynced { expected: 300, received: 250 }));
    assert_eq!(count(&out, "> Fragment"), 11);

    let config = ServerConfig::default().overlap_policy(OverlapPolicy::Reject416);
    let out = run(client(1000, 100), config, &data, Fault::Overlap(3));
    assert_uploaded(&out, &data);
    assert_eq!(count(&out, "< 416 Some(200)"), 1);
    assert_eq!(count(&out, "> Fragment"), 11);
}

#[test]
fn lost_ack_of_the_final_fragment_is_reacked() {
    let data = file(1000);
    for policy in [OverlapPolicy::TrimAndAccept, OverlapPolicy::Reject416] {
        let out = run(client(1000, 100), ServerConfig::default().overlap_policy(policy), &data, Fault::DropAck(10));
        assert_uploaded(&out, &data);
        assert_eq!(
            count(&out, "> Fragment Some(ContentRange { first: 900,"),
            2,
            "{policy:?}: the final fragment twice"
        );
        assert_eq!(count(&out, "< 200 Some(1000)"), 1);
        assert!(out.events.contains(&Event::Retrying));
    }
    // A lost Ack in the middle: the resent fragment is stale for the server.
    let out = run(client(1000, 100), ServerConfig::default(), &data, Fault::DropAck(4));
    assert_uploaded(&out, &data);
}

#[test]
fn cancel_mid_upload_discards_everything() {
    let data = file(1000);
    let out = run(client(1000, 100), ServerConfig::default(), &data, Fault::Cancel(4));
    assert_eq!(out.end, Some(Step::Cancelled));
    assert!(out.committed.is_empty() && out.temp.is_empty());
    assert_eq!(count(&out, "> Fragment"), 4);
    assert_eq!(count(&out, "> CancelSession"), 1);
}

#[test]
fn lost_session_restarts_the_upload_from_zero() {
    let data = file(1000);
    let out = run(client(1000, 100), ServerConfig::default(), &data, Fault::ServerRestart(5));
    assert_eq!(out.end, Some(Step::Done));
    assert!(out.events.contains(&Event::Restarted));
    assert_eq!(count(&out, "> CreateSession"), 2);
    assert_eq!(out.committed.get("/upload/f.bin").map(Vec::as_slice), Some(&data[..]));
    // The first session's data stays on the old server's disk (not this run's storage).
    assert_eq!(out.temp.len(), 1);
}

#[test]
fn fragment_too_large_shrinks_until_accepted() {
    let data = file(5000);
    let out = run(client(5000, 1000), ServerConfig::default().max_fragment_len(Some(300)), &data, Fault::None);
    assert_uploaded(&out, &data);
    assert_eq!(count(&out, "< 413"), 2, "1000 → 500 → 250");
    assert!(out.events.contains(&Event::FragmentShrunk { len: 250 }));
}

#[test]
fn host_id_moves_every_later_request_after_a_ping() {
    let data = file(300);
    let config = ServerConfig::default().host_id(FieldValue::from_static("127.0.0.1:8081"), Some(60));
    let out = run(client(300, 100), config, &data, Fault::None);
    assert_uploaded(&out, &data);
    let hosts: Vec<&str> =
        out.trace.iter().filter(|l| l.starts_with('>')).map(|l| l.rsplit('=').next().unwrap()).collect();
    assert_eq!(
        hosts,
        ["127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8081", "127.0.0.1:8081", "127.0.0.1:8081", "127.0.0.1:8081"]
    );
    assert!(out.trace[2].starts_with("> Ping"));
}

#[test]
fn zero_byte_upload_needs_the_server_to_allow_it() {
    let out = run(client(0, 100), ServerConfig::default().allow_empty_upload(true), &[], Fault::None);
    assert_uploaded(&out, &[]);
    let out = run(client(0, 100), ServerConfig::default(), &[], Fault::None);
    assert!(matches!(out.end, Some(Step::Failed(_))), "{:?}", out.end);
    assert!(out.committed.is_empty() && out.temp.is_empty());
}

#[test]
fn one_byte_upload_and_upload_reply() {
    let data = file(1);
    let config = ServerConfig::default().upload_reply("replies/", "/r.bin").unwrap();
    let mut c = client(1, 100);
    let out = run(c.clone(), config.clone(), &data, Fault::None);
    assert_uploaded(&out, &data);
    // The reply URL resolves against the destination's directory.
    let mut server = Server::new(config, sequential_ids(0x5000));
    loop {
        match c.poll() {
            Step::Transmit(t) => {
                let body = t.range().map_or(&[][..], |_| &data[..]);
                let reply = server.handle(&t.request(body).unwrap());
                c.handle_ack(&reply.ack);
            }
            Step::FetchReply(url) => {
                assert_eq!(
                    url,
                    "http://127.0.0.1:8080/upload/replies/%7B00000000-0000-0000-0000-000000005000%7D/r.bin"
                );
                break;
            }
            other => panic!("{other:?}"),
        }
    }
}
