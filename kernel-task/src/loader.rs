//! The ELF loader: static, static-pie, PIE and dynamic (PT_INTERP) executables, and the
//! initial stack with argv, envp and auxv.

use std::sync::Arc;

use kernel_abi::flags::auxv::*;
use kernel_abi::flags::elf::*;
use kernel_abi::flags::mman::*;
use kernel_abi::{errno, page_down, page_up, return_errno, Elf64Ehdr, Elf64Phdr, KResult, Zeroable, PAGE_SIZE};
use kernel_fs::File;
use kernel_mm::vma::VmaName;
use kernel_mm::{MemoryManager, MmapArgs};

/// Where Linux puts ET_DYN executables (two thirds of the 47-bit address space).
const ELF_ET_DYN_BASE: u64 = 0x5555_5555_4000;
/// Largest program header table accepted (Linux: 64 KiB).
const MAX_PHDRS_BYTES: u64 = 65536;

/// A parsed ELF header and program headers.
#[derive(Clone, Debug)]
pub struct ElfInfo {
    /// The file header.
    pub ehdr: Elf64Ehdr,
    /// The program headers.
    pub phdrs: Vec<Elf64Phdr>,
}

fn read_exact_at(file: &File, buf: &mut [u8], off: u64) -> KResult<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = file.pread(&mut buf[done..], off + done as u64)?;
        if n == 0 {
            return_errno!(ENOEXEC, "truncated ELF file");
        }
        done += n;
    }
    Ok(())
}

/// Parse and validate an ELF header and program header table from raw bytes readers.
pub fn parse_elf(read: &mut dyn FnMut(&mut [u8], u64) -> KResult<()>) -> KResult<ElfInfo> {
    let mut ehdr = Elf64Ehdr::zeroed();
    read(bytemuck::bytes_of_mut(&mut ehdr), 0)?;
    if ehdr.e_ident[..4] != ELFMAG {
        return_errno!(ENOEXEC, "not an ELF file");
    }
    if ehdr.e_ident[4] != ELFCLASS64 || ehdr.e_ident[5] != ELFDATA2LSB || ehdr.e_machine != EM_X86_64 {
        return_errno!(ENOEXEC, "not an x86_64 little-endian ELF64 file");
    }
    if ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN {
        return_errno!(ENOEXEC, "not an executable or shared object");
    }
    if usize::from(ehdr.e_phentsize) != core::mem::size_of::<Elf64Phdr>() {
        return_errno!(ENOEXEC, "bad program header size");
    }
    let total = u64::from(ehdr.e_phnum) * u64::from(ehdr.e_phentsize);
    if ehdr.e_phnum == 0 || total > MAX_PHDRS_BYTES {
        return_errno!(ENOEXEC, "bad program header count");
    }
    let mut phdrs = vec![Elf64Phdr::zeroed(); usize::from(ehdr.e_phnum)];
    read(bytemuck::cast_slice_mut(&mut phdrs), ehdr.e_phoff)?;
    Ok(ElfInfo { ehdr, phdrs })
}

/// What loading put where.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadedImage {
    /// Where execution starts (the interpreter's entry if there is one).
    pub entry: u64,
    /// The program's own entry (AT_ENTRY).
    pub prog_entry: u64,
    /// Program headers in memory (AT_PHDR).
    pub phdr: u64,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u64,
    /// Interpreter load base (AT_BASE), 0 without one.
    pub interp_base: u64,
    /// Start of the program break.
    pub brk_start: u64,
    /// PT_GNU_STACK asked for an executable stack.
    pub exec_stack: bool,
}

/// Random source for ASLR.
pub trait Random {
    /// A random u64.
    fn next_u64(&mut self) -> u64;
}

struct Mapped {
    bias: u64,
    lo: u64,
    end: u64,
}

