//! Property tests of the Graph half.
//!
//! Values are built through the public constructors only. For every body and message type:
//! `decode(encode(x)) == x`, the decoder consumes exactly `encoded_len(x)` bytes, re-encoding
//! is byte-identical, and every strict prefix of a message is `Incomplete`. Keys in any ASCII
//! case decode to the same value. The range set and fragment planner cover every missing byte
//! once, in order, in fragments the variant accepts. Arbitrary bytes never panic a decoder.

use bits_codec::graph::{
    AttachmentItem, AttachmentType, CompletedItem, ConflictBehavior, CreateSessionBody, DRIVE_ITEM_FRAGMENT_MULTIPLE,
    DateTimeOffset, DriveItemSessionRequest, DriveItemUploadableProperties, FileSystemInfo, FragmentPlanner,
    InnerError, ODataError, PrintDocumentUploadProperties, RangeSet, RangeSpec, Request, Response, ResponseBody,
    RetryAfter, UploadSession, Variant, is_create_upload_session_target,
};
use bits_codec::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};
use bits_codec::{Decode, DecodeOptions, Encode};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256);
    ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases) }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Any text: quotes, backslashes, control characters and non-ASCII included (JSON escapes them).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[a-zA-Z0-9 ._'()@=?&/:-]{0,24}", 1 => any::<String>()]
}

fn date() -> BoxedStrategy<DateTimeOffset<'static>> {
    let zone = prop_oneof![
        Just("Z".to_owned()),
        (any::<bool>(), 0u32..24, 0u32..60)
            .prop_map(|(neg, h, m)| { format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' }) })
    ];
    (1000u32..=9999, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, option::of("[0-9]{1,12}"), zone)
        .prop_map(|(y, mo, d, h, mi, s, frac, zone)| {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            DateTimeOffset::new(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")).unwrap()
        })
        .boxed()
}

fn range_spec() -> impl Strategy<Value = RangeSpec> {
    prop_oneof![
        any::<u64>().prop_map(RangeSpec::open),
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| RangeSpec::closed(a.min(b), a.max(b)).unwrap()),
    ]
}

fn session() -> BoxedStrategy<UploadSession<'static>> {
    (option::of(text()), option::of(text()), option::of(date()), option::of(vec(range_spec(), 0..4)))
        .prop_map(|(ctx, url, exp, ranges)| {
            let mut s = UploadSession::new();
            if let Some(c) = ctx {
                s = s.with_odata_context(c);
            }
            if let Some(u) = url {
                s = s.with_upload_url(u);
            }
            if let Some(e) = exp {
                s = s.with_expiration_date_time(e);
            }
            if let Some(r) = ranges {
                s = s.with_next_expected_ranges(r);
            }
            s
        })
        .boxed()
}

fn inner_error() -> BoxedStrategy<InnerError<'static>> {
    let leaf = (option::of(text()), option::of(text()), option::of(text()), option::of(text()), option::of(text()))
        .prop_map(|(code, msg, rid, crid, date)| {
            let mut i = InnerError::new();
            if let Some(v) = code {
                i = i.with_code(v);
            }
            if let Some(v) = msg {
                i = i.with_message(v);
            }
            if let Some(v) = rid {
                i = i.with_request_id(v);
            }
            if let Some(v) = crid {
                i = i.with_client_request_id(v);
            }
            if let Some(v) = date {
                i = i.with_date(v);
            }
            i
        });
    leaf.prop_recursive(4, 8, 1, |inner| {
        (inner, option::of(text())).prop_map(|(i, code)| {
            let outer = InnerError::new().with_inner_error(i);
            match code {
                Some(c) => outer.with_code(c),
                None => outer,
            }
        })
    })
    .boxed()
}

fn odata_error() -> BoxedStrategy<ODataError<'static>> {
    (text(), option::of(text()), option::of(inner_error()))
        .prop_map(|(code, msg, inner)| {
            let e = match msg {
                Some(m) => ODataError::new(code, m),
                None => ODataError::with_code(code),
            };
            match inner {
                Some(i) => e.with_inner_error(i),
                None => e,
            }
        })
        .boxed()
}

fn conflict() -> impl Strategy<Value = ConflictBehavior<'static>> {
    prop_oneof![
        Just(ConflictBehavior::Fail),
        Just(ConflictBehavior::Replace),
        Just(ConflictBehavior::Rename),
        "[a-z]{1,8}".prop_map(|s| ConflictBehavior::from(s.as_str()).into_owned()),
    ]
}

