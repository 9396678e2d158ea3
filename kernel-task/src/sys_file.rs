//! File system calls.

use std::sync::Arc;

use kernel_abi::flags::at::*;
use kernel_abi::flags::fcntl::*;
use kernel_abi::flags::ioctl::{FIOCLEX, FIONBIO, FIONCLEX};
use kernel_abi::flags::mman::PROT_WRITE;
use kernel_abi::flags::mode::*;
use kernel_abi::flags::open::*;
use kernel_abi::flags::rlimit::RLIMIT_NOFILE;
use kernel_abi::flags::statx::*;
use kernel_abi::Errno;
use kernel_abi::{errno, return_errno, Iovec, KResult, Stat, Statx, StatxTimestamp};
use kernel_fs::path::{Last, PATH_MAX};
use kernel_fs::tmpfs::NewKind;
use kernel_fs::{Dentry, File};

use crate::task::Task;

/// Largest transfer of one read or write (Linux's MAX_RW_COUNT).
const MAX_RW: u64 = 0x7fff_f000;
/// Per-call buffer ceiling; larger requests return short counts, as Linux may.
const CHUNK: u64 = 16 << 20;
const IOV_MAX: u64 = 1024;

impl Task {
    /// A write that found its pipe or socket closed (EPIPE) also raises SIGPIPE.
    pub(crate) fn check_pipe(&mut self, r: KResult<usize>) -> KResult<usize> {
        if matches!(&r, Err(e) if e.errno == kernel_abi::Errno::EPIPE) {
            let uid = self.creds.uid;
            self.send_signal(kernel_signal::Siginfo::from_process(
                kernel_abi::flags::signal::SIGPIPE,
                kernel_signal::info::SI_USER,
                self.tid,
                uid,
            ));
        }
        r
    }

    /// RLIMIT_FSIZE for a write of `len` bytes to a regular file at `pos` (`None`: the
    /// file's own position, or its end for O_APPEND): the bytes allowed, or SIGXFSZ and
    /// EFBIG when none are.
    fn fsize_allowed(&mut self, f: &File, pos: Option<u64>, len: usize) -> KResult<usize> {
        use kernel_abi::flags::rlimit::RLIMIT_FSIZE;
        let limit = self.rlimit(RLIMIT_FSIZE);
        if limit == kernel_abi::flags::rlimit::RLIM_INFINITY || len == 0 {
            return Ok(len);
        }
        let st = f.stat()?;
        if st.st_mode & S_IFMT != S_IFREG {
            return Ok(len);
        }
        let pos = match pos {
            Some(p) => p,
            None if f.flags() & O_APPEND != 0 => st.st_size.max(0) as u64,
            None => f.seek(0, kernel_abi::flags::seek::SEEK_CUR)?,
        };
        if pos >= limit {
            self.send_signal(kernel_signal::Siginfo::from_process(
                kernel_abi::flags::signal::SIGXFSZ,
                kernel_signal::info::SI_KERNEL,
                0,
                0,
            ));
            return_errno!(EFBIG);
        }
        Ok(len.min((limit - pos) as usize))
    }

    /// write(2) on a file that may accept only part of the data at a time (a pipe): a
    /// blocking write goes on until everything is written, or returns what was written
    /// when interrupted or failing midway; a non-blocking one returns after one step.
    fn write_all_blocking(&mut self, f: &Arc<File>, buf: &[u8]) -> KResult<usize> {
        let nonblock = f.flags() & O_NONBLOCK != 0;
        let mut done = 0;
        loop {
            match self.io_wait(f, |_| f.write(&buf[done..])) {
                Ok(n) => {
                    done += n;
                    if done >= buf.len() || nonblock || n == 0 {
                        return Ok(done);
                    }
                }
                Err(_) if done > 0 => return Ok(done),
                Err(e) => return Err(e),
            }
        }
    }

    /// For a passed-through host descriptor, wait (interruptibly) until it is ready.
    pub(crate) fn ready_for(&mut self, f: &File, write: bool) -> KResult<()> {
        match f.host_fd() {
            Some(fd) => self.wait_host_io(fd, write, f.flags() & O_NONBLOCK != 0),
            None => Ok(()),
        }
    }

    pub(crate) fn file(&self, fd: u64) -> KResult<Arc<File>> {
        self.fds().get(fd as i32)
    }

    fn nofile(&self) -> u64 {
        self.rlimit(RLIMIT_NOFILE)
    }

    pub(crate) fn read_path(&self, addr: u64) -> KResult<Vec<u8>> {
        self.mm.copy_in_cstr(addr, PATH_MAX - 1)
    }

    fn dir_of(&self, dirfd: u64) -> KResult<Arc<Dentry>> {
        if dirfd as i32 == AT_FDCWD {
            return Ok(self.cwd());
        }
        let f = self.file(dirfd)?;
        match f.dentry() {
            Some(d) if d.is_dir() => Ok(d.clone()),
            _ => return_errno!(ENOTDIR),
        }
    }

    /// Resolve `(dirfd, path)` as the *at() calls do. `Ok(None)` with AT_EMPTY_PATH means
    /// "the fd itself", which may have no dentry (a host stdio fd).
    fn lookup_at(&self, dirfd: u64, path: &[u8], flags: u32) -> KResult<Target> {
        if path.is_empty() {
            if flags & AT_EMPTY_PATH == 0 {
                return_errno!(ENOENT);
            }
            if dirfd as i32 == AT_FDCWD {
                return Ok(Target::Dentry(self.cwd()));
            }
            return Ok(Target::File(self.file(dirfd)?));
        }
        let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
        let start = self.start_dir(dirfd, path)?;
        Ok(Target::Dentry(kernel_fs::path::resolve(&self.kernel.root, &start, path, follow)?))
    }

    /// Where resolution of `path` relative to `dirfd` starts.
    fn start_dir(&self, dirfd: u64, path: &[u8]) -> KResult<Arc<Dentry>> {
        if path.first() == Some(&b'/') {
            Ok(self.kernel.root.clone())
        } else {
            self.dir_of(dirfd)
        }
    }

    /// Split `(dirfd, path)` into its parent directory and last component.
    pub(crate) fn parent_at(&self, dirfd: u64, path: &[u8]) -> KResult<kernel_fs::path::ParentPath> {
        if path.is_empty() {
            return_errno!(ENOENT);
        }
        let start = self.start_dir(dirfd, path)?;
        kernel_fs::path::resolve_parent(&self.kernel.root, &start, path)
    }

    /// The credentials file permissions are checked against.
    pub(crate) fn fs_cred(&self) -> kernel_fs::Cred {
        kernel_fs::Cred { uid: self.creds.euid, gid: self.creds.egid, groups: self.creds.groups.clone() }
    }
}

enum Target {
    Dentry(Arc<Dentry>),
    File(Arc<File>),
}

impl Target {
    fn stat(&self) -> KResult<Stat> {
        match self {
            Target::Dentry(d) => d.stat(),
            Target::File(f) => f.stat(),
        }
    }
}

fn io_len(len: u64) -> u64 {
    len.min(MAX_RW).min(CHUNK)
}

pub(crate) fn sys_read(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let len = io_len(a[2]);
    if let Some(r) = crate::signalfd::read(t, &f, a[1], len) {
        return r;
    }
    if !t.mm.check_access(a[1], len, PROT_WRITE) {
        return_errno!(EFAULT);
    }
    if f.readable() {
        t.ready_for(&f, false)?;
    }
    let mut buf = vec![0u8; len as usize];
    let n = crate::tty::read(t, &f, &mut buf)?;
    t.mm.copy_out(a[1], &buf[..n])?;
    Ok(n as u64)
}

