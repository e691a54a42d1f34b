//! tokio-util `Decoder`/`Encoder`s for BITS and Graph messages on a raw byte stream.

use std::fmt;
use std::marker::PhantomData;

use bits_codec::bits::client::Response as BitsResponse;
use bits_codec::bits::{RequestHead, SharedRequest};
use bits_codec::graph::{Request as GraphRequest, Response as GraphResponse};
use bits_codec::{Decode, DecodeError, DecodeOptions, Encode, InvalidKind, InvalidMessage};
use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::scan::Framer;

/// What one codec reads: the message kind and how it is decoded.
pub trait Frame {
    /// The decoded message, owning its bytes.
    type Item;
    /// Decode one message from the front of `buf` (taking its bytes off when it is whole).
    fn take(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError>;
    /// Decode what is left when the stream has ended (an answer framed by the connection's
    /// close); by default the stream must end between messages.
    fn take_at_eof(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        Self::take(buf, opts)
    }
}

/// BITS requests, as a server reads them: the Fragment body shares the read buffer
/// ([`SharedRequest`], no copy).
#[derive(Debug, Clone, Copy)]
pub struct BitsRequests;

/// BITS answers, as a client reads them: an Ack, or plain HTTP (an unframed one at the end of
/// the stream, [`BitsResponse::decode_at_eof`]).
#[derive(Debug, Clone, Copy)]
pub struct BitsAnswers;

/// Graph requests (the create, fragments, status, commit, cancel).
#[derive(Debug, Clone, Copy)]
pub struct GraphRequests;

/// Graph answers.
#[derive(Debug, Clone, Copy)]
pub struct GraphAnswers;

impl Frame for BitsRequests {
    type Item = SharedRequest;
    fn take(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<SharedRequest, DecodeError> {
        // The head says how long the whole request is; only then is the buffer split off
        // (frozen into shared `Bytes`), so that the body is never copied.
        let (head, head_len) = RequestHead::decode_with(buf, opts)?;
        let whole = usize::try_from(head.body_len()).ok().and_then(|b| b.checked_add(head_len));
        let whole = whole.ok_or(DecodeError::Incomplete { needed: None })?;
        if buf.len() < whole {
            return Err(DecodeError::Incomplete { needed: std::num::NonZeroUsize::new(whole - buf.len()) });
        }
        let bytes = buf.split_to(whole).freeze();
        SharedRequest::from_bytes(&bytes, opts).map(|(r, _)| r)
    }
}

impl Frame for BitsAnswers {
    type Item = BitsResponse<'static>;
    fn take(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        let (r, used) = BitsResponse::decode_with(buf, opts)?;
        let r = owned(r)?;
        buf.advance(used);
        Ok(r)
    }
    fn take_at_eof(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        let (r, used) = BitsResponse::decode_at_eof(buf, opts)?;
        let r = owned(r)?;
        buf.advance(used);
        Ok(r)
    }
}

fn owned(r: BitsResponse<'_>) -> Result<BitsResponse<'static>, DecodeError> {
    match r {
        BitsResponse::Ack(a) => Ok(BitsResponse::Ack(a.into_owned())),
        BitsResponse::Http(m) => Ok(BitsResponse::Http(m.into_owned())),
        // A kind of answer this crate does not know yet (the enum is non-exhaustive).
        _ => Err(DecodeError::Invalid(InvalidMessage { kind: InvalidKind::PacketType, offset: 0 })),
    }
}

impl Frame for GraphRequests {
    type Item = GraphRequest<'static>;
    fn take(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        let (r, used) = GraphRequest::decode_with(buf, opts)?;
        let r = r.into_owned();
        buf.advance(used);
        Ok(r)
    }
}

impl Frame for GraphAnswers {
    type Item = GraphResponse<'static>;
    fn take(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        let (r, used) = GraphResponse::decode_with(buf, opts)?;
        let r = r.into_owned();
        buf.advance(used);
        Ok(r)
    }
    fn take_at_eof(buf: &mut BytesMut, opts: &DecodeOptions) -> Result<Self::Item, DecodeError> {
        let (r, used) = GraphResponse::decode_at_eof(buf, opts)?;
        let r = r.into_owned();
        buf.advance(used);
        Ok(r)
    }
}

/// A tokio-util codec for one kind of message ([`BitsServerCodec`], [`BitsClientCodec`],
/// [`GraphServerCodec`], [`GraphClientCodec`]); it encodes anything the crate can encode.
///
/// Its cost is linear in the bytes received, however they are split: the end of a head is
/// looked for from where the previous call stopped ([`HeadScan`](super::HeadScan)), the
/// codec's `decode` runs once the head is whole, and again only once the body bytes it said
/// were missing have come.
///
/// ```
/// use bytes::BytesMut;
/// use tokio_util::codec::Decoder;
/// use bits_codec_io::codec::BitsClientCodec;
/// let mut codec = BitsClientCodec::default();
/// let wire = b"HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n\r\n";
/// let mut buf = BytesMut::new();
/// for &b in &wire[..wire.len() - 1] {
///     buf.extend_from_slice(&[b]);
///     assert!(codec.decode(&mut buf).unwrap().is_none());
/// }
/// buf.extend_from_slice(&wire[wire.len() - 1..]);
/// assert_eq!(codec.decode(&mut buf).unwrap().unwrap().status().as_u16(), 200);
/// assert_eq!((codec.bytes_scanned(), codec.decode_calls()), (wire.len() as u64, 1));
/// ```
pub struct MessageCodec<F> {
    framer: Framer,
    opts: DecodeOptions,
    frame: PhantomData<fn() -> F>,
}

/// Reads BITS requests, writes Acks.
pub type BitsServerCodec = MessageCodec<BitsRequests>;
/// Reads BITS answers, writes requests.
pub type BitsClientCodec = MessageCodec<BitsAnswers>;
/// Reads Graph requests, writes responses.
pub type GraphServerCodec = MessageCodec<GraphRequests>;
/// Reads Graph responses, writes requests.
pub type GraphClientCodec = MessageCodec<GraphAnswers>;

impl<F> Default for MessageCodec<F> {
    fn default() -> Self {
        Self::new(DecodeOptions::default())
    }
}

impl<F> fmt::Debug for MessageCodec<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCodec").field("framer", &self.framer).field("opts", &self.opts).finish()
    }
}

impl<F> MessageCodec<F> {
    /// A codec decoding with `opts` (limits, leniencies).
    pub fn new(opts: DecodeOptions) -> Self {
        Self { framer: Framer::default(), opts, frame: PhantomData }
    }

