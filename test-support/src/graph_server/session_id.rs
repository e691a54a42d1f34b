//! [`SessionId`]: 128 bits from the operating system's random source.

use std::fmt;

/// A session's id: 128 bits read from the operating system's random source (`getrandom`),
/// written as 32 lowercase hex digits in the `uploadUrl` and in file names.
///
/// Why random and not a counter: the `uploadUrl` is the session's only credential (Graph
/// sends it without `Authorization`, "Upload large files with an upload session"), so a
/// counter lets anyone who saw one URL write into the next; and a counter restarts with the
/// process, so after a restart a resuming client's URL names a new client's session. 128
/// random bits are never guessed and never repeat in practice.
///
/// ```
/// use bits_codec_test_support::graph_server::SessionId;
/// let (a, b) = (SessionId::random().unwrap(), SessionId::random().unwrap());
/// assert_ne!(a, b);
/// assert_eq!(a.to_string().len(), 32);
/// assert_eq!(SessionId::from_u128(0xab).to_string(), format!("{:032x}", 0xab));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(u128);

impl SessionId {
    /// A fresh id from the operating system's random source; `Err` when it has none to give.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(Self(u128::from_le_bytes(bytes)))
    }

    /// The id with these bits (for tests that name an id).
    pub const fn from_u128(n: u128) -> Self {
        Self(n)
    }

    /// The id's bits.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// The id in the 8-4-4-4-12 form of a GUID, as Graph writes the `guid='…'` of its
    /// `uploadUrl`s.
    pub fn hyphenated(self) -> String {
        let h = self.to_string();
        format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyphenated_is_a_guid_shape() {
        let id = SessionId::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(id.hyphenated(), "01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(id.as_u128(), 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    }
}
