//! [`ODataError`]: Graph's error body, as the Microsoft Graph page "Microsoft Graph error
//! responses and resource types" defines it.

use alloc::borrow::Cow;
use alloc::boxed::Box;

use serde::de::{self, MapAccess};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::json::{self, Ctx, Object, ObjectSeed, StrSeed};
use crate::error::JsonErrorKind;

/// The OData error body every Graph failure carries:
///
/// ```json
/// {"error":{"code":"invalidRange","message":"Uploaded fragment overlaps with existing data.",
///           "innererror":{"code":"fragmentOverlap"}}}
/// ```
///
/// `code` is required (the errors page calls it "always returned"; real answers send `""`,
/// which is kept); `message` is optional; the inner error is
/// read under either spelling (`innerError` from the Graph gateway, `innererror` from
/// OneDrive/SharePoint) and nests recursively (bounded by
/// [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH)). Extra members (`details`, `target`, …) are
/// skipped. Branch on the codes, never on the message: "apps should loop through all the error
/// codes available and use the most detailed one" ([`most_specific_code`](Self::most_specific_code)).
///
/// Encoding writes `{"error":{"code","message","innerError"}}` (the gateway's spelling).
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::graph::{InnerError, ODataError};
/// let body = br#"{"error":{"code":"invalidRange","message":"Uploaded fragment overlaps with existing data.",
///                 "innererror":{"code":"fragmentOverlap"}}}"#;
/// let e = ODataError::decode(body).unwrap().0;
/// assert_eq!(e.code(), "invalidRange");
/// assert_eq!(e.most_specific_code(), "fragmentOverlap");
///
/// let built = ODataError::new("unauthenticated", "Unauthenticated")
///     .with_inner_error(InnerError::new().with_code("expiredToken"));
/// assert_eq!(built.codes().collect::<Vec<_>>(), ["unauthenticated", "expiredToken"]);
/// // A doc example with a trailing comma is not JSON.
/// assert!(ODataError::decode(br#"{"error":{"code":"nameAlreadyExists","message":"m",}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ODataError<'a> {
    code: Cow<'a, str>,
    message: Option<Cow<'a, str>>,
    inner_error: Option<Box<InnerError<'a>>>,
}

/// `innerError` / `innererror`: the detailed code and the diagnostics the service adds.
///
/// `date` is kept as text: the service writes it without a zone (`2019-11-21T13:57:37`), so it
/// is not a [`DateTimeOffset`](super::DateTimeOffset).
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::graph::{InnerError, ODataError};
/// let inner = InnerError::new().with_code("throttledRequest").with_date("2021-11-30T12:17:46");
/// let e = ODataError::new("activityLimitReached", "The request has been throttled").with_inner_error(inner);
/// assert_eq!(e.inner_error().and_then(InnerError::date), Some("2021-11-30T12:17:46"));
/// // An inner error must be an object.
/// assert!(ODataError::decode(br#"{"error":{"code":"x","innerError":"y"}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InnerError<'a> {
    code: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    client_request_id: Option<Cow<'a, str>>,
    date: Option<Cow<'a, str>>,
    inner_error: Option<Box<InnerError<'a>>>,
}

fn owned(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    c.map(|c| Cow::Owned(c.into_owned()))
}

impl<'a> ODataError<'a> {
    /// An error with `code` and `message`.
    pub fn new(code: impl Into<Cow<'a, str>>, message: impl Into<Cow<'a, str>>) -> Self {
        Self { code: code.into(), message: Some(message.into()), inner_error: None }
    }

    /// An error with `code` only.
    pub fn with_code(code: impl Into<Cow<'a, str>>) -> Self {
        Self { code: code.into(), message: None, inner_error: None }
    }

    /// Set the inner error.
    pub fn with_inner_error(mut self, inner: InnerError<'a>) -> Self {
        self.inner_error = Some(Box::new(inner));
        self
    }

