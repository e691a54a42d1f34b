//! The session files the socket server keeps: `DIR/{id}.part` while a session is open,
//! renamed to `DIR/committed/{id}.bin` when it is whole.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use super::{Action, SessionId};

/// The session files under one directory.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    dir: PathBuf,
}

impl Files {
    /// The files under `dir` (created, with `committed/`, if missing).
    pub(crate) fn new(dir: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(dir.join("committed"))?;
        Ok(Self { dir })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn part(&self, session: SessionId) -> PathBuf {
        self.dir.join(format!("{session}.part"))
    }

    fn committed(&self, session: SessionId) -> PathBuf {
        self.dir.join("committed").join(format!("{session}.bin"))
    }

    /// A new session's empty file. Never truncates a file an earlier run left: an id that
    /// names one (the random source repeated itself) is an error, so a restarted server cannot
    /// overwrite an upload it or an earlier run already took.
    pub(crate) fn open(&self, session: SessionId) -> io::Result<()> {
        if self.committed(session).exists() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the session id names a committed file"));
        }
        OpenOptions::new().write(true).create_new(true).open(self.part(session)).map(drop)
    }

    /// The session's file, positioned at `offset`, to write a fragment's body into.
    pub(crate) fn writer(&self, session: SessionId, offset: u64) -> io::Result<File> {
        let mut f = OpenOptions::new().write(true).open(self.part(session))?;
        f.seek(SeekFrom::Start(offset))?;
        Ok(f)
    }

    /// The whole file appears under `committed/` (a rename: never half-written there).
    pub(crate) fn commit(&self, session: SessionId) -> io::Result<()> {
        fs::rename(self.part(session), self.committed(session))
    }

    /// Perform `action` with the request's whole `body` (a request read whole; a streamed
    /// fragment writes through [`writer`](Self::writer) instead).
    pub(crate) fn perform(&self, action: &Action, body: &[u8]) -> io::Result<()> {
        match *action {
            Action::Open { session } => self.open(session),
            Action::Write(w) => {
                let mut f = self.writer(w.session, w.offset)?;
                f.write_all(body)?;
                drop(f);
                if w.commit { self.commit(w.session) } else { Ok(()) }
            }
            Action::Commit { session, .. } => self.commit(session),
            Action::Discard { session } => fs::remove_file(self.part(session)),
            Action::None => Ok(()),
        }
    }
}
