//! Signals arriving from outside a task's own thread (today: the host, through runsc,
//! for the sandbox's init), and the interruptible waits they end.
//!
//! # Lock order
//!
//! `Inbox::state` is a leaf lock; the interrupter is called with it released.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use kernel_fs::hostfd::HostEvent;
use kernel_signal::{bit, Siginfo};
use platform::Interrupter;

#[derive(Default)]
struct State {
    pending: u64,
    infos: Vec<Siginfo>,
    /// A file the task waits on changed.
    woken: bool,
    /// Signals to drop from the thread's pending set (job control's cancellations).
    discard: u64,
}

/// A task's inbox for signals sent by other threads.
pub struct Inbox {
    state: Mutex<State>,
    wake: Condvar,
    kick: Mutex<Option<Interrupter>>,
    /// Wakes the task out of a wait on host descriptors.
    event: Option<HostEvent>,
}

impl Default for Inbox {
    fn default() -> Self {
        let event = HostEvent::new()
            .map_err(|e| log::warn!("no eventfd ({e}): waits on host descriptors will not be interruptible"))
            .ok();
        Inbox { state: Mutex::default(), wake: Condvar::new(), kick: Mutex::new(None), event }
    }
}

/// Why an interruptible wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The deadline passed.
    TimedOut,
    /// A signal arrived (it is in the inbox, to be taken).
    Signalled,
    /// A file the task waits on changed.
    Woken,
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Post a signal for this thread: queue it, wake the thread if it waits, kick it out
    /// of its stub if it runs.
    pub fn post(&self, info: Siginfo) {
        /// More instances than any RLIMIT_SIGPENDING the sandbox grants are dropped here.
        const MAX_QUEUED: usize = 1 << 16;
        let sig = info.signo as u32;
        if !(1..=64).contains(&sig) {
            return;
        }
        {
            let mut s = self.lock();
            s.pending |= bit(sig);
            if s.infos.len() < MAX_QUEUED {
                s.infos.push(info);
            }
        }
        self.alert();
    }

    /// Tell the thread that a signal for its process (queued there) may be its to take:
    /// wake or kick it like [`Inbox::post`], without queueing anything here.
    pub(crate) fn notify(&self, sig: u32) {
        if !(1..=64).contains(&sig) {
            return;
        }
        self.lock().pending |= bit(sig);
        self.alert();
    }

    fn alert(&self) {
        self.wake.notify_all();
        if let Some(e) = &self.event {
            e.signal();
        }
        let kick = self.kick.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(k) = kick {
            k.interrupt();
        }
    }

    /// Set the interrupter of the task's current context.
    pub(crate) fn set_interrupter(&self, k: Interrupter) {
        *self.kick.lock().unwrap_or_else(|e| e.into_inner()) = Some(k);
    }

    /// The event a wait on host descriptors watches.
    pub(crate) fn event(&self) -> Option<&HostEvent> {
        self.event.as_ref()
    }

    /// Take everything posted so far: the signals, and the set to drop from the pending
    /// set first.
    pub(crate) fn take(&self) -> (Vec<Siginfo>, u64) {
        let mut s = self.lock();
        if let Some(e) = &self.event {
            e.drain();
        }
        s.pending = 0;
        (std::mem::take(&mut s.infos), std::mem::take(&mut s.discard))
    }

    /// Cancel pending instances of `set` (SIGCONT cancels stops and a stop cancels
    /// SIGCONT, in every thread): those posted here go now, those already pending when
    /// the thread next takes its inbox.
    pub(crate) fn discard(&self, set: u64) {
        let mut s = self.lock();
        s.infos.retain(|i| bit(i.signo as u32) & set == 0);
        s.discard |= set;
    }

    /// Sleep until `deadline` (`None`: forever) or until a signal outside `ignore` is
    /// posted.
    pub(crate) fn wait(&self, deadline: Option<Instant>, ignore: u64) -> Wake {
        let mut s = self.lock();
        loop {
            if s.pending & !ignore != 0 {
                return Wake::Signalled;
            }
            if s.woken {
                s.woken = false;
                return Wake::Woken;
            }
            match deadline {
                None => s = self.wake.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Wake::TimedOut;
                    }
                    s = self.wake.wait_timeout(s, d - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }
}

impl kernel_fs::pipe::Waker for Inbox {
    fn wake(&self) {
        self.lock().woken = true;
        self.wake.notify_all();
        if let Some(e) = &self.event {
            e.signal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_post_ends_a_wait_and_deadlines_pass() {
        let inbox = Arc::new(Inbox::default());
        let t0 = Instant::now();
        assert_eq!(inbox.wait(Some(t0 + Duration::from_millis(20)), 0), Wake::TimedOut);
        let i2 = inbox.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            i2.post(Siginfo::from_process(2, 0, 0, 0));
        });
        assert_eq!(inbox.wait(None, 0), Wake::Signalled);
        h.join().unwrap();
        let (got, _) = inbox.take();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].signo, 2);
        assert!(inbox.take().0.is_empty());
        // An ignored signal does not end the wait.
        inbox.post(Siginfo::from_process(28, 0, 0, 0));
        assert_eq!(inbox.wait(Some(Instant::now() + Duration::from_millis(10)), bit(28)), Wake::TimedOut);
    }
}
