//! What a start finds in the session folder: resumable sessions come back, expired ones and
//! orphaned files go; and the every-ack fsync policy stores uploads like the others.

mod support;

use std::fs::File;
use std::time::{Duration, SystemTime};

use bits_codec_io::{BitsService, Config, Event, EventSink, FsStorage, Fsync};
use support::*;

fn age(path: &std::path::Path, by: Duration) {
    File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - by).unwrap();
}

#[test]
fn start_restores_live_sessions_and_removes_expired_ones_and_orphans() {
    let root = scratch("recover");
    // Two sessions made by a first server: one stays fresh, one is aged past the expiry.
    let (live, old) = {
        let server = start(FsStorage::new(&root).unwrap(), Config::default());
        let live = create_session(server.addr, "/live").session_id().unwrap().clone();
        let old = create_session(server.addr, "/old").session_id().unwrap().clone();
        let ack = exchange(server.addr, &fragment_bytes("/live", &live, 0, b"abc", 10));
        assert_eq!(ack.received_content_range(), Some(3));
        (live.as_guid().unwrap(), old.as_guid().unwrap())
    };
    let dir = root.join(".bits-sessions");
    let name = |g: bits_codec::bits::Guid, ext: &str| dir.join(format!("{:032x}.{ext}", g.as_u128()));
    let two_days = Duration::from_secs(2 * 24 * 3600);
    age(&name(old, "part"), two_days);
    age(&name(old, "info"), two_days);
    // Orphans: data without info, info without data, a temp info, a corrupt info.
    std::fs::write(dir.join(format!("{:032x}.part", 1)), b"x").unwrap();
    std::fs::write(dir.join(format!("{:032x}.info", 2)), b"bits-codec-io session 1\n").unwrap();
    std::fs::write(dir.join(format!("{:032x}.info.tmp", 3)), b"half").unwrap();
    std::fs::write(dir.join(format!("{:032x}.part", 4)), b"").unwrap();
    std::fs::write(dir.join(format!("{:032x}.info", 4)), b"not an info file\n").unwrap();
    // Not ours: left alone.
    std::fs::write(dir.join("README"), b"keep").unwrap();

    let expired = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut config = Config::default();
    let e = expired.clone();
    config.events = Some(EventSink::new(move |ev| {
        if let Event::Expired { session } = ev {
            e.lock().unwrap().push(*session);
        }
    }));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let service = rt.block_on(BitsService::new(FsStorage::new(&root).unwrap(), config)).unwrap();
    assert_eq!(service.session_count(), 1);
    assert_eq!(*expired.lock().unwrap(), vec![old]);
    let mut left = session_files(&root);
    left.sort();
    let mut want =
        vec!["README".to_string(), format!("{:032x}.info", live.as_u128()), format!("{:032x}.part", live.as_u128())];
    want.sort();
    assert_eq!(left, want);
}

#[test]
fn every_ack_fsync_policy_uploads_byte_exact() {
    let root = scratch("every-ack");
    let server = start(FsStorage::new(&root).unwrap().fsync(Fsync::EveryAck), Config::default());
    let file = data(200_000);
    Uploader::new(server.addr, "/synced.bin", file.clone(), 64 << 10).run().unwrap();
    assert_eq!(std::fs::read(root.join("synced.bin")).unwrap(), file);
}
