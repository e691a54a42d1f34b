//! A sans-IO Microsoft Graph upload client: the resumable-upload rules of the Graph
//! documentation ("Upload large files with an upload session",
//! <https://learn.microsoft.com/en-us/graph/api/driveitem-createuploadsession>, and its
//! Outlook, To Do and Universal Print counterparts), without any I/O.
//!
//! [`Client`] walks one upload through `POST …/createUploadSession` → `PUT` fragments
//! (cut by the [`FragmentPlanner`]) → completion, with a status `GET` whenever its view of the
//! session may be wrong, the deferred-commit `POST` when every byte is in but nothing is
//! committed, and `DELETE` to cancel. The caller asks [`Client::poll`] what to do next,
//! sends the [`Transmit`] it gets (supplying the fragment's bytes), and hands every answer back
//! ([`Client::handle_response`], [`Client::transport_failed`]). One request is in
//! flight at a time. The machine has no clock: when the server asks for a pause, `poll`
//! returns [`Step::Wait`] until the caller has slept and called [`Client::waited`].
//!
//! The rules, where the documentation leaves room (each pinned by a test in `tests/graph_client.rs`):
//!
//! - **The server's view wins.** Every `nextExpectedRanges` replaces what the client thought
//!   was missing ([`RangeSet::apply`]), so a fragment the server kept in part (an unaligned
//!   start), or one it stored although its answer was lost, is never sent twice.
//! - **Lost answer** ([`Client::transport_failed`]) or **5xx/429 on a fragment**: a status
//!   `GET`, then on from what it says — never a blind resend, which would earn a 416
//!   `fragmentOverlap` when the bytes were stored (the documentation's "Resuming an in-progress
//!   upload"). A lost answer to any
//!   other request sends that request again. Both count against
//!   [`ClientConfig::max_retries`] (consecutive failures).
//! - **416**: a status `GET`, then on from the server's ranges (Microsoft's advice, "Handle upload
//!   errors").
//! - **429, 503 and every other 5xx**: [`Event::Wait`] with `Retry-After` in seconds; without
//!   one (or with an HTTP date, which this clock-less machine cannot read) an exponential
//!   back-off ([`ClientConfig::backoff`], 1 s doubling to 32 s). A `Retry-After` longer than
//!   [`ClientConfig::max_wait`] (300 s) fails the upload ([`ClientError::Throttled`]); the
//!   caller may [`resume`](Client::resume) later.
//! - **404, or an error with the inner code `uploadSessionNotFound`**: the session is gone; a
//!   new `createUploadSession` and the whole file again (the documentation: "starting the entire
//!   upload over"), every later request going to the *new* `uploadUrl`, at most
//!   [`ClientConfig::max_restarts`] times. Except when the bytes that end the upload (or the
//!   commit) were sent and their answer was lost: a Graph session disappears once complete, so
//!   the 404 may mean success and a new upload could duplicate the file (`rename`) or fail
//!   (`fail`): [`ClientError::CompletionUnknown`].
//! - **413**: fragments of half the refused size (a multiple of 320 KiB for driveItem), not
//!   below the variant's multiple or 64 KiB; a refused fragment at the floor fails.
//! - **`nextExpectedRanges: []`** (every byte arrived, nothing committed): the commit `POST`,
//!   also when `deferCommit` was not asked for — it is the only way forward.
//! - **Ranges unknown** (a 2xx without `nextExpectedRanges`, as OneDrive answered in 2015, or
//!   with no body or no known shape): a fragment answered so is counted as received, then a
//!   status `GET`; a status answer without ranges leaves the client on its own view.
//! - **Completion by content** ([`Response::outcome`]): a driveItem or printDocument (`id`),
//!   or an empty body with `Location` (Outlook, To Do), whatever the status and whichever
//!   request it answers (a status `GET` or the commit too). A completed item whose `size`
//!   differs from the file's is an error ([`ClientError::SizeMismatch`]).
//! - **No progress**: more than 16 answers in a row that leave as many bytes missing fail the
//!   upload ([`ClientError::NoProgress`]), so a server that keeps answering 416 or the same
//!   ranges cannot hold the client forever.
//! - **Other errors** (400, 401, 403, 409, 507, …): the upload fails with the status and the
//!   OData codes ([`ClientError::Server`]); nothing is retried. [`Client::resume`]
//!   starts again with a status `GET` (or the create, if no session exists).
//! - **Cancel**: `DELETE {uploadUrl}`; `204` (any 2xx) or `404` (already gone) is
//!   [`Step::Cancelled`]. Asked while a request is in flight, it waits for that answer (which
//!   may complete the upload: then there is nothing to cancel); asked before any session
//!   exists, it is immediate.
//! - **Requests**: the create request is the caller's, replayed as given (`Authorization`
//!   included). Requests to the `uploadUrl` go in origin-form, its path and query byte for
//!   byte, with `Host` set to its authority, and carry `Authorization` (copied from the create
//!   request) only for To Do ([`Variant::authorizes_upload_url`], overridable). To Do's
//!   fragments go to `{uploadUrl}/content`. A lost answer to the create resends it (an orphan
//!   session may remain on the server until it expires).
//! - **0-byte files** cannot use an upload session (RFC 9110 §14.4: `Content-Range` needs a total
//!   above 0): [`Client::new`] refuses them ([`ClientError::EmptyFile`]); use a simple
//!   upload.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;
use core::time::Duration;

