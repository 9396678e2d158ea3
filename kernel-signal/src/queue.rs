//! Pending signals: a set of standard signals (at most one instance each) and queues of
//! real-time signals (every instance kept, in order), as a thread's or a thread group's
//! pending set is in Linux.

use std::collections::VecDeque;

use crate::{bit, Siginfo};

/// The first real-time signal; signals below it are standard.
pub const SIGRTMIN: u32 = 32;

/// One pending set.
#[derive(Clone, Debug, Default)]
pub struct SigQueue {
    /// Which signals have at least one instance pending.
    bits: u64,
    /// The pending instances, oldest first.
    queue: VecDeque<Siginfo>,
}

/// What [`SigQueue::enqueue`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new instance is pending.
    Queued,
    /// A standard signal already pending: merged into that one.
    Merged,
    /// A real-time signal over the queue limit: dropped (sigqueue answers EAGAIN).
    Full,
}

impl SigQueue {
    /// The set of pending signals.
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// Instances pending (what RLIMIT_SIGPENDING counts).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Nothing pending.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Add an instance of `info.signo` (1..=64). A standard signal that is already
    /// pending is not queued twice; real-time signals queue up to `limit` instances in
    /// total.
    pub fn enqueue(&mut self, info: Siginfo, limit: usize) -> Enqueued {
        let sig = info.signo as u32;
        debug_assert!((1..=64).contains(&sig));
        if sig < SIGRTMIN && self.bits & bit(sig) != 0 {
            return Enqueued::Merged;
        }
        if sig >= SIGRTMIN && self.queue.len() >= limit {
            return Enqueued::Full;
        }
        self.bits |= bit(sig);
        self.queue.push_back(info);
        Enqueued::Queued
    }

    /// A signal that found the queue full but may not be refused (kill's): Linux marks it
    /// pending without its information, so it is delivered once, as from SI_USER with no
    /// sender, however often it is sent meanwhile.
    pub fn enqueue_overflow(&mut self, signo: u32) {
        if self.bits & bit(signo) != 0 {
            return;
        }
        self.bits |= bit(signo);
        let mut info = Siginfo::from_process(signo, 0, 0, 0);
        info.signo = signo as i32;
        self.queue.push_back(info);
    }

    /// Take the oldest instance of the lowest-numbered pending signal in `set`.
    pub fn dequeue(&mut self, set: u64) -> Option<Siginfo> {
        let ready = self.bits & set;
        if ready == 0 {
            return None;
        }
        let sig = ready.trailing_zeros() + 1;
        let i = self.queue.iter().position(|i| i.signo as u32 == sig)?;
        let info = self.queue.remove(i)?;
        if !self.queue.iter().any(|i| i.signo as u32 == sig) {
            self.bits &= !bit(sig);
        }
        Some(info)
    }

    /// Drop every pending instance of the signals in `set` (an ignored disposition).
    pub fn discard(&mut self, set: u64) {
        if self.bits & set == 0 {
            return;
        }
        self.queue.retain(|i| bit(i.signo as u32) & set == 0);
        self.bits &= !set;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn info(sig: u32, tag: i32) -> Siginfo {
        Siginfo::from_process(sig, 0, tag, 0)
    }

    #[test]
    fn standard_signals_merge_and_realtime_signals_queue_in_order() {
        let mut q = SigQueue::default();
        assert_eq!(q.enqueue(info(10, 1), 8), Enqueued::Queued);
        assert_eq!(q.enqueue(info(10, 2), 8), Enqueued::Merged);
        assert_eq!(q.enqueue(info(40, 3), 8), Enqueued::Queued);
        assert_eq!(q.enqueue(info(40, 4), 8), Enqueued::Queued);
        assert_eq!(q.enqueue(info(34, 5), 8), Enqueued::Queued);
        assert_eq!(q.bits(), bit(10) | bit(34) | bit(40));
        // Lowest number first; the first instance of a standard signal is kept.
        assert_eq!(q.dequeue(!0).map(|i| i.pid()), Some(1));
        assert_eq!(q.dequeue(!0).map(|i| i.pid()), Some(5));
        assert_eq!(q.dequeue(bit(40)).map(|i| i.pid()), Some(3));
        assert_eq!(q.bits(), bit(40), "one instance of 40 is still pending");
        assert_eq!(q.dequeue(!bit(40)), None);
        assert_eq!(q.dequeue(!0).map(|i| i.pid()), Some(4));
        assert!(q.is_empty());
        assert_eq!(q.bits(), 0);
    }

    #[test]
    fn realtime_signals_stop_at_the_limit_and_discard_drops_every_instance() {
        let mut q = SigQueue::default();
        assert_eq!(q.enqueue(info(33, 0), 2), Enqueued::Queued);
        assert_eq!(q.enqueue(info(33, 0), 2), Enqueued::Queued);
        assert_eq!(q.enqueue(info(33, 0), 2), Enqueued::Full);
        assert_eq!(q.enqueue(info(2, 0), 2), Enqueued::Queued, "standard signals are not limited");
        q.discard(bit(33));
        assert_eq!(q.bits(), bit(2));
        assert_eq!(q.len(), 1);
        // An overflowing kill is pending once, without its information.
        q.enqueue_overflow(40);
        q.enqueue_overflow(40);
        assert_eq!(q.len(), 2);
        let i = q.dequeue(bit(40)).unwrap();
        assert_eq!((i.signo, i.code, i.pid()), (40, 0, 0));
    }

    proptest! {
        /// Against a model: per signal, a list of instances (standard: at most one).
        #[test]
        fn matches_a_per_signal_model(ops in proptest::collection::vec((1u32..=64, any::<bool>(), any::<u64>()), 0..200)) {
            let mut q = SigQueue::default();
            let mut model: Vec<VecDeque<i32>> = vec![VecDeque::new(); 65];
            for (n, (sig, add, set)) in ops.into_iter().enumerate() {
                if add {
                    let r = q.enqueue(info(sig, n as i32), 1000);
                    if sig < SIGRTMIN && !model[sig as usize].is_empty() {
                        prop_assert_eq!(r, Enqueued::Merged);
                    } else {
                        prop_assert_eq!(r, Enqueued::Queued);
                        model[sig as usize].push_back(n as i32);
                    }
                } else {
                    let want = (1..=64u32).find(|&s| set & bit(s) != 0 && !model[s as usize].is_empty());
                    let got = q.dequeue(set);
                    match want {
                        Some(s) => {
                            let tag = model[s as usize].pop_front();
                            prop_assert_eq!(got.map(|i| (i.signo as u32, i.pid())), tag.map(|t| (s, t)));
                        }
                        None => prop_assert!(got.is_none()),
                    }
                }
                let bits = (1..=64u32).filter(|&s| !model[s as usize].is_empty()).fold(0, |b, s| b | bit(s));
                prop_assert_eq!(q.bits(), bits);
            }
        }
    }
}
