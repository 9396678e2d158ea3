//! poll, ppoll, select and pselect6 over the sandbox's files.
//!
//! Readiness comes from each file ([`kernel_fs::File::poll`]); a task with nothing ready
//! sleeps until a Sentry file it watches wakes it (their wakers), a passed-through host
//! descriptor becomes ready (a host poll that also watches the inbox's eventfd), the
//! timeout passes, or a signal to deliver arrives.

use std::sync::Arc;
use std::time::Instant;

use kernel_abi::flags::poll::*;
use kernel_abi::flags::signal::SIGKILL;
use kernel_abi::{return_errno, KResult, Timespec, Timeval};
use kernel_fs::File;

use crate::task::Task;

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

/// Most descriptors one call may watch (RLIMIT_NOFILE bounds it too).
const MAX_FDS: usize = 1 << 20;

enum Target {
    None,
    Bad,
    File(Arc<File>),
}

impl Task {
    /// Wait until some entry of `fds` (fd, events) is ready; returns the revents of each.
    /// `None` deadline: forever.
    fn poll_files(&mut self, fds: &[(i32, u32)], deadline: Option<Instant>) -> KResult<Vec<u32>> {
        let targets: Vec<Target> = fds
            .iter()
            .map(|&(fd, _)| if fd < 0 { Target::None } else { self.fds().get(fd).map_or(Target::Bad, Target::File) })
            .collect();
        loop {
            let mut out = vec![0u32; fds.len()];
            let mut ready = 0;
            for (i, t) in targets.iter().enumerate() {
                let ev = fds[i].1 | POLLERR | POLLHUP;
                out[i] = match t {
                    Target::None => 0,
                    Target::Bad => POLLNVAL,
                    Target::File(f) => f.poll() & ev,
                };
                if out[i] != 0 {
                    ready += 1;
                }
            }
            let now = Instant::now();
            if ready > 0 || deadline.is_some_and(|d| d <= now) {
                return Ok(out);
            }
            if self.signal_pending() {
                return_errno!(ERESTARTNOHAND);
            }
            // Sleep until something may have changed.
            let waker: Arc<dyn kernel_fs::pipe::Waker> = self.inbox.clone();
            let mut ids = Vec::new();
            let mut host = Vec::new();
            for (i, t) in targets.iter().enumerate() {
                if let Target::File(f) = t {
                    match f.host_fd() {
                        Some(fd) => host.push((fd, fds[i].1)),
                        None => {
                            if let Some(id) = f.add_waiter(waker.clone()) {
                                ids.push((f.clone(), id));
                            }
                        }
                    }
                }
            }
            // Re-check before sleeping: a change between the check and the registration
            // would otherwise be missed.
            let changed = targets.iter().enumerate().any(|(i, t)| match t {
                Target::File(f) if f.host_fd().is_none() => f.poll() & (fds[i].1 | POLLERR | POLLHUP) != 0,
                _ => false,
            });
            if !changed {
                if host.is_empty() {
                    let ignore = self.wait_ignores();
                    let _ = self.inbox.wait(deadline, ignore);
                } else {
                    let ms = deadline.map_or(-1, |d| {
                        let left = d.saturating_duration_since(Instant::now());
                        i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
                    });
                    kernel_fs::hostfd::poll_host(&host, self.inbox.event(), ms);
                }
            }
            for (f, id) in ids {
                f.remove_waiter(id);
            }
            self.take_inbox();
        }
    }
}

fn deadline_in(ts: Option<Timespec>) -> KResult<Option<Instant>> {
    match ts {
        None => Ok(None),
        Some(t) => {
            if t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec) {
                return_errno!(EINVAL);
            }
            Ok(Instant::now().checked_add(std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)))
        }
    }
}

fn do_poll(t: &mut Task, ufds: u64, nfds: u64, deadline: Option<Instant>) -> KResult<u64> {
    let nofile = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    if nfds as usize > MAX_FDS || nfds > nofile.max(nfds.min(1024)) {
        return_errno!(EINVAL);
    }
    let mut entries = vec![PollFd::default(); nfds as usize];
    t.mm.copy_in(ufds, bytemuck::cast_slice_mut(&mut entries))?;
    let want: Vec<(i32, u32)> = entries.iter().map(|e| (e.fd, e.events as u16 as u32)).collect();
    let got = t.poll_files(&want, deadline)?;
    let mut n = 0;
    for (e, r) in entries.iter_mut().zip(got) {
        e.revents = r as u16 as i16;
        n += u64::from(r != 0);
    }
    t.mm.copy_out(ufds, bytemuck::cast_slice(&entries))?;
    Ok(n)
}

pub(crate) fn sys_poll(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let ms = a[2] as i32;
    let deadline = if ms < 0 {
        None
    } else {
        let ts = Timespec { tv_sec: i64::from(ms / 1000), tv_nsec: i64::from(ms % 1000) * 1_000_000 };
        Some(deadline_in(Some(ts))?.unwrap_or_else(Instant::now))
    };
    do_poll(t, a[0], a[1], deadline)
}

