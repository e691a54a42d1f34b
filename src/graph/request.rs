//! Graph requests: `createUploadSession`, fragments, status, cancel, deferred commit.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use bytes::BufMut;

use super::create::CreateSessionBody;
use super::fields::{GraphSink, Side, add_extra, set_host, set_managed};
use super::json;
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, InvalidKind, ValidationError};
use crate::http1::content_range::ContentRange;
use crate::http1::encode::{request_head, request_head_len};
use crate::http1::head::{self, Direction, Framing, StartLine};
use crate::http1::headers::Headers;
use crate::http1::syntax::{decimal_len, put_decimal};
use crate::http1::values::{FieldName, FieldValue, HttpVersion, RequestMethod, RequestTarget};
use crate::options::DecodeOptions;

/// What a Graph request does, decided from the method, the target and the headers:
///
/// | operation | rule |
/// |---|---|
/// | [`CreateUploadSession`](Self::CreateUploadSession) | `POST` to a path whose last segment is `createUploadSession` (or `….createUploadSession`) |
/// | [`UploadFragment`](Self::UploadFragment) | `PUT` with `Content-Range` |
/// | [`SessionStatus`](Self::SessionStatus) | `GET` |
/// | [`CancelSession`](Self::CancelSession) | `DELETE` |
/// | [`Commit`](Self::Commit) | any other `POST` without a body (the deferred commit of the "driveItem: createUploadSession" page, "Completing a file") |
/// | [`Other`](Self::Other) | anything else (the explicit-commit `PUT` with a driveItem body on that page, …) |
///
/// The `uploadUrl` is opaque, so `GET` and `DELETE` are classified by method alone: a caller
/// that decodes with [`Request`] says it speaks Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST …/createUploadSession`.
    CreateUploadSession,
    /// `PUT {uploadUrl}` with a byte range.
    UploadFragment,
    /// `GET {uploadUrl}`.
    SessionStatus,
    /// `DELETE {uploadUrl}`.
    CancelSession,
    /// `POST {uploadUrl}` with an empty body.
    Commit,
    /// Anything else.
    Other,
}

impl Operation {
    /// The kebab-case name (`"create-upload-session"`, `"upload-fragment"`, `"session-status"`,
    /// `"cancel-session"`, `"commit"`, `"other"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CreateUploadSession => "create-upload-session",
            Self::UploadFragment => "upload-fragment",
            Self::SessionStatus => "session-status",
            Self::CancelSession => "cancel-session",
            Self::Commit => "commit",
            Self::Other => "other",
        }
    }
}

/// `true` if the path of `target` (before `?`) ends in the segment `createUploadSession`
/// (ASCII case-insensitive), also in its qualified form `microsoft.graph.createUploadSession`.
pub fn is_create_upload_session_target(target: &str) -> bool {
    names_create_upload_session(target.as_bytes())
}

/// [`is_create_upload_session_target`] on bytes (a decoded target is kept as bytes).
fn names_create_upload_session(target: &[u8]) -> bool {
    const NAME: &[u8] = b"createUploadSession";
    let path = target.split(|&b| b == b'?' || b == b'#').next().unwrap_or_default();
    let last = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    last.len() >= NAME.len()
        && last[last.len() - NAME.len()..].eq_ignore_ascii_case(NAME)
        && (last.len() == NAME.len() || last[last.len() - NAME.len() - 1] == b'.')
}

fn classify(method: &[u8], target: &[u8], has_range: bool, content_length: Option<u64>) -> Operation {
    match method {
        b"POST" if names_create_upload_session(target) => Operation::CreateUploadSession,
        b"PUT" if has_range => Operation::UploadFragment,
        b"GET" => Operation::SessionStatus,
        b"DELETE" => Operation::CancelSession,
        b"POST" if content_length.unwrap_or(0) == 0 => Operation::Commit,
        _ => Operation::Other,
    }
}