use super::retry::{Attempts, Backoff, Restarts, Stalls};
use super::url::{Endpoint, Url};
use crate::ValidationError;
use crate::graph::{
    CompletedItem, CreateSessionBody, DateTimeOffset, FragmentPlanner, ODataError, Operation, Outcome, RangeSet,
    RangeSpec, Request, Response, RetryAfter, UploadSession, Variant,
};
use crate::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};

/// The smallest fragment a 413 shrinks to (for variants without a 320 KiB rule).
const MIN_SHRUNK_FRAGMENT: u64 = 64 * 1024;

/// The client's settings.
///
/// ```
/// use core::time::Duration;
/// use bits_codec::graph::Request;
/// use bits_codec::graph::client::{Client, ClientConfig};
/// use bits_codec::http1::RequestTarget;
/// let config = ClientConfig::default()
///     .fragment_len(5 * 327_680)
///     .max_retries(8)
///     .backoff(Duration::from_millis(500), Duration::from_secs(10));
/// let target = RequestTarget::new("/me/drive/root:/big.bin:/createUploadSession").unwrap();
/// let create = Request::create_upload_session(target, None).unwrap();
/// let client = Client::new(config, &create, 10 << 20).unwrap();
/// assert_eq!(client.fragment_len(), 1_638_400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    fragment_len: Option<u64>,
    authorize_upload_url: Option<bool>,
    max_retries: u32,
    max_restarts: u32,
    max_wait: Duration,
    backoff: Backoff,
}

impl Default for ClientConfig {
    /// The variant's default fragment length, `Authorization` on the `uploadUrl` as the
    /// variant says, 5 retries, 3 restarts, waits up to 300 s, back-off from 1 s to 32 s.
    fn default() -> Self {
        Self {
            fragment_len: None,
            authorize_upload_url: None,
            max_retries: 5,
            max_restarts: 3,
            max_wait: Duration::from_secs(300),
            backoff: Backoff { base: Duration::from_secs(1), max: Duration::from_secs(32) },
        }
    }
}

impl ClientConfig {
    /// The length of every fragment but the last (default: [`Variant::default_fragment_len`]).
    /// [`Client::new`] checks it against the variant ([`FragmentPlanner::new`]: at most
    /// the variant's maximum, a multiple of 320 KiB for driveItem).
    pub fn fragment_len(mut self, bytes: u64) -> Self {
        self.fragment_len = Some(bytes);
        self
    }

    /// Send `Authorization` (copied from the create request) on requests to the `uploadUrl`:
    /// `None` (default) follows [`Variant::authorizes_upload_url`] (only To Do).
    pub fn authorize_upload_url(mut self, authorize: Option<bool>) -> Self {
        self.authorize_upload_url = authorize;
        self
    }

    /// How many times in a row a request may go unanswered or be answered 429/5xx.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// How many times a lost session (404) starts the upload again.
    pub fn max_restarts(mut self, n: u32) -> Self {
        self.max_restarts = n;
        self
    }

    /// The longest `Retry-After` the client waits; a longer one fails the upload.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// The first back-off delay (after a 5xx or 429 without `Retry-After`) and its cap; each
    /// retry in a row doubles it.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = Backoff { base, max };
        self
    }
}

/// `target` with `/content` appended to its path (before any query): To Do's fragment target.
fn content_target(target: &str) -> String {
    match target.split_once('?') {
        Some((path, query)) => alloc::format!("{}/content?{query}", path.trim_end_matches('/')),
        None => alloc::format!("{}/content", target.trim_end_matches('/')),
    }
}

