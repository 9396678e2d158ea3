//! Advisory file locks: flock(2) locks, POSIX record locks and open file description
//! (OFD) record locks, as Linux's `fs/locks.c` keeps them.
//!
//! - A **flock** lock belongs to an open file description: dup'ed descriptors and forked
//!   children share it, and it goes when the description does (or on `LOCK_UN`).
//!   Converting between shared and exclusive first drops the old lock, as on Linux.
//! - A **POSIX** record lock belongs to a process: its own locks never conflict with each
//!   other, a new lock splits and merges what the process holds, and closing *any* of the
//!   process's descriptors for the file drops all of them (the caller does that with
//!   [`LockManager::close_posix`], and [`LockManager::release_process`] at exit).
//! - An **OFD** record lock is a record lock owned by the description instead.
//!   POSIX and OFD locks share one range list and conflict with each other; flock locks
//!   are independent of both.
//!
//! Locks are keyed by the file's identity ([`FileKey`]), not by the description, so two
//! opens of one file see each other's locks.
//!
//! A locker that must wait registers a [`Waker`]: every change that may let a waiter in
//! (an unlock, a downgrade, a release) wakes every waiter of the file, and each retries.
//! Waits between processes are checked for deadlock as Linux does: following which
//! process each blocked POSIX locker waits for, up to a bounded depth.
//!
//! # Lock order
//!
//! `LockManager::state` is a leaf lock: waiters are woken after it is released, and
//! descriptions' release hooks are registered outside it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use kernel_abi::{return_errno, KResult};

use crate::pipe::Waker;
use crate::{File, Inode};

/// The largest file offset (Linux's `OFFSET_MAX`): a lock "to the end of the file" ends
/// here.
pub const OFFSET_MAX: i64 = i64::MAX;

/// How many blocked owners the deadlock detector follows (Linux's
/// `MAX_DEADLK_ITERATIONS`).
const MAX_DEADLOCK_DEPTH: usize = 10;

/// The identity of a locked file: its filesystem kind, device and inode number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileKey {
    kind: u8,
    dev: u64,
    ino: u64,
}

impl FileKey {
    /// The key of the file `file` was opened on.
    pub fn of(file: &File) -> KResult<FileKey> {
        let kind = match file.dentry().map(|d| d.inode()) {
            Some(Inode::Tmpfs(_)) => 0,
            Some(Inode::Host(_)) => 1,
            Some(Inode::Dir) | Some(Inode::Device(_)) | Some(Inode::Synth(_)) | Some(Inode::Pts(_)) => 2,
            None => 3,
        };
        let st = file.stat()?;
        Ok(FileKey { kind, dev: st.st_dev, ino: st.st_ino })
    }

    /// A key for tests.
    pub fn for_test(ino: u64) -> FileKey {
        FileKey { kind: 0xff, dev: 0, ino }
    }
}

/// Who owns a record lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A process (its thread-group id): a POSIX lock.
    Process(i32),
    /// An open file description (its identity while it lives): an OFD lock.
    Description(usize),
}

impl Owner {
    /// The OFD owner for `file`.
    pub fn of_description(file: &File) -> Owner {
        Owner::Description(description_id(file))
    }
}

fn description_id(file: &File) -> usize {
    file as *const File as usize
}

/// A lock's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Shared (F_RDLCK, LOCK_SH).
    Read,
    /// Exclusive (F_WRLCK, LOCK_EX).
    Write,
}

/// A record lock held, as F_GETLK reports the conflicting one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeLock {
    /// Its owner.
    pub owner: Owner,
    /// Shared or exclusive.
    pub kind: Kind,
    /// First byte.
    pub start: i64,
    /// Last byte (inclusive; [`OFFSET_MAX`] for "to the end of the file").
    pub end: i64,
}

impl RangeLock {
    fn overlaps(&self, start: i64, end: i64) -> bool {
        self.start <= end && start <= self.end
    }

    fn conflicts(&self, owner: Owner, kind: Kind, start: i64, end: i64) -> bool {
        self.owner != owner && self.overlaps(start, end) && (self.kind == Kind::Write || kind == Kind::Write)
    }
}