/// Apply ppoll/pselect's temporary signal mask (restored after delivery, like
/// rt_sigsuspend).
pub(crate) fn with_sigmask(t: &mut Task, mask_addr: u64, size: u64) -> KResult<()> {
    if mask_addr == 0 {
        return Ok(());
    }
    if size != 8 {
        return_errno!(EINVAL);
    }
    let mask: u64 = t.mm.read_val(mask_addr)?;
    t.saved_mask = Some(t.sigmask);
    t.sigmask = mask & !(kernel_signal::bit(SIGKILL) | kernel_signal::bit(19));
    Ok(())
}

pub(crate) fn sys_ppoll(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let ts = if a[2] != 0 { Some(t.mm.read_val::<Timespec>(a[2])?) } else { None };
    let deadline = deadline_in(ts)?;
    let deadline = if ts.is_some() { Some(deadline.unwrap_or_else(Instant::now)) } else { None };
    with_sigmask(t, a[3], a[4])?;
    let r = do_poll(t, a[0], a[1], deadline);
    if !matches!(&r, Err(e) if e.errno.is_restart()) {
        // Nothing to deliver: the temporary mask ends with the call.
        if let Some(m) = t.saved_mask.take() {
            t.sigmask = m;
        }
    }
    r
}

const FD_SETSIZE: u64 = 1024;

fn read_set(t: &Task, addr: u64, nfds: u64) -> KResult<Option<Vec<u64>>> {
    if addr == 0 {
        return Ok(None);
    }
    let mut words = vec![0u64; nfds.div_ceil(64) as usize];
    t.mm.copy_in(addr, bytemuck::cast_slice_mut(&mut words))?;
    Ok(Some(words))
}

fn do_select(t: &mut Task, a: [u64; 6], deadline: Option<Instant>) -> KResult<u64> {
    let nfds = a[0] as i32;
    if nfds < 0 || nfds as u64 > FD_SETSIZE {
        return_errno!(EINVAL);
    }
    let nfds = nfds as u64;
    let sets = [read_set(t, a[1], nfds)?, read_set(t, a[2], nfds)?, read_set(t, a[3], nfds)?];
    // Like Linux, descriptors beyond the size of the descriptor table are not looked at.
    let watched = nfds.min(t.fds().capacity() as u64);
    let masks = [POLLIN | POLLRDNORM | POLLHUP | POLLERR, POLLOUT | POLLWRNORM | POLLERR, POLLPRI];
    let mut want: Vec<(i32, u32)> = Vec::new();
    for fd in 0..watched {
        let mut ev = 0;
        for (k, s) in sets.iter().enumerate() {
            if let Some(w) = s {
                if w[(fd / 64) as usize] & (1 << (fd % 64)) != 0 {
                    ev |= masks[k];
                }
            }
        }
        if ev != 0 {
            if t.fds().get(fd as i32).is_err() {
                return_errno!(EBADF);
            }
            want.push((fd as i32, ev));
        }
    }
    let got = t.poll_files(&want, deadline)?;
    let mut out: [Vec<u64>; 3] = std::array::from_fn(|_| vec![0u64; nfds.div_ceil(64) as usize]);
    let mut n = 0;
    for (&(fd, ev), r) in want.iter().zip(got) {
        for k in 0..3 {
            if ev & masks[k] != 0 && r & masks[k] != 0 {
                out[k][(fd / 64) as usize] |= 1 << (fd % 64);
                n += 1;
            }
        }
    }
    for k in 0..3 {
        let addr = a[k + 1];
        if addr != 0 {
            t.mm.copy_out(addr, bytemuck::cast_slice(&out[k]))?;
        }
    }
    Ok(n)
}

pub(crate) fn sys_select(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let tv = if a[4] != 0 { Some(t.mm.read_val::<Timeval>(a[4])?) } else { None };
    let deadline = match tv {
        None => None,
        Some(v) => {
            if v.tv_sec < 0 || !(0..1_000_000).contains(&v.tv_usec) {
                return_errno!(EINVAL);
            }
            Some(
                deadline_in(Some(Timespec { tv_sec: v.tv_sec, tv_nsec: v.tv_usec * 1000 }))?
                    .unwrap_or_else(Instant::now),
            )
        }
    };
    let r = do_select(t, a, deadline);
    if let (Some(d), true) = (deadline, a[4] != 0) {
        // Linux writes back the time left.
        let left = d.saturating_duration_since(Instant::now());
        let _ =
            t.mm.write_val(a[4], &Timeval { tv_sec: left.as_secs() as i64, tv_usec: i64::from(left.subsec_micros()) });
    }
    r
}

pub(crate) fn sys_pselect6(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let ts = if a[4] != 0 { Some(t.mm.read_val::<Timespec>(a[4])?) } else { None };
    let deadline = if ts.is_some() { Some(deadline_in(ts)?.unwrap_or_else(Instant::now)) } else { None };
    if a[5] != 0 {
        let sig: [u64; 2] = t.mm.read_val(a[5])?;
        with_sigmask(t, sig[0], sig[1])?;
    }
    let r = do_select(t, a, deadline);
    if !matches!(&r, Err(e) if e.errno.is_restart()) {
        if let Some(m) = t.saved_mask.take() {
            t.sigmask = m;
        }
    }
    r
}
