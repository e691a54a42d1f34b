//! `Arbitrary` for the Graph values (feature `arbitrary`), made through the public
//! constructors only, so a fuzzer explores exactly the values a user can build: each must
//! encode to bytes that decode to the same value.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use arbitrary::{Arbitrary, Error, Result, Unstructured};

use super::{
    AttachmentItem, AttachmentType, CompletedItem, ConflictBehavior, CreateSessionBody, DateTimeOffset,
    DriveItemSessionRequest, DriveItemUploadableProperties, FileSystemInfo, InnerError, ODataError,
    PrintDocumentUploadProperties, RangeSpec, Request, Response, RetryAfter, UploadSession, Variant,
};
use crate::http1::{ContentRange, FieldName, FieldValue, RequestTarget, Status};

/// Any string: JSON escapes whatever needs escaping.
fn text(u: &mut Unstructured<'_>) -> Result<Cow<'static, str>> {
    let s: String = u.arbitrary()?;
    Ok(Cow::Owned(s.chars().take(40).collect()))
}

fn opt<'u, T>(u: &mut Unstructured<'u>, f: impl FnOnce(&mut Unstructured<'u>) -> Result<T>) -> Result<Option<T>> {
    if u.arbitrary()? { f(u).map(Some) } else { Ok(None) }
}

impl<'a> Arbitrary<'a> for RangeSpec {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let start: u64 = u.arbitrary()?;
        if u.arbitrary()? {
            Ok(Self::open(start))
        } else {
            let end = u.int_in_range(start..=u64::MAX)?;
            Self::closed(start, end).map_err(|_| Error::IncorrectFormat)
        }
    }
}

impl<'a> Arbitrary<'a> for DateTimeOffset<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let (y, mo, d) = (u.int_in_range(0..=9999u32)?, u.int_in_range(1..=12u32)?, u.int_in_range(1..=28u32)?);
        let (h, mi, s) = (u.int_in_range(0..=23u32)?, u.int_in_range(0..=59u32)?, u.int_in_range(0..=59u32)?);
        let mut t = alloc::format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
        let digits = u.int_in_range(0..=12usize)?;
        if digits > 0 {
            t.push('.');
            for _ in 0..digits {
                t.push(char::from(b'0' + u.int_in_range(0..=9u8)?));
            }
        }
        if u.arbitrary()? {
            t.push('Z');
        } else {
            let sign = if u.arbitrary()? { '+' } else { '-' };
            t.push_str(&alloc::format!("{sign}{:02}:{:02}", u.int_in_range(0..=23u32)?, u.int_in_range(0..=59u32)?));
        }
        DateTimeOffset::new(t).map_err(|_| Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for UploadSession<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut s = UploadSession::new();
        if let Some(c) = opt(u, text)? {
            s = s.with_odata_context(c);
        }
        if let Some(url) = opt(u, text)? {
            s = s.with_upload_url(url);
        }
        if let Some(t) = opt(u, DateTimeOffset::arbitrary)? {
            s = s.with_expiration_date_time(t);
        }
        if u.arbitrary()? {
            let n = u.int_in_range(0..=4usize)?;
            let ranges = (0..n).map(|_| RangeSpec::arbitrary(u)).collect::<Result<Vec<_>>>()?;
            s = s.with_next_expected_ranges(ranges);
        }
        Ok(s)
    }
}

fn inner_error(u: &mut Unstructured<'_>, depth: usize) -> Result<InnerError<'static>> {
    let mut i = InnerError::new();
    if let Some(v) = opt(u, text)? {
        i = i.with_code(v);
    }
    if let Some(v) = opt(u, text)? {
        i = i.with_message(v);
    }
    if let Some(v) = opt(u, text)? {
        i = i.with_request_id(v);
    }
    if let Some(v) = opt(u, text)? {
        i = i.with_client_request_id(v);
    }
    if let Some(v) = opt(u, text)? {
        i = i.with_date(v);
    }
    if depth < 4 && u.arbitrary()? {
        i = i.with_inner_error(inner_error(u, depth + 1)?);
    }
    Ok(i)
}

impl<'a> Arbitrary<'a> for InnerError<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        inner_error(u, 0)
    }
}

