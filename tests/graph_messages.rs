//! Graph messages: the builders write the canonical examples (C1–C5: create request,
//! fragment, progress, completion, Outlook completion; see `corpus/graph/README.md`) byte for
//! byte; the megabyte-sized doc fragments decode; each class of bad input is rejected with its
//! kind and offset; the `http` crate view applies the same checks.

use bits_codec::graph::{
    CompletedItem, ConflictBehavior, CreateSessionBody, DateTimeOffset, DriveItemSessionRequest,
    DriveItemUploadableProperties, FragmentPlanner, InnerError, JsonErrorKind, ODataError, Operation, Outcome,
    RangeSet, RangeSpec, Request, Response, RetryAfter, UploadSession, Variant,
};
use bits_codec::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};
use bits_codec::limits::MAX_JSON_DEPTH;
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode, InvalidKind, PartsLocation, ValidationError};
use bits_codec_test_support::json_failure::JsonFailureExt;

fn fv(s: &str) -> FieldValue<'_> {
    FieldValue::new(s).unwrap()
}

fn status(n: u16) -> Status {
    Status::new(n).unwrap()
}

fn http_kind(e: DecodeError) -> (InvalidKind, usize) {
    let m = e.invalid_message().unwrap_or_else(|| panic!("{e}"));
    (m.kind, m.offset)
}

