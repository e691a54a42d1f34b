//! A sans-IO BITS upload client: the session rules of [MC-BUP] §3.1, without any I/O.
//!
//! [`Client`] walks one upload through Create-Session → (Ping, after a `BITS-Host-Id`) →
//! Fragment* → (reply download, in upload-reply mode) → Close-Session, or Cancel-Session. The
//! caller asks [`Client::poll`] what to do next, sends the [`Transmit`] it gets (supplying the
//! fragment's bytes), and hands every answer back ([`Client::handle_ack`],
//! [`Client::handle_response`], [`Client::transport_failed`]). There is one request in flight at
//! a time, as the protocol requires.
//!
//! The rules, where [MC-BUP] leaves room (each pinned by a test in `tests/bits_client.rs`):
//!
//! - **Resynchronisation**: after any Fragment Ack with status 200 or 416, the next offset is
//!   `BITS-Received-Content-Range`, lower or higher than what was sent (the spec's pseudo-code
//!   forgets the equal case). 416 without it, or a value above the total, is an invalid Ack:
//!   the client could only guess where to go on. More than 16 Acks in a row that move the offset nowhere
//!   past where it was fail the upload ([`ClientError::NoProgress`]).
//! - **413** (an Ack, or a plain HTTP 413 from request filtering or a proxy, or a 2xx Ack
//!   carrying `BG_E_TOO_LARGE` and no next offset, as Python servers send): the next
//!   fragments are half the size of the refused one, never below
//!   [`ClientConfig::min_fragment_len`] (5 KiB, as Windows); a refused fragment already at the
//!   floor fails the upload.
//! - **`BG_E_SESSION_NOT_FOUND`** (0x8020001F) on any request but Cancel-Session: a new
//!   Create-Session and the upload again from byte 0 ([MC-BUP] §3.1.5.2.1), at most
//!   [`ClientConfig::max_restarts`] times. On Cancel-Session it means the session is gone:
//!   cancelled.
//! - **Unframed 5xx answers** to a Fragment (no `BITS-Packet-Type`, no `Content-Length`, read
//!   to close or a timeout with [`Response::decode_at_eof`]): a new session, as for
//!   `BG_E_SESSION_NOT_FOUND` (see [`Client::handle_response`]).
//! - **Retries**: 5xx on Close-Session or Cancel-Session is retried, 4xx is not (Learn, Ack for
//!   Close-Session); a lost connection or a missing answer ([`Client::transport_failed`]) resends
//!   the same request (a resent Create-Session may leave an orphan session on the server, for
//!   its idle sweep). Both count against [`ClientConfig::max_retries`]. 401/407 resend the
//!   request once with [`Transmit::auth_challenge`] set, for the caller to add credentials.
//! - **Host-Id**: after a Create-Session Ack with `BITS-Host-Id`, every later request goes to
//!   that host ([`Transmit::endpoint`]), first a Ping. The value may be `host`, `host:port`,
//!   `[v6]`, `[v6]:port` or a bare IPv6 address; only the host is replaced, and the port only
//!   if one is given (a Host-Id names another host of the same server farm: the scheme, and
//!   the port unless the Host-Id has one, stay the destination's). [`Client::fall_back_to_origin`] goes back to the
//!   destination's host when the caller's fallback timer expires.
//! - **Reply URL**: resolved by [`resolve_reply_url`] against the *original* destination URL
//!   (the reply GET in the [MC-BUP] §4.2 trace goes to the origin host, not the Host-Id host).
//! - **Answers**: any 2xx counts as success (IIS answers 200, other servers 201: RFC 9110
//!   §15.3 makes every 2xx a success); `BITS-Session-Id`, if
//!   an Ack carries one, must name this session; a success answer without
//!   `BITS-Packet-Type: Ack` is invalid (`BG_E_INVALID_SERVER_RESPONSE`: a proxy's or error page's
//!   200 must not pass for an Ack); 1xx interim answers are skipped (RFC 9110 §15.2: the final
//!   answer follows).
//! - **0-byte files** go Create-Session → Close-Session with no fragment (an empty range cannot
//!   be written); whether that works depends on the server (see
//!   [`ServerConfig::allow_empty_upload`](crate::bits::server::ServerConfig::allow_empty_upload)).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use alloc::string::String;
use core::fmt;

use super::retry::{Attempts, Restarts, Stalls};
use super::url::{self, Endpoint, Url};
use crate::bits::{Ack, ErrorContext, Guid, HResult, ProtocolList, Request, RequestHead, SessionId};
use crate::http1::{ContentRange, FieldValue, Message, RequestTarget, StartLine, Status};
use crate::{Decode, DecodeError, DecodeOptions, InvalidKind, ValidationError};

/// The longest `BITS-Reply-URL` a client accepts ([MC-BUP] §2.2.1.2: 2,200 characters).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
pub const MAX_REPLY_URL_LEN: usize = 2200;

