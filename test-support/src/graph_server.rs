//! A small sans-IO Graph upload-session server: the other end of
//! [`Client`](bits_codec::graph::client::Client), for tests and the loopback example.
//!
//! [`Server`] plays graph.microsoft.com and the `uploadUrl` host at once, strictly by the
//! rules of the Microsoft Graph upload-session pages (driveItem: createUploadSession, the
//! uploadSession resource type, "Upload large files with an upload session"), and does no
//! I/O: [`Server::handle`] takes a decoded request (or [`Server::handle_fragment`] a
//! fragment's head, before its body) and returns a [`Reply`], the response to send and the [`Action`] the caller performs on its
//! storage first (open a session's file, write the fragment's body at an offset, commit,
//! discard). It is not a Graph emulator: no items, drives or mailboxes, no clock (the
//! `expirationDateTime` it sends is fixed, [`ServerConfig::expiration`]) and no expiry.
//!
//! | request | answer |
//! | --- | --- |
//! | `createUploadSession` without `Authorization` | 401 `unauthenticated` |
//! | `createUploadSession` | 200 (Outlook: 201) with `uploadUrl` = the configured origin + `/uploadSession/{id}?guid='{id as a GUID}'&tempauth={128 more random bits}` ([`SessionId`]), the expiry and `["0-"]` (Print: `["0-{size-1}"]`); [`Action::Open`]. A declared size of 0: 400 |
//! | a request target naming an `uploadUrl` | matched after percent-encoding normalization: `%27` and `'` are the same byte (the JavaScript SDK re-encodes Graph's `guid='…'`), `%2F` and `/` are not |
//! | any request to an `uploadUrl` no session has (replayed with other bytes, or cancelled) | 404 `itemNotFound` |
//! | `Authorization` on the `uploadUrl` (To Do: its absence) | 401 `unauthenticated` |
//! | To Do fragment not sent to `{uploadUrl}/content` | 404 |
//! | fragment with another total than the session's (or than the create body's size) | 400 `invalidRequest` / `fragmentLengthMismatch` |
//! | fragment over the variant's maximum | 413 `maxFragmentLengthExceeded` |
//! | fragment overlapping received bytes | 416 `invalidRange` / `fragmentOverlap` |
//! | fragment past the next expected byte (driveItem, Outlook, To Do: in order only) | 416 `invalidRange` / `fragmentOutOfOrder` |
//! | driveItem fragment that is not the file's last and not a multiple of 320 KiB | 400 `invalidRequest` |
//! | fragment accepted, bytes still missing | 202 (Outlook, To Do: 200) with every missing range (`"S-"` up to the end); [`Action::Write`] |
//! | fragment completing the file | 201 with the driveItem / printDocument (`id`, `name`, `size`), or 201 + `Location` and no body (Outlook, To Do); [`Action::Write`] with `commit`. With `deferCommit`: 202 with `nextExpectedRanges: []` and no commit yet |
//! | `GET` status | 200 with the expiry and the missing ranges |
//! | commit `POST` when every byte is in (deferCommit) | the completion answer; [`Action::Commit`]. Bytes missing: 400 `invalidRequest` / `uploadSessionIncomplete` |
//! | `DELETE` | 204; [`Action::Discard`] |
//! | a completed session: `GET` or commit again | the completion answer again (a leniency: Graph deletes a completed session and answers 404, which leaves a client whose final answer was lost unsure; see [`ClientError::CompletionUnknown`](bits_codec::graph::client::ClientError::CompletionUnknown)); a fragment ending at the file's last byte (the final fragment again): the completion answer again, nothing written; any other fragment: 416 `fragmentOverlap`; `DELETE`: 404 |
//! | any other request | 400 `invalidRequest` |
//!
//! What it guarantees: every `uploadUrl` carries 256 bits from the operating system's random
//! source (the [`SessionId`] and the `tempauth`), so none is guessed and none repeats, across
//! restarts included: a new `Server` (a restarted process) answers every URL of an earlier
//! one 404 `itemNotFound`, never with another client's session; every answer is one of the
//! table's, whatever the request, and nothing panics.
//!
//! What it is not: a Graph service. It is a strict test double: sessions live in memory and
//! never expire, there is no real authentication (any `Authorization` will do), and the
//! caller's storage is trusted to do what each [`Action`] says. [`net`] puts it on a socket
//! with bounded memory per connection, a header read timeout and a connection cap (the
//! `graph_server` binary); that is still a server for tests on loopback, not for the internet.

