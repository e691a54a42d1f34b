//! A Microsoft Graph-shaped upload-session server on a real socket, for clients this crate did
//! not write: the official Graph SDKs (`tests/interop/`), curl, or your own.
//!
//! ```sh
//! cargo run --release --example graph_server -- [--listen ADDR] [--origin URL] [--dir DIR]
//!     [--port-file PATH] [--log PATH] [--drop-fragment N]
//! ```
//!
//! It is the test-support package's [`graph_server::Server`](bits_codec_test_support::graph_server::Server) (the strict
//! test server: createUploadSession, `PUT` fragments with `Content-Range`, status `GET`,
//! `DELETE`) behind `std::net`, one thread per connection, so a client that keeps one
//! connection alive while opening another is served. Every request is decoded with
//! [`graph::Request`](bits_codec::graph::Request); a request the crate rejects is answered
//! `400` and logged as `REJECT`, so a log without `REJECT` lines proves every byte the client
//! sent decoded.
//!
//! - `--listen ADDR`: where to listen (default `127.0.0.1:0`, any free port). The bound address
//!   is printed as the first line of stdout.
//! - `--origin URL`: the `scheme://authority` the `uploadUrl`s start with (default
//!   `http://` + the bound address). A client that only speaks HTTPS (the JavaScript SDK) talks
//!   to a TLS relay in front of this server; the relay's origin goes here.
//! - `--dir DIR`: sessions are written to `DIR/{n}.part` and renamed to
//!   `DIR/committed/{n}.bin` when complete (default: a fresh directory under the system temp
//!   directory, printed on stdout's second line).
//! - `--port-file PATH`: the bound port is written there once listening.
//! - `--log PATH`: one line per request (default: stderr only):
//!   `REQUEST {method} {target} range={Content-Range|-} -> {status} {outcome}`, or
//!   `REJECT {error}`, or `DROP {target} range=…` for a dropped fragment.
//! - `--drop-fragment N`: the N-th fragment `PUT` (1-based) is read whole, then the connection
//!   is closed without storing it or answering: the client must find out what the server has
//!   (`GET` the session) and resume from `nextExpectedRanges`.
//! - `--capture DIR`: every request of at most 64 KiB is also written, byte for byte as it
//!   arrived, to `DIR/{nnn}-{method}.http` (how `corpus/graph/sdk/` was recorded).
//!
//! Only for tests: session numbers and `tempauth` values are sequential, and the server
//! trusts whoever reaches its port (it refuses peers that are not loopback addresses).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use bits_codec::graph::{Outcome, Request, Response};
use bits_codec::{Decode, DecodeError};
use bits_codec::{DecodeOptions, Encode};
use bits_codec_test_support::graph_server::{Action, Server, ServerConfig};

/// A fragment is read whole into memory; Graph's largest (driveItem) is 60 MiB.
const MAX_BODY: u64 = 64 << 20;
/// How much one `read` asks for.
const CHUNK: usize = 256 * 1024;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    listen: SocketAddr,
    origin: Option<String>,
    dir: Option<PathBuf>,
    port_file: Option<PathBuf>,
    log: Option<PathBuf>,
    drop_fragment: Option<u64>,
    capture: Option<PathBuf>,
}

/// What every connection thread shares.
struct Shared {
    server: Mutex<Server>,
    dir: PathBuf,
    log: Mutex<Option<File>>,
    /// Fragment `PUT`s seen so far (for `--drop-fragment`).
    fragments: Mutex<u64>,
    drop_fragment: Option<u64>,
    /// `--capture`: where raw requests go, and how many were written.
    capture: Option<(PathBuf, Mutex<u32>)>,
}

/// Requests above this size are not captured (fragments are MiBs).
const CAPTURE_MAX: usize = 64 * 1024;

