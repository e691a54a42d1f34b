//! The header names this crate knows, from one table: the canonical spelling (what the encoder
//! writes, as the Windows client and IIS spell them in the [MC-BUP] §4.1 captures), the
//! case-insensitive matcher (RFC 9110 §5.1: field names are case-insensitive), and the rank
//! that gives built messages one fixed order. Every name the codec reads or writes comes from
//! here; no module retypes one as a string.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use super::syntax::{Folded, words};

macro_rules! known_headers {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, rank $rank:literal; )*) => {
        /// A header name with a meaning to this crate.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum KnownHeader {
            $( $(#[$doc])* $variant, )*
        }

        impl KnownHeader {
            /// Every known header, in table order.
            pub const ALL: &'static [KnownHeader] = &[$(KnownHeader::$variant),*];

            /// The canonical spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $(KnownHeader::$variant => $name,)* }
            }

            /// Position in the canonical order of built messages (`Host`, then
            /// `BITS-Packet-Type`, the typed headers, other headers, `Content-Length` last): one
            /// fixed order, so the same message always encodes to the same bytes, whatever order
            /// its setters were called in.
            pub(crate) const fn rank(self) -> u8 {
                match self { $(KnownHeader::$variant => $rank,)* }
            }
        }
    };
}

known_headers! {
    /// `Host`.
    Host => "Host", rank 0;
    /// `BITS-Packet-Type`.
    BitsPacketType => "BITS-Packet-Type", rank 1;
    /// `BITS-Supported-Protocols` (Create-Session).
    BitsSupportedProtocols => "BITS-Supported-Protocols", rank 2;
    /// `BITS-Protocol` (Ack for Create-Session).
    BitsProtocol => "BITS-Protocol", rank 2;
    /// `BITS-Session-Id`.
    BitsSessionId => "BITS-Session-Id", rank 3;
    /// `BITS-Original-Request-URL` (back-end notification request).
    BitsOriginalRequestUrl => "BITS-Original-Request-URL", rank 3;
    /// `BITS-Request-DataFile-Name` (back-end notification request, by reference).
    BitsRequestDataFileName => "BITS-Request-DataFile-Name", rank 4;
    /// `BITS-Response-DataFile-Name` (back-end notification request, by reference).
    BitsResponseDataFileName => "BITS-Response-DataFile-Name", rank 5;
    /// `BITS-Static-Response-URL` (back-end notification response).
    BitsStaticResponseUrl => "BITS-Static-Response-URL", rank 3;
    /// `BITS-Copy-File-To-Destination` (back-end notification response).
    BitsCopyFileToDestination => "BITS-Copy-File-To-Destination", rank 4;
    /// `Content-Name`.
    ContentName => "Content-Name", rank 4;
    /// `Content-Range`.
    ContentRange => "Content-Range", rank 5;
    /// `BITS-Host-Id`.
    BitsHostId => "BITS-Host-Id", rank 6;
    /// `BITS-Host-Id-Fallback-Timeout`.
    BitsHostIdFallbackTimeout => "BITS-Host-Id-Fallback-Timeout", rank 7;
    /// `Accept-Encoding`.
    AcceptEncoding => "Accept-Encoding", rank 8;
    /// `BITS-Received-Content-Range`.
    BitsReceivedContentRange => "BITS-Received-Content-Range", rank 9;
    /// `BITS-Reply-URL`.
    BitsReplyUrl => "BITS-Reply-URL", rank 10;
    /// `BITS-Error-Code` (the name in the Learn docs and every third-party peer).
    BitsErrorCode => "BITS-Error-Code", rank 11;
    /// `BITS-Error` (the name in [MC-BUP]).
    ///
    /// [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/
    BitsError => "BITS-Error", rank 11;
    /// `BITS-Error-Context`.
    BitsErrorContext => "BITS-Error-Context", rank 12;
    /// `Transfer-Encoding` (always rejected: bodies are framed by `Content-Length`).
    TransferEncoding => "Transfer-Encoding", rank 50;
    /// `Content-Length`.
    ContentLength => "Content-Length", rank 99;
}

/// Rank of a header that is not in the table.
pub(crate) const OTHER_RANK: u8 = 50;

impl KnownHeader {
    /// The known header `name` spells, compared ASCII case-insensitively (RFC 9110 §5.1).
    ///
    /// ```
    /// use bits_codec::http1::KnownHeader;
    /// assert_eq!(KnownHeader::find(b"bits-packet-TYPE"), Some(KnownHeader::BitsPacketType));
    /// assert_eq!(KnownHeader::find(b"X-Other"), None);
    /// ```
    pub fn find(name: &[u8]) -> Option<Self> {
        Self::find_prefix(name, name.len())
    }

