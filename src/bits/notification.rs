//! The back-end notification exchange ([MC-BUP] §2.2.12–§2.2.13, §3.4; Learn "Notification
//! Protocol for Server Applications"): after the last fragment, the BITS server `POST`s the
//! upload to the server application and relays its reply. Plain HTTP with BITS headers; not
//! between client and server.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use crate::http1::names::KnownHeader;
use alloc::borrow::Cow;

use bytes::BufMut;

use super::fields::{NotificationFields, NotificationRole};
use crate::codec::{Decode, Encode};
use crate::error::{DecodeError, InvalidKind, InvalidMessage, ValidationError};
use crate::http1::head::{FieldLine, FieldSink, StartLine as RawStart};
use crate::http1::values::{FieldValue, HttpVersion, ReasonPhrase, RequestMethod, RequestTarget, Status};
use crate::http1::{Headers, Message, StartLine};
use crate::options::DecodeOptions;

struct NotificationSink<'a> {
    fields: NotificationFields<'a>,
    request: bool,
}

impl<'a> FieldSink<'a> for NotificationSink<'a> {
    fn start(&mut self, start: &RawStart<'a>, _: &DecodeOptions) -> Result<(), InvalidMessage> {
        match (self.request, start) {
            // "the server … sends an HTTP POST request" ([MC-BUP] §3.4.5.2).
            (true, RawStart::Request { method, .. }) if *method == b"POST" => Ok(()),
            (true, _) => Err(InvalidMessage { kind: InvalidKind::Method, offset: 0 }),
            (false, RawStart::Status { .. }) => Ok(()),
            (false, _) => Err(InvalidMessage { kind: InvalidKind::StatusLine, offset: 0 }),
        }
    }
    fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        self.fields.field(line, opts)
    }
}

/// The notification request: `POST` to the server application with
/// `BITS-Original-Request-URL`, and either the two data-file names (by reference) or the
/// upload as the body (by value).
///
/// [MC-BUP] §2.2.12.2 names the file headers `BITS-Request-DataEntity-Name`; its own §3.4.5.2,
/// the Learn page and the real capture use `BITS-Request-DataFile-Name`, which is what this
/// type reads and writes: a peer built from either source interoperates with the real server.
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRequest<'a> {
    message: Message<'a>,
    original_request_url: FieldValue<'a>,
    request_data_file: Option<FieldValue<'a>>,
    response_data_file: Option<FieldValue<'a>>,
}

impl<'a> NotificationRequest<'a> {
    /// `BITS-Original-Request-URL`: the upload's destination URL.
    pub fn original_request_url(&self) -> &FieldValue<'a> {
        &self.original_request_url
    }
    /// `BITS-Request-DataFile-Name`: where the upload is (by reference).
    pub fn request_data_file(&self) -> Option<&FieldValue<'a>> {
        self.request_data_file.as_ref()
    }
    /// `BITS-Response-DataFile-Name`: where the application writes its reply (by reference).
    pub fn response_data_file(&self) -> Option<&FieldValue<'a>> {
        self.response_data_file.as_ref()
    }
    /// `true` when the upload is passed by file name rather than in the body.
    pub fn is_by_reference(&self) -> bool {
        self.request_data_file.is_some()
    }
    /// The underlying message (headers in wire order, body: the upload when by value).
    pub fn message(&self) -> &Message<'a> {
        &self.message
    }

    /// A by-reference notification (`Content-Length: 0`).
    pub fn by_reference(
        target: RequestTarget<'a>,
        original_request_url: FieldValue<'a>,
        request_data_file: FieldValue<'a>,
        response_data_file: FieldValue<'a>,
    ) -> Self {
        let mut headers = Headers::new();
        headers.set_known(KnownHeader::BitsOriginalRequestUrl, original_request_url.clone());
        headers.set_known(KnownHeader::BitsRequestDataFileName, request_data_file.clone());
        headers.set_known(KnownHeader::BitsResponseDataFileName, response_data_file.clone());
        headers.set_known(KnownHeader::ContentLength, FieldValue::from_static("0"));
        Self {
            message: post(target, headers, Cow::Borrowed(&[])),
            original_request_url,
            request_data_file: Some(request_data_file),
            response_data_file: Some(response_data_file),
        }
    }

    /// A by-value notification: the upload is the body.
    pub fn by_value(
        target: RequestTarget<'a>,
        original_request_url: FieldValue<'a>,
        upload: impl Into<Cow<'a, [u8]>>,
    ) -> Self {
        let upload = upload.into();
        let mut headers = Headers::new();
        headers.set_known(KnownHeader::BitsOriginalRequestUrl, original_request_url.clone());
        headers.set_known(KnownHeader::ContentLength, super::request::decimal_value(upload.len() as u64));
        Self {
            message: post(target, headers, upload),
            original_request_url,
            request_data_file: None,
            response_data_file: None,
        }
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> NotificationRequest<'static> {
        NotificationRequest {
            message: self.message.into_owned(),
            original_request_url: self.original_request_url.into_owned(),
            request_data_file: self.request_data_file.map(FieldValue::into_owned),
            response_data_file: self.response_data_file.map(FieldValue::into_owned),
        }
    }
}

fn post<'a>(target: RequestTarget<'a>, headers: Headers<'a>, body: Cow<'a, [u8]>) -> Message<'a> {
    let start = StartLine::Request { method: RequestMethod::unvalidated("POST"), target, version: HttpVersion::Http11 };
    // The headers above carry a matching Content-Length and nothing else with framing meaning.
    Message::new(start.clone(), headers, body).unwrap_or_else(|_| unreachable_message(start))
}