fn main() {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "graph_server: {e}\nusage: graph_server [--listen ADDR] [--origin URL] [--dir DIR] [--port-file PATH] \
                 [--log PATH] [--drop-fragment N] [--capture DIR]"
            );
            std::process::exit(2);
        }
    };
    if let Err(e) = run(opts) {
        eprintln!("graph_server: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        origin: None,
        dir: None,
        port_file: None,
        log: None,
        drop_fragment: None,
        capture: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => opts.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--origin" => opts.origin = Some(value()?),
            "--dir" => opts.dir = Some(PathBuf::from(value()?)),
            "--port-file" => opts.port_file = Some(PathBuf::from(value()?)),
            "--log" => opts.log = Some(PathBuf::from(value()?)),
            "--drop-fragment" => {
                let n: u64 = value()?.parse().map_err(|e| format!("--drop-fragment: {e}"))?;
                if n == 0 {
                    return Err("--drop-fragment counts from 1".into());
                }
                opts.drop_fragment = Some(n);
            }
            "--capture" => opts.capture = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(opts)
}

fn run(opts: Options) -> io::Result<()> {
    let listener = TcpListener::bind(opts.listen)?;
    let addr = listener.local_addr()?;
    let dir = match opts.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("bits-codec-graph-server-{}", std::process::id())),
    };
    fs::create_dir_all(dir.join("committed"))?;
    let origin = opts.origin.unwrap_or_else(|| format!("http://{addr}"));
    let log = opts.log.map(File::create).transpose()?;
    if let Some(c) = &opts.capture {
        fs::create_dir_all(c)?;
    }
    let shared = Arc::new(Shared {
        server: Mutex::new(Server::new(ServerConfig::new(origin))),
        dir: dir.clone(),
        log: Mutex::new(log),
        fragments: Mutex::new(0),
        drop_fragment: opts.drop_fragment,
        capture: opts.capture.map(|c| (c, Mutex::new(0))),
    });
    println!("{addr}");
    println!("{}", dir.display());
    io::stdout().flush()?;
    if let Some(p) = opts.port_file {
        // Written whole, then renamed, so a reader polling for the file never sees it half-written.
        let tmp = p.with_extension("tmp");
        fs::write(&tmp, addr.port().to_string())?;
        fs::rename(&tmp, &p)?;
    }
    for stream in listener.incoming() {
        let stream = stream?;
        if !stream.peer_addr().is_ok_and(|a| a.ip().is_loopback()) {
            continue;
        }
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            if let Err(e) = serve_connection(stream, &shared) {
                shared.note(&format!("CONNECTION-ERROR {e}"));
            }
        });
    }
    Ok(())
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
        let Some((dir, count)) = &self.capture else { return };
        if wire.len() > CAPTURE_MAX {
            return;
        }
        let Ok(mut n) = count.lock() else { return };
        *n += 1;
        if let Err(e) = fs::write(dir.join(format!("{:03}-{}.http", *n, method.to_ascii_lowercase())), wire) {
            self.note(&format!("CAPTURE-ERROR {e}"));
        }
    }

    /// `true` if this fragment is the one `--drop-fragment` names.
    fn drop_this_fragment(&self) -> bool {
        let Ok(mut n) = self.fragments.lock() else { return false };
        *n += 1;
        self.drop_fragment == Some(*n)
    }
}

/// Serve requests on one connection until the client closes it, goes idle, or a fault closes it.
fn serve_connection(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let opts = DecodeOptions::default().max_body_len(Some(MAX_BODY));
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let used = loop {
            match Request::decode_with(&buf, &opts) {
                Ok((_, used)) => break used,
                Err(DecodeError::Incomplete { .. }) => {}
                Err(e) => {
                    shared.note(&format!("REJECT {e}"));
                    let answer = shared.server.lock().map_err(|_| io::Error::other("poisoned"))?.reject(&e);
                    stream.write_all(&answer.to_vec())?;
                    return Ok(()); // the framing is lost: close
                }
            }
            let n = match stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => 0,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => 0,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let (request, _) = Request::decode_with(&buf[..used], &opts).map_err(|e| io::Error::other(e.to_string()))?;
        shared.capture(request.method().as_str(), &buf[..used]);
        let range = request.content_range().map_or_else(|| "-".to_string(), |r| r.to_string());
        if request.content_range().is_some() && shared.drop_this_fragment() {
            shared.note(&format!("DROP {} range={range}", request.target().as_str()));
            return Ok(());
        }
        let response = {
            let mut server = shared.server.lock().map_err(|_| io::Error::other("poisoned"))?;
            let reply = server.handle(&request);
            match perform(&shared.dir, &reply.action, request.body()) {
                Ok(()) => reply.response,
                Err(e) => {
                    shared.note(&format!("STORAGE-ERROR {e}"));
                    server.action_failed(&reply.action)
                }
            }
        };
        shared.note(&format!(
            "REQUEST {} {} range={range} -> {} {}",
            request.method().as_str(),
            request.target().as_str(),
            response.status().as_u16(),
            describe(&response)
        ));
        stream.write_all(&response.to_vec())?;
        buf.drain(..used);
    }
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

/// Perform `action` on the session files with the request's body.
fn perform(dir: &Path, action: &Action, body: &[u8]) -> io::Result<()> {
    let part = |session: u64| dir.join(format!("{session}.part"));
    let committed = |session: u64| dir.join("committed").join(format!("{session}.bin"));
    match *action {
        Action::Open { session } => File::create(part(session)).map(drop),
        Action::Write(w) => {
            let mut f = OpenOptions::new().write(true).open(part(w.session))?;
            f.seek(SeekFrom::Start(w.offset))?;
            f.write_all(body)?;
            drop(f);
            if w.commit { fs::rename(part(w.session), committed(w.session)) } else { Ok(()) }
        }
        Action::Commit { session, .. } => fs::rename(part(session), committed(session)),
        Action::Discard { session } => fs::remove_file(part(session)),
        _ => Ok(()),
    }
}
