//! The upload drivers against the io package's server in this process: byte-exact uploads
//! over one kept-alive connection, and through a fault-injecting proxy (a connection dropped
//! mid-fragment, 416, 413, 503 with `Retry-After`) and a server restart.

#![cfg(feature = "client")]

mod support;

use std::io::{Cursor, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bits_codec::bits::client::{ClientConfig, Response};
use bits_codec::bits::{Ack, RequestHead};
use bits_codec::http1::Status;
use bits_codec::{Decode, DecodeError, Encode};
use bits_codec_io::client::{BitsUpload, Options, Summary, UploadError};
use bits_codec_io::{Config, FsStorage};
use support::*;

/// Not a test of its own: the server child process runs here (see `ChildServer`).
#[test]
fn child_server() {
    child_server_main();
}

const FRAGMENT: u64 = 64 << 10;

fn options() -> Options {
    Options::default()
        .io_timeout(Duration::from_secs(10))
        .reconnect_backoff(Duration::from_millis(50), Duration::from_millis(800))
}

fn upload(addr: SocketAddr, path: &str, file: &[u8], fragment: u64) -> Result<Summary, UploadError> {
    BitsUpload::new(&format!("http://{addr}{path}"), Cursor::new(file.to_vec()), options())?
        .config(ClientConfig::default().fragment_len(fragment).min_fragment_len(1024))
        .run_blocking()
}

#[test]
fn a_blocking_upload_is_byte_exact_over_one_kept_alive_connection_with_progress() {
    let root = scratch("client-basic");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let file = data(10 * FRAGMENT as usize + 123);
    let calls = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(AtomicU64::new(0));
    let (c, l) = (calls.clone(), last.clone());
    let summary = BitsUpload::new(&format!("http://{}/d/a.bin", server.addr), Cursor::new(file.clone()), options())
        .unwrap()
        .config(ClientConfig::default().fragment_len(FRAGMENT))
        .on_progress(move |p| {
            c.fetch_add(1, Ordering::SeqCst);
            assert!(p.received >= l.swap(p.received, Ordering::SeqCst), "progress goes forward");
            assert_eq!(p.total, 10 * FRAGMENT + 123);
        })
        .run_blocking()
        .unwrap();
    assert_eq!(std::fs::read(root.join("d/a.bin")).unwrap(), file);
    // Create-Session, 11 fragments, Close-Session, all on one connection.
    assert_eq!((summary.requests, summary.connections, summary.setbacks), (13, 1, 0), "{summary:?}");
    assert_eq!(summary.sent, file.len() as u64);
    assert_eq!(calls.load(Ordering::SeqCst), 13);
    assert_eq!(last.load(Ordering::SeqCst), file.len() as u64);
}

/// A source that records the largest read asked of it.
struct Recording {
    inner: Cursor<Vec<u8>>,
    largest: Arc<AtomicUsize>,
}

impl Read for Recording {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.largest.fetch_max(buf.len(), Ordering::SeqCst);
        self.inner.read(buf)
    }
}