pub(crate) fn sys_write(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let len = io_len(a[2]);
    let mut buf = vec![0u8; len as usize];
    t.mm.copy_in(a[1], &mut buf)?;
    if f.writable() {
        crate::tty::check_write(t, &f)?;
        t.ready_for(&f, true)?;
    }
    let n = t.fsize_allowed(&f, None, buf.len())?;
    let r = t.write_all_blocking(&f, &buf[..n]);
    t.check_pipe(r).map(|n| n as u64)
}

pub(crate) fn sys_pread64(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[3] as i64) < 0 {
        return_errno!(EINVAL);
    }
    let f = t.file(a[0])?;
    let len = io_len(a[2]);
    if !t.mm.check_access(a[1], len, PROT_WRITE) {
        return_errno!(EFAULT);
    }
    let mut buf = vec![0u8; len as usize];
    let n = f.pread(&mut buf, a[3])?;
    t.mm.copy_out(a[1], &buf[..n])?;
    Ok(n as u64)
}

pub(crate) fn sys_pwrite64(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[3] as i64) < 0 {
        return_errno!(EINVAL);
    }
    let f = t.file(a[0])?;
    let mut buf = vec![0u8; io_len(a[2]) as usize];
    t.mm.copy_in(a[1], &mut buf)?;
    let n = t.fsize_allowed(&f, Some(a[3]), buf.len())?;
    t.check_pipe(f.pwrite(&buf[..n], a[3])).map(|n| n as u64)
}

pub(crate) fn read_iovecs(t: &Task, addr: u64, cnt: u64) -> KResult<Vec<Iovec>> {
    if cnt > IOV_MAX {
        return_errno!(EINVAL);
    }
    let mut v = vec![Iovec::default(); cnt as usize];
    t.mm.copy_in(addr, bytemuck::cast_slice_mut(&mut v))?;
    let mut total: u64 = 0;
    for iov in &v {
        if (iov.iov_len as i64) < 0 {
            return_errno!(EINVAL);
        }
        total = total.checked_add(iov.iov_len).filter(|&x| x <= i64::MAX as u64).ok_or(errno!(EINVAL))?;
    }
    Ok(v)
}

pub(crate) fn sys_readv(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let iovs = read_iovecs(t, a[1], a[2])?;
    let total = io_len(iovs.iter().map(|i| i.iov_len).sum());
    for iov in &iovs {
        if !t.mm.check_access(iov.iov_base, iov.iov_len.min(total), PROT_WRITE) {
            return_errno!(EFAULT);
        }
    }
    if f.readable() {
        t.ready_for(&f, false)?;
    }
    let mut buf = vec![0u8; total as usize];
    let n = crate::tty::read(t, &f, &mut buf)?;
    scatter(t, &iovs, &buf[..n])?;
    Ok(n as u64)
}

/// Scatter `buf` into the iovecs.
pub(crate) fn scatter(t: &Task, iovs: &[Iovec], buf: &[u8]) -> KResult<()> {
    let mut done = 0;
    for iov in iovs {
        if done >= buf.len() {
            break;
        }
        let k = (iov.iov_len as usize).min(buf.len() - done);
        t.mm.copy_out(iov.iov_base, &buf[done..done + k])?;
        done += k;
    }
    Ok(())
}

/// Gather the iovecs into one buffer (at most one chunk).
pub(crate) fn gather(t: &Task, iovs: &[Iovec]) -> KResult<Vec<u8>> {
    let mut buf = Vec::new();
    for iov in iovs {
        let k = iov.iov_len.min(CHUNK - buf.len() as u64) as usize;
        let start = buf.len();
        buf.resize(start + k, 0);
        t.mm.copy_in(iov.iov_base, &mut buf[start..])?;
        if buf.len() as u64 >= CHUNK {
            break;
        }
    }
    Ok(buf)
}

/// preadv2 flags Linux defines (RWF_HIPRI, DSYNC, SYNC, NOWAIT, APPEND).
const RWF_SUPPORTED: u64 = 0x1f;

fn positioned_offset(off: u64, flags: u64) -> KResult<Option<u64>> {
    if flags & !RWF_SUPPORTED != 0 {
        return_errno!(EOPNOTSUPP);
    }
    match off as i64 {
        -1 => Ok(None),
        o if o < 0 => return_errno!(EINVAL),
        o => Ok(Some(o as u64)),
    }
}

fn do_preadv(t: &mut Task, a: [u64; 6], off: Option<u64>) -> KResult<u64> {
    let f = t.file(a[0])?;
    let iovs = read_iovecs(t, a[1], a[2])?;
    let total = io_len(iovs.iter().map(|i| i.iov_len).sum());
    let mut buf = vec![0u8; total as usize];
    let n = match off {
        Some(o) => f.pread(&mut buf, o)?,
        None => f.read(&mut buf)?,
    };
    scatter(t, &iovs, &buf[..n])?;
    Ok(n as u64)
}

fn do_pwritev(t: &mut Task, a: [u64; 6], off: Option<u64>) -> KResult<u64> {
    let f = t.file(a[0])?;
    let iovs = read_iovecs(t, a[1], a[2])?;
    let buf = gather(t, &iovs)?;
    let n = t.fsize_allowed(&f, off, buf.len())?;
    Ok(match off {
        Some(o) => t.check_pipe(f.pwrite(&buf[..n], o))?,
        None => t.check_pipe(f.write(&buf[..n]))?,
    } as u64)
}

pub(crate) fn sys_preadv(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[3] as i64) < 0 {
        return_errno!(EINVAL);
    }
    do_preadv(t, a, Some(a[3]))
}

pub(crate) fn sys_pwritev(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[3] as i64) < 0 {
        return_errno!(EINVAL);
    }
    do_pwritev(t, a, Some(a[3]))
}

pub(crate) fn sys_preadv2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let off = positioned_offset(a[3], a[5])?;
    do_preadv(t, a, off)
}

pub(crate) fn sys_pwritev2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let off = positioned_offset(a[3], a[5])?;
    do_pwritev(t, a, off)
}

pub(crate) fn sys_writev(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let iovs = read_iovecs(t, a[1], a[2])?;
    let buf = gather(t, &iovs)?;
    if f.writable() {
        crate::tty::check_write(t, &f)?;
        t.ready_for(&f, true)?;
    }
    let n = t.fsize_allowed(&f, None, buf.len())?;
    let r = t.write_all_blocking(&f, &buf[..n]);
    t.check_pipe(r).map(|n| n as u64)
}

fn do_open(t: &mut Task, dirfd: u64, path_addr: u64, flags: u32, mode: u32) -> KResult<u64> {
    if flags & (O_CREAT | O_DIRECTORY) == O_CREAT | O_DIRECTORY {
        return_errno!(EINVAL);
    }
    let path = t.read_path(path_addr)?;
    if flags & O_TMPFILE == O_TMPFILE {
        return open_tmpfile(t, dirfd, &path, flags, mode);
    }
    let (d, created) = if flags & O_CREAT != 0 {
        open_creating(t, dirfd, &path, flags, mode)?
    } else {
        let follow = flags & O_NOFOLLOW == 0;
        match t.lookup_at(dirfd, &path, if follow { 0 } else { AT_SYMLINK_NOFOLLOW })? {
            Target::Dentry(d) => (d, false),
            Target::File(_) => return_errno!(ENOENT),
        }
    };
    if flags & O_DIRECTORY != 0 && !d.is_dir() {
        return_errno!(ENOTDIR);
    }
    if d.is_symlink() && flags & O_PATH == 0 {
        return_errno!(ELOOP);
    }
    if flags & O_CREAT != 0 && d.is_dir() {
        return_errno!(EISDIR);
    }
    let file = if created {
        // A file just made may be opened however its creator asked, whatever its mode.
        d.open_as((flags & !O_TRUNC) | O_LARGEFILE, None)?
    } else {
        let cred = t.fs_cred();
        crate::tty::on_open(t, &d, d.open_as(flags | O_LARGEFILE, Some(&cred)), flags | O_LARGEFILE)?
    };
    // A FIFO opened for reading or writing only waits (interruptibly) for the other side.
    t.io_wait(&file, |_| if kernel_fs::pipe::fifo_open_done(&file) { Ok(()) } else { return_errno!(EAGAIN) })?;
    let limit = t.nofile();
    Ok(t.fds().insert(file, flags & O_CLOEXEC != 0, 0, limit)? as u64)
}

