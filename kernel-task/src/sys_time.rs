//! Resource usage and interval timers: getrusage, times, alarm, setitimer, getitimer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kernel_abi::flags::signal::SIGALRM;
use kernel_abi::{return_errno, KResult, Rusage, Timeval};

use crate::task::Task;

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;
const ITIMER_REAL: u32 = 0;
const ITIMER_VIRTUAL: u32 = 1;
const ITIMER_PROF: u32 = 2;
/// Clock ticks per second reported by times(2) (AT_CLKTCK).
const CLK_TCK: u64 = 100;

fn tv(d: Duration) -> Timeval {
    Timeval { tv_sec: d.as_secs() as i64, tv_usec: i64::from(d.subsec_micros()) }
}

/// CPU time of the application (its stub: the whole process, or this thread) and of
/// the Sentry thread serving this thread: what Linux calls user and system time.
fn cpu_times(t: &Task, whole_process: bool) -> (Duration, Duration) {
    let space = t.mm.address_space().clone();
    let user = if whole_process { space.cpu_time() } else { t.ctx.cpu_time(&*space) };
    (user.unwrap_or_default(), sentry_thread_cpu())
}

#[allow(unsafe_code)]
fn sentry_thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

pub(crate) fn sys_getrusage(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let mut r = Rusage::default();
    match a[0] as i32 {
        who @ (RUSAGE_SELF | RUSAGE_THREAD) => {
            let (user, sys) = cpu_times(t, who == RUSAGE_SELF);
            r.ru_utime = tv(user);
            r.ru_stime = tv(sys);
            // ru_maxrss (KiB): the memory the application has mapped and touched is not
            // tracked per process yet; report what is mapped.
            r.rest[0] = (t.mm.total_mapped() / 1024) as i64;
        }
        // Reaped children's CPU time (theirs and their own reaped children's).
        RUSAGE_CHILDREN => r.ru_utime = tv(t.kernel.children_cpu(t.tgid)),
        _ => return_errno!(EINVAL),
    }
    t.mm.write_val(a[1], &r)?;
    Ok(0)
}

pub(crate) fn sys_times(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (user, sys) = cpu_times(t, true);
    let ticks = |d: Duration| d.as_millis() as u64 * CLK_TCK / 1000;
    if a[0] != 0 {
        let children = ticks(t.kernel.children_cpu(t.tgid));
        t.mm.write_val(a[0], &[ticks(user), ticks(sys), children, 0u64])?;
    }
    // Ticks since an arbitrary point: the host's monotonic clock.
    Ok(ticks(monotonic()))
}

#[allow(unsafe_code)]
fn monotonic() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The ITIMER_REAL of a process: when it next fires and its reload interval. Each arming
/// gets a generation; a timer thread fires only if its generation is still current.
#[derive(Default)]
pub(crate) struct RealTimer {
    generation: Arc<AtomicU64>,
    next: Option<Instant>,
    interval: Duration,
}

impl RealTimer {
    fn remaining(&self) -> Duration {
        self.next.map_or(Duration::ZERO, |n| n.saturating_duration_since(Instant::now()).max(Duration::from_micros(1)))
    }

    /// Disarm: a pending expiry no longer fires.
    pub(crate) fn cancel(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.next = None;
    }

    /// Bring the recorded next expiry up to date for a periodic timer.
    fn refresh(&mut self) {
        if let Some(mut n) = self.next {
            let now = Instant::now();
            if n <= now {
                if self.interval.is_zero() {
                    self.next = None;
                    return;
                }
                while n <= now {
                    n += self.interval;
                }
                self.next = Some(n);
            }
        }
    }

    fn value(&mut self) -> [Timeval; 2] {
        self.refresh();
        [tv(self.interval), tv(self.remaining())]
    }
}

fn timer(t: &Task) -> std::sync::MutexGuard<'_, RealTimer> {
    t.tg.itimer.lock().unwrap_or_else(|e| e.into_inner())
}

