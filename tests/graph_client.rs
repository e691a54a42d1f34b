//! The Graph upload client machine against scripted answers (the flow of the Graph page
//! "driveItem: createUploadSession" and its sibling pages): fragments per the
//! planner, resume from `nextExpectedRanges` after a lost answer or a 416, `Retry-After`,
//! lost sessions, the deferred commit, completion by content, cancel, and the requests it
//! builds (origin-form `uploadUrl`, `Host`, `Authorization` only for To Do).
//!
//! Every answer goes through the wire: built, encoded, decoded, then handed to the client.

use std::time::Duration;

use bits_codec::Decode;
use bits_codec::Encode;
use bits_codec::graph::client::{Client, ClientConfig, ClientError, Event, Step, Transmit, TransmitKind};
use bits_codec::graph::{
    AttachmentItem, AttachmentType, CompletedItem, CreateSessionBody, DateTimeOffset, DriveItemSessionRequest,
    DriveItemUploadableProperties, InnerError, ODataError, Operation, PrintDocumentUploadProperties, RangeSpec,
    Request, Response, RetryAfter, UploadSession, Variant,
};
use bits_codec::http1::{FieldName, FieldValue, RequestTarget, Status};

const KIB320: u64 = 327_680;
const URL: &str = "https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337?tempauth='x%27'";
const URL2: &str = "https://sn3302.up.1drv.com/up/second";

fn st(code: u16) -> Status {
    Status::new(code).unwrap()
}

fn create(body: Option<CreateSessionBody<'static>>) -> Request<'static> {
    let target = RequestTarget::new("/v1.0/me/drive/root:/big.bin:/createUploadSession").unwrap();
    Request::create_upload_session(target, body)
        .unwrap()
        .with_host(FieldValue::from_static("graph.microsoft.com"))
        .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer token"))
        .unwrap()
}

fn client(total: u64, fragment: u64) -> Client {
    Client::new(ClientConfig::default().fragment_len(fragment), &create(None), total).unwrap()
}

fn next(c: &mut Client) -> Transmit {
    match c.poll() {
        Step::Transmit(t) => t,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn range(t: &Transmit) -> (u64, u64) {
    let r = t.range().unwrap_or_else(|| panic!("not a fragment: {:?}", t.kind()));
    (r.first(), r.last())
}

fn exp() -> DateTimeOffset<'static> {
    DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap()
}

fn ranges(items: &[&str]) -> Vec<RangeSpec> {
    items.iter().map(|s| s.parse::<RangeSpec>().unwrap()).collect()
}

fn session(code: u16, url: Option<&str>, next: Option<&[&str]>) -> Response<'static> {
    let mut s = UploadSession::new().with_expiration_date_time(exp());
    if let Some(u) = url {
        s = s.with_upload_url(u.to_string());
    }
    if let Some(n) = next {
        s = s.with_next_expected_ranges(ranges(n));
    }
    Response::session(st(code), s).unwrap()
}

fn created(url: &str) -> Response<'static> {
    session(200, Some(url), Some(&["0-"]))
}

fn progress(next: &[&str]) -> Response<'static> {
    session(202, None, Some(next))
}

fn error(code: u16, top: &str, inner: Option<&str>) -> Response<'static> {
    let mut e = ODataError::new(top.to_string(), "message".to_string());
    if let Some(i) = inner {
        e = e.with_inner_error(InnerError::new().with_code(i.to_string()));
    }
    Response::error(st(code), e).unwrap()
}

fn item(code: u16, size: u64) -> Response<'static> {
    Response::completed(st(code), CompletedItem::new("912310013A123").with_name("big.bin").with_size(size)).unwrap()
}

/// Encode `r`, decode it again, and hand it to the client.
fn answer(c: &mut Client, r: &Response<'_>) -> Event {
    let wire = r.to_vec();
    let (decoded, used) = Response::decode(&wire).unwrap();
    assert_eq!(used, wire.len());
    c.handle_response(&decoded)
}

/// A driveItem client of `total` bytes in `fragment`-byte fragments, past the create.
fn started(total: u64, fragment: u64) -> Client {
    let mut c = client(total, fragment);
    assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
    assert_eq!(answer(&mut c, &created(URL)), Event::SessionCreated);
    c
}

