//! A real BITS upload over loopback, built only from the codec and the two session machines
//! (or, with `--graph`, a Microsoft Graph upload session: see below).
//!
//! ```sh
//! cargo run --release --example loopback_upload -- FILE [--fragment-size N] [--inject-gap]
//!     [--drop-ack] [--cancel] [--host-id] [--server-max-fragment N] [--quiet]
//! cargo run --release --example loopback_upload -- FILE --graph [--variant drive|outlook|todo|print]
//!     [--fragment-size N] [--inject-gap] [--drop-ack] [--cancel] [--throttle] [--quiet]
//! ```
//!
//! Starts a BITS server on 127.0.0.1 (any free port; std::net and one thread), uploads FILE
//! to it with [`Client`] in fragments over a real TCP connection, prints one line per packet,
//! then checks that the server stored the file byte for byte and left no session data behind.
//! Exits 0 on success (for `--cancel`: when the cancelled upload left nothing on the server).
//!
//! The server decodes each request head alone ([`RequestHead`]) and streams the Fragment body
//! straight to the session's file, so memory stays at one read buffer whatever the file size.
//!
//! Faults:
//! - `--inject-gap`: the first fragment of at least 2 bytes is sent without its first half (a
//!   fragment that lost its start); the server answers 416 and the client resumes where the
//!   server says. A 0- or 1-byte file has no room for a gap: nothing is injected.
//! - `--drop-ack`: the server does the work for the final fragment, then closes the connection
//!   instead of answering; the client reconnects and sends the final fragment again, which the
//!   server re-Acks. For a 0-byte file (no fragment) the Close-Session Ack is dropped: the retry
//!   finds the session gone and the client uploads again from Create-Session.
//! - `--cancel`: the client cancels after the first Fragment Ack (after Create-Session for a
//!   0-byte file).
//! - `--host-id`: the server sends `BITS-Host-Id: 127.0.0.1:PORT` (a Host-Id with a port);
//!   the client Pings it and sends everything after Create-Session there.
//! - `--server-max-fragment N`: the server answers 413 to fragments over N bytes; the client
//!   halves its fragments until they fit (never below 5 KiB).
//!
//! 0-byte files: [MC-BUP] cannot express an empty range, so the client sends Create-Session
//! then Close-Session with no fragment, and this server commits an empty file because it is
//! configured with `allow_empty_upload(true)` (the library's default refuses it).
//!
//! Every socket has read and write timeouts, the whole run has a deadline, and only
//! 127.0.0.1 is ever contacted.
//!
//! `--graph [--variant drive|outlook|todo|print] [--throttle]`: the same over a Microsoft
//! Graph-shaped upload session, built only from the codec, `graph::server::Server` and
//! [`Client`]: `createUploadSession` (with `Authorization`) → `uploadUrl` on
//! 127.0.0.1:PORT → `PUT` fragments (origin-form, no `Authorization` except To Do, fragments
//! per the variant's planner: 10 MiB driveItem, 3 MiB Outlook and To Do, 8 MiB Print unless
//! `--fragment-size` says otherwise) → completion (the item, or 201 + `Location`). The server
//! reads each request whole (a fragment is at most 60 MiB) and writes its body to the
//! session's file. In Graph mode:
//! - `--inject-gap`: as above; driveItem, Outlook and To Do answer 416 `fragmentOutOfOrder`
//!   and the client resumes from a status `GET`; Print takes segments in any order, so the
//!   half fragment is stored and the client fills the hole the server then reports.
//! - `--drop-ack`: the server stores the *first* fragment and closes the connection without
//!   answering; the client asks for the status (`GET`) and goes on from the server's ranges
//!   (for a one-fragment file the server answers the status of its completed session with
//!   the completion again).
//! - `--cancel`: `DELETE` after the first fragment's answer (after the create for a file of
//!   one fragment); the server must keep nothing.
//! - `--throttle`: the first fragment is answered 429 with `Retry-After: 1`; the client
//!   sleeps a second and resumes from a status `GET`.
//!
//! A 0-byte file cannot use a Graph upload session (`Content-Range` needs a total above 0):
//! the client refuses it before any request, and the run reports that as its outcome.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bits_codec::bits::client::{Client, ClientConfig, Event, Response, Step, TransmitKind};
use bits_codec::bits::server::{Action, Server, ServerConfig, sequential_ids};
use bits_codec::bits::{Ack, ErrorContext, Guid, HResult, Request, RequestHead};
use bits_codec::graph::Variant;
use bits_codec::graph::client::Event as GraphEvent;
use bits_codec::http1::{ContentRange, FieldValue, Status};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

/// Read and write timeout of every socket.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole run, server included.
const DEADLINE: Duration = Duration::from_secs(600);
/// Read buffer size, and the largest piece of a body held in memory.
const CHUNK: usize = 256 * 1024;