/// Managed headers of each operation, in the order built messages write them: the order of the
/// "driveItem: createUploadSession" page's examples (`Content-Type, Content-Length` on the
/// create request; `Content-Length, Content-Range` on a fragment, then `Content-Type`, which
/// Outlook's page requires).
fn managed(op: Operation) -> &'static [&'static str] {
    match op {
        Operation::CreateUploadSession => &["Content-Type", "Content-Length"],
        Operation::UploadFragment => &["Content-Length", "Content-Range", "Content-Type"],
        _ => &["Content-Type", "Content-Range", "Content-Length"],
    }
}

/// A Graph request: any message of the upload flow a client sends.
///
/// Invariants (held by decoding and by every constructor): the [`operation`](Self::operation)
/// is the one [`Operation`]'s rules give for the method, target and headers; an upload
/// fragment has a `Content-Range` whose length equals `Content-Length` and the body; status
/// and cancel requests have no body; a `createUploadSession` body, if any, is valid JSON of one
/// of the variants. Every header is kept in wire order.
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::graph::{Operation, Request};
/// use bits_codec::http1::ContentRange;
///
/// let wire = b"PUT https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337 HTTP/1.1\r\n\
///              Host: sn3302.up.1drv.com\r\nContent-Length: 26\r\nContent-Range: bytes 0-25/128\r\n\r\n\
///              abcdefghijklmnopqrstuvwxyz";
/// let (req, used) = Request::decode(wire).unwrap();
/// assert_eq!(used, wire.len());
/// assert_eq!(req.operation(), Operation::UploadFragment);
/// assert_eq!(req.content_range(), Some(ContentRange::new(0, 25, 128).unwrap()));
/// assert_eq!(req.body(), b"abcdefghijklmnopqrstuvwxyz");
/// assert_eq!(req.to_vec(), wire);
/// assert!(Request::decode(&wire[..wire.len() - 1]).unwrap_err().is_incomplete());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    method: RequestMethod<'a>,
    target: RequestTarget<'a>,
    version: HttpVersion,
    operation: Operation,
    host: Option<FieldValue<'a>>,
    content_range: Option<ContentRange>,
    content_type: Option<FieldValue<'a>>,
    content_length: Option<u64>,
    create_body: Option<CreateSessionBody<'a>>,
    headers: Headers<'a>,
    body: Cow<'a, [u8]>,
}

/// A request head that passed every check; the body is all that is missing.
pub(crate) struct Checked<'a> {
    method: RequestMethod<'a>,
    target: RequestTarget<'a>,
    version: HttpVersion,
    operation: Operation,
    sink: GraphSink<'a>,
    content_length: Option<u64>,
    headers: Headers<'a>,
}

impl<'a> Checked<'a> {
    /// The checks every Graph request passes, whatever it was read from.
    pub(crate) fn new(
        method: RequestMethod<'a>,
        target: RequestTarget<'a>,
        version: HttpVersion,
        sink: GraphSink<'a>,
        headers: Headers<'a>,
        content_length: Option<(u64, usize)>,
        end_at: usize,
    ) -> Result<Self, DecodeError> {
        let cl = content_length.map(|(n, _)| n);
        let operation = classify(method.as_bytes(), target.as_bytes(), sink.content_range.is_some(), cl);
        match operation {
            Operation::UploadFragment => {
                // The fragment's `Content-Length` is the range's length: RFC 9110 §14.4 makes
                // `Content-Range` name the bytes the content carries, and the "driveItem:
                // createUploadSession" page's own wrong example (21 for 27 bytes) is refused.
                let (n, cl_at) =
                    content_length.ok_or(DecodeError::invalid(InvalidKind::MissingHeader("Content-Length"), end_at))?;
                let range = sink.content_range;
                if range.is_some_and(|r| r.len() != n) {
                    return Err(DecodeError::invalid(InvalidKind::ContentLengthMismatch, cl_at));
                }
            }
            Operation::SessionStatus | Operation::CancelSession => {
                if let Some((_, cl_at)) = content_length.filter(|&(n, _)| n != 0) {
                    return Err(DecodeError::invalid(InvalidKind::BodyNotAllowed, cl_at));
                }
            }
            _ => {}
        }
        Ok(Self { method, target, version, operation, sink, content_length: cl, headers })
    }

