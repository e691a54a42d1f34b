//! `BITS-Error-Context`: where an error Ack's error happened ([MC-BUP] §2.2.1.2).
//!
//! ```text
//! BITS-Error-Context = [ "0x" / "0X" ] 1*8HEXDIG / ""   ; "" reads as absent
//! ```
//!
//! The number rule is [`super::error_code::hex32`], and an empty value is absent for the same
//! reasons as an empty code ([`super::error_code::is_absent`]). Written as `0x` and the hex
//! digits without padding (`0x5`), as [MC-BUP] §3.2.5.2.3 writes it.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use alloc::string::ToString;

use super::error_code::hex32;
use crate::bits::hresult::ErrorContext;
use crate::http1::names::KnownHeader;
use crate::http1::parse::PResult;
use crate::http1::values::FieldValue;

/// The rule: `hresult`'s digits, as an [`ErrorContext`].
#[inline(always)]
pub(crate) fn error_context(v: &[u8]) -> PResult<'_, ErrorContext> {
    hex32(KnownHeader::BitsErrorContext.as_str())(v).map(|(rest, n)| (rest, ErrorContext(n)))
}

/// The value written for `context`.
pub(crate) fn encode(context: ErrorContext) -> FieldValue<'static> {
    crate::bits::request::owned_value(context.to_string())
}
