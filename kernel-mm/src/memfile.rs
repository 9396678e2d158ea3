//! `MemoryFile`: all application memory, one memfd mapped whole into the Sentry.
//!
//! Pages are handed out by a first-fit extent allocator with per-page reference counts
//! (shared by copy-on-write and the page cache). A page whose count drops to zero is
//! returned to the host with `fallocate(PUNCH_HOLE)`, so freed memory stops costing RSS and
//! every page handed out reads as zeros. This is the one module of the crate that touches
//! raw memory; everything else goes through `read`/`write`/`zero`.

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::AtomicU32;
use std::sync::Mutex;

use kernel_abi::{errno, KResult, PAGE_SIZE};

/// The application memory file.
pub struct MemoryFile {
    fd: OwnedFd,
    base: usize,
    size: u64,
    alloc: Mutex<Allocator>,
}

#[derive(Default)]
struct Allocator {
    /// Free extents below `top`: start -> length, coalesced.
    free: BTreeMap<u64, u64>,
    /// Everything at or above `top` has never been handed out.
    top: u64,
    /// Reference count of every allocated page, by offset.
    refs: HashMap<u64, u32>,
}

impl MemoryFile {
    /// Create a memory file of `size` bytes (sparse) and map it into the Sentry.
    pub fn new(size: u64) -> std::io::Result<MemoryFile> {
        let fd = memfd_create()?;
        // SAFETY: fd is a valid memfd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size as libc::off_t) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let base = map_shared(fd.as_raw_fd(), size)?;
        Ok(MemoryFile { fd, base, size, alloc: Mutex::new(Allocator::default()) })
    }

    /// The host fd, for platforms to map from.
    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Size of the file in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Allocator> {
        // A poisoned allocator still holds consistent data: every mutation is completed
        // before anything that can panic.
        self.alloc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allocate `pages` contiguous zeroed pages, each with one reference. ENOMEM when full.
    pub fn allocate(&self, pages: u64) -> KResult<u64> {
        let len = pages.checked_mul(PAGE_SIZE).filter(|&l| l > 0).ok_or(errno!(EINVAL, "bad allocation size"))?;
        let mut a = self.lock();
        let found = a.free.iter().find(|(_, &l)| l >= len).map(|(&s, &l)| (s, l));
        let start = match found {
            Some((s, l)) => {
                a.free.remove(&s);
                if l > len {
                    a.free.insert(s + len, l - len);
                }
                s
            }
            None => {
                let s = a.top;
                if s.checked_add(len).is_none_or(|e| e > self.size) {
                    return Err(errno!(ENOMEM, "memory file exhausted"));
                }
                a.top = s + len;
                s
            }
        };
        for i in 0..pages {
            a.refs.insert(start + i * PAGE_SIZE, 1);
        }
        Ok(start)
    }

    /// Take another reference on the page at `off`.
    pub fn inc_ref(&self, off: u64) {
        let mut a = self.lock();
        if let Some(r) = a.refs.get_mut(&off) {
            *r += 1;
        } else {
            log::error!("memory file: inc_ref of unallocated page {off:#x}");
        }
    }

    /// Drop a reference on the page at `off`; the last one frees it.
    pub fn dec_ref(&self, off: u64) {
        let mut a = self.lock();
        let Some(r) = a.refs.get_mut(&off) else {
            log::error!("memory file: dec_ref of unallocated page {off:#x}");
            return;
        };
        *r -= 1;
        if *r > 0 {
            return;
        }
        a.refs.remove(&off);
        self.punch(off, PAGE_SIZE);
        a.release(off, PAGE_SIZE);
    }

    /// Current reference count of the page at `off` (0: free).
    pub fn ref_count(&self, off: u64) -> u32 {
        self.lock().refs.get(&off).copied().unwrap_or(0)
    }

    /// Number of allocated pages.
    pub fn allocated_pages(&self) -> usize {
        self.lock().refs.len()
    }

    fn punch(&self, off: u64, len: u64) {
        // SAFETY: fallocate on our own memfd; the range lies inside the file.
        let r = unsafe {
            libc::fallocate(
                self.fd.as_raw_fd(),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                off as libc::off_t,
                len as libc::off_t,
            )
        };
        if r != 0 {
            // Without the punch the page is not zero: zero it by hand so the invariant holds.
            log::warn!("memory file: punch hole failed: {}", std::io::Error::last_os_error());
            self.fill_zero(off, len);
        }
    }

    fn check(&self, off: u64, len: usize) -> KResult<()> {
        match off.checked_add(len as u64) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(errno!(EFAULT, "memory file range out of bounds")),
        }
    }

    /// Copy bytes out of the memory file.
    pub fn read(&self, off: u64, dst: &mut [u8]) -> KResult<()> {
        self.check(off, dst.len())?;
        copy_from_file(self.base + off as usize, dst);
        Ok(())
    }

    /// Copy bytes into the memory file.
    pub fn write(&self, off: u64, src: &[u8]) -> KResult<()> {
        self.check(off, src.len())?;
        copy_to_file(self.base + off as usize, src);
        Ok(())
    }

