//! [`DecodeOptions`]: limits and the opt-in leniencies real peers need.

use crate::limits;

/// Limits and leniencies for decoding.
///
/// The default is strict: every shape that two HTTP parsers could read two ways is rejected.
/// Each leniency is a named, opt-in switch (never a cargo feature, which would loosen every user
/// in a build).
///
/// ```
/// use bits_codec::DecodeOptions;
/// let opts = DecodeOptions::default().allow_bare_lf(true).max_headers(32);
/// assert!(opts.bare_lf_allowed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    pub(crate) max_head_len: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_value_len: usize,
    pub(crate) max_body_len: Option<u64>,
    pub(crate) allow_bare_lf: bool,
    pub(crate) allow_http10: bool,
    pub(crate) allow_identical_duplicates: bool,
    pub(crate) allow_unbraced_guid: bool,
    pub(crate) allow_ack_body: bool,
    pub(crate) allow_spaces_in_content_range: bool,
    pub(crate) allow_bodiless_without_content_length: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_head_len: limits::MAX_HEAD_LEN,
            max_headers: limits::MAX_HEADERS,
            max_value_len: limits::MAX_VALUE_LEN,
            max_body_len: None,
            allow_bare_lf: false,
            allow_http10: false,
            allow_identical_duplicates: false,
            allow_unbraced_guid: false,
            allow_ack_body: false,
            allow_spaces_in_content_range: false,
            allow_bodiless_without_content_length: false,
        }
    }
}

impl DecodeOptions {
    /// Every named leniency on, the limits at their defaults: for tools that must read what any
    /// peer sends (a capture reader, a conformance checker reading a server's answers), never
    /// for a server or client deciding what to accept. A leniency added later is on here too.
    ///
    /// ```
    /// use bits_codec::DecodeOptions;
    /// let opts = DecodeOptions::all_leniencies();
    /// assert!(opts.bare_lf_allowed() && opts.bodiless_without_content_length_allowed());
    /// ```
    pub fn all_leniencies() -> Self {
        Self::default()
            .allow_bare_lf(true)
            .allow_http10(true)
            .allow_identical_duplicates(true)
            .allow_unbraced_guid(true)
            .allow_ack_body(true)
            .allow_spaces_in_content_range(true)
            .allow_bodiless_without_content_length(true)
    }

    /// Most bytes of head (start line through the empty line); default 64 KiB.
    pub fn max_head_len(mut self, n: usize) -> Self {
        self.max_head_len = n;
        self
    }
    /// Most header fields; default 100.
    pub fn max_headers(mut self, n: usize) -> Self {
        self.max_headers = n;
        self
    }
    /// Longest header value; default 4096 (as IIS).
    pub fn max_value_len(mut self, n: usize) -> Self {
        self.max_value_len = n;
        self
    }
    /// Largest body a message may declare; default: no limit (the decoder never allocates for a
    /// body, it borrows it, so the limit protects callers that buffer until complete).
    pub fn max_body_len(mut self, n: Option<u64>) -> Self {
        self.max_body_len = n;
        self
    }
    /// Accept lines that end in a bare LF (RFC 9112 §2.2 lets a recipient do so). Off by
    /// default: a front end that splits on CRLF only would see these lines differently.
    pub fn allow_bare_lf(mut self, yes: bool) -> Self {
        self.allow_bare_lf = yes;
        self
    }
    /// Accept `HTTP/1.0` on BITS packets (some proxies downgrade the version). Off by default: "The HTTP version MUST
    /// be 1.1" ([MC-BUP] §2.2.1).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn allow_http10(mut self, yes: bool) -> Self {
        self.allow_http10 = yes;
        self
    }
    /// Accept a single-valued header that appears twice with the same value (RFC 9110 §8.6 lets
    /// a recipient accept a repeated identical `Content-Length`). Different values stay an error.
    pub fn allow_identical_duplicates(mut self, yes: bool) -> Self {
        self.allow_identical_duplicates = yes;
        self
    }
    /// Accept protocol GUIDs without braces (the Citrix transfervm server and its tests match
    /// GUIDs without them).
    pub fn allow_unbraced_guid(mut self, yes: bool) -> Self {
        self.allow_unbraced_guid = yes;
        self
    }
    /// Accept an Ack with a non-empty body (proxies and error pages put one there). The body is
    /// framed by `Content-Length` and returned, so the connection stays in sync.
    pub fn allow_ack_body(mut self, yes: bool) -> Self {
        self.allow_ack_body = yes;
        self
    }
    /// Accept more than one space after `bytes` in `Content-Range` (RFC 9110 §14.4 has exactly
    /// one; some clients write more).
    pub fn allow_spaces_in_content_range(mut self, yes: bool) -> Self {
        self.allow_spaces_in_content_range = yes;
        self
    }

    /// Accept a BITS request of a bodiless packet type (Ping, Create-Session, Close-Session,
    /// Cancel-Session) that has no `Content-Length`: it decodes as having an empty body, and
    /// re-encodes without the header, byte for byte. Never for a Fragment, which still needs
    /// `Content-Length` ("expected header Content-Length"); and a request with
    /// `Transfer-Encoding` is still refused, as every request is.
    ///
    /// Why it is safe: RFC 9112 §6.3 (rule 7) frames a request with neither `Content-Length`
    /// nor `Transfer-Encoding` as having no body, so every HTTP/1.1 reader on the path agrees
    /// where the request ends; accepting it cannot make framing ambiguous. Why it is opt-in:
    /// [MC-BUP] §2.2.1.1 says `Content-Length` MUST be present on every request, and a server
    /// that follows the letter refuses these. Why it exists: Python's `http.client` (a BITS
    /// client used against lighttpd's BITS module) and `curl -X BITS_POST` send these packets
    /// without the header, and could not upload at all otherwise.
    ///
    /// ```
    /// use bits_codec::{Decode, DecodeOptions};
    /// use bits_codec::bits::{PacketType, Request};
    /// let ping = b"BITS_POST /u HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Ping\r\n\r\n";
    /// assert!(Request::decode(ping).is_err());
    /// let opts = DecodeOptions::default().allow_bodiless_without_content_length(true);
    /// let (req, _) = Request::decode_with(ping, &opts).unwrap();
    /// assert_eq!((req.packet_type(), req.content_length()), (PacketType::Ping, 0));
    /// ```
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub fn allow_bodiless_without_content_length(mut self, yes: bool) -> Self {
        self.allow_bodiless_without_content_length = yes;
        self
    }

    /// Whether a bodiless BITS request may omit `Content-Length`
    /// ([`allow_bodiless_without_content_length`](Self::allow_bodiless_without_content_length)).
    pub fn bodiless_without_content_length_allowed(&self) -> bool {
        self.allow_bodiless_without_content_length
    }

    /// Whether bare LF line ends are accepted.
    pub fn bare_lf_allowed(&self) -> bool {
        self.allow_bare_lf
    }
}
