//! The set of virtual memory areas of an address space, with Linux's split and merge rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use kernel_abi::flags::mman::{PROT_EXEC, PROT_READ, PROT_WRITE};

use crate::Mappable;

/// What backs a VMA.
#[derive(Clone)]
pub enum Backing {
    /// Private anonymous memory.
    Anon,
    /// An object (file page cache or shared anonymous memory); `offset` is the object
    /// offset of the VMA's start.
    Object {
        /// The object.
        obj: Arc<dyn Mappable>,
        /// Byte offset of `start` within the object.
        offset: u64,
    },
}

impl Backing {
    fn same_object(&self, other: &Backing) -> bool {
        match (self, other) {
            (Backing::Anon, Backing::Anon) => true,
            (Backing::Object { obj: a, .. }, Backing::Object { obj: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    fn advanced(&self, by: u64) -> Backing {
        match self {
            Backing::Anon => Backing::Anon,
            Backing::Object { obj, offset } => Backing::Object { obj: obj.clone(), offset: offset + by },
        }
    }

    /// Object offset at the VMA start, 0 for anonymous memory.
    pub fn offset(&self) -> u64 {
        match self {
            Backing::Anon => 0,
            Backing::Object { offset, .. } => *offset,
        }
    }
}

/// The label `/proc/self/maps` shows for anonymous areas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmaName {
    /// No label.
    None,
    /// `[heap]`
    Heap,
    /// `[stack]`
    Stack,
}

/// One virtual memory area.
#[derive(Clone)]
pub struct Vma {
    /// First address (page aligned).
    pub start: u64,
    /// One past the last address (page aligned).
    pub end: u64,
    /// PROT_* bits.
    pub prot: u32,
    /// The most `mprotect` may grant (a read-only shared file mapping never gets write).
    pub max_prot: u32,
    /// MAP_SHARED rather than MAP_PRIVATE.
    pub shared: bool,
    /// What backs it.
    pub backing: Backing,
    /// MAP_GROWSDOWN: grows down on faults just below it.
    pub growsdown: bool,
    /// mlock'ed.
    pub locked: bool,
    /// MADV_DONTFORK.
    pub dontfork: bool,
    /// Label for anonymous areas.
    pub name: VmaName,
}

impl Vma {
    /// An anonymous private area with default flags.
    pub fn anon(start: u64, end: u64, prot: u32) -> Vma {
        Vma {
            start,
            end,
            prot,
            max_prot: PROT_READ | PROT_WRITE | PROT_EXEC,
            shared: false,
            backing: Backing::Anon,
            growsdown: false,
            locked: false,
            dontfork: false,
            name: VmaName::None,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false: VMAs are never empty.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    fn same_flags(&self, o: &Vma) -> bool {
        self.prot == o.prot
            && self.max_prot == o.max_prot
            && self.shared == o.shared
            && self.growsdown == o.growsdown
            && self.locked == o.locked
            && self.dontfork == o.dontfork
            && self.name == o.name
            && self.backing.same_object(&o.backing)
    }

    /// Whether `next` can be merged onto the end of `self`.
    fn can_merge(&self, next: &Vma) -> bool {
        self.end == next.start
            && self.same_flags(next)
            && match (&self.backing, &next.backing) {
                (Backing::Object { offset: a, .. }, Backing::Object { offset: b, .. }) => {
                    a.checked_add(self.len()) == Some(*b)
                }
                _ => true,
            }
    }

    /// Split at `at` (strictly inside): `self` keeps the low part, the high part returns.
    fn split_off(&mut self, at: u64) -> Vma {
        let mut hi = self.clone();
        hi.start = at;
        hi.backing = self.backing.advanced(at - self.start);
        self.end = at;
        hi
    }
}

/// Non-overlapping VMAs keyed by start address, kept maximally merged.
#[derive(Clone, Default)]
pub struct VmaSet {
    map: BTreeMap<u64, Vma>,
}

impl VmaSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The VMA containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.map.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
    }

    /// The first VMA that ends above `addr`.
    pub fn next_from(&self, addr: u64) -> Option<&Vma> {
        if let Some(v) = self.find(addr) {
            return Some(v);
        }
        self.map.range(addr..).next().map(|(_, v)| v)
    }

    /// The last VMA that starts below `addr`.
    pub fn prev_before(&self, addr: u64) -> Option<&Vma> {
        self.map.range(..addr).next_back().map(|(_, v)| v)
    }

    /// All VMAs in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }

    /// Number of VMAs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no VMA exists.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Total mapped bytes.
    pub fn total_bytes(&self) -> u64 {
        self.map.values().map(Vma::len).sum()
    }

    /// Whether `[start, end)` intersects no VMA.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.next_from(start).is_none_or(|v| v.start >= end)
    }

    /// Whether every byte of `[start, end)` is covered by VMAs.
    pub fn is_covered(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some(v) => at = v.end,
                None => return false,
            }
        }
        true
    }