/// The client's settings.
///
/// ```
/// use bits_codec::bits::client::{Client, ClientConfig};
/// use bits_codec::http1::FieldValue;
/// let config = ClientConfig::default()
///     .fragment_len(4 << 20)
///     .min_fragment_len(5 * 1024)
///     .content_name(FieldValue::from_static("report.bin"))
///     .max_retries(5);
/// let client = Client::new(config, "https://example.com/upload/report.bin", 10 << 20).unwrap();
/// assert_eq!(client.fragment_len(), 4 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    fragment_len: u64,
    min_fragment_len: u64,
    protocols: ProtocolList,
    content_name: Option<FieldValue<'static>>,
    ping_after_host_id: bool,
    expect_reply: bool,
    max_restarts: u32,
    max_retries: u32,
}

impl Default for ClientConfig {
    /// 1 MiB fragments, 5 KiB floor, the BITS 1.5 protocol, no `Content-Name`, a Ping after a
    /// Host-Id, no reply required, 3 restarts, 3 retries.
    fn default() -> Self {
        Self {
            fragment_len: 1 << 20,
            min_fragment_len: 5 * 1024,
            protocols: ProtocolList::one(Guid::BITS_1_5_UPLOAD),
            content_name: None,
            ping_after_host_id: true,
            expect_reply: false,
            max_restarts: 3,
            max_retries: 3,
        }
    }
}

impl ClientConfig {
    /// The size of the fragments sent (at least 1; the last one of a file may be shorter).
    /// Windows sends up to 13 MB ([MC-BUP] note <10>); IIS 7 accepts 30,000,000 bytes per
    /// request by default.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn fragment_len(mut self, bytes: u64) -> Self {
        self.fragment_len = bytes.max(1);
        self
    }

    /// The smallest fragment a 413 may shrink fragments to (default 5 KiB: Windows "never
    /// sends fragments smaller than 5 KB", [MC-BUP] note <16>).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn min_fragment_len(mut self, bytes: u64) -> Self {
        self.min_fragment_len = bytes.max(1);
        self
    }

    /// The protocols offered in `BITS-Supported-Protocols`, most preferred first.
    pub fn protocols(mut self, protocols: ProtocolList) -> Self {
        self.protocols = protocols;
        self
    }

    /// Send `Content-Name` (the local file name) on Create-Session, every Fragment and
    /// Close-Session, as the Windows client does (the [MC-BUP] §4 traces show it).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn content_name(mut self, name: FieldValue<'static>) -> Self {
        self.content_name = Some(name);
        self
    }

    /// Ping the `BITS-Host-Id` host before the first Fragment ([MC-BUP] §3.1.5.2.2 SHOULD;
    /// default `true`).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn ping_after_host_id(mut self, ping: bool) -> Self {
        self.ping_after_host_id = ping;
        self
    }

    /// Upload-reply job: the final Fragment Ack must carry a `BITS-Reply-URL`, or the upload
    /// fails ([MC-BUP] §3.1.5.2.4). Default `false` (a reply URL is still fetched if sent).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn expect_reply(mut self, expect: bool) -> Self {
        self.expect_reply = expect;
        self
    }

    /// How many times a lost session (`BG_E_SESSION_NOT_FOUND`) restarts the upload.
    pub fn max_restarts(mut self, n: u32) -> Self {
        self.max_restarts = n;
        self
    }

    /// How many times one request is resent after a 5xx on Close/Cancel or a transport failure.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
}

/// Resolve a `BITS-Reply-URL` into the absolute URL to download the reply from (IIS sends a
/// relative Windows path, as the [MC-BUP] §4.2 trace shows).
///
/// An absolute `http(s)` URL is used as it is. Anything else is IIS's relative form: `\`
/// becomes `/`, bytes a URI path cannot hold (`{`, `}`, space, …) are percent-encoded, and
/// the result is resolved as an RFC 3986 §5 relative reference against `destination` (the
/// upload's URL). Fails for an empty value, one longer than [`MAX_REPLY_URL_LEN`], another
/// scheme, or a destination that is not an `http(s)` URL.
///
/// ```
/// use bits_codec::bits::client::resolve_reply_url;
/// // The [MC-BUP] §4.2 trace: Ack #17's reply URL, fetched by the GET #18.
/// assert_eq!(
///     resolve_reply_url(
///         "http://frankcao8/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt",
///         r"BITS-Sessions\Replies\{C85B4E0A-9EB9-4114-BFA4-8A43B4710091}\responsefile.bin",
///     )
///     .unwrap(),
///     "http://frankcao8/upload-ref-isapi-WebFarm/BITS-Sessions/Replies/\
///      %7BC85B4E0A-9EB9-4114-BFA4-8A43B4710091%7D/responsefile.bin"
/// );
/// assert!(resolve_reply_url("http://h/u/f", "ftp://elsewhere/x").is_err());
/// ```
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
pub fn resolve_reply_url(destination: &str, reply_url: &str) -> Result<String, ClientError> {
    let base = Url::parse(destination).ok_or(ClientError::InvalidUrl)?;
    resolve_against(&base, reply_url)
}

