//! The [`Server`] machine on a real socket: `std::net`, one thread per connection, session
//! files in one directory (the `graph_server` binary, and in-process tests).
//!
//! What it guarantees, whatever a client sends or claims:
//! - **Memory per connection is one read buffer** of [`BUF_LEN`] bytes. A request that fits
//!   (every `createUploadSession`, status `GET`, `DELETE`, small fragments) is read whole and
//!   decoded by [`graph::Request`](bits_codec::graph::Request); a larger one must be a
//!   fragment `PUT`: its head alone is judged by the decoder, answered by
//!   [`Server::handle_fragment`], and its body goes to the session file as it arrives, one
//!   buffer at a time. [`Stats::peak_buffered`] reports the most bytes one connection held.
//! - **Slow clients cannot hold it**: a connection that has not sent a complete head within
//!   [`NetConfig::header_timeout`] of the previous answer (or of connecting) is closed; a body
//!   read that stalls for [`NetConfig::idle_timeout`] closes it too; at most
//!   [`NetConfig::max_connections`] connections (threads) are served at once, and one more is
//!   answered `503 serviceNotAvailable` with `Retry-After` and closed.
//! - **Upload URLs are unguessable and never repeat across restarts** ([`SessionId`](super::SessionId)), and a
//!   new session never truncates a file an earlier run left in the directory.
//! - A fragment whose body ends early or cannot be stored is undone
//!   ([`Server::action_failed`]): its range is missing again, and a status `GET` says so.
//!
//! What it is not: a Graph service or a server to expose. Sessions live in memory (a restart
//! forgets them: their clients get `404 itemNotFound` and start over, as Graph documents for
//! an expired session), it refuses peers that are not loopback addresses, and while a
//! fragment's body streams, its range already counts as received for other requests of the
//! same session (undone if the body fails).

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bits_codec::graph::{Outcome, Request, Response, RetryAfter};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

use super::files::Files;
use super::head::fragment_head;
use super::{Action, Server, ServerConfig};

/// The one read buffer of a connection: a head (the decoder refuses one over 64 KiB,
/// [`DecodeOptions::max_head_len`]) and a small body fit; a fragment's body passes through it.
pub const BUF_LEN: usize = 128 * 1024;
/// The largest fragment body drained after a refusal to keep the connection usable (Graph's
/// largest fragment, driveItem's, is under 60 MiB); a larger one is answered, then the
/// connection is closed.
const MAX_DRAIN: u64 = 64 << 20;
/// Requests above this size are not captured (fragments are MiBs).
const CAPTURE_MAX: usize = 64 * 1024;

/// The socket server's settings.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Where to listen (default `127.0.0.1:0`, any free port).
    pub listen: SocketAddr,
    /// The `scheme://authority` `uploadUrl`s start with (default `http://` + the bound address).
    pub origin: Option<String>,
    /// Where session files go (default: a fresh directory under the system temp directory).
    pub dir: Option<PathBuf>,
    /// A log file, one line per request (lines go to stderr as well).
    pub log: Option<PathBuf>,
    /// The N-th fragment `PUT` (1-based) is read, then the connection closed unanswered.
    pub drop_fragment: Option<u64>,
    /// Every request of at most 64 KiB is also written to this directory, byte for byte.
    pub capture: Option<PathBuf>,
    /// How long a connection may take to send a complete head, counted from connecting or
    /// from the previous answer (default 30 s).
    pub header_timeout: Duration,
    /// How long one read of a body, or one write of an answer, may stall (default 30 s).
    pub idle_timeout: Duration,
    /// Most connections served at once, each on its own thread (default 64).
    pub max_connections: usize,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            origin: None,
            dir: None,
            log: None,
            drop_fragment: None,
            capture: None,
            header_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 64,
        }
    }
}

/// Counters a test can read while the server runs.
#[derive(Debug, Default)]
pub struct Stats {
    peak_buffered: AtomicUsize,
    open: AtomicUsize,
    peak_open: AtomicUsize,
    refused: AtomicU64,
    timed_out: AtomicU64,
}

impl Stats {
    /// The most request bytes one connection held in memory at once, over the server's life.
    pub fn peak_buffered(&self) -> usize {
        self.peak_buffered.load(Ordering::SeqCst)
    }
    /// Connections being served now.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
    /// The most connections served at once.
    pub fn peak_connections(&self) -> usize {
        self.peak_open.load(Ordering::SeqCst)
    }
    /// Connections answered 503 because [`NetConfig::max_connections`] were being served.
    pub fn refused_connections(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }
    /// Connections closed for not sending a complete head in time.
    pub fn header_timeouts(&self) -> u64 {
        self.timed_out.load(Ordering::SeqCst)
    }

