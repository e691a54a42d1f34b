//! Graph responses: session created, progress, status, completion, cancel, errors.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use bytes::BufMut;

use super::fields::{GraphSink, Side, add_extra, is_json_media_type, set_managed};
use super::json;
use super::odata_error::ODataError;
use super::request::decimal;
use super::response_body::{CompletedItem, ResponseBody};
use super::retry_after::RetryAfter;
use super::upload_session::UploadSession;
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, InvalidKind, ValidationError};
use crate::http1::encode::{status_head, status_head_len};
use crate::http1::head::{self, Direction, StartLine};
use crate::http1::headers::Headers;
use crate::http1::values::{FieldName, FieldValue, HttpVersion, ReasonPhrase, Status};
use crate::options::DecodeOptions;

/// Managed headers of built responses, in the order they are written: the order the Graph
/// pages' examples show (`Content-Type, Content-Length` on the "driveItem: createUploadSession"
/// progress answer; `Location, Content-Length` on the "attachment: createUploadSession"
/// completion).
const MANAGED: &[&str] = &["Location", "Retry-After", "Content-Type", "Content-Length"];

/// What a response means for the client, by content first and status second: a 201 whose
/// body is still a session is progress, a 200 with a driveItem is completion, a 200 with an
/// error body is a failure. The status alone misleads because the services disagree: the
/// "driveItem: createUploadSession" page completes with `201`/`200` and a driveItem, Outlook
/// ("attachment: createUploadSession") with `201` and `Location` and no body, and real
/// OneDrive answers have carried a session under `201`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<'r> {
    /// A session with `uploadUrl`: the answer to `createUploadSession`.
    SessionCreated(&'r UploadSession<'r>),
    /// A session with missing ranges: send the next fragment.
    InProgress(&'r UploadSession<'r>),
    /// A session with `nextExpectedRanges: []`: every byte arrived, the upload waits for the
    /// deferred commit (`deferCommit: true`).
    AwaitingCommit(&'r UploadSession<'r>),
    /// A session without `nextExpectedRanges` (the 2015 OneDrive bug): ask with a status `GET`.
    RangesUnknown(&'r UploadSession<'r>),
    /// The created driveItem or printDocument: done.
    Completed(&'r CompletedItem<'r>),
    /// No body and a `Location` (Outlook, To Do): done; the attachment is at that URL.
    CompletedAt(&'r FieldValue<'r>),
    /// A success without body or `Location` (`204` after a cancel).
    NoContent,
    /// An error status, or an error body whatever the status; the OData error when there is
    /// one.
    Failed(Option<&'r ODataError<'r>>),
    /// A success whose body has no known shape (or a 1xx).
    Unrecognized,
}

/// A Graph response: any answer of the upload flow.
///
/// The body is classified by content ([`ResponseBody`]) when its `Content-Type` is JSON (or
/// absent and the body starts like JSON); a JSON body that does not parse is an error (the
/// docs' 409 examples with a trailing comma are). A response without `Content-Length` runs to
/// the end of the connection: [`decode`](Self::decode) reports it incomplete,
/// [`decode_at_eof`](Self::decode_at_eof) takes every remaining byte.
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::graph::{Outcome, RangeSpec, Response};
/// let wire = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 82\r\n\r\n\
///              {\"expirationDateTime\":\"2015-01-29T09:21:55.523Z\",\"nextExpectedRanges\":[\"983040-\"]}";
/// let (resp, used) = Response::decode(wire).unwrap();
/// assert_eq!(used, wire.len());
/// let Outcome::InProgress(s) = resp.outcome() else { panic!() };
/// assert_eq!(s.next_expected_ranges(), Some(&[RangeSpec::open(983040)][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    version: HttpVersion,
    status: Status,
    reason: ReasonPhrase<'a>,
    content_type: Option<FieldValue<'a>>,
    location: Option<FieldValue<'a>>,
    retry_after: Option<RetryAfter<'a>>,
    content_length: Option<u64>,
    headers: Headers<'a>,
    kind: ResponseBody<'a>,
    body: Cow<'a, [u8]>,
}

/// Classify `body` under `content_type`; `body_at` shifts JSON error offsets.
pub(crate) fn classify_body<'a>(
    body: &'a [u8],
    content_type: Option<&FieldValue<'_>>,
    body_at: usize,
) -> Result<ResponseBody<'a>, DecodeError> {
    if body.is_empty() {
        return Ok(ResponseBody::Empty);
    }
    let json = match content_type {
        Some(t) => is_json_media_type(t.as_bytes()),
        None => matches!(body.iter().find(|b| !b" \t\r\n".contains(b)), Some(b'{' | b'[')),
    };
    if !json {
        return Ok(ResponseBody::Opaque);
    }
    ResponseBody::decode(body).map(|(v, _)| v).map_err(|e| json::in_message(e, body_at, body.len()))
}

