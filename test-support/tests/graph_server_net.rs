//! The Graph test server on a real socket (`graph_server::net`, what the `graph_server`
//! binary runs): upload URLs across a restart, a 60 MiB fragment through one read buffer,
//! slow heads and the connection cap.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use bits_codec::graph::{Outcome, Response};
use bits_codec::{Decode, DecodeError};
use bits_codec_test_support::graph_server::net::{BUF_LEN, NetConfig, NetServer, Running};

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("graph-server-net-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn start(dir: &Path, tweak: impl FnOnce(&mut NetConfig)) -> Running {
    let mut config = NetConfig { dir: Some(dir.to_path_buf()), ..NetConfig::default() };
    tweak(&mut config);
    NetServer::bind(config).unwrap().spawn()
}

/// Read one response from `s`.
fn read_response(s: &mut TcpStream) -> Response<'static> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match Response::decode(&buf) {
            Ok((r, _)) => return r.into_owned(),
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => panic!("{e}: {}", String::from_utf8_lossy(&buf)),
        }
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before a whole response: {}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// One request on a fresh connection.
fn exchange(addr: SocketAddr, wire: &[u8]) -> Response<'static> {
    let mut s = connect(addr);
    s.write_all(wire).unwrap();
    read_response(&mut s)
}

fn create(addr: SocketAddr) -> String {
    let wire = format!(
        "POST /v1.0/me/drive/root:/a.bin:/createUploadSession HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer t\r\nContent-Length: 0\r\n\r\n"
    );
    let r = exchange(addr, wire.as_bytes());
    let Outcome::SessionCreated(s) = r.outcome() else { panic!("{r:?}") };
    let url = s.upload_url().unwrap();
    // The target: what follows the origin.
    url[url.find("/uploadSession/").unwrap()..].to_owned()
}

fn fragment_head(addr: SocketAddr, target: &str, first: u64, len: u64, total: u64) -> Vec<u8> {
    format!(
        "PUT {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {len}\r\nContent-Range: bytes {first}-{}/{total}\r\n\r\n",
        first + len - 1
    )
    .into_bytes()
}

/// The byte at `offset` of every test file.
fn byte_at(offset: u64, salt: u8) -> u8 {
    (offset % 251) as u8 ^ salt
}

fn bytes(first: u64, len: u64, salt: u8) -> Vec<u8> {
    (first..first + len).map(|o| byte_at(o, salt)).collect()
}

/// `PUT` a fragment whole; its answer.
fn put(addr: SocketAddr, target: &str, first: u64, len: u64, total: u64, salt: u8) -> Response<'static> {
    let mut wire = fragment_head(addr, target, first, len, total);
    wire.extend(bytes(first, len, salt));
    exchange(addr, &wire)
}

fn status(addr: SocketAddr, target: &str) -> Response<'static> {
    exchange(addr, format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
}

fn code(r: &Response<'_>) -> (u16, String) {
    (r.status().as_u16(), r.odata_error().map_or(String::new(), |e| e.code().to_owned()))
}

fn ranges(r: &Response<'_>) -> Vec<String> {
    match r.outcome() {
        Outcome::InProgress(s) => s.next_expected_ranges().unwrap().iter().map(ToString::to_string).collect(),
        other => panic!("{other:?}"),
    }
}

/// The id in an upload URL target (`/uploadSession/{id}?…`).
fn id_of(target: &str) -> &str {
    target.trim_start_matches("/uploadSession/").split('?').next().unwrap()
}