    /// Zero a range of the memory file.
    pub fn zero(&self, off: u64, len: u64) -> KResult<()> {
        self.check(off, len as usize)?;
        self.fill_zero(off, len);
        Ok(())
    }

    /// Run `f` on the aligned 32-bit word at `off` as an atomic, so that read-modify-write
    /// operations (futex word updates) are atomic against application threads writing
    /// the same memory on other CPUs.
    pub fn with_atomic_u32<R>(&self, off: u64, f: impl FnOnce(&AtomicU32) -> R) -> KResult<R> {
        self.check(off, 4)?;
        if !off.is_multiple_of(4) {
            return Err(errno!(EINVAL, "unaligned atomic word"));
        }
        Ok(f(self.atomic_at(off)))
    }

    fn atomic_at(&self, off: u64) -> &AtomicU32 {
        // SAFETY: `off` is 4-byte aligned and inside our shared mapping (checked by the
        // caller), which lives as long as `self`; AtomicU32 has the layout of u32 and
        // every bit pattern is valid. Other writers (application threads) use the same
        // memory only through atomic-capable CPU accesses.
        unsafe { &*((self.base + off as usize) as *const AtomicU32) }
    }

    /// Copy one page's contents to another page.
    pub fn copy_page(&self, from: u64, to: u64) -> KResult<()> {
        let mut buf = vec![0u8; PAGE_SIZE as usize];
        self.read(from, &mut buf)?;
        self.write(to, &buf)
    }

    fn fill_zero(&self, off: u64, len: u64) {
        // SAFETY: callers checked that [off, off+len) lies inside our mapping.
        unsafe { zero_opaque((self.base + off as usize) as *mut u8, len as usize) };
    }
}

