//! Keeping a decoded request past the read buffer without copying, through [`bytes::Bytes`].

use core::ops::Range;

use bytes::Bytes;

use super::request::Request;
use crate::codec::Decode;
use crate::error::DecodeError;
use crate::options::DecodeOptions;

/// A request that shares the reference-counted buffer it was read into.
///
/// [`body`](SharedRequest::body) hands out the Fragment body as a `Bytes` slice of that buffer
/// (no copy), to be written to disk after the read buffer has moved on.
/// [`request`](SharedRequest::request) gives the borrowed typed view again: it re-reads the
/// head (never the body), which cannot fail because the same bytes decoded once already.
///
/// ```
/// use bytes::Bytes;
/// use bits_codec::DecodeOptions;
/// use bits_codec::bits::SharedRequest;
/// let buf = Bytes::from_static(b"BITS_POST /u HTTP/1.1\r\nBITS-Packet-Type: Fragment\r\n\
///     BITS-Session-Id: s1\r\nContent-Range: bytes 0-1/2\r\nContent-Length: 2\r\n\r\nhi");
/// let (shared, used) = SharedRequest::from_bytes(&buf, &DecodeOptions::default()).unwrap();
/// assert_eq!(used, buf.len());
/// assert_eq!(shared.body(), Bytes::from_static(b"hi"));
/// assert_eq!(shared.request().session_id().unwrap().as_str(), "s1");
/// ```
#[derive(Debug, Clone)]
pub struct SharedRequest {
    bytes: Bytes,
    opts: DecodeOptions,
    body: Range<usize>,
}

impl SharedRequest {
    /// Decode one request from the front of `buf`; `usize` is the bytes it used. A
    /// constructor of its own rather than [`Decode`]: it takes the `Bytes` handle (to keep a
    /// share of it), not a borrowed slice.
    pub fn from_bytes(buf: &Bytes, opts: &DecodeOptions) -> Result<(Self, usize), DecodeError> {
        let (req, used) = Request::decode_with(buf, opts)?;
        let body = used - req.body().len()..used;
        Ok((Self { bytes: buf.slice(..used), opts: *opts, body }, used))
    }

    /// The typed, borrowed view.
    pub fn request(&self) -> Request<'_> {
        match Request::decode_with(&self.bytes, &self.opts) {
            Ok((r, _)) => r,
            // Same bytes, same options: decoding is deterministic and succeeded in `from_bytes`.
            Err(e) => unreachable!("re-decoding a decoded request failed: {e}"),
        }
    }

    /// The body, sharing the buffer.
    pub fn body(&self) -> Bytes {
        self.bytes.slice(self.body.clone())
    }

    /// The whole message's bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }
}
