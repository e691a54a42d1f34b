//! Fixed limits. Each one, when passed, gives its own [`InvalidKind`](crate::InvalidKind) or
//! [`ValidationError`](crate::ValidationError), so a server can answer with the right status.

/// Default cap on the head (start line through the empty line): 64 KiB.
pub const MAX_HEAD_LEN: usize = 64 * 1024;
/// Default cap on the number of header fields: 100.
pub const MAX_HEADERS: usize = 100;
/// Default cap on one header value: 4 KiB, the Windows/IIS server's maximum ([MC-BUP] §2.2.1,
/// note <2>).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
pub const MAX_VALUE_LEN: usize = 4096;
/// Cap on the request target of a value that is built (decoding is bounded by the head cap).
pub const MAX_TARGET_LEN: usize = 8192;
/// Longest session id: "any HTTP-legal string up to 100 characters" (Ack for Create-Session).
pub const MAX_SESSION_ID_LEN: usize = 100;
/// Most GUIDs in `BITS-Supported-Protocols`: the Windows server processes up to 100
/// ([MC-BUP] note <6>).
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
pub const MAX_SUPPORTED_PROTOCOLS: usize = 100;

/// Deepest nesting of JSON objects and arrays a body may have: 32 levels (the deepest real
/// body, a driveItem with hashes, has 3; `serde_json`'s own limit is 128). Counted as the body
/// is read (and by a scan before `serde_json` reads it), so recursion is bounded whatever the
/// input.
#[cfg(feature = "graph")]
pub const MAX_JSON_DEPTH: usize = 32;
