//! POSIX per-process timers: timer_create, timer_settime, timer_gettime,
//! timer_getoverrun, timer_delete.
//!
//! Each armed timer has a host thread that sleeps until its expiries; arming again or
//! deleting bumps the timer's generation, which retires the old thread at its next wake.
//! An expiry whose signal is still pending is counted as an overrun instead of queueing
//! a second signal, as Linux does.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use kernel_abi::flags::clock::*;
use kernel_abi::flags::signal::NSIG;
use kernel_abi::{return_errno, KResult, Timespec};
use kernel_signal::Siginfo;

use crate::task::Task;
use crate::thread::ThreadGroup;

/// `si_code` of a timer's signal.
pub(crate) const SI_TIMER: i32 = -2;
const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;
const TIMER_ABSTIME: u64 = 1;
/// Timers one process may hold.
const MAX_TIMERS: usize = 1 << 15;

/// `struct sigevent` (64 bytes): value, signal, notification, and the thread id.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Sigevent {
    value: u64,
    signo: i32,
    notify: i32,
    tid: i32,
    pad: [u8; 44],
}

/// Where a timer's signal goes.
#[derive(Clone, Copy, Debug)]
enum Target {
    None,
    Process,
    Thread(i32),
}

/// One timer.
struct Timer {
    clock: i32,
    signo: u32,
    value: u64,
    target: Target,
    generation: Arc<AtomicU64>,
    /// Shared with the firing thread.
    state: Arc<Mutex<Fire>>,
    /// For a CPU-time clock: its reader and the timer on it.
    cpu: Option<(crate::cputimer::CpuReader, crate::cputimer::CpuTimer)>,
}

/// What changes as a timer fires.
#[derive(Default)]
struct Fire {
    next: Option<Instant>,
    interval: Duration,
    /// The signal is queued and not yet taken.
    queued: bool,
    /// Expiries while the signal was queued.
    overruns: u32,
    /// The overrun count of the last delivered signal (timer_getoverrun).
    last_overrun: u32,
}

/// A process's timers.
#[derive(Default)]
pub(crate) struct PosixTimers {
    timers: BTreeMap<i32, Timer>,
}

impl PosixTimers {
    /// Stop and remove every timer (exec, exit).
    pub(crate) fn clear(&mut self) {
        for t in self.timers.values() {
            t.generation.fetch_add(1, Ordering::SeqCst);
        }
        self.timers.clear();
    }

    /// A timer's signal was taken: fill in its overrun count and let it queue again.
    pub(crate) fn delivered(&self, info: &mut Siginfo) {
        let id = i32::from_le_bytes([info.fields[0], info.fields[1], info.fields[2], info.fields[3]]);
        if let Some(t) = self.timers.get(&id) {
            let mut f = t.state.lock().unwrap_or_else(|e| e.into_inner());
            f.queued = false;
            f.last_overrun = f.overruns;
            f.overruns = 0;
            info.fields[4..8].copy_from_slice(&(f.last_overrun as i32).to_le_bytes());
        }
    }
}

impl Drop for PosixTimers {
    fn drop(&mut self) {
        self.clear();
    }
}

fn timers(t: &Task) -> std::sync::MutexGuard<'_, PosixTimers> {
    t.tg.timers.lock().unwrap_or_else(|e| e.into_inner())
}

/// The siginfo of timer `id`: si_timerid at 16, si_overrun at 20, si_value at 24.
fn timer_info(id: i32, signo: u32, value: u64) -> Siginfo {
    let mut info = Siginfo { signo: signo as i32, code: SI_TIMER, ..kernel_abi::Zeroable::zeroed() };
    info.fields[0..4].copy_from_slice(&id.to_le_bytes());
    info.fields[8..16].copy_from_slice(&value.to_le_bytes());
    info
}

