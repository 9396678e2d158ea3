//! Futexes: wait queues keyed as Linux keys them (private: address space and address;
//! shared mappings: the memory-file word, so processes sharing memory meet), and the
//! futex(2) operations on them.
//!
//! A waiter checks the futex word and queues itself under the table lock; a waker takes
//! the same lock, so a wake after the word changed can never be missed.
//!
//! # Lock order
//!
//! `Kernel::futexes` before the memory manager's lock (words are read under the table
//! lock); inbox locks are taken with the table lock held only to wake.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kernel_abi::flags::clock::*;
use kernel_abi::flags::futex::*;
use kernel_abi::{return_errno, KResult, Timespec};

use crate::inbox::Wake;
use crate::signals::RestartBlock;
use crate::task::{Kernel, Task};

/// Where a futex lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A word of a private mapping (or any word used with FUTEX_PRIVATE_FLAG): the address
    /// space, the address, and whether the operation was process-shared (Linux keeps the
    /// two kinds apart even at the same address).
    Private { mm: usize, addr: u64, shared_op: bool },
    /// A word of a shared mapping: its memory-file offset.
    Shared(u64),
}

/// One blocked waiter.
struct Waiter {
    inbox: Arc<crate::Inbox>,
    bitset: u32,
    woken: AtomicBool,
    /// The queue the waiter is on (requeue moves it).
    key: Mutex<Key>,
    /// For a priority-inheritance lock waiter: its tid, to hand the lock to. Plain wakes
    /// pass these waiters by.
    pi_tid: Option<i32>,
}

impl Waiter {
    fn new(t: &Task, key: Key, bitset: u32, pi: bool) -> Arc<Waiter> {
        Arc::new(Waiter {
            inbox: t.inbox.clone(),
            bitset,
            woken: AtomicBool::new(false),
            key: Mutex::new(key),
            pi_tid: pi.then_some(t.tid),
        })
    }
}

/// Every futex queue of the sandbox.
#[derive(Default)]
pub(crate) struct FutexTable {
    queues: HashMap<Key, VecDeque<Arc<Waiter>>>,
}

impl FutexTable {
    /// Wake up to `n` waiters on `key` whose bitset meets `bitset`.
    fn wake(&mut self, key: Key, n: u32, bitset: u32) -> u32 {
        let Some(q) = self.queues.get_mut(&key) else { return 0 };
        let mut woken = 0;
        q.retain(|w| {
            if woken >= n || w.bitset & bitset == 0 || w.pi_tid.is_some() {
                return true;
            }
            woken += 1;
            w.woken.store(true, Ordering::SeqCst);
            kernel_fs::pipe::Waker::wake(&*w.inbox);
            false
        });
        if q.is_empty() {
            self.queues.remove(&key);
        }
        woken
    }

    /// Wake up to `n` waiters on `from`, move up to `m` more to `to`; returns woken plus
    /// moved, as Linux.
    fn requeue(&mut self, from: Key, to: Key, n: u32, m: u32) -> u32 {
        let woken = self.wake(from, n, FUTEX_BITSET_MATCH_ANY);
        let Some(q) = self.queues.get_mut(&from) else { return woken };
        let take = (m as usize).min(q.len());
        let moved: Vec<Arc<Waiter>> = q.drain(..take).collect();
        if q.is_empty() {
            self.queues.remove(&from);
        }
        let count = moved.len() as u32;
        for w in moved {
            *w.key.lock().unwrap_or_else(|e| e.into_inner()) = to;
            self.queues.entry(to).or_default().push_back(w);
        }
        woken + count
    }

    fn remove(&mut self, w: &Arc<Waiter>) {
        let key = *w.key.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = self.queues.get_mut(&key) {
            q.retain(|x| !Arc::ptr_eq(x, w));
            if q.is_empty() {
                self.queues.remove(&key);
            }
        }
    }
}