#[test]
fn uploads_in_planned_fragments_then_completes() {
    let total = 1_000_000;
    let mut c = client(total, KIB320);
    assert_eq!((c.variant(), c.fragment_len()), (Variant::DriveItem, KIB320));
    let t = next(&mut c);
    assert_eq!(c.poll(), Step::AwaitingResponse, "one request in flight");
    // The create request is the caller's, byte for byte, Authorization included.
    assert_eq!(t.request(&[]).unwrap().to_vec(), create(None).to_vec());
    assert!(t.endpoint().is_none(), "origin-form create target: the caller knows where it goes");
    assert!(t.request(b"x").is_err());
    assert_eq!(answer(&mut c, &created(URL)), Event::SessionCreated);
    assert_eq!(c.upload_url(), Some(URL));
    assert_eq!(c.expiration(), Some(&exp()));

    let file: Vec<u8> = (0..total).map(|i| i as u8).collect();
    let mut sent = Vec::new();
    loop {
        let t = next(&mut c);
        let (a, b) = range(&t);
        sent.push((a, b));
        let req = t.request(&file[a as usize..=b as usize]).unwrap();
        // Origin-form, the uploadUrl's path and query unchanged, Host = its authority, no token.
        let wire = req.to_vec();
        let head = String::from_utf8_lossy(&wire[..wire.len() - req.body().len()]).into_owned();
        assert!(
            head.starts_with(
                "PUT /up/fe6987415ace7X4e1eF866337?tempauth='x%27' HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\n"
            )
        );
        assert!(!head.to_ascii_lowercase().contains("authorization"), "{head}");
        assert!(head.contains(&format!("Content-Range: bytes {a}-{b}/{total}\r\n")));
        assert!(!t.is_authorized());
        let (decoded, _) = Request::decode(&wire).unwrap();
        assert_eq!(decoded.operation(), Operation::UploadFragment);
        let endpoint = t.endpoint().unwrap();
        assert_eq!((endpoint.host(), endpoint.port(), endpoint.is_https()), ("sn3302.up.1drv.com", 443, true));
        if b + 1 == total {
            assert_eq!(answer(&mut c, &item(201, total)), Event::Committed);
            break;
        }
        assert_eq!(answer(&mut c, &progress(&[&format!("{}-", b + 1)])), Event::Progress { received: b + 1 });
    }
    assert_eq!(sent, [(0, 327_679), (327_680, 655_359), (655_360, 983_039), (983_040, 999_999)]);
    assert_eq!(c.poll(), Step::Done);
    let done = c.completion().unwrap();
    assert_eq!(done.status(), Status::CREATED);
    assert_eq!(done.item().unwrap().id(), "912310013A123");
    assert!(c.is_finished() && c.missing().is_complete());
}

#[test]
fn a_lost_fragment_answer_resumes_from_the_status() {
    // The answer to the second fragment is lost; the server had stored it.
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    answer(&mut c, &progress(&["327680-"]));
    assert_eq!(range(&next(&mut c)), (327_680, 655_359));
    assert_eq!(c.transport_failed(), Event::Retrying);
    let t = next(&mut c);
    assert_eq!(t.kind(), TransmitKind::SessionStatus, "a status GET, not a blind resend");
    assert_eq!(
        t.request(&[]).unwrap().to_vec(),
        b"GET /up/fe6987415ace7X4e1eF866337?tempauth='x%27' HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\n\r\n"
    );
    assert_eq!(answer(&mut c, &session(200, None, Some(&["655360-"]))), Event::Resynced { received: 655_360 });
    assert_eq!(range(&next(&mut c)), (655_360, 983_039), "the stored fragment is not sent again");

    // Lost again, and this time the server did not get it: the same bytes again.
    c.transport_failed();
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
    answer(&mut c, &session(200, None, Some(&["655360-"])));
    assert_eq!(range(&next(&mut c)), (655_360, 983_039));
}