    /// VMAs intersecting `[start, end)`, clipped to it (clones).
    pub fn clipped(&self, start: u64, end: u64) -> Vec<Vma> {
        let mut out = Vec::new();
        let mut at = start;
        while let Some(v) = self.next_from(at) {
            if v.start >= end {
                break;
            }
            let mut c = v.clone();
            if c.start < start {
                c = c.clone().split_off(start);
            }
            if c.end > end {
                c.end = end;
            }
            at = v.end;
            out.push(c);
        }
        out
    }

    fn split_at(&mut self, at: u64) {
        let Some(start) = self.find(at).map(|v| v.start) else {
            return;
        };
        if start == at {
            return;
        }
        if let Some(v) = self.map.get_mut(&start) {
            let hi = v.split_off(at);
            self.map.insert(at, hi);
        }
    }

    /// Remove `[start, end)`, splitting VMAs at the edges; returns the removed pieces.
    pub fn remove(&mut self, start: u64, end: u64) -> Vec<Vma> {
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.map.range(start..end).map(|(&k, _)| k).collect();
        keys.into_iter().filter_map(|k| self.map.remove(&k)).collect()
    }

    /// Insert a VMA over a free range (callers remove first), merging with neighbours.
    pub fn insert(&mut self, vma: Vma) {
        debug_assert!(self.is_free(vma.start, vma.end));
        let (start, end) = (vma.start, vma.end);
        self.map.insert(start, vma);
        self.merge_around(start, end);
    }

    /// Apply `f` to every VMA piece in `[start, end)` (split at the edges), then re-merge.
    pub fn update(&mut self, start: u64, end: u64, mut f: impl FnMut(&mut Vma)) {
        self.split_at(start);
        self.split_at(end);
        for (_, v) in self.map.range_mut(start..end) {
            f(v);
        }
        self.merge_around(start, end);
    }

    /// Re-merge everything from the VMA before `start` to the one after `end`.
    fn merge_around(&mut self, start: u64, end: u64) {
        let first = self.prev_before(start).map(|v| v.start).unwrap_or(start);
        let mut keys: Vec<u64> = self.map.range(first..=end).map(|(&k, _)| k).collect();
        keys.dedup();
        let mut i = 0;
        while i + 1 < keys.len() {
            let (a, b) = (keys[i], keys[i + 1]);
            let mergeable = match (self.map.get(&a), self.map.get(&b)) {
                (Some(x), Some(y)) => x.can_merge(y),
                _ => false,
            };
            if mergeable {
                if let Some(y) = self.map.remove(&b) {
                    if let Some(x) = self.map.get_mut(&a) {
                        x.end = y.end;
                    }
                }
                keys.remove(i + 1);
            } else {
                i += 1;
            }
        }
    }

    /// Move the start of the VMA at `old_start` down to `new_start` (stack growth).
    pub fn extend_down(&mut self, old_start: u64, new_start: u64) {
        if let Some(mut v) = self.map.remove(&old_start) {
            v.start = new_start;
            self.map.insert(new_start, v);
        }
    }

    /// The highest free range of `len` bytes within `[lo, hi)`.
    pub fn find_gap_top_down(&self, len: u64, lo: u64, hi: u64) -> Option<u64> {
        let mut top = hi;
        for v in self.map.range(..hi).rev().map(|(_, v)| v) {
            if v.end <= top {
                if let Some(s) = top.checked_sub(len) {
                    if s >= v.end && s >= lo {
                        return Some(s);
                    }
                }
            }
            top = top.min(v.start);
            if top < lo {
                return None;
            }
        }
        top.checked_sub(len).filter(|&s| s >= lo)
    }