/// Map the PT_LOAD segments of `info` from `file`. `base` is where an ET_DYN object goes
/// (`None`: anywhere the memory manager picks).
fn map_segments(mm: &MemoryManager, file: &Arc<File>, info: &ElfInfo, base: Option<u64>) -> KResult<Mapped> {
    let loads: Vec<&Elf64Phdr> = info.phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    if loads.is_empty() {
        return_errno!(ENOEXEC, "no loadable segments");
    }
    let mut lo = u64::MAX;
    let mut hi = 0u64;
    for p in &loads {
        if p.p_filesz > p.p_memsz || p.p_vaddr % PAGE_SIZE != p.p_offset % PAGE_SIZE {
            return_errno!(ENOEXEC, "inconsistent segment");
        }
        let end = p.p_vaddr.checked_add(p.p_memsz).ok_or(errno!(ENOEXEC))?;
        lo = lo.min(page_down(p.p_vaddr));
        hi = hi.max(end);
    }
    let span = page_up(hi).ok_or(errno!(ENOEXEC))? - lo;
    if info.ehdr.e_type == ET_EXEC && page_up(hi).is_none_or(|h| h > mm.max_address()) {
        return_errno!(ENOEXEC, "segment beyond the address space");
    }
    let bias = if info.ehdr.e_type == ET_DYN {
        // Reserve the whole span so the segments land together.
        let addr = mm.mmap(MmapArgs { addr: base.unwrap_or(0), ..MmapArgs::anon(0, span, PROT_NONE, MAP_PRIVATE) })?;
        addr - lo
    } else {
        0
    };
    let mappable = file.mappable()?;
    let mut prev_end = lo + bias;
    for p in &loads {
        let prot = (if p.p_flags & PF_R != 0 { PROT_READ } else { 0 })
            | (if p.p_flags & PF_W != 0 { PROT_WRITE } else { 0 })
            | (if p.p_flags & PF_X != 0 { PROT_EXEC } else { 0 });
        let vstart = page_down(p.p_vaddr + bias);
        let file_end = p.p_vaddr + bias + p.p_filesz;
        let mem_end = page_up(p.p_vaddr + bias + p.p_memsz).ok_or(errno!(ENOEXEC))?;
        if vstart > prev_end && info.ehdr.e_type == ET_DYN {
            // Linux leaves no mapping in the holes between segments.
            mm.munmap(prev_end, vstart - prev_end)?;
        }
        if p.p_filesz > 0 {
            let map_end = page_up(file_end).ok_or(errno!(ENOEXEC))?;
            mm.mmap(MmapArgs {
                addr: vstart,
                len: map_end - vstart,
                prot,
                flags: MAP_PRIVATE | MAP_FIXED,
                object: Some(mappable.clone()),
                offset: page_down(p.p_offset),
                max_prot: PROT_READ | PROT_WRITE | PROT_EXEC,
                name: VmaName::None,
                privileged: false,
            })?;
            // Past the file data, the last page reads as zeros to its end, as Linux's
            // padzero leaves it (ld.so's early allocator hands out that tail).
            if file_end % PAGE_SIZE != 0 && prot & PROT_WRITE != 0 {
                mm.zero_out(file_end, PAGE_SIZE - file_end % PAGE_SIZE)?;
            }
            if mem_end > map_end {
                mm.mmap(MmapArgs::anon(map_end, mem_end - map_end, prot, MAP_PRIVATE | MAP_FIXED))?;
            }
        } else if mem_end > vstart {
            mm.mmap(MmapArgs::anon(vstart, mem_end - vstart, prot, MAP_PRIVATE | MAP_FIXED))?;
        }
        prev_end = prev_end.max(mem_end);
    }
    // Every segment lies in [lo + bias, hi + bias), which the checks above keep inside the
    // address space, so these sums cannot overflow.
    Ok(Mapped { bias, lo: lo + bias, end: page_up(hi + bias).ok_or(errno!(ENOEXEC))? })
}

