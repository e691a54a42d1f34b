//! [`DateTimeOffset`]: Graph's `Edm.DateTimeOffset` as it appears on the wire
//! (`expirationDateTime`, `fileSystemInfo` timestamps), validated and borrowed.

use alloc::borrow::Cow;
use core::fmt;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::one_of;
use nom::combinator::{cut, eof, opt, value};
use nom::sequence::preceded;
use nom::{IResult, Parser};
use serde::{Serialize, Serializer};

use super::json::JsonError;
use crate::error::{InvalidMessage, JsonErrorKind};

/// Longest year accepted: 9 digits (the OpenAPI pattern says `[0-9]{4,}`; 9 keeps every
/// computation in 64 bits).
const MAX_YEAR_DIGITS: usize = 9;
/// Most fraction digits: the Graph OpenAPI pattern allows 1 to 12.
const MAX_FRACTION_DIGITS: usize = 12;

/// A timestamp with zone, RFC 3339 as the Graph OpenAPI pattern writes it:
///
/// ```text
/// date-time = year "-" month "-" day "T" hour ":" minute ":" second [ "." 1*12DIGIT ] zone
/// year      = 4*9DIGIT
/// zone      = "Z" / ( "+" / "-" ) hour ":" minute
/// ```
///
/// Months 01–12, days that exist in that month (leap years included), hours 00–23, minutes
/// and seconds 00–59. Every timestamp the Graph documentation pages show is accepted
/// ("driveItem: createUploadSession", "attachment: createUploadSession", "printDocument:
/// createUploadSession", "uploadSession resource type"): 3 or 7 fraction digits (Graph
/// trims trailing zeros, so 0–7 occur), `Z` or `+00:00`. The zone-less `innerError.date`
/// (`2019-11-21T13:57:37`) is *not* one: that member is kept as plain text.
///
/// The text is kept as received (borrowed from the JSON input) and re-encoded unchanged; no
/// calendar library is involved.
///
/// ```
/// use bits_codec::graph::DateTimeOffset;
/// let t = DateTimeOffset::new("2015-03-13T03:42:23.7511359+00:00").unwrap();
/// assert_eq!((t.year(), t.month(), t.day()), (2015, 3, 13));
/// assert_eq!(t.fraction_digits(), 7);
/// assert_eq!(t.unix_seconds(), DateTimeOffset::new("2015-03-13T03:42:23Z").unwrap().unix_seconds());
/// assert!(DateTimeOffset::new("2019-11-21T13:57:37").is_err()); // no zone
/// assert!(DateTimeOffset::new("2023-02-29T00:00:00Z").is_err()); // not a leap year
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTimeOffset<'a>(Cow<'a, str>);

/// The numeric fields of a validated timestamp.
#[derive(Debug, Clone, Copy)]
struct Fields {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    fraction_digits: usize,
    offset_minutes: i32,
}

const fn is_leap(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

const fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// The grammar (RFC 3339 §5.6 as the Graph OpenAPI pattern narrows it), one nom rule per ABNF
// rule. A rule fails with the input left at the first byte that does not fit, which is the
// offset [`fields`] reports; a value out of its range fails at its first digit.
// ---------------------------------------------------------------------------------------------

/// Where a rule failed (the input left there).
#[derive(Debug, PartialEq)]
struct AtByte<'a>(&'a [u8]);

impl<'a> nom::error::ParseError<&'a [u8]> for AtByte<'a> {
    fn from_error_kind(input: &'a [u8], _: nom::error::ErrorKind) -> Self {
        Self(input)
    }
    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type Rule<'a, O> = IResult<&'a [u8], O, AtByte<'a>>;

fn fail<O>(at: &[u8]) -> Rule<'_, O> {
    Err(nom::Err::Error(AtByte(at)))
}

