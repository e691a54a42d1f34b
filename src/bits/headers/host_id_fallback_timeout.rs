//! `BITS-Host-Id-Fallback-Timeout`: how many seconds a client keeps trying the host of
//! `BITS-Host-Id` before it falls back to the original server ([MC-BUP] §2.2.3).
//!
//! ```text
//! BITS-Host-Id-Fallback-Timeout = 1*DIGIT     ; seconds, at most 2^32 - 1
//! ```
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::fail;
use crate::error::InvalidKind;
use crate::http1::names::KnownHeader;
use crate::http1::parse::{PResult, decimal};
use crate::http1::values::FieldValue;

const NAME: &str = KnownHeader::BitsHostIdFallbackTimeout.as_str();

/// The rule: the shared `1*DIGIT` rule, then the `u32` range (an overflow is reported at the
/// number's start, as for every number).
#[inline(always)]
pub(crate) fn host_id_fallback_timeout(v: &[u8]) -> PResult<'_, u32> {
    let (rest, n) = decimal(NAME)(v)?;
    match u32::try_from(n) {
        Ok(n) => Ok((rest, n)),
        Err(_) => fail(v, InvalidKind::NumberOverflow(NAME)),
    }
}

/// The value written for `seconds`, in decimal.
pub(crate) fn encode(seconds: u32) -> FieldValue<'static> {
    crate::bits::request::decimal_value(u64::from(seconds))
}