use std::collections::BTreeMap;

use bits_codec::DecodeError;
use bits_codec::graph::{
    CompletedItem, CreateSessionBody, DateTimeOffset, InnerError, ODataError, Operation, RangeSet, RangeSpec, Request,
    Response, UploadSession, Variant,
};
use bits_codec::http1::{ContentRange, FieldValue, Status};

mod files;
mod head;
pub mod net;
mod session_id;
pub use session_id::SessionId;

/// The server's settings.
///
/// ```
/// use bits_codec::graph::DateTimeOffset;
/// use bits_codec_test_support::graph_server::ServerConfig;
/// let config = ServerConfig::new("http://127.0.0.1:8080")
///     .expiration(DateTimeOffset::new("2030-01-01T00:00:00Z").unwrap());
/// assert_eq!(config.origin(), "http://127.0.0.1:8080");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    origin: String,
    expiration: DateTimeOffset<'static>,
}

impl ServerConfig {
    /// `uploadUrl`s and `Location`s start with `origin` (`scheme://authority`, a trailing `/`
    /// dropped). The expiry is `2099-12-31T23:59:59.9999999Z`.
    pub fn new(origin: impl Into<String>) -> Self {
        let mut origin = origin.into();
        while origin.ends_with('/') {
            origin.pop();
        }
        let expiration = DateTimeOffset::new("2099-12-31T23:59:59.9999999Z").unwrap_or_else(|_| unreachable!());
        Self { origin, expiration }
    }

    /// The `expirationDateTime` of every session.
    pub fn expiration(mut self, t: DateTimeOffset<'static>) -> Self {
        self.expiration = t;
        self
    }

    /// The origin `uploadUrl`s start with.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// What the caller does to its storage before sending [`Reply::response`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Nothing.
    None,
    /// A new session: create its (empty) file. The id is new: no file of it exists, unless
    /// the random source repeated 128 bits; refuse to overwrite one (then call
    /// [`Server::action_failed`]).
    Open {
        /// The session.
        session: SessionId,
    },
    /// Write the request's whole body at `offset` of the session's file.
    Write(Write),
    /// Every byte is in (deferred commit): commit the session's file.
    Commit {
        /// The session.
        session: SessionId,
        /// The file's length.
        len: u64,
    },
    /// Cancelled: delete the session's file.
    Discard {
        /// The session.
        session: SessionId,
    },
}

/// [`Action::Write`]: where the fragment's body goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    /// The session.
    pub session: SessionId,
    /// The offset in the file.
    pub offset: u64,
    /// The body's length.
    pub len: u64,
    /// The file is now whole and committed: after writing, commit it.
    pub commit: bool,
}

/// The answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What to send.
    pub response: Response<'static>,
    /// What to do first.
    pub action: Action,
}

#[derive(Debug, Clone)]
enum State {
    Open,
    /// Every byte in, waiting for the deferred commit.
    Whole,
    /// Committed: the answer that said so.
    Done(Box<Response<'static>>),
}

#[derive(Debug, Clone)]
struct Session {
    variant: Variant,
    name: String,
    url: String,
    target: String,
    fragment_target: String,
    declared: Option<u64>,
    missing: Option<RangeSet>,
    defer_commit: bool,
    state: State,
}

/// The server: sessions by number.
///
/// ```
/// use bits_codec_test_support::graph_server::{Action, Server, ServerConfig};
/// use bits_codec::graph::{Outcome, Request};
/// use bits_codec::http1::{ContentRange, FieldValue, FieldName, RequestTarget};
///
/// let mut server = Server::new(ServerConfig::new("https://up.example.com"));
/// let create = Request::create_upload_session(RequestTarget::new("/me/drive/root:/a.bin:/createUploadSession").unwrap(), None)
///     .unwrap()
///     .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t"))
///     .unwrap();
/// let reply = server.handle(&create);
/// assert!(matches!(reply.action, Action::Open { .. }));
/// let Outcome::SessionCreated(s) = reply.response.outcome() else { panic!() };
/// let url = RequestTarget::new(s.upload_url().unwrap().to_string()).unwrap();
/// let put = Request::upload_fragment(url, ContentRange::new(0, 2, 3).unwrap(), &b"abc"[..]).unwrap();
/// let reply = server.handle(&put);
/// assert!(matches!(reply.action, Action::Write(w) if w.commit && w.len == 3));
/// assert!(matches!(reply.response.outcome(), Outcome::Completed(i) if i.size() == Some(3)));
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    config: ServerConfig,
    sessions: BTreeMap<SessionId, Session>,
}

