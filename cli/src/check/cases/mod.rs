//! The cases, one module per group. Ids are `group-N` and never reused.

use super::case::Case;

mod close;
mod connections;
mod create;
mod errors;
mod fragment;
mod framing;
mod hostile;
mod ping;

const GROUPS: [&[Case]; 8] = [
    framing::CASES,
    ping::CASES,
    create::CASES,
    fragment::CASES,
    close::CASES,
    connections::CASES,
    errors::CASES,
    hostile::CASES,
];

/// Every case, in run order.
pub(crate) fn all() -> impl Iterator<Item = &'static Case> {
    GROUPS.iter().flat_map(|g| g.iter())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn there_are_at_least_sixty_cases_with_unique_ids_named_after_their_group() {
        let mut seen = HashSet::new();
        for c in super::all() {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(c.id.starts_with(&format!("{}-", c.group.name())), "{}", c.id);
            assert!(!c.title.is_empty() && !c.cite.is_empty());
            assert!(!c.cite.contains("digest") && !c.title.contains("digest"), "{}", c.id);
        }
        assert!(seen.len() >= 60, "{} cases", seen.len());
    }
}
