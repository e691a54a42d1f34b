//! Interop with the `http` crate, for every protocol on this layer: versions, and feeding an
//! `http::HeaderMap` through the same field checks and collectors as bytes (a server on hyper
//! or axum holds `http::request::Parts`, not bytes). The protocol views built on it live with
//! their protocols (`bits::interop`, `graph::interop`).
//!
//! Offsets in errors from a `HeaderMap` are the index of the offending field in the map's
//! iteration order (there are no bytes to point into).

use super::head::{FieldLine, FieldSink, framing_field};
use super::headers::Headers;
use super::names::KnownHeader;
use super::syntax::{is_field_value, trim_ows};
use super::values::{FieldName, FieldValue, HttpVersion, Status};
use crate::error::{DecodeError, InvalidKind, InvalidMessage, ValidationError};
use crate::options::DecodeOptions;

pub(crate) fn version_of(v: http::Version) -> Option<HttpVersion> {
    match v {
        http::Version::HTTP_11 => Some(HttpVersion::Http11),
        http::Version::HTTP_10 => Some(HttpVersion::Http10),
        _ => None,
    }
}

pub(crate) fn to_http_version(v: HttpVersion) -> http::Version {
    match v {
        HttpVersion::Http10 => http::Version::HTTP_10,
        HttpVersion::Http11 => http::Version::HTTP_11,
    }
}

pub(crate) fn invalid(kind: InvalidKind, offset: usize) -> InvalidMessage {
    InvalidMessage { kind, offset }
}

pub(crate) fn decode_error(e: DecodeError) -> InvalidMessage {
    match e {
        DecodeError::Invalid(m) => m,
        // A HeaderMap is always complete; the head functions only report incompleteness for
        // bytes, never for fields.
        DecodeError::Incomplete { .. } => invalid(InvalidKind::RequestLine, 0),
    }
}

/// Feed every field of `map` through the framing checks and `sink`, as the byte decoder does,
/// and return the header list and `Content-Length`.
pub(crate) fn feed<'a>(
    map: &'a http::HeaderMap,
    opts: &DecodeOptions,
    sink: &mut impl FieldSink<'a>,
) -> Result<(Headers<'a>, Option<(u64, usize)>), InvalidMessage> {
    let mut headers = Headers::new();
    let mut content_length = None;
    for (i, (name, value)) in map.iter().enumerate() {
        if i >= opts.max_headers {
            return Err(invalid(InvalidKind::TooManyHeaders, i));
        }
        let value = trim_ows(value.as_bytes());
        if !is_field_value(value) {
            return Err(invalid(InvalidKind::ControlByte, i));
        }
        if value.len() > opts.max_value_len {
            return Err(invalid(InvalidKind::HeaderValueTooLong, i));
        }
        let known = KnownHeader::find(name.as_str().as_bytes());
        framing_field(known, value, i, i, &mut content_length, opts).map_err(decode_error)?;
        sink.field(&FieldLine { name: name.as_str().as_bytes(), value, name_at: i, value_at: i, known }, opts)?;
        headers.push(FieldName::unvalidated(name.as_str()), FieldValue::unvalidated(value));
    }
    Ok((headers, content_length))
}

/// Every [`Status`] is a valid `http::StatusCode` (both are 100 to 999).
impl From<Status> for http::StatusCode {
    fn from(s: Status) -> Self {
        // Cannot fail: `Status` holds 100..=999, the range `from_u16` accepts.
        http::StatusCode::from_u16(s.as_u16()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Every `http::StatusCode` is a valid [`Status`].
impl From<http::StatusCode> for Status {
    fn from(s: http::StatusCode) -> Self {
        Status::unvalidated(s.as_u16())
    }
}

impl From<HttpVersion> for http::Version {
    fn from(v: HttpVersion) -> Self {
        to_http_version(v)
    }
}

/// HTTP/1.0 and HTTP/1.1 only: this codec speaks HTTP/1.x.
impl TryFrom<http::Version> for HttpVersion {
    type Error = ValidationError;
    fn try_from(v: http::Version) -> Result<Self, ValidationError> {
        version_of(v).ok_or(ValidationError::HttpVersion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_converts_both_ways_for_every_code() {
        for code in 100..=999u16 {
            let ours = Status::new(code).unwrap();
            let theirs = http::StatusCode::from(ours);
            assert_eq!(theirs.as_u16(), code);
            assert_eq!(Status::from(theirs), ours);
        }
    }

    #[test]
    fn only_http1_versions_convert() {
        assert_eq!(HttpVersion::try_from(http::Version::HTTP_11), Ok(HttpVersion::Http11));
        assert_eq!(HttpVersion::try_from(http::Version::HTTP_10), Ok(HttpVersion::Http10));
        assert_eq!(HttpVersion::try_from(http::Version::HTTP_2), Err(ValidationError::HttpVersion));
        assert_eq!(http::Version::from(HttpVersion::Http11), http::Version::HTTP_11);
    }
}
