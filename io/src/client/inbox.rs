//! The bytes of one connection's answers, and what they amount to: the part of reading an
//! answer that does no I/O, shared by the blocking and the tokio driver (each only reads).

use std::io;

use bits_codec::DecodeError;

use super::options::UploadError;
use super::plan::{MAX_ANSWER, Plan};
use crate::codec::scan::Framer;

/// What came back for the request in flight.
#[derive(Debug)]
pub(super) enum Answer {
    /// Handed to the machine; `false`: the connection cannot be used again.
    Answered(bool),
    /// Nothing came back.
    Lost,
}

/// What a connection received and has not yet handed to the machine, with the framer that
/// remembers where its scan for the end of the head stopped (so feeding bytes as they arrive
/// costs what they are, not what the buffer holds).
#[derive(Debug, Default)]
pub(super) struct Inbox {
    buf: Vec<u8>,
    framer: Framer,
}

impl Inbox {
    /// Bytes just read.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A whole answer, if the bytes so far hold one: handed to `plan`, then dropped from the
    /// buffer. `None`: read more. An answer longer than [`MAX_ANSWER`] is an error (an answer
    /// read to close whose peer never closes).
    pub(super) fn take(&mut self, plan: &mut impl Plan) -> Result<Option<Answer>, UploadError> {
        if self.framer.ready(&self.buf) {
            match plan.answer(&self.buf, false) {
                Ok((used, reusable)) => {
                    self.buf.drain(..used);
                    self.framer.consumed();
                    return Ok(Some(Answer::Answered(reusable)));
                }
                Err(DecodeError::Incomplete { needed }) => self.framer.incomplete(self.buf.len(), needed),
                Err(e) => return Err(UploadError::Decode(e)),
            }
        }
        if self.buf.len() > MAX_ANSWER {
            return Err(UploadError::Io(io::Error::new(io::ErrorKind::InvalidData, "answer longer than 16 MiB")));
        }
        Ok(None)
    }

    /// The connection ended (closed, timed out or reset): what came is the answer, if
    /// anything came; the connection cannot be used again.
    pub(super) fn at_end(&mut self, plan: &mut impl Plan) -> Result<Answer, UploadError> {
        if self.buf.is_empty() {
            return Ok(Answer::Lost);
        }
        match plan.answer(&self.buf, true) {
            Ok(_) => Ok(Answer::Answered(false)),
            Err(DecodeError::Incomplete { .. }) => Ok(Answer::Lost),
            Err(e) => Err(UploadError::Decode(e)),
        }
    }
}

/// After an answer: keep the connection only if it can carry the next request, and tell the
/// plan when nothing came back (it resends, reconnecting first).
pub(super) fn settle<C>(conn: &mut Option<C>, answer: Answer, plan: &mut impl Plan) {
    match answer {
        Answer::Answered(true) => {}
        Answer::Answered(false) => *conn = None,
        Answer::Lost => {
            *conn = None;
            plan.lost();
        }
    }
}