/// Why an upload failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// [`Client::new`] was given a request that is not a `createUploadSession`.
    NotACreateRequest,
    /// A 0-byte file: an upload session cannot carry it (use a simple upload).
    EmptyFile,
    /// The size the create body declares (attachment or print `size`, driveItem `fileSize`),
    /// or the size of the completed item, is not the file's.
    SizeMismatch {
        /// What the body or the item says.
        declared: u64,
        /// The file's length.
        total: u64,
    },
    /// The configured fragment length breaks the variant's rules.
    FragmentLen(u64),
    /// An answer that breaks the flow, naming what is wrong (`uploadUrl`,
    /// `nextExpectedRanges`, `createUploadSession`).
    InvalidResponse(&'static str),
    /// An error answer this client does not retry.
    Server {
        /// The status.
        status: Status,
        /// The OData `error.code`, if the body had one.
        code: Option<String>,
        /// The most specific (innermost) code, if the body had one.
        inner_code: Option<String>,
    },
    /// The server asked for a pause longer than [`ClientConfig::max_wait`].
    Throttled {
        /// The `Retry-After` delay.
        retry_after: Duration,
    },
    /// 413 for a fragment already at the smallest size.
    FragmentTooLarge,
    /// The session was lost (404) more often than allowed.
    TooManyRestarts,
    /// The same request went unanswered, or was answered 429/5xx, too often in a row.
    RetriesExhausted,
    /// Too many answers in a row left as many bytes missing.
    NoProgress,
    /// The request that would complete the upload got no answer, and the session is gone
    /// (404): the upload most likely completed (Graph deletes a completed session), but the
    /// session cannot say so. Check the item.
    CompletionUnknown,
}

impl ClientError {
    fn server(status: Status, error: Option<&ODataError<'_>>) -> Self {
        Self::Server {
            status,
            code: error.map(|e| e.code().to_string()),
            inner_code: error.map(|e| e.most_specific_code().to_string()),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotACreateRequest => f.write_str("the request is not a createUploadSession POST"),
            Self::EmptyFile => f.write_str("a 0-byte file cannot use an upload session (use a simple upload)"),
            Self::SizeMismatch { declared, total } => {
                write!(f, "the server or the create body says {declared} bytes, the file has {total}")
            }
            Self::FragmentLen(n) => write!(f, "fragment length {n} is not allowed for this variant"),
            Self::InvalidResponse(what) => write!(f, "invalid answer: {what} missing, malformed or inconsistent"),
            Self::Server { status, code, inner_code } => {
                write!(f, "the server answered {status}")?;
                if let Some(c) = code {
                    write!(f, " {c}")?;
                }
                match inner_code {
                    Some(i) if Some(i) != code.as_ref() => write!(f, " ({i})"),
                    _ => Ok(()),
                }
            }
            Self::Throttled { retry_after } => {
                write!(f, "the server asks to wait {} s, longer than allowed", retry_after.as_secs())
            }
            Self::FragmentTooLarge => f.write_str("413 for a fragment already at the smallest size"),
            Self::TooManyRestarts => f.write_str("the server lost the session too many times"),
            Self::RetriesExhausted => f.write_str("the request failed too many times in a row"),
            Self::NoProgress => f.write_str("the server keeps answering without moving the upload forward"),
            Self::CompletionUnknown => {
                f.write_str("the final request got no answer and the session is gone: completion unknown")
            }
        }
    }
}

impl core::error::Error for ClientError {}

/// The request a [`Transmit`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransmitKind {
    /// `POST …/createUploadSession` (the caller's request, as given).
    CreateSession,
    /// `PUT {uploadUrl}`: send the file's bytes `range.first()..=range.last()`.
    Fragment(ContentRange),
    /// `GET {uploadUrl}`: the session's status.
    SessionStatus,
    /// `POST {uploadUrl}` with no body: the deferred commit.
    Commit,
    /// `DELETE {uploadUrl}`: cancel.
    CancelSession,
}

/// The next request to send.
///
/// Build it with [`request`](Self::request), giving it the fragment's bytes; add headers of
/// your own (`User-Agent`, `client-request-id`) with
/// [`Request::with_header`](crate::graph::Request::with_header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    kind: TransmitKind,
    endpoint: Option<Endpoint>,
    target: RequestTarget<'static>,
    host: Option<FieldValue<'static>>,
    authorization: Option<FieldValue<'static>>,
    create: Option<Box<Request<'static>>>,
}

impl Transmit {
    /// What to send.
    pub fn kind(&self) -> TransmitKind {
        self.kind
    }

    /// The file range a fragment carries.
    pub fn range(&self) -> Option<ContentRange> {
        match self.kind {
            TransmitKind::Fragment(r) => Some(r),
            _ => None,
        }
    }

    /// Where to connect: the `uploadUrl`'s host for every request but the create, whose
    /// endpoint is known only if its target is in absolute form.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref()
    }

    /// The request target (origin-form for requests to the `uploadUrl`).
    pub fn target(&self) -> &RequestTarget<'static> {
        &self.target
    }

    /// `true` if the request carries `Authorization` (the create always; the `uploadUrl`
    /// requests of To Do).
    pub fn is_authorized(&self) -> bool {
        self.create.is_some() || self.authorization.is_some()
    }

    /// The request, with `body` as the fragment's bytes (empty for every other request). Fails
    /// if `body` is not exactly the range's length.
    pub fn request<'t>(&'t self, body: &'t [u8]) -> Result<Request<'t>, ValidationError> {
        if !matches!(self.kind, TransmitKind::Fragment(_)) && !body.is_empty() {
            return Err(ValidationError::BodyLength);
        }
        let target = self.target.clone();
        let mut r = match (self.kind, &self.create) {
            (TransmitKind::CreateSession, Some(create)) => return Ok((**create).clone()),
            (TransmitKind::Fragment(range), _) => Request::upload_fragment(target, range, body)?,
            (TransmitKind::Commit, _) => Request::commit(target)?,
            (TransmitKind::CancelSession, _) => Request::cancel_session(target),
            _ => Request::session_status(target),
        };
        if let Some(h) = &self.host {
            r = r.with_host(h.clone());
        }
        if let Some(a) = &self.authorization {
            r = r.with_header(FieldName::new("Authorization")?, a.clone())?;
        }
        Ok(r)
    }
}

