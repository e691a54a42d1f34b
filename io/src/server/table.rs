//! The session table: the sans-IO machine plus what the service adds around it (who owns
//! each session, for the per-client cap) and a lock per session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bits_codec::bits::Guid;
use bits_codec::bits::server::Server;
use tokio::sync::OwnedMutexGuard;

/// The machine and the owners of its sessions, changed together under one lock that is never
/// held across an `await`.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) machine: Server,
    owners: HashMap<Guid, IpAddr>,
    per_client: HashMap<IpAddr, usize>,
}

impl Table {
    pub(crate) fn new(machine: Server) -> Self {
        Self { machine, owners: HashMap::new(), per_client: HashMap::new() }
    }

    /// Sessions `client` has open.
    pub(crate) fn sessions_of(&self, client: IpAddr) -> usize {
        self.per_client.get(&client).copied().unwrap_or(0)
    }

    pub(crate) fn opened(&mut self, session: Guid, client: Option<IpAddr>) {
        if let Some(ip) = client {
            self.owners.insert(session, ip);
            *self.per_client.entry(ip).or_default() += 1;
        }
    }

    pub(crate) fn closed(&mut self, session: Guid) {
        if let Some(ip) = self.owners.remove(&session)
            && let Some(n) = self.per_client.get_mut(&ip)
        {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&ip);
            }
        }
    }
}

/// A shared [`Table`].
#[derive(Debug, Clone)]
pub(crate) struct SharedTable(Arc<Mutex<Table>>);

impl SharedTable {
    pub(crate) fn new(table: Table) -> Self {
        Self(Arc::new(Mutex::new(table)))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Table> {
        // Every method leaves the table consistent between two statements: a panic elsewhere
        // while holding the lock does not stop the server.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One async lock per session, so that the requests for one session run one at a time (as
/// tusd locks an upload): the machine's decision and the storage work it asks for happen
/// together, and two connections cannot write the same session's data at once. Entries
/// exist only while someone holds or waits for them.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionLocks(Arc<Mutex<HashMap<Guid, Arc<tokio::sync::Mutex<()>>>>>);

/// Held while a request for one session runs.
#[derive(Debug)]
pub(crate) struct SessionGuard {
    guard: Option<OwnedMutexGuard<()>>,
    locks: SessionLocks,
    session: Guid,
}

impl SessionLocks {
    pub(crate) async fn lock(&self, session: Guid) -> SessionGuard {
        let lock = self.map().entry(session).or_default().clone();
        let guard = lock.lock_owned().await;
        SessionGuard { guard: Some(guard), locks: self.clone(), session }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<Guid, Arc<tokio::sync::Mutex<()>>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map().len()
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.locks.map();
        // Only the map's own reference left: nobody holds or waits for it.
        if map.get(&self.session).is_some_and(|l| Arc::strong_count(l) == 1) {
            map.remove(&self.session);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn session_locks_serialise_one_session_and_leave_no_entry() {
        let locks = SessionLocks::default();
        let id = Guid::from_u128(1);
        let first = locks.lock(id).await;
        let other = locks.lock(Guid::from_u128(2)).await;
        let waiter = {
            let locks = locks.clone();
            tokio::spawn(async move { drop(locks.lock(id).await) })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        waiter.await.unwrap();
        drop(other);
        assert_eq!(locks.len(), 0);
    }

    #[test]
    fn per_client_counts_follow_open_and_close() {
        let machine = Server::new(Default::default(), bits_codec::bits::server::sequential_ids(1));
        let mut t = Table::new(machine);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        t.opened(Guid::from_u128(1), Some(ip));
        t.opened(Guid::from_u128(2), Some(ip));
        t.opened(Guid::from_u128(3), None);
        assert_eq!(t.sessions_of(ip), 2);
        t.closed(Guid::from_u128(1));
        t.closed(Guid::from_u128(3));
        t.closed(Guid::from_u128(1));
        assert_eq!(t.sessions_of(ip), 1);
    }
}