/// open with O_CREAT: the existing file (following a final symlink unless O_EXCL or
/// O_NOFOLLOW, even a dangling one, whose target is then created) or a new one.
fn open_creating(t: &Task, dirfd: u64, path: &[u8], flags: u32, mode: u32) -> KResult<(Arc<Dentry>, bool)> {
    let excl = flags & O_EXCL != 0;
    let follow = flags & O_NOFOLLOW == 0 && !excl;
    let root = t.kernel.root.clone();
    let mut start = t.start_dir(dirfd, path)?;
    let mut path = path.to_vec();
    let mut links = 0;
    loop {
        let pp = kernel_fs::path::resolve_parent(&root, &start, &path)?;
        let Last::Name(name) = pp.last else {
            // ".", ".." or "/": an existing directory.
            if excl {
                return_errno!(EEXIST);
            }
            return Ok((kernel_fs::path::resolve(&root, &start, &path, true)?, false));
        };
        if pp.trailing_slash {
            return_errno!(EISDIR);
        }
        match pp.parent.lookup(&name) {
            Ok(d) if excl => {
                drop(d);
                return_errno!(EEXIST);
            }
            Ok(d) if d.is_symlink() && follow => {
                links += 1;
                if links > kernel_fs::path::MAXSYMLINKS {
                    return_errno!(ELOOP);
                }
                path = d.readlink()?;
                if path.is_empty() {
                    return_errno!(ENOENT);
                }
                start = pp.parent;
            }
            Ok(d) => return Ok((d, false)),
            Err(e) if e.errno == Errno::ENOENT => {
                let mode = mode & 0o7777 & !t.fs_info().umask;
                let cred = t.fs_cred();
                return Ok((pp.parent.create_child(&name, NewKind::File, mode, &cred)?, true));
            }
            Err(e) => return Err(e),
        }
    }
}

/// O_TMPFILE: an unnamed regular file in the directory's filesystem, linkable with
/// linkat(AT_EMPTY_PATH) unless O_EXCL.
fn open_tmpfile(t: &mut Task, dirfd: u64, path: &[u8], flags: u32, mode: u32) -> KResult<u64> {
    if flags & O_CREAT != 0 || !matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) {
        return_errno!(EINVAL);
    }
    let d = match t.lookup_at(dirfd, path, 0)? {
        Target::Dentry(d) => d,
        Target::File(_) => return_errno!(ENOENT),
    };
    if !d.is_dir() {
        return_errno!(ENOTDIR);
    }
    let mode = mode & 0o7777 & !t.fs_info().umask;
    let f = d.create_tmpfile(mode, &t.fs_cred(), flags & O_EXCL == 0)?;
    let file = f.open_as((flags & !(O_TMPFILE | O_EXCL)) | O_LARGEFILE, None)?;
    let limit = t.nofile();
    Ok(t.fds().insert(file, flags & O_CLOEXEC != 0, 0, limit)? as u64)
}

pub(crate) fn sys_open(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_open(t, AT_FDCWD as i64 as u64, a[0], a[1] as u32, a[2] as u32)
}

pub(crate) fn sys_openat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_open(t, a[0], a[1], a[2] as u32, a[3] as u32)
}

pub(crate) fn sys_creat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_open(t, AT_FDCWD as i64 as u64, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1] as u32)
}

pub(crate) fn sys_close(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.fds().remove(a[0] as i32)?;
    crate::sys_lock::closed(t, &f);
    Ok(0)
}

/// close_range(2): close (or mark close-on-exec) every open descriptor in
/// `[first, last]`, each as close(2) does; CLOSE_RANGE_UNSHARE first gives the caller a
/// private copy of a shared table.
pub(crate) fn sys_close_range(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    const CLOSE_RANGE_UNSHARE: u32 = 2;
    const CLOSE_RANGE_CLOEXEC: u32 = 4;
    let (first, last, flags) = (a[0] as u32, a[1] as u32, a[2] as u32);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return_errno!(EINVAL);
    }
    if flags & CLOSE_RANGE_UNSHARE != 0 {
        crate::sys_misc::sys_unshare(t, [kernel_abi::flags::clone::CLONE_FILES, 0, 0, 0, 0, 0])?;
    }
    let in_range: Vec<i32> = t.fds().fds().into_iter().filter(|&fd| (first..=last).contains(&(fd as u32))).collect();
    for fd in in_range {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            t.fds().set_cloexec(fd, true)?;
        } else {
            let removed = t.fds().remove(fd);
            if let Ok(f) = removed {
                crate::sys_lock::closed(t, &f);
            }
        }
    }
    Ok(0)
}

pub(crate) fn sys_fstat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let st = t.file(a[0])?.stat()?;
    t.mm.write_val(a[1], &st)?;
    Ok(0)
}

fn stat_path(t: &mut Task, dirfd: u64, path: u64, buf: u64, flags: u32) -> KResult<u64> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(path)?;
    let st = t.lookup_at(dirfd, &p, flags)?.stat()?;
    t.mm.write_val(buf, &st)?;
    Ok(0)
}

pub(crate) fn sys_stat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    stat_path(t, AT_FDCWD as i64 as u64, a[0], a[1], 0)
}

pub(crate) fn sys_lstat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    stat_path(t, AT_FDCWD as i64 as u64, a[0], a[1], AT_SYMLINK_NOFOLLOW)
}

pub(crate) fn sys_newfstatat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    stat_path(t, a[0], a[1], a[2], a[3] as u32)
}

fn ts(sec: i64, nsec: i64) -> StatxTimestamp {
    StatxTimestamp { tv_sec: sec, tv_nsec: nsec as u32, __reserved: 0 }
}

pub(crate) fn sys_statx(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[2] as u32;
    let mask = a[3] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE) != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
    {
        return_errno!(EINVAL);
    }
    if mask & STATX__RESERVED != 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(a[1])?;
    let st = t.lookup_at(a[0], &p, flags)?.stat()?;
    let sx = Statx {
        stx_mask: STATX_BASIC_STATS,
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink as u32,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_atime: ts(st.st_atime, st.st_atime_nsec),
        stx_ctime: ts(st.st_ctime, st.st_ctime_nsec),
        stx_mtime: ts(st.st_mtime, st.st_mtime_nsec),
        stx_rdev_major: libc::major(st.st_rdev),
        stx_rdev_minor: libc::minor(st.st_rdev),
        stx_dev_major: libc::major(st.st_dev),
        stx_dev_minor: libc::minor(st.st_dev),
        ..Default::default()
    };
    t.mm.write_val(a[4], &sx)?;
    Ok(0)
}

pub(crate) fn sys_lseek(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.file(a[0])?.seek(a[1] as i64, a[2] as u32)
}

