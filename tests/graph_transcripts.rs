//! Whole Graph upload sessions replayed in order.
//!
//! First the documented exchanges (the Graph createUploadSession pages for driveItem,
//! Outlook, Universal Print and To Do, as stored in `corpus/graph/`): the client
//! machine, given the docs' answers, must send requests that mean what the docs' requests
//! mean (in origin-form, with `Host`), and the canonical C2 head byte for byte. Then whole
//! sessions between the client and the server machine over the wire codec, with a fault each
//! (a lost answer, a lost fragment, a gap, an overlap, 503 + `Retry-After`, a server that
//! forgets its sessions, a cancel), compared line by line with the expected trace, and the
//! stored bytes compared with the file.

use std::collections::BTreeMap;
use std::path::Path;

use bits_codec::Decode;
use bits_codec::Encode;
use bits_codec::graph::client::{Client, ClientConfig, ClientError, Event, Step, Transmit, TransmitKind};
use bits_codec::graph::{
    AttachmentItem, AttachmentType, CompletedItem, CreateSessionBody, DriveItemSessionRequest, ODataError,
    PrintDocumentUploadProperties, RangeSpec, Request, Response, ResponseBody, RetryAfter, UploadSession,
};
use bits_codec::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};
use bits_codec_test_support::graph_server::{Action, Server, ServerConfig, SessionId};

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/graph").join(name)).unwrap()
}

fn corpus_request(name: &str) -> Request<'static> {
    let bytes = corpus(name);
    Request::decode(&bytes).unwrap().0.into_owned()
}

fn corpus_response(name: &str) -> Response<'static> {
    let bytes = corpus(name);
    Response::decode(&bytes).unwrap().0.into_owned()
}

/// The target in origin-form, and the host it goes to.
fn origin_form(r: &Request<'_>) -> (String, String) {
    let t = r.target().as_str();
    let host = r.host().map(|h| h.to_str().unwrap().to_owned()).unwrap_or_default();
    match t.split_once("://") {
        Some((_, rest)) => {
            let i = rest.find(['/', '?']).unwrap_or(rest.len());
            (rest[i..].to_owned(), host)
        }
        None => (t.to_owned(), host),
    }
}

/// What a Graph server reads from a request (absolute- and origin-form alike).
fn meaning(r: &Request<'_>) -> String {
    let (target, host) = origin_form(r);
    format!(
        "{} {target} host={host} op={:?} range={} length={:?} auth={} body={}",
        r.method().as_str(),
        r.operation(),
        r.content_range().map_or("None".to_owned(), |c| format!("Some({c})")),
        r.content_length().filter(|&n| n > 0),
        r.headers().get("authorization").is_some(),
        r.body().len(),
    )
}