fn attachment() -> BoxedStrategy<AttachmentItem<'static>> {
    let kind = prop_oneof![Just("file"), Just("item"), Just("reference"), Just("other")]
        .prop_map(|k| AttachmentType::from(k).into_owned());
    (kind, text(), any::<u64>(), option::of(text()), option::of(any::<bool>()), option::of(text()))
        .prop_map(|(k, name, size, ct, inline, cid)| {
            let mut a = AttachmentItem::new(k, name, size);
            if let Some(v) = ct {
                a = a.with_content_type(v);
            }
            if let Some(v) = inline {
                a = a.with_is_inline(v);
            }
            if let Some(v) = cid {
                a = a.with_content_id(v);
            }
            a
        })
        .boxed()
}

fn create_body() -> BoxedStrategy<CreateSessionBody<'static>> {
    let fs = (option::of(date()), option::of(date()), option::of(date())).prop_map(|(c, a, m)| {
        let mut f = FileSystemInfo::new();
        if let Some(v) = c {
            f = f.with_created_date_time(v);
        }
        if let Some(v) = a {
            f = f.with_last_accessed_date_time(v);
        }
        if let Some(v) = m {
            f = f.with_last_modified_date_time(v);
        }
        f
    });
    let item =
        (option::of(conflict()), option::of(text()), option::of(text()), option::of(any::<u64>()), option::of(fs))
            .prop_map(|(cb, name, desc, size, fs)| {
                let mut i = DriveItemUploadableProperties::new();
                if let Some(v) = cb {
                    i = i.with_conflict_behavior(v);
                }
                if let Some(v) = name {
                    i = i.with_name(v);
                }
                if let Some(v) = desc {
                    i = i.with_description(v);
                }
                if let Some(v) = size {
                    i = i.with_file_size(v);
                }
                if let Some(v) = fs {
                    i = i.with_file_system_info(v);
                }
                i
            });
    let drive = (option::of(item), option::of(any::<bool>())).prop_map(|(item, defer)| {
        let mut d = DriveItemSessionRequest::new();
        if let Some(i) = item {
            d = d.with_item(i);
        }
        if let Some(v) = defer {
            d = d.with_defer_commit(v);
        }
        CreateSessionBody::DriveItem(d)
    });
    prop_oneof![
        drive,
        attachment().prop_map(CreateSessionBody::Attachment),
        attachment().prop_map(CreateSessionBody::TaskAttachment),
        (text(), text(), any::<u64>())
            .prop_map(|(n, t, s)| CreateSessionBody::PrintDocument(PrintDocumentUploadProperties::new(n, t, s))),
    ]
    .boxed()
}

fn completed_item() -> BoxedStrategy<CompletedItem<'static>> {
    (text(), option::of(text()), option::of(any::<u64>()))
        .prop_map(|(id, name, size)| {
            let mut i = CompletedItem::new(id);
            if let Some(n) = name {
                i = i.with_name(n);
            }
            if let Some(s) = size {
                i = i.with_size(s);
            }
            i
        })
        .boxed()
}

fn target() -> impl Strategy<Value = RequestTarget<'static>> {
    prop_oneof![
        "/up/[!-~]{1,40}",
        "https://[a-z0-9]{1,10}\\.sharepoint\\.com/_api/v2\\.0/drives/[a-z]{1,5}/items/[a-z]{1,5}/uploadSession\\?guid='[0-9a-f]{8}'&tempauth=[!-~]{0,30}",
        "https://outlook\\.office\\.com/api/v2\\.0/Users\\('[a-z@.-]{1,20}'\\)/Messages\\('[A-Za-z0-9=]{1,12}'\\)/AttachmentSessions\\('[A-Za-z0-9=]{1,12}'\\)\\?authtoken=[A-Za-z0-9]{1,20}",
    ]
    .prop_map(|s| RequestTarget::new(s).unwrap())
}

fn create_target() -> impl Strategy<Value = RequestTarget<'static>> {
    prop_oneof![
        "/v1\\.0/me/drive/root:/[a-zA-Z0-9._-]{1,20}:/createUploadSession",
        "https://graph\\.microsoft\\.com/v1\\.0/me/messages/[A-Za-z0-9=]{1,20}/attachments/createUploadSession",
        "/print/printers/[a-z0-9]{1,8}/jobs/[a-z0-9]{1,8}/documents/[a-z0-9]{1,8}/createUploadSession",
    ]
    .prop_map(|s| RequestTarget::new(s).unwrap())
}