    fn buffered(&self, n: usize) {
        self.peak_buffered.fetch_max(n, Ordering::SeqCst);
    }
}

/// What every connection thread shares.
struct Shared {
    server: Mutex<Server>,
    files: Files,
    config: NetConfig,
    log: Mutex<Option<File>>,
    stats: Arc<Stats>,
    /// Fragment `PUT`s seen so far (for `--drop-fragment`).
    fragments: AtomicU64,
    /// `--capture`: requests written so far.
    captured: AtomicU64,
}

/// A bound socket server, not yet accepting.
///
/// ```no_run
/// use bits_codec_test_support::graph_server::net::{NetConfig, NetServer};
/// let server = NetServer::bind(NetConfig::default()).unwrap();
/// println!("listening on {}, files in {}", server.addr(), server.dir().display());
/// let running = server.spawn();
/// // ... upload to running.addr() ...
/// running.stop().unwrap();
/// ```
#[derive(Debug)]
pub struct NetServer {
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("dir", &self.files.dir()).field("config", &self.config).finish_non_exhaustive()
    }
}

impl NetServer {
    /// Bind `config.listen` and prepare the directory (sessions of an earlier run in it stay
    /// as they are: this run never reuses their ids).
    pub fn bind(config: NetConfig) -> io::Result<Self> {
        let listener = TcpListener::bind(config.listen)?;
        let addr = listener.local_addr()?;
        let dir = match &config.dir {
            Some(d) => d.clone(),
            None => {
                std::env::temp_dir().join(format!("bits-codec-graph-server-{}-{}", std::process::id(), addr.port()))
            }
        };
        let files = Files::new(dir)?;
        let origin = config.origin.clone().unwrap_or_else(|| format!("http://{addr}"));
        let log = config.log.as_ref().map(File::create).transpose()?;
        if let Some(c) = &config.capture {
            std::fs::create_dir_all(c)?;
        }
        let shared = Arc::new(Shared {
            server: Mutex::new(Server::new(ServerConfig::new(origin))),
            files,
            config,
            log: Mutex::new(log),
            stats: Arc::default(),
            fragments: AtomicU64::new(0),
            captured: AtomicU64::new(0),
        });
        Ok(Self { listener, addr, shared })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where session files go.
    pub fn dir(&self) -> &Path {
        self.shared.files.dir()
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.shared.stats)
    }

    /// Accept connections until the process ends.
    pub fn run(self) -> io::Result<()> {
        self.accept_until(&AtomicBool::new(false))
    }

