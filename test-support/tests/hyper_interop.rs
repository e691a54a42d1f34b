//! The `hyper_bits_server` binary's server in process: hyper 1 + tokio on 127.0.0.1, the typed view
//! over `http::request::Parts` and the server machine, uploaded to over real TCP by the
//! client machine ([`Client`]) on `std::net`. Each test has its own server and directory.
//!
//! - a few hundred KiB in several fragments: the committed file is identical and no session
//!   data remains;
//! - the same with faults the client machine recovers from: a fragment sent without its
//!   first half (416, then on from where the server says) and a lost Ack (the client
//!   resends; the server re-Acks without writing twice);
//! - refusals: a Fragment without `Content-Length`, and fragments whose `Content-Length` is
//!   over the server's caps, which are answered without reading the body and close the
//!   connection; a bodiless Ping without `Content-Length` (curl, Python's `http.client`) is
//!   answered, as the server reads requests with the one leniency real clients need.

use bits_codec_test_support::hyper_bits as hyper_bits_server;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bits_codec::bits::client::{Client, ClientConfig, Event, Response, Step};
use bits_codec::bits::{Ack, HResult, Request};
use bits_codec::http1::{ContentRange, FieldValue};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

/// Read and write timeout of every test socket.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A scratch directory per server (the tests run in parallel).
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("bits-hyper-interop-{}-{n}", std::process::id()))
}

/// Start `serve` on 127.0.0.1:0 on a one-thread tokio runtime in a background thread; the
/// thread lives as long as the test process.
fn start_server() -> (SocketAddr, PathBuf) {
    let dir = scratch();
    let (tx, rx) = std::sync::mpsc::channel();
    let server_dir = dir.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("local_addr")).expect("send addr");
            if let Err(e) = hyper_bits_server::serve(listener, server_dir).await {
                panic!("serve: {e}");
            }
        });
    });
    let addr = rx.recv_timeout(IO_TIMEOUT).expect("the server did not start");
    (addr, dir)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Read until `buf` holds one whole answer; returns its length.
fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    loop {
        match Response::decode_with(buf, &DecodeOptions::default()) {
            Ok((_, used)) => return Ok(used),
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())),
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn file_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 977) as u8).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// The second fragment is sent without its first half (the server answers 416).
    Gap,
    /// The second fragment's Ack is read and thrown away and the connection closed, as if
    /// lost: the client resends the fragment.
    LostAck,
}

/// Upload `data` to `addr` with the client machine; returns the client (finished) and its
/// events.
fn upload(addr: SocketAddr, data: &[u8], fragment: u64, fault: Fault) -> (Client, Vec<Event>) {
    let url = format!("http://{addr}/upload/data.bin");
    let config = ClientConfig::default().fragment_len(fragment).min_fragment_len(1);
    let mut client = Client::new(config, &url, data.len() as u64).unwrap();
    let mut conn: Option<(TcpStream, Vec<u8>)> = None;
    let mut events = Vec::new();
    let mut fragments = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "upload deadline passed; events {events:?}");
        let t = match client.poll() {
            Step::Transmit(t) => t,
            Step::Done => return (client, events),
            other => panic!("client: {other:?}; events {events:?}"),
        };
        // Only ever the server we started (the client would follow a Host-Id elsewhere).
        assert_eq!(t.endpoint().port(), addr.port());
        let mut range = t.range();
        let mut this_fault = Fault::None;
        if let Some(r) = range {
            fragments += 1;
            if fragments == 2 {
                this_fault = fault;
            }
            if this_fault == Fault::Gap {
                assert!(r.len() >= 2);
                range = Some(ContentRange::new(r.first() + r.len() / 2, r.last(), r.total()).unwrap());
            }
        }
        let body = range.map_or(&[][..], |r| &data[r.first() as usize..=r.last() as usize]);
        let request = match (this_fault, range) {
            // The shifted range, with the headers the client machine would have sent.
            (Fault::Gap, Some(r)) => Request::fragment(t.target().clone(), t.session_id().unwrap().clone(), r, body)
                .unwrap()
                .with_host(FieldValue::new(t.endpoint().authority()).unwrap()),
            _ => t.request(body).unwrap(),
        };
        let (stream, buf) = conn.get_or_insert_with(|| (connect(addr), Vec::new()));
        let answer = stream.write_all(&request.to_vec()).and_then(|()| read_answer(stream, buf));
        let event = match answer {
            Ok(_) if this_fault == Fault::LostAck => {
                conn = None; // the Ack never arrives
                client.transport_failed()
            }
            Ok(used) => {
                let (response, _) = Response::decode_with(&buf[..used], &DecodeOptions::default()).unwrap();
                let event = client.handle_response(&response);
                buf.drain(..used);
                event
            }
            Err(e) => panic!("transport: {e}; events {events:?}"),
        };
        events.push(event);
    }
}

/// What the server left in `dir`: committed files, and part files of open sessions.
fn stored(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let committed = list(dir).into_iter().filter(|p| p.is_file()).collect();
    (committed, list(&dir.join("sessions")))
}