fn do_access(t: &mut Task, dirfd: u64, path: u64, mode: u64, flags: u32) -> KResult<u64> {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(path)?;
    let target = t.lookup_at(dirfd, &p, flags)?;
    let st = target.stat()?;
    let mode = mode as u32;
    let (uid, gid) = if flags & AT_EACCESS != 0 { (t.creds.euid, t.creds.egid) } else { (t.creds.uid, t.creds.gid) };
    let writable_fs = match &target {
        Target::Dentry(d) => !d.is_read_only(),
        Target::File(_) => true,
    };
    if mode & W_OK != 0 && !writable_fs && st.st_mode & S_IFMT != S_IFCHR {
        return_errno!(EROFS);
    }
    let perm = st.st_mode & 0o777;
    let allowed = if uid == 0 {
        let any_x = perm & 0o111 != 0 || st.st_mode & S_IFMT == S_IFDIR;
        R_OK | W_OK | if any_x { X_OK } else { 0 }
    } else if st.st_uid == uid {
        (perm >> 6) & 7
    } else if st.st_gid == gid || t.creds.groups.contains(&st.st_gid) {
        (perm >> 3) & 7
    } else {
        perm & 7
    };
    if mode & !allowed != 0 {
        return_errno!(EACCES);
    }
    Ok(0)
}

pub(crate) fn sys_access(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_access(t, AT_FDCWD as i64 as u64, a[0], a[1], 0)
}

pub(crate) fn sys_faccessat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_access(t, a[0], a[1], a[2], 0)
}

pub(crate) fn sys_faccessat2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_access(t, a[0], a[1], a[2], a[3] as u32)
}

fn do_readlink(t: &mut Task, dirfd: u64, path: u64, buf: u64, size: u64) -> KResult<u64> {
    if (size as i32) <= 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(path)?;
    if p.is_empty() && dirfd as i32 == AT_FDCWD {
        return_errno!(ENOENT);
    }
    let d = match t.lookup_at(dirfd, &p, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)? {
        Target::Dentry(d) => d,
        Target::File(f) => f.dentry().cloned().ok_or(errno!(ENOENT))?,
    };
    // An empty path names the fd itself, which must then be a symlink.
    if p.is_empty() && !d.is_symlink() {
        return_errno!(ENOENT);
    }
    let target = d.readlink()?;
    let n = target.len().min(size as usize);
    t.mm.copy_out(buf, &target[..n])?;
    Ok(n as u64)
}

pub(crate) fn sys_readlink(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_readlink(t, AT_FDCWD as i64 as u64, a[0], a[1], a[2])
}

pub(crate) fn sys_readlinkat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_readlink(t, a[0], a[1], a[2], a[3])
}

pub(crate) fn sys_getcwd(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let cwd = t.cwd();
    if cwd.is_removed() {
        return_errno!(ENOENT);
    }
    let mut p = cwd.path_bytes();
    p.push(0);
    if (a[1] as usize) < p.len() {
        return_errno!(ERANGE);
    }
    t.mm.copy_out(a[0], &p)?;
    Ok(p.len() as u64)
}

pub(crate) fn sys_chdir(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    let d = t.lookup(&p, true)?;
    if !d.is_dir() {
        return_errno!(ENOTDIR);
    }
    t.fs_info().cwd = d;
    Ok(0)
}

pub(crate) fn sys_fchdir(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    match f.dentry() {
        Some(d) if d.is_dir() => {
            t.fs_info().cwd = d.clone();
            Ok(0)
        }
        _ => return_errno!(ENOTDIR),
    }
}

pub(crate) fn sys_getdents64(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let len = a[2].min(CHUNK) as usize;
    if !t.mm.check_access(a[1], len as u64, PROT_WRITE) {
        return_errno!(EFAULT);
    }
    let mut buf = vec![0u8; len];
    let n = f.getdents(&mut buf)?;
    t.mm.copy_out(a[1], &buf[..n])?;
    Ok(n as u64)
}

pub(crate) fn sys_fcntl(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let fd = a[0] as i32;
    let f = t.fds().get(fd)?;
    match a[1] as u32 {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = a[2] as i32;
            if min < 0 || min as u64 >= t.nofile() {
                return_errno!(EINVAL);
            }
            let limit = t.nofile();
            Ok(t.fds().insert(f, a[1] as u32 == F_DUPFD_CLOEXEC, min, limit)? as u64)
        }
        F_GETFD => Ok(if t.fds().cloexec(fd)? { FD_CLOEXEC as u64 } else { 0 }),
        F_SETFD => {
            t.fds().set_cloexec(fd, a[2] as u32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(u64::from(f.flags())),
        F_SETFL => {
            if f.flags() & O_PATH != 0 {
                return_errno!(EBADF);
            }
            f.set_status_flags(a[2] as u32);
            Ok(0)
        }
        cmd @ (F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW) => {
            crate::sys_lock::fcntl_lock(t, f, cmd, a[2])
        }
        _ => {
            t.kernel.log_once(Some(kernel_abi::nr::FCNTL), "unsupported command: EINVAL");
            return_errno!(EINVAL)
        }
    }
}

pub(crate) fn sys_dup(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    let limit = t.nofile();
    Ok(t.fds().insert(f, false, 0, limit)? as u64)
}

pub(crate) fn sys_dup2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    if a[0] as i32 == a[1] as i32 {
        return Ok(a[1] as i32 as u64);
    }
    let limit = t.nofile();
    let old = t.fds().install_at(a[1] as i32, f, false, limit)?;
    if let Some(old) = old {
        crate::sys_lock::closed(t, &old);
    }
    Ok(a[1] as i32 as u64)
}

pub(crate) fn sys_dup3(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[2] as u32 & !O_CLOEXEC != 0 || a[0] as i32 == a[1] as i32 {
        return_errno!(EINVAL);
    }
    let f = t.file(a[0])?;
    let limit = t.nofile();
    let old = t.fds().install_at(a[1] as i32, f, a[2] as u32 & O_CLOEXEC != 0, limit)?;
    if let Some(old) = old {
        crate::sys_lock::closed(t, &old);
    }
    Ok(a[1] as i32 as u64)
}

pub(crate) fn sys_ioctl(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let fd = a[0] as i32;
    let f = t.fds().get(fd)?;
    if f.flags() & O_PATH != 0 {
        return_errno!(EBADF);
    }
    match a[1] & 0xffff_ffff {
        FIOCLEX | FIONCLEX => {
            t.fds().set_cloexec(fd, a[1] & 0xffff_ffff == FIOCLEX)?;
            Ok(0)
        }
        FIONBIO => {
            let on: i32 = t.mm.read_val(a[2])?;
            let fl = f.flags();
            f.set_status_flags(if on != 0 { fl | O_NONBLOCK } else { fl & !O_NONBLOCK });
            Ok(0)
        }
        cmd => {
            if let Some(r) = crate::tty::ioctl(t, &f, cmd, a[2]) {
                return r;
            }
            let r = f.ioctl(cmd, a[2], &t.mm);
            if matches!(&r, Err(e) if e.errno == Errno::ENOTTY) && crate::tty::is_terminal(t, &f) {
                t.kernel.log_once(Some(kernel_abi::nr::IOCTL), "unsupported terminal ioctl: ENOTTY");
            }
            r
        }
    }
}

pub(crate) fn sys_umask(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let mut fs = t.fs_info();
    let old = fs.umask;
    fs.umask = a[0] as u32 & 0o777;
    Ok(u64::from(old))
}

fn statfs_of(t: &Task, target: &Target) -> KResult<kernel_abi::Statfs> {
    match target {
        Target::Dentry(d) => d.statfs(),
        Target::File(f) => match f.dentry() {
            Some(d) => d.statfs(),
            // A host stdio fd: report it as the Sentry's own, not the host's.
            None => t.kernel.root.statfs().map(|mut s| {
                s.f_type = 0x0102_1994;
                s
            }),
        },
    }
}

