#![no_main]
//! Thin wrapper: the check is `bits_codec::fuzzing::roundtrip_graph` (also replayed by `cargo test`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| bits_codec::fuzzing::roundtrip_graph(data));
