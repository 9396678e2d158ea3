//! signalfd: a file that reads the reader's pending signals in a mask as
//! `signalfd_siginfo` records instead of having them delivered.
//!
//! Reads dequeue from the reading thread's own pending set and its process's, as Linux.
//! Readiness (poll, epoll) sees the process-directed pending set of the process that made
//! the file: a file description has no reading thread to ask, so a signal sent to one
//! thread only (tgkill) wakes a blocked read but not a poll.

use std::sync::{Arc, Mutex, Weak};

use kernel_abi::flags::mode::S_IFREG;
use kernel_abi::flags::open::{O_CLOEXEC, O_NONBLOCK, O_RDWR};
use kernel_abi::{errno, return_errno, KResult, Stat};
use kernel_fs::{File, FileOps};
use kernel_signal::{Siginfo, UNBLOCKABLE};

use crate::task::Task;
use crate::thread::ThreadGroup;

/// The size of one `struct signalfd_siginfo`.
const RECORD: usize = 128;

/// An open signalfd.
pub(crate) struct SignalFd {
    mask: Mutex<u64>,
    group: Weak<ThreadGroup>,
}

impl SignalFd {
    fn mask(&self) -> u64 {
        *self.mask.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FileOps for SignalFd {
    fn stat(&self) -> KResult<Stat> {
        Ok(Stat { st_mode: S_IFREG | 0o600, st_nlink: 1, st_blksize: 4096, ..Default::default() })
    }

    fn read(&self, _buf: &mut [u8]) -> KResult<usize> {
        // Reads are served with the reading task (`read`), never through here.
        return_errno!(EINVAL)
    }

    fn poll(&self) -> u32 {
        use kernel_abi::flags::poll::*;
        match self.group.upgrade() {
            Some(g) if g.shared_pending() & self.mask() != 0 => POLLIN | POLLRDNORM,
            _ => 0,
        }
    }

    fn add_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> Option<u64> {
        self.group.upgrade().map(|g| g.add_signal_waiter(w))
    }

    fn remove_waiter(&self, id: u64) {
        if let Some(g) = self.group.upgrade() {
            g.remove_signal_waiter(id);
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// signalfd4(2) (and signalfd(2) with no flags).
pub(crate) fn sys_signalfd4(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[3] as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 || a[2] != 8 {
        return_errno!(EINVAL);
    }
    let mask: u64 = t.mm.read_val(a[1])?;
    let mask = mask & !UNBLOCKABLE;
    if a[0] as i32 != -1 {
        let f = t.file(a[0])?;
        let sfd = f.as_any().and_then(|x| x.downcast_ref::<SignalFd>()).ok_or(errno!(EINVAL))?;
        *sfd.mask.lock().unwrap_or_else(|e| e.into_inner()) = mask;
        return Ok(a[0]);
    }
    let file = File::new(
        Box::new(SignalFd { mask: Mutex::new(mask), group: Arc::downgrade(&t.tg) }),
        O_RDWR | (flags & O_NONBLOCK),
        None,
        "anon_inode:[signalfd]".into(),
    );
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    Ok(t.fds().insert(file, flags & O_CLOEXEC != 0, 0, limit)? as u64)
}

pub(crate) fn sys_signalfd(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    sys_signalfd4(t, [a[0], a[1], a[2], 0, 0, 0])
}

/// read(2) of a signalfd: as many pending signals in the mask as fit, waiting for one
/// unless the file is non-blocking. `None` when `f` is not a signalfd.
pub(crate) fn read(t: &mut Task, f: &Arc<File>, addr: u64, len: u64) -> Option<KResult<u64>> {
    let sfd = f.as_any().and_then(|x| x.downcast_ref::<SignalFd>())?;
    Some((|| {
        let room = (len as usize) / RECORD;
        if room == 0 {
            return_errno!(EINVAL);
        }
        let mask = sfd.mask();
        let first = match t.dequeue(mask) {
            Some(i) => i,
            None if f.flags() & O_NONBLOCK != 0 => return_errno!(EAGAIN),
            None => match t.wait_for(mask, None) {
                Ok(Some(i)) => i,
                Ok(None) => return_errno!(EAGAIN),
                Err(_) => return_errno!(ERESTARTSYS),
            },
        };
        let mut out = Vec::with_capacity(RECORD);
        out.extend_from_slice(&record(&first));
        while out.len() / RECORD < room {
            match t.dequeue(mask) {
                Some(i) => out.extend_from_slice(&record(&i)),
                None => break,
            }
        }
        t.mm.copy_out(addr, &out)?;
        Ok(out.len() as u64)
    })())
}

/// A siginfo as `struct signalfd_siginfo`.
fn record(i: &Siginfo) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    let u32_at =
        |off: usize| u32::from_le_bytes([i.fields[off], i.fields[off + 1], i.fields[off + 2], i.fields[off + 3]]);
    let u64_at = |off: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&i.fields[off..off + 8]);
        u64::from_le_bytes(b)
    };
    let mut put32 = |off: usize, v: u32| r[off..off + 4].copy_from_slice(&v.to_le_bytes());
    put32(0, i.signo as u32);
    put32(4, i.errno as u32);
    put32(8, i.code as u32);
    let sig = i.signo as u32;
    let fault = matches!(sig, 4 | 5 | 7 | 8 | 11) && i.code > 0;
    if i.code == crate::sys_timer::SI_TIMER {
        put32(24, u32_at(0)); // ssi_tid: the timer id
        put32(32, u32_at(4)); // ssi_overrun
        put32(44, u32_at(8)); // ssi_int
    } else if !fault {
        put32(12, u32_at(0)); // ssi_pid
        put32(16, u32_at(4)); // ssi_uid
        if sig == kernel_abi::flags::signal::SIGCHLD {
            put32(40, u32_at(8)); // ssi_status
        } else {
            put32(44, u32_at(8)); // ssi_int
        }
    }
    if fault {
        r[72..80].copy_from_slice(&u64_at(0).to_le_bytes()); // ssi_addr
    } else if i.code != crate::sys_timer::SI_TIMER && sig != kernel_abi::flags::signal::SIGCHLD {
        r[48..56].copy_from_slice(&u64_at(8).to_le_bytes()); // ssi_ptr
    }
    r
}
