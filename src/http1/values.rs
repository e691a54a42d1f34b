//! Validated newtypes for the pieces of an HTTP head. Fields are private: a value that exists
//! is a value that can be sent (no CR, LF, NUL or other control byte can reach the wire).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::syntax::{is_field_value, is_token, is_visible};
use crate::error::ValidationError;
use crate::limits::{MAX_TARGET_LEN, MAX_VALUE_LEN};

/// Defines a `Cow<'a, str>` newtype with `validate`, `TryFrom<&str>`, `TryFrom<String>`,
/// `as_str`, `into_owned`, `Display`.
macro_rules! str_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $err:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        // Bytes, not `str`: every check accepts ASCII only, and the decoder hands over
        // validated byte slices without paying `from_utf8` for text nobody may read.
        pub struct $name<'a>(Cow<'a, [u8]>);

        impl<'a> $name<'a> {
            /// Check `s` without building anything.
            pub fn validate(s: &str) -> Result<(), ValidationError> {
                let check: fn(&[u8]) -> bool = $check;
                if check(s.as_bytes()) { Ok(()) } else { Err($err) }
            }

            /// Build from a borrowed or owned string, validated.
            pub fn new(s: impl Into<Cow<'a, str>>) -> Result<Self, ValidationError> {
                let s = s.into();
                Self::validate(&s)?;
                Ok(Self(match s {
                    Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                    Cow::Owned(s) => Cow::Owned(s.into_bytes()),
                }))
            }

            /// For built-in text: `s` passes the check.
            #[allow(dead_code)] // not every newtype is built this way
            pub(crate) fn unvalidated(s: &'a str) -> Self {
                Self::unvalidated_bytes(s.as_bytes())
            }

            /// For the decoder: the grammar checked `b` already (ASCII, and the check).
            pub(crate) fn unvalidated_bytes(b: &'a [u8]) -> Self {
                debug_assert!((($check) as fn(&[u8]) -> bool)(b), "{b:?}");
                Self(Cow::Borrowed(b))
            }

            /// For owned text this crate validated already.
            #[allow(dead_code)] // not every newtype is copied this way
            pub(crate) fn owned_unvalidated(s: alloc::string::String) -> $name<'static> {
                debug_assert!(<$name<'static>>::validate(&s).is_ok(), "{s:?}");
                $name(Cow::Owned(s.into_bytes()))
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                // Never empty by accident: every constructor checked that the bytes are ASCII.
                core::str::from_utf8(&self.0).unwrap_or_default()
            }

            /// The value's bytes (ASCII), without the UTF-8 check `as_str` makes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The same text as a header value, borrowed where `self` borrows.
            #[allow(dead_code)] // not every newtype is a header value
            pub(crate) fn to_field_value(&self) -> $crate::http1::values::FieldValue<'a> {
                $crate::http1::values::FieldValue::from_cow_unvalidated(self.0.clone())
            }

            /// A copy that owns its bytes.
            pub fn into_owned(self) -> $name<'static> {
                $name(Cow::Owned(self.0.into_owned()))
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = ValidationError;
            fn try_from(s: &'a str) -> Result<Self, ValidationError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name<'static> {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, ValidationError> {
                Self::new(s)
            }
        }

        impl core::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl core::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name<'_> {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}
pub(crate) use str_newtype;

str_newtype!(
    /// A header name: a token (RFC 9110 §5.1), kept as spelled.
    ///
    /// ```
    /// use bits_codec::http1::FieldName;
    /// assert!(FieldName::new("X-Trace").is_ok());
    /// assert!(FieldName::new("Bad Name").is_err());
    /// ```
    FieldName, is_token, ValidationError::Token
);

str_newtype!(
    /// A method: a token (RFC 9110 §9.1), case-sensitive.
    ///
    /// ```
    /// use bits_codec::http1::RequestMethod;
    /// assert!(RequestMethod::new("BITS_POST").is_ok());
    /// assert!(RequestMethod::new("GET /").is_err());
    /// ```
    RequestMethod, is_token, ValidationError::Token
);

str_newtype!(
    /// A request target: 1 to 8192 visible ASCII bytes (`%x21-7E`), origin- or absolute-form.
    ///
    /// ```
    /// use bits_codec::http1::RequestTarget;
    /// assert!(RequestTarget::new("/upload/file.bin").is_ok());
    /// assert!(RequestTarget::new("/a b").is_err());
    /// ```
    RequestTarget,
    |s| !s.is_empty() && s.len() <= MAX_TARGET_LEN && s.iter().all(|&b| is_visible(b)),
    ValidationError::RequestTarget
);

/// A reason phrase: `*( HTAB / SP / VCHAR / obs-text )` (RFC 9112 §4), possibly empty, at most
/// 4096 bytes. Bytes, not text: obs-text is legal, and a decoded phrase is kept exactly.
///
/// ```
/// use bits_codec::http1::ReasonPhrase;
/// assert!(ReasonPhrase::new("Range Not Satisfiable").is_ok());
/// assert!(ReasonPhrase::new("OK\r\nX: y").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReasonPhrase<'a>(Cow<'a, [u8]>);

fn is_reason(v: &[u8]) -> bool {
    v.len() <= MAX_VALUE_LEN && v.iter().all(|&b| super::syntax::is_field_byte(b))
}

impl<'a> ReasonPhrase<'a> {
    /// Check `v` without building anything.
    pub fn validate(v: &[u8]) -> Result<(), ValidationError> {
        if is_reason(v) { Ok(()) } else { Err(ValidationError::ReasonPhrase) }
    }

    /// Build from text, validated.
    pub fn new(s: impl Into<Cow<'a, str>>) -> Result<Self, ValidationError> {
        let v: Cow<'a, [u8]> = match s.into() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        };
        Self::validate(&v)?;
        Ok(Self(v))
    }

    /// Build from bytes, validated.
    pub fn from_bytes(v: impl Into<Cow<'a, [u8]>>) -> Result<Self, ValidationError> {
        let v = v.into();
        Self::validate(&v)?;
        Ok(Self(v))
    }

    pub(crate) fn unvalidated(v: &'a [u8]) -> Self {
        debug_assert!(is_reason(v), "{v:?}");
        Self(Cow::Borrowed(v))
    }

    /// The phrase's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The phrase as text, if it is UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.0).ok()
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> ReasonPhrase<'static> {
        ReasonPhrase(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Debug for ReasonPhrase<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => fmt::Debug::fmt(&*self.0, f),
        }
    }
}