fn resolve_against(base: &Url, reply_url: &str) -> Result<String, ClientError> {
    const BAD: ClientError = ClientError::InvalidResponse("BITS-Reply-URL");
    if reply_url.is_empty() || reply_url.len() > MAX_REPLY_URL_LEN {
        return Err(BAD);
    }
    if let Some(abs) = Url::parse(reply_url).filter(|u| RequestTarget::new(u.target.as_str()).is_ok()) {
        return Ok(abs.to_absolute());
    }
    // Another scheme (`C:` included), or an http(s) URL with bytes a request cannot carry.
    if url::has_scheme(reply_url) {
        return Err(BAD);
    }
    url::resolve(base, &url::percent_encode_reference(reply_url)).ok_or(BAD)
}

/// Why an upload failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The destination URL is not `http(s)://host[:port]/path` (or a Host-Id made it invalid).
    InvalidUrl,
    /// The server answered with a BITS error Ack that this client does not retry.
    Server {
        /// The status.
        status: Status,
        /// `BITS-Error-Code` / `BITS-Error`, if sent.
        code: Option<HResult>,
        /// `BITS-Error-Context`, if sent.
        context: Option<ErrorContext>,
    },
    /// A plain HTTP error without `BITS-Packet-Type` (proxy, load balancer, wrong URL).
    Http {
        /// The status.
        status: Status,
    },
    /// An answer that breaks the protocol, naming the header at fault
    /// (`BG_E_INVALID_SERVER_RESPONSE`).
    InvalidResponse(&'static str),
    /// 401 or 407 again after the request was resent with credentials.
    AuthRequired(Status),
    /// 413 for a fragment already at the minimum size.
    FragmentTooLarge,
    /// The session was lost (`BG_E_SESSION_NOT_FOUND`) more often than allowed.
    TooManyRestarts,
    /// The same request failed more often than allowed (5xx on Close/Cancel, lost answers).
    RetriesExhausted,
    /// Too many Fragment Acks in a row did not move the upload forward.
    NoProgress,
}

impl ClientError {
    /// The HRESULT a BITS client would report: the server's code, `BG_E_HTTP_ERROR_nnn` for a
    /// bare status, `BG_E_INVALID_SERVER_RESPONSE` for a protocol violation.
    pub fn hresult(&self) -> HResult {
        match self {
            Self::Server { code: Some(code), .. } => *code,
            Self::Server { status, .. } | Self::Http { status } | Self::AuthRequired(status) => {
                HResult::from_http_status(status.as_u16())
            }
            Self::FragmentTooLarge => HResult::from_http_status(Status::CONTENT_TOO_LARGE.as_u16()),
            Self::InvalidResponse(_) | Self::NoProgress => HResult::BG_E_INVALID_SERVER_RESPONSE,
            Self::TooManyRestarts => HResult::BG_E_SESSION_NOT_FOUND,
            Self::InvalidUrl => HResult::E_INVALIDARG,
            Self::RetriesExhausted => HResult(0x8007_05B4), // HRESULT_FROM_WIN32(ERROR_TIMEOUT)
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl => f.write_str("the destination is not an http(s) URL with a host"),
            Self::Server { status, code, context } => {
                write!(f, "the server answered {status}")?;
                if let Some(code) = code {
                    write!(f, " with error {code}")?;
                }
                if let Some(context) = context {
                    write!(f, " (context {context})")?;
                }
                Ok(())
            }
            Self::Http { status } => write!(f, "the server answered {status} without a BITS Ack"),
            Self::InvalidResponse(h) => write!(f, "invalid Ack: {h} missing, malformed or inconsistent"),
            Self::AuthRequired(s) => write!(f, "authentication still required ({s}) after sending credentials"),
            Self::FragmentTooLarge => f.write_str("413 for a fragment already at the minimum size"),
            Self::TooManyRestarts => f.write_str("the server lost the session too many times"),
            Self::RetriesExhausted => f.write_str("the request failed too many times"),
            Self::NoProgress => f.write_str("the server keeps answering without moving the upload forward"),
        }
    }
}

impl core::error::Error for ClientError {}

/// The request a [`Transmit`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransmitKind {
    /// Ping.
    Ping,
    /// Create-Session.
    CreateSession,
    /// Fragment: send the file's bytes `range.first()..=range.last()`.
    Fragment(ContentRange),
    /// Close-Session.
    CloseSession,
    /// Cancel-Session.
    CancelSession,
}

/// The next request to send: what, where, and the headers the client manages.
///
/// Build the wire request with [`request`](Self::request), giving it the fragment's bytes;
/// add headers of your own (`User-Agent`, credentials) with
/// [`Request::push_header`](crate::bits::Request::push_header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    kind: TransmitKind,
    endpoint: Endpoint,
    target: RequestTarget<'static>,
    session_id: Option<SessionId<'static>>,
    protocols: ProtocolList,
    content_name: Option<FieldValue<'static>>,
    auth_challenge: Option<Status>,
}

impl Transmit {
    /// What to send.
    pub fn kind(&self) -> TransmitKind {
        self.kind
    }

    /// The file range a Fragment carries.
    pub fn range(&self) -> Option<ContentRange> {
        match self.kind {
            TransmitKind::Fragment(r) => Some(r),
            _ => None,
        }
    }