/// A record lock request: set (`Some(kind)`) or remove (`None`) `owner`'s lock on
/// `start..=end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeRequest {
    /// The owner.
    pub owner: Owner,
    /// The lock to set, or `None` to unlock.
    pub kind: Option<Kind>,
    /// First byte (>= 0).
    pub start: i64,
    /// Last byte (>= start).
    pub end: i64,
}

/// flock(2) operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlockOp {
    /// LOCK_SH or LOCK_EX.
    Lock(Kind),
    /// LOCK_UN.
    Unlock,
}

/// The outcome of a lock request that may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// Done.
    Done,
    /// A conflicting lock is held: the waker given is registered under this id and will
    /// be woken when the file's locks change; retry then, and cancel the wait with
    /// [`LockManager::cancel_wait`] in any case.
    Blocked(u64),
}

struct Waiter {
    id: u64,
    waker: Arc<dyn Waker>,
}

#[derive(Default)]
struct FileLocks {
    /// POSIX and OFD locks; one owner's never overlap, nor touch when of one kind.
    ranges: Vec<RangeLock>,
    /// flock locks: (description id, kind).
    flocks: Vec<(usize, Kind)>,
    waiters: Vec<Waiter>,
}

impl FileLocks {
    fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.flocks.is_empty() && self.waiters.is_empty()
    }

    /// The first conflicting range lock (lowest start).
    fn range_conflict(&self, owner: Owner, kind: Kind, start: i64, end: i64) -> Option<RangeLock> {
        self.ranges.iter().filter(|l| l.conflicts(owner, kind, start, end)).min_by_key(|l| l.start).copied()
    }

    /// Apply `req` to `req.owner`'s locks (no conflict check). Returns whether an existing
    /// lock was removed or changed (which may let a waiter in).
    fn apply(&mut self, req: &RangeRequest) -> bool {
        let (mut start, mut end) = (req.start, req.end);
        let mut changed = false;
        let mut kept = Vec::with_capacity(self.ranges.len() + 2);
        for l in self.ranges.drain(..) {
            if l.owner != req.owner {
                kept.push(l);
                continue;
            }
            let touches = l.overlaps(req.start, req.end)
                || l.end.checked_add(1) == Some(req.start)
                || req.end.checked_add(1) == Some(l.start);
            if !touches {
                kept.push(l);
                continue;
            }
            if Some(l.kind) == req.kind {
                // Same kind: merge into the new lock.
                start = start.min(l.start);
                end = end.max(l.end);
                continue;
            }
            if !l.overlaps(req.start, req.end) {
                // Adjacent, of the other kind: untouched.
                kept.push(l);
                continue;
            }
            changed = true;
            if l.start < req.start {
                kept.push(RangeLock { end: req.start - 1, ..l });
            }
            if l.end > req.end {
                kept.push(RangeLock { start: req.end + 1, ..l });
            }
        }
        if let Some(kind) = req.kind {
            kept.push(RangeLock { owner: req.owner, kind, start, end });
        }
        kept.sort_by_key(|l| (l.start, l.end));
        self.ranges = kept;
        changed
    }

    fn take_wakers(&mut self) -> Vec<Arc<dyn Waker>> {
        self.waiters.drain(..).map(|w| w.waker).collect()
    }
}

#[derive(Default)]
struct State {
    files: HashMap<FileKey, FileLocks>,
    /// Blocked POSIX lockers: wait id -> (process, owner of the lock it waits behind).
    blocked: HashMap<u64, (i32, Owner)>,
    /// Descriptions whose release hook is registered, and the file they lock.
    hooked: HashMap<usize, FileKey>,
    next_wait: u64,
}

impl State {
    /// Whether process `me` waiting behind `blocker` closes a cycle of waits.
    fn would_deadlock(&self, me: i32, blocker: Owner) -> bool {
        let mut b = blocker;
        for _ in 0..MAX_DEADLOCK_DEPTH {
            let Owner::Process(p) = b else { return false };
            match self.blocked.values().find(|(w, _)| *w == p) {
                Some((_, next)) => b = *next,
                None => return false,
            }
            if b == Owner::Process(me) {
                return true;
            }
        }
        false
    }

