//! Byte classes of RFC 9110/9112 and the strict number grammars, shared by decoding and
//! validation of built values.

// The word-at-a-time scans moved to `scan`; their old path stays for the modules that use it.
pub(crate) use super::scan::{Folded, eq_ignore_ascii_case, hex32, visible_len, words};
#[cfg(feature = "graph")]
pub(crate) use super::scan::{word_at, word_partial};

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

/// `true` if every byte of `s` is a `tchar` (`s` may be empty): the names of unknown headers.
/// The table is read for every byte with no early exit (names are short, and a branch per
/// byte cost more than the lookups it would skip; a word-at-a-time check was slower still).
#[inline]
pub(crate) fn all_tchar(s: &[u8]) -> bool {
    s.iter().fold(true, |ok, &b| ok & is_tchar(b))
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
    // 19 digits cannot overflow (10^19 - 1 < 2^64): no checked arithmetic per digit for every
    // real length. (A word-at-a-time version was tried: slower on the usual 1 to 10 digits.)
    if s.len() <= 19 {
        let mut n: u64 = 0;
        for (i, &b) in s.iter().enumerate() {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return Err(NumberError::Syntax(i));
            }
            n = n * 10 + u64::from(d);
        }
        return Ok(n);
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

/// `[ "0x" / "0X" ] 1*8HEXDIG` into a `u32` (HRESULT and error-context values: IIS writes
/// `0x`, and peers in use send bare digits such as `0` and `5`, so the prefix is optional).
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
    fn all_tchar_matches_the_table() {
        for b in 0..=255u8 {
            let s = [b'a', b, b'z'];
            assert_eq!(all_tchar(&s), is_tchar(b), "{b:#x}");
        }
        assert!(all_tchar(b""));
    }

    #[test]
    fn decimal_fast_path_matches_checked_loop() {
        for s in ["0", "7", "42", "4892", "0004892", "1234567890123456789", "9999999999999999999"] {
            assert_eq!(decimal_u64(s.as_bytes()), Ok(s.parse().unwrap()), "{s}");
        }
        assert_eq!(decimal_u64(b"12a4"), Err(NumberError::Syntax(2)));
        assert_eq!(decimal_u64(b"/"), Err(NumberError::Syntax(0)));
        assert_eq!(decimal_u64(b":"), Err(NumberError::Syntax(0)));
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
