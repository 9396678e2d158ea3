//! eventfd, eventfd2, timerfd_create, timerfd_settime, timerfd_gettime and the inotify
//! calls.
//!
//! The descriptions are [`kernel_fs::eventfd`], [`kernel_fs::timerfd`] and
//! [`kernel_fs::inotify`]; blocking
//! reads and writes wait in the generic read/write path (`Task::io_wait`).

use std::time::Duration;

use kernel_abi::flags::clock::*;
use kernel_abi::flags::eventfd::*;
use kernel_abi::flags::open::O_NONBLOCK;
use kernel_abi::flags::timerfd::*;
use kernel_abi::{return_errno, KResult, Timespec};
use kernel_fs::eventfd::EventFd;
use kernel_fs::inotify::Inotify;
use kernel_fs::timerfd::Timer;
use kernel_fs::File;

use crate::task::Task;

/// capabilities(7): arm timers that wake the system.
const CAP_WAKE_ALARM: u32 = 35;

fn install(t: &mut Task, file: std::sync::Arc<File>, cloexec: bool) -> KResult<u64> {
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    Ok(t.fds().insert(file, cloexec, 0, limit)? as u64)
}

pub(crate) fn sys_eventfd2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[1] as u32;
    if flags & !(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK) != 0 {
        return_errno!(EINVAL);
    }
    let file = EventFd::new_file(u64::from(a[0] as u32), flags & EFD_SEMAPHORE != 0, flags & O_NONBLOCK);
    install(t, file, flags & EFD_CLOEXEC != 0)
}

pub(crate) fn sys_eventfd(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    sys_eventfd2(t, [a[0], 0, 0, 0, 0, 0])
}

pub(crate) fn sys_timerfd_create(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (clock, flags) = (a[0] as i32, a[1] as u32);
    let clocks = [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM];
    if flags & !(TFD_CLOEXEC | TFD_NONBLOCK) != 0 || !clocks.contains(&clock) {
        return_errno!(EINVAL);
    }
    if matches!(clock, CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM) && !t.creds.capable(CAP_WAKE_ALARM) {
        return_errno!(EPERM);
    }
    install(t, Timer::new_file(clock, flags & TFD_NONBLOCK), flags & TFD_CLOEXEC != 0)
}

fn duration(ts: &Timespec) -> KResult<Duration> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return_errno!(EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

fn timespec(d: Duration) -> Timespec {
    Timespec { tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX), tv_nsec: i64::from(d.subsec_nanos()) }
}

/// `struct itimerspec` as (interval, value).
fn itimerspec((value, interval): (Duration, Duration)) -> [Timespec; 2] {
    [timespec(interval), timespec(value)]
}

/// The timer behind `fd`: EBADF if there is no such descriptor, EINVAL if it is not a
/// timerfd.
fn timer_file(t: &Task, fd: u64) -> KResult<std::sync::Arc<File>> {
    let f = t.file(fd)?;
    if Timer::of(&f).is_none() {
        return_errno!(EINVAL, "not a timerfd");
    }
    Ok(f)
}

pub(crate) fn sys_timerfd_settime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[1] as u32;
    let new: [Timespec; 2] = t.mm.read_val(a[2])?;
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return_errno!(EINVAL);
    }
    let (interval, value) = (duration(&new[0])?, duration(&new[1])?);
    let f = timer_file(t, a[0])?;
    if flags & TFD_TIMER_CANCEL_ON_SET != 0 {
        // The sandbox cannot set the clock, so nothing ever cancels the timer.
        t.kernel.log_once(Some(kernel_abi::nr::TIMERFD_SETTIME), "TFD_TIMER_CANCEL_ON_SET never cancels");
    }
    let Some(timer) = Timer::of(&f) else { return_errno!(EINVAL) };
    let old = timer.set(value, interval, flags & TFD_TIMER_ABSTIME != 0);
    if a[3] != 0 {
        t.mm.write_val(a[3], &itimerspec(old))?;
    }
    Ok(0)
}

pub(crate) fn sys_timerfd_gettime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = timer_file(t, a[0])?;
    let Some(timer) = Timer::of(&f) else { return_errno!(EINVAL) };
    t.mm.write_val(a[1], &itimerspec(timer.get()))?;
    Ok(0)
}

pub(crate) fn sys_inotify_init1(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::inotify::{IN_CLOEXEC, IN_NONBLOCK};
    let flags = a[0] as u32;
    if flags & !(IN_CLOEXEC | IN_NONBLOCK) != 0 {
        return_errno!(EINVAL);
    }
    install(t, Inotify::new_file(flags & O_NONBLOCK)?, flags & IN_CLOEXEC != 0)
}

pub(crate) fn sys_inotify_init(t: &mut Task, _a: [u64; 6]) -> KResult<u64> {
    sys_inotify_init1(t, [0; 6])
}

/// The inotify instance behind `fd`: EBADF if there is no such descriptor, EINVAL if
/// it is something else.
fn inotify_file(t: &Task, fd: u64) -> KResult<std::sync::Arc<File>> {
    let f = t.file(fd)?;
    if Inotify::of(&f).is_none() {
        return_errno!(EINVAL, "not an inotify descriptor");
    }
    Ok(f)
}

pub(crate) fn sys_inotify_add_watch(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    use kernel_abi::flags::inotify::*;
    let mask = a[2] as u32;
    let all_bits =
        IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT;
    if mask & all_bits == 0 || (mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0) {
        return_errno!(EINVAL);
    }
    let f = inotify_file(t, a[0])?;
    let path = t.read_path(a[1])?;
    if path.is_empty() {
        return_errno!(ENOENT);
    }
    let start = if path.first() == Some(&b'/') { t.kernel.root.clone() } else { t.cwd() };
    let d = kernel_fs::path::resolve(&t.kernel.root, &start, &path, mask & IN_DONT_FOLLOW == 0)?;
    if mask & IN_ONLYDIR != 0 && !d.is_dir() {
        return_errno!(ENOTDIR);
    }
    let st = d.stat()?;
    if !t.fs_cred().permits(st.st_mode, st.st_uid, st.st_gid, kernel_abi::flags::mode::R_OK) {
        return_errno!(EACCES);
    }
    let Some(ino) = Inotify::of(&f) else { return_errno!(EINVAL) };
    Ok(ino.add_watch(&d, mask)? as u64)
}

pub(crate) fn sys_inotify_rm_watch(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = inotify_file(t, a[0])?;
    let Some(ino) = Inotify::of(&f) else { return_errno!(EINVAL) };
    ino.rm_watch(a[1] as i32)?;
    Ok(0)
}