    /// The request target: the destination URL's path and query.
    pub fn target(&self) -> &RequestTarget<'static> {
        &self.target
    }

    /// Where to connect (the Host-Id host once the server gave one).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The session the request names.
    pub fn session_id(&self) -> Option<&SessionId<'static>> {
        self.session_id.as_ref()
    }

    /// `Some(401 or 407)` when this is a resend after an authentication challenge: add
    /// `Authorization` / `Proxy-Authorization` to the request.
    pub fn auth_challenge(&self) -> Option<Status> {
        self.auth_challenge
    }

    /// The request, with `body` as the Fragment's bytes (empty for every other packet). Fails
    /// if `body` is not exactly the range's length.
    pub fn request<'t>(&'t self, body: &'t [u8]) -> Result<Request<'t>, ValidationError> {
        let target = self.target.clone();
        let session = || self.session_id.clone().ok_or(ValidationError::SessionId);
        if !matches!(self.kind, TransmitKind::Fragment(_)) && !body.is_empty() {
            return Err(ValidationError::BodyLength);
        }
        let mut r = match self.kind {
            TransmitKind::Ping => Request::ping(target),
            TransmitKind::CreateSession => Request::create_session(target, self.protocols.clone()),
            TransmitKind::Fragment(range) => Request::fragment(target, session()?, range, body)?,
            TransmitKind::CloseSession => Request::close_session(target, session()?),
            TransmitKind::CancelSession => Request::cancel_session(target, session()?),
        };
        // The authority was checked when the URL or Host-Id was read: a valid field value.
        r = r.with_host(FieldValue::from_vec(self.endpoint.authority().as_bytes().to_vec())?);
        let named =
            matches!(self.kind, TransmitKind::CreateSession | TransmitKind::Fragment(_) | TransmitKind::CloseSession);
        if let (true, Some(name)) = (named, &self.content_name) {
            r = r.with_content_name(name.clone());
        }
        Ok(r)
    }

    /// The request's head alone: for a Fragment, the head to write the range's bytes after as
    /// they are read from the file ([`RequestHead::fragment`]), so a fragment never has to be
    /// held whole; for the other packets, which have no body, the whole request.
    pub fn request_head(&self) -> Result<RequestHead<'_>, ValidationError> {
        let TransmitKind::Fragment(range) = self.kind else {
            return Ok(self.request(&[])?.into_parts().0);
        };
        let session = self.session_id.clone().ok_or(ValidationError::SessionId)?;
        let mut head = RequestHead::fragment(self.target.clone(), session, range)
            .with_host(FieldValue::from_vec(self.endpoint.authority().as_bytes().to_vec())?);
        if let Some(name) = &self.content_name {
            head = head.with_content_name(name.clone());
        }
        Ok(head)
    }
}

/// What the caller does next (from [`Client::poll`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Send this request, then hand its answer back.
    Transmit(Transmit),
    /// A request is in flight: wait for its answer (or call [`Client::transport_failed`]).
    AwaitingResponse,
    /// Upload-reply: download the reply from this absolute URL (a plain HTTP GET), then call
    /// [`Client::reply_fetched`]; Close-Session follows ("otherwise, the reply is lost",
    /// Learn, Close-Session).
    FetchReply(String),
    /// Uploaded and closed.
    Done,
    /// Cancelled.
    Cancelled,
    /// Failed; [`Client::resume`] tries again.
    Failed(ClientError),
}

/// What an answer did (from [`Client::handle_ack`] and its siblings).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Create-Session succeeded.
    SessionCreated {
        /// The new session.
        session_id: SessionId<'static>,
        /// Whether later requests go to a `BITS-Host-Id` host.
        host_id: bool,
    },
    /// A Ping was answered.
    Pinged,
    /// The server has every byte before `received`, as the client expected.
    Progress {
        /// `BITS-Received-Content-Range`: the bytes the server has.
        received: u64,
    },
    /// The server has another number of bytes than the client expected: the client continues
    /// from the server's.
    Resynced {
        /// The offset the client expected to continue from.
        expected: u64,
        /// `BITS-Received-Content-Range`: the bytes the server has, where the client goes on.
        received: u64,
    },
    /// 413: fragments are now this long.
    FragmentShrunk {
        /// The new fragment size.
        len: u64,
    },
    /// The server has every byte of the file; the session is still open (the reply download,
    /// then Close-Session, follow).
    AllBytesReceived {
        /// The resolved reply URL, in upload-reply mode.
        reply_url: Option<String>,
    },
    /// Close-Session acknowledged: the server committed the file, and the upload is done.
    Committed,
    /// Cancel-Session acknowledged (or the session was already gone).
    Cancelled,
    /// The server lost the session: the upload starts again with Create-Session.
    Restarted,
    /// 401/407: the request will be resent with [`Transmit::auth_challenge`] set.
    AuthRequired(Status),
    /// The same request will be sent again.
    Retrying,
    /// Nothing changed (a 1xx interim answer, or an answer with no request in flight).
    Ignored,
    /// The upload failed.
    Failed(ClientError),
}