fn st(code: u16) -> Status {
    Status::new(code).unwrap_or(Status::INTERNAL_SERVER_ERROR)
}

fn error(status: u16, code: &str, inner: Option<&str>, message: &str) -> Response<'static> {
    let mut e = ODataError::new(code.to_string(), message.to_string());
    if let Some(i) = inner {
        e = e.with_inner_error(InnerError::new().with_code(i.to_string()));
    }
    Response::error(st(status), e).unwrap_or_else(|_| Response::no_content())
}

fn reply(response: Response<'static>) -> Reply {
    Reply { response, action: Action::None }
}

/// A request target in origin-form: an absolute-form one loses its scheme and authority.
fn origin_form(target: &str) -> &str {
    let Some((scheme, rest)) = target.split_once("://") else {
        return target;
    };
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return target;
    }
    match rest.find(['/', '?']) {
        Some(i) => &rest[i..],
        None => "/",
    }
}

/// One unit of a request target for comparison: a byte as written or decoded, or an escape
/// that must stay one (its decoded value would change how the target splits).
#[derive(PartialEq, Eq)]
enum TargetUnit {
    Byte(u8),
    Escaped(u8),
}

/// The units of `target` after percent-encoding normalization ([RFC 3986] §6.2.2: hex digits'
/// case, unreserved characters decoded) that also decodes `!'()*`: clients re-encode these
/// when they rebuild a query (the Graph JavaScript SDK sends Graph's `guid='…'` as
/// `guid=%27…%27`) and SharePoint treats both spellings as one `uploadUrl`.
///
/// [RFC 3986]: https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2
fn target_units(target: &str) -> impl Iterator<Item = TargetUnit> + '_ {
    let b = target.as_bytes();
    let mut i = 0;
    core::iter::from_fn(move || {
        let c = *b.get(i)?;
        let hex = |x: u8| char::from(x).to_digit(16);
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|&x| hex(x)), b.get(i + 2).and_then(|&x| hex(x)))
        {
            i += 3;
            let v = (h * 16 + l) as u8;
            let decodable = v.is_ascii_alphanumeric() || b"-._~!'()*".contains(&v);
            return Some(if decodable { TargetUnit::Byte(v) } else { TargetUnit::Escaped(v) });
        }
        i += 1;
        Some(TargetUnit::Byte(c))
    })
}

/// `true` if two origin-form targets name the same resource (see [`target_units`]).
fn same_target(a: &str, b: &str) -> bool {
    target_units(a).eq(target_units(b))
}

impl Server {
    /// A server without sessions.
    pub fn new(config: ServerConfig) -> Self {
        Self { config, sessions: BTreeMap::new() }
    }

    /// Answer one request (see the module's table).
    pub fn handle(&mut self, req: &Request<'_>) -> Reply {
        let authorized = req.headers().get("Authorization").is_some();
        if req.operation() == Operation::CreateUploadSession {
            return self.create(req, authorized);
        }
        self.route(req.operation(), req.target().as_str(), authorized, req.content_range())
    }

