//! [`BitsService`]: BITS uploads as a tower `Service<http::Request<B>>`.
//!
//! Every decision is the sans-IO machine's ([`Server`]), made on the typed view of the
//! request's `http::request::Parts` ([`RequestHead::from_http_parts`]); this module adds what
//! the machine leaves to its caller:
//!
//! - Create-Session: the request target goes through the storage's destination policy first
//!   (a refused name is answered 400 + `E_INVALIDARG`, context 0x5, before any session
//!   exists), then the session caps (503 + `BG_E_HTTP_ERROR_503`: BITS clients retry a 503
//!   later, where a 4xx would fail the job).
//! - Fragment, Close-Session, Cancel-Session: run one at a time per session (a lock per
//!   session, held from the machine's decision until storage has done what it asked).
//! - A Fragment body is streamed into storage frame by frame as the machine's write asks;
//!   the Ack is sent after the bytes are stored. If storage or the body fails, the machine
//!   rolls the session back ([`Server::action_failed`]) and the Ack says so.
//! - A body nothing is written from (a 416 resynchronisation, a re-Ack, an unknown session, a
//!   413) is read and dropped before the Ack, up to [`Limits::drain_limit`], so that the client
//!   has finished sending when it reads its Ack (closing with unread bytes in the socket makes
//!   the peer's TCP send a reset, which can destroy the Ack before the client reads it). Over
//!   the limit the Ack goes out with `Connection: close` and the body is not read.
//! - A request that does not decode is answered with [`Server::reject`]'s Ack and
//!   `Connection: close`, as the machine asks.
//! - One log line per request (tracing, target `bits_codec_io`, level INFO; storage failures
//!   at WARN).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use bits_codec::DecodeOptions;
use bits_codec::bits::server::{Action, DiscardReason, Reply, Server, ServerConfig};
use bits_codec::bits::{Ack, ErrorContext, HResult, RequestHead, RequestKind};
use bits_codec::http1::Status;
use bytes::Bytes;
use http_body::Body;
use http_body_util::Empty;

use super::body::{BodyReader, BoxError};
use super::events::{Event, EventSink};
use super::ids::random_ids;
use super::limits::Limits;
use super::notify::{Completed, Notifier};
use super::serve::ClientAddr;
use super::table::{SessionLocks, SharedTable, Table};
use crate::storage::{DestinationError, FragmentWriter, SessionRecord, Storage};

/// The body of every response: an Ack has none.
pub type ResponseBody = Empty<Bytes>;

/// `HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)`: the destination exists and may not be replaced.
const ERROR_FILE_EXISTS: HResult = HResult(0x8007_0050);

/// A [`BitsService`]'s settings.
///
/// ```
/// use bits_codec_io::{Config, EventSink, Limits};
/// let mut config = Config::default();
/// config.limits.max_upload = 1 << 30;
/// config.events = Some(EventSink::new(|e| println!("{e:?}")));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Caps and timeouts.
    pub limits: Limits,
    /// The machine's settings (overlap policy, Host-Id, upload-reply, error header). Its
    /// upload and fragment size caps are replaced by [`Limits::max_upload`] and
    /// [`Limits::max_fragment`]. Default: the machine's, with 0-byte uploads allowed (the
    /// storage creates a session's data at Create-Session, so an empty one commits as
    /// safely as any other).
    pub machine: ServerConfig,
    /// How request heads are checked ([`RequestHead::from_http_parts`]). Default: the
    /// codec's strict defaults plus
    /// [`allow_bodiless_without_content_length`](DecodeOptions::allow_bodiless_without_content_length),
    /// so that curl (`-X BITS_POST`) and Python's `http.client` can send Ping, Create-Session,
    /// Close-Session and Cancel-Session without `Content-Length`. That is safe for a server:
    /// RFC 9112 §6.3 frames such a request as bodiless for every reader, and a Fragment still
    /// needs the header.
    pub decode: DecodeOptions,
    /// Who hears about sessions.
    pub events: Option<EventSink>,
    /// The server application, told of each whole upload before its final Ack.
    pub notify: Option<Notifier>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            machine: ServerConfig::default().allow_empty_upload(true),
            decode: DecodeOptions::default().allow_bodiless_without_content_length(true),
            events: None,
            notify: None,
        }
    }
}

/// BITS uploads as a tower `Service` (see the module docs of this file for the rules).
///
/// Cloning is cheap: clones share the sessions and storage.
#[derive(Debug)]
pub struct BitsService<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for BitsService<S> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone() }
    }
}

