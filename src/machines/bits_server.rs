//! A sans-IO BITS upload server: the session rules of [MC-BUP] §3.2, without any I/O.
//!
//! [`Server`] takes each decoded request (or its head, for a streamed Fragment body) and
//! returns a [`Reply`]: the exact [`Ack`] to send and the [`Action`] the caller performs on its
//! storage (open a session's temporary entity, write a slice of the body at an offset, commit,
//! discard). The caller owns sockets, files, clocks and randomness; the machine owns the rules.
//!
//! Decisions where [MC-BUP] and the Learn pages are silent or disagree, each
//! pinned by a test in `tests/bits_server.rs`:
//!
//! | case | answer |
//! | --- | --- |
//! | Fragment starting past the next expected byte (gap) | 416, `BITS-Received-Content-Range` = expected, nothing written |
//! | Fragment overlapping received data | [`OverlapPolicy::TrimAndAccept`] (default, the Learn page): write only the new tail, 200 with the new offset; [`OverlapPolicy::Reject416`] (the spec's literal rule): 416 with the expected offset |
//! | Fragment entirely before the expected byte (stale) | Trim: 200 re-Ack with the expected offset, nothing written; Reject416: 416 |
//! | The final fragment again, after the upload is whole (its Ack was lost) | 200 re-Ack with the total and the same `BITS-Reply-URL`, under either policy |
//! | Fragment, Close or Cancel for an unknown session | 500 + `BG_E_SESSION_NOT_FOUND` + 0x5 |
//! | Total length changed mid-session | 400 + `E_INVALIDARG` + 0x5 |
//! | Total above [`ServerConfig::max_upload_len`] | 500 + `BG_E_TOO_LARGE` + 0x5 |
//! | Fragment body above [`ServerConfig::max_fragment_len`] | 413 + `E_INVALIDARG` + 0x5 (as a decode error `BodyTooLarge` is answered) |
//! | Create-Session without a common protocol | 400 + `E_INVALIDARG` + 0x5 |
//! | Close-Session on a whole upload | 200, [`Action::Commit`]: the entity is committed at Close, as [MC-BUP] §3.2.5.2.7 says (not at the last fragment, as the Learn page on Cancel-Session implies: the specification is normative) |
//! | Close-Session before the last byte | 400 + `E_INVALIDARG` + 0x5 and [`Action::Discard`]: "you cannot upload a partial file" (Learn, Close-Session); an error rather than 200, so that no client mistakes a deleted upload for a stored one |
//! | Close-Session with no fragment at all (a 0-byte file: an empty range cannot be written) | commits an empty entity if [`ServerConfig::allow_empty_upload`] and no Fragment (not even a refused one) named the session, else as the row above |
//! | Close or Cancel for a session already closed or cancelled | 500 + `BG_E_SESSION_NOT_FOUND` + 0x5 (the session is gone; this stops a client's Close/Cancel retries and changes nothing) |
//! | Cancel-Session after the last byte but before Close | 200 and [`Action::Discard`]: nothing was committed yet |
//! | Ping, any time, with or without a session id | 200, no lookup, no state change |
//! | Create-Session carrying a `BITS-Session-Id` | the header is ignored; a new session is made |
//! | A request that does not decode | [`Server::reject`]: [`Ack::for_invalid_request`] (status by [`InvalidKind::http_status`], `E_INVALIDARG`, 0x5) |
//! | `BITS-Session-Id` on Acks | sent on every Ack for a request that named a session, errors included (a client checks that an Ack names its session); [`ServerConfig::echo_session_id`]`(false)` omits it where IIS does |
//!
//! Session ids come from a generator the caller injects (this crate has no random source); a
//! session id is a GUID ([MC-BUP] §3.2.5.2.4), and a request naming an id that is not
//! GUID-shaped names no session. Ids compare by GUID value, so case and braces do not matter
//! (a GUID is a number; clients differ in how they spell it).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::bits::{
    Ack, ErrorContext, ErrorHeaderName, Guid, HResult, ProtocolList, RequestHead, RequestKind, SessionId,
};
use crate::http1::{ContentRange, FieldValue, Status};
use crate::{InvalidKind, ValidationError};

