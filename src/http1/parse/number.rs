//! Decimal numbers (RFC 9110 §8.6 and the BITS decimal fields), as nom rules over a complete
//! field value: the value is already delimited by its line, so these are `complete` parsers.

use super::{PResult, fail};
use crate::error::InvalidKind;
use crate::http1::names::KnownHeader;
use crate::http1::syntax::{NumberError, decimal_u64};

/// `1*DIGIT` as a `u64`, the whole of `input`: no sign (`+3` is the Content-Length smuggling
/// shape that `str::parse` accepts), no inner or surrounding space. Leading zeros are valid
/// `1*DIGIT` and carry no ambiguity. `name` is the header the number came from, for the error.
///
/// ```text
/// decimal = 1*DIGIT
/// ```
pub(crate) fn decimal(name: &'static str) -> impl Fn(&[u8]) -> PResult<'_, u64> {
    move |input| match decimal_u64(input) {
        Ok(n) => Ok((&input[input.len()..], n)),
        Err(NumberError::Syntax(i)) => fail(&input[i..], InvalidKind::Number(name)),
        Err(NumberError::Overflow) => fail(input, InvalidKind::NumberOverflow(name)),
    }
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6).
pub(crate) fn content_length(input: &[u8]) -> PResult<'_, u64> {
    decimal(KnownHeader::ContentLength.as_str())(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::Offset;

    fn kind_at(input: &[u8]) -> (InvalidKind, usize) {
        match content_length(input) {
            Err(nom::Err::Error(e)) => (e.kind, input.offset(e.input)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn content_length_accepts_digits_and_leading_zeros() {
        assert_eq!(content_length(b"0"), Ok((&b""[..], 0)));
        assert_eq!(content_length(b"007"), Ok((&b""[..], 7)));
        assert_eq!(content_length(b"18446744073709551615"), Ok((&b""[..], u64::MAX)));
    }

    #[test]
    fn content_length_refuses_signs_spaces_and_other_bytes_at_the_byte() {
        assert_eq!(kind_at(b"+3"), (InvalidKind::Number("Content-Length"), 0));
        assert_eq!(kind_at(b"-3"), (InvalidKind::Number("Content-Length"), 0));
        assert_eq!(kind_at(b"1 2"), (InvalidKind::Number("Content-Length"), 1));
        assert_eq!(kind_at(b""), (InvalidKind::Number("Content-Length"), 0));
        assert_eq!(kind_at(b"0x10"), (InvalidKind::Number("Content-Length"), 1));
    }

    #[test]
    fn content_length_refuses_overflow_at_the_number() {
        assert_eq!(kind_at(b"18446744073709551616"), (InvalidKind::NumberOverflow("Content-Length"), 0));
    }
}
