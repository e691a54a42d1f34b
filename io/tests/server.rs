//! The server in this process, over real sockets: uploads with the crate's client machine,
//! every path-escape form, every limit, refused bodies drained, many uploads at once.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bits_codec::bits::SessionId;
use bits_codec_io::{Config, Event, EventSink, FsStorage};
use support::*;

fn recorder() -> (EventSink, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (EventSink::new(move |e| s.lock().unwrap().push(e.clone())), seen)
}

#[test]
fn client_machine_uploads_byte_exact_and_events_follow() {
    let root = scratch("upload");
    let (sink, seen) = recorder();
    let mut config = Config::default();
    config.events = Some(sink);
    let server = start(FsStorage::new(&root).unwrap(), config);
    let file = data(300_000);
    Uploader::new(server.addr, "/a/b/c.bin", file.clone(), 64 << 10).run().unwrap();
    assert_eq!(std::fs::read(root.join("a/b/c.bin")).unwrap(), file);
    assert!(session_files(&root).is_empty());
    let seen = seen.lock().unwrap();
    assert!(matches!(seen.first(), Some(Event::Created { .. })), "{seen:?}");
    assert_eq!(seen.iter().filter(|e| matches!(e, Event::Progress { .. })).count(), 5);
    assert!(matches!(seen.last(), Some(Event::Committed { len: 300_000, .. })), "{seen:?}");
    assert_eq!(server.service.session_count(), 0);
}

#[test]
fn zero_byte_upload_commits_an_empty_file() {
    let root = scratch("empty");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    Uploader::new(server.addr, "/empty.txt", Vec::new(), 1024).run().unwrap();
    assert_eq!(std::fs::read(root.join("empty.txt")).unwrap(), b"");
}

#[test]
fn refuses_every_path_escape_with_400_and_writes_nothing_outside_the_root() {
    let base = scratch("escape");
    let root = base.join("root");
    let outside = base.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), root.join("filelink")).unwrap();
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let targets = [
        "/../outside/x",
        "/a/../../outside/x",
        "/%2e%2e/outside/x",
        "/%2E%2E%2Foutside%2Fx",
        "/..%2foutside%2fx",
        "/..%5coutside%5cx",
        "/a%5c..%5c..%5cx",
        "/..\\outside\\x",
        "/x%00.txt",
        "/c:%5cwindows%5cx",
        "//etc/passwd",
        "/.bits-sessions/x",
        "/link/x",
        "/filelink",
        "/%252e%252e/x",
        "http://localhost/../outside/x",
    ];
    for target in targets {
        let answer = raw(server.addr, &raw_create(target));
        if target == "/%252e%252e/x" {
            // Decoded once: the literal name "%2e%2e" inside the root, which is harmless.
            assert_eq!(answer.as_ref().map(|a| a.0), Some(200), "{target}");
            continue;
        }
        let (status, head) = answer.unwrap_or_else(|| panic!("{target}: no answer"));
        assert_eq!(status, 400, "{target}: {head}");
        if head.contains("bits-packet-type") {
            assert!(head.contains("bits-error-code: 0x80070057"), "{target}: {head}");
            assert!(head.contains("bits-error-context: 0x5"), "{target}: {head}");
        }
    }
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(server.service.session_count(), 1);
}