fn upload_and_check(len: usize, fragment: u64, fault: Fault) -> Vec<Event> {
    let (addr, dir) = start_server();
    let data = file_bytes(len);
    let (client, events) = upload(addr, &data, fragment, fault);
    let session = client.session_id().expect("a session").as_guid().expect("a GUID session id");
    let (committed, parts) = stored(&dir);
    assert_eq!(committed, vec![dir.join(hyper_bits_server::file_stem(session))], "events {events:?}");
    assert!(std::fs::read(&committed[0]).unwrap() == data, "the committed file differs from the upload");
    assert!(parts.is_empty(), "session data left behind: {parts:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    events
}

#[test]
fn several_fragments_commit_byte_for_byte() {
    // 300 KiB in 64 KiB fragments: five fragments, the last one short.
    let events = upload_and_check(300 * 1024, 64 * 1024, Fault::None);
    let progress = events.iter().filter(|e| matches!(e, Event::Progress { .. })).count();
    assert_eq!(progress, 4, "{events:?}");
    assert!(events.iter().any(|e| matches!(e, Event::AllBytesReceived { .. })));
    assert_eq!(events.last(), Some(&Event::Committed));
}

#[test]
fn a_gap_is_answered_416_and_the_client_resumes() {
    let events = upload_and_check(200 * 1024, 48 * 1024, Fault::Gap);
    // The client sent (as it thinks) 48..96 KiB; the server has 48 KiB.
    assert!(
        events.contains(&Event::Resynced { expected: 96 * 1024, received: 48 * 1024 }),
        "no resynchronisation to 48 KiB: {events:?}"
    );
}

#[test]
fn a_lost_ack_is_resent_and_re_acked() {
    let events = upload_and_check(200 * 1024, 48 * 1024, Fault::LostAck);
    assert!(events.contains(&Event::Retrying), "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Resynced { .. })), "{events:?}");
}

/// Send raw bytes on a new connection; returns the Ack and, if `wait_close`, whether the
/// server then closed the connection (else `false` at once: a kept connection would only
/// end at the read timeout).
fn exchange(addr: SocketAddr, wire: &[u8], wait_close: bool) -> (Ack<'static>, bool) {
    let mut stream = connect(addr);
    stream.write_all(wire).unwrap();
    let mut buf = Vec::new();
    let used = read_answer(&mut stream, &mut buf).unwrap();
    let (ack, _) = Ack::decode(&buf[..used]).unwrap();
    let ack = ack.into_owned();
    if !wait_close {
        return (ack, false);
    }
    let mut rest = Vec::new();
    // EOF, or a reset (the server may close with the request's bytes unread), within the timeout.
    let closed = match stream.read_to_end(&mut rest) {
        Ok(_) => rest.is_empty(),
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    (ack, closed)
}

/// The head of a Fragment carrying a whole `len`-byte file (the body is never sent).
fn fragment_head(id: &str, len: u64) -> String {
    format!(
        "BITS_POST /upload/x HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: {id}\r\n\
         Content-Range: bytes 0-{}/{len}\r\nContent-Length: {len}\r\n\r\n",
        len - 1
    )
}

#[test]
fn refusals_close_the_connection_and_read_no_body() {
    let started = Instant::now();
    let (addr, dir) = start_server();
    // A bodiless Ping without Content-Length, as curl and Python's http.client send it: hyper
    // frames it as bodiless (RFC 9112 §6.3) and the server reads it with the named leniency.
    let (ack, closed) =
        exchange(addr, b"BITS_POST /upload/x HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Ping\r\n\r\n", false);
    assert_eq!((ack.status().as_u16(), closed), (200, false));
    // A Fragment must still say how long it is ([MC-BUP] §2.2.1.1): refused with 411 ([MC-BUP] §3.2.5.2.3), connection closed.
    let (ack, closed) = exchange(
        addr,
        b"BITS_POST /upload/x HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: {00000000-0000-0000-0000-000000000001}\r\nContent-Range: bytes 0-0/1\r\n\r\n",
        true,
    );
    assert_eq!((ack.status().as_u16(), ack.error_code(), closed), (411, Some(HResult::E_INVALIDARG), true));

    let create = b"BITS_POST /upload/x HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Create-Session\r\n\
                   BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\nContent-Length: 0\r\n\r\n";
    let (ack, _) = exchange(addr, create, false);
    let id = ack.session_id().unwrap().as_str().to_string();

    // A fragment over the fragment cap: 413 from its head; its 512 MiB are never read.
    let (ack, closed) = exchange(addr, fragment_head(&id, 512 << 20).as_bytes(), true);
    assert_eq!((ack.status().as_u16(), closed), (413, true));
    // A total over the upload cap: 500 BG_E_TOO_LARGE, body unread as well.
    let (ack, closed) = exchange(addr, fragment_head(&id, 100 << 30).as_bytes(), true);
    assert_eq!((ack.status().as_u16(), ack.error_code(), closed), (500, Some(HResult::BG_E_TOO_LARGE), true));

    // Nothing was written for the session.
    let (committed, parts) = stored(&dir);
    assert!(committed.is_empty());
    assert_eq!(parts.len(), 1);
    assert_eq!(std::fs::metadata(&parts[0]).unwrap().len(), 0);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    std::fs::remove_dir_all(&dir).unwrap();
}