/// What to upload and which faults to inject.
#[derive(Debug, Clone)]
pub struct Options {
    pub file: PathBuf,
    /// Default: 1 MiB for BITS, the variant's default for Graph.
    pub fragment_len: Option<u64>,
    pub inject_gap: bool,
    pub drop_ack: bool,
    pub cancel: bool,
    pub host_id: bool,
    pub server_max_fragment: Option<u64>,
    pub quiet: bool,
    /// A Graph upload session of this variant instead of BITS.
    pub graph: Option<Variant>,
    /// Graph: answer the first fragment 429 with `Retry-After: 1`.
    pub throttle: bool,
}

impl Options {
    pub fn new(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            fragment_len: None,
            inject_gap: false,
            drop_ack: false,
            cancel: false,
            host_id: false,
            server_max_fragment: None,
            quiet: false,
            graph: None,
            throttle: false,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server committed the file and it is identical to the source.
    Uploaded,
    /// The upload was cancelled and the server kept nothing.
    Cancelled,
    /// Graph, 0 bytes: refused before any request (an upload session cannot carry 0 bytes).
    Refused,
}

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    pub bytes: u64,
    pub requests: usize,
    pub elapsed: Duration,
    /// One line per packet.
    pub trace: Vec<String>,
    /// The BITS client's events.
    pub events: Vec<Event>,
    /// The Graph client's events.
    pub graph_events: Vec<GraphEvent>,
}

/// Upload `opts.file` to a server on 127.0.0.1 and check what the server stored.
pub fn run(opts: &Options) -> Result<Report, String> {
    let start = Instant::now();
    let deadline = start + DEADLINE;
    let total = fs::metadata(&opts.file).map_err(|e| format!("{}: {e}", opts.file.display()))?.len();
    let dir = scratch_dir().map_err(|e| format!("scratch directory: {e}"))?;
    let result = match opts.graph {
        Some(variant) => graph_mode::upload(opts, variant, total, &dir, deadline)
            .map(|(outcome, requests, trace, graph_events)| (outcome, requests, trace, Vec::new(), graph_events)),
        None => upload(opts, total, &dir, deadline)
            .map(|(outcome, requests, trace, events)| (outcome, requests, trace, events, Vec::new())),
    };
    let result = result.and_then(|(outcome, requests, trace, events, graph_events)| {
        verify(opts, outcome, &dir)?;
        Ok(Report { outcome, bytes: total, requests, elapsed: start.elapsed(), trace, events, graph_events })
    });
    let _ = fs::remove_dir_all(&dir);
    result
}

type Uploaded = (Outcome, usize, Vec<String>, Vec<Event>);

fn upload(opts: &Options, total: u64, dir: &Path, deadline: Instant) -> Result<Uploaded, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let server_log = Arc::new(Mutex::new(Vec::new()));
    let server = {
        let (stop, log, dir, opts) = (stop.clone(), server_log.clone(), dir.to_path_buf(), opts.clone());
        thread::spawn(move || serve(listener, &opts, &dir, &stop, deadline, &log))
    };
    let client = upload_with_client(opts, total, addr, deadline, &server_log);
    stop.store(true, Ordering::SeqCst);
    let served = server.join().map_err(|_| "the server thread panicked".to_string())?;
    let uploaded = client?;
    served.map_err(|e| format!("server: {e}"))?;
    Ok(uploaded)
}

// ---------------------------------------------------------------- client side

struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

