//! The `loopback_upload` example's core, in process: real TCP on 127.0.0.1, both session
//! machines, files of 0 B, 1 B and 64 KiB with each injected fault; the stored file must be
//! identical (or, when cancelled, absent).

#[allow(dead_code)] // the example's `main` and argument parsing are not used here
#[path = "../examples/loopback_upload.rs"]
mod loopback_upload;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bits_codec::bits::client::Event;
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
    o.fragment_size = 16 * 1024;
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
