//! Memory system calls: thin decoders over `MemoryManager`.

use kernel_abi::flags::mman::*;
use kernel_abi::{return_errno, KResult};
use kernel_mm::vma::VmaName;
use kernel_mm::MmapArgs;

use crate::task::Task;

impl Task {
    fn privileged(&self) -> bool {
        self.creds.euid == 0
    }
}

pub(crate) fn sys_mmap(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (addr, len, prot, flags, fd, off) = (a[0], a[1], a[2] as u32, a[3] as u32, a[4], a[5]);
    let mut args = MmapArgs {
        addr,
        len,
        prot,
        flags,
        object: None,
        offset: off,
        max_prot: PROT_READ | PROT_WRITE | PROT_EXEC,
        name: VmaName::None,
        privileged: t.privileged(),
    };
    if off % kernel_abi::PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    if flags & MAP_ANONYMOUS == 0 {
        let f = t.file(fd)?;
        if f.flags() & kernel_abi::flags::open::O_PATH != 0 {
            return_errno!(EBADF);
        }
        if !f.readable() {
            return_errno!(EACCES);
        }
        if flags & MAP_TYPE != MAP_PRIVATE && !f.writable() {
            args.max_prot = PROT_READ | PROT_EXEC;
        }
        args.object = Some(f.mappable()?);
    } else {
        args.offset = 0;
    }
    t.mm.mmap(args)
}

pub(crate) fn sys_munmap(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.munmap(a[0], a[1]).map(|_| 0)
}

pub(crate) fn sys_mprotect(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.mprotect(a[0], a[1], a[2] as u32).map(|_| 0)
}

pub(crate) fn sys_mremap(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.mremap(a[0], a[1], a[2], a[3] as u32, a[4])
}

pub(crate) fn sys_brk(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    Ok(t.mm.brk(a[0]))
}

pub(crate) fn sys_madvise(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.madvise(a[0], a[1], a[2] as u32).map(|_| 0)
}

pub(crate) fn sys_mincore(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    // Validate the whole range first, then report it in bounded pieces so a huge range
    // cannot make the Sentry allocate a huge vector.
    let (addr, len) = (a[0], a[1]);
    if addr % kernel_abi::PAGE_SIZE != 0 {
        return_errno!(EINVAL);
    }
    let end = addr.checked_add(len).and_then(kernel_abi::page_up).ok_or(kernel_abi::errno!(ENOMEM))?;
    if !t.mm.check_access(addr, end - addr, 0) {
        return_errno!(ENOMEM);
    }
    const PIECE: u64 = 1 << 32;
    let mut at = addr;
    while at < end {
        let n = (end - at).min(PIECE);
        let v = t.mm.mincore(at, n)?;
        t.mm.copy_out(a[2] + (at - addr) / kernel_abi::PAGE_SIZE, &v)?;
        at += n;
    }
    Ok(0)
}

pub(crate) fn sys_msync(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.msync(a[0], a[1], a[2] as u32).map(|_| 0)
}

pub(crate) fn sys_mlock(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.privileged();
    t.mm.mlock(a[0], a[1], false, p).map(|_| 0)
}

pub(crate) fn sys_mlock2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[2] as u32 & !MLOCK_ONFAULT != 0 {
        return_errno!(EINVAL);
    }
    let p = t.privileged();
    t.mm.mlock(a[0], a[1], a[2] as u32 & MLOCK_ONFAULT != 0, p).map(|_| 0)
}

pub(crate) fn sys_munlock(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.mm.munlock(a[0], a[1]).map(|_| 0)
}

pub(crate) fn sys_mlockall(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.privileged();
    t.mm.mlockall(a[0] as u32, p).map(|_| 0)
}

pub(crate) fn sys_munlockall(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    t.mm.munlockall();
    Ok(0)
}
