//! `Content-Range: bytes first-last/total` (RFC 9110 §14.4), the form BITS Fragment requests
//! and Graph `PUT`s use. Only a satisfied range with a known total is a valid value here.

use crate::http1::names::KnownHeader;
use core::fmt;

use bytes::BufMut;

use nom::Offset;
use nom::bytes::complete::{take_till, take_while};

use super::parse::{PResult, fail};
use super::syntax::{Folded, NumberError, decimal_len, decimal_u64, put_decimal, words};
use crate::error::{InvalidKind, ValidationError};
use crate::options::DecodeOptions;

/// A byte range of a complete representation: `first <= last < total`, all zero-based and
/// inclusive. Built only through [`ContentRange::new`], so an empty or out-of-bounds range
/// cannot exist.
///
/// ```
/// use bits_codec::http1::ContentRange;
/// let r = ContentRange::new(0, 4891, 4892).unwrap();
/// assert_eq!(r.len(), 4892);
/// assert!(r.is_last());
/// assert_eq!(r.to_string(), "bytes 0-4891/4892");
/// assert!(ContentRange::new(9, 0, 10).is_err()); // last < first
/// assert!(ContentRange::new(0, 10, 10).is_err()); // last >= total
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentRange {
    first: u64,
    last: u64,
    total: u64,
}

impl ContentRange {
    /// Build, checking `first <= last < total`.
    pub fn new(first: u64, last: u64, total: u64) -> Result<Self, ValidationError> {
        if first <= last && last < total { Ok(Self { first, last, total }) } else { Err(ValidationError::ContentRange) }
    }

    /// The range of `len` bytes from `first`, in a file of `total` bytes.
    pub fn from_len(first: u64, len: u64, total: u64) -> Result<Self, ValidationError> {
        let last = len.checked_sub(1).and_then(|l| first.checked_add(l)).ok_or(ValidationError::ContentRange)?;
        Self::new(first, last, total)
    }

    /// Offset of the first byte.
    pub const fn first(&self) -> u64 {
        self.first
    }
    /// Offset of the last byte (inclusive).
    pub const fn last(&self) -> u64 {
        self.last
    }
    /// Length of the whole representation.
    pub const fn total(&self) -> u64 {
        self.total
    }
    /// Number of bytes in the range (never 0).
    #[allow(clippy::len_without_is_empty)] // a range is never empty
    pub const fn len(&self) -> u64 {
        self.last - self.first + 1
    }
    /// Offset just past the range.
    pub const fn end(&self) -> u64 {
        self.last + 1
    }
    /// `true` if the range ends at the last byte of the representation.
    pub const fn is_last(&self) -> bool {
        self.last + 1 == self.total
    }

    /// Bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        "bytes ".len() + decimal_len(self.first) + 1 + decimal_len(self.last) + 1 + decimal_len(self.total)
    }

    /// Write `bytes first-last/total`.
    pub fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_slice(b"bytes ");
        put_decimal(out, self.first);
        out.put_u8(b'-');
        put_decimal(out, self.last);
        out.put_u8(b'/');
        put_decimal(out, self.total);
    }

    /// Parse a `Content-Range` value (already trimmed of OWS). The error carries the offset of
    /// the offending byte within `v`. Every real value takes [`decode_usual`], a single pass; the
    /// rest (and every error) the full grammar.
    #[inline]
    pub(crate) fn decode_value(v: &[u8], opts: &DecodeOptions) -> Result<Self, (InvalidKind, usize)> {
        decode_usual(v).map_or_else(|| Self::decode_checked(v, opts), Ok)
    }

    /// The full grammar ([`content_range`]), with the error's kind and its offset in `v`. Cold:
    /// only unusual values and errors come here, and without the mark the compiler's choices
    /// for the head loop around it cost 10 to 40 instructions per request head (callgrind).
    #[cold]
    fn decode_checked(v: &[u8], opts: &DecodeOptions) -> Result<Self, (InvalidKind, usize)> {
        match content_range(v, opts) {
            Ok((_, r)) => Ok(r),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err((e.kind, v.offset(e.input))),
            // A complete parser: it never asks for more.
            Err(nom::Err::Incomplete(_)) => Err((InvalidKind::ContentRange, v.len())),
        }
    }
}

