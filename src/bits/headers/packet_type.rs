//! `BITS-Packet-Type` ([MC-BUP] §2.2.1.1).
//!
//! ```text
//! BITS-Packet-Type = "Ping" / "Create-Session" / "Fragment" / "Close-Session"
//!                  / "Cancel-Session" / "Ack"          ; ASCII case-insensitive
//! ```
//!
//! Read in any case: [MC-BUP] spells `CREATE-SESSION`, the Windows client sends
//! `Create-Session`, and third-party test suites send mixed case; the value names a packet, so
//! case carries nothing. Written in the canonical spelling of the Windows wire.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::{end, fail};
use crate::bits::packet_type::PacketType;
use crate::error::InvalidKind;
use crate::http1::parse::PResult;
use crate::http1::values::FieldValue;

/// The rule: one of the six names, the whole value. The compare is [`PacketType::from_bytes`],
/// a word compare by length (the leaf scan).
#[inline(always)]
pub(crate) fn packet_type(v: &[u8]) -> PResult<'_, PacketType> {
    match PacketType::from_bytes(v) {
        Some(t) => Ok((end(v), t)),
        None => fail(v, InvalidKind::PacketType),
    }
}

/// The value written for `t`.
pub(crate) fn encode(t: PacketType) -> FieldValue<'static> {
    FieldValue::from_static(t.as_str())
}