fn at(wire: &[u8], needle: &str) -> usize {
    wire.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Canonical examples
// ---------------------------------------------------------------------------------------------

#[test]
fn c1_create_session_is_written_byte_for_byte() {
    let body = CreateSessionBody::DriveItem(
        DriveItemSessionRequest::new()
            .with_item(
                DriveItemUploadableProperties::new()
                    .with_conflict_behavior(ConflictBehavior::Replace)
                    .with_name("big.bin"),
            )
            .with_defer_commit(false),
    );
    let target = RequestTarget::new("/v1.0/me/drive/root:/Documents/big.bin:/createUploadSession").unwrap();
    let req = Request::create_upload_session(target, Some(body))
        .unwrap()
        .with_host(fv("graph.microsoft.com"))
        .with_header(FieldName::new("Authorization").unwrap(), fv("Bearer <token>"))
        .unwrap();
    let golden =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/graph/drive-create-session-c1-canonical.http"))
            .unwrap();
    assert_eq!(req.to_vec(), golden);
    assert_eq!(Request::decode(&golden).unwrap().0, req);
}

#[test]
fn c2_and_c4_fragments_of_a_ten_million_byte_file() {
    let file: Vec<u8> = (0..10_000_000u32).map(|i| (i % 251) as u8).collect();
    let planner = FragmentPlanner::new(Variant::DriveItem, 983_040).unwrap();
    let plan: Vec<_> = planner.plan(&RangeSet::new(10_000_000).unwrap()).collect();
    let url = RequestTarget::new("/up/fe6987415ace7X4e1eF866337").unwrap();
    let put = |r: ContentRange| {
        let body = &file[r.first() as usize..=r.last() as usize];
        Request::upload_fragment(url.clone(), r, body).unwrap().with_host(fv("sn3302.up.1drv.com"))
    };
    let first = put(plan[0]);
    let wire = first.to_vec();
    let head = b"PUT /up/fe6987415ace7X4e1eF866337 HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\nContent-Length: 983040\r\n\
                 Content-Range: bytes 0-983039/10000000\r\nContent-Type: application/octet-stream\r\n\r\n";
    assert!(wire.starts_with(head));
    assert_eq!(wire.len(), head.len() + 983_040);
    let mut only_head = Vec::new();
    first.encode_head(&mut only_head);
    assert_eq!(only_head, head);
    let last = put(plan[10]);
    assert!(
        last.to_vec()
            .windows(60)
            .any(|w| w.starts_with(b"Content-Length: 169600\r\nContent-Range: bytes 9830400-9999999"))
    );
    for r in [first, last] {
        let wire = r.to_vec();
        assert_eq!(Request::decode(&wire).unwrap(), (r, wire.len()));
    }
}

#[test]
fn c3_progress_and_c5_outlook_completion() {
    let s = UploadSession::new()
        .with_expiration_date_time(DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap())
        .with_next_expected_ranges(vec![RangeSpec::open(983_040)]);
    let r = Response::session(status(202), s).unwrap();
    let golden =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/graph/drive-progress-202-c3-canonical.http"))
            .unwrap();
    assert_eq!(r.to_vec(), golden);

    let loc = "https://outlook.office.com/api/v2.0/Users('a8e8e219-4931-95c1-b73d-62626fd79c32@72aa88bf-76f0-494f-91ab-2d7cd730db47')/Messages('AAMkADI5MAAIT3drCAAA=')/Attachments('AAMkADI5MAAIT3drCAAABEgAQANAqbAe7qaROhYdTnUQwXm0=')";
    let golden =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/graph/outlook-completed-201-location.http"))
            .unwrap();
    assert_eq!(Response::created_at(fv(loc)).to_vec(), golden);
    let golden = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/graph/drive-cancel-204.http")).unwrap();
    assert_eq!(Response::no_content().to_vec(), golden);
}

#[test]
fn outlook_doc_fragments_of_two_and_one_point_three_mebibytes() {
    let url = "https://outlook.office.com/api/v2.0/Users('a8e8e219-4931-95c1-b73d-62626fd79c32@72aa88bf-76f0-494f-91ab-2d7cd730db47')/Messages('AAMkADI5MAAIT3drCAAA=')/AttachmentSessions('AAMkADI5MAAIT3k0tAAA=')?authtoken=eyJhbGciOiJSUzI1NiIsImtpZCI6IktmYUNIUlN6bllHMmNI";
    for (cl, range) in [(2_097_152usize, "bytes 0-2097151/3483322"), (1_386_170, "bytes 2097152-3483321/3483322")] {
        let mut wire = format!(
            "PUT {url} HTTP/1.1\r\nHost: outlook.office.com\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {cl}\r\nContent-Range: {range}\r\n\r\n"
        )
        .into_bytes();
        wire.resize(wire.len() + cl, 0xA5);
        let (r, used) = Request::decode(&wire).unwrap();
        assert_eq!((used, r.operation(), r.body().len()), (wire.len(), Operation::UploadFragment, cl));
        assert!(Variant::OutlookAttachment.allows(r.content_range().unwrap()));
        assert!(!Variant::DriveItem.allows(r.content_range().unwrap()) || r.content_range().unwrap().is_last());
        assert_eq!(r.to_vec(), wire);
    }
}

#[test]
fn ten_gibibyte_ranges_need_64_bits() {
    let r = ContentRange::new(10_732_175_360, 10_737_418_239, 10_737_418_240).unwrap();
    let wire = format!(
        "PUT /up/x HTTP/1.1\r\nContent-Length: {}\r\nContent-Range: bytes 10732175360-10737418239/10737418240\r\n\r\n",
        r.len()
    );
    // The head alone: the body is 5 MiB and not needed to see the range.
    let e = Request::decode(wire.as_bytes()).unwrap_err();
    assert_eq!(e, DecodeError::Incomplete { needed: std::num::NonZeroUsize::new(5_242_880) });
    let set = RangeSet::from_next_expected(10_737_418_240, &[RangeSpec::open(10_732_175_360)]).unwrap();
    assert_eq!(FragmentPlanner::for_variant(Variant::DriveItem).next_fragment(&set), Some(r));
}

// ---------------------------------------------------------------------------------------------
// Rejections (each class once, with its offset)
// ---------------------------------------------------------------------------------------------

#[test]
fn rejects_framing_problems_of_fragments() {
    let w = b"PUT /up/x HTTP/1.1\r\nContent-Range: bytes 0-2/3\r\n\r\nabc";
    assert_eq!(
        http_kind(Request::decode(w).unwrap_err()),
        (InvalidKind::MissingHeader("Content-Length"), at(w, "\r\n\r\n") + 2)
    );
    let w = b"PUT /up/x HTTP/1.1\r\nContent-Range: bytes 0-2/3\r\nContent-Range: bytes 0-2/4\r\nContent-Length: 3\r\n\r\nabc";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()), (InvalidKind::ConflictingHeader("Content-Range"), 48));
    let w =
        b"PUT /up/x HTTP/1.1\r\nContent-Length: 3\r\nContent-Range: bytes 0-2/3\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()).0, InvalidKind::TransferEncoding);
    let w = b"PUT /up/x HTTP/1.1\r\nContent-Length: 3\r\nContent-Range: bytes 2-0/3\r\n\r\nabc";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()), (InvalidKind::ContentRangeOrder, at(w, "0/3")));
    let w = b"PUT /up/x HTTP/1.1\r\nContent-Length: +3\r\nContent-Range: bytes 0-2/3\r\n\r\nabc";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()).0, InvalidKind::Number("Content-Length"));
}