fn next(c: &mut Client) -> Transmit {
    match c.poll() {
        Step::Transmit(t) => t,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn file(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// The client's next request must mean what `expected` means; returns it encoded.
fn expect_request(c: &mut Client, data: &[u8], expected: &str) -> Vec<u8> {
    let t = next(c);
    let body = t.range().map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize]);
    let req = t.request(body).unwrap();
    assert_eq!(meaning(&req), expected);
    req.to_vec()
}

fn answer(c: &mut Client, r: &Response<'_>) -> Event {
    let wire = r.to_vec();
    c.handle_response(&Response::decode(&wire).unwrap().0)
}

#[test]
fn outlook_attachment_as_documented() {
    // "attachment: createUploadSession" (Outlook): 3,483,322 bytes in the docs' 2 MiB fragments.
    let create = corpus_request("outlook-create-session-message.http");
    let data = file(3_483_322);
    let config = ClientConfig::default().fragment_len(2_097_152);
    let mut c = Client::new(config, &create, data.len() as u64).unwrap();
    // The create request goes out exactly as given.
    assert_eq!(next(&mut c).request(&[]).unwrap().to_vec(), corpus("outlook-create-session-message.http"));
    assert_eq!(c.handle_response(&corpus_response("outlook-create-session-201.http")), Event::SessionCreated);
    let session = "/api/v2.0/Users('a8e8e219-4931-95c1-b73d-62626fd79c32@72aa88bf-76f0-494f-91ab-2d7cd730db47')/\
                   Messages('AAMkADI5MAAIT3drCAAA=')/AttachmentSessions('AAMkADI5MAAIT3k0tAAA=')?authtoken=\
                   eyJhbGciOiJSUzI1NiIsImtpZCI6IktmYUNIUlN6bllHMmNI";
    expect_request(
        &mut c,
        &data,
        &format!(
            "PUT {session} host=outlook.office.com op=UploadFragment range=Some(bytes 0-2097151/3483322) \
             length=Some(2097152) auth=false body=2097152"
        ),
    );
    let progress = c.handle_response(&corpus_response("outlook-progress-200-pascal-case.http"));
    assert_eq!(progress, Event::Progress { received: 2_097_152 });
    expect_request(
        &mut c,
        &data,
        &format!(
            "PUT {session} host=outlook.office.com op=UploadFragment range=Some(bytes 2097152-3483321/3483322) \
             length=Some(1386170) auth=false body=1386170"
        ),
    );
    assert_eq!(c.handle_response(&corpus_response("outlook-completed-201-location.http")), Event::Committed);
    let location = c.completion().unwrap().location().unwrap().to_str().unwrap();
    assert!(location.ends_with("/Attachments('AAMkADI5MAAIT3drCAAABEgAQANAqbAe7qaROhYdTnUQwXm0=')"));

    // The same session cancelled after its first fragment: the documented DELETE.
    let mut c = Client::new(ClientConfig::default(), &create, data.len() as u64).unwrap();
    next(&mut c);
    c.handle_response(&corpus_response("outlook-create-session-201.http"));
    c.cancel();
    let delete = corpus_request("outlook-cancel-session.http");
    expect_request(&mut c, &data, &meaning(&delete));
    assert_eq!(c.handle_response(&corpus_response("outlook-cancel-204-no-content-lowercase.http")), Event::Cancelled);
}

#[test]
fn to_do_attachment_as_documented() {
    // "taskFileAttachment: createUploadSession" (To Do): the PUT goes to {uploadUrl}/content, with Authorization.
    let create = corpus_request("todo-create-session.http")
        .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t"))
        .unwrap();
    let data = file(3_483_322);
    let mut c = Client::new(ClientConfig::default().fragment_len(2_097_152), &create, 3_483_322).unwrap();
    next(&mut c);
    c.handle_response(&corpus_response("todo-create-session-200.http"));
    let session = "/beta/users/6f9a2a92-8527-4d64-837e-b5312852f36d/todo/lists/AAMDiFkfh=/tasks/AAMkADliMm=/\
                   attachmentSessions/AAMkADliMm=";
    expect_request(
        &mut c,
        &data,
        &format!(
            "PUT {session}/content host=graph.microsoft.com op=UploadFragment range=Some(bytes 0-2097151/3483322) \
             length=Some(2097152) auth=true body=2097152"
        ),
    );
    c.handle_response(&corpus_response("todo-progress-200-pascal-case.http"));
    let second = format!(
        "PUT {session}/content host=graph.microsoft.com op=UploadFragment range=Some(bytes 2097152-3483321/3483322) \
         length=Some(1386170) auth=true body=1386170"
    );
    expect_request(&mut c, &data, &second);
    // A lost answer: the status GET goes to the session itself; the bytes never arrived.
    c.transport_failed();
    expect_request(
        &mut c,
        &data,
        &format!("GET {session} host=graph.microsoft.com op=SessionStatus range=None length=None auth=true body=0"),
    );
    c.handle_response(&corpus_response("todo-progress-200-pascal-case.http"));
    expect_request(&mut c, &data, &second);
    assert_eq!(c.handle_response(&corpus_response("todo-completed-201-location.http")), Event::Committed);
}

#[test]
fn print_document_as_documented() {
    // "printDocument: createUploadSession" (Universal Print): the closed initial range, the doc's first 72,797-byte segment, then the
    // status with two ranges, the second ending one past the file.
    let create = corpus_request("print-create-session.http");
    let data = file(4_533_322);
    let mut c = Client::new(ClientConfig::default().fragment_len(72_797), &create, 4_533_322).unwrap();
    next(&mut c);
    c.handle_response(&corpus_response("print-create-session-200.http"));
    let session = "/uploadSessions/5400be13-5a4e-4c20-be70-90c85bfe5d6e?tempauthtoken={token}";
    let put = |range: &str, len: u64| {
        format!(
            "PUT {session} host=print.print.microsoft.com op=UploadFragment range=Some(bytes {range}/4533322) \
             length=Some({len}) auth=false body={len}"
        )
    };
    expect_request(&mut c, &data, &put("0-72796", 72_797));
    assert_eq!(c.handle_response(&corpus_response("print-progress-202.http")), Event::Progress { received: 72_797 });
    expect_request(&mut c, &data, &put("72797-145593", 72_797));
    c.transport_failed();
    expect_request(
        &mut c,
        &data,
        &format!(
            "GET {session} host=print.print.microsoft.com op=SessionStatus range=None length=None auth=false body=0"
        ),
    );
    let resynced = c.handle_response(&corpus_response("print-status-200-end-equals-total.http"));
    assert_eq!(resynced, Event::Resynced { received: 4_533_322 - 101 - 4_454_393 });
    expect_request(&mut c, &data, &put("72797-72897", 101));
    // The rest, in 72,797-byte segments from 78,929, each answered with the remaining range.
    let mut first = 78_929u64;
    let total = 4_533_322u64;
    answer(&mut c, &progress(202, &[RangeSpec::open(first)]));
    loop {
        let last = (first + 72_797 - 1).min(total - 1);
        expect_request(&mut c, &data, &put(&format!("{first}-{last}"), last - first + 1));
        if last + 1 == total {
            break;
        }
        first = last + 1;
        answer(&mut c, &progress(202, &[RangeSpec::closed(first, total).unwrap()]));
    }
    assert_eq!(c.handle_response(&corpus_response("print-completed-201.http")), Event::Committed);
    assert_eq!(c.completion().unwrap().item().unwrap().id(), "9001bcd9-e36a-4f51-bfc6-140c3ad7f9f7");
}

#[test]
fn drive_item_canonical_c1_to_c4() {
    // The canonical examples (corpus/graph/README.md): C1 create, C2 head byte for byte, C3 progress, C4 the last fragment.
    let create = corpus_request("drive-create-session-c1-canonical.http");
    let data = file(10_000_000);
    let mut c = Client::new(ClientConfig::default().fragment_len(983_040), &create, 10_000_000).unwrap();
    assert_eq!(next(&mut c).request(&[]).unwrap().to_vec(), corpus("drive-create-session-c1-canonical.http"));
    // The documented create answer has no nextExpectedRanges: everything is missing.
    assert_eq!(c.handle_response(&corpus_response("drive-create-session-200.http")), Event::SessionCreated);
    let wire = expect_request(
        &mut c,
        &data,
        "PUT /up/fe6987415ace7X4e1eF866337 host=sn3302.up.1drv.com op=UploadFragment \
         range=Some(bytes 0-983039/10000000) length=Some(983040) auth=false body=983040",
    );
    let c2 = b"PUT /up/fe6987415ace7X4e1eF866337 HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\nContent-Length: 983040\r\n\
               Content-Range: bytes 0-983039/10000000\r\nContent-Type: application/octet-stream\r\n\r\n";
    assert_eq!(&wire[..c2.len()], c2);
    assert_eq!(&wire[c2.len()..], &data[..983_040]);
    let c3 = c.handle_response(&corpus_response("drive-progress-202-c3-canonical.http"));
    assert_eq!(c3, Event::Progress { received: 983_040 });
    for k in 1..10u64 {
        let t = next(&mut c);
        assert_eq!(t.range(), Some(ContentRange::from_len(k * 983_040, 983_040, 10_000_000).unwrap()));
        answer(&mut c, &progress(202, &[RangeSpec::open((k + 1) * 983_040)]));
    }
    let c4 = next(&mut c);
    assert_eq!(c4.range().unwrap().to_string(), "bytes 9830400-9999999/10000000");
    assert_eq!(c4.request(&data[9_830_400..]).unwrap().content_length(), Some(169_600));
    let done = Response::completed(Status::CREATED, CompletedItem::new("912310013A123").with_size(10_000_000));
    assert_eq!(answer(&mut c, &done.unwrap()), Event::Committed);
}

#[test]
fn drive_item_deferred_commit_as_documented() {
    let create = corpus_request("drive-create-session-defer-commit.http");
    let data = file(128);
    let mut c = Client::new(ClientConfig::default(), &create, 128).unwrap();
    assert!(c.defers_commit());
    next(&mut c);
    c.handle_response(&corpus_response("drive-create-session-200.http"));
    expect_request(
        &mut c,
        &data,
        "PUT /up/fe6987415ace7X4e1eF866337 host=sn3302.up.1drv.com op=UploadFragment range=Some(bytes 0-127/128) \
         length=Some(128) auth=false body=128",
    );
    let awaiting = c.handle_response(&corpus_response("drive-progress-202-deferred-empty-ranges.http"));
    assert_eq!(awaiting, Event::AllBytesReceived);
    expect_request(&mut c, &data, &meaning(&corpus_request("drive-deferred-commit.http")));
    assert_eq!(c.handle_response(&corpus_response("drive-completed-201.http")), Event::Committed);
    assert_eq!(c.completion().unwrap().item().unwrap().name(), Some("largefile.vhd"));
}

fn progress(status: u16, ranges: &[RangeSpec]) -> Response<'static> {
    let s = UploadSession::new().with_next_expected_ranges(ranges.to_vec());
    Response::session(Status::new(status).unwrap(), s).unwrap()
}