/// A header value: field bytes only (no CR, LF, NUL, other controls), no leading or trailing
/// whitespace, at most 4096 bytes when built (a decoded value is as long as
/// [`DecodeOptions::max_value_len`](crate::DecodeOptions::max_value_len) allowed). Bytes, not text: obs-text (0x80–0xFF) is legal on the wire.
///
/// ```
/// use bits_codec::http1::FieldValue;
/// assert!(FieldValue::new("rfc2119.txt").is_ok());
/// assert!(FieldValue::new("a\r\nInjected: 1").is_err());
/// assert!(FieldValue::new(" padded").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldValue<'a>(Cow<'a, [u8]>);

impl<'a> FieldValue<'a> {
    /// Check `v` without building anything.
    pub fn validate(v: &[u8]) -> Result<(), ValidationError> {
        if v.len() > MAX_VALUE_LEN {
            Err(ValidationError::ValueTooLong)
        } else if !is_field_value(v) {
            Err(ValidationError::FieldValue)
        } else {
            Ok(())
        }
    }

    /// Build from text, validated.
    pub fn new(s: impl Into<Cow<'a, str>>) -> Result<Self, ValidationError> {
        match s.into() {
            Cow::Borrowed(s) => Self::from_bytes(s.as_bytes()),
            Cow::Owned(s) => Self::from_vec(s.into_bytes()),
        }
    }

    /// Build from bytes, validated.
    pub fn from_bytes(v: &'a [u8]) -> Result<Self, ValidationError> {
        Self::validate(v)?;
        Ok(Self(Cow::Borrowed(v)))
    }

    /// Build from owned bytes, validated.
    pub fn from_vec(v: Vec<u8>) -> Result<FieldValue<'static>, ValidationError> {
        FieldValue::validate(&v)?;
        Ok(FieldValue(Cow::Owned(v)))
    }

    /// A compile-time constant; panics (at compile time in a `const`) if `s` is not valid.
    pub const fn from_static(s: &'static str) -> FieldValue<'static> {
        let b = s.as_bytes();
        assert!(b.len() <= MAX_VALUE_LEN, "value too long");
        let mut i = 0;
        while i < b.len() {
            assert!(b[i] == b'\t' || (b[i] >= 0x20 && b[i] != 0x7f), "control byte in value");
            i += 1;
        }
        if let [first, ..] = b {
            assert!(*first != b' ' && *first != b'\t', "leading whitespace");
        }
        if let [.., last] = b {
            assert!(*last != b' ' && *last != b'\t', "trailing whitespace");
        }
        FieldValue(Cow::Borrowed(b))
    }

    pub(crate) fn unvalidated(v: &'a [u8]) -> Self {
        debug_assert!(is_field_value(v), "{v:?}");
        Self(Cow::Borrowed(v))
    }

    /// For text this crate validated under a stricter rule (tokens, session ids, targets).
    pub(crate) fn from_cow_unvalidated(v: Cow<'a, [u8]>) -> Self {
        debug_assert!(is_field_value(&v), "{v:?}");
        Self(v)
    }

    /// The value's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, if it is UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.0).ok()
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> FieldValue<'static> {
        FieldValue(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for FieldValue<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, ValidationError> {
        Self::new(s)
    }
}

impl<'a> TryFrom<&'a [u8]> for FieldValue<'a> {
    type Error = ValidationError;
    fn try_from(v: &'a [u8]) -> Result<Self, ValidationError> {
        Self::from_bytes(v)
    }
}

