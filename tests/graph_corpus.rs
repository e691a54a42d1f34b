//! Known answers: every valid example of the Graph createUploadSession pages (driveItem,
//! attachment, printDocument, taskFileAttachment; as a full HTTP message in
//! `corpus/graph/`) decodes to the expected values, re-encodes byte for byte, and every strict
//! prefix is incomplete. The wrong doc examples (`corpus/graph/invalid/`) are rejected, each
//! for its own reason.

use std::path::{Path, PathBuf};

use bits_codec::graph::{
    AttachmentType, ConflictBehavior, CreateSessionBody, JsonErrorKind, Operation, Outcome, RangeSet, RangeSpec,
    Request, Response, ResponseBody, RetryAfter,
};
use bits_codec::http1::ContentRange;
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode, InvalidKind};
use bits_codec_test_support::json_failure::JsonFailureExt;

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus").join(dir);
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .collect();
    v.sort();
    v
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/graph").join(name)).unwrap()
}

fn opts() -> DecodeOptions {
    DecodeOptions::default()
}

fn request(wire: &[u8]) -> Request<'_> {
    let (r, used) = Request::decode(wire).unwrap();
    assert_eq!(used, wire.len());
    r
}

fn response(wire: &[u8]) -> Response<'_> {
    let (r, used) = Response::decode_at_eof(wire, &opts()).unwrap();
    assert_eq!(used, wire.len());
    r
}

fn ranges(r: &Response<'_>) -> Vec<RangeSpec> {
    r.upload_session().unwrap().next_expected_ranges().unwrap().to_vec()
}

