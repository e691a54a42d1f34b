//! `BITS-Error-Code` and its alias `BITS-Error`: the HRESULT of an error Ack ([MC-BUP] §2.2.1.2
//! names the header `BITS-Error`; the Learn pages and every third-party peer use
//! `BITS-Error-Code`, so both are read, and must agree when both appear).
//!
//! ```text
//! BITS-Error-Code = hresult / ""        ; "" reads as absent (see `is_absent`)
//! hresult         = [ "0x" / "0X" ] 1*8HEXDIG
//! ```
//!
//! The `0x` is optional because peers send `0` and `1` bare. At most eight digits: the value is
//! a 32-bit pattern, so a ninth digit (even a leading zero) is refused rather than guessed at.
//! Written as `0x` and eight upper-case digits, as IIS writes it.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use alloc::string::ToString;

use super::{end, fail};
use crate::bits::hresult::HResult;
use crate::error::InvalidKind;
use crate::http1::parse::PResult;
use crate::http1::syntax::{NumberError, hex_u32};
use crate::http1::values::FieldValue;

/// `[ "0x" / "0X" ] 1*8HEXDIG` as a `u32`, the whole value; `name` is the header, for the
/// error. A bad byte is reported where it stands, an over-long number at its start.
#[inline(always)]
pub(crate) fn hex32(name: &'static str) -> impl FnOnce(&[u8]) -> PResult<'_, u32> {
    move |v| match hex_u32(v) {
        Ok(n) => Ok((end(v), n)),
        Err(NumberError::Syntax(i)) => fail(&v[i..], InvalidKind::HexNumber(name)),
        Err(NumberError::Overflow) => fail(v, InvalidKind::HexNumber(name)),
    }
}

/// `hresult` under the header `name` (`BITS-Error-Code` or `BITS-Error`).
#[inline(always)]
pub(crate) fn error_code(name: &'static str) -> impl FnOnce(&[u8]) -> PResult<'_, HResult> {
    move |v| hex32(name)(v).map(|(rest, n)| (rest, HResult(n)))
}

/// `true` for an empty `BITS-Error-Code` or `BITS-Error-Context`, which is read as if the
/// header were absent: the typed accessor returns `None`, and the line stays in the header list
/// so the Ack re-encodes byte for byte. This is the default, not an option.
///
/// Why: the Python BITS servers in use (built on `http.server`) send both headers on every Ack,
/// and leave them empty on success, so every Ping Ack they send carries
/// `BITS-Error-Context: ` (an empty value is a valid `field-value`, RFC 9110 §5.5). Refusing it
/// would stop a client from ever pinging them. Accepting it cannot turn an error into a
/// success: whether an Ack reports success is decided by its status code (each Ack section of
/// [MC-BUP] §2.2 pairs a success status with the fields of a success, and an error status with
/// `BITS-Error-Code` and `BITS-Error-Context`), so a missing code leaves an error status an
/// error; and the emptiness of a value has nothing to do with framing, which `Content-Length`
/// alone decides. A non-empty value that is not hex digits stays an error (`HexNumber`).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[inline(always)]
pub(crate) fn is_absent(v: &[u8]) -> bool {
    v.is_empty()
}

/// The value written for `code`.
pub(crate) fn encode(code: HResult) -> FieldValue<'static> {
    crate::bits::request::owned_value(code.to_string())
}