#[derive(Debug)]
struct Shared<S> {
    storage: S,
    table: SharedTable,
    locks: SessionLocks,
    config: Config,
}

impl<S: Storage> BitsService<S> {
    /// A service on `storage`: recovers the sessions a previous process left (removing
    /// expired ones and orphaned files) and starts the idle sweep on the current tokio
    /// runtime (it stops when the last clone of the service is dropped).
    pub async fn new(storage: S, config: Config) -> io::Result<Self> {
        let limits = &config.limits;
        let machine_config =
            config.machine.clone().max_upload_len(Some(limits.max_upload)).max_fragment_len(Some(limits.max_fragment));
        let mut table = Table::new(Server::new(machine_config, random_ids()?));
        let recovered = storage.recover(limits.idle_expiry).await?;
        let mut restored = 0;
        for r in &recovered.sessions {
            if table.machine.restore(r.id, r.destination.to_string(), r.total, r.received) {
                table.opened(r.id, r.client);
                restored += 1;
            }
        }
        tracing::info!(
            target: "bits_codec_io",
            restored,
            expired = recovered.expired.len(),
            orphans_removed = recovered.orphans_removed,
            "storage recovered"
        );
        if let Some(events) = &config.events {
            for &session in &recovered.expired {
                events.emit(&Event::Expired { session });
            }
        }
        let period = limits.idle_expiry;
        let shared =
            Arc::new(Shared { storage, table: SharedTable::new(table), locks: SessionLocks::default(), config });
        tokio::spawn(sweep_loop(Arc::downgrade(&shared), period));
        Ok(Self { shared })
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.shared.table.lock().machine.session_count()
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.shared.storage
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Run the idle sweep now: sessions no request named since the previous sweep are
    /// removed with their data, and orphaned files older than the idle expiry go. Returns
    /// how many sessions expired. (The service runs it every [`Limits::idle_expiry`].)
    pub async fn sweep(&self) -> usize {
        self.shared.sweep().await
    }
}

async fn sweep_loop<S: Storage>(shared: Weak<Shared<S>>, period: std::time::Duration) {
    let mut every = tokio::time::interval(period);
    every.tick().await; // the first tick is immediate
    loop {
        every.tick().await;
        let Some(shared) = shared.upgrade() else { return };
        shared.sweep().await;
    }
}

impl<S, B> tower_service::Service<http::Request<B>> for BitsService<S>
where
    S: Storage,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move { Ok(shared.respond(req).await) })
    }
}

/// What a request came to: the Ack, whether the connection must close, and what to log.
struct Outcome {
    ack: Ack<'static>,
    action: Action,
    close: bool,
    /// The body was read to its end (written or drained).
    body_done: bool,
    note: String,
}

impl Outcome {
    fn new(reply: Reply) -> Self {
        Self { ack: reply.ack, action: reply.action, close: false, body_done: false, note: String::new() }
    }

    fn ack(ack: Ack<'static>, note: String) -> Self {
        Self { ack, action: Action::None, close: false, body_done: false, note }
    }
}