impl Allocator {
    fn release(&mut self, off: u64, len: u64) {
        let mut start = off;
        let mut len = len;
        if let Some((&ps, &pl)) = self.free.range(..off).next_back() {
            if ps + pl == off {
                self.free.remove(&ps);
                start = ps;
                len += pl;
            }
        }
        if let Some(&nl) = self.free.get(&(off + PAGE_SIZE)) {
            self.free.remove(&(off + PAGE_SIZE));
            len += nl;
        }
        if start + len == self.top {
            self.top = start;
        } else {
            self.free.insert(start, len);
        }
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`; no references into it survive
        // the MemoryFile because all access copies.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.size as usize) };
    }
}

fn memfd_create() -> std::io::Result<OwnedFd> {
    // SAFETY: the name is a valid NUL-terminated string.
    let fd = unsafe { libc::memfd_create(c"rvisor-memory".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn map_shared(fd: RawFd, size: u64) -> std::io::Result<usize> {
    // SAFETY: a new shared mapping of our memfd at a kernel-chosen address.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_NORESERVE,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    Ok(p as usize)
}

// Application memory may change under these copies (a stub thread writing at the same
// time). Rust's memory model has no notion of a race with another process, so the copies
// are done by `rep movsb`/`rep stosb` in inline assembly, which the compiler treats as an
// opaque access: it cannot assume the bytes are stable or elide the access. No reference
// to the shared memory is ever formed.
fn copy_from_file(src: usize, dst: &mut [u8]) {
    // SAFETY: `src..src+len` lies inside the memory file mapping (checked by the caller)
    // and never overlaps a Sentry buffer; `dst` is a valid buffer of `len` bytes.
    unsafe { copy_opaque(dst.as_mut_ptr(), src as *const u8, dst.len()) };
}

fn copy_to_file(dst: usize, src: &[u8]) {
    // SAFETY: as for `copy_from_file`, in the other direction.
    unsafe { copy_opaque(dst as *mut u8, src.as_ptr(), src.len()) };
}

/// Copy `len` bytes with `rep movsb`.
///
/// # Safety
///
/// `src` must be valid for `len` reads and `dst` for `len` writes, not overlapping.
unsafe fn copy_opaque(dst: *mut u8, src: *const u8, len: usize) {
    // SAFETY: guaranteed by the caller; the direction flag is clear per the ABI.
    unsafe {
        std::arch::asm!(
            "rep movsb",
            inout("rcx") len => _,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        )
    };
}

/// Zero `len` bytes with `rep stosb`.
///
/// # Safety
///
/// `dst` must be valid for `len` writes.
unsafe fn zero_opaque(dst: *mut u8, len: usize) {
    // SAFETY: guaranteed by the caller; the direction flag is clear per the ABI.
    unsafe {
        std::arch::asm!(
            "rep stosb",
            inout("rcx") len => _,
            inout("rdi") dst => _,
            in("al") 0u8,
            options(nostack, preserves_flags)
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Clone, Debug)]
    enum Op {
        Alloc(u64),
        IncRef(usize),
        DecRef(usize),
        Write(usize, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (1u64..5).prop_map(Op::Alloc),
            1 => any::<usize>().prop_map(Op::IncRef),
            3 => any::<usize>().prop_map(Op::DecRef),
            2 => (any::<usize>(), 1u8..).prop_map(|(i, b)| Op::Write(i, b)),
        ]
    }

    proptest! {
        /// The page allocator against a model (page -> references, the byte written): no
        /// two live allocations share a page, freed pages come back zeroed, counts match,
        /// and ENOMEM only when no run of free pages is long enough.
        #[test]
        fn allocator_matches_a_model(ops in proptest::collection::vec(op(), 0..120)) {
            const PAGES: u64 = 24;
            let mf = MemoryFile::new(PAGES * PAGE_SIZE).unwrap();
            let mut model: BTreeMap<u64, (u32, u8)> = BTreeMap::new();
            let nth = |m: &BTreeMap<u64, (u32, u8)>, i: usize| (!m.is_empty()).then(|| *m.keys().nth(i % m.len()).unwrap());
            for op in ops {
                match op {
                    Op::Alloc(n) => match mf.allocate(n) {
                        Ok(start) => {
                            prop_assert_eq!(start % PAGE_SIZE, 0);
                            prop_assert!(start + n * PAGE_SIZE <= PAGES * PAGE_SIZE);
                            for p in 0..n {
                                let off = start + p * PAGE_SIZE;
                                prop_assert!(!model.contains_key(&off), "page {:#x} handed out twice", off);
                                let mut b = [1u8; 1];
                                mf.read(off + 7, &mut b).unwrap();
                                prop_assert_eq!(b[0], 0, "a fresh page is not zero");
                                model.insert(off, (1, 0));
                            }
                        }
                        Err(e) => {
                            prop_assert_eq!(e.errno, kernel_abi::Errno::ENOMEM);
                            let longest = (0..PAGES)
                                .scan(0u64, |run, p| {
                                    *run = if model.contains_key(&(p * PAGE_SIZE)) { 0 } else { *run + 1 };
                                    Some(*run)
                                })
                                .max()
                                .unwrap_or(0);
                            prop_assert!(longest < n, "ENOMEM for {} pages with a free run of {}", n, longest);
                        }
                    },
                    Op::IncRef(i) => {
                        if let Some(off) = nth(&model, i) {
                            mf.inc_ref(off);
                            model.get_mut(&off).unwrap().0 += 1;
                        }
                    }
                    Op::DecRef(i) => {
                        if let Some(off) = nth(&model, i) {
                            mf.dec_ref(off);
                            let e = model.get_mut(&off).unwrap();
                            e.0 -= 1;
                            if e.0 == 0 {
                                model.remove(&off);
                            }
                        }
                    }
                    Op::Write(i, b) => {
                        if let Some(off) = nth(&model, i) {
                            mf.write(off + 7, &[b]).unwrap();
                            model.get_mut(&off).unwrap().1 = b;
                        }
                    }
                }
                prop_assert_eq!(mf.allocated_pages(), model.len());
                for (&off, &(refs, byte)) in &model {
                    prop_assert_eq!(mf.ref_count(off), refs);
                    let mut b = [0u8; 1];
                    mf.read(off + 7, &mut b).unwrap();
                    prop_assert_eq!(b[0], byte, "page {:#x} changed under its owner", off);
                }
            }
        }
    }

    #[test]
    fn allocate_write_read_free() {
        let mf = MemoryFile::new(1 << 24).unwrap();
        let a = mf.allocate(2).unwrap();
        let b = mf.allocate(1).unwrap();
        assert_ne!(a, b);
        mf.write(a + 10, b"hello").unwrap();
        let mut buf = [0u8; 5];
        mf.read(a + 10, &mut buf).unwrap();
        assert_eq!(&buf, b"hello");
        assert_eq!(mf.ref_count(a), 1);
        mf.inc_ref(a);
        mf.dec_ref(a);
        assert_eq!(mf.ref_count(a), 1);
        mf.dec_ref(a);
        assert_eq!(mf.ref_count(a), 0);
        // The freed page comes back zeroed.
        let c = mf.allocate(1).unwrap();
        assert_eq!(c, a);
        mf.read(c + 10, &mut buf).unwrap();
        assert_eq!(buf, [0; 5]);
    }

    #[test]
    fn exhaustion_is_enomem_and_bounds_are_efault() {
        let mf = MemoryFile::new(4 * PAGE_SIZE).unwrap();
        mf.allocate(4).unwrap();
        assert_eq!(mf.allocate(1).unwrap_err().errno, kernel_abi::Errno::ENOMEM);
        let mut buf = [0u8; 2];
        assert_eq!(mf.read(4 * PAGE_SIZE - 1, &mut buf).unwrap_err().errno, kernel_abi::Errno::EFAULT);
        assert_eq!(mf.read(u64::MAX, &mut buf).unwrap_err().errno, kernel_abi::Errno::EFAULT);
    }

    #[test]
    fn freed_extents_coalesce() {
        let mf = MemoryFile::new(64 * PAGE_SIZE).unwrap();
        let a = mf.allocate(4).unwrap();
        let _guard = mf.allocate(1).unwrap();
        for i in 0..4 {
            mf.dec_ref(a + i * PAGE_SIZE);
        }
        // Four single frees merge into one extent that satisfies a 4-page request.
        assert_eq!(mf.allocate(4).unwrap(), a);
    }
}
