//! [`RangeSpec`]: one item of `nextExpectedRanges`, and its grammar as nom rules.

use core::fmt;
use core::str::FromStr;

use nom::combinator::eof;
use nom::sequence::terminated;
use nom::{IResult, Parser};
use serde::{Serialize, Serializer};

use super::json::JsonError;
use crate::error::{InvalidMessage, JsonErrorKind, ValidationError};

/// One item of `nextExpectedRanges`: bytes the server has not received, zero-based and
/// inclusive. The Microsoft Graph documentation page "driveItem: createUploadSession"
/// ("Resuming an in-progress upload") shows `"12345-55232"` and `"77829-99375"`, and after a
/// fragment `"26-"`; the Outlook "attachment: createUploadSession" page answers with the bare
/// start offset `"2097152"`; the Universal Print "printDocument: createUploadSession" page
/// shows `"78929-4533322"` for a 4,533,322-byte file:
///
/// ```text
/// range-item = first-byte [ "-" [ last-byte ] ]
/// first-byte = 1*DIGIT
/// last-byte  = 1*DIGIT
/// ```
///
/// `"S-E"` is the closed range S..=E; `"S-"` (driveItem, Print) and the bare `"S"` (Outlook,
/// To Do: "the location in the file where the next upload should begin") both mean S to the
/// end of the file, and are the same value here ([`end`](Self::end) is `None`). Built and
/// re-encoded values use `"S-"`. `E < S` is refused; an `E` at or past the end of the file (the
/// Print page's example) is kept as sent and clamped when the file size is known
/// ([`last_in`](Self::last_in), [`RangeSet`](super::RangeSet)). Offsets are `u64` (files over
/// 4 GiB are common).
///
/// ```
/// use bits_codec::graph::RangeSpec;
/// assert_eq!("12345-55232".parse(), Ok(RangeSpec::closed(12345, 55232).unwrap()));
/// assert_eq!("2097152".parse(), Ok(RangeSpec::open(2097152)));
/// assert_eq!("26-".parse::<RangeSpec>().unwrap().to_string(), "26-");
/// assert_eq!("78929-4533322".parse::<RangeSpec>().unwrap().last_in(4533322), Some(4533321));
/// assert!("5-3".parse::<RangeSpec>().is_err());
/// assert!(RangeSpec::closed(5, 3).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RangeSpec {
    start: u64,
    end: Option<u64>,
}

/// A rule's failure: the JSON kind, and the input left where it failed (its length gives the
/// offset).
type Fail<'a> = (JsonErrorKind, &'a [u8]);

/// Adapter so rule failures carry a [`JsonErrorKind`]: a plain nom failure (a tag or `digit1`
/// not found) is `RangeItem`.
#[derive(Debug)]
struct RuleError<'a>(Fail<'a>);

impl<'a> nom::error::ParseError<&'a [u8]> for RuleError<'a> {
    fn from_error_kind(input: &'a [u8], _: nom::error::ErrorKind) -> Self {
        Self((JsonErrorKind::RangeItem, input))
    }
    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// `1*DIGIT` as a `u64`; more than 64 bits is `NumberOverflow` at the first digit.
///
/// ```text
/// number = 1*DIGIT
/// ```
///
/// A leaf of the grammar, written out: one pass that reads and accumulates each digit (nom's
/// `digit1` and then a fold walk the digits twice). Nineteen digits always fit 64 bits, so
/// only a longer number is checked for overflow.
fn number(input: &[u8]) -> IResult<&[u8], u64, RuleError<'_>> {
    let (mut value, mut len) = (0u64, 0);
    while let Some(d) = input.get(len).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
        value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        len += 1;
    }
    let fits =
        |digits: &[u8]| digits.iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')));
    match len {
        0 => Err(nom::Err::Error(RuleError((JsonErrorKind::RangeItem, input)))),
        20.. if fits(&input[..len]).is_none() => {
            Err(nom::Err::Failure(RuleError((JsonErrorKind::NumberOverflow, input))))
        }
        _ => Ok((&input[len..], value)),
    }
}

/// ```text
/// range-item = first-byte [ "-" [ last-byte ] ]
/// ```
///
/// The whole input: anything after the item is `RangeItem` at its first byte; `E < S` is
/// `RangeOrder` at the first byte of `E`.
fn range_item(input: &[u8]) -> IResult<&[u8], RangeSpec, RuleError<'_>> {
    let (rest, start) = number(input)?;
    // `[ "-" [ last-byte ] ]`, branching on the byte after `first-byte` (one look, no
    // backtracking through `opt`).
    let (rest, end) = match rest.split_first() {
        None => (rest, None),
        Some((b'-', last)) if last.is_empty() => (last, None),
        Some((b'-', last)) => {
            let (rest, end) = terminated(number, eof).parse(last)?;
            if end < start {
                return Err(nom::Err::Failure(RuleError((JsonErrorKind::RangeOrder, last))));
            }
            (rest, Some(end))
        }
        Some(_) => return Err(nom::Err::Error(RuleError((JsonErrorKind::RangeItem, rest)))),
    };
    Ok((rest, RangeSpec { start, end }))
}

impl RangeSpec {
    /// Bytes from `start` to the end of the file (`"S-"`).
    pub const fn open(start: u64) -> Self {
        Self { start, end: None }
    }