impl Kernel {
    fn futexes(&self) -> std::sync::MutexGuard<'_, FutexTable> {
        self.futexes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The end of the user address range Linux accepts (TASK_SIZE_MAX).
const USER_END: u64 = 0x7fff_ffff_f000;

/// How many waiters a wake count means: Linux wakes at least one, even for 0 or a
/// negative count.
fn wake_count(n: u32) -> u32 {
    if (n as i32) <= 0 {
        1
    } else {
        n
    }
}

/// The key of the futex word at `uaddr` for an operation with or without
/// FUTEX_PRIVATE_FLAG.
fn key_of(t: &Task, uaddr: u64, private: bool) -> KResult<Key> {
    if !uaddr.is_multiple_of(4) {
        return_errno!(EINVAL);
    }
    if uaddr.checked_add(4).is_none_or(|end| end > USER_END) {
        return_errno!(EFAULT);
    }
    let mm = Arc::as_ptr(&t.mm) as usize;
    if private {
        return Ok(Key::Private { mm, addr: uaddr, shared_op: false });
    }
    Ok(match t.mm.shared_futex_offset(uaddr)? {
        Some(off) => Key::Shared(off),
        None => Key::Private { mm, addr: uaddr, shared_op: true },
    })
}

/// Wake `n` waiters of the process-shared futex at `addr` (thread exit's
/// CLEAR_CHILD_TID, robust-list cleanup).
pub(crate) fn wake_address(t: &Task, addr: u64, n: u32, bitset: u32) -> KResult<u32> {
    let key = key_of(t, addr, false)?;
    Ok(t.kernel.futexes().wake(key, n, bitset))
}

/// A robust futex whose owner (this thread) died: mark it and wake a waiter.
pub(crate) fn owner_died(t: &Task, uaddr: u64) {
    let tid = t.tid as u32;
    let r = t.mm.with_atomic_u32(uaddr, true, |w| {
        let mut cur = w.load(Ordering::SeqCst);
        loop {
            if cur & FUTEX_TID_MASK != tid {
                return None;
            }
            let new = (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            match w.compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return Some(cur & FUTEX_WAITERS != 0),
                Err(v) => cur = v,
            }
        }
    });
    if let Ok(Some(true)) = r {
        let _ = wake_address(t, uaddr, 1, FUTEX_BITSET_MATCH_ANY);
    }
}

/// Block on the futex at `uaddr` while it holds `val`.
pub(crate) fn wait(
    t: &mut Task,
    key: Key,
    uaddr: u64,
    val: u32,
    bitset: u32,
    deadline: Option<Instant>,
) -> KResult<u64> {
    let w = Waiter::new(t, key, bitset, false);
    {
        let mut tbl = t.kernel.futexes();
        let cur = t.mm.with_atomic_u32(uaddr, false, |a| a.load(Ordering::SeqCst))?;
        if cur != val {
            return_errno!(EAGAIN);
        }
        tbl.queues.entry(key).or_default().push_back(w.clone());
    }
    loop {
        if w.woken.load(Ordering::SeqCst) {
            return Ok(0);
        }
        if t.signal_pending() {
            t.kernel.futexes().remove(&w);
            if w.woken.load(Ordering::SeqCst) {
                return Ok(0);
            }
            match deadline {
                None => return_errno!(ERESTARTSYS),
                Some(deadline) => {
                    t.restart_block = Some(RestartBlock::FutexWait { key, uaddr, val, bitset, deadline });
                    return_errno!(ERESTART_RESTARTBLOCK)
                }
            }
        }
        let ignore = t.wait_ignores();
        match t.inbox.wait(deadline, ignore) {
            Wake::TimedOut => {
                t.kernel.futexes().remove(&w);
                if w.woken.load(Ordering::SeqCst) {
                    return Ok(0);
                }
                return_errno!(ETIMEDOUT);
            }
            Wake::Signalled => t.take_inbox(),
            Wake::Woken => {}
        }
    }
}

/// Apply FUTEX_WAKE_OP's encoded operation to `w`, returning whether its comparison of the
/// old value holds. ENOSYS for an unknown operation or comparison.
fn wake_op(w: &AtomicU32, encoded: u32) -> KResult<bool> {
    let op = (encoded >> 28) & 7;
    let cmp = (encoded >> 24) & 15;
    let sext12 = |v: u32| ((v << 20) as i32) >> 20;
    let mut oparg = sext12((encoded >> 12) & 0xfff);
    let cmparg = sext12(encoded & 0xfff);
    if encoded & (8 << 28) != 0 {
        // FUTEX_OP_OPARG_SHIFT: the argument is a shift count (Linux masks it to 0..31).
        oparg = 1i32.wrapping_shl((oparg & 31) as u32);
    }
    let oparg = oparg as u32;
    // An unknown operation changes nothing; an unknown comparison is found after the
    // operation is done, as Linux.
    if op > 4 {
        return_errno!(ENOSYS);
    }
    let old = match op {
        0 => w.swap(oparg, Ordering::SeqCst),
        1 => w.fetch_add(oparg, Ordering::SeqCst),
        2 => w.fetch_or(oparg, Ordering::SeqCst),
        3 => w.fetch_and(!oparg, Ordering::SeqCst),
        _ => w.fetch_xor(oparg, Ordering::SeqCst),
    } as i32;
    Ok(match cmp {
        0 => old == cmparg,
        1 => old != cmparg,
        2 => old < cmparg,
        3 => old <= cmparg,
        4 => old > cmparg,
        5 => old >= cmparg,
        _ => return_errno!(ENOSYS),
    })
}

/// A relative or absolute futex timeout as a deadline.
fn timeout(t: &Task, ts_addr: u64, absolute: Option<i32>) -> KResult<Option<Instant>> {
    if ts_addr == 0 {
        return Ok(None);
    }
    let ts: Timespec = t.mm.read_val(ts_addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return_errno!(EINVAL);
    }
    let mut d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    if let Some(clock) = absolute {
        let now = crate::sys_misc::host_clock(clock)?;
        d = d.saturating_sub(Duration::new(now.tv_sec as u64, now.tv_nsec as u32));
    }
    Ok(Instant::now().checked_add(d))
}

/// futex(2).
pub(crate) fn sys_futex(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let op = a[1] as u32;
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let uaddr = a[0];
    let val = a[2] as u32;
    if op & FUTEX_CLOCK_REALTIME != 0 && !matches!(cmd, FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2) {
        return_errno!(ENOSYS);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT_BITSET { a[5] as u32 } else { FUTEX_BITSET_MATCH_ANY };
            if bitset == 0 {
                return_errno!(EINVAL);
            }
            // FUTEX_WAIT's timeout is relative; WAIT_BITSET's is absolute, on
            // CLOCK_MONOTONIC or (with the flag) CLOCK_REALTIME.
            let clock = if op & FUTEX_CLOCK_REALTIME != 0 { CLOCK_REALTIME } else { CLOCK_MONOTONIC };
            let absolute = (cmd == FUTEX_WAIT_BITSET).then_some(clock);
            let deadline = timeout(t, a[3], absolute)?;
            let key = key_of(t, uaddr, private)?;
            wait(t, key, uaddr, val, bitset, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE_BITSET { a[5] as u32 } else { FUTEX_BITSET_MATCH_ANY };
            if bitset == 0 {
                return_errno!(EINVAL);
            }
            let key = key_of(t, uaddr, private)?;
            Ok(u64::from(t.kernel.futexes().wake(key, wake_count(val), bitset)))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            // The fourth argument is a count here, not a timeout.
            let n2 = a[3] as u32;
            if (val as i32) < 0 || (n2 as i32) < 0 {
                return_errno!(EINVAL);
            }
            let from = key_of(t, uaddr, private)?;
            let to = key_of(t, a[4], private)?;
            let mut tbl = t.kernel.futexes();
            if cmd == FUTEX_CMP_REQUEUE {
                let cur = t.mm.with_atomic_u32(uaddr, false, |w| w.load(Ordering::SeqCst))?;
                if cur != a[5] as u32 {
                    return_errno!(EAGAIN);
                }
            }
            if from == to {
                // Requeueing onto itself is EINVAL for PI only; for plain futexes it wakes.
                return Ok(u64::from(tbl.wake(from, val, FUTEX_BITSET_MATCH_ANY)));
            }
            Ok(u64::from(tbl.requeue(from, to, val, n2)))
        }
        FUTEX_WAKE_OP => {
            let n2 = a[3] as u32;
            let k1 = key_of(t, uaddr, private)?;
            let k2 = key_of(t, a[4], private)?;
            let mut tbl = t.kernel.futexes();
            let cond = t.mm.with_atomic_u32(a[4], true, |w| wake_op(w, a[5] as u32))??;
            let mut woken = tbl.wake(k1, wake_count(val), FUTEX_BITSET_MATCH_ANY);
            if cond {
                woken += tbl.wake(k2, wake_count(n2), FUTEX_BITSET_MATCH_ANY);
            }
            Ok(u64::from(woken))
        }
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_TRYLOCK_PI => {
            // LOCK_PI's timeout is absolute on CLOCK_REALTIME; LOCK_PI2's on
            // CLOCK_MONOTONIC unless the flag says REALTIME.
            let clock =
                if cmd == FUTEX_LOCK_PI || op & FUTEX_CLOCK_REALTIME != 0 { CLOCK_REALTIME } else { CLOCK_MONOTONIC };
            let deadline = if cmd == FUTEX_TRYLOCK_PI { None } else { timeout(t, a[3], Some(clock))? };
            let key = key_of(t, uaddr, private)?;
            lock_pi(t, key, uaddr, deadline, cmd == FUTEX_TRYLOCK_PI)
        }
        FUTEX_UNLOCK_PI => {
            let key = key_of(t, uaddr, private)?;
            unlock_pi(t, key, uaddr)
        }
        FUTEX_WAIT_REQUEUE_PI | FUTEX_CMP_REQUEUE_PI => {
            t.kernel.log_once(
                Some(kernel_abi::nr::FUTEX),
                "requeue to priority-inheritance futexes is not supported: ENOSYS",
            );
            return_errno!(ENOSYS)
        }
        _ => {
            t.kernel.log_once(Some(kernel_abi::nr::FUTEX), "unknown futex operation: ENOSYS");
            return_errno!(ENOSYS)
        }
    }
}

/// `struct futex_waitv`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct FutexWaitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}

/// futex_waitv's limit on the number of futexes.
const FUTEX_WAITV_MAX: u64 = 128;
/// futex2's size flag for 32-bit words (the only size Linux supports).
const FUTEX2_SIZE_U32: u32 = 2;
const FUTEX2_PRIVATE: u32 = FUTEX_PRIVATE_FLAG;

/// futex_waitv(2): wait on several futexes at once; the result is the index of the one
/// that woke the caller.
pub(crate) fn sys_futex_waitv(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (addr, nr, flags, ts, clock) = (a[0], a[1], a[2], a[3], a[4] as i32);
    if flags != 0 || nr == 0 || nr > FUTEX_WAITV_MAX || addr == 0 {
        return_errno!(EINVAL);
    }
    let deadline = if ts == 0 {
        None
    } else {
        if clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME {
            return_errno!(EINVAL);
        }
        timeout(t, ts, Some(clock))?
    };
    let mut list = vec![FutexWaitv { val: 0, uaddr: 0, flags: 0, reserved: 0 }; nr as usize];
    t.mm.copy_in(addr, bytemuck::cast_slice_mut(&mut list))?;
    let mut keys = Vec::with_capacity(list.len());
    for w in &list {
        if w.reserved != 0 || w.flags & !(FUTEX2_SIZE_U32 | FUTEX2_PRIVATE) != 0 || w.flags & 3 != FUTEX2_SIZE_U32 {
            return_errno!(EINVAL);
        }
        if w.val > u64::from(u32::MAX) {
            return_errno!(EINVAL);
        }
        keys.push(key_of(t, w.uaddr, w.flags & FUTEX2_PRIVATE != 0)?);
    }
    let waiters: Vec<Arc<Waiter>> = keys.iter().map(|&k| Waiter::new(t, k, FUTEX_BITSET_MATCH_ANY, false)).collect();
    {
        let mut tbl = t.kernel.futexes();
        for w in &list {
            let cur = t.mm.with_atomic_u32(w.uaddr, false, |a| a.load(Ordering::SeqCst))?;
            if u64::from(cur) != w.val {
                return_errno!(EAGAIN);
            }
        }
        for (k, w) in keys.iter().zip(&waiters) {
            tbl.queues.entry(*k).or_default().push_back(w.clone());
        }
    }
    let woken = |ws: &[Arc<Waiter>]| ws.iter().position(|w| w.woken.load(Ordering::SeqCst));
    let leave = |t: &Task, ws: &[Arc<Waiter>]| {
        let mut tbl = t.kernel.futexes();
        for w in ws {
            tbl.remove(w);
        }
    };
    loop {
        if let Some(i) = woken(&waiters) {
            leave(t, &waiters);
            return Ok(i as u64);
        }
        if t.signal_pending() {
            leave(t, &waiters);
            if let Some(i) = woken(&waiters) {
                return Ok(i as u64);
            }
            return_errno!(ERESTARTSYS);
        }
        let ignore = t.wait_ignores();
        match t.inbox.wait(deadline, ignore) {
            Wake::TimedOut => {
                leave(t, &waiters);
                if let Some(i) = woken(&waiters) {
                    return Ok(i as u64);
                }
                return_errno!(ETIMEDOUT);
            }
            Wake::Signalled => t.take_inbox(),
            Wake::Woken => {}
        }
    }
}

/// Whether thread `tid` exists in the sandbox.
fn thread_exists(t: &Task, tid: i32) -> bool {
    tid == t.tid || t.kernel.group_of_thread(tid).is_some_and(|g| g.member_inbox(tid).is_some())
}

/// FUTEX_LOCK_PI, LOCK_PI2 and TRYLOCK_PI: take the lock word for this thread, or queue
/// until its owner hands it over. The Sentry cannot lend priorities on the host; the lock
/// protocol (owner tid, FUTEX_WAITERS, hand-over on unlock) is Linux's.
fn lock_pi(t: &mut Task, key: Key, uaddr: u64, deadline: Option<Instant>, try_only: bool) -> KResult<u64> {
    let tid = t.tid as u32;
    loop {
        let w = {
            let mut tbl = t.kernel.futexes();
            let cur = t.mm.with_atomic_u32(uaddr, true, |w| w.load(Ordering::SeqCst))?;
            let owner = cur & FUTEX_TID_MASK;
            if owner == tid {
                return_errno!(EDEADLK);
            }
            let waiting = tbl.queues.get(&key).is_some_and(|q| q.iter().any(|w| w.pi_tid.is_some()));
            if owner == 0 || (cur & FUTEX_OWNER_DIED != 0 && !thread_exists(t, owner as i32)) {
                let new = tid | (cur & FUTEX_OWNER_DIED) | if waiting { FUTEX_WAITERS } else { 0 };
                let won = t.mm.with_atomic_u32(uaddr, true, |w| {
                    w.compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst).is_ok()
                })?;
                if won {
                    return Ok(0);
                }
                continue;
            }
            if !thread_exists(t, owner as i32) {
                return_errno!(ESRCH);
            }
            if try_only {
                return_errno!(EAGAIN);
            }
            let marked = t.mm.with_atomic_u32(uaddr, true, |w| {
                cur & FUTEX_WAITERS != 0
                    || w.compare_exchange(cur, cur | FUTEX_WAITERS, Ordering::SeqCst, Ordering::SeqCst).is_ok()
            })?;
            if !marked {
                continue;
            }
            let w = Waiter::new(t, key, FUTEX_BITSET_MATCH_ANY, true);
            tbl.queues.entry(key).or_default().push_back(w.clone());
            w
        };
        // Wait for the hand-over (or a wake that makes us try again).
        loop {
            if w.woken.load(Ordering::SeqCst) {
                break;
            }
            if t.signal_pending() {
                t.kernel.futexes().remove(&w);
                if w.woken.load(Ordering::SeqCst) {
                    break;
                }
                // Linux restarts an interrupted LOCK_PI whatever the handler's flags.
                return_errno!(ERESTARTNOINTR);
            }
            let ignore = t.wait_ignores();
            match t.inbox.wait(deadline, ignore) {
                Wake::TimedOut => {
                    t.kernel.futexes().remove(&w);
                    if w.woken.load(Ordering::SeqCst) {
                        break;
                    }
                    return_errno!(ETIMEDOUT);
                }
                Wake::Signalled => t.take_inbox(),
                Wake::Woken => {}
            }
        }
        let cur = t.mm.with_atomic_u32(uaddr, false, |w| w.load(Ordering::SeqCst))?;
        if cur & FUTEX_TID_MASK == tid {
            return Ok(0);
        }
    }
}

