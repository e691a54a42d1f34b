//! A BITS upload server on hyper 1 and tokio, built from the crate's typed view over
//! `http::request::Parts` and the sans-IO server machine [`Server`].
//!
//! ```sh
//! cargo run --release --example hyper_bits_server -- [--listen ADDR] [--dir DIR] [--port-file PATH]
//! ```
//!
//! - `--listen ADDR`: where to listen (default `127.0.0.1:0`, any free port).
//! - `--dir DIR`: where sessions and committed uploads go (default: a new directory under the
//!   system's temporary directory, named after the process id; it is kept after the server
//!   stops).
//! - `--port-file PATH`: once listening, write the bound port there (written to `PATH.tmp`
//!   and renamed, so a reader never sees half of it).
//!
//! The first line on standard output is the bound address (`127.0.0.1:PORT`); each request
//! gets one line on standard error. It serves until killed.
//!
//! Storage layout: a session's bytes go to `DIR/sessions/GUID.part`; Close-Session of a whole
//! upload renames that file to `DIR/GUID`, where `GUID` is the session id without its braces
//! (upper case, as in the `BITS-Session-Id` the Create-Session Ack carried). The name comes
//! from the session id rather than the request target or `Content-Name`, so no client-chosen
//! text ever becomes a path. Cancel-Session, a Close before the last byte and the idle sweep
//! delete the part file.
//!
//! # Design
//!
//! hyper owns the HTTP/1.1 framing; this server never parses bytes itself. For each request it
//! builds the typed head with [`RequestHead::from_http_parts`], which applies the checks the
//! byte decoder applies ([`real_clients`]: `Content-Length` required on a Fragment and
//! consistent with `Content-Range`, optional on bodiless packets; no
//! `Transfer-Encoding`, one `BITS-Packet-Type`, …). A request that fails them is answered with
//! [`Server::reject`] and the connection is closed, as the machine's docs ask. Otherwise
//! [`Server::handle`] gives the Ack and the storage [`Action`]; the action is carried out first
//! (`Open`: create the part file; `Write`: stream the body into it; `Commit`: rename it;
//! `Discard`: delete it), and if it fails, [`Server::action_failed`] gives the Ack to send
//! instead and rolls the session back. Every Ack goes out through [`Ack::to_http`], so it has
//! exactly the headers the crate encodes (`BITS-Packet-Type: Ack`, `Content-Length: 0`, …);
//! hyper writes the names in lower case and adds `date`.
//!
//! The Fragment body is streamed: each frame hyper hands over from the `Incoming` body is
//! written at once at the offset the [`WriteAt`] names (the part of it past `skip`, up to
//! `len`), so memory stays at one frame whatever the fragment size.
//!
//! Caps, so that a hostile client cannot make the server allocate or write without bound:
//! - a Fragment over [`MAX_FRAGMENT_LEN`] is answered 413 by the machine
//!   ([`ServerConfig::max_fragment_len`]) and its body is not read: the connection is closed
//!   instead, so a huge `Content-Length` costs nothing;
//! - any other request whose body is not written (a 416 resynchronisation, a re-Ack, an
//!   unknown session) has its body read and dropped only up to that same cap, else the
//!   connection is closed;
//! - an upload's total is at most [`MAX_UPLOAD_LEN`] (500 `BG_E_TOO_LARGE` above it), and
//!   hyper's own limits bound the head;
//! - a head must arrive within [`IO_TIMEOUT`], and so must each body frame;
//! - sessions nobody named for one to two [`SWEEP_EVERY`] periods are deleted.
//!
//! Session ids are GUIDs from a keyed hash of a counter (the standard library's randomly
//! keyed SipHash; version-4 bits set): unguessable enough for an example, which has no
//! dependency for random numbers; a production server takes them from the operating system's
//! random source. Requests for one session are expected one at a time (a BITS client has one
//! in flight); a client that overlaps its own requests can only spoil its own upload.
//!
//! `tests/hyper_interop.rs` runs [`serve`] in process and uploads to it with the client
//! machine; `tests/interop/curl_bits.sh` drives the built example with curl.

use std::collections::hash_map::RandomState;
use std::convert::Infallible;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bits_codec::DecodeOptions;
use bits_codec::bits::server::{Action, Reply, Server, ServerConfig, WriteAt};
use bits_codec::bits::{Ack, ErrorContext, Guid, HResult, RequestHead};
use bits_codec::http1::Status;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The largest Fragment body accepted (above it: 413, and the client sends smaller fragments).
/// Windows sends up to 13 MB ([MC-BUP] note <10>).
pub const MAX_FRAGMENT_LEN: u64 = 16 << 20;
/// The largest upload (the `Content-Range` total) accepted.
pub const MAX_UPLOAD_LEN: u64 = 1 << 30;
/// How long a head, and then each frame of a body, may take to arrive.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// How often idle sessions are swept ([`Server::sweep_idle`]).
pub const SWEEP_EVERY: Duration = Duration::from_secs(30 * 60);