impl TryFrom<String> for FieldValue<'static> {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, ValidationError> {
        Self::from_vec(s.into_bytes())
    }
}

impl TryFrom<Vec<u8>> for FieldValue<'static> {
    type Error = ValidationError;
    fn try_from(v: Vec<u8>) -> Result<Self, ValidationError> {
        Self::from_vec(v)
    }
}

impl fmt::Debug for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => fmt::Debug::fmt(&*self.0, f),
        }
    }
}

impl AsRef<[u8]> for FieldValue<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An HTTP status code, 100 to 999 (three digits on the wire).
///
/// ```
/// use bits_codec::http1::Status;
/// assert_eq!(Status::new(416).unwrap().as_u16(), 416);
/// assert!(Status::new(42).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

impl Status {
    /// 101 Switching Protocols.
    pub const SWITCHING_PROTOCOLS: Self = Self(101);
    /// 200 OK.
    pub const OK: Self = Self(200);
    /// 201 Created.
    pub const CREATED: Self = Self(201);
    /// 202 Accepted.
    pub const ACCEPTED: Self = Self(202);
    /// 204 No Content.
    pub const NO_CONTENT: Self = Self(204);
    /// 400 Bad Request.
    pub const BAD_REQUEST: Self = Self(400);
    /// 401 Unauthorized.
    pub const UNAUTHORIZED: Self = Self(401);
    /// 403 Forbidden.
    pub const FORBIDDEN: Self = Self(403);
    /// 404 Not Found.
    pub const NOT_FOUND: Self = Self(404);
    /// 407 Proxy Authentication Required.
    pub const PROXY_AUTHENTICATION_REQUIRED: Self = Self(407);
    /// 409 Conflict.
    pub const CONFLICT: Self = Self(409);
    /// 411 Length Required.
    pub const LENGTH_REQUIRED: Self = Self(411);
    /// 413 Content Too Large.
    pub const CONTENT_TOO_LARGE: Self = Self(413);
    /// 416 Range Not Satisfiable.
    pub const RANGE_NOT_SATISFIABLE: Self = Self(416);
    /// 429 Too Many Requests.
    pub const TOO_MANY_REQUESTS: Self = Self(429);
    /// 431 Request Header Fields Too Large.
    pub const REQUEST_HEADER_FIELDS_TOO_LARGE: Self = Self(431);
    /// 500 Internal Server Error.
    pub const INTERNAL_SERVER_ERROR: Self = Self(500);
    /// 501 Not Implemented.
    pub const NOT_IMPLEMENTED: Self = Self(501);
    /// 503 Service Unavailable.
    pub const SERVICE_UNAVAILABLE: Self = Self(503);
    /// 505 HTTP Version Not Supported.
    pub const HTTP_VERSION_NOT_SUPPORTED: Self = Self(505);

    /// Build, checking the range.
    pub fn new(code: u16) -> Result<Self, ValidationError> {
        if (100..=999).contains(&code) { Ok(Self(code)) } else { Err(ValidationError::StatusCode) }
    }

    pub(crate) const fn unvalidated(code: u16) -> Self {
        Self(code)
    }

    /// The number.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// `true` for 1xx, 204 and 304: responses that end at the empty line, whatever
    /// `Content-Length` says (RFC 9112 §6.3 rule 1).
    pub const fn forbids_body(self) -> bool {
        self.0 < 200 || self.0 == 204 || self.0 == 304
    }

    /// `true` for 2xx.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 < 300
    }

    /// The standard reason phrase (RFC 9110 §15), or `""` for a code without one.
    pub const fn canonical_reason(self) -> &'static str {
        match self.0 {
            100 => "Continue",
            101 => "Switching Protocols",
            200 => "OK",
            201 => "Created",
            202 => "Accepted",
            204 => "No Content",
            206 => "Partial Content",
            301 => "Moved Permanently",
            302 => "Found",
            304 => "Not Modified",
            307 => "Temporary Redirect",
            308 => "Permanent Redirect",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            407 => "Proxy Authentication Required",
            408 => "Request Timeout",
            409 => "Conflict",
            411 => "Length Required",
            413 => "Content Too Large",
            // The RFC 2616 phrase, which IIS still sends (RFC 9110 §15.5.17 has "Range Not
            // Satisfiable"; a reason phrase is never interpreted, RFC 9112 §4).
            416 => "Requested Range Not Satisfiable",
            429 => "Too Many Requests",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            505 => "HTTP Version Not Supported",
            _ => "",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpVersion {
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1`.
    #[default]
    Http11,
}

impl HttpVersion {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Http10 => "HTTP/1.0",
            Self::Http11 => "HTTP/1.1",
        }
    }
}