    pub(crate) fn body_len(&self) -> u64 {
        self.content_length.unwrap_or(0)
    }

    /// Add the body (`body_at`: its offset in the input, for JSON error offsets).
    pub(crate) fn finish(self, body: &'a [u8], body_at: usize) -> Result<Request<'a>, DecodeError> {
        let create_body = match self.operation {
            Operation::CreateUploadSession if !body.is_empty() => {
                let (b, _) = CreateSessionBody::decode(body).map_err(|e| json::in_message(e, body_at, body.len()))?;
                Some(b)
            }
            _ => None,
        };
        let fragment = self.operation == Operation::UploadFragment;
        Ok(Request {
            method: self.method,
            target: self.target,
            version: self.version,
            operation: self.operation,
            host: self.sink.host,
            content_range: self.sink.content_range.filter(|_| fragment),
            content_type: self.sink.content_type,
            content_length: self.content_length,
            create_body,
            headers: self.headers,
            body: Cow::Borrowed(body),
        })
    }
}

/// Decodes one request from the front of the input; `Ok((request, consumed))`. A head that
/// cannot become valid is an error as soon as it is complete (before the body arrives); a
/// JSON body is read once it is complete, and its failures are
/// [`InvalidKind::Json`](crate::InvalidKind::Json) at offsets counted from the request's first
/// byte.
impl<'a> Decode<'a> for Request<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let mut sink = GraphSink::new(Side::Request);
        let h = head::head(input, Direction::Request, opts, &mut sink)?;
        let StartLine::Request { method, target, version } = h.start else {
            return Err(DecodeError::invalid(InvalidKind::RequestLine, 0));
        };
        let headers = Headers::from_wire(h.block, h.count);
        let cl_at = h.content_length.map_or(h.end_at, |(_, at)| at);
        let checked = Checked::new(
            RequestMethod::unvalidated_bytes(method),
            RequestTarget::unvalidated_bytes(target),
            version,
            sink,
            headers,
            h.content_length,
            h.end_at,
        )?;
        let (body, used) = head::body(input, h.len, Framing::Length(checked.body_len()), false, opts, cl_at)?;
        Ok((checked.finish(body, h.len)?, used))
    }
}

impl<'a> Request<'a> {
    fn build(method: &'static str, target: RequestTarget<'a>, operation: Operation) -> Self {
        Self {
            method: RequestMethod::unvalidated(method),
            target,
            version: HttpVersion::Http11,
            operation,
            host: None,
            content_range: None,
            content_type: None,
            content_length: None,
            create_body: None,
            headers: Headers::new(),
            body: Cow::Borrowed(&[]),
        }
    }

    fn set(&mut self, name: &'static str, value: FieldValue<'a>) {
        set_managed(&mut self.headers, managed(self.operation), name, value);
    }

    fn set_length(&mut self, n: u64) {
        self.set("Content-Length", decimal(n));
        self.content_length = Some(n);
    }

