//! `kill -9` in the middle of an upload, then a restart on the same root: the client finishes
//! byte for byte, and the restarted server answers with the offset actually stored.

mod support;

use std::io::Write;
use std::time::Duration;

use bits_codec::bits::SessionId;
use support::*;

/// Not a test of its own: the server child process runs here (see `ChildServer`).
#[test]
fn child_server() {
    child_server_main();
}

const FRAGMENT: u64 = 64 << 10;

#[test]
fn upload_survives_kill_9_mid_fragment_and_finishes_byte_exact() {
    let root = scratch("crash");
    let file = data(10 * FRAGMENT as usize + 123);
    let first = ChildServer::spawn(&root, "127.0.0.1:0");
    let port = first.addr.port();
    let mut up = Uploader::new(first.addr, "/dir/big.bin", file.clone(), FRAGMENT);
    // Create-Session and three fragments.
    for _ in 0..4 {
        assert!(!up.step().unwrap());
    }
    assert_eq!(up.client.received(), 3 * FRAGMENT);
    let id: SessionId<'static> = up.client.session_id().unwrap().clone();

    // Half of the fourth fragment, then SIGKILL while the server waits for the rest.
    let at = 3 * FRAGMENT;
    let wire = fragment_bytes("/dir/big.bin", &id, at, &file[at as usize..(at + FRAGMENT) as usize], file.len() as u64);
    let head_len = wire.len() - FRAGMENT as usize;
    let mut s = connect(first.addr);
    s.write_all(&wire[..head_len + FRAGMENT as usize / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    first.kill9();
    drop(s);

    // The data holds the three acknowledged fragments, and maybe some of the fourth.
    let part = root.join(".bits-sessions").join(format!("{:032x}.part", id.as_guid().unwrap().as_u128()));
    let stored = std::fs::metadata(&part).unwrap().len();
    assert!((3 * FRAGMENT..=4 * FRAGMENT).contains(&stored), "{stored}");
    assert_eq!(std::fs::read(&part).unwrap(), file[..stored as usize]);

    // Restart on the same port; the session is back, at the stored offset.
    let second = ChildServer::spawn(&root, &format!("127.0.0.1:{port}"));
    assert_eq!(second.restored, 1);
    let beyond = stored + 1;
    let gap =
        fragment_bytes("/dir/big.bin", &id, beyond, &file[beyond as usize..beyond as usize + 10], file.len() as u64);
    let ack = exchange(second.addr, &gap);
    assert_eq!(ack.status().as_u16(), 416);
    assert_eq!(ack.received_content_range(), Some(stored));

    // The client, which saw its connection die, retries and finishes.
    up.run().unwrap();
    assert_eq!(std::fs::read(root.join("dir/big.bin")).unwrap(), file);
    assert!(session_files(&root).is_empty(), "{:?}", session_files(&root));
    second.kill9();
}

#[test]
fn kill_9_before_any_fragment_keeps_the_session() {
    let root = scratch("crash-empty");
    let first = ChildServer::spawn(&root, "127.0.0.1:0");
    let ack = create_session(first.addr, "/a.bin");
    assert_eq!(ack.status().as_u16(), 200);
    let id = ack.session_id().unwrap().clone();
    first.kill9();
    let second = ChildServer::spawn(&root, "127.0.0.1:0");
    assert_eq!(second.restored, 1);
    let ack = exchange(second.addr, &fragment_bytes("/a.bin", &id, 0, b"hello", 5));
    assert_eq!((ack.status().as_u16(), ack.received_content_range()), (200, Some(5)));
}
