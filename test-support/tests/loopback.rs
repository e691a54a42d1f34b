//! The `loopback_upload` binary's core, in process: real TCP on 127.0.0.1, both session
//! machines, files of 0 B, 1 B and 64 KiB with each injected fault; the stored file must be
//! identical (or, when cancelled, absent). Then the same in Graph mode (`--graph`), for each
//! variant: 0 B (refused), 1 B and a few fragments, with each fault.

use bits_codec_test_support::loopback as loopback_upload;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bits_codec::bits::client::Event;
use bits_codec::graph::Variant;
use bits_codec::graph::client::Event as GraphEvent;
use loopback_upload::{Options, Outcome, Report, run};

fn source(len: usize) -> PathBuf {
    // One file per call: the tests run in parallel.
    static FILES: AtomicUsize = AtomicUsize::new(0);
    let n = FILES.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("bits-loopback-test-{}-{n}-{len}.bin", std::process::id()));
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 + i / 977) as u8).collect();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn options(len: usize) -> Options {
    let mut o = Options::new(source(len));
    o.fragment_len = Some(16 * 1024);
    o.quiet = true;
    o
}

/// Run, then delete the source file.
fn go(o: &Options) -> Report {
    let r = run(o);
    let _ = std::fs::remove_file(&o.file);
    r.unwrap_or_else(|e| panic!("{}: {e}", o.file.display()))
}

