//! `Arbitrary` for every buildable value (feature `arbitrary`): values are made through the
//! public constructors, so fuzzing "anything the API lets a user build is sendable" explores
//! exactly the values a user can make, never an invalid one.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::bits::{Ack, ErrorContext, ErrorHeaderName, Guid, HResult, ProtocolList, Request, SessionId};
use crate::http1::{ContentRange, FieldName, FieldValue, ReasonPhrase, RequestTarget, Status};

const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn string_of(u: &mut Unstructured<'_>, min: usize, max: usize, pick: impl Fn(u8) -> u8) -> Result<String> {
    let len = u.int_in_range(min..=max)?;
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(char::from(pick(u.arbitrary::<u8>()?)));
    }
    Ok(s)
}

fn visible(b: u8) -> u8 {
    0x21 + b % (0x7f - 0x21)
}

impl<'a> Arbitrary<'a> for FieldName<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let s = string_of(u, 1, 24, |b| TCHARS[usize::from(b) % TCHARS.len()])?;
        FieldName::new(s).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for FieldValue<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let len = u.int_in_range(0..=64)?;
        let mut v = Vec::with_capacity(len);
        for i in 0..len {
            let b: u8 = u.arbitrary()?;
            // Field bytes (HTAB, SP, VCHAR, obs-text), without whitespace at either end.
            let b = match b {
                0x00..=0x08 | 0x0a..=0x1f | 0x7f => visible(b),
                b' ' | b'\t' if i == 0 || i + 1 == len => b'x',
                b => b,
            };
            v.push(b);
        }
        FieldValue::from_vec(v).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for RequestTarget<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut s = String::from("/");
        s.push_str(&string_of(u, 0, 40, visible)?);
        RequestTarget::new(s).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for ReasonPhrase<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let s = string_of(u, 0, 24, |b| if b % 8 == 0 { b' ' } else { visible(b) })?;
        ReasonPhrase::new(s).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Status {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Status::new(u.int_in_range(100..=999)?).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for SessionId<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.arbitrary()? {
            return Ok(SessionId::from_guid(Guid::arbitrary(u)?));
        }
        let s = string_of(u, 1, 100, visible)?;
        SessionId::new(s).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for ContentRange {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let total = u.int_in_range(1..=u64::MAX)?;
        let first = u.int_in_range(0..=total - 1)?;
        let last = u.int_in_range(first..=total - 1)?;
        ContentRange::new(first, last, total).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for ProtocolList {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(1..=4)?;
        let list = (0..n).map(|_| Guid::arbitrary(u)).collect::<Result<Vec<_>>>()?;
        ProtocolList::new(list).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// Up to four extra headers; `push_header` refuses managed names, which are skipped.
fn extras(
    u: &mut Unstructured<'_>,
    mut push: impl FnMut(FieldName<'static>, FieldValue<'static>) -> core::result::Result<(), crate::ValidationError>,
) -> Result<()> {
    for _ in 0..u.int_in_range(0..=4)? {
        let _refused = push(FieldName::arbitrary(u)?, FieldValue::arbitrary(u)?);
    }
    Ok(())
}

impl<'a> Arbitrary<'a> for Request<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let target = RequestTarget::arbitrary(u)?;
        let mut r = match u.int_in_range(0..=4)? {
            0 => Request::ping(target),
            1 => Request::create_session(target, ProtocolList::arbitrary(u)?),
            2 => {
                let len = u.int_in_range(1..=256u64)?;
                let total = u.int_in_range(len..=u64::MAX)?;
                let first = u.int_in_range(0..=total - len)?;
                let range = ContentRange::from_len(first, len, total).map_err(|_| arbitrary::Error::IncorrectFormat)?;
                let body: Vec<u8> = (0..len).map(|_| u.arbitrary::<u8>()).collect::<Result<_>>()?;
                Request::fragment(target, SessionId::arbitrary(u)?, range, Cow::Owned(body))
                    .map_err(|_| arbitrary::Error::IncorrectFormat)?
            }
            3 => Request::close_session(target, SessionId::arbitrary(u)?),
            _ => Request::cancel_session(target, SessionId::arbitrary(u)?),
        };
        if u.arbitrary()? {
            r = r.with_host(FieldValue::arbitrary(u)?);
        }
        if u.arbitrary()? {
            r = r.with_content_name(FieldValue::arbitrary(u)?);
        }
        extras(u, |n, v| r.push_header(n, v))?;
        Ok(r)
    }
}

impl<'a> Arbitrary<'a> for Ack<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let status = Status::arbitrary(u)?;
        // The Ack decoder refuses `101 Switching Protocols`: not a value to round-trip.
        if status == Status::SWITCHING_PROTOCOLS {
            return Err(arbitrary::Error::IncorrectFormat);
        }
        let mut a = Ack::new(status);
        if u.arbitrary()? {
            a = a.with_reason(ReasonPhrase::arbitrary(u)?);
        }
        if u.arbitrary()? {
            a = a.with_session_id(SessionId::arbitrary(u)?);
        }
        if u.arbitrary()? {
            a = a.with_protocol(Guid::arbitrary(u)?);
        }
        if u.arbitrary()? {
            a = a.with_host_id(FieldValue::arbitrary(u)?, u.arbitrary()?);
        }
        if u.arbitrary()? {
            a = a.with_accept_encoding_identity();
        }
        if u.arbitrary()? {
            a = a.with_received_content_range(u.arbitrary()?);
        }
        if u.arbitrary()? {
            a = a.with_reply_url(FieldValue::arbitrary(u)?);
        }
        if u.arbitrary()? {
            a = a.with_error_as(ErrorHeaderName::arbitrary(u)?, HResult::arbitrary(u)?, ErrorContext::arbitrary(u)?);
        }
        extras(u, |n, v| a.push_header(n, v))?;
        Ok(a)
    }
}