pub(crate) fn sys_timer_create(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let clock = a[0] as i32;
    let mut cpu = None;
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        CLOCK_PROCESS_CPUTIME_ID => cpu = Some(crate::cputimer::process_clock(&t.tg)),
        CLOCK_THREAD_CPUTIME_ID => cpu = Some(crate::cputimer::thread_clock(&t.shared)),
        id if id < 0 => {
            // A clock id from clock_getcpuclockid or pthread_getcpuclockid.
            if id & 3 >= 3 {
                return_errno!(EINVAL);
            }
            let pid = !(id >> 3);
            cpu = Some(if id & 4 != 0 {
                let shared = if pid == 0 { Some(t.shared.clone()) } else { t.tg.member_shared(pid) };
                crate::cputimer::thread_clock(&shared.ok_or(kernel_abi::errno!(EINVAL))?)
            } else if pid == 0 || pid == t.tgid {
                crate::cputimer::process_clock(&t.tg)
            } else {
                let g = t.kernel.group_of_thread(pid).filter(|g| g.tgid == pid).ok_or(kernel_abi::errno!(EINVAL))?;
                crate::cputimer::process_clock(&g)
            });
        }
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => return_errno!(EPERM),
        // Clocks Linux knows but cannot arm timers on.
        CLOCK_MONOTONIC_RAW | CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => return_errno!(EOPNOTSUPP),
        _ => return_errno!(EINVAL),
    }
    let (signo, value, target) = if a[1] == 0 {
        // No sigevent: SIGALRM to the process, with the timer id as the value.
        (kernel_abi::flags::signal::SIGALRM, u64::MAX, Target::Process)
    } else {
        let ev: Sigevent = t.mm.read_val(a[1])?;
        let signo = ev.signo as u32;
        let target = match ev.notify {
            SIGEV_NONE => Target::None,
            SIGEV_SIGNAL => Target::Process,
            SIGEV_THREAD_ID => {
                if t.tg.member_inbox(ev.tid).is_none() {
                    return_errno!(EINVAL);
                }
                Target::Thread(ev.tid)
            }
            // SIGEV_THREAD is the C library's business (it uses SIGEV_THREAD_ID).
            SIGEV_THREAD => return_errno!(EINVAL),
            _ => return_errno!(EINVAL),
        };
        if !matches!(target, Target::None) && (signo == 0 || signo > NSIG) {
            return_errno!(EINVAL);
        }
        (signo, ev.value, target)
    };
    let mut ts = timers(t);
    if ts.timers.len() >= MAX_TIMERS {
        return_errno!(EAGAIN);
    }
    let id = (0..).find(|i| !ts.timers.contains_key(i)).unwrap_or(0);
    let value = if value == u64::MAX && a[1] == 0 { id as u64 } else { value };
    ts.timers.insert(
        id,
        Timer {
            clock,
            signo,
            value,
            target,
            generation: Arc::new(AtomicU64::new(0)),
            state: Arc::new(Mutex::new(Fire::default())),
            cpu: cpu.map(|c| (c, crate::cputimer::CpuTimer::default())),
        },
    );
    drop(ts);
    if let Err(e) = t.mm.write_val(a[2], &id) {
        timers(t).timers.remove(&id);
        return Err(e);
    }
    Ok(0)
}