/// Decodes one response from the front of the input; `Ok((response, consumed))`. A response
/// without `Content-Length` (and not one that never has a body) is
/// [`DecodeError::Incomplete`] here, since its body runs to the end of the connection: read it
/// to the end and call [`Response::decode_at_eof`]. JSON body failures are
/// [`InvalidKind::Json`] at offsets counted from the response's first byte.
impl<'a> Decode<'a> for Response<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, false)
    }
}

impl<'a> Response<'a> {
    /// Decode a response that ends where `input` ends (a file, or a closed connection): one
    /// without `Content-Length` takes every remaining byte as its body (RFC 9112 §6.3, rule 8:
    /// a response without framing headers ends when the connection closes).
    ///
    /// This is a method beside [`Decode`] rather than a [`DecodeOptions`] switch because it
    /// says something about the input (nothing follows it), not about how strictly to read
    /// it; [`Decode::decode_with`] is the call for a live connection.
    pub fn decode_at_eof(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, true)
    }

    fn decode_inner(input: &'a [u8], opts: &DecodeOptions, at_eof: bool) -> Result<(Self, usize), DecodeError> {
        if input.len() < 5 && b"HTTP/".starts_with(input) {
            return Err(DecodeError::INCOMPLETE);
        }
        let mut sink = GraphSink::new(Side::Response);
        let h = head::head(input, Direction::Response, opts, &mut sink)?;
        let StartLine::Status { version, code, reason } = h.start else {
            return Err(DecodeError::invalid(InvalidKind::StatusLine, 0));
        };
        let cl_at = h.content_length.map_or(h.end_at, |(_, at)| at);
        let (body, used) = head::body(input, h.len, h.framing(), at_eof, opts, cl_at)?;
        let r = Self::assemble(
            version,
            Status::unvalidated(code),
            ReasonPhrase::unvalidated(reason),
            sink,
            Headers::from_wire(h.block, h.count),
            h.content_length.map(|(n, _)| n),
            body,
            h.len,
        )?;
        Ok((r, used))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        version: HttpVersion,
        status: Status,
        reason: ReasonPhrase<'a>,
        sink: GraphSink<'a>,
        headers: Headers<'a>,
        content_length: Option<u64>,
        body: &'a [u8],
        body_at: usize,
    ) -> Result<Self, DecodeError> {
        let content_type = sink.content_type;
        let kind = classify_body(body, content_type.as_ref(), body_at)?;
        Ok(Self {
            version,
            status,
            reason,
            content_type,
            location: sink.location,
            retry_after: sink.retry_after,
            content_length,
            headers,
            kind,
            body: Cow::Borrowed(body),
        })
    }

    fn build(status: Status) -> Self {
        Self {
            version: HttpVersion::Http11,
            status,
            reason: ReasonPhrase::unvalidated(status.canonical_reason().as_bytes()),
            content_type: None,
            location: None,
            retry_after: None,
            content_length: None,
            headers: Headers::new(),
            kind: ResponseBody::Empty,
            body: Cow::Borrowed(&[]),
        }
    }

    fn set(&mut self, name: &'static str, value: FieldValue<'a>) {
        set_managed(&mut self.headers, MANAGED, name, value);
    }

    /// A response with a JSON body of `kind`.
    fn with_json(status: Status, json: Vec<u8>, kind: ResponseBody<'a>) -> Result<Self, ValidationError> {
        if status.forbids_body() {
            // These statuses never carry a body (RFC 9112 §6.3): it would not decode.
            return Err(ValidationError::StatusCode);
        }
        let mut r = Self::build(status);
        r.set("Content-Type", FieldValue::from_static("application/json"));
        r.content_type = Some(FieldValue::from_static("application/json"));
        r.set("Content-Length", decimal(json.len() as u64));
        r.content_length = Some(json.len() as u64);
        r.kind = kind;
        r.body = Cow::Owned(json);
        Ok(r)
    }

    /// A session answer: `200`/`201` to `createUploadSession`, `202`/`200` progress, `200`
    /// status. Fails for a status that cannot carry a body (1xx, 204, 304). A session with no
    /// `uploadUrl`, `expirationDateTime` or `nextExpectedRanges` is written as given but reads
    /// back (and is typed here) as [`ResponseBody::OtherJson`].
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::{DateTimeOffset, RangeSpec, Response, UploadSession};
    /// use bits_codec::http1::Status;
    /// let s = UploadSession::new()
    ///     .with_expiration_date_time(DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap())
    ///     .with_next_expected_ranges(vec![RangeSpec::open(983040)]);
    /// let r = Response::session(Status::new(202).unwrap(), s.clone()).unwrap();
    /// assert!(r.to_vec().starts_with(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 82\r\n\r\n"));
    /// assert!(Response::session(Status::new(204).unwrap(), s).is_err());
    /// ```
    pub fn session(status: Status, session: UploadSession<'a>) -> Result<Self, ValidationError> {
        let json = session.to_vec();
        // As decoding classifies it: a session with none of its members (`{}`, or only
        // `@odata.context`) says nothing that makes it a session.
        let is_session = session.upload_url().is_some()
            || session.expiration_date_time().is_some()
            || session.next_expected_ranges().is_some();
        let kind = if is_session { ResponseBody::Session(session) } else { ResponseBody::OtherJson };
        Self::with_json(status, json, kind)
    }

    /// An OData error answer (add [`with_retry_after`](Self::with_retry_after) on 429/503).
    ///
    /// ```
    /// use bits_codec::graph::{ODataError, Outcome, Response};
    /// use bits_codec::http1::Status;
    /// let e = ODataError::new("invalidRange", "Uploaded fragment overlaps with existing data.");
    /// let r = Response::error(Status::new(416).unwrap(), e).unwrap();
    /// assert!(matches!(r.outcome(), Outcome::Failed(Some(e)) if e.code() == "invalidRange"));
    /// assert!(Response::error(Status::new(304).unwrap(), ODataError::with_code("x")).is_err());
    /// ```
    pub fn error(status: Status, error: ODataError<'a>) -> Result<Self, ValidationError> {
        Self::with_json(status, error.to_vec(), ResponseBody::Error(error))
    }

    /// The completion answer with the created resource (`201` new, `200` replaced).
    ///
    /// ```
    /// use bits_codec::graph::{CompletedItem, Outcome, Response};
    /// use bits_codec::http1::Status;
    /// let r = Response::completed(Status::new(201).unwrap(), CompletedItem::new("912310013A123")).unwrap();
    /// assert!(matches!(r.outcome(), Outcome::Completed(i) if i.id() == "912310013A123"));
    /// assert!(Response::completed(Status::new(101).unwrap(), CompletedItem::new("x")).is_err());
    /// ```
    pub fn completed(status: Status, item: CompletedItem<'a>) -> Result<Self, ValidationError> {
        Self::with_json(status, item.to_vec(), ResponseBody::Item(item))
    }

    /// A response whose body is the JSON `body`, kept byte for byte (a full driveItem, a
    /// pretty-printed doc example) and classified like a decoded one. Fails if `body` is not
    /// valid JSON, or for a status that cannot carry a body.
    ///
    /// ```
    /// use bits_codec::graph::{Outcome, Response};
    /// use bits_codec::http1::Status;
    /// let body = br#"{"id":"912310013A123","name":"largefile.vhd","size":128,"file":{}}"#;
    /// let r = Response::json(Status::new(201).unwrap(), body).unwrap();
    /// assert!(matches!(r.outcome(), Outcome::Completed(_)));
    /// assert!(Response::json(Status::new(409).unwrap(), br#"{"error":{"code":"x",}}"#).is_err());
    /// ```
    pub fn json(status: Status, body: &'a [u8]) -> Result<Self, DecodeError> {
        if status.forbids_body() {
            return Err(DecodeError::invalid(InvalidKind::BodyNotAllowed, 0));
        }
        let (kind, _) = ResponseBody::decode(body).map_err(|e| json::in_message(e, 0, body.len()))?;
        let mut r = Self::build(status);
        r.set("Content-Type", FieldValue::from_static("application/json"));
        r.content_type = Some(FieldValue::from_static("application/json"));
        r.set("Content-Length", decimal(body.len() as u64));
        r.content_length = Some(body.len() as u64);
        r.kind = kind;
        r.body = Cow::Borrowed(body);
        Ok(r)
    }

    /// `201 Created` with `Location` and no body: the Outlook and To Do completion (the
    /// "attachment: createUploadSession" and "taskFileAttachment: createUploadSession" pages).
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Response;
    /// use bits_codec::http1::FieldValue;
    /// let r = Response::created_at(FieldValue::new("https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/Attachments('a')").unwrap());
    /// assert!(r.to_vec().ends_with(b"/Attachments('a')\r\nContent-Length: 0\r\n\r\n"));
    /// assert!(FieldValue::new("https://h/\r\nX: y").is_err());
    /// ```
    pub fn created_at(location: FieldValue<'a>) -> Self {
        let mut r = Self::build(Status::unvalidated(201));
        r.set("Location", location.clone());
        r.location = Some(location);
        r.set("Content-Length", FieldValue::from_static("0"));
        r.content_length = Some(0);
        r
    }

    /// `204 No Content`, no headers: the answer to a cancel.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Response;
    /// assert_eq!(Response::no_content().to_vec(), b"HTTP/1.1 204 No Content\r\n\r\n");
    /// ```
    pub fn no_content() -> Self {
        Self::build(Status::unvalidated(204))
    }

    /// Set `Retry-After`.
    pub fn with_retry_after(mut self, r: RetryAfter<'a>) -> Self {
        self.set("Retry-After", r.to_field_value());
        self.retry_after = Some(r);
        self
    }

    /// Replace the reason phrase (never interpreted by a reader).
    pub fn with_reason(mut self, reason: ReasonPhrase<'a>) -> Self {
        self.reason = reason;
        self
    }

    /// Add a header this crate does not manage (`request-id`, `Date`, …) before the managed
    /// ones; refused for the managed names and past the default header limits.
    pub fn with_header(mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<Self, ValidationError> {
        let head_len = self.encoded_len() - self.body.len();
        add_extra(&mut self.headers, MANAGED, name, value, head_len)?;
        Ok(self)
    }

    /// What the response means (see [`Outcome`]).
    pub fn outcome(&self) -> Outcome<'_> {
        if let ResponseBody::Error(e) = &self.kind {
            return Outcome::Failed(Some(e));
        }
        let s = self.status.as_u16();
        if s >= 300 {
            return Outcome::Failed(None);
        }
        if s < 200 {
            return Outcome::Unrecognized;
        }
        match &self.kind {
            ResponseBody::Session(sess) if sess.upload_url().is_some() => Outcome::SessionCreated(sess),
            ResponseBody::Session(sess) => match sess.next_expected_ranges() {
                Some([]) => Outcome::AwaitingCommit(sess),
                Some(_) => Outcome::InProgress(sess),
                None => Outcome::RangesUnknown(sess),
            },
            ResponseBody::Item(i) => Outcome::Completed(i),
            ResponseBody::Empty => match &self.location {
                Some(l) => Outcome::CompletedAt(l),
                None => Outcome::NoContent,
            },
            _ => Outcome::Unrecognized,
        }
    }

    /// The HTTP version.
    pub fn version(&self) -> HttpVersion {
        self.version
    }
    /// The status code.
    pub fn status(&self) -> Status {
        self.status
    }
    /// The reason phrase, as sent (never interpreted: `No content` and `No Content` are alike).
    pub fn reason(&self) -> &ReasonPhrase<'a> {
        &self.reason
    }
    /// The classified body.
    pub fn body_kind(&self) -> &ResponseBody<'a> {
        &self.kind
    }
    /// The upload session, if the body is one.
    pub fn upload_session(&self) -> Option<&UploadSession<'a>> {
        self.kind.session()
    }
    /// The OData error, if the body is one.
    pub fn odata_error(&self) -> Option<&ODataError<'a>> {
        self.kind.error()
    }
    /// The created item, if the body is one.
    pub fn completed_item(&self) -> Option<&CompletedItem<'a>> {
        self.kind.item()
    }
    /// `Location`.
    pub fn location(&self) -> Option<&FieldValue<'a>> {
        self.location.as_ref()
    }
    /// `Retry-After`.
    pub fn retry_after(&self) -> Option<&RetryAfter<'a>> {
        self.retry_after.as_ref()
    }
    /// `Content-Type`, as sent.
    pub fn content_type(&self) -> Option<&FieldValue<'a>> {
        self.content_type.as_ref()
    }
    /// `Content-Length`, if present.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
    /// Every header in wire order.
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }
    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Response<'static> {
        Response {
            version: self.version,
            status: self.status,
            reason: self.reason.into_owned(),
            content_type: self.content_type.map(FieldValue::into_owned),
            location: self.location.map(FieldValue::into_owned),
            retry_after: self.retry_after.map(RetryAfter::into_owned),
            content_length: self.content_length,
            headers: self.headers.into_owned(),
            kind: self.kind.into_owned(),
            body: Cow::Owned(self.body.into_owned()),
        }
    }
}

impl Encode for Response<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        status_head(out, self.version, self.status.as_u16(), self.reason.as_bytes(), &self.headers);
        out.put_slice(&self.body);
    }
    fn encoded_len(&self) -> usize {
        status_head_len(self.status.as_u16(), self.reason.as_bytes(), &self.headers) + self.body.len()
    }
}

/// The framing of a response read from `http` parts: `Content-Length`, when present, must be
/// the body's length.
#[cfg_attr(not(feature = "http"), allow(dead_code))] // the `http` crate views
pub(crate) fn check_length(content_length: Option<(u64, usize)>, body: &[u8], end: usize) -> Result<(), DecodeError> {
    match content_length {
        Some((n, _)) if n != body.len() as u64 => Err(DecodeError::invalid(InvalidKind::ContentLengthMismatch, end)),
        _ => Ok(()),
    }
}
