//! What to do next in an upload, without I/O: the machine's decisions plus the driver's own
//! (waits, reconnection pauses, connection reuse), as [`Action`]s the blocking and tokio
//! executors carry out the same way. One policy, two executors: they cannot drift apart.

use std::time::{Duration, Instant};

use bits_codec::bits::client::{
    Client as BitsClient, ClientConfig as BitsConfig, ClientError as BitsError, Event as BitsEvent,
    Response as BitsResponse, Step as BitsStep,
};
use bits_codec::bits::{Ack, Guid, SessionId};
use bits_codec::graph::client::{
    Client as GraphClient, ClientConfig as GraphConfig, Step as GraphStep, TransmitKind as GraphKind,
};
use bits_codec::graph::{CreateSessionBody, Request as GraphRequest, Response as GraphResponse};
use bits_codec::http1::{ContentRange, FieldName, FieldValue, Headers, RequestTarget, Status};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode};

use super::options::{Options, Progress, Summary, UploadError};
use super::url::{self, Origin};

/// The longest answer body the drivers read (16 MiB): Acks are bodiless, Graph's JSON answers
/// are a few KiB; a longer one is refused rather than buffered.
pub(crate) const MAX_ANSWER_BODY: u64 = 16 << 20;

/// The longest answer the drivers buffer: the head limit plus the body limit.
pub(crate) const MAX_ANSWER: usize = bits_codec::limits::MAX_HEAD_LEN + MAX_ANSWER_BODY as usize;

/// How the drivers decode answers.
fn answer_options() -> DecodeOptions {
    DecodeOptions::default().max_body_len(Some(MAX_ANSWER_BODY))
}

/// What the executor does next.
#[derive(Debug)]
pub(crate) enum Action {
    /// Send this request (on the open connection if it goes to the same origin).
    Send(Outgoing),
    /// Read another answer to the request in flight (the last one was interim, 1xx).
    Receive,
    /// Sleep, then ask again.
    Sleep(Duration),
    /// The upload is over.
    Finished(Result<Summary, UploadError>),
}

/// One request: its head in full, and the file range its body is.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub(crate) origin: Origin,
    pub(crate) head: Vec<u8>,
    pub(crate) body: Option<ContentRange>,
}

/// A protocol's side of the executor's loop.
pub(crate) trait Plan {
    /// What next.
    fn next(&mut self) -> Action;
    /// Decode the answer at the start of `buf` and hand it to the machine; `eof`: the
    /// connection ended (or went quiet) after `buf`. Returns the answer's length and whether
    /// the connection can carry the next request.
    fn answer(&mut self, buf: &[u8], eof: bool) -> Result<(usize, bool), DecodeError>;
    /// The request in flight got no answer.
    fn lost(&mut self);
    /// A connection was opened.
    fn connected(&mut self);
    /// `n` body bytes were written.
    fn sent(&mut self, n: u64);
}

type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// What both plans share: counters, waits, the progress callback.
struct Common {
    summary: Summary,
    options: Options,
    progress: Option<ProgressFn>,
    pending_sleep: Option<Duration>,
    lost_in_a_row: u32,
    waits: u32,
    retry_after: Option<u64>,
}

impl Common {
    fn new(options: Options, progress: Option<ProgressFn>, total: u64) -> Self {
        let summary =
            Summary { total, sent: 0, requests: 0, connections: 0, setbacks: 0, session: None, reply_url: None };
        Self { summary, options, progress, pending_sleep: None, lost_in_a_row: 0, waits: 0, retry_after: None }
    }

    /// The pause after `n` setbacks in a row: the first back-off, doubled each time, capped.
    fn backoff(&self, n: u32) -> Duration {
        let (first, max) = self.options.reconnect_backoff;
        first.saturating_mul(1 << n.saturating_sub(1).min(16)).min(max)
    }

    fn lost(&mut self) {
        self.summary.setbacks += 1;
        self.lost_in_a_row += 1;
        self.pending_sleep = Some(self.backoff(self.lost_in_a_row));
    }

    fn report(&mut self, received: u64) {
        if let Some(f) = self.progress.as_mut() {
            f(&Progress {
                received,
                total: self.summary.total,
                sent: self.summary.sent,
                session: self.summary.session.clone(),
            });
        }
    }

    fn extra_headers(
        &self,
        user: &[(FieldName<'static>, FieldValue<'static>)],
    ) -> Vec<(FieldName<'static>, FieldValue<'static>)> {
        let mut v = user.to_vec();
        if let Some(ua) = &self.options.user_agent
            && !v.iter().any(|(n, _)| n.as_str().eq_ignore_ascii_case("User-Agent"))
            && let (Ok(n), Ok(val)) = (FieldName::new("User-Agent"), FieldValue::new(ua.clone()))
        {
            v.push((n, val));
        }
        v
    }
}

