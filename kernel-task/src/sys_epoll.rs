//! epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and epoll_pwait2.
//!
//! The sets themselves are [`kernel_fs::epoll`]; a wait here takes what is ready and,
//! if nothing is, sleeps until the set wakes the task's inbox (a watched file changed),
//! a passed-through host descriptor in the set becomes ready (a host poll that also
//! watches the inbox's eventfd), the timeout passes, or a signal to deliver arrives
//! (EINTR: epoll waits are never restarted, as on Linux).

use std::time::{Duration, Instant};

use kernel_abi::flags::epoll::*;
use kernel_abi::{return_errno, EpollEvent, KResult, Timespec};
use kernel_fs::epoll::Epoll;

use crate::task::Task;

/// Most events one wait may return (Linux's EP_MAX_EVENTS).
const MAX_EVENTS: i64 = (i32::MAX as usize / std::mem::size_of::<EpollEvent>()) as i64;
/// The end of the application's address space (Linux's TASK_SIZE on x86_64).
const TASK_SIZE: u64 = 0x7fff_ffff_f000;

pub(crate) fn sys_epoll_create(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    if a[0] as i32 <= 0 {
        return_errno!(EINVAL);
    }
    create(t, 0)
}

pub(crate) fn sys_epoll_create1(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let flags = a[0] as u32;
    if flags & !EPOLL_CLOEXEC != 0 {
        return_errno!(EINVAL);
    }
    create(t, flags)
}

fn create(t: &mut Task, flags: u32) -> KResult<u64> {
    let file = Epoll::new_file(0);
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    Ok(t.fds().insert(file, flags & EPOLL_CLOEXEC != 0, 0, limit)? as u64)
}

pub(crate) fn sys_epoll_ctl(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (op, fd) = (a[1] as i32, a[2] as i32);
    let event = if op != EPOLL_CTL_DEL {
        let e: EpollEvent = t.mm.read_val(a[3])?;
        (e.events, e.data)
    } else {
        (0, 0)
    };
    let ep = t.file(a[0])?;
    let target = t.fds().get(fd)?;
    Epoll::ctl(&ep, op, fd, &target, event)?;
    Ok(0)
}

/// Wait for events on `epfd` until `deadline` (`None`: forever) and copy them to
/// `events`.
fn wait(t: &mut Task, epfd: u64, events: u64, maxevents: i32, deadline: Option<Instant>) -> KResult<u64> {
    if maxevents <= 0 || i64::from(maxevents) > MAX_EVENTS {
        return_errno!(EINVAL);
    }
    let len = maxevents as u64 * std::mem::size_of::<EpollEvent>() as u64;
    if events.checked_add(len).is_none_or(|end| end > TASK_SIZE) {
        return_errno!(EFAULT);
    }
    let f = t.file(epfd)?;
    let Some(ep) = Epoll::of(&f) else { return_errno!(EINVAL, "not an epoll descriptor") };
    loop {
        let ready = ep.collect(maxevents as usize);
        if !ready.is_empty() {
            let out: Vec<EpollEvent> = ready.iter().map(|&(events, data)| EpollEvent { events, data }).collect();
            t.mm.copy_out(events, bytemuck::cast_slice(&out))?;
            return Ok(out.len() as u64);
        }
        if deadline.is_some_and(|d| d <= Instant::now()) {
            return Ok(0);
        }
        if t.signal_pending() {
            return_errno!(EINTR);
        }
        let waker: std::sync::Arc<dyn kernel_fs::pipe::Waker> = t.inbox.clone();
        let id = f.add_waiter(waker);
        // Something queued between the scan and the registration would otherwise be
        // missed.
        if !ep.has_queued() {
            let host = ep.host_fds();
            if host.is_empty() {
                let ignore = t.wait_ignores();
                let _ = t.inbox.wait(deadline, ignore);
            } else {
                let host: Vec<_> = host.into_iter().map(|(fd, ev)| (fd, ev & 0xffff)).collect();
                let ms = deadline.map_or(-1, |d| {
                    let left = d.saturating_duration_since(Instant::now());
                    i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
                });
                kernel_fs::hostfd::poll_host(&host, t.inbox.event(), ms);
            }
        }
        if let Some(id) = id {
            f.remove_waiter(id);
        }
        t.take_inbox();
    }
}

fn deadline_ms(ms: i32) -> Option<Instant> {
    if ms < 0 {
        return None;
    }
    Some(Instant::now().checked_add(Duration::from_millis(ms as u64)).unwrap_or_else(far_future))
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86400)
}

pub(crate) fn sys_epoll_wait(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    wait(t, a[0], a[1], a[2] as i32, deadline_ms(a[3] as i32))
}

/// Run `wait` with the temporary signal mask at `mask` (if any): it stays until the
/// signal that interrupted the wait is delivered, or ends with the call.
fn with_mask(t: &mut Task, mask: u64, size: u64, wait: impl FnOnce(&mut Task) -> KResult<u64>) -> KResult<u64> {
    crate::sys_poll::with_sigmask(t, mask, size)?;
    let r = wait(t);
    if !matches!(&r, Err(e) if e.errno == kernel_abi::Errno::EINTR) {
        if let Some(m) = t.saved_mask.take() {
            t.sigmask = m;
        }
    }
    r
}

pub(crate) fn sys_epoll_pwait(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    with_mask(t, a[4], a[5], |t| wait(t, a[0], a[1], a[2] as i32, deadline_ms(a[3] as i32)))
}

pub(crate) fn sys_epoll_pwait2(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let deadline = if a[3] != 0 {
        let ts: Timespec = t.mm.read_val(a[3])?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return_errno!(EINVAL);
        }
        let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        Some(Instant::now().checked_add(d).unwrap_or_else(far_future))
    } else {
        None
    };
    with_mask(t, a[4], a[5], |t| wait(t, a[0], a[1], a[2] as i32, deadline))
}
