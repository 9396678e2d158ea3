//! Terminals as the process layer sees them: a session and a foreground process group
//! per terminal, and the hooks through which a terminal signals processes.
//!
//! kernel-fs knows nothing of processes: a terminal keeps the ids of its session and
//! foreground group, and the process layer (kernel-task) implements [`JobControl`] to
//! deliver the signals a terminal raises (^C, a window change, a hangup). Which terminal
//! controls which process is the process layer's business too.

use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::{KResult, Stat};
use kernel_mm::{Mappable, MemoryManager};

use crate::pipe::Waker;
use crate::FileOps;

/// The job-control state of a terminal (Linux's `tty->ctrl`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TtyCtrl {
    /// The session the terminal controls.
    pub session: Option<i32>,
    /// Its foreground process group.
    pub pgrp: Option<i32>,
}

/// A terminal that can be a session's controlling terminal.
pub trait Terminal: Send + Sync {
    /// Its job-control state.
    fn ctrl(&self) -> MutexGuard<'_, TtyCtrl>;
    /// Open it again, as /dev/tty does for the caller's controlling terminal.
    fn reopen(&self) -> KResult<Box<dyn FileOps>>;
    /// Hung up: its descriptors answer EIO and it controls nothing any more.
    fn hung_up(&self) -> bool {
        false
    }
    /// TOSTOP: background processes that write get SIGTTOU.
    fn tostop(&self) -> bool;
    /// Its device number (major, minor), as /proc/PID/stat's tty_nr shows it.
    fn device(&self) -> (u32, u32);
}

/// Whether `a` and `b` are the same terminal.
pub fn same(a: &dyn Terminal, b: &dyn Terminal) -> bool {
    std::ptr::addr_eq(a as *const dyn Terminal, b as *const dyn Terminal)
}

/// Lock a terminal's control state (a leaf lock).
pub(crate) fn lock_ctrl(m: &Mutex<TtyCtrl>) -> MutexGuard<'_, TtyCtrl> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a terminal asks of the process layer. Called with no terminal lock held.
pub trait JobControl: Send + Sync {
    /// Send `sig` (from the kernel) to every process of group `pgrp`.
    fn signal_group(&self, pgrp: i32, sig: u32);
    /// `tty` hung up (its master closed): every process it controls loses it, and the
    /// leader of `session` gets SIGHUP and SIGCONT.
    fn hangup(&self, tty: &Arc<dyn Terminal>, session: Option<i32>);
}

/// A description opened through /dev/tty: the controlling terminal's operations behind
/// /dev/tty's own inode (fstat shows /dev/tty, as on Linux).
pub struct DevTty(Box<dyn FileOps>);

impl DevTty {
    /// /dev/tty over the terminal's `ops`.
    pub fn new(ops: Box<dyn FileOps>) -> DevTty {
        DevTty(ops)
    }
}

impl FileOps for DevTty {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.0.read(buf)
    }
    fn write(&self, buf: &[u8], append: bool) -> KResult<usize> {
        self.0.write(buf, append)
    }
    fn pread(&self, buf: &mut [u8], off: u64) -> KResult<usize> {
        self.0.pread(buf, off)
    }
    fn pwrite(&self, buf: &[u8], off: u64) -> KResult<usize> {
        self.0.pwrite(buf, off)
    }
    fn seek(&self, off: i64, whence: u32) -> KResult<u64> {
        self.0.seek(off, whence)
    }
    fn stat(&self) -> KResult<Stat> {
        Ok(crate::dev::Device::Tty.stat())
    }
    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        self.0.ioctl(cmd, arg, mm)
    }
    fn mappable(&self) -> KResult<Arc<dyn Mappable>> {
        self.0.mappable()
    }
    fn poll(&self) -> u32 {
        self.0.poll()
    }
    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        self.0.add_waiter(w)
    }
    fn remove_waiter(&self, id: u64) {
        self.0.remove_waiter(id)
    }
    fn host_fd(&self) -> Option<std::os::fd::RawFd> {
        self.0.host_fd()
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        self.0.as_any()
    }
}
