//! `BITS-Reply-URL`: where the client fetches the reply of an upload-reply job, on the last Fragment Ack ([MC-BUP] §2.2.7); IIS sends a relative path with backslashes, so it is kept as sent.
//!
//! ```text
//! BITS-Reply-URL = field-value
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
pub(crate) fn reply_url(v: &[u8]) -> PResult<'_, &[u8]> {
    Ok((end(v), v))
}

/// The value written: as given.
pub(crate) fn encode<'a>(v: &FieldValue<'a>) -> FieldValue<'a> {
    v.clone()
}