/// What the caller does next (from [`Client::poll`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Send this request, then hand its answer back.
    Transmit(Transmit),
    /// A request is in flight: wait for its answer (or call
    /// [`Client::transport_failed`]).
    AwaitingResponse,
    /// Sleep this long, then call [`Client::waited`] and poll again.
    Wait(Duration),
    /// Uploaded: see [`Client::completion`].
    Done,
    /// Cancelled.
    Cancelled,
    /// Failed; [`Client::resume`] tries again.
    Failed(ClientError),
}

/// What an answer did (from [`Client::handle_response`] and
/// [`Client::transport_failed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `createUploadSession` answered with an `uploadUrl`.
    SessionCreated,
    /// A fragment was answered with the server's ranges.
    Progress {
        /// The bytes the server has, by its ranges.
        received: u64,
    },
    /// A status `GET` was answered with the server's ranges: the client continues from them.
    Resynced {
        /// The bytes the server has, by its ranges.
        received: u64,
    },
    /// 416: a status `GET` follows.
    RangeRejected,
    /// A 2xx without ranges (or without a known body): a status `GET` follows (after a status
    /// `GET`: the client goes on from its own view).
    RangesUnknown,
    /// The server has every byte and committed nothing yet: the commit `POST` follows.
    AllBytesReceived,
    /// 429 or 5xx: sleep `delay` ([`Step::Wait`]), then the request again (a status `GET`
    /// after a fragment).
    Wait {
        /// How long.
        delay: Duration,
        /// The status that asked for it.
        status: Status,
    },
    /// No answer: the request again (a status `GET` after a fragment).
    Retrying,
    /// 413: fragments are now this long.
    FragmentShrunk {
        /// The new fragment length.
        len: u64,
    },
    /// The session was lost (404): a new one, and the whole file again.
    Restarted,
    /// The server committed the file: the upload is done ([`Client::completion`]).
    Committed,
    /// The session was deleted (or was already gone).
    Cancelled,
    /// Nothing changed (a 1xx interim answer, or an answer with no request in flight).
    Ignored,
    /// The upload failed.
    Failed(ClientError),
}

/// How the upload completed: the status, and the created resource or where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    status: Status,
    item: Option<CompletedItem<'static>>,
    location: Option<FieldValue<'static>>,
}

impl Completion {
    /// The status of the completing answer: 201 (created) or 200 (an existing driveItem
    /// replaced), as sent.
    pub fn status(&self) -> Status {
        self.status
    }
    /// The driveItem or printDocument, when the answer carried one.
    pub fn item(&self) -> Option<&CompletedItem<'static>> {
        self.item.as_ref()
    }
    /// `Location` of the attachment (Outlook, To Do), when the answer had no body.
    pub fn location(&self) -> Option<&FieldValue<'static>> {
        self.location.as_ref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Create,
    Upload,
    Status,
    Commit,
    Cancel,
    Done,
    Cancelled,
    Failed(ClientError),
}

/// The session the server created: where its requests go.
#[derive(Debug, Clone)]
struct Session {
    url: String,
    endpoint: Endpoint,
    target: RequestTarget<'static>,
    fragment_target: RequestTarget<'static>,
    host: FieldValue<'static>,
}

