//! Timers on CPU-time clocks: ITIMER_VIRTUAL and ITIMER_PROF, and POSIX timers on
//! CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID.
//!
//! CPU time is the stub's, which only the host's scheduler knows, so an armed timer has a
//! host thread that reads the clock and sleeps for what is left (divided among the
//! host's CPUs, since a process's threads spend CPU time in parallel). The sleeps are
//! bounded, so a timer fires within a few milliseconds of its expiry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::thread::{ThreadGroup, ThreadShared};

/// Reads a CPU clock; `None` once what it measures is gone.
pub(crate) type CpuReader = Arc<dyn Fn() -> Option<Duration> + Send + Sync>;

/// The CPU time of a process (all its threads), following it across execve.
pub(crate) fn process_clock(group: &Arc<ThreadGroup>) -> CpuReader {
    let g: Weak<ThreadGroup> = Arc::downgrade(group);
    Arc::new(move || g.upgrade()?.view().mm.upgrade()?.address_space().cpu_time().ok())
}

/// The CPU time of one thread.
pub(crate) fn thread_clock(shared: &Arc<ThreadShared>) -> CpuReader {
    let s: Weak<ThreadShared> = Arc::downgrade(shared);
    Arc::new(move || {
        let s = s.upgrade()?;
        let clock = s.cpu_clock.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        clock().ok()
    })
}

/// One timer on a CPU clock.
#[derive(Default)]
pub(crate) struct CpuTimer {
    generation: Arc<AtomicU64>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// The clock value of the next expiry.
    next: Option<Duration>,
    interval: Duration,
}

impl CpuTimer {
    /// (interval, time left) now.
    pub(crate) fn get(&self, clock: &CpuReader) -> (Duration, Duration) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let left = match (s.next, clock()) {
            (Some(n), Some(now)) => n.saturating_sub(now).max(Duration::from_nanos(1)),
            _ => Duration::ZERO,
        };
        (s.interval, left)
    }

    /// Disarm.
    pub(crate) fn cancel(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.next = None;
        s.interval = Duration::ZERO;
    }

    /// Arm to expire after `value` of `clock`'s time, then every `interval` (zero: once),
    /// calling `fire` at each expiry (until it answers false). A zero `value` disarms.
    pub(crate) fn arm(
        &self,
        clock: CpuReader,
        value: Duration,
        interval: Duration,
        fire: impl Fn() -> bool + Send + 'static,
    ) {
        self.cancel();
        if value.is_zero() {
            return;
        }
        let Some(now) = clock() else { return };
        let gen = self.generation.load(Ordering::SeqCst);
        {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.next = Some(now + value);
            s.interval = interval;
        }
        let generation = self.generation.clone();
        let state = self.state.clone();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let spawned = std::thread::Builder::new().name("cpu-timer".into()).spawn(move || loop {
            if generation.load(Ordering::SeqCst) != gen {
                return;
            }
            let Some(now) = clock() else { return };
            let next = {
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                let Some(next) = s.next else { return };
                if now >= next {
                    if s.interval.is_zero() {
                        s.next = None;
                    } else {
                        let mut n = next;
                        while n <= now {
                            n += s.interval;
                        }
                        s.next = Some(n);
                    }
                    None
                } else {
                    Some(next)
                }
            };
            match next {
                None => {
                    if generation.load(Ordering::SeqCst) != gen || !fire() {
                        return;
                    }
                    if state.lock().unwrap_or_else(|e| e.into_inner()).next.is_none() {
                        return;
                    }
                }
                Some(next) => {
                    let wait = ((next - now) / cpus).clamp(Duration::from_millis(1), Duration::from_millis(100));
                    std::thread::sleep(wait);
                }
            }
        });
        if let Err(e) = spawned {
            log::error!("cannot start a CPU-time timer: {e}");
        }
    }
}

impl Drop for CpuTimer {
    fn drop(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}
