//! `BITS-Packet-Type` values.

use core::fmt;

use crate::http1::syntax::{Folded, words};

/// The value of `BITS-Packet-Type`.
///
/// Compared ASCII case-insensitively on input: the spec spells `CREATE-SESSION`, the Windows
/// client sends `Create-Session`, test suites send `fRaGmEnT`; the value names a packet, so
/// case carries nothing (the rule is in `bits/headers/packet_type.rs`). Written in the
/// canonical spelling of the Learn docs and the Windows wire.
///
/// ```
/// use bits_codec::bits::PacketType;
/// assert_eq!(PacketType::from_bytes(b"CREATE-SESSION"), Some(PacketType::CreateSession));
/// assert_eq!(PacketType::CreateSession.as_str(), "Create-Session");
/// assert_eq!(PacketType::from_bytes(b"AWESOME-MESSAGE"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum PacketType {
    /// `Ping`: connection and authentication warm-up ([MC-BUP] §2.2.4).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    Ping,
    /// `Create-Session` ([MC-BUP] §2.2.2).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    CreateSession,
    /// `Fragment`: a range of the upload ([MC-BUP] §2.2.6).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    Fragment,
    /// `Close-Session` ([MC-BUP] §2.2.8).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    CloseSession,
    /// `Cancel-Session` ([MC-BUP] §2.2.10).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    CancelSession,
    /// `Ack`: every response ([MC-BUP] §2.2.3 and the other Ack sections).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    Ack,
}

impl PacketType {
    /// Every packet type.
    pub const ALL: [Self; 6] =
        [Self::Ping, Self::CreateSession, Self::Fragment, Self::CloseSession, Self::CancelSession, Self::Ack];

    /// The canonical spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ping => "Ping",
            Self::CreateSession => "Create-Session",
            Self::Fragment => "Fragment",
            Self::CloseSession => "Close-Session",
            Self::CancelSession => "Cancel-Session",
            Self::Ack => "Ack",
        }
    }

    /// The packet type `v` spells, in any case.
    pub fn from_bytes(v: &[u8]) -> Option<Self> {
        // By length, then one or two compares of two words each, instead of a case-folding
        // compare against every type in turn.
        let w = words::<2>(v);
        let is = |t: Self| FOLDED[t as usize].matches(&w);
        match v.len() {
            3 if is(Self::Ack) => Some(Self::Ack),
            4 if is(Self::Ping) => Some(Self::Ping),
            8 if is(Self::Fragment) => Some(Self::Fragment),
            13 if is(Self::CloseSession) => Some(Self::CloseSession),
            14 if is(Self::CreateSession) => Some(Self::CreateSession),
            14 if is(Self::CancelSession) => Some(Self::CancelSession),
            _ => None,
        }
    }

    /// `true` for the five request types.
    pub const fn is_request(self) -> bool {
        !matches!(self, Self::Ack)
    }
}

/// Every spelling, prepared for case-insensitive compares by words, indexed by discriminant.
const FOLDED: [Folded<2>; 6] = {
    let mut t = [Folded::new(""); 6];
    let mut i = 0;
    while i < PacketType::ALL.len() {
        t[PacketType::ALL[i] as usize] = Folded::new(PacketType::ALL[i].as_str());
        i += 1;
    }
    t
};

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lookup_agrees_with_the_plain_compare_for_every_byte() {
        let plain = |v: &[u8]| PacketType::ALL.into_iter().find(|t| t.as_str().as_bytes().eq_ignore_ascii_case(v));
        for t in PacketType::ALL {
            let name = t.as_str().as_bytes();
            for at in 0..name.len() {
                for b in 0..=255u8 {
                    let mut v = name.to_vec();
                    v[at] = b;
                    assert_eq!(PacketType::from_bytes(&v), plain(&v), "{b:#x} at {at} of {t:?}");
                }
            }
            assert_eq!(PacketType::from_bytes(&name[1..]), None);
        }
        assert_eq!(PacketType::from_bytes(b""), None);
    }
}
