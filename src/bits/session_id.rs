//! `BITS-Session-Id`.

use alloc::borrow::Cow;

use super::guid::Guid;
use crate::error::ValidationError;
use crate::http1::values::str_newtype;

/// The wire rule of `BITS-Session-Id` ([`super::headers::session_id`]): a built id is one a
/// decoder reads back.
fn is_session_id(s: &[u8]) -> bool {
    super::headers::session_id::session_id(s).is_ok()
}

str_newtype!(
    /// A session id: 1 to 100 visible ASCII characters (`%x21-7E`).
    ///
    /// [MC-BUP] calls it a GUID; the Learn docs allow "any HTTP-legal string up to 100
    /// characters", and real servers send braced GUIDs in either case, bare GUIDs, and signed
    /// decimal numbers (SimpleBITSServer). All are accepted and echoed byte for byte
    /// (the wire rule is in `bits/headers/session_id.rs`).
    ///
    /// ```
    /// use bits_codec::bits::SessionId;
    /// let id = SessionId::new("{A0FF5911-4144-45B3-BF27-27AFC8EC8A67}").unwrap();
    /// assert!(id.as_guid().is_some());
    /// assert!(SessionId::new("-7214031596473453851").is_ok());
    /// assert!(SessionId::new("has space").is_err());
    /// assert!(SessionId::new("").is_err());
    /// ```
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    SessionId, is_session_id, ValidationError::SessionId
);

impl SessionId<'_> {
    /// A braced upper-case GUID, as IIS generates them.
    pub fn from_guid(g: Guid) -> SessionId<'static> {
        SessionId(Cow::Owned(g.to_braced(true).into_bytes()))
    }

    /// The GUID this id spells, braced or bare, in any case.
    pub fn as_guid(&self) -> Option<Guid> {
        Guid::decode(self.as_bytes(), true).ok()
    }

    /// Whether two ids name the same session: GUID-shaped ids compare by value (case and
    /// braces aside), others byte for byte.
    pub fn matches(&self, other: &SessionId<'_>) -> bool {
        match (self.as_guid(), other.as_guid()) {
            (Some(a), Some(b)) => a == b,
            _ => self.as_str() == other.as_str(),
        }
    }
}
