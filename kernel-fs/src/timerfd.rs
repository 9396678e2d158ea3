//! timerfd_create(2): a timer whose expirations are counted and read as a u64.
//!
//! The expiration count is computed from the clock whenever it is looked at (read, poll,
//! timerfd_gettime), so it is exact however late anyone looks. Waiters are woken by one
//! timer service thread shared by every timerfd of the Sentry: it keeps the next
//! expiry of each armed timer in a heap and sleeps until the earliest. Re-arming or
//! disarming a timer bumps its generation, which makes its queued expiry stale; a closed
//! timer is only weakly referenced there and its queued expiry is skipped.
//!
//! # Lock order
//!
//! `Timer::state` -> waiters' leaves. The service's lock is never held while a timer's
//! is taken.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use kernel_abi::flags::poll::POLLIN;
use kernel_abi::{return_errno, KResult, Stat};

use crate::pipe::Waker;
use crate::{File, FileOps};

static NEXT_INO: AtomicU64 = AtomicU64::new(2 << 40);
static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct State {
    /// The next expiry, on the timer's clock; `None`: disarmed.
    next: Option<Duration>,
    interval: Duration,
    /// Expirations not read yet.
    ticks: u64,
    generation: u64,
    waiters: Vec<(u64, Arc<dyn Waker>)>,
}

impl State {
    /// Count the expirations up to `now`.
    fn update(&mut self, now: Duration) {
        let Some(next) = self.next else { return };
        if now < next {
            return;
        }
        if self.interval.is_zero() {
            self.ticks = self.ticks.saturating_add(1);
            self.next = None;
            return;
        }
        let k = (now - next).as_nanos() / self.interval.as_nanos() + 1;
        self.ticks = self.ticks.saturating_add(u64::try_from(k).unwrap_or(u64::MAX));
        let step = self.interval.as_nanos().saturating_mul(k);
        self.next = u64::try_from(next.as_nanos().saturating_add(step)).ok().map(Duration::from_nanos);
    }

    /// (time to the next expiry, interval), as timerfd_gettime reports them.
    fn value(&self, now: Duration) -> (Duration, Duration) {
        (self.next.map_or(Duration::ZERO, |n| n.saturating_sub(now)), self.interval)
    }
}

/// A timer on one clock.
pub struct Timer {
    me: Weak<Timer>,
    clock: i32,
    state: Mutex<State>,
    ino: u64,
}

impl Timer {
    /// A new, disarmed timerfd description on host clock `clock` (CLOCK_REALTIME,
    /// CLOCK_MONOTONIC or CLOCK_BOOTTIME; the caller has checked it) with the O_* status
    /// `flags`.
    pub fn new_file(clock: i32, flags: u32) -> Arc<File> {
        let t = Arc::new_cyclic(|me| Timer {
            me: me.clone(),
            clock,
            state: Mutex::default(),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        });
        File::new(Box::new(TimerFile(t)), flags | kernel_abi::flags::open::O_RDWR, None, "anon_inode:[timerfd]".into())
    }

    /// The timer `f` is, if it is a timerfd.
    pub fn of(f: &File) -> Option<&Timer> {
        f.as_any().and_then(|a| a.downcast_ref::<TimerFile>()).map(|t| &*t.0)
    }

    fn now(&self) -> Duration {
        crate::hostclock::now(self.clock).unwrap_or_default()
    }

    /// timerfd_gettime: (time to the next expiry, interval).
    pub fn get(&self) -> (Duration, Duration) {
        let now = self.now();
        let mut st = lock(&self.state);
        st.update(now);
        st.value(now)
    }

    /// timerfd_settime: arm the timer to expire at `value` (on its clock if `absolute`,
    /// from now otherwise; zero disarms) and every `interval` after. Returns the old
    /// setting as [`Timer::get`] would have. Unread expirations are forgotten.
    pub fn set(&self, value: Duration, interval: Duration, absolute: bool) -> (Duration, Duration) {
        let now = self.now();
        let (old, due, generation) = {
            let mut st = lock(&self.state);
            st.update(now);
            let old = st.value(now);
            st.generation += 1;
            st.ticks = 0;
            st.interval = interval;
            st.next = if value.is_zero() {
                None
            } else if absolute {
                Some(value)
            } else {
                now.checked_add(value)
            };
            (old, st.next.map(|n| n.saturating_sub(now)), st.generation)
        };
        if let Some(left) = due {
            service().schedule(Instant::now().checked_add(left), self.me.clone(), generation);
        }
        old
    }

    /// The service's call at an expiry queued for `generation`: count, wake, and tell
    /// when to come back (`None`: never).
    fn fire(&self, generation: u64) -> Option<Duration> {
        let now = self.now();
        let mut st = lock(&self.state);
        if st.generation != generation {
            return None;
        }
        st.update(now);
        if st.ticks > 0 {
            for (_, w) in &st.waiters {
                w.wake_for(POLLIN);
            }
        }
        st.next.map(|n| n.saturating_sub(now))
    }
}

/// The file operations of a timerfd.
pub struct TimerFile(Arc<Timer>);

