//! A real BITS upload over loopback, built only from the codec and the two session machines.
//!
//! ```sh
//! cargo run --release --example loopback_upload -- FILE [--fragment-size N] [--inject-gap]
//!     [--drop-ack] [--cancel] [--host-id] [--server-max-fragment N] [--quiet]
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
//! TODO(--graph): the same over a Microsoft Graph-shaped upload session (createUploadSession,
//! PUT fragments, nextExpectedRanges resume) once the Graph client machine (issue 6 item 3)
//! lands; `--graph` is refused until then.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bits_codec::bits::client::{Client, ClientConfig, Event, Poll, Response, TransmitKind};
use bits_codec::bits::server::{Action, Server, ServerConfig, sequential_ids};
use bits_codec::bits::{Ack, ErrorContext, Guid, HResult, Request, RequestHead};
use bits_codec::http::{ContentRange, FieldValue, StatusCode};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

/// Read and write timeout of every socket.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole run, server included.
const DEADLINE: Duration = Duration::from_secs(600);
/// Read buffer size, and the largest piece of a body held in memory.
const CHUNK: usize = 256 * 1024;

/// What to upload and which faults to inject.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) file: PathBuf,
    pub(crate) fragment_size: u64,
    pub(crate) inject_gap: bool,
    pub(crate) drop_ack: bool,
    pub(crate) cancel: bool,
    pub(crate) host_id: bool,
    pub(crate) server_max_fragment: Option<u64>,
    pub(crate) quiet: bool,
}