    /// The lowest free range of `len` bytes within `[lo, hi)`.
    pub fn find_gap_bottom_up(&self, len: u64, lo: u64, hi: u64) -> Option<u64> {
        let mut at = lo;
        loop {
            let end = at.checked_add(len)?;
            if end > hi {
                return None;
            }
            match self.next_from(at) {
                Some(v) if v.start < end => at = v.end,
                _ => return Some(at),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap as Model;

    const P: u64 = 4096;

    #[derive(Debug, Clone)]
    enum Op {
        Map { page: u64, pages: u64, prot: u32 },
        Unmap { page: u64, pages: u64 },
        Protect { page: u64, pages: u64, prot: u32 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..64u64, 1..16u64, 0..8u32).prop_map(|(page, pages, prot)| Op::Map { page, pages, prot }),
            (0..64u64, 1..16u64).prop_map(|(page, pages)| Op::Unmap { page, pages }),
            (0..64u64, 1..16u64, 0..8u32).prop_map(|(page, pages, prot)| Op::Protect { page, pages, prot }),
        ]
    }

    fn check(set: &VmaSet, model: &Model<u64, u32>) {
        let mut last_end = 0;
        let mut prev: Option<&Vma> = None;
        let mut seen = Model::new();
        for v in set.iter() {
            assert!(v.start < v.end, "empty vma");
            assert!(v.start >= last_end, "overlap");
            assert!(v.start % P == 0 && v.end % P == 0);
            if let Some(p) = prev {
                assert!(!p.can_merge(v), "adjacent mergeable VMAs left unmerged");
            }
            for pg in (v.start / P)..(v.end / P) {
                seen.insert(pg, v.prot);
            }
            last_end = v.end;
            prev = Some(v);
        }
        assert_eq!(&seen, model);
    }

    proptest! {
        #[test]
        fn vma_set_matches_page_model(ops in proptest::collection::vec(op(), 1..60)) {
            let mut set = VmaSet::new();
            let mut model: Model<u64, u32> = Model::new();
            for op in ops {
                match op {
                    Op::Map { page, pages, prot } => {
                        let (s, e) = (page * P, (page + pages) * P);
                        set.remove(s, e);
                        set.insert(Vma::anon(s, e, prot));
                        for pg in page..page + pages { model.insert(pg, prot); }
                    }
                    Op::Unmap { page, pages } => {
                        set.remove(page * P, (page + pages) * P);
                        for pg in page..page + pages { model.remove(&pg); }
                    }
                    Op::Protect { page, pages, prot } => {
                        set.update(page * P, (page + pages) * P, |v| v.prot = prot);
                        for pg in page..page + pages {
                            if let Some(p) = model.get_mut(&pg) { *p = prot; }
                        }
                    }
                }
                check(&set, &model);
                // Lookups agree with the model everywhere.
                for pg in 0..80u64 {
                    prop_assert_eq!(set.find(pg * P + 5).map(|v| v.prot), model.get(&pg).copied());
                }
            }
        }

        #[test]
        fn gaps_are_free_and_in_bounds(ops in proptest::collection::vec((0..64u64, 1..8u64), 0..20), len in 1..8u64) {
            let mut set = VmaSet::new();
            for (page, pages) in ops {
                set.remove(page * P, (page + pages) * P);
                set.insert(Vma::anon(page * P, (page + pages) * P, 3));
            }
            let (lo, hi) = (4 * P, 60 * P);
            if let Some(s) = set.find_gap_top_down(len * P, lo, hi) {
                prop_assert!(s >= lo && s + len * P <= hi);
                prop_assert!(set.is_free(s, s + len * P));
                // Nothing higher fits.
                for t in (s / P + 1)..=(hi / P - len) {
                    prop_assert!(!set.is_free(t * P, (t + len) * P));
                }
            } else {
                for t in (lo / P)..=(hi / P - len) {
                    prop_assert!(!set.is_free(t * P, (t + len) * P));
                }
            }
            if let Some(s) = set.find_gap_bottom_up(len * P, lo, hi) {
                prop_assert!(set.is_free(s, s + len * P) && s >= lo && s + len * P <= hi);
                for t in (lo / P)..(s / P) {
                    prop_assert!(!set.is_free(t * P, (t + len) * P));
                }
            }
        }
    }

    #[test]
    fn clipped_returns_pieces_with_offsets() {
        let mut set = VmaSet::new();
        set.insert(Vma::anon(0x1000, 0x5000, 3));
        let c = set.clipped(0x2000, 0x3000);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].start, c[0].end), (0x2000, 0x3000));
        assert!(set.is_covered(0x1000, 0x5000));
        assert!(!set.is_covered(0x1000, 0x6000));
    }
}
