//! Host file descriptors passed through as they are: the sandbox's stdio.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::flags::ioctl::*;
use kernel_abi::{return_errno, Errno, KResult, Pod, Stat, Termios, Termios2, Winsize};
use kernel_mm::MemoryManager;

use crate::tty::{Terminal, TtyCtrl};
use crate::FileOps;

/// A host fd the sandbox uses directly (read, write, fstat, terminal queries).
pub struct HostFdFile {
    fd: OwnedFd,
}

impl HostFdFile {
    /// Wrap `fd`.
    pub fn new(fd: OwnedFd) -> Self {
        HostFdFile { fd }
    }
}

use crate::host::{check_len as check, host_seek, last_errno};

impl FileOps for HostFdFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        loop {
            // SAFETY: `buf` is writable for its length.
            let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            match check(r) {
                Err(e) if e.errno == Errno::EINTR => continue,
                other => return other,
            }
        }
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        loop {
            // SAFETY: `buf` is readable for its length.
            let r = unsafe { libc::write(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
            match check(r) {
                Err(e) if e.errno == Errno::EINTR => continue,
                other => return other,
            }
        }
    }

    fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        // SAFETY: `buf` is writable for its length.
        check(unsafe { libc::pread(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), off as i64) })
    }

    fn pwrite(&self, buf: &[u8], off: u64) -> KResult<usize> {
        // SAFETY: `buf` is readable for its length.
        check(unsafe { libc::pwrite(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), off as i64) })
    }

    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        host_seek(self.fd.as_raw_fd(), off, whence)
    }

    fn stat(&self) -> KResult<Stat> {
        crate::host::fstat(self.fd.as_raw_fd())
    }

    fn host_fd(&self) -> Option<RawFd> {
        Some(self.fd.as_raw_fd())
    }

    fn poll(&self) -> u32 {
        use kernel_abi::flags::poll::*;
        poll_host(&[(self.fd.as_raw_fd(), POLLIN | POLLOUT | POLLPRI)], None, 0)[0]
    }

    /// A terminal passed through answers the terminal ioctls itself: its settings are
    /// the host terminal's (as under gVisor); job control is the process layer's.
    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        let fd = self.fd.as_raw_fd();
        match cmd {
            TCGETS => ioctl_out::<Termios>(fd, cmd, arg, mm),
            TCGETS2 => ioctl_out::<Termios2>(fd, cmd, arg, mm),
            TIOCGWINSZ => ioctl_out::<Winsize>(fd, cmd, arg, mm),
            FIONREAD | TIOCOUTQ => ioctl_out::<i32>(fd, cmd, arg, mm),
            TCSETS | TCSETSW | TCSETSF if is_tty(fd) => ioctl_in::<Termios>(fd, cmd, arg, mm),
            TCSETS2 | TCSETSW2 | TCSETSF2 if is_tty(fd) => ioctl_in::<Termios2>(fd, cmd, arg, mm),
            TIOCSWINSZ if is_tty(fd) => ioctl_in::<Winsize>(fd, cmd, arg, mm),
            TCFLSH | TCXONC if is_tty(fd) => ioctl_value(fd, cmd, arg),
            // tcdrain only (a break would hold the Sentry thread).
            TCSBRK if is_tty(fd) && arg != 0 => ioctl_value(fd, cmd, arg),
            _ => return_errno!(ENOTTY),
        }
    }
}

/// A host ioctl that writes a `T` the application receives.
fn ioctl_out<T: Pod>(fd: RawFd, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
    let mut v = T::zeroed();
    // SAFETY: `cmd` is one of the terminal ioctls whose argument is one `T`, which is
    // laid out as the kernel's structure; `v` is writable for its size.
    if unsafe { libc::ioctl(fd, cmd as libc::c_ulong, &mut v as *mut T) } != 0 {
        return Err(last_errno());
    }
    mm.write_val(arg, &v)?;
    Ok(0)
}

/// A host ioctl that reads a `T` the application gives.
fn ioctl_in<T: Pod>(fd: RawFd, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
    let v: T = mm.read_val(arg)?;
    // SAFETY: `cmd` is one of the terminal ioctls whose argument points to one `T`, laid
    // out as the kernel's structure; the host only reads it.
    if unsafe { libc::ioctl(fd, cmd as libc::c_ulong, &v as *const T) } != 0 {
        return Err(last_errno());
    }
    Ok(0)
}

/// A host ioctl whose argument is a plain value.
fn ioctl_value(fd: RawFd, cmd: u64, arg: u64) -> KResult<u64> {
    // SAFETY: `cmd` takes an integer argument; no memory is passed.
    if unsafe { libc::ioctl(fd, cmd as libc::c_ulong, arg as libc::c_ulong) } != 0 {
        return Err(last_errno());
    }
    Ok(0)
}

/// The host terminal the sandbox's stdio is on, as the controlling terminal of the
/// sandbox's first session.
pub struct HostTerminal {
    fd: OwnedFd,
    rdev: u64,
    ctrl: Mutex<TtyCtrl>,
}