/// One Graph upload, without I/O: the caller sends each [`Transmit`] and hands back each
/// answer. Here the server's answers are written out, as a socket would deliver them.
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::graph::client::{Client, ClientConfig, Step, TransmitKind};
/// use bits_codec::graph::{Request, Response};
/// use bits_codec::http1::{ContentRange, RequestTarget};
///
/// let answer = |status: &str, json: &str| {
///     let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", json.len());
///     [head.as_bytes(), json.as_bytes()].concat()
/// };
/// let target = RequestTarget::new("/v1.0/me/drive/root:/data.bin:/createUploadSession").unwrap();
/// let create = Request::create_upload_session(target, None).unwrap();
/// let config = ClientConfig::default().fragment_len(327_680); // 320 KiB
/// let mut client = Client::new(config, &create, 400_000).unwrap();
///
/// let replies = [
///     answer("200 OK", r#"{"uploadUrl":"https://up.example.com/s/1","nextExpectedRanges":["0-"]}"#),
///     answer("202 Accepted", r#"{"nextExpectedRanges":["327680-"]}"#),
///     answer("201 Created", r#"{"id":"1","name":"data.bin","size":400000}"#),
/// ];
/// let mut sent = Vec::new();
/// for reply in &replies {
///     let Step::Transmit(t) = client.poll() else { panic!("expected a request") };
///     sent.push(t.kind());
///     let (response, _) = Response::decode(reply).unwrap();
///     client.handle_response(&response);
/// }
/// assert!(matches!(client.poll(), Step::Done));
/// assert_eq!(sent[1], TransmitKind::Fragment(ContentRange::new(0, 327_679, 400_000).unwrap()));
/// assert_eq!(client.completion().unwrap().item().unwrap().size(), Some(400_000));
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
    variant: Variant,
    planner: FragmentPlanner,
    defer_commit: bool,
    total: u64,
    create: Request<'static>,
    create_endpoint: Option<Endpoint>,
    authorization: Option<FieldValue<'static>>,
    session: Option<Session>,
    expiration: Option<DateTimeOffset<'static>>,
    missing: RangeSet,
    phase: Phase,
    in_flight: Option<TransmitKind>,
    wait: Option<Duration>,
    cancel_requested: bool,
    maybe_completed: bool,
    completion: Option<Completion>,
    retries: Attempts,
    restarts: Restarts,
    stalls: Stalls,
}

impl Client {
    /// An upload of `total` bytes, started by `create` (a `createUploadSession` request the
    /// caller built, with `Host` and `Authorization`). The variant comes from its body (none:
    /// driveItem), as does `deferCommit`. Fails for a request of another kind, a 0-byte file,
    /// a body declaring another size, or a fragment length the variant does not allow.
    pub fn new(config: ClientConfig, create: &Request<'_>, total: u64) -> Result<Self, ClientError> {
        if create.operation() != Operation::CreateUploadSession {
            return Err(ClientError::NotACreateRequest);
        }
        if total == 0 {
            return Err(ClientError::EmptyFile);
        }
        let (variant, declared, defer_commit) = match create.create_session_body() {
            None => (Variant::DriveItem, None, false),
            Some(CreateSessionBody::DriveItem(d)) => {
                (Variant::DriveItem, d.item().and_then(|i| i.file_size()), d.defer_commit() == Some(true))
            }
            Some(CreateSessionBody::Attachment(a)) => (Variant::OutlookAttachment, Some(a.size()), false),
            Some(CreateSessionBody::TaskAttachment(a)) => (Variant::TaskAttachment, Some(a.size()), false),
            Some(CreateSessionBody::PrintDocument(p)) => (Variant::PrintDocument, Some(p.size()), false),
            // A body kind this client does not know yet (the enum is non-exhaustive: the
            // machines are written against the codec's public API, where this arm is needed).
            #[allow(unreachable_patterns)]
            Some(_) => return Err(ClientError::NotACreateRequest),
        };
        if let Some(declared) = declared.filter(|&d| d != total) {
            return Err(ClientError::SizeMismatch { declared, total });
        }
        let planner = match config.fragment_len {
            Some(n) => FragmentPlanner::new(variant, n).map_err(|_| ClientError::FragmentLen(n))?,
            None => FragmentPlanner::for_variant(variant),
        };
        let authorization = create
            .headers()
            .get("Authorization")
            .and_then(|f| FieldValue::from_vec(f.value.to_vec()).ok())
            .filter(|_| config.authorize_upload_url.unwrap_or(variant.authorizes_upload_url()));
        let create_endpoint = Url::parse(create.target().as_str()).map(|u| u.endpoint);
        let missing = RangeSet::new(total).map_err(|_| ClientError::EmptyFile)?;
        Ok(Self {
            config,
            variant,
            planner,
            defer_commit,
            total,
            create: create.clone().into_owned(),
            create_endpoint,
            authorization,
            session: None,
            expiration: None,
            missing,
            phase: Phase::Create,
            in_flight: None,
            wait: None,
            cancel_requested: false,
            maybe_completed: false,
            completion: None,
            retries: Attempts::default(),
            restarts: Restarts::default(),
            stalls: Stalls::default(),
        })
    }

