//! Reading a request body piece by piece, with a deadline per piece: never collected.

use std::io;
use std::time::Duration;

use bytes::Buf;
use http_body::Body;
use http_body_util::BodyExt;

use crate::storage::FragmentWriter;

/// A body error from any `http_body::Body`.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body and how much of it has been read.
pub(crate) struct BodyReader<B> {
    body: B,
    timeout: Duration,
    read: u64,
}

impl<B> BodyReader<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    pub(crate) fn new(body: B, timeout: Duration) -> Self {
        Self { body, timeout, read: 0 }
    }

    /// The next data frame (trailers skipped), `None` at the end. `TimedOut` if no frame
    /// came within the timeout, `UnexpectedEof` if the body broke off.
    async fn next(&mut self) -> io::Result<Option<B::Data>> {
        loop {
            let frame = tokio::time::timeout(self.timeout, self.body.frame())
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "request body stalled"))?;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e.into())),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.read += data.remaining() as u64;
                        return Ok(Some(data));
                    }
                }
            }
        }
    }

    /// Stream the body to `writer`: its bytes `[skip, skip + len)` are written, the rest read
    /// and dropped. The body must be exactly `expected` bytes (`Content-Length`; hyper frames
    /// by it, but another stack might not).
    pub(crate) async fn copy_to<W: FragmentWriter>(
        &mut self,
        writer: &mut W,
        skip: u64,
        len: u64,
        expected: u64,
    ) -> io::Result<()> {
        let (from, to) = (skip, skip.saturating_add(len));
        while let Some(mut data) = self.next().await? {
            let end = self.read;
            if end > expected {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "body longer than Content-Length"));
            }
            // hyper's frames are `Bytes`, for which this is a split, not a copy.
            let bytes = data.copy_to_bytes(data.remaining());
            let at = end - bytes.len() as u64;
            // The part of [at, end) inside [from, to).
            let (lo, hi) = (at.max(from), end.min(to));
            if lo < hi {
                writer.write(bytes.slice((lo - at) as usize..(hi - at) as usize)).await?;
            }
        }
        self.expect_end(expected)
    }

    /// Read the body to its end, dropping it.
    pub(crate) async fn drain(&mut self, expected: u64) -> io::Result<()> {
        while let Some(mut data) = self.next().await? {
            if self.read > expected {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "body longer than Content-Length"));
            }
            let n = data.remaining();
            data.advance(n);
        }
        self.expect_end(expected)
    }

    fn expect_end(&self, expected: u64) -> io::Result<()> {
        if self.read == expected {
            Ok(())
        } else {
            let msg = format!("body ended after {} of {expected} bytes", self.read);
            Err(io::Error::new(io::ErrorKind::UnexpectedEof, msg))
        }
    }
}
