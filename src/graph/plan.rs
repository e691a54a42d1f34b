//! Upload arithmetic: which bytes the server still wants ([`RangeSet`]) and how to cut them
//! into fragments each variant accepts ([`FragmentPlanner`]).

use alloc::vec::Vec;

use super::error::RangeError;
use super::range_spec::RangeSpec;
use crate::http1::content_range::ContentRange;

/// 320 KiB: every driveItem fragment except the last "MUST be a multiple of 320 KiB (327,680
/// bytes)" (the "driveItem: createUploadSession" page, "Upload bytes to the upload session":
/// other sizes can make the upload fail once the file is committed).
pub const DRIVE_ITEM_FRAGMENT_MULTIPLE: u64 = 327_680;

/// The upload-session variants, with the rules that differ between them (fragment size
/// limits, range forms, completion answers), each from its own Graph page:
/// "driveItem: createUploadSession", "attachment: createUploadSession",
/// "taskFileAttachment: createUploadSession" and "printDocument: createUploadSession".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variant {
    /// OneDrive (personal, for Business) and SharePoint.
    DriveItem,
    /// Outlook message or event attachment.
    OutlookAttachment,
    /// To Do task file attachment.
    TaskAttachment,
    /// Universal Print document.
    PrintDocument,
}

impl Variant {
    /// The largest fragment a `PUT` may carry:
    ///
    /// - driveItem: "less than 60 MiB" and a multiple of 320 KiB: 191 × 327,680 = 62,586,880;
    /// - Outlook and To Do: under 4 MB; the docs never say whether MB is 10⁶ or 2²⁰, so
    ///   3,999,999 (under both readings);
    /// - Print: under 10 MB, likewise 9,999,999.
    pub const fn max_fragment_len(self) -> u64 {
        match self {
            Self::DriveItem => 191 * DRIVE_ITEM_FRAGMENT_MULTIPLE,
            Self::OutlookAttachment | Self::TaskAttachment => 3_999_999,
            Self::PrintDocument => 9_999_999,
        }
    }

    /// What every fragment but the last of the file must be a multiple of (1: no rule).
    pub const fn fragment_multiple(self) -> u64 {
        match self {
            Self::DriveItem => DRIVE_ITEM_FRAGMENT_MULTIPLE,
            _ => 1,
        }
    }

    /// The fragment length [`FragmentPlanner::for_variant`] uses: driveItem 10 MiB (the docs'
    /// recommendation, 32 × 320 KiB), Outlook and To Do 3 MiB, Print 8 MiB.
    pub const fn default_fragment_len(self) -> u64 {
        match self {
            Self::DriveItem => 32 * DRIVE_ITEM_FRAGMENT_MULTIPLE,
            Self::OutlookAttachment | Self::TaskAttachment => 3 * 1024 * 1024,
            Self::PrintDocument => 8 * 1024 * 1024,
        }
    }

    /// `false` for Print, whose segments "can be uploaded in any order … with up to four
    /// concurrent requests"; the others take fragments strictly in order.
    pub const fn in_order(self) -> bool {
        !matches!(self, Self::PrintDocument)
    }

    /// The status of a progress answer: 202 (driveItem, Print) or 200 (Outlook, To Do).
    pub const fn progress_status(self) -> u16 {
        match self {
            Self::DriveItem | Self::PrintDocument => 202,
            _ => 200,
        }
    }

    /// Whether requests to the `uploadUrl` carry `Authorization`: only To Do's (its URL is on
    /// graph.microsoft.com); the others are pre-authenticated and a token can earn a 401.
    pub const fn authorizes_upload_url(self) -> bool {
        matches!(self, Self::TaskAttachment)
    }

    /// `true` if `range` is a fragment this variant accepts: within the maximum, and (driveItem)
    /// a multiple of 320 KiB unless it ends the file.
    pub const fn allows(self, range: ContentRange) -> bool {
        range.len() <= self.max_fragment_len()
            && (range.is_last() || range.len().is_multiple_of(self.fragment_multiple()))
    }
}

