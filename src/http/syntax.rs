//! Byte classes of RFC 9110/9112 and the strict number grammars, shared by decoding and
//! validation of built values.

/// `tchar` (RFC 9110 §5.6.2): the bytes of a token (header names, methods).
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        i += 1;
    }
    t
};

/// Bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
const FIELD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i == 0x09 || (i >= 0x20 && i != 0x7f);
        i += 1;
    }
    t
};

#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

#[inline]
pub(crate) fn is_field_byte(b: u8) -> bool {
    FIELD_BYTE[b as usize]
}

/// Visible ASCII, `%x21-7E`: request targets and session ids.
#[inline]
pub(crate) fn is_visible(b: u8) -> bool {
    (0x21..=0x7e).contains(&b)
}

#[inline]
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// A field value as it may be sent: field bytes only, no leading or trailing whitespace.
pub(crate) fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| is_field_byte(b))
        && !s.first().is_some_and(|&b| is_ows(b))
        && !s.last().is_some_and(|&b| is_ows(b))
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Non-zero iff some byte of `x` is below `n` (exact for `n <= 0x80`; bytes >= 0x80 never count).
#[inline]
fn has_less(x: u64, n: u8) -> u64 {
    x.wrapping_sub(LO * u64::from(n)) & !x & HI
}

/// Non-zero iff some byte of `x` is zero.
#[inline]
fn has_zero(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// Length of the longest prefix of `s` whose bytes all pass `ok`; `swar_bad(word)` must be
/// non-zero whenever one of the word's 8 bytes fails `ok` (it may also be non-zero for words
/// that pass: those are checked byte by byte). Eight bytes a step in safe code: the scan of
/// header values and targets is most of a head's bytes.
#[inline]
fn prefix_len(s: &[u8], ok: impl Fn(u8) -> bool, swar_bad: impl Fn(u64) -> u64) -> usize {
    let mut i = 0;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if swar_bad(u64::from_le_bytes(word)) != 0 {
            if let Some(j) = chunk.iter().position(|&b| !ok(b)) {
                return i + j;
            }
        }
        i += 8;
    }
    i + s[i..].iter().position(|&b| !ok(b)).unwrap_or(s.len() - i)
}

/// Length of the run of field bytes (HTAB, SP, VCHAR, obs-text) at the start of `s`.
pub(crate) fn field_bytes_len(s: &[u8]) -> usize {
    // Below 0x20 (controls, and HTAB: rechecked bytewise) or equal to 0x7F.
    prefix_len(s, is_field_byte, |x| has_less(x, 0x20) | has_zero(x ^ (LO * 0x7f)))
}

/// Length of the run of visible ASCII (`%x21-7E`) at the start of `s`.
pub(crate) fn visible_len(s: &[u8]) -> usize {
    prefix_len(s, is_visible, |x| has_less(x, 0x21) | (x & HI) | has_zero(x ^ (LO * 0x7f)))
}

/// `a` equals `b` ignoring ASCII case, eight bytes a step; exact for any bytes (only the 0x20
/// bit of ASCII letters may differ). Header names, packet types and range units go through it.
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if !word_eq_ignore_case(u64::from_le_bytes(wx), u64::from_le_bytes(wy)) {
            return false;
        }
    }
    let (x, y) = (ca.remainder(), cb.remainder());
    let mut wx = [0u8; 8];
    let mut wy = [0u8; 8];
    wx[..x.len()].copy_from_slice(x);
    wy[..y.len()].copy_from_slice(y);
    word_eq_ignore_case(u64::from_le_bytes(wx), u64::from_le_bytes(wy))
}

#[inline]
fn word_eq_ignore_case(x: u64, y: u64) -> bool {
    let diff = x ^ y;
    if diff == 0 {
        return true;
    }
    // Bytes of `y` that are ASCII letters: (y | 0x20) in 'a'..='z', high bit clear.
    let lower = (y | (LO * 0x20)) & !HI;
    let ge_a = lower.wrapping_add(LO * (0x80 - 0x61)) & HI;
    let ge_brace = lower.wrapping_add(LO * (0x80 - 0x7b)) & HI;
    let letters = ge_a & !ge_brace & !(y & HI);
    // Equal iff every differing bit is the case bit of a letter.
    diff & !(letters >> 2) == 0
}

/// Why a number did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Not `1*DIGIT` (empty, sign, space, other byte); the offset of the first bad byte.
    Syntax(usize),
    /// Too large for the type.
    Overflow,
}

/// `1*DIGIT` into a `u64`, by hand: `str::parse` accepts a leading `+`, which is exactly the
/// Content-Length smuggling shape (`Content-Length: +3`). Leading zeros are accepted: they are
/// valid `1*DIGIT` and carry no ambiguity.
pub(crate) fn decimal_u64(s: &[u8]) -> Result<u64, NumberError> {
    if s.is_empty() {
        return Err(NumberError::Syntax(0));
    }
    let mut n: u64 = 0;
    for (i, &b) in s.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(NumberError::Syntax(i));
        }
        n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(b - b'0'))).ok_or(NumberError::Overflow)?;
    }
    Ok(n)
}