impl std::io::Seek for Recording {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn a_4_mib_fragment_is_read_from_the_source_64_kib_at_a_time() {
    let root = scratch("client-stream");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let file = data((9 << 20) + 1);
    let largest = Arc::new(AtomicUsize::new(0));
    let source = Recording { inner: Cursor::new(file.clone()), largest: largest.clone() };
    BitsUpload::new(&format!("http://{}/big.bin", server.addr), source, options())
        .unwrap()
        .config(ClientConfig::default().fragment_len(4 << 20))
        .run_blocking()
        .unwrap();
    assert_eq!(std::fs::read(root.join("big.bin")).unwrap(), file);
    assert!(largest.load(Ordering::SeqCst) <= 64 << 10, "{}", largest.load(Ordering::SeqCst));
}

#[test]
fn a_413_shrinks_fragments_and_the_upload_still_ends_byte_exact() {
    let root = scratch("client-413");
    let mut config = Config::default();
    config.limits.max_fragment = 20_000;
    let server = start(FsStorage::new(&root).unwrap(), config);
    let file = data(100_000);
    let summary = upload(server.addr, "/b.bin", &file, FRAGMENT).unwrap();
    assert_eq!(std::fs::read(root.join("b.bin")).unwrap(), file);
    assert!(summary.setbacks >= 2, "64 KiB → 32 KiB → 16 KiB: {summary:?}");
}

/// What the proxy does with one request.
#[derive(Debug, Clone)]
enum Fault {
    /// Pass it on and bring the answer back.
    Forward,
    /// Pass on the head and half the body, then drop both connections.
    DropMidBody,
    /// Read it, answer these bytes instead, keep the connection.
    Answer(Vec<u8>),
    /// Send `100 Continue` first, then pass it on.
    Interim,
}

/// A request-aware proxy in front of `upstream`: `script(n, head)` decides about the `n`th
/// request (from 0, over all connections).
fn proxy(upstream: SocketAddr, script: impl FnMut(usize, &RequestHead<'_>) -> Fault + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let script = Arc::new(Mutex::new((0usize, script)));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let script = script.clone();
            std::thread::spawn(move || relay(client, upstream, &script));
        }
    });
    addr
}

type Script<F> = Mutex<(usize, F)>;

