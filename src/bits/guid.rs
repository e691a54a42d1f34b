//! GUIDs: the protocol GUID of `BITS-Supported-Protocols` / `BITS-Protocol`, and the usual
//! shape of session ids.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::ValidationError;
use crate::http1::syntax::hex32;
use crate::limits::MAX_SUPPORTED_PROTOCOLS;

const NOT_HEX: u8 = 0xff;

/// Hex digit value by byte, `NOT_HEX` for anything else.
const HEX: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// A GUID, `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` ([MS-DTYP] §2.3.4.3), held as its 128 bits
/// in text order. Hex digits compare case-insensitively (RFC 4122 §3); written in lower case,
/// as the Windows client and IIS write the protocol GUID.
///
/// ```
/// use bits_codec::bits::Guid;
/// let g: Guid = "{7DF0354D-249B-430F-820D-3D2A9BEF4931}".parse().unwrap();
/// assert_eq!(g, Guid::BITS_1_5_UPLOAD);
/// assert_eq!(g.to_string(), "{7df0354d-249b-430f-820d-3d2a9bef4931}");
/// assert!("{7df0354d-249b-430f-820d}".parse::<Guid>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Guid(u128);

/// Braced, as on the wire (`{7DF0354D-249B-430F-820D-3D2A9BEF4931}`), so a logged value can be
/// matched to the packet it came from.
impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_braced(false))
    }
}

impl Guid {
    /// `{7df0354d-249b-430f-820d-3d2a9bef4931}`: the BITS 1.5 Upload Protocol, the only protocol
    /// defined ([MC-BUP] §1.7.1).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub const BITS_1_5_UPLOAD: Self = Self(0x7df0354d_249b_430f_820d_3d2a9bef4931);

    /// From the 128 bits in text order.
    pub const fn from_u128(v: u128) -> Self {
        Self(v)
    }

    /// The 128 bits in text order.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// Parse `{8-4-4-4-12}`; with `allow_unbraced`, also the bare `8-4-4-4-12` form. On error,
    /// the offset of the first bad byte.
    pub(crate) fn decode(v: &[u8], allow_unbraced: bool) -> Result<Self, usize> {
        let (inner, skip) = match v {
            [b'{', inner @ .., b'}'] => (inner, 1),
            _ if allow_unbraced && v.len() == 36 => (v, 0),
            [b'{', ..] => return Err(v.len().min(37)),
            _ => return Err(0),
        };
        if inner.len() != 36 {
            return Err(skip + inner.len().min(36));
        }
        if let Some(n) = Self::decode_words(inner) {
            return Ok(Self(n));
        }
        // Five fixed groups, 8-4-4-4-12 hex digits, separated by '-'; byte by byte to find the
        // first bad one.
        let mut n: u128 = 0;
        let mut at = 0;
        for (group, len) in [8usize, 4, 4, 4, 12].into_iter().enumerate() {
            if group > 0 {
                if inner[at] != b'-' {
                    return Err(skip + at);
                }
                at += 1;
            }
            for (j, &b) in inner[at..at + len].iter().enumerate() {
                let d = HEX[usize::from(b)];
                if d == NOT_HEX {
                    return Err(skip + at + j);
                }
                n = (n << 4) | u128::from(d);
            }
            at += len;
        }
        Ok(Self(n))
    }

    /// The 36 bytes inside the braces, if well formed: four dashes, then the 32 digits as four
    /// words of eight (the 4-digit groups paired), each checked and converted by SWAR.
    #[inline]
    fn decode_words(inner: &[u8]) -> Option<u128> {
        let b: &[u8; 36] = inner.try_into().ok()?;
        if [b[8], b[13], b[18], b[23]] != [b'-'; 4] {
            return None;
        }
        let word =
            |i: usize| u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]]);
        let pair = |i: usize, j: usize| {
            u64::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[j], b[j + 1], b[j + 2], b[j + 3]])
        };
        hex32([word(0), pair(9, 14), pair(19, 24), word(28)])
    }

    /// The braced text form, lower- or upper-case hex.
    pub fn to_braced(self, upper: bool) -> String {
        let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
        let mut s = String::with_capacity(38);
        s.push('{');
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                s.push('-');
            }
            let nibble = (self.0 >> (124 - 4 * i)) & 0xf;
            s.push(char::from(digits[nibble as usize]));
        }
        s.push('}');
        s
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_braced(false))
    }
}