#[test]
fn an_unaligned_server_offset_is_followed() {
    // A fragment kept in part (OneDrive/onedrive-api-docs#75): the next offset is the
    // server's, even off the 320 KiB grid.
    let mut c = started(2_000_000, KIB320);
    next(&mut c);
    c.transport_failed();
    next(&mut c);
    answer(&mut c, &session(200, None, Some(&["100000-1999999"])));
    assert_eq!(range(&next(&mut c)), (100_000, 100_000 + KIB320 - 1));
}

#[test]
fn a_416_asks_for_the_status_then_resumes() {
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &error(416, "invalidRange", Some("fragmentOverlap"))), Event::RangeRejected);
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
    assert_eq!(answer(&mut c, &session(200, None, Some(&["327680-"]))), Event::Resynced { received: KIB320 });
    assert_eq!(range(&next(&mut c)), (327_680, 655_359));
}

#[test]
fn retry_after_is_a_wait_then_a_status() {
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    let busy = error(503, "serviceNotAvailable", None).with_retry_after(RetryAfter::Seconds(7));
    let seven = Duration::from_secs(7);
    assert_eq!(answer(&mut c, &busy), Event::Wait { delay: seven, status: st(503) });
    assert_eq!(c.poll(), Step::Wait(seven));
    assert_eq!(c.poll(), Step::Wait(seven), "until the caller says the time is up");
    c.waited();
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus, "the fragment may have been stored");
    answer(&mut c, &session(200, None, Some(&["0-"])));
    assert_eq!(range(&next(&mut c)), (0, 327_679));

    // 429 on the create: the create again, after the wait.
    let mut c = client(10, KIB320);
    next(&mut c);
    let throttled =
        error(429, "activityLimitReached", Some("throttledRequest")).with_retry_after(RetryAfter::Seconds(41));
    assert!(matches!(answer(&mut c, &throttled), Event::Wait { delay, .. } if delay.as_secs() == 41));
    c.waited();
    assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
}

#[test]
fn back_off_without_retry_after_and_its_limits() {
    let config = ClientConfig::default()
        .fragment_len(KIB320)
        .max_retries(4)
        .backoff(Duration::from_secs(1), Duration::from_secs(5));
    let mut c = Client::new(config, &create(None), 10).unwrap();
    let mut delays = Vec::new();
    for _ in 0..4 {
        assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
        let Event::Wait { delay, .. } = answer(&mut c, &error(500, "generalException", None)) else { panic!() };
        delays.push(delay.as_secs());
        c.waited();
    }
    assert_eq!(delays, [1, 2, 4, 5], "doubling, capped");
    next(&mut c);
    assert_eq!(answer(&mut c, &error(502, "x", None)), Event::Failed(ClientError::RetriesExhausted));
    assert_eq!(c.poll(), Step::Failed(ClientError::RetriesExhausted));

    // An HTTP date cannot be read without a clock: back-off. Too long a Retry-After: failure.
    let mut c = client(10, KIB320);
    next(&mut c);
    let dated = error(503, "x", None)
        .with_retry_after(RetryAfter::Date(FieldValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT")));
    assert_eq!(answer(&mut c, &dated), Event::Wait { delay: Duration::from_secs(1), status: st(503) });
    c.waited();
    next(&mut c);
    let long = error(429, "x", None).with_retry_after(RetryAfter::Seconds(3600));
    let e = ClientError::Throttled { retry_after: Duration::from_secs(3600) };
    assert_eq!(answer(&mut c, &long), Event::Failed(e.clone()));
    assert!(c.resume());
    assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession, "no session yet: the create again");
}

#[test]
fn a_lost_session_restarts_with_the_new_upload_url() {
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    answer(&mut c, &progress(&["327680-"]));
    next(&mut c);
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Restarted);
    let t = next(&mut c);
    assert_eq!(t.request(&[]).unwrap().to_vec(), create(None).to_vec());
    answer(&mut c, &created(URL2));
    let t = next(&mut c);
    assert_eq!(range(&t), (0, 327_679), "the whole file again");
    assert!(t.request(&[0; KIB320 as usize]).unwrap().to_vec().starts_with(b"PUT /up/second HTTP/1.1\r\n"));

    // 400 with the inner code uploadSessionNotFound is the same (the 2017 OneDrive answer).
    assert_eq!(answer(&mut c, &error(400, "invalidRequest", Some("uploadSessionNotFound"))), Event::Restarted);
    // Bounded.
    let mut c = Client::new(ClientConfig::default().max_restarts(1), &create(None), 10).unwrap();
    next(&mut c);
    answer(&mut c, &created(URL));
    next(&mut c);
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Restarted);
    next(&mut c);
    answer(&mut c, &created(URL));
    next(&mut c);
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Failed(ClientError::TooManyRestarts));
}