/// The bytes of a file of [`total`](Self::total) bytes the server has not received: sorted,
/// disjoint, inclusive ranges.
///
/// [`apply`](Self::apply) replaces the set with a server's `nextExpectedRanges` (the server is
/// authoritative: a fragment it partly kept shows as an unaligned start,
/// OneDrive/onedrive-api-docs#75), clamping
/// an end at or past the file size to the last byte (the Print doc's `"78929-4533322"` for a
/// 4,533,322-byte file) and merging overlapping items. An empty list means every byte arrived.
/// [`mark_received`](Self::mark_received) removes a fragment the server acknowledged.
///
/// ```
/// use bits_codec::graph::{RangeSet, RangeSpec};
/// let ranges = [RangeSpec::closed(72797, 72897).unwrap(), RangeSpec::closed(78929, 4533322).unwrap()];
/// let set = RangeSet::from_next_expected(4533322, &ranges).unwrap();
/// assert_eq!(set.iter().collect::<Vec<_>>(), [(72797, 72897), (78929, 4533321)]);
/// assert_eq!(set.missing_len(), 101 + 4454393);
/// assert!(RangeSet::from_next_expected(100, &[RangeSpec::open(100)]).is_err());
/// assert!(RangeSet::new(0).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeSet {
    total: u64,
    missing: Vec<(u64, u64)>,
}

impl RangeSet {
    /// A file of `total` bytes, none received. Fails for 0 (an empty file cannot use a
    /// session).
    pub fn new(total: u64) -> Result<Self, RangeError> {
        if total == 0 {
            return Err(RangeError::ZeroTotal);
        }
        Ok(Self { total, missing: alloc::vec![(0, total - 1)] })
    }

    /// The set a server's `nextExpectedRanges` describes.
    pub fn from_next_expected(total: u64, ranges: &[RangeSpec]) -> Result<Self, RangeError> {
        let mut s = Self::new(total)?;
        s.apply(ranges)?;
        Ok(s)
    }

    /// Replace the set with a server's `nextExpectedRanges` (see the type). On error the set is
    /// unchanged.
    pub fn apply(&mut self, ranges: &[RangeSpec]) -> Result<(), RangeError> {
        let total = self.total;
        let mut items = Vec::with_capacity(ranges.len());
        for r in ranges {
            let last = r.last_in(total).ok_or(RangeError::StartBeyondTotal { start: r.start(), total })?;
            items.push((r.start(), last));
        }
        items.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(items.len());
        for (first, last) in items {
            match merged.last_mut() {
                Some(prev) if first <= prev.1.saturating_add(1) => prev.1 = prev.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        self.missing = merged;
        Ok(())
    }

    /// Remove the bytes of `range` (a fragment the server acknowledged). Fails if the range is
    /// for another file size.
    pub fn mark_received(&mut self, range: ContentRange) -> Result<(), RangeError> {
        if range.total() != self.total {
            return Err(RangeError::TotalMismatch { expected: self.total, found: range.total() });
        }
        let (f, l) = (range.first(), range.last());
        let mut out = Vec::with_capacity(self.missing.len() + 1);
        for &(a, b) in &self.missing {
            if b < f || a > l {
                out.push((a, b));
                continue;
            }
            if a < f {
                out.push((a, f - 1));
            }
            if l < b {
                out.push((l + 1, b));
            }
        }
        self.missing = out;
        Ok(())
    }

    /// The file size.
    pub fn total(&self) -> u64 {
        self.total
    }
    /// How many bytes are missing.
    pub fn missing_len(&self) -> u64 {
        self.missing.iter().map(|&(a, b)| b - a + 1).sum()
    }
    /// `true` when nothing is missing.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
    /// The first missing byte.
    pub fn first_missing(&self) -> Option<u64> {
        self.missing.first().map(|&(a, _)| a)
    }
    /// `true` if byte `offset` is missing.
    pub fn contains(&self, offset: u64) -> bool {
        self.missing.iter().any(|&(a, b)| a <= offset && offset <= b)
    }
    /// The missing ranges, `(first, last)` inclusive, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.missing.iter().copied()
    }
}

/// Cuts the missing bytes of a [`RangeSet`] into fragments a variant accepts.
///
/// Each missing range is sent from its start in pieces of [`fragment_len`](Self::fragment_len)
/// bytes (a multiple of 320 KiB for driveItem), the last piece of a range being what is left.
/// For a range that runs to the end of the file that short piece is the file's last fragment,
/// which the 320 KiB rule allows; a range the server asked for that ends before the end of the
/// file (Print's parallel segments) ends with its own short piece, since sending more would
/// overlap bytes the server has (416 `fragmentOverlap`).
///
/// ```
/// use bits_codec::graph::{FragmentPlanner, RangeSet, Variant};
/// // The canonical fragment, progress and completion examples: a 10,000,000-byte file in 3 × 320 KiB fragments.
/// let planner = FragmentPlanner::new(Variant::DriveItem, 983_040).unwrap();
/// let set = RangeSet::new(10_000_000).unwrap();
/// let plan: Vec<_> = planner.plan(&set).collect();
/// assert_eq!(plan.len(), 11);
/// assert_eq!(plan[0].to_string(), "bytes 0-983039/10000000");
/// assert_eq!(plan[10].to_string(), "bytes 9830400-9999999/10000000");
/// assert_eq!(planner.next_fragment(&set), Some(plan[0]));
/// assert!(FragmentPlanner::new(Variant::DriveItem, 1_000_000).is_err()); // not a 320 KiB multiple
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FragmentPlanner {
    variant: Variant,
    fragment_len: u64,
}

impl FragmentPlanner {
    /// A planner cutting `fragment_len`-byte fragments: more than 0, at most
    /// [`Variant::max_fragment_len`], a multiple of [`Variant::fragment_multiple`].
    pub fn new(variant: Variant, fragment_len: u64) -> Result<Self, RangeError> {
        if fragment_len == 0
            || fragment_len > variant.max_fragment_len()
            || !fragment_len.is_multiple_of(variant.fragment_multiple())
        {
            return Err(RangeError::FragmentLen(fragment_len));
        }
        Ok(Self { variant, fragment_len })
    }