    /// `error.code` (may be empty).
    pub fn code(&self) -> &str {
        &self.code
    }
    /// `error.message`.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The inner error, if any.
    pub fn inner_error(&self) -> Option<&InnerError<'a>> {
        self.inner_error.as_deref()
    }
    /// Every code, outermost first: `code`, then each inner error's code.
    pub fn codes(&self) -> impl Iterator<Item = &str> + '_ {
        let inner = core::iter::successors(self.inner_error(), |i| i.inner_error()).filter_map(InnerError::code);
        core::iter::once(self.code()).chain(inner)
    }
    /// The innermost code (the most detailed one), or `code`.
    pub fn most_specific_code(&self) -> &str {
        self.codes().last().unwrap_or_default()
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> ODataError<'static> {
        ODataError {
            code: Cow::Owned(self.code.into_owned()),
            message: owned(self.message),
            inner_error: self.inner_error.map(|i| Box::new(i.into_owned())),
        }
    }
}

impl<'a> InnerError<'a> {
    /// An inner error with no member set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `code`.
    pub fn with_code(mut self, code: impl Into<Cow<'a, str>>) -> Self {
        self.code = Some(code.into());
        self
    }
    /// Set `message`.
    pub fn with_message(mut self, message: impl Into<Cow<'a, str>>) -> Self {
        self.message = Some(message.into());
        self
    }
    /// Set `request-id`.
    pub fn with_request_id(mut self, id: impl Into<Cow<'a, str>>) -> Self {
        self.request_id = Some(id.into());
        self
    }
    /// Set `client-request-id`.
    pub fn with_client_request_id(mut self, id: impl Into<Cow<'a, str>>) -> Self {
        self.client_request_id = Some(id.into());
        self
    }
    /// Set `date` (free text; the service writes `2019-11-21T13:57:37`).
    pub fn with_date(mut self, date: impl Into<Cow<'a, str>>) -> Self {
        self.date = Some(date.into());
        self
    }
    /// Set the nested inner error.
    pub fn with_inner_error(mut self, inner: InnerError<'a>) -> Self {
        self.inner_error = Some(Box::new(inner));
        self
    }

    /// `code`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    /// `message`.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// `request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// `client-request-id`.
    pub fn client_request_id(&self) -> Option<&str> {
        self.client_request_id.as_deref()
    }
    /// `date`, as sent.
    pub fn date(&self) -> Option<&str> {
        self.date.as_deref()
    }
    /// The nested inner error.
    pub fn inner_error(&self) -> Option<&InnerError<'a>> {
        self.inner_error.as_deref()
    }

    /// A copy that owns its strings.
    pub fn into_owned(self) -> InnerError<'static> {
        InnerError {
            code: owned(self.code),
            message: owned(self.message),
            request_id: owned(self.request_id),
            client_request_id: owned(self.client_request_id),
            date: owned(self.date),
            inner_error: self.inner_error.map(|i| Box::new(i.into_owned())),
        }
    }
}

/// `{"code","message","innerError"}` — the object under `error`.
struct ErrorObject<'s, 'a>(&'s ODataError<'a>);

impl Serialize for ErrorObject<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", &e.code)?;
        if let Some(msg) = &e.message {
            m.serialize_entry("message", msg)?;
        }
        if let Some(inner) = &e.inner_error {
            m.serialize_entry("innerError", inner)?;
        }
        m.end()
    }
}

impl Serialize for ODataError<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("error", &ErrorObject(self))?;
        m.end()
    }
}

impl Serialize for InnerError<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let fields = [
            ("code", &self.code),
            ("message", &self.message),
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
            ("date", &self.date),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.serialize_entry(k, v)?;
            }
        }
        if let Some(inner) = &self.inner_error {
            m.serialize_entry("innerError", inner)?;
        }
        m.end()
    }
}

json::encode_as_json!(ODataError);
json::decode_as_json_object!(ODataError => Envelope);

/// The document: `{"error": …}`.
#[derive(Default)]
pub(crate) struct Envelope<'a>(Option<ODataError<'a>>);

impl<'de> Object<'de> for Envelope<'de> {
    type Output = ODataError<'de>;
    const KEYS: &'static [&'static str] = &["error"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, _: usize, map: &mut A) -> Result<(), A::Error> {
        self.0 = map.next_value_seed(ObjectSeed::<ErrorFields<'de>>::new(ctx))?;
        Ok(())
    }
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<ODataError<'de>, E> {
        self.0.ok_or_else(|| ctx.fail(JsonErrorKind::MissingKey("error"), None))
    }
}