#[test]
fn a_lost_final_answer_is_not_a_restart() {
    // The final fragment was sent, its answer lost; the session is gone: maybe completed.
    let mut c = started(100, KIB320);
    assert_eq!(range(&next(&mut c)), (0, 99));
    c.transport_failed();
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Failed(ClientError::CompletionUnknown));

    // A server that still answers with the item: done.
    let mut c = started(100, KIB320);
    next(&mut c);
    c.transport_failed();
    next(&mut c);
    assert_eq!(answer(&mut c, &item(201, 100)), Event::Committed);
    assert_eq!(c.poll(), Step::Done);

    // A 5xx on the final fragment then a status showing it missing: resent, and the 404
    // ambiguity is over.
    let mut c = started(100, KIB320);
    next(&mut c);
    assert!(matches!(answer(&mut c, &error(500, "generalException", None)), Event::Wait { .. }));
    c.waited();
    next(&mut c);
    answer(&mut c, &session(200, None, Some(&["0-"])));
    next(&mut c);
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Restarted);
}

#[test]
fn completion_is_classified_by_content() {
    // Outlook: 201 + Location, no body.
    let body = CreateSessionBody::Attachment(AttachmentItem::new(AttachmentType::File, "flower", 3_483_322));
    let mut c = Client::new(ClientConfig::default(), &create(Some(body)), 3_483_322).unwrap();
    assert_eq!(c.variant(), Variant::OutlookAttachment);
    next(&mut c);
    answer(
        &mut c,
        &session(
            201,
            Some("https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')?authtoken=e"),
            Some(&["0-"]),
        ),
    );
    assert_eq!(range(&next(&mut c)), (0, 3 * 1024 * 1024 - 1));
    // Outlook's progress: 200, PascalCase, a bare "S" (raw bytes from the docs).
    let wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 86\r\n\r\n\
                 {\"ExpirationDateTime\":\"2019-09-25T01:09:30.7671707Z\",\"NextExpectedRanges\":[\"2097152\"]}";
    assert_eq!(c.handle_response(&Response::decode(wire).unwrap().0), Event::Progress { received: 2_097_152 });
    assert_eq!(range(&next(&mut c)), (2_097_152, 3_483_321));
    let location = "https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/Attachments('a')";
    assert_eq!(answer(&mut c, &Response::created_at(FieldValue::new(location).unwrap())), Event::Committed);
    let done = c.completion().unwrap();
    assert_eq!((done.item(), done.location().unwrap().to_str()), (None, Some(location)));

    // 201 whose body is still a session (OneDrive/onedrive-api-docs#1531): progress.
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &session(201, None, Some(&["327680-"]))), Event::Progress { received: KIB320 });
    assert!(!c.is_finished());
    // 200 with a driveItem (an existing file replaced): done.
    next(&mut c);
    assert_eq!(answer(&mut c, &item(200, 1_000_000)), Event::Committed);
    assert_eq!(c.completion().unwrap().status(), Status::OK);

    // 200 with an error body (OneDrive/onedrive-api-docs#465): a failure.
    let mut c = started(10, KIB320);
    next(&mut c);
    let Event::Failed(ClientError::Server { status, code, .. }) = answer(&mut c, &error(200, "invalidRequest", None))
    else {
        panic!()
    };
    assert_eq!((status.as_u16(), code.as_deref()), (200, Some("invalidRequest")));

    // An item of another size: refused.
    let mut c = started(10, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &item(201, 11)), Event::Failed(ClientError::SizeMismatch { declared: 11, total: 10 }));
}