/// How many fresh ids [`Server`] asks its generator for before giving up on a Create-Session.
const ID_ATTEMPTS: usize = 16;

/// What the server does with a Fragment that overlaps bytes it already has ([MC-BUP]
/// §3.2.5.2.6 and the Learn Fragment page disagree; both readings are offered).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum OverlapPolicy {
    /// Write only the part after the bytes already received and answer 200 with the new
    /// offset; a fragment wholly before it is re-Acked (200) and not written. The Learn
    /// Fragment page: "BITS writes only the non-overlapping portion of the range".
    #[default]
    TrimAndAccept,
    /// Answer 416 with `BITS-Received-Content-Range` for any fragment that does not start at
    /// the next expected byte: [MC-BUP] §3.2.5.2.6 read literally.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    Reject416,
}

/// The server's settings: limits, overlap policy, protocols, Host-Id and upload-reply.
///
/// ```
/// use bits_codec::bits::server::{OverlapPolicy, ServerConfig};
/// use bits_codec::http1::FieldValue;
/// let config = ServerConfig::default()
///     .overlap_policy(OverlapPolicy::Reject416)
///     .max_upload_len(Some(100 << 20))
///     .max_fragment_len(Some(13 << 20))
///     .host_id(FieldValue::from_static("node7.example.com"), Some(110))
///     .upload_reply(r"BITS-Sessions\Replies\", r"\responsefile.bin")
///     .unwrap();
/// assert!(ServerConfig::default().upload_reply("bad\r\n", "").is_err());
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    overlap: OverlapPolicy,
    max_upload_len: Option<u64>,
    max_fragment_len: Option<u64>,
    protocols: ProtocolList,
    host_id: Option<(FieldValue<'static>, Option<u32>)>,
    reply: Option<(String, String)>,
    allow_empty_upload: bool,
    echo_session_id: bool,
    error_header: ErrorHeaderName,
}

impl Default for ServerConfig {
    /// Trim overlaps, no size limits, the BITS 1.5 protocol only, no Host-Id, plain upload (no
    /// reply), 0-byte uploads refused, session ids echoed, errors in `BITS-Error-Code`.
    fn default() -> Self {
        Self {
            overlap: OverlapPolicy::default(),
            max_upload_len: None,
            max_fragment_len: None,
            protocols: ProtocolList::one(Guid::BITS_1_5_UPLOAD),
            host_id: None,
            reply: None,
            allow_empty_upload: false,
            echo_session_id: true,
            error_header: ErrorHeaderName::Code,
        }
    }
}

impl ServerConfig {
    /// What to do with overlapping fragments (default [`OverlapPolicy::TrimAndAccept`]).
    pub fn overlap_policy(mut self, policy: OverlapPolicy) -> Self {
        self.overlap = policy;
        self
    }

    /// The largest upload (the `Content-Range` total) accepted; above it, 500 +
    /// `BG_E_TOO_LARGE` (IIS `BITSMaximumUploadSize`). `None`: no limit.
    pub fn max_upload_len(mut self, max: Option<u64>) -> Self {
        self.max_upload_len = max;
        self
    }

    /// The largest Fragment body accepted; above it, 413, and the client sends smaller
    /// fragments ([MC-BUP] §3.1.5.2.4). `None`: no limit. (Decode with
    /// [`DecodeOptions::max_body_len`](crate::DecodeOptions::max_body_len) as well so an
    /// oversized body is refused from its head.)
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn max_fragment_len(mut self, max: Option<u64>) -> Self {
        self.max_fragment_len = max;
        self
    }

