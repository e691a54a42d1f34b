//! What happens to sessions, for the application (tusd's hooks): a callback per event.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use bits_codec::bits::Guid;

use crate::storage::Destination;

/// Something that happened to a session, after storage did its part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Create-Session: a new session.
    Created {
        /// The session.
        session: Guid,
        /// Where the upload will go.
        destination: Destination,
        /// Who asked, if known.
        client: Option<IpAddr>,
    },
    /// A Fragment was stored.
    Progress {
        /// The session.
        session: Guid,
        /// Bytes stored so far.
        received: u64,
        /// The upload's length.
        total: u64,
    },
    /// Close-Session of a whole upload: the file is at its destination.
    Committed {
        /// The session (now gone).
        session: Guid,
        /// Where the upload is.
        destination: Destination,
        /// Its length.
        len: u64,
    },
    /// Cancel-Session, or a Close-Session before the last byte: the data is deleted.
    Cancelled {
        /// The session (now gone).
        session: Guid,
    },
    /// No request named the session for the idle expiry: the data is deleted.
    Expired {
        /// The session (now gone).
        session: Guid,
    },
}

/// The callback that receives [`Event`]s. It runs on the request's task: keep it short (send
/// to a channel for anything slow).
#[derive(Clone)]
pub struct EventSink(Arc<dyn Fn(&Event) + Send + Sync>);

impl EventSink {
    /// Call `f` with each event.
    pub fn new(f: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub(crate) fn emit(&self, event: &Event) {
        (self.0)(event)
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventSink(..)")
    }
}
