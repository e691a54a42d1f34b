//! The BITS upload protocol ([MC-BUP]): requests, Acks, and the back-end notification
//! exchange.
//!
//! "The BITS upload protocol is layered on top of HTTP 1.1" and every request "MUST be sent as
//! an HTTP extension-method … called BITS_POST" ([MC-BUP] §2.2.1). Responses are always
//! `BITS-Packet-Type: Ack`.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

mod ack;
mod fields;
mod guid;
pub(crate) mod headers;
mod hresult;
#[cfg(feature = "http")]
mod interop;
mod notification;
mod packet;
mod packet_type;
mod request;
mod session_id;
mod shared;

pub use ack::Ack;
#[cfg(feature = "http")]
pub(crate) use ack::AckSink;
pub use guid::{Guid, ProtocolList};
pub use hresult::{ErrorContext, ErrorHeaderName, HResult};
pub use notification::{NotificationRequest, NotificationResponse};
pub use packet::Packet;
pub use packet_type::PacketType;
#[cfg(feature = "http")]
pub(crate) use request::RequestSink;
pub use request::{BITS_POST, Request, RequestHead, RequestKind};
pub use session_id::SessionId;
pub use shared::SharedRequest;

pub use crate::machines::bits_client as client;
pub use crate::machines::bits_server as server;
