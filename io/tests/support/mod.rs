//! What the io tests share: a server in this process or in a child process, the crate's own
//! client machine over a blocking socket, and raw requests.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bits_codec::bits::client::{Client, ClientConfig, Event, Response, Step};
use bits_codec::bits::{Ack, Guid, ProtocolList, Request, SessionId};
use bits_codec::http1::{ContentRange, RequestTarget};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};
use bits_codec_io::{BitsService, Config, FsStorage};

pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// A fresh directory under the target directory's tmp (removed at the start of the next run).
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join("bits-codec-io-tests").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Test data: `n` bytes that differ at every offset a bug could confuse.
pub fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i.wrapping_mul(31) ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

/// A server on a runtime thread of its own, for as long as the returned handle lives.
pub struct InProcess {
    pub addr: SocketAddr,
    pub service: BitsService<FsStorage>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for InProcess {
    fn drop(&mut self) {
        // Waits for the tasks to be dropped, so the storage (and its root's lock) is free
        // when this returns.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

pub fn start(storage: FsStorage, config: Config) -> InProcess {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (addr, service) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = BitsService::new(storage, config.clone()).await.unwrap();
        let s = service.clone();
        tokio::spawn(async move {
            bits_codec_io::serve(listener, s, &config.limits, std::future::pending()).await.unwrap();
        });
        (addr, service)
    });
    InProcess { addr, service, runtime: Some(rt) }
}

/// The entry point of a server child process: the test binary runs itself with the test
/// `child_server` and these variables set.
pub fn child_server_main() {
    let (Ok(root), Ok(listen)) = (std::env::var("BITS_IO_CHILD_ROOT"), std::env::var("BITS_IO_CHILD_LISTEN")) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let storage = FsStorage::new(&root).unwrap();
        let config = Config::default();
        let service = BitsService::new(storage, config.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind(&listen).await.unwrap();
        println!("listening {} restored={}", listener.local_addr().unwrap(), service.session_count());
        std::io::stdout().flush().unwrap();
        bits_codec_io::serve(listener, service, &config.limits, std::future::pending()).await.unwrap();
    });
}

/// A server in a child process (so that it can be killed with SIGKILL).
pub struct ChildServer {
    pub child: Child,
    pub addr: SocketAddr,
    pub restored: usize,
}

impl ChildServer {
    pub fn spawn(root: &Path, listen: &str) -> Self {
        let exe = std::env::current_exe().unwrap();
        let mut child = Command::new(exe)
            .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
            .env("BITS_IO_CHILD_ROOT", root)
            .env("BITS_IO_CHILD_LISTEN", listen)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = loop {
            let line = lines.next().expect("child exited before listening").unwrap();
            // libtest prints "test child_server ... " on the same line first.
            if let Some(at) = line.find("listening ") {
                break line[at..].to_string();
            }
        };
        let mut words = line.split(' ').skip(1);
        let addr = words.next().unwrap().parse().unwrap();
        let restored = words.next().unwrap().trim_start_matches("restored=").parse().unwrap();
        // Keep reading so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr, restored }
    }

    /// SIGKILL: no destructor, no flush, nothing runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Read one answer from `s` (leftover bytes stay in `buf`). `None` if the connection closed.
pub fn read_ack(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Ack<'static>> {
    loop {
        match Ack::decode(buf) {
            Ok((ack, used)) => {
                let ack = ack.into_owned();
                buf.drain(..used);
                return Ok(ack);
            }
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())),
        }
        let mut chunk = [0u8; 4096];
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Send `bytes` on a new connection and read one Ack.
pub fn exchange(addr: SocketAddr, bytes: &[u8]) -> Ack<'static> {
    let mut s = connect(addr);
    s.write_all(bytes).unwrap();
    read_ack(&mut s, &mut Vec::new()).unwrap()
}

pub fn create_session(addr: SocketAddr, path: &str) -> Ack<'static> {
    let req = Request::create_session(
        RequestTarget::new(path.to_string()).unwrap(),
        ProtocolList::one(Guid::BITS_1_5_UPLOAD),
    );
    exchange(addr, &req.to_vec())
}