#[test]
fn symlink_planted_after_create_session_is_refused_at_commit() {
    let base = scratch("escape-late");
    let root = base.join("root");
    let outside = base.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let ack = create_session(server.addr, "/later/x.bin");
    let id: SessionId<'static> = ack.session_id().unwrap().clone();
    std::os::unix::fs::symlink(&outside, root.join("later")).unwrap();
    let ack = exchange(server.addr, &fragment_bytes("/later/x.bin", &id, 0, b"data", 4));
    assert_eq!(ack.status().as_u16(), 200);
    let close = bits_codec::bits::Request::close_session(
        bits_codec::http1::RequestTarget::new("/later/x.bin").unwrap(),
        id.clone(),
    );
    let ack = exchange(server.addr, &bits_codec::Encode::to_vec(&close));
    assert_eq!(ack.status().as_u16(), 400);
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn existing_destination_is_not_replaced() {
    let root = scratch("exists");
    std::fs::write(root.join("taken.txt"), b"first").unwrap();
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let ack = create_session(server.addr, "/taken.txt");
    assert_eq!(ack.status().as_u16(), 409);
    assert_eq!(std::fs::read(root.join("taken.txt")).unwrap(), b"first");
}

fn limited(name: &str, f: impl FnOnce(&mut bits_codec_io::Limits)) -> (InProcess, std::path::PathBuf) {
    let root = scratch(name);
    let mut config = Config::default();
    f(&mut config.limits);
    (start(FsStorage::new(&root).unwrap(), config), root)
}

#[test]
fn open_sessions_are_capped_globally() {
    let (server, _root) = limited("cap-global", |l| l.max_sessions = 3);
    for i in 0..3 {
        assert_eq!(create_session(server.addr, &format!("/f{i}")).status().as_u16(), 200);
    }
    let ack = create_session(server.addr, "/f3");
    assert_eq!(ack.status().as_u16(), 503);
    assert_eq!(ack.error_code().map(|c| c.0), Some(0x8019_01F7));
}

#[test]
fn open_sessions_are_capped_per_client_address() {
    let (server, _root) = limited("cap-client", |l| l.max_sessions_per_client = 2);
    let ids: Vec<_> =
        (0..2).map(|i| create_session(server.addr, &format!("/f{i}")).session_id().unwrap().clone()).collect();
    assert_eq!(create_session(server.addr, "/f2").status().as_u16(), 503);
    // Cancelling one frees a place.
    let cancel = bits_codec::bits::Request::cancel_session(
        bits_codec::http1::RequestTarget::new("/f0").unwrap(),
        ids[0].clone(),
    );
    assert_eq!(exchange(server.addr, &bits_codec::Encode::to_vec(&cancel)).status().as_u16(), 200);
    assert_eq!(create_session(server.addr, "/f2").status().as_u16(), 200);
}

#[test]
fn upload_size_is_capped() {
    let (server, _root) = limited("cap-upload", |l| l.max_upload = 1000);
    let id = create_session(server.addr, "/big").session_id().unwrap().clone();
    let ack = exchange(server.addr, &fragment_bytes("/big", &id, 0, &[1; 10], 1001));
    assert_eq!(ack.status().as_u16(), 500);
    assert_eq!(ack.error_code().map(|c| c.0), Some(0x8020_0020));
}

#[test]
fn oversized_fragment_is_refused_413_and_its_body_drained() {
    let (server, root) = limited("cap-fragment", |l| l.max_fragment = 1000);
    let id = create_session(server.addr, "/f").session_id().unwrap().clone();
    let mut s = connect(server.addr);
    let mut buf = Vec::new();
    s.write_all(&fragment_bytes("/f", &id, 0, &[7; 2000], 2000)).unwrap();
    let ack = read_ack(&mut s, &mut buf).unwrap();
    assert_eq!(ack.status().as_u16(), 413);
    // The connection is still framed: the next request on it is answered.
    s.write_all(&fragment_bytes("/f", &id, 0, &[7; 1000], 2000)).unwrap();
    assert_eq!(read_ack(&mut s, &mut buf).unwrap().received_content_range(), Some(1000));
    drop(root);
}

#[test]
fn refused_body_over_the_drain_limit_gets_its_ack_and_connection_close() {
    let (server, _root) = limited("drain", |l| l.drain_limit = 1000);
    let id = create_session(server.addr, "/f").session_id().unwrap().clone();
    // A gap (416): 4000 bytes nothing will be written from.
    let wire = fragment_bytes("/f", &id, 10, &[1; 4000], 10_000);
    let head_len = wire.len() - 4000;
    let mut s = connect(server.addr);
    s.write_all(&wire[..head_len]).unwrap();
    let (status, head) = read_head(&mut s).unwrap();
    assert_eq!(status, 416);
    assert!(head.contains("connection: close"), "{head}");
}

#[test]
fn refused_body_under_the_drain_limit_is_read_so_the_connection_stays() {
    let (server, _root) = limited("drain-keep", |_| {});
    let id = create_session(server.addr, "/f").session_id().unwrap().clone();
    let mut s = connect(server.addr);
    let mut buf = Vec::new();
    s.write_all(&fragment_bytes("/f", &id, 100, &[1; 50_000], 100_000)).unwrap();
    let ack = read_ack(&mut s, &mut buf).unwrap();
    assert_eq!((ack.status().as_u16(), ack.received_content_range()), (416, Some(0)));
    s.write_all(&fragment_bytes("/f", &id, 0, &[1; 100], 100_000)).unwrap();
    assert_eq!(read_ack(&mut s, &mut buf).unwrap().received_content_range(), Some(100));
}

#[test]
fn slow_head_is_cut_off_by_the_header_read_timeout() {
    let (server, _root) = limited("slow-head", |l| l.header_read_timeout = Duration::from_millis(300));
    let mut s = connect(server.addr);
    s.write_all(b"BITS_POST /f HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // hyper answers 408 or just closes; either way the connection is over.
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut rest);
    let text = String::from_utf8_lossy(&rest);
    assert!(rest.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

#[test]
fn stalled_body_fails_the_fragment_and_rolls_the_session_back() {
    let (server, root) = limited("slow-body", |l| l.body_read_timeout = Duration::from_millis(300));
    let id = create_session(server.addr, "/f").session_id().unwrap().clone();
    let wire = fragment_bytes("/f", &id, 0, &[5; 1000], 2000);
    let mut s = connect(server.addr);
    s.write_all(&wire[..wire.len() - 500]).unwrap();
    let (status, head) = read_head(&mut s).unwrap();
    assert_eq!(status, 400, "{head}");
    assert!(head.contains("connection: close"), "{head}");
    // The session is back at 0; the bytes that did arrive are dropped on the next write.
    let ack = exchange(server.addr, &fragment_bytes("/f", &id, 0, &[5; 2000], 2000));
    assert_eq!(ack.received_content_range(), Some(2000));
    let close = bits_codec::bits::Request::close_session(bits_codec::http1::RequestTarget::new("/f").unwrap(), id);
    assert_eq!(exchange(server.addr, &bits_codec::Encode::to_vec(&close)).status().as_u16(), 200);
    assert_eq!(std::fs::read(root.join("f")).unwrap(), vec![5; 2000]);
}

#[test]
fn idle_sessions_expire_with_their_files() {
    let root = scratch("expiry");
    let (sink, seen) = recorder();
    let mut config = Config::default();
    config.events = Some(sink);
    let server = start(FsStorage::new(&root).unwrap(), config);
    let id = create_session(server.addr, "/f").session_id().unwrap().clone();
    assert_eq!(session_files(&root).len(), 2);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(server.service.sweep()), 0, "touched since the last sweep");
    assert_eq!(rt.block_on(server.service.sweep()), 1);
    assert!(session_files(&root).is_empty());
    let ack = exchange(server.addr, &fragment_bytes("/f", &id, 0, b"x", 1));
    assert_eq!(ack.status().as_u16(), 500);
    assert!(seen.lock().unwrap().iter().any(|e| matches!(e, Event::Expired { .. })));
}

#[test]
fn connections_are_capped() {
    let (server, _root) = limited("cap-conn", |l| l.max_connections = 2);
    let a = connect(server.addr);
    let b = connect(server.addr);
    std::thread::sleep(Duration::from_millis(100));
    // A third connection waits in the backlog: its request is not answered...
    let mut c = connect(server.addr);
    c.set_read_timeout(Some(Duration::from_millis(400))).unwrap();
    c.write_all(&raw_create("/f")).unwrap();
    assert!(read_head(&mut c).is_none());
    // ...until another connection closes.
    drop(a);
    c.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    assert_eq!(read_head(&mut c).map(|h| h.0), Some(200));
    drop(b);
}

#[test]
fn a_head_larger_than_the_read_buffer_is_refused() {
    let (server, _root) = limited("head-size", |l| l.read_buffer = 8192);
    let big = format!("BITS_POST /f HTTP/1.1\r\nX-Pad: {}\r\n{CREATE_HEADERS}\r\n", "a".repeat(20_000));
    // hyper answers 431 (or closes) once its buffer is full, without growing it.
    let answer = raw(server.addr, big.as_bytes());
    assert!(answer.as_ref().is_none_or(|a| a.0 == 431), "{answer:?}");
}

#[test]
fn many_concurrent_uploads_all_arrive() {
    let root = scratch("concurrent");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let addr = server.addr;
    let threads: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let file = data(100_000 + i * 1000);
                Uploader::new(addr, &format!("/many/{i}.bin"), file.clone(), 16 << 10).run().unwrap();
                file
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let file = t.join().unwrap();
        assert_eq!(std::fs::read(root.join(format!("many/{i}.bin"))).unwrap(), file);
    }
    assert!(session_files(&root).is_empty());
}

#[test]
fn idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let (server, _root) = limited("idle-conn", |l| l.header_read_timeout = Duration::from_millis(300));
    let mut s = connect(server.addr);
    s.write_all(&raw_create("/f")).unwrap();
    assert_eq!(read_head(&mut s).map(|h| h.0), Some(200));
    // Nothing more is sent: the connection must not hold its slot for ever.
    std::thread::sleep(Duration::from_millis(900));
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut rest);
    let text = String::from_utf8_lossy(&rest);
    assert!(rest.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}