impl<'a> Arbitrary<'a> for ODataError<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let code = text(u)?;
        let mut e = match opt(u, text)? {
            Some(m) => ODataError::new(code, m),
            None => ODataError::with_code(code),
        };
        if u.arbitrary()? {
            e = e.with_inner_error(InnerError::arbitrary(u)?);
        }
        Ok(e)
    }
}

impl<'a> Arbitrary<'a> for CompletedItem<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut i = CompletedItem::new(text(u)?);
        if let Some(n) = opt(u, text)? {
            i = i.with_name(n);
        }
        if let Some(s) = opt(u, |u| u.arbitrary::<u64>())? {
            i = i.with_size(s);
        }
        Ok(i)
    }
}

fn attachment(u: &mut Unstructured<'_>) -> Result<AttachmentItem<'static>> {
    let kind = match u.int_in_range(0..=3u8)? {
        0 => AttachmentType::File,
        1 => AttachmentType::Item,
        2 => AttachmentType::Reference,
        _ => AttachmentType::from(&*text(u)?).into_owned(),
    };
    let mut a = AttachmentItem::new(kind, text(u)?, u.arbitrary()?);
    if let Some(v) = opt(u, text)? {
        a = a.with_content_type(v);
    }
    if let Some(v) = opt(u, |u| u.arbitrary::<bool>())? {
        a = a.with_is_inline(v);
    }
    if let Some(v) = opt(u, text)? {
        a = a.with_content_id(v);
    }
    Ok(a)
}

fn drive_item(u: &mut Unstructured<'_>) -> Result<DriveItemSessionRequest<'static>> {
    let mut d = DriveItemSessionRequest::new();
    if u.arbitrary()? {
        let mut i = DriveItemUploadableProperties::new();
        if u.arbitrary()? {
            let b = match u.int_in_range(0..=3u8)? {
                0 => ConflictBehavior::Fail,
                1 => ConflictBehavior::Replace,
                2 => ConflictBehavior::Rename,
                _ => ConflictBehavior::from(&*text(u)?).into_owned(),
            };
            i = i.with_conflict_behavior(b);
        }
        if let Some(v) = opt(u, text)? {
            i = i.with_name(v);
        }
        if let Some(v) = opt(u, text)? {
            i = i.with_description(v);
        }
        if let Some(v) = opt(u, |u| u.arbitrary::<u64>())? {
            i = i.with_file_size(v);
        }
        if u.arbitrary()? {
            let mut f = FileSystemInfo::new();
            if let Some(t) = opt(u, DateTimeOffset::arbitrary)? {
                f = f.with_created_date_time(t);
            }
            if let Some(t) = opt(u, DateTimeOffset::arbitrary)? {
                f = f.with_last_accessed_date_time(t);
            }
            if let Some(t) = opt(u, DateTimeOffset::arbitrary)? {
                f = f.with_last_modified_date_time(t);
            }
            i = i.with_file_system_info(f);
        }
        d = d.with_item(i);
    }
    if let Some(v) = opt(u, |u| u.arbitrary::<bool>())? {
        d = d.with_defer_commit(v);
    }
    Ok(d)
}

impl<'a> Arbitrary<'a> for CreateSessionBody<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=3u8)? {
            0 => CreateSessionBody::DriveItem(drive_item(u)?),
            1 => CreateSessionBody::Attachment(attachment(u)?),
            2 => CreateSessionBody::TaskAttachment(attachment(u)?),
            _ => {
                CreateSessionBody::PrintDocument(PrintDocumentUploadProperties::new(text(u)?, text(u)?, u.arbitrary()?))
            }
        })
    }
}

impl<'a> Arbitrary<'a> for Variant {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=3u8)? {
            0 => Variant::DriveItem,
            1 => Variant::OutlookAttachment,
            2 => Variant::TaskAttachment,
            _ => Variant::PrintDocument,
        })
    }
}