fn upload_with_client(
    opts: &Options,
    total: u64,
    addr: SocketAddr,
    deadline: Instant,
    server_log: &Mutex<Vec<String>>,
) -> Result<Uploaded, String> {
    let name = opts.file.file_name().and_then(|n| n.to_str()).unwrap_or("upload.bin");
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let url = format!("http://{addr}/upload/{name}");
    let config = ClientConfig::default()
        .fragment_len(opts.fragment_len.unwrap_or(1 << 20))
        .content_name(FieldValue::new(name.clone()).map_err(|e| e.to_string())?);
    let mut client = Client::new(config, &url, total).map_err(|e| e.to_string())?;
    let mut file = File::open(&opts.file).map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    let mut conn: Option<Connection> = None;
    let mut trace = Vec::new();
    let mut events = Vec::new();
    let mut requests = 0;
    let mut gap_done = !opts.inject_gap;
    let mut cancel_pending = opts.cancel;
    let mut log = |line: String| {
        if !opts.quiet {
            println!("{line}");
        }
        trace.push(line);
    };
    if opts.inject_gap && total < 2 {
        log(format!("(--inject-gap: a {total}-byte file has no room for a gap; nothing injected)"));
    }
    loop {
        if Instant::now() > deadline {
            return Err("deadline passed".into());
        }
        for line in server_log.lock().map_err(|_| "log lock")?.drain(..) {
            log(line);
        }
        let t = match client.poll() {
            Step::Transmit(t) => t,
            Step::FetchReply(_) => {
                client.reply_fetched(); // this server sends no reply
                continue;
            }
            Step::Done => return Ok((Outcome::Uploaded, requests, trace, events)),
            Step::Cancelled => return Ok((Outcome::Cancelled, requests, trace, events)),
            Step::AwaitingResponse => return Err("client waits for an Ack it was never sent".into()),
            Step::Failed(e) => return Err(format!("upload failed: {e}")),
            other => return Err(format!("a step this driver does not know: {other:?}")),
        };
        // Only ever 127.0.0.1, whatever a Host-Id says.
        let endpoint = t.endpoint();
        if endpoint.host() != "127.0.0.1" {
            return Err(format!("refusing to contact {}", endpoint.host()));
        }
        let target_addr = SocketAddr::from(([127, 0, 0, 1], endpoint.port()));
        let (range, note) = load_fragment(t.range(), &mut gap_done, &mut file, &mut body)?;
        let request = match (t.kind(), range) {
            (TransmitKind::Fragment(_), Some(r)) => {
                let id = t.session_id().ok_or("fragment without a session")?.clone();
                Request::fragment(t.target().clone(), id, r, &body[..])
                    .map_err(|e| e.to_string())?
                    .with_host(FieldValue::new(endpoint.authority()).map_err(|e| e.to_string())?)
                    .with_content_name(FieldValue::new(name.clone()).map_err(|e| e.to_string())?)
            }
            _ => t.request(&body).map_err(|e| e.to_string())?,
        };
        log(format!("→ {}{note}", describe_request(&request)));
        requests += 1;
        let mut head = Vec::with_capacity(512);
        request.encode_head(&mut head);
        if conn.as_ref().is_none_or(|c| c.stream.peer_addr().ok() != Some(target_addr)) {
            conn = Some(connect(target_addr).map_err(|e| format!("connect {target_addr}: {e}"))?);
        }
        let Some(c) = conn.as_mut() else { unreachable!() };
        let sent = c.stream.write_all(&head).and_then(|()| c.stream.write_all(request.body()));
        let answer = match sent {
            Ok(()) => read_answer(c),
            Err(e) => Err(e),
        };
        for line in server_log.lock().map_err(|_| "log lock")?.drain(..) {
            log(line);
        }
        let event = match answer {
            Ok((resp_bytes, used)) => {
                let (resp, _) = Response::decode_with(&resp_bytes[..used], &DecodeOptions::default())
                    .map_err(|e| format!("answer: {e}"))?;
                log(format!("← {}", describe_response(&resp)));
                let ev = client.handle_response(&resp);
                if let Some(c) = conn.as_mut() {
                    c.buf.drain(..used);
                }
                ev
            }
            Err(e) => {
                log(format!("← (no answer: {e})"));
                conn = None;
                client.transport_failed()
            }
        };
        let fragment_acked =
            matches!(event, Event::Progress { .. } | Event::Resynced { .. } | Event::AllBytesReceived { .. });
        let created = matches!(event, Event::SessionCreated { .. });
        events.push(event);
        if cancel_pending && (fragment_acked || (created && total == 0)) {
            cancel_pending = false;
            log("(cancelling)".into());
            client.cancel();
        }
    }
}

/// Read the bytes of the fragment the client asked for (`range`, if any) into `body`. With
/// `--inject-gap` (`gap_done` still false), the first range of at least 2 bytes loses its
/// first half; the note says so for the log. Returns the range actually sent.
fn load_fragment(
    range: Option<ContentRange>,
    gap_done: &mut bool,
    file: &mut File,
    body: &mut Vec<u8>,
) -> Result<(Option<ContentRange>, String), String> {
    let mut range = range;
    let mut note = String::new();
    if let (false, Some(r)) = (*gap_done, range)
        && r.len() >= 2
    {
        *gap_done = true;
        let shifted = ContentRange::new(r.first() + r.len() / 2, r.last(), r.total()).map_err(|e| e.to_string())?;
        note = format!("   [injected gap: the client asked for {r}]");
        range = Some(shifted);
    }
    if let Some(r) = range {
        body.resize(r.len() as usize, 0);
        file.seek(SeekFrom::Start(r.first())).map_err(|e| e.to_string())?;
        file.read_exact(body).map_err(|e| format!("reading the source file: {e}"))?;
    } else {
        body.clear();
    }
    Ok((range, note))
}

fn connect(addr: SocketAddr) -> io::Result<Connection> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(Connection { stream, buf: Vec::with_capacity(4096) })
}

/// Read until one whole answer is buffered; returns the buffer's contents and its length.
fn read_answer(c: &mut Connection) -> io::Result<(Vec<u8>, usize)> {
    loop {
        match Response::decode_with(&c.buf, &DecodeOptions::default()) {
            Ok((_, used)) => return Ok((c.buf[..used].to_vec(), used)),
            Err(DecodeError::Incomplete { .. }) => {}
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        }
        let mut chunk = [0u8; 4096];
        let n = c.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        c.buf.extend_from_slice(&chunk[..n]);
    }
}

