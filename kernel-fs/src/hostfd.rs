//! Host file descriptors passed through as they are: the sandbox's stdio.
#![allow(unsafe_code)]

use std::os::fd::{AsRawFd, OwnedFd};

use kernel_abi::flags::ioctl::{TCGETS, TIOCGWINSZ};
use kernel_abi::{return_errno, Errno, KResult, Stat, Termios, Winsize};
use kernel_mm::MemoryManager;

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

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        match cmd {
            TCGETS => {
                let mut t = Termios::default();
                // SAFETY: TCGETS writes one kernel termios, which `Termios` is laid out as.
                if unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::TCGETS, &mut t as *mut Termios) } != 0 {
                    return Err(last_errno());
                }
                mm.write_val(arg, &t)?;
                Ok(0)
            }
            TIOCGWINSZ => {
                let mut w = Winsize::default();
                // SAFETY: TIOCGWINSZ writes one struct winsize.
                if unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::TIOCGWINSZ, &mut w as *mut Winsize) } != 0 {
                    return Err(last_errno());
                }
                mm.write_val(arg, &w)?;
                Ok(0)
            }
            _ => return_errno!(ENOTTY),
        }
    }
}