/// Up to four extra headers; the builders refuse managed names, which are skipped.
fn extras<T: Clone>(
    u: &mut Unstructured<'_>,
    mut value: T,
    add: impl Fn(T, FieldName<'static>, FieldValue<'static>) -> core::result::Result<T, crate::ValidationError>,
) -> Result<T> {
    for _ in 0..u.int_in_range(0..=4)? {
        if let Ok(next) = add(value.clone(), FieldName::arbitrary(u)?, FieldValue::arbitrary(u)?) {
            value = next;
        }
    }
    Ok(value)
}

impl<'a> Arbitrary<'a> for Request<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let target = RequestTarget::arbitrary(u)?;
        let r = match u.int_in_range(0..=4u8)? {
            0 => {
                let t = RequestTarget::new(alloc::format!("{}/createUploadSession", target.as_str()))
                    .map_err(|_| Error::IncorrectFormat)?;
                let body = opt(u, CreateSessionBody::arbitrary)?;
                Request::create_upload_session(t, body).map_err(|_| Error::IncorrectFormat)?
            }
            1 => {
                let len = u.int_in_range(1..=64u64)?;
                let total = u.int_in_range(len..=u64::MAX)?;
                let first = u.int_in_range(0..=total - len)?;
                let range = ContentRange::from_len(first, len, total).map_err(|_| Error::IncorrectFormat)?;
                let body = u.bytes(len as usize)?.to_vec();
                Request::upload_fragment(target, range, body).map_err(|_| Error::IncorrectFormat)?
            }
            2 => Request::session_status(target),
            3 => Request::cancel_session(target),
            _ => Request::commit(target).map_err(|_| Error::IncorrectFormat)?,
        };
        let r = match opt(u, FieldValue::arbitrary)? {
            Some(h) => r.with_host(h),
            None => r,
        };
        extras(u, r, Request::with_header)
    }
}

impl<'a> Arbitrary<'a> for Response<'static> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let code = Status::arbitrary(u)?;
        let r = match u.int_in_range(0..=4u8)? {
            0 => Response::session(code, UploadSession::arbitrary(u)?).map_err(|_| Error::IncorrectFormat)?,
            1 => Response::error(code, ODataError::arbitrary(u)?).map_err(|_| Error::IncorrectFormat)?,
            2 => Response::completed(code, CompletedItem::arbitrary(u)?).map_err(|_| Error::IncorrectFormat)?,
            3 => Response::created_at(FieldValue::arbitrary(u)?),
            _ => Response::no_content(),
        };
        let r = match u.int_in_range(0..=2u8)? {
            0 => r.with_retry_after(RetryAfter::Seconds(u.arbitrary()?)),
            1 => r.with_retry_after(RetryAfter::Date(FieldValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"))),
            _ => r,
        };
        extras(u, r, Response::with_header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decode;
    use crate::codec::Encode;

    /// A small deterministic byte source (xorshift), enough to drive `Unstructured`.
    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn every_arbitrary_message_decodes_to_itself() {
        let mut built = [0usize; 3];
        for seed in 0..400 {
            let data = bytes(seed, 2048);
            let mut u = Unstructured::new(&data);
            if let Ok(r) = Request::arbitrary(&mut u) {
                built[0] += 1;
                let wire = r.to_vec();
                assert_eq!(wire.len(), r.encoded_len());
                assert_eq!(Request::decode(&wire).unwrap_or_else(|e| panic!("{e}: {r:?}")), (r, wire.len()));
            }
            if let Ok(r) = Response::arbitrary(&mut u) {
                built[1] += 1;
                let wire = r.to_vec();
                assert_eq!(Response::decode(&wire).unwrap_or_else(|e| panic!("{e}: {r:?}")), (r, wire.len()));
            }
            if let Ok(b) = CreateSessionBody::arbitrary(&mut u) {
                built[2] += 1;
                assert_eq!(CreateSessionBody::decode(&b.to_vec()).unwrap().0, b);
            }
        }
        assert!(built.iter().all(|&n| n > 100), "{built:?}");
    }
}
