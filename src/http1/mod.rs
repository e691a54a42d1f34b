//! The HTTP/1.1 layer both protocols share: head grammar, header list, validated values,
//! `Content-Range`, plain messages, and interop with the `http` crate.

pub(crate) mod content_range;
pub(crate) mod encode;
pub(crate) mod head;
pub(crate) mod headers;
#[cfg(feature = "http")]
pub(crate) mod interop;
mod message;
pub(crate) mod names;
pub(crate) mod parse;
pub(crate) mod scan;
pub(crate) mod syntax;
pub(crate) mod values;

pub use content_range::ContentRange;
pub use headers::{Field, Headers, Iter};
pub use message::{Message, StartLine};
pub use names::KnownHeader;
pub use values::{FieldName, FieldValue, HttpVersion, ReasonPhrase, RequestMethod, RequestTarget, Status};