    /// `POST {target}` with a `createUploadSession` body (`Content-Type: application/json`),
    /// or with none (`Content-Length: 0`; the driveItem body is optional). `target` must name
    /// `createUploadSession` ([`is_create_upload_session_target`]).
    ///
    /// Send `Authorization: Bearer …` with it ([`with_header`](Self::with_header)): this is the
    /// one request of the flow that goes to Graph itself.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::{ConflictBehavior, CreateSessionBody, DriveItemSessionRequest, DriveItemUploadableProperties, Request};
    /// use bits_codec::http1::{FieldValue, FieldName, RequestTarget};
    /// let body = CreateSessionBody::DriveItem(DriveItemSessionRequest::new().with_item(
    ///     DriveItemUploadableProperties::new().with_conflict_behavior(ConflictBehavior::Rename),
    /// ));
    /// let target = RequestTarget::new("/v1.0/me/drive/root:/big.bin:/createUploadSession").unwrap();
    /// let req = Request::create_upload_session(target, Some(body)).unwrap()
    ///     .with_host(FieldValue::new("graph.microsoft.com").unwrap())
    ///     .with_header(FieldName::new("Authorization").unwrap(), FieldValue::new("Bearer t").unwrap())
    ///     .unwrap();
    /// assert!(req.to_vec().starts_with(b"POST /v1.0/me/drive/root:/big.bin:/createUploadSession HTTP/1.1\r\n\
    ///     Host: graph.microsoft.com\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 55\r\n\r\n"));
    /// // Not a createUploadSession target:
    /// assert!(Request::create_upload_session(RequestTarget::new("/up/x").unwrap(), None).is_err());
    /// ```
    pub fn create_upload_session(
        target: RequestTarget<'a>,
        body: Option<CreateSessionBody<'a>>,
    ) -> Result<Self, ValidationError> {
        if !is_create_upload_session_target(target.as_str()) {
            return Err(ValidationError::RequestTarget);
        }
        let mut r = Self::build("POST", target, Operation::CreateUploadSession);
        if let Some(b) = body {
            let json = b.to_vec();
            r.set("Content-Type", FieldValue::from_static("application/json"));
            r.content_type = Some(FieldValue::from_static("application/json"));
            r.set_length(json.len() as u64);
            r.body = Cow::Owned(json);
            r.create_body = Some(b);
        } else {
            r.set_length(0);
        }
        Ok(r)
    }

    /// `PUT {uploadUrl}` carrying `body` as the bytes `range` names, with `Content-Length`,
    /// `Content-Range: bytes first-last/total` and `Content-Type: application/octet-stream`
    /// (Outlook and To Do require it: the "attachment: createUploadSession" and
    /// "taskFileAttachment: createUploadSession" pages send it on every fragment; harmless
    /// elsewhere).
    /// Fails if the body's
    /// length is not the range's. Do not add `Authorization` (except for To Do): the URL is
    /// pre-authenticated and a token can earn a 401.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Request;
    /// use bits_codec::http1::{ContentRange, FieldValue, RequestTarget};
    /// let url = RequestTarget::new("/up/fe6987415ace7X4e1eF866337").unwrap();
    /// let range = ContentRange::new(0, 9, 10).unwrap();
    /// let put = Request::upload_fragment(url.clone(), range, &b"0123456789"[..]).unwrap()
    ///     .with_host(FieldValue::new("sn3302.up.1drv.com").unwrap());
    /// assert_eq!(put.to_vec(), &b"PUT /up/fe6987415ace7X4e1eF866337 HTTP/1.1\r\nHost: sn3302.up.1drv.com\r\n\
    ///     Content-Length: 10\r\nContent-Range: bytes 0-9/10\r\nContent-Type: application/octet-stream\r\n\r\n0123456789"[..]);
    /// assert!(Request::upload_fragment(url, range, &b"012345678"[..]).is_err());
    /// ```
    pub fn upload_fragment(
        upload_url: RequestTarget<'a>,
        range: ContentRange,
        body: impl Into<Cow<'a, [u8]>>,
    ) -> Result<Self, ValidationError> {
        let body = body.into();
        if body.len() as u64 != range.len() {
            return Err(ValidationError::BodyLength);
        }
        let mut r = Self::upload_fragment_head(upload_url, range).request;
        r.body = body;
        Ok(r)
    }