impl<S: Storage> Shared<S> {
    async fn respond<B>(self: Arc<Self>, req: http::Request<B>) -> http::Response<ResponseBody>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let client = req.extensions().get::<ClientAddr>().map(|c| c.0);
        let (parts, body) = req.into_parts();
        let mut body = BodyReader::new(Box::pin(body), self.config.limits.body_read_timeout);
        let head = match RequestHead::from_http_parts(&parts, &self.config.decode) {
            Ok(head) => head,
            Err(e) => {
                let ack = self.table.lock().machine.reject(e.kind);
                tracing::info!(
                    target: "bits_codec_io",
                    client = %display_addr(client),
                    "{} {} -> {} rejected: {e}",
                    parts.method,
                    parts.uri,
                    ack.status()
                );
                return to_response(&ack, true);
            }
        };
        let ip = client.map(|c| c.ip());
        let mut out = match head.kind() {
            RequestKind::CreateSession { .. } => self.create(&head, ip).await,
            RequestKind::Ping => Outcome::new(self.table.lock().machine.handle(&head)),
            _ => {
                let _guard = match head.session_id().and_then(|id| id.as_guid()) {
                    Some(session) => Some(self.locks.lock(session).await),
                    None => None,
                };
                self.in_session(&head, &mut body).await
            }
        };
        let body_len = head.body_len();
        if !out.body_done && !out.close && body_len > 0 {
            if body_len > self.config.limits.drain_limit {
                out.close = true;
                out.note.push_str(&format!(" (body of {body_len} bytes not read)"));
            } else if let Err(e) = body.drain(body_len).await {
                out.close = true;
                out.note.push_str(&format!(" (body: {e})"));
            }
        }
        tracing::info!(
            target: "bits_codec_io",
            client = %display_addr(client),
            "{} -> {}{}",
            describe_request(&head),
            describe_ack(&out.ack, &out.action),
            out.note
        );
        to_response(&out.ack, out.close)
    }

    async fn create(&self, head: &RequestHead<'_>, client: Option<IpAddr>) -> Outcome {
        let destination = match self.storage.destination(head.target().as_str()) {
            Ok(d) => d,
            Err(e) => return Outcome::ack(self.error(Status::BAD_REQUEST, HResult::E_INVALIDARG), format!(" ({e})")),
        };
        let limits = &self.config.limits;
        let reply = {
            let mut t = self.table.lock();
            let busy = if t.machine.session_count() >= limits.max_sessions {
                Some("open sessions at the cap")
            } else if client.is_some_and(|ip| t.sessions_of(ip) >= limits.max_sessions_per_client) {
                Some("this client's open sessions at the cap")
            } else {
                None
            };
            if let Some(why) = busy {
                // Built here, under the lock already held (`error` would take it again).
                let ack = t.machine.action_failed(
                    &Action::None,
                    Status::SERVICE_UNAVAILABLE,
                    HResult::from_http_status(503),
                    ErrorContext::REMOTE_FILE,
                );
                return Outcome::ack(ack, format!(" ({why})"));
            }
            let reply = t.machine.handle(head);
            if let Action::Open { session, .. } = &reply.action {
                t.opened(*session, client);
            }
            reply
        };
        let mut out = Outcome::new(reply);
        let Action::Open { session, .. } = &out.action else { return out };
        let session = *session;
        let record = SessionRecord::new(session, destination.clone(), client);
        match self.storage.create(&record).await {
            Ok(()) => self.emit(Event::Created { session, destination, client }),
            Err(e) => {
                let mut t = self.table.lock();
                t.closed(session);
                self.failed(&mut t, &mut out, &e);
            }
        }
        out
    }

    /// Fragment, Close-Session, Cancel-Session (the caller holds the session's lock).
    async fn in_session<B>(&self, head: &RequestHead<'_>, body: &mut BodyReader<Pin<Box<B>>>) -> Outcome
    where
        B: Body + Send,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let reply = self.table.lock().machine.handle(head);
        let mut out = Outcome::new(reply);
        match &out.action {
            Action::Write(w) => {
                let total = head.content_range().map_or(0, |r| r.total());
                let w = *w;
                let stored = async {
                    let mut writer = self.storage.writer(w.session, w.offset).await?;
                    body.copy_to(&mut writer, w.skip, w.len, head.body_len()).await?;
                    writer.finish(total).await
                }
                .await;
                match stored {
                    Ok(()) => {
                        out.body_done = true;
                        self.emit(Event::Progress { session: w.session, received: w.offset + w.len, total });
                        if w.completes
                            && let Some(notifier) = &self.config.notify
                        {
                            self.notify(notifier, &mut out, total).await;
                        }
                    }
                    Err(e) => {
                        let mut t = self.table.lock();
                        self.failed(&mut t, &mut out, &e);
                        // The body may be partly unread: only a new connection is framed.
                        out.close = true;
                    }
                }
            }
            Action::Commit { session, len, .. } => {
                let (session, len) = (*session, *len);
                match self.storage.commit(session, len).await {
                    Ok(destination) => {
                        self.table.lock().closed(session);
                        self.emit(Event::Committed { session, destination, len });
                    }
                    Err(e) => {
                        let mut t = self.table.lock();
                        self.failed(&mut t, &mut out, &e);
                    }
                }
            }
            Action::Discard { session, reason } => {
                let session = *session;
                let cancelled = matches!(reason, DiscardReason::Cancelled | DiscardReason::IncompleteClose);
                self.table.lock().closed(session);
                if let Err(e) = self.storage.discard(session).await {
                    // The session is gone either way; what is left on disk the sweep removes.
                    tracing::warn!(target: "bits_codec_io", %session, "discard: {e}");
                }
                if cancelled {
                    self.emit(Event::Cancelled { session });
                }
            }
            _ => {}
        }
        out
    }

    /// The upload is whole: tell the server application before the Ack goes.
    async fn notify(&self, notifier: &Notifier, out: &mut Outcome, len: u64) {
        let Action::Write(w) = &out.action else { return };
        let session = w.session;
        let Some(destination) = self.storage.destination_of(session) else { return };
        let data_file = self.storage.data_file(session);
        match notifier.notify(Completed { session, destination, len, data_file }).await {
            Ok(None) => {}
            Ok(Some(url)) => {
                self.table.lock().machine.set_reply_url(session, url.clone());
                out.ack = out.ack.clone().with_reply_url(url);
            }
            Err(why) => {
                // [MC-BUP] §2.2.1.2: context 0x7, the server application.
                let context = ErrorContext::REMOTE_APPLICATION;
                out.ack = self.table.lock().machine.action_failed(
                    &out.action,
                    Status::INTERNAL_SERVER_ERROR,
                    HResult::E_FAIL,
                    context,
                );
                out.note = format!(" (server application: {why})");
            }
        }
    }

    /// Storage could not do what the machine asked: the machine rolls back and gives the Ack.
    fn failed(&self, table: &mut Table, out: &mut Outcome, e: &io::Error) {
        let (status, code) = failure(e);
        out.ack = table.machine.action_failed(&out.action, status, code, ErrorContext::REMOTE_FILE);
        out.note = format!(" (storage: {e})");
        if status.as_u16() >= 500 {
            tracing::warn!(target: "bits_codec_io", "{:?}: {e}", out.action);
        }
    }

    /// An error Ack for a request the machine never saw, with the machine's error header
    /// (its rollback of "no action" changes nothing and returns exactly that Ack).
    fn error(&self, status: Status, code: HResult) -> Ack<'static> {
        self.table.lock().machine.action_failed(&Action::None, status, code, ErrorContext::REMOTE_FILE)
    }

    fn emit(&self, event: Event) {
        if let Some(events) = &self.config.events {
            events.emit(&event);
        }
    }

    async fn sweep(&self) -> usize {
        let gone = self.table.lock().machine.sweep_idle();
        let mut expired = 0;
        for action in gone {
            let Action::Discard { session, .. } = action else { continue };
            let _guard = self.locks.lock(session).await;
            self.table.lock().closed(session);
            if let Err(e) = self.storage.discard(session).await {
                tracing::warn!(target: "bits_codec_io", %session, "expiry: {e}");
            }
            tracing::info!(target: "bits_codec_io", %session, "session expired");
            self.emit(Event::Expired { session });
            expired += 1;
        }
        match self.storage.sweep(self.config.limits.idle_expiry).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(target: "bits_codec_io", removed = n, "orphaned session files removed"),
            Err(e) => tracing::warn!(target: "bits_codec_io", "sweep: {e}"),
        }
        expired
    }
}

