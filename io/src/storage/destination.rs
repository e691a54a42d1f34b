//! Mapping a Create-Session's request target to a file under the storage root.
//!
//! The request target is text a client chose; it never becomes a path as it is. The policy
//! takes the path of the target (origin-form, or the path of an absolute-form target, which
//! RFC 9112 §3.2.2 says a server accepts), strips a configured prefix (the route the service
//! is mounted at), and splits the rest on `/`. Each segment is percent-decoded once
//! (RFC 3986 §2.1), and the *decoded* text is checked, so that `%2e%2e`, `%2f` and `%5c` are
//! refused like `..`, `/` inside a name, and `\`. A segment is refused if it:
//!
//! - is empty (`a//b`, a trailing `/`: no file name), or starts with `.` (`.`, `..`, and hidden
//!   names, which also keeps the storage's own `.bits-sessions` folder out of reach);
//! - contains `/` or `\` (a separator after decoding: on Windows `\` is one), `:` (a drive or
//!   an NTFS stream on Windows), NUL or any other control character;
//! - has a bad escape (`%zz`, `%4`) or does not decode to UTF-8;
//! - is longer than [`MAX_SEGMENT_LEN`] bytes; and a path has at most [`MAX_DEPTH`] segments.
//!
//! Decoding happens once: `%252e` decodes to the literal name `%2e`, which is a harmless
//! file name and is never decoded again. Symlinks are the storage's check, since only it can
//! look at the disk ([`FsStorage`](super::FsStorage) refuses any existing component of the
//! destination that is not a plain directory, at Create-Session and again at commit).

use std::fmt;

/// The longest accepted segment, in bytes (the usual file-name limit, `NAME_MAX`).
pub const MAX_SEGMENT_LEN: usize = 255;
/// The most segments a destination may have.
pub const MAX_DEPTH: usize = 16;

/// A destination under the storage root: relative, `/`-separated, every segment checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination(String);

impl Destination {
    /// The relative path, segments joined by `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// Check a stored relative path again (an info file read back from disk is input too).
    pub fn validate(path: &str) -> Result<Self, DestinationError> {
        let mut depth = 0;
        for segment in path.split('/') {
            depth += 1;
            check_segment(segment.as_bytes())?;
        }
        if depth > MAX_DEPTH {
            return Err(DestinationError::TooDeep);
        }
        Ok(Self(path.to_owned()))
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a request target names no acceptable destination. Answered with a 400 Ack
/// (`E_INVALIDARG`, context 0x5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DestinationError {
    /// Neither origin-form (`/…`) nor absolute-form (`http://host/…`).
    NotAPath,
    /// The path does not start with the configured prefix.
    OutsidePrefix,
    /// An empty segment (`a//b`, or a trailing `/`).
    EmptySegment,
    /// A segment starting with `.` (`.`, `..`, hidden names).
    DotSegment,
    /// A `/` or `\` inside a segment once decoded (`%2f`, `%5c`, `\`).
    Separator,
    /// `:`, NUL or another control character.
    ForbiddenCharacter,
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// A segment that does not decode to UTF-8.
    NotUtf8,
    /// A segment longer than [`MAX_SEGMENT_LEN`].
    TooLong,
    /// More than [`MAX_DEPTH`] segments.
    TooDeep,
    /// An existing component of the destination is a symlink, or not a directory.
    NotADirectory,
    /// The destination exists and overwriting is off.
    Exists,
}

impl fmt::Display for DestinationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAPath => "the request target is not a path",
            Self::OutsidePrefix => "the path is outside the upload prefix",
            Self::EmptySegment => "empty path segment",
            Self::DotSegment => "path segment starting with '.'",
            Self::Separator => "path separator inside a segment",
            Self::ForbiddenCharacter => "forbidden character in path",
            Self::BadEscape => "bad percent-escape in path",
            Self::NotUtf8 => "path segment is not UTF-8",
            Self::TooLong => "path segment too long",
            Self::TooDeep => "too many path segments",
            Self::NotADirectory => "a component of the destination is a symlink or not a directory",
            Self::Exists => "the destination exists",
        })
    }
}

impl std::error::Error for DestinationError {}

/// Maps request targets to [`Destination`]s (see the module docs for the rules).
///
/// ```
/// use bits_codec_io::{DestinationError, DestinationPolicy};
/// let policy = DestinationPolicy::new("/upload/");
/// assert_eq!(policy.map("/upload/reports/q1%20final.pdf").unwrap().as_str(), "reports/q1 final.pdf");
/// assert_eq!(policy.map("/upload/../etc/passwd"), Err(DestinationError::DotSegment));
/// assert_eq!(policy.map("/upload/%2e%2e/x"), Err(DestinationError::DotSegment));
/// assert_eq!(policy.map("/other/x"), Err(DestinationError::OutsidePrefix));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationPolicy {
    prefix: String,
}

impl Default for DestinationPolicy {
    /// Every path is an upload destination (prefix `/`).
    fn default() -> Self {
        Self { prefix: "/".into() }
    }
}

impl DestinationPolicy {
    /// Destinations are the paths under `prefix` (e.g. `/upload/`; a missing leading or
    /// trailing `/` is added). The prefix is compared before decoding, byte for byte.
    pub fn new(prefix: &str) -> Self {
        let mut p = String::with_capacity(prefix.len() + 2);
        if !prefix.starts_with('/') {
            p.push('/');
        }
        p.push_str(prefix);
        if !p.ends_with('/') {
            p.push('/');
        }
        Self { prefix: p }
    }