// ------------------------------------------------------------------ client ↔ server sessions

/// A fault to inject; `n` counts fragment requests from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The server stores the n-th fragment, its answer is lost.
    LoseAnswer(usize),
    /// The n-th fragment never reaches the server.
    LoseFragment(usize),
    /// The n-th fragment is sent without its first half.
    Gap(usize),
    /// The n-th fragment is sent starting half a fragment early.
    Overlap(usize),
    /// The n-th fragment is answered 503 with `Retry-After: 2` (nothing stored).
    Busy(usize),
    /// The server forgets every session before the n-th fragment.
    ServerRestart(usize),
    /// The user cancels after the n-th fragment's answer.
    Cancel(usize),
}

struct Run {
    trace: Vec<String>,
    /// What the client's last poll said.
    end: Step,
    /// Committed files, by session.
    committed: BTreeMap<SessionId, Vec<u8>>,
    /// Files of sessions not committed (open, or left by a server restart).
    parts: BTreeMap<SessionId, Vec<u8>>,
}

fn ranges_text(s: &UploadSession<'_>) -> String {
    match s.next_expected_ranges() {
        Some(r) => format!("[{}]", r.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")),
        None => "(no ranges)".into(),
    }
}

fn describe_request(r: &Request<'_>) -> String {
    match r.content_range() {
        Some(range) => format!("→ PUT {}-{}/{}", range.first(), range.last(), range.total()),
        None => format!("→ {} {}", r.method().as_str(), r.operation().as_str()),
    }
}

fn describe_response(r: &Response<'_>) -> String {
    let detail = match r.body_kind() {
        ResponseBody::Session(s) if s.upload_url().is_some() => format!("session {}", ranges_text(s)),
        ResponseBody::Session(s) => ranges_text(s),
        ResponseBody::Item(i) => format!("item size={}", i.size().unwrap_or(0)),
        ResponseBody::Error(e) => e.most_specific_code().to_owned(),
        ResponseBody::Empty if r.location().is_some() => "Location".into(),
        _ => String::new(),
    };
    let mut s = format!("← {} {} {detail}", r.status(), r.reason().to_str().unwrap_or("?"));
    if let Some(RetryAfter::Seconds(n)) = r.retry_after() {
        s.push_str(&format!(" retry-after={n}"));
    }
    s.trim_end().to_owned()
}

fn create_request(body: Option<CreateSessionBody<'static>>) -> Request<'static> {
    let target = RequestTarget::new("/v1.0/me/drive/root:/data.bin:/createUploadSession").unwrap();
    Request::create_upload_session(target, body)
        .unwrap()
        .with_host(FieldValue::from_static("graph.microsoft.com"))
        .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t"))
        .unwrap()
}

fn session_run(body: Option<CreateSessionBody<'static>>, data: &[u8], fragment: u64, fault: Fault) -> Run {
    let config = ClientConfig::default().fragment_len(fragment);
    let mut client = Client::new(config, &create_request(body), data.len() as u64).unwrap();
    let server_config = ServerConfig::new("https://127.0.0.1:8443");
    let mut server = Server::new(server_config.clone());
    let mut run =
        Run { trace: Vec::new(), end: Step::AwaitingResponse, committed: BTreeMap::new(), parts: BTreeMap::new() };
    let mut fragments = 0usize;
    for _ in 0..200 {
        let t = match client.poll() {
            Step::Transmit(t) => t,
            Step::Wait(d) => {
                run.trace.push(format!("(wait {} s)", d.as_secs()));
                client.waited();
                continue;
            }
            Step::Done | Step::Cancelled | Step::Failed(_) => break,
            Step::AwaitingResponse => panic!("nothing in flight"),
            other => panic!("unexpected step {other:?}"),
        };
        let this = t.range().map(|_| fragments);
        if t.range().is_some() {
            fragments += 1;
        }
        let is = |f: Fault| this.is_some() && f == fault;
        if is(Fault::ServerRestart(this.unwrap_or(0))) {
            run.trace.push("(the server forgets its sessions)".into());
            server = Server::new(server_config.clone());
        }
        let mut range = t.range();
        if let Some(r) = range {
            let half = r.len() / 2;
            if is(Fault::Gap(this.unwrap_or(0))) {
                range = Some(ContentRange::new(r.first() + half, r.last(), r.total()).unwrap());
            } else if is(Fault::Overlap(this.unwrap_or(0))) {
                range = Some(ContentRange::new(r.first() - half, r.last(), r.total()).unwrap());
            }
        }
        let request = match (t.kind(), range) {
            (TransmitKind::Fragment(_), Some(r)) if Some(r) != t.range() => {
                let body = &data[r.first() as usize..=r.last() as usize];
                let mut req = Request::upload_fragment(t.target().clone(), r, body).unwrap();
                if let Some(e) = t.endpoint() {
                    req = req.with_host(FieldValue::new(e.authority().to_owned()).unwrap());
                }
                if t.is_authorized() {
                    req = req
                        .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t"))
                        .unwrap();
                }
                req
            }
            _ => t.request(range.map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize])).unwrap(),
        };
        let wire = request.to_vec();
        let (decoded, used) = Request::decode(&wire).unwrap();
        assert_eq!(used, wire.len());
        run.trace.push(describe_request(&decoded));
        if is(Fault::LoseFragment(this.unwrap_or(0))) {
            run.trace.push("← (no answer: the fragment was lost)".into());
            client.transport_failed();
            continue;
        }
        let response = if is(Fault::Busy(this.unwrap_or(0))) {
            Response::error(Status::new(503).unwrap(), ODataError::new("serviceNotAvailable", "busy"))
                .unwrap()
                .with_retry_after(RetryAfter::Seconds(2))
        } else {
            let reply = server.handle(&decoded);
            match reply.action {
                Action::Open { session } => {
                    run.parts.insert(session, vec![0; data.len()]);
                }
                Action::Write(w) => {
                    let part = run.parts.get_mut(&w.session).unwrap();
                    part[w.offset as usize..][..decoded.body().len()].copy_from_slice(decoded.body());
                    if w.commit {
                        let whole = run.parts.remove(&w.session).unwrap();
                        run.committed.insert(w.session, whole);
                    }
                }
                Action::Commit { session, .. } => {
                    let whole = run.parts.remove(&session).unwrap();
                    run.committed.insert(session, whole);
                }
                Action::Discard { session } => {
                    run.parts.remove(&session);
                }
                _ => {}
            }
            reply.response
        };
        if is(Fault::LoseAnswer(this.unwrap_or(0))) {
            run.trace.push("← (no answer: lost after the server stored the fragment)".into());
            client.transport_failed();
            continue;
        }
        let answer = response.to_vec();
        let (decoded, _) = Response::decode(&answer).unwrap();
        run.trace.push(describe_response(&decoded));
        client.handle_response(&decoded);
        if is(Fault::Cancel(this.unwrap_or(0))) {
            run.trace.push("(cancel)".into());
            client.cancel();
        }
    }
    run.end = client.poll();
    run
}

