//! `BITS-Session-Id` ([MC-BUP] §2.2.1.1).
//!
//! ```text
//! BITS-Session-Id = 1*100VCHAR
//! ```
//!
//! [MC-BUP] calls the id a GUID, but the Learn page for the header allows any HTTP-legal string
//! of up to 100 characters, and servers in use send braced GUIDs in either case, bare GUIDs and
//! signed decimal numbers. The client only echoes the id, so it is kept as opaque text: any
//! visible ASCII, 1 to 100 bytes.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::{end, fail};
use crate::bits::session_id::SessionId;
use crate::error::InvalidKind;
use crate::http1::parse::PResult;
use crate::http1::syntax::visible_len;
use crate::http1::values::FieldValue;
use crate::limits::MAX_SESSION_ID_LEN;

/// The rule: the whole value, 1 to [`MAX_SESSION_ID_LEN`] visible bytes, through [`check`].
#[inline(always)]
pub(crate) fn session_id(v: &[u8]) -> PResult<'_, &[u8]> {
    match check(v) {
        Ok(id) => Ok((end(v), id)),
        Err(i) => fail(&v[i..], InvalidKind::SessionId),
    }
}

/// The leaf of [`session_id`]: `Err` is the offset of the first byte in the way. The visible
/// check runs eight bytes a step ([`visible_len`]): an id is usually a 38-byte GUID.
#[inline(always)]
fn check(v: &[u8]) -> Result<&[u8], usize> {
    if v.is_empty() {
        return Err(0);
    }
    let n = visible_len(v);
    if n < v.len() {
        return Err(n);
    }
    if v.len() > MAX_SESSION_ID_LEN {
        return Err(MAX_SESSION_ID_LEN);
    }
    Ok(v)
}

/// The value written for `id`: its bytes, as received or built.
pub(crate) fn encode<'a>(id: &SessionId<'a>) -> FieldValue<'a> {
    id.to_field_value()
}
