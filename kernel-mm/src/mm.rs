//! `MemoryManager`: the VMAs of one address space, the pages behind them and the stub's
//! view of them.
//!
//! Each page the application has touched has a [`Pte`]: the memory-file page behind it,
//! whether that page is this mapping's own private copy, and what protection (if any) the
//! stub currently maps it with. A private page that is not exclusively ours (a file's
//! page-cache page, or a page shared after fork) is mapped without write; the write fault
//! that follows copies it. ptrace does not say whether a fault was a read or a write, so
//! the manager infers it: a fault on a page already mapped with everything the VMA and
//! copy-on-write state allow is either a copy-on-write break or a real SIGSEGV.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::flags::mman::*;
use kernel_abi::flags::signal::{SEGV_ACCERR, SEGV_MAPERR};
use kernel_abi::{errno, page_down, page_up, return_errno, Error, KResult, Pod, PAGE_SIZE};
use platform::{Access, AddressSpace};

use crate::vma::{Backing, Vma, VmaName, VmaSet};
use crate::{Mappable, MemoryFile};

const P: u64 = PAGE_SIZE;
/// Pages faulted in around a faulting page (an aligned window).
const FAULT_AROUND_PAGES: u64 = 16;
/// Linux's `stack_guard_gap`: a growing stack stays this far from the mapping below.
const STACK_GUARD_GAP: u64 = 256 * P;
/// Where MAP_32BIT mappings go (Linux: the second gigabyte).
const MAP32_LO: u64 = 0x4000_0000;
const MAP32_HI: u64 = 0x8000_0000;

/// How a fault that cannot be resolved is reported to the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// SIGSEGV with this `si_code` (SEGV_MAPERR or SEGV_ACCERR).
    Segv(i32),
    /// SIGBUS (a file page beyond the end of the file).
    Bus,
    /// The page is already mapped with everything its area allows. Either the access
    /// was not allowed (a protection fault: SIGSEGV with SEGV_ACCERR), or another thread
    /// mapped the page after this fault happened and the access will now succeed. The
    /// platform cannot tell which; the caller retries once and treats a repeat as the
    /// protection fault.
    Mapped,
    /// The Sentry could not update the stub (the stub is gone or memory is exhausted).
    Fatal(Error),
}

/// Per-process resource limits the memory manager enforces (bytes; `u64::MAX`: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmLimits {
    /// RLIMIT_AS.
    pub address_space: u64,
    /// RLIMIT_DATA.
    pub data: u64,
    /// RLIMIT_STACK.
    pub stack: u64,
    /// RLIMIT_MEMLOCK.
    pub memlock: u64,
}

impl Default for MmLimits {
    fn default() -> Self {
        MmLimits { address_space: u64::MAX, data: u64::MAX, stack: 8 << 20, memlock: 8 << 20 }
    }
}

/// Arguments of [`MemoryManager::mmap`], validated by the syscall layer as far as fds go.
#[derive(Clone)]
pub struct MmapArgs {
    /// Address hint, or the address for MAP_FIXED.
    pub addr: u64,
    /// Length in bytes (rounded up to pages here).
    pub len: u64,
    /// PROT_* bits.
    pub prot: u32,
    /// MAP_* flags.
    pub flags: u32,
    /// The mapped object; `None` for anonymous memory.
    pub object: Option<Arc<dyn Mappable>>,
    /// Object offset.
    pub offset: u64,
    /// The most protection this mapping may ever have (from the file's open mode).
    pub max_prot: u32,
    /// Label for anonymous memory.
    pub name: VmaName,
    /// The caller may lock memory beyond RLIMIT_MEMLOCK (CAP_IPC_LOCK).
    pub privileged: bool,
}

impl MmapArgs {
    /// Anonymous private memory.
    pub fn anon(addr: u64, len: u64, prot: u32, flags: u32) -> Self {
        MmapArgs {
            addr,
            len,
            prot,
            flags: flags | MAP_ANONYMOUS,
            object: None,
            offset: 0,
            max_prot: PROT_READ | PROT_WRITE | PROT_EXEC,
            name: VmaName::None,
            privileged: false,
        }
    }
}

/// One touched page.
#[derive(Clone, Copy, Debug)]
struct Pte {
    /// Memory-file offset of the page.
    off: u64,
    /// The page is this private mapping's own copy (copy-on-write applies only while its
    /// reference count is above one). False for page-cache and shared pages.
    owned: bool,
    /// Protection the stub maps it with, if mapped.
    mapped: Option<u32>,
}

struct State {
    vmas: VmaSet,
    ptes: BTreeMap<u64, Pte>,
    brk_start: u64,
    brk: u64,
    mmap_base: u64,
    limits: MmLimits,
    lock_future: bool,
}

impl State {
    fn empty(max_addr: u64) -> State {
        State {
            vmas: VmaSet::new(),
            ptes: BTreeMap::new(),
            brk_start: 0,
            brk: 0,
            mmap_base: max_addr,
            limits: MmLimits::default(),
            lock_future: false,
        }
    }
}

/// The memory of one address space.
pub struct MemoryManager {
    mf: Arc<MemoryFile>,
    space: Arc<dyn AddressSpace>,
    min_addr: u64,
    max_addr: u64,
    state: Mutex<State>,
}

fn platform_err(e: platform::Error) -> Error {
    log::error!("address space update failed: {e}");
    errno!(EFAULT, "address space update failed")
}