    /// Answer a fragment `PUT` from its head alone, before its body is read: what
    /// [`handle`](Self::handle) answers the whole request. `target` is the request target as
    /// sent, `authorized` whether it carries `Authorization`, `range` its `Content-Range` (the
    /// caller has checked that `Content-Length` is the range's length). On
    /// [`Action::Write`], stream `range.len()` body bytes to the file; should that fail or the
    /// body end early, call [`action_failed`](Self::action_failed): until then the range
    /// counts as received.
    pub fn handle_fragment(&mut self, target: &str, authorized: bool, range: ContentRange) -> Reply {
        self.route(Operation::UploadFragment, target, authorized, Some(range))
    }

    /// Every request but `createUploadSession`: find the session its target names.
    fn route(&mut self, operation: Operation, target: &str, authorized: bool, range: Option<ContentRange>) -> Reply {
        let target = origin_form(target);
        let fragment = operation == Operation::UploadFragment;
        let found = self
            .sessions
            .iter_mut()
            .find(|(_, s)| same_target(if fragment { &s.fragment_target } else { &s.target }, target));
        let Some((&id, session)) = found else {
            return reply(error(404, "itemNotFound", None, "The upload session was not found"));
        };
        if authorized != (session.variant == Variant::TaskAttachment) {
            let why = if authorized { "Authorization is not accepted on the uploadUrl" } else { "Unauthenticated" };
            return reply(error(401, "unauthenticated", None, why));
        }
        match operation {
            Operation::UploadFragment => Self::fragment(&self.config, id, session, range),
            Operation::SessionStatus => match &session.state {
                State::Done(r) => reply((**r).clone()),
                _ => reply(Self::progress(&self.config, session, 200)),
            },
            Operation::Commit => match &session.state {
                State::Open => {
                    reply(error(400, "invalidRequest", Some("uploadSessionIncomplete"), "Bytes are missing"))
                }
                State::Whole => {
                    let response = Self::completion(&self.config, id, session);
                    session.state = State::Done(Box::new(response.clone()));
                    let len = session.missing.as_ref().map_or(0, RangeSet::total);
                    Reply { response, action: Action::Commit { session: id, len } }
                }
                State::Done(r) => reply((**r).clone()),
            },
            Operation::CancelSession => match session.state {
                State::Done(_) => reply(error(404, "itemNotFound", None, "The upload session was not found")),
                _ => {
                    self.sessions.remove(&id);
                    Reply { response: Response::no_content(), action: Action::Discard { session: id } }
                }
            },
            _ => reply(error(400, "invalidRequest", None, "Not a request of the upload flow")),
        }
    }

