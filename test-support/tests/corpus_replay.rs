//! Every file of `corpus/` and of `fuzz/artifacts/` (when present) through the same checks as
//! the fuzz targets, on stable: a regression shows up in `cargo test` without nightly.

use std::path::{Path, PathBuf};

use bits_codec_test_support::corpus::repo_root;
use bits_codec_test_support::fuzz as fuzzing;

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.file_name().is_some_and(|n| n != "README.md" && n != ".gitkeep") {
            out.push(path);
        }
    }
}

fn replay(dir: &str) -> usize {
    let root = repo_root();
    let mut files = Vec::new();
    files_under(&root.join(dir), &mut files);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let run = |name: &str, check: fn(&[u8]), input: &[u8]| {
            if std::panic::catch_unwind(|| check(input)).is_err() {
                panic!("{name} fails on {}", path.display());
            }
        };
        run("decode_bits_request", fuzzing::decode_bits_request, &data);
        run("decode_bits_response", fuzzing::decode_bits_response, &data);
        run("roundtrip_bits", fuzzing::roundtrip_bits, &data);
        run("differential_httparse", fuzzing::differential_httparse, &data);
        run("decode_graph", fuzzing::decode_graph, &data);
        run("roundtrip_graph", fuzzing::roundtrip_graph, &data);
        // The seeds are whole messages: prefix them with the selector bytes the targets read.
        for selector in [[0u8, 0], [0xff, 0x00], [0x3f, 0x00]] {
            run("decode_options", fuzzing::decode_options, &[&selector[..], &data].concat());
        }
        for step in [1u8, 7, 255] {
            run("stream_split", fuzzing::stream_split, &[&[step][..], &data].concat());
        }
    }
    files.len()
}

#[test]
fn corpus_passes_every_fuzz_check() {
    assert!(replay("corpus") >= 80);
}

#[test]
fn fuzz_artifacts_pass_every_fuzz_check() {
    // Absent on a clean clone; present after a local campaign found something.
    replay("fuzz/artifacts");
}
