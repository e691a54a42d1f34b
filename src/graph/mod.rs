//! Microsoft Graph resumable uploads: `createUploadSession` for driveItem (OneDrive,
//! SharePoint), Outlook attachments, To Do attachments and Universal Print documents, then the
//! `PUT` fragments, `GET` status, `DELETE` cancel and deferred-commit `POST` on the session's
//! `uploadUrl`, and every answer (session, progress, completion, `204`, OData errors).
//!
//! Heads go through the same HTTP/1.1 layer as BITS (same grammar, limits, framing rules and
//! [`ContentRange`](crate::http1::ContentRange)); JSON bodies go through `serde_json` with
//! strings borrowed from the input. Answers are classified by content, not status alone
//! ([`Response::outcome`]), and the upload arithmetic that SDKs get wrong is here too
//! ([`RangeSet`], [`FragmentPlanner`]).
//!
//! ```
//! use bits_codec::{Decode, Encode};
//! use bits_codec::graph::{FragmentPlanner, Outcome, RangeSet, Request, Response, Variant};
//! use bits_codec::http1::RequestTarget;
//!
//! // The answer to a fragment: Outlook's progress, PascalCase keys and a bare "S" range.
//! let wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 86\r\n\r\n\
//!              {\"ExpirationDateTime\":\"2019-09-25T01:09:30.7671707Z\",\"NextExpectedRanges\":[\"2097152\"]}";
//! let (resp, _) = Response::decode(wire).unwrap();
//! let Outcome::InProgress(session) = resp.outcome() else { panic!() };
//!
//! // Which bytes next, in fragments Outlook accepts.
//! let missing = RangeSet::from_next_expected(3_483_322, session.next_expected_ranges().unwrap()).unwrap();
//! let range = FragmentPlanner::for_variant(Variant::OutlookAttachment).next_fragment(&missing).unwrap();
//! assert_eq!(range.to_string(), "bytes 2097152-3483321/3483322");
//!
//! let file = vec![0u8; 3_483_322];
//! let body = &file[range.first() as usize..=range.last() as usize];
//! let url = RequestTarget::new("https://outlook.office.com/api/v2.0/Users('u')/Messages('m')/AttachmentSessions('s')").unwrap();
//! let put = Request::upload_fragment(url, range, body).unwrap();
//! assert!(put.to_vec().starts_with(b"PUT https://outlook.office.com/"));
//! ```

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod create;
mod datetime;
mod error;
mod fields;
#[cfg(feature = "http")]
mod interop;
pub(crate) mod json;
mod odata_error;
mod plan;
mod range_spec;
mod request;
mod response;
mod response_body;
mod retry_after;
mod upload_session;

pub use crate::error::JsonErrorKind;
pub use create::{
    AttachmentItem, AttachmentType, ConflictBehavior, CreateSessionBody, DriveItemSessionRequest,
    DriveItemUploadableProperties, FileSystemInfo, PrintDocumentUploadProperties,
};
pub use datetime::DateTimeOffset;
pub use error::RangeError;
pub use odata_error::{InnerError, ODataError};
pub use plan::{DRIVE_ITEM_FRAGMENT_MULTIPLE, FragmentPlanner, Fragments, RangeSet, Variant};
pub use range_spec::RangeSpec;
pub use request::{Operation, Request, UploadFragmentHead, is_create_upload_session_target};
pub use response::{Outcome, Response};
pub use response_body::{CompletedItem, ResponseBody};
pub use retry_after::RetryAfter;
pub use upload_session::UploadSession;

pub use crate::machines::graph_client as client;
