//! Telling the server application that an upload is whole, before the client hears so
//! ([MC-BUP] §3.2.5.1.3: in upload-reply and notification modes the server notifies the
//! server application after the last fragment is stored and before it sends that fragment's
//! Ack, and relays the application's failure to the client).
//!
//! The transport is the application's: the hook may `POST` a
//! [`NotificationRequest`](bits_codec::bits::NotificationRequest) by reference (naming
//! [`Completed::data_file`]) as IIS does, call a function, or queue a job. A hook that fails
//! makes the final Fragment Ack a 500 with error context 0x7 (the server application) and
//! rolls the session back to before that fragment, so the client's resend notifies again.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use bits_codec::bits::Guid;
use bits_codec::http1::FieldValue;

use crate::storage::Destination;

/// An upload whose last byte is stored (not yet committed: Close-Session does that).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Completed {
    /// The session.
    pub session: Guid,
    /// Where the upload will go at Close-Session.
    pub destination: Destination,
    /// The upload's length.
    pub len: u64,
    /// The file holding the upload, where the storage has one (the by-reference
    /// notification's `BITS-Request-DataFile-Name`).
    pub data_file: Option<PathBuf>,
}

type HookFuture = Pin<Box<dyn Future<Output = Result<Option<FieldValue<'static>>, String>> + Send>>;

/// The server application's hook: `Ok(Some(url))` makes `url` the session's
/// `BITS-Reply-URL` (the application's `BITS-Static-Response-URL`), `Ok(None)` goes on as
/// before, `Err(why)` fails the final Fragment (see the module docs).
#[derive(Clone)]
pub struct Notifier(Arc<dyn Fn(Completed) -> HookFuture + Send + Sync>);

impl Notifier {
    /// A hook from an async function.
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(Completed) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<FieldValue<'static>>, String>> + Send + 'static,
    {
        Self(Arc::new(move |c| Box::pin(f(c))))
    }

    pub(crate) async fn notify(&self, completed: Completed) -> Result<Option<FieldValue<'static>>, String> {
        (self.0)(completed).await
    }
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notifier(..)")
    }
}