/// `Content-Range` as a nom rule over a whole field value (RFC 9110 §14.4, the one form this
/// codec accepts):
///
/// ```text
/// Content-Range   = range-unit SP first-pos "-" last-pos "/" complete-length
/// range-unit      = "bytes"                 ; case-insensitive (RFC 9110 §14.1)
/// first-pos       = 1*DIGIT
/// last-pos        = 1*DIGIT
/// complete-length = 1*DIGIT                 ; "*" (unknown) is refused
/// ```
///
/// and the range must be satisfied: `first-pos <= last-pos < complete-length`. An unknown
/// length (`bytes 0-9/*`) is refused with its own kind: a BITS Fragment and a Graph `PUT`
/// always know the file's size, and the length is what tells the receiver the upload is
/// complete. With [`DecodeOptions::allow_spaces_in_content_range`], more than one SP may follow
/// the unit.
///
/// The delimiters are found before the numbers are read, so a value without `-` or `/` is
/// reported at its end, and a bad digit where it stands.
pub(crate) fn content_range<'v>(v: &'v [u8], opts: &DecodeOptions) -> PResult<'v, ContentRange> {
    {
        let (rest, ()) = range_unit(v)?;
        let (rest, _) = if opts.allow_spaces_in_content_range { spaces(rest)? } else { (rest, &rest[..0]) };
        let (rest, first_digits) = take_till(|b| b == b'-')(rest)?;
        let (rest, ()) = delimiter(b'-')(rest)?;
        let (rest, last_digits) = take_till(|b| b == b'/')(rest)?;
        let (rest, ()) = delimiter(b'/')(rest)?;
        let (_, first) = position(first_digits)?;
        let (_, last) = position(last_digits)?;
        if rest == b"*" {
            return fail(rest, InvalidKind::ContentRangeUnknownTotal);
        }
        let (end, total) = position(rest)?;
        if last < first {
            return fail(last_digits, InvalidKind::ContentRangeOrder);
        }
        if last >= total {
            return fail(rest, InvalidKind::ContentRangeBeyondTotal);
        }
        Ok((end, ContentRange { first, last, total }))
    }
}

/// `range-unit SP`: `bytes` in any case (the Learn page writes `Bytes`), then one SP. A value
/// too short to hold both is wrong from its first byte.
fn range_unit(v: &[u8]) -> PResult<'_, ()> {
    match v.get(..6) {
        Some(unit) if super::syntax::eq_ignore_ascii_case(&unit[..5], b"bytes") => match unit[5] {
            b' ' => Ok((&v[6..], ())),
            _ => fail(&v[5..], InvalidKind::ContentRange),
        },
        _ => fail(v, InvalidKind::ContentRange),
    }
}

/// `*SP`: the extra spaces the lenient option lets through after the unit.
fn spaces(v: &[u8]) -> PResult<'_, &[u8]> {
    take_while(|b| b == b' ')(v)
}

/// The delimiter `d`; at the end of the value (no such delimiter) the error is there.
fn delimiter(d: u8) -> impl Fn(&[u8]) -> PResult<'_, ()> {
    move |v| match v.split_first() {
        Some((&b, rest)) if b == d => Ok((rest, ())),
        _ => fail(v, InvalidKind::ContentRange),
    }
}

/// `1*DIGIT`, the whole of `v`, as a `u64`: a bad byte (or none at all) is `ContentRange` where
/// it stands, a number past `u64` is `NumberOverflow` at its start.
fn position(v: &[u8]) -> PResult<'_, u64> {
    match decimal_u64(v) {
        Ok(n) => Ok((&v[v.len()..], n)),
        Err(NumberError::Syntax(i)) => fail(&v[i..], InvalidKind::ContentRange),
        Err(NumberError::Overflow) => fail(v, InvalidKind::NumberOverflow(KnownHeader::ContentRange.as_str())),
    }
}

