//! [`FsStorage`]: sessions and uploads on the local file system.
//!
//! Layout under the root:
//!
//! ```text
//! ROOT/reports/q1 final.pdf                 a committed upload (its destination)
//! ROOT/.bits-sessions/<id>.part             a session's data: the bytes received, from 0
//! ROOT/.bits-sessions/<id>.info             its info (see the `info` module)
//! ROOT/.bits-sessions/<id>.info.tmp         an info file being written
//! ROOT/.bits-sessions/lock                  locked while a server uses the root
//! ```
//!
//! `<id>` is the session GUID as 32 hex digits. The session folder is inside the root so that
//! the commit is a `rename` on one file system (atomic: a destination never shows a partial
//! file); the destination policy refuses names starting with `.`, so no upload can reach it.
//!
//! Order of writes, and what a crash between two steps leaves (all of it repaired at start by
//! [`Storage::recover`] and later by the idle sweep):
//! - create: data file (empty), then the info file (written to `.tmp`, then renamed, as tusd
//!   writes its `.info`). A crash between leaves data without info: an orphan, removed.
//! - fragment: the data is written at the session's offset, then (first fragment only) the
//!   info is rewritten with the total. The offset after a restart is the data's length.
//! - commit: data renamed to the destination, then the info removed. A crash between leaves
//!   info without data: removed; the upload is already in place.
//!
//! Symlinks: every existing component of a destination must be a real directory and the
//! destination itself, if it exists, a regular file (checked with `symlink_metadata`, which
//! does not follow links), at Create-Session and again at commit. The check and the rename
//! are two steps, so a local user who can write inside the root between them could still
//! swap a directory for a link; the threat this stops is a remote client, who cannot.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use bits_codec::bits::Guid;
use bytes::Bytes;

use super::{
    Destination, DestinationError, DestinationPolicy, FragmentWriter, Fsync, Recovered, SessionRecord, Storage,
};

/// Body frames are gathered into batches of this size: each batch is a trip to a blocking
/// thread, and the frames a connection hands over are small (at most its read buffer), so
/// writing each alone spends more time on the trips than on the bytes. Measured with
/// `examples/throughput.rs`: see the README.
pub const WRITE_BATCH: usize = 1 << 20;

/// The folder, under the root, that holds sessions in progress.
pub const SESSIONS_DIR: &str = ".bits-sessions";

/// File-system storage: uploads under one root, sessions beside them (see the module docs).
///
/// ```no_run
/// use bits_codec_io::{DestinationPolicy, FsStorage, Fsync};
/// let storage = FsStorage::new("/srv/uploads")?
///     .policy(DestinationPolicy::new("/upload/"))
///     .fsync(Fsync::EveryAck)
///     .allow_overwrite(false);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FsStorage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Held (an exclusive `flock`-style lock on `.bits-sessions/lock`) for as long as the
    /// storage lives, so that two servers never share a root. The operating system drops it
    /// when the process dies, `kill -9` included, so a restart is never locked out.
    _lock: Arc<File>,
    root: PathBuf,
    sessions: PathBuf,
    policy: DestinationPolicy,
    fsync: Fsync,
    overwrite: bool,
    records: Mutex<HashMap<Guid, SessionRecord>>,
}

