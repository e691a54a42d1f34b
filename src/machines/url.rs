//! URLs, as the client machines need them: where a request goes ([`Endpoint`]), the
//! origin-form target it carries, and relative references resolved against the upload's URL.
//!
//! Both clients are handed absolute `http(s)` URLs (the BITS destination, a `BITS-Host-Id`,
//! a `BITS-Reply-URL`; Graph's `uploadUrl`) and must turn each into a connection (scheme, host,
//! port), a `Host` header and a request target. One reader serves both, so a URL that one
//! client accepts the other accepts too. It is deliberately narrow: `http` and `https` only,
//! no userinfo (never sent by either protocol, and the classic spoofing shape
//! `https://good@evil/`), a port of decimal digits that fits in 16 bits; the path and query
//! are kept byte for byte (a Graph `uploadUrl` carries a signed query the server compares as
//! sent) and the fragment is dropped (RFC 3986 §3.5: it never goes to the server).

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Where a client machine's requests go: scheme, host and port.
///
/// Built from an absolute `http(s)` URL (or, for BITS, from a `BITS-Host-Id` that replaces
/// the destination's host). [`authority`](Self::authority) is the `Host` header value.
///
/// ```
/// use bits_codec::bits::client::{Client, ClientConfig};
/// let client = Client::new(ClientConfig::default(), "https://[::1]:8443/upload/f.bin", 10).unwrap();
/// let endpoint = client.endpoint();
/// assert_eq!((endpoint.host(), endpoint.port(), endpoint.is_https()), ("::1", 8443, true));
/// assert_eq!(endpoint.authority(), "[::1]:8443");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    https: bool,
    host: String,
    port: Option<u16>,
    authority: String,
}

impl Endpoint {
    /// The endpoint of `host` (no brackets for IPv6) and `port`, with the authority written
    /// from them: an IPv6 host in brackets, `:port` only if a port was given.
    pub(crate) fn new(https: bool, host: String, port: Option<u16>) -> Self {
        let mut authority = String::with_capacity(host.len() + 8);
        if host.contains(':') {
            authority.push('[');
            authority.push_str(&host);
            authority.push(']');
        } else {
            authority.push_str(&host);
        }
        if let Some(p) = port {
            authority.push(':');
            authority.push_str(&p.to_string());
        }
        Self { https, host, port, authority }
    }

    /// The host name or address, without IPv6 brackets (what a resolver or `connect` takes).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port: the explicit one, else 80 (http) or 443 (https).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(if self.https { 443 } else { 80 })
    }

    /// The port, if the URL (or the `BITS-Host-Id`) gave one.
    pub fn explicit_port(&self) -> Option<u16> {
        self.port
    }

    /// `true` for https.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The `Host` header value: the host (IPv6 in brackets) and `:port` if one was given.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// `http` or `https`.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// `scheme://authority`, the part of an absolute URL before its path.
    pub(crate) fn origin(&self) -> String {
        alloc::format!("{}://{}", self.scheme(), self.authority)
    }
}

/// An absolute `http(s)://authority/path?query` URL, the fragment dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) endpoint: Endpoint,
    /// Path and query as written, starting with `/` (`/` alone for an empty path).
    pub(crate) target: String,
}

impl Url {
    /// `None` for anything but an absolute `http(s)` URL with a valid authority.
    pub(crate) fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        let https = if scheme.eq_ignore_ascii_case("http") {
            false
        } else if scheme.eq_ignore_ascii_case("https") {
            true
        } else {
            return None;
        };
        let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(cut);
        let (host, port) = parse_authority(authority, false)?;
        let tail = tail.split('#').next().unwrap_or("");
        let target = match tail.as_bytes().first() {
            Some(b'/') => tail.to_owned(),
            _ => alloc::format!("/{tail}"),
        };
        Some(Self { endpoint: Endpoint::new(https, host, port), target })
    }

    /// The path, without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    /// The absolute URL again, as `scheme://authority/path?query`.
    pub(crate) fn to_absolute(&self) -> String {
        alloc::format!("{}{}", self.endpoint.origin(), self.target)
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, and (with `bare_v6`, for a `BITS-Host-Id`) a
/// bare IPv6 address, which cannot carry a port. An empty port (`host:`) is no port
/// (RFC 3986 §3.2.3).
pub(crate) fn parse_authority(s: &str, bare_v6: bool) -> Option<(String, Option<u16>)> {
    if s.contains('@') {
        return None; // userinfo: never sent by BITS or Graph, and a classic spoofing shape
    }
    let is_v6 = |h: &str| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if !is_v6(v6) {
            return None;
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (v6, port)
    } else if bare_v6 && s.bytes().filter(|&b| b == b':').count() >= 2 {
        if !is_v6(s) {
            return None;
        }
        (s, None)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:".contains(&b);
    if host.is_empty() || !host.bytes().all(ok_char) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
        Some(_) => return None,
    };
    Some((host.to_owned(), port))
}

/// `true` if `reference` starts with a scheme (`name:`, RFC 3986 §3.1), as an absolute URL
/// or a Windows drive letter (`C:`) does.
pub(crate) fn has_scheme(reference: &str) -> bool {
    reference.split_once(':').is_some_and(|(scheme, _)| {
        scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    })
}

/// Resolve a relative `reference` (one without a scheme, already a valid URI reference: see
/// [`percent_encode_reference`]) against `base` as RFC 3986 §5.2 does, into an absolute URL.
/// `None` if a network-path reference (`//host/...`) names an authority this module refuses.
pub(crate) fn resolve(base: &Url, reference: &str) -> Option<String> {
    let r = reference.split('#').next().unwrap_or("");
    let (r_path, r_query) = match r.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (r, None),
    };
    if let Some(net) = r_path.strip_prefix("//") {
        // A network-path reference: another authority, same scheme.
        let cut = net.find('/').unwrap_or(net.len());
        let (authority, path) = net.split_at(cut);
        let url = alloc::format!("{}://{}{}", base.endpoint.scheme(), authority, with_query(path, r_query));
        return Url::parse(&url).map(|u| u.to_absolute());
    }
    let (path, query) = if r_path.is_empty() {
        let base_query = base.target.split_once('?').map(|(_, q)| q);
        (String::from(base.path()), r_query.or(base_query))
    } else if r_path.starts_with('/') {
        (remove_dot_segments(r_path), r_query)
    } else {
        let base_path = base.path();
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        (remove_dot_segments(&alloc::format!("{dir}{r_path}")), r_query)
    };
    let path = if path.is_empty() { String::from("/") } else { path };
    Some(alloc::format!("{}{}", base.endpoint.origin(), with_query(&path, query)))
}