impl Options {
    pub(crate) fn new(file: impl Into<PathBuf>) -> Self {
        Self {
            file: file.into(),
            fragment_size: 1 << 20,
            inject_gap: false,
            drop_ack: false,
            cancel: false,
            host_id: false,
            server_max_fragment: None,
            quiet: false,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server committed the file and it is identical to the source.
    Uploaded,
    /// The upload was cancelled and the server kept nothing.
    Cancelled,
}

/// The result of a run.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) outcome: Outcome,
    pub(crate) bytes: u64,
    pub(crate) requests: usize,
    pub(crate) elapsed: Duration,
    /// One line per packet.
    pub(crate) trace: Vec<String>,
    pub(crate) events: Vec<Event>,
}

fn main() {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            eprintln!(
                "usage: loopback_upload FILE [--fragment-size N] [--inject-gap] [--drop-ack] [--cancel] [--host-id] \
                 [--server-max-fragment N] [--quiet]"
            );
            std::process::exit(2);
        }
    };
    match run(&opts) {
        Ok(r) => {
            let what = match r.outcome {
                Outcome::Uploaded => "uploaded; the stored file is identical, byte for byte",
                Outcome::Cancelled => "cancelled; the server kept nothing",
            };
            let count = |f: fn(&Event) -> bool| r.events.iter().filter(|e| f(e)).count();
            let resyncs = count(|e| matches!(e, Event::Resynced { .. }));
            let resends = count(|e| matches!(e, Event::Retrying));
            let restarts = count(|e| matches!(e, Event::Restarted));
            let packets = r.trace.iter().filter(|l| l.starts_with('→') || l.starts_with('←')).count();
            println!(
                "ok: {} bytes, {} requests ({resyncs} resync, {resends} resend, {restarts} restart), {packets} trace \
                 lines, {:.3} s: {what}",
                r.bytes,
                r.requests,
                r.elapsed.as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            std::process::exit(1);
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut file = None;
    let mut opts = Options::new("");
    while let Some(a) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse::<u64>().ok().filter(|&n| n > 0).ok_or(format!("{name}: not a positive number: {v}"))
        };
        match a.as_str() {
            "--fragment-size" => opts.fragment_size = number("--fragment-size")?,
            "--server-max-fragment" => opts.server_max_fragment = Some(number("--server-max-fragment")?),
            "--inject-gap" => opts.inject_gap = true,
            "--drop-ack" => opts.drop_ack = true,
            "--cancel" => opts.cancel = true,
            "--host-id" => opts.host_id = true,
            "--quiet" => opts.quiet = true,
            "--graph" => return Err("--graph is not implemented yet (TODO: the Graph client machine)".into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s if file.is_none() => file = Some(PathBuf::from(s)),
            s => return Err(format!("one FILE only (got {s} too)")),
        }
    }
    opts.file = file.ok_or("FILE is required")?;
    Ok(opts)
}

/// Upload `opts.file` to a server on 127.0.0.1 and check what the server stored.
pub(crate) fn run(opts: &Options) -> Result<Report, String> {
    let start = Instant::now();
    let deadline = start + DEADLINE;
    let total = fs::metadata(&opts.file).map_err(|e| format!("{}: {e}", opts.file.display()))?.len();
    let dir = scratch_dir().map_err(|e| format!("scratch directory: {e}"))?;
    let result = upload(opts, total, &dir, deadline);
    let result = result.and_then(|(outcome, requests, trace, events)| {
        verify(opts, outcome, &dir)?;
        Ok(Report { outcome, bytes: total, requests, elapsed: start.elapsed(), trace, events })
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
        .fragment_size(opts.fragment_size)
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
            Poll::Transmit(t) => t,
            Poll::FetchReply(_) => {
                client.reply_fetched(); // this server sends no reply
                continue;
            }
            Poll::Done => return Ok((Outcome::Uploaded, requests, trace, events)),
            Poll::Cancelled => return Ok((Outcome::Cancelled, requests, trace, events)),
            Poll::AwaitingAck => return Err("client waits for an Ack it was never sent".into()),
            Poll::Failed(e) => return Err(format!("upload failed: {e}")),
        };
        // Only ever 127.0.0.1, whatever a Host-Id says.
        let endpoint = t.endpoint();
        if endpoint.host() != "127.0.0.1" {
            return Err(format!("refusing to contact {}", endpoint.host()));
        }
        let target_addr = SocketAddr::from(([127, 0, 0, 1], endpoint.port()));
        let mut range = t.range();
        let mut note = String::new();
        if let (false, Some(r)) = (gap_done, range) {
            if r.len() >= 2 {
                gap_done = true;
                let shifted =
                    ContentRange::new(r.first() + r.len() / 2, r.last(), r.total()).map_err(|e| e.to_string())?;
                note = format!("   [injected gap: the client asked for {r}]");
                range = Some(shifted);
            }
        }
        if let Some(r) = range {
            body.resize(r.len() as usize, 0);
            file.seek(SeekFrom::Start(r.first())).map_err(|e| e.to_string())?;
            file.read_exact(&mut body).map_err(|e| format!("reading the source file: {e}"))?;
        } else {
            body.clear();
        }
        let request = match (t.kind(), range) {
            (TransmitKind::Fragment(_), Some(r)) => {
                let id = t.session_id().ok_or("fragment without a session")?.clone();
                Request::fragment(t.target().clone(), id, r, &body[..])
                    .map_err(|e| e.to_string())?
                    .with_host(FieldValue::new(endpoint.host_header()).map_err(|e| e.to_string())?)
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
            matches!(event, Event::Progress { .. } | Event::Resynced { .. } | Event::UploadComplete { .. });
        let created = matches!(event, Event::SessionCreated { .. });
        events.push(event);
        if cancel_pending && (fragment_acked || (created && total == 0)) {
            cancel_pending = false;
            log("(cancelling)".into());
            client.cancel();
        }
    }
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
    let mut config = ServerConfig::default().allow_empty_upload(true).max_fragment_size(opts.server_max_fragment);
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
                    stream.write_all(&server.reject(&e).to_vec())?;
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
                            StatusCode::new(400).map_err(io::Error::other)?,
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
            let status = StatusCode::new(500).map_err(io::Error::other)?;
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
        Outcome::Cancelled => {
            if !committed.is_empty() || !leftovers.is_empty() {
                return Err(format!("cancelled, yet the server kept {committed:?} {leftovers:?}"));
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
