//! The info file: one session's metadata, as text, beside its data.
//!
//! ```text
//! bits-codec-io session 1
//! id={3F2504E0-4F89-41D3-9A0C-0305E82C3301}
//! destination=reports/q1 final.pdf
//! total=1048576
//! client=192.0.2.7
//! ```
//!
//! `total` and `client` may be empty. The received offset is not here: it is the data file's
//! length (see the storage module docs). A file that does not parse exactly like this is an
//! orphan and is removed at start: its session cannot be resumed safely.

use std::net::IpAddr;

use bits_codec::bits::Guid;

use super::{Destination, SessionRecord};

const MAGIC: &str = "bits-codec-io session 1";

pub(super) fn encode(r: &SessionRecord) -> String {
    let total = r.total.map(|t| t.to_string()).unwrap_or_default();
    let client = r.client.map(|c| c.to_string()).unwrap_or_default();
    format!("{MAGIC}\nid={}\ndestination={}\ntotal={total}\nclient={client}\n", r.id.to_braced(true), r.destination)
}

/// The record an info file holds (`received` 0: the caller takes it from the data).
pub(super) fn decode(text: &str, id: Guid) -> Option<SessionRecord> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    if lines.next()? != MAGIC {
        return None;
    }
    let mut field = |name: &str| lines.next()?.strip_prefix(name)?.strip_prefix('=');
    if field("id")? != id.to_braced(true) {
        return None;
    }
    let destination = Destination::validate(field("destination")?).ok()?;
    let total = match field("total")? {
        "" => None,
        t => Some(t.parse().ok()?),
    };
    let client = match field("client")? {
        "" => None,
        c => Some(c.parse::<IpAddr>().ok()?),
    };
    if lines.next().is_some() {
        return None;
    }
    Some(SessionRecord { id, destination, total, received: 0, client })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_anything_else() {
        let id = Guid::from_u128(0x1234);
        let mut r = SessionRecord::new(id, Destination::validate("a/b c.txt").unwrap(), None);
        assert_eq!(decode(&encode(&r), id), Some(r.clone()));
        r.total = Some(99);
        r.client = Some("::1".parse().unwrap());
        let text = encode(&r);
        assert_eq!(decode(&text, id), Some(r));
        assert_eq!(decode(&text, Guid::from_u128(1)), None, "another session's info");
        assert_eq!(decode(&text.replace("a/b", "../b"), id), None, "an escaping destination");
        assert_eq!(decode(&text[..text.len() - 1], id), None, "a torn write");
        assert_eq!(decode(&format!("{text}x=1\n"), id), None);
    }
}
