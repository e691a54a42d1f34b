//! Session ids from the operating system's random source.
//!
//! A session id is the only thing that lets a client write into a session ([MC-BUP] has no
//! other credential per session), so it must be unguessable: 122 random bits (a version-4
//! GUID, RFC 9562 §5.4) from `getrandom`.
//!
//! [MC-BUP]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-bup/

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;

use bits_codec::bits::Guid;

/// A generator of random version-4 GUIDs for
/// [`Server::new`](bits_codec::bits::server::Server::new).
///
/// Fails if the operating system has no random source to give. Should a later read fail (it
/// does not on any supported system once the first worked), the id comes from SipHash keyed
/// from the same source at start, over a counter: still unguessable to a client.
pub fn random_ids() -> io::Result<impl FnMut() -> Guid + Send + 'static> {
    let mut probe = [0u8; 16];
    getrandom::fill(&mut probe).map_err(|e| io::Error::other(e.to_string()))?;
    let fallback = RandomState::new();
    let mut counter = 0u64;
    Ok(move || {
        let mut bytes = [0u8; 16];
        let n = match getrandom::fill(&mut bytes) {
            Ok(()) => u128::from_le_bytes(bytes),
            Err(_) => {
                let mut word = || {
                    counter += 1;
                    let mut h = fallback.build_hasher();
                    h.write_u64(counter);
                    h.finish()
                };
                (u128::from(word()) << 64) | u128::from(word())
            }
        };
        let n = (n & !(0xf << 76)) | (0x4 << 76); // version 4
        let n = (n & !(0x3 << 62)) | (0x2 << 62); // variant 10
        Guid::from_u128(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_version_4_and_distinct() {
        let mut ids = random_ids().unwrap();
        let (a, b) = (ids(), ids());
        assert_ne!(a, b);
        assert_eq!((a.as_u128() >> 76) & 0xf, 4);
        assert_eq!((a.as_u128() >> 62) & 0x3, 2);
    }
}
