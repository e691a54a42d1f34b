//! `BITS-Received-Content-Range`: the offset a Fragment Ack says the server expects next
//! ([MC-BUP] §2.2.7.2). Despite its name the value is one number, not a range.
//!
//! ```text
//! BITS-Received-Content-Range = 1*DIGIT
//! ```
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use crate::http1::names::KnownHeader;
use crate::http1::parse::{PResult, decimal};
use crate::http1::values::FieldValue;

/// The rule: the shared `1*DIGIT` rule ([`decimal`]: no sign, no space, `u64`).
#[inline(always)]
pub(crate) fn received_content_range(v: &[u8]) -> PResult<'_, u64> {
    decimal(KnownHeader::BitsReceivedContentRange.as_str())(v)
}

/// The value written for `next`, in decimal.
pub(crate) fn encode(next: u64) -> FieldValue<'static> {
    crate::bits::request::decimal_value(next)
}