/// `Retry-After` in seconds (an HTTP date is not read: it needs a clock this layer does not
/// trust to match the server's).
fn retry_after(headers: &Headers<'_>) -> Option<u64> {
    std::str::from_utf8(headers.get("Retry-After")?.value).ok()?.trim().parse().ok()
}

/// `true` if the server said it closes the connection after this answer (RFC 9112 §9.6).
fn says_close(headers: &Headers<'_>) -> bool {
    headers
        .get_all("Connection")
        .any(|f| f.value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close")))
}

fn header_pair(name: &str, value: &str) -> Result<(FieldName<'static>, FieldValue<'static>), UploadError> {
    let n = FieldName::new(name.to_string()).map_err(|e| UploadError::Request(format!("{name}: {e}")))?;
    let v = FieldValue::new(value.to_string()).map_err(|e| UploadError::Request(format!("{name}: {e}")))?;
    Ok((n, v))
}

/// A BITS upload to run: the destination, the machine's settings, the source.
///
/// Build it, then run it with [`run_blocking`](Self::run_blocking) (a source that is
/// [`Read`](std::io::Read) and [`Seek`](std::io::Seek)) or, with the `tokio-client` feature,
/// `run` (a source that is `AsyncRead` and `AsyncSeek`).
pub struct BitsUpload<S> {
    pub(crate) url: String,
    pub(crate) source: S,
    pub(crate) options: Options,
    config: BitsConfig,
    headers: Vec<(FieldName<'static>, FieldValue<'static>)>,
    progress: Option<ProgressFn>,
    resume: Option<(SessionId<'static>, u64)>,
}

impl<S> std::fmt::Debug for BitsUpload<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitsUpload").field("url", &self.url).field("config", &self.config).finish_non_exhaustive()
    }
}

impl<S> BitsUpload<S> {
    /// An upload of everything `source` holds to `url` (`http(s)://host[:port]/path`,
    /// percent-encoded), with the machine's default settings.
    pub fn new(url: &str, source: S, options: Options) -> Result<Self, UploadError> {
        url::parse(url).ok_or_else(|| UploadError::Url(url.to_string()))?;
        Ok(Self {
            url: url.to_string(),
            source,
            options,
            config: BitsConfig::default(),
            headers: Vec::new(),
            progress: None,
            resume: None,
        })
    }

    /// The machine's settings (fragment size, retries, restarts, `Content-Name`).
    pub fn config(mut self, config: BitsConfig) -> Self {
        self.config = config;
        self
    }

    /// A header sent on every request (`Authorization` for a server that wants Basic
    /// credentials up front, say). Fails for an invalid name or value.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, UploadError> {
        self.headers.push(header_pair(name, value)?);
        Ok(self)
    }

    /// Called after every answer with where the upload is.
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Go on with a session an earlier run created, whose server had `received` bytes when
    /// that run last heard from it ([`Progress::session`] and [`Progress::received`]).
    ///
    /// The upload starts with a Ping and then sends from `received` on, following the
    /// machine's rules ([MC-BUP] §3.1.4.3 "Resume Existing Upload"): a server that has another
    /// offset answers with it and the client resynchronises; a server that no longer knows the
    /// session answers `BG_E_SESSION_NOT_FOUND` and the upload starts over in a new session.
    /// Fails for an invalid session id.
    pub fn resume_session(mut self, session_id: &str, received: u64) -> Result<Self, UploadError> {
        let id =
            SessionId::new(session_id.to_string()).map_err(|e| UploadError::Request(format!("session id: {e}")))?;
        self.resume = Some((id, received));
        Ok(self)
    }

    pub(crate) fn into_plan(self, total: u64) -> Result<(BitsPlan, S), UploadError> {
        let client = BitsClient::new(self.config, &self.url, total).map_err(UploadError::Bits)?;
        let mut plan = BitsPlan {
            client,
            common: Common::new(self.options, self.progress, total),
            headers: Vec::new(),
            host_id_failing_since: None,
        };
        plan.headers = plan.common.extra_headers(&self.headers);
        if let Some((id, received)) = self.resume {
            plan.adopt(id, received);
        }
        Ok((plan, self.source))
    }
}

/// The BITS side of the loop.
pub(crate) struct BitsPlan {
    client: BitsClient,
    common: Common,
    headers: Vec<(FieldName<'static>, FieldValue<'static>)>,
    /// When requests to the Host-Id host started failing (none since the last answer).
    host_id_failing_since: Option<Instant>,
}

