//! Where a request goes: scheme, host and port, from a machine's endpoint or from a URL the
//! caller gave (the Graph create URL, which the machine does not parse for us).

use bits_codec::Endpoint;

/// A connection's destination.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) https: bool,
    /// Without IPv6 brackets (what a resolver and TLS's server name take).
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Origin {
    pub(crate) fn of(endpoint: &Endpoint) -> Self {
        Self { https: endpoint.is_https(), host: endpoint.host().to_string(), port: endpoint.port() }
    }
}

/// An absolute `http(s)` URL split into its origin, its authority (the `Host` value) and its
/// origin-form target (path and query, `/` if empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) origin: Origin,
    pub(crate) authority: String,
    pub(crate) target: String,
}

/// Split `url`; `None` for another scheme, no host, a bad port, or userinfo (RFC 9110 §4.2.4:
/// a sender must not put it in an http(s) URI).
pub(crate) fn parse(url: &str) -> Option<Parsed> {
    let (https, rest) = if let Some(r) = strip_prefix_ignore_case(url, "https://") {
        (true, r)
    } else {
        (false, strip_prefix_ignore_case(url, "http://")?)
    };
    let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let tail = tail.split('#').next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None if https => 443,
        None => 80,
    };
    if host.is_empty() {
        return None;
    }
    let target = if tail.starts_with('/') { tail.to_string() } else { format!("/{tail}") };
    Some(Parsed { origin: Origin { https, host: host.to_string(), port }, authority: authority.to_string(), target })
}

fn strip_prefix_ignore_case<'u>(s: &'u str, prefix: &str) -> Option<&'u str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_authority_and_target() {
        let p = parse("https://graph.example.com/v1.0/me/drive/root:/a.bin:/createUploadSession").unwrap();
        assert_eq!(p.origin, Origin { https: true, host: "graph.example.com".into(), port: 443 });
        assert_eq!(p.authority, "graph.example.com");
        assert_eq!(p.target, "/v1.0/me/drive/root:/a.bin:/createUploadSession");
        let p = parse("http://[::1]:8080?x=1#frag").unwrap();
        assert_eq!((p.origin.host.as_str(), p.origin.port, p.target.as_str()), ("::1", 8080, "/?x=1"));
        for bad in ["ftp://h/x", "http://", "http://u@h/x", "http://h:99999/x", "http://:80/"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