impl FsStorage {
    /// Storage under `root` (created if missing, with its session folder), every path an
    /// upload destination ([`DestinationPolicy::default`]), [`Fsync::AtCommit`], existing
    /// destinations not overwritten.
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        let root = root.as_ref();
        fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let sessions = root.join(SESSIONS_DIR);
        fs::create_dir_all(&sessions)?;
        let lock = File::create(sessions.join("lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let msg = format!("{} is in use by another server", root.display());
                return Err(io::Error::new(io::ErrorKind::WouldBlock, msg));
            }
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        Ok(Self {
            inner: Arc::new(Inner {
                _lock: Arc::new(lock),
                root,
                sessions,
                policy: DestinationPolicy::default(),
                fsync: Fsync::default(),
                overwrite: false,
                records: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// How request targets map to destinations.
    pub fn policy(self, policy: DestinationPolicy) -> Self {
        self.with(|i| i.policy = policy)
    }

    /// When to `fsync` (see [`Fsync`]).
    pub fn fsync(self, fsync: Fsync) -> Self {
        self.with(|i| i.fsync = fsync)
    }

    /// Whether an upload may replace an existing file (default `false`: a Create-Session
    /// naming an existing file is answered 409, and a commit never replaces a file that
    /// appeared meanwhile).
    pub fn allow_overwrite(self, yes: bool) -> Self {
        self.with(|i| i.overwrite = yes)
    }

    /// The root (canonical).
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// The folder holding sessions in progress.
    pub fn sessions_dir(&self) -> &Path {
        &self.inner.sessions
    }

    fn with(self, f: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            _lock: shared._lock.clone(),
            root: shared.root.clone(),
            sessions: shared.sessions.clone(),
            policy: shared.policy.clone(),
            fsync: shared.fsync,
            overwrite: shared.overwrite,
            records: Mutex::new(shared.records().clone()),
        });
        f(&mut inner);
        Self { inner: Arc::new(inner) }
    }
}

impl Inner {
    fn records(&self) -> MutexGuard<'_, HashMap<Guid, SessionRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn data(&self, id: Guid) -> PathBuf {
        self.sessions.join(format!("{:032x}.part", id.as_u128()))
    }

    fn info(&self, id: Guid) -> PathBuf {
        self.sessions.join(format!("{:032x}.info", id.as_u128()))
    }

    fn sync_sessions_dir(&self) -> io::Result<()> {
        File::open(&self.sessions)?.sync_all()
    }

    /// Write the info file atomically: `.tmp`, then rename.
    fn write_info(&self, r: &SessionRecord) -> io::Result<()> {
        let path = self.info(r.id);
        let tmp = path.with_extension("info.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(super::info::encode(r).as_bytes())?;
        if self.fsync == Fsync::EveryAck {
            f.sync_all()?;
        }
        drop(f);
        fs::rename(&tmp, &path)?;
        if self.fsync == Fsync::EveryAck {
            self.sync_sessions_dir()?;
        }
        Ok(())
    }

    /// The destination's path, after checking that every existing component under the root
    /// is a real directory (creating missing ones when `create`) and that the destination
    /// itself is absent, or a regular file that may be replaced.
    fn place(&self, dest: &Destination, create: bool) -> io::Result<PathBuf> {
        let mut path = self.root.clone();
        let segments: Vec<&str> = dest.segments().collect();
        let (name, dirs) = segments.split_last().ok_or_else(|| refused(DestinationError::EmptySegment))?;
        for dir in dirs {
            path.push(dir);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(refused(DestinationError::NotADirectory)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if create {
                        match fs::create_dir(&path) {
                            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                            _ => {}
                        }
                        // Whoever made it (us or a racing request), it must be a directory.
                        if !fs::symlink_metadata(&path)?.is_dir() {
                            return Err(refused(DestinationError::NotADirectory));
                        }
                    } else {
                        // Nothing below a missing folder exists yet.
                        path.extend(segments[dirs.len()..].iter().copied());
                        return Ok(path);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        path.push(name);
        match fs::symlink_metadata(&path) {
            Ok(m) if !m.is_file() => Err(refused(DestinationError::NotADirectory)),
            Ok(_) if !self.overwrite => Err(refused(DestinationError::Exists)),
            Ok(_) => Ok(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(path),
            Err(e) => Err(e),
        }
    }

    fn create(&self, r: &SessionRecord) -> io::Result<()> {
        self.place(&r.destination, false)?;
        File::create_new(self.data(r.id))?;
        if let Err(e) = self.write_info(r) {
            let _ = fs::remove_file(self.data(r.id));
            return Err(e);
        }
        self.records().insert(r.id, r.clone());
        Ok(())
    }

    fn commit(&self, id: Guid, len: u64) -> io::Result<Destination> {
        let record = self.records().get(&id).cloned().ok_or_else(|| io::Error::other("no such session"))?;
        let data = self.data(id);
        let file = File::open(&data)?;
        let stored = file.metadata()?.len();
        if stored != len {
            return Err(io::Error::other(format!("session data holds {stored} bytes, not {len}")));
        }
        if self.fsync != Fsync::Never {
            file.sync_all()?;
        }
        drop(file);
        let dest = self.place(&record.destination, true)?;
        if self.overwrite {
            fs::rename(&data, &dest)?;
        } else {
            // A hard link fails if the destination exists: an atomic "rename unless taken".
            match fs::hard_link(&data, &dest) {
                Ok(()) => fs::remove_file(&data)?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(refused(DestinationError::Exists)),
                // File systems without hard links: checked, then renamed.
                Err(_) if fs::symlink_metadata(&dest).is_err() => fs::rename(&data, &dest)?,
                Err(e) => return Err(e),
            }
        }
        if self.fsync != Fsync::Never
            && let Some(parent) = dest.parent()
        {
            File::open(parent)?.sync_all()?;
        }
        remove_if_present(&self.info(id))?;
        self.records().remove(&id);
        Ok(record.destination)
    }

    fn discard(&self, id: Guid) -> io::Result<()> {
        self.records().remove(&id);
        // Info first: data without info is an orphan the next start removes, while info
        // without data would be too, so either order is safe; this one never leaves a
        // session that looks resumable but is half gone.
        remove_if_present(&self.info(id))?;
        remove_if_present(&self.data(id)).map(drop)
    }

    fn recover(&self, expiry: Duration) -> io::Result<Recovered> {
        let mut found = Recovered::default();
        let now = SystemTime::now();
        for (id, files) in self.scan()? {
            let (Some(data), Some(info)) = (files.data, files.info) else {
                found.orphans_removed += self.remove_pair(id)?;
                continue;
            };
            let record = fs::read_to_string(&info.path)
                .ok()
                .and_then(|text| super::info::decode(&text, id))
                .map(|r| SessionRecord { received: data.len, ..r })
                .filter(|r| r.total.is_none_or(|t| r.received <= t));
            let Some(record) = record else {
                found.orphans_removed += self.remove_pair(id)?;
                continue;
            };
            let last = data.modified.max(info.modified);
            if now.duration_since(last).unwrap_or_default() > expiry {
                self.remove_pair(id)?;
                found.expired.push(id);
                continue;
            }
            found.sessions.push(record);
        }
        for tmp in self.temp_files()? {
            remove_if_present(&tmp.path)?;
            found.orphans_removed += 1;
        }
        let mut records = self.records();
        for r in &found.sessions {
            records.insert(r.id, r.clone());
        }
        Ok(found)
    }

    fn sweep(&self, expiry: Duration) -> io::Result<usize> {
        let now = SystemTime::now();
        let old = |f: &Entry| now.duration_since(f.modified).unwrap_or_default() > expiry;
        let mut removed = 0;
        for (id, files) in self.scan()? {
            let live = self.records().contains_key(&id);
            let stale = files.data.iter().chain(files.info.iter()).all(old);
            if !live && stale {
                removed += self.remove_pair(id)?;
            }
        }
        for tmp in self.temp_files()? {
            if old(&tmp) {
                remove_if_present(&tmp.path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn remove_pair(&self, id: Guid) -> io::Result<usize> {
        Ok(usize::from(remove_if_present(&self.info(id))?) + usize::from(remove_if_present(&self.data(id))?))
    }

    /// Every session's files, by id (names that are not ours are left alone).
    fn scan(&self) -> io::Result<HashMap<Guid, Pair>> {
        let mut pairs: HashMap<Guid, Pair> = HashMap::new();
        for entry in fs::read_dir(&self.sessions)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some((stem, ext)) = name.split_once('.') else { continue };
            let Some(id) = parse_id(stem) else { continue };
            let Ok(meta) = entry.metadata() else { continue };
            let e = Entry { path: entry.path(), len: meta.len(), modified: meta.modified()? };
            match ext {
                "part" => pairs.entry(id).or_default().data = Some(e),
                "info" => pairs.entry(id).or_default().info = Some(e),
                _ => {}
            }
        }
        Ok(pairs)
    }

    fn temp_files(&self) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.sessions)? {
            let entry = entry?;
            let name = entry.file_name();
            let ours = name.to_str().and_then(|n| n.strip_suffix(".info.tmp")).is_some_and(|s| parse_id(s).is_some());
            if ours {
                let meta = entry.metadata()?;
                out.push(Entry { path: entry.path(), len: meta.len(), modified: meta.modified()? });
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Default)]
struct Pair {
    data: Option<Entry>,
    info: Option<Entry>,
}

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    len: u64,
    modified: SystemTime,
}

fn parse_id(stem: &str) -> Option<Guid> {
    (stem.len() == 32).then(|| u128::from_str_radix(stem, 16).ok()).flatten().map(Guid::from_u128)
}

/// `Ok(true)` if removed, `Ok(false)` if it was not there.
fn remove_if_present(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// A refused destination as an `io::Error` the service answers 400 (409 for `Exists`).
pub(crate) fn refused(e: DestinationError) -> io::Error {
    let kind = if e == DestinationError::Exists { io::ErrorKind::AlreadyExists } else { io::ErrorKind::InvalidInput };
    io::Error::new(kind, e)
}

/// Run blocking file-system work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(io::Error::other(e)))
}

impl Storage for FsStorage {
    type Writer = FsWriter;

    fn destination(&self, target: &str) -> Result<Destination, DestinationError> {
        self.inner.policy.map(target)
    }

    async fn recover(&self, expiry: Duration) -> io::Result<Recovered> {
        let inner = self.inner.clone();
        blocking(move || inner.recover(expiry)).await
    }

    async fn create(&self, record: &SessionRecord) -> io::Result<()> {
        let (inner, record) = (self.inner.clone(), record.clone());
        blocking(move || inner.create(&record)).await
    }

    async fn writer(&self, session: Guid, offset: u64) -> io::Result<FsWriter> {
        let path = self.inner.data(session);
        let file = blocking(move || {
            let mut file = fs::OpenOptions::new().write(true).open(&path)?;
            let stored = file.metadata()?.len();
            if stored < offset {
                return Err(io::Error::other(format!("session data holds {stored} bytes, expected {offset}")));
            }
            // Bytes past the offset are the remains of a fragment that failed; the machine
            // asked for them again, so drop them (the data's length is the session's offset).
            file.set_len(offset)?;
            file.seek(io::SeekFrom::Start(offset))?;
            Ok(file)
        })
        .await?;
        Ok(FsWriter {
            file: Some(file),
            in_flight: None,
            batch: Vec::new(),
            batch_len: 0,
            inner: self.inner.clone(),
            session,
        })
    }

    async fn commit(&self, session: Guid, len: u64) -> io::Result<Destination> {
        let inner = self.inner.clone();
        blocking(move || inner.commit(session, len)).await
    }

    fn data_file(&self, session: Guid) -> Option<PathBuf> {
        Some(self.inner.data(session))
    }

    fn destination_of(&self, session: Guid) -> Option<Destination> {
        self.inner.records().get(&session).map(|r| r.destination.clone())
    }

    async fn discard(&self, session: Guid) -> io::Result<()> {
        let inner = self.inner.clone();
        blocking(move || inner.discard(session)).await
    }

    async fn sweep(&self, expiry: Duration) -> io::Result<usize> {
        let inner = self.inner.clone();
        blocking(move || inner.sweep(expiry)).await
    }
}

/// [`FsStorage`]'s [`FragmentWriter`]: appends to the session's data file.
///
/// Frames are gathered into batches of [`WRITE_BATCH`] bytes, each written by a blocking
/// thread while the next is gathered: at most two batches per writer are held, and the
/// frames are kept as the connection read them (no copy before the kernel's).
#[derive(Debug)]
pub struct FsWriter {
    /// `None` while a batch is being written (the blocking thread has it).
    file: Option<File>,
    in_flight: Option<tokio::task::JoinHandle<(File, io::Result<()>)>>,
    batch: Vec<Bytes>,
    batch_len: usize,
    inner: Arc<Inner>,
    session: Guid,
}

impl FsWriter {
    /// Wait for the batch being written, if any.
    async fn settle(&mut self) -> io::Result<()> {
        if let Some(job) = self.in_flight.take() {
            let (file, written) = job.await.map_err(io::Error::other)?;
            self.file = Some(file);
            written?;
        }
        Ok(())
    }

    /// Hand the gathered batch to a blocking thread (after the previous one is written).
    async fn submit(&mut self) -> io::Result<()> {
        self.settle().await?;
        let Some(mut file) = self.file.take() else { return Err(io::Error::other("writer lost its file")) };
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        self.in_flight = Some(tokio::task::spawn_blocking(move || {
            let written = batch.iter().try_for_each(|b| file.write_all(b));
            (file, written)
        }));
        Ok(())
    }
}

impl FragmentWriter for FsWriter {
    async fn write(&mut self, bytes: Bytes) -> io::Result<()> {
        self.batch_len += bytes.len();
        self.batch.push(bytes);
        if self.batch_len >= WRITE_BATCH {
            self.submit().await?;
        }
        Ok(())
    }

    async fn finish(mut self, total: u64) -> io::Result<()> {
        // Every write has returned before the Ack: the bytes are in the page cache, safe
        // from a process crash.
        if !self.batch.is_empty() {
            self.submit().await?;
        }
        self.settle().await?;
        if self.inner.fsync == Fsync::EveryAck
            && let Some(file) = self.file.take()
        {
            blocking(move || file.sync_data()).await?;
        }
        let update = {
            let mut records = self.inner.records();
            match records.get_mut(&self.session) {
                Some(r) if r.total != Some(total) => {
                    r.total = Some(total);
                    Some(r.clone())
                }
                _ => None,
            }
        };
        if let Some(record) = update {
            let inner = self.inner.clone();
            blocking(move || inner.write_info(&record)).await?;
        }
        Ok(())
    }
}
