//! pidfds: file descriptors that name a process (pidfd_open, clone's CLONE_PIDFD is not
//! offered yet), readable once the process has exited, used to signal it
//! (pidfd_send_signal) and to wait for it (waitid P_PIDFD).

use std::sync::{Arc, Weak};

use kernel_abi::flags::mode::S_IFREG;
use kernel_abi::flags::open::{O_NONBLOCK, O_RDWR};
use kernel_abi::flags::signal::NSIG;
use kernel_abi::{errno, return_errno, KResult, Stat};
use kernel_fs::{File, FileOps};

use crate::task::Task;
use crate::thread::ThreadGroup;

/// `PIDFD_THREAD` (O_EXCL): a pidfd for one thread.
const PIDFD_THREAD: u64 = 0o200;

/// The open pidfd of a process.
pub(crate) struct PidFd {
    pub pid: i32,
    group: Weak<ThreadGroup>,
}

impl FileOps for PidFd {
    fn stat(&self) -> KResult<Stat> {
        // An anonymous inode, as Linux shows pidfds.
        Ok(Stat { st_mode: S_IFREG | 0o600, st_nlink: 1, st_blksize: 4096, ..Default::default() })
    }

    fn poll(&self) -> u32 {
        use kernel_abi::flags::poll::*;
        match self.group.upgrade() {
            Some(g) if !g.has_ended() => 0,
            _ => POLLIN | POLLRDNORM,
        }
    }

    fn add_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> Option<u64> {
        self.group.upgrade().map(|g| g.add_exit_waiter(w))
    }

    fn remove_waiter(&self, id: u64) {
        if let Some(g) = self.group.upgrade() {
            g.remove_exit_waiter(id);
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// The process a pidfd names.
pub(crate) fn pid_of(t: &Task, fd: u64) -> KResult<i32> {
    let f = t.file(fd)?;
    match f.as_any().and_then(|a| a.downcast_ref::<PidFd>()) {
        Some(p) => Ok(p.pid),
        None => return_errno!(EBADF),
    }
}

pub(crate) fn sys_pidfd_open(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let pid = a[0] as i32;
    let flags = a[1];
    if flags & !(O_NONBLOCK as u64 | PIDFD_THREAD) != 0 || pid <= 0 {
        return_errno!(EINVAL);
    }
    if flags & PIDFD_THREAD != 0 {
        t.kernel.log_once(Some(kernel_abi::nr::PIDFD_OPEN), "thread pidfds are not supported: EINVAL");
        return_errno!(EINVAL);
    }
    let group = t.kernel.group_of_thread(pid).ok_or(errno!(ESRCH))?;
    if group.tgid != pid {
        // A thread that does not lead its group names no process.
        return_errno!(ENOENT);
    }
    let file = File::new(
        Box::new(PidFd { pid, group: Arc::downgrade(&group) }),
        O_RDWR | (flags as u32 & O_NONBLOCK),
        None,
        "anon_inode:[pidfd]".into(),
    );
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    Ok(t.fds().insert(file, true, 0, limit)? as u64)
}

pub(crate) fn sys_pidfd_send_signal(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[3] != 0 {
        return_errno!(EINVAL);
    }
    let pid = pid_of(t, a[0])?;
    let sig = a[1];
    if sig > u64::from(NSIG) {
        return_errno!(EINVAL);
    }
    let info = if a[2] != 0 {
        let mut info: kernel_signal::Siginfo = t.mm.read_val(a[2])?;
        if info.signo as u64 != sig {
            return_errno!(EINVAL);
        }
        if (info.code >= 0 || info.code == kernel_signal::info::SI_TKILL) && pid != t.tgid {
            return_errno!(EPERM);
        }
        info.signo = sig as i32;
        info
    } else {
        kernel_signal::Siginfo::from_process(sig as u32, kernel_signal::info::SI_USER, t.tgid, t.creds.uid)
    };
    t.kernel.send_to_process(t, pid, if sig == 0 { kernel_signal::Siginfo { signo: 0, ..info } } else { info })?;
    Ok(0)
}