    /// Bytes looked at while searching for ends of heads, over the codec's life.
    pub fn bytes_scanned(&self) -> u64 {
        self.framer.bytes_scanned()
    }

    /// Times the crate's `decode` ran, over the codec's life.
    pub fn decode_calls(&self) -> u64 {
        self.framer.decodes
    }
}

/// Why a codec stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodecError {
    /// Reading or writing the stream failed.
    Io(std::io::Error),
    /// The bytes are not a valid message (with the offset of the first wrong byte).
    Decode(DecodeError),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => e.fmt(f),
            Self::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CodecError {}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl<F: Frame> Decoder for MessageCodec<F> {
    type Item = F::Item;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<F::Item>, CodecError> {
        if !self.framer.ready(src) {
            return Ok(None);
        }
        match F::take(src, &self.opts) {
            Ok(item) => {
                self.framer.consumed();
                Ok(Some(item))
            }
            Err(DecodeError::Incomplete { needed }) => {
                self.framer.incomplete(src.len(), needed);
                if let Some(n) = needed {
                    src.reserve(n.get());
                }
                Ok(None)
            }
            Err(e) => Err(CodecError::Decode(e)),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<F::Item>, CodecError> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        if src.is_empty() {
            return Ok(None);
        }
        match F::take_at_eof(src, &self.opts) {
            Ok(item) => {
                self.framer.consumed();
                Ok(Some(item))
            }
            Err(e) => Err(CodecError::Decode(e)),
        }
    }
}

impl<F, T: Encode> Encoder<T> for MessageCodec<F> {
    type Error = CodecError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.reserve(item.encoded_len());
        item.encode(dst);
        Ok(())
    }
}
