//! [`RangeSpec`]: one item of `nextExpectedRanges`.

use core::fmt;

use serde::{Serialize, Serializer};

use super::error::{JsonError, JsonErrorKind};

/// One item of `nextExpectedRanges`: bytes the server has not received, zero-based and
/// inclusive (digest §2.2):
///
/// ```text
/// range-item = first-byte [ "-" [ last-byte ] ]   ; first-byte, last-byte = 1*DIGIT
/// ```
///
/// `"S-E"` is the closed range S..=E; `"S-"` (driveItem, Print) and the bare `"S"` (Outlook,
/// To Do: "the location in the file where the next upload should begin") both mean S to the
/// end of the file, and are the same value here ([`end`](Self::end) is `None`). Built and
/// re-encoded values use `"S-"`. `E < S` is refused; an `E` at or past the end of the file (the
/// Print doc's `"78929-4533322"` for a 4,533,322-byte file) is kept as sent and clamped when
/// the file size is known ([`last_in`](Self::last_in), [`RangeSet`](super::RangeSet)). Offsets
/// are `u64` (files over 4 GiB are common).
///
/// ```
/// use bits_codec::graph::RangeSpec;
/// assert_eq!(RangeSpec::decode("12345-55232").unwrap(), RangeSpec::closed(12345, 55232).unwrap());
/// assert_eq!(RangeSpec::decode("2097152").unwrap(), RangeSpec::open(2097152));
/// assert_eq!(RangeSpec::decode("26-").unwrap().to_string(), "26-");
/// assert_eq!(RangeSpec::decode("78929-4533322").unwrap().last_in(4533322), Some(4533321));
/// assert!(RangeSpec::decode("5-3").is_err());
/// assert!(RangeSpec::closed(5, 3).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RangeSpec {
    start: u64,
    end: Option<u64>,
}

/// `1*DIGIT` as u64; the error is the kind and the offset within `s`.
fn number(s: &[u8], from: usize) -> Result<u64, JsonError> {
    if s.is_empty() {
        return Err(JsonError::new(JsonErrorKind::RangeItem, from));
    }
    let mut n = 0u64;
    for (i, &b) in s.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(JsonError::new(JsonErrorKind::RangeItem, from + i));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(JsonError::new(JsonErrorKind::NumberOverflow, from))?;
    }
    Ok(n)
}

/// `1*19DIGIT` at the start of `b` and what follows, in one pass (at most 19 digits cannot
/// overflow a u64, so no check per digit); `None` for anything else, which [`number`] then
/// reads with checks.
#[inline]
fn short_number(b: &[u8]) -> Option<(u64, &[u8])> {
    let (mut v, mut n) = (0u64, 0);
    while let Some(d) = b.get(n).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
        // Wrapping: past 19 digits the value is discarded below.
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        n += 1;
    }
    if n == 0 || n > 19 {
        return None;
    }
    Some((v, &b[n..]))
}

/// Eight ASCII `0`s, one per lane.
const ZEROS: u64 = u64::from_le_bytes(*b"00000000");

/// Bit 7 set in each lane (byte) of `w` that is not an ASCII digit: the XOR maps digits to
/// 0..=9, and adding 0x76 to the low 7 bits reaches bit 7 from 10 up (no carry between lanes).
const fn non_digits(w: u64) -> u64 {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let x = w ^ ZEROS;
    (((x & LOW7) + u64::from_le_bytes([0x76; 8])) | x) & HIGH
}

/// The value of eight ASCII digits, the first (most significant) in the lowest lane: pairs,
/// then quads, then the whole (each step multiplies the higher-order half by 10, 100, 10^4).
const fn eight_digits(w: u64) -> u64 {
    let w = w.wrapping_sub(ZEROS);
    let w = (w.wrapping_mul(10) + (w >> 8)) & 0x00ff_00ff_00ff_00ff;
    let w = (w.wrapping_mul(100) + (w >> 16)) & 0x0000_ffff_0000_ffff;
    (w.wrapping_mul(10_000) + (w >> 32)) & 0xffff_ffff
}

