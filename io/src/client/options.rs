//! What a caller sets for an upload, what it is told as it goes, and how it ends.

use std::fmt;
use std::time::Duration;

use bits_codec::DecodeError;
use bits_codec::bits::client::ClientError as BitsError;
use bits_codec::graph::client::ClientError as GraphError;

use super::tls::Tls;

/// The connection settings of an upload.
///
/// ```
/// use std::time::Duration;
/// use bits_codec_io::client::Options;
/// let options = Options::default().io_timeout(Duration::from_secs(60)).max_waits(10);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) connect_timeout: Duration,
    pub(crate) io_timeout: Duration,
    pub(crate) tls: Tls,
    pub(crate) max_waits: u32,
    pub(crate) max_wait: Duration,
    pub(crate) reconnect_backoff: (Duration, Duration),
    pub(crate) user_agent: Option<String>,
}

impl Default for Options {
    /// 10 s to connect, 30 s for any read or write, Mozilla's roots, 5 waits of at most 300 s,
    /// reconnections after 250 ms doubling to 8 s, `User-Agent: bits-codec/VERSION`.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(30),
            tls: Tls::webpki_roots(),
            max_waits: 5,
            max_wait: Duration::from_secs(300),
            reconnect_backoff: (Duration::from_millis(250), Duration::from_secs(8)),
            user_agent: Some(concat!("bits-codec/", env!("CARGO_PKG_VERSION")).to_string()),
        }
    }
}

impl Options {
    /// How long a TCP connection (and its TLS handshake) may take.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How long one read or write may wait; an answer without framing ends here too.
    pub fn io_timeout(mut self, d: Duration) -> Self {
        self.io_timeout = d;
        self
    }

    /// The TLS settings for `https` URLs.
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = tls;
        self
    }

    /// How many times an upload refused with a 5xx or 429 (or out of retries after lost
    /// connections) waits and resumes before it fails (default 5).
    pub fn max_waits(mut self, n: u32) -> Self {
        self.max_waits = n;
        self
    }

    /// The longest wait (a `Retry-After` longer than this is cut to it; default 300 s).
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// The pause before the first reconnection after a lost connection, and its cap (each
    /// further one in a row doubles it).
    pub fn reconnect_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.reconnect_backoff = (first, max.max(first));
        self
    }

    /// The `User-Agent` sent (`None`: none).
    pub fn user_agent(mut self, ua: Option<String>) -> Self {
        self.user_agent = ua;
        self
    }
}

/// Where an upload is, given to the progress callback after every answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The bytes the server has acknowledged.
    pub received: u64,
    /// The file's length.
    pub total: u64,
    /// Every body byte written to a connection so far (resent bytes counted again).
    pub sent: u64,
    /// The BITS session id, or the Graph `uploadUrl`, once the server gave one: what a later
    /// run needs to resume (see [`BitsUpload::resume_session`](super::BitsUpload::resume_session)).
    pub session: Option<String>,
}

/// How an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The file's length.
    pub total: u64,
    /// Every body byte written to a connection (above `total` when fragments were resent).
    pub sent: u64,
    /// Requests sent.
    pub requests: u64,
    /// Connections opened.
    pub connections: u64,
    /// Answers that were not a step forward: lost connections, retries, restarts, waits.
    pub setbacks: u64,
    /// The BITS session id or the Graph `uploadUrl` the upload finished in.
    pub session: Option<String>,
    /// The BITS reply URL, in upload-reply mode (not downloaded by the driver).
    pub reply_url: Option<String>,
}

/// Why an upload failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum UploadError {
    /// The URL is not `http(s)://host[:port]/path`.
    Url(String),
    /// The source could not be read (or is shorter than it said).
    Source(std::io::Error),
    /// The connection failed for good (after the machine's retries and the driver's waits).
    Io(std::io::Error),
    /// An answer that does not decode.
    Decode(DecodeError),
    /// The BITS machine gave up.
    Bits(BitsError),
    /// The Graph machine gave up.
    Graph(GraphError),
    /// A request could not be built (a header value the caller gave is not a valid field).
    Request(String),
    /// The upload was cancelled.
    Cancelled,
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(u) => write!(f, "not an http(s) URL with a host and a path: {u}"),
            Self::Source(e) => write!(f, "reading the file: {e}"),
            Self::Io(e) => write!(f, "connection: {e}"),
            Self::Decode(e) => write!(f, "the server's answer does not decode: {e}"),
            Self::Bits(e) => write!(f, "{e} ({})", e.hresult()),
            Self::Graph(e) => e.fmt(f),
            Self::Request(e) => write!(f, "building the request: {e}"),
            Self::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Source(e) | Self::Io(e) => Some(e),
            Self::Decode(e) => Some(e),
            Self::Bits(e) => Some(e),
            Self::Graph(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for UploadError {
    /// An error from the source (the driver wraps connection errors itself).
    fn from(e: std::io::Error) -> Self {
        Self::Source(e)
    }
}