/// ```text
/// DIGIT = %x30-39
/// ```
fn digit(input: &[u8]) -> Rule<'_, u32> {
    match input.split_first() {
        Some((&d, rest)) if d.is_ascii_digit() => Ok((rest, u32::from(d - b'0'))),
        _ => fail(input),
    }
}

/// `2DIGIT` within `lo..=hi` (the fields below), failing at its first digit when out of range.
fn two_digits(lo: u32, hi: u32) -> impl Fn(&[u8]) -> Rule<'_, u32> {
    move |input| {
        let (rest, (tens, ones)) = (digit, digit).parse(input)?;
        let v = tens * 10 + ones;
        if (lo..=hi).contains(&v) { Ok((rest, v)) } else { fail(input) }
    }
}

/// ```text
/// date-fullyear = 4*9DIGIT   ; RFC 3339: 4DIGIT; the OpenAPI pattern: [0-9]{4,}
/// ```
///
/// At most nine digits keep every computation in 64 bits; a tenth fails where the `-` belongs.
fn date_fullyear(input: &[u8]) -> Rule<'_, u32> {
    let (rest, d) = take_while_m_n(0, MAX_YEAR_DIGITS, |b: u8| b.is_ascii_digit()).parse(input)?;
    if d.len() < 4 {
        return fail(rest);
    }
    Ok((rest, d.iter().fold(0, |y, &b| y * 10 + u32::from(b - b'0'))))
}

/// ```text
/// full-date  = date-fullyear "-" date-month "-" date-mday
/// date-month = 2DIGIT  ; 01-12
/// date-mday  = 2DIGIT  ; 01-28, 01-29, 01-30, 01-31 based on month/year
/// ```
fn full_date(input: &[u8]) -> Rule<'_, (u32, u32, u32)> {
    let (rest, year) = date_fullyear(input)?;
    let (rest, month) = preceded(tag("-"), two_digits(1, 12)).parse(rest)?;
    let (rest, day) = preceded(tag("-"), two_digits(1, days_in_month(year, month))).parse(rest)?;
    Ok((rest, (year, month, day)))
}

/// ```text
/// partial-time = time-hour ":" time-minute ":" time-second [ time-secfrac ]
/// time-hour    = 2DIGIT  ; 00-23
/// time-minute  = 2DIGIT  ; 00-59
/// time-second  = 2DIGIT  ; 00-59 (no leap second: the Graph pattern has none)
/// ```
fn partial_time(input: &[u8]) -> Rule<'_, (u32, u32, u32, Option<&[u8]>)> {
    let (rest, hour) = two_digits(0, 23)(input)?;
    let (rest, minute) = preceded(tag(":"), two_digits(0, 59)).parse(rest)?;
    let (rest, second) = preceded(tag(":"), two_digits(0, 59)).parse(rest)?;
    let (rest, fraction) = opt(time_secfrac).parse(rest)?;
    Ok((rest, (hour, minute, second, fraction)))
}

/// ```text
/// time-secfrac = "." 1*12DIGIT   ; RFC 3339: 1*DIGIT; the Graph pattern: 1 to 12
/// ```
///
/// Once the `.` is there the digits must follow (`cut`: no backing out to "no fraction").
/// A thirteenth digit fails where the zone belongs.
fn time_secfrac(input: &[u8]) -> Rule<'_, &[u8]> {
    preceded(tag("."), cut(take_while_m_n(1, MAX_FRACTION_DIGITS, |b: u8| b.is_ascii_digit()))).parse(input)
}

/// ```text
/// time-offset    = "Z" / time-numoffset
/// time-numoffset = ( "+" / "-" ) time-hour ":" time-minute
/// ```
///
/// Minutes east of UTC. Upper-case `Z` only, as the Graph pattern writes it.
fn time_offset(input: &[u8]) -> Rule<'_, i32> {
    let numoffset = (one_of("+-"), cut((two_digits(0, 23), preceded(tag(":"), two_digits(0, 59)))));
    alt((
        value(0, tag("Z")),
        numoffset.map(|(sign, (h, m))| {
            let minutes = (h * 60 + m) as i32;
            if sign == '-' { -minutes } else { minutes }
        }),
    ))
    .parse(input)
    // Neither form: the failure is at the zone's first byte.
    .or_else(|e| match e {
        nom::Err::Error(_) => fail(input),
        e => Err(e),
    })
}

