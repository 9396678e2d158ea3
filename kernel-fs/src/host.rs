//! The host filesystem, read-only: every host file is reached from a donated directory fd
//! with `openat(dirfd, one_component, O_NOFOLLOW)`, never through a host path string, so
//! the Sentry's own resolution (including `..` and symlinks) decides what is reachable.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};

use kernel_abi::flags::mode::*;
use kernel_abi::{errno, return_errno, Errno, Error, KResult, Stat, PAGE_SIZE};
use kernel_mm::{Mappable, MemoryFile};

use crate::{Dentry, FileOps, Inode};

/// State shared by all host inodes of one sandbox.
pub struct HostShared {
    mf: Arc<MemoryFile>,
    caches: Mutex<HashMap<(u64, u64), Arc<PageCache>>>,
    /// The most recent lookups, kept alive so hot paths need no host calls; everything
    /// else is released (with its O_PATH fd) once unused.
    recent: Mutex<std::collections::VecDeque<Arc<Dentry>>>,
}

/// How many recent lookups each host filesystem keeps alive.
const RECENT_DENTRIES: usize = 512;

/// Make the root dentry of a host filesystem from a directory fd (taken over).
pub fn new_root(dirfd: OwnedFd, mf: Arc<MemoryFile>) -> KResult<Arc<Dentry>> {
    Ok(Dentry::new_root(root_inode(dirfd, mf)?))
}

/// Mount the host directory `dirfd` (taken over), read-only, as `parent/name` (a bind
/// mount).
pub fn mount(parent: &Arc<Dentry>, name: &[u8], dirfd: OwnedFd, mf: Arc<MemoryFile>) -> KResult<Arc<Dentry>> {
    let d = Dentry::new_child(parent, name, root_inode(dirfd, mf)?);
    parent.attach(d.clone());
    Ok(d)
}

fn root_inode(dirfd: OwnedFd, mf: Arc<MemoryFile>) -> KResult<Inode> {
    let shared = Arc::new(HostShared {
        mf,
        caches: Mutex::new(HashMap::new()),
        recent: Mutex::new(std::collections::VecDeque::with_capacity(RECENT_DENTRIES)),
    });
    let st = fstat(dirfd.as_raw_fd())?;
    if st.st_mode & S_IFMT != S_IFDIR {
        return_errno!(ENOTDIR);
    }
    Ok(Inode::Host(HostInode { fd: Arc::new(dirfd), stat: st, shared }))
}

/// The calling thread's host errno as an [`Error`] (EIO if it is not one Linux defines).
pub(crate) fn last_errno() -> Error {
    let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
    Error::new(Errno::from_code(code).unwrap_or(Errno::EIO))
}

fn cstr(name: &[u8]) -> KResult<CString> {
    CString::new(name).map_err(|_| errno!(EINVAL))
}

/// fstat of a host fd, converted to the ABI struct.
pub(crate) fn fstat(fd: RawFd) -> KResult<Stat> {
    // SAFETY: an all-zero stat is a valid value of this plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a valid out-pointer for one struct stat.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(last_errno());
    }
    Ok(Stat {
        st_dev: st.st_dev,
        st_ino: st.st_ino,
        st_nlink: st.st_nlink,
        st_mode: st.st_mode,
        st_uid: st.st_uid,
        st_gid: st.st_gid,
        st_rdev: st.st_rdev,
        st_size: st.st_size,
        st_blksize: st.st_blksize,
        st_blocks: st.st_blocks,
        st_atime: st.st_atime,
        st_atime_nsec: st.st_atime_nsec,
        st_mtime: st.st_mtime,
        st_mtime_nsec: st.st_mtime_nsec,
        st_ctime: st.st_ctime,
        st_ctime_nsec: st.st_ctime_nsec,
        ..Default::default()
    })
}

