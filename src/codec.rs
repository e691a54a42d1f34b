//! The [`Decode`] / [`Encode`] contract every message type follows.

use alloc::vec::Vec;

use bytes::BufMut;

use crate::error::DecodeError;
use crate::options::DecodeOptions;

/// Decoding one message from the front of a buffer, without copying.
///
/// `Ok((value, consumed))`: the message used `consumed` bytes; advance the buffer by that
/// much (bytes after it belong to the next message on the connection).
/// `Err(DecodeError::Incomplete { .. })`: everything so far is valid; read more and call again.
/// `Err(DecodeError::Invalid(e))`: never valid; `e.offset` is the first bad byte.
pub trait Decode<'a>: Sized {
    /// Decode with the strict default options.
    fn decode(input: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        Self::decode_with(input, &DecodeOptions::default())
    }

    /// Decode with explicit limits and leniencies.
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError>;
}

/// Encoding into any [`BufMut`] (a `Vec<u8>`, a `BytesMut`, ...).
///
/// Infallible: a value that exists can be sent. [`encoded_len`](Encode::encoded_len) is exact,
/// so a buffer sized with it never grows.
pub trait Encode {
    /// Append the wire form to `out`.
    fn encode<B: BufMut>(&self, out: &mut B);

    /// The exact number of bytes [`encode`](Encode::encode) appends.
    fn encoded_len(&self) -> usize;

    /// The wire form in a new vector of exactly the right capacity.
    fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }
}
