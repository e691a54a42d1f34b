//! What one server lets its clients use: sessions, bytes, time, connections, memory.

use std::time::Duration;

/// Limits, each with a default that suits a server on the internet.
///
/// ```
/// use bits_codec_io::Limits;
/// let mut limits = Limits::default();
/// limits.max_upload = 100 << 20;
/// limits.max_sessions_per_client = 10;
/// assert_eq!(limits.max_fragment, 16 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Open sessions in all (default 10,000). A Create-Session over it is answered 503
    /// (`BG_E_HTTP_ERROR_503`), which a BITS client retries later.
    pub max_sessions: usize,
    /// Open sessions per client IP address (default 100), answered as above. Needs the
    /// client's address in the request's extensions ([`ClientAddr`](crate::ClientAddr), which
    /// [`serve`](crate::serve) inserts); without it, only the global cap applies.
    pub max_sessions_per_client: usize,
    /// The largest upload, in bytes (default 4 GiB): 500 + `BG_E_TOO_LARGE` above it, as IIS
    /// answers over its `BITSMaximumUploadSize`.
    pub max_upload: u64,
    /// The largest Fragment body (default 16 MiB; Windows sends at most about 13 MB): 413
    /// above it, and the client sends smaller fragments ([MC-BUP] §3.1.5.2.4).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub max_fragment: u64,
    /// A session that no request names for this long is removed with its data (default 24
    /// hours). The sweep runs every half of it, so a session goes between one and one and a
    /// half times this after its last request.
    pub idle_expiry: Duration,
    /// The time a client has to send a request's head (default 30 s), so slow clients cannot
    /// hold connections.
    pub header_read_timeout: Duration,
    /// The time between two pieces of a body (default 30 s); a body that stalls longer fails
    /// its request and closes the connection.
    pub body_read_timeout: Duration,
    /// Connections served at once (default 1,024); more wait in the listen backlog.
    pub max_connections: usize,
    /// A body the server does not store (a refused or repeated Fragment) is read and dropped
    /// up to this many bytes, so the client reads the Ack on a connection that stays usable
    /// (default: 16 MiB, the default `max_fragment`); over it, the Ack is sent with
    /// `Connection: close` without reading the body.
    pub drain_limit: u64,
    /// The read buffer of each connection (default 64 KiB; at least 8 KiB). With it, a
    /// connection holds at most this buffer and, while a Fragment is being written, what the
    /// storage gathers ([`FsStorage`](crate::FsStorage): two batches of
    /// [`WRITE_BATCH`](crate::storage::WRITE_BATCH)), whatever a client claims or however
    /// slowly it sends. An idle keep-alive connection is closed after
    /// [`header_read_timeout`](Self::header_read_timeout).
    pub read_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_sessions: 10_000,
            max_sessions_per_client: 100,
            max_upload: 4 << 30,
            max_fragment: 16 << 20,
            idle_expiry: Duration::from_secs(24 * 60 * 60),
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            drain_limit: 16 << 20,
            read_buffer: 64 << 10,
        }
    }
}
