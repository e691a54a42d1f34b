//! [`RetryAfter`]: the `Retry-After` field of a throttled or unavailable Graph answer
//! (RFC 9110 §10.2.3), its grammar as nom rules and its encoding, side by side.
//!
//! ```text
//! Retry-After   = HTTP-date / delay-seconds
//! delay-seconds = 1*DIGIT
//! ```
//!
//! Graph sends `delay-seconds` on 429 and 503 (the Microsoft Graph page "Microsoft Graph
//! throttling guidance"). An `HTTP-date`
//! (RFC 9110 §5.6.7) is kept as the text that was sent, not parsed: every one of its three
//! forms starts with a day name, so a value that starts with a letter is taken as a date,
//! whole. A client that meets one falls back to its own back-off, so parsing the date would
//! only add a way to refuse an answer whose one use is "wait".

use nom::Parser;
use nom::branch::alt;

use super::request::decimal;
use crate::error::InvalidKind;
use crate::http1::parse::{PError, PResult};
use crate::http1::values::FieldValue;

/// `Retry-After` (RFC 9110 §10.2.3): seconds, or an HTTP date.
///
/// Graph sends seconds (`41`, `315`; SharePoint up to 300). A value that starts with a digit
/// must be all digits; a value that starts with a letter is taken as an HTTP date and kept as
/// text (not parsed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RetryAfter<'a> {
    /// `delay-seconds`.
    Seconds(u64),
    /// `HTTP-date`, as sent.
    Date(FieldValue<'a>),
}

impl<'a> RetryAfter<'a> {
    /// Read a header value (trimmed). The error is the kind and the offset within `v`.
    pub(crate) fn decode_value(v: &'a [u8]) -> Result<Self, (InvalidKind, usize)> {
        match retry_after(v) {
            Ok((_, r)) => Ok(r),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err((e.kind, v.len() - e.input.len())),
            // `complete` rules never ask for more.
            Err(nom::Err::Incomplete(_)) => Err((InvalidKind::Number("Retry-After"), v.len())),
        }
    }

    pub(crate) fn to_field_value(&self) -> FieldValue<'a> {
        match self {
            Self::Seconds(n) => decimal(*n),
            Self::Date(d) => d.clone(),
        }
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> RetryAfter<'static> {
        match self {
            Self::Seconds(n) => RetryAfter::Seconds(n),
            Self::Date(d) => RetryAfter::Date(d.into_owned()),
        }
    }
}

/// ```text
/// Retry-After = HTTP-date / delay-seconds
/// ```
///
/// The whole field value (already delimited and checked by the field-line rule). A value that
/// is neither fails as `delay-seconds` does: `Number("Retry-After")` at the first byte that is
/// not a digit, or `NumberOverflow("Retry-After")` at the start.
fn retry_after(input: &[u8]) -> PResult<'_, RetryAfter<'_>> {
    alt((http_date.map(RetryAfter::Date), delay_seconds.map(RetryAfter::Seconds))).parse(input)
}

/// ```text
/// HTTP-date = IMF-fixdate / obs-date   ; RFC 9110 §5.6.7, kept as text
/// ```
///
/// A value whose first byte is a letter (the day name every form starts with), taken whole.
fn http_date(input: &[u8]) -> PResult<'_, FieldValue<'_>> {
    match input.first() {
        Some(b) if b.is_ascii_alphabetic() => Ok((&input[input.len()..], FieldValue::unvalidated(input))),
        _ => Err(nom::Err::Error(PError { input, kind: InvalidKind::Number("Retry-After") })),
    }
}

/// ```text
/// delay-seconds = 1*DIGIT
/// ```
///
/// The whole value, as a `u64` (no sign, leading zeros allowed: the shared `decimal` rule).
fn delay_seconds(input: &[u8]) -> PResult<'_, u64> {
    crate::http1::parse::decimal("Retry-After")(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(v: &str) -> Result<RetryAfter<'_>, (InvalidKind, usize)> {
        RetryAfter::decode_value(v.as_bytes())
    }

    #[test]
    fn delay_seconds_is_all_digits() {
        assert_eq!(delay_seconds(b"41"), Ok((&b""[..], 41)));
        assert_eq!(delay_seconds(b"007"), Ok((&b""[..], 7)));
        assert_eq!(delay_seconds(b"18446744073709551615").map(|(_, n)| n), Ok(u64::MAX));
        let at = |v: &'static [u8]| match delay_seconds(v) {
            Err(nom::Err::Error(e)) => (e.kind, v.len() - e.input.len()),
            other => panic!("{other:?}"),
        };
        assert_eq!(at(b""), (InvalidKind::Number("Retry-After"), 0));
        assert_eq!(at(b"+3"), (InvalidKind::Number("Retry-After"), 0));
        assert_eq!(at(b"12 "), (InvalidKind::Number("Retry-After"), 2));
        assert_eq!(at(b"1.5"), (InvalidKind::Number("Retry-After"), 1));
        assert_eq!(at(b"18446744073709551616"), (InvalidKind::NumberOverflow("Retry-After"), 0));
    }

    #[test]
    fn http_date_is_a_value_that_starts_with_a_letter() {
        let date = b"Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(http_date(date).map(|(rest, d)| (rest.len(), d)), Ok((0, FieldValue::unvalidated(date))));
        assert!(http_date(b"41").is_err());
        assert!(http_date(b"").is_err());
        assert!(http_date(b" Wed").is_err());
    }

    #[test]
    fn retry_after_is_a_date_or_seconds() {
        assert_eq!(decode("41"), Ok(RetryAfter::Seconds(41)));
        assert_eq!(decode("300"), Ok(RetryAfter::Seconds(300)));
        assert!(matches!(decode("Wed, 21 Oct 2015 07:28:00 GMT"), Ok(RetryAfter::Date(_))));
        // RFC 850 and asctime forms start with a day name too.
        assert!(matches!(decode("Sunday, 06-Nov-94 08:49:37 GMT"), Ok(RetryAfter::Date(_))));
        assert!(matches!(decode("Sun Nov  6 08:49:37 1994"), Ok(RetryAfter::Date(_))));
        assert_eq!(decode(""), Err((InvalidKind::Number("Retry-After"), 0)));
        assert_eq!(decode("-1"), Err((InvalidKind::Number("Retry-After"), 0)));
        assert_eq!(decode("10s"), Err((InvalidKind::Number("Retry-After"), 2)));
        assert_eq!(decode("99999999999999999999"), Err((InvalidKind::NumberOverflow("Retry-After"), 0)));
    }

    #[test]
    fn encodes_as_sent() {
        assert_eq!(RetryAfter::Seconds(41).to_field_value(), decimal(41));
        let d = FieldValue::unvalidated(b"Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(RetryAfter::Date(d.clone()).to_field_value(), d);
    }
}