/// Load `file` (already opened for reading) into the empty `mm`. `open_interp` opens the
/// PT_INTERP path.
pub fn load(
    mm: &MemoryManager,
    file: &Arc<File>,
    open_interp: &mut dyn FnMut(&[u8]) -> KResult<Arc<File>>,
    rng: &mut dyn Random,
) -> KResult<LoadedImage> {
    let info = parse_elf(&mut |buf, off| read_exact_at(file, buf, off))?;
    let mut interp_path = None;
    let mut exec_stack = false;
    for p in &info.phdrs {
        match p.p_type {
            PT_INTERP => {
                if p.p_filesz == 0 || p.p_filesz > 4096 {
                    return_errno!(ENOEXEC, "bad PT_INTERP");
                }
                let mut buf = vec![0u8; p.p_filesz as usize];
                read_exact_at(file, &mut buf, p.p_offset)?;
                if buf.last() != Some(&0) {
                    return_errno!(ENOEXEC, "PT_INTERP not NUL-terminated");
                }
                buf.pop();
                interp_path = Some(buf);
            }
            PT_GNU_STACK => exec_stack = p.p_flags & PF_X != 0,
            _ => {}
        }
    }
    let base = (info.ehdr.e_type == ET_DYN).then(|| ELF_ET_DYN_BASE + (rng.next_u64() % (1 << 16)) * PAGE_SIZE * 16);
    let main = map_segments(mm, file, &info, base)?;
    let phdr = match info.phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        Some(p) => p.p_vaddr.checked_add(main.bias),
        None => info
            .phdrs
            .iter()
            .find(|p| {
                p.p_type == PT_LOAD
                    && p.p_offset <= info.ehdr.e_phoff
                    && info.ehdr.e_phoff < p.p_offset.saturating_add(p.p_filesz)
            })
            .and_then(|p| p.p_vaddr.checked_add(info.ehdr.e_phoff - p.p_offset)?.checked_add(main.bias)),
    };
    // The program headers must lie in what was loaded (ld.so reads them through AT_PHDR).
    let phdr = match phdr {
        Some(a) if a >= main.lo && a < main.end => a,
        Some(_) => return_errno!(ENOEXEC, "program headers outside the loaded image"),
        None => 0,
    };
    let prog_entry = info.ehdr.e_entry.wrapping_add(main.bias);
    let mut image = LoadedImage {
        entry: prog_entry,
        prog_entry,
        phdr,
        phnum: u64::from(info.ehdr.e_phnum),
        interp_base: 0,
        brk_start: main.end.saturating_add((rng.next_u64() % 8192) * PAGE_SIZE).min(mm.max_address()),
        exec_stack,
    };
    if let Some(path) = interp_path {
        let ifile = open_interp(&path)?;
        let iinfo = parse_elf(&mut |buf, off| read_exact_at(&ifile, buf, off))?;
        if iinfo.ehdr.e_type != ET_DYN {
            return_errno!(ELIBBAD, "interpreter is not a shared object");
        }
        let interp = map_segments(mm, &ifile, &iinfo, None)?;
        image.interp_base = interp.bias;
        image.entry = iinfo.ehdr.e_entry.wrapping_add(interp.bias);
    }
    Ok(image)
}

/// Host CPU facts the auxv passes on.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuAux {
    /// AT_HWCAP.
    pub hwcap: u64,
    /// AT_HWCAP2.
    pub hwcap2: u64,
    /// AT_MINSIGSTKSZ.
    pub minsigstksz: u64,
}

/// Identity facts the auxv passes on.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdAux {
    /// Real and effective user and group ids.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective gid.
    pub egid: u32,
}