/// The Ack status and code for a storage failure.
fn failure(e: &io::Error) -> (Status, HResult) {
    let refused = e.get_ref().and_then(|inner| inner.downcast_ref::<DestinationError>());
    match e.kind() {
        io::ErrorKind::AlreadyExists if refused.is_some() => (Status::CONFLICT, ERROR_FILE_EXISTS),
        io::ErrorKind::InvalidInput => (Status::BAD_REQUEST, HResult::E_INVALIDARG),
        // The body was cut short, stalled or ran long: the request itself was bad.
        io::ErrorKind::UnexpectedEof | io::ErrorKind::TimedOut | io::ErrorKind::InvalidData => {
            (Status::BAD_REQUEST, HResult::E_INVALIDARG)
        }
        io::ErrorKind::StorageFull => (Status::INTERNAL_SERVER_ERROR, HResult::ERROR_DISK_FULL),
        _ => (Status::INTERNAL_SERVER_ERROR, HResult::E_FAIL),
    }
}

/// The Ack as an `http` response; `close` adds `Connection: close`.
fn to_response(ack: &Ack<'_>, close: bool) -> http::Response<ResponseBody> {
    let mut response = match ack.to_http() {
        Ok(r) => r.map(|()| Empty::new()),
        // Only if the http crate refused a value the crate built: never for the machine's Acks.
        Err(e) => {
            tracing::warn!(target: "bits_codec_io", "Ack to http: {e}");
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

fn display_addr(addr: Option<std::net::SocketAddr>) -> String {
    addr.map_or_else(|| "-".into(), |a| a.to_string())
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
        Action::Open { .. } => s.push_str(" [open]"),
        Action::Write(w) => s.push_str(&format!(" [write {} bytes at {}]", w.len, w.offset)),
        Action::Commit { len, .. } => s.push_str(&format!(" [commit {len} bytes]")),
        Action::Discard { reason, .. } => s.push_str(&format!(" [discard: {reason:?}]")),
        _ => {}
    }
    s
}