#[test]
fn deferred_commit_and_empty_ranges() {
    let body = CreateSessionBody::DriveItem(DriveItemSessionRequest::new().with_defer_commit(true));
    let config = ClientConfig::default().fragment_len(KIB320);
    let mut c = Client::new(config.clone(), &create(Some(body)), 500_000).unwrap();
    assert!(c.defers_commit());
    next(&mut c);
    answer(&mut c, &created(URL));
    next(&mut c);
    answer(&mut c, &progress(&["327680-"]));
    next(&mut c);
    assert_eq!(answer(&mut c, &progress(&[])), Event::AllBytesReceived);
    let t = next(&mut c);
    assert_eq!(t.kind(), TransmitKind::Commit);
    let req = t.request(&[]).unwrap();
    assert_eq!(req.operation(), Operation::Commit);
    assert!(req.to_vec().ends_with(b"Content-Length: 0\r\n\r\n"));
    assert_eq!(answer(&mut c, &item(201, 500_000)), Event::Committed);

    // `[]` without deferCommit: the commit is still the only way forward.
    let mut c = started(10, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &progress(&[])), Event::AllBytesReceived);
    assert_eq!(next(&mut c).kind(), TransmitKind::Commit);
    // The commit answered with missing bytes: back to uploading them.
    assert_eq!(answer(&mut c, &progress(&["5-"])), Event::Resynced { received: 5 });
    assert_eq!(range(&next(&mut c)), (5, 9));
}

#[test]
fn ranges_unknown_asks_for_the_status() {
    // The 2015 OneDrive 202 without nextExpectedRanges.
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &session(202, None, None)), Event::RangesUnknown);
    assert_eq!(c.received(), KIB320, "a 2xx took the bytes");
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
    // A status without ranges either: the client goes on from its own view.
    assert_eq!(answer(&mut c, &session(200, None, None)), Event::RangesUnknown);
    assert_eq!(range(&next(&mut c)), (327_680, 655_359));
    // A 2xx without a body is unknown too.
    assert_eq!(answer(&mut c, &Response::no_content()), Event::RangesUnknown);
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
}

#[test]
fn no_progress_is_bounded() {
    let mut c = started(1_000_000, KIB320);
    let mut events = Vec::new();
    for _ in 0..100 {
        match c.poll() {
            Step::Transmit(t) if t.kind() == TransmitKind::SessionStatus => {
                events.push(answer(&mut c, &session(200, None, Some(&["0-"]))))
            }
            Step::Transmit(_) => events.push(answer(&mut c, &error(416, "invalidRange", Some("fragmentOutOfOrder")))),
            Step::Failed(e) => {
                assert_eq!(e, ClientError::NoProgress);
                assert!(events.len() <= 20, "{}", events.len());
                return;
            }
            other => panic!("{other:?}"),
        }
    }
    panic!("never gave up: {events:?}");
}

#[test]
fn a_413_shrinks_fragments_on_320_kib_boundaries() {
    let mut c = started(20_000_000, 32 * KIB320);
    assert_eq!(range(&next(&mut c)), (0, 32 * KIB320 - 1));
    assert_eq!(
        answer(&mut c, &error(413, "invalidRequest", Some("maxFragmentLengthExceeded"))),
        Event::FragmentShrunk { len: 16 * KIB320 }
    );
    assert_eq!(range(&next(&mut c)), (0, 16 * KIB320 - 1));
    let mut c = started(20_000_000, 3 * KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &error(413, "x", None)), Event::FragmentShrunk { len: KIB320 });
    next(&mut c);
    assert_eq!(answer(&mut c, &error(413, "x", None)), Event::Failed(ClientError::FragmentTooLarge));
}