    /// The answer to a request that did not decode: its status
    /// ([`InvalidKind::http_status`](bits_codec::InvalidKind::http_status); 400 for a JSON
    /// body or anything else) and `invalidRequest`.
    pub fn reject(&self, err: &DecodeError) -> Response<'static> {
        let status = err.invalid_message().map_or(400, |m| m.kind.http_status().as_u16());
        error(status, "invalidRequest", None, &err.to_string())
    }

    /// An OData error answer the machine does not make itself (the socket server's 413 for a
    /// body too large to be a fragment, 503 at its connection cap): `status` with `code` and
    /// `message`.
    pub fn error_response(status: u16, code: &str, message: &str) -> Response<'static> {
        error(status, code, None, message)
    }

    /// The caller could not perform `action` (disk full, say): undo what the machine promised
    /// (the session, the received bytes, the commit) and get the 500 to send instead.
    pub fn action_failed(&mut self, action: &Action) -> Response<'static> {
        match *action {
            Action::Open { session } => {
                self.sessions.remove(&session);
            }
            Action::Write(w) => {
                if let Some(s) = self.sessions.get_mut(&w.session) {
                    if let Some(m) = s.missing.as_mut() {
                        let mut ranges: Vec<RangeSpec> =
                            m.iter().filter_map(|(a, b)| RangeSpec::closed(a, b).ok()).collect();
                        ranges.extend(RangeSpec::closed(w.offset, w.offset + w.len.max(1) - 1).ok());
                        let _ = m.apply(&ranges);
                    }
                    s.state = State::Open;
                }
            }
            Action::Commit { session, .. } => {
                if let Some(s) = self.sessions.get_mut(&session) {
                    s.state = State::Whole;
                }
            }
            Action::Discard { .. } | Action::None => {}
        }
        error(500, "generalException", None, "The server could not store the upload")
    }

    /// The `uploadUrl` of a live or completed session.
    pub fn upload_url(&self, session: SessionId) -> Option<&str> {
        self.sessions.get(&session).map(|s| s.url.as_str())
    }

    fn create(&mut self, req: &Request<'_>, authorized: bool) -> Reply {
        if !authorized {
            return reply(error(401, "unauthenticated", None, "Unauthenticated"));
        }
        let (variant, name, declared, defer_commit) = match req.create_session_body() {
            None => (Variant::DriveItem, None, None, false),
            Some(CreateSessionBody::DriveItem(d)) => (
                Variant::DriveItem,
                d.item().and_then(|i| i.name()),
                d.item().and_then(|i| i.file_size()),
                d.defer_commit() == Some(true),
            ),
            Some(CreateSessionBody::Attachment(a)) => {
                (Variant::OutlookAttachment, Some(a.name()), Some(a.size()), false)
            }
            Some(CreateSessionBody::TaskAttachment(a)) => {
                (Variant::TaskAttachment, Some(a.name()), Some(a.size()), false)
            }
            Some(CreateSessionBody::PrintDocument(p)) => {
                (Variant::PrintDocument, Some(p.document_name()), Some(p.size()), false)
            }
            Some(_) => return reply(error(400, "invalidRequest", None, "Unsupported upload session body")),
        };
        if declared == Some(0) {
            return reply(error(400, "invalidRequest", None, "Zero-byte files cannot use an upload session"));
        }
        // Both from the operating system's random source, fresh for every session: the
        // uploadUrl is the only credential of a session (it is sent without Authorization),
        // so it must not be guessable, and a restarted server must never hand out the URL of
        // a session an earlier run created (its client would write into a stranger's file).
        let (Ok(id), Ok(tempauth)) = (SessionId::random(), SessionId::random()) else {
            return reply(error(500, "generalException", None, "No random source for the session id"));
        };
        if self.sessions.contains_key(&id) {
            return reply(error(500, "generalException", None, "The random source repeated itself"));
        }
        let url = format!("{}/uploadSession/{id}?guid='{}'&tempauth={tempauth}", self.config.origin, id.hyphenated());
        let target = origin_form(&url).to_string();
        let fragment_target = match (variant, target.split_once('?')) {
            (Variant::TaskAttachment, Some((path, query))) => format!("{path}/content?{query}"),
            _ => target.clone(),
        };
        let missing = declared.and_then(|n| RangeSet::new(n).ok());
        let session = Session {
            variant,
            name: name.unwrap_or("upload.bin").to_string(),
            url: url.clone(),
            target,
            fragment_target,
            declared,
            missing,
            defer_commit,
            state: State::Open,
        };
        let initial = match (&session.missing, variant) {
            (Some(m), Variant::PrintDocument) => Self::ranges(m, variant),
            _ => vec![RangeSpec::open(0)],
        };
        let body = UploadSession::new()
            .with_upload_url(url)
            .with_expiration_date_time(self.config.expiration.clone())
            .with_next_expected_ranges(initial);
        let status = if variant == Variant::OutlookAttachment { 201 } else { 200 };
        self.sessions.insert(id, session);
        match Response::session(st(status), body) {
            Ok(response) => Reply { response, action: Action::Open { session: id } },
            Err(_) => reply(error(500, "generalException", None, "")),
        }
    }

    fn fragment(config: &ServerConfig, id: SessionId, s: &mut Session, range: Option<ContentRange>) -> Reply {
        let Some(range) = range else {
            return reply(error(400, "invalidRequest", None, "The Content-Range header is missing or malformed."));
        };
        if let State::Done(answer) = &s.state {
            // The final fragment again: its answer was lost (or the client counts its
            // fragments wrong: msgraph-core 1.5.2 re-sends its last chunk). Answering the
            // completion again, as the BITS server re-Acks a repeated final fragment, lets the
            // client finish; nothing is written.
            let total = s.missing.as_ref().map_or(0, RangeSet::total);
            if range.total() == total && range.last() + 1 == total {
                return reply(answer.as_ref().clone());
            }
        }
        if !matches!(s.state, State::Open) {
            return reply(error(
                416,
                "invalidRange",
                Some("fragmentOverlap"),
                "Uploaded fragment overlaps with existing data.",
            ));
        }
        let expected = s.missing.as_ref().map(RangeSet::total).or(s.declared).unwrap_or(range.total());
        if range.total() != expected {
            let message = format!(
                "The current upload session is for {expected} total bytes, but the current fragment declares a total of {}.",
                range.total()
            );
            return reply(error(400, "invalidRequest", Some("fragmentLengthMismatch"), &message));
        }
        if range.len() > s.variant.max_fragment_len() {
            return reply(error(
                413,
                "invalidRequest",
                Some("maxFragmentLengthExceeded"),
                "The fragment is too large.",
            ));
        }
        let missing = match &s.missing {
            Some(m) => m.clone(),
            None => match RangeSet::new(expected) {
                Ok(m) => m,
                Err(_) => return reply(error(400, "invalidRequest", None, "Zero-byte upload")),
            },
        };
        let within = missing.iter().any(|(a, b)| a <= range.first() && range.last() <= b);
        if !within {
            return reply(error(
                416,
                "invalidRange",
                Some("fragmentOverlap"),
                "Uploaded fragment overlaps with existing data.",
            ));
        }
        if s.variant.in_order() && missing.first_missing() != Some(range.first()) {
            return reply(error(416, "invalidRange", Some("fragmentOutOfOrder"), "Uploaded fragment is out of order."));
        }
        if !s.variant.allows(range) {
            return reply(error(400, "invalidRequest", None, "Fragments must be a multiple of 320 KiB."));
        }
        let mut missing = missing;
        let _ = missing.mark_received(range);
        let whole = missing.is_complete();
        s.missing = Some(missing);
        let write = |commit| Action::Write(Write { session: id, offset: range.first(), len: range.len(), commit });
        if !whole {
            let status = s.variant.progress_status();
            return Reply { response: Self::progress(config, s, status), action: write(false) };
        }
        if s.defer_commit {
            s.state = State::Whole;
            let status = s.variant.progress_status();
            return Reply { response: Self::progress(config, s, status), action: write(false) };
        }
        let response = Self::completion(config, id, s);
        s.state = State::Done(Box::new(response.clone()));
        Reply { response, action: write(true) }
    }

    /// A session answer with the expiry and every missing range (`[]` when whole).
    fn progress(config: &ServerConfig, s: &Session, status: u16) -> Response<'static> {
        let ranges = match &s.missing {
            Some(m) => Self::ranges(m, s.variant),
            None => vec![RangeSpec::open(0)],
        };
        let body =
            UploadSession::new().with_expiration_date_time(config.expiration.clone()).with_next_expected_ranges(ranges);
        Response::session(st(status), body).unwrap_or_else(|_| Response::no_content())
    }

    /// Print writes closed ranges (`"0-4533321"`), the others `"S-"` up to the end.
    fn ranges(m: &RangeSet, variant: Variant) -> Vec<RangeSpec> {
        let closed = |a, b| RangeSpec::closed(a, b).unwrap_or(RangeSpec::open(a));
        m.iter()
            .map(|(a, b)| {
                if b + 1 == m.total() && variant != Variant::PrintDocument { RangeSpec::open(a) } else { closed(a, b) }
            })
            .collect()
    }

    /// The answer that completes the upload: the item, or `Location` (Outlook, To Do).
    fn completion(config: &ServerConfig, id: SessionId, s: &Session) -> Response<'static> {
        let total = s.missing.as_ref().map_or(0, RangeSet::total);
        match s.variant {
            Variant::OutlookAttachment | Variant::TaskAttachment => {
                let location = format!("{}/attachments/{id}", config.origin);
                match FieldValue::new(location) {
                    Ok(l) => Response::created_at(l),
                    Err(_) => error(500, "generalException", None, ""),
                }
            }
            _ => {
                let item = CompletedItem::new(format!("01LOOPBACK{id}")).with_name(s.name.clone()).with_size(total);
                Response::completed(st(201), item).unwrap_or_else(|_| Response::no_content())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bits_codec::Encode;
    use bits_codec::graph::Outcome;
    use bits_codec::http1::{ContentRange, FieldName, RequestTarget};

    fn create(body: Option<CreateSessionBody<'static>>, auth: bool) -> Request<'static> {
        let target = RequestTarget::new("/me/drive/root:/a.bin:/createUploadSession").unwrap();
        let r = Request::create_upload_session(target, body).unwrap();
        if !auth {
            return r;
        }
        r.with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t")).unwrap()
    }

    fn url(server: &Server, id: SessionId) -> RequestTarget<'static> {
        RequestTarget::new(server.upload_url(id).unwrap().to_string()).unwrap()
    }

    #[test]
    fn upload_url_matches_after_percent_encoding_normalization() {
        let url = "/uploadSession/1?guid='00000001'&tempauth=t1";
        // What the Graph JavaScript SDK 3.0.7 sends for Graph's quoted guid.
        assert!(same_target(url, "/uploadSession/1?guid=%2700000001%27&tempauth=t1"));
        assert!(same_target(url, "/uploadSession/%31?guid=%2700000001%27&tempauth=%74%31"));
        assert!(same_target("/a%2fb", "/a%2Fb"));
        // An escape whose byte is a delimiter stays distinct from the delimiter.
        assert!(!same_target("/a/b", "/a%2Fb"));
        assert!(!same_target("/s?a=1&b=2", "/s?a=1%26b=2"));
        assert!(!same_target(url, "/uploadSession/1?guid='00000001'&tempauth=t2"));
        assert!(!same_target("/a", "/a%"));
        assert!(same_target("/a%zz", "/a%zz"));
        // And the server finds the session by either spelling.
        let mut server = Server::new(ServerConfig::new("https://up.example.com"));
        let id = opened(&server.handle(&create(None, true)));
        let quoted = server.upload_url(id).unwrap().replace('\'', "%27");
        let status = Request::session_status(RequestTarget::new(quoted).unwrap());
        assert_eq!(server.handle(&status).response.status().as_u16(), 200);
    }

    /// The session a create opened.
    fn opened(r: &Reply) -> SessionId {
        match r.action {
            Action::Open { session } => session,
            ref other => panic!("{other:?}"),
        }
    }

    fn put(server: &mut Server, id: SessionId, first: u64, last: u64, total: u64) -> Reply {
        let body = vec![7u8; (last - first + 1) as usize];
        let range = ContentRange::new(first, last, total).unwrap();
        server.handle(&Request::upload_fragment(url(server, id), range, body).unwrap())
    }

    /// Status and the most specific OData code.
    fn said(r: &Reply) -> (u16, String) {
        let code = r.response.odata_error().map_or(String::new(), |e| e.most_specific_code().to_string());
        (r.response.status().as_u16(), code)
    }

    #[test]
    fn the_rules_row_by_row() {
        let mut s = Server::new(ServerConfig::new("http://127.0.0.1:9/"));
        assert_eq!(said(&s.handle(&create(None, false))), (401, "unauthenticated".into()));
        let id = opened(&s.handle(&create(None, true)));
        let tempauth = s.upload_url(id).unwrap().rsplit_once("&tempauth=").unwrap().1.to_owned();
        assert_eq!(
            s.upload_url(id).unwrap(),
            format!("http://127.0.0.1:9/uploadSession/{id}?guid='{}'&tempauth={tempauth}", id.hyphenated())
        );
        assert!(tempauth.len() == 32 && tempauth != id.to_string());
        // Another total than the first fragment's, too large, off the grid, gap, overlap.
        assert_eq!(
            put(&mut s, id, 0, 327_679, 1_000_000).action,
            Action::Write(Write { session: id, offset: 0, len: 327_680, commit: false })
        );
        assert_eq!(said(&put(&mut s, id, 327_680, 655_359, 999_999)), (400, "fragmentLengthMismatch".into()));
        assert_eq!(said(&put(&mut s, id, 327_680, 327_680 + 62_586_880, 100_000_000)).0, 400);
        let mut big = Server::new(ServerConfig::new("http://h"));
        let big_id = opened(&big.handle(&create(None, true)));
        assert_eq!(said(&put(&mut big, big_id, 0, 62_586_880, 100_000_000)), (413, "maxFragmentLengthExceeded".into()));
        assert_eq!(said(&put(&mut s, id, 327_680, 327_680 + 1000, 1_000_000)), (400, "invalidRequest".into()));
        assert_eq!(said(&put(&mut s, id, 655_360, 983_039, 1_000_000)), (416, "fragmentOutOfOrder".into()));
        assert_eq!(said(&put(&mut s, id, 0, 327_679, 1_000_000)), (416, "fragmentOverlap".into()));
        // Authorization on the uploadUrl; an unknown uploadUrl.
        let get = Request::session_status(url(&s, id));
        let authorized = get
            .clone()
            .with_header(FieldName::new("Authorization").unwrap(), FieldValue::from_static("Bearer t"))
            .unwrap();
        assert_eq!(said(&s.handle(&authorized)), (401, "unauthenticated".into()));
        let status = s.handle(&get);
        let Outcome::InProgress(sess) = status.response.outcome() else { panic!() };
        assert_eq!(sess.next_expected_ranges().unwrap().to_vec(), [RangeSpec::open(327_680)]);
        let guessed = s.upload_url(id).unwrap().replace(&tempauth, &format!("{:032x}", 1));
        let other = Request::session_status(RequestTarget::new(guessed).unwrap());
        assert_eq!(said(&s.handle(&other)), (404, "itemNotFound".into()));
        // Commit before the last byte; the rest; the completion again; DELETE after it.
        let commit = Request::commit(url(&s, id)).unwrap();
        assert_eq!(said(&s.handle(&commit)), (400, "uploadSessionIncomplete".into()));
        put(&mut s, id, 327_680, 655_359, 1_000_000);
        put(&mut s, id, 655_360, 983_039, 1_000_000);
        let last = put(&mut s, id, 983_040, 999_999, 1_000_000);
        assert!(matches!(last.action, Action::Write(w) if w.commit));
        assert_eq!(s.handle(&get).response.to_vec(), last.response.to_vec());
        let again = put(&mut s, id, 983_040, 999_999, 1_000_000);
        assert_eq!((again.response.to_vec(), again.action), (last.response.to_vec(), Action::None));
        let shorter_final = put(&mut s, id, 999_000, 999_999, 1_000_000);
        assert_eq!(shorter_final.response.to_vec(), last.response.to_vec());
        assert_eq!(said(&put(&mut s, id, 655_360, 983_039, 1_000_000)), (416, "fragmentOverlap".into()));
        assert_eq!(said(&put(&mut s, id, 983_040, 999_999, 2_000_000)), (416, "fragmentOverlap".into()));
        assert_eq!(said(&s.handle(&Request::cancel_session(url(&s, id)))), (404, "itemNotFound".into()));
    }

    #[test]
    fn cancel_and_failed_actions() {
        let mut s = Server::new(ServerConfig::new("http://h"));
        let print =
            CreateSessionBody::PrintDocument(bits_codec::graph::PrintDocumentUploadProperties::new("d", "x/y", 20));
        let id = opened(&s.handle(&create(Some(print), true)));
        let w = put(&mut s, id, 0, 9, 20);
        assert!(matches!(w.action, Action::Write(_)));
        // The write failed: the bytes are missing again.
        assert_eq!(said(&Reply { response: s.action_failed(&w.action), action: Action::None }).0, 500);
        assert_eq!(put(&mut s, id, 0, 9, 20).response.status().as_u16(), 202);
        let r = s.handle(&Request::cancel_session(url(&s, id)));
        assert_eq!((r.response.status().as_u16(), r.action), (204, Action::Discard { session: id }));
        assert_eq!(s.upload_url(id), None);
        // A zero-byte declared size is refused.
        let empty =
            CreateSessionBody::PrintDocument(bits_codec::graph::PrintDocumentUploadProperties::new("d", "x/y", 0));
        assert_eq!(said(&s.handle(&create(Some(empty), true))).0, 400);
    }
}
