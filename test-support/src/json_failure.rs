//! The JSON failure inside a [`DecodeError`], as its kind and offset: what the Graph tests
//! assert on.

use bits_codec::graph::JsonErrorKind;
use bits_codec::{DecodeError, InvalidKind, InvalidMessage};

/// A JSON failure: its kind and its byte offset in the whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonFailure {
    pub kind: JsonErrorKind,
    pub offset: usize,
}

/// `json_error()` on a [`DecodeError`].
pub trait JsonFailureExt {
    /// The JSON failure, if the error is one.
    fn json_error(&self) -> Option<JsonFailure>;
}

impl JsonFailureExt for DecodeError {
    fn json_error(&self) -> Option<JsonFailure> {
        match self.invalid_message()? {
            &InvalidMessage { kind: InvalidKind::Json(kind), offset } => Some(JsonFailure { kind, offset }),
            _ => None,
        }
    }
}