    /// [`find`](Self::find) for the name `line[..n]`. The bytes after the name (the rest of the
    /// line, in a head) let its words be read whole and masked instead of assembled.
    #[inline(always)]
    pub(crate) fn find_prefix(line: &[u8], n: usize) -> Option<Self> {
        // The length and the next-to-last byte pick the one candidate (a table built and
        // checked for collisions at compile time): one compare per header line, no loop over
        // the names of a length. `& 0x1f` folds case, and a byte that is not a letter can only
        // pick a candidate the compare then refuses.
        let key = *line.get(n.checked_sub(2)?)?;
        let i = *CANDIDATE.get(n)?.get(usize::from(key & 0x1f))?;
        if i == NONE {
            return None;
        }
        // The name as four words (zero past its end), four masked compares: no byte loop.
        FOLDED[usize::from(i)].matches(&words::<WORDS>(line)).then(|| Self::ALL[usize::from(i)])
    }
}

const NONE: u8 = u8::MAX;
/// Words of the longest known name (29 bytes).
const WORDS: usize = 4;
const MAX_KNOWN_LEN: usize = 8 * WORDS - 1;

/// `CANDIDATE[n][b & 0x1f]`: the index into `KnownHeader::ALL` of the name `n` bytes long
/// whose next-to-last byte is `b` (any case). Built at compile time from the table; two names
/// sharing a slot, or an over-long name, fail the build.
const CANDIDATE: [[u8; 32]; MAX_KNOWN_LEN + 1] = {
    let mut t = [[NONE; 32]; MAX_KNOWN_LEN + 1];
    let mut i = 0;
    while i < KnownHeader::ALL.len() {
        let name = KnownHeader::ALL[i].as_str().as_bytes();
        let slot = &mut t[name.len()][(name[name.len() - 2] & 0x1f) as usize];
        assert!(*slot == NONE, "two known names share a length and a next-to-last letter");
        *slot = i as u8;
        i += 1;
    }
    t
};

/// Every known name, prepared for case-insensitive compares by words.
const FOLDED: [Folded<WORDS>; KnownHeader::ALL.len()] = {
    let mut t = [Folded::new(""); KnownHeader::ALL.len()];
    let mut i = 0;
    while i < KnownHeader::ALL.len() {
        t[i] = Folded::new(KnownHeader::ALL[i].as_str());
        i += 1;
    }
    t
};

/// Rank of any header name.
pub(crate) fn rank_of(name: &str) -> u8 {
    KnownHeader::find(name.as_bytes()).map_or(OTHER_RANK, KnownHeader::rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_round_trips_in_any_case() {
        for &h in KnownHeader::ALL {
            assert_eq!(KnownHeader::find(h.as_str().as_bytes()), Some(h));
            assert_eq!(KnownHeader::find(h.as_str().to_ascii_lowercase().as_bytes()), Some(h));
            assert_eq!(KnownHeader::find(h.as_str().to_ascii_uppercase().as_bytes()), Some(h));
            assert!(super::super::syntax::is_token(h.as_str().as_bytes()));
        }
    }

    #[test]
    fn word_lookup_agrees_with_the_plain_compare_for_every_byte() {
        // Every byte value at every position of every known name, alone and inside a longer
        // line (the head's path), against a case-insensitive scan of the table.
        let plain = |n: &[u8]| KnownHeader::ALL.iter().copied().find(|h| h.as_str().as_bytes().eq_ignore_ascii_case(n));
        for &h in KnownHeader::ALL {
            let name = h.as_str().as_bytes();
            for at in 0..name.len() {
                for b in 0..=255u8 {
                    let mut n = name.to_vec();
                    n[at] = b;
                    assert_eq!(KnownHeader::find(&n), plain(&n), "{b:#x} at {at} of {h:?}");
                    let mut line = n.clone();
                    line.extend_from_slice(b": some value long enough\r\n");
                    assert_eq!(KnownHeader::find_prefix(&line, n.len()), plain(&n));
                }
            }
        }
        assert_eq!(KnownHeader::find(b""), None);
        assert_eq!(KnownHeader::find(&[b'a'; 64]), None);
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in KnownHeader::ALL.iter().enumerate() {
            for b in &KnownHeader::ALL[i + 1..] {
                assert!(!a.as_str().eq_ignore_ascii_case(b.as_str()));
            }
        }
    }
}
