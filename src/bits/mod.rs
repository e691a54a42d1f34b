//! The BITS upload protocol ([MC-BUP]): requests, Acks, and the back-end notification
//! exchange.
//!
//! "The BITS upload protocol is layered on top of HTTP 1.1" and every request "MUST be sent as
//! an HTTP extension-method … called BITS_POST" ([MC-BUP] §2.2.1). Responses are always
//! `BITS-Packet-Type: Ack`.

mod ack;
pub mod client;
mod fields;
mod guid;
mod hresult;
mod notification;
mod packet;
mod packet_type;
mod request;
pub mod server;
mod session_id;
mod shared;

pub use ack::Ack;
pub(crate) use ack::AckSink;
pub use client::{Client, ClientConfig};
pub use guid::{Guid, ProtocolList};
pub use hresult::{ErrorContext, ErrorHeaderName, HResult};
pub use notification::{NotificationRequest, NotificationResponse};
pub use packet::Packet;
pub use packet_type::PacketType;
pub(crate) use request::RequestSink;
pub use request::{BITS_POST, Request, RequestHead, RequestKind};
pub use server::{OverlapPolicy, Server, ServerConfig};
pub use session_id::SessionId;
pub use shared::SharedRequest;