/// Serve BITS uploads on `listener` until the task is dropped, storing under `dir` (created
/// if needed; see the module docs for the layout). Fails only if `dir` cannot be prepared.
pub async fn serve(listener: TcpListener, dir: PathBuf) -> io::Result<()> {
    tokio::fs::create_dir_all(dir.join("sessions")).await?;
    let config = ServerConfig::default()
        .max_fragment_len(Some(MAX_FRAGMENT_LEN))
        .max_upload_len(Some(MAX_UPLOAD_LEN))
        // A 0-byte file is Create-Session then Close-Session ([MC-BUP] has no empty range);
        // the part file exists from Open, so committing it is as safe as any other upload.
        .allow_empty_upload(true);
    let state = Arc::new(State { server: Mutex::new(Server::new(config, random_ids())), dir });
    tokio::spawn(sweep(state.clone()));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors and the like: transient; back off instead of spinning.
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(req, peer, &state).await) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(IO_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                eprintln!("{peer} connection: {e}");
            }
        });
    }
}

struct State {
    server: Mutex<Server>,
    dir: PathBuf,
}

impl State {
    fn server(&self) -> MutexGuard<'_, Server> {
        // A panic while holding the lock leaves the table as consistent as any single call
        // leaves it: keep serving.
        self.server.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn part(&self, session: Guid) -> PathBuf {
        self.dir.join("sessions").join(format!("{}.part", file_stem(session)))
    }

    fn committed(&self, session: Guid) -> PathBuf {
        self.dir.join(file_stem(session))
    }
}

/// The session id as the Ack spelled it, without braces: `A0FF5911-4144-45B3-BF27-27AFC8EC8A67`.
pub fn file_stem(session: Guid) -> String {
    session.to_braced(true).trim_matches(['{', '}']).to_string()
}

type HttpResponse = http::Response<Empty<Bytes>>;

/// What this server reads requests with: strict, but for the one leniency real clients need.
/// Python's `http.client` and `curl -X BITS_POST` send Ping, Create-Session, Close-Session and
/// Cancel-Session without `Content-Length`; hyper has already framed such a request as bodiless
/// (RFC 9112 §6.3), so accepting it cannot desynchronise anything.
pub fn real_clients() -> DecodeOptions {
    DecodeOptions::default().allow_bodiless_without_content_length(true)
}

/// One request, start to finish: typed head from the parts, the machine's reply, the storage
/// action (streaming the body), the Ack.
async fn answer(req: http::Request<Incoming>, peer: SocketAddr, state: &State) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let head = match RequestHead::from_http_parts(&parts, &real_clients()) {
        Ok(head) => head,
        Err(e) => {
            let ack = state.server().reject(e.kind);
            eprintln!("{peer} {} {} -> {} rejected: {e}", parts.method, parts.uri, ack.status());
            // The machine's rule for undecodable requests: answer, then close.
            return to_response(&ack, true);
        }
    };
    let Reply { mut ack, action, .. } = state.server().handle(&head);
    let body_len = head.body_len();
    let mut close = false;
    let mut note = String::new();
    let outcome = match &action {
        Action::Open { session, .. } => tokio::fs::File::create(state.part(*session)).await.map(drop),
        Action::Write(w) => write_body(body, w, body_len, &state.part(w.session)).await,
        Action::Commit { session, .. } => tokio::fs::rename(state.part(*session), state.committed(*session)).await,
        Action::Discard { session, .. } => remove_part(&state.part(*session)).await,
        _ if body_len == 0 => Ok(()),
        // A body nothing is written from (416, re-Ack, unknown session, 413): read and drop
        // it to keep the connection, unless it is over the cap, where the connection is
        // closed instead so that a huge Content-Length costs nothing.
        _ if body_len <= MAX_FRAGMENT_LEN => match drain(body).await {
            Ok(()) => Ok(()),
            Err(e) => {
                note = format!(" (body: {e})");
                close = true;
                Ok(())
            }
        },
        _ => {
            note = format!(" (body of {body_len} bytes not read)");
            close = true;
            Ok(())
        }
    };
    if let Err(e) = outcome {
        let (status, code) = match e.kind() {
            // The body was cut short or came too slowly: the request itself was bad.
            io::ErrorKind::UnexpectedEof | io::ErrorKind::TimedOut | io::ErrorKind::InvalidData => {
                (Status::BAD_REQUEST, HResult::E_INVALIDARG)
            }
            io::ErrorKind::StorageFull => (Status::INTERNAL_SERVER_ERROR, HResult::ERROR_DISK_FULL),
            _ => (Status::INTERNAL_SERVER_ERROR, HResult::E_FAIL),
        };
        ack = state.server().action_failed(&action, status, code, ErrorContext::REMOTE_FILE);
        note = format!(" (action failed: {e})");
        // The body may be partly unread: the framing is only safe with a new connection.
        close = true;
    }
    eprintln!("{peer} {} -> {}{note}", describe_request(&head), describe_ack(&ack, &action));
    to_response(&ack, close)
}

