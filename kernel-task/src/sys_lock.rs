//! File locks: flock(2) and fcntl(2)'s record-lock commands (POSIX and open file
//! description locks). The locks themselves live in [`kernel_fs::lock`]; this file decodes
//! the calls, waits interruptibly for blocked locks, and drops a process's POSIX locks
//! when it closes a descriptor of the file or exits.

use std::sync::Arc;

use kernel_abi::flags::fcntl::*;
use kernel_abi::flags::flock::*;
use kernel_abi::flags::open::O_PATH;
use kernel_abi::flags::seek::{SEEK_CUR, SEEK_END, SEEK_SET};
use kernel_abi::{return_errno, Flock, KResult};
use kernel_fs::lock::{Acquire, FileKey, FlockOp, Kind, Owner, RangeRequest, OFFSET_MAX};
use kernel_fs::pipe::Waker;
use kernel_fs::File;

use crate::Task;

/// Run a lock request until it is granted. Without `wait`, a conflict is an error at
/// once; with it, the task sleeps until the file's locks change, interruptibly (a signal
/// to deliver gives ERESTARTSYS: restarted under SA_RESTART, as Linux does for flock and
/// F_SETLKW).
fn lock_or_wait(
    t: &mut Task,
    key: FileKey,
    wait: bool,
    mut op: impl FnMut(Option<&Arc<dyn Waker>>) -> KResult<Acquire>,
) -> KResult<u64> {
    if !wait {
        op(None)?;
        return Ok(0);
    }
    let waker: Arc<dyn Waker> = t.inbox.clone();
    loop {
        let Acquire::Blocked(id) = op(Some(&waker))? else { return Ok(0) };
        if t.signal_pending() {
            t.kernel.locks.cancel_wait(key, id);
            return_errno!(ERESTARTSYS);
        }
        let ignore = t.wait_ignores();
        let _ = t.inbox.wait(None, ignore);
        t.kernel.locks.cancel_wait(key, id);
        t.take_inbox();
    }
}

pub(crate) fn sys_flock(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let cmd = a[1] as u32;
    if cmd & LOCK_MAND != 0 {
        // Linux ignores these since 5.18 (they never did anything).
        t.kernel.log_once(Some(kernel_abi::nr::FLOCK), "LOCK_MAND is ignored, as on Linux");
        return Ok(0);
    }
    let op = match cmd & !LOCK_NB {
        LOCK_SH => FlockOp::Lock(Kind::Read),
        LOCK_EX => FlockOp::Lock(Kind::Write),
        LOCK_UN => FlockOp::Unlock,
        _ => return_errno!(EINVAL),
    };
    let f = t.file(a[0])?;
    if f.flags() & O_PATH != 0 || (op != FlockOp::Unlock && !f.readable() && !f.writable()) {
        return_errno!(EBADF);
    }
    let key = FileKey::of(&f)?;
    let locks = t.kernel.locks.clone();
    lock_or_wait(t, key, cmd & LOCK_NB == 0, |w| locks.flock(&f, key, op, w))
}

/// The byte range `fl` names in `f`, as Linux's `flock64_to_posix_lock`.
fn lock_range(f: &File, fl: &Flock) -> KResult<(i64, i64)> {
    let base = match fl.l_whence as u32 {
        SEEK_SET => 0,
        // Streams have no position: Linux's f_pos stays 0 for them.
        SEEK_CUR => f.seek(0, SEEK_CUR).map(|p| p as i64).unwrap_or(0),
        SEEK_END => f.stat()?.st_size,
        _ => return_errno!(EINVAL),
    };
    if fl.l_start > OFFSET_MAX - base {
        return_errno!(EOVERFLOW);
    }
    let mut start = base + fl.l_start;
    if start < 0 {
        return_errno!(EINVAL);
    }
    let end;
    if fl.l_len > 0 {
        if fl.l_len - 1 > OFFSET_MAX - start {
            return_errno!(EOVERFLOW);
        }
        end = start + (fl.l_len - 1);
    } else if fl.l_len < 0 {
        if start + fl.l_len < 0 {
            return_errno!(EINVAL);
        }
        end = start - 1;
        start += fl.l_len;
    } else {
        end = OFFSET_MAX;
    }
    Ok((start, end))
}

fn lock_kind(l_type: i16) -> KResult<Option<Kind>> {
    match l_type {
        F_RDLCK => Ok(Some(Kind::Read)),
        F_WRLCK => Ok(Some(Kind::Write)),
        F_UNLCK => Ok(None),
        _ => return_errno!(EINVAL),
    }
}

/// fcntl's F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms on `f`.
pub(crate) fn fcntl_lock(t: &mut Task, f: Arc<File>, cmd: u32, arg: u64) -> KResult<u64> {
    if f.flags() & O_PATH != 0 {
        return_errno!(EBADF);
    }
    let mut fl: Flock = t.mm.read_val(arg)?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    let owner = if ofd { Owner::of_description(&f) } else { Owner::Process(t.tgid) };
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        let Some(kind) = lock_kind(fl.l_type).ok().flatten() else { return_errno!(EINVAL) };
        let (start, end) = lock_range(&f, &fl)?;
        if ofd && fl.l_pid != 0 {
            return_errno!(EINVAL);
        }
        let key = FileKey::of(&f)?;
        match t.kernel.locks.test_range(key, owner, kind, start, end) {
            None => fl.l_type = F_UNLCK,
            Some(l) => {
                fl.l_type = if l.kind == Kind::Write { F_WRLCK } else { F_RDLCK };
                fl.l_whence = SEEK_SET as i16;
                fl.l_start = l.start;
                fl.l_len = if l.end == OFFSET_MAX { 0 } else { l.end - l.start + 1 };
                fl.l_pid = match l.owner {
                    Owner::Process(pid) => pid,
                    Owner::Description(_) => -1,
                };
            }
        }
        t.mm.write_val(arg, &fl)?;
        return Ok(0);
    }
    let (start, end) = lock_range(&f, &fl)?;
    let kind = lock_kind(fl.l_type)?;
    match kind {
        Some(Kind::Read) if !f.readable() => return_errno!(EBADF),
        Some(Kind::Write) if !f.writable() => return_errno!(EBADF),
        _ => {}
    }
    if ofd && fl.l_pid != 0 {
        return_errno!(EINVAL);
    }
    let key = FileKey::of(&f)?;
    let req = RangeRequest { owner, kind, start, end };
    let locks = t.kernel.locks.clone();
    lock_or_wait(t, key, matches!(cmd, F_SETLKW | F_OFD_SETLKW), |w| locks.set_range(&f, key, &req, w))
}

/// The process closed a descriptor of `f`: its POSIX locks on the file go (all of them,
/// whichever descriptor set them: the POSIX rule).
pub(crate) fn closed(t: &Task, f: &File) {
    if !t.kernel.locks.holds_posix(t.tgid) {
        return;
    }
    if let Ok(key) = FileKey::of(f) {
        t.kernel.locks.close_posix(key, t.tgid);
    }
}