impl BitsPlan {
    /// Put the fresh machine where an earlier run left its session: the machine has no
    /// constructor for that, so it is told what it would have heard — a Create-Session Ack
    /// naming the session, then a Fragment Ack with the offset the server had — without
    /// sending anything; then a Ping, as for any resumed job ([MC-BUP] §2.2.4).
    fn adopt(&mut self, id: SessionId<'static>, received: u64) {
        let BitsStep::Transmit(create) = self.client.poll() else { return };
        let protocol = match create.request(&[]) {
            Ok(r) => r.head().supported_protocols().and_then(|p| p.iter().next()).unwrap_or(Guid::BITS_1_5_UPLOAD),
            Err(_) => Guid::BITS_1_5_UPLOAD,
        };
        self.client.handle_ack(&Ack::session_created(protocol, id));
        let total = self.client.total();
        if received > 0
            && received <= total
            && let BitsStep::Transmit(_) = self.client.poll()
        {
            self.client.handle_ack(&Ack::fragment_received(Status::OK, received));
        }
        self.client.ping_next();
        self.common.summary.session = self.client.session_id().map(|s| s.as_str().to_string());
    }

    fn outgoing(&mut self, t: &bits_codec::bits::client::Transmit) -> Result<Outgoing, UploadError> {
        let bad = |e: bits_codec::ValidationError| UploadError::Request(e.to_string());
        let origin = Origin::of(t.endpoint());
        let mut head = Vec::new();
        match t.range() {
            None => {
                let mut r = t.request(&[]).map_err(bad)?;
                for (n, v) in &self.headers {
                    r.push_header(n.clone(), v.clone()).map_err(bad)?;
                }
                r.encode_head(&mut head);
            }
            Some(_) => {
                // The head alone: the range's bytes are streamed after it from the source.
                let mut h = t.request_head().map_err(bad)?;
                for (n, v) in &self.headers {
                    h.push_header(n.clone(), v.clone()).map_err(bad)?;
                }
                h.encode(&mut head);
            }
        }
        Ok(Outgoing { origin, head, body: t.range() })
    }

    fn waitable(e: &BitsError) -> bool {
        match e {
            BitsError::Http { status } | BitsError::Server { status, .. } => {
                status.as_u16() >= 500 || status.as_u16() == 429
            }
            BitsError::RetriesExhausted => true,
            _ => false,
        }
    }
}

impl Plan for BitsPlan {
    fn next(&mut self) -> Action {
        if let Some(d) = self.common.pending_sleep.take() {
            return Action::Sleep(d);
        }
        loop {
            return match self.client.poll() {
                BitsStep::Transmit(t) => match self.outgoing(&t) {
                    Ok(out) => {
                        self.common.summary.requests += 1;
                        Action::Send(out)
                    }
                    Err(e) => Action::Finished(Err(e)),
                },
                BitsStep::AwaitingResponse => Action::Receive,
                BitsStep::FetchReply(url) => {
                    // The reply is the caller's to download (Summary::reply_url).
                    self.common.summary.reply_url = Some(url);
                    self.client.reply_fetched();
                    continue;
                }
                BitsStep::Done => Action::Finished(Ok(self.common.summary.clone())),
                BitsStep::Cancelled => Action::Finished(Err(UploadError::Cancelled)),
                BitsStep::Failed(e) if Self::waitable(&e) && self.common.waits < self.common.options.max_waits => {
                    // Counted as a setback when the failing answer (or lost connection) came.
                    self.common.waits += 1;
                    let delay = match self.common.retry_after.take() {
                        Some(s) => Duration::from_secs(s).min(self.common.options.max_wait),
                        None => self.common.backoff(self.common.waits),
                    };
                    self.client.resume();
                    Action::Sleep(delay)
                }
                BitsStep::Failed(e) => Action::Finished(Err(UploadError::Bits(e))),
                _ => Action::Finished(Err(UploadError::Request("an unknown step".into()))),
            };
        }
    }