    /// A planner with the variant's [`default_fragment_len`](Variant::default_fragment_len).
    pub fn for_variant(variant: Variant) -> Self {
        Self { variant, fragment_len: variant.default_fragment_len() }
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }
    /// The length of every full fragment.
    pub fn fragment_len(&self) -> u64 {
        self.fragment_len
    }

    /// The fragment to send next: the first piece of the first missing range.
    pub fn next_fragment(&self, set: &RangeSet) -> Option<ContentRange> {
        self.plan(set).next()
    }

    /// Every fragment that covers the missing bytes, in order, each byte once.
    pub fn plan<'s>(&self, set: &'s RangeSet) -> Fragments<'s> {
        Fragments { ranges: set.missing.iter(), current: None, total: set.total, len: self.fragment_len }
    }
}

/// The fragments of a plan, in order ([`FragmentPlanner::plan`]).
#[derive(Debug, Clone)]
pub struct Fragments<'s> {
    ranges: core::slice::Iter<'s, (u64, u64)>,
    current: Option<(u64, u64)>,
    total: u64,
    len: u64,
}

impl Iterator for Fragments<'_> {
    type Item = ContentRange;

    fn next(&mut self) -> Option<ContentRange> {
        let (next, last) = match self.current {
            Some(c) => c,
            None => *self.ranges.next()?,
        };
        let end = last.min(next.saturating_add(self.len - 1));
        self.current = if end < last { Some((end + 1, last)) } else { None };
        ContentRange::new(next, end, self.total).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_the_documented_arithmetic() {
        assert_eq!(Variant::DriveItem.max_fragment_len(), 62_586_880);
        assert!(Variant::DriveItem.max_fragment_len() < 60 * 1024 * 1024);
        assert_eq!(Variant::DriveItem.default_fragment_len(), 10 * 1024 * 1024);
        assert!(FragmentPlanner::new(Variant::DriveItem, 192 * DRIVE_ITEM_FRAGMENT_MULTIPLE).is_err());
        assert!(FragmentPlanner::new(Variant::OutlookAttachment, 2_097_152).is_ok());
        assert!(FragmentPlanner::new(Variant::OutlookAttachment, 4_000_000).is_err());
        assert!(FragmentPlanner::new(Variant::PrintDocument, 0).is_err());
    }

    #[test]
    fn received_fragments_leave_the_set() {
        let mut s = RangeSet::new(100).unwrap();
        s.mark_received(ContentRange::new(10, 19, 100).unwrap()).unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), [(0, 9), (20, 99)]);
        assert!(s.mark_received(ContentRange::new(0, 1, 99).unwrap()).is_err());
        s.apply(&[]).unwrap();
        assert!(s.is_complete());
        s.apply(&[RangeSpec::open(50), RangeSpec::closed(40, 60).unwrap(), RangeSpec::open(2)]).unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), [(2, 99)]);
    }
}