    /// The protocols this server speaks, most preferred first (default: the BITS 1.5 upload
    /// protocol, the only one defined).
    pub fn protocols(mut self, protocols: ProtocolList) -> Self {
        self.protocols = protocols;
        self
    }

    /// Send `BITS-Host-Id` (and `BITS-Host-Id-Fallback-Timeout`, seconds) on every
    /// Create-Session Ack, for web-farm affinity ([MC-BUP] §2.2.3.2).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn host_id(mut self, host: FieldValue<'static>, fallback_timeout: Option<u32>) -> Self {
        self.host_id = Some((host, fallback_timeout));
        self
    }

    /// Upload-reply mode: the final Fragment Ack carries `BITS-Reply-URL: prefix{SESSION-ID}suffix`
    /// (IIS: `BITS-Sessions\Replies\{…}\responsefile.bin`). A URL the server application gives
    /// later replaces it ([`Server::set_reply_url`]). Fails if the URL could not be a header
    /// value.
    pub fn upload_reply(mut self, prefix: &str, suffix: &str) -> Result<Self, ValidationError> {
        let sample = reply_url(prefix, suffix, Guid::BITS_1_5_UPLOAD);
        FieldValue::validate(sample.as_bytes())?;
        self.reply = Some((prefix.into(), suffix.into()));
        Ok(self)
    }

    /// Accept a Close-Session on a session that received no fragment as the upload of an
    /// empty file ([`Action::Commit`] with length 0). [MC-BUP] cannot express an empty range
    /// (`last-byte-pos >= first-byte-pos`), so a 0-byte upload is a session with no fragment;
    /// no source says what Windows does. Default `false`: refused like any
    /// Close before the last byte.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn allow_empty_upload(mut self, allow: bool) -> Self {
        self.allow_empty_upload = allow;
        self
    }

    /// Echo `BITS-Session-Id` on the Acks for Fragment, Close, Cancel (and Ping, if it named
    /// one), errors included (default `true`, so a client can match the Ack to its session). `false` omits it as IIS does on
    /// those Acks; the Create-Session Ack always carries it.
    pub fn echo_session_id(mut self, echo: bool) -> Self {
        self.echo_session_id = echo;
        self
    }

    /// Which header name(s) carry error codes (default `BITS-Error-Code`, the name in the Learn
    /// docs and in the servers that exist; [MC-BUP] writes `BITS-Error`).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn error_header(mut self, name: ErrorHeaderName) -> Self {
        self.error_header = name;
        self
    }

    fn reply_url_for(&self, id: Guid) -> Option<FieldValue<'static>> {
        let (prefix, suffix) = self.reply.as_ref()?;
        FieldValue::from_vec(reply_url(prefix, suffix, id).into_bytes()).ok()
    }
}

fn reply_url(prefix: &str, suffix: &str, id: Guid) -> String {
    let mut s = String::with_capacity(prefix.len() + 38 + suffix.len());
    s.push_str(prefix);
    s.push_str(&id.to_braced(true));
    s.push_str(suffix);
    s
}

/// A write the caller performs: `len` bytes of the request body, starting `skip` bytes into
/// it, go to offset `offset` of the session's entity.
///
/// `skip` is not 0 only when an overlapping fragment was trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteAt {
    /// The session.
    pub session: Guid,
    /// Where in the entity the first written byte goes.
    pub offset: u64,
    /// How many leading body bytes to skip (already received).
    pub skip: u64,
    /// How many body bytes to write.
    pub len: u64,
    /// `true` if this write completes the entity: in upload-reply mode, notify the server
    /// application now, before sending the Ack ([MC-BUP] §3.2.5.1.3).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub completes: bool,
}

impl WriteAt {
    /// The bytes to write, out of the whole Fragment body (`None` if `body` is too short).
    pub fn slice<'b>(&self, body: &'b [u8]) -> Option<&'b [u8]> {
        let from = usize::try_from(self.skip).ok()?;
        let len = usize::try_from(self.len).ok()?;
        body.get(from..from.checked_add(len)?)
    }
}

