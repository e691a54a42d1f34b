//! Framing BITS and Graph messages in a byte stream whose cost is linear in the bytes
//! received, however they are split.
//!
//! [`HeadScan`] finds where a head ends, keeping its place between calls; the upload drivers
//! and (with the `codec` feature) the tokio-util codecs call the codec's `decode` only once
//! a head is whole and, after that, only once the body bytes it asked for are in.

#[cfg(feature = "codec")]
mod framed;
pub(crate) mod scan;

#[cfg(feature = "codec")]
pub use framed::{
    BitsAnswers, BitsClientCodec, BitsRequests, BitsServerCodec, CodecError, Frame, GraphAnswers, GraphClientCodec,
    GraphRequests, GraphServerCodec, MessageCodec,
};
pub use scan::HeadScan;
