//! [`UploadSession`]: the `microsoft.graph.uploadSession` object (the Microsoft Graph page
//! "uploadSession resource type").

use alloc::borrow::Cow;
use alloc::vec::Vec;

use serde::de::{self, MapAccess};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::datetime::DateTimeOffset;
use super::json::{self, Ctx, DateSeed, Object, RangesSeed, StrSeed};
use super::range_spec::RangeSpec;

/// An upload session: what `createUploadSession` returns, and what every progress and status
/// answer carries.
///
/// ```json
/// {"@odata.context":"…","uploadUrl":"https://…","expirationDateTime":"2015-01-29T09:21:55.523Z",
///  "nextExpectedRanges":["26-"]}
/// ```
///
/// Every member is optional on input: `uploadUrl` is usually absent after the first answer,
/// `nextExpectedRanges` is absent from the driveItem create example and from the 2015 progress
/// answers (OneDrive/onedrive-api-docs#41), and may be `[]` ("all received, awaiting
/// commit"). Members match
/// ASCII case-insensitively (`ExpirationDateTime`, `NextExpectedRanges` from Outlook, To Do and
/// 21Vianet); `null` is the same as absent; unknown members and annotations other than
/// `@odata.context` are skipped. Strings are borrowed from the input unless a JSON escape
/// forced a copy, so decoding a progress body allocates nothing but the range vector.
///
/// Encoding writes compact JSON with camelCase keys in the order of the real create answer
/// (`@odata.context`, `uploadUrl`, `expirationDateTime`, `nextExpectedRanges`), absent
/// members left out.
///
/// ```
/// use bits_codec::{Decode, Encode};
/// use bits_codec::graph::{DateTimeOffset, RangeSpec, UploadSession};
///
/// let body = br#"{"@odata.context":"https://outlook.office.com/api/v2.0/$metadata#Users",
///   "ExpirationDateTime":"2019-09-25T01:09:30.7671707Z","NextExpectedRanges":["2097152"]}"#;
/// let s = UploadSession::decode(body).unwrap().0;
/// assert_eq!(s.next_expected_ranges(), Some(&[RangeSpec::open(2097152)][..]));
/// assert_eq!(s.upload_url(), None);
///
/// let built = UploadSession::new()
///     .with_expiration_date_time(DateTimeOffset::new("2015-01-29T09:21:55.523Z").unwrap())
///     .with_next_expected_ranges(vec![RangeSpec::open(983040)]);
/// assert_eq!(built.to_vec(), br#"{"expirationDateTime":"2015-01-29T09:21:55.523Z","nextExpectedRanges":["983040-"]}"#);
/// assert!(UploadSession::decode(br#"{"nextExpectedRanges":["5-3"]}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadSession<'a> {
    odata_context: Option<Cow<'a, str>>,
    upload_url: Option<Cow<'a, str>>,
    expiration_date_time: Option<DateTimeOffset<'a>>,
    next_expected_ranges: Option<Vec<RangeSpec>>,
}

/// The members in Graph's order, each only when set (written by hand: the library does not
/// build serde's derive macros for one struct).
impl Serialize for UploadSession<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.odata_context {
            m.serialize_entry("@odata.context", v)?;
        }
        if let Some(v) = &self.upload_url {
            m.serialize_entry("uploadUrl", v)?;
        }
        if let Some(v) = &self.expiration_date_time {
            m.serialize_entry("expirationDateTime", v)?;
        }
        if let Some(v) = &self.next_expected_ranges {
            m.serialize_entry("nextExpectedRanges", v)?;
        }
        m.end()
    }
}

impl<'a> UploadSession<'a> {
    /// A session with no member set (`{}`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Set `uploadUrl` (opaque: replay it byte for byte).
    pub fn with_upload_url(mut self, url: impl Into<Cow<'a, str>>) -> Self {
        self.upload_url = Some(url.into());
        self
    }
    /// Set `expirationDateTime`.
    pub fn with_expiration_date_time(mut self, t: DateTimeOffset<'a>) -> Self {
        self.expiration_date_time = Some(t);
        self
    }
    /// Set `nextExpectedRanges` (an empty vector writes `[]`).
    pub fn with_next_expected_ranges(mut self, ranges: Vec<RangeSpec>) -> Self {
        self.next_expected_ranges = Some(ranges);
        self
    }
    /// Set `@odata.context`.
    pub fn with_odata_context(mut self, context: impl Into<Cow<'a, str>>) -> Self {
        self.odata_context = Some(context.into());
        self
    }

    /// `uploadUrl`, if present.
    pub fn upload_url(&self) -> Option<&str> {
        self.upload_url.as_deref()
    }
    /// `expirationDateTime`, if present.
    pub fn expiration_date_time(&self) -> Option<&DateTimeOffset<'a>> {
        self.expiration_date_time.as_ref()
    }
    /// `nextExpectedRanges`: `None` when absent (or `null`), `Some(&[])` for `[]`.
    pub fn next_expected_ranges(&self) -> Option<&[RangeSpec]> {
        self.next_expected_ranges.as_deref()
    }
    /// `@odata.context`, if present.
    pub fn odata_context(&self) -> Option<&str> {
        self.odata_context.as_deref()
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> UploadSession<'static> {
        UploadSession {
            odata_context: self.odata_context.map(|c| Cow::Owned(c.into_owned())),
            upload_url: self.upload_url.map(|c| Cow::Owned(c.into_owned())),
            expiration_date_time: self.expiration_date_time.map(DateTimeOffset::into_owned),
            next_expected_ranges: self.next_expected_ranges,
        }
    }

    pub(crate) fn from_parts(
        odata_context: Option<Cow<'a, str>>,
        upload_url: Option<Cow<'a, str>>,
        expiration_date_time: Option<DateTimeOffset<'a>>,
        next_expected_ranges: Option<Vec<RangeSpec>>,
    ) -> Self {
        Self { odata_context, upload_url, expiration_date_time, next_expected_ranges }
    }
}