    /// Bytes `start..=end`; fails if `end < start`.
    pub fn closed(start: u64, end: u64) -> Result<Self, ValidationError> {
        if end < start {
            return Err(ValidationError::ContentRange);
        }
        Ok(Self { start, end: Some(end) })
    }

    /// Read one item's text (without the JSON quotes). The error's offset is within `s`.
    pub(crate) fn read(s: &str) -> Result<Self, JsonError> {
        let b = s.as_bytes();
        match range_item(b) {
            Ok((_, r)) => Ok(r),
            Err(nom::Err::Error(RuleError((kind, at))) | nom::Err::Failure(RuleError((kind, at)))) => {
                Err(JsonError::new(kind, b.len() - at.len()))
            }
            // `complete` parsers never ask for more.
            Err(nom::Err::Incomplete(_)) => Err(JsonError::new(JsonErrorKind::RangeItem, b.len())),
        }
    }

    /// The first missing byte.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The last missing byte, inclusive, as sent; `None` for "to the end of the file".
    pub const fn end(&self) -> Option<u64> {
        self.end
    }

    /// `true` for `"S-"` / `"S"`.
    pub const fn is_open(&self) -> bool {
        self.end.is_none()
    }

    /// The last missing byte in a file of `total` bytes: the end, clamped to `total - 1`;
    /// `None` if the range starts at or after the end of the file.
    pub const fn last_in(&self, total: u64) -> Option<u64> {
        if self.start >= total {
            return None;
        }
        match self.end {
            Some(e) if e < total => Some(e),
            _ => Some(total - 1),
        }
    }
}

impl fmt::Display for RangeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(e) => write!(f, "{}-{}", self.start, e),
            None => write!(f, "{}-", self.start),
        }
    }
}

impl Serialize for RangeSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parse one `nextExpectedRanges` item (see the type's grammar). The error is
/// [`InvalidKind::Json`](crate::InvalidKind::Json) (`RangeItem`, `RangeOrder` or
/// `NumberOverflow`) with the offset of the first offending byte of `s`.
impl FromStr for RangeSpec {
    type Err = InvalidMessage;
    fn from_str(s: &str) -> Result<Self, InvalidMessage> {
        Self::read(s).map_err(InvalidMessage::from)
    }
}

impl<'a> TryFrom<&'a str> for RangeSpec {
    type Error = InvalidMessage;
    fn try_from(s: &'a str) -> Result<Self, InvalidMessage> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::InvalidKind;

    #[test]
    fn reads_every_documented_item() {
        let ok = |s: &str, start, end| assert_eq!(s.parse(), Ok(RangeSpec { start, end }), "{s}");
        ok("0-", 0, None);
        ok("26-", 26, None);
        ok("523-", 523, None);
        ok("12345-", 12345, None);
        ok("12345-55232", 12345, Some(55232));
        ok("77829-99375", 77829, Some(99375));
        ok("0-4533321", 0, Some(4_533_321));
        ok("72797-4533321", 72797, Some(4_533_321));
        ok("78929-4533322", 78929, Some(4_533_322));
        ok("2097152", 2_097_152, None);
        ok("5242880-8255205", 5_242_880, Some(8_255_205));
        ok("1325399232-3517313465", 1_325_399_232, Some(3_517_313_465));
        ok("10485760-15334441", 10_485_760, Some(15_334_441));
        let bad = |s: &str, kind, at| {
            assert_eq!(
                s.parse::<RangeSpec>(),
                Err(InvalidMessage { kind: InvalidKind::Json(kind), offset: at }),
                "{s}"
            );
        };
        bad("", JsonErrorKind::RangeItem, 0);
        bad("-", JsonErrorKind::RangeItem, 0);
        bad("-5", JsonErrorKind::RangeItem, 0);
        bad("5-3", JsonErrorKind::RangeOrder, 2);
        bad("a-b", JsonErrorKind::RangeItem, 0);
        bad("18446744073709551616-", JsonErrorKind::NumberOverflow, 0);
        bad("1-2-3", JsonErrorKind::RangeItem, 3);
        bad(" 1-2", JsonErrorKind::RangeItem, 0);
        bad("+1-", JsonErrorKind::RangeItem, 0);
        bad("1-a", JsonErrorKind::RangeItem, 2);
        bad("99999999999999999999", JsonErrorKind::NumberOverflow, 0);
        ok("9999999999999999999", 9_999_999_999_999_999_999, None);
        ok("00000000000000000000000001-2", 1, Some(2));
    }

    #[test]
    fn reads_the_largest_offset() {
        assert_eq!("18446744073709551615".parse(), Ok(RangeSpec::open(u64::MAX)));
        assert_eq!("0-18446744073709551615".parse(), Ok(RangeSpec { start: 0, end: Some(u64::MAX) }));
        assert_eq!(
            "1-18446744073709551616".parse::<RangeSpec>(),
            Err(InvalidMessage { kind: InvalidKind::Json(JsonErrorKind::NumberOverflow), offset: 2 })
        );
    }

    #[test]
    fn clamps_only_when_the_total_is_known() {
        let r = "78929-4533322".parse::<RangeSpec>().unwrap();
        assert_eq!(r.end(), Some(4_533_322));
        assert_eq!(r.last_in(4_533_322), Some(4_533_321));
        assert_eq!(RangeSpec::open(10).last_in(10), None);
        assert_eq!(RangeSpec::open(10).last_in(11), Some(10));
    }
}