    /// The head of `PUT {uploadUrl}` for `range`, without the range's bytes: write exactly
    /// `range.len()` bytes after it as they are read, so a fragment (up to 60 MiB for a
    /// driveItem) never has to be held whole. It is the head [`upload_fragment`](Self::upload_fragment)
    /// gives with the bytes.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Request;
    /// use bits_codec::http1::{ContentRange, RequestTarget};
    /// let url = RequestTarget::new("/up/fe6987415ace7X4e1eF866337").unwrap();
    /// let range = ContentRange::new(0, 9, 10).unwrap();
    /// let head = Request::upload_fragment_head(url.clone(), range);
    /// let whole = Request::upload_fragment(url, range, &b"0123456789"[..]).unwrap();
    /// let mut wire = head.to_vec();
    /// wire.extend_from_slice(b"0123456789");
    /// assert_eq!(wire, whole.to_vec());
    /// ```
    pub fn upload_fragment_head(upload_url: RequestTarget<'a>, range: ContentRange) -> UploadFragmentHead<'a> {
        let mut r = Self::build("PUT", upload_url, Operation::UploadFragment);
        r.set_length(range.len());
        let mut v = Vec::with_capacity(range.encoded_len());
        range.encode(&mut v);
        r.set("Content-Range", FieldValue::from_vec(v).unwrap_or_else(|_| FieldValue::from_static("")));
        r.set("Content-Type", FieldValue::from_static("application/octet-stream"));
        r.content_type = Some(FieldValue::from_static("application/octet-stream"));
        r.content_range = Some(range);
        UploadFragmentHead { request: r, range }
    }

    /// `GET {uploadUrl}`: the session's status (no body, no `Authorization`).
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Request;
    /// use bits_codec::http1::RequestTarget;
    /// let get = Request::session_status(RequestTarget::new("https://sn3302.up.1drv.com/up/fe69").unwrap());
    /// assert_eq!(get.to_vec(), b"GET https://sn3302.up.1drv.com/up/fe69 HTTP/1.1\r\n\r\n");
    /// assert!(RequestTarget::new("https://h/up/a b").is_err()); // not a valid target
    /// ```
    pub fn session_status(upload_url: RequestTarget<'a>) -> Self {
        Self::build("GET", upload_url, Operation::SessionStatus)
    }

    /// `DELETE {uploadUrl}`: cancel the session (the answer is `204 No Content`).
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Request;
    /// use bits_codec::http1::RequestTarget;
    /// let t = RequestTarget::new("/print/printers/{id}/jobs/{id}/documents/{id}/uploadSession").unwrap();
    /// assert!(Request::cancel_session(t).to_vec().starts_with(b"DELETE /print/"));
    /// assert!(RequestTarget::new("").is_err());
    /// ```
    pub fn cancel_session(upload_url: RequestTarget<'a>) -> Self {
        Self::build("DELETE", upload_url, Operation::CancelSession)
    }

    /// `POST {uploadUrl}` with `Content-Length: 0`: complete a `deferCommit` upload (OneDrive for
    /// Business and SharePoint). Fails if `upload_url` names `createUploadSession`.
    ///
    /// ```
    /// use bits_codec::Encode;
    /// use bits_codec::graph::Request;
    /// use bits_codec::http1::RequestTarget;
    /// let post = Request::commit(RequestTarget::new("https://sn3302.up.1drv.com/up/fe69").unwrap()).unwrap();
    /// assert_eq!(post.to_vec(), b"POST https://sn3302.up.1drv.com/up/fe69 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    /// assert!(Request::commit(RequestTarget::new("/me/drive/root:/f:/createUploadSession").unwrap()).is_err());
    /// ```
    pub fn commit(upload_url: RequestTarget<'a>) -> Result<Self, ValidationError> {
        if is_create_upload_session_target(upload_url.as_str()) {
            return Err(ValidationError::RequestTarget);
        }
        let mut r = Self::build("POST", upload_url, Operation::Commit);
        r.set_length(0);
        Ok(r)
    }

    /// Set `Host` (first header).
    pub fn with_host(mut self, host: FieldValue<'a>) -> Self {
        set_host(&mut self.headers, host.clone());
        self.host = Some(host);
        self
    }

    /// Add a header this crate does not manage (`Authorization`, `User-Agent`, …), after `Host`
    /// and before the managed ones. Refused: `Host`, `Content-Length`, `Content-Range`,
    /// `Content-Type`, `Transfer-Encoding` and the response headers `Location`, `Retry-After`
    /// (use the typed setters), and anything past the default header limits.
    pub fn with_header(mut self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<Self, ValidationError> {
        let head_len = self.encoded_len() - self.body.len();
        add_extra(&mut self.headers, managed(self.operation), name, value, head_len)?;
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> &RequestMethod<'a> {
        &self.method
    }
    /// The request target: the `uploadUrl` (usually absolute-form) or the Graph path.
    pub fn target(&self) -> &RequestTarget<'a> {
        &self.target
    }
    /// The HTTP version.
    pub fn version(&self) -> HttpVersion {
        self.version
    }
    /// What the request does.
    pub fn operation(&self) -> Operation {
        self.operation
    }
    /// `Host`.
    pub fn host(&self) -> Option<&FieldValue<'a>> {
        self.host.as_ref()
    }
    /// `Content-Range` of an upload fragment (`None` on every other operation).
    pub fn content_range(&self) -> Option<ContentRange> {
        self.content_range
    }
    /// `Content-Type`, as sent.
    pub fn content_type(&self) -> Option<&FieldValue<'a>> {
        self.content_type.as_ref()
    }
    /// `Content-Length`, if present.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }
    /// The typed `createUploadSession` body (`None` for other operations and for an empty body).
    pub fn create_session_body(&self) -> Option<&CreateSessionBody<'a>> {
        self.create_body.as_ref()
    }
    /// Every header in wire order.
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }
    /// The body (the fragment's bytes; the JSON of a create request).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Write the head only (then the body, e.g. with vectored I/O).
    pub fn encode_head<B: BufMut>(&self, out: &mut B) {
        request_head(out, self.method.as_bytes(), self.target.as_bytes(), self.version, &self.headers);
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Request<'static> {
        Request {
            method: self.method.into_owned(),
            target: self.target.into_owned(),
            version: self.version,
            operation: self.operation,
            host: self.host.map(FieldValue::into_owned),
            content_range: self.content_range,
            content_type: self.content_type.map(FieldValue::into_owned),
            content_length: self.content_length,
            create_body: self.create_body.map(CreateSessionBody::into_owned),
            headers: self.headers.into_owned(),
            body: Cow::Owned(self.body.into_owned()),
        }
    }
}

