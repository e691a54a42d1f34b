//! Zero-copy, proven with a counting global allocator: decoding a Graph progress or status
//! answer allocates nothing but the `nextExpectedRanges` vector (one allocation for up to four
//! ranges, none for `[]` or an absent member); requests and every other answer allocate
//! nothing except one box per nested inner error; encoding into a buffer sized with
//! `encoded_len` allocates nothing. (Counting, not timing: this test cannot be flaky.)

use std::path::Path;

use bits_codec::Decode;
use bits_codec::Encode;
use bits_codec::graph::{DateTimeOffset, ODataError, RangeSpec, Request, Response, ResponseBody, UploadSession};

/// How many allocations (and reallocations) `f` made on this thread: `allocation-counter`
/// replaces the global allocator of this test binary with a counting one.
fn allocations_in(f: impl FnOnce()) -> usize {
    let info = allocation_counter::measure(f);
    usize::try_from(info.count_total).expect("a count that fits")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("corpus/graph");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "http"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    assert_eq!(out.len(), 46);
    out
}

/// What decoding a response may allocate: the range vector, one box per inner error.
fn expected_allocations(r: &Response<'_>) -> usize {
    match r.body_kind() {
        ResponseBody::Session(s) => usize::from(s.next_expected_ranges().is_some_and(|r| !r.is_empty())),
        ResponseBody::Error(e) => inner_errors(e),
        _ => 0,
    }
}

/// Nested inner errors (each one is boxed).
fn inner_errors(e: &ODataError<'_>) -> usize {
    std::iter::successors(e.inner_error(), |i| i.inner_error()).count()
}

#[test]
fn decoding_allocates_only_the_range_vector() {
    let mut sessions_with_ranges = 0;
    for (name, wire) in corpus() {
        if wire.starts_with(b"HTTP/") {
            let (r, _) = Response::decode(&wire).unwrap();
            let expected = expected_allocations(&r);
            sessions_with_ranges += expected.min(1) * usize::from(r.upload_session().is_some());
            let n = allocations_in(|| {
                let (r, used) = Response::decode(&wire).unwrap();
                assert_eq!(used, wire.len());
                std::hint::black_box((r.outcome(), r.headers().iter().count(), r.location(), r.retry_after()));
            });
            assert_eq!(n, expected, "{name}: decoding allocated {n} times");
        } else {
            let n = allocations_in(|| {
                let (r, used) = Request::decode(&wire).unwrap();
                assert_eq!(used, wire.len());
                std::hint::black_box((r.operation(), r.content_range(), r.create_session_body(), r.headers().len()));
            });
            assert_eq!(n, 0, "{name}: decoding allocated {n} times");
        }
    }
    assert!(sessions_with_ranges >= 12, "{sessions_with_ranges}");
}

#[test]
fn a_progress_body_alone_allocates_one_vector() {
    let body = br#"{"expirationDateTime":"2020-10-25T02:19:38.1694207Z","nextExpectedRanges":["72797-72897","78929-4533322"]}"#;
    let n = allocations_in(|| {
        let s = UploadSession::decode(body).unwrap().0;
        assert_eq!(s.next_expected_ranges().unwrap().len(), 2);
        std::hint::black_box(s.expiration_date_time().map(DateTimeOffset::unix_seconds));
    });
    assert_eq!(n, 1);
    // An escape forces a copy of that one string (through serde_json's scratch buffer).
    let body = br#"{"uploadUrl":"https:\/\/h\/up","nextExpectedRanges":[]}"#;
    let n = allocations_in(|| drop(UploadSession::decode(body).unwrap().0));
    assert!((1..=3).contains(&n), "{n}");
}

#[test]
fn encoding_into_a_presized_buffer_allocates_nothing() {
    for (name, wire) in corpus() {
        let mut out = Vec::with_capacity(wire.len());
        let n = if wire.starts_with(b"HTTP/") {
            let (r, _) = Response::decode(&wire).unwrap();
            allocations_in(|| r.encode(&mut out))
        } else {
            let (r, _) = Request::decode(&wire).unwrap();
            allocations_in(|| r.encode(&mut out))
        };
        assert_eq!(n, 0, "{name}: encoding allocated {n} times");
        assert_eq!(out, wire, "{name}");
    }
    let s = UploadSession::new()
        .with_upload_url("https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337")
        .with_expiration_date_time(DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap())
        .with_next_expected_ranges(vec![RangeSpec::open(26), RangeSpec::closed(30, 40).unwrap()]);
    let mut out = Vec::with_capacity(s.encoded_len());
    assert_eq!(allocations_in(|| s.encode(&mut out)), 0);
    assert_eq!(allocations_in(|| assert!(std::hint::black_box(s.encoded_len()) > 0)), 0);
    assert_eq!(out.len(), s.encoded_len());
}