    fn answer(&mut self, buf: &[u8], eof: bool) -> Result<(usize, bool), DecodeError> {
        let opts = answer_options();
        let (response, used) =
            if eof { BitsResponse::decode_at_eof(buf, &opts)? } else { BitsResponse::decode_with(buf, &opts)? };
        let headers = match &response {
            BitsResponse::Ack(a) => a.headers(),
            BitsResponse::Http(m) => m.headers(),
            _ => return Err(DecodeError::Incomplete { needed: None }),
        };
        self.common.retry_after = retry_after(headers);
        // A 1xx interim answer has no body (RFC 9110 §15.2) and the final one follows on the
        // same connection.
        let interim = response.status().as_u16() < 200;
        let reusable = !eof && (interim || !response.is_unframed()) && !says_close(headers);
        self.common.lost_in_a_row = 0;
        self.host_id_failing_since = None;
        let event = self.client.handle_response(&response);
        if matches!(
            event,
            BitsEvent::Restarted | BitsEvent::Retrying | BitsEvent::Failed(_) | BitsEvent::FragmentShrunk { .. }
        ) {
            self.common.summary.setbacks += 1;
        }
        self.common.summary.session = self.client.session_id().map(|s| s.as_str().to_string());
        self.common.report(self.client.received());
        Ok((used, reusable))
    }

    fn lost(&mut self) {
        self.client.transport_failed();
        self.common.lost();
        // [MC-BUP] §3.1.6.3: when requests to the `BITS-Host-Id` host have failed for
        // `BITS-Host-Id-Fallback-Timeout` seconds, the client goes back to the destination's
        // own host (the machine has no clock: the timer is the driver's).
        if self.client.endpoint() != self.client.origin()
            && let Some(secs) = self.client.host_id_fallback_timeout()
        {
            let since = *self.host_id_failing_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= Duration::from_secs(secs.into()) {
                self.client.fall_back_to_origin();
                self.host_id_failing_since = None;
            }
        }
    }

    fn connected(&mut self) {
        self.common.summary.connections += 1;
    }

    fn sent(&mut self, n: u64) {
        self.common.summary.sent += n;
    }
}

/// A Microsoft Graph upload to run: the `createUploadSession` URL, the headers of the create
/// request, the source.
///
/// The create request carries the caller's headers (`Authorization`); the requests to the
/// `uploadUrl` do not: it is pre-authenticated, and Graph's "Upload large files with an upload
/// session" page says a request to it that carries `Authorization` may fail (To Do's is the
/// one exception, which the machine knows).
pub struct GraphUpload<S> {
    pub(crate) source: S,
    pub(crate) options: Options,
    create_url: String,
    config: GraphConfig,
    headers: Vec<(FieldName<'static>, FieldValue<'static>)>,
    body: Option<CreateSessionBody<'static>>,
    progress: Option<ProgressFn>,
}

impl<S> std::fmt::Debug for GraphUpload<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphUpload").field("create_url", &self.create_url).finish_non_exhaustive()
    }
}

impl<S> GraphUpload<S> {
    /// An upload of everything `source` holds through the upload session `create_url`
    /// (`https://graph.microsoft.com/v1.0/…/createUploadSession`) creates.
    pub fn new(create_url: &str, source: S, options: Options) -> Result<Self, UploadError> {
        url::parse(create_url).ok_or_else(|| UploadError::Url(create_url.to_string()))?;
        Ok(Self {
            source,
            options,
            create_url: create_url.to_string(),
            config: GraphConfig::default(),
            headers: Vec::new(),
            body: None,
            progress: None,
        })
    }

    /// The machine's settings (fragment size, retries, waits).
    pub fn config(mut self, config: GraphConfig) -> Self {
        self.config = config;
        self
    }

    /// A header of the create request (`Authorization: Bearer …`). Fails for an invalid name
    /// or value.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, UploadError> {
        self.headers.push(header_pair(name, value)?);
        Ok(self)
    }

    /// The create request's JSON body (conflict behaviour, an attachment's name and size…);
    /// none by default (a driveItem upload).
    pub fn create_body(mut self, body: CreateSessionBody<'static>) -> Self {
        self.body = Some(body);
        self
    }

    /// Called after every answer with where the upload is.
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    pub(crate) fn into_plan(self, total: u64) -> Result<(GraphPlan, S), UploadError> {
        let parsed = url::parse(&self.create_url).ok_or_else(|| UploadError::Url(self.create_url.clone()))?;
        let bad = |e: bits_codec::ValidationError| UploadError::Request(e.to_string());
        let target = RequestTarget::new(parsed.target.clone()).map_err(bad)?;
        let mut create = GraphRequest::create_upload_session(target, self.body)
            .map_err(|_| UploadError::Url(format!("{} (not a createUploadSession URL)", self.create_url)))?
            .with_host(FieldValue::new(parsed.authority.clone()).map_err(bad)?);
        let common = Common::new(self.options, self.progress, total);
        let headers = common.extra_headers(&self.headers);
        for (n, v) in &headers {
            create = create.with_header(n.clone(), v.clone()).map_err(bad)?;
        }
        let authorization =
            self.headers.iter().find(|(n, _)| n.as_str().eq_ignore_ascii_case("Authorization")).cloned();
        let user_agent = headers.iter().find(|(n, _)| n.as_str().eq_ignore_ascii_case("User-Agent")).cloned();
        let client = GraphClient::new(self.config, &create, total).map_err(UploadError::Graph)?;
        let plan =
            GraphPlan { client, common, create_origin: parsed.origin, authorization, user_agent, waiting: false };
        Ok((plan, self.source))
    }
}