fn field_value() -> impl Strategy<Value = FieldValue<'static>> {
    "[!-~]([ -~]{0,30}[!-~])?".prop_map(|s| FieldValue::new(s).unwrap())
}

fn extra_headers() -> impl Strategy<Value = Vec<(FieldName<'static>, FieldValue<'static>)>> {
    vec(("[A-Za-z][A-Za-z0-9-]{0,16}".prop_map(|s| FieldName::new(s).unwrap()), field_value()), 0..4)
}

fn fragment() -> impl Strategy<Value = (ContentRange, Vec<u8>)> {
    (1u64..100_000_000_000, any::<prop::sample::Index>(), vec(any::<u8>(), 1..64)).prop_map(|(total, at, body)| {
        let len = (body.len() as u64).min(total);
        let first = at.index((total - len + 1) as usize) as u64;
        (ContentRange::from_len(first, len, total).unwrap(), body[..len as usize].to_vec())
    })
}

fn request() -> BoxedStrategy<Request<'static>> {
    let base = prop_oneof![
        (create_target(), option::of(create_body())).prop_map(|(t, b)| Request::create_upload_session(t, b).unwrap()),
        (target(), fragment()).prop_map(|(t, (r, b))| Request::upload_fragment(t, r, b).unwrap()),
        target().prop_map(Request::session_status),
        target().prop_map(Request::cancel_session),
        target().prop_filter_map("a commit target", |t| Request::commit(t).ok()),
    ];
    (base, option::of(field_value()), extra_headers())
        .prop_map(|(mut r, host, extra)| {
            if let Some(h) = host {
                r = r.with_host(h);
            }
            for (n, v) in extra {
                if let Ok(next) = r.clone().with_header(n, v) {
                    r = next;
                }
            }
            r
        })
        .boxed()
}

fn body_status() -> impl Strategy<Value = Status> {
    (200u16..=599).prop_filter("has a body", |s| *s != 204 && *s != 304).prop_map(|s| Status::new(s).unwrap())
}

