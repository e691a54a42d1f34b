//! `BITS-Supported-Protocols` (Create-Session, [MC-BUP] §2.2.2.2) and `BITS-Protocol` (its Ack,
//! [MC-BUP] §2.2.3).
//!
//! ```text
//! BITS-Supported-Protocols = guid *( 1*( SP / HTAB / "," ) guid ) [ separators ]
//!                          ; leading separators allowed too
//! BITS-Protocol            = guid
//! guid                     = "{" 8HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG "}"
//! ```
//!
//! [MC-BUP] §2.2.2.2 has the list "space-delimited or comma-delimited"; both, and tabs, are read.
//! Several `BITS-Supported-Protocols` lines are one list, in order (RFC 9110 §5.3 combines
//! repeated list-valued fields). With [`DecodeOptions::allow_unbraced_guid`] a GUID may come
//! without its braces (the Citrix transfervm server matches GUIDs so).
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::{end, fail};
use crate::bits::guid::{Guid, ProtocolList};
use crate::bits::request::owned_value;
use crate::error::InvalidKind;
use crate::http1::parse::PResult;
use crate::http1::values::FieldValue;
use crate::options::DecodeOptions;

fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b',')
}

/// `guid`, the whole value (`BITS-Protocol`). The hex digits are read by words
/// ([`Guid::decode`], the leaf scan); an error points at the first bad byte.
#[inline(always)]
pub(crate) fn guid(allow_unbraced: bool) -> impl FnOnce(&[u8]) -> PResult<'_, Guid> {
    move |v| match Guid::decode(v, allow_unbraced) {
        Ok(g) => Ok((end(v), g)),
        Err(i) => fail(&v[i.min(v.len())..], InvalidKind::Guid),
    }
}

/// `BITS-Supported-Protocols`, one line of it, appended to `list` (the lines before it). Fails
/// on a line with no GUID and on a list longer than the limit.
#[inline(always)]
pub(crate) fn supported_protocols<'v, 'l>(
    list: &'l mut Option<ProtocolList>,
    opts: &'l DecodeOptions,
) -> impl FnOnce(&'v [u8]) -> PResult<'v, ()> + 'l {
    move |v| {
        let mut i = 0;
        let mut any = false;
        while i < v.len() {
            if is_separator(v[i]) {
                i += 1;
                continue;
            }
            // The usual item, a braced GUID then a separator or the end, without the byte loop
            // looking for the separator: an item that reads as a GUID holds none.
            let braced = v
                .get(i..i + 38)
                .filter(|_| v.get(i + 38).is_none_or(|&b| is_separator(b)))
                .and_then(|t| Guid::decode(t, opts.allow_unbraced_guid).ok());
            let (g, len) = match braced {
                Some(g) => (g, 38),
                None => {
                    let len = v[i..].iter().position(|&b| is_separator(b)).unwrap_or(v.len() - i);
                    let (_, g) = guid(opts.allow_unbraced_guid)(&v[i..i + len])?;
                    (g, len)
                }
            };
            match list {
                None => *list = Some(ProtocolList::one(g)),
                Some(list) => {
                    if !list.push(g) {
                        return fail(&v[i..], InvalidKind::TooManyProtocols);
                    }
                }
            }
            any = true;
            i += len;
        }
        if any { Ok((end(v), ())) } else { fail(v, InvalidKind::Guid) }
    }
}

/// The `BITS-Supported-Protocols` value written for `list`: braced lower-case GUIDs, one space
/// apart.
pub(crate) fn encode_list(list: &ProtocolList) -> FieldValue<'static> {
    owned_value(list.to_value())
}

/// The `BITS-Protocol` value written for `g`: braced, lower case, as IIS writes it.
pub(crate) fn encode_guid(g: Guid) -> FieldValue<'static> {
    owned_value(g.to_braced(false))
}