#[test]
fn rejects_bodies_on_status_and_cancel_and_bad_versions() {
    let w = b"GET /up/x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()), (InvalidKind::BodyNotAllowed, at(w, "2\r\n")));
    let w = b"DELETE /up/x HTTP/1.1\r\nContent-Length: 1\r\n\r\nx";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()).0, InvalidKind::BodyNotAllowed);
    let w = b"GET /up/x HTTP/1.0\r\n\r\n";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()), (InvalidKind::HttpVersion, 10));
    let lenient = DecodeOptions::default().allow_http10(true);
    assert!(Request::decode_with(w, &lenient).is_ok());
    let w = b"HTTP/1.1 200 OK\r\nRetry-After: 4x\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(http_kind(Response::decode(w).unwrap_err()), (InvalidKind::Number("Retry-After"), at(w, "x")));
    let w = b"HTTP/1.1 201 Created\r\nLocation: a\r\nLocation: b\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(http_kind(Response::decode(w).unwrap_err()), (InvalidKind::ConflictingHeader("Location"), 35));
    let w = b"GET /up/x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n";
    assert_eq!(http_kind(Request::decode(w).unwrap_err()).0, InvalidKind::DuplicateHeader("Host"));
}

#[test]
fn json_errors_point_into_the_message() {
    let body = r#"{"AttachmentItem":{"attachmentType":"file","name":"flower","size":"3483322"}}"#;
    let w = format!(
        "POST /me/messages/1/attachments/createUploadSession HTTP/1.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let e = Request::decode(w.as_bytes()).unwrap_err();
    let j = e.json_error().unwrap();
    assert_eq!(j.kind, JsonErrorKind::Type("size"));
    assert!(j.offset > at(w.as_bytes(), "\"size\"") && j.offset <= w.len(), "{}", j.offset);

    let body = r#"{"nextExpectedRanges":["0-","26-5"]}"#;
    let w = format!(
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let j = Response::decode(w.as_bytes()).unwrap_err().json_error().unwrap();
    assert_eq!((j.kind, j.offset), (JsonErrorKind::RangeOrder, at(w.as_bytes(), "26-5") + 3));

    let body = r#"{"expirationDateTime":"2019-11-21T13:57:37"}"#;
    let w =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    let j = Response::decode(w.as_bytes()).unwrap_err().json_error().unwrap();
    assert_eq!((j.kind, j.offset), (JsonErrorKind::DateTime, at(w.as_bytes(), "2019") + 19));
}

#[test]
fn bounded_nesting_before_serde() {
    let deep = format!("{}{}", "[".repeat(MAX_JSON_DEPTH + 1), "]".repeat(MAX_JSON_DEPTH + 1));
    let w =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{deep}", deep.len());
    let j = Response::decode(w.as_bytes()).unwrap_err().json_error().unwrap();
    assert_eq!((j.kind, j.offset), (JsonErrorKind::TooDeep, at(w.as_bytes(), "[") + MAX_JSON_DEPTH));
    // A million brackets: refused by the scan, no recursion.
    let huge = "[".repeat(1_000_000);
    assert_eq!(UploadSession::decode(huge.as_bytes()).unwrap_err().json_error().unwrap().kind, JsonErrorKind::TooDeep);
    // A nested error inside the limit is fine.
    let mut inner = InnerError::new().with_code("c0");
    for i in 1..10 {
        inner = InnerError::new().with_code(format!("c{i}")).with_inner_error(inner);
    }
    let e = ODataError::with_code("top").with_inner_error(inner);
    assert_eq!(ODataError::decode(&e.to_vec()).unwrap().0.most_specific_code(), "c0");
}

#[test]
fn non_json_bodies_are_kept_opaque() {
    let w = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>";
    let (r, _) = Response::decode(w).unwrap();
    assert_eq!(r.outcome(), Outcome::Failed(None));
    // A JSON Content-Type with non-JSON bytes is an error, not "opaque".
    let w = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 6\r\n\r\n<html>";
    assert_eq!(Response::decode(w).unwrap_err().json_error().unwrap().kind, JsonErrorKind::Syntax);
}

// ---------------------------------------------------------------------------------------------
// Builders refuse what would not decode as built
// ---------------------------------------------------------------------------------------------

#[test]
fn builders_refuse_values_that_would_not_round_trip() {
    let t = |s| RequestTarget::new(s).unwrap();
    assert_eq!(Request::create_upload_session(t("/up/x"), None).unwrap_err(), ValidationError::RequestTarget);
    assert_eq!(Request::commit(t("/a/createUploadSession")).unwrap_err(), ValidationError::RequestTarget);
    let r = ContentRange::new(0, 1, 2).unwrap();
    assert_eq!(Request::upload_fragment(t("/up/x"), r, &b"a"[..]).unwrap_err(), ValidationError::BodyLength);
    let get = Request::session_status(t("/up/x"));
    for name in ["content-length", "Content-Range", "CONTENT-TYPE", "Transfer-Encoding", "Host"] {
        let e = get.clone().with_header(FieldName::new(name).unwrap(), fv("1")).unwrap_err();
        assert!(matches!(e, ValidationError::ReservedHeader(_)), "{name}");
    }
    assert_eq!(Response::session(status(204), UploadSession::new()).unwrap_err(), ValidationError::StatusCode);
    let mut resp = Response::no_content();
    for i in 0..200 {
        match resp.clone().with_header(FieldName::new(format!("X-{i}")).unwrap(), fv("v")) {
            Ok(r) => resp = r,
            Err(e) => {
                assert_eq!(e, ValidationError::TooManyHeaders);
                break;
            }
        }
    }
    assert_eq!(resp.headers().len(), 100);
    assert!(Response::decode(&resp.to_vec()).is_ok());
}

#[test]
fn extra_headers_go_after_host_and_before_managed_ones() {
    let r = Response::error(status(429), ODataError::new("activityLimitReached", "throttled"))
        .unwrap()
        .with_retry_after(RetryAfter::Seconds(41))
        .with_header(FieldName::new("request-id").unwrap(), fv("r1"))
        .unwrap();
    let names: Vec<_> = r.headers().iter().map(|f| f.name).collect();
    assert_eq!(names, ["request-id", "Retry-After", "Content-Type", "Content-Length"]);
    let wire = r.to_vec();
    let (back, _) = Response::decode(&wire).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.retry_after(), Some(&RetryAfter::Seconds(41)));
    let d = Response::no_content().with_retry_after(RetryAfter::Date(fv("Wed, 21 Oct 2015 07:28:00 GMT")));
    assert_eq!(Response::decode(&d.to_vec()).unwrap().0, d);
}

#[test]
fn full_drive_item_json_kept_byte_for_byte() {
    let body = br#"{"id":"912310013A123","name":"largefile.vhd","size":128,"file":{"hashes":{"sha1Hash":"x"}},"parentReference":{"driveId":"d"}}"#;
    let r = Response::json(status(200), body).unwrap();
    assert!(matches!(r.outcome(), Outcome::Completed(i) if i.name() == Some("largefile.vhd")));
    assert_eq!(r.body(), body);
    let wire = r.to_vec();
    assert_eq!(Response::decode(&wire).unwrap(), (r, wire.len()));
    let c = Response::completed(status(201), CompletedItem::new("1").with_size(5)).unwrap();
    assert_eq!(c.body(), br#"{"id":"1","size":5}"#);
}

// ---------------------------------------------------------------------------------------------
// http crate interop
// ---------------------------------------------------------------------------------------------

#[test]
fn http_parts_get_the_byte_decoders_checks() {
    let opts = DecodeOptions::default();
    let body = br#"{"item":{"@microsoft.graph.conflictBehavior":"rename"}}"#;
    let (parts, ()) = http::Request::builder()
        .method("POST")
        .uri("https://graph.microsoft.com/v1.0/me/drive/root:/f.bin:/createUploadSession")
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(())
        .unwrap()
        .into_parts();
    let r = Request::from_http_parts(&parts, body, &opts).unwrap();
    assert_eq!(r.operation(), Operation::CreateUploadSession);
    assert!(matches!(r.create_session_body(), Some(CreateSessionBody::DriveItem(_))));
    let back = r.to_http().unwrap();
    assert_eq!(back.uri(), &parts.uri);
    assert_eq!(back.headers(), &parts.headers);

    // The same JSON error as from bytes, offset within the body.
    let bad = br#"{"item":{"fileSize":"big"}}"#;
    let (parts, ()) = http::Request::builder()
        .method("POST")
        .uri("/me/drive/root:/f.bin:/createUploadSession")
        .header("content-length", bad.len())
        .body(())
        .unwrap()
        .into_parts();
    let e = Request::from_http_parts(&parts, bad, &opts).unwrap_err();
    assert_eq!(e.kind, InvalidKind::Json(JsonErrorKind::Type("fileSize")));
    // The error names a byte of the body, where the same body inside a message points too.
    let wire =
        [b"POST /me/drive/root:/f.bin:/createUploadSession HTTP/1.1\r\nContent-Length: 27\r\n\r\n".as_slice(), bad]
            .concat();
    let from_bytes = Request::decode(&wire).unwrap_err().json_error().unwrap().offset;
    assert_eq!(e.location, PartsLocation::BodyByte(from_bytes - (wire.len() - bad.len())));

    let (parts, ()) = http::Request::builder()
        .method("PUT")
        .uri("/up/x")
        .header("content-length", "3")
        .header("content-range", "bytes 0-3/10")
        .body(())
        .unwrap()
        .into_parts();
    assert_eq!(Request::from_http_parts(&parts, b"abc", &opts).unwrap_err().kind, InvalidKind::ContentLengthMismatch);

    let s = UploadSession::new().with_next_expected_ranges(vec![RangeSpec::open(26)]);
    let resp = Response::session(status(202), s).unwrap();
    let (parts, ()) = resp.to_http().unwrap().into_parts();
    let again = Response::from_http_parts(&parts, resp.body(), &opts).unwrap();
    assert_eq!(again.upload_session(), resp.upload_session());
    // `http` lower-cases header names.
    let lower = |r: &Response<'_>| {
        r.headers().iter().map(|f| (f.name.to_ascii_lowercase(), f.value.to_vec())).collect::<Vec<_>>()
    };
    assert_eq!(lower(&again), lower(&resp));
    let (parts, ()) = http::Response::builder().status(204).body(()).unwrap().into_parts();
    let e = Response::from_http_parts(&parts, b"x", &opts).unwrap_err();
    assert_eq!((e.kind, e.location), (InvalidKind::BodyNotAllowed, PartsLocation::Body));
}

#[test]
fn an_upload_fragment_head_and_the_bytes_after_it_are_the_whole_put() {
    let url = RequestTarget::new("https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337").unwrap();
    let body: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    for (first, len, total) in [(0, 1, 1), (0, 1000, 1000), (7, 993, 1000), (999_999_000, 1000, 10_000_000_000)] {
        let range = ContentRange::from_len(first, len, total).unwrap();
        let bytes = &body[..len as usize];
        let host = fv("sn3302.up.1drv.com");
        let auth = (FieldName::new("Authorization").unwrap(), fv("Bearer t"));
        let whole = Request::upload_fragment(url.clone(), range, bytes)
            .unwrap()
            .with_host(host.clone())
            .with_header(auth.0.clone(), auth.1.clone())
            .unwrap();
        let head =
            Request::upload_fragment_head(url.clone(), range).with_host(host).with_header(auth.0, auth.1).unwrap();
        assert_eq!(head.content_range(), range);
        assert_eq!(head.encoded_len(), head.to_vec().len());
        assert_eq!([head.to_vec(), bytes.to_vec()].concat(), whole.to_vec(), "{range}");
    }
}