    /// What to do next. Returns [`Step::Transmit`] once per request: until its answer is
    /// handed back, [`Step::AwaitingResponse`].
    pub fn poll(&mut self) -> Step {
        if self.in_flight.is_some() {
            return Step::AwaitingResponse;
        }
        let kind = match &self.phase {
            Phase::Done => return Step::Done,
            Phase::Cancelled => return Step::Cancelled,
            Phase::Failed(e) => return Step::Failed(e.clone()),
            _ if self.wait.is_some() => return Step::Wait(self.wait.unwrap_or_default()),
            Phase::Create => TransmitKind::CreateSession,
            Phase::Upload => match self.planner.next_fragment(&self.missing) {
                Some(range) => TransmitKind::Fragment(range),
                None => TransmitKind::Commit,
            },
            Phase::Status => TransmitKind::SessionStatus,
            Phase::Commit => TransmitKind::Commit,
            Phase::Cancel => TransmitKind::CancelSession,
        };
        let transmit = match (kind, &self.session) {
            (TransmitKind::CreateSession, _) | (_, None) => Transmit {
                kind: TransmitKind::CreateSession,
                endpoint: self.create_endpoint.clone(),
                target: self.create.target().clone(),
                host: None,
                authorization: None,
                create: Some(Box::new(self.create.clone())),
            },
            (_, Some(s)) => Transmit {
                kind,
                endpoint: Some(s.endpoint.clone()),
                target: match kind {
                    TransmitKind::Fragment(_) => s.fragment_target.clone(),
                    _ => s.target.clone(),
                },
                host: Some(s.host.clone()),
                authorization: self.authorization.clone(),
                create: None,
            },
        };
        self.in_flight = Some(transmit.kind);
        Step::Transmit(transmit)
    }

    /// Hand back the answer to the request in flight.
    pub fn handle_response(&mut self, response: &Response<'_>) -> Event {
        if response.status().as_u16() < 200 {
            return Event::Ignored; // 1xx interim: the real answer follows
        }
        let Some(sent) = self.in_flight.take() else {
            return Event::Ignored;
        };
        let event = self.on_response(sent, response);
        self.after(event)
    }

    /// The request in flight got no answer (connection lost, timeout). A fragment is followed
    /// by a status `GET`, anything else by the same request, at most
    /// [`ClientConfig::max_retries`] times in a row.
    pub fn transport_failed(&mut self) -> Event {
        let Some(sent) = self.in_flight.take() else {
            return Event::Ignored;
        };
        let event = self.retry(sent).unwrap_or(Event::Retrying);
        self.after(event)
    }

    /// After [`Step::Wait`]: the delay is over.
    pub fn waited(&mut self) {
        self.wait = None;
    }

    /// Cancel the upload: `DELETE` next (once the request in flight, if any, is answered);
    /// cancelled at once if no session exists yet. No effect once finished.
    pub fn cancel(&mut self) {
        self.cancel_requested = true;
        if self.in_flight.is_none() {
            self.apply_cancel();
        }
    }

    /// Try a failed upload again: a status `GET` if a session exists (its `DELETE` if the
    /// upload was being cancelled), else the create. Returns `false` if the upload had not
    /// failed.
    pub fn resume(&mut self) -> bool {
        if !matches!(self.phase, Phase::Failed(_)) {
            return false;
        }
        self.retries.reset();
        self.stalls.progressed();
        self.wait = None;
        self.phase = match (&self.session, self.cancel_requested) {
            (None, _) => Phase::Create,
            (Some(_), true) => Phase::Cancel,
            (Some(_), false) => Phase::Status,
        };
        true
    }

