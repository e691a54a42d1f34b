#![no_main]
//! Thin wrapper: the check is `bits_codec_test_support::fuzz::roundtrip_bits` (also replayed by `cargo test`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| bits_codec_test_support::fuzz::roundtrip_bits(data));