#[test]
fn every_valid_example_decodes_reencodes_and_its_prefixes_are_incomplete() {
    let all = files("graph");
    assert_eq!(all.len(), 46);
    for path in all {
        let wire = std::fs::read(&path).unwrap();
        let name = path.display();
        if wire.starts_with(b"HTTP/") {
            let (r, used) = Response::decode_at_eof(&wire, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(used, wire.len(), "{name}");
            assert_eq!(r.to_vec(), wire, "{name}");
            assert_eq!(r.encoded_len(), wire.len(), "{name}");
            assert_eq!(
                Response::decode(&wire).unwrap().0,
                r,
                "{name}: every example has Content-Length or none needed"
            );
            for n in 0..wire.len() {
                assert!(Response::decode(&wire[..n]).unwrap_err().is_incomplete(), "{name}: prefix {n}");
            }
        } else {
            let (r, used) = Request::decode(&wire).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(used, wire.len(), "{name}");
            assert_eq!(r.to_vec(), wire, "{name}");
            assert_eq!(r.encoded_len(), wire.len(), "{name}");
            for n in 0..wire.len() {
                assert!(Request::decode(&wire[..n]).unwrap_err().is_incomplete(), "{name}: prefix {n}");
            }
        }
    }
}

#[test]
fn drive_item_requests() {
    let w = read("drive-create-session-rename.http");
    let r = request(&w);
    assert_eq!(r.operation(), Operation::CreateUploadSession);
    let Some(CreateSessionBody::DriveItem(d)) = r.create_session_body() else { panic!() };
    let item = d.item().unwrap();
    assert_eq!((item.conflict_behavior(), item.name()), (Some(&ConflictBehavior::Rename), Some("largefile.dat")));
    assert_eq!(d.defer_commit(), None);

    let w = read("drive-create-session-defer-commit.http");
    let Some(CreateSessionBody::DriveItem(d)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!(d.defer_commit(), Some(true));
    assert_eq!(d.item().unwrap().name(), None);

    let w = read("drive-create-session-c1-canonical.http");
    let r = request(&w);
    assert_eq!(r.content_length(), Some(93));
    assert_eq!(r.host().unwrap().as_bytes(), b"graph.microsoft.com");

    let w = read("drive-upload-fragment-first-26-bytes.http");
    let r = request(&w);
    assert_eq!(r.operation(), Operation::UploadFragment);
    assert_eq!(r.content_range(), Some(ContentRange::new(0, 25, 128).unwrap()));
    assert_eq!(r.target().as_str(), "https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337");
    assert_eq!(r.body().len(), 26);

    let ops = [
        ("drive-session-status.http", Operation::SessionStatus),
        ("drive-cancel-session.http", Operation::CancelSession),
        ("drive-deferred-commit.http", Operation::Commit),
        ("outlook-cancel-session.http", Operation::CancelSession),
        ("todo-cancel-session.http", Operation::CancelSession),
        ("print-delete-upload-session.http", Operation::CancelSession),
        ("print-upload-fragment-last-10-bytes.http", Operation::UploadFragment),
    ];
    for (name, op) in ops {
        let w = read(name);
        let r = request(&w);
        assert_eq!(r.operation(), op, "{name}");
        assert_eq!(r.create_session_body(), None, "{name}");
    }
}

#[test]
fn attachment_and_print_requests() {
    let w = read("outlook-create-session-message.http");
    let Some(CreateSessionBody::Attachment(a)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!((a.attachment_type(), a.name(), a.size()), (&AttachmentType::File, "flower", 3_483_322));
    assert_eq!((a.is_inline(), a.content_id()), (None, None));

    let w = read("outlook-create-session-inline-picture.http");
    let Some(CreateSessionBody::Attachment(a)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!((a.is_inline(), a.content_id(), a.size()), (Some(true), Some("my_inline_picture"), 7_208_534));

    let w = read("todo-create-session.http");
    let Some(CreateSessionBody::TaskAttachment(a)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!(a.name(), "flower");

    let w = read("print-create-session.http");
    let Some(CreateSessionBody::PrintDocument(p)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!((p.document_name(), p.content_type(), p.size()), ("TestFile.pdf", "application/pdf", 4_533_322));

    let w = read("print-upload-fragment-last-10-bytes.http");
    let r = request(&w);
    let range = r.content_range().unwrap();
    assert!(range.is_last());
    assert_eq!((range.first(), range.len()), (4_533_312, 10));
}

#[test]
fn sessions_and_progress() {
    let w = read("drive-create-session-200.http");
    let r = response(&w);
    let Outcome::SessionCreated(s) = r.outcome() else { panic!() };
    assert_eq!(s.upload_url(), Some("https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337"));
    assert_eq!(s.next_expected_ranges(), None);
    assert_eq!(s.expiration_date_time().unwrap().fraction_digits(), 3);

    let w = read("drive-create-session-200-real-compact.http");
    let r = response(&w);
    assert!(matches!(r.outcome(), Outcome::SessionCreated(_)));
    assert_eq!(ranges(&r), [RangeSpec::open(0)]);
    assert!(r.upload_session().unwrap().odata_context().unwrap().ends_with("oneDrive.uploadSession"));

    let w = read("drive-progress-202-next-26.http");
    assert_eq!(ranges(&response(&w)), [RangeSpec::open(26)]);
    let w = read("drive-progress-202-two-ranges.http");
    let r = response(&w);
    assert!(matches!(r.outcome(), Outcome::InProgress(_)));
    assert_eq!(ranges(&r), [RangeSpec::closed(12345, 55232).unwrap(), RangeSpec::closed(77829, 99375).unwrap()]);
    let w = read("drive-progress-202-c3-canonical.http");
    assert_eq!((response(&w).content_length(), ranges(&response(&w))), (Some(82), vec![RangeSpec::open(983_040)]));

    let w = read("drive-progress-202-no-ranges-2015.http");
    let r = response(&w);
    assert!(matches!(r.outcome(), Outcome::RangesUnknown(_)));
    assert_eq!(r.headers().len(), 10);
    let t = r.upload_session().unwrap().expiration_date_time().unwrap();
    assert_eq!((t.fraction_digits(), t.offset_minutes()), (7, 0));

    let w = read("drive-progress-202-deferred-empty-ranges.http");
    assert!(matches!(response(&w).outcome(), Outcome::AwaitingCommit(_)));
    let w = read("drive-status-200.http");
    assert_eq!(ranges(&response(&w)), [RangeSpec::open(12345)]);

    // A 201 whose body is still a session is progress (OneDrive/onedrive-api-docs#1531).
    let w = read("drive-completed-201-session-body.http");
    let r = response(&w);
    assert_eq!(r.status().as_u16(), 201);
    assert!(matches!(r.outcome(), Outcome::InProgress(_)));
}

#[test]
fn outlook_todo_and_print_answers() {
    let w = read("outlook-create-session-201.http");
    let r = response(&w);
    let Outcome::SessionCreated(s) = r.outcome() else { panic!() };
    assert!(s.upload_url().unwrap().contains("AttachmentSessions('AAMkADI5MAAIT3k0tAAA=')?authtoken="));

    for name in ["outlook-progress-200-pascal-case.http", "todo-progress-200-pascal-case.http"] {
        let w = read(name);
        let r = response(&w);
        assert_eq!(ranges(&r), [RangeSpec::open(2_097_152)], "{name}");
        assert_eq!(r.upload_session().unwrap().expiration_date_time().unwrap().fraction_digits(), 7);
        let set = RangeSet::from_next_expected(3_483_322, &ranges(&r)).unwrap();
        assert_eq!(set.iter().collect::<Vec<_>>(), [(2_097_152, 3_483_321)]);
    }

    for name in ["outlook-completed-201-location.http", "todo-completed-201-location.http"] {
        let w = read(name);
        let r = response(&w);
        let Outcome::CompletedAt(loc) = r.outcome() else { panic!("{name}") };
        assert!(
            loc.as_bytes().ends_with(b"AAMkADI5MAAIT3drCAAABEgAQANAqbAe7qaROhYdTnUQwXm0=')")
                || loc.as_bytes().ends_with(b"AAMkADI5MAAIT3drCAAABEgAQANAqbAe7qaROhYdTnUQwXm0=")
        );
    }

    for name in ["drive-cancel-204.http", "outlook-cancel-204-no-content-lowercase.http", "print-cancel-204.http"] {
        let w = read(name);
        assert_eq!(response(&w).outcome(), Outcome::NoContent, "{name}");
    }

    let w = read("print-create-session-200.http");
    assert_eq!(ranges(&response(&w)), [RangeSpec::closed(0, 4_533_321).unwrap()]);
    let w = read("print-progress-202.http");
    assert_eq!(ranges(&response(&w)), [RangeSpec::closed(72797, 4_533_321).unwrap()]);

    // The doc example whose end equals the total: kept as sent, clamped by the range set.
    let w = read("print-status-200-end-equals-total.http");
    let r = ranges(&response(&w));
    assert_eq!(r[1], RangeSpec::closed(78929, 4_533_322).unwrap());
    let set = RangeSet::from_next_expected(4_533_322, &r).unwrap();
    assert_eq!(set.iter().collect::<Vec<_>>(), [(72797, 72897), (78929, 4_533_321)]);

    let w = read("print-completed-201.http");
    let r = response(&w);
    let Outcome::Completed(item) = r.outcome() else { panic!() };
    assert_eq!((item.id(), item.size()), ("9001bcd9-e36a-4f51-bfc6-140c3ad7f9f7", Some(4_533_322)));
    let w = read("drive-completed-201.http");
    let r = response(&w);
    let Outcome::Completed(item) = r.outcome() else { panic!() };
    assert_eq!((item.id(), item.name(), item.size()), ("912310013A123", Some("largefile.vhd"), Some(128)));
}

#[test]
fn error_bodies() {
    let code = |name: &str| {
        let w = read(name);
        let r = response(&w);
        let Outcome::Failed(Some(e)) = r.outcome() else { panic!("{name}") };
        (e.code().to_owned(), e.most_specific_code().to_owned())
    };
    assert_eq!(code("error-416-fragment-overlap.http"), ("invalidRange".into(), "fragmentOverlap".into()));
    assert_eq!(code("error-416-invalid-range-doc.http"), ("invalidRange".into(), "invalidRange".into()));
    assert_eq!(code("error-401-expired-token.http"), ("unauthenticated".into(), "expiredToken".into()));
    assert_eq!(code("error-401-unauthenticated.http"), ("unauthenticated".into(), "unauthenticated".into()));
    assert_eq!(
        code("error-409-nested-inner-errors.http"),
        ("nameAlreadyExists".into(), "relationshipNameAlreadyExists".into())
    );
    assert_eq!(code("error-429-throttled-retry-after.http"), ("activityLimitReached".into(), "quota".into()));
    assert_eq!(code("error-415-empty-code.http"), (String::new(), String::new()));
    // OneDrive for Business once answered 200 with an error body: an error all the same.
    assert_eq!(code("error-200-odata-verbose.http"), ("invalidRequest".into(), "invalidRequest".into()));

    let w = read("error-429-throttled-retry-after.http");
    let r = response(&w);
    assert_eq!(r.retry_after(), Some(&RetryAfter::Seconds(41)));
    let inner = r.odata_error().unwrap().inner_error().unwrap();
    assert_eq!(inner.date(), Some("2021-11-30T12:17:46"));
    assert_eq!(inner.request_id(), Some("01c3bdb8-0000-0000-0000-000000000000"));
    let w = read("error-416-invalid-range-doc.http");
    assert_eq!(response(&w).odata_error().unwrap().inner_error().unwrap().date(), Some("date-time"));
}

fn invalid(name: &str) -> Vec<u8> {
    read(&format!("invalid/{name}"))
}

fn http_error(e: DecodeError) -> (InvalidKind, usize) {
    let m = e.invalid_message().unwrap_or_else(|| panic!("{e}"));
    (m.kind, m.offset)
}

fn at(wire: &[u8], needle: &str) -> usize {
    wire.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap()
}

#[test]
fn rejects_content_length_that_disagrees_with_the_range() {
    // Doc: `Content-Length: 21` with `bytes 101-127/128` (27 bytes).
    let w = invalid("drive-final-fragment-content-length-21.http");
    let e = Request::decode(&w).unwrap_err();
    assert_eq!(http_error(e), (InvalidKind::ContentLengthMismatch, at(&w, "21\r\n")));
    // Rejected as soon as the head is complete, before the body.
    let head_end = at(&w, "\r\n\r\n") + 4;
    assert!(!Request::decode(&w[..head_end]).unwrap_err().is_incomplete());
}

#[test]
fn rejects_bytes_equals_and_unknown_and_zero_totals() {
    let w = invalid("print-upload-fragment-bytes-equals.http");
    assert_eq!(http_error(Request::decode(&w).unwrap_err()), (InvalidKind::ContentRange, at(&w, "bytes=") + 5));
    let w = invalid("drive-fragment-unknown-total.http");
    assert_eq!(http_error(Request::decode(&w).unwrap_err()), (InvalidKind::ContentRangeUnknownTotal, at(&w, "*")));
    let w = invalid("drive-fragment-zero-total.http");
    assert_eq!(
        http_error(Request::decode(&w).unwrap_err()),
        (InvalidKind::ContentRangeBeyondTotal, at(&w, "0-0/0") + 4)
    );
}

#[test]
fn rejects_the_trailing_comma_bodies() {
    for name in ["drive-409-trailing-comma-v1.0.http", "drive-409-trailing-comma-beta.http"] {
        let w = invalid(name);
        let e = Response::decode(&w).unwrap_err();
        let j = e.json_error().unwrap_or_else(|| panic!("{name}: {e}"));
        assert_eq!(j.kind, JsonErrorKind::Syntax, "{name}");
        // serde_json stops at the `}` after the comma.
        let comma = at(&w, "attribute.\",") + "attribute.\",".len();
        assert!(j.offset > comma && w[j.offset] == b'}', "{name}: {}", j.offset);
    }
}

#[test]
fn the_blank_line_before_location_ends_the_head() {
    // As written in the docs, the empty line after the status line ends the head: what follows
    // is a body without framing, not a `Location` header. It is no completion.
    let w = invalid("outlook-completed-201-blank-line-before-location.http");
    assert!(Response::decode(&w).unwrap_err().is_incomplete());
    let (r, _) = Response::decode_at_eof(&w, &opts()).unwrap();
    assert_eq!(r.location(), None);
    assert_eq!(r.body_kind(), &ResponseBody::Opaque);
    assert_eq!(r.outcome(), Outcome::Unrecognized);
}

/// Requests the official SDKs sent to `test-support/src/bin/graph_server` (`corpus/graph/sdk/`, recorded
/// with `--capture`): @microsoft/microsoft-graph-client 3.0.7 on Node 20 (undici: lower-case
/// names, `sec-fetch-mode`, the query re-encoded as `guid=%27…%27`) and msgraph-core 1.5.2
/// (httpx: mixed-case names, `guid='…'` as Graph wrote it). Each decodes whole to the
/// operation its name says, re-encodes byte for byte, and its strict prefixes are incomplete.
#[test]
fn requests_the_official_sdks_sent() {
    let all = files("graph/sdk");
    assert_eq!(all.len(), 11);
    for path in &all {
        let wire = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let r = request(&wire);
        let expected = if name.contains("create-session") {
            Operation::CreateUploadSession
        } else if name.contains("upload-fragment") {
            Operation::UploadFragment
        } else if name.contains("session-status") {
            Operation::SessionStatus
        } else {
            assert!(name.contains("cancel-session"), "{name}");
            Operation::CancelSession
        };
        assert_eq!(r.operation(), expected, "{name}");
        assert_eq!(r.to_vec(), wire, "{name}");
        for end in 0..wire.len() {
            assert!(matches!(Request::decode(&wire[..end]), Err(DecodeError::Incomplete { .. })), "{name} at {end}");
        }
    }

    let w = read("sdk/js-3.0.7-drive-create-session.http");
    let Some(CreateSessionBody::DriveItem(d)) = request(&w).create_session_body().cloned() else { panic!() };
    let item = d.item().unwrap();
    assert_eq!((item.conflict_behavior(), item.name()), (Some(&ConflictBehavior::Rename), Some("fox.txt")));

    let w = read("sdk/js-3.0.7-outlook-create-session.http");
    let Some(CreateSessionBody::Attachment(a)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!((a.attachment_type(), a.name(), a.size()), (&AttachmentType::File, "fox.txt", 100));

    let w = read("sdk/py-1.5.2-print-create-session.http");
    let Some(CreateSessionBody::PrintDocument(p)) = request(&w).create_session_body().cloned() else { panic!() };
    assert_eq!((p.document_name(), p.content_type(), p.size()), ("fox.pdf", "application/pdf", 100));

    for (file, first, last) in
        [("sdk/js-3.0.7-upload-fragment-last.http", 60, 99), ("sdk/py-1.5.2-upload-fragment-first.http", 0, 59)]
    {
        let w = read(file);
        let r = request(&w);
        let range = r.content_range().unwrap();
        assert_eq!((range.first(), range.last(), range.total()), (first, last, 100), "{file}");
        assert_eq!(r.body().len() as u64, range.len(), "{file}");
    }
}