/// Stream the Fragment body into the part file: the bytes `[skip, skip + len)` of the body
/// go to `offset`; the rest is read and dropped. Fails with `UnexpectedEof` if the body ends
/// early, `InvalidData` if it runs past `Content-Length`, `TimedOut` if a frame is late.
async fn write_body(mut body: Incoming, w: &WriteAt, body_len: u64, part: &Path) -> io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new().write(true).open(part).await?;
    file.seek(SeekFrom::Start(w.offset)).await?;
    let (from, to) = (w.skip, w.skip + w.len);
    let mut at = 0u64; // position in the body
    while let Some(chunk) = next_chunk(&mut body).await? {
        let end = at + chunk.len() as u64;
        if end > body_len {
            // hyper frames by Content-Length, so this is a bug somewhere, not a peer's doing.
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body longer than Content-Length"));
        }
        // The part of [at, end) inside [from, to).
        let (lo, hi) = (at.max(from), end.min(to));
        if lo < hi {
            file.write_all(&chunk[(lo - at) as usize..(hi - at) as usize]).await?;
        }
        at = end;
    }
    if at != body_len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("body ended at {at} of {body_len} bytes")));
    }
    // tokio's File writes in the background: wait for the last write before the Ack says
    // the bytes are stored.
    file.flush().await
}

/// Read a body to its end, dropping every byte.
async fn drain(mut body: Incoming) -> io::Result<()> {
    while next_chunk(&mut body).await?.is_some() {}
    Ok(())
}

/// The next data frame of `body` (trailers skipped), within [`IO_TIMEOUT`].
async fn next_chunk(body: &mut Incoming) -> io::Result<Option<Bytes>> {
    loop {
        let frame = tokio::time::timeout(IO_TIMEOUT, body.frame())
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "body frame timed out"))?;
        match frame {
            None => return Ok(None),
            Some(Err(e)) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

async fn remove_part(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The Ack as hyper's response, with the crate's headers; `close` adds `Connection: close`.
fn to_response(ack: &Ack<'_>, close: bool) -> HttpResponse {
    let mut response = match ack.to_http() {
        Ok(r) => r.map(|()| Empty::new()),
        // Only if the http crate refused a header value the crate built: never for the
        // values the server machine produces.
        Err(e) => {
            eprintln!("Ack to http: {e}");
            let mut r = http::Response::new(Empty::new());
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        }
    };
    if close {
        response.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    }
    response
}

/// Remove the sessions no request named for a whole period, and their part files.
async fn sweep(state: Arc<State>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.tick().await; // the first tick is immediate
    loop {
        every.tick().await;
        let gone = state.server().sweep_idle();
        for action in gone {
            if let Action::Discard { session, .. } = action {
                if let Err(e) = remove_part(&state.part(session)).await {
                    eprintln!("sweep {session}: {e}");
                }
                eprintln!("sweep: session {session} idle, discarded");
            }
        }
    }
}

/// Session ids: SipHash, keyed at random by the standard library, of a counter; two hashes
/// make the 128 bits, with the RFC 4122 version-4 and variant bits set.
fn random_ids() -> impl FnMut() -> Guid + Send + 'static {
    let keys = RandomState::new();
    let mut counter = 0u64;
    move || {
        let mut word = || {
            counter += 1;
            let mut h = keys.build_hasher();
            h.write_u64(counter);
            h.finish()
        };
        let n = (u128::from(word()) << 64) | u128::from(word());
        let n = (n & !(0xf << 76)) | (0x4 << 76); // version 4
        let n = (n & !(0x3 << 62)) | (0x2 << 62); // variant 10
        Guid::from_u128(n)
    }
}

fn describe_request(head: &RequestHead<'_>) -> String {
    let mut s = format!("{} {}", head.packet_type().as_str(), head.target().as_str());
    if let Some(range) = head.content_range() {
        s.push_str(&format!(" {range}"));
    }
    if let Some(id) = head.session_id() {
        s.push_str(&format!(" session={id}"));
    }
    s
}

fn describe_ack(ack: &Ack<'_>, action: &Action) -> String {
    let mut s = ack.status().to_string();
    if let Some(id) = ack.session_id() {
        s.push_str(&format!(" session={id}"));
    }
    if let Some(n) = ack.received_content_range() {
        s.push_str(&format!(" received={n}"));
    }
    if let Some(code) = ack.error_code() {
        s.push_str(&format!(" error={code}"));
    }
    match action {
        Action::None => {}
        Action::Open { .. } => s.push_str(" [open]"),
        Action::Write(w) => s.push_str(&format!(" [write {} bytes at {}]", w.len, w.offset)),
        Action::Commit { session, len, .. } => s.push_str(&format!(" [commit {len} bytes as {}]", file_stem(*session))),
        Action::Discard { reason, .. } => s.push_str(&format!(" [discard: {reason:?}]")),
        _ => s.push_str(&format!(" [{action:?}]")),
    }
    s
}