    /// The prefix, with its slashes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The destination `target` names, or why it names none.
    pub fn map(&self, target: &str) -> Result<Destination, DestinationError> {
        let path = path_of(target).ok_or(DestinationError::NotAPath)?;
        let rest = path.strip_prefix(self.prefix.as_str()).ok_or(DestinationError::OutsidePrefix)?;
        let mut out = String::with_capacity(rest.len());
        for (i, raw) in rest.split('/').enumerate() {
            if i >= MAX_DEPTH {
                return Err(DestinationError::TooDeep);
            }
            let decoded = percent_decode(raw.as_bytes())?;
            check_segment(&decoded)?;
            let text = String::from_utf8(decoded).map_err(|_| DestinationError::NotUtf8)?;
            if i > 0 {
                out.push('/');
            }
            out.push_str(&text);
        }
        Ok(Destination(out))
    }
}

/// The path of an origin-form or absolute-form target, without query or fragment.
fn path_of(target: &str) -> Option<&str> {
    let path = if target.starts_with('/') {
        target
    } else {
        let (scheme, rest) = target.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        &rest[rest.find('/')?..]
    };
    let end = path.find(['?', '#']).unwrap_or(path.len());
    Some(&path[..end])
}

fn percent_decode(raw: &[u8]) -> Result<Vec<u8>, DestinationError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).ok_or(DestinationError::BadEscape)?;
            let hi = hex_value(hex[0]).ok_or(DestinationError::BadEscape)?;
            let lo = hex_value(hex[1]).ok_or(DestinationError::BadEscape)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn check_segment(s: &[u8]) -> Result<(), DestinationError> {
    match s.first() {
        None => return Err(DestinationError::EmptySegment),
        Some(b'.') => return Err(DestinationError::DotSegment),
        Some(_) => {}
    }
    if s.len() > MAX_SEGMENT_LEN {
        return Err(DestinationError::TooLong);
    }
    for &b in s {
        match b {
            b'/' | b'\\' => return Err(DestinationError::Separator),
            b':' | 0..=0x1f | 0x7f => return Err(DestinationError::ForbiddenCharacter),
            _ => {}
        }
    }
    if std::str::from_utf8(s).is_err() {
        return Err(DestinationError::NotUtf8);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(t: &str) -> Result<String, DestinationError> {
        DestinationPolicy::default().map(t).map(|d| d.0)
    }

    #[test]
    fn refuses_every_escape_form() {
        use DestinationError::*;
        let cases: &[(&str, DestinationError)] = &[
            ("/../x", DotSegment),
            ("/a/../../x", DotSegment),
            ("/./x", DotSegment),
            ("/%2e%2e/x", DotSegment),
            ("/%2E%2E/x", DotSegment),
            ("/.%2e/x", DotSegment),
            ("/a%2f..%2f..%2fx", Separator),
            ("/a%2F..", Separator),
            ("/..%5cx", DotSegment),
            ("/a%5c..%5cx", Separator),
            ("/a\\..\\x", Separator),
            ("/a%00b", ForbiddenCharacter),
            ("/c:%5cwindows", ForbiddenCharacter),
            ("/a%0d%0ab", ForbiddenCharacter),
            ("//etc/passwd", EmptySegment),
            ("/a/", EmptySegment),
            ("/", EmptySegment),
            ("etc/passwd", NotAPath),
            ("file:///etc/passwd", NotAPath),
            ("/%zz", BadEscape),
            ("/%4", BadEscape),
            ("/%ff", NotUtf8),
            ("/.bits-sessions/x", DotSegment),
        ];
        for (target, want) in cases {
            assert_eq!(map(target), Err(*want), "{target}");
        }
    }

    #[test]
    fn maps_ordinary_names_and_decodes_once() {
        assert_eq!(map("/a/b.txt").unwrap(), "a/b.txt");
        assert_eq!(map("/q1%20final.pdf?x=1#f").unwrap(), "q1 final.pdf");
        assert_eq!(map("/%252e%252e").unwrap(), "%2e%2e");
        assert_eq!(map("http://host:80/a/b").unwrap(), "a/b");
        assert_eq!(map("/caf%C3%A9").unwrap(), "café");
    }

    #[test]
    fn limits_length_and_depth() {
        let long = format!("/{}", "a".repeat(MAX_SEGMENT_LEN + 1));
        assert_eq!(map(&long), Err(DestinationError::TooLong));
        let deep = "/a".repeat(MAX_DEPTH + 1);
        assert_eq!(map(&deep), Err(DestinationError::TooDeep));
        assert!(map(&"/a".repeat(MAX_DEPTH)).is_ok());
    }

    #[test]
    fn prefix_is_required() {
        let p = DestinationPolicy::new("upload");
        assert_eq!(p.prefix(), "/upload/");
        assert_eq!(p.map("/upload/x").unwrap().as_str(), "x");
        assert_eq!(p.map("/uploadx"), Err(DestinationError::OutsidePrefix));
        assert_eq!(p.map("/upload"), Err(DestinationError::OutsidePrefix));
    }

    #[test]
    fn validate_rechecks_stored_paths() {
        assert!(Destination::validate("a/b").is_ok());
        assert_eq!(Destination::validate("../b"), Err(DestinationError::DotSegment));
        assert_eq!(Destination::validate("/b"), Err(DestinationError::EmptySegment));
    }
}