pub(crate) fn sys_statfs(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    let target = t.lookup_at(AT_FDCWD as i64 as u64, &p, 0)?;
    let s = statfs_of(t, &target)?;
    t.mm.write_val(a[1], &s)?;
    Ok(0)
}

pub(crate) fn sys_fstatfs(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let target = Target::File(t.file(a[0])?);
    let s = statfs_of(t, &target)?;
    t.mm.write_val(a[1], &s)?;
    Ok(0)
}

// -------------------------------------------------------------------------------------
// Extended attributes: user.* and trusted.* on tmpfs nodes (and so on the overlay's upper
// layer); a lower-layer host file has none until a change copies it up.

const CAP_SYS_ADMIN: u32 = 21;

/// Where an xattr call applies: a path (followed unless `l*`) or a descriptor.
enum XattrAt {
    Path(u64, bool),
    Fd(u64),
}

fn xattr_name(t: &Task, addr: u64) -> KResult<Vec<u8>> {
    match t.mm.copy_in_cstr(addr, kernel_fs::xattr::NAME_MAX) {
        Err(e) if e.errno == Errno::ENAMETOOLONG => return_errno!(ERANGE),
        Ok(n) if n.is_empty() => return_errno!(ERANGE),
        r => r,
    }
}

/// The dentry an xattr call applies to. A descriptor without one (a pipe, a socket)
/// has no attributes: after the namespace rules for its file type (`name`; `None` for a
/// listing, which is empty), EOPNOTSUPP.
fn xattr_target(t: &Task, at: XattrAt, name: Option<&[u8]>, write: bool) -> KResult<Arc<Dentry>> {
    match at {
        XattrAt::Path(addr, follow) => {
            let p = t.read_path(addr)?;
            t.lookup(&p, follow)
        }
        XattrAt::Fd(fd) => {
            let (f, d) = fd_dentry(t, fd)?;
            match (d, name) {
                (Some(d), _) => Ok(d),
                (None, None) => return_errno!(ENODATA),
                (None, Some(name)) => {
                    let mode = f.stat()?.st_mode;
                    kernel_fs::xattr::check_access(name, mode, true, t.creds.capable(CAP_SYS_ADMIN), write)?;
                    return_errno!(EOPNOTSUPP)
                }
            }
        }
    }
}

fn do_setxattr(t: &mut Task, at: XattrAt, a: [u64; 6]) -> KResult<u64> {
    use kernel_fs::xattr::{SIZE_MAX, XATTR_CREATE, XATTR_REPLACE};
    let (name, value, size, flags) = (a[1], a[2], a[3], a[4] as u32);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return_errno!(EINVAL);
    }
    let name = xattr_name(t, name)?;
    if size > SIZE_MAX as u64 {
        return_errno!(E2BIG);
    }
    let mut v = vec![0u8; size as usize];
    t.mm.copy_in(value, &mut v)?;
    let d = xattr_target(t, at, Some(&name), true)?;
    d.setxattr(&name, &v, flags, &t.fs_cred(), t.creds.capable(CAP_SYS_ADMIN))?;
    Ok(0)
}

fn do_getxattr(t: &mut Task, at: XattrAt, a: [u64; 6]) -> KResult<u64> {
    let name = xattr_name(t, a[1])?;
    let d = xattr_target(t, at, Some(&name), false)?;
    let mut buf = vec![0u8; a[3].min(kernel_fs::xattr::SIZE_MAX as u64) as usize];
    let n = d.getxattr(&name, &mut buf, &t.fs_cred(), t.creds.capable(CAP_SYS_ADMIN))?;
    if !buf.is_empty() {
        t.mm.copy_out(a[2], &buf[..n])?;
    }
    Ok(n as u64)
}

fn do_listxattr(t: &mut Task, at: XattrAt, a: [u64; 6]) -> KResult<u64> {
    let d = match xattr_target(t, at, None, false) {
        Err(e) if e.errno == Errno::ENODATA => return Ok(0),
        r => r?,
    };
    let list = d.listxattr(t.creds.capable(CAP_SYS_ADMIN))?;
    let mut buf = vec![0u8; a[2].min(kernel_fs::xattr::LIST_MAX as u64) as usize];
    let n = kernel_fs::xattr::fill_list(&list, &mut buf)?;
    if !buf.is_empty() {
        t.mm.copy_out(a[1], &buf[..n])?;
    }
    Ok(n as u64)
}

fn do_removexattr(t: &mut Task, at: XattrAt, a: [u64; 6]) -> KResult<u64> {
    let name = xattr_name(t, a[1])?;
    let d = xattr_target(t, at, Some(&name), true)?;
    d.removexattr(&name, &t.fs_cred(), t.creds.capable(CAP_SYS_ADMIN))?;
    Ok(0)
}

pub(crate) fn sys_setxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_setxattr(t, XattrAt::Path(a[0], true), a)
}

pub(crate) fn sys_lsetxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_setxattr(t, XattrAt::Path(a[0], false), a)
}

pub(crate) fn sys_fsetxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_setxattr(t, XattrAt::Fd(a[0]), a)
}

pub(crate) fn sys_getxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_getxattr(t, XattrAt::Path(a[0], true), a)
}

pub(crate) fn sys_lgetxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_getxattr(t, XattrAt::Path(a[0], false), a)
}

pub(crate) fn sys_fgetxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_getxattr(t, XattrAt::Fd(a[0]), a)
}

pub(crate) fn sys_listxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_listxattr(t, XattrAt::Path(a[0], true), a)
}

pub(crate) fn sys_llistxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_listxattr(t, XattrAt::Path(a[0], false), a)
}

pub(crate) fn sys_flistxattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_listxattr(t, XattrAt::Fd(a[0]), a)
}

pub(crate) fn sys_removexattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_removexattr(t, XattrAt::Path(a[0], true), a)
}

pub(crate) fn sys_lremovexattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_removexattr(t, XattrAt::Path(a[0], false), a)
}

pub(crate) fn sys_fremovexattr(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_removexattr(t, XattrAt::Fd(a[0]), a)
}

pub(crate) fn sys_pipe2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[1] as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        if flags & O_DIRECT != 0 {
            t.kernel.log_once(Some(kernel_abi::nr::PIPE2), "packet-mode pipes (O_DIRECT) are not supported");
        }
        return_errno!(EINVAL);
    }
    let (r, w) = kernel_fs::pipe::new_pipe(flags & O_NONBLOCK);
    let cloexec = flags & O_CLOEXEC != 0;
    let limit = t.nofile();
    let rfd = t.fds().insert(r, cloexec, 0, limit)?;
    let wfd = match t.fds().insert(w, cloexec, 0, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.fds().remove(rfd);
            return Err(e);
        }
    };
    if let Err(e) = t.mm.write_val(a[0], &[rfd, wfd]) {
        let _ = t.fds().remove(rfd);
        let _ = t.fds().remove(wfd);
        return Err(e);
    }
    Ok(0)
}

pub(crate) fn sys_pipe(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    sys_pipe2(t, [a[0], 0, 0, 0, 0, 0])
}

// -------------------------------------------------------------------------------------
// Changing the tree: names, attributes and sizes.

const AT_FDCWD_ARG: u64 = AT_FDCWD as i64 as u64;
/// "Leave unchanged" for chown's ids.
const NO_ID: u32 = u32::MAX;
/// utimensat's special nanosecond values.
const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;
/// fallocate: keep the size when allocating past the end.
const FALLOC_FL_KEEP_SIZE: u64 = 1;
/// fallocate modes Linux defines (KEEP_SIZE, PUNCH_HOLE, NO_HIDE_STALE, COLLAPSE_RANGE,
/// ZERO_RANGE, INSERT_RANGE, UNSHARE_RANGE, WRITE_ZEROES).
const FALLOC_FL_ALL: u64 = 0xff;
/// renameat2 flags.
const RENAME_WHITEOUT: u32 = 4;