pub fn fragment_bytes(path: &str, id: &SessionId<'_>, first: u64, body: &[u8], total: u64) -> Vec<u8> {
    let range = ContentRange::new(first, first + body.len() as u64 - 1, total).unwrap();
    Request::fragment(RequestTarget::new(path.to_string()).unwrap(), id.clone().into_owned(), range, body)
        .unwrap()
        .to_vec()
}

/// The crate's client machine, uploading `data` to `http://ADDR{path}` over blocking sockets.
pub struct Uploader {
    pub client: Client,
    data: Vec<u8>,
    conn: Option<(TcpStream, Vec<u8>)>,
    pub events: Vec<Event>,
    /// Rewrite every endpoint's port (the server came back on another port).
    pub port: Option<u16>,
}

impl Uploader {
    pub fn new(addr: SocketAddr, path: &str, data: Vec<u8>, fragment_len: u64) -> Self {
        let config = ClientConfig::default().fragment_len(fragment_len).max_retries(5);
        let client = Client::new(config, &format!("http://{addr}{path}"), data.len() as u64).unwrap();
        Self { client, data, conn: None, events: Vec::new(), port: None }
    }

    /// One request and its answer. `Ok(true)` once the upload is closed.
    pub fn step(&mut self) -> Result<bool, String> {
        let t = match self.client.poll() {
            Step::Transmit(t) => t,
            Step::Done => return Ok(true),
            other => return Err(format!("client: {other:?} after {:?}", self.events)),
        };
        let body = match t.range() {
            Some(r) => &self.data[r.first() as usize..=r.last() as usize],
            None => &[][..],
        };
        let wire = t.request(body).map_err(|e| e.to_string())?.to_vec();
        let port = self.port.unwrap_or(t.endpoint().port());
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if self.conn.as_ref().is_none_or(|(s, _)| s.peer_addr().ok() != Some(addr)) {
            self.conn = TcpStream::connect_timeout(&addr, IO_TIMEOUT).ok().map(|s| {
                s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
                (s, Vec::new())
            });
        }
        let answer = match self.conn.as_mut() {
            Some((s, buf)) => s.write_all(&wire).and_then(|()| read_answer(s, buf)),
            None => Err(std::io::ErrorKind::ConnectionRefused.into()),
        };
        let event = match answer {
            Ok(bytes) => {
                let (resp, _) = Response::decode_with(&bytes, &DecodeOptions::default()).map_err(|e| e.to_string())?;
                self.client.handle_response(&resp)
            }
            Err(_) => {
                self.conn = None;
                self.client.transport_failed()
            }
        };
        self.events.push(event);
        Ok(self.client.is_finished() && matches!(self.client.poll(), Step::Done))
    }

    pub fn run(&mut self) -> Result<(), String> {
        for _ in 0..100_000 {
            if self.step()? {
                return Ok(());
            }
        }
        Err("too many steps".into())
    }
}

fn read_answer(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    loop {
        match Response::decode_with(buf, &DecodeOptions::default()) {
            Ok((_, used)) => return Ok(buf.drain(..used).collect()),
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())),
        }
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The files left in the session folder (its lock file aside).
pub fn session_files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join(bits_codec_io::storage::SESSIONS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "lock")
        .collect();
    v.sort();
    v
}

/// Send raw bytes, read one response head (whatever produced it: the service or hyper).
/// Returns the status and the head's text; `None` if the connection closed first.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> Option<(u16, String)> {
    let mut s = connect(addr);
    s.write_all(bytes).ok()?;
    read_head(&mut s)
}

pub fn read_head(s: &mut TcpStream) -> Option<(u16, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some((status, text.to_ascii_lowercase()))
}

pub const CREATE_HEADERS: &str = "BITS-Packet-Type: Create-Session\r\nBITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\nContent-Length: 0\r\n";

/// A Create-Session for a raw request target.
pub fn raw_create(target: &str) -> Vec<u8> {
    format!("BITS_POST {target} HTTP/1.1\r\nHost: localhost\r\n{CREATE_HEADERS}\r\n").into_bytes()
}