    /// The variant, from the create request's body.
    pub fn variant(&self) -> Variant {
        self.variant
    }
    /// `true` if the create body asked for `deferCommit`.
    pub fn defers_commit(&self) -> bool {
        self.defer_commit
    }
    /// The file's length.
    pub fn total(&self) -> u64 {
        self.total
    }
    /// The bytes the server does not have, as far as the client knows.
    pub fn missing(&self) -> &RangeSet {
        &self.missing
    }
    /// The bytes the server has, as far as the client knows.
    pub fn received(&self) -> u64 {
        self.total - self.missing.missing_len()
    }
    /// The current fragment length (smaller after a 413).
    pub fn fragment_len(&self) -> u64 {
        self.planner.fragment_len()
    }
    /// The session's `uploadUrl`, once created, exactly as the server sent it.
    pub fn upload_url(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.url.as_str())
    }
    /// The session's latest `expirationDateTime`, if the server sent one.
    pub fn expiration(&self) -> Option<&DateTimeOffset<'static>> {
        self.expiration.as_ref()
    }
    /// How the upload completed, once done.
    pub fn completion(&self) -> Option<&Completion> {
        self.completion.as_ref()
    }
    /// `true` once done, cancelled or failed.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Cancelled | Phase::Failed(_))
    }

    /// `true` if `sent`, answered, may have completed the upload: the commit, or a fragment
    /// holding every missing byte.
    fn may_complete(&self, sent: TransmitKind) -> bool {
        match sent {
            TransmitKind::Commit => true,
            TransmitKind::Fragment(r) => {
                let mut after = self.missing.clone();
                after.mark_received(r).is_ok() && after.is_complete()
            }
            _ => false,
        }
    }

    fn on_response(&mut self, sent: TransmitKind, resp: &Response<'_>) -> Event {
        let status = resp.status();
        let error = resp.odata_error();
        let gone = status == Status::NOT_FOUND
            || error.is_some_and(|e| e.codes().any(|c| c.eq_ignore_ascii_case("uploadSessionNotFound")));
        if gone && sent != TransmitKind::CreateSession {
            if sent == TransmitKind::CancelSession {
                self.phase = Phase::Cancelled;
                return Event::Cancelled;
            }
            return self.session_lost();
        }
        if status == Status::TOO_MANY_REQUESTS || status.as_u16() >= 500 {
            return self.back_off(sent, status, resp.retry_after());
        }
        let outcome = resp.outcome();
        match sent {
            TransmitKind::CreateSession => match outcome {
                Outcome::SessionCreated(s) => self.on_created(s),
                Outcome::Failed(e) => self.fail(ClientError::server(status, e)),
                _ => self.fail(ClientError::InvalidResponse("uploadUrl")),
            },
            TransmitKind::CancelSession => match outcome {
                Outcome::Failed(e) => self.fail(ClientError::server(status, e)),
                _ => {
                    self.phase = Phase::Cancelled;
                    Event::Cancelled
                }
            },
            TransmitKind::Fragment(_) if status == Status::RANGE_NOT_SATISFIABLE => {
                self.retries.reset();
                self.maybe_completed = false;
                if let Some(e) = self.stall() {
                    return e;
                }
                self.phase = Phase::Status;
                Event::RangeRejected
            }
            TransmitKind::Fragment(range) if status == Status::CONTENT_TOO_LARGE => self.shrink(range),
            _ => self.on_session_answer(sent, status, outcome),
        }
    }

    /// An answer from the live session (to a fragment, a status `GET` or the commit).
    fn on_session_answer(&mut self, sent: TransmitKind, status: Status, outcome: Outcome<'_>) -> Event {
        match outcome {
            Outcome::SessionCreated(s)
            | Outcome::InProgress(s)
            | Outcome::AwaitingCommit(s)
            | Outcome::RangesUnknown(s) => {
                if let Some(t) = s.expiration_date_time() {
                    self.expiration = Some(t.clone().into_owned());
                }
                match s.next_expected_ranges() {
                    Some([]) => self.awaiting_commit(),
                    Some(ranges) => self.apply(sent, ranges),
                    None => self.ranges_unknown(sent),
                }
            }
            Outcome::Completed(item) => {
                if let Some(size) = item.size().filter(|&n| n != self.total) {
                    return self.fail(ClientError::SizeMismatch { declared: size, total: self.total });
                }
                self.complete(Completion { status, item: Some(item.clone().into_owned()), location: None })
            }
            Outcome::CompletedAt(location) => {
                self.complete(Completion { status, item: None, location: Some(location.clone().into_owned()) })
            }
            Outcome::Failed(e) => self.fail(ClientError::server(status, e)),
            _ => self.ranges_unknown(sent),
        }
    }

    fn on_created(&mut self, s: &UploadSession<'_>) -> Event {
        let Some(url) = s.upload_url() else {
            return self.fail(ClientError::InvalidResponse("uploadUrl"));
        };
        let Some(Url { endpoint, target }) = Url::parse(url) else {
            return self.fail(ClientError::InvalidResponse("uploadUrl"));
        };
        let fragment_target =
            if self.variant == Variant::TaskAttachment { content_target(&target) } else { target.clone() };
        let (Ok(target), Ok(fragment_target), Ok(host)) = (
            RequestTarget::new(target),
            RequestTarget::new(fragment_target),
            FieldValue::new(endpoint.authority().to_string()),
        ) else {
            return self.fail(ClientError::InvalidResponse("uploadUrl"));
        };
        self.session = Some(Session { url: url.to_string(), endpoint, target, fragment_target, host });
        self.expiration = s.expiration_date_time().map(|t| t.clone().into_owned());
        self.retries.reset();
        self.phase = Phase::Upload;
        // The initial ranges (`["0-"]`, Print's `["0-{total-1}"]`), if any, are the server's view.
        if let Some(ranges) = s.next_expected_ranges().filter(|r| !r.is_empty())
            && self.missing.apply(ranges).is_err()
        {
            return self.fail(ClientError::InvalidResponse("nextExpectedRanges"));
        }
        Event::SessionCreated
    }

    fn apply(&mut self, sent: TransmitKind, ranges: &[RangeSpec]) -> Event {
        let before = self.missing.missing_len();
        if self.missing.apply(ranges).is_err() {
            return self.fail(ClientError::InvalidResponse("nextExpectedRanges"));
        }
        self.retries.reset();
        self.maybe_completed = false;
        self.phase = Phase::Upload;
        if self.missing.missing_len() < before {
            self.stalls.progressed();
        } else if let Some(e) = self.stall() {
            return e;
        }
        let received = self.received();
        match sent {
            TransmitKind::Fragment(_) => Event::Progress { received },
            _ => Event::Resynced { received },
        }
    }

    fn awaiting_commit(&mut self) -> Event {
        let before = self.missing.missing_len();
        let _ = self.missing.apply(&[]);
        self.retries.reset();
        self.maybe_completed = false;
        if before > 0 {
            self.stalls.progressed();
        } else if let Some(e) = self.stall() {
            return e;
        }
        self.phase = Phase::Commit;
        Event::AllBytesReceived
    }

    fn ranges_unknown(&mut self, sent: TransmitKind) -> Event {
        self.retries.reset();
        self.maybe_completed = false;
        if let Some(e) = self.stall() {
            return e;
        }
        self.phase = match sent {
            TransmitKind::Fragment(range) => {
                // A 2xx: the server took the bytes. What it wants next, only it can say.
                let _ = self.missing.mark_received(range);
                Phase::Status
            }
            TransmitKind::Commit => Phase::Status,
            _ => Phase::Upload, // a status answer without ranges: go on from the client's view
        };
        Event::RangesUnknown
    }

    fn complete(&mut self, completion: Completion) -> Event {
        let _ = self.missing.apply(&[]);
        self.completion = Some(completion);
        self.phase = Phase::Done;
        Event::Committed
    }

    /// 413: half the refused fragment, a multiple of the variant's multiple, not below the floor.
    fn shrink(&mut self, refused: ContentRange) -> Event {
        let multiple = self.variant.fragment_multiple();
        let floor = multiple.max(MIN_SHRUNK_FRAGMENT);
        let len = (refused.len() / 2) / multiple * multiple;
        if refused.len() <= floor || len == 0 {
            return self.fail(ClientError::FragmentTooLarge);
        }
        let len = len.max(floor);
        match FragmentPlanner::new(self.variant, len) {
            Ok(p) => {
                self.planner = p;
                self.retries.reset();
                self.phase = Phase::Upload;
                Event::FragmentShrunk { len }
            }
            Err(_) => self.fail(ClientError::FragmentTooLarge),
        }
    }

    /// 429/5xx: wait, then the request again (a status `GET` after a fragment).
    fn back_off(&mut self, sent: TransmitKind, status: Status, retry_after: Option<&RetryAfter<'_>>) -> Event {
        if let Some(e) = self.retry(sent) {
            return e;
        }
        let seconds = match retry_after {
            Some(RetryAfter::Seconds(s)) => Some(*s),
            _ => None,
        };
        let delay = self.config.backoff.delay(seconds, self.retries.count());
        if delay > self.config.max_wait {
            return self.fail(ClientError::Throttled { retry_after: delay });
        }
        self.wait = Some(delay);
        Event::Wait { delay, status }
    }

    /// Count a failed attempt of `sent` and choose the request that follows; `Some` if that
    /// ended the upload.
    fn retry(&mut self, sent: TransmitKind) -> Option<Event> {
        if self.retries.fail(self.config.max_retries) {
            return Some(self.fail(ClientError::RetriesExhausted));
        }
        if self.may_complete(sent) {
            self.maybe_completed = true;
        }
        self.phase = match sent {
            TransmitKind::CreateSession => Phase::Create,
            TransmitKind::Fragment(_) | TransmitKind::SessionStatus => Phase::Status,
            TransmitKind::Commit => Phase::Commit,
            TransmitKind::CancelSession => Phase::Cancel,
        };
        None
    }

    fn session_lost(&mut self) -> Event {
        if self.maybe_completed {
            return self.fail(ClientError::CompletionUnknown);
        }
        if self.restarts.restart(self.config.max_restarts) {
            return self.fail(ClientError::TooManyRestarts);
        }
        self.session = None;
        self.expiration = None;
        self.missing = match RangeSet::new(self.total) {
            Ok(s) => s,
            Err(_) => return self.fail(ClientError::EmptyFile),
        };
        self.retries.reset();
        self.stalls.progressed();
        self.phase = Phase::Create;
        Event::Restarted
    }

    /// One more answer without progress; `Some` if that was one too many.
    fn stall(&mut self) -> Option<Event> {
        self.stalls.stalled().then(|| self.fail(ClientError::NoProgress))
    }

    fn fail(&mut self, e: ClientError) -> Event {
        self.wait = None;
        self.phase = Phase::Failed(e.clone());
        Event::Failed(e)
    }

    /// A cancel asked for while a request was in flight takes effect once it is answered.
    fn after(&mut self, event: Event) -> Event {
        if self.cancel_requested && self.in_flight.is_none() {
            self.apply_cancel();
        }
        event
    }

    fn apply_cancel(&mut self) {
        if self.is_finished() || self.phase == Phase::Cancel {
            return;
        }
        self.wait = None;
        self.phase = if self.session.is_some() { Phase::Cancel } else { Phase::Cancelled };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_do_fragments_go_to_content() {
        assert_eq!(
            content_target("/v1.0/me/todo/lists/l/tasks/t/attachmentSessions/s"),
            "/v1.0/me/todo/lists/l/tasks/t/attachmentSessions/s/content"
        );
        assert_eq!(content_target("/s/?a=b"), "/s/content?a=b");
    }
}