fn relay<F: FnMut(usize, &RequestHead<'_>) -> Fault>(mut client: TcpStream, upstream: SocketAddr, script: &Script<F>) {
    let mut server = connect(upstream);
    let (mut from_client, mut from_server) = (Vec::new(), Vec::new());
    loop {
        // One whole request.
        let (head_len, body_len, fault) = loop {
            if let Ok((head, used)) = RequestHead::decode(&from_client) {
                let mut s = script.lock().unwrap();
                let n = s.0;
                s.0 += 1;
                break (used, head.body_len() as usize, (s.1)(n, &head));
            }
            let mut chunk = [0u8; 65536];
            match client.read(&mut chunk) {
                Ok(n) if n > 0 => from_client.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        };
        let whole = head_len + body_len;
        match fault {
            Fault::DropMidBody => {
                while from_client.len() < head_len + body_len / 2 {
                    let mut chunk = [0u8; 65536];
                    match client.read(&mut chunk) {
                        Ok(n) if n > 0 => from_client.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                }
                let _ = server.write_all(&from_client[..head_len + body_len / 2]);
                std::thread::sleep(Duration::from_millis(100));
                let _ = client.shutdown(Shutdown::Both);
                let _ = server.shutdown(Shutdown::Both);
                return;
            }
            Fault::Forward | Fault::Answer(_) | Fault::Interim => {
                while from_client.len() < whole {
                    let mut chunk = [0u8; 65536];
                    match client.read(&mut chunk) {
                        Ok(n) if n > 0 => from_client.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                }
            }
        }
        let request: Vec<u8> = from_client.drain(..whole).collect();
        if matches!(fault, Fault::Interim) && client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            return;
        }
        let answer = match fault {
            Fault::Answer(bytes) => bytes,
            _ => {
                if server.write_all(&request).is_err() {
                    return;
                }
                loop {
                    match Response::decode(&from_server) {
                        Ok((_, used)) => break from_server.drain(..used).collect(),
                        Err(DecodeError::Incomplete { .. }) => {}
                        Err(_) => return,
                    }
                    let mut chunk = [0u8; 8192];
                    match server.read(&mut chunk) {
                        Ok(n) if n > 0 => from_server.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                }
            }
        };
        if client.write_all(&answer).is_err() {
            return;
        }
    }
}

fn is_fragment_at(head: &RequestHead<'_>, at: u64) -> bool {
    head.content_range().is_some_and(|r| r.first() == at)
}

#[test]
fn a_connection_dropped_mid_fragment_is_reopened_and_the_upload_ends_byte_exact() {
    let root = scratch("client-drop");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let mut dropped = 0;
    let addr = proxy(server.addr, move |_, head| {
        if dropped < 2 && is_fragment_at(head, 3 * FRAGMENT) {
            dropped += 1;
            return Fault::DropMidBody;
        }
        Fault::Forward
    });
    let file = data(6 * FRAGMENT as usize + 5);
    let summary = upload(addr, "/c.bin", &file, FRAGMENT).unwrap();
    assert_eq!(std::fs::read(root.join("c.bin")).unwrap(), file);
    assert_eq!(summary.connections, 3, "{summary:?}");
    assert_eq!(summary.setbacks, 2, "{summary:?}");
}

#[test]
fn a_416_with_an_earlier_offset_moves_the_client_back_and_the_upload_ends_byte_exact() {
    let root = scratch("client-416");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let mut once = true;
    let addr = proxy(server.addr, move |_, head| {
        if once && is_fragment_at(head, 4 * FRAGMENT) {
            once = false;
            // "I have only the first two fragments": the client goes back there.
            return Fault::Answer(Ack::fragment_received(Status::RANGE_NOT_SATISFIABLE, 2 * FRAGMENT).to_vec());
        }
        Fault::Forward
    });
    let file = data(6 * FRAGMENT as usize);
    let summary = upload(addr, "/d.bin", &file, FRAGMENT).unwrap();
    assert_eq!(std::fs::read(root.join("d.bin")).unwrap(), file);
    assert_eq!(summary.connections, 1, "a framed 416 keeps the connection: {summary:?}");
    assert!(summary.sent > file.len() as u64, "fragments 2 and 3 went twice: {summary:?}");
}

#[test]
fn a_100_continue_before_an_ack_is_skipped_on_the_same_connection() {
    let root = scratch("client-100");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let addr = proxy(server.addr, |_, _| Fault::Interim);
    let file = data(3 * FRAGMENT as usize);
    let summary = upload(addr, "/f.bin", &file, FRAGMENT).unwrap();
    assert_eq!(std::fs::read(root.join("f.bin")).unwrap(), file);
    assert_eq!((summary.requests, summary.connections, summary.setbacks), (5, 1, 0), "{summary:?}");
}

#[test]
fn an_unreachable_host_id_host_is_given_up_for_the_origin_after_its_fallback_timeout() {
    let root = scratch("client-host-id");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let mut once = true;
    let addr = proxy(server.addr, move |_, head| {
        if once && head.packet_type().as_str() == "Create-Session" {
            once = false;
            // A farm host nobody listens on, with a fallback timeout of 0 s.
            let id = bits_codec::bits::SessionId::new("{00000000-0000-0000-0000-000000000001}").unwrap();
            let ack = Ack::session_created(bits_codec::bits::Guid::BITS_1_5_UPLOAD, id)
                .with_host_id(bits_codec::http1::FieldValue::new("127.0.0.1:1").unwrap(), Some(0));
            return Fault::Answer(ack.to_vec());
        }
        Fault::Forward
    });
    let file = data(2 * FRAGMENT as usize + 9);
    // Back at the origin the made-up session is unknown: a new one, and the upload.
    upload(addr, "/h.bin", &file, FRAGMENT).unwrap();
    assert_eq!(std::fs::read(root.join("h.bin")).unwrap(), file);
}

#[test]
fn a_503_with_retry_after_is_waited_out_then_the_upload_resumes_with_a_ping() {
    let root = scratch("client-503");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let pings = Arc::new(AtomicUsize::new(0));
    let p = pings.clone();
    let mut once = true;
    let addr = proxy(server.addr, move |_, head| {
        if head.packet_type().as_str() == "Ping" {
            p.fetch_add(1, Ordering::SeqCst);
        }
        if once && is_fragment_at(head, 2 * FRAGMENT) {
            once = false;
            return Fault::Answer(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_vec(),
            );
        }
        Fault::Forward
    });
    let file = data(4 * FRAGMENT as usize + 1);
    let started = std::time::Instant::now();
    let summary = upload(addr, "/e.bin", &file, FRAGMENT).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert_eq!(std::fs::read(root.join("e.bin")).unwrap(), file);
    assert_eq!(pings.load(Ordering::SeqCst), 1);
    assert_eq!(summary.setbacks, 1, "{summary:?}");
}

#[test]
fn a_server_restart_mid_upload_is_ridden_out_and_the_upload_ends_byte_exact() {
    let root = scratch("client-restart");
    let first = ChildServer::spawn(&root, "127.0.0.1:0");
    let addr = first.addr;
    let file = data(40 * FRAGMENT as usize + 7);
    let (tx, rx) = std::sync::mpsc::channel();
    let uploader = {
        let file = file.clone();
        std::thread::spawn(move || {
            let mut told = false;
            BitsUpload::new(&format!("http://{addr}/r/big.bin"), Cursor::new(file), options())
                .unwrap()
                .config(ClientConfig::default().fragment_len(FRAGMENT))
                .on_progress(move |p| {
                    if !told && p.received >= 10 * FRAGMENT {
                        told = true;
                        let _ = tx.send(());
                    }
                    // Slow enough for the restart to land mid-upload.
                    std::thread::sleep(Duration::from_millis(10));
                })
                .run_blocking()
        })
    };
    rx.recv().unwrap();
    first.kill9();
    std::thread::sleep(Duration::from_millis(300));
    let second = ChildServer::spawn(&root, &addr.to_string());
    assert_eq!(second.restored, 1);
    let summary = uploader.join().unwrap().unwrap();
    assert_eq!(std::fs::read(root.join("r/big.bin")).unwrap(), file);
    assert!(summary.connections >= 2 && summary.setbacks >= 1, "{summary:?}");
}

/// A test CA, and a TLS terminator in front of `upstream` with a certificate for `localhost`
/// the CA signed: the CA's DER, its PEM and the terminator's port.
fn tls_terminator(rt: &tokio::runtime::Runtime, upstream: SocketAddr) -> (Vec<u8>, String, u16) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (ca.der().to_vec(), ca.pem(), port)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

#[cfg(feature = "tokio-client")]
#[test]
fn a_tokio_upload_is_byte_exact_over_one_connection_and_rides_out_a_dropped_one() {
    let root = scratch("client-tokio");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let mut dropped = false;
    let addr = proxy(server.addr, move |_, head| {
        if !dropped && is_fragment_at(head, 5 * FRAGMENT) {
            dropped = true;
            return Fault::DropMidBody;
        }
        Fault::Forward
    });
    let file = data(8 * FRAGMENT as usize + 3);
    let path = root.join("source.bin");
    std::fs::write(&path, &file).unwrap();
    let summary = runtime()
        .block_on(async {
            let source = tokio::fs::File::open(&path).await.unwrap();
            BitsUpload::new(&format!("http://{addr}/t/a.bin"), source, options())
                .unwrap()
                .config(ClientConfig::default().fragment_len(FRAGMENT))
                .run()
                .await
        })
        .unwrap();
    assert_eq!(std::fs::read(root.join("t/a.bin")).unwrap(), file);
    assert_eq!((summary.connections, summary.setbacks), (2, 1), "{summary:?}");
}

#[test]
fn an_https_upload_with_a_custom_root_is_byte_exact_and_an_unknown_root_is_refused() {
    let root = scratch("client-tls");
    let server = start(FsStorage::new(&root).unwrap(), Config::default());
    let rt = runtime();
    let (ca, pem, port) = tls_terminator(&rt, server.addr);
    let file = data(5 * FRAGMENT as usize + 1);
    let url = format!("https://localhost:{port}/s/a.bin");
    let tls = bits_codec_io::client::Tls::no_roots().with_root(&ca).unwrap();
    let summary = BitsUpload::new(&url, Cursor::new(file.clone()), options().tls(tls.clone()))
        .unwrap()
        .config(ClientConfig::default().fragment_len(FRAGMENT))
        .run_blocking()
        .unwrap();
    assert_eq!(std::fs::read(root.join("s/a.bin")).unwrap(), file);
    assert_eq!(summary.connections, 1);

    #[cfg(feature = "tokio-client")]
    {
        let url = format!("https://localhost:{port}/s/b.bin");
        let path = root.join("b.src");
        std::fs::write(&path, &file).unwrap();
        rt.block_on(async {
            let source = tokio::fs::File::open(&path).await.unwrap();
            // The same root, read from PEM text.
            let tls = bits_codec_io::client::Tls::no_roots().with_pem_roots(pem.as_bytes()).unwrap();
            BitsUpload::new(&url, source, options().tls(tls)).unwrap().run().await.unwrap();
        });
        assert_eq!(std::fs::read(root.join("s/b.bin")).unwrap(), file);
    }

    // Mozilla's roots do not know the test CA: every connection fails, and so does the upload.
    assert!(bits_codec_io::client::Tls::no_roots().with_pem_roots(b"no certificate here").is_err());
    let _ = (&pem, &tls);
    let quick = options().max_waits(0).reconnect_backoff(Duration::from_millis(1), Duration::from_millis(1));
    let err = BitsUpload::new(&url, Cursor::new(file), quick).unwrap().run_blocking().unwrap_err();
    assert!(matches!(err, UploadError::Bits(_)), "{err}");
}

/// test-support's Graph example server over plain HTTP on `listener`, storing in `store`
/// ((committed?, session) → bytes).
/// The uploads test-support's Graph server committed (`DIR/committed/*.bin`), in name order.
fn committed(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("committed")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn a_graph_upload_over_https_is_byte_exact_and_the_upload_url_never_gets_the_token() {
    use bits_codec_io::client::GraphUpload;
    use bits_codec_test_support::graph_server::net::{NetConfig, NetServer};
    // test-support's Graph server on plain HTTP, behind a TLS terminator whose origin the
    // upload URLs carry.
    let dir = std::env::temp_dir().join(format!("bits-codec-io-graph-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let plain = TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_addr = plain.local_addr().unwrap();
    drop(plain); // the address for the server; the terminator needs it first
    let rt = runtime();
    let (ca, _, port) = tls_terminator(&rt, plain_addr);
    let config = NetConfig {
        listen: plain_addr,
        origin: Some(format!("https://localhost:{port}")),
        dir: Some(dir.clone()),
        ..NetConfig::default()
    };
    let _server = NetServer::bind(config).unwrap().spawn();
    // Three full 320 KiB fragments and a short last one.
    let file = data(3 * 327_680 + 1000);
    let tls = bits_codec_io::client::Tls::no_roots().with_root(&ca).unwrap();
    let create = format!("https://localhost:{port}/v1.0/me/drive/root:/big.bin:/createUploadSession");
    let config = bits_codec::graph::client::ClientConfig::default().fragment_len(327_680);
    let summary = GraphUpload::new(&create, Cursor::new(file.clone()), options().tls(tls.clone()))
        .unwrap()
        .config(config.clone())
        .header("Authorization", "Bearer test-token")
        .unwrap()
        .run_blocking()
        .unwrap();
    // The server answers 401 to an uploadUrl request carrying Authorization: none did.
    assert_eq!(committed(&dir), std::slice::from_ref(&file), "{summary:?}");
    assert_eq!((summary.requests, summary.connections), (5, 1), "{summary:?}");

    #[cfg(feature = "tokio-client")]
    {
        let summary = rt
            .block_on(
                GraphUpload::new(&create, Cursor::new(file.clone()), options().tls(tls))
                    .unwrap()
                    .config(config)
                    .header("Authorization", "Bearer test-token")
                    .unwrap()
                    .run(),
            )
            .unwrap();
        assert_eq!(committed(&dir), [file.clone(), file.clone()], "{summary:?}");
    }
}