fn with_query(path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => alloc::format!("{path}?{q}"),
        None => String::from(path),
    }
}

/// A Windows-style reference made a URI reference: `\` → `/`; every byte outside
/// `unreserved / sub-delims / ":" / "@" / "/" / "?" / "#"` percent-encoded, and a `%` not
/// followed by two hex digits too (IIS writes `BITS-Reply-URL` as a relative file path, braces
/// and backslashes included).
pub(crate) fn percent_encode_reference(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in b.iter().enumerate() {
        let keep = c.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=:@/?#".contains(&c)
            || (c == b'%' && b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
        if c == b'\\' {
            out.push('/');
        } else if keep {
            out.push(char::from(c));
        } else {
            out.push_str(&alloc::format!("%{c:02X}"));
        }
    }
    out
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let absolute = path.starts_with('/');
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 && absolute {
            continue;
        }
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                out.pop();
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut s = String::with_capacity(path.len());
    if absolute {
        s.push('/');
    }
    s.push_str(&out.join("/"));
    if trailing_slash && !s.ends_with('/') {
        s.push('/');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_dot_segments_as_rfc_3986_does() {
        // RFC 3986 §5.4.1 / §5.4.2 examples (paths only).
        assert_eq!(remove_dot_segments("/b/c/./../../g"), "/g");
        assert_eq!(remove_dot_segments("/b/c/../.."), "/");
        assert_eq!(remove_dot_segments("/b/c/."), "/b/c/");
        assert_eq!(remove_dot_segments("/b/c/g/"), "/b/c/g/");
        assert_eq!(remove_dot_segments("/../../g"), "/g");
    }

    #[test]
    fn parses_host_id_forms() {
        assert_eq!(parse_authority("FRANKCAO8", true), Some(("FRANKCAO8".into(), None)));
        assert_eq!(parse_authority("node:8080", true), Some(("node".into(), Some(8080))));
        assert_eq!(parse_authority("[::1]:81", true), Some(("::1".into(), Some(81))));
        assert_eq!(parse_authority("fe80::1", true), Some(("fe80::1".into(), None)));
        assert_eq!(parse_authority("fe80::1", false), None);
        assert_eq!(parse_authority("node:99999", true), None);
        assert_eq!(parse_authority("user@node", true), None);
        assert_eq!(parse_authority("a b", true), None);
    }

    #[test]
    fn splits_upload_urls_without_touching_their_bytes() {
        let u = Url::parse(
            "https://contoso-my.sharepoint.com/personal/u/_api/v2.0/drives/d/items/i/uploadSession?guid='g'&tempauth=x",
        )
        .unwrap();
        let e = &u.endpoint;
        assert_eq!(
            (e.host(), e.port(), e.authority()),
            ("contoso-my.sharepoint.com", 443, "contoso-my.sharepoint.com")
        );
        assert_eq!(u.target, "/personal/u/_api/v2.0/drives/d/items/i/uploadSession?guid='g'&tempauth=x");
        let u = Url::parse("http://127.0.0.1:8080?a=1#frag").unwrap();
        let e = &u.endpoint;
        assert_eq!(
            (e.host(), e.port(), e.authority(), u.target.as_str()),
            ("127.0.0.1", 8080, "127.0.0.1:8080", "/?a=1")
        );
        let e = Url::parse("HTTP://[::1]:81/up").unwrap().endpoint;
        assert_eq!((e.host(), e.port(), e.is_https()), ("::1", 81, false));
        for bad in [
            "/up/x",
            "ftp://h/x",
            "https://user@h/x",
            "https://h:99999/x",
            "https:///x",
            "https://h:8a/",
            "https://[::1]x/",
        ] {
            assert!(Url::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn an_empty_port_is_no_port() {
        let e = Url::parse("https://h:/x").unwrap().endpoint;
        assert_eq!((e.explicit_port(), e.authority()), (None, "h"));
    }
}