/// Build the initial stack below `top` and return the initial stack pointer.
#[allow(clippy::too_many_arguments)]
pub fn build_stack(
    mm: &MemoryManager,
    top: u64,
    image: &LoadedImage,
    execfn: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    cpu: CpuAux,
    ids: IdAux,
    random: [u8; 16],
) -> KResult<u64> {
    let mut sp = top;
    let push_bytes = |sp: &mut u64, data: &[u8]| -> KResult<u64> {
        *sp = sp.checked_sub(data.len() as u64).ok_or(errno!(E2BIG))?;
        mm.copy_out(*sp, data)?;
        Ok(*sp)
    };
    let with_nul = |s: &[u8]| {
        let mut v = s.to_vec();
        v.push(0);
        v
    };
    let execfn_addr = push_bytes(&mut sp, &with_nul(execfn))?;
    let mut env_ptrs = Vec::with_capacity(envp.len());
    for e in envp.iter().rev() {
        env_ptrs.push(push_bytes(&mut sp, &with_nul(e))?);
    }
    env_ptrs.reverse();
    let mut arg_ptrs = Vec::with_capacity(argv.len());
    for a in argv.iter().rev() {
        arg_ptrs.push(push_bytes(&mut sp, &with_nul(a))?);
    }
    arg_ptrs.reverse();
    let platform = push_bytes(&mut sp, b"x86_64\0")?;
    sp &= !15;
    let random_addr = push_bytes(&mut sp, &random)?;
    let auxv: Vec<(u64, u64)> = vec![
        (AT_HWCAP, cpu.hwcap),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_PHDR, image.phdr),
        (AT_PHENT, core::mem::size_of::<Elf64Phdr>() as u64),
        (AT_PHNUM, image.phnum),
        (AT_BASE, image.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, image.prog_entry),
        (AT_UID, u64::from(ids.uid)),
        (AT_EUID, u64::from(ids.euid)),
        (AT_GID, u64::from(ids.gid)),
        (AT_EGID, u64::from(ids.egid)),
        (AT_SECURE, 0),
        (AT_RANDOM, random_addr),
        (AT_HWCAP2, cpu.hwcap2),
        (AT_EXECFN, execfn_addr),
        (AT_PLATFORM, platform),
        (AT_MINSIGSTKSZ, cpu.minsigstksz),
        (AT_NULL, 0),
    ];
    let words = 1 + arg_ptrs.len() + 1 + env_ptrs.len() + 1 + 2 * auxv.len();
    sp = sp.checked_sub(words as u64 * 8).ok_or(errno!(E2BIG))? & !15;
    let mut block: Vec<u64> = Vec::with_capacity(words);
    block.push(argv.len() as u64);
    block.extend(&arg_ptrs);
    block.push(0);
    block.extend(&env_ptrs);
    block.push(0);
    for (k, v) in auxv {
        block.push(k);
        block.push(v);
    }
    mm.copy_out(sp, bytemuck::cast_slice(&block))?;
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(f: impl FnOnce(&mut Elf64Ehdr)) -> Vec<u8> {
        let mut e = Elf64Ehdr::zeroed();
        e.e_ident[..4].copy_from_slice(&ELFMAG);
        e.e_ident[4] = ELFCLASS64;
        e.e_ident[5] = ELFDATA2LSB;
        e.e_type = ET_EXEC;
        e.e_machine = EM_X86_64;
        e.e_phentsize = 56;
        e.e_phnum = 1;
        e.e_phoff = 64;
        f(&mut e);
        let mut v = bytemuck::bytes_of(&e).to_vec();
        v.extend(bytemuck::bytes_of(&Elf64Phdr { p_type: PT_LOAD, ..Default::default() }));
        v
    }

    fn parse(bytes: &[u8]) -> KResult<ElfInfo> {
        parse_elf(&mut |buf, off| {
            let off = usize::try_from(off).map_err(|_| errno!(ENOEXEC))?;
            let src = bytes.get(off..off.saturating_add(buf.len())).ok_or(errno!(ENOEXEC))?;
            buf.copy_from_slice(src);
            Ok(())
        })
    }

    #[test]
    fn parses_and_rejects_headers() {
        assert_eq!(parse(&header(|_| {})).unwrap().phdrs.len(), 1);
        let bad = [
            header(|e| e.e_ident[0] = 0),
            header(|e| e.e_ident[4] = 1),
            header(|e| e.e_machine = 3),
            header(|e| e.e_type = 4),
            header(|e| e.e_phentsize = 55),
            header(|e| e.e_phnum = 0),
            header(|e| e.e_phnum = 2000),
            header(|e| e.e_phoff = u64::MAX - 3),
            b"\x7fELF".to_vec(),
            Vec::new(),
        ];
        for b in bad {
            assert_eq!(parse(&b).unwrap_err().errno, kernel_abi::Errno::ENOEXEC);
        }
    }
}
