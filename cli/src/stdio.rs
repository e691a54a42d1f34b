//! Reading a subcommand's input and writing its output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::Failure;

/// The bytes of `file`, or of standard input when `file` is absent or `-`.
pub(crate) fn read_input(file: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match file.filter(|f| *f != Path::new("-")) {
        Some(path) => std::fs::read(path).map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display()))),
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| Failure::Io(format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
    }
}

/// Writes `bytes` to standard output; a closed output is [`Failure::Quiet`] (exit 2, nothing
/// more to say: `bits-codec decode x | head -c 10` must not print an error).
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|_| Failure::Quiet)
}

/// The input argument every subcommand takes.
#[derive(Debug, clap::Args)]
pub(crate) struct InputArg {
    /// The file to read (standard input when absent or `-`).
    #[arg(value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
}