/// The name a creating call makes, after Linux's checks of the path: EEXIST for ".",
/// "..", "/" and a name that exists; ENOENT for a trailing slash on a non-directory.
fn new_name(pp: &kernel_fs::path::ParentPath, dir: bool) -> KResult<Vec<u8>> {
    let Last::Name(name) = &pp.last else { return_errno!(EEXIST) };
    match pp.parent.lookup(name) {
        Ok(_) => return_errno!(EEXIST),
        Err(e) if e.errno == Errno::ENOENT => {}
        Err(e) => return Err(e),
    }
    if pp.trailing_slash && !dir {
        return_errno!(ENOENT);
    }
    Ok(name.clone())
}

fn do_mkdir(t: &mut Task, dirfd: u64, path: u64, mode: u32) -> KResult<u64> {
    let p = t.read_path(path)?;
    let pp = t.parent_at(dirfd, &p)?;
    let name = new_name(&pp, true)?;
    let mode = mode & 0o1777 & !t.fs_info().umask;
    pp.parent.create_child(&name, NewKind::Dir, mode, &t.fs_cred())?;
    Ok(0)
}

/// mknod(2) and mknodat(2): regular files, FIFOs and socket nodes. Device nodes are
/// refused with EPERM whatever the caller's capabilities, as gVisor does: the sandbox
/// has no devices but the Sentry's own (Linux gives EPERM only without CAP_MKNOD).
fn do_mknod(t: &mut Task, dirfd: u64, path: u64, mode: u32, _dev: u64) -> KResult<u64> {
    let p = t.read_path(path)?;
    let kind = match mode & S_IFMT {
        0 | S_IFREG => NewKind::File,
        S_IFIFO => NewKind::Fifo,
        S_IFSOCK => NewKind::Socket(std::sync::Arc::new(())),
        S_IFCHR | S_IFBLK => {
            let pp = t.parent_at(dirfd, &p)?;
            new_name(&pp, false)?;
            pp.parent.check_writable()?;
            if t.creds.capable(crate::creds::CAP_MKNOD) {
                t.kernel.log_once(Some(kernel_abi::nr::MKNODAT), "device nodes are not allowed in the sandbox: EPERM");
            }
            return_errno!(EPERM);
        }
        S_IFDIR => return_errno!(EPERM),
        _ => return_errno!(EINVAL),
    };
    let pp = t.parent_at(dirfd, &p)?;
    let name = new_name(&pp, false)?;
    let perm = mode & 0o7777 & !t.fs_info().umask;
    pp.parent.create_child(&name, kind, perm, &t.fs_cred())?;
    Ok(0)
}

pub(crate) fn sys_mknod(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_mknod(t, AT_FDCWD_ARG, a[0], a[1] as u32, a[2])
}

pub(crate) fn sys_mknodat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_mknod(t, a[0], a[1], a[2] as u32, a[3])
}

pub(crate) fn sys_mkdir(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_mkdir(t, AT_FDCWD_ARG, a[0], a[1] as u32)
}

pub(crate) fn sys_mkdirat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_mkdir(t, a[0], a[1], a[2] as u32)
}

fn do_unlink(t: &mut Task, dirfd: u64, path: &[u8]) -> KResult<u64> {
    let pp = t.parent_at(dirfd, path)?;
    let Last::Name(name) = &pp.last else { return_errno!(EISDIR) };
    pp.parent.check_writable()?;
    if pp.trailing_slash {
        let d = pp.parent.lookup(name)?;
        return Err(kernel_abi::Error::new(if d.is_dir() { Errno::EISDIR } else { Errno::ENOTDIR }));
    }
    pp.parent.unlink_child(name, false, &t.fs_cred())?;
    Ok(0)
}

fn do_rmdir(t: &mut Task, dirfd: u64, path: &[u8]) -> KResult<u64> {
    let pp = t.parent_at(dirfd, path)?;
    let name = match &pp.last {
        Last::Name(n) => n,
        Last::Dot => return_errno!(EINVAL),
        Last::DotDot => return_errno!(ENOTEMPTY),
        Last::Root => return_errno!(EBUSY),
    };
    pp.parent.unlink_child(name, true, &t.fs_cred())?;
    Ok(0)
}

pub(crate) fn sys_unlink(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    do_unlink(t, AT_FDCWD_ARG, &p)
}

pub(crate) fn sys_rmdir(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    do_rmdir(t, AT_FDCWD_ARG, &p)
}

pub(crate) fn sys_unlinkat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[2] as u32;
    if flags & !AT_REMOVEDIR != 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(a[1])?;
    if flags & AT_REMOVEDIR != 0 {
        do_rmdir(t, a[0], &p)
    } else {
        do_unlink(t, a[0], &p)
    }
}

fn do_rename(t: &mut Task, olddir: u64, oldpath: u64, newdir: u64, newpath: u64, flags: u32) -> KResult<u64> {
    use kernel_fs::tmpfs::{RENAME_EXCHANGE, RENAME_NOREPLACE};
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || flags & (RENAME_NOREPLACE | RENAME_EXCHANGE) == RENAME_NOREPLACE | RENAME_EXCHANGE
        || flags & (RENAME_WHITEOUT | RENAME_EXCHANGE) == RENAME_WHITEOUT | RENAME_EXCHANGE
    {
        return_errno!(EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::RENAMEAT2), "RENAME_WHITEOUT is not supported: EINVAL");
        return_errno!(EINVAL);
    }
    let op = t.read_path(oldpath)?;
    let np = t.read_path(newpath)?;
    let from = t.parent_at(olddir, &op)?;
    let to = t.parent_at(newdir, &np)?;
    if from.parent.mount_id() != to.parent.mount_id() {
        return_errno!(EXDEV);
    }
    let Last::Name(old_name) = &from.last else { return_errno!(EBUSY) };
    let Last::Name(new_name) = &to.last else {
        return Err(kernel_abi::Error::new(if flags & RENAME_NOREPLACE != 0 { Errno::EEXIST } else { Errno::EBUSY }));
    };
    // Linux's order: read-only, the source, the target's existence, trailing slashes;
    // the rest is checked on the tree itself.
    from.parent.check_writable()?;
    let old = from.parent.lookup(old_name)?;
    let new = match to.parent.lookup(new_name) {
        Ok(d) => Some(d),
        Err(e) if e.errno == Errno::ENOENT => None,
        Err(e) => return Err(e),
    };
    if flags & RENAME_NOREPLACE != 0 && new.is_some() {
        return_errno!(EEXIST);
    }
    if flags & RENAME_EXCHANGE != 0 {
        let Some(n) = &new else { return_errno!(ENOENT) };
        if (to.trailing_slash && !n.is_dir()) || (from.trailing_slash && !old.is_dir()) {
            return_errno!(ENOTDIR);
        }
    } else if !old.is_dir() && (from.trailing_slash || to.trailing_slash) {
        return_errno!(ENOTDIR);
    }
    Dentry::rename(&from.parent, old_name, &to.parent, new_name, flags, &t.fs_cred())?;
    Ok(0)
}

pub(crate) fn sys_rename(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_rename(t, AT_FDCWD_ARG, a[0], AT_FDCWD_ARG, a[1], 0)
}

pub(crate) fn sys_renameat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_rename(t, a[0], a[1], a[2], a[3], 0)
}

pub(crate) fn sys_renameat2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_rename(t, a[0], a[1], a[2], a[3], a[4] as u32)
}