/// Arm the process's ITIMER_REAL; SIGALRM goes to the process (any thread that takes it).
fn arm(t: &mut Task, value: Duration, interval: Duration) {
    let mut timer = timer(t);
    timer.cancel();
    let gen = timer.generation.load(Ordering::SeqCst);
    timer.interval = interval;
    if value.is_zero() {
        return;
    }
    let Some(first) = Instant::now().checked_add(value) else { return };
    timer.next = Some(first);
    let generation = timer.generation.clone();
    drop(timer);
    let group = Arc::downgrade(&t.tg);
    let (pid, uid) = (t.tgid, t.creds.uid);
    let spawned = std::thread::Builder::new().name("itimer-real".into()).spawn(move || {
        let mut next = first;
        loop {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            if generation.load(Ordering::SeqCst) != gen {
                return;
            }
            let Some(group) = group.upgrade() else { return };
            let _ = group.post(kernel_signal::Siginfo::from_process(SIGALRM, kernel_signal::info::SI_KERNEL, pid, uid));
            if interval.is_zero() {
                return;
            }
            next += interval;
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start an interval timer: {e}");
    }
}

fn itimerval(t: &mut Task) -> [Timeval; 2] {
    timer(t).value()
}

fn check_which(which: u32, _t: &Task) -> KResult<()> {
    match which {
        ITIMER_REAL | ITIMER_VIRTUAL | ITIMER_PROF => Ok(()),
        _ => return_errno!(EINVAL),
    }
}

/// ITIMER_VIRTUAL or ITIMER_PROF: both count the process's CPU time (the stub's; the
/// Sentry's time on its behalf is not charged to it).
fn cpu_itimer(t: &Task, which: u32) -> (&crate::cputimer::CpuTimer, u32) {
    use kernel_abi::flags::signal::{SIGPROF, SIGVTALRM};
    if which == ITIMER_VIRTUAL {
        (&t.tg.itimer_cpu[0], SIGVTALRM)
    } else {
        (&t.tg.itimer_cpu[1], SIGPROF)
    }
}

fn cpu_itimerval(t: &Task, which: u32) -> [Timeval; 2] {
    let clock = crate::cputimer::process_clock(&t.tg);
    let (interval, left) = cpu_itimer(t, which).0.get(&clock);
    [tv(interval), tv(left)]
}

fn duration_of(v: &Timeval) -> KResult<Duration> {
    if v.tv_sec < 0 || !(0..1_000_000).contains(&v.tv_usec) {
        return_errno!(EINVAL);
    }
    Ok(Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000))
}

pub(crate) fn sys_getitimer(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let which = a[0] as u32;
    check_which(which, t)?;
    let v = if which == ITIMER_REAL { itimerval(t) } else { cpu_itimerval(t, which) };
    t.mm.write_val(a[1], &v)?;
    Ok(0)
}

pub(crate) fn sys_setitimer(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let which = a[0] as u32;
    check_which(which, t)?;
    let new: Option<[Timeval; 2]> = if a[1] != 0 { Some(t.mm.read_val(a[1])?) } else { None };
    let (interval, value) = match &new {
        Some(v) => (duration_of(&v[0])?, duration_of(&v[1])?),
        None => (Duration::ZERO, Duration::ZERO),
    };
    let old = if which == ITIMER_REAL { itimerval(t) } else { cpu_itimerval(t, which) };
    if a[2] != 0 {
        t.mm.write_val(a[2], &old)?;
    }
    if which == ITIMER_REAL {
        arm(t, value, interval);
    } else {
        let (timer, sig) = cpu_itimer(t, which);
        let group = Arc::downgrade(&t.tg);
        let (pid, uid) = (t.tgid, t.creds.uid);
        timer.arm(crate::cputimer::process_clock(&t.tg), value, interval, move || {
            let Some(g) = group.upgrade() else { return false };
            let _ = g.post(kernel_signal::Siginfo::from_process(sig, kernel_signal::info::SI_KERNEL, pid, uid));
            true
        });
    }
    Ok(0)
}

pub(crate) fn sys_alarm(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let old = itimerval(t)[1];
    // Remaining seconds, rounded to nearest, at least 1 while armed.
    let mut secs = old.tv_sec as u64 + u64::from(old.tv_usec >= 500_000);
    if secs == 0 && old.tv_usec > 0 {
        secs = 1;
    }
    arm(t, Duration::from_secs(u64::from(a[0] as u32)), Duration::ZERO);
    Ok(secs)
}