    /// Accept connections on a thread of their own until [`Running::stop`].
    pub fn spawn(self) -> Running {
        let (addr, stats) = (self.addr, self.stats());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || self.accept_until(&stop))
        };
        Running { addr, stats, stop, thread }
    }

    fn accept_until(self, stop: &AtomicBool) -> io::Result<()> {
        for stream in self.listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let stream = match stream {
                Ok(s) => s,
                // A connection that failed before it was accepted (reset, or out of file
                // descriptors for a moment) costs that connection, not the server.
                Err(e) => {
                    self.shared.note(&format!("ACCEPT-ERROR {e}"));
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            if !stream.peer_addr().is_ok_and(|a| a.ip().is_loopback()) {
                continue;
            }
            self.admit(stream);
        }
        Ok(())
    }

    /// Serve `stream` on a thread of its own, or answer 503 at the connection cap.
    fn admit(&self, stream: TcpStream) {
        let stats = &self.shared.stats;
        let open = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
        if open > self.shared.config.max_connections {
            stats.open.fetch_sub(1, Ordering::SeqCst);
            stats.refused.fetch_add(1, Ordering::SeqCst);
            self.shared.note("BUSY connection refused: 503");
            refuse_busy(stream);
            return;
        }
        stats.peak_open.fetch_max(open, Ordering::SeqCst);
        let shared = Arc::clone(&self.shared);
        let spawned = thread::Builder::new().name("graph-conn".into()).spawn(move || {
            if let Err(e) = serve_connection(stream, &shared) {
                shared.note(&format!("CONNECTION-ERROR {e}"));
            }
            shared.stats.open.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            stats.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A server accepting on its own thread.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<io::Result<()>>,
}

impl Running {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Stop accepting and close the listening socket (connections being served finish on
    /// their own threads).
    pub fn stop(self) -> io::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept; it sees the flag and returns.
        drop(TcpStream::connect(self.addr));
        self.thread.join().map_err(|_| io::Error::other("the accept thread panicked"))?
    }
}

/// `503 serviceNotAvailable` + `Retry-After: 1`, then close.
fn refuse_busy(mut stream: TcpStream) {
    let answer = Server::error_response(503, "serviceNotAvailable", "Too many connections; retry later")
        .with_retry_after(RetryAfter::Seconds(1));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    // Read what the client already sent, so closing does not reset the connection before it
    // reads the answer; never wait for more (this runs on the accepting thread).
    if stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
        let _ = stream.set_nonblocking(false);
    }
    let _ = stream.write_all(&answer.to_vec());
    let _ = stream.shutdown(Shutdown::Write);
}

impl Shared {
    fn note(&self, line: &str) {
        eprintln!("{line}");
        if let Ok(mut log) = self.log.lock()
            && let Some(f) = log.as_mut()
        {
            // A log line lost to a full disk only weakens the test that reads it; it does
            // not change what the server answers.
            let _ = writeln!(f, "{line}").and_then(|()| f.flush());
        }
    }

    /// `--capture`: keep the request's bytes.
    fn capture(&self, method: &str, wire: &[u8]) {
        let Some(dir) = &self.config.capture else { return };
        if wire.len() > CAPTURE_MAX {
            return;
        }
        let n = self.captured.fetch_add(1, Ordering::SeqCst) + 1;
        if let Err(e) = std::fs::write(dir.join(format!("{n:03}-{}.http", method.to_ascii_lowercase())), wire) {
            self.note(&format!("CAPTURE-ERROR {e}"));
        }
    }

    /// `true` if this fragment is the one `--drop-fragment` names.
    fn drop_this_fragment(&self) -> bool {
        let n = self.fragments.fetch_add(1, Ordering::SeqCst) + 1;
        self.config.drop_fragment == Some(n)
    }

    fn server(&self) -> io::Result<std::sync::MutexGuard<'_, Server>> {
        self.server.lock().map_err(|_| io::Error::other("poisoned"))
    }

    fn request_line(&self, method: &str, target: &str, range: &str, response: &Response<'_>) {
        self.note(&format!(
            "REQUEST {method} {target} range={range} -> {} {}",
            response.status().as_u16(),
            describe(response)
        ));
    }
}

/// One connection: its socket and its one read buffer.
struct Connection<'s> {
    stream: TcpStream,
    buf: Box<[u8]>,
    /// `buf[..filled]` holds bytes read and not yet used.
    filled: usize,
    shared: &'s Shared,
}

/// What reading the next request found.
enum Next {
    /// A whole request in `buf[..used]`.
    Whole(usize),
    /// A complete, valid head in `buf[..head]` whose body (`body` bytes) does not fit.
    Streamed { head: usize, body: u64 },
    /// The connection is over (closed, timed out, or refused and answered).
    Closed,
}

/// Serve requests on one connection until the client closes it, stalls, or a fault closes it.
fn serve_connection(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_write_timeout(Some(shared.config.idle_timeout))?;
    stream.set_nodelay(true)?;
    let mut conn = Connection { stream, buf: vec![0u8; BUF_LEN].into_boxed_slice(), filled: 0, shared };
    loop {
        match conn.next_request()? {
            Next::Closed => return Ok(()),
            Next::Whole(used) => {
                if !conn.whole(used)? {
                    return Ok(());
                }
                conn.buf.copy_within(used..conn.filled, 0);
                conn.filled -= used;
            }
            Next::Streamed { head, body } => {
                if !conn.streamed(head, body)? {
                    return Ok(());
                }
            }
        }
    }
}

/// The end of the head (the index past its empty line), if `buf` holds it all.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