/// ```text
/// date-time = full-date "T" full-time
/// full-time = partial-time time-offset
/// ```
///
/// The whole input (`T` upper-case, as the Graph pattern writes it).
fn date_time(input: &[u8]) -> Rule<'_, Fields> {
    let (rest, (year, month, day)) = full_date(input)?;
    let (rest, (hour, minute, second, fraction)) = preceded(tag("T"), partial_time).parse(rest)?;
    let (rest, offset_minutes) = time_offset(rest)?;
    let (rest, _) = eof(rest)?;
    let fraction = fraction.unwrap_or_default();
    // Nanoseconds from the first nine digits (more are kept in the text, not in the value).
    let nanos = fraction.iter().chain(b"000000000").take(9).fold(0, |n, &d| n * 10 + u32::from(d - b'0'));
    let fraction_digits = fraction.len();
    Ok((rest, Fields { year, month, day, hour, minute, second, nanos, fraction_digits, offset_minutes }))
}

/// Read every field; the error is the offset of the first bad byte.
fn fields(b: &[u8]) -> Result<Fields, usize> {
    match date_time(b) {
        Ok((_, f)) => Ok(f),
        Err(nom::Err::Error(AtByte(at)) | nom::Err::Failure(AtByte(at))) => Err(b.len() - at.len()),
        // `complete` rules never ask for more.
        Err(nom::Err::Incomplete(_)) => Err(b.len()),
    }
}