/// FUTEX_UNLOCK_PI: hand the lock to the first waiter, or free it.
fn unlock_pi(t: &mut Task, key: Key, uaddr: u64) -> KResult<u64> {
    let tid = t.tid as u32;
    let mut tbl = t.kernel.futexes();
    loop {
        let cur = t.mm.with_atomic_u32(uaddr, true, |w| w.load(Ordering::SeqCst))?;
        if cur & FUTEX_TID_MASK != tid {
            return_errno!(EPERM);
        }
        let next = tbl.queues.get(&key).and_then(|q| q.iter().find(|w| w.pi_tid.is_some()).cloned());
        let new = match &next {
            Some(w) => {
                let more = tbl.queues.get(&key).is_some_and(|q| q.iter().filter(|x| x.pi_tid.is_some()).count() > 1);
                w.pi_tid.unwrap_or(0) as u32 | if more { FUTEX_WAITERS } else { 0 }
            }
            None => 0,
        };
        let done = t.mm.with_atomic_u32(uaddr, true, |w| {
            w.compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst).is_ok()
        })?;
        if !done {
            continue;
        }
        if let Some(w) = next {
            tbl.remove(&w);
            w.woken.store(true, Ordering::SeqCst);
            kernel_fs::pipe::Waker::wake(&*w.inbox);
        }
        return Ok(0);
    }
}

