//! [`Packet`]: a request or an Ack, chosen by the start line.

use bytes::BufMut;

use super::ack::Ack;
use super::request::Request;
use crate::codec::{Decode, Encode};
use crate::error::DecodeError;
use crate::options::DecodeOptions;

/// Any BITS packet: a request (client to server) or an Ack (server to client).
///
/// ```
/// use bits_codec::Decode;
/// use bits_codec::bits::Packet;
/// let (p, _) = Packet::decode(b"HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n").unwrap();
/// assert!(matches!(p, Packet::Ack(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// A `BITS_POST` request.
    Request(Request<'a>),
    /// A response.
    Ack(Ack<'a>),
}

impl<'a> Decode<'a> for Packet<'a> {
    fn decode_with(input: &'a [u8], opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        // A response starts with "HTTP/"; no method does ("HTTP/" is not a token).
        if input.len() < 5 && b"HTTP/".starts_with(input) {
            return Err(DecodeError::INCOMPLETE);
        }
        if input.starts_with(b"HTTP/") {
            Ack::decode_with(input, opts).map(|(a, n)| (Packet::Ack(a), n))
        } else {
            Request::decode_with(input, opts).map(|(r, n)| (Packet::Request(r), n))
        }
    }
}

impl Encode for Packet<'_> {
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            Packet::Request(r) => r.encode(out),
            Packet::Ack(a) => a.encode(out),
        }
    }
    fn encoded_len(&self) -> usize {
        match self {
            Packet::Request(r) => r.encoded_len(),
            Packet::Ack(a) => a.encoded_len(),
        }
    }
}

impl Packet<'_> {
    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Packet<'static> {
        match self {
            Packet::Request(r) => Packet::Request(r.into_owned()),
            Packet::Ack(a) => Packet::Ack(a.into_owned()),
        }
    }
}