fn openat(dirfd: RawFd, name: &[u8], flags: i32) -> KResult<OwnedFd> {
    let c = cstr(name)?;
    // SAFETY: `c` is NUL-terminated; the flags never include O_CREAT so no mode is read.
    let fd = unsafe { libc::openat(dirfd, c.as_ptr(), flags | libc::O_CLOEXEC | libc::O_NOFOLLOW) };
    if fd < 0 {
        return Err(last_errno());
    }
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A host file or directory, held by an O_PATH descriptor.
pub struct HostInode {
    fd: Arc<OwnedFd>,
    stat: Stat,
    shared: Arc<HostShared>,
}

impl HostInode {
    pub(crate) fn mode(&self) -> u32 {
        self.stat.st_mode
    }

    pub(crate) fn lookup(&self, name: &[u8]) -> KResult<HostInode> {
        if name.contains(&b'/') || name.contains(&0) {
            return_errno!(EINVAL);
        }
        let fd = openat(self.fd.as_raw_fd(), name, libc::O_PATH)?;
        let stat = fstat(fd.as_raw_fd())?;
        Ok(HostInode { fd: Arc::new(fd), stat, shared: self.shared.clone() })
    }

    /// Keep `d` alive among the recent lookups.
    pub(crate) fn remember(&self, d: Arc<Dentry>) {
        let mut r = self.shared.recent.lock().unwrap_or_else(|e| e.into_inner());
        if r.len() == RECENT_DENTRIES {
            r.pop_front();
        }
        r.push_back(d);
    }

    pub(crate) fn readlink(&self) -> KResult<Vec<u8>> {
        let mut buf = vec![0u8; 4096];
        // SAFETY: the empty path names the O_PATH symlink itself; `buf` is writable for
        // its length.
        let n = unsafe { libc::readlinkat(self.fd.as_raw_fd(), c"".as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return Err(last_errno());
        }
        buf.truncate(n as usize);
        Ok(buf)
    }

    pub(crate) fn stat(&self) -> KResult<Stat> {
        fstat(self.fd.as_raw_fd())
    }

    pub(crate) fn statfs(&self) -> KResult<kernel_abi::Statfs> {
        const ST_RDONLY: i64 = 1;
        let mut s = kernel_abi::Statfs::default();
        // SAFETY: `Statfs` has the kernel's x86_64 struct statfs layout, which fstatfs
        // writes; fstatfs works on O_PATH descriptors.
        let r = unsafe { libc::syscall(libc::SYS_fstatfs, self.fd.as_raw_fd(), &mut s as *mut kernel_abi::Statfs) };
        if r != 0 {
            return Err(last_errno());
        }
        // The host's filesystem id says nothing the sandbox needs.
        s.f_fsid = [0, 0];
        s.f_flags |= ST_RDONLY;
        Ok(s)
    }

    pub(crate) fn open(&self, dentry: Arc<Dentry>) -> KResult<Box<dyn FileOps>> {
        let kind = self.stat.st_mode & S_IFMT;
        if kind != S_IFREG && kind != S_IFDIR {
            // Host devices, FIFOs and sockets are not reachable from the sandbox.
            return_errno!(EACCES, "host special files are not passed through");
        }
        // Re-open through the parent directory (an O_PATH fd cannot be upgraded without
        // /proc). O_NONBLOCK keeps a FIFO swapped in meanwhile from blocking the Sentry,
        // and the result must be the very file looked up.
        let mut host_flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
        if kind == S_IFDIR {
            host_flags |= libc::O_DIRECTORY;
        }
        let parent = dentry.parent_raw();
        let fd = match parent.as_deref().map(|p| p.inode()) {
            // (The root of a bind mount sits under another filesystem's directory.)
            Some(Inode::Host(parent)) if Arc::ptr_eq(&parent.shared, &self.shared) => {
                openat(parent.fd.as_raw_fd(), &dentry.name(), host_flags)?
            }
            _ => openat(self.fd.as_raw_fd(), b".", host_flags)?,
        };
        let st = fstat(fd.as_raw_fd())?;
        if (st.st_dev, st.st_ino, st.st_mode & S_IFMT) != (self.stat.st_dev, self.stat.st_ino, kind) {
            return_errno!(ESTALE, "the host file changed between lookup and open");
        }
        // SAFETY: F_SETFL on our own fresh descriptor.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, 0) };
        Ok(Box::new(HostFile {
            fd,
            ino: (self.stat.st_dev, self.stat.st_ino),
            shared: self.shared.clone(),
            name: dentry.path(),
        }))
    }
}

/// An open host file or directory. The host fd carries the file offset.
struct HostFile {
    fd: OwnedFd,
    ino: (u64, u64),
    shared: Arc<HostShared>,
    name: String,
}

/// A host read/write result: a length, or the host errno.
pub(crate) fn check_len(r: isize) -> KResult<usize> {
    if r < 0 {
        return Err(last_errno());
    }
    Ok(r as usize)
}

impl FileOps for HostFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        // SAFETY: `buf` is writable for its length.
        check_len(unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) })
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        let off = i64::try_from(off).map_err(|_| errno!(EINVAL))?;
        // SAFETY: `buf` is writable for its length.
        check_len(unsafe { libc::pread(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), off) })
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        host_seek(self.fd.as_raw_fd(), off, whence)
    }

    fn stat(&self) -> KResult<Stat> {
        fstat(self.fd.as_raw_fd())
    }

    fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        // SAFETY: `buf` is writable for its length; getdents64 writes whole records only.
        let r = unsafe { libc::syscall(libc::SYS_getdents64, self.fd.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
        check_len(r as isize)
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &kernel_mm::MemoryManager) -> KResult<u64> {
        if cmd != kernel_abi::flags::ioctl::FIONREAD {
            return_errno!(ENOTTY);
        }
        let st = fstat(self.fd.as_raw_fd())?;
        if st.st_mode & S_IFMT != S_IFREG {
            return_errno!(ENOTTY);
        }
        // SAFETY: lseek(0, SEEK_CUR) only reads our own descriptor's offset.
        let pos = unsafe { libc::lseek(self.fd.as_raw_fd(), 0, libc::SEEK_CUR) };
        let avail = (st.st_size - pos.max(0)).clamp(0, i32::MAX as i64) as i32;
        mm.write_val(arg, &avail)?;
        Ok(0)
    }

    fn mappable(&self) -> KResult<Arc<dyn Mappable>> {
        if fstat(self.fd.as_raw_fd())?.st_mode & S_IFMT != S_IFREG {
            return_errno!(ENODEV);
        }
        let mut caches = self.shared.caches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = caches.get(&self.ino) {
            return Ok(c.clone());
        }
        // SAFETY: dup of our own descriptor; the copy is owned by the cache.
        let dup = unsafe { libc::fcntl(self.fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(last_errno());
        }
        // SAFETY: `dup` is a fresh descriptor.
        let fd = unsafe { OwnedFd::from_raw_fd(dup) };
        let c = Arc::new(PageCache {
            fd,
            mf: self.shared.mf.clone(),
            ino: self.ino,
            name: self.name.clone(),
            chunks: Mutex::new(HashMap::new()),
            size: std::sync::atomic::AtomicU64::new(0),
        });
        caches.insert(self.ino, c.clone());
        Ok(c)
    }
}

/// lseek on a host descriptor, which carries the file offset.
pub(crate) fn host_seek(fd: RawFd, off: i64, whence: u32) -> KResult<u64> {
    if whence > kernel_abi::flags::seek::SEEK_HOLE {
        return_errno!(EINVAL);
    }
    // SAFETY: lseek on a descriptor the caller owns.
    let r = unsafe { libc::lseek(fd, off, whence as i32) };
    if r < 0 {
        return Err(last_errno());
    }
    Ok(r as u64)
}

/// Pages per page-cache chunk: read and allocated together, contiguous in the memory file
/// so that fault-around maps them in one call.
const CHUNK_PAGES: u64 = 16;

/// The cached contents of one host file, in memory-file pages.
pub struct PageCache {
    fd: OwnedFd,
    mf: Arc<MemoryFile>,
    ino: (u64, u64),
    name: String,
    /// Chunk index -> its pages.
    chunks: Mutex<HashMap<u64, Chunk>>,
    /// File size last seen.
    size: std::sync::atomic::AtomicU64,
}

impl Drop for PageCache {
    fn drop(&mut self) {
        let chunks = self.chunks.get_mut().unwrap_or_else(|e| e.into_inner());
        for c in chunks.values() {
            for i in 0..CHUNK_PAGES {
                self.mf.dec_ref(c.base + i * PAGE_SIZE);
            }
        }
    }
}

/// One chunk of a file's cache: `CHUNK_PAGES` contiguous memory-file pages, of which the
/// first `filled` hold file data (a file that grows is read further on demand).
#[derive(Clone, Copy)]
struct Chunk {
    base: u64,
    filled: u64,
}

impl PageCache {
    /// The file's current size, re-read from the host only when `off` lies beyond the
    /// size last seen.
    fn size_covering(&self, off: u64) -> KResult<u64> {
        let known = self.size.load(std::sync::atomic::Ordering::Relaxed);
        if off < known {
            return Ok(known);
        }
        let now = fstat(self.fd.as_raw_fd())?.st_size.max(0) as u64;
        self.size.store(now, std::sync::atomic::Ordering::Relaxed);
        Ok(now)
    }

    fn read_at(&self, buf: &mut [u8], off: u64) -> usize {
        let mut done = 0;
        while done < buf.len() {
            // SAFETY: the tail of `buf` is writable for the length given.
            let n = unsafe {
                libc::pread(
                    self.fd.as_raw_fd(),
                    buf[done..].as_mut_ptr().cast(),
                    buf.len() - done,
                    (off + done as u64) as i64,
                )
            };
            if n <= 0 {
                break;
            }
            done += n as usize;
        }
        done
    }
}

impl Mappable for PageCache {
    fn get_page(&self, off: u64) -> KResult<u64> {
        let size = self.size_covering(off)?;
        if off >= size.div_ceil(PAGE_SIZE) * PAGE_SIZE {
            return_errno!(EFAULT, "page beyond the end of the file");
        }
        let chunk_bytes = CHUNK_PAGES * PAGE_SIZE;
        let idx = off / chunk_bytes;
        let start = idx * chunk_bytes;
        let want = (off - start) / PAGE_SIZE;
        let mut chunks = self.chunks.lock().unwrap_or_else(|e| e.into_inner());
        let mut chunk = match chunks.get(&idx) {
            Some(&c) => c,
            None => Chunk { base: self.mf.allocate(CHUNK_PAGES)?, filled: 0 },
        };
        if want >= chunk.filled {
            // Read from the first unfilled page to the end of the file within the chunk.
            let end = (size - start).min(chunk_bytes);
            let from = chunk.filled * PAGE_SIZE;
            let mut buf = vec![0u8; (end - from) as usize];
            let n = self.read_at(&mut buf, start + from);
            self.mf.write(chunk.base + from, &buf[..n])?;
            chunk.filled = end.div_ceil(PAGE_SIZE);
        }
        chunks.insert(idx, chunk);
        let page = chunk.base + want * PAGE_SIZE;
        self.mf.inc_ref(page);
        Ok(page)
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn ident(&self) -> (u64, u64) {
        self.ino
    }
}

/// Append one linux_dirent64 record to `buf`; `None` if it does not fit.
pub(crate) fn put_dirent(buf: &mut [u8], ino: u64, off: i64, dtype: u8, name: &[u8]) -> Option<usize> {
    let reclen = (kernel_abi::DIRENT64_NAME_OFFSET + name.len() + 1).div_ceil(8) * 8;
    if reclen > buf.len() {
        return None;
    }
    let rec = &mut buf[..reclen];
    rec.fill(0);
    rec[0..8].copy_from_slice(&ino.to_le_bytes());
    rec[8..16].copy_from_slice(&off.to_le_bytes());
    rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
    rec[18] = dtype;
    rec[19..19 + name.len()].copy_from_slice(name);
    Some(reclen)
}

/// Open a host directory to serve as a filesystem root (runsc uses this once, before the
/// sandbox runs; it is the only host path the VFS ever sees).
pub fn open_root_dir(path: &str) -> std::io::Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: `c` is NUL-terminated.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
