//! What bits-codec's tests, fuzz targets and example servers share. Never published: nothing
//! here is API.
//!
//! - [`fuzz`]: the checks behind every cargo-fuzz target, as plain functions, so the targets
//!   and the stable corpus replay (`tests/corpus_replay.rs`) run the same code (the deployable BITS server, which the curl interop check uploads to, is
//!   `bits-codec-io`, run by `bits-codec serve`);
//! - [`graph_server`]: a strict Microsoft Graph upload-session server machine (a test double,
//!   not a Graph implementation) for the Graph client's tests and the `graph_server` binary
//!   the Graph SDK interop checks upload to;
//! - [`json_failure`]: the JSON failure inside a `DecodeError`, for the Graph tests;
//! - [`loopback`]: a whole BITS or Graph upload over loopback TCP (the `loopback_upload`
//!   binary, and its tests);
//! - [`corpus`]: the repository's `corpus/` files.

#![forbid(unsafe_code)]
#![allow(missing_docs)]

pub mod fuzz;
pub mod graph_server;
pub mod json_failure;
pub mod loopback;

/// The repository's `corpus/` folder and the files in it.
pub mod corpus {
    use std::path::{Path, PathBuf};

    /// The repository root (where `corpus/` and `fuzz/` are).
    pub fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// A file of `corpus/`, by its path inside it.
    pub fn read(path: &str) -> Vec<u8> {
        let full = repo_root().join("corpus").join(path);
        std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
    }
}