fn duration(ts: &Timespec) -> KResult<Duration> {
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return_errno!(EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

fn timespec(d: Duration) -> Timespec {
    Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

/// The current (interval, remaining) of a timer's firing state.
fn current(f: &mut Fire) -> [Timespec; 2] {
    let now = Instant::now();
    if let Some(mut n) = f.next {
        if n <= now {
            if f.interval.is_zero() {
                f.next = None;
            } else {
                while n <= now {
                    n += f.interval;
                }
                f.next = Some(n);
            }
        }
    }
    let left = f.next.map_or(Duration::ZERO, |n| n.saturating_duration_since(now).max(Duration::from_nanos(1)));
    [timespec(f.interval), timespec(left)]
}

pub(crate) fn sys_timer_settime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let id = a[0] as i32;
    // Unknown flag bits are ignored, as Linux does.
    let flags = a[1];
    if a[2] == 0 {
        return_errno!(EINVAL);
    }
    let new: [Timespec; 2] = t.mm.read_val(a[2])?;
    let (interval, value) = (duration(&new[0])?, duration(&new[1])?);
    let ts = timers(t);
    let timer = ts.timers.get(&id).ok_or(kernel_abi::errno!(EINVAL))?;
    if let Some((clock, cpu)) = &timer.cpu {
        let (old_interval, old_left) = cpu.get(clock);
        let value = if flags & TIMER_ABSTIME != 0 && !value.is_zero() {
            // An absolute CPU time already passed fires at once.
            value.saturating_sub(clock().unwrap_or_default()).max(Duration::from_nanos(1))
        } else {
            value
        };
        timer.state.lock().unwrap_or_else(|e| e.into_inner()).overruns = 0;
        if !matches!(timer.target, Target::None) {
            let fire = firing(t, id, timer);
            cpu.arm(clock.clone(), value, interval, fire);
        } else {
            cpu.arm(clock.clone(), value, interval, || true);
        }
        drop(ts);
        if a[3] != 0 {
            t.mm.write_val(a[3], &[timespec(old_interval), timespec(old_left)])?;
        }
        return Ok(0);
    }
    let old = current(&mut timer.state.lock().unwrap_or_else(|e| e.into_inner()));
    let gen = timer.generation.fetch_add(1, Ordering::SeqCst) + 1;
    let first = if value.is_zero() {
        None
    } else if flags & TIMER_ABSTIME != 0 {
        let now = crate::sys_misc::host_clock(timer.clock)?;
        let now = Duration::new(now.tv_sec.max(0) as u64, now.tv_nsec as u32);
        Some(Instant::now() + value.saturating_sub(now))
    } else {
        Instant::now().checked_add(value)
    };
    {
        let mut f = timer.state.lock().unwrap_or_else(|e| e.into_inner());
        f.next = first;
        f.interval = if first.is_some() { interval } else { Duration::ZERO };
        f.overruns = 0;
    }
    if let Some(first) = first {
        if !matches!(timer.target, Target::None) {
            spawn_firing(t, id, timer, gen, first, interval);
        }
    }
    drop(ts);
    if a[3] != 0 {
        t.mm.write_val(a[3], &old)?;
    }
    Ok(0)
}

/// What a timer does at each expiry: queue its signal, or count an overrun while the
/// last one is still queued. False once its target is gone.
fn firing(t: &Task, id: i32, timer: &Timer) -> impl Fn() -> bool + Send + 'static {
    let group: Weak<ThreadGroup> = Arc::downgrade(&t.tg);
    let state = timer.state.clone();
    let (signo, value, target) = (timer.signo, timer.value, timer.target);
    move || {
        let Some(group) = group.upgrade() else { return false };
        {
            let mut f = state.lock().unwrap_or_else(|e| e.into_inner());
            if f.queued {
                f.overruns = f.overruns.saturating_add(1);
                return true;
            }
            f.queued = true;
        }
        let info = timer_info(id, signo, value);
        match target {
            Target::Thread(tid) => match group.member_inbox(tid) {
                Some(inbox) => inbox.post(info),
                None => return false,
            },
            _ => {
                if group.post(info).is_err() {
                    state.lock().unwrap_or_else(|e| e.into_inner()).queued = false;
                }
            }
        }
        true
    }
}

/// Start the host thread that delivers a wall-clock timer's expiries.
fn spawn_firing(t: &Task, id: i32, timer: &Timer, gen: u64, first: Instant, interval: Duration) {
    let fire = firing(t, id, timer);
    let generation = timer.generation.clone();
    let spawned = std::thread::Builder::new().name("posix-timer".into()).spawn(move || {
        let mut next = first;
        loop {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            if generation.load(Ordering::SeqCst) != gen || !fire() || interval.is_zero() {
                return;
            }
            next += interval;
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start a POSIX timer thread: {e}");
    }
}

pub(crate) fn sys_timer_gettime(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let v = {
        let ts = timers(t);
        let timer = ts.timers.get(&(a[0] as i32)).ok_or(kernel_abi::errno!(EINVAL))?;
        match &timer.cpu {
            Some((clock, cpu)) => {
                let (interval, left) = cpu.get(clock);
                [timespec(interval), timespec(left)]
            }
            None => {
                let mut f = timer.state.lock().unwrap_or_else(|e| e.into_inner());
                current(&mut f)
            }
        }
    };
    t.mm.write_val(a[1], &v).map(|_| 0)
}

pub(crate) fn sys_timer_getoverrun(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let ts = timers(t);
    let timer = ts.timers.get(&(a[0] as i32)).ok_or(kernel_abi::errno!(EINVAL))?;
    let f = timer.state.lock().unwrap_or_else(|e| e.into_inner());
    Ok(u64::from(f.last_overrun.min(i32::MAX as u32)))
}

pub(crate) fn sys_timer_delete(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let mut ts = timers(t);
    let timer = ts.timers.remove(&(a[0] as i32)).ok_or(kernel_abi::errno!(EINVAL))?;
    timer.generation.fetch_add(1, Ordering::SeqCst);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_overrun_bookkeeping() {
        assert_eq!(std::mem::size_of::<Sigevent>(), 64);
        let info = timer_info(3, 34, 0xabcd);
        let b = bytemuck::bytes_of(&info);
        assert_eq!(&b[16..20], &3i32.to_le_bytes(), "si_timerid at 16");
        assert_eq!(&b[24..32], &0xabcdu64.to_le_bytes(), "si_value at 24");
        let mut timers = PosixTimers::default();
        let state = Arc::new(Mutex::new(Fire { queued: true, overruns: 4, ..Default::default() }));
        timers.timers.insert(
            3,
            Timer {
                clock: CLOCK_MONOTONIC,
                signo: 34,
                value: 0,
                target: Target::Process,
                generation: Arc::new(AtomicU64::new(0)),
                state: state.clone(),
                cpu: None,
            },
        );
        let mut info = info;
        timers.delivered(&mut info);
        assert_eq!(&bytemuck::bytes_of(&info)[20..24], &4i32.to_le_bytes(), "si_overrun at 20");
        let f = state.lock().unwrap();
        assert!(!f.queued);
        assert_eq!((f.overruns, f.last_overrun), (0, 4));
    }
}
