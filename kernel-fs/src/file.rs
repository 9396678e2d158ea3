//! Open file descriptions.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kernel_abi::flags::inotify::{IN_ACCESS, IN_MODIFY};
use kernel_abi::flags::open::*;
use kernel_abi::{return_errno, KResult, Stat};
use kernel_mm::{Mappable, MemoryManager};

use crate::Dentry;

/// What a kind of file can do. Every method defaults to the errno Linux returns for a file
/// that cannot do it, so an implementation overrides only what it supports.
pub trait FileOps: Send + Sync {
    /// Read at the file's own position (or from a stream).
    fn read(&self, _buf: &mut [u8]) -> KResult<usize> {
        return_errno!(EINVAL)
    }
    /// Write at the file's own position (or to a stream).
    fn write(&self, _buf: &[u8], _append: bool) -> KResult<usize> {
        return_errno!(EINVAL)
    }
    /// Positional read.
    fn pread(&self, _buf: &mut [u8], _off: u64) -> KResult<usize> {
        return_errno!(ESPIPE)
    }
    /// Positional write.
    fn pwrite(&self, _buf: &[u8], _off: u64) -> KResult<usize> {
        return_errno!(ESPIPE)
    }
    /// lseek.
    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        return_errno!(ESPIPE)
    }
    /// fstat.
    fn stat(&self) -> KResult<Stat>;
    /// getdents64: fill `buf` with whole records; 0 at the end.
    fn getdents(&self, _buf: &mut [u8]) -> KResult<usize> {
        return_errno!(ENOTDIR)
    }
    /// ioctl with access to the caller's memory for the argument.
    fn ioctl(&self, _cmd: u64, _arg: u64, _mm: &MemoryManager) -> KResult<u64> {
        return_errno!(ENOTTY)
    }
    /// The object to map for mmap.
    fn mappable(&self) -> KResult<Arc<dyn Mappable>> {
        return_errno!(ENODEV)
    }
    /// The poll(2) events the file can take now. The default suits files whose reads and
    /// writes never wait (regular files, devices).
    fn poll(&self) -> u32 {
        use kernel_abi::flags::poll::*;
        POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM
    }
    /// Register a waiter woken whenever the file's readiness may have changed (for
    /// files whose operations answer EAGAIN instead of blocking); `None` if not supported.
    fn add_waiter(&self, _w: Arc<dyn crate::pipe::Waker>) -> Option<u64> {
        None
    }
    /// Remove a waiter registered by `add_waiter`.
    fn remove_waiter(&self, _id: u64) {}
    /// A host descriptor whose reads and writes may block (a pipe or terminal passed
    /// through), so callers can wait for it interruptibly first.
    fn host_fd(&self) -> Option<std::os::fd::RawFd> {
        None
    }
    /// The implementation itself, for callers that need to recognise a kind of file
    /// (a pidfd; epoll refuses to watch itself and checks nesting through it).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Something to tell when an open file description goes away (its last reference is
/// dropped), like Linux's `eventpoll_release`: epoll sets forget the file then.
pub trait ReleaseHook: Send + Sync {
    /// The description is being destroyed; `file` is still usable for the call.
    fn released(&self, file: &File);
}

static NEXT_HOOK: AtomicU64 = AtomicU64::new(1);

/// An open file description.
pub struct File {
    ops: Box<dyn FileOps>,
    flags: AtomicU32,
    dentry: Option<Arc<Dentry>>,
    path: String,
    /// Told when the description is destroyed (a leaf lock, never held while they run).
    release_hooks: Mutex<Vec<(u64, Arc<dyn ReleaseHook>)>>,
}