/// `1*DIGIT` into a `u32`.
pub(crate) fn decimal_u32(s: &[u8]) -> Result<u32, NumberError> {
    u32::try_from(decimal_u64(s)?).map_err(|_| NumberError::Overflow)
}

/// `[ "0x" / "0X" ] 1*8HEXDIG` into a `u32` (HRESULT and error-context values; digest §7 A7).
/// Leading zeros beyond 8 digits are not accepted: the field is a 32-bit pattern.
pub(crate) fn hex_u32(s: &[u8]) -> Result<u32, NumberError> {
    let (digits, skip) = match s {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 2),
        _ => (s, 0),
    };
    if digits.is_empty() {
        return Err(NumberError::Syntax(skip));
    }
    if digits.len() > 8 {
        return Err(NumberError::Overflow);
    }
    let mut n: u32 = 0;
    for (i, &b) in digits.iter().enumerate() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(NumberError::Syntax(skip + i)),
        };
        n = (n << 4) | u32::from(d);
    }
    Ok(n)
}

/// Trim OWS from both ends.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_ows(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_ows(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Number of decimal digits of `n` (for exact `encoded_len`).
pub(crate) fn decimal_len(mut n: u64) -> usize {
    let mut len = 1;
    while n >= 10 {
        n /= 10;
        len += 1;
    }
    len
}

/// Append `n` in decimal without allocating.
pub(crate) fn put_decimal<B: bytes::BufMut>(out: &mut B, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_rejects_signs_spaces_and_overflow() {
        assert_eq!(decimal_u64(b"0"), Ok(0));
        assert_eq!(decimal_u64(b"007"), Ok(7));
        assert_eq!(decimal_u64(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(decimal_u64(b"18446744073709551616"), Err(NumberError::Overflow));
        assert_eq!(decimal_u64(b"+3"), Err(NumberError::Syntax(0)));
        assert_eq!(decimal_u64(b"-3"), Err(NumberError::Syntax(0)));
        assert_eq!(decimal_u64(b"1 2"), Err(NumberError::Syntax(1)));
        assert_eq!(decimal_u64(b""), Err(NumberError::Syntax(0)));
        assert_eq!(decimal_u64(b"0x10"), Err(NumberError::Syntax(1)));
    }

    #[test]
    fn hex_accepts_with_and_without_prefix() {
        assert_eq!(hex_u32(b"0x80070057"), Ok(0x8007_0057));
        assert_eq!(hex_u32(b"0X8020001f"), Ok(0x8020_001F));
        assert_eq!(hex_u32(b"80070057"), Ok(0x8007_0057));
        assert_eq!(hex_u32(b"5"), Ok(5));
        assert_eq!(hex_u32(b"0x"), Err(NumberError::Syntax(2)));
        assert_eq!(hex_u32(b"0x1234567890"), Err(NumberError::Overflow));
        assert_eq!(hex_u32(b"-5"), Err(NumberError::Syntax(0)));
        assert_eq!(hex_u32(b"x5"), Err(NumberError::Syntax(0)));
    }

    #[test]
    fn swar_scans_agree_with_the_byte_tables() {
        // Every byte value at every position of a 20-byte run, against the plain definition.
        for b in 0..=255u8 {
            for at in 0..20 {
                let mut s = [b'a'; 20];
                s[at] = b;
                let want = s.iter().position(|&c| !is_field_byte(c)).unwrap_or(20);
                assert_eq!(field_bytes_len(&s), want, "field byte {b:#x} at {at}");
                let want = s.iter().position(|&c| !is_visible(c)).unwrap_or(20);
                assert_eq!(visible_len(&s), want, "visible byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn case_folding_compare_is_exact_for_every_byte_pair() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let want = a.eq_ignore_ascii_case(&b);
                for at in [0, 5, 8, 12] {
                    let mut x = *b"Content-Range-Xy";
                    let mut y = x;
                    x[at] = a;
                    y[at] = b;
                    assert_eq!(
                        eq_ignore_ascii_case(&x[..13.max(at + 1)], &y[..13.max(at + 1)]),
                        want,
                        "{a:#x} {b:#x} at {at}"
                    );
                }
            }
        }
        assert!(eq_ignore_ascii_case(b"BITS-PACKET-TYPE", b"bits-packet-type"));
        assert!(!eq_ignore_ascii_case(b"BITS-PACKET-TYP", b"bits-packet-type"));
    }

    #[test]
    fn put_decimal_matches_decimal_len() {
        for n in [0, 9, 10, 99, 100, 4892, u64::MAX] {
            let mut v = Vec::new();
            put_decimal(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
            assert_eq!(decimal_len(n), v.len());
        }
    }
}