#[test]
fn two_servers_cannot_share_a_root() {
    let root = scratch("lock");
    let first = FsStorage::new(&root).unwrap();
    let second = FsStorage::new(&root).unwrap_err();
    assert_eq!(second.kind(), std::io::ErrorKind::WouldBlock, "{second}");
    drop(first);
    FsStorage::new(&root).unwrap();
}

#[test]
fn shutdown_lets_the_request_in_flight_finish() {
    let root = scratch("shutdown");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, served) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config::default();
        let service = bits_codec_io::BitsService::new(FsStorage::new(&root).unwrap(), config.clone()).await.unwrap();
        let served = tokio::spawn(async move {
            bits_codec_io::serve(listener, service, &config.limits, async {
                let _ = stopped.await;
            })
            .await
        });
        (addr, served)
    });
    let id = create_session(addr, "/f").session_id().unwrap().clone();
    let wire = fragment_bytes("/f", &id, 0, &[9; 10_000], 10_000);
    let mut s = connect(addr);
    s.write_all(&wire[..wire.len() - 5000]).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    stop.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // New connections are refused; the one in flight completes.
    assert!(std::net::TcpStream::connect(addr).is_err());
    s.write_all(&wire[wire.len() - 5000..]).unwrap();
    let ack = read_ack(&mut s, &mut Vec::new()).unwrap();
    assert_eq!(ack.received_content_range(), Some(10_000));
    rt.block_on(served).unwrap().unwrap();
}