/// Why a session's data is to be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiscardReason {
    /// Cancel-Session.
    Cancelled,
    /// Close-Session before the last byte (or with no fragment, when empty uploads are off).
    IncompleteClose,
    /// No request named the session between two [`Server::sweep_idle`] calls.
    Expired,
}

/// What the caller does, besides sending the Ack, to carry out a request.
///
/// Do it before sending the Ack; if it fails, send [`Server::action_failed`]'s Ack instead,
/// which also rolls the session back so that a retry works.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Nothing (Ping, re-Acks, resynchronisations, errors).
    None,
    /// A new session: prepare its temporary entity (empty, size unknown until the first
    /// fragment). `destination` is the Create-Session's request target.
    Open {
        /// The new session.
        session: Guid,
        /// The request target of the Create-Session (the upload's destination).
        destination: String,
    },
    /// Write part of the Fragment body.
    Write(WriteAt),
    /// Close-Session of a whole upload: move the entity (`len` bytes; 0 for an allowed empty
    /// upload) to `destination` and delete the session's files, the reply included.
    Commit {
        /// The session (now gone from the server).
        session: Guid,
        /// Where the entity goes.
        destination: String,
        /// The entity's length.
        len: u64,
        /// The session's `BITS-Reply-URL`, whose reply file can now be deleted.
        reply_url: Option<FieldValue<'static>>,
    },
    /// Delete everything the session stored.
    Discard {
        /// The session (now gone from the server).
        session: Guid,
        /// Why.
        reason: DiscardReason,
    },
}

/// The machine's answer to one request: the Ack to send and what to do first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The Ack to send (after doing [`action`](Self::action)).
    pub ack: Ack<'static>,
    /// The storage work the request needs.
    pub action: Action,
}

impl Reply {
    fn ack(ack: Ack<'static>) -> Self {
        Self { ack, action: Action::None }
    }
}

/// A read-only view of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo<'s> {
    /// The Create-Session's request target.
    pub destination: &'s str,
    /// The upload's length, once a fragment has said it.
    pub total: Option<u64>,
    /// The next byte the server expects (all bytes before it are stored).
    pub received: u64,
    /// The session's `BITS-Reply-URL`, in upload-reply mode.
    pub reply_url: Option<&'s FieldValue<'static>>,
}

impl SessionInfo<'_> {
    /// `true` once every byte has arrived.
    pub fn is_complete(&self) -> bool {
        self.total == Some(self.received)
    }
}

#[derive(Debug, Clone)]
struct Session {
    destination: String,
    /// A Fragment named the session (even one refused): it is not an empty upload.
    saw_fragment: bool,
    total: Option<u64>,
    received: u64,
    reply_url: Option<FieldValue<'static>>,
    touched: bool,
}