/// An answer from a BITS server: an Ack, or plain HTTP (proxies, auth challenges, error pages).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response<'a> {
    /// A BITS Ack.
    Ack(Ack<'a>),
    /// Any other HTTP response.
    Http(Message<'a>),
}

/// Decode one answer: an [`Ack`] if it has `BITS-Packet-Type`, else a plain [`Message`]
/// (whose body is framed by `Content-Length`; without one it is incomplete until
/// [`Message::decode_at_eof`]).
impl<'a> Decode<'a> for Response<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        match Ack::decode_with(input, opts) {
            Ok((ack, used)) => Ok((Self::Ack(ack), used)),
            Err(DecodeError::Invalid(m)) if m.kind == InvalidKind::MissingHeader("BITS-Packet-Type") => {
                Message::decode_with(input, opts).map(|(m, used)| (Self::Http(m), used))
            }
            Err(e) => Err(e),
        }
    }
}

impl<'a> Response<'a> {
    /// Decode an answer that ended with the connection (the peer closed it, or the caller's
    /// read timed out): an [`Ack`] as [`decode_with`](Decode::decode_with) reads it, else a plain
    /// [`Message`] whose body, without `Content-Length`, is everything received
    /// ([`Message::decode_at_eof`]). See [`Client::handle_response`] for what the client makes
    /// of such an unframed answer.
    pub fn decode_at_eof(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        match Ack::decode_with(input, opts) {
            Ok((ack, used)) => Ok((Self::Ack(ack), used)),
            Err(DecodeError::Invalid(m)) if m.kind == InvalidKind::MissingHeader("BITS-Packet-Type") => {
                Message::decode_at_eof(input, opts).map(|(m, used)| (Self::Http(m), used))
            }
            Err(e) => Err(e),
        }
    }

    /// `true` for a plain HTTP answer with neither `Content-Length` nor `Transfer-Encoding`:
    /// its body ends only when the connection does (RFC 9112 §6.3, rule 8), so it was read to
    /// close or to a timeout, and the connection cannot carry another request.
    pub fn is_unframed(&self) -> bool {
        match self {
            Self::Ack(_) => false,
            Self::Http(m) => {
                m.headers().get("Content-Length").is_none() && m.headers().get("Transfer-Encoding").is_none()
            }
        }
    }
}