/// restart_syscall(2) of an interrupted timed futex wait.
pub(crate) fn restart_wait(
    t: &mut Task,
    key: Key,
    uaddr: u64,
    val: u32,
    bitset: u32,
    deadline: Instant,
) -> KResult<u64> {
    wait(t, key, uaddr, val, bitset, Some(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_operations_and_comparisons() {
        let enc = |op: u32, cmp: u32, oparg: u32, cmparg: u32| (op << 28) | (cmp << 24) | (oparg << 12) | cmparg;
        let w = AtomicU32::new(5);
        // ADD 3, compare old (5) == 5.
        assert!(wake_op(&w, enc(1, 0, 3, 5)).unwrap());
        assert_eq!(w.load(Ordering::SeqCst), 8);
        // SET 1, compare old (8) > 10: false.
        assert!(!wake_op(&w, enc(0, 4, 1, 10)).unwrap());
        assert_eq!(w.load(Ordering::SeqCst), 1);
        // OR with 1 << 4 (OPARG_SHIFT), old (1) != 0.
        assert!(wake_op(&w, enc(8 | 2, 1, 4, 0)).unwrap());
        assert_eq!(w.load(Ordering::SeqCst), 17);
        // ANDN 1, XOR; negative comparison argument (sign-extended 12 bits): old (16) >= -1.
        assert!(wake_op(&w, enc(3, 5, 1, 0xfff)).unwrap());
        assert_eq!(w.load(Ordering::SeqCst), 16);
        assert!(wake_op(&w, enc(4, 2, 0xfff, 0)).is_ok());
        assert_eq!(w.load(Ordering::SeqCst), 16 ^ 0xffff_ffff);
        assert_eq!(wake_op(&w, enc(5, 0, 0, 0)).unwrap_err().errno, kernel_abi::Errno::ENOSYS);
        assert_eq!(wake_op(&w, enc(1, 6, 1, 0)).unwrap_err().errno, kernel_abi::Errno::ENOSYS);
        assert_eq!(
            w.load(Ordering::SeqCst),
            (16 ^ 0xffff_ffff) + 1,
            "the operation is done before the comparison fails"
        );
    }

    #[test]
    fn requeue_moves_waiters_and_counts_both() {
        let mut tbl = FutexTable::default();
        let a = Key::Private { mm: 1, addr: 8, shared_op: false };
        let b = Key::Shared(64);
        let waiters: Vec<Arc<Waiter>> = (0..4)
            .map(|_| {
                Arc::new(Waiter {
                    inbox: Arc::new(crate::Inbox::default()),
                    bitset: FUTEX_BITSET_MATCH_ANY,
                    woken: AtomicBool::new(false),
                    key: Mutex::new(a),
                    pi_tid: None,
                })
            })
            .collect();
        for w in &waiters {
            tbl.queues.entry(a).or_default().push_back(w.clone());
        }
        assert_eq!(tbl.requeue(a, b, 1, 2), 3);
        assert!(waiters[0].woken.load(Ordering::SeqCst), "the oldest waiter is woken first");
        assert_eq!(*waiters[1].key.lock().unwrap(), b);
        assert_eq!(tbl.queues[&a].len(), 1);
        assert_eq!(tbl.wake(b, 10, FUTEX_BITSET_MATCH_ANY), 2);
        tbl.remove(&waiters[3]);
        assert!(tbl.queues.is_empty());
        // Bitsets must meet.
        let w = Arc::new(Waiter {
            inbox: Arc::new(crate::Inbox::default()),
            bitset: 0b10,
            woken: AtomicBool::new(false),
            key: Mutex::new(a),
            pi_tid: None,
        });
        tbl.queues.entry(a).or_default().push_back(w);
        assert_eq!(tbl.wake(a, 1, 0b01), 0);
        assert_eq!(tbl.wake(a, 1, 0b11), 1);
    }

    mod model {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Op {
            Wait { key: usize, bitset: u32 },
            Wake { key: usize, n: u32, bitset: u32 },
            Requeue { from: usize, to: usize, n: u32, m: u32 },
            Cancel(usize),
        }

        /// Private keys of two address spaces at the same address (and process-shared
        /// operations on it) and shared keys: all distinct queues.
        const KEYS: [Key; 5] = [
            Key::Private { mm: 1, addr: 0x1000, shared_op: false },
            Key::Private { mm: 2, addr: 0x1000, shared_op: false },
            Key::Private { mm: 1, addr: 0x1000, shared_op: true },
            Key::Shared(0x1000),
            Key::Shared(0x2000),
        ];

        fn op() -> impl Strategy<Value = Op> {
            let bits = prop_oneof![Just(FUTEX_BITSET_MATCH_ANY), 1u32..8];
            prop_oneof![
                3 => (0..KEYS.len(), bits.clone()).prop_map(|(key, bitset)| Op::Wait { key, bitset }),
                2 => (0..KEYS.len(), 0u32..4, bits).prop_map(|(key, n, bitset)| Op::Wake { key, n, bitset }),
                1 => (0..KEYS.len(), 0..KEYS.len(), 0u32..3, 0u32..3).prop_map(|(from, to, n, m)| Op::Requeue { from, to, n, m }),
                1 => any::<usize>().prop_map(Op::Cancel),
            ]
        }

        proptest! {
            /// The futex table against a model (key -> queue of waiter ids, oldest first):
            /// wakes take the oldest matching waiters of exactly their key, requeue moves
            /// the next ones in order, every waiter's recorded key is the queue it is on,
            /// and no empty queue is kept.
            #[test]
            fn matches_a_queue_model(ops in proptest::collection::vec(op(), 0..80)) {
                let mut tbl = FutexTable::default();
                let mut model: Vec<Vec<(usize, u32)>> = vec![Vec::new(); KEYS.len()];
                let mut waiters: Vec<Arc<Waiter>> = Vec::new();
                for op in ops {
                    match op {
                        Op::Wait { key, bitset } => {
                            let w = Arc::new(Waiter {
                                inbox: Arc::new(crate::Inbox::default()),
                                bitset,
                                woken: AtomicBool::new(false),
                                key: Mutex::new(KEYS[key]),
                                pi_tid: None,
                            });
                            tbl.queues.entry(KEYS[key]).or_default().push_back(w.clone());
                            model[key].push((waiters.len(), bitset));
                            waiters.push(w);
                        }
                        Op::Wake { key, n, bitset } => {
                            let mut expect = Vec::new();
                            model[key].retain(|&(id, b)| {
                                if (expect.len() as u32) < n && b & bitset != 0 {
                                    expect.push(id);
                                    false
                                } else {
                                    true
                                }
                            });
                            prop_assert_eq!(tbl.wake(KEYS[key], n, bitset), expect.len() as u32);
                            for id in expect {
                                prop_assert!(waiters[id].woken.load(Ordering::SeqCst), "waiter {} not woken", id);
                            }
                        }
                        Op::Requeue { from, to, n, m } => {
                            let k = (n as usize).min(model[from].len());
                            let woken: Vec<(usize, u32)> = model[from].drain(..k).collect();
                            let k = (m as usize).min(model[from].len());
                            let moved: Vec<(usize, u32)> = model[from].drain(..k).collect();
                            let count = (woken.len() + moved.len()) as u32;
                            model[to].extend(moved);
                            prop_assert_eq!(tbl.requeue(KEYS[from], KEYS[to], n, m), count);
                        }
                        Op::Cancel(i) => {
                            if waiters.is_empty() {
                                continue;
                            }
                            let id = i % waiters.len();
                            tbl.remove(&waiters[id]);
                            for q in &mut model {
                                q.retain(|&(x, _)| x != id);
                            }
                        }
                    }
                    for (k, q) in model.iter().enumerate() {
                        let got: Vec<usize> = tbl
                            .queues
                            .get(&KEYS[k])
                            .map(|q| q.iter().map(|w| waiters.iter().position(|x| Arc::ptr_eq(x, w)).unwrap()).collect())
                            .unwrap_or_default();
                        prop_assert_eq!(got, q.iter().map(|&(id, _)| id).collect::<Vec<_>>(), "queue of {:?}", KEYS[k]);
                        for &(id, _) in q {
                            prop_assert_eq!(*waiters[id].key.lock().unwrap(), KEYS[k]);
                            prop_assert!(!waiters[id].woken.load(Ordering::SeqCst), "a queued waiter is marked woken");
                        }
                    }
                    prop_assert!(tbl.queues.values().all(|q| !q.is_empty()), "an empty queue kept");
                }
            }
        }
    }
}
