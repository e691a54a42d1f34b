//! The fields of a fragment `PUT`'s head, read before its body arrives.
//!
//! `graph::Request` decodes a request whole, body included, and a fragment is up to 60 MiB:
//! holding it whole per connection is what this server must not do. So the socket server
//! lets the crate's decoder judge the head first (a head that cannot become valid is refused
//! as soon as it is complete, before any body byte; `Incomplete` with the exact number of body
//! bytes still needed means the head passed every check, `Content-Length` equal to the
//! `Content-Range` length included), and only then reads the few fields the server machine
//! needs from that already-checked head here.

use bits_codec::http1::ContentRange;

/// What [`Server::handle_fragment`](super::Server::handle_fragment) needs of a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FragmentHead {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) authorized: bool,
    /// `None` when the head has no `Content-Range` (then it is not a fragment).
    pub(crate) range: Option<ContentRange>,
}

/// The fields of `head` (the bytes through the empty line), or `None` if it does not parse.
pub(crate) fn fragment_head(head: &[u8]) -> Option<FragmentHead> {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut fields);
    let httparse::Status::Complete(_) = req.parse(head).ok()? else {
        return None;
    };
    let (method, target) = (req.method?.to_owned(), req.path?.to_owned());
    let value = |name: &str| req.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value);
    let authorized = value("Authorization").is_some();
    let range = match value("Content-Range") {
        Some(v) => Some(content_range(v)?),
        None => None,
    };
    Some(FragmentHead { method, target, authorized, range })
}

/// `bytes first-last/total` (RFC 9110 §14.4; the one form a Graph fragment may carry, and the
/// only one the decoder let through).
fn content_range(value: &[u8]) -> Option<ContentRange> {
    let rest = std::str::from_utf8(value).ok()?.trim().strip_prefix("bytes ")?;
    let (first, rest) = rest.split_once('-')?;
    let (last, total) = rest.split_once('/')?;
    let number = |s: &str| if s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    ContentRange::new(number(first)?, number(last)?, number(total)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_of_a_fragment_head() {
        let head = b"PUT /uploadSession/ab?guid='x' HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\
                     Content-Range: bytes 0-2/10\r\n\r\n";
        let h = fragment_head(head).unwrap();
        assert_eq!((h.method.as_str(), h.target.as_str(), h.authorized), ("PUT", "/uploadSession/ab?guid='x'", false));
        assert_eq!(h.range, Some(ContentRange::new(0, 2, 10).unwrap()));
        let auth = b"PUT /u HTTP/1.1\r\nauthorization: Bearer t\r\nContent-Length: 0\r\n\r\n";
        assert!(fragment_head(auth).unwrap().authorized);
        assert_eq!(fragment_head(auth).unwrap().range, None);
        assert_eq!(fragment_head(b"PUT /u HTTP/1.1\r\nContent-Range: bytes 2-1/3\r\n\r\n"), None);
        assert_eq!(fragment_head(b"PUT /u HTTP/1.1\r\nContent-Range: bytes +0-1/3\r\n\r\n"), None);
        assert_eq!(fragment_head(b"PUT /u HTTP/1.1\r\n"), None);
    }
}
