//! MemoryManager against a recording address space (no stub process needed).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kernel_abi::flags::mman::*;
use kernel_abi::flags::signal::{SEGV_ACCERR, SEGV_MAPERR};
use kernel_abi::{Errno, KResult};
use kernel_mm::vma::VmaName;
use kernel_mm::{FaultError, Mappable, MemoryFile, MemoryManager, MmLimits, MmapArgs};
use platform::{Access, AddressSpace};

const P: u64 = 4096;
const MAX: u64 = 0x7ff0_0000_0000;

/// Records what the stub would have mapped, page by page, and counts calls.
#[derive(Default)]
struct FakeSpace {
    pages: Mutex<BTreeMap<u64, (u64, u32)>>,
    calls: Mutex<usize>,
}

impl FakeSpace {
    fn mapped(&self, addr: u64) -> Option<(u64, u32)> {
        self.pages.lock().unwrap().get(&addr).copied()
    }
    fn calls(&self) -> usize {
        *self.calls.lock().unwrap()
    }
}

impl AddressSpace for FakeSpace {
    fn map(&self, addr: u64, len: u64, off: u64, prot: u32) -> platform::Result<()> {
        *self.calls.lock().unwrap() += 1;
        let mut p = self.pages.lock().unwrap();
        for i in 0..len / P {
            p.insert(addr + i * P, (off + i * P, prot));
        }
        Ok(())
    }
    fn unmap(&self, addr: u64, len: u64) -> platform::Result<()> {
        *self.calls.lock().unwrap() += 1;
        let mut p = self.pages.lock().unwrap();
        for i in 0..len / P {
            p.remove(&(addr + i * P));
        }
        Ok(())
    }
    fn protect(&self, addr: u64, len: u64, prot: u32) -> platform::Result<()> {
        *self.calls.lock().unwrap() += 1;
        let mut p = self.pages.lock().unwrap();
        // Like the host's mprotect: a hole in the range is an error.
        if (0..len / P).any(|i| !p.contains_key(&(addr + i * P))) {
            return Err(platform::Error::Invalid("mprotect over a hole"));
        }
        for i in 0..len / P {
            if let Some(e) = p.get_mut(&(addr + i * P)) {
                e.1 = prot;
            }
        }
        Ok(())
    }
    fn prepare_thread(&self) -> platform::Result<platform::ThreadSeed> {
        Err(platform::Error::Invalid("the fake space has one thread"))
    }
    fn adopt_thread(&self, _: platform::ThreadSeed) -> platform::Result<()> {
        Err(platform::Error::Invalid("the fake space has one thread"))
    }
    fn release_thread(&self) {}
    fn cpu_time(&self) -> platform::Result<std::time::Duration> {
        Ok(std::time::Duration::ZERO)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn setup() -> (Arc<MemoryFile>, Arc<FakeSpace>, MemoryManager) {
    let mf = Arc::new(MemoryFile::new(1 << 30).unwrap());
    let space = Arc::new(FakeSpace::default());
    let mm = MemoryManager::new(mf.clone(), space.clone(), 0x10000, MAX);
    mm.set_mmap_base(0x7f00_0000_0000);
    (mf, space, mm)
}

const READ: Access = Access { read: true, write: false, exec: false };
const WRITE: Access = Access { read: false, write: true, exec: false };

fn anon(mm: &MemoryManager, len: u64, prot: u32) -> u64 {
    mm.mmap(MmapArgs::anon(0, len, prot, MAP_PRIVATE)).unwrap()
}

/// A file of `len` bytes whose byte i is (i % 251), cached page by page.
struct FakeFile {
    mf: Arc<MemoryFile>,
    len: u64,
    cache: Mutex<BTreeMap<u64, u64>>,
}

impl Mappable for FakeFile {
    fn get_page(&self, off: u64) -> KResult<u64> {
        if off >= self.len.div_ceil(P) * P {
            return Err(Errno::EFAULT.into());
        }
        let mut c = self.cache.lock().unwrap();
        let page = match c.get(&off) {
            Some(&p) => p,
            None => {
                let p = self.mf.allocate(1)?;
                let n = (self.len - off).min(P);
                let data: Vec<u8> = (off..off + n).map(|i| (i % 251) as u8).collect();
                self.mf.write(p, &data)?;
                c.insert(off, p);
                p
            }
        };
        self.mf.inc_ref(page);
        Ok(page)
    }
    fn name(&self) -> String {
        "/fake/file".into()
    }
    fn ident(&self) -> (u64, u64) {
        (0x801, 42)
    }
}

#[test]
fn anonymous_fault_maps_a_window_in_one_call() {
    let (_mf, space, mm) = setup();
    let a = anon(&mm, 64 * P, PROT_READ | PROT_WRITE);
    // A lone touch maps one page: mincore stays exact for sparse access.
    mm.handle_fault(a + 5 * P + 7, READ).unwrap();
    assert_eq!(space.calls(), 1);
    assert_eq!(mm.mincore(a + 4 * P, 3 * P).unwrap(), vec![0, 1, 0]);
    // The next page faulting marks a sequential sweep: a whole window in one call.
    mm.handle_fault(a + 6 * P, WRITE).unwrap();
    assert_eq!(space.calls(), 2, "one stub call for the whole fault-around window");
    for i in 5..22 {
        assert_eq!(space.mapped(a + i * P).map(|m| m.1), Some(PROT_READ | PROT_WRITE));
    }
    assert_eq!(space.mapped(a + 22 * P), None);
    // A fault on a page mapped with all it may have is a protection fault, or a stale
    // fault another thread's mapping has resolved: the caller decides.
    assert_eq!(mm.handle_fault(a + 5 * P, READ), Err(FaultError::Mapped));
}

#[test]
fn unmapped_addresses_and_prot_none_segfault() {
    let (_mf, _space, mm) = setup();
    assert_eq!(mm.handle_fault(0x1234_5000, READ), Err(FaultError::Segv(SEGV_MAPERR)));
    let a = anon(&mm, P, PROT_NONE);
    assert_eq!(mm.handle_fault(a, READ), Err(FaultError::Segv(SEGV_ACCERR)));
    let r = anon(&mm, P, PROT_READ);
    assert_eq!(mm.handle_fault(r, WRITE), Err(FaultError::Segv(SEGV_ACCERR)));
    assert_eq!(
        mm.handle_fault(r, Access { read: false, write: false, exec: true }),
        Err(FaultError::Segv(SEGV_ACCERR))
    );
}

#[test]
fn copy_in_out_and_efault() {
    let (_mf, _space, mm) = setup();
    let a = anon(&mm, 2 * P, PROT_READ | PROT_WRITE);
    mm.copy_out(a + P - 3, b"hello").unwrap();
    let mut buf = [0u8; 5];
    mm.copy_in(a + P - 3, &mut buf).unwrap();
    assert_eq!(&buf, b"hello");
    assert_eq!(mm.copy_in(a + 2 * P - 2, &mut buf).unwrap_err().errno, Errno::EFAULT);
    assert_eq!(mm.copy_in(u64::MAX - 2, &mut buf).unwrap_err().errno, Errno::EFAULT);
    let ro = anon(&mm, P, PROT_READ);
    assert_eq!(mm.copy_out(ro, b"x").unwrap_err().errno, Errno::EFAULT);
    let none = anon(&mm, P, PROT_NONE);
    assert_eq!(mm.copy_in(none, &mut buf).unwrap_err().errno, Errno::EFAULT);
    mm.copy_out(a, b"abc\0def").unwrap();
    assert_eq!(mm.copy_in_cstr(a, 10).unwrap(), b"abc");
    assert_eq!(mm.copy_in_cstr(a, 2).unwrap_err().errno, Errno::ENAMETOOLONG);
    mm.zero_out(a, 3).unwrap();
    assert_eq!(mm.read_val::<u8>(a).unwrap(), 0);
}

#[test]
fn private_file_mapping_copies_on_write() {
    let (mf, space, mm) = setup();
    let file = Arc::new(FakeFile { mf: mf.clone(), len: 3 * P + 100, cache: Mutex::new(BTreeMap::new()) });
    let mut args = MmapArgs::anon(0, 5 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    args.flags = MAP_PRIVATE;
    args.object = Some(file.clone());
    let a = mm.mmap(args).unwrap();
    mm.handle_fault(a, READ).unwrap();
    let (cache_off, prot) = space.mapped(a).unwrap();
    assert_eq!(prot, PROT_READ, "a page-cache page is mapped read-only in a private mapping");
    assert_eq!(mm.read_val::<u8>(a + 300).unwrap(), (300 % 251) as u8);
    // The write fault that follows copies the page; the cache keeps the original.
    mm.handle_fault(a, WRITE).unwrap();
    let (own, prot) = space.mapped(a).unwrap();
    assert_ne!(own, cache_off);
    assert_eq!(prot, PROT_READ | PROT_WRITE);
    mm.copy_out(a + 300, &[0xee]).unwrap();
    let mut b = [0u8];
    mf.read(cache_off + 300, &mut b).unwrap();
    assert_eq!(b[0], (300 % 251) as u8);
    // Past the end of the file (page 5 of a 3-page-and-a-bit file) is SIGBUS.
    mm.handle_fault(a + 4 * P - 1, READ).unwrap();
    assert_eq!(mm.handle_fault(a + 4 * P, READ), Err(FaultError::Bus));
    assert!(mm.maps_text().contains("/fake/file"));
}

#[test]
fn shared_mapping_of_read_only_object_refuses_write() {
    let (mf, _space, mm) = setup();
    let file = Arc::new(FakeFile { mf, len: P, cache: Mutex::new(BTreeMap::new()) });
    let args = MmapArgs {
        addr: 0,
        len: P,
        prot: PROT_READ | PROT_WRITE,
        flags: MAP_SHARED,
        object: Some(file),
        offset: 0,
        max_prot: PROT_READ | PROT_EXEC,
        name: VmaName::None,
        privileged: false,
    };
    assert_eq!(mm.mmap(args.clone()).unwrap_err().errno, Errno::EACCES);
    let a = mm.mmap(MmapArgs { prot: PROT_READ, ..args }).unwrap();
    assert_eq!(mm.mprotect(a, P, PROT_READ | PROT_WRITE).unwrap_err().errno, Errno::EACCES);
}

#[test]
fn mmap_argument_errors() {
    let (_mf, _space, mm) = setup();
    let e = |a: MmapArgs| mm.mmap(a).unwrap_err().errno;
    assert_eq!(e(MmapArgs::anon(0, 0, PROT_READ, MAP_PRIVATE)), Errno::EINVAL);
    let mut a = MmapArgs::anon(0, P, PROT_READ, 0);
    a.flags = MAP_ANONYMOUS;
    assert_eq!(e(a), Errno::EINVAL, "neither shared nor private");
    assert_eq!(e(MmapArgs::anon(0x10001, P, PROT_READ, MAP_PRIVATE | MAP_FIXED)), Errno::EINVAL);
    assert_eq!(e(MmapArgs::anon(0, P, 0x80, MAP_PRIVATE)), Errno::EINVAL);
    assert_eq!(e(MmapArgs::anon(0, u64::MAX - 10, PROT_READ, MAP_PRIVATE)), Errno::ENOMEM);
    let x = anon(&mm, 2 * P, PROT_READ);
    assert_eq!(e(MmapArgs::anon(x, P, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE)), Errno::EEXIST);
    assert_eq!(e(MmapArgs::anon(0x1000, P, PROT_READ, MAP_PRIVATE | MAP_FIXED)), Errno::EPERM);
    // A hint that is free is honoured; MAP_FIXED replaces.
    let h = mm.mmap(MmapArgs::anon(0x5000_0000, P, PROT_READ, MAP_PRIVATE)).unwrap();
    assert_eq!(h, 0x5000_0000);
    assert_eq!(mm.mmap(MmapArgs::anon(x, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED)).unwrap(), x);
    let m32 = mm.mmap(MmapArgs::anon(0, P, PROT_READ, MAP_PRIVATE | MAP_32BIT)).unwrap();
    assert!(m32 < 0x8000_0000);
}

#[test]
fn munmap_drops_pages_and_stub_mappings() {
    let (mf, space, mm) = setup();
    let a = anon(&mm, 4 * P, PROT_READ | PROT_WRITE);
    mm.handle_fault(a, READ).unwrap();
    mm.handle_fault(a + P, READ).unwrap(); // sequential: the rest maps in one window
    let before = mf.allocated_pages();
    mm.munmap(a + P, 2 * P).unwrap();
    assert_eq!(mf.allocated_pages(), before - 2);
    assert!(space.mapped(a + P).is_none() && space.mapped(a).is_some() && space.mapped(a + 3 * P).is_some());
    assert_eq!(mm.handle_fault(a + P, READ), Err(FaultError::Segv(SEGV_MAPERR)));
    assert_eq!(mm.munmap(a + 1, P).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.munmap(a, 0).unwrap_err().errno, Errno::EINVAL);
    // Unmapping nothing is fine.
    mm.munmap(0x6000_0000, P).unwrap();
}

#[test]
fn mprotect_downgrades_the_stub_and_upgrades_on_fault() {
    let (_mf, space, mm) = setup();
    let a = anon(&mm, 2 * P, PROT_READ | PROT_WRITE);
    mm.handle_fault(a, WRITE).unwrap();
    mm.mprotect(a, P, PROT_READ).unwrap();
    assert_eq!(mm.maps_text().lines().count(), 2, "the protect split the VMA");
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ);
    assert_eq!(mm.handle_fault(a, WRITE), Err(FaultError::Segv(SEGV_ACCERR)));
    mm.mprotect(a, P, PROT_READ | PROT_WRITE).unwrap();
    mm.handle_fault(a, WRITE).unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ | PROT_WRITE);
    assert_eq!(mm.mprotect(a + 1, P, PROT_READ).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.mprotect(a, 8 * P, PROT_READ).unwrap_err().errno, Errno::ENOMEM);
    assert_eq!(mm.mprotect(a, P, 0x40).unwrap_err().errno, Errno::EINVAL);
}

#[test]
fn madvise_dontneed_zeroes_private_anonymous_memory() {
    let (_mf, space, mm) = setup();
    let a = anon(&mm, 2 * P, PROT_READ | PROT_WRITE);
    mm.copy_out(a, b"data").unwrap();
    mm.handle_fault(a, READ).unwrap();
    mm.madvise(a, 2 * P, MADV_DONTNEED).unwrap();
    assert!(space.mapped(a).is_none());
    assert_eq!(mm.read_val::<[u8; 4]>(a).unwrap(), [0; 4]);
    assert_eq!(mm.madvise(a, P, 999).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.madvise(a + 1, P, MADV_NORMAL).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.madvise(a, 8 * P, MADV_NORMAL).unwrap_err().errno, Errno::ENOMEM);
    assert_eq!(mm.mincore(a, 2 * P).unwrap(), vec![1, 0]);
    assert_eq!(mm.mincore(a, 9 * P).unwrap_err().errno, Errno::ENOMEM);
}

#[test]
fn mremap_grows_in_place_or_moves_with_data() {
    let (_mf, space, mm) = setup();
    let a = anon(&mm, 2 * P, PROT_READ | PROT_WRITE);
    mm.copy_out(a, b"keep").unwrap();
    mm.handle_fault(a, READ).unwrap();
    // Block growth in place with a neighbour.
    mm.mmap(MmapArgs::anon(a + 2 * P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED)).unwrap();
    assert_eq!(mm.mremap(a, 2 * P, 4 * P, 0, 0).unwrap_err().errno, Errno::ENOMEM);
    let b = mm.mremap(a, 2 * P, 4 * P, MREMAP_MAYMOVE, 0).unwrap();
    assert_ne!(a, b);
    assert_eq!(&mm.read_val::<[u8; 4]>(b).unwrap(), b"keep");
    assert!(space.mapped(a).is_none());
    assert_eq!(mm.handle_fault(a, READ), Err(FaultError::Segv(SEGV_MAPERR)));
    // Shrink in place.
    assert_eq!(mm.mremap(b, 4 * P, P, 0, 0).unwrap(), b);
    // DONTUNMAP leaves an empty mapping behind.
    let c = mm.mremap(b, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0).unwrap();
    assert_ne!(b, c);
    assert_eq!(&mm.read_val::<[u8; 4]>(c).unwrap(), b"keep");
    assert_eq!(mm.read_val::<[u8; 4]>(b).unwrap(), [0; 4]);
    assert_eq!(mm.mremap(b, P, 2 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.mremap(b, P, 2 * P, MREMAP_FIXED, 0x5000_0000).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.mremap(0x6000_0000, P, 2 * P, MREMAP_MAYMOVE, 0).unwrap_err().errno, Errno::EFAULT);
    let d = mm.mremap(c, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x5100_0000).unwrap();
    assert_eq!(d, 0x5100_0000);
    assert_eq!(&mm.read_val::<[u8; 4]>(d).unwrap(), b"keep");
}

#[test]
fn brk_grows_shrinks_and_respects_limits() {
    let (_mf, _space, mm) = setup();
    mm.set_brk_start(0x5555_0000_0000);
    assert_eq!(mm.brk(0), 0x5555_0000_0000);
    assert_eq!(mm.brk(0x5555_0000_2100), 0x5555_0000_2100);
    mm.copy_out(0x5555_0000_2000, b"x").unwrap();
    assert!(mm.maps_text().contains("[heap]"));
    assert_eq!(mm.brk(0x5555_0000_1000), 0x5555_0000_1000);
    assert!(mm.copy_out(0x5555_0000_2000, b"x").is_err());
    mm.set_limits(MmLimits { data: 64 * P, ..MmLimits::default() });
    assert_eq!(mm.brk(0x5555_0100_0000), 0x5555_0000_1000, "RLIMIT_DATA refuses growth");
    assert_eq!(mm.brk(0x1000), 0x5555_0000_1000, "below the start is a query");
}

#[test]
fn growsdown_stack_extends_on_fault_within_rlimit() {
    let (_mf, _space, mm) = setup();
    let top = 0x7fe0_0000_0000u64;
    let mut args = MmapArgs::anon(top - 4 * P, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN);
    args.name = VmaName::Stack;
    mm.mmap(args).unwrap();
    mm.handle_fault(top - 10 * P, WRITE).unwrap();
    assert!(mm.maps_text().contains("[stack]"));
    assert_eq!(mm.handle_fault(top - (9 << 20), WRITE), Err(FaultError::Segv(SEGV_MAPERR)), "beyond RLIMIT_STACK");
}

#[test]
fn rlimit_as_and_mlock_limits() {
    let (_mf, _space, mm) = setup();
    mm.set_limits(MmLimits { address_space: 16 * P, memlock: 2 * P, ..MmLimits::default() });
    anon(&mm, 8 * P, PROT_READ);
    assert_eq!(mm.mmap(MmapArgs::anon(0, 9 * P, PROT_READ, MAP_PRIVATE)).unwrap_err().errno, Errno::ENOMEM);
    let a = anon(&mm, 4 * P, PROT_READ | PROT_WRITE);
    mm.mlock(a, 2 * P, false, false).unwrap();
    assert_eq!(mm.mincore(a, 2 * P).unwrap(), vec![1, 1], "mlock populates");
    assert_eq!(mm.mlock(a, 4 * P, false, false).unwrap_err().errno, Errno::ENOMEM);
    mm.mlock(a, 4 * P, false, true).unwrap();
    assert_eq!(mm.madvise(a, P, MADV_DONTNEED).unwrap_err().errno, Errno::EINVAL);
    mm.munlock(a, 4 * P).unwrap();
    assert_eq!(mm.mlockall(0, false).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.mlockall(MCL_ONFAULT, false).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.msync(a, P, MS_SYNC | MS_ASYNC).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.msync(0x6000_0000, P, MS_SYNC).unwrap_err().errno, Errno::ENOMEM);
    mm.msync(a, P, MS_SYNC).unwrap();
}

#[test]
fn shared_anonymous_memory_is_one_object() {
    let (_mf, _space, mm) = setup();
    let a = mm.mmap(MmapArgs::anon(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED)).unwrap();
    mm.copy_out(a, b"shared").unwrap();
    assert_eq!(&mm.read_val::<[u8; 6]>(a).unwrap(), b"shared");
    assert!(mm.maps_text().contains("/dev/zero (deleted)"));
    assert!(mm.maps_text().contains(" rw-s "));
}

#[test]
fn dropping_the_manager_frees_every_page() {
    let (mf, _space, mm) = setup();
    let a = anon(&mm, 32 * P, PROT_READ | PROT_WRITE);
    mm.handle_fault(a, READ).unwrap();
    mm.copy_out(a + 20 * P, b"x").unwrap();
    assert!(mf.allocated_pages() > 0);
    drop(mm);
    assert_eq!(mf.allocated_pages(), 0);
}

#[test]
fn mprotect_over_partly_touched_memory_protects_what_is_mapped() {
    let (_mf, space, mm) = setup();
    let a = anon(&mm, 3 * P, PROT_READ | PROT_WRITE);
    mm.handle_fault(a, WRITE).unwrap();
    mm.handle_fault(a + 2 * P, WRITE).unwrap();
    mm.mprotect(a, 3 * P, PROT_READ).unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ);
    assert_eq!(space.mapped(a + 2 * P).unwrap().1, PROT_READ);
    assert_eq!(mm.handle_fault(a + 2 * P, WRITE), Err(FaultError::Segv(SEGV_ACCERR)));
}

#[test]
fn a_write_on_the_page_of_rip_breaks_copy_on_write() {
    // The platform guesses "exec" for a fault on rip's page; on a page already mapped
    // executable that guess is wrong, and the write must get its copy.
    let (mf, space, mm) = setup();
    let file = Arc::new(FakeFile { mf: mf.clone(), len: 2 * P, cache: Mutex::new(BTreeMap::new()) });
    let mut args = MmapArgs::anon(0, 2 * P, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE);
    args.flags = MAP_PRIVATE;
    args.object = Some(file);
    let a = mm.mmap(args).unwrap();
    mm.handle_fault(a, Access { read: false, write: false, exec: true }).unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ | PROT_EXEC);
    mm.handle_fault(a + 8, Access { read: false, write: false, exec: true }).unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ | PROT_WRITE | PROT_EXEC);
}