impl core::str::FromStr for Guid {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Self::decode(s.as_bytes(), false).map_err(|_| ValidationError::Guid)
    }
}

/// The GUIDs of `BITS-Supported-Protocols`, most preferred first: 1 to 100 of them.
///
/// One GUID (all the Windows client sends) is held inline: decoding it allocates nothing.
///
/// ```
/// use bits_codec::bits::{Guid, ProtocolList};
/// let list = ProtocolList::new(vec![Guid::BITS_1_5_UPLOAD]).unwrap();
/// assert!(list.contains(Guid::BITS_1_5_UPLOAD));
/// assert!(ProtocolList::new(vec![]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProtocolList {
    first: Guid,
    rest: Vec<Guid>,
}

impl ProtocolList {
    /// One protocol.
    pub fn one(g: Guid) -> Self {
        Self { first: g, rest: Vec::new() }
    }

    /// Several protocols, most preferred first; 1 to 100 of them.
    pub fn new(list: Vec<Guid>) -> Result<Self, ValidationError> {
        let mut it = list.into_iter();
        let first = it.next().ok_or(ValidationError::ProtocolList)?;
        let rest: Vec<Guid> = it.collect();
        if rest.len() >= MAX_SUPPORTED_PROTOCOLS {
            return Err(ValidationError::ProtocolList);
        }
        Ok(Self { first, rest })
    }

    pub(crate) fn push(&mut self, g: Guid) -> bool {
        if self.rest.len() + 1 >= MAX_SUPPORTED_PROTOCOLS {
            return false;
        }
        self.rest.push(g);
        true
    }

    /// The protocols in order.
    pub fn iter(&self) -> impl Iterator<Item = Guid> + '_ {
        core::iter::once(self.first).chain(self.rest.iter().copied())
    }

    /// How many protocols (at least 1).
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// `true` if `g` is in the list.
    pub fn contains(&self, g: Guid) -> bool {
        self.iter().any(|x| x == g)
    }

    /// The wire value: braced lower-case GUIDs separated by one space.
    pub(crate) fn to_value(&self) -> String {
        let mut s = String::with_capacity(39 * self.len());
        for (i, g) in self.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&g.to_braced(false));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_braced_guid() {
        let g: Guid = "{7df0354d-249b-430f-820d-3d2a9bef4931}".parse().unwrap();
        assert_eq!(alloc::format!("{g:?}"), "{7df0354d-249b-430f-820d-3d2a9bef4931}");
    }

    /// The byte-by-byte reading alone, as the reference for the word path.
    fn bytewise(v: &[u8], allow_unbraced: bool) -> Result<u128, usize> {
        let (inner, skip) = match v {
            [b'{', inner @ .., b'}'] => (inner, 1),
            _ if allow_unbraced && v.len() == 36 => (v, 0),
            [b'{', ..] => return Err(v.len().min(37)),
            _ => return Err(0),
        };
        if inner.len() != 36 {
            return Err(skip + inner.len().min(36));
        }
        let mut n: u128 = 0;
        for (i, &c) in inner.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(skip + i);
                }
                continue;
            }
            let d = HEX[usize::from(c)];
            if d == NOT_HEX {
                return Err(skip + i);
            }
            n = (n << 4) | u128::from(d);
        }
        Ok(n)
    }

    #[test]
    fn word_decode_agrees_with_the_bytewise_reading_for_every_byte() {
        for base in ["{7df0354d-249b-430f-820d-3d2a9bef4931}", "{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}"] {
            for v in [base.as_bytes(), &base.as_bytes()[1..37]] {
                for at in 0..v.len() {
                    for b in 0..=255u8 {
                        let mut m = v.to_vec();
                        m[at] = b;
                        for allow in [false, true] {
                            assert_eq!(
                                Guid::decode(&m, allow).map(Guid::as_u128),
                                bytewise(&m, allow),
                                "{b:#x} at {at}"
                            );
                        }
                    }
                }
            }
        }
    }
}