/// The BITS upload server's session table and rules, without I/O.
///
/// Feed it every decoded request with [`handle`](Self::handle) (a whole [`Request`](crate::bits::Request)
/// derefs to its head, or pass a [`RequestHead`] alone to stream a large Fragment body) and
/// every undecodable one with [`reject`](Self::reject); perform the returned [`Action`]; send
/// the returned [`Ack`].
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::bits::server::{Action, Server, ServerConfig};
/// use bits_codec::bits::{Guid, ProtocolList, Request, SessionId};
/// use bits_codec::http1::{ContentRange, RequestTarget};
///
/// let mut server = Server::new(ServerConfig::default(), bits_codec::bits::server::sequential_ids(1));
/// let target = RequestTarget::new("/upload/hello.txt").unwrap();
/// let mut stored = Vec::new();
///
/// // Create-Session: the Ack carries the new session id.
/// let create = Request::create_session(target.clone(), ProtocolList::one(Guid::BITS_1_5_UPLOAD));
/// let reply = server.handle(&create);
/// assert!(matches!(reply.action, Action::Open { .. }));
/// let id: SessionId<'static> = reply.ack.session_id().unwrap().clone();
///
/// // A Fragment, through the wire and back, then the write it asks for.
/// let wire = Request::fragment(target.clone(), id.clone(), ContentRange::new(0, 4, 5).unwrap(), &b"hello"[..])
///     .unwrap()
///     .to_vec();
/// let (fragment, _) = Request::decode(&wire).unwrap();
/// let reply = server.handle(&fragment);
/// let Action::Write(w) = reply.action else { panic!() };
/// stored.extend_from_slice(w.slice(fragment.body()).unwrap());
/// assert_eq!(reply.ack.received_content_range(), Some(5));
///
/// // Close-Session commits; a second Close finds no session.
/// let close = Request::close_session(target, id);
/// assert!(matches!(server.handle(&close).action, Action::Commit { len: 5, .. }));
/// assert_eq!(server.handle(&close).ack.status().as_u16(), 500);
/// assert_eq!(stored, b"hello");
/// ```
pub struct Server {
    config: ServerConfig,
    sessions: BTreeMap<Guid, Session>,
    next_id: Box<dyn FnMut() -> Guid + Send>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

/// A session-id generator for tests and examples: GUIDs `seed`, `seed + 1`, … (wrapping).
///
/// Predictable: anyone who sees one id can guess the next and write into another client's
/// session. A server facing untrusted clients injects random GUIDs instead (e.g. from the
/// operating system's random source).
///
/// ```
/// use bits_codec::bits::server::sequential_ids;
/// let mut ids = sequential_ids(0x10);
/// assert_eq!(ids().as_u128(), 0x10);
/// assert_eq!(ids().as_u128(), 0x11);
/// ```
pub fn sequential_ids(seed: u128) -> impl FnMut() -> Guid + Send + 'static {
    let mut next = seed;
    move || {
        let id = Guid::from_u128(next);
        next = next.wrapping_add(1);
        id
    }
}

impl Server {
    /// A server with `config`, taking new session ids from `session_ids` (a GUID per call;
    /// see [`sequential_ids`] for tests). An id already in use is skipped.
    pub fn new(config: ServerConfig, session_ids: impl FnMut() -> Guid + Send + 'static) -> Self {
        Self { config, sessions: BTreeMap::new(), next_id: Box::new(session_ids) }
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Answer one request.
    ///
    /// For a Fragment, only the head is read: the caller may decode a [`RequestHead`], call
    /// this, then stream the body, writing the part [`Action::Write`] names. Whatever the
    /// answer, the caller consumes the whole body (`Content-Length` bytes) before the next
    /// request on the connection, or closes the connection. If the body cannot be read in
    /// full, call [`action_failed`](Self::action_failed) with the `Write`.
    pub fn handle(&mut self, head: &RequestHead<'_>) -> Reply {
        match head.kind() {
            // "No special processing" ([MC-BUP] §3.2.5.2.5); any session id is ignored (A9).
            RequestKind::Ping => Reply::ack(echo(&self.config, Ack::ok(), head.session_id())),
            RequestKind::CreateSession { protocols } => self.create(head, protocols),
            RequestKind::Fragment { session_id, range } => self.fragment(session_id, range),
            RequestKind::CloseSession { session_id } => self.close(session_id),
            RequestKind::CancelSession { session_id } => self.cancel(session_id),
        }
    }

    /// The Ack for a request that did not decode, by what was wrong: the status of
    /// [`InvalidKind::http_status`], `E_INVALIDARG` and context 0x5 (as
    /// [`Ack::for_invalid_request`]), with the configured error header. The same for bytes
    /// ([`InvalidMessage::kind`](crate::InvalidMessage::kind), which also has the byte offset
    /// to log) and for `http` parts ([`PartsError::kind`](crate::PartsError::kind), which names
    /// the part). Nothing about any session changes. The connection's framing is lost after
    /// such a request: close it after sending.
    ///
    /// ```
    /// use bits_codec::bits::RequestHead;
    /// use bits_codec::bits::server::{Server, ServerConfig, sequential_ids};
    /// use bits_codec::{Decode, DecodeError};
    /// let server = Server::new(ServerConfig::default(), sequential_ids(1));
    /// let Err(DecodeError::Invalid(e)) = RequestHead::decode(b"BITS_POST /u HTTP/1.1\r\nContent-Length: x\r\n\r\n")
    /// else { panic!() };
    /// assert_eq!(server.reject(e.kind).status().as_u16(), 400);
    /// ```
    pub fn reject(&self, kind: InvalidKind) -> Ack<'static> {
        error(&self.config, kind.http_status(), HResult::E_INVALIDARG)
    }

