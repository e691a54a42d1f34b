//! The BITS header values, one file per header: each holds the header's wire rule as a `nom`
//! parser (its ABNF in the doc comment) beside the function that writes the value, so a
//! header's grammar is read and changed in one place. The types the values become stay with
//! their modules ([`super::guid`], [`super::hresult`], [`super::session_id`],
//! [`super::packet_type`]); the collectors that call these rules as a head is read are in
//! [`super::fields`].
//!
//! Every rule runs over one complete field value (the head loop has already found the line and
//! trimmed its OWS, RFC 9112 §5), so the rules are `complete` parsers: running out of value is
//! an error at the end of the value, never `Incomplete`. An error's offset is the byte of the
//! value the rule stopped at; [`run`] turns it into an offset in the message.
//!
//! The fast scans a rule needs (hex digits by words for a GUID, the visible-ASCII check of a
//! session id) stay leaf functions the rules call: measured, a byte-at-a-time combinator costs
//! more instructions per head than the whole of the typing.

use nom::Offset;

use crate::error::{InvalidKind, InvalidMessage};
use crate::http1::parse::{PError, PResult};

pub(crate) mod content_name;
pub(crate) mod error_code;
pub(crate) mod error_context;
pub(crate) mod host_id;
pub(crate) mod host_id_fallback_timeout;
pub(crate) mod packet_type;
pub(crate) mod protocols;
pub(crate) mod received_content_range;
pub(crate) mod reply_url;
pub(crate) mod session_id;

/// Run `rule` over the whole of the value `v`, which starts at offset `at` of the message.
/// `kind` is the header's error should the rule ask for more input (the rules here are
/// complete parsers and never do; the value's end is then where it went wrong).
#[inline(always)]
pub(crate) fn run<'v, T>(
    rule: impl FnOnce(&'v [u8]) -> PResult<'v, T>,
    v: &'v [u8],
    at: usize,
    kind: InvalidKind,
) -> Result<T, InvalidMessage> {
    match rule(v) {
        Ok((_, t)) => Ok(t),
        Err(e) => Err(located(v, at, e, kind)),
    }
}

#[cold]
fn located(v: &[u8], at: usize, e: nom::Err<PError<'_>>, kind: InvalidKind) -> InvalidMessage {
    match e {
        nom::Err::Error(pe) | nom::Err::Failure(pe) => {
            InvalidMessage { kind: pe.kind, offset: at + v.offset(pe.input) }
        }
        nom::Err::Incomplete(_) => InvalidMessage { kind, offset: at + v.len() },
    }
}

/// The error of a rule: `kind` at the start of `input`.
#[inline(always)]
pub(crate) fn fail<'v, T>(input: &'v [u8], kind: InvalidKind) -> PResult<'v, T> {
    Err(nom::Err::Error(PError { input, kind }))
}

/// The rest of a value a rule consumed whole.
#[inline(always)]
pub(crate) fn end(v: &[u8]) -> &[u8] {
    &v[v.len()..]
}