impl FileOps for TimerFile {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        if buf.len() < 8 {
            return_errno!(EINVAL);
        }
        let now = self.0.now();
        let mut st = lock(&self.0.state);
        st.update(now);
        if st.ticks == 0 {
            return_errno!(EAGAIN);
        }
        buf[..8].copy_from_slice(&st.ticks.to_ne_bytes());
        st.ticks = 0;
        Ok(8)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(crate::epoll::anon_inode_stat(self.0.ino))
    }

    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        Ok(0)
    }

    fn poll(&self) -> u32 {
        let now = self.0.now();
        let mut st = lock(&self.0.state);
        st.update(now);
        if st.ticks > 0 {
            POLLIN
        } else {
            0
        }
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        lock(&self.0.state).waiters.push((id, w));
        Some(id)
    }

    fn remove_waiter(&self, id: u64) {
        lock(&self.0.state).waiters.retain(|(i, _)| *i != id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// The thread that wakes timerfd waiters at expiries.
struct Service {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<(Instant, u64)>>,
    timers: HashMap<u64, (Weak<Timer>, u64)>,
    seq: u64,
}

fn service() -> &'static Service {
    static SERVICE: OnceLock<&'static Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let s: &'static Service = Box::leak(Box::new(Service { queue: Mutex::default(), changed: Condvar::new() }));
        if let Err(e) = std::thread::Builder::new().name("timerfd".into()).spawn(move || s.run()) {
            log::error!("cannot start the timerfd service: {e}; timerfd waiters will not be woken");
        }
        s
    })
}

impl Service {
    /// Call `t.fire(generation)` at `at` (`None`: beyond the representable future).
    fn schedule(&self, at: Option<Instant>, t: Weak<Timer>, generation: u64) {
        let Some(at) = at else { return };
        let mut q = lock(&self.queue);
        q.seq += 1;
        let seq = q.seq;
        q.heap.push(Reverse((at, seq)));
        q.timers.insert(seq, (t, generation));
        drop(q);
        self.changed.notify_one();
    }

    fn run(&self) {
        loop {
            let due: Vec<(Weak<Timer>, u64)> = {
                let mut q = lock(&self.queue);
                loop {
                    let now = Instant::now();
                    match q.heap.peek() {
                        Some(Reverse((at, _))) if *at <= now => break,
                        Some(Reverse((at, _))) => {
                            let wait = *at - now;
                            q = self.changed.wait_timeout(q, wait).unwrap_or_else(|e| e.into_inner()).0;
                        }
                        None => q = self.changed.wait(q).unwrap_or_else(|e| e.into_inner()),
                    }
                }
                let now = Instant::now();
                let mut due = Vec::new();
                while let Some(Reverse((at, seq))) = q.heap.peek().copied() {
                    if at > now {
                        break;
                    }
                    q.heap.pop();
                    if let Some(t) = q.timers.remove(&seq) {
                        due.push(t);
                    }
                }
                due
            };
            for (t, generation) in due {
                let Some(timer) = t.upgrade() else { continue };
                if let Some(left) = timer.fire(generation) {
                    self.schedule(Instant::now().checked_add(left), t, generation);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_abi::Errno;

    #[test]
    fn expirations_are_counted_from_the_clock() {
        let mut st = State { next: Some(Duration::from_secs(10)), ..Default::default() };
        st.update(Duration::from_secs(9));
        assert_eq!(st.ticks, 0);
        st.update(Duration::from_secs(10));
        assert_eq!((st.ticks, st.next), (1, None), "a one-shot timer expires once");
        let mut p =
            State { next: Some(Duration::from_secs(10)), interval: Duration::from_secs(2), ..Default::default() };
        p.update(Duration::from_millis(15_500));
        assert_eq!(p.ticks, 3, "10, 12 and 14");
        assert_eq!(p.next, Some(Duration::from_secs(16)));
        assert_eq!(p.value(Duration::from_millis(15_500)), (Duration::from_millis(500), Duration::from_secs(2)));
    }

    #[test]
    fn a_timer_wakes_its_waiters() {
        struct Flag(Mutex<bool>, Condvar);
        impl Waker for Flag {
            fn wake(&self) {
                *lock(&self.0) = true;
                self.1.notify_all();
            }
        }
        let f = Timer::new_file(libc::CLOCK_MONOTONIC, 0);
        let mut b = [0u8; 8];
        assert_eq!(f.read(&mut b).unwrap_err().errno, Errno::EAGAIN);
        let flag = Arc::new(Flag(Mutex::new(false), Condvar::new()));
        f.add_waiter(flag.clone()).unwrap();
        let t = Timer::of(&f).unwrap();
        t.set(Duration::from_millis(20), Duration::ZERO, false);
        let mut woken = lock(&flag.0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !*woken && Instant::now() < deadline {
            woken = flag.1.wait_timeout(woken, Duration::from_millis(100)).unwrap().0;
        }
        assert!(*woken, "the service woke the waiter");
        drop(woken);
        assert_eq!(f.read(&mut b).unwrap(), 8);
        assert_eq!(u64::from_ne_bytes(b), 1);
        assert_eq!(t.get(), (Duration::ZERO, Duration::ZERO));
        let old = t.set(Duration::from_secs(100), Duration::from_secs(1), false);
        assert_eq!(old, (Duration::ZERO, Duration::ZERO));
        let (left, iv) = t.set(Duration::ZERO, Duration::ZERO, false);
        assert!(left > Duration::from_secs(99) && iv == Duration::from_secs(1));
    }
}