fn do_link(t: &mut Task, olddir: u64, oldpath: u64, newdir: u64, newpath: u64, flags: u32) -> KResult<u64> {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let op = t.read_path(oldpath)?;
    let np = t.read_path(newpath)?;
    let follow = if flags & AT_SYMLINK_FOLLOW != 0 { 0 } else { AT_SYMLINK_NOFOLLOW };
    // Linking a descriptor by AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH.
    let empty_ok = if t.creds.euid == 0 { flags & AT_EMPTY_PATH } else { 0 };
    let old = match t.lookup_at(olddir, &op, follow | empty_ok)? {
        Target::Dentry(d) => d,
        Target::File(f) => f.dentry().cloned().ok_or(errno!(ENOENT))?,
    };
    let to = t.parent_at(newdir, &np)?;
    let name = new_name(&to, false)?;
    to.parent.link_child(&name, &old, &t.fs_cred())?;
    Ok(0)
}

pub(crate) fn sys_link(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_link(t, AT_FDCWD_ARG, a[0], AT_FDCWD_ARG, a[1], 0)
}

pub(crate) fn sys_linkat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_link(t, a[0], a[1], a[2], a[3], a[4] as u32)
}

fn do_symlink(t: &mut Task, target: u64, dirfd: u64, path: u64) -> KResult<u64> {
    let target = t.read_path(target)?;
    if target.is_empty() {
        return_errno!(ENOENT);
    }
    let p = t.read_path(path)?;
    let pp = t.parent_at(dirfd, &p)?;
    let name = new_name(&pp, false)?;
    pp.parent.create_child(&name, NewKind::Symlink(&target), 0o777, &t.fs_cred())?;
    Ok(0)
}

pub(crate) fn sys_symlink(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_symlink(t, a[0], AT_FDCWD_ARG, a[1])
}

pub(crate) fn sys_symlinkat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_symlink(t, a[0], a[1], a[2])
}

pub(crate) fn sys_truncate(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    if (a[1] as i64) < 0 {
        return_errno!(EINVAL);
    }
    let d = t.lookup(&p, true)?;
    fsize_truncate(t, a[1])?;
    d.truncate(a[1], Some(&t.fs_cred()))?;
    Ok(0)
}

/// The dentry behind a descriptor used by the f*() calls (O_PATH descriptors are EBADF).
fn fd_dentry(t: &Task, fd: u64) -> KResult<(Arc<File>, Option<Arc<Dentry>>)> {
    let f = t.file(fd)?;
    if f.flags() & O_PATH != 0 {
        return_errno!(EBADF);
    }
    let d = f.dentry().cloned();
    Ok((f, d))
}

pub(crate) fn sys_ftruncate(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if (a[1] as i64) < 0 {
        return_errno!(EINVAL);
    }
    let (f, d) = fd_dentry(t, a[0])?;
    match d {
        Some(d) if f.writable() && d.mode() & S_IFMT == S_IFREG => {
            fsize_truncate(t, a[1])?;
            d.truncate(a[1], None)?
        }
        _ => return_errno!(EINVAL),
    }
    Ok(0)
}

/// RLIMIT_FSIZE for a truncate to `len`: SIGXFSZ and EFBIG beyond the limit.
fn fsize_truncate(t: &mut Task, len: u64) -> KResult<()> {
    use kernel_abi::flags::rlimit::{RLIMIT_FSIZE, RLIM_INFINITY};
    let limit = t.rlimit(RLIMIT_FSIZE);
    if limit != RLIM_INFINITY && len > limit {
        t.send_signal(kernel_signal::Siginfo::from_process(
            kernel_abi::flags::signal::SIGXFSZ,
            kernel_signal::info::SI_KERNEL,
            0,
            0,
        ));
        return_errno!(EFBIG);
    }
    Ok(())
}

pub(crate) fn sys_fallocate(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (mode, off, len) = (a[1], a[2] as i64, a[3] as i64);
    if off < 0 || len <= 0 {
        return_errno!(EINVAL);
    }
    if mode & !FALLOC_FL_ALL != 0 || mode & !FALLOC_FL_KEEP_SIZE != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::FALLOCATE), "modes other than 0 and KEEP_SIZE: EOPNOTSUPP");
        return_errno!(EOPNOTSUPP);
    }
    let (f, d) = fd_dentry(t, a[0])?;
    if !f.writable() {
        return_errno!(EBADF);
    }
    let Some(d) = d else {
        let fifo = f.stat().is_ok_and(|s| s.st_mode & S_IFMT == S_IFIFO);
        return Err(kernel_abi::Error::new(if fifo { Errno::ESPIPE } else { Errno::ENODEV }));
    };
    if off.checked_add(len).is_none() {
        return_errno!(EFBIG);
    }
    if mode & FALLOC_FL_KEEP_SIZE != 0 {
        // Reserve nothing beyond the end: the pages a later write needs are made then.
        let size = d.stat()?.st_size;
        if off >= size {
            return Ok(0);
        }
        d.allocate(off as u64, (len.min(size - off)) as u64)?;
    } else {
        d.allocate(off as u64, len as u64)?;
    }
    Ok(0)
}

fn do_setattr(t: &mut Task, target: Target, attr: &kernel_fs::tmpfs::SetAttr) -> KResult<u64> {
    let d = match target {
        Target::Dentry(d) => d,
        Target::File(f) => match f.dentry() {
            Some(d) => d.clone(),
            None => return_errno!(EPERM, "attributes of a passed-through host descriptor are fixed"),
        },
    };
    d.setattr(attr, &t.fs_cred())?;
    Ok(0)
}

fn chmod_attr(mode: u64) -> kernel_fs::tmpfs::SetAttr {
    kernel_fs::tmpfs::SetAttr { mode: Some(mode as u32 & 0o7777), ..Default::default() }
}

pub(crate) fn sys_chmod(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    let target = t.lookup_at(AT_FDCWD_ARG, &p, 0)?;
    do_setattr(t, target, &chmod_attr(a[1]))
}

pub(crate) fn sys_fchmodat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[1])?;
    let target = t.lookup_at(a[0], &p, 0)?;
    do_setattr(t, target, &chmod_attr(a[2]))
}

pub(crate) fn sys_fchmod(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (f, _) = fd_dentry(t, a[0])?;
    do_setattr(t, Target::File(f), &chmod_attr(a[1]))
}

fn chown_attr(uid: u64, gid: u64) -> kernel_fs::tmpfs::SetAttr {
    let id = |v: u64| Some(v as u32).filter(|&v| v != NO_ID);
    kernel_fs::tmpfs::SetAttr { uid: id(uid), gid: id(gid), ..Default::default() }
}

pub(crate) fn sys_chown(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    let target = t.lookup_at(AT_FDCWD_ARG, &p, 0)?;
    do_setattr(t, target, &chown_attr(a[1], a[2]))
}

pub(crate) fn sys_lchown(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let p = t.read_path(a[0])?;
    let target = t.lookup_at(AT_FDCWD_ARG, &p, AT_SYMLINK_NOFOLLOW)?;
    do_setattr(t, target, &chown_attr(a[1], a[2]))
}

pub(crate) fn sys_fchown(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (f, _) = fd_dentry(t, a[0])?;
    do_setattr(t, Target::File(f), &chown_attr(a[1], a[2]))
}

pub(crate) fn sys_fchownat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[4] as u32;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let p = t.read_path(a[1])?;
    let target = t.lookup_at(a[0], &p, flags)?;
    do_setattr(t, target, &chown_attr(a[2], a[3]))
}

