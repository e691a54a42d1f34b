//! `Content-Name`: the client's name for the file it uploads ([MC-BUP] §2.2.1.1), informational only: kept as sent.
//!
//! ```text
//! Content-Name = field-value
//! ```
//!
//! No rule beyond `field-value` (RFC 9110 §5.5), which the head loop has already checked: the
//! value is opaque to the codec, and any further reading of it is the caller's.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::end;
use crate::http1::parse::PResult;
use crate::http1::values::FieldValue;

/// The rule: the whole value, as it stands.
#[inline(always)]
pub(crate) fn content_name(v: &[u8]) -> PResult<'_, &[u8]> {
    Ok((end(v), v))
}

/// The value written: as given.
pub(crate) fn encode<'a>(v: &FieldValue<'a>) -> FieldValue<'a> {
    v.clone()
}