impl File {
    /// A description with `flags` (O_* as given to open) over `ops`.
    pub fn new(ops: Box<dyn FileOps>, flags: u32, dentry: Option<Arc<Dentry>>, path: String) -> Arc<File> {
        Arc::new(File {
            ops,
            flags: AtomicU32::new(flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)),
            dentry,
            path,
            release_hooks: Mutex::new(Vec::new()),
        })
    }

    /// The O_* status flags and access mode.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// F_SETFL: only the flags Linux lets change.
    pub fn set_status_flags(&self, new: u32) {
        let old = self.flags();
        self.flags.store((old & !SETFL_MASK) | (new & SETFL_MASK), Ordering::Relaxed);
    }

    /// The dentry it was opened from, if any.
    pub fn dentry(&self) -> Option<&Arc<Dentry>> {
        self.dentry.as_ref()
    }

    /// The path it was opened by (for logs and /proc).
    pub fn path(&self) -> &str {
        &self.path
    }

    fn is_path(&self) -> bool {
        self.flags() & O_PATH != 0
    }

    /// Opened for reading.
    pub fn readable(&self) -> bool {
        !self.is_path() && matches!(self.flags() & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    /// Opened for writing.
    pub fn writable(&self) -> bool {
        !self.is_path() && matches!(self.flags() & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    /// read(2).
    pub fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        if !self.readable() {
            return_errno!(EBADF);
        }
        self.notify_ok(self.ops.read(buf), IN_ACCESS)
    }

    /// write(2).
    pub fn write(&self, buf: &[u8]) -> KResult<usize> {
        if !self.writable() {
            return_errno!(EBADF);
        }
        self.notify_ok(self.ops.write(buf, self.flags() & O_APPEND != 0), IN_MODIFY)
    }

    /// pread64(2).
    pub fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        if !self.readable() {
            return_errno!(EBADF);
        }
        self.notify_ok(self.ops.pread(buf, off), IN_ACCESS)
    }

    /// pwrite64(2).
    pub fn pwrite(&self, buf: &[u8], off: u64) -> KResult<usize> {
        if !self.writable() {
            return_errno!(EBADF);
        }
        self.notify_ok(self.ops.pwrite(buf, off), IN_MODIFY)
    }

    /// lseek(2).
    pub fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        if self.is_path() {
            return_errno!(EBADF);
        }
        self.ops.seek(off, whence)
    }

    /// fstat(2) (allowed on O_PATH descriptors).
    pub fn stat(&self) -> KResult<Stat> {
        self.ops.stat()
    }

    /// getdents64(2).
    pub fn getdents(&self, buf: &mut [u8]) -> KResult<usize> {
        if self.is_path() {
            return_errno!(EBADF);
        }
        // Linux reports every directory read, the one at the end too.
        let r = self.ops.getdents(buf);
        if r.is_ok() && crate::inotify::active() {
            if let Some(d) = &self.dentry {
                crate::inotify::notify(d, IN_ACCESS);
            }
        }
        r
    }

    /// Report `mask` to inotify watches of the file when `r` moved some bytes.
    fn notify_ok(&self, r: KResult<usize>, mask: u32) -> KResult<usize> {
        if matches!(r, Ok(n) if n > 0) && crate::inotify::active() {
            if let Some(d) = &self.dentry {
                crate::inotify::notify(d, mask);
            }
        }
        r
    }

    /// ioctl(2).
    pub fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        if self.is_path() {
            return_errno!(EBADF);
        }
        self.ops.ioctl(cmd, arg, mm)
    }

    /// See [`FileOps::poll`].
    pub fn poll(&self) -> u32 {
        self.ops.poll()
    }

    /// See [`FileOps::add_waiter`].
    pub fn add_waiter(&self, w: Arc<dyn crate::pipe::Waker>) -> Option<u64> {
        self.ops.add_waiter(w)
    }

    /// See [`FileOps::remove_waiter`].
    pub fn remove_waiter(&self, id: u64) {
        self.ops.remove_waiter(id)
    }

    /// See [`FileOps::host_fd`].
    pub fn host_fd(&self) -> Option<std::os::fd::RawFd> {
        self.ops.host_fd()
    }

    /// See [`FileOps::as_any`].
    pub fn as_any(&self) -> Option<&dyn std::any::Any> {
        self.ops.as_any()
    }

    /// Call `hook` when this description is destroyed; the id cancels it.
    pub fn on_release(&self, hook: Arc<dyn ReleaseHook>) -> u64 {
        let id = NEXT_HOOK.fetch_add(1, Ordering::Relaxed);
        self.release_hooks.lock().unwrap_or_else(|e| e.into_inner()).push((id, hook));
        id
    }

    /// Cancel a hook registered by [`File::on_release`].
    pub fn cancel_release(&self, id: u64) {
        self.release_hooks.lock().unwrap_or_else(|e| e.into_inner()).retain(|(i, _)| *i != id);
    }

    /// The object mmap maps.
    pub fn mappable(&self) -> KResult<Arc<dyn Mappable>> {
        if self.is_path() {
            return_errno!(EBADF);
        }
        self.ops.mappable()
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let hooks = std::mem::take(self.release_hooks.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (_, h) in hooks {
            h.released(self);
        }
        if crate::inotify::active() && !self.is_path() {
            if let Some(d) = &self.dentry {
                crate::inotify::notify(d, crate::inotify::close_mask(self.flags()));
            }
        }
    }
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File").field("path", &self.path).field("flags", &self.flags()).finish()
    }
}
