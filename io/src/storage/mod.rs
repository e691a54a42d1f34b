//! Where sessions and uploads live: the [`Storage`] trait, and [`FsStorage`], the file-system
//! default.
//!
//! As in tusd, a session is two things in storage: its *data* (the bytes received, from
//! offset 0, contiguous) and its *info* (destination, total, client). The offset a restarted
//! server answers with is the length of the data actually stored, not a number a previous
//! process wrote down: after `kill -9` the data is the judge, so a byte written is never asked
//! for again and a byte lost is always asked for again.

mod destination;
mod fs;
mod info;

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::time::Duration;

use bits_codec::bits::Guid;
use bytes::Bytes;

pub use destination::{Destination, DestinationError, DestinationPolicy, MAX_DEPTH, MAX_SEGMENT_LEN};
pub use fs::{FsStorage, FsWriter, SESSIONS_DIR, WRITE_BATCH};

/// One upload session as storage keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRecord {
    /// The session id (the GUID of `BITS-Session-Id`).
    pub id: Guid,
    /// Where the upload goes at commit.
    pub destination: Destination,
    /// The upload's length, once a Fragment has said it.
    pub total: Option<u64>,
    /// Bytes stored, contiguous from offset 0.
    pub received: u64,
    /// The client address that created the session (for the per-client session cap).
    pub client: Option<IpAddr>,
}

impl SessionRecord {
    /// A new, empty session.
    pub fn new(id: Guid, destination: Destination, client: Option<IpAddr>) -> Self {
        Self { id, destination, total: None, received: 0, client }
    }
}

/// When data reaches the disk itself (not only the operating system's page cache).
///
/// What survives what, for [`FsStorage`]:
///
/// | policy | process crash (`kill -9`, abort, OOM kill) | power loss or kernel crash |
/// | --- | --- | --- |
/// | [`Never`](Self::Never) | every acknowledged byte, every session, every commit | nothing is promised |
/// | [`AtCommit`](Self::AtCommit) (default) | the same | every file whose Close-Session was acknowledged; sessions created and bytes acknowledged since the last sync may be lost, and a client is then told the offset that survived (or that its session is gone) |
/// | [`EveryAck`](Self::EveryAck) | the same | every acknowledged byte and every session |
///
/// A process crash loses nothing under any policy because every write completes (the
/// `write` system call returns) before the Ack is sent: the bytes are in the kernel's page
/// cache, which outlives the process. Power loss takes the page cache with it; only `fsync`ed
/// data is safe then. The "offset that survived" relies on a file system that writes data
/// before the metadata that extends a file (ext4's default `data=ordered`, XFS, btrfs, APFS,
/// NTFS); on one that does not, a file could come back longer than what reached the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Fsync {
    /// Never `fsync`: fastest; leaves power-loss durability to the file system.
    Never,
    /// `fsync` a committed file before it is renamed to its destination, and the
    /// destination's directory after: a committed upload survives power loss.
    #[default]
    AtCommit,
    /// Also `fdatasync` the data before each Fragment Ack, and `fsync` each info file and its
    /// directory when written: nothing acknowledged is ever lost. Costs a disk flush per
    /// fragment.
    EveryAck,
}

/// What [`Storage::recover`] found at start.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Recovered {
    /// Sessions to put back, with the bytes actually stored.
    pub sessions: Vec<SessionRecord>,
    /// Sessions idle for longer than the expiry, removed.
    pub expired: Vec<Guid>,
    /// Files that belonged to no session (temp files, half-made or half-removed sessions),
    /// removed.
    pub orphans_removed: usize,
}

/// Sessions' data and info, and the uploads they become.
///
/// The service calls these for one session at a time (it holds a lock per session), so an
/// implementation needs no locking of its own per session. Errors are `io::Error`s; the kind
/// chooses the Ack: [`io::ErrorKind::InvalidInput`] and [`io::ErrorKind::AlreadyExists`] say
/// the request was refused (400, 409), [`io::ErrorKind::StorageFull`] says the disk is full,
/// anything else is a server error (500). A [`DestinationError`] wrapped in an `io::Error`
/// is answered as the refusal it names.
pub trait Storage: Send + Sync + 'static {
    /// Streams one Fragment's bytes into a session's data.
    type Writer: FragmentWriter;

    /// The destination a Create-Session's request target names, or why it names none
    /// (answered 400). Checks what can be checked without the disk.
    fn destination(&self, target: &str) -> Result<Destination, DestinationError>;

    /// At start: find the sessions a previous process left, remove those idle longer than
    /// `expiry` and every orphaned file.
    fn recover(&self, expiry: Duration) -> impl Future<Output = io::Result<Recovered>> + Send;

    /// Make a new session's (empty) data and persist its info.
    fn create(&self, record: &SessionRecord) -> impl Future<Output = io::Result<()>> + Send;

    /// A writer for the session's data, whose first byte goes to `offset` (the next byte
    /// expected: anything stored past it is dropped first).
    fn writer(&self, session: Guid, offset: u64) -> impl Future<Output = io::Result<Self::Writer>> + Send;

    /// The session's data (`len` bytes) becomes its destination, atomically; then its info
    /// goes. Returns the destination.
    fn commit(&self, session: Guid, len: u64) -> impl Future<Output = io::Result<Destination>> + Send;

    /// The file holding the session's data, if the storage keeps it in one (for the
    /// server application's notification; default: none).
    fn data_file(&self, session: Guid) -> Option<std::path::PathBuf> {
        let _ = session;
        None
    }

    /// The session's destination, if the session exists.
    fn destination_of(&self, session: Guid) -> Option<Destination>;

    /// Delete everything the session stored.
    fn discard(&self, session: Guid) -> impl Future<Output = io::Result<()>> + Send;

    /// The idle sweep: remove orphaned files older than `expiry` (whatever a crash in the
    /// middle of a create or commit left). Returns how many.
    fn sweep(&self, expiry: Duration) -> impl Future<Output = io::Result<usize>> + Send;
}

/// Writes one Fragment's bytes, in order, then makes them count.
pub trait FragmentWriter: Send {
    /// Append `bytes` (a slice of the body frame as the connection read it: keeping it
    /// costs no copy).
    fn write(&mut self, bytes: Bytes) -> impl Future<Output = io::Result<()>> + Send;

    /// Every byte written is stored (and synced, per the [`Fsync`] policy) before this
    /// returns, and the session's info knows the upload's `total`.
    fn finish(self, total: u64) -> impl Future<Output = io::Result<()>> + Send;
}