fn count(events: &[Event], f: fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

#[test]
fn uploads_0_1_and_64k_bytes_without_faults() {
    for len in [0, 1, 64 * 1024] {
        let o = options(len);
        let r = go(&o);
        assert_eq!((r.outcome, r.bytes), (Outcome::Uploaded, len as u64));
        // Create-Session, the fragments, Close-Session.
        assert_eq!(r.requests, 2 + len.div_ceil(16 * 1024), "{len} B: {:#?}", r.trace);
    }
}

#[test]
fn injected_gap_is_resynchronised() {
    for len in [1, 64 * 1024] {
        let mut o = options(len);
        o.inject_gap = true;
        let r = go(&o);
        assert_eq!(r.outcome, Outcome::Uploaded);
        let resyncs = count(&r.events, |e| matches!(e, Event::Resynced { .. }));
        assert_eq!(resyncs, usize::from(len > 1), "{len} B: {:#?}", r.trace);
        if len > 1 {
            assert!(r.trace.iter().any(|l| l.starts_with("← 416")), "{:#?}", r.trace);
        }
    }
}

#[test]
fn dropped_ack_is_recovered() {
    for len in [0, 1, 64 * 1024] {
        let mut o = options(len);
        o.drop_ack = true;
        let r = go(&o);
        assert_eq!(r.outcome, Outcome::Uploaded);
        assert_eq!(count(&r.events, |e| matches!(e, Event::Retrying)), 1, "{len} B: {:#?}", r.trace);
        // 0 B: the Close-Session Ack was lost, the retry found no session: a new upload.
        assert_eq!(count(&r.events, |e| matches!(e, Event::Restarted)), usize::from(len == 0));
    }
}

#[test]
fn cancel_leaves_nothing_on_the_server() {
    for len in [0, 1, 64 * 1024] {
        let mut o = options(len);
        o.cancel = true;
        let r = go(&o);
        assert_eq!(r.outcome, Outcome::Cancelled, "{len} B");
        assert!(r.trace.iter().any(|l| l.starts_with("→ Cancel-Session")));
    }
}

#[test]
fn host_id_with_a_port_and_a_413_limit() {
    let mut o = options(64 * 1024);
    o.host_id = true;
    o.server_max_fragment = Some(6000);
    let r = go(&o);
    assert_eq!(r.outcome, Outcome::Uploaded);
    assert!(r.trace[2].starts_with("→ Ping"), "{:#?}", r.trace);
    // 16 KiB → 8 KiB → 5 KiB (the floor), which fits.
    assert_eq!(count(&r.events, |e| matches!(e, Event::FragmentShrunk { .. })), 2);
}

// ---------------------------------------------------------------- Graph mode

const VARIANTS: [Variant; 4] =
    [Variant::DriveItem, Variant::OutlookAttachment, Variant::TaskAttachment, Variant::PrintDocument];

/// A Graph run: driveItem in 320 KiB fragments (its smallest), the others in 16 KiB ones.
fn graph_options(len: usize, variant: Variant) -> Options {
    let mut o = options(len);
    o.graph = Some(variant);
    o.fragment_len = Some(if variant == Variant::DriveItem { 327_680 } else { 16 * 1024 });
    o
}

/// A file of three fragments (the last one short) for `variant`.
fn three_fragments(variant: Variant) -> usize {
    if variant == Variant::DriveItem { 2 * 327_680 + 1000 } else { 2 * 16 * 1024 + 1000 }
}

fn graph_count(events: &[GraphEvent], f: fn(&GraphEvent) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

#[test]
fn graph_uploads_every_variant_without_faults() {
    for variant in VARIANTS {
        for len in [1, three_fragments(variant)] {
            let r = go(&graph_options(len, variant));
            assert_eq!((r.outcome, r.bytes), (Outcome::Uploaded, len as u64), "{variant:?}");
            // createUploadSession, then the fragments.
            assert_eq!(r.requests, if len == 1 { 2 } else { 4 }, "{variant:?} {len} B: {:#?}", r.trace);
        }
    }
}

#[test]
fn graph_refuses_an_empty_file_before_any_request() {
    let r = go(&graph_options(0, Variant::DriveItem));
    assert_eq!((r.outcome, r.requests), (Outcome::Refused, 0));
}

#[test]
fn graph_injected_gap_is_resumed_from_the_server_ranges() {
    for variant in VARIANTS {
        let mut o = graph_options(three_fragments(variant), variant);
        o.inject_gap = true;
        let r = go(&o);
        assert_eq!(r.outcome, Outcome::Uploaded, "{variant:?}");
        let rejected = graph_count(&r.graph_events, |e| matches!(e, GraphEvent::RangeRejected));
        if variant == Variant::PrintDocument {
            // Any order: the half fragment is taken, the hole filled after.
            assert_eq!((rejected, r.requests), (0, 5), "{:#?}", r.trace);
        } else {
            assert_eq!(rejected, 1, "{variant:?}: {:#?}", r.trace);
            assert!(r.trace.iter().any(|l| l.starts_with("← 416")), "{:#?}", r.trace);
        }
    }
}

#[test]
fn graph_dropped_answer_is_recovered_by_a_status_request() {
    for variant in VARIANTS {
        for len in [1, three_fragments(variant)] {
            let mut o = graph_options(len, variant);
            o.drop_ack = true;
            let r = go(&o);
            assert_eq!(r.outcome, Outcome::Uploaded, "{variant:?} {len} B");
            assert_eq!(graph_count(&r.graph_events, |e| matches!(e, GraphEvent::Retrying)), 1);
            assert!(r.trace.iter().any(|l| l.starts_with("→ GET session-status")), "{:#?}", r.trace);
            // The stored fragment is not sent again: create, 3 fragments, 1 GET.
            assert_eq!(r.requests, if len == 1 { 3 } else { 5 }, "{variant:?}: {:#?}", r.trace);
        }
    }
}

#[test]
fn graph_cancel_leaves_nothing_on_the_server() {
    for variant in VARIANTS {
        for len in [1, three_fragments(variant)] {
            let mut o = graph_options(len, variant);
            o.cancel = true;
            let r = go(&o);
            assert_eq!(r.outcome, Outcome::Cancelled, "{variant:?} {len} B");
            assert!(r.trace.iter().any(|l| l.starts_with("→ DELETE")));
            assert!(r.trace.iter().any(|l| l.starts_with("← 204")));
        }
    }
}

#[test]
fn graph_retry_after_is_honoured() {
    let mut o = graph_options(1, Variant::DriveItem);
    o.throttle = true;
    let r = go(&o);
    assert_eq!(r.outcome, Outcome::Uploaded);
    assert!(r.elapsed.as_secs_f64() >= 1.0, "waited {:?}", r.elapsed);
    assert_eq!(graph_count(&r.graph_events, |e| matches!(e, GraphEvent::Wait { .. })), 1);
}
