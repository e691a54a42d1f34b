//! Errors of the Graph half: [`GraphError`] for a message (the HTTP head layer's
//! [`DecodeError`] contract, extended with JSON body errors), [`JsonError`] for a body or a
//! JSON member value, [`RangeError`] for the upload arithmetic.
//!
//! The crate-wide [`InvalidKind`](crate::InvalidKind) is reused unchanged for everything the
//! HTTP layer reports (framing, `Content-Range`, `Content-Length` against the range, missing
//! headers); only what is new to Graph — JSON — gets its own kinds here.

use core::fmt;
use core::num::NonZeroUsize;

use crate::error::{DecodeError, InvalidMessage};

/// Why decoding a Graph message stopped.
///
/// The streaming contract is the one of [`DecodeError`]: `Incomplete` means every byte so far
/// is valid and more are needed; the other variants can never become valid. Every strict
/// prefix of a valid message gives `Incomplete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphError {
    /// The input ends before the message does.
    Incomplete {
        /// How many more bytes are needed at least, when known (exact inside a body).
        needed: Option<NonZeroUsize>,
    },
    /// The HTTP head or framing is invalid (the same kinds and offsets as the BITS side).
    Invalid(InvalidMessage),
    /// The JSON body is invalid; `offset` counts from the start of the message.
    Json(JsonError),
}

impl GraphError {
    /// `true` for [`GraphError::Incomplete`].
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }

    /// The offset of the first offending byte, from the start of the input, unless incomplete.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::Incomplete { .. } => None,
            Self::Invalid(m) => Some(m.offset),
            Self::Json(j) => Some(j.offset),
        }
    }

    /// The HTTP-level problem, if that is what it is.
    pub fn invalid_message(&self) -> Option<&InvalidMessage> {
        match self {
            Self::Invalid(m) => Some(m),
            _ => None,
        }
    }

    /// The JSON problem, if that is what it is.
    pub fn json_error(&self) -> Option<&JsonError> {
        match self {
            Self::Json(j) => Some(j),
            _ => None,
        }
    }

    /// The HTTP status a server answers this error with: 400 for a malformed request (413 and
    /// 431 for the limits, as [`InvalidKind::http_status`](crate::InvalidKind::http_status)).
    pub fn http_status(&self) -> crate::http1::Status {
        match self {
            Self::Invalid(m) => m.kind.http_status(),
            _ => crate::http1::Status::BAD_REQUEST,
        }
    }
}

impl From<DecodeError> for GraphError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::Incomplete { needed } => Self::Incomplete { needed },
            DecodeError::Invalid(m) => Self::Invalid(m),
        }
    }
}

impl From<InvalidMessage> for GraphError {
    fn from(m: InvalidMessage) -> Self {
        Self::Invalid(m)
    }
}

impl From<JsonError> for GraphError {
    fn from(j: JsonError) -> Self {
        Self::Json(j)
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete { needed: Some(n) } => write!(f, "incomplete message: at least {n} more bytes needed"),
            Self::Incomplete { needed: None } => f.write_str("incomplete message: more bytes needed"),
            Self::Invalid(m) => m.fmt(f),
            Self::Json(j) => j.fmt(f),
        }
    }
}

impl core::error::Error for GraphError {}

/// An invalid JSON body (or JSON member value): what, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// What was expected and not found.
    pub kind: JsonErrorKind,
    /// Offset of the offending byte: from the start of the JSON text for a body decoded alone,
    /// from the start of the message for a body inside a message, from the start of the string
    /// for a value built from a string. Syntax errors point where `serde_json` stopped.
    pub offset: usize,
}

impl JsonError {
    pub(crate) const fn new(kind: JsonErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The same error, `by` bytes further into a larger input.
    pub(crate) const fn shifted(self, by: usize) -> Self {
        Self { kind: self.kind, offset: self.offset + by }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON body at byte {}: {}", self.offset, self.kind)
    }
}

impl core::error::Error for JsonError {}

/// The classes of invalid JSON bodies and values. Key names in the variants are the canonical
/// (camelCase) spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not JSON at all, truncated JSON, a trailing comma (the doc 409 examples), or bytes after
    /// the value.
    Syntax,
    /// Objects and arrays nested deeper than [`MAX_JSON_DEPTH`](super::MAX_JSON_DEPTH).
    TooDeep,
    /// A member with the wrong JSON type (a number where a string belongs, …).
    Type(&'static str),
    /// A required member is absent.
    MissingKey(&'static str),
    /// The same member twice (keys compare ASCII case-insensitively, so `nextExpectedRanges`
    /// and `NextExpectedRanges` together are a duplicate).
    DuplicateKey(&'static str),
    /// A `nextExpectedRanges` item that is not `S`, `S-` or `S-E` (decimal digits only).
    RangeItem,
    /// A `nextExpectedRanges` item `S-E` with `E < S`.
    RangeOrder,
    /// A number too large for 64 bits.
    NumberOverflow,
    /// A timestamp that is not RFC 3339 (`YYYY-MM-DDThh:mm:ss[.f{1,12}](Z|±hh:mm)`), or a date
    /// that does not exist.
    DateTime,
    /// A `createUploadSession` body that matches no variant (`item`/`deferCommit`,
    /// `AttachmentItem`, `properties`, `attachmentInfo`), or several at once.
    Shape,
    /// A body that must be a JSON object is another JSON value.
    NotAnObject,
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax => f.write_str("not valid JSON"),
            Self::TooDeep => write!(f, "JSON nested deeper than {} levels", super::MAX_JSON_DEPTH),
            Self::Type(k) => write!(f, "member {k} has the wrong JSON type"),
            Self::MissingKey(k) => write!(f, "expected member {k}"),
            Self::DuplicateKey(k) => write!(f, "member {k} appears more than once"),
            Self::RangeItem => f.write_str("expected a range item \"S\", \"S-\" or \"S-E\""),
            Self::RangeOrder => f.write_str("range item end is before its start"),
            Self::NumberOverflow => f.write_str("number too large for 64 bits"),
            Self::DateTime => f.write_str("expected an RFC 3339 date-time with zone (Z or +hh:mm)"),
            Self::Shape => f.write_str("expected exactly one of item, AttachmentItem, properties, attachmentInfo"),
            Self::NotAnObject => f.write_str("expected a JSON object"),
        }
    }
}

/// Why the upload arithmetic refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// A file of 0 bytes: upload sessions cannot carry one (digest §2.4: `bytes 0-0/0` is
    /// rejected by the service; use a simple upload).
    ZeroTotal,
    /// A `nextExpectedRanges` item that starts at or after the end of the file.
    StartBeyondTotal {
        /// The item's start.
        start: u64,
        /// The file size.
        total: u64,
    },
    /// A `Content-Range` whose total is not the session's file size (the service answers
    /// `fragmentLengthMismatch`).
    TotalMismatch {
        /// The session's file size.
        expected: u64,
        /// The range's total.
        found: u64,
    },
    /// A fragment length of 0, above the variant's maximum, or (driveItem) not a multiple of
    /// 320 KiB.
    FragmentLen(u64),
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroTotal => f.write_str("a file of 0 bytes cannot be uploaded in a session"),
            Self::StartBeyondTotal { start, total } => {
                write!(f, "range starts at {start}, not before the end of the {total}-byte file")
            }
            Self::TotalMismatch { expected, found } => {
                write!(f, "range declares a total of {found} bytes, the session is for {expected}")
            }
            Self::FragmentLen(n) => write!(f, "fragment length {n} is not allowed for this variant"),
        }
    }
}

impl core::error::Error for RangeError {}