/// `Content-Range` in the shape every client sends, `bytes first-last/total` (the unit in any
/// case, one space, at most 19 digits a number, a satisfied range), read in one pass; `None`
/// for anything else, which [`ContentRange::decode_checked`] then reads, errors and all. A
/// value this accepts is one that reads to the same range there.
#[inline]
fn decode_usual(v: &[u8]) -> Option<ContentRange> {
    const BYTES: Folded<1> = Folded::new("bytes ");
    if v.len() < 6 || !BYTES.matches(&words::<1>(v)) {
        return None;
    }
    let (first, rest) = digits(&v[6..])?;
    let (last, rest) = digits(rest.strip_prefix(b"-")?)?;
    let (total, rest) = digits(rest.strip_prefix(b"/")?)?;
    if !rest.is_empty() {
        return None;
    }
    ContentRange::new(first, last, total).ok()
}

/// 1 to 19 leading digits of `s` (no overflow possible) and what follows them.
#[inline]
fn digits(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut n: u64 = 0;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 || i == 19 {
            break;
        }
        n = n * 10 + u64::from(d);
        i += 1;
    }
    // Twenty digits or more: the slow path decides (overflow or not).
    if i == 0 || s.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((n, &s[i..]))
}

impl fmt::Display for ContentRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bytes {}-{}/{}", self.first, self.last, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod before {
        use super::*;
        /// The hand-written reading this module had before the nom rule, kept as the reference
        /// the rule must agree with, kind and offset, on every case below.
        pub(super) fn reference(v: &[u8], opts: &DecodeOptions) -> Result<ContentRange, (InvalidKind, usize)> {
            let syntax = |at: usize| (InvalidKind::ContentRange, at);
            // Range units are case-insensitive (RFC 9110 §14.1): the Learn page writes `Bytes`.
            if v.len() < 6 || !crate::http1::syntax::eq_ignore_ascii_case(&v[..5], b"bytes") {
                return Err(syntax(0));
            }
            if v[5] != b' ' {
                return Err(syntax(5));
            }
            let mut at = 6;
            if opts.allow_spaces_in_content_range {
                while v.get(at) == Some(&b' ') {
                    at += 1;
                }
            }
            let number = |from: usize, to: usize| -> Result<u64, (InvalidKind, usize)> {
                decimal_u64(&v[from..to]).map_err(|e| match e {
                    NumberError::Syntax(i) => syntax(from + i),
                    NumberError::Overflow => (InvalidKind::NumberOverflow(KnownHeader::ContentRange.as_str()), from),
                })
            };
            let dash = v[at..].iter().position(|&b| b == b'-').map(|i| at + i).ok_or(syntax(v.len()))?;
            let slash = v[dash..].iter().position(|&b| b == b'/').map(|i| dash + i).ok_or(syntax(v.len()))?;
            let first = number(at, dash)?;
            let last = number(dash + 1, slash)?;
            if &v[slash + 1..] == b"*" {
                return Err((InvalidKind::ContentRangeUnknownTotal, slash + 1));
            }
            let total = number(slash + 1, v.len())?;
            if last < first {
                return Err((InvalidKind::ContentRangeOrder, dash + 1));
            }
            if last >= total {
                return Err((InvalidKind::ContentRangeBeyondTotal, slash + 1));
            }
            Ok(ContentRange { first, last, total })
        }
    }

    #[test]
    fn the_usual_shape_reads_as_the_full_grammar_does() {
        let opts = DecodeOptions::default();
        let lenient = DecodeOptions::default().allow_spaces_in_content_range(true);
        let mut cases: Vec<Vec<u8>> = [
            "bytes 0-4891/4892",
            "Bytes 0-0/1",
            "BYTES 4-7/10",
            "bytes 007-9/10",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes 0-1/*",
            "bytes  0-1/2",
            "bytes0-1/2",
            "bytes 0-1/2 ",
            "bytes -1/2",
            "bytes 0-/2",
            "bytes 0-1/",
            "bytes 1-2-3/4",
            "bytes 0-1//2",
            "bytes 18446744073709551615-1/2",
            "bytes 1234567890123456789-1234567890123456789/9999999999999999999",
            "bytes 12345678901234567890-1/2",
            "bytez 0-1/2",
            "byte 0-1/2",
            "",
            "b",
            "bytes",
            "bytes ",
            "bytes 0x1/2",
            "bytes 0-1x2",
            "bytes   -/",
            "bytes 1-0/*",
            "bytes 0-1/**",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        // Every byte value at every position of a typical value.
        let base = b"bytes 10-4891/4892";
        for at in 0..base.len() {
            for b in 0..=255u8 {
                let mut m = base.to_vec();
                m[at] = b;
                cases.push(m);
            }
        }
        for v in &cases {
            for o in [&opts, &lenient] {
                assert_eq!(
                    ContentRange::decode_checked(v, o),
                    before::reference(v, o),
                    "{:?}",
                    String::from_utf8_lossy(v)
                );
            }
            if let Some(r) = decode_usual(v) {
                assert_eq!(ContentRange::decode_checked(v, &opts), Ok(r), "{:?}", String::from_utf8_lossy(v));
                assert_eq!(ContentRange::decode_checked(v, &lenient), Ok(r), "{:?}", String::from_utf8_lossy(v));
            } else {
                // Declined values are the slow path's; they need not be errors, only be read there.
                let _ = ContentRange::decode_checked(v, &opts);
            }
        }
        assert!(decode_usual(b"bytes 0-4891/4892").is_some());
        assert!(decode_usual(b"Bytes 4-7/10").is_some());
    }

    fn dec(s: &str) -> Result<ContentRange, (InvalidKind, usize)> {
        ContentRange::decode_value(s.as_bytes(), &DecodeOptions::default())
    }

    #[test]
    fn decodes_the_capture_form_and_the_docs_spelling() {
        assert_eq!(dec("bytes 0-4891/4892"), Ok(ContentRange::new(0, 4891, 4892).unwrap()));
        assert_eq!(dec("Bytes 4-7/10"), Ok(ContentRange::new(4, 7, 10).unwrap()));
    }

    #[test]
    fn rejects_each_bad_shape_with_its_own_kind() {
        assert_eq!(dec("bytes=0-9/10"), Err((InvalidKind::ContentRange, 5)));
        assert_eq!(dec("bytes 9-0/10"), Err((InvalidKind::ContentRangeOrder, 8)));
        assert_eq!(dec("bytes 0-10/10"), Err((InvalidKind::ContentRangeBeyondTotal, 11)));
        assert_eq!(dec("bytes 0-9/*"), Err((InvalidKind::ContentRangeUnknownTotal, 10)));
        assert_eq!(dec("bytes +0-9/10"), Err((InvalidKind::ContentRange, 6)));
        assert_eq!(dec("bytes 0-9/1 0"), Err((InvalidKind::ContentRange, 11)));
        assert_eq!(dec("bytes 0-9"), Err((InvalidKind::ContentRange, 9)));
        assert_eq!(dec("bytes  0-9/10"), Err((InvalidKind::ContentRange, 6)));
        assert_eq!(dec("bytes 0-99999999999999999999/10"), Err((InvalidKind::NumberOverflow("Content-Range"), 8)));
    }

    #[test]
    fn extra_spaces_only_with_the_option() {
        let opts = DecodeOptions::default().allow_spaces_in_content_range(true);
        assert_eq!(ContentRange::decode_value(b"bytes   0-9/10", &opts), Ok(ContentRange::new(0, 9, 10).unwrap()));
    }

    #[test]
    fn encoded_len_is_exact() {
        let r = ContentRange::new(12, 345, 6789).unwrap();
        let mut v = Vec::new();
        r.encode(&mut v);
        assert_eq!(v, r.to_string().as_bytes());
        assert_eq!(v.len(), r.encoded_len());
    }
}
