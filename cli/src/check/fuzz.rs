//! `--fuzz`: placeholder.
use super::target::Target;
use crate::Failure;
use std::time::Duration;
pub(crate) struct Finding;
pub(crate) fn run(_t: &Target, _n: u64, _seed: u64, _timeout: Duration) -> Vec<Finding> {
    Vec::new()
}
pub(crate) fn report(_f: &[Finding], _n: u64, _seed: u64, _t: &Target, _json: bool) -> Result<(), Failure> {
    Ok(())
}