#[test]
fn mmap_flag_and_offset_edges() {
    let (mf, _space, mm) = setup();
    let x = anon(&mm, P, PROT_READ);
    let e = mm.mmap(MmapArgs::anon(x, P, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_FIXED_NOREPLACE)).unwrap_err();
    assert_eq!(e.errno, Errno::EEXIST, "NOREPLACE wins over FIXED");
    let file = Arc::new(FakeFile { mf, len: P, cache: Mutex::new(BTreeMap::new()) });
    let mut args = MmapArgs::anon(0, P, PROT_READ, MAP_PRIVATE);
    args.flags = MAP_PRIVATE;
    args.object = Some(file.clone());
    args.offset = 0xffff_ffff_ffff_e000;
    assert_eq!(mm.mmap(args.clone()).unwrap_err().errno, Errno::EOVERFLOW);
    // Prefaulting past the end of the file does not fail the mapping.
    args.offset = 0;
    args.len = 4 * P;
    args.prot = PROT_READ | PROT_WRITE;
    args.flags = MAP_PRIVATE | MAP_POPULATE;
    let a = mm.mmap(args).unwrap();
    assert_eq!(mm.mincore(a, P).unwrap(), vec![1]);
    // munmap of the platform's reserve at the top is a no-op, beyond TASK_SIZE EINVAL.
    mm.munmap(MAX, 16 * P).unwrap();
    assert_eq!(mm.munmap(0x7fff_ffff_f000, P).unwrap_err().errno, Errno::EINVAL);
}