    fn register_wait(&mut self, key: FileKey, waker: &Arc<dyn Waker>) -> u64 {
        self.next_wait += 1;
        let id = self.next_wait;
        self.files.entry(key).or_default().waiters.push(Waiter { id, waker: waker.clone() });
        id
    }

    fn tidy(&mut self, key: FileKey) {
        if self.files.get(&key).is_some_and(FileLocks::is_empty) {
            self.files.remove(&key);
        }
    }
}

/// The sandbox's file locks.
#[derive(Default)]
pub struct LockManager {
    state: Mutex<State>,
}

/// Drops a description's flock and OFD locks when it goes.
struct ReleaseLocks(Arc<LockManager>);

impl crate::file::ReleaseHook for ReleaseLocks {
    fn released(&self, file: &File) {
        self.0.release_description(description_id(file));
    }
}

fn wake_all(wakers: Vec<Arc<dyn Waker>>) {
    for w in wakers {
        w.wake();
    }
}

impl LockManager {
    /// An empty lock table.
    pub fn new() -> Arc<LockManager> {
        Arc::new(LockManager::default())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Make sure `file`'s flock and OFD locks go with it.
    fn hook(self: &Arc<Self>, file: &File, key: FileKey) {
        let id = description_id(file);
        if self.lock().hooked.insert(id, key).is_none() {
            file.on_release(Arc::new(ReleaseLocks(self.clone())));
        }
    }

    /// flock(2) on `file` (whose key is `key`). With a waker, a conflict registers it and
    /// answers [`Acquire::Blocked`]; without, a conflict is EWOULDBLOCK.
    pub fn flock(
        self: &Arc<Self>,
        file: &File,
        key: FileKey,
        op: FlockOp,
        waker: Option<&Arc<dyn Waker>>,
    ) -> KResult<Acquire> {
        let id = description_id(file);
        let mut wake = Vec::new();
        let r = {
            let mut st = self.lock();
            let locks = st.files.entry(key).or_default();
            let old = locks.flocks.iter().position(|(f, _)| *f == id);
            let mut result = None;
            if let Some(i) = old {
                if op == FlockOp::Lock(locks.flocks[i].1) {
                    result = Some(Ok(Acquire::Done));
                } else {
                    // Linux drops the old lock first: a conversion is not atomic.
                    locks.flocks.remove(i);
                    wake = locks.take_wakers();
                }
            }
            let r = match (result, op) {
                (Some(r), _) => r,
                (None, FlockOp::Unlock) => Ok(Acquire::Done),
                (None, FlockOp::Lock(kind)) => {
                    let conflict =
                        locks.flocks.iter().any(|(f, k)| *f != id && (*k == Kind::Write || kind == Kind::Write));
                    if !conflict {
                        locks.flocks.push((id, kind));
                        Ok(Acquire::Done)
                    } else if let Some(w) = waker {
                        Ok(Acquire::Blocked(st.register_wait(key, w)))
                    } else {
                        Err(kernel_abi::errno!(EAGAIN))
                    }
                }
            };
            st.tidy(key);
            r
        };
        wake_all(wake);
        if matches!(op, FlockOp::Lock(_)) && r == Ok(Acquire::Done) {
            self.hook(file, key);
        }
        r
    }

    /// F_SETLK / F_SETLKW (and the OFD forms) on `file`. With a waker, a conflict
    /// registers it and answers [`Acquire::Blocked`], or EDEADLK when a POSIX locker
    /// would wait for a process that waits for it; without, a conflict is EAGAIN.
    pub fn set_range(
        self: &Arc<Self>,
        file: &File,
        key: FileKey,
        req: &RangeRequest,
        waker: Option<&Arc<dyn Waker>>,
    ) -> KResult<Acquire> {
        let r = self.set_range_keyed(key, req, waker)?;
        if let (Owner::Description(_), Some(_), Acquire::Done) = (req.owner, req.kind, r) {
            self.hook(file, key);
        }
        Ok(r)
    }

    fn set_range_keyed(&self, key: FileKey, req: &RangeRequest, waker: Option<&Arc<dyn Waker>>) -> KResult<Acquire> {
        if req.start < 0 || req.end < req.start {
            return_errno!(EINVAL);
        }
        let mut wake = Vec::new();
        let r = {
            let mut st = self.lock();
            let conflict = match req.kind {
                Some(kind) => st.files.get(&key).and_then(|l| l.range_conflict(req.owner, kind, req.start, req.end)),
                None => None,
            };
            let r = match (conflict, waker) {
                (None, _) => {
                    let locks = st.files.entry(key).or_default();
                    if locks.apply(req) {
                        wake = locks.take_wakers();
                    }
                    Ok(Acquire::Done)
                }
                (Some(_), None) => Err(kernel_abi::errno!(EAGAIN)),
                (Some(c), Some(w)) => match req.owner {
                    Owner::Process(me) if st.would_deadlock(me, c.owner) => Err(kernel_abi::errno!(EDEADLK)),
                    Owner::Process(me) => {
                        let id = st.register_wait(key, w);
                        st.blocked.insert(id, (me, c.owner));
                        Ok(Acquire::Blocked(id))
                    }
                    Owner::Description(_) => Ok(Acquire::Blocked(st.register_wait(key, w))),
                },
            };
            st.tidy(key);
            r
        };
        wake_all(wake);
        r
    }

    /// F_GETLK: the lock that would stop `owner` from taking `kind` on `start..=end`.
    pub fn test_range(&self, key: FileKey, owner: Owner, kind: Kind, start: i64, end: i64) -> Option<RangeLock> {
        self.lock().files.get(&key).and_then(|l| l.range_conflict(owner, kind, start, end))
    }

    /// Forget wait `id` (the waiter was woken, interrupted, or gave up).
    pub fn cancel_wait(&self, key: FileKey, id: u64) {
        let mut st = self.lock();
        st.blocked.remove(&id);
        if let Some(l) = st.files.get_mut(&key) {
            l.waiters.retain(|w| w.id != id);
        }
        st.tidy(key);
    }

    /// Whether process `pid` holds any POSIX lock (so a close must look for them).
    pub fn holds_posix(&self, pid: i32) -> bool {
        self.lock().files.values().any(|l| l.ranges.iter().any(|r| r.owner == Owner::Process(pid)))
    }

    /// Process `pid` closed a descriptor of the file: its POSIX locks on it go.
    pub fn close_posix(&self, key: FileKey, pid: i32) {
        let wake = {
            let mut st = self.lock();
            let Some(l) = st.files.get_mut(&key) else { return };
            let before = l.ranges.len();
            l.ranges.retain(|r| r.owner != Owner::Process(pid));
            let wake = if l.ranges.len() != before { l.take_wakers() } else { Vec::new() };
            st.tidy(key);
            wake
        };
        wake_all(wake);
    }

    /// Process `pid` exited: all its POSIX locks go.
    pub fn release_process(&self, pid: i32) {
        let mut wake = Vec::new();
        {
            let mut st = self.lock();
            st.blocked.retain(|_, (w, _)| *w != pid);
            for l in st.files.values_mut() {
                let before = l.ranges.len();
                l.ranges.retain(|r| r.owner != Owner::Process(pid));
                if l.ranges.len() != before {
                    wake.extend(l.take_wakers());
                }
            }
            st.files.retain(|_, l| !l.is_empty());
        }
        wake_all(wake);
    }

    /// A description went: its flock and OFD locks go.
    fn release_description(&self, id: usize) {
        let wake = {
            let mut st = self.lock();
            let Some(key) = st.hooked.remove(&id) else { return };
            let Some(l) = st.files.get_mut(&key) else { return };
            l.flocks.retain(|(f, _)| *f != id);
            l.ranges.retain(|r| r.owner != Owner::Description(id));
            let wake = l.take_wakers();
            st.tidy(key);
            wake
        };
        wake_all(wake);
    }

    /// The record locks held on `key`, by start (for tests and /proc/locks).
    pub fn ranges(&self, key: FileKey) -> Vec<RangeLock> {
        self.lock().files.get(&key).map(|l| l.ranges.clone()).unwrap_or_default()
    }

    /// Whether nothing is locked or waited for (for tests).
    pub fn is_idle(&self) -> bool {
        let st = self.lock();
        st.files.is_empty() && st.blocked.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{Device, DeviceFile};
    use kernel_abi::Errno;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn file() -> Arc<File> {
        File::new(Box::new(DeviceFile::new(Device::Null)), 2, None, "/dev/null".into())
    }

    fn req(pid: i32, kind: Option<Kind>, start: i64, end: i64) -> RangeRequest {
        RangeRequest { owner: Owner::Process(pid), kind, start, end }
    }

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Waker for Count {
        fn wake(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    const K: FileKey = FileKey { kind: 0xff, dev: 0, ino: 1 };

    #[test]
    fn ranges_split_and_merge() {
        let m = LockManager::new();
        let f = file();
        m.set_range(&f, K, &req(1, Some(Kind::Read), 0, 9), None).unwrap();
        m.set_range(&f, K, &req(1, Some(Kind::Read), 10, 19), None).unwrap();
        assert_eq!(m.ranges(K).len(), 1, "adjacent locks of one kind merge");
        m.set_range(&f, K, &req(1, Some(Kind::Write), 5, 7), None).unwrap();
        let r: Vec<_> = m.ranges(K).iter().map(|l| (l.kind, l.start, l.end)).collect();
        assert_eq!(r, vec![(Kind::Read, 0, 4), (Kind::Write, 5, 7), (Kind::Read, 8, 19)]);
        m.set_range(&f, K, &req(1, None, 3, 8), None).unwrap();
        let r: Vec<_> = m.ranges(K).iter().map(|l| (l.kind, l.start, l.end)).collect();
        assert_eq!(r, vec![(Kind::Read, 0, 2), (Kind::Read, 9, 19)]);
        m.set_range(&f, K, &req(1, None, 0, OFFSET_MAX), None).unwrap();
        assert!(m.is_idle());
    }

    #[test]
    fn conflicts_and_tests() {
        let m = LockManager::new();
        let f = file();
        m.set_range(&f, K, &req(1, Some(Kind::Read), 0, OFFSET_MAX), None).unwrap();
        m.set_range(&f, K, &req(2, Some(Kind::Read), 10, 20), None).unwrap();
        let e = m.set_range(&f, K, &req(2, Some(Kind::Write), 10, 20), None).unwrap_err();
        assert_eq!(e.errno, Errno::EAGAIN);
        let c = m.test_range(K, Owner::Process(2), Kind::Write, 100, 100).unwrap();
        assert_eq!((c.owner, c.start, c.end), (Owner::Process(1), 0, OFFSET_MAX));
        assert!(m.test_range(K, Owner::Process(1), Kind::Write, 0, 5).is_none());
        m.close_posix(K, 1);
        m.set_range(&f, K, &req(2, Some(Kind::Write), 10, 20), None).unwrap();
        m.release_process(2);
        assert!(m.is_idle());
    }

    #[test]
    fn waiters_are_woken_and_deadlocks_found() {
        let m = LockManager::new();
        let f = file();
        let k2 = FileKey::for_test(2);
        let w: Arc<dyn Waker> = Arc::new(Count::default());
        m.set_range(&f, K, &req(1, Some(Kind::Write), 0, 0), None).unwrap();
        m.set_range(&f, k2, &req(2, Some(Kind::Write), 0, 0), None).unwrap();
        let Acquire::Blocked(id) = m.set_range(&f, k2, &req(1, Some(Kind::Write), 0, 0), Some(&w)).unwrap() else {
            panic!("1 should wait for 2")
        };
        let e = m.set_range(&f, K, &req(2, Some(Kind::Write), 0, 0), Some(&w)).unwrap_err();
        assert_eq!(e.errno, Errno::EDEADLK);
        m.release_process(2);
        assert_eq!(m.set_range(&f, k2, &req(1, Some(Kind::Write), 0, 0), Some(&w)).unwrap(), Acquire::Done);
        m.cancel_wait(k2, id);
        m.release_process(1);
        assert!(m.is_idle());
    }

    #[test]
    fn flock_belongs_to_the_description() {
        let m = LockManager::new();
        let (a, b) = (file(), file());
        let c = Arc::new(Count::default());
        let w: Arc<dyn Waker> = c.clone();
        assert_eq!(m.flock(&a, K, FlockOp::Lock(Kind::Read), None).unwrap(), Acquire::Done);
        assert_eq!(m.flock(&b, K, FlockOp::Lock(Kind::Read), None).unwrap(), Acquire::Done);
        assert_eq!(m.flock(&b, K, FlockOp::Lock(Kind::Write), None).unwrap_err().errno, Errno::EAGAIN);
        // The failed conversion dropped b's shared lock.
        assert_eq!(m.flock(&a, K, FlockOp::Lock(Kind::Write), None).unwrap(), Acquire::Done);
        let Acquire::Blocked(id) = m.flock(&b, K, FlockOp::Lock(Kind::Read), Some(&w)).unwrap() else {
            panic!("b should wait")
        };
        drop(a);
        assert_eq!(c.0.load(Ordering::SeqCst), 1, "the release woke the waiter");
        m.cancel_wait(K, id);
        assert_eq!(m.flock(&b, K, FlockOp::Lock(Kind::Read), None).unwrap(), Acquire::Done);
        assert_eq!(m.flock(&b, K, FlockOp::Unlock, None).unwrap(), Acquire::Done);
        drop(b);
        assert!(m.is_idle());
    }

    #[test]
    fn ofd_locks_go_with_the_description() {
        let m = LockManager::new();
        let a = file();
        let own = RangeRequest { owner: Owner::of_description(&a), kind: Some(Kind::Write), start: 0, end: 9 };
        m.set_range(&a, K, &own, None).unwrap();
        assert_eq!(m.set_range(&a, K, &req(7, Some(Kind::Read), 5, 5), None).unwrap_err().errno, Errno::EAGAIN);
        drop(a);
        assert!(m.is_idle());
    }

    /// Bytes the model tracks; "to the end" covers them all.
    const N: usize = 48;

    #[derive(Clone, Debug)]
    struct Op {
        pid: i32,
        kind: Option<Kind>,
        start: i64,
        len: i64,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Bounded ranges end inside the modelled bytes (start + len - 1 < N).
        (
            1..4i32,
            prop_oneof![Just(None), Just(Some(Kind::Read)), Just(Some(Kind::Write))],
            0..(N as i64 - 12),
            0..12i64,
        )
            .prop_map(|(pid, kind, start, len)| Op { pid, kind, start, len })
    }

    proptest! {
        #[test]
        fn ranges_match_a_per_byte_model(ops in proptest::collection::vec(op(), 1..40)) {
            let m = LockManager::new();
            let f = file();
            // model[pid][byte]
            let mut model = [[None::<Kind>; N]; 4];
            for o in ops {
                let end = if o.len == 0 { OFFSET_MAX } else { o.start + o.len - 1 };
                let bytes = o.start as usize..=(end.min(N as i64 - 1) as usize);
                let conflict = o.kind.is_some_and(|k| {
                    (1..4).filter(|&p| p != o.pid as usize).any(|p| {
                        bytes.clone().any(|b| matches!((model[p][b], k), (Some(Kind::Write), _) | (Some(_), Kind::Write)))
                    })
                });
                let got = m.set_range(&f, K, &req(o.pid, o.kind, o.start, end), None);
                prop_assert_eq!(got.is_err(), conflict);
                if !conflict {
                    for b in bytes {
                        model[o.pid as usize][b] = o.kind;
                    }
                }
                // Compare, and check the list's invariants.
                let ranges = m.ranges(K);
                for p in 1..4i32 {
                    let mine: Vec<_> = ranges.iter().filter(|l| l.owner == Owner::Process(p)).collect();
                    for w in mine.windows(2) {
                        prop_assert!(w[0].end < w[1].start);
                        prop_assert!(w[0].kind != w[1].kind || w[0].end + 1 < w[1].start);
                    }
                    for (b, want) in model[p as usize].iter().enumerate() {
                        let have = mine.iter().find(|l| l.start <= b as i64 && b as i64 <= l.end).map(|l| l.kind);
                        prop_assert_eq!(have, *want, "pid {} byte {}", p, b);
                    }
                }
            }
            for p in 1..4 {
                m.release_process(p);
            }
            prop_assert!(m.is_idle());
        }
    }
}