/// `true` if `b` is a valid timestamp of the shape every real value has (a 4-digit year), read
/// at fixed offsets without per-field bounds checks; `false` means only "not proven here", and
/// [`fields`] decides (finding the offset of the error). Decoding a session validates one
/// timestamp per body, and this is several times cheaper than [`fields`].
fn is_common_and_valid(b: &[u8]) -> bool {
    let Some((h, mut rest)) = b.split_first_chunk::<19>() else { return false };
    // `YYYY-MM-DDThh:mm:ss` checked as three overlapping 8-byte words (bytes 0-7, 8-15,
    // 11-18) against a template: XOR maps a digit lane to 0..=9 and a separator lane to 0 when
    // the byte is right; adding 0x76 (digit lanes) or 0x7f (separator lanes) to the low 7 bits
    // sets bit 7 exactly when it is not (and bit 7 of the XOR catches bytes >= 0x80).
    const fn word(s: &[u8], i: usize) -> u64 {
        u64::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3], s[i + 4], s[i + 5], s[i + 6], s[i + 7]])
    }
    const TEMPLATE: &[u8; 19] = b"0000-00-00T00:00:00";
    const ADD: &[u8; 19] = b"\x76\x76\x76\x76\x7f\x76\x76\x7f\x76\x76\x7f\x76\x76\x7f\x76\x76\x7f\x76\x76";
    const LANES: [(usize, u64, u64); 3] = [
        (0, word(TEMPLATE, 0), word(ADD, 0)),
        (8, word(TEMPLATE, 8), word(ADD, 8)),
        (11, word(TEMPLATE, 11), word(ADD, 11)),
    ];
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let mut bad = 0;
    for (i, template, add) in LANES {
        let x = h[i..].first_chunk::<8>().map_or(HIGH, |w| u64::from_le_bytes(*w)) ^ template;
        bad |= ((x & LOW7) + add) | x;
    }
    if bad & HIGH != 0 {
        return false;
    }
    let two = |i: usize| u32::from(h[i] - b'0') * 10 + u32::from(h[i + 1] - b'0');
    let (year, month, day) = (two(0) * 100 + two(2), two(5), two(8));
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    if two(11) > 23 || two(14) > 59 || two(17) > 59 {
        return false;
    }
    if let [b'.', fraction @ ..] = rest {
        let n = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 || n > MAX_FRACTION_DIGITS {
            return false;
        }
        rest = &fraction[n..];
    }
    match *rest {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let zone = [h1, h2, m1, m2];
            zone.iter().all(u8::is_ascii_digit)
                && u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0') <= 23
                && u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// Days from 1970-01-01 to the given civil date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl<'a> DateTimeOffset<'a> {
    /// Check `s` without building anything. The error is
    /// [`InvalidKind::Json`](crate::InvalidKind::Json)`(`[`DateTime`](JsonErrorKind::DateTime)`)`
    /// with the offset of the first bad byte of `s`.
    pub fn validate(s: &str) -> Result<(), InvalidMessage> {
        Self::check(s).map_err(InvalidMessage::from)
    }

    pub(crate) fn check(s: &str) -> Result<(), JsonError> {
        if is_common_and_valid(s.as_bytes()) {
            return Ok(());
        }
        fields(s.as_bytes()).map(drop).map_err(|at| JsonError::new(JsonErrorKind::DateTime, at))
    }

    /// Build from a borrowed or owned string, validated (see the type's grammar).
    pub fn new(s: impl Into<Cow<'a, str>>) -> Result<Self, InvalidMessage> {
        let s = s.into();
        Self::validate(&s)?;
        Ok(Self(s))
    }

    pub(crate) fn from_validated(s: Cow<'a, str>) -> Self {
        debug_assert!(Self::validate(&s).is_ok(), "{s:?}");
        Self(s)
    }

    fn fields(&self) -> Fields {
        // Validated at construction; the fallback is never taken.
        fields(self.0.as_bytes()).unwrap_or(Fields {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            nanos: 0,
            fraction_digits: 0,
            offset_minutes: 0,
        })
    }

    /// The text, as received or built.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Year.
    pub fn year(&self) -> u32 {
        self.fields().year
    }
    /// Month, 1–12.
    pub fn month(&self) -> u32 {
        self.fields().month
    }
    /// Day of the month, 1–31.
    pub fn day(&self) -> u32 {
        self.fields().day
    }
    /// Hour, 0–23, local to the offset.
    pub fn hour(&self) -> u32 {
        self.fields().hour
    }
    /// Minute, 0–59.
    pub fn minute(&self) -> u32 {
        self.fields().minute
    }
    /// Second, 0–59.
    pub fn second(&self) -> u32 {
        self.fields().second
    }
    /// The fraction of the second in nanoseconds (digits past the ninth are ignored).
    pub fn nanosecond(&self) -> u32 {
        self.fields().nanos
    }
    /// How many fraction digits were written (0 when there is no fraction).
    pub fn fraction_digits(&self) -> usize {
        self.fields().fraction_digits
    }
    /// The zone offset in minutes east of UTC (`Z` is 0).
    pub fn offset_minutes(&self) -> i32 {
        self.fields().offset_minutes
    }
    /// Seconds since 1970-01-01T00:00:00Z (the fraction dropped): compare an expiry with the
    /// current time without a calendar library.
    pub fn unix_seconds(&self) -> i64 {
        let f = self.fields();
        let days = days_from_civil(i64::from(f.year), i64::from(f.month), i64::from(f.day));
        days * 86_400 + i64::from(f.hour) * 3600 + i64::from(f.minute) * 60 + i64::from(f.second)
            - i64::from(f.offset_minutes) * 60
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> DateTimeOffset<'static> {
        DateTimeOffset(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for DateTimeOffset<'a> {
    type Error = InvalidMessage;
    fn try_from(s: &'a str) -> Result<Self, InvalidMessage> {
        Self::new(s)
    }
}

impl fmt::Debug for DateTimeOffset<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for DateTimeOffset<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DateTimeOffset<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_observed_value() {
        for v in [
            "2015-01-29T09:21:55.523Z",
            "2015-03-13T03:42:23.7511359+00:00",
            "2015-03-28T01:51:08.2520582+00:00",
            "2015-04-17T02:15:08.9815266+00:00",
            "2017-09-15T05:49:22.733Z",
            "2019-05-31T07:48:28.928Z",
            "2020-05-10T14:46:37.498Z",
            "2021-09-21T07:02:17.624Z",
            "2019-09-25T01:09:30.7671707Z",
            "2020-10-25T02:19:38.1694207Z",
            "2022-06-09T10:45:27.4324526Z",
            "2024-02-21T10:54:04.21Z",
            "2024-02-29T23:59:59-08:00",
            "2020-01-01T00:00:00.123456789012Z",
        ] {
            assert!(DateTimeOffset::validate(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn rejects_with_the_offset_of_the_first_bad_byte() {
        let at = |s: &str| DateTimeOffset::validate(s).unwrap_err().offset;
        assert_eq!(at("2019-11-21T13:57:37"), 19);
        assert_eq!(at("2019-13-21T13:57:37Z"), 5);
        assert_eq!(at("2019-04-31T13:57:37Z"), 8);
        assert_eq!(at("2019-11-21 13:57:37Z"), 10);
        assert_eq!(at("2019-11-21T24:00:00Z"), 11);
        assert_eq!(at("2019-11-21T13:57:37.Z"), 20);
        assert_eq!(at("2019-11-21T13:57:37.1234567890123Z"), 32);
        assert_eq!(at("2019-11-21T13:57:37+0100"), 22);
        assert_eq!(at("2019-11-21T13:57:37Zx"), 20);
        assert_eq!(at("19-11-21T13:57:37Z"), 2);
        assert_eq!(at("2019-11-21t13:57:37z"), 10);
        assert_eq!(at(""), 0);
    }

    #[test]
    fn the_fixed_offset_check_never_accepts_what_the_field_reader_refuses() {
        // Every single-byte change of valid values, to every byte value.
        let alphabet: Vec<u8> = (0..=255).collect();
        for v in ["2015-01-29T09:21:55.523Z", "2024-02-29T23:59:59-08:00", "2023-12-31T00:00:00.123456789012+23:59"] {
            let mut b = v.as_bytes().to_vec();
            for i in 0..b.len() {
                let orig = b[i];
                for &c in &alphabet {
                    b[i] = c;
                    if is_common_and_valid(&b) {
                        assert!(fields(&b).is_ok(), "{}", String::from_utf8_lossy(&b));
                    }
                }
                b[i] = orig;
            }
            for n in 0..=b.len() {
                assert_eq!(is_common_and_valid(&b[..n]), fields(&b[..n]).is_ok(), "{n}");
            }
        }
        for day in 1..=31 {
            for month in 1..=12 {
                for year in [1900, 2000, 2023, 2024] {
                    let v = format!("{year}-{month:02}-{day:02}T00:00:00Z");
                    assert_eq!(is_common_and_valid(v.as_bytes()), fields(v.as_bytes()).is_ok(), "{v}");
                }
            }
        }
    }

    // The field reader as it was before the grammar was written as nom rules: the reference
    // the rules are checked against.
    fn digits(b: &[u8], at: usize, n: usize) -> Result<u32, usize> {
        let mut v = 0u32;
        for i in at..at + n {
            match b.get(i) {
                Some(d) if d.is_ascii_digit() => v = v * 10 + u32::from(d - b'0'),
                _ => return Err(i.min(b.len())),
            }
        }
        Ok(v)
    }

    fn expect(b: &[u8], at: usize, c: u8) -> Result<(), usize> {
        if b.get(at) == Some(&c) { Ok(()) } else { Err(at.min(b.len())) }
    }

    fn in_range(v: u32, lo: u32, hi: u32, at: usize) -> Result<u32, usize> {
        if (lo..=hi).contains(&v) { Ok(v) } else { Err(at) }
    }

    /// Read every field; the error is the offset of the first bad byte.
    fn reference_fields(b: &[u8]) -> Result<Fields, usize> {
        let year_len = b.iter().take_while(|d| d.is_ascii_digit()).count();
        if !(4..=MAX_YEAR_DIGITS).contains(&year_len) {
            return Err(year_len.min(MAX_YEAR_DIGITS));
        }
        let year = digits(b, 0, year_len)?;
        let mut at = year_len;
        expect(b, at, b'-')?;
        let month = in_range(digits(b, at + 1, 2)?, 1, 12, at + 1)?;
        at += 3;
        expect(b, at, b'-')?;
        let day = in_range(digits(b, at + 1, 2)?, 1, days_in_month(year, month), at + 1)?;
        at += 3;
        expect(b, at, b'T')?;
        let hour = in_range(digits(b, at + 1, 2)?, 0, 23, at + 1)?;
        at += 3;
        expect(b, at, b':')?;
        let minute = in_range(digits(b, at + 1, 2)?, 0, 59, at + 1)?;
        at += 3;
        expect(b, at, b':')?;
        let second = in_range(digits(b, at + 1, 2)?, 0, 59, at + 1)?;
        at += 3;
        let (mut nanos, mut fraction_digits) = (0u32, 0usize);
        if b.get(at) == Some(&b'.') {
            at += 1;
            let n = b[at..].iter().take_while(|d| d.is_ascii_digit()).count();
            if n == 0 || n > MAX_FRACTION_DIGITS {
                return Err(at + n.min(MAX_FRACTION_DIGITS));
            }
            for (i, d) in b[at..at + n].iter().enumerate() {
                if i < 9 {
                    nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
                }
            }
            fraction_digits = n;
            at += n;
        }
        let offset_minutes = match b.get(at) {
            Some(b'Z') => {
                at += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let h = in_range(digits(b, at + 1, 2)?, 0, 23, at + 1)?;
                expect(b, at + 3, b':')?;
                let m = in_range(digits(b, at + 4, 2)?, 0, 59, at + 4)?;
                at += 6;
                let minutes = (h * 60 + m) as i32;
                if sign == b'-' { -minutes } else { minutes }
            }
            _ => return Err(at.min(b.len())),
        };
        if at != b.len() {
            return Err(at);
        }
        Ok(Fields { year, month, day, hour, minute, second, nanos, fraction_digits, offset_minutes })
    }

    #[test]
    fn the_rules_agree_with_the_reference_reader() {
        let alphabet: Vec<u8> = b"0123456789-+:.TZtz x\xff".to_vec();
        let seeds = [
            "2015-01-29T09:21:55.523Z",
            "2024-02-29T23:59:59-08:00",
            "2023-12-31T00:00:00.123456789012+23:59",
            "123456789-01-01T00:00:00Z",
            "2015-03-13T03:42:23.7511359+00:00",
        ];
        for v in seeds {
            let mut b = v.as_bytes().to_vec();
            for i in 0..b.len() {
                let orig = b[i];
                for &c in &alphabet {
                    b[i] = c;
                    assert_eq!(fields(&b).map(|f| format!("{f:?}")), reference_fields(&b).map(|f| format!("{f:?}")));
                    // One byte inserted and one removed, too.
                    let mut ins = b.clone();
                    ins.insert(i, c);
                    assert_eq!(
                        fields(&ins).map(drop),
                        reference_fields(&ins).map(drop),
                        "{}",
                        String::from_utf8_lossy(&ins)
                    );
                }
                b[i] = orig;
                let mut del = b.clone();
                del.remove(i);
                assert_eq!(
                    fields(&del).map(drop),
                    reference_fields(&del).map(drop),
                    "{}",
                    String::from_utf8_lossy(&del)
                );
            }
            for n in 0..=b.len() {
                assert_eq!(fields(&b[..n]).map(drop), reference_fields(&b[..n]).map(drop), "{n}");
            }
        }
    }

    #[test]
    fn each_rule_fails_at_its_first_bad_byte() {
        let left = |r: Rule<'_, _>| {
            r.map(|(rest, _): (&[u8], ())| rest.len()).map_err(|e| match e {
                nom::Err::Error(AtByte(at)) | nom::Err::Failure(AtByte(at)) => at.len(),
                nom::Err::Incomplete(_) => usize::MAX,
            })
        };
        assert_eq!(digit(b"7x"), Ok((&b"x"[..], 7)));
        assert_eq!(left(digit(b"x7").map(|(r, _)| (r, ()))), Err(2));
        assert_eq!(two_digits(1, 12)(b"12"), Ok((&b""[..], 12)));
        assert_eq!(left(two_digits(1, 12)(b"13").map(|(r, _)| (r, ()))), Err(2));
        assert_eq!(left(two_digits(1, 12)(b"1x").map(|(r, _)| (r, ()))), Err(1));
        assert_eq!(date_fullyear(b"2015-"), Ok((&b"-"[..], 2015)));
        assert_eq!(left(date_fullyear(b"201-").map(|(r, _)| (r, ()))), Err(1));
        assert_eq!(date_fullyear(b"1234567890").map(|(r, y)| (r.len(), y)), Ok((1, 123_456_789)));
        assert_eq!(full_date(b"2024-02-29"), Ok((&b""[..], (2024, 2, 29))));
        assert_eq!(left(full_date(b"2023-02-29").map(|(r, _)| (r, ()))), Err(2));
        assert_eq!(left(full_date(b"2023/02-28").map(|(r, _)| (r, ()))), Err(6));
        assert_eq!(partial_time(b"23:59:59.5Z"), Ok((&b"Z"[..], (23, 59, 59, Some(&b"5"[..])))));
        assert_eq!(partial_time(b"00:00:00Z"), Ok((&b"Z"[..], (0, 0, 0, None))));
        assert_eq!(left(partial_time(b"00:60:00Z").map(|(r, _)| (r, ()))), Err(6));
        assert_eq!(left(partial_time(b"00:00:00.Z").map(|(r, _)| (r, ()))), Err(1));
        assert_eq!(time_secfrac(b".1234567890123"), Ok((&b"3"[..], &b"123456789012"[..])));
        assert_eq!(time_offset(b"Z"), Ok((&b""[..], 0)));
        assert_eq!(time_offset(b"-08:00"), Ok((&b""[..], -480)));
        assert_eq!(time_offset(b"+05:30"), Ok((&b""[..], 330)));
        assert_eq!(left(time_offset(b"z").map(|(r, _)| (r, ()))), Err(1));
        assert_eq!(left(time_offset(b"+0100").map(|(r, _)| (r, ()))), Err(2));
        assert_eq!(left(time_offset(b"+24:00").map(|(r, _)| (r, ()))), Err(5));
        assert_eq!(left(date_time(b"2019-11-21T13:57:37Zx").map(|(r, _)| (r, ()))), Err(1));
    }

    #[test]
    fn unix_seconds_apply_the_offset() {
        let t = |s: &str| DateTimeOffset::new(s).unwrap().unix_seconds();
        assert_eq!(t("1970-01-01T00:00:00Z"), 0);
        assert_eq!(t("2015-01-29T09:21:55.523Z"), 1_422_523_315);
        assert_eq!(t("2015-01-29T10:21:55+01:00"), 1_422_523_315);
        assert_eq!(t("2000-03-01T00:00:00Z"), 951_868_800);
        assert_eq!(DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap().nanosecond(), 523_000_000);
    }
}
