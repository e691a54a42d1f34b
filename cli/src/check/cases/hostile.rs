use crate::check::case::Case;
pub(super) const CASES: &[Case] = &[];