    /// The Ack to send when the caller could not carry out `action` (disk full, notification
    /// of the server application failed, Fragment body cut short), instead of the one
    /// [`handle`](Self::handle) returned: `status` + `code` + `context` (0x5 for the server,
    /// 0x7 for the server application, [MC-BUP] §2.2.1.2).
    ///
    /// The session is rolled back so the client's retry works: a failed `Open` removes the
    /// session; a failed `Write` moves the next expected offset back to the write's offset
    /// (the client resynchronises there); a failed `Commit` restores the whole session, so a
    /// retried Close-Session commits again.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn action_failed(
        &mut self,
        action: &Action,
        status: Status,
        code: HResult,
        context: ErrorContext,
    ) -> Ack<'static> {
        let session = match action {
            Action::None => None,
            Action::Open { session, .. } => {
                self.sessions.remove(session);
                Some(*session)
            }
            Action::Write(w) => {
                if let Some(s) = self.sessions.get_mut(&w.session) {
                    s.received = s.received.min(w.offset);
                }
                Some(w.session)
            }
            Action::Commit { session, destination, len, reply_url } => {
                let restored = Session {
                    destination: destination.clone(),
                    saw_fragment: *len > 0,
                    total: (*len > 0).then_some(*len),
                    received: *len,
                    reply_url: reply_url.clone(),
                    touched: true,
                };
                self.sessions.insert(*session, restored);
                Some(*session)
            }
            Action::Discard { session, .. } => Some(*session),
        };
        let ack = Ack::new(status).with_error_as(self.config.error_header, code, context);
        match session {
            Some(g) if self.config.echo_session_id => ack.with_session_id(SessionId::from_guid(g)),
            _ => ack,
        }
    }

    /// Set the session's `BITS-Reply-URL` (the server application's `BITS-Static-Response-URL`,
    /// say). Returns `false` for an unknown session. If the upload is already whole, returns
    /// `true` and later re-Acks carry the new URL; the caller that is about to send the final
    /// Fragment Ack rebuilds it with [`Ack::with_reply_url`].
    pub fn set_reply_url(&mut self, session: Guid, url: FieldValue<'static>) -> bool {
        match self.sessions.get_mut(&session) {
            Some(s) => {
                s.reply_url = Some(url);
                true
            }
            None => false,
        }
    }

    /// The session `id` names, if it exists.
    pub fn session(&self, id: Guid) -> Option<SessionInfo<'_>> {
        self.sessions.get(&id).map(|s| SessionInfo {
            destination: &s.destination,
            total: s.total,
            received: s.received,
            reply_url: s.reply_url.as_ref(),
        })
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Session cleanup ([MC-BUP] §3.2.2.1, IIS's 12-hour task): remove every session that no
    /// request named since the previous call, and return a [`Action::Discard`] for each.
    ///
    /// Call it every `T` seconds: a session idle for `2T` is always gone, one idle for less
    /// than `T` never is.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn sweep_idle(&mut self) -> Vec<Action> {
        let mut gone = Vec::new();
        self.sessions.retain(|id, s| {
            let keep = core::mem::replace(&mut s.touched, false);
            if !keep {
                gone.push(Action::Discard { session: *id, reason: DiscardReason::Expired });
            }
            keep
        });
        gone
    }

    fn create(&mut self, head: &RequestHead<'_>, offered: &ProtocolList) -> Reply {
        // The client's order wins: the first GUID it lists that the server speaks.
        let Some(protocol) = offered.iter().find(|g| self.config.protocols.contains(*g)) else {
            // [MC-BUP] §3.2.5.2.4.
            return Reply::ack(error(&self.config, Status::BAD_REQUEST, HResult::E_INVALIDARG));
        };
        let Some(id) = (0..ID_ATTEMPTS).map(|_| (self.next_id)()).find(|g| !self.sessions.contains_key(g)) else {
            return Reply::ack(error(&self.config, Status::INTERNAL_SERVER_ERROR, HResult::E_FAIL));
        };
        let destination = String::from(head.target().as_str());
        let session = Session {
            destination: destination.clone(),
            saw_fragment: false,
            total: None,
            received: 0,
            reply_url: self.config.reply_url_for(id),
            touched: true,
        };
        self.sessions.insert(id, session);
        let mut ack = Ack::session_created(protocol, SessionId::from_guid(id));
        if let Some((host, timeout)) = &self.config.host_id {
            ack = ack.with_host_id(host.clone(), *timeout);
        }
        Reply { ack, action: Action::Open { session: id, destination } }
    }

    fn fragment(&mut self, id: &SessionId<'_>, range: ContentRange) -> Reply {
        let config = &self.config;
        let Some((guid, s)) = lookup(&mut self.sessions, id) else {
            return Reply::ack(not_found(config, id));
        };
        s.touched = true;
        s.saw_fragment = true;
        match s.total {
            // "a different request entity length … in subsequent fragments" ([MC-BUP] §2.2.1.2).
            Some(total) if total != range.total() => {
                return Reply::ack(error_for(config, id, Status::BAD_REQUEST, HResult::E_INVALIDARG));
            }
            Some(_) => {}
            None if config.max_upload_len.is_some_and(|max| range.total() > max) => {
                return Reply::ack(error_for(config, id, Status::INTERNAL_SERVER_ERROR, HResult::BG_E_TOO_LARGE));
            }
            None => {}
        }
        if config.max_fragment_len.is_some_and(|max| range.len() > max) {
            return Reply::ack(error_for(config, id, Status::CONTENT_TOO_LARGE, HResult::E_INVALIDARG));
        }
        s.total = Some(range.total());
        let expected = s.received;
        let (first, end, total) = (range.first(), range.end(), range.total());
        let (status, write_from) = if first > expected {
            // A gap: "the server does not keep track of non-contiguous ranges" (Learn, Fragment).
            (Status::RANGE_NOT_SATISFIABLE, None)
        } else if end <= expected {
            // Nothing new. The final fragment again (its Ack was lost) is re-Acked under
            // either policy (its first Ack may have been lost); other stale fragments follow the policy.
            let reack = end == total || config.overlap == OverlapPolicy::TrimAndAccept;
            (if reack { Status::OK } else { Status::RANGE_NOT_SATISFIABLE }, None)
        } else if first == expected || config.overlap == OverlapPolicy::TrimAndAccept {
            (Status::OK, Some(expected))
        } else {
            (Status::RANGE_NOT_SATISFIABLE, None)
        };
        let action = match write_from {
            Some(from) => {
                s.received = end;
                Action::Write(WriteAt {
                    session: guid,
                    offset: from,
                    skip: from - first,
                    len: end - from,
                    completes: end == total,
                })
            }
            None => Action::None,
        };
        let mut ack = Ack::fragment_received(status, s.received);
        if s.received == total
            && let Some(url) = &s.reply_url
        {
            ack = ack.with_reply_url(url.clone());
        }
        Reply { ack: echo(config, ack, Some(id)), action }
    }

    fn close(&mut self, id: &SessionId<'_>) -> Reply {
        let Some((guid, s)) = id.as_guid().and_then(|g| Some((g, self.sessions.remove(&g)?))) else {
            return Reply::ack(not_found(&self.config, id));
        };
        let whole = match s.total {
            Some(total) => s.received == total,
            None => self.config.allow_empty_upload && !s.saw_fragment,
        };
        if whole {
            let action =
                Action::Commit { session: guid, destination: s.destination, len: s.received, reply_url: s.reply_url };
            Reply { ack: echo(&self.config, Ack::ok(), Some(id)), action }
        } else {
            let action = Action::Discard { session: guid, reason: DiscardReason::IncompleteClose };
            Reply { ack: error_for(&self.config, id, Status::BAD_REQUEST, HResult::E_INVALIDARG), action }
        }
    }

    fn cancel(&mut self, id: &SessionId<'_>) -> Reply {
        let Some(guid) = id.as_guid().filter(|g| self.sessions.remove(g).is_some()) else {
            return Reply::ack(not_found(&self.config, id));
        };
        let action = Action::Discard { session: guid, reason: DiscardReason::Cancelled };
        Reply { ack: echo(&self.config, Ack::ok(), Some(id)), action }
    }
}

