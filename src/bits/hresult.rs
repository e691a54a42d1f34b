//! `BITS-Error-Code` / `BITS-Error` (an HRESULT) and `BITS-Error-Context`.

use core::fmt;

/// An HRESULT, as carried by `BITS-Error-Code` (Learn docs, every third-party peer) or
/// `BITS-Error` ([MC-BUP]). Read as `[0x]1*8HEXDIG`; written as `0x` and 8 upper-case digits.
///
/// ```
/// use bits_codec::bits::HResult;
/// assert_eq!(HResult::E_INVALIDARG.to_string(), "0x80070057");
/// ```
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct HResult(pub u32);

impl HResult {
    /// `S_OK` (the spec's table gives 0 for the 416 resynchronisation Ack).
    pub const S_OK: Self = Self(0);
    /// `E_ACCESSDENIED`: 403 (not authorized / cannot overwrite), 501 (uploads disabled).
    pub const E_ACCESSDENIED: Self = Self(0x8007_0005);
    /// `E_FAIL`: unspecified failure (e.g. the server could not allocate a session).
    pub const E_FAIL: Self = Self(0x8000_4005);
    /// `E_INVALIDARG`: 400, any malformed request.
    pub const E_INVALIDARG: Self = Self(0x8007_0057);
    /// `HRESULT_FROM_WIN32(ERROR_DISK_FULL)` = `0x80070070`. The spec writes `0x80070112`
    /// ([`Self::ERROR_DISK_FULL_AS_SPECIFIED`]); both are accepted, as any u32 is.
    pub const ERROR_DISK_FULL: Self = Self(0x8007_0070);
    /// The value [MC-BUP] §2.2.1.2 gives for a full disk (112 written in hex by mistake).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    pub const ERROR_DISK_FULL_AS_SPECIFIED: Self = Self(0x8007_0112);
    /// `BG_E_SESSION_NOT_FOUND`: 500; the client starts a new session.
    pub const BG_E_SESSION_NOT_FOUND: Self = Self(0x8020_001F);
    /// `BG_E_TOO_LARGE`: 500; the upload is larger than the server allows.
    pub const BG_E_TOO_LARGE: Self = Self(0x8020_0020);
    /// `BG_E_INVALID_SERVER_RESPONSE`.
    pub const BG_E_INVALID_SERVER_RESPONSE: Self = Self(0x8020_001B);

    /// `BG_E_HTTP_ERROR_nnn = 0x80190000 + nnn`, how a client reports an HTTP status.
    pub const fn from_http_status(status: u16) -> Self {
        Self(0x8019_0000 + status as u32)
    }
}

impl fmt::Display for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.0)
    }
}

/// `BITS-Error-Context`: where the error happened. Written as `0x` and the hex digits without
/// padding (`0x5`), as [MC-BUP] §3.2.5.2.3 writes it.
///
/// ```
/// use bits_codec::bits::ErrorContext;
/// assert_eq!(ErrorContext::REMOTE_FILE.to_string(), "0x5");
/// ```
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ErrorContext(pub u32);

impl ErrorContext {
    /// `0x5`: the BITS server itself (CONTEXT_SERVER; BG_ERROR_CONTEXT_REMOTE_FILE).
    pub const REMOTE_FILE: Self = Self(5);
    /// `0x7`: the server application behind it (CONTEXT_REMOTE_APPLICATION).
    pub const REMOTE_APPLICATION: Self = Self(7);
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:X}", self.0)
    }
}

/// Which header name carries the error code when encoding: [MC-BUP] §2.2.1.2 names it
/// `BITS-Error`, the Learn pages and every third-party peer `BITS-Error-Code`; a decoder reads
/// both.
///
/// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ErrorHeaderName {
    /// `BITS-Error-Code`: the Learn docs, SimpleBITSServer and transfervm. The default, as
    /// the name the most readers know.
    #[default]
    Code,
    /// `BITS-Error`: the name in [MC-BUP].
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    Spec,
    /// Both headers with the same value (receivers ignore the one they do not know).
    Both,
}