impl Response<'_> {
    /// The status code.
    pub fn status(&self) -> Status {
        match self {
            Self::Ack(a) => a.status(),
            Self::Http(m) => match m.start_line() {
                StartLine::Response { status, .. } => *status,
                StartLine::Request { .. } => Status::BAD_REQUEST,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Create,
    Fragments,
    FetchReply(String),
    Close,
    Cancel,
    Done,
    Cancelled,
    Failed(ClientError),
}

/// One BITS upload, without I/O.
///
/// ```
/// use bits_codec::bits::client::{Client, ClientConfig, Step};
/// use bits_codec::bits::server::{Action, Server, ServerConfig, sequential_ids};
///
/// let file = b"hello, world".to_vec();
/// let config = ClientConfig::default().fragment_len(5).min_fragment_len(1);
/// let mut client = Client::new(config, "http://127.0.0.1:8080/upload/hello.txt", file.len() as u64).unwrap();
/// let mut server = Server::new(ServerConfig::default(), sequential_ids(7));
/// let mut stored = Vec::new();
/// loop {
///     match client.poll() {
///         Step::Transmit(t) => {
///             let body = t.range().map_or(&[][..], |r| &file[r.first() as usize..=r.last() as usize]);
///             let request = t.request(body).unwrap();
///             // (here the request would go over the network, and the Ack back)
///             let reply = server.handle(&request);
///             if let Action::Write(w) = &reply.action {
///                 stored.extend_from_slice(w.slice(request.body()).unwrap());
///             }
///             client.handle_ack(&reply.ack);
///         }
///         Step::Done => break,
///         other => panic!("{other:?}"),
///     }
/// }
/// assert_eq!(stored, file);
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    config: ClientConfig,
    destination: Url,
    target: RequestTarget<'static>,
    endpoint: Endpoint,
    total: u64,
    phase: Phase,
    in_flight: Option<TransmitKind>,
    session_id: Option<SessionId<'static>>,
    offset: u64,
    fragment_len: u64,
    host_id: Option<(Endpoint, Option<u32>)>,
    ping_pending: bool,
    cancel_requested: bool,
    auth_challenge: Option<Status>,
    reply_url: Option<String>,
    retries: Attempts,
    restarts: Restarts,
    stalls: Stalls,
}

impl Client {
    /// An upload of `total` bytes to `destination` (`http(s)://host[:port]/path`, already
    /// percent-encoded).
    pub fn new(config: ClientConfig, destination: &str, total: u64) -> Result<Self, ClientError> {
        let destination = Url::parse(destination).ok_or(ClientError::InvalidUrl)?;
        let target = RequestTarget::new(destination.target.clone()).map_err(|_| ClientError::InvalidUrl)?;
        Ok(Self {
            fragment_len: config.fragment_len,
            config,
            endpoint: destination.endpoint.clone(),
            destination,
            target,
            total,
            phase: Phase::Create,
            in_flight: None,
            session_id: None,
            offset: 0,
            host_id: None,
            ping_pending: false,
            cancel_requested: false,
            auth_challenge: None,
            reply_url: None,
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
            Phase::FetchReply(url) => return Step::FetchReply(url.clone()),
            _ if self.ping_pending => TransmitKind::Ping,
            Phase::Create => TransmitKind::CreateSession,
            Phase::Fragments => {
                let len = self.fragment_len.min(self.total - self.offset);
                match ContentRange::from_len(self.offset, len, self.total) {
                    Ok(range) => TransmitKind::Fragment(range),
                    // Unreachable: Fragments only while offset < total.
                    Err(_) => TransmitKind::CloseSession,
                }
            }
            Phase::Close => TransmitKind::CloseSession,
            Phase::Cancel => TransmitKind::CancelSession,
        };
        self.in_flight = Some(kind);
        Step::Transmit(Transmit {
            kind,
            endpoint: self.endpoint.clone(),
            target: self.target.clone(),
            session_id: self.session_id.clone(),
            protocols: self.config.protocols.clone(),
            content_name: self.config.content_name.clone(),
            auth_challenge: self.auth_challenge,
        })
    }

    /// Hand back the Ack that answered the request in flight.
    pub fn handle_ack(&mut self, ack: &Ack<'_>) -> Event {
        let Some(sent) = self.in_flight.take() else {
            return Event::Ignored;
        };
        let event = self.on_ack(sent, ack);
        self.after(event)
    }

    /// Hand back any answer (decoded with [`Decode`], or with [`Response::decode_at_eof`] when
    /// the connection ended or the caller's read timed out before a framed answer came).
    ///
    /// **An unframed error answer to a Fragment** ([`Response::is_unframed`]: no
    /// `BITS-Packet-Type`, no `Content-Length`, a 5xx status) starts a new session, as
    /// `BG_E_SESSION_NOT_FOUND` does ([`Event::Restarted`], counted against
    /// [`ClientConfig::max_restarts`]). Servers built on Python's `http.server` answer a gap
    /// (where [MC-BUP] §3.2.5.2.6 says 416 with the next offset) with a bare `500` carrying
    /// only `BITS-Error-Code`/`BITS-Error-Context`, keep the connection open so the answer
    /// ends at the caller's timeout, and have forgotten the session by the time the client
    /// reconnects: resending the Fragment or pinging cannot resynchronise with a session the
    /// server no longer has, and giving up would strand an upload a new session completes.
    /// The caller must close the connection after such an answer (where its body ends is
    /// unknowable) and send the next [`Transmit`] on a new one. Unframed answers to other
    /// requests are handled by their status, as framed ones.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn handle_response(&mut self, response: &Response<'_>) -> Event {
        match response {
            Response::Ack(ack) => self.handle_ack(ack),
            Response::Http(_)
                if response.is_unframed()
                    && is_server_error(response.status())
                    && matches!(self.in_flight, Some(TransmitKind::Fragment(_))) =>
            {
                self.in_flight = None;
                let event = self.restart();
                self.after(event)
            }
            Response::Http(_) => self.handle_http_status(response.status()),
        }
    }

    /// Hand back a plain HTTP answer (no `BITS-Packet-Type`) by its status.
    pub fn handle_http_status(&mut self, status: Status) -> Event {
        if status.as_u16() < 200 {
            return Event::Ignored; // 1xx interim (RFC 9110 §15.2): the real answer follows
        }
        let Some(sent) = self.in_flight.take() else {
            return Event::Ignored;
        };
        let event = if status == Status::UNAUTHORIZED || status == Status::PROXY_AUTHENTICATION_REQUIRED {
            self.on_auth(status)
        } else if let (Status::CONTENT_TOO_LARGE, TransmitKind::Fragment(range)) = (status, sent) {
            // IIS request filtering and proxies refuse large bodies with a plain 413.
            self.shrink(range)
        } else if status.is_success() {
            self.fail(ClientError::InvalidResponse("BITS-Packet-Type"))
        } else if is_server_error(status) && matches!(sent, TransmitKind::CloseSession | TransmitKind::CancelSession) {
            self.retry()
        } else {
            self.fail(ClientError::Http { status })
        };
        self.after(event)
    }

    /// The request in flight got no answer (connection lost, timeout): it will be sent again,
    /// at most [`ClientConfig::max_retries`] times in a row.
    pub fn transport_failed(&mut self) -> Event {
        if self.in_flight.take().is_none() {
            return Event::Ignored;
        }
        let event = self.retry();
        self.after(event)
    }

    /// Cancel the upload: Cancel-Session next (once the request in flight, if any, is
    /// answered); cancelled at once if no session exists yet. No effect once finished.
    pub fn cancel(&mut self) {
        self.cancel_requested = true;
        if self.in_flight.is_none() {
            self.apply_cancel();
        }
    }

    /// Send a Ping before the next request (a new connection that needs connection-oriented
    /// authentication, or a resumed job, as Windows does: [MC-BUP] §2.2.4, note <9>).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn ping_next(&mut self) {
        if !self.is_finished() {
            self.ping_pending = true;
        }
    }

    /// After [`Step::FetchReply`]: the reply was downloaded (or given up on); Close-Session next.
    pub fn reply_fetched(&mut self) {
        if matches!(self.phase, Phase::FetchReply(_)) {
            self.phase = Phase::Close;
        }
    }

    /// Try a failed upload again ([MC-BUP] §3.1.4.3 "Resume Existing Upload"): a Ping, then
    /// on from where the server was, or a new session if there was none. Returns `false` if
    /// the upload had not failed.
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn resume(&mut self) -> bool {
        if !matches!(self.phase, Phase::Failed(_)) {
            return false;
        }
        self.retries.reset();
        self.stalls.progressed();
        self.auth_challenge = None;
        self.phase = match (&self.session_id, self.cancel_requested) {
            (None, _) => Phase::Create,
            (Some(_), true) => Phase::Cancel,
            (Some(_), false) if self.offset == self.total => Phase::Close,
            (Some(_), false) => Phase::Fragments,
        };
        self.ping_pending = self.session_id.is_some();
        true
    }

    /// Send later requests to the destination's own host again (the caller's
    /// `BITS-Host-Id-Fallback-Timeout` timer expired, [MC-BUP] §3.1.6.3).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn fall_back_to_origin(&mut self) {
        self.endpoint = self.destination.endpoint.clone();
    }

    /// Where requests go now: the Host-Id host, or the destination's.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The destination's own host.
    pub fn origin(&self) -> &Endpoint {
        &self.destination.endpoint
    }

    /// The `BITS-Host-Id-Fallback-Timeout` in seconds, if the server gave a Host-Id with one
    /// (none: never fall back). The caller runs the timer: start it when a request to the
    /// Host-Id host fails, stop it on success, and call
    /// [`fall_back_to_origin`](Self::fall_back_to_origin) when it expires.
    pub fn host_id_fallback_timeout(&self) -> Option<u32> {
        self.host_id.as_ref().and_then(|(_, t)| *t)
    }

    /// The session, once created.
    pub fn session_id(&self) -> Option<&SessionId<'static>> {
        self.session_id.as_ref()
    }

    /// The bytes the server has acknowledged (the next fragment starts here).
    pub fn received(&self) -> u64 {
        self.offset
    }

    /// The file's length.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The current fragment size (smaller after a 413).
    pub fn fragment_len(&self) -> u64 {
        self.fragment_len
    }

    /// The resolved reply URL, in upload-reply mode, once the upload is whole.
    pub fn reply_url(&self) -> Option<&str> {
        self.reply_url.as_deref()
    }

    /// `true` once done, cancelled or failed.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Cancelled | Phase::Failed(_))
    }

    fn on_ack(&mut self, sent: TransmitKind, ack: &Ack<'_>) -> Event {
        let status = ack.status();
        // An Ack naming a session must name this one: another session's Ack answers someone else.
        if !matches!(sent, TransmitKind::CreateSession | TransmitKind::Ping)
            && let (Some(ours), Some(theirs)) = (&self.session_id, ack.session_id())
            && !ours.matches(theirs)
        {
            return self.fail(ClientError::InvalidResponse("BITS-Session-Id"));
        }
        if status == Status::UNAUTHORIZED || status == Status::PROXY_AUTHENTICATION_REQUIRED {
            return self.on_auth(status);
        }
        if !status.is_success() && ack.error_code() == Some(HResult::BG_E_SESSION_NOT_FOUND) {
            if sent == TransmitKind::CancelSession {
                self.phase = Phase::Cancelled;
                return Event::Cancelled;
            }
            return self.restart();
        }
        self.auth_challenge = None;
        match sent {
            TransmitKind::CreateSession if status.is_success() => self.on_created(ack),
            TransmitKind::Ping if status.is_success() => {
                self.ping_pending = false;
                self.retries.reset();
                Event::Pinged
            }
            // A 2xx Fragment Ack that carries BG_E_TOO_LARGE and no next offset is a refusal
            // of the fragment's size, not a success: Python servers answer a fragment over
            // their limit that way, where [MC-BUP] §2.2.1.2 lists BG_E_TOO_LARGE with 500 and
            // §3.1.5.2.4 has the client shrink on 413. The client does what it
            // does for a 413 (shrink); reading it as success would need the next offset the
            // Ack does not give, and failing would strand an upload smaller fragments finish.
            TransmitKind::Fragment(range)
                if status.is_success()
                    && ack.error_code() == Some(HResult::BG_E_TOO_LARGE)
                    && ack.received_content_range().is_none() =>
            {
                self.shrink(range)
            }
            TransmitKind::Fragment(range) if status.is_success() || status == Status::RANGE_NOT_SATISFIABLE => {
                self.on_fragment_ack(range, ack)
            }
            TransmitKind::Fragment(range) if status == Status::CONTENT_TOO_LARGE => self.shrink(range),
            TransmitKind::CloseSession if status.is_success() => {
                self.phase = Phase::Done;
                Event::Committed
            }
            TransmitKind::CancelSession if status.is_success() => {
                self.phase = Phase::Cancelled;
                Event::Cancelled
            }
            TransmitKind::CloseSession | TransmitKind::CancelSession if is_server_error(status) => self.retry(),
            _ => self.fail(ClientError::Server { status, code: ack.error_code(), context: ack.error_context() }),
        }
    }

    fn on_created(&mut self, ack: &Ack<'_>) -> Event {
        let Some(id) = ack.session_id() else {
            return self.fail(ClientError::InvalidResponse("BITS-Session-Id"));
        };
        if !ack.protocol().is_some_and(|p| self.config.protocols.contains(p)) {
            return self.fail(ClientError::InvalidResponse("BITS-Protocol"));
        }
        // Only identity is defined ([MC-BUP] §2.2.3); absent means identity.
        if let Some(ae) = ack.headers().get("Accept-Encoding") {
            let identity = ae.value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(b"identity"));
            if !identity {
                return self.fail(ClientError::InvalidResponse("Accept-Encoding"));
            }
        }
        let mut has_host_id = false;
        if let Some(host_id) = ack.host_id() {
            let parsed = host_id.to_str().and_then(|v| url::parse_authority(v, true));
            let Some((host, port)) = parsed else {
                return self.fail(ClientError::InvalidResponse("BITS-Host-Id"));
            };
            let origin = &self.destination.endpoint;
            let endpoint = Endpoint::new(origin.is_https(), host, port.or(origin.explicit_port()));
            self.endpoint = endpoint.clone();
            self.host_id = Some((endpoint, ack.host_id_fallback_timeout()));
            self.ping_pending = self.config.ping_after_host_id;
            has_host_id = true;
        }
        let id = id.clone().into_owned();
        self.session_id = Some(id.clone());
        self.offset = 0;
        self.retries.reset();
        self.phase = if self.total == 0 { Phase::Close } else { Phase::Fragments };
        Event::SessionCreated { session_id: id, host_id: has_host_id }
    }

    fn on_fragment_ack(&mut self, range: ContentRange, ack: &Ack<'_>) -> Event {
        let Some(next) = ack.received_content_range() else {
            return self.fail(ClientError::InvalidResponse("BITS-Received-Content-Range"));
        };
        if next > self.total {
            return self.fail(ClientError::InvalidResponse("BITS-Received-Content-Range"));
        }
        self.retries.reset();
        let before = self.offset;
        self.offset = next;
        if next > before {
            self.stalls.progressed();
        } else if self.stalls.stalled() {
            return self.fail(ClientError::NoProgress);
        }
        if next == self.total {
            let reply = ack.reply_url().map(|u| u.as_bytes()).filter(|u| !u.is_empty());
            let resolved = match reply {
                Some(bytes) => match core::str::from_utf8(bytes).ok().map(|u| resolve_against(&self.destination, u)) {
                    Some(Ok(url)) => Some(url),
                    _ => return self.fail(ClientError::InvalidResponse("BITS-Reply-URL")),
                },
                None if self.config.expect_reply => return self.fail(ClientError::InvalidResponse("BITS-Reply-URL")),
                None => None,
            };
            self.reply_url.clone_from(&resolved);
            self.phase = match &resolved {
                Some(url) => Phase::FetchReply(url.clone()),
                None => Phase::Close,
            };
            return Event::AllBytesReceived { reply_url: resolved };
        }
        if next == range.end() && ack.status().is_success() {
            Event::Progress { received: next }
        } else {
            Event::Resynced { expected: range.end(), received: next }
        }
    }

    /// 413: half the refused fragment, not below the floor ([MC-BUP] §3.1.5.2.4, note <16>).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    fn shrink(&mut self, refused: ContentRange) -> Event {
        let len = refused.len();
        if len <= self.config.min_fragment_len {
            return self.fail(ClientError::FragmentTooLarge);
        }
        self.fragment_len = (len / 2).max(self.config.min_fragment_len);
        Event::FragmentShrunk { len: self.fragment_len }
    }

    fn on_auth(&mut self, status: Status) -> Event {
        if self.auth_challenge.is_some() {
            return self.fail(ClientError::AuthRequired(status));
        }
        self.auth_challenge = Some(status);
        Event::AuthRequired(status)
    }

    fn restart(&mut self) -> Event {
        if self.restarts.restart(self.config.max_restarts) {
            return self.fail(ClientError::TooManyRestarts);
        }
        self.session_id = None;
        self.offset = 0;
        self.stalls.progressed();
        self.retries.reset();
        self.reply_url = None;
        self.phase = Phase::Create;
        Event::Restarted
    }

    fn retry(&mut self) -> Event {
        if self.retries.fail(self.config.max_retries) {
            return self.fail(ClientError::RetriesExhausted);
        }
        Event::Retrying
    }

    fn fail(&mut self, e: ClientError) -> Event {
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
        self.ping_pending = false;
        self.phase = if self.session_id.is_some() { Phase::Cancel } else { Phase::Cancelled };
    }
}

/// 5xx (RFC 9110 §15.6): the server failed, the request may succeed if sent again.
fn is_server_error(status: Status) -> bool {
    status.as_u16() >= 500
}