impl RangeSpec {
    /// Bytes from `start` to the end of the file (`"S-"`).
    pub const fn open(start: u64) -> Self {
        Self { start, end: None }
    }

    /// Bytes `start..=end`; fails if `end < start`.
    pub fn closed(start: u64, end: u64) -> Result<Self, JsonError> {
        if end < start {
            return Err(JsonError::new(JsonErrorKind::RangeOrder, 0));
        }
        Ok(Self { start, end: Some(end) })
    }

    /// Read one item's text (without the JSON quotes). The error's offset is within `s`.
    pub fn decode(s: &str) -> Result<Self, JsonError> {
        Self::decode_short(s.as_bytes()).map_or_else(|| Self::decode_checked(s.as_bytes()), Ok)
    }

    /// Every real item: numbers of at most 19 digits, `S-E` in order. `None` for anything else
    /// (valid or not), left to [`decode_checked`](Self::decode_checked).
    #[inline]
    fn decode_short(b: &[u8]) -> Option<Self> {
        if let Some(r) = Self::decode_words(b) {
            return Some(r);
        }
        let (start, rest) = short_number(b)?;
        match rest {
            [] | [b'-'] => Some(Self::open(start)),
            [b'-', tail @ ..] => match short_number(tail)? {
                (end, []) if end >= start => Some(Self { start, end: Some(end) }),
                _ => None,
            },
            _ => None,
        }
    }

    /// `S-E` and `S-` of 8 to 16 bytes with at most 8 digits per number (most real items,
    /// e.g. `12345-55232`, `72797-4533321`), read as two 8-byte words: the first 8 bytes hold
    /// `S` and the dash, the last 8 bytes end with `E`. No loop over the digits.
    #[inline]
    fn decode_words(b: &[u8]) -> Option<Self> {
        let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
        let tail = u64::from_le_bytes(*b.last_chunk::<8>()?);
        // Digits of `S` are the lanes below the first non-digit, which must be the dash.
        let s_len = (non_digits(head).trailing_zeros() / 8) as usize;
        if s_len == 0 || s_len == 8 || b[s_len] != b'-' {
            return None;
        }
        let start = eight_digits((head << (64 - 8 * s_len)) | (ZEROS >> (8 * s_len)));
        let e_len = b.len() - s_len - 1;
        if e_len == 0 {
            return Some(Self::open(start));
        }
        // `E` is the last `e_len` lanes of `tail`; the lanes below are replaced by leading `0`s.
        if e_len > 8 || non_digits(tail) >> (64 - 8 * e_len) != 0 {
            return None;
        }
        let low = if e_len == 8 { 0 } else { u64::MAX >> (8 * e_len) };
        let end = eight_digits((tail & !low) | (ZEROS & low));
        (end >= start).then_some(Self { start, end: Some(end) })
    }