#[test]
fn cancel_deletes_the_session() {
    // Mid-upload: after the answer in flight, DELETE, then 204.
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    c.cancel();
    assert_eq!(c.poll(), Step::AwaitingResponse);
    answer(&mut c, &progress(&["327680-"]));
    let t = next(&mut c);
    assert_eq!(t.kind(), TransmitKind::CancelSession);
    assert_eq!(
        t.request(&[]).unwrap().to_vec(),
        b"DELETE /up/fe6987415ace7X4e1eF866337?tempauth='x%27' HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\n\r\n"
    );
    // The docs' reason phrase, "No content", means nothing.
    let wire = b"HTTP/1.1 204 No content\r\n\r\n";
    assert_eq!(c.handle_response(&Response::decode(wire).unwrap().0), Event::Cancelled);
    assert_eq!(c.poll(), Step::Cancelled);

    // Before any session: at once, nothing sent.
    let mut c = client(10, KIB320);
    c.cancel();
    assert_eq!(c.poll(), Step::Cancelled);
    // During the create: the new session is deleted.
    let mut c = client(10, KIB320);
    next(&mut c);
    c.cancel();
    answer(&mut c, &created(URL));
    assert_eq!(next(&mut c).kind(), TransmitKind::CancelSession);
    // Already gone: cancelled all the same.
    assert_eq!(answer(&mut c, &error(404, "itemNotFound", None)), Event::Cancelled);
    // While waiting out a Retry-After: DELETE at once. A 503 on DELETE: DELETE again.
    let mut c = started(1_000_000, KIB320);
    next(&mut c);
    answer(&mut c, &error(503, "x", None).with_retry_after(RetryAfter::Seconds(60)));
    c.cancel();
    assert_eq!(next(&mut c).kind(), TransmitKind::CancelSession);
    assert!(matches!(answer(&mut c, &error(503, "x", None)), Event::Wait { .. }));
    c.waited();
    assert_eq!(next(&mut c).kind(), TransmitKind::CancelSession);
    assert_eq!(answer(&mut c, &Response::no_content()), Event::Cancelled);
    // A completed upload has nothing to cancel.
    let mut c = started(10, KIB320);
    next(&mut c);
    c.cancel();
    answer(&mut c, &item(201, 10));
    assert_eq!(c.poll(), Step::Done);
}

#[test]
fn authorization_goes_to_the_upload_url_only_for_to_do() {
    let todo = CreateSessionBody::TaskAttachment(AttachmentItem::new(AttachmentType::File, "flower", 3_483_322));
    let mut c = Client::new(ClientConfig::default(), &create(Some(todo)), 3_483_322).unwrap();
    assert_eq!(c.variant(), Variant::TaskAttachment);
    next(&mut c);
    answer(
        &mut c,
        &session(
            200,
            Some("https://graph.microsoft.com/v1.0/me/todo/lists/l/tasks/t/attachmentSessions/s"),
            Some(&["0-"]),
        ),
    );
    let t = next(&mut c);
    assert!(t.is_authorized());
    let wire = t.request(&vec![0; 3 * 1024 * 1024]).unwrap().to_vec();
    assert!(wire.starts_with(
        b"PUT /v1.0/me/todo/lists/l/tasks/t/attachmentSessions/s/content HTTP/1.1\r\nHost: graph.microsoft.com\r\n\
          Authorization: Bearer token\r\n"
    ));
    c.transport_failed();
    let status = next(&mut c).request(&[]).unwrap().to_vec();
    assert!(
        status.starts_with(b"GET /v1.0/me/todo/lists/l/tasks/t/attachmentSessions/s HTTP/1.1\r\n"),
        "status on the session itself"
    );
    assert!(status.ends_with(b"Authorization: Bearer token\r\n\r\n"));

    // driveItem with the override.
    let config = ClientConfig::default().fragment_len(KIB320).authorize_upload_url(Some(true));
    let mut c = Client::new(config, &create(None), 10).unwrap();
    next(&mut c);
    answer(&mut c, &created(URL));
    assert!(next(&mut c).request(&[0; 10]).unwrap().headers().get("authorization").is_some());
}

#[test]
fn print_documents_follow_every_missing_range() {
    let body = CreateSessionBody::PrintDocument(PrintDocumentUploadProperties::new(
        "TestFile.pdf",
        "application/pdf",
        4_533_322,
    ));
    let config = ClientConfig::default().fragment_len(1_000_000);
    let mut c = Client::new(config, &create(Some(body)), 4_533_322).unwrap();
    assert_eq!(c.variant(), Variant::PrintDocument);
    next(&mut c);
    // The Print create answer: a closed initial range.
    answer(
        &mut c,
        &session(
            200,
            Some("https://print.print.microsoft.com/uploadSessions/5400be13?tempauthtoken=t"),
            Some(&["0-4533321"]),
        ),
    );
    assert_eq!(range(&next(&mut c)), (0, 999_999));
    // The doc's two ranges, the second ending one past the file.
    assert_eq!(
        answer(&mut c, &progress(&["72797-72897", "78929-4533322"])),
        Event::Progress { received: 4_533_322 - 101 - 4_454_393 }
    );
    assert_eq!(range(&next(&mut c)), (72_797, 72_897), "a range ending before the file is sent exactly");
    answer(&mut c, &progress(&["78929-4533322"]));
    assert_eq!(range(&next(&mut c)), (78_929, 1_078_928));
}

