//! The 64-byte block classifier with SSE2, part of the x86-64 baseline and so always present.
//! [`safe_arch`] wraps the intrinsics in safe functions gated on the enabled target features:
//! the crate keeps `#![forbid(unsafe_code)]`.

/// The colon and stop masks of a block, with SSE2.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub(super) fn classify(block: &[u8; 64]) -> (u64, u64) {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let colon = set_splat_i8_m128i(b':' as i8);
    let last_control = set_splat_i8_m128i(0x1f);
    let del = set_splat_i8_m128i(0x7f);
    let mut colons = 0u64;
    let mut stops = 0u64;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let x = load_unaligned_m128i(chunk.try_into().unwrap_or(&[0; 16]));
        // `min(x, 0x1f) == x` is `x <= 0x1f`, unsigned: the controls (HTAB included; the
        // caller steps over it), and no obs-text byte.
        let control = cmp_eq_mask_i8_m128i(min_u8_m128i(x, last_control), x);
        let stop = bitor_m128i(control, cmp_eq_mask_i8_m128i(x, del));
        let c = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(x, colon)) as u16;
        let s = move_mask_i8_m128i(stop) as u16;
        colons |= u64::from(c) << (16 * k);
        stops |= u64::from(s) << (16 * k);
    }
    (colons, stops)
}