    /// The whole grammar with every check, and the error's kind and offset.
    fn decode_checked(b: &[u8]) -> Result<Self, JsonError> {
        match b.iter().position(|&c| c == b'-') {
            None => Ok(Self::open(number(b, 0)?)),
            Some(dash) => {
                let start = number(&b[..dash], 0)?;
                let rest = &b[dash + 1..];
                if rest.is_empty() {
                    return Ok(Self::open(start));
                }
                let end = number(rest, dash + 1)?;
                Self::closed(start, end).map_err(|e| e.shifted(dash + 1))
            }
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

impl<'a> TryFrom<&'a str> for RangeSpec {
    type Error = JsonError;
    fn try_from(s: &'a str) -> Result<Self, JsonError> {
        Self::decode(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_vectors() {
        let ok = |s: &str, start, end| assert_eq!(RangeSpec::decode(s), Ok(RangeSpec { start, end }), "{s}");
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
        let bad = |s: &str, kind, at| assert_eq!(RangeSpec::decode(s), Err(JsonError::new(kind, at)), "{s}");
        bad("", JsonErrorKind::RangeItem, 0);
        bad("-", JsonErrorKind::RangeItem, 0);
        bad("-5", JsonErrorKind::RangeItem, 0);
        bad("5-3", JsonErrorKind::RangeOrder, 2);
        bad("a-b", JsonErrorKind::RangeItem, 0);
        bad("18446744073709551616-", JsonErrorKind::NumberOverflow, 0);
        bad("1-2-3", JsonErrorKind::RangeItem, 3);
        bad(" 1-2", JsonErrorKind::RangeItem, 0);
        bad("+1-", JsonErrorKind::RangeItem, 0);
    }

    #[test]
    fn the_short_reader_agrees_with_the_checked_one() {
        let parts =
            ["", "0", "5", "7", "00", "12345", "9999999999999999999", "18446744073709551615", "18446744073709551616"];
        let seps = ["", "-", "--", "x", " "];
        for a in parts {
            for sep in seps {
                for b in parts {
                    let s = format!("{a}{sep}{b}");
                    if let Some(short) = RangeSpec::decode_short(s.as_bytes()) {
                        assert_eq!(Ok(short), RangeSpec::decode_checked(s.as_bytes()), "{s}");
                    }
                }
            }
        }
        // Every split of 1..=17 digits around the dash (the word reader's 8-16 byte range
        // and both sides of it), digits of every value, and a non-digit in every position.
        for len in 2..=18 {
            for dash in 0..len {
                for fill in [b'0', b'1', b'5', b'9'] {
                    let mut s: Vec<u8> =
                        (0..len).map(|i| if i % 3 == 1 { fill } else { b'0' + (i % 10) as u8 }).collect();
                    s[dash] = b'-';
                    let check = |s: &[u8]| {
                        let short = RangeSpec::decode_short(s);
                        if let Some(r) = short {
                            assert_eq!(Ok(r), RangeSpec::decode_checked(s), "{}", String::from_utf8_lossy(s));
                        }
                        let words = RangeSpec::decode_words(s);
                        if words.is_some() {
                            assert_eq!(words, short, "{}", String::from_utf8_lossy(s));
                        }
                    };
                    check(&s);
                    for at in 0..len {
                        for c in [b'/', b':', b' ', b'-', 0x80, 0xb0, 0xff, b'a', 0x00] {
                            let mut t = s.clone();
                            t[at] = c;
                            check(&t);
                        }
                    }
                }
            }
        }
        assert_eq!(RangeSpec::decode_words(b"12345-55232"), Some(RangeSpec { start: 12345, end: Some(55232) }));
        assert_eq!(RangeSpec::decode_words(b"72797-4533321"), Some(RangeSpec { start: 72797, end: Some(4_533_321) }));
        assert_eq!(RangeSpec::decode_words(b"1234567-"), Some(RangeSpec::open(1_234_567)));
        assert_eq!(RangeSpec::decode_words(b"1-12345678"), Some(RangeSpec { start: 1, end: Some(12_345_678) }));
        assert_eq!(RangeSpec::decode_words(b"12345678-9"), None);
        assert_eq!(RangeSpec::decode_short(b"9999999999999999999-"), Some(RangeSpec::open(9_999_999_999_999_999_999)));
        assert_eq!(RangeSpec::decode_short(b"5-5"), Some(RangeSpec { start: 5, end: Some(5) }));
        assert_eq!(RangeSpec::decode_short(b"6-5"), None);
        assert_eq!(RangeSpec::decode_short(b"18446744073709551615"), None);
        assert_eq!(RangeSpec::decode("18446744073709551615"), Ok(RangeSpec::open(u64::MAX)));
    }

    #[test]
    fn clamps_only_when_the_total_is_known() {
        let r = RangeSpec::decode("78929-4533322").unwrap();
        assert_eq!(r.end(), Some(4_533_322));
        assert_eq!(r.last_in(4_533_322), Some(4_533_321));
        assert_eq!(RangeSpec::open(10).last_in(10), None);
        assert_eq!(RangeSpec::open(10).last_in(11), Some(10));
    }
}