impl MemoryManager {
    /// An empty address space over `space`, allowing addresses in `[min_addr, max_addr)`.
    pub fn new(mf: Arc<MemoryFile>, space: Arc<dyn AddressSpace>, min_addr: u64, max_addr: u64) -> Self {
        MemoryManager { mf, space, min_addr, max_addr, state: Mutex::new(State::empty(max_addr)) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The platform address space (for contexts to switch into).
    pub fn address_space(&self) -> &Arc<dyn AddressSpace> {
        &self.space
    }

    /// The memory file.
    pub fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.mf
    }

    /// Highest address + 1 available to the application.
    pub fn max_address(&self) -> u64 {
        self.max_addr
    }

    /// Set where top-down mmap allocation starts (below the stack gap).
    pub fn set_mmap_base(&self, base: u64) {
        self.lock().mmap_base = base.min(self.max_addr);
    }

    /// The mmap base.
    pub fn mmap_base(&self) -> u64 {
        self.lock().mmap_base
    }

    /// Set the program break's start (the loader calls this after the ELF's bss).
    pub fn set_brk_start(&self, start: u64) {
        let mut st = self.lock();
        st.brk_start = start;
        st.brk = start;
    }

    /// Replace the enforced resource limits.
    pub fn set_limits(&self, limits: MmLimits) {
        self.lock().limits = limits;
    }

    /// Total bytes mapped.
    pub fn total_mapped(&self) -> u64 {
        self.lock().vmas.total_bytes()
    }

    // ---------------------------------------------------------------------------------
    // Page state

    fn effective_prot(&self, vma: &Vma, pte: &Pte) -> u32 {
        if vma.shared || (pte.owned && self.mf.ref_count(pte.off) == 1) {
            vma.prot
        } else {
            vma.prot & !PROT_WRITE
        }
    }

    /// Create the page for `page` (absent) in `vma`; `write` copies private file pages now.
    fn populate_page(&self, st: &mut State, vma: &Vma, page: u64, write: bool) -> Result<Pte, FaultError> {
        let pte = match &vma.backing {
            Backing::Anon => {
                let off = self.mf.allocate(1).map_err(FaultError::Fatal)?;
                Pte { off, owned: true, mapped: None }
            }
            Backing::Object { obj, offset } => {
                let off = obj.get_page(offset + (page - vma.start)).map_err(|e| match e.errno {
                    kernel_abi::Errno::EFAULT => FaultError::Bus,
                    _ => FaultError::Fatal(e),
                })?;
                let mut pte = Pte { off, owned: false, mapped: None };
                if write && !vma.shared {
                    pte = self.copy_page(pte).map_err(FaultError::Fatal)?;
                }
                pte
            }
        };
        st.ptes.insert(page, pte);
        Ok(pte)
    }

    /// Give a private page its own copy (no stub update).
    fn copy_page(&self, pte: Pte) -> KResult<Pte> {
        let new = self.mf.allocate(1)?;
        if let Err(e) = self.mf.copy_page(pte.off, new) {
            self.mf.dec_ref(new);
            return Err(e);
        }
        self.mf.dec_ref(pte.off);
        Ok(Pte { off: new, owned: true, mapped: pte.mapped })
    }

    /// Make the private page at `page` writable by this address space alone.
    fn break_cow(&self, st: &mut State, vma: &Vma, page: u64) -> KResult<Pte> {
        let Some(mut pte) = st.ptes.get(&page).copied() else {
            return Err(errno!(EFAULT, "copy-on-write of an absent page"));
        };
        if !(pte.owned && self.mf.ref_count(pte.off) == 1) {
            pte = self.copy_page(pte)?;
        }
        if pte.mapped.is_some() {
            let eff = self.effective_prot(vma, &pte);
            self.space.map(page, P, pte.off, eff).map_err(platform_err)?;
            pte.mapped = Some(eff);
        }
        st.ptes.insert(page, pte);
        Ok(pte)
    }

    /// Map pages of `[start, end)` (within `vma`) that have a PTE but no stub mapping, in as
    /// few calls as contiguity allows.
    fn map_present(&self, st: &mut State, vma: &Vma, start: u64, end: u64) -> KResult<()> {
        let mut runs: Vec<(u64, u64, u64, u32)> = Vec::new(); // (addr, len, off, prot)
        let pages: Vec<(u64, Pte)> = st.ptes.range(start..end).map(|(&a, &p)| (a, p)).collect();
        for (addr, pte) in pages {
            if pte.mapped.is_some() {
                continue;
            }
            let eff = self.effective_prot(vma, &pte);
            match runs.last_mut() {
                Some(r) if r.0 + r.1 == addr && r.2 + r.1 == pte.off && r.3 == eff => r.1 += P,
                _ => runs.push((addr, P, pte.off, eff)),
            }
            if let Some(p) = st.ptes.get_mut(&addr) {
                p.mapped = Some(eff);
            }
        }
        for (addr, len, off, prot) in runs {
            self.space.map(addr, len, off, prot).map_err(platform_err)?;
        }
        Ok(())
    }

    /// Give every absent page of `[start, end)` (within `vma`) a PTE; anonymous runs are
    /// allocated contiguously so they map in one call. Stops quietly at the first object
    /// page that does not exist, unless it is `must` (then SIGBUS).
    fn populate_range(
        &self,
        st: &mut State,
        vma: &Vma,
        start: u64,
        end: u64,
        must: Option<u64>,
    ) -> Result<(), FaultError> {
        let mut addr = start;
        while addr < end {
            if st.ptes.contains_key(&addr) {
                addr += P;
                continue;
            }
            match &vma.backing {
                Backing::Anon => {
                    let mut run_end = addr + P;
                    while run_end < end && !st.ptes.contains_key(&run_end) {
                        run_end += P;
                    }
                    let n = (run_end - addr) / P;
                    let off = self.mf.allocate(n).map_err(FaultError::Fatal)?;
                    for i in 0..n {
                        st.ptes.insert(addr + i * P, Pte { off: off + i * P, owned: true, mapped: None });
                    }
                    addr = run_end;
                }
                Backing::Object { .. } => match self.populate_page(st, vma, addr, false) {
                    Ok(_) => addr += P,
                    Err(FaultError::Bus) if must != Some(addr) => return Ok(()),
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(())
    }

    /// Grow a MAP_GROWSDOWN VMA down to cover `addr`, if Linux would.
    fn grow_stack(&self, st: &mut State, addr: u64) -> Option<Vma> {
        let next = st.vmas.next_from(addr)?.clone();
        if !next.growsdown || next.start <= addr {
            return None;
        }
        let new_start = page_down(addr);
        if new_start < self.min_addr || next.end - new_start > st.limits.stack {
            return None;
        }
        if let Some(prev) = st.vmas.prev_before(next.start) {
            if prev.end.saturating_add(STACK_GUARD_GAP) > new_start {
                return None;
            }
        }
        if st.vmas.total_bytes() + (next.start - new_start) > st.limits.address_space {
            return None;
        }
        st.vmas.extend_down(next.start, new_start);
        st.vmas.find(addr).cloned()
    }

    /// Resolve an application page fault at `addr`.
    pub fn handle_fault(&self, addr: u64, access: Access) -> Result<(), FaultError> {
        let mut st = self.lock();
        let page = page_down(addr);
        let vma = match st.vmas.find(addr).cloned() {
            Some(v) => v,
            None => self.grow_stack(&mut st, addr).ok_or(FaultError::Segv(SEGV_MAPERR))?,
        };
        let rwx = PROT_READ | PROT_WRITE | PROT_EXEC;
        if vma.prot & rwx == 0
            || (access.exec && vma.prot & PROT_EXEC == 0)
            || (access.write && vma.prot & PROT_WRITE == 0)
        {
            return Err(FaultError::Segv(SEGV_ACCERR));
        }
        if let Some(pte) = st.ptes.get(&page).copied() {
            let eff = self.effective_prot(&vma, &pte);
            if pte.mapped == Some(eff) {
                // Mapped with everything allowed: a write to a copy-on-write page, or a
                // real protection fault. A page already mapped executable cannot take an
                // instruction-fetch fault, so a platform's "exec" guess (fault on the page
                // of rip) is then a data access.
                let exec = access.exec && eff & PROT_EXEC == 0;
                if vma.prot & PROT_WRITE != 0 && eff & PROT_WRITE == 0 && !exec {
                    self.break_cow(&mut st, &vma, page).map_err(FaultError::Fatal)?;
                    return Ok(());
                }
                return Err(FaultError::Mapped);
            }
            if pte.mapped.is_some() {
                // Mapped with less than now allowed (after mprotect or a copy elsewhere).
                self.space.map(page, P, pte.off, eff).map_err(|e| FaultError::Fatal(platform_err(e)))?;
                if let Some(p) = st.ptes.get_mut(&page) {
                    p.mapped = Some(eff);
                }
                return Ok(());
            }
        }
        // File pages: an aligned window (like Linux mapping what the page cache holds).
        // Anonymous pages: one page, unless the page below is already there, which marks
        // a sequential touch; then the window runs forward from the fault. Sparse touches
        // so stay exact for mincore, and a sequential sweep faults once per window.
        let (win_start, win_end) = match vma.backing {
            Backing::Object { .. } => {
                let s = (page & !(FAULT_AROUND_PAGES * P - 1)).max(vma.start);
                (s, (s + FAULT_AROUND_PAGES * P).min(vma.end))
            }
            Backing::Anon if page > vma.start && st.ptes.contains_key(&(page - P)) => {
                (page, (page + FAULT_AROUND_PAGES * P).min(vma.end))
            }
            Backing::Anon => (page, page + P),
        };
        // The faulting page must exist; the rest of the window is best effort.
        self.populate_range(&mut st, &vma, page, page + P, Some(page))?;
        if win_end - win_start > P {
            let _ = self.populate_range(&mut st, &vma, win_start, page, None);
            let _ = self.populate_range(&mut st, &vma, page + P, win_end, None);
        }
        self.map_present(&mut st, &vma, win_start, win_end).map_err(FaultError::Fatal)
    }

    // ---------------------------------------------------------------------------------
    // Application memory access

    /// The memory-file offset backing `page`, populating it (and breaking copy-on-write
    /// for writes) as the kernel's own access would. EFAULT when the access is not allowed.
    fn translate(&self, st: &mut State, page: u64, write: bool) -> KResult<u64> {
        let vma = match st.vmas.find(page).cloned() {
            Some(v) => v,
            None => self.grow_stack(st, page).ok_or(errno!(EFAULT))?,
        };
        let need = if write { PROT_WRITE } else { PROT_READ };
        if vma.prot & need == 0 {
            return_errno!(EFAULT);
        }
        let pte = match st.ptes.get(&page).copied() {
            Some(p) => p,
            None => self.populate_page(st, &vma, page, write).map_err(|e| match e {
                FaultError::Fatal(e) => e,
                _ => errno!(EFAULT),
            })?,
        };
        if write && self.effective_prot(&vma, &pte) & PROT_WRITE == 0 {
            return Ok(self.break_cow(st, &vma, page)?.off);
        }
        Ok(pte.off)
    }

    fn for_each_chunk(
        &self,
        addr: u64,
        len: usize,
        write: bool,
        mut f: impl FnMut(u64, usize, usize) -> KResult<()>,
    ) -> KResult<()> {
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len as u64).ok_or(errno!(EFAULT))?;
        if end > self.max_addr {
            return_errno!(EFAULT);
        }
        let mut st = self.lock();
        let mut at = addr;
        let mut done = 0usize;
        while at < end {
            let page = page_down(at);
            let n = ((page + P).min(end) - at) as usize;
            let off = self.translate(&mut st, page, write)?;
            f(off + (at - page), done, n)?;
            done += n;
            at += n as u64;
        }
        Ok(())
    }

    /// Copy application memory at `addr` into `dst`; EFAULT if any byte is not readable.
    pub fn copy_in(&self, addr: u64, dst: &mut [u8]) -> KResult<()> {
        let mf = self.mf.clone();
        self.for_each_chunk(addr, dst.len(), false, |off, at, n| mf.read(off, &mut dst[at..at + n]))
    }

    /// Copy `src` into application memory at `addr`; EFAULT if any byte is not writable.
    pub fn copy_out(&self, addr: u64, src: &[u8]) -> KResult<()> {
        let mf = self.mf.clone();
        self.for_each_chunk(addr, src.len(), true, |off, at, n| mf.write(off, &src[at..at + n]))
    }

    /// Zero `len` bytes of application memory at `addr`.
    pub fn zero_out(&self, addr: u64, len: u64) -> KResult<()> {
        let len = usize::try_from(len).map_err(|_| errno!(EFAULT))?;
        let mf = self.mf.clone();
        self.for_each_chunk(addr, len, true, |off, _, n| mf.zero(off, n as u64))
    }

    /// Run `f` atomically on the aligned 32-bit word at `addr` (EFAULT when not mapped
    /// readable, or writable if `write`; EINVAL when unaligned). Writes break
    /// copy-on-write first, like any kernel write.
    pub fn with_atomic_u32<R>(&self, addr: u64, write: bool, f: impl FnOnce(&AtomicU32) -> R) -> KResult<R> {
        if !addr.is_multiple_of(4) {
            return_errno!(EINVAL);
        }
        if addr.checked_add(4).is_none_or(|e| e > self.max_addr) {
            return_errno!(EFAULT);
        }
        let mut st = self.lock();
        let page = page_down(addr);
        let off = self.translate(&mut st, page, write)?;
        // The lock is held so that the page cannot be unmapped or replaced meanwhile.
        let r = self.mf.with_atomic_u32(off + (addr - page), f);
        drop(st);
        r
    }

    /// Where a process-shared futex at `addr` lives: the memory-file offset of the word
    /// for a shared mapping (the same in every process mapping it), `None` for a private
    /// one (whose futexes are private to this address space, as Linux keys them by mm).
    pub fn shared_futex_offset(&self, addr: u64) -> KResult<Option<u64>> {
        let mut st = self.lock();
        let page = page_down(addr);
        let vma = st.vmas.find(page).cloned().ok_or(errno!(EFAULT))?;
        if !vma.shared {
            return Ok(None);
        }
        let off = self.translate(&mut st, page, false)?;
        Ok(Some(off + (addr - page)))
    }

    /// Read a plain-old-data value.
    pub fn read_val<T: Pod>(&self, addr: u64) -> KResult<T> {
        let mut v = T::zeroed();
        self.copy_in(addr, bytemuck::bytes_of_mut(&mut v))?;
        Ok(v)
    }

    /// Write a plain-old-data value.
    pub fn write_val<T: Pod>(&self, addr: u64, v: &T) -> KResult<()> {
        self.copy_out(addr, bytemuck::bytes_of(v))
    }

    /// Read a NUL-terminated string of at most `max` bytes (without the NUL);
    /// ENAMETOOLONG when longer, EFAULT when unreadable before its end.
    pub fn copy_in_cstr(&self, addr: u64, max: usize) -> KResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = addr;
        loop {
            // The rest of `at`'s page (no overflow even on the last page of the space).
            let chunk = (P - (at & (P - 1))) as usize;
            let mut buf = vec![0u8; chunk];
            self.copy_in(at, &mut buf)?;
            if let Some(i) = buf.iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..i]);
                if out.len() > max {
                    return_errno!(ENAMETOOLONG);
                }
                return Ok(out);
            }
            out.extend_from_slice(&buf);
            if out.len() > max {
                return_errno!(ENAMETOOLONG);
            }
            at = at.checked_add(chunk as u64).ok_or(errno!(EFAULT))?;
        }
    }

    // ---------------------------------------------------------------------------------
    // The mmap family

    fn drop_ptes(&self, st: &mut State, start: u64, end: u64) -> KResult<()> {
        let mut mapped: Option<(u64, u64)> = None;
        for (&k, p) in st.ptes.range(start..end) {
            if p.mapped.is_some() {
                mapped = Some(mapped.map_or((k, k + P), |(s, _)| (s, k + P)));
            }
        }
        // Unmap before freeing: a page must never be reused while the stub still maps it.
        // If the stub cannot be updated the pages stay allocated (leaked, never reused).
        if let Some((s, e)) = mapped {
            self.space.unmap(s, e - s).map_err(platform_err)?;
        }
        let keys: Vec<u64> = st.ptes.range(start..end).map(|(&k, _)| k).collect();
        for k in keys {
            if let Some(p) = st.ptes.remove(&k) {
                self.mf.dec_ref(p.off);
            }
        }
        Ok(())
    }

    fn unmap_locked(&self, st: &mut State, start: u64, end: u64) -> KResult<()> {
        st.vmas.remove(start, end);
        self.drop_ptes(st, start, end)
    }

    /// munmap(2). Ranges up to the top of the x86_64 user address space are accepted;
    /// the part above this address space's limit (the platform's reserve) holds nothing.
    pub fn munmap(&self, addr: u64, len: u64) -> KResult<()> {
        const TASK_SIZE: u64 = 0x7fff_ffff_f000;
        if len == 0 || !addr.is_multiple_of(P) {
            return_errno!(EINVAL);
        }
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(EINVAL))?;
        if end > TASK_SIZE {
            return_errno!(EINVAL);
        }
        let (start, end) = (addr.min(self.max_addr), end.min(self.max_addr));
        if start >= end {
            return Ok(());
        }
        let mut st = self.lock();
        self.unmap_locked(&mut st, start, end)
    }

    fn choose_addr(&self, st: &State, hint: u64, len: u64, map32: bool) -> KResult<u64> {
        let hint = page_down(hint);
        if hint != 0
            && hint >= self.min_addr
            && hint.checked_add(len).is_some_and(|e| e <= self.max_addr)
            && st.vmas.is_free(hint, hint + len)
        {
            return Ok(hint);
        }
        if map32 {
            return st.vmas.find_gap_bottom_up(len, MAP32_LO, MAP32_HI).ok_or(errno!(ENOMEM));
        }
        st.vmas
            .find_gap_top_down(len, self.min_addr, st.mmap_base)
            .or_else(|| st.vmas.find_gap_bottom_up(len, st.mmap_base, self.max_addr))
            .ok_or(errno!(ENOMEM))
    }

    /// mmap(2), after the syscall layer resolved the fd into `args.object`.
    pub fn mmap(&self, args: MmapArgs) -> KResult<u64> {
        const KNOWN: u32 = MAP_TYPE
            | MAP_FIXED
            | MAP_ANONYMOUS
            | MAP_32BIT
            | MAP_GROWSDOWN
            | MAP_DENYWRITE
            | MAP_EXECUTABLE
            | MAP_LOCKED
            | MAP_NORESERVE
            | MAP_POPULATE
            | MAP_NONBLOCK
            | MAP_STACK
            | MAP_HUGETLB
            | MAP_SYNC
            | MAP_FIXED_NOREPLACE
            | MAP_UNINITIALIZED;
        let f = args.flags;
        if args.len == 0 {
            return_errno!(EINVAL, "zero length");
        }
        let shared = match f & MAP_TYPE {
            MAP_SHARED => true,
            MAP_PRIVATE => false,
            MAP_SHARED_VALIDATE => {
                if f & !KNOWN != 0 {
                    return_errno!(EOPNOTSUPP, "unknown flag with MAP_SHARED_VALIDATE");
                }
                if f & MAP_SYNC != 0 {
                    return_errno!(EOPNOTSUPP, "MAP_SYNC needs a DAX file");
                }
                true
            }
            _ => return_errno!(EINVAL, "neither MAP_SHARED nor MAP_PRIVATE"),
        };
        if args.prot & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
            return_errno!(EINVAL, "unknown protection bits");
        }
        if !args.offset.is_multiple_of(P) {
            return_errno!(EINVAL, "unaligned offset");
        }
        if f & MAP_HUGETLB != 0 {
            return_errno!(ENOMEM, "no huge pages in the sandbox");
        }
        let len = page_up(args.len).ok_or(errno!(ENOMEM))?;
        if len > self.max_addr {
            return_errno!(ENOMEM);
        }
        // Linux: the last page offset must fit, and files end at MAX_LFS_FILESIZE.
        if args.offset.checked_add(len).is_none_or(|e| e > i64::MAX as u64) {
            return_errno!(EOVERFLOW);
        }
        if args.prot & PROT_WRITE != 0 && shared && args.max_prot & PROT_WRITE == 0 {
            return_errno!(EACCES, "shared writable mapping of a file not open for writing");
        }
        if args.prot & !args.max_prot & (PROT_READ | PROT_EXEC) != 0 {
            return_errno!(EACCES);
        }
        let mut st = self.lock();
        let fixed = f & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        let start = if fixed {
            if !args.addr.is_multiple_of(P) {
                return_errno!(EINVAL, "unaligned fixed address");
            }
            if args.addr < self.min_addr {
                return_errno!(EPERM, "below the minimum mapping address");
            }
            if args.addr.checked_add(len).is_none_or(|e| e > self.max_addr) {
                return_errno!(ENOMEM);
            }
            if f & MAP_FIXED_NOREPLACE != 0 && !st.vmas.is_free(args.addr, args.addr + len) {
                return_errno!(EEXIST);
            }
            args.addr
        } else {
            self.choose_addr(&st, args.addr, len, f & MAP_32BIT != 0)?
        };
        let end = start + len;
        let replaced: u64 = st.vmas.clipped(start, end).iter().map(Vma::len).sum();
        if st.vmas.total_bytes() - replaced + len > st.limits.address_space {
            return_errno!(ENOMEM, "RLIMIT_AS");
        }
        let backing = match (&args.object, shared) {
            (Some(obj), _) => Backing::Object { obj: obj.clone(), offset: args.offset },
            (None, true) => Backing::Object { obj: Arc::new(SharedAnon::new(self.mf.clone(), len)), offset: 0 },
            (None, false) => Backing::Anon,
        };
        if !shared && args.prot & PROT_WRITE != 0 && args.object.is_none() && f & MAP_GROWSDOWN == 0 {
            let data: u64 =
                st.vmas.iter().filter(|v| !v.shared && v.prot & PROT_WRITE != 0 && !v.growsdown).map(Vma::len).sum();
            if data + len > st.limits.data {
                return_errno!(ENOMEM, "RLIMIT_DATA");
            }
        }
        let locking = f & MAP_LOCKED != 0 || st.lock_future;
        if locking && !args.privileged && Self::locked_bytes(&st) + len > st.limits.memlock {
            return_errno!(EAGAIN, "RLIMIT_MEMLOCK");
        }
        self.unmap_locked(&mut st, start, end)?;
        let vma = Vma {
            start,
            end,
            prot: args.prot,
            max_prot: args.max_prot,
            shared,
            backing,
            growsdown: f & MAP_GROWSDOWN != 0,
            locked: locking,
            dontfork: false,
            name: args.name,
        };
        let populate = vma.locked || (f & MAP_POPULATE != 0 && f & MAP_NONBLOCK == 0);
        st.vmas.insert(vma.clone());
        if populate {
            // As in Linux, failing to prefault (past the end of a file, memory pressure)
            // does not fail the mapping; the pages fault in later or raise SIGBUS.
            let _ = self.populate_mapped(&mut st, &vma, start, end, vma.prot & PROT_WRITE != 0);
        }
        Ok(start)
    }

    /// Fault in and map every page of `[start, end)` (MAP_POPULATE, mlock).
    fn populate_mapped(&self, st: &mut State, vma: &Vma, start: u64, end: u64, write: bool) -> KResult<()> {
        if vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC) == 0 {
            return Ok(());
        }
        if write && !vma.shared {
            for page in (start..end).step_by(P as usize) {
                self.translate(st, page, true)?;
            }
        } else {
            self.populate_range(st, vma, start, end, None).map_err(|e| match e {
                FaultError::Fatal(e) => e,
                _ => errno!(EFAULT),
            })?;
        }
        self.map_present(st, vma, start, end)
    }

    /// mprotect(2).
    pub fn mprotect(&self, addr: u64, len: u64, prot: u32) -> KResult<()> {
        if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP) != 0 {
            return_errno!(EINVAL);
        }
        if prot & PROT_GROWSDOWN != 0 && prot & PROT_GROWSUP != 0 {
            return_errno!(EINVAL);
        }
        if !addr.is_multiple_of(P) {
            return_errno!(EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(ENOMEM))?;
        let mut start = addr;
        let mut st = self.lock();
        if prot & PROT_GROWSUP != 0 {
            return_errno!(EINVAL, "no grows-up mappings on x86_64");
        }
        if prot & PROT_GROWSDOWN != 0 {
            match st.vmas.find(start) {
                Some(v) if v.growsdown => start = v.start,
                _ => return_errno!(EINVAL),
            }
        }
        if end > self.max_addr {
            return_errno!(ENOMEM);
        }
        if !st.vmas.is_covered(start, end) {
            return_errno!(ENOMEM);
        }
        let prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
        let pieces = st.vmas.clipped(start, end);
        if pieces.iter().any(|v| prot & !v.max_prot != 0) {
            return_errno!(EACCES);
        }
        st.vmas.update(start, end, |v| v.prot = prot);
        for v in pieces {
            let stub_prot = if v.shared { prot } else { prot & !PROT_WRITE };
            // Only pages the stub maps can be protected there: a host mprotect over a hole
            // fails. Collect the mapped runs, record the new protection, then apply it.
            let mut runs: Vec<(u64, u64)> = Vec::new();
            for (&a, p) in st.ptes.range_mut(v.start..v.end) {
                if p.mapped.is_some() {
                    p.mapped = Some(stub_prot);
                    match runs.last_mut() {
                        Some(r) if r.1 == a => r.1 = a + P,
                        _ => runs.push((a, a + P)),
                    }
                }
            }
            for (a, e) in runs {
                self.space.protect(a, e - a, stub_prot).map_err(platform_err)?;
            }
        }
        Ok(())
    }

    /// brk(2): returns the new break, or the old one when the request cannot be met.
    pub fn brk(&self, addr: u64) -> u64 {
        let mut st = self.lock();
        let cur = st.brk;
        if addr < st.brk_start {
            return cur;
        }
        let (Some(old_end), Some(new_end)) = (page_up(cur), page_up(addr)) else {
            return cur;
        };
        if new_end > self.max_addr {
            return cur;
        }
        if new_end > old_end {
            if !st.vmas.is_free(old_end, new_end) {
                return cur;
            }
            if new_end - st.brk_start > st.limits.data
                || st.vmas.total_bytes() + (new_end - old_end) > st.limits.address_space
            {
                return cur;
            }
            let mut v = Vma::anon(old_end, new_end, PROT_READ | PROT_WRITE);
            v.name = VmaName::Heap;
            v.locked = st.lock_future;
            st.vmas.insert(v);
        } else if new_end < old_end && self.unmap_locked(&mut st, new_end, old_end).is_err() {
            return cur;
        }
        st.brk = addr;
        addr
    }

    /// mremap(2).
    pub fn mremap(&self, old: u64, old_len: u64, new_len: u64, flags: u32, new_addr: u64) -> KResult<u64> {
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || !old.is_multiple_of(P) {
            return_errno!(EINVAL);
        }
        let may_move = flags & MREMAP_MAYMOVE != 0;
        if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 && !may_move {
            return_errno!(EINVAL);
        }
        let old_len = page_up(old_len).ok_or(errno!(EINVAL))?;
        let new_len = page_up(new_len).ok_or(errno!(EINVAL))?;
        if new_len == 0 || new_len > self.max_addr {
            return_errno!(EINVAL);
        }
        if flags & MREMAP_DONTUNMAP != 0 && old_len != new_len {
            return_errno!(EINVAL);
        }
        if old_len == 0 {
            return_errno!(EINVAL, "duplicating a shared mapping with old_size 0 is not supported");
        }
        let old_end = old.checked_add(old_len).ok_or(errno!(EINVAL))?;
        let mut st = self.lock();
        let vma = match st.vmas.find(old) {
            Some(v) if old_end <= v.end => v.clone(),
            _ => return_errno!(EFAULT),
        };
        if flags & MREMAP_DONTUNMAP != 0 && (vma.shared || !matches!(vma.backing, Backing::Anon)) {
            return_errno!(EINVAL);
        }
        if flags & MREMAP_FIXED != 0 {
            if !new_addr.is_multiple_of(P) {
                return_errno!(EINVAL);
            }
            let ne = new_addr.checked_add(new_len).ok_or(errno!(EINVAL))?;
            if ne > self.max_addr || new_addr < self.min_addr {
                return_errno!(EINVAL);
            }
            if new_addr < old_end && old < ne {
                return_errno!(EINVAL, "overlapping ranges");
            }
            self.unmap_locked(&mut st, new_addr, ne)?;
            return self.move_locked(&mut st, &vma, old, old_len, new_addr, new_len, flags & MREMAP_DONTUNMAP != 0);
        }
        if flags & MREMAP_DONTUNMAP != 0 {
            let dst = self.choose_addr(&st, 0, new_len, false)?;
            return self.move_locked(&mut st, &vma, old, old_len, dst, new_len, true);
        }
        if new_len <= old_len {
            self.unmap_locked(&mut st, old + new_len, old_end)?;
            return Ok(old);
        }
        let grow_end = old.checked_add(new_len).ok_or(errno!(ENOMEM))?;
        if vma.backing.offset().checked_add((old - vma.start) + new_len).is_none_or(|e| e > i64::MAX as u64) {
            return_errno!(EINVAL);
        }
        if old_end == vma.end
            && grow_end <= self.max_addr
            && st.vmas.is_free(old_end, grow_end)
            && flags & MREMAP_DONTUNMAP == 0
        {
            if st.vmas.total_bytes() + (new_len - old_len) > st.limits.address_space {
                return_errno!(ENOMEM);
            }
            let mut ext = vma.clone();
            ext.start = old_end;
            ext.end = grow_end;
            ext.backing = match &vma.backing {
                Backing::Anon => Backing::Anon,
                Backing::Object { obj, offset } => {
                    Backing::Object { obj: obj.clone(), offset: offset + (old_end - vma.start) }
                }
            };
            st.vmas.insert(ext);
            return Ok(old);
        }
        if !may_move {
            return_errno!(ENOMEM);
        }
        let dst = self.choose_addr(&st, 0, new_len, false)?;
        self.move_locked(&mut st, &vma, old, old_len, dst, new_len, flags & MREMAP_DONTUNMAP != 0)
    }

    #[allow(clippy::too_many_arguments)]
    fn move_locked(
        &self,
        st: &mut State,
        vma: &Vma,
        old: u64,
        old_len: u64,
        dst: u64,
        new_len: u64,
        keep_old: bool,
    ) -> KResult<u64> {
        let grown = new_len.saturating_sub(old_len);
        let added = if keep_old { new_len } else { grown };
        if st.vmas.total_bytes() + added > st.limits.address_space {
            return_errno!(ENOMEM);
        }
        let mut moved = vma.clone();
        moved.start = dst;
        moved.end = dst + new_len;
        moved.backing = match &vma.backing {
            Backing::Anon => Backing::Anon,
            Backing::Object { obj, offset } => Backing::Object { obj: obj.clone(), offset: offset + (old - vma.start) },
        };
        let keep = old_len.min(new_len);
        // Re-key the moved pages; they are unmapped in the stub and refault at the new place.
        let keys: Vec<u64> = st.ptes.range(old..old + keep).map(|(&k, _)| k).collect();
        let mut any_mapped = false;
        for k in keys {
            if let Some(mut p) = st.ptes.remove(&k) {
                any_mapped |= p.mapped.is_some();
                p.mapped = None;
                st.ptes.insert(dst + (k - old), p);
            }
        }
        if any_mapped {
            self.space.unmap(old, keep).map_err(platform_err)?;
        }
        if !keep_old {
            self.unmap_locked(st, old, old + old_len)?;
        }
        st.vmas.insert(moved);
        Ok(dst)
    }

    /// madvise(2).
    pub fn madvise(&self, addr: u64, len: u64, advice: u32) -> KResult<()> {
        if !addr.is_multiple_of(P) {
            return_errno!(EINVAL);
        }
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(EINVAL))?;
        match advice {
            MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_DONTNEED | MADV_FREE | MADV_REMOVE
            | MADV_DONTFORK | MADV_DOFORK | MADV_MERGEABLE | MADV_UNMERGEABLE | MADV_HUGEPAGE | MADV_NOHUGEPAGE
            | MADV_DONTDUMP | MADV_DODUMP | MADV_WIPEONFORK | MADV_KEEPONFORK | MADV_COLD | MADV_PAGEOUT
            | MADV_POPULATE_READ | MADV_POPULATE_WRITE | MADV_DONTNEED_LOCKED => {}
            MADV_HWPOISON => return_errno!(EPERM),
            _ => return_errno!(EINVAL, "unknown advice"),
        }
        if len == 0 {
            return Ok(());
        }
        let mut st = self.lock();
        let pieces = st.vmas.clipped(addr, end);
        let covered = st.vmas.is_covered(addr, end);
        for v in &pieces {
            match advice {
                MADV_DONTNEED | MADV_FREE | MADV_DONTNEED_LOCKED => {
                    if (v.locked && advice != MADV_DONTNEED_LOCKED)
                        || (advice == MADV_FREE && (v.shared || !matches!(v.backing, Backing::Anon)))
                    {
                        return_errno!(EINVAL);
                    }
                    self.drop_ptes(&mut st, v.start, v.end)?;
                }
                MADV_REMOVE => {
                    if !v.shared {
                        return_errno!(EINVAL);
                    }
                    return_errno!(EOPNOTSUPP, "MADV_REMOVE: hole punching in shared objects is not supported");
                }
                MADV_DONTFORK | MADV_DOFORK => st.vmas.update(v.start, v.end, |x| x.dontfork = advice == MADV_DONTFORK),
                MADV_WIPEONFORK | MADV_KEEPONFORK if v.shared || !matches!(v.backing, Backing::Anon) => {
                    return_errno!(EINVAL)
                }
                MADV_POPULATE_READ | MADV_POPULATE_WRITE => {
                    let write = advice == MADV_POPULATE_WRITE;
                    let need = if write { PROT_WRITE } else { PROT_READ };
                    if v.prot & need == 0 {
                        return_errno!(EFAULT);
                    }
                    self.populate_mapped(&mut st, v, v.start, v.end, write)?;
                }
                _ => {}
            }
        }
        if !covered {
            return_errno!(ENOMEM);
        }
        Ok(())
    }

    /// mincore(2): one byte per page, 1 when resident.
    pub fn mincore(&self, addr: u64, len: u64) -> KResult<Vec<u8>> {
        if !addr.is_multiple_of(P) {
            return_errno!(EINVAL);
        }
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(ENOMEM))?;
        let st = self.lock();
        if !st.vmas.is_covered(addr, end) {
            return_errno!(ENOMEM);
        }
        Ok((addr..end).step_by(P as usize).map(|p| u8::from(st.ptes.contains_key(&p))).collect())
    }

    /// msync(2). Host files are read-only in this milestone, so there is nothing to write
    /// back; the checks are Linux's.
    pub fn msync(&self, addr: u64, len: u64, flags: u32) -> KResult<()> {
        if !addr.is_multiple_of(P)
            || flags & !(MS_ASYNC | MS_SYNC | MS_INVALIDATE) != 0
            || (flags & MS_ASYNC != 0 && flags & MS_SYNC != 0)
        {
            return_errno!(EINVAL);
        }
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(ENOMEM))?;
        let st = self.lock();
        if flags & MS_INVALIDATE != 0 && st.vmas.clipped(addr, end).iter().any(|v| v.locked) {
            return_errno!(EBUSY);
        }
        if !st.vmas.is_covered(addr, end) {
            return_errno!(ENOMEM);
        }
        Ok(())
    }

    fn locked_bytes(st: &State) -> u64 {
        st.vmas.iter().filter(|v| v.locked).map(Vma::len).sum()
    }

    /// mlock(2)/mlock2(2). `privileged`: the caller has CAP_IPC_LOCK.
    pub fn mlock(&self, addr: u64, len: u64, onfault: bool, privileged: bool) -> KResult<()> {
        let start = page_down(addr);
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(EINVAL))?;
        if start == end {
            return Ok(());
        }
        let mut st = self.lock();
        if !st.vmas.is_covered(start, end) {
            return_errno!(ENOMEM);
        }
        let newly: u64 = st.vmas.clipped(start, end).iter().filter(|v| !v.locked).map(Vma::len).sum();
        if !privileged && Self::locked_bytes(&st) + newly > st.limits.memlock {
            return Err(Error::new(if st.limits.memlock == 0 {
                kernel_abi::Errno::EPERM
            } else {
                kernel_abi::Errno::ENOMEM
            }));
        }
        st.vmas.update(start, end, |v| v.locked = true);
        if !onfault {
            for v in st.vmas.clipped(start, end) {
                self.populate_mapped(&mut st, &v, v.start, v.end, false)?;
            }
        }
        Ok(())
    }

    /// munlock(2).
    pub fn munlock(&self, addr: u64, len: u64) -> KResult<()> {
        let start = page_down(addr);
        let end = addr.checked_add(len).and_then(page_up).ok_or(errno!(EINVAL))?;
        let mut st = self.lock();
        if !st.vmas.is_covered(start, end) {
            return_errno!(ENOMEM);
        }
        st.vmas.update(start, end, |v| v.locked = false);
        Ok(())
    }

    /// mlockall(2).
    pub fn mlockall(&self, flags: u32, privileged: bool) -> KResult<()> {
        if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
            return_errno!(EINVAL);
        }
        let mut st = self.lock();
        if flags & MCL_CURRENT != 0 {
            if !privileged && st.vmas.total_bytes() > st.limits.memlock {
                return Err(Error::new(if st.limits.memlock == 0 {
                    kernel_abi::Errno::EPERM
                } else {
                    kernel_abi::Errno::ENOMEM
                }));
            }
            let (lo, hi) = (self.min_addr, self.max_addr);
            st.vmas.update(lo, hi, |v| v.locked = true);
            if flags & MCL_ONFAULT == 0 {
                for v in st.vmas.clipped(lo, hi) {
                    self.populate_mapped(&mut st, &v, v.start, v.end, false)?;
                }
            }
        }
        st.lock_future = flags & MCL_FUTURE != 0;
        Ok(())
    }

    /// munlockall(2).
    pub fn munlockall(&self) {
        let mut st = self.lock();
        let (lo, hi) = (self.min_addr, self.max_addr);
        st.vmas.update(lo, hi, |v| v.locked = false);
        st.lock_future = false;
    }

    /// Whether `[addr, addr+len)` is entirely mapped with at least `prot`.
    pub fn check_access(&self, addr: u64, len: u64, prot: u32) -> bool {
        if len == 0 {
            return true;
        }
        let Some(end) = addr.checked_add(len) else {
            return false;
        };
        let st = self.lock();
        st.vmas.is_covered(page_down(addr), end)
            && st.vmas.clipped(page_down(addr), end).iter().all(|v| v.prot & prot == prot)
    }

    /// The text of `/proc/self/maps`.
    pub fn maps_text(&self) -> String {
        use std::fmt::Write;
        let st = self.lock();
        let mut out = String::new();
        for v in st.vmas.iter() {
            let (dev, ino, name) = match &v.backing {
                Backing::Object { obj, .. } => {
                    let (d, i) = obj.ident();
                    (d, i, obj.name())
                }
                Backing::Anon => (
                    0,
                    0,
                    match v.name {
                        VmaName::Heap => "[heap]".to_string(),
                        VmaName::Stack => "[stack]".to_string(),
                        VmaName::None => String::new(),
                    },
                ),
            };
            let mut line = format!(
                "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {}",
                v.start,
                v.end,
                if v.prot & PROT_READ != 0 { 'r' } else { '-' },
                if v.prot & PROT_WRITE != 0 { 'w' } else { '-' },
                if v.prot & PROT_EXEC != 0 { 'x' } else { '-' },
                if v.shared { 's' } else { 'p' },
                v.backing.offset(),
                (dev >> 8) & 0xfff,
                (dev & 0xff) | ((dev >> 12) & 0xfff00),
                ino,
            );
            if !name.is_empty() {
                while line.len() < 72 {
                    line.push(' ');
                }
                line.push(' ');
                line.push_str(&name);
            }
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// An address space's memory as fork(2) copies it: VMAs and page references, waiting for
/// the child's own platform address space.
pub struct ForkSnapshot {
    mf: Arc<MemoryFile>,
    /// The child's state; taken by `from_snapshot`.
    st: Option<State>,
}

impl Drop for ForkSnapshot {
    fn drop(&mut self) {
        // A snapshot never adopted (the fork failed) gives its page references back.
        if let Some(st) = &self.st {
            for p in st.ptes.values() {
                self.mf.dec_ref(p.off);
            }
        }
    }
}

impl MemoryManager {
    /// Copy the address space for fork: every page is shared with the child, private
    /// ones copy-on-write (the parent's writable mappings of them are write-protected in
    /// its stub first); MADV_DONTFORK areas stay behind. Run on the thread that owns
    /// this address space.
    pub fn fork_snapshot(&self) -> KResult<ForkSnapshot> {
        let mut st = self.lock();
        let mut vmas = st.vmas.clone();
        for v in st.vmas.iter().filter(|v| v.dontfork) {
            vmas.remove(v.start, v.end);
        }
        let mut ptes = BTreeMap::new();
        let mut protect: Vec<(u64, u64, u32)> = Vec::new();
        let keys: Vec<u64> = st.ptes.keys().copied().collect();
        for addr in keys {
            let Some(vma) = vmas.find(addr).cloned() else { continue };
            let Some(pte) = st.ptes.get_mut(&addr) else { continue };
            self.mf.inc_ref(pte.off);
            if !vma.shared {
                if let Some(m) = pte.mapped {
                    if m & PROT_WRITE != 0 {
                        let p = m & !PROT_WRITE;
                        pte.mapped = Some(p);
                        match protect.last_mut() {
                            Some(r) if r.1 == addr && r.2 == p => r.1 = addr + P,
                            _ => protect.push((addr, addr + P, p)),
                        }
                    }
                }
            }
            ptes.insert(addr, Pte { off: pte.off, owned: pte.owned, mapped: None });
        }
        for (s, e, p) in protect {
            self.space.protect(s, e - s, p).map_err(platform_err)?;
        }
        Ok(ForkSnapshot {
            mf: self.mf.clone(),
            st: Some(State {
                vmas,
                ptes,
                brk_start: st.brk_start,
                brk: st.brk,
                mmap_base: st.mmap_base,
                limits: st.limits,
                // mlockall(MCL_FUTURE) is not inherited.
                lock_future: false,
            }),
        })
    }

    /// The child's memory manager: the snapshot over the child's own address space.
    pub fn from_snapshot(
        mf: Arc<MemoryFile>,
        space: Arc<dyn AddressSpace>,
        min_addr: u64,
        max_addr: u64,
        mut snap: ForkSnapshot,
    ) -> Self {
        let st = snap.st.take().unwrap_or_else(|| State::empty(max_addr));
        MemoryManager { mf, space, min_addr, max_addr, state: Mutex::new(st) }
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for p in st.ptes.values() {
            self.mf.dec_ref(p.off);
        }
    }
}

/// Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS): pages shared by every mapping of
/// it, including across fork.
pub struct SharedAnon {
    mf: Arc<MemoryFile>,
    size: u64,
    pages: Mutex<HashMap<u64, u64>>,
    id: u64,
}

impl SharedAnon {
    /// A zero-filled object of `size` bytes.
    pub fn new(mf: Arc<MemoryFile>, size: u64) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        SharedAnon {
            mf,
            size,
            pages: Mutex::new(HashMap::new()),
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

impl Mappable for SharedAnon {
    fn get_page(&self, off: u64) -> KResult<u64> {
        if off >= self.size {
            return_errno!(EFAULT, "beyond the end of shared memory");
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let page = match pages.get(&off) {
            Some(&p) => p,
            None => {
                let p = self.mf.allocate(1)?;
                pages.insert(off, p);
                p
            }
        };
        self.mf.inc_ref(page);
        Ok(page)
    }

    fn name(&self) -> String {
        "/dev/zero (deleted)".to_string()
    }

    fn ident(&self) -> (u64, u64) {
        (0, self.id)
    }
}

impl Drop for SharedAnon {
    fn drop(&mut self) {
        for &p in self.pages.get_mut().unwrap_or_else(|e| e.into_inner()).values() {
            self.mf.dec_ref(p);
        }
    }
}
