//! [`ResponseBody`]: what a Graph answer's body is, decided by its content rather than its
//! status (the "driveItem: createUploadSession" page answers the last fragment with `201` or
//! `200` and a driveItem, but real services also send `201` with a session body), and
//! [`CompletedItem`], the created resource.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::datetime::DateTimeOffset;
use super::json::{self, Ctx, DateSeed, Object, ObjectSeed, RangesSeed, StrSeed, U64Seed};
use super::odata_error::{ErrorFields, ODataError};
use super::range_spec::RangeSpec;
use super::upload_session::UploadSession;

/// The resource an upload created: a driveItem (`201`/`200`) or a printDocument (`201`).
///
/// Only `id` (required), `name` and `size` are typed; the rest of the resource (`file`,
/// `parentReference`, hashes, …) stays in the message body, byte for byte.
///
/// ```
/// use bits_codec::Encode;
/// use bits_codec::graph::CompletedItem;
/// let item = CompletedItem::new("912310013A123").with_name("largefile.vhd").with_size(128);
/// assert_eq!(item.to_vec(), br#"{"id":"912310013A123","name":"largefile.vhd","size":128}"#);
/// assert_eq!(item.id(), "912310013A123");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedItem<'a> {
    id: Cow<'a, str>,
    name: Option<Cow<'a, str>>,
    size: Option<u64>,
}

impl<'a> CompletedItem<'a> {
    /// An item with its `id`.
    pub fn new(id: impl Into<Cow<'a, str>>) -> Self {
        Self { id: id.into(), name: None, size: None }
    }
    /// Set `name`.
    pub fn with_name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Set `size`.
    pub fn with_size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }
    /// `id`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// `name` (driveItem).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// `size` in bytes.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
    /// A copy that owns its strings.
    pub fn into_owned(self) -> CompletedItem<'static> {
        CompletedItem {
            id: Cow::Owned(self.id.into_owned()),
            name: self.name.map(|n| Cow::Owned(n.into_owned())),
            size: self.size,
        }
    }
}

impl Serialize for CompletedItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        if let Some(n) = &self.name {
            m.serialize_entry("name", n)?;
        }
        if let Some(n) = self.size {
            m.serialize_entry("size", &n)?;
        }
        m.end()
    }
}

json::encode_as_json!(CompletedItem);

/// The body of a Graph response, classified by content, in this order (an error member wins,
/// since the "Microsoft Graph error responses and resource types" page makes `error` the
/// whole meaning of a body that has it; a session is progress even under `201`):
///
/// 1. a top-level `error` member: [`Error`](Self::Error), whatever else is there (OneDrive for
///    Business once answered 200 with an error body);
/// 2. any of `uploadUrl`, `expirationDateTime`, `nextExpectedRanges`:
///    [`Session`](Self::Session) (a 201 whose body is a session is progress, not completion);
/// 3. an `id`: [`Item`](Self::Item);
/// 4. other valid JSON: [`OtherJson`](Self::OtherJson).
///
/// A response with no body is [`Empty`](Self::Empty); a body whose `Content-Type` is not JSON
/// is [`Opaque`](Self::Opaque) (an HTML page from a proxy, say) and is not parsed.
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::graph::ResponseBody;
/// let b = ResponseBody::decode(br#"{"expirationDateTime":"2021-09-21T07:02:17.624Z","nextExpectedRanges":["10485760-15334441"]}"#).map(|(v, _)| v);
/// assert!(matches!(b, Ok(ResponseBody::Session(_))));
/// let b = ResponseBody::decode(br#"{"id":"912310013A123","name":"largefile.vhd","size":128,"file":{}}"#).map(|(v, _)| v);
/// assert!(matches!(b, Ok(ResponseBody::Item(ref i)) if i.size() == Some(128)));
/// assert!(ResponseBody::decode(br#"{"error":{"code":"x","message":"y",}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseBody<'a> {
    /// No body.
    Empty,
    /// An upload session (create answer, progress, status).
    Session(UploadSession<'a>),
    /// The created resource (upload complete).
    Item(CompletedItem<'a>),
    /// An OData error.
    Error(ODataError<'a>),
    /// JSON of no known shape.
    OtherJson,
    /// A body that is not JSON (by its `Content-Type`), kept unparsed.
    Opaque,
}

impl<'a> ResponseBody<'a> {
    /// The session, if the body is one.
    pub fn session(&self) -> Option<&UploadSession<'a>> {
        match self {
            Self::Session(s) => Some(s),
            _ => None,
        }
    }

    /// The error, if the body is one.
    pub fn error(&self) -> Option<&ODataError<'a>> {
        match self {
            Self::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The created item, if the body is one.
    pub fn item(&self) -> Option<&CompletedItem<'a>> {
        match self {
            Self::Item(i) => Some(i),
            _ => None,
        }
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> ResponseBody<'static> {
        match self {
            Self::Empty => ResponseBody::Empty,
            Self::Session(s) => ResponseBody::Session(s.into_owned()),
            Self::Item(i) => ResponseBody::Item(i.into_owned()),
            Self::Error(e) => ResponseBody::Error(e.into_owned()),
            Self::OtherJson => ResponseBody::OtherJson,
            Self::Opaque => ResponseBody::Opaque,
        }
    }
}

/// Any JSON document, classified.
pub(crate) struct TopDocument;

impl<'de> json::Document<'de> for TopDocument {
    type Value = ResponseBody<'de>;
    fn read<D: Deserializer<'de>>(ctx: &Ctx<'de>, d: D) -> Result<ResponseBody<'de>, D::Error> {
        TopSeed(ctx).deserialize(d)
    }
}