pub(crate) fn decimal(n: u64) -> FieldValue<'static> {
    let mut v = Vec::with_capacity(decimal_len(n));
    put_decimal(&mut v, n);
    FieldValue::from_vec(v).unwrap_or_else(|_| FieldValue::from_static("0"))
}

impl Encode for Request<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        self.encode_head(out);
        out.put_slice(&self.body);
    }
    fn encoded_len(&self) -> usize {
        request_head_len(self.method.as_bytes(), self.target.as_bytes(), &self.headers) + self.body.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_targets() {
        for t in [
            "/me/drive/items/{itemID}:/{item-path}:/createUploadSession",
            "https://graph.microsoft.com/v1.0/me/messages/AAMkADI5MAAIT3drCAAA=/attachments/createUploadSession",
            "/me/messages/1/attachments/microsoft.graph.createUploadSession",
            "/x/createuploadsession?a=b",
        ] {
            assert!(is_create_upload_session_target(t), "{t}");
        }
        for t in [
            "/up/x",
            "/createUploadSessions",
            "/xcreateUploadSession",
            "/createUploadSession/x",
            "/a?b=/createUploadSession",
        ] {
            assert!(!is_create_upload_session_target(t), "{t}");
        }
    }
}

/// The head of a fragment `PUT` without its bytes ([`Request::upload_fragment_head`]): it
/// encodes the head alone, and the caller writes the range's bytes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFragmentHead<'a> {
    request: Request<'a>,
    range: ContentRange,
}

impl<'a> UploadFragmentHead<'a> {
    /// Set `Host`, as [`Request::with_host`].
    pub fn with_host(self, host: FieldValue<'a>) -> Self {
        Self { request: self.request.with_host(host), range: self.range }
    }

    /// Add a header this crate does not manage, as [`Request::with_header`].
    pub fn with_header(self, name: FieldName<'a>, value: FieldValue<'a>) -> Result<Self, ValidationError> {
        let range = self.range;
        self.request.with_header(name, value).map(|request| Self { request, range })
    }

    /// The range whose bytes follow the head.
    pub fn content_range(&self) -> ContentRange {
        self.range
    }
}

impl Encode for UploadFragmentHead<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        self.request.encode_head(out);
    }
    fn encoded_len(&self) -> usize {
        // The request holds no body: its length is the head's.
        self.request.encoded_len()
    }
}