/// The Graph side of the loop.
pub(crate) struct GraphPlan {
    client: GraphClient,
    common: Common,
    create_origin: Origin,
    authorization: Option<(FieldName<'static>, FieldValue<'static>)>,
    user_agent: Option<(FieldName<'static>, FieldValue<'static>)>,
    waiting: bool,
}

impl GraphPlan {
    fn outgoing(&self, t: &bits_codec::graph::client::Transmit) -> Result<Outgoing, UploadError> {
        let bad = |e: bits_codec::ValidationError| UploadError::Request(e.to_string());
        let origin = t.endpoint().map_or_else(|| self.create_origin.clone(), Origin::of);
        let mut head = Vec::new();
        match t.range() {
            None => {
                let mut r = t.request(&[]).map_err(bad)?;
                if t.kind() != GraphKind::CreateSession
                    && let Some((n, v)) = &self.user_agent
                {
                    r = r.with_header(n.clone(), v.clone()).map_err(bad)?;
                }
                // The create's body is a small JSON document: it goes with the head.
                r.encode(&mut head);
            }
            Some(range) => {
                // The head alone: the range's bytes are streamed after it from the source.
                let mut h = GraphRequest::upload_fragment_head(t.target().clone(), range);
                if let Some(e) = t.endpoint() {
                    h = h.with_host(FieldValue::new(e.authority().to_string()).map_err(bad)?);
                }
                // Only where the machine says so (To Do): a pre-authenticated uploadUrl must
                // not get the token.
                if t.is_authorized()
                    && let Some((n, v)) = &self.authorization
                {
                    h = h.with_header(n.clone(), v.clone()).map_err(bad)?;
                }
                if let Some((n, v)) = &self.user_agent {
                    h = h.with_header(n.clone(), v.clone()).map_err(bad)?;
                }
                h.encode(&mut head);
            }
        }
        Ok(Outgoing { origin, head, body: t.range() })
    }
}

impl Plan for GraphPlan {
    fn next(&mut self) -> Action {
        if let Some(d) = self.common.pending_sleep.take() {
            return Action::Sleep(d);
        }
        if std::mem::take(&mut self.waiting) {
            self.client.waited();
        }
        match self.client.poll() {
            GraphStep::Transmit(t) => match self.outgoing(&t) {
                Ok(out) => {
                    self.common.summary.requests += 1;
                    Action::Send(out)
                }
                Err(e) => Action::Finished(Err(e)),
            },
            GraphStep::AwaitingResponse => Action::Receive,
            GraphStep::Wait(d) => {
                self.waiting = true;
                self.common.summary.setbacks += 1;
                Action::Sleep(d.min(self.common.options.max_wait))
            }
            GraphStep::Done => Action::Finished(Ok(self.common.summary.clone())),
            GraphStep::Cancelled => Action::Finished(Err(UploadError::Cancelled)),
            GraphStep::Failed(e) => Action::Finished(Err(UploadError::Graph(e))),
            _ => Action::Finished(Err(UploadError::Request("an unknown step".into()))),
        }
    }

    fn answer(&mut self, buf: &[u8], eof: bool) -> Result<(usize, bool), DecodeError> {
        let opts = answer_options();
        let (response, used) =
            if eof { GraphResponse::decode_at_eof(buf, &opts)? } else { GraphResponse::decode_with(buf, &opts)? };
        let framed = response.content_length().is_some() || response.headers().get("Transfer-Encoding").is_some();
        let interim = response.status().as_u16() < 200;
        let reusable = !eof && (framed || interim) && !says_close(response.headers());
        self.common.lost_in_a_row = 0;
        self.client.handle_response(&response);
        self.common.summary.session = self.client.upload_url().map(str::to_string);
        self.common.report(self.client.received());
        Ok((used, reusable))
    }

    fn lost(&mut self) {
        self.client.transport_failed();
        self.common.lost();
    }

    fn connected(&mut self) {
        self.common.summary.connections += 1;
    }

    fn sent(&mut self, n: u64) {
        self.common.summary.sent += n;
    }
}