fn describe_request(r: &Request<'_>) -> String {
    let mut s = r.packet_type().as_str().to_string();
    if let Some(range) = r.content_range() {
        s.push_str(&format!(" {range}"));
    }
    if let Some(id) = r.session_id() {
        s.push_str(&format!(" session={id}"));
    }
    if let Some(h) = r.host() {
        s.push_str(&format!(" host={}", h.to_str().unwrap_or("?")));
    }
    s
}

fn describe_response(resp: &Response<'_>) -> String {
    let Response::Ack(a) = resp else {
        return format!("{} (not a BITS Ack)", resp.status());
    };
    let mut s = format!("{} {}", a.status(), a.reason().to_str().unwrap_or(""));
    if let Some(p) = a.protocol() {
        s.push_str(&format!(" protocol={p}"));
    }
    if let Some(id) = a.session_id() {
        s.push_str(&format!(" session={id}"));
    }
    if let Some(h) = a.host_id() {
        s.push_str(&format!(" host-id={}", h.to_str().unwrap_or("?")));
    }
    if let Some(n) = a.received_content_range() {
        s.push_str(&format!(" received={n}"));
    }
    if let Some(code) = a.error_code() {
        s.push_str(&format!(" error={code}"));
    }
    s
}

// ---------------------------------------------------------------- server side

struct Storage {
    dir: PathBuf,
}

impl Storage {
    fn part(&self, id: Guid) -> PathBuf {
        self.dir.join(format!("{:032x}.part", id.as_u128()))
    }

    fn committed(&self, destination: &str) -> PathBuf {
        let name = destination.rsplit('/').next().unwrap_or("upload.bin");
        self.dir.join("committed").join(name)
    }
}