#[test]
fn map_locked_respects_rlimit_memlock() {
    let (_mf, _space, mm) = setup();
    mm.set_limits(MmLimits { memlock: 2 * P, ..MmLimits::default() });
    let e = mm.mmap(MmapArgs::anon(0, 4 * P, PROT_READ, MAP_PRIVATE | MAP_LOCKED)).unwrap_err();
    assert_eq!(e.errno, Errno::EAGAIN);
    let a = mm.mmap(MmapArgs::anon(0, 2 * P, PROT_READ, MAP_PRIVATE | MAP_LOCKED)).unwrap();
    assert_eq!(mm.mincore(a, 2 * P).unwrap(), vec![1, 1], "locked memory is populated");
    let mut args = MmapArgs::anon(0, 4 * P, PROT_READ, MAP_PRIVATE | MAP_LOCKED);
    args.privileged = true;
    mm.mmap(args).unwrap();
}

#[test]
fn fork_shares_pages_copy_on_write() {
    let (mf, space, mm) = setup();
    let a = anon(&mm, 2 * P, PROT_READ | PROT_WRITE);
    mm.copy_out(a, b"parent").unwrap();
    mm.handle_fault(a, WRITE).unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ | PROT_WRITE);
    let snap = mm.fork_snapshot().unwrap();
    assert_eq!(space.mapped(a).unwrap().1, PROT_READ, "the parent's copy is write-protected");
    let child_space = Arc::new(FakeSpace::default());
    let child = MemoryManager::from_snapshot(mf.clone(), child_space.clone(), 0x10000, MAX, snap);
    assert_eq!(&child.read_val::<[u8; 6]>(a).unwrap(), b"parent");
    // The child's write copies; the parent keeps its data.
    child.copy_out(a, b"child!").unwrap();
    assert_eq!(&mm.read_val::<[u8; 6]>(a).unwrap(), b"parent");
    assert_eq!(&child.read_val::<[u8; 6]>(a).unwrap(), b"child!");
    // The parent's write fault now finds the page exclusively its own again: no copy.
    let (off, _) = space.mapped(a).unwrap();
    mm.handle_fault(a, WRITE).unwrap();
    assert_eq!(space.mapped(a).unwrap(), (off, PROT_READ | PROT_WRITE));
    let before = mf.allocated_pages();
    drop(child);
    assert!(mf.allocated_pages() < before, "the child's copy is freed with it");
}

