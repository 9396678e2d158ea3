//! eventfd(2): a 64-bit counter that writes add to and reads take.
//!
//! Like pipes, operations never block here: a read of a zero counter or a write that
//! would overflow it answers EAGAIN, and the system-call layer waits for a wake-up.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::flags::poll::*;
use kernel_abi::{return_errno, KResult, Stat};

use crate::pipe::Waker;
use crate::{File, FileOps};

/// The largest value the counter holds.
pub const MAX: u64 = u64::MAX - 1;

static NEXT_INO: AtomicU64 = AtomicU64::new(1 << 40);
static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

#[derive(Default)]
struct State {
    count: u64,
    waiters: Vec<(u64, Arc<dyn Waker>)>,
}

/// An eventfd counter.
pub struct EventFd {
    state: Mutex<State>,
    semaphore: bool,
    ino: u64,
}

impl EventFd {
    /// A new eventfd description starting at `initval`; `semaphore` is EFD_SEMAPHORE and
    /// `flags` the O_* status flags (O_NONBLOCK).
    pub fn new_file(initval: u64, semaphore: bool, flags: u32) -> Arc<File> {
        let ev = EventFd {
            state: Mutex::new(State { count: initval, waiters: Vec::new() }),
            semaphore,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        };
        File::new(Box::new(ev), flags | kernel_abi::flags::open::O_RDWR, None, "anon_inode:[eventfd]".into())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn wake(st: &State, events: u32) {
    for (_, w) in &st.waiters {
        w.wake_for(events);
    }
}

impl FileOps for EventFd {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        if buf.len() < 8 {
            return_errno!(EINVAL);
        }
        let mut st = self.lock();
        if st.count == 0 {
            return_errno!(EAGAIN);
        }
        let v = if self.semaphore { 1 } else { st.count };
        st.count -= v;
        buf[..8].copy_from_slice(&v.to_ne_bytes());
        wake(&st, POLLOUT);
        Ok(8)
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        // Exactly one u64 (Linux 6.x refuses longer writes too).
        let Ok(v) = <[u8; 8]>::try_from(buf) else { return_errno!(EINVAL) };
        let v = u64::from_ne_bytes(v);
        if v == u64::MAX {
            return_errno!(EINVAL);
        }
        let mut st = self.lock();
        if MAX - st.count < v {
            return_errno!(EAGAIN);
        }
        st.count += v;
        wake(&st, POLLIN);
        Ok(8)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(crate::epoll::anon_inode_stat(self.ino))
    }

    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        Ok(0)
    }

    fn poll(&self) -> u32 {
        let st = self.lock();
        let mut ev = 0;
        // Linux reports POLLIN and POLLOUT without their *NORM twins here.
        if st.count > 0 {
            ev |= POLLIN;
        }
        if st.count == u64::MAX {
            ev |= POLLERR;
        }
        if st.count < MAX {
            ev |= POLLOUT;
        }
        ev
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        self.lock().waiters.push((id, w));
        Some(id)
    }

    fn remove_waiter(&self, id: u64) {
        self.lock().waiters.retain(|(i, _)| *i != id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_abi::Errno;

    fn rd(f: &File) -> KResult<u64> {
        let mut b = [0u8; 8];
        f.read(&mut b)?;
        Ok(u64::from_ne_bytes(b))
    }

    #[test]
    fn counter_semaphore_and_limits() {
        let f = EventFd::new_file(3, false, 0);
        assert_eq!(f.poll() & POLLIN, POLLIN);
        assert_eq!(rd(&f).unwrap(), 3);
        assert_eq!(rd(&f).unwrap_err().errno, Errno::EAGAIN);
        assert_eq!(f.write(&[0u8; 4]).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(f.write(&[0u8; 9]).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(f.write(&u64::MAX.to_ne_bytes()).unwrap_err().errno, Errno::EINVAL);
        assert_eq!(f.write(&MAX.to_ne_bytes()).unwrap(), 8);
        assert_eq!(f.poll() & POLLOUT, 0, "full");
        assert_eq!(f.write(&1u64.to_ne_bytes()).unwrap_err().errno, Errno::EAGAIN);
        assert_eq!(f.write(&0u64.to_ne_bytes()).unwrap(), 8, "adding 0 always fits");
        let mut small = [0u8; 7];
        assert_eq!(f.read(&mut small).unwrap_err().errno, Errno::EINVAL);
        let s = EventFd::new_file(2, true, 0);
        assert_eq!(rd(&s).unwrap(), 1);
        assert_eq!(rd(&s).unwrap(), 1);
        assert_eq!(rd(&s).unwrap_err().errno, Errno::EAGAIN);
    }
}