json::encode_as_json!(UploadSession);
json::decode_as_json_object!(UploadSession => SessionObject);

#[derive(Default)]
pub(crate) struct SessionObject<'a>(UploadSession<'a>);

impl<'de> Object<'de> for SessionObject<'de> {
    type Output = UploadSession<'de>;
    const KEYS: &'static [&'static str] = &["@odata.context", "uploadUrl", "expirationDateTime", "nextExpectedRanges"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        let s = &mut self.0;
        match key {
            0 => s.odata_context = map.next_value_seed(StrSeed)?,
            1 => s.upload_url = map.next_value_seed(StrSeed)?,
            2 => s.expiration_date_time = map.next_value_seed(DateSeed(ctx))?,
            _ => s.next_expected_ranges = map.next_value_seed(RangesSeed(ctx))?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, _: &Ctx<'de>) -> Result<UploadSession<'de>, E> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decode;
    use crate::codec::Encode;
    use crate::error::JsonErrorKind;
    use crate::graph::json::JsonError;
    use crate::graph::json::json_error;

    #[test]
    fn camel_and_pascal_keys_and_null() {
        let s = UploadSession::decode(
            br#"{"ExpirationDateTime":"2022-06-09T10:45:27.4324526Z","NextExpectedRanges":["2097152"],"uploadurl":null}"#,
        ).map(|(v, _)| v)
        .unwrap();
        assert_eq!(s.expiration_date_time().unwrap().as_str(), "2022-06-09T10:45:27.4324526Z");
        assert_eq!(s.next_expected_ranges(), Some(&[RangeSpec::open(2_097_152)][..]));
        assert_eq!(s.upload_url(), None);
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let s = UploadSession::decode(br#"{"uploadUrl":"https://h/up/x"}"#).unwrap().0;
        assert!(matches!(s.upload_url, Some(Cow::Borrowed(_))));
        let s = UploadSession::decode(br#"{"uploadUrl":"https:\/\/h\/up\/x"}"#).unwrap().0;
        assert!(matches!(s.upload_url, Some(Cow::Owned(_))));
        assert_eq!(s.upload_url(), Some("https://h/up/x"));
    }

    #[test]
    fn typed_errors_point_into_the_input() {
        let err = |j: &str| json_error(UploadSession::decode(j.as_bytes()).unwrap_err());
        assert_eq!(err(r#"{"nextExpectedRanges":["0-","9-3"]}"#), JsonError::new(JsonErrorKind::RangeOrder, 31));
        assert_eq!(err(r#"{"expirationDateTime":"2019-11-21T13:57:37"}"#).kind, JsonErrorKind::DateTime);
        assert_eq!(err(r#"{"expirationDateTime":"2019-11-21T13:57:37"}"#).offset, 23 + 19);
        assert_eq!(err(r#"{"uploadUrl":5}"#).kind, JsonErrorKind::Type("uploadUrl"));
        assert_eq!(err(r#"{"nextExpectedRanges":[1]}"#).kind, JsonErrorKind::Type("nextExpectedRanges"));
        assert_eq!(err(r#"{"nextExpectedRanges":"0-"}"#).kind, JsonErrorKind::Type("nextExpectedRanges"));
        assert_eq!(
            err(r#"{"nextExpectedRanges":[],"NextExpectedRanges":[]}"#).kind,
            JsonErrorKind::DuplicateKey("nextExpectedRanges")
        );
        assert_eq!(err(r#"["0-"]"#).kind, JsonErrorKind::NotAnObject);
        assert_eq!(err(r#"{"uploadUrl":"x",}"#).kind, JsonErrorKind::Syntax);
        assert_eq!(err(r#"{"uploadUrl":"x"} x"#).kind, JsonErrorKind::Syntax);
    }

    #[test]
    fn skips_unknown_members_of_any_shape() {
        let s = UploadSession::decode(br#"{"a":{"b":[1,{"c":null}]},"@odata.type":"x","nextExpectedRanges":[]}"#)
            .map(|(v, _)| v)
            .unwrap();
        assert_eq!(s.next_expected_ranges(), Some(&[][..]));
    }

    #[test]
    fn encodes_compact_with_an_exact_length() {
        let s = UploadSession::new()
            .with_odata_context("ctx")
            .with_upload_url("https://h/u?a='1'&b=\"2\"")
            .with_next_expected_ranges(vec![RangeSpec::open(1), RangeSpec::closed(5, 9).unwrap()]);
        let v = s.to_vec();
        assert_eq!(v.len(), s.encoded_len());
        assert_eq!(UploadSession::decode(&v).unwrap().0, s);
    }
}