#[test]
fn upload_urls_are_random_and_a_restart_never_reuses_one() {
    let dir = scratch("restart");
    let a = start(&dir, |_| {});
    let (first, second) = (create(a.addr()), create(a.addr()));
    for t in [&first, &second] {
        let id = id_of(t);
        let tempauth = t.rsplit_once("&tempauth=").unwrap().1;
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
        assert!(tempauth.len() == 32 && tempauth != id, "{t}");
    }
    assert_ne!(id_of(&first), id_of(&second));
    // The first session gets its first fragment (320 KiB: streamed); the second completes.
    assert_eq!(put(a.addr(), &first, 0, 327_680, 1_000_000, 1).status().as_u16(), 202);
    assert_eq!(code(&put(a.addr(), &second, 0, 1000, 1000, 2)).0, 201);
    // The same id with a guessed tempauth is not the session.
    let guessed = format!("{}&tempauth={:032x}", first.rsplit_once("&tempauth=").unwrap().0, 7);
    assert_eq!(code(&status(a.addr(), &guessed)), (404, "itemNotFound".into()));
    a.stop().unwrap();

    // A new server on the same directory.
    let b = start(&dir, |_| {});
    // The resuming client of the first run: 404, never another client's session.
    assert_eq!(code(&status(b.addr(), &first)), (404, "itemNotFound".into()));
    assert_eq!(code(&put(b.addr(), &first, 327_680, 327_680, 1_000_000, 1)), (404, "itemNotFound".into()));
    assert_eq!(code(&status(b.addr(), &second)), (404, "itemNotFound".into()));
    // New uploads get new ids and leave the earlier run's files as they were.
    let third = create(b.addr());
    assert!(![id_of(&first), id_of(&second)].contains(&id_of(&third)));
    assert_eq!(code(&put(b.addr(), &third, 0, 1000, 1000, 3)).0, 201);
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(read(dir.join("committed").join(format!("{}.bin", id_of(&second)))), bytes(0, 1000, 2));
    assert_eq!(read(dir.join("committed").join(format!("{}.bin", id_of(&third)))), bytes(0, 1000, 3));
    assert_eq!(read(dir.join(format!("{}.part", id_of(&first))))[..327_680], bytes(0, 327_680, 1)[..]);
    b.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// driveItem's largest fragment: 191 × 320 KiB, just under 60 MiB.
const LARGEST: u64 = 191 * 327_680;

#[test]
fn a_60_mib_fragment_streams_through_one_read_buffer() {
    let dir = scratch("stream");
    let server = start(&dir, |_| {});
    let addr = server.addr();
    let target = create(addr);
    let mut s = connect(addr);
    s.write_all(&fragment_head(addr, &target, 0, LARGEST, LARGEST)).unwrap();
    let mut sent = 0;
    while sent < LARGEST {
        let n = (LARGEST - sent).min(1 << 20);
        s.write_all(&bytes(sent, n, 5)).unwrap();
        sent += n;
    }
    let r = read_response(&mut s);
    assert!(matches!(r.outcome(), Outcome::Completed(i) if i.size() == Some(LARGEST)), "{r:?}");
    let stored = dir.join("committed").join(format!("{}.bin", id_of(&target)));
    let mut f = std::fs::File::open(&stored).unwrap();
    let (mut at, mut chunk) = (0u64, vec![0u8; 1 << 20]);
    loop {
        let n = f.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        assert!(chunk[..n] == bytes(at, n as u64, 5)[..], "stored file differs near byte {at}");
        at += n as u64;
    }
    assert_eq!(at, LARGEST);
    // The whole upload passed through one buffer per connection.
    let peak = server.stats().peak_buffered();
    assert!(peak <= BUF_LEN, "{peak} bytes held at once");
    eprintln!("60 MiB fragment: at most {peak} request bytes held at once (buffer {BUF_LEN})");

    // A client that claims the largest fragment and sends 1 MiB of it: nothing is held, and
    // the range is missing again once the connection ends.
    let target = create(addr);
    let mut s = connect(addr);
    s.write_all(&fragment_head(addr, &target, 0, LARGEST, LARGEST)).unwrap();
    s.write_all(&bytes(0, 1 << 20, 6)).unwrap();
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Until the server has noticed the lost body, the status may still show the range
        // as received (or the session as complete): the range counts from when its head is
        // accepted, and is taken back when the body falls short.
        let r = status(addr, &target);
        if matches!(r.outcome(), Outcome::InProgress(_)) && ranges(&r) == ["0-"] {
            break;
        }
        assert!(Instant::now() < deadline, "{r:?}");
        thread::sleep(Duration::from_millis(50));
    }
    // A body that large on anything but a fragment: 413, without reading it.
    let claim = format!(
        "POST /v1.0/me/drive/root:/b.bin:/createUploadSession HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{{"
    );
    assert_eq!(exchange(addr, claim.as_bytes()).status().as_u16(), 413);
    assert!(server.stats().peak_buffered() <= BUF_LEN);
    server.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `true` once the server closed `s` (read gives end of file or a reset).
fn closed_by_server(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1024];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn slow_heads_are_closed_and_connections_are_capped() {
    let dir = scratch("slow");
    let server = start(&dir, |c| {
        c.header_timeout = Duration::from_secs(1);
        c.max_connections = 2;
    });
    let addr = server.addr();
    let t0 = Instant::now();
    // One sends nothing after a few bytes; one trickles a byte every 100 ms, never finishing.
    let mut silent = connect(addr);
    silent.write_all(b"GET /uploadSession/").unwrap();
    let trickler = {
        let mut s = connect(addr);
        thread::spawn(move || {
            for b in b"GET /uploadSession/0123456789abcdef0123456789abcdef0123456789abcdef".iter().cycle().take(200) {
                if s.write_all(&[*b]).is_err() {
                    return true;
                }
                thread::sleep(Duration::from_millis(100));
            }
            false
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.stats().open_connections() < 2 {
        assert!(Instant::now() < deadline);
        thread::sleep(Duration::from_millis(10));
    }
    // A third connection while two are served: 503 with Retry-After, at once.
    let busy = status(addr, "/uploadSession/x");
    assert_eq!(code(&busy), (503, "serviceNotAvailable".into()));
    assert!(busy.retry_after().is_some());
    // Both slow connections are closed after the header timeout, the trickling one too.
    silent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert!(closed_by_server(&mut silent));
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "{waited:?}");
    assert!(trickler.join().unwrap(), "the trickling connection was never closed");
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.stats().open_connections() > 0 {
        assert!(Instant::now() < deadline);
        thread::sleep(Duration::from_millis(10));
    }
    // And the server serves again.
    assert_eq!(code(&status(addr, "/uploadSession/x")), (404, "itemNotFound".into()));
    let stats = server.stats();
    assert_eq!(stats.peak_connections(), 2);
    assert!(stats.refused_connections() >= 1);
    assert!(stats.header_timeouts() >= 2);
    server.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
