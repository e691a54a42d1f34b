//! The portable block classifier: the byte table, one byte at a time. Every target that is
//! not x86-64 with SSE2 uses it, and the tests check the SSE2 one against it.

use crate::http1::syntax::is_field_byte;

/// The colon and stop masks of a block, byte by byte.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))] // the tests' reference there
#[cfg_attr(not(all(target_arch = "x86_64", target_feature = "sse2")), inline)]
pub(super) fn classify_bytes(block: &[u8; 64]) -> (u64, u64) {
    let mut colons = 0u64;
    let mut stops = 0u64;
    for (i, &b) in block.iter().enumerate() {
        colons |= u64::from(b == b':') << i;
        stops |= u64::from(!is_field_byte(b) || b == b'\t') << i;
    }
    (colons, stops)
}
