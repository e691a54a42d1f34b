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
use super::values::{FieldValue, HeaderName, Version};
use crate::error::{DecodeError, InvalidKind, InvalidMessage};
use crate::options::DecodeOptions;

pub(crate) fn version_of(v: http::Version) -> Option<Version> {
    match v {
        http::Version::HTTP_11 => Some(Version::Http11),
        http::Version::HTTP_10 => Some(Version::Http10),
        _ => None,
    }
}

pub(crate) fn to_http_version(v: Version) -> http::Version {
    match v {
        Version::Http10 => http::Version::HTTP_10,
        Version::Http11 => http::Version::HTTP_11,
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
        headers.push(HeaderName::unvalidated(name.as_str()), FieldValue::unvalidated(value));
    }
    Ok((headers, content_length))
}
