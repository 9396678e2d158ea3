//! The ELF loader target: arbitrary bytes as an executable and as its interpreter, loaded
//! by [`kernel_task::loader::load`] into a fresh memory manager on the scripted platform,
//! then the initial stack built and the entry and program headers faulted in.
//!
//! Input: a little-endian u32 length `n`, then `n` bytes of executable, then the
//! interpreter (whatever is left). An executable with a PT_INTERP gets the interpreter
//! bytes whatever path it names when there are any; with none, its path is resolved in
//! the fixture's tmpfs (which holds `/exe` and `/interp`).
//!
//! Invariants: no panic; what loaded lies in the user address range; once everything
//! is dropped no memory-file page is left allocated.

use std::sync::{Arc, Mutex, OnceLock};

use kernel_abi::flags::open::{O_RDONLY, O_RDWR};
use kernel_abi::KResult;
use kernel_fs::tmpfs::{NewKind, Tmpfs};
use kernel_fs::{path, Cred, Dentry, File, Inode};
use kernel_mm::{MemoryFile, MemoryManager};
use kernel_task::loader::{self, CpuAux, IdAux, LoadedImage, Random};
use platform::scripted::ScriptedPlatform;
use platform::{Access, Platform};

struct Fixed(u64);

impl Random for Fixed {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 11
    }
}

fn memory_file() -> &'static Arc<MemoryFile> {
    static MF: OnceLock<Arc<MemoryFile>> = OnceLock::new();
    MF.get_or_init(|| Arc::new(MemoryFile::new(1 << 30).expect("a memory file for the loader target")))
}

/// Split an input into executable and interpreter bytes.
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return (data, &[]);
    };
    let n = (u32::from_le_bytes(*len) as usize).min(rest.len());
    rest.split_at(n)
}

/// Build an input from an executable and an interpreter (for seeds and tests).
pub fn join(exe: &[u8], interp: &[u8]) -> Vec<u8> {
    let mut v = (exe.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(exe);
    v.extend_from_slice(interp);
    v
}

fn file_with(root: &Arc<Dentry>, name: &[u8], data: &[u8]) -> KResult<Arc<File>> {
    let d = root.create_child(name, NewKind::File, 0o755, &Cred::root())?;
    let f = d.open(O_RDWR)?;
    let mut done = 0;
    while done < data.len() {
        done += f.write(&data[done..])?;
    }
    d.open(O_RDONLY)
}

/// Load `exe` (with `interp`) and return the image, or the loader's error.
pub fn load(exe: &[u8], interp: &[u8]) -> KResult<LoadedImage> {
    let mf = memory_file();
    let root = Dentry::new_root(Inode::Tmpfs(Tmpfs::new_root(mf.clone(), 64 << 20, 0o755, 0, 0)));
    let exe_file = file_with(&root, b"exe", exe)?;
    let interp_file = file_with(&root, b"interp", interp)?;
    let platform = ScriptedPlatform::new(Vec::new());
    let space = platform.new_address_space().map_err(|_| kernel_abi::errno!(ENOMEM))?;
    let (min, max) = (platform.min_user_address(), platform.max_user_address());
    let mm = MemoryManager::new(mf.clone(), space, min, max);
    mm.set_mmap_base(0x7f00_0000_0000);
    let mut rng = Fixed(exe.len() as u64);
    let image = loader::load(
        &mm,
        &exe_file,
        &mut |p| {
            if interp.is_empty() {
                path::resolve(&root, &root, p, true)?.open(O_RDONLY)
            } else {
                Ok(interp_file.clone())
            }
        },
        &mut rng,
    )?;
    for addr in [image.phdr, image.brk_start] {
        assert!(addr == 0 || (min..=max).contains(&addr), "{addr:#x} outside the user range: {image:x?}");
    }
    assert!(mm.total_mapped() <= max - min, "more mapped than the address space holds: {image:x?}");
    // What the program and ld.so touch first: their entry points and the headers.
    for addr in [image.entry, image.prog_entry, image.phdr] {
        let _ = mm.handle_fault(addr, Access { read: true, write: false, exec: true });
        let mut buf = [0u8; 64];
        let _ = mm.copy_in(addr, &mut buf);
    }
    let top = 0x7ffe_0000_0000;
    let stack = kernel_mm::MmapArgs::anon(
        top - (33 << 12),
        33 << 12,
        kernel_abi::flags::mman::PROT_READ | kernel_abi::flags::mman::PROT_WRITE,
        kernel_abi::flags::mman::MAP_PRIVATE | kernel_abi::flags::mman::MAP_FIXED,
    );
    if mm.mmap(stack).is_ok() {
        let argv = [b"exe".to_vec()];
        let _ =
            loader::build_stack(&mm, top, &image, b"/exe", &argv, &[], CpuAux::default(), IdAux::default(), [7; 16]);
    }
    Ok(image)
}

/// The fuzz target.
pub fn fuzz(data: &[u8]) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (exe, interp) = split(data);
    let before = memory_file().allocated_pages();
    let _ = load(exe, interp);
    let after = memory_file().allocated_pages();
    assert_eq!(after, before, "memory-file pages leaked by loading");
}
