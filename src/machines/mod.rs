//! The sans-IO machines: the BITS client and server and the Microsoft Graph upload client.
//! Each decides what to send next from what it was told, and does no I/O; the caller owns
//! the sockets, files and clocks.
//!
//! This layer sits on the codec and uses only its public API (the same a user has), so the
//! codec can change inside without the machines noticing, and a user can write a machine of
//! their own from the same parts. `.ci/run` checks that no file here reaches a crate-private
//! item of the codec. Each machine is published under its protocol: [`bits::client`],
//! [`bits::server`], [`graph::client`]. What the clients share is written once: URLs and
//! [`Endpoint`](crate::Endpoint) in `url`, retry and back-off counting in `retry`.
//!
//! [`bits::client`]: crate::bits::client
//! [`bits::server`]: crate::bits::server
//! [`graph::client`]: crate::graph::client

pub mod bits_client;
pub mod bits_server;
#[cfg(feature = "graph")]
pub mod graph_client;
pub(crate) mod retry;
pub(crate) mod url;