impl HostTerminal {
    /// The terminal `fd` is on (`None` if it is not a terminal).
    pub fn new(fd: OwnedFd) -> Option<Arc<HostTerminal>> {
        if !is_tty(fd.as_raw_fd()) {
            return None;
        }
        let rdev = crate::host::fstat(fd.as_raw_fd()).ok()?.st_rdev;
        Some(Arc::new(HostTerminal { fd, rdev, ctrl: Mutex::new(TtyCtrl::default()) }))
    }

    /// Whether host descriptor `fd` is on this terminal.
    pub fn is(&self, fd: RawFd) -> bool {
        is_tty(fd) && crate::host::fstat(fd).is_ok_and(|s| s.st_rdev == self.rdev)
    }
}

impl Terminal for HostTerminal {
    fn ctrl(&self) -> MutexGuard<'_, TtyCtrl> {
        crate::tty::lock_ctrl(&self.ctrl)
    }

    fn reopen(&self) -> KResult<Box<dyn FileOps>> {
        // SAFETY: F_DUPFD_CLOEXEC on our own descriptor.
        let d = unsafe { libc::fcntl(self.fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
        if d < 0 {
            return Err(last_errno());
        }
        // SAFETY: `d` is a fresh descriptor owned by nobody else.
        let owned = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(d) };
        Ok(Box::new(HostFdFile::new(owned)))
    }

    fn tostop(&self) -> bool {
        let mut t = Termios::default();
        // SAFETY: TCGETS writes one kernel termios into `t`.
        let r = unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::TCGETS, &mut t as *mut Termios) };
        r == 0 && t.c_lflag & kernel_abi::flags::termios::TOSTOP != 0
    }

    fn device(&self) -> (u32, u32) {
        (libc::major(self.rdev), libc::minor(self.rdev))
    }
}

/// Whether host descriptor `fd` is a terminal.
pub fn is_tty(fd: RawFd) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// An eventfd the Sentry signals to interrupt a thread waiting on host descriptors.
pub struct HostEvent(OwnedFd);

impl HostEvent {
    /// A new, unsignalled event.
    pub fn new() -> std::io::Result<HostEvent> {
        // SAFETY: eventfd returns a fresh descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor owned by nobody else.
        Ok(HostEvent(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) }))
    }

    /// Signal it (wakes every current and future wait until drained).
    pub fn signal(&self) {
        let one = 1u64.to_ne_bytes();
        // SAFETY: an 8-byte write to our eventfd; a full counter (EAGAIN) is still signalled.
        unsafe { libc::write(self.0.as_raw_fd(), one.as_ptr().cast(), 8) };
    }

    /// Reset it.
    pub fn drain(&self) {
        let mut buf = [0u8; 8];
        // SAFETY: an 8-byte read from our non-blocking eventfd.
        unsafe { libc::read(self.0.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
    }
}

/// Whether a host descriptor can be used without blocking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// Reading (or writing) will not block.
    Ready,
    /// Not ready, and the caller asked not to wait.
    NotReady,
    /// The interrupt event was signalled first.
    Interrupted,
}

/// Wait until `fd` is readable (or writable), unless `block` is false, or until
/// `interrupt` is signalled.
pub fn wait_ready(fd: RawFd, write: bool, interrupt: Option<&HostEvent>, block: bool) -> Readiness {
    let events = if write { libc::POLLOUT } else { libc::POLLIN };
    let mut fds = [
        libc::pollfd { fd, events, revents: 0 },
        libc::pollfd { fd: interrupt.map_or(-1, |e| e.0.as_raw_fd()), events: libc::POLLIN, revents: 0 },
    ];
    loop {
        // SAFETY: `fds` is a valid array of two pollfd; a negative fd is ignored by poll.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, if block { -1 } else { 0 }) };
        if r < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            // Let the operation itself report the error.
            return Readiness::Ready;
        }
        if fds[1].revents != 0 {
            return Readiness::Interrupted;
        }
        if fds[0].revents != 0 {
            return Readiness::Ready;
        }
        if !block {
            return Readiness::NotReady;
        }
    }
}

/// poll(2) on host descriptors (`(fd, events)`), also woken by `interrupt`; waits at most
/// `timeout_ms` (-1: forever, 0: not at all). Returns the revents of each descriptor.
pub fn poll_host(fds: &[(RawFd, u32)], interrupt: Option<&HostEvent>, timeout_ms: i32) -> Vec<u32> {
    let mut p: Vec<libc::pollfd> =
        fds.iter().map(|&(fd, ev)| libc::pollfd { fd, events: ev as i16, revents: 0 }).collect();
    p.push(libc::pollfd { fd: interrupt.map_or(-1, |e| e.0.as_raw_fd()), events: libc::POLLIN, revents: 0 });
    // SAFETY: `p` is a valid array of pollfd of the given length.
    let r = unsafe { libc::poll(p.as_mut_ptr(), p.len() as libc::nfds_t, timeout_ms) };
    if r < 0 {
        return vec![0; fds.len()];
    }
    p[..fds.len()].iter().map(|x| x.revents as u16 as u32).collect()
}