fn response() -> BoxedStrategy<Response<'static>> {
    let base = prop_oneof![
        (body_status(), session()).prop_map(|(s, b)| Response::session(s, b).unwrap()),
        (body_status(), odata_error()).prop_map(|(s, e)| Response::error(s, e).unwrap()),
        (body_status(), completed_item()).prop_map(|(s, i)| Response::completed(s, i).unwrap()),
        field_value().prop_map(Response::created_at),
        Just(Response::no_content()),
    ];
    let retry = prop_oneof![
        any::<u64>().prop_map(RetryAfter::Seconds),
        Just(RetryAfter::Date(FieldValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"))),
    ];
    (base, option::of(retry), extra_headers())
        .prop_map(|(mut r, retry, extra)| {
            if let Some(v) = retry {
                r = r.with_retry_after(v);
            }
            for (n, v) in extra {
                if let Ok(next) = r.clone().with_header(n, v) {
                    r = next;
                }
            }
            r
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/// Flip the case of the ASCII letters of every member name in compact JSON (keys are the
/// strings followed by `:`), as Outlook, To Do and 21Vianet do.
fn recase_keys(json: &[u8], flips: &[bool]) -> Vec<u8> {
    let mut out = json.to_vec();
    let mut i = 0;
    let mut k = 0;
    while i < out.len() {
        if out[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < out.len() && out[j] != b'"' {
                j += if out[j] == b'\\' { 2 } else { 1 };
            }
            if out.get(j + 1) == Some(&b':') {
                for b in &mut out[start..j] {
                    if b.is_ascii_alphabetic() && flips[k % flips.len()] {
                        *b ^= 0x20;
                    }
                    k += 1;
                }
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn upload_sessions_round_trip(s in session(), flips in vec(any::<bool>(), 1..8)) {
        let v = s.to_vec();
        prop_assert_eq!(v.len(), s.encoded_len());
        prop_assert_eq!(&UploadSession::decode(&v).unwrap().0, &s);
        let recased = recase_keys(&v, &flips);
        prop_assert_eq!(&UploadSession::decode(&recased).unwrap().0, &s);
    }

    #[test]
    fn odata_errors_round_trip(e in odata_error(), flips in vec(any::<bool>(), 1..8)) {
        let v = e.to_vec();
        prop_assert_eq!(v.len(), e.encoded_len());
        prop_assert_eq!(&ODataError::decode(&v).unwrap().0, &e);
        let recased = recase_keys(&v, &flips);
        prop_assert_eq!(&ODataError::decode(&recased).unwrap().0, &e);
    }

    #[test]
    fn create_bodies_round_trip(b in create_body(), flips in vec(any::<bool>(), 1..8)) {
        let v = b.to_vec();
        prop_assert_eq!(v.len(), b.encoded_len());
        prop_assert_eq!(&CreateSessionBody::decode(&v).unwrap().0, &b);
        let recased = recase_keys(&v, &flips);
        prop_assert_eq!(&CreateSessionBody::decode(&recased).unwrap().0, &b);
    }

    #[test]
    fn completed_items_round_trip(i in completed_item()) {
        let v = i.to_vec();
        prop_assert_eq!(v.len(), i.encoded_len());
        prop_assert_eq!(ResponseBody::decode(&v).unwrap().0, ResponseBody::Item(i));
    }

    #[test]
    fn range_items_round_trip(r in range_spec()) {
        prop_assert_eq!(r.to_string().parse::<RangeSpec>().unwrap(), r);
        if r.is_open() {
            prop_assert_eq!(r.start().to_string().parse::<RangeSpec>().unwrap(), r);
        }
    }

    #[test]
    fn timestamps_keep_their_fields(d in date()) {
        let again = DateTimeOffset::new(d.as_str().to_owned()).unwrap();
        prop_assert_eq!(&again, &d);
        let s = d.as_str();
        prop_assert_eq!(d.year(), s[..4].parse::<u32>().unwrap());
        prop_assert_eq!(d.second(), s[17..19].parse::<u32>().unwrap());
        // The offset moves the instant: local time minus offset is UTC.
        let naive = DateTimeOffset::new(format!("{}Z", &s[..19])).unwrap().unix_seconds();
        prop_assert_eq!(d.unix_seconds(), naive - i64::from(d.offset_minutes()) * 60);
    }

    // -----------------------------------------------------------------------------------------
    // Messages
    // -----------------------------------------------------------------------------------------

    #[test]
    fn requests_round_trip_and_prefixes_are_incomplete(r in request()) {
        let wire = r.to_vec();
        prop_assert_eq!(wire.len(), r.encoded_len());
        let (back, used) = Request::decode(&wire).unwrap();
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_vec(), wire.clone());
        prop_assert_eq!(back.clone().into_owned(), back);
        for n in 0..wire.len() {
            prop_assert!(Request::decode(&wire[..n]).unwrap_err().is_incomplete(), "prefix {}", n);
        }
        let mut longer = wire.clone();
        longer.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
        prop_assert_eq!(Request::decode(&longer).unwrap().1, wire.len());
    }

    #[test]
    fn responses_round_trip_and_prefixes_are_incomplete(r in response()) {
        let wire = r.to_vec();
        prop_assert_eq!(wire.len(), r.encoded_len());
        let (back, used) = Response::decode(&wire).unwrap();
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.outcome(), r.outcome());
        prop_assert_eq!(back.to_vec(), wire.clone());
        for n in 0..wire.len() {
            prop_assert!(Response::decode(&wire[..n]).unwrap_err().is_incomplete(), "prefix {}", n);
        }
    }

    #[test]
    fn shrinking_content_length_never_frames_a_different_fragment(
        (range, body) in fragment(),
        cut in 1u64..8,
    ) {
        let r = Request::upload_fragment(RequestTarget::new("/up/x").unwrap(), range, body).unwrap();
        let wire = String::from_utf8_lossy(&r.to_vec()).into_owned();
        let shorter = wire.replacen(&format!("Content-Length: {}", range.len()), &format!("Content-Length: {}", range.len().saturating_sub(cut)), 1);
        prop_assert!(Request::decode(shorter.as_bytes()).unwrap_err().invalid_message().is_some());
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..512)) {
        let opts = DecodeOptions::default().allow_bare_lf(true).allow_identical_duplicates(true);
        let _ = Request::decode_with(&data, &opts);
        let _ = Response::decode_at_eof(&data, &opts);
        let _ = ResponseBody::decode(&data).map(|(v, _)| v);
        let _ = CreateSessionBody::decode(&data).map(|(v, _)| v);
    }

    #[test]
    fn mutated_messages_never_panic_and_stay_stable(
        r in response(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut wire = r.to_vec();
        let i = at.index(wire.len());
        wire[i] = byte;
        // Whatever decodes survives re-encoding: the same value, and encoding is idempotent
        // (whitespace around header values is normalised, so the bytes may differ once).
        if let Ok((m, _)) = Response::decode(&wire) {
            let once = m.to_vec();
            let (again, used) = Response::decode(&once).unwrap();
            prop_assert_eq!(used, once.len());
            prop_assert_eq!(&again, &m);
            prop_assert_eq!(again.to_vec(), once);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Upload arithmetic
    // -----------------------------------------------------------------------------------------

    #[test]
    fn plans_cover_every_missing_byte_once_in_order(
        total in prop_oneof![1u64..2_000_000, 1u64..(1u64 << 40)],
        items in vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()), 0..5),
        variant in prop_oneof![
            Just(Variant::DriveItem),
            Just(Variant::OutlookAttachment),
            Just(Variant::TaskAttachment),
            Just(Variant::PrintDocument),
        ],
        k in 1u64..=191,
        small in 1u64..=9_999_999,
    ) {
        let len = match variant {
            Variant::DriveItem => k * DRIVE_ITEM_FRAGMENT_MULTIPLE,
            v => small.min(v.max_fragment_len()),
        };
        // Keep plans short (at most ~64 fragments a range) while offsets still reach 2^40.
        let span = total.min(len.saturating_mul(64));
        let ranges: Vec<RangeSpec> = items
            .iter()
            .map(|(s, e, open)| {
                if *open {
                    RangeSpec::open(total - 1 - s.index(span as usize) as u64)
                } else {
                    let start = s.index(total as usize) as u64;
                    // Ends up to one past the file (the doc's off-by-one), clamped by the set.
                    let end = start + e.index((span + 1).min(total - start + 1) as usize) as u64;
                    RangeSpec::closed(start, end).unwrap()
                }
            })
            .collect();
        let set = RangeSet::from_next_expected(total, &ranges).unwrap();
        let planner = FragmentPlanner::new(variant, len).unwrap();
        let missing: Vec<(u64, u64)> = set.iter().collect();
        let plan: Vec<ContentRange> = planner.plan(&set).collect();
        prop_assert_eq!(planner.next_fragment(&set), plan.first().copied());
        // Exactly the missing bytes, in order, no overlap.
        let mut covered: Vec<(u64, u64)> = Vec::new();
        for f in &plan {
            prop_assert_eq!(f.total(), total);
            prop_assert!(f.len() <= variant.max_fragment_len() && f.len() <= len);
            match covered.last_mut() {
                Some(last) if last.1 + 1 == f.first() => last.1 = f.last(),
                Some(last) => { prop_assert!(last.1 < f.first()); covered.push((f.first(), f.last())); }
                None => covered.push((f.first(), f.last())),
            }
            // Full fragments are the planner's length (a 320 KiB multiple for driveItem); only
            // the piece that ends a missing range may be shorter.
            let ends_range = missing.iter().any(|&(_, b)| b == f.last());
            prop_assert!(f.len() == len || ends_range);
            prop_assert!(variant.allows(*f) || (ends_range && !f.is_last()));
        }
        prop_assert_eq!(covered, missing);
        prop_assert_eq!(plan.iter().map(ContentRange::len).sum::<u64>(), set.missing_len());
        // Marking every fragment received completes the set.
        let mut s = set.clone();
        for f in &plan {
            s.mark_received(*f).unwrap();
        }
        prop_assert!(s.is_complete());
    }

    #[test]
    fn applied_ranges_are_clamped_sorted_and_merged(
        total in 1u64..10_000,
        items in vec((0u64..12_000, option::of(0u64..12_000)), 0..6),
    ) {
        let ranges: Vec<RangeSpec> = items.iter().map(|&(a, b)| match b {
            Some(b) => RangeSpec::closed(a.min(b), a.max(b)).unwrap(),
            None => RangeSpec::open(a),
        }).collect();
        match RangeSet::from_next_expected(total, &ranges) {
            Err(_) => prop_assert!(ranges.iter().any(|r| r.start() >= total)),
            Ok(set) => {
                let v: Vec<_> = set.iter().collect();
                for w in v.windows(2) {
                    prop_assert!(w[0].1 + 1 < w[1].0);
                }
                for off in 0..total {
                    let want = ranges.iter().any(|r| r.start() <= off && r.end().is_none_or(|e| off <= e));
                    prop_assert_eq!(set.contains(off), want);
                }
            }
        }
    }
}

#[test]
fn create_targets_of_the_strategy_are_create_targets() {
    // Guards the strategies above: a commit target must not name createUploadSession.
    assert!(is_create_upload_session_target("/v1.0/me/drive/root:/a:/createUploadSession"));
    assert!(!is_create_upload_session_target("/up/createUploadSession2"));
}