struct TopSeed<'c, 'de>(&'c Ctx<'de>);

impl<'de> DeserializeSeed<'de> for TopSeed<'_, 'de> {
    type Value = ResponseBody<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, 'de> {
    type Value = ResponseBody<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        json::read_object::<TopFields<'de>, A>(self.0, map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        self.0.skip();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ResponseBody::OtherJson)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ResponseBody::OtherJson)
    }
}

/// Every top-level member any response shape types, read in one pass.
#[derive(Default)]
struct TopFields<'a> {
    error: Option<ODataError<'a>>,
    odata_context: Option<Cow<'a, str>>,
    upload_url: Option<Cow<'a, str>>,
    expiration: Option<DateTimeOffset<'a>>,
    ranges: Option<Vec<RangeSpec>>,
    session_seen: bool,
    id: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    size: Option<u64>,
}

impl<'de> Object<'de> for TopFields<'de> {
    type Output = ResponseBody<'de>;
    const KEYS: &'static [&'static str] =
        &["error", "@odata.context", "uploadUrl", "expirationDateTime", "nextExpectedRanges", "id", "name", "size"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.error = map.next_value_seed(ObjectSeed::<ErrorFields<'de>>::new(ctx))?,
            1 => self.odata_context = map.next_value_seed(StrSeed)?,
            2 => {
                self.session_seen = true;
                self.upload_url = map.next_value_seed(StrSeed)?;
            }
            3 => {
                self.session_seen = true;
                self.expiration = map.next_value_seed(DateSeed(ctx))?;
            }
            4 => {
                self.session_seen = true;
                self.ranges = map.next_value_seed(RangesSeed(ctx))?;
            }
            5 => self.id = map.next_value_seed(StrSeed)?,
            6 => self.name = map.next_value_seed(StrSeed)?,
            _ => self.size = map.next_value_seed(U64Seed(ctx))?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, _: &Ctx<'de>) -> Result<ResponseBody<'de>, E> {
        Ok(if let Some(e) = self.error {
            ResponseBody::Error(e)
        } else if self.session_seen {
            ResponseBody::Session(UploadSession::from_parts(
                self.odata_context,
                self.upload_url,
                self.expiration,
                self.ranges,
            ))
        } else if let Some(id) = self.id {
            ResponseBody::Item(CompletedItem { id, name: self.name, size: self.size })
        } else {
            // `{"error": null}` and friends: valid JSON, no known shape.
            ResponseBody::OtherJson
        })
    }
}

/// Classifies the JSON document that fills the input (`consumed` is the input's length): an
/// empty input is not JSON, and like any document cut short it is
/// [`DecodeError::Incomplete`](crate::DecodeError::Incomplete).
impl<'a> crate::codec::Decode<'a> for ResponseBody<'a> {
    fn decode_with(
        input: &'a [u8],
        opts: &crate::options::DecodeOptions,
    ) -> Result<(Self, usize), crate::error::DecodeError> {
        json::decode_document::<TopDocument>(input, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decode;

    #[test]
    fn classifies_by_content() {
        fn c(j: &str) -> ResponseBody<'_> {
            ResponseBody::decode(j.as_bytes()).unwrap().0
        }
        assert!(matches!(c(r#"{"error":{"code":"x"},"nextExpectedRanges":[]}"#), ResponseBody::Error(_)));
        assert!(matches!(c(r#"{"id":"1","nextExpectedRanges":["0-"]}"#), ResponseBody::Session(_)));
        assert!(matches!(c(r#"{"expirationDateTime":"2015-03-28T01:51:08.2520582+00:00"}"#), ResponseBody::Session(_)));
        assert!(matches!(
            c(r#"{"id":"9001bcd9","documentName":"TestFile.pdf","size":4533322}"#),
            ResponseBody::Item(_)
        ));
        assert_eq!(c(r#"{"value":[]}"#), ResponseBody::OtherJson);
        assert_eq!(c(r#"[1,2]"#), ResponseBody::OtherJson);
        assert_eq!(c(r#""text""#), ResponseBody::OtherJson);
    }
}