/// The target of the utimes family: `path` NULL means the descriptor `dirfd` itself.
fn utimes_target(t: &Task, dirfd: u64, path: u64, flags: u32) -> KResult<Target> {
    if path == 0 && dirfd as i32 != AT_FDCWD {
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return_errno!(EINVAL);
        }
        let (f, _) = fd_dentry(t, dirfd)?;
        return Ok(Target::File(f));
    }
    let p = t.read_path(path)?;
    t.lookup_at(dirfd, &p, flags)
}

fn time_set(tv_sec: i64, tv_nsec: i64) -> KResult<Option<kernel_fs::tmpfs::TimeSet>> {
    use kernel_fs::tmpfs::TimeSet;
    match tv_nsec {
        UTIME_NOW => Ok(Some(TimeSet::Now)),
        UTIME_OMIT => Ok(None),
        n if (0..1_000_000_000).contains(&n) => Ok(Some(TimeSet::At(kernel_abi::Timespec { tv_sec, tv_nsec }))),
        _ => return_errno!(EINVAL),
    }
}

fn do_utimes(t: &mut Task, target: Target, times: Option<[kernel_abi::Timespec; 2]>) -> KResult<u64> {
    use kernel_fs::tmpfs::{SetAttr, TimeSet};
    let attr = match times {
        None => SetAttr { atime: Some(TimeSet::Now), mtime: Some(TimeSet::Now), ..Default::default() },
        Some([a, m]) => SetAttr {
            atime: time_set(a.tv_sec, a.tv_nsec)?,
            mtime: time_set(m.tv_sec, m.tv_nsec)?,
            ..Default::default()
        },
    };
    do_setattr(t, target, &attr)
}

pub(crate) fn sys_utimensat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[3] as u32;
    let times: Option<[kernel_abi::Timespec; 2]> = if a[2] == 0 { None } else { Some(t.mm.read_val(a[2])?) };
    if let Some(ts) = &times {
        for x in ts {
            time_set(x.tv_sec, x.tv_nsec)?;
        }
    }
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return_errno!(EINVAL);
    }
    let target = utimes_target(t, a[0], a[1], flags)?;
    do_utimes(t, target, times)
}

/// futimesat and utimes: microsecond timevals.
fn do_futimesat(t: &mut Task, dirfd: u64, path: u64, tv: u64) -> KResult<u64> {
    let times = if tv == 0 {
        None
    } else {
        let v: [kernel_abi::Timeval; 2] = t.mm.read_val(tv)?;
        if v.iter().any(|x| !(0..1_000_000).contains(&x.tv_usec)) {
            return_errno!(EINVAL);
        }
        Some(v.map(|x| kernel_abi::Timespec { tv_sec: x.tv_sec, tv_nsec: x.tv_usec * 1000 }))
    };
    let target = utimes_target(t, dirfd, path, 0)?;
    do_utimes(t, target, times)
}

pub(crate) fn sys_futimesat(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_futimesat(t, a[0], a[1], a[2])
}

pub(crate) fn sys_utimes(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_futimesat(t, AT_FDCWD_ARG, a[0], a[1])
}

pub(crate) fn sys_utime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let times = if a[1] == 0 {
        None
    } else {
        let v: [i64; 2] = t.mm.read_val(a[1])?;
        Some(v.map(|s| kernel_abi::Timespec { tv_sec: s, tv_nsec: 0 }))
    };
    let target = utimes_target(t, AT_FDCWD_ARG, a[0], 0)?;
    do_utimes(t, target, times)
}

/// fsync and fdatasync: tmpfs has nothing to write back, and host files are read-only.
pub(crate) fn sys_fsync(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (_, d) = fd_dentry(t, a[0])?;
    match d {
        Some(d) if d.can_sync() => Ok(0),
        _ => return_errno!(EINVAL),
    }
}

// -------------------------------------------------------------------------------------
// Advice and write-back. File data lives in the memory file (tmpfs, the overlay's upper
// layer) or is the host's, read-only: there is nothing to read ahead or write back, so
// these calls validate their arguments as Linux does and then do nothing more.

/// fadvise64(2).
pub(crate) fn sys_fadvise64(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    const POSIX_FADV_NOREUSE: u64 = 5;
    let f = t.file(a[0])?;
    if f.flags() & O_PATH != 0 {
        return_errno!(EBADF);
    }
    if f.stat()?.st_mode & S_IFMT == S_IFIFO {
        return_errno!(ESPIPE);
    }
    if (a[2] as i64) < 0 || a[3] as u32 as u64 > POSIX_FADV_NOREUSE {
        return_errno!(EINVAL);
    }
    Ok(0)
}

/// readahead(2).
pub(crate) fn sys_readahead(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = t.file(a[0])?;
    if !f.readable() {
        return_errno!(EBADF);
    }
    if f.stat()?.st_mode & S_IFMT != S_IFREG {
        return_errno!(EINVAL);
    }
    Ok(0)
}

/// sync(2).
pub(crate) fn sys_sync(_t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    Ok(0)
}

/// syncfs(2).
pub(crate) fn sys_syncfs(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    t.file(a[0])?;
    Ok(0)
}

/// sync_file_range(2).
pub(crate) fn sys_sync_file_range(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    const VALID: u64 = 1 | 2 | 4;
    let f = t.file(a[0])?;
    let (off, n) = (a[1] as i64, a[2] as i64);
    if a[3] & !VALID != 0 || off < 0 || off.wrapping_add(n) < 0 || off.wrapping_add(n) < off {
        return_errno!(EINVAL);
    }
    if !matches!(f.stat()?.st_mode & S_IFMT, S_IFREG | S_IFBLK | S_IFDIR | S_IFLNK) {
        return_errno!(ESPIPE);
    }
    Ok(0)
}

/// memfd_create(2): an anonymous tmpfs file, already unlinked.
pub(crate) fn sys_memfd_create(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    const MFD_CLOEXEC: u64 = 1;
    const MFD_ALLOW_SEALING: u64 = 2;
    const MFD_HUGETLB: u64 = 4;
    const MFD_NOEXEC_SEAL: u64 = 8;
    const MFD_EXEC: u64 = 0x10;
    /// NAME_MAX minus the "memfd:" prefix.
    const MFD_NAME_MAX: usize = 249;
    let flags = a[1];
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC) != 0
        || flags & (MFD_NOEXEC_SEAL | MFD_EXEC) == MFD_NOEXEC_SEAL | MFD_EXEC
    {
        return_errno!(EINVAL);
    }
    if flags & MFD_HUGETLB != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::MEMFD_CREATE), "MFD_HUGETLB is not supported: EINVAL");
        return_errno!(EINVAL);
    }
    let name = match t.mm.copy_in_cstr(a[0], MFD_NAME_MAX) {
        Err(e) if e.errno == kernel_abi::Errno::ENAMETOOLONG => return_errno!(EINVAL),
        r => r?,
    };
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = format!("memfd-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let dir = t.kernel.memfd_dir().clone();
    let root = kernel_fs::Cred { uid: 0, gid: 0, groups: vec![] };
    let d = dir.create_child(unique.as_bytes(), NewKind::File, 0o777, &root)?;
    let cred = t.fs_cred();
    if let kernel_fs::Inode::Tmpfs(node) = d.inode() {
        node.setattr(
            &kernel_fs::tmpfs::SetAttr { uid: Some(cred.uid), gid: Some(cred.gid), ..Default::default() },
            &root,
        )?;
    }
    let file = d.open(O_RDWR | O_LARGEFILE);
    dir.unlink_child(unique.as_bytes(), false, &root)?;
    let file = file?;
    let _ = name;
    let limit = t.rlimit(RLIMIT_NOFILE);
    Ok(t.fds().insert(file, flags & MFD_CLOEXEC != 0, 0, limit)? as u64)
}