const MIB: u64 = 1_000_000;

fn drive(fault: Fault) -> Run {
    let data = file(MIB);
    let run = session_run(None, &data, 327_680, fault);
    if run.end == Step::Done {
        assert_eq!(run.committed.values().collect::<Vec<_>>(), [&data], "{:#?}", run.trace);
    }
    run
}

fn lines(expected: &[&str]) -> Vec<String> {
    expected.iter().map(|s| (*s).to_owned()).collect()
}

const CREATED: [&str; 2] = ["→ POST create-upload-session", "← 200 OK session [0-]"];

#[test]
fn drive_item_without_faults() {
    let run = drive(Fault::None);
    let mut expected = lines(&CREATED);
    expected.extend(lines(&[
        "→ PUT 0-327679/1000000",
        "← 202 Accepted [327680-]",
        "→ PUT 327680-655359/1000000",
        "← 202 Accepted [655360-]",
        "→ PUT 655360-983039/1000000",
        "← 202 Accepted [983040-]",
        "→ PUT 983040-999999/1000000",
        "← 201 Created item size=1000000",
    ]));
    assert_eq!(run.trace, expected);
}

#[test]
fn drive_item_lost_answer_resumes_past_the_stored_fragment() {
    let run = drive(Fault::LoseAnswer(1));
    assert_eq!(
        run.trace[4..],
        lines(&[
            "→ PUT 327680-655359/1000000",
            "← (no answer: lost after the server stored the fragment)",
            "→ GET session-status",
            "← 200 OK [655360-]",
            "→ PUT 655360-983039/1000000",
            "← 202 Accepted [983040-]",
            "→ PUT 983040-999999/1000000",
            "← 201 Created item size=1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
}

#[test]
fn drive_item_lost_fragment_is_sent_again() {
    let run = drive(Fault::LoseFragment(2));
    assert_eq!(
        run.trace[6..10],
        lines(&[
            "→ PUT 655360-983039/1000000",
            "← (no answer: the fragment was lost)",
            "→ GET session-status",
            "← 200 OK [655360-]"
        ])
    );
    assert_eq!(run.trace[10], "→ PUT 655360-983039/1000000");
    assert_eq!(run.end, Step::Done);
}

#[test]
fn drive_item_gap_and_overlap_are_416_then_resumed() {
    let run = drive(Fault::Gap(1));
    assert_eq!(
        run.trace[4..9],
        lines(&[
            "→ PUT 491520-655359/1000000",
            "← 416 Requested Range Not Satisfiable fragmentOutOfOrder",
            "→ GET session-status",
            "← 200 OK [327680-]",
            "→ PUT 327680-655359/1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
    let run = drive(Fault::Overlap(2));
    assert_eq!(
        run.trace[6..11],
        lines(&[
            "→ PUT 491520-983039/1000000",
            "← 416 Requested Range Not Satisfiable fragmentOverlap",
            "→ GET session-status",
            "← 200 OK [655360-]",
            "→ PUT 655360-983039/1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
}

#[test]
fn drive_item_retry_after_then_status() {
    let run = drive(Fault::Busy(0));
    assert_eq!(
        run.trace[2..8],
        lines(&[
            "→ PUT 0-327679/1000000",
            "← 503 Service Unavailable serviceNotAvailable retry-after=2",
            "(wait 2 s)",
            "→ GET session-status",
            "← 200 OK [0-]",
            "→ PUT 0-327679/1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
}

#[test]
fn drive_item_lost_session_starts_over() {
    let run = drive(Fault::ServerRestart(2));
    assert_eq!(
        run.trace[6..12],
        lines(&[
            "(the server forgets its sessions)",
            "→ PUT 655360-983039/1000000",
            "← 404 Not Found itemNotFound",
            "→ POST create-upload-session",
            "← 200 OK session [0-]",
            "→ PUT 0-327679/1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
    assert_eq!(run.trace.len(), 6 + 6 + 7, "{:#?}", run.trace);
}

#[test]
fn drive_item_cancel_leaves_nothing() {
    let run = drive(Fault::Cancel(0));
    assert_eq!(
        run.trace[2..],
        lines(&[
            "→ PUT 0-327679/1000000",
            "← 202 Accepted [327680-]",
            "(cancel)",
            "→ DELETE cancel-session",
            "← 204 No Content"
        ])
    );
    assert_eq!(run.end, Step::Cancelled);
    assert!(run.committed.is_empty() && run.parts.is_empty());
}

#[test]
fn drive_item_lost_final_answer() {
    // The server completed the upload; the client asks, and this server answers with the item
    // again (Graph itself deletes the session: CompletionUnknown, see graph_client.rs).
    let run = drive(Fault::LoseAnswer(3));
    assert_eq!(
        run.trace[8..],
        lines(&[
            "→ PUT 983040-999999/1000000",
            "← (no answer: lost after the server stored the fragment)",
            "→ GET session-status",
            "← 201 Created item size=1000000",
        ])
    );
    assert_eq!(run.end, Step::Done);
}

#[test]
fn drive_item_deferred_commit_through_the_server() {
    let data = file(700_000);
    let body = CreateSessionBody::DriveItem(DriveItemSessionRequest::new().with_defer_commit(true));
    let run = session_run(Some(body), &data, 327_680, Fault::None);
    assert_eq!(
        run.trace[2..],
        lines(&[
            "→ PUT 0-327679/700000",
            "← 202 Accepted [327680-]",
            "→ PUT 327680-655359/700000",
            "← 202 Accepted [655360-]",
            "→ PUT 655360-699999/700000",
            "← 202 Accepted []",
            "→ POST commit",
            "← 201 Created item size=700000",
        ])
    );
    assert_eq!(run.committed.values().next(), Some(&data));
}

#[test]
fn outlook_to_do_and_print_through_the_server() {
    let data = file(100_000);
    let attachment = AttachmentItem::new(AttachmentType::File, "f.bin", 100_000);
    // Outlook: 201 create, 200 progress, 201 + Location.
    let run = session_run(Some(CreateSessionBody::Attachment(attachment.clone())), &data, 40_000, Fault::LoseAnswer(0));
    assert_eq!(
        run.trace,
        lines(&[
            "→ POST create-upload-session",
            "← 201 Created session [0-]",
            "→ PUT 0-39999/100000",
            "← (no answer: lost after the server stored the fragment)",
            "→ GET session-status",
            "← 200 OK [40000-]",
            "→ PUT 40000-79999/100000",
            "← 200 OK [80000-]",
            "→ PUT 80000-99999/100000",
            "← 201 Created Location",
        ])
    );
    assert_eq!(run.committed.values().next(), Some(&data));
    // To Do: the same, Authorization and /content checked by the server.
    let run = session_run(Some(CreateSessionBody::TaskAttachment(attachment)), &data, 40_000, Fault::Gap(1));
    assert_eq!(run.end, Step::Done, "{:#?}", run.trace);
    assert!(run.trace.contains(&"← 416 Requested Range Not Satisfiable fragmentOutOfOrder".to_owned()));
    assert_eq!(run.committed.values().next(), Some(&data));
    // Print takes segments in any order: a gap is accepted, and the hole is filled after.
    let print = PrintDocumentUploadProperties::new("f.pdf", "application/pdf", 100_000);
    let run = session_run(Some(CreateSessionBody::PrintDocument(print)), &data, 40_000, Fault::Gap(0));
    assert_eq!(
        run.trace,
        lines(&[
            "→ POST create-upload-session",
            "← 200 OK session [0-99999]",
            "→ PUT 20000-39999/100000",
            "← 202 Accepted [0-19999,40000-99999]",
            "→ PUT 0-19999/100000",
            "← 202 Accepted [40000-99999]",
            "→ PUT 40000-79999/100000",
            "← 202 Accepted [80000-99999]",
            "→ PUT 80000-99999/100000",
            "← 201 Created item size=100000",
        ])
    );
    assert_eq!(run.committed.values().next(), Some(&data));
}

#[test]
fn one_byte_file_and_every_fault_on_a_single_fragment() {
    let data = file(1);
    for fault in [Fault::None, Fault::LoseAnswer(0), Fault::LoseFragment(0), Fault::Busy(0), Fault::ServerRestart(0)] {
        let run = session_run(None, &data, 327_680, fault);
        assert_eq!(run.end, Step::Done, "{fault:?}: {:#?}", run.trace);
        assert_eq!(run.committed.values().collect::<Vec<_>>(), [&data], "{fault:?}");
        assert_eq!(run.trace.last().unwrap(), "← 201 Created item size=1", "{fault:?}");
    }
    let run = session_run(None, &data, 327_680, Fault::Cancel(0));
    assert_eq!(run.end, Step::Done, "the only fragment completed the upload: nothing to cancel");
    // 0 bytes: refused before any request.
    let err = Client::new(ClientConfig::default(), &create_request(None), 0).unwrap_err();
    assert_eq!(err, ClientError::EmptyFile);
}