#[cold]
fn unreachable_message(start: StartLine<'_>) -> Message<'_> {
    Message::new(start, Headers::new(), Cow::Borrowed(&[][..]))
        .unwrap_or_else(|_| unreachable!("empty message is valid"))
}

impl<'a> Decode<'a> for NotificationRequest<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let mut sink = NotificationSink { fields: NotificationFields::new(NotificationRole::Request), request: true };
        let (message, used, end_at) = Message::decode_inner(input, opts, &mut sink, false)?;
        let c = sink.fields;
        let url = c.original_request_url.ok_or(DecodeError::invalid(
            InvalidKind::MissingHeader(KnownHeader::BitsOriginalRequestUrl.as_str()),
            end_at,
        ))?;
        Ok((
            Self {
                message,
                original_request_url: url.value,
                request_data_file: c.request_data_file.map(|a| a.value),
                response_data_file: c.response_data_file.map(|a| a.value),
            },
            used,
        ))
    }
}

impl Encode for NotificationRequest<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        self.message.encode(out);
    }
    fn encoded_len(&self) -> usize {
        self.message.encoded_len()
    }
}

/// The server application's answer: a status, optionally `BITS-Static-Response-URL` and
/// `BITS-Copy-File-To-Destination`, and (by value) the reply as the body.
///
/// The real capture's response has no `Content-Length` and `Connection: close`, so its body
/// runs to the end of the connection: decode it with [`NotificationResponse::decode_at_eof`]
/// once the connection has closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationResponse<'a> {
    message: Message<'a>,
    static_response_url: Option<FieldValue<'a>>,
    copy_file_to_destination: bool,
}

impl<'a> NotificationResponse<'a> {
    fn decode_inner(input: &'a [u8], opts: &DecodeOptions, at_eof: bool) -> Result<(Self, usize), DecodeError> {
        let mut sink = NotificationSink { fields: NotificationFields::new(NotificationRole::Response), request: false };
        let (message, used, _) = Message::decode_inner(input, opts, &mut sink, at_eof)?;
        let c = sink.fields;
        Ok((
            Self {
                message,
                static_response_url: c.static_response_url.map(|a| a.value),
                copy_file_to_destination: c.copy_file_to_destination.is_some(),
            },
            used,
        ))
    }

    /// Decode a response whose input ends where the connection ended.
    pub fn decode_at_eof(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, true)
    }

    /// A response with `status`, `Content-Length` framing and `body` (empty when by reference).
    /// Fails with [`ValidationError::BodyLength`] for a body on a 1xx, 204 or 304 status, which
    /// cannot carry one.
    ///
    /// ```
    /// use bits_codec::bits::NotificationResponse;
    /// use bits_codec::http1::Status;
    /// assert!(NotificationResponse::new(Status::OK, &b"reply"[..]).is_ok());
    /// assert!(NotificationResponse::new(Status::new(204).unwrap(), &b"reply"[..]).is_err());
    /// ```
    pub fn new(status: Status, body: impl Into<Cow<'a, [u8]>>) -> Result<Self, ValidationError> {
        let body = body.into();
        let mut headers = Headers::new();
        headers.set_known(KnownHeader::ContentLength, super::request::decimal_value(body.len() as u64));
        let start = StartLine::Response {
            version: HttpVersion::Http11,
            status,
            reason: ReasonPhrase::unvalidated(status.canonical_reason().as_bytes()),
        };
        let message = Message::new(start, headers, body)?;
        Ok(Self { message, static_response_url: None, copy_file_to_destination: false })
    }

    /// Set `BITS-Static-Response-URL` (an absolute URL the client downloads the reply from).
    pub fn with_static_response_url(mut self, url: FieldValue<'a>) -> Result<Self, ValidationError> {
        self.message = self.message.with_canonical(KnownHeader::BitsStaticResponseUrl.as_str(), url.clone())?;
        self.static_response_url = Some(url);
        Ok(self)
    }

    /// Add `BITS-Copy-File-To-Destination` (asks the server to also store the upload).
    pub fn with_copy_file_to_destination(mut self) -> Result<Self, ValidationError> {
        self.message = self
            .message
            .with_canonical(KnownHeader::BitsCopyFileToDestination.as_str(), FieldValue::from_static("1"))?;
        self.copy_file_to_destination = true;
        Ok(self)
    }

    /// The status code.
    pub fn status(&self) -> Status {
        match self.message.start_line() {
            StartLine::Response { status, .. } => *status,
            StartLine::Request { .. } => Status::OK,
        }
    }
    /// `BITS-Static-Response-URL`.
    pub fn static_response_url(&self) -> Option<&FieldValue<'a>> {
        self.static_response_url.as_ref()
    }
    /// Whether `BITS-Copy-File-To-Destination` is present (its value has no meaning).
    pub fn copy_file_to_destination(&self) -> bool {
        self.copy_file_to_destination
    }
    /// The underlying message.
    pub fn message(&self) -> &Message<'a> {
        &self.message
    }
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> NotificationResponse<'static> {
        NotificationResponse {
            message: self.message.into_owned(),
            static_response_url: self.static_response_url.map(FieldValue::into_owned),
            copy_file_to_destination: self.copy_file_to_destination,
        }
    }
}

impl<'a> Decode<'a> for NotificationResponse<'a> {
    /// A response without `Content-Length` is incomplete until the connection closes: use
    /// [`NotificationResponse::decode_at_eof`] then.
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        Self::decode_inner(input, opts, false)
    }
}

impl Encode for NotificationResponse<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        self.message.encode(out);
    }
    fn encoded_len(&self) -> usize {
        self.message.encoded_len()
    }
}
