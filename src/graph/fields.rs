//! The Graph header collector (the counterpart of the BITS one): types the few headers the
//! Graph flow gives a meaning to as the head is parsed, with the single-value rules, for bytes
//! and for `http::HeaderMap` alike. And the placement rules of built messages.

use super::retry_after::RetryAfter;
use crate::error::ValidationError;
use crate::error::{InvalidKind, InvalidMessage};
use crate::http1::content_range::ContentRange;
use crate::http1::head::{FieldLine, FieldSink, StartLine, set_once};
use crate::http1::headers::Headers;
use crate::http1::values::{FieldName, FieldValue, HttpVersion};
use crate::limits::{MAX_HEAD_LEN, MAX_HEADERS};
use crate::options::DecodeOptions;

/// Which message the collector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Request,
    Response,
}

#[derive(Debug, Clone)]
pub(crate) struct GraphSink<'a> {
    side: Side,
    pub(crate) host: Option<FieldValue<'a>>,
    pub(crate) content_range: Option<ContentRange>,
    pub(crate) content_type: Option<FieldValue<'a>>,
    pub(crate) location: Option<FieldValue<'a>>,
    pub(crate) retry_after: Option<RetryAfter<'a>>,
}

fn invalid(kind: InvalidKind, offset: usize) -> InvalidMessage {
    InvalidMessage { kind, offset }
}

impl<'a> GraphSink<'a> {
    pub(crate) fn new(side: Side) -> Self {
        Self { side, host: None, content_range: None, content_type: None, location: None, retry_after: None }
    }
}

impl<'a> FieldSink<'a> for GraphSink<'a> {
    fn start(&mut self, start: &StartLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        let (version, at) = match start {
            StartLine::Request { method, target, version } => (*version, method.len() + 1 + target.len() + 1),
            StartLine::Status { version, .. } => (*version, 0),
        };
        // Graph speaks HTTP/1.1 (or 2, which has no bytes here); 1.0 only when allowed.
        if version != HttpVersion::Http11 && !opts.allow_http10 {
            return Err(invalid(InvalidKind::HttpVersion, at));
        }
        Ok(())
    }

    fn field(&mut self, line: &FieldLine<'a>, opts: &DecodeOptions) -> Result<(), InvalidMessage> {
        let is = |n: &str| line.name.eq_ignore_ascii_case(n.as_bytes());
        let text = || FieldValue::unvalidated(line.value);
        match self.side {
            Side::Request if is("Host") => set_once(&mut self.host, text(), "Host", line, opts),
            Side::Request if is("Content-Range") => {
                let range = ContentRange::decode_value(line.value, opts)
                    .map_err(|(kind, i)| invalid(kind, line.value_at + i))?;
                set_once(&mut self.content_range, range, "Content-Range", line, opts)
            }
            _ if is("Content-Type") => set_once(&mut self.content_type, text(), "Content-Type", line, opts),
            Side::Response if is("Location") => set_once(&mut self.location, text(), "Location", line, opts),
            Side::Response if is("Retry-After") => {
                let v = RetryAfter::decode_value(line.value).map_err(|(kind, i)| invalid(kind, line.value_at + i))?;
                set_once(&mut self.retry_after, v, "Retry-After", line, opts)
            }
            _ => Ok(()),
        }
    }
}

/// `true` if the media type of a `Content-Type` value is JSON (`application/json` or
/// `…+json`, parameters ignored, case-insensitive).
pub(crate) fn is_json_media_type(v: &[u8]) -> bool {
    let end = v.iter().position(|&b| b == b';').unwrap_or(v.len());
    let t = crate::http1::syntax::trim_ows(&v[..end]);
    t.eq_ignore_ascii_case(b"application/json") || (t.len() > 5 && t[t.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

// ---------------------------------------------------------------------------------------------
// Placement of headers in built messages
// ---------------------------------------------------------------------------------------------

fn rank(order: &[&str], name: &str) -> Option<usize> {
    order.iter().position(|o| o.eq_ignore_ascii_case(name))
}

/// Set a header the codec manages: replaced in place if present, else inserted before the
/// first managed header that comes after it in `order`.
pub(crate) fn set_managed<'a>(
    headers: &mut Headers<'a>,
    order: &[&'static str],
    name: &'static str,
    v: FieldValue<'a>,
) {
    if headers.get(name).is_some() {
        headers.set_canonical(name, v);
        return;
    }
    let mine = rank(order, name);
    let at = headers.iter().position(|f| rank(order, f.name) > mine).unwrap_or(headers.len());
    headers.insert_at(at, FieldName::unvalidated(name), v);
}

/// Set `Host`: replaced in place, or first.
pub(crate) fn set_host<'a>(headers: &mut Headers<'a>, v: FieldValue<'a>) {
    if headers.get("Host").is_some() {
        headers.set_canonical("Host", v);
    } else {
        headers.insert_at(0, FieldName::unvalidated("Host"), v);
    }
}

/// Add a header the codec does not manage, before the managed ones, within the default
/// limits (so that whatever is built decodes with the default options).
pub(crate) fn add_extra<'a>(
    headers: &mut Headers<'a>,
    managed: &[&'static str],
    name: FieldName<'a>,
    value: FieldValue<'a>,
    head_len: usize,
) -> Result<(), ValidationError> {
    let n = name.as_str();
    let reserved =
        ["Host", "Content-Length", "Transfer-Encoding", "Content-Range", "Content-Type", "Location", "Retry-After"];
    if let Some(r) = reserved.iter().find(|r| r.eq_ignore_ascii_case(n)) {
        return Err(ValidationError::ReservedHeader(r));
    }
    let added = n.len() + 2 + value.as_bytes().len() + 2;
    if headers.len() + 1 > MAX_HEADERS || head_len + added > MAX_HEAD_LEN {
        return Err(ValidationError::TooManyHeaders);
    }
    let at = headers.iter().position(|f| rank(managed, f.name).is_some()).unwrap_or(headers.len());
    headers.insert_at(at, name, value);
    Ok(())
}