impl Connection<'_> {
    fn opts() -> DecodeOptions {
        DecodeOptions::default()
    }

    /// Read until `buf` holds a whole request, or a valid head whose body does not fit.
    fn next_request(&mut self) -> io::Result<Next> {
        let deadline = Instant::now() + self.shared.config.header_timeout;
        loop {
            let head = head_end(&self.buf[..self.filled]);
            match Request::decode_with(&self.buf[..self.filled], &Self::opts()) {
                Ok((_, used)) => return Ok(Next::Whole(used)),
                Err(DecodeError::Incomplete { needed }) => {
                    if let (Some(head), Some(needed)) = (head, needed) {
                        let body = (self.filled - head) as u64 + needed.get() as u64;
                        if head as u64 + body > BUF_LEN as u64 {
                            return Ok(Next::Streamed { head, body });
                        }
                    }
                }
                Err(e) => {
                    self.shared.note(&format!("REJECT {e}"));
                    let answer = self.shared.server()?.reject(&e);
                    self.stream.write_all(&answer.to_vec())?;
                    return Ok(Next::Closed); // the framing is lost: close
                }
            }
            if self.filled == self.buf.len() {
                // Unreachable with the decoder's head limit under BUF_LEN; closing is the
                // answer that keeps the bound if that ever changes.
                return Ok(Next::Closed);
            }
            // The head has its deadline; a small body after it has the idle timeout per read.
            let wait = match head {
                None => match deadline.checked_duration_since(Instant::now()) {
                    Some(d) if !d.is_zero() => d,
                    _ => {
                        self.shared.stats.timed_out.fetch_add(1, Ordering::SeqCst);
                        self.shared.note("TIMEOUT no complete head in time: closed");
                        return Ok(Next::Closed);
                    }
                },
                Some(_) => self.shared.config.idle_timeout,
            };
            self.stream.set_read_timeout(Some(wait))?;
            match self.stream.read(&mut self.buf[self.filled..]) {
                Ok(0) => return Ok(Next::Closed),
                Ok(n) => {
                    self.filled += n;
                    self.shared.stats.buffered(self.filled);
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    if head.is_some() {
                        return Ok(Next::Closed);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_disconnect(&e) => return Ok(Next::Closed),
                Err(e) => return Err(e),
            }
        }
    }

    /// Answer the whole request in `buf[..used]`; `false` when the connection must close.
    fn whole(&mut self, used: usize) -> io::Result<bool> {
        let shared = self.shared;
        let wire = &self.buf[..used];
        let (request, _) = Request::decode_with(wire, &Self::opts()).map_err(|e| io::Error::other(e.to_string()))?;
        shared.capture(request.method().as_str(), wire);
        let range = request.content_range().map_or_else(|| "-".to_string(), |r| r.to_string());
        if request.content_range().is_some() && shared.drop_this_fragment() {
            shared.note(&format!("DROP {} range={range}", request.target().as_str()));
            return Ok(false);
        }
        let response = {
            let mut server = shared.server()?;
            let reply = server.handle(&request);
            match shared.files.perform(&reply.action, request.body()) {
                Ok(()) => reply.response,
                Err(e) => {
                    shared.note(&format!("STORAGE-ERROR {e}"));
                    server.action_failed(&reply.action)
                }
            }
        };
        shared.request_line(request.method().as_str(), request.target().as_str(), &range, &response);
        self.stream.write_all(&response.to_vec())?;
        Ok(true)
    }

    /// Answer a fragment whose body does not fit the buffer: the head in `buf[..head]` (valid:
    /// the decoder said so), `body` bytes of body, some already in the buffer. The body goes
    /// to the session file as it arrives. `false` when the connection must close.
    fn streamed(&mut self, head: usize, body: u64) -> io::Result<bool> {
        let shared = self.shared;
        let Some(h) = fragment_head(&self.buf[..head]).filter(|h| h.method == "PUT" && h.range.is_some()) else {
            // Not a fragment: nothing else of the flow has a body this large.
            let answer = Server::error_response(413, "invalidRequest", "The request is too large");
            shared.note(&format!("REJECT a {body}-byte body that is not a fragment's"));
            self.stream.write_all(&answer.to_vec())?;
            return Ok(false);
        };
        let range = h.range.map_or_else(|| "-".to_string(), |r| r.to_string());
        // The body bytes already read sit after the head; move them to the front.
        self.buf.copy_within(head..self.filled, 0);
        self.filled -= head;
        if shared.drop_this_fragment() {
            let _ = self.consume(body, |_| Ok(()));
            shared.note(&format!("DROP {} range={range}", h.target));
            return Ok(false);
        }
        let reply = {
            let mut server = shared.server()?;
            let Some(r) = h.range else { return Ok(false) };
            server.handle_fragment(&h.target, h.authorized, r)
        };
        let response = match reply.action {
            Action::Write(w) => match self.store(w, body) {
                Stored::Done => reply.response,
                Stored::StorageFailed(e) => {
                    shared.note(&format!("STORAGE-ERROR {e}"));
                    shared.server()?.action_failed(&reply.action)
                }
                Stored::ConnectionLost(why) => {
                    shared.server()?.action_failed(&reply.action);
                    shared.note(&format!("BODY-LOST {} range={range}: {why}; the range is missing again", h.target));
                    return Ok(false);
                }
            },
            _ => {
                // Refused (404, 416, 413…): the body is read and dropped so the client, which
                // sends it all before it reads, gets the answer; too large a body is not.
                if body > MAX_DRAIN || self.consume(body, |_| Ok(())).is_err() {
                    shared.request_line(&h.method, &h.target, &range, &reply.response);
                    let _ = self.stream.write_all(&reply.response.to_vec());
                    return Ok(false);
                }
                reply.response
            }
        };
        shared.request_line(&h.method, &h.target, &range, &response);
        self.stream.write_all(&response.to_vec())?;
        Ok(true)
    }

    /// Write the `body`-byte fragment body to the session's file at `w.offset`, as it arrives.
    fn store(&mut self, w: super::Write, body: u64) -> Stored {
        let shared = self.shared;
        let mut file = match shared.files.writer(w.session, w.offset) {
            Ok(f) => f,
            Err(e) => {
                // Keep the connection in sync, then answer the 500.
                return match self.consume(body, |_| Ok(())) {
                    Ok(()) => Stored::StorageFailed(e),
                    Err(why) => Stored::ConnectionLost(why),
                };
            }
        };
        let mut disk_error = None;
        let read = self.consume(body, |chunk| {
            if disk_error.is_none()
                && let Err(e) = file.write_all(chunk)
            {
                disk_error = Some(e);
            }
            Ok(())
        });
        drop(file);
        match (read, disk_error) {
            (Err(why), _) => Stored::ConnectionLost(why),
            (Ok(()), Some(e)) => Stored::StorageFailed(e),
            (Ok(()), None) if w.commit => match shared.files.commit(w.session) {
                Ok(()) => Stored::Done,
                Err(e) => Stored::StorageFailed(e),
            },
            (Ok(()), None) => Stored::Done,
        }
    }

    /// Pass exactly `len` body bytes to `sink`, one buffer at a time: first those already in
    /// the buffer, then from the socket, never reading past the body (the next request's bytes
    /// stay unread). `Err` when the client stalls or closes first.
    fn consume(&mut self, len: u64, mut sink: impl FnMut(&[u8]) -> io::Result<()>) -> Result<(), String> {
        let mut left = len;
        let have = (self.filled as u64).min(left) as usize;
        sink(&self.buf[..have]).map_err(|e| e.to_string())?;
        self.buf.copy_within(have..self.filled, 0);
        self.filled -= have;
        left -= have as u64;
        self.stream.set_read_timeout(Some(self.shared.config.idle_timeout)).map_err(|e| e.to_string())?;
        while left > 0 {
            let want = left.min(self.buf.len() as u64) as usize;
            match self.stream.read(&mut self.buf[..want]) {
                Ok(0) => return Err(format!("the client closed with {left} body bytes unsent")),
                Ok(n) => {
                    self.shared.stats.buffered(n);
                    sink(&self.buf[..n]).map_err(|e| e.to_string())?;
                    left -= n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("{e} with {left} body bytes unsent")),
            }
        }
        Ok(())
    }
}

/// How storing a streamed body ended.
enum Stored {
    Done,
    /// The body was read whole but not stored: answer 500.
    StorageFailed(io::Error),
    /// The body never arrived whole: nothing to answer.
    ConnectionLost(String),
}

fn is_disconnect(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe)
}

/// A few words on an answer, for the log.
fn describe(r: &Response<'_>) -> String {
    match r.outcome() {
        Outcome::SessionCreated(s)
        | Outcome::InProgress(s)
        | Outcome::AwaitingCommit(s)
        | Outcome::RangesUnknown(s) => {
            let ranges: Vec<String> =
                s.next_expected_ranges().map(|v| v.iter().map(ToString::to_string).collect()).unwrap_or_default();
            format!("session nextExpectedRanges={ranges:?}")
        }
        Outcome::Completed(i) => format!("completed size={:?}", i.size()),
        Outcome::CompletedAt(l) => format!("completed location={}", String::from_utf8_lossy(l.as_bytes())),
        Outcome::NoContent => "no content".into(),
        Outcome::Failed(Some(e)) => format!("error {}", e.code()),
        other => format!("{other:?}"),
    }
}