#[test]
fn constructor_checks() {
    let err = |total, body: Option<CreateSessionBody<'static>>, config: ClientConfig| {
        Client::new(config, &create(body), total).unwrap_err()
    };
    assert_eq!(err(0, None, ClientConfig::default()), ClientError::EmptyFile);
    let attachment = CreateSessionBody::Attachment(AttachmentItem::new(AttachmentType::File, "f", 100));
    assert_eq!(
        err(99, Some(attachment), ClientConfig::default()),
        ClientError::SizeMismatch { declared: 100, total: 99 }
    );
    let sized = CreateSessionBody::DriveItem(
        DriveItemSessionRequest::new().with_item(DriveItemUploadableProperties::new().with_file_size(5)),
    );
    assert_eq!(err(6, Some(sized), ClientConfig::default()), ClientError::SizeMismatch { declared: 5, total: 6 });
    assert_eq!(err(10, None, ClientConfig::default().fragment_len(1_000_000)), ClientError::FragmentLen(1_000_000));
    let status = Request::session_status(RequestTarget::new("/up/x").unwrap());
    assert_eq!(Client::new(ClientConfig::default(), &status, 10).unwrap_err(), ClientError::NotACreateRequest);
    // An absolute-form create target names its endpoint.
    let target = RequestTarget::new("https://graph.microsoft.com/v1.0/me/drive/root:/a:/createUploadSession").unwrap();
    let abs = Request::create_upload_session(target, None).unwrap();
    let mut c = Client::new(ClientConfig::default(), &abs, 10).unwrap();
    assert_eq!(next(&mut c).endpoint().unwrap().host(), "graph.microsoft.com");
}

#[test]
fn broken_answers_fail_the_upload() {
    // A create answer without uploadUrl, or with one that is not an http(s) URL.
    for bad in [
        session(200, None, Some(&["0-"])),
        session(200, Some("ftp://h/x"), None),
        session(200, Some("/relative"), None),
    ] {
        let mut c = client(10, KIB320);
        next(&mut c);
        assert_eq!(answer(&mut c, &bad), Event::Failed(ClientError::InvalidResponse("uploadUrl")));
    }
    // Ranges past the end of the file.
    let mut c = started(10, KIB320);
    next(&mut c);
    assert_eq!(answer(&mut c, &progress(&["10-"])), Event::Failed(ClientError::InvalidResponse("nextExpectedRanges")));
    // 401 on the uploadUrl: no retry; resume asks for the status.
    let mut c = started(10, KIB320);
    next(&mut c);
    assert!(matches!(answer(&mut c, &error(401, "unauthenticated", None)), Event::Failed(ClientError::Server { .. })));
    assert!(c.resume());
    assert!(!c.resume());
    assert_eq!(next(&mut c).kind(), TransmitKind::SessionStatus);
    // 1xx is skipped; an answer with nothing in flight is ignored.
    let wire = b"HTTP/1.1 100 Continue\r\n\r\n";
    assert_eq!(c.handle_response(&Response::decode(wire).unwrap().0), Event::Ignored);
    answer(&mut c, &session(200, None, Some(&["0-"])));
    assert_eq!(answer(&mut c, &progress(&["0-"])), Event::Ignored);
    assert_eq!(c.transport_failed(), Event::Ignored);
}

#[test]
fn lost_answers_are_bounded() {
    let mut c = Client::new(ClientConfig::default().max_retries(2), &create(None), 10).unwrap();
    for _ in 0..2 {
        assert_eq!(next(&mut c).kind(), TransmitKind::CreateSession);
        assert_eq!(c.transport_failed(), Event::Retrying);
    }
    next(&mut c);
    assert_eq!(c.transport_failed(), Event::Failed(ClientError::RetriesExhausted));
}