#[test]
fn an_unused_fork_snapshot_gives_its_references_back() {
    let (mf, _space, mm) = setup();
    let a = anon(&mm, P, PROT_READ | PROT_WRITE);
    mm.copy_out(a, b"x").unwrap();
    let snap = mm.fork_snapshot().unwrap();
    let page_refs = |mm: &MemoryManager| mm.mincore(a, P).unwrap();
    assert_eq!(page_refs(&mm), vec![1]);
    drop(snap);
    // The page is the parent's alone again: a write needs no copy.
    let before = mf.allocated_pages();
    mm.copy_out(a, b"y").unwrap();
    assert_eq!(mf.allocated_pages(), before);
}

#[test]
fn atomic_words_and_futex_keys() {
    use std::sync::atomic::Ordering;
    let (mf, _space, mm) = setup();
    let a = anon(&mm, P, PROT_READ | PROT_WRITE);
    mm.write_val(a + 8, &5u32).unwrap();
    let old = mm.with_atomic_u32(a + 8, true, |w| w.fetch_add(3, Ordering::SeqCst)).unwrap();
    assert_eq!(old, 5);
    assert_eq!(mm.read_val::<u32>(a + 8).unwrap(), 8);
    assert_eq!(mm.with_atomic_u32(a + 9, true, |_| ()).unwrap_err().errno, Errno::EINVAL);
    assert_eq!(mm.with_atomic_u32(a + P, false, |_| ()).unwrap_err().errno, Errno::EFAULT);
    let ro = anon(&mm, P, PROT_READ);
    assert!(mm.with_atomic_u32(ro, false, |w| w.load(Ordering::SeqCst)).is_ok());
    assert_eq!(mm.with_atomic_u32(ro, true, |_| ()).unwrap_err().errno, Errno::EFAULT);
    // Private mappings key futexes by address space; shared ones by memory-file offset,
    // which a forked child shares.
    assert_eq!(mm.shared_futex_offset(a).unwrap(), None);
    let sh = mm.mmap(MmapArgs::anon(0, P, PROT_READ | PROT_WRITE, MAP_SHARED)).unwrap();
    let key = mm.shared_futex_offset(sh + 12).unwrap().expect("shared mapping");
    let snap = mm.fork_snapshot().unwrap();
    let child = MemoryManager::from_snapshot(mf.clone(), Arc::new(FakeSpace::default()), 0x10000, MAX, snap);
    assert_eq!(child.shared_futex_offset(sh + 12).unwrap(), Some(key));
    child.with_atomic_u32(sh + 12, true, |w| w.store(77, Ordering::SeqCst)).unwrap();
    assert_eq!(mm.read_val::<u32>(sh + 12).unwrap(), 77);
}

#[test]
fn strings_at_the_top_of_the_address_space_are_efault_not_overflow() {
    let (_mf, _space, mm) = setup();
    assert_eq!(mm.copy_in_cstr(u64::MAX, 4096).unwrap_err().errno, Errno::EFAULT);
    assert_eq!(mm.copy_in_cstr(u64::MAX - 4095, 4096).unwrap_err().errno, Errno::EFAULT);
}
