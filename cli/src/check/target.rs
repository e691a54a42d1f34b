//! The URL under test: `http://host[:port]/prefix/`, the only place the checker sends traffic.

use std::fmt;

/// Where the cases go: one host and port, and the path prefix every case's file name goes
/// under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// `host:port` to connect to.
    pub(crate) addr: String,
    /// The `Host` header value (RFC 9112 §3.2: what the URL's authority says).
    pub(crate) host: String,
    /// The path prefix, starting and ending with `/`.
    pub(crate) prefix: String,
}

impl Target {
    /// Parses `http://host[:port][/path]`. `https://` is refused: TLS is not supported yet.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        if strip_prefix_ci(url, "https://").is_some() {
            return Err("https:// is not supported yet: run the check against a plain http:// URL".into());
        }
        let Some(rest) = strip_prefix_ci(url, "http://") else {
            return Err(format!("{url:?} is not an http:// URL"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(format!("{url:?}: expected http://host[:port]/path (no user info)"));
        }
        if path.bytes().any(|b| !(0x21..0x7f).contains(&b) || b == b'?' || b == b'#') {
            return Err(format!("{url:?}: the path must be visible ASCII without query or fragment"));
        }
        let has_port = match authority.rfind(':') {
            // `[::1]` alone has colons but no port.
            Some(i) => !authority[i..].contains(']'),
            None => false,
        };
        let addr = if has_port { authority.to_owned() } else { format!("{authority}:80") };
        let mut prefix = path.to_owned();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(Self { addr, host: authority.to_owned(), prefix })
    }

    /// The request target of a file called `name` under the prefix.
    pub(crate) fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.host, self.prefix)
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn a_url_gives_address_host_and_a_prefix_ending_in_a_slash() {
        let t = Target::parse("http://127.0.0.1:8080/up").unwrap();
        assert_eq!((t.addr.as_str(), t.host.as_str(), t.prefix.as_str()), ("127.0.0.1:8080", "127.0.0.1:8080", "/up/"));
        let t = Target::parse("HTTP://example.com").unwrap();
        assert_eq!((t.addr.as_str(), t.prefix.as_str()), ("example.com:80", "/"));
        assert_eq!(Target::parse("http://[::1]/x/").unwrap().addr, "[::1]:80");
    }

    #[test]
    fn https_and_other_schemes_are_refused() {
        assert!(Target::parse("https://example.com/").unwrap_err().contains("not supported yet"));
        assert!(Target::parse("ftp://example.com/").is_err());
        assert!(Target::parse("http://example.com/a?b").is_err());
    }
}