fn serve(
    listener: TcpListener,
    opts: &Options,
    dir: &Path,
    stop: &AtomicBool,
    deadline: Instant,
    log: &Mutex<Vec<String>>,
) -> io::Result<()> {
    let port = listener.local_addr()?.port();
    let mut config = ServerConfig::default().allow_empty_upload(true).max_fragment_len(opts.server_max_fragment);
    if opts.host_id {
        let host = FieldValue::new(format!("127.0.0.1:{port}")).map_err(io::Error::other)?;
        config = config.host_id(host, Some(60));
    }
    let seed = u128::from(port) << 64 | 0x1234;
    let mut server = Server::new(config, sequential_ids(seed));
    let storage = Storage { dir: dir.to_path_buf() };
    fs::create_dir_all(dir.join("committed"))?;
    let mut drop_pending = opts.drop_ack;
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, peer)) => {
                if !peer.ip().is_loopback() {
                    continue;
                }
                stream.set_nonblocking(false)?;
                stream.set_read_timeout(Some(IO_TIMEOUT))?;
                stream.set_write_timeout(Some(IO_TIMEOUT))?;
                stream.set_nodelay(true)?;
                serve_connection(stream, &mut server, &storage, &mut drop_pending, log, stop)?;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Serve requests on one connection until the client closes it (or a fault closes it).
fn serve_connection(
    mut stream: TcpStream,
    server: &mut Server,
    storage: &Storage,
    drop_pending: &mut bool,
    log: &Mutex<Vec<String>>,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        // The head, alone: the body is streamed after the answer is known.
        let (reply, head_len, body_len) = loop {
            match RequestHead::decode(&buf) {
                Ok((head, used)) => break (server.handle(&head), used, head.body_len()),
                Err(DecodeError::Incomplete { .. }) => {}
                Err(DecodeError::Invalid(e)) => {
                    stream.write_all(&server.reject(e.kind).to_vec())?;
                    return Ok(()); // framing is lost: close
                }
                Err(e) => return Err(io::Error::other(e.to_string())),
            }
            let n = match stream.read(&mut chunk) {
                Ok(n) => n,
                // The client went quiet with nothing pending: it is done with this connection.
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) && buf.is_empty() => {
                    0
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => 0,
                Err(e) => return Err(e),
            };
            if n == 0 || stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        buf.drain(..head_len);
        let mut ack = reply.ack;
        let mut failed = None;
        match &reply.action {
            Action::Open { session, .. } => {
                if let Err(e) = File::create(storage.part(*session)) {
                    failed = Some(e);
                }
            }
            Action::Commit { session, destination, .. } => {
                if let Err(e) = fs::rename(storage.part(*session), storage.committed(destination)) {
                    failed = Some(e);
                }
            }
            Action::Discard { session, .. } => {
                let _ = fs::remove_file(storage.part(*session));
            }
            _ => {}
        }
        // Stream the body (every request's, written or not, to keep the framing).
        let write = match &reply.action {
            Action::Write(w) => Some(*w),
            _ => None,
        };
        let mut out = match write {
            Some(w) => {
                let mut f = OpenOptions::new().write(true).open(storage.part(w.session))?;
                f.seek(SeekFrom::Start(w.offset))?;
                Some(f)
            }
            None => None,
        };
        let mut at = 0u64; // position in the body
        while at < body_len {
            if buf.is_empty() {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    // Cut short: whatever was promised is undone.
                    if write.is_some() {
                        let _ = server.action_failed(
                            &reply.action,
                            Status::new(400).map_err(io::Error::other)?,
                            HResult::E_INVALIDARG,
                            ErrorContext::REMOTE_FILE,
                        );
                    }
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let take = (body_len - at).min(buf.len() as u64) as usize;
            if let (Some(w), Some(f)) = (write, out.as_mut()) {
                // The part of [at, at + take) inside [skip, skip + len).
                let from = at.max(w.skip);
                let to = (at + take as u64).min(w.skip + w.len);
                if from < to {
                    let piece = &buf[(from - at) as usize..(to - at) as usize];
                    if let Err(e) = f.write_all(piece) {
                        failed.get_or_insert(e);
                    }
                }
            }
            buf.drain(..take);
            at += take as u64;
        }
        if let Some(e) = failed {
            let hr =
                if e.kind() == io::ErrorKind::StorageFull { HResult::ERROR_DISK_FULL } else { HResult(0x8000_4005) };
            let status = Status::new(500).map_err(io::Error::other)?;
            ack = server.action_failed(&reply.action, status, hr, ErrorContext::REMOTE_FILE);
        }
        let drop_this = *drop_pending
            && match &reply.action {
                Action::Write(w) => w.completes,
                Action::Commit { len: 0, .. } => true,
                _ => false,
            };
        if drop_this {
            *drop_pending = false;
            if let Ok(mut l) = log.lock() {
                l.push("   [server: did the work, dropping the Ack and closing the connection]".into());
            }
            return Ok(());
        }
        send(&mut stream, &ack)?;
    }
}

fn send(stream: &mut TcpStream, ack: &Ack<'_>) -> io::Result<()> {
    let mut out = Vec::with_capacity(ack.encoded_len());
    ack.encode(&mut out);
    stream.write_all(&out)
}

// ---------------------------------------------------------------- verification

fn verify(opts: &Options, outcome: Outcome, dir: &Path) -> Result<(), String> {
    let leftovers: Vec<_> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
        .map(|e| e.file_name())
        .collect();
    let committed: Vec<_> = fs::read_dir(dir.join("committed"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    match outcome {
        Outcome::Cancelled | Outcome::Refused => {
            if !committed.is_empty() || !leftovers.is_empty() {
                return Err(format!("{outcome:?}, yet the server kept {committed:?} {leftovers:?}"));
            }
        }
        Outcome::Uploaded => {
            // A restarted upload (lost session) may leave the first session's part file; our
            // server never loses sessions, so any leftover is a bug.
            if !leftovers.is_empty() {
                return Err(format!("session data left behind: {leftovers:?}"));
            }
            let [stored] = committed.as_slice() else {
                return Err(format!("expected one committed file, found {committed:?}"));
            };
            same_bytes(&opts.file, stored)?;
        }
    }
    Ok(())
}

fn same_bytes(a: &Path, b: &Path) -> Result<(), String> {
    let (mut fa, mut fb) = (File::open(a).map_err(|e| e.to_string())?, File::open(b).map_err(|e| e.to_string())?);
    let (la, lb) = (fa.metadata().map_err(|e| e.to_string())?.len(), fb.metadata().map_err(|e| e.to_string())?.len());
    if la != lb {
        return Err(format!("stored {lb} bytes, the source has {la}"));
    }
    let (mut ba, mut bb) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    let mut at = 0u64;
    while at < la {
        let n = CHUNK.min((la - at) as usize);
        fa.read_exact(&mut ba[..n]).map_err(|e| e.to_string())?;
        fb.read_exact(&mut bb[..n]).map_err(|e| e.to_string())?;
        if ba[..n] != bb[..n] {
            let i = ba[..n].iter().zip(&bb[..n]).position(|(x, y)| x != y).unwrap_or(0);
            return Err(format!("stored file differs at byte {}", at + i as u64));
        }
        at += n as u64;
    }
    Ok(())
}

fn scratch_dir() -> io::Result<PathBuf> {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("bits-loopback-{}-{n}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

// ---------------------------------------------------------------- Graph mode

/// `--graph`: a Graph-shaped upload session over loopback.
mod graph_mode {
    use super::*;
    use crate::graph_server::{Action, Server, ServerConfig};
    use bits_codec::graph::client::{Client, ClientConfig, ClientError, Step, TransmitKind};
    use bits_codec::graph::{
        AttachmentItem, AttachmentType, CreateSessionBody, DriveItemSessionRequest, DriveItemUploadableProperties,
        ODataError, PrintDocumentUploadProperties, Request, Response, ResponseBody, RetryAfter,
    };
    use bits_codec::http1::{FieldName, RequestTarget};

    const TOKEN: &str = "Bearer loopback-token";
    /// The largest request the server reads (driveItem fragments are under 60 MiB).
    const MAX_BODY: u64 = 64 << 20;

    pub(super) type Uploaded = (Outcome, usize, Vec<String>, Vec<GraphEvent>);

    pub(super) fn upload(
        opts: &Options,
        variant: Variant,
        total: u64,
        dir: &Path,
        deadline: Instant,
    ) -> Result<Uploaded, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let server_log = Arc::new(Mutex::new(Vec::new()));
        fs::create_dir_all(dir.join("committed")).map_err(|e| e.to_string())?;
        let server = {
            let (stop, log, dir, opts) = (stop.clone(), server_log.clone(), dir.to_path_buf(), opts.clone());
            thread::spawn(move || serve(listener, &opts, &dir, &stop, deadline, &log))
        };
        let client = upload_with_client(opts, variant, total, addr, deadline, &server_log);
        stop.store(true, Ordering::SeqCst);
        let served = server.join().map_err(|_| "the server thread panicked".to_string())?;
        let uploaded = client?;
        served.map_err(|e| format!("server: {e}"))?;
        Ok(uploaded)
    }

    /// The `createUploadSession` request of `variant` for a file `name` of `total` bytes.
    fn create_request(variant: Variant, name: &str, total: u64, addr: SocketAddr) -> Result<Request<'static>, String> {
        let (target, body) = match variant {
            Variant::OutlookAttachment => (
                "/v1.0/me/messages/AAMkADI5MAAIT3drCAAA=/attachments/createUploadSession".to_string(),
                CreateSessionBody::Attachment(AttachmentItem::new(AttachmentType::File, name.to_string(), total)),
            ),
            Variant::TaskAttachment => (
                "/v1.0/me/todo/lists/AAMDiFkfh=/tasks/AAMkADliMm=/attachments/createUploadSession".to_string(),
                CreateSessionBody::TaskAttachment(AttachmentItem::new(AttachmentType::File, name.to_string(), total)),
            ),
            Variant::PrintDocument => (
                "/v1.0/print/printers/p1/jobs/j1/documents/d1/createUploadSession".to_string(),
                CreateSessionBody::PrintDocument(PrintDocumentUploadProperties::new(
                    name.to_string(),
                    "application/octet-stream",
                    total,
                )),
            ),
            _ => (
                format!("/v1.0/me/drive/root:/{name}:/createUploadSession"),
                CreateSessionBody::DriveItem(
                    DriveItemSessionRequest::new()
                        .with_item(DriveItemUploadableProperties::new().with_name(name.to_string())),
                ),
            ),
        };
        let target = RequestTarget::new(target).map_err(|e| e.to_string())?;
        Request::create_upload_session(target, Some(body))
            .map_err(|e| e.to_string())?
            .with_host(FieldValue::new(addr.to_string()).map_err(|e| e.to_string())?)
            .with_header(FieldName::new("Authorization").map_err(|e| e.to_string())?, FieldValue::from_static(TOKEN))
            .map_err(|e| e.to_string())
    }

    fn upload_with_client(
        opts: &Options,
        variant: Variant,
        total: u64,
        addr: SocketAddr,
        deadline: Instant,
        server_log: &Mutex<Vec<String>>,
    ) -> Result<Uploaded, String> {
        let name = opts.file.file_name().and_then(|n| n.to_str()).unwrap_or("upload.bin");
        let name: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
        let create = create_request(variant, &name, total, addr)?;
        let mut config = ClientConfig::default();
        if let Some(n) = opts.fragment_len {
            config = config.fragment_len(n);
        }
        let mut trace = Vec::new();
        let mut log = |line: String| {
            if !opts.quiet {
                println!("{line}");
            }
            trace.push(line);
        };
        let mut client = match Client::new(config, &create, total) {
            Ok(c) => c,
            Err(ClientError::EmptyFile) => {
                log("(0 bytes: a Graph upload session cannot carry an empty file; nothing sent)".into());
                return Ok((Outcome::Refused, 0, trace, Vec::new()));
            }
            Err(e) => return Err(e.to_string()),
        };
        let single_fragment = total <= client.fragment_len();
        let mut file = File::open(&opts.file).map_err(|e| e.to_string())?;
        let mut body = Vec::new();
        let mut conn: Option<Connection> = None;
        let mut events = Vec::new();
        let mut requests = 0;
        let mut gap_done = !opts.inject_gap;
        let mut cancel_pending = opts.cancel;
        if opts.inject_gap && total < 2 {
            log(format!("(--inject-gap: a {total}-byte file has no room for a gap; nothing injected)"));
        }
        loop {
            if Instant::now() > deadline {
                return Err("deadline passed".into());
            }
            for line in server_log.lock().map_err(|_| "log lock")?.drain(..) {
                log(line);
            }
            let t = match client.poll() {
                Step::Transmit(t) => t,
                Step::Wait(d) => {
                    if Instant::now() + d > deadline {
                        return Err(format!("the server asks to wait {d:?}, past the deadline"));
                    }
                    log(format!("(waiting {:.1} s as the server asked)", d.as_secs_f64()));
                    thread::sleep(d);
                    client.waited();
                    continue;
                }
                Step::Done => return Ok((Outcome::Uploaded, requests, trace, events)),
                Step::Cancelled => return Ok((Outcome::Cancelled, requests, trace, events)),
                Step::AwaitingResponse => return Err("the client waits for an answer it was never sent".into()),
                Step::Failed(e) => return Err(format!("upload failed: {e}")),
                other => return Err(format!("a step this driver does not know: {other:?}")),
            };
            // Only ever 127.0.0.1, whatever the uploadUrl says.
            let target_addr = match t.endpoint() {
                None => addr,
                Some(e) if e.host() == "127.0.0.1" => SocketAddr::from(([127, 0, 0, 1], e.port())),
                Some(e) => return Err(format!("refusing to contact {}", e.host())),
            };
            let (range, note) = load_fragment(t.range(), &mut gap_done, &mut file, &mut body)?;
            let request = match (t.kind(), range) {
                (TransmitKind::Fragment(asked), Some(r)) if asked != r => {
                    let host = t.endpoint().map(|e| e.authority().to_string()).unwrap_or_default();
                    let mut req = Request::upload_fragment(t.target().clone(), r, &body[..])
                        .map_err(|e| e.to_string())?
                        .with_host(FieldValue::new(host).map_err(|e| e.to_string())?);
                    if t.is_authorized() {
                        let name = FieldName::new("Authorization").map_err(|e| e.to_string())?;
                        req = req.with_header(name, FieldValue::from_static(TOKEN)).map_err(|e| e.to_string())?;
                    }
                    req
                }
                _ => t.request(&body).map_err(|e| e.to_string())?,
            };
            log(format!("→ {}{note}", describe_request(&request)));
            requests += 1;
            let mut head = Vec::with_capacity(512);
            request.encode_head(&mut head);
            if conn.as_ref().is_none_or(|c| c.stream.peer_addr().ok() != Some(target_addr)) {
                conn = Some(connect(target_addr).map_err(|e| format!("connect {target_addr}: {e}"))?);
            }
            let Some(c) = conn.as_mut() else { unreachable!() };
            let sent = c.stream.write_all(&head).and_then(|()| c.stream.write_all(request.body()));
            let answer = match sent {
                Ok(()) => read_answer(c),
                Err(e) => Err(e),
            };
            for line in server_log.lock().map_err(|_| "log lock")?.drain(..) {
                log(line);
            }
            let event = match answer {
                Ok(used) => {
                    let Some(c) = conn.as_mut() else { unreachable!() };
                    let (resp, _) = Response::decode(&c.buf[..used]).map_err(|e| format!("answer: {e}"))?;
                    log(format!("← {}", describe_response(&resp)));
                    let ev = client.handle_response(&resp);
                    c.buf.drain(..used);
                    ev
                }
                Err(e) => {
                    log(format!("← (no answer: {e})"));
                    conn = None;
                    client.transport_failed()
                }
            };
            let first_answer = matches!(event, GraphEvent::Progress { .. })
                || (single_fragment && matches!(event, GraphEvent::SessionCreated));
            events.push(event);
            if cancel_pending && first_answer {
                cancel_pending = false;
                log("(cancelling)".into());
                client.cancel();
            }
        }
    }

    /// Read until one whole answer is buffered; returns its length.
    fn read_answer(c: &mut Connection) -> io::Result<usize> {
        loop {
            match Response::decode(&c.buf) {
                Ok((_, used)) => return Ok(used),
                Err(DecodeError::Incomplete { .. }) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
            let mut chunk = [0u8; 4096];
            let n = c.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
            }
            c.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn describe_request(r: &Request<'_>) -> String {
        let mut s = match r.content_range() {
            Some(range) => format!("PUT {range}"),
            None => format!("{} {}", r.method().as_str(), r.operation().as_str()),
        };
        s.push_str(&format!(" {}", r.target().as_str()));
        if r.headers().get("authorization").is_some() {
            s.push_str(" +Authorization");
        }
        s
    }

    fn describe_response(r: &Response<'_>) -> String {
        let mut s = format!("{} {}", r.status(), r.reason().to_str().unwrap_or(""));
        match r.body_kind() {
            ResponseBody::Session(sess) => {
                if let Some(url) = sess.upload_url() {
                    s.push_str(&format!(" uploadUrl={url}"));
                }
                if let Some(ranges) = sess.next_expected_ranges() {
                    let list: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                    s.push_str(&format!(" nextExpectedRanges=[{}]", list.join(",")));
                }
            }
            ResponseBody::Item(i) => s.push_str(&format!(" item id={} size={}", i.id(), i.size().unwrap_or(0))),
            ResponseBody::Error(e) => s.push_str(&format!(" error={}", e.most_specific_code())),
            _ => {}
        }
        if let Some(l) = r.location() {
            s.push_str(&format!(" Location={}", l.to_str().unwrap_or("?")));
        }
        if let Some(RetryAfter::Seconds(n)) = r.retry_after() {
            s.push_str(&format!(" Retry-After={n}"));
        }
        s
    }

    // ------------------------------------------------------------ server side

    struct Faults {
        drop_first: bool,
        throttle_first: bool,
    }

    fn serve(
        listener: TcpListener,
        opts: &Options,
        dir: &Path,
        stop: &AtomicBool,
        deadline: Instant,
        log: &Mutex<Vec<String>>,
    ) -> io::Result<()> {
        let port = listener.local_addr()?.port();
        let mut server = Server::new(ServerConfig::new(format!("http://127.0.0.1:{port}")));
        let mut faults = Faults { drop_first: opts.drop_ack, throttle_first: opts.throttle };
        listener.set_nonblocking(true)?;
        while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, peer)) => {
                    if !peer.ip().is_loopback() {
                        continue;
                    }
                    stream.set_nonblocking(false)?;
                    stream.set_read_timeout(Some(IO_TIMEOUT))?;
                    stream.set_write_timeout(Some(IO_TIMEOUT))?;
                    stream.set_nodelay(true)?;
                    serve_connection(stream, &mut server, dir, &mut faults, log, stop)?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn part(dir: &Path, session: crate::graph_server::SessionId) -> PathBuf {
        dir.join(format!("{session}.part"))
    }

    fn note(log: &Mutex<Vec<String>>, line: &str) {
        if let Ok(mut l) = log.lock() {
            l.push(line.to_string());
        }
    }

    /// Perform `action` with the request's body.
    fn perform(dir: &Path, action: &Action, body: &[u8]) -> io::Result<()> {
        match *action {
            Action::Open { session } => File::create(part(dir, session)).map(drop),
            Action::Write(w) => {
                let mut f = OpenOptions::new().write(true).open(part(dir, w.session))?;
                f.seek(SeekFrom::Start(w.offset))?;
                f.write_all(body)?;
                drop(f);
                if w.commit {
                    fs::rename(part(dir, w.session), dir.join("committed").join(format!("{}.bin", w.session)))?;
                }
                Ok(())
            }
            Action::Commit { session, .. } => {
                fs::rename(part(dir, session), dir.join("committed").join(format!("{session}.bin")))
            }
            Action::Discard { session } => fs::remove_file(part(dir, session)),
            _ => Ok(()),
        }
    }

    /// Serve requests on one connection until the client closes it (or a fault closes it).
    fn serve_connection(
        mut stream: TcpStream,
        server: &mut Server,
        dir: &Path,
        faults: &mut Faults,
        log: &Mutex<Vec<String>>,
        stop: &AtomicBool,
    ) -> io::Result<()> {
        let opts = DecodeOptions::default().max_body_len(Some(MAX_BODY));
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
        let mut chunk = vec![0u8; CHUNK];
        loop {
            // The whole request: a fragment is read into memory (at most MAX_BODY bytes).
            let used = loop {
                match Request::decode_with(&buf, &opts) {
                    Ok((_, used)) => break used,
                    Err(DecodeError::Incomplete { needed }) => {
                        if let Some(n) = needed {
                            buf.reserve(n.get());
                        }
                    }
                    Err(e) => {
                        stream.write_all(&server.reject(&e).to_vec())?;
                        return Ok(()); // framing is lost: close
                    }
                }
                let n = match stream.read(&mut chunk) {
                    Ok(n) => n,
                    Err(e)
                        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
                            && buf.is_empty() =>
                    {
                        0
                    }
                    Err(e) if e.kind() == io::ErrorKind::ConnectionReset => 0,
                    Err(e) => return Err(e),
                };
                if n == 0 || stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let (request, _) =
                Request::decode_with(&buf[..used], &opts).map_err(|e| io::Error::other(e.to_string()))?;
            let fragment = request.content_range().is_some();
            let response = if fragment && std::mem::take(&mut faults.throttle_first) {
                note(log, "   [server: throttling the first fragment, nothing stored]");
                let e = ODataError::new("activityLimitReached", "The request has been throttled");
                Response::error(Status::new(429).map_err(io::Error::other)?, e)
                    .map_err(io::Error::other)?
                    .with_retry_after(RetryAfter::Seconds(1))
            } else {
                let reply = server.handle(&request);
                let mut response = reply.response;
                if let Err(e) = perform(dir, &reply.action, request.body()) {
                    note(log, &format!("   [server: storage failed: {e}]"));
                    response = server.action_failed(&reply.action);
                }
                if matches!(reply.action, Action::Write(_)) && std::mem::take(&mut faults.drop_first) {
                    note(log, "   [server: stored the fragment, dropping the answer and closing the connection]");
                    return Ok(());
                }
                response
            };
            buf.drain(..used);
            stream.write_all(&response.to_vec())?;
        }
    }
}
