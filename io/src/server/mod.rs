//! The BITS upload server: [`BitsService`] (a tower `Service`), its [`Config`] and
//! [`Limits`], [`Event`]s, and the accept loop [`serve`].

mod body;
mod events;
mod ids;
mod limits;
mod notify;
mod serve;
mod service;
mod table;

pub use events::{Event, EventSink};
pub use ids::random_ids;
pub use limits::Limits;
pub use notify::{Completed, Notifier};
pub use serve::{ClientAddr, serve, shutdown_signal};
pub use service::{BitsService, Config, ResponseBody};