#[derive(Default)]
pub(crate) struct ErrorFields<'a> {
    code: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    inner: Option<InnerError<'a>>,
}

impl<'de> Object<'de> for ErrorFields<'de> {
    type Output = ODataError<'de>;
    const KEYS: &'static [&'static str] = &["code", "message", "innerError"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        match key {
            0 => self.code = map.next_value_seed(StrSeed)?,
            1 => self.message = map.next_value_seed(StrSeed)?,
            _ => self.inner = map.next_value_seed(ObjectSeed::<InnerFields<'de>>::new(ctx))?,
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, ctx: &Ctx<'de>) -> Result<ODataError<'de>, E> {
        let code = self.code.ok_or_else(|| ctx.fail(JsonErrorKind::MissingKey("code"), None))?;
        Ok(ODataError { code, message: self.message, inner_error: self.inner.map(Box::new) })
    }
}

#[derive(Default)]
struct InnerFields<'a>(InnerError<'a>);

impl<'de> Object<'de> for InnerFields<'de> {
    type Output = InnerError<'de>;
    const KEYS: &'static [&'static str] = &["code", "message", "request-id", "client-request-id", "date", "innerError"];
    fn member<A: MapAccess<'de>>(&mut self, ctx: &Ctx<'de>, key: usize, map: &mut A) -> Result<(), A::Error> {
        let i = &mut self.0;
        match key {
            0 => i.code = map.next_value_seed(StrSeed)?,
            1 => i.message = map.next_value_seed(StrSeed)?,
            2 => i.request_id = map.next_value_seed(StrSeed)?,
            3 => i.client_request_id = map.next_value_seed(StrSeed)?,
            4 => i.date = map.next_value_seed(StrSeed)?,
            _ => i.inner_error = map.next_value_seed(ObjectSeed::<InnerFields<'de>>::new(ctx))?.map(Box::new),
        }
        Ok(())
    }
    fn finish<E: de::Error>(self, _: &Ctx<'de>) -> Result<InnerError<'de>, E> {
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decode;
    use crate::codec::Encode;
    use crate::graph::json::json_error;

    #[test]
    fn reads_both_spellings_and_nesting_in_any_order() {
        let e = ODataError::decode(
            br#"{"error":{"innerError":{"code":"expiredToken"},"code":"unauthenticated","message":"The access token has expired."}}"#,
        ).map(|(v, _)| v)
        .unwrap();
        assert_eq!(e.codes().collect::<Vec<_>>(), ["unauthenticated", "expiredToken"]);
        let e = ODataError::decode(
            br#"{"error":{"code":"nameAlreadyExists","message":"Relationship name already exists under the parent","innererror":{"code":"itemAlreadyExists","innererror":{"code":"relationshipNameAlreadyExists"}}}}"#,
        ).map(|(v, _)| v)
        .unwrap();
        assert_eq!(e.most_specific_code(), "relationshipNameAlreadyExists");
        let e = ODataError::decode(br#"{"error":{"code":"","message":"The request entity's media type 'text/plain' is not supported for this resource."}}"#).unwrap().0;
        assert_eq!(e.code(), "");
    }

    #[test]
    fn requires_error_and_code() {
        assert_eq!(json_error(ODataError::decode(b"{}").unwrap_err()).kind, JsonErrorKind::MissingKey("error"));
        assert_eq!(
            json_error(ODataError::decode(br#"{"error":{"message":"m"}}"#).unwrap_err()).kind,
            JsonErrorKind::MissingKey("code")
        );
        assert_eq!(json_error(ODataError::decode(br#"{"error":"x"}"#).unwrap_err()).kind, JsonErrorKind::Type("error"));
    }

    #[test]
    fn round_trips_with_diagnostics() {
        let e = ODataError::new("activityLimitReached", "The request has been throttled").with_inner_error(
            InnerError::new()
                .with_code("throttledRequest")
                .with_date("2021-11-30T12:17:46")
                .with_request_id("r")
                .with_client_request_id("c")
                .with_inner_error(InnerError::new().with_code("quota")),
        );
        let v = e.to_vec();
        assert_eq!(v.len(), e.encoded_len());
        assert_eq!(ODataError::decode(&v).unwrap().0, e);
    }
}