#[test]
fn server_application_is_notified_before_the_final_ack_and_its_failure_is_context_7() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let root = scratch("notify");
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let mut config = Config::default();
    config.notify = Some(bits_codec_io::Notifier::new(move |done: bits_codec_io::Completed| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        async move {
            assert_eq!(std::fs::metadata(done.data_file.unwrap()).unwrap().len(), done.len);
            if n == 0 {
                Err("application busy".to_string())
            } else {
                Ok(Some(bits_codec::http1::FieldValue::from_static("http://app.example/reply/1")))
            }
        }
    }));
    let server = start(FsStorage::new(&root).unwrap(), config);
    let id = create_session(server.addr, "/n.bin").session_id().unwrap().clone();
    let ack = exchange(server.addr, &fragment_bytes("/n.bin", &id, 0, &[1; 100], 300));
    assert_eq!(ack.received_content_range(), Some(100));
    assert_eq!(calls.load(Ordering::SeqCst), 0, "not whole yet");
    let last = fragment_bytes("/n.bin", &id, 100, &[2; 200], 300);
    let ack = exchange(server.addr, &last);
    assert_eq!(ack.status().as_u16(), 500);
    assert_eq!(ack.error_context().map(|c| c.0), Some(7));
    // The resend notifies again; the application's URL comes back as BITS-Reply-URL.
    let ack = exchange(server.addr, &last);
    assert_eq!((ack.status().as_u16(), ack.received_content_range()), (200, Some(300)));
    assert_eq!(ack.reply_url().and_then(|u| u.to_str()), Some("http://app.example/reply/1"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn bodiless_requests_without_content_length_are_accepted_but_fragments_are_not() {
    let (server, _root) = limited("no-length", |_| {});
    let ping = b"BITS_POST /f HTTP/1.1\r\nHost: x\r\nBITS-Packet-Type: Ping\r\n\r\n";
    assert_eq!(raw(server.addr, ping).map(|a| a.0), Some(200));
    let create = "BITS_POST /f HTTP/1.1\r\nHost: x\r\nBITS-Packet-Type: Create-Session\r\n\
                  BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n\r\n";
    let (status, head) = raw(server.addr, create.as_bytes()).unwrap();
    assert_eq!(status, 200, "{head}");
    let id = head.lines().find_map(|l| l.strip_prefix("bits-session-id: ")).unwrap().to_string();
    let fragment = format!(
        "BITS_POST /f HTTP/1.1\r\nHost: x\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: {id}\r\n\
         Content-Range: bytes 0-4/5\r\n\r\nhello"
    );
    let (status, head) = raw(server.addr, fragment.as_bytes()).unwrap();
    assert!(status == 400 || status == 411, "{head}");
}
