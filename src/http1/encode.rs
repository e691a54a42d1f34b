//! Writing heads: the mirror of `head.rs`.

use bytes::BufMut;

use super::headers::Headers;
use super::syntax::decimal_len;
use super::values::HttpVersion;

/// `method SP target SP version CRLF fields CRLF`.
pub(crate) fn request_head<B: BufMut>(
    out: &mut B,
    method: &[u8],
    target: &[u8],
    version: HttpVersion,
    headers: &Headers<'_>,
) {
    out.put_slice(method);
    out.put_u8(b' ');
    out.put_slice(target);
    out.put_u8(b' ');
    out.put_slice(version.as_str().as_bytes());
    out.put_slice(b"\r\n");
    headers.encode(out);
    out.put_slice(b"\r\n");
}

pub(crate) fn request_head_len(method: &[u8], target: &[u8], headers: &Headers<'_>) -> usize {
    method.len() + 1 + target.len() + 1 + 8 + 2 + headers.encoded_len() + 2
}

/// `version SP status SP reason CRLF fields CRLF`.
pub(crate) fn status_head<B: BufMut>(
    out: &mut B,
    version: HttpVersion,
    status: u16,
    reason: &[u8],
    headers: &Headers<'_>,
) {
    out.put_slice(version.as_str().as_bytes());
    out.put_u8(b' ');
    super::syntax::put_decimal(out, u64::from(status));
    out.put_u8(b' ');
    out.put_slice(reason);
    out.put_slice(b"\r\n");
    headers.encode(out);
    out.put_slice(b"\r\n");
}

pub(crate) fn status_head_len(status: u16, reason: &[u8], headers: &Headers<'_>) -> usize {
    8 + 1 + decimal_len(u64::from(status)) + 1 + reason.len() + 2 + headers.encoded_len() + 2
}