fn echo(config: &ServerConfig, ack: Ack<'static>, id: Option<&SessionId<'_>>) -> Ack<'static> {
    match id {
        Some(id) if config.echo_session_id => ack.with_session_id(id.clone().into_owned()),
        _ => ack,
    }
}

fn error(config: &ServerConfig, status: Status, code: HResult) -> Ack<'static> {
    Ack::new(status).with_error_as(config.error_header, code, ErrorContext::REMOTE_FILE)
}

fn error_for(config: &ServerConfig, id: &SessionId<'_>, status: Status, code: HResult) -> Ack<'static> {
    echo(config, error(config, status, code), Some(id))
}

/// [MC-BUP] §3.2.5.2.3: "500 … BITS-Error x8020001F, BITS-Error-Context 0x5".
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
fn not_found(config: &ServerConfig, id: &SessionId<'_>) -> Ack<'static> {
    error_for(config, id, Status::INTERNAL_SERVER_ERROR, HResult::BG_E_SESSION_NOT_FOUND)
}

fn lookup<'s>(sessions: &'s mut BTreeMap<Guid, Session>, id: &SessionId<'_>) -> Option<(Guid, &'s mut Session)> {
    let guid = id.as_guid()?;
    sessions.get_mut(&guid).map(|s| (guid, s))
}

/// Persistence: putting back the sessions a previous process stored, so that a server that
/// was killed and restarted answers a client's next Fragment with the offset actually stored
/// instead of "session not found" (which would make the client start the upload again).
impl Server {
    /// Restore session `session` as a previous process left it: `destination` (what
    /// [`Action::Commit`] will carry), the upload's `total` if a Fragment had said it, and
    /// `received`, the bytes stored contiguously from offset 0 (the caller's storage is the
    /// judge of that, not the previous process's last Ack: bytes written after the last Ack
    /// are kept, bytes the storage lost are asked for again).
    ///
    /// The session counts as touched (a full idle period passes before
    /// [`sweep_idle`](Self::sweep_idle) removes it) and gets the configured reply URL. Returns
    /// `false`, changing nothing, if the id is already in use or `received` exceeds `total`.
    /// The protocol is not stored: [MC-BUP] defines one, and a session's later requests do not
    /// name it.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn restore(&mut self, session: Guid, destination: String, total: Option<u64>, received: u64) -> bool {
        if self.sessions.contains_key(&session) || total.is_some_and(|t| received > t) {
            return false;
        }
        let restored = Session {
            destination,
            // A stored byte means a Fragment named the session: a Close must not commit an
            // empty upload in its place.
            saw_fragment: total.is_some() || received > 0,
            total,
            received,
            reply_url: self.config.reply_url_for(session),
            touched: true,
        };
        self.sessions.insert(session, restored);
        true
    }
}
