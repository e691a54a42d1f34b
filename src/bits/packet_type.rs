//! `BITS-Packet-Type` values.

use core::fmt;

/// The value of `BITS-Packet-Type`.
///
/// Compared ASCII case-insensitively on input: the spec spells `CREATE-SESSION`, the Windows
/// client sends `Create-Session`, test suites send `fRaGmEnT` (digest §7 A1). Written in the
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
    Ping,
    /// `Create-Session` ([MC-BUP] §2.2.2).
    CreateSession,
    /// `Fragment`: a range of the upload ([MC-BUP] §2.2.6).
    Fragment,
    /// `Close-Session` ([MC-BUP] §2.2.8).
    CloseSession,
    /// `Cancel-Session` ([MC-BUP] §2.2.10).
    CancelSession,
    /// `Ack`: every response ([MC-BUP] §2.2.3 and the other Ack sections).
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
        Self::ALL.into_iter().find(|t| crate::http::syntax::eq_ignore_ascii_case(t.as_str().as_bytes(), v))
    }

    /// `true` for the five request types.
    pub const fn is_request(self) -> bool {
        !matches!(self, Self::Ack)
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
