//! epoll(7): an interest list of `(fd, open file description)` entries and a ready list.
//!
//! Each entry registers its own [`Waker`] with the file it watches. When the file's
//! readiness may have changed, the waker puts the entry on the ready list (Linux's
//! `ep_poll_callback`) and wakes the epoll's own waiters, so a wait polls only the entries
//! that may be ready, not the whole interest list. A scan ([`Epoll::collect`]) polls the
//! queued entries: a ready one is reported and, if level-triggered, queued again for the
//! next scan; an edge-triggered one waits for its waker; a one-shot one is disarmed
//! until `EPOLL_CTL_MOD`. Wake-ups carry the events they concern
//! ([`Waker::wake_for`]), and an entry ignores those it is not interested in, as Linux's
//! wake-up keys do: a pipe read does not re-trigger an edge-triggered `EPOLLIN` entry.
//!
//! Files that cannot register wakers but are pollable (host descriptors passed through,
//! which have [`File::host_fd`]) are polled on every scan instead, level-triggered even
//! when `EPOLLET` is asked for (nothing tells the Sentry of their edges); a blocking wait
//! must also wait for them on the host: [`Epoll::host_fds`] lists them.
//!
//! Entries hold their file weakly; when the description is destroyed, a
//! [`crate::file::ReleaseHook`] unregisters the waker and marks the entry dead, and the
//! next scan or control operation drops it (Linux's `eventpoll_release`).
//!
//! # Lock order
//!
//! `NEST` (global, only to add an epoll to another) -> `Epoll::interest` (outer epoll
//! before inner) -> the watched files' own locks -> `Epoll::ready`, `Epoll::waiters`
//! (leaves). A waker runs under its file's lock and takes only the leaves. No file is
//! dropped while `interest` is held, since a release hook takes `ready`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use kernel_abi::flags::epoll::*;
use kernel_abi::{return_errno, KResult, Stat};

use crate::file::ReleaseHook;
use crate::pipe::Waker;
use crate::{File, FileOps};

/// Event bits that are options, not events (Linux's `EP_PRIVATE_BITS`).
const PRIVATE_BITS: u32 = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
/// The bits EPOLLEXCLUSIVE may be combined with.
const EXCLUSIVE_OK_BITS: u32 = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
/// Deepest nesting of epoll sets (Linux's `EP_MAX_NESTS`).
const MAX_NESTS: usize = 4;

/// Serializes additions of one epoll set to another, so two concurrent ones cannot
/// build a cycle that each check alone misses (Linux's `epnested_mutex`).
static NEST: Mutex<()> = Mutex::new(());
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// stat of the anonymous inodes behind epoll, eventfd and timerfd descriptors.
pub fn anon_inode_stat(ino: u64) -> Stat {
    Stat { st_mode: 0o600, st_nlink: 1, st_ino: ino, st_blksize: 4096, ..Default::default() }
}

/// One watched `(fd, description)`.
struct Entry {
    key: (i32, usize),
    file: Weak<File>,
    data: u64,
    waker: Arc<EntryWaker>,
    /// The waiter registered with the file; `None`: polled on every scan.
    waiter: Option<u64>,
    hook: u64,
    host_fd: Option<RawFd>,
    /// The watched file is itself an epoll set.
    nested: Option<Weak<Epoll>>,
}

/// An entry's waker: queues the entry when its file signals a change it cares about.
struct EntryWaker {
    ep: Weak<Epoll>,
    id: u64,
    /// The events asked for, with EPOLLERR and EPOLLHUP and the option bits; only the
    /// option bits are left when a one-shot entry is disarmed.
    events: AtomicU32,
}

impl Waker for EntryWaker {
    fn wake(&self) {
        self.wake_for(0);
    }

    fn wake_for(&self, key: u32) {
        let events = self.events.load(Ordering::SeqCst);
        if events & !PRIVATE_BITS == 0 || (key != 0 && key & events == 0) {
            return;
        }
        if let Some(ep) = self.ep.upgrade() {
            ep.mark_ready(self.id);
        }
    }
}

/// Forgets an entry when its file is destroyed.
struct Release {
    ep: Weak<Epoll>,
    id: u64,
    waiter: Option<u64>,
}

impl ReleaseHook for Release {
    fn released(&self, file: &File) {
        if let Some(w) = self.waiter {
            file.remove_waiter(w);
        }
        if let Some(ep) = self.ep.upgrade() {
            lock(&ep.ready).dead.push(self.id);
        }
    }
}

#[derive(Default)]
struct Interest {
    by_key: HashMap<(i32, usize), u64>,
    /// By entry id: the order of insertion.
    entries: BTreeMap<u64, Entry>,
    next_id: u64,
}

#[derive(Default)]
struct Ready {
    queue: VecDeque<u64>,
    queued: HashSet<u64>,
    /// Entries whose file is gone, to drop at the next scan.
    dead: Vec<u64>,
}

/// An epoll set.
pub struct Epoll {
    me: Weak<Epoll>,
    interest: Mutex<Interest>,
    ready: Mutex<Ready>,
    waiters: Mutex<Vec<(u64, Arc<dyn Waker>)>>,
    next_waiter: AtomicU64,
    ino: u64,
}

/// A waker that does nothing, to probe whether a file takes waiters.
struct Nobody;

impl Waker for Nobody {
    fn wake(&self) {}
}

/// Whether epoll can watch `f` (Linux's `file_can_poll`): files whose readiness can
/// change tell waiters so, and host descriptors can be polled. Regular files,
/// directories and the Sentry's devices cannot (EPERM).
fn pollable(f: &File) -> bool {
    if f.host_fd().is_some() {
        return true;
    }
    match f.add_waiter(Arc::new(Nobody)) {
        Some(id) => {
            f.remove_waiter(id);
            true
        }
        None => false,
    }
}

impl Epoll {
    /// A new epoll set as an open file description (`flags`: O_* status flags).
    pub fn new_file(flags: u32) -> Arc<File> {
        let ep = Arc::new_cyclic(|me| Epoll {
            me: me.clone(),
            interest: Mutex::default(),
            ready: Mutex::default(),
            waiters: Mutex::default(),
            next_waiter: AtomicU64::new(1),
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        });
        File::new(
            Box::new(EpollFile(ep)),
            flags | kernel_abi::flags::open::O_RDWR,
            None,
            "anon_inode:[eventpoll]".into(),
        )
    }

    /// The epoll set `f` is, if it is one.
    pub fn of(f: &File) -> Option<&Epoll> {
        f.as_any().and_then(|a| a.downcast_ref::<EpollFile>()).map(|e| &*e.0)
    }

    /// epoll_ctl(2) on the set `ep_file` for `(fd, target)`; `event` is (events, data),
    /// ignored for EPOLL_CTL_DEL. Errors and their order are Linux's.
    pub fn ctl(ep_file: &Arc<File>, op: i32, fd: i32, target: &Arc<File>, event: (u32, u64)) -> KResult<()> {
        if !pollable(target) {
            return_errno!(EPERM, "the file cannot be polled");
        }
        if Arc::ptr_eq(ep_file, target) {
            return_errno!(EINVAL, "an epoll set cannot watch itself");
        }
        let Some(ep) = Epoll::of(ep_file) else { return_errno!(EINVAL, "not an epoll descriptor") };
        let (events, data) = event;
        if op != EPOLL_CTL_DEL && events & EPOLLEXCLUSIVE != 0 {
            if op == EPOLL_CTL_MOD {
                return_errno!(EINVAL);
            }
            if op == EPOLL_CTL_ADD && (Epoll::of(target).is_some() || events & !EXCLUSIVE_OK_BITS != 0) {
                return_errno!(EINVAL);
            }
        }
        match op {
            EPOLL_CTL_ADD => ep.add(fd, target, events, data),
            EPOLL_CTL_DEL => ep.del(fd, target),
            EPOLL_CTL_MOD => ep.modify(fd, target, events, data),
            _ => return_errno!(EINVAL),
        }
    }

    fn key(fd: i32, f: &Arc<File>) -> (i32, usize) {
        (fd, Arc::as_ptr(f) as usize)
    }

    fn add(&self, fd: i32, target: &Arc<File>, events: u32, data: u64) -> KResult<()> {
        let nested = Epoll::of(target).map(|inner| inner.me.clone());
        let _nest = nested.as_ref().map(|_| lock(&NEST));
        if let Some(inner) = nested.as_ref().and_then(Weak::upgrade) {
            if !self.may_contain(&inner) {
                return_errno!(ELOOP);
            }
        }
        let events = events | EPOLLERR | EPOLLHUP;
        let id;
        let waiter;
        {
            let mut it = lock(&self.interest);
            self.purge_dead(&mut it);
            let key = Epoll::key(fd, target);
            if it.by_key.contains_key(&key) {
                return_errno!(EEXIST);
            }
            it.next_id += 1;
            id = it.next_id;
            let waker = Arc::new(EntryWaker { ep: self.me.clone(), id, events: AtomicU32::new(events) });
            let host_fd = target.host_fd();
            waiter = if host_fd.is_some() { None } else { target.add_waiter(waker.clone()) };
            let hook = target.on_release(Arc::new(Release { ep: self.me.clone(), id, waiter }));
            it.by_key.insert(key, id);
            it.entries
                .insert(id, Entry { key, file: Arc::downgrade(target), data, waker, waiter, hook, host_fd, nested });
        }
        // Linux polls the file once at insertion and queues it if it is ready.
        if waiter.is_some() && target.poll() & events != 0 {
            self.mark_ready(id);
        }
        Ok(())
    }

    /// Whether adding `inner` to this set keeps the nesting acyclic and at most
    /// MAX_NESTS deep below this set.
    fn may_contain(&self, inner: &Arc<Epoll>) -> bool {
        fn depth_below(ep: &Epoll, me: *const Epoll, level: usize) -> Option<usize> {
            if std::ptr::eq(ep, me) || level > MAX_NESTS {
                return None;
            }
            let children: Vec<Arc<Epoll>> =
                lock(&ep.interest).entries.values().filter_map(|e| e.nested.as_ref()?.upgrade()).collect();
            let mut deepest = 0;
            for c in children {
                deepest = deepest.max(depth_below(&c, me, level + 1)? + 1);
            }
            Some(deepest)
        }
        depth_below(inner, self, 1).is_some_and(|d| d < MAX_NESTS)
    }

    fn del(&self, fd: i32, target: &Arc<File>) -> KResult<()> {
        let entry = {
            let mut it = lock(&self.interest);
            self.purge_dead(&mut it);
            let Some(id) = it.by_key.remove(&Epoll::key(fd, target)) else { return_errno!(ENOENT) };
            it.entries.remove(&id)
        };
        if let Some(e) = entry {
            {
                let mut r = lock(&self.ready);
                if r.queued.remove(&e.waker.id) {
                    r.queue.retain(|&i| i != e.waker.id);
                }
            }
            if let Some(w) = e.waiter {
                target.remove_waiter(w);
            }
            target.cancel_release(e.hook);
        }
        Ok(())
    }

    fn modify(&self, fd: i32, target: &Arc<File>, events: u32, data: u64) -> KResult<()> {
        let events = events | EPOLLERR | EPOLLHUP;
        let (id, queued) = {
            let mut it = lock(&self.interest);
            self.purge_dead(&mut it);
            let Some(&id) = it.by_key.get(&Epoll::key(fd, target)) else { return_errno!(ENOENT) };
            let Some(e) = it.entries.get_mut(&id) else { return_errno!(ENOENT) };
            if e.waker.events.load(Ordering::SeqCst) & EPOLLEXCLUSIVE != 0 {
                return_errno!(EINVAL);
            }
            e.waker.events.store(events, Ordering::SeqCst);
            e.data = data;
            (id, e.waiter.is_some())
        };
        if queued && target.poll() & events != 0 {
            self.mark_ready(id);
        }
        Ok(())
    }

    /// Queue entry `id` and wake whoever waits on the set.
    fn mark_ready(&self, id: u64) {
        {
            let mut r = lock(&self.ready);
            if r.queued.insert(id) {
                r.queue.push_back(id);
            }
        }
        let waiters: Vec<Arc<dyn Waker>> = lock(&self.waiters).iter().map(|(_, w)| w.clone()).collect();
        use kernel_abi::flags::poll::{POLLIN, POLLRDNORM};
        for w in waiters {
            w.wake_for(POLLIN | POLLRDNORM);
        }
    }

    /// Drop the entries whose file is gone.
    fn purge_dead(&self, it: &mut Interest) {
        let dead = std::mem::take(&mut lock(&self.ready).dead);
        for id in dead {
            if let Some(e) = it.entries.remove(&id) {
                it.by_key.remove(&e.key);
            }
        }
    }

    /// Take up to `max` ready events, as epoll_wait reports them (events, data), in the
    /// ready list's order; empty if none is ready now.
    pub fn collect(&self, max: usize) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        // Files looked at, dropped only once no lock is held.
        let mut files: Vec<Arc<File>> = Vec::new();
        {
            let mut it = lock(&self.interest);
            self.purge_dead(&mut it);
            let queue: Vec<u64> = {
                let mut r = lock(&self.ready);
                r.queued.clear();
                std::mem::take(&mut r.queue).into()
            };
            let polled: Vec<u64> = it.entries.iter().filter(|(_, e)| e.waiter.is_none()).map(|(&id, _)| id).collect();
            let mut leftover: Vec<u64> = Vec::new();
            let mut again: Vec<u64> = Vec::new();
            for (i, &id) in queue.iter().chain(polled.iter()).enumerate() {
                if out.len() >= max {
                    if i < queue.len() {
                        leftover.extend_from_slice(&queue[i..]);
                    }
                    break;
                }
                let Some(e) = it.entries.get(&id) else { continue };
                let Some(f) = e.file.upgrade() else { continue };
                let events = e.waker.events.load(Ordering::SeqCst);
                if events & !PRIVATE_BITS == 0 {
                    files.push(f);
                    continue;
                }
                let revents = f.poll() & events & !PRIVATE_BITS;
                files.push(f);
                if revents == 0 {
                    continue;
                }
                out.push((revents, e.data));
                if events & EPOLLONESHOT != 0 {
                    e.waker.events.store(events & PRIVATE_BITS, Ordering::SeqCst);
                } else if events & EPOLLET == 0 && e.waiter.is_some() {
                    again.push(id);
                }
            }
            // What was not looked at goes first, then what became ready meanwhile, then
            // the level-triggered entries just reported (Linux's order).
            let mut r = lock(&self.ready);
            let meanwhile = std::mem::take(&mut r.queue);
            r.queued.clear();
            for id in leftover.into_iter().chain(meanwhile).chain(again) {
                if r.queued.insert(id) {
                    r.queue.push_back(id);
                }
            }
        }
        drop(files);
        out
    }

    /// Whether some entry may be ready (a scan may still find nothing).
    pub fn has_queued(&self) -> bool {
        !lock(&self.ready).queue.is_empty()
    }

    /// The host descriptors of polled entries still armed, with the poll events asked
    /// for: a blocking wait must watch them on the host too.
    pub fn host_fds(&self) -> Vec<(RawFd, u32)> {
        let it = lock(&self.interest);
        it.entries
            .values()
            .filter_map(|e| {
                let events = e.waker.events.load(Ordering::SeqCst) & !PRIVATE_BITS;
                (events != 0).then_some((e.host_fd?, events))
            })
            .collect()
    }

    /// Readable (EPOLLIN) when some entry has an event to report (without taking it).
    fn readiness(&self) -> u32 {
        let mut files: Vec<Arc<File>> = Vec::new();
        let mut ready = false;
        {
            let mut it = lock(&self.interest);
            self.purge_dead(&mut it);
            let queued: Vec<u64> = lock(&self.ready).queue.iter().copied().collect();
            let polled = it.entries.iter().filter(|(_, e)| e.waiter.is_none()).map(|(&id, _)| id);
            for id in queued.into_iter().chain(polled) {
                let Some(e) = it.entries.get(&id) else { continue };
                let Some(f) = e.file.upgrade() else { continue };
                let events = e.waker.events.load(Ordering::SeqCst) & !PRIVATE_BITS;
                let hit = events != 0 && f.poll() & events != 0;
                files.push(f);
                if hit {
                    ready = true;
                    break;
                }
            }
        }
        drop(files);
        if ready {
            use kernel_abi::flags::poll::{POLLIN, POLLRDNORM};
            POLLIN | POLLRDNORM
        } else {
            0
        }
    }

    /// Number of entries in the interest list (for tests and /proc).
    pub fn len(&self) -> usize {
        let mut it = lock(&self.interest);
        self.purge_dead(&mut it);
        it.entries.len()
    }

    /// Whether the interest list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The file operations of an epoll descriptor.
pub struct EpollFile(Arc<Epoll>);

impl Drop for EpollFile {
    fn drop(&mut self) {
        let entries = {
            let mut it = lock(&self.0.interest);
            it.by_key.clear();
            std::mem::take(&mut it.entries)
        };
        let mut files = Vec::new();
        for e in entries.into_values() {
            if let Some(f) = e.file.upgrade() {
                if let Some(w) = e.waiter {
                    f.remove_waiter(w);
                }
                f.cancel_release(e.hook);
                files.push(f);
            }
        }
        drop(files);
    }
}

impl FileOps for EpollFile {
    fn stat(&self) -> KResult<Stat> {
        Ok(anon_inode_stat(self.0.ino))
    }

    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        // Linux's noop_llseek: the position stays 0.
        Ok(0)
    }

    fn poll(&self) -> u32 {
        self.0.readiness()
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        let id = self.0.next_waiter.fetch_add(1, Ordering::Relaxed);
        lock(&self.0.waiters).push((id, w));
        Some(id)
    }

    fn remove_waiter(&self, id: u64) {
        lock(&self.0.waiters).retain(|(i, _)| *i != id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{Device, DeviceFile};
    use crate::eventfd::EventFd;
    use crate::pipe::new_pipe;
    use kernel_abi::Errno;

    fn add(ep: &Arc<File>, fd: i32, f: &Arc<File>, events: u32) -> KResult<()> {
        Epoll::ctl(ep, EPOLL_CTL_ADD, fd, f, (events, fd as u64))
    }

    fn wait(ep: &Arc<File>, max: usize) -> Vec<(u32, u64)> {
        Epoll::of(ep).unwrap().collect(max)
    }

    #[test]
    fn level_edge_and_one_shot_on_a_pipe() {
        let ep = Epoll::new_file(0);
        let (r, w) = new_pipe(0);
        add(&ep, 3, &r, EPOLLIN).unwrap();
        assert!(wait(&ep, 8).is_empty());
        assert_eq!(ep.poll(), 0);
        w.write(b"ab").unwrap();
        assert_eq!(ep.poll(), kernel_abi::flags::poll::POLLIN | kernel_abi::flags::poll::POLLRDNORM);
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 3)]);
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 3)], "level-triggered: reported while readable");
        let mut b = [0u8; 2];
        r.read(&mut b).unwrap();
        assert!(wait(&ep, 8).is_empty());

        Epoll::ctl(&ep, EPOLL_CTL_MOD, 3, &r, (EPOLLIN | EPOLLET, 7)).unwrap();
        w.write(b"xy").unwrap();
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 7)]);
        assert!(wait(&ep, 8).is_empty(), "edge-triggered: once per change");
        r.read(&mut b[..1]).unwrap();
        assert!(wait(&ep, 8).is_empty(), "a read is no new input");
        w.write(b"z").unwrap();
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 7)], "new data is");

        Epoll::ctl(&ep, EPOLL_CTL_MOD, 3, &r, (EPOLLIN | EPOLLONESHOT, 9)).unwrap();
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 9)]);
        w.write(b"more").unwrap();
        assert!(wait(&ep, 8).is_empty(), "one-shot: disarmed after one report");
        Epoll::ctl(&ep, EPOLL_CTL_MOD, 3, &r, (EPOLLIN, 10)).unwrap();
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 10)], "re-armed by MOD");

        drop(w);
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN | EPOLLHUP, 10)], "hang-up is always reported");
    }

    #[test]
    fn errors_as_linux() {
        let ep = Epoll::new_file(0);
        let (r, _w) = new_pipe(0);
        let null = File::new(Box::new(DeviceFile::new(Device::Null)), 2, None, "/dev/null".into());
        assert_eq!(add(&ep, 4, &null, EPOLLIN).unwrap_err().errno, Errno::EPERM);
        assert_eq!(add(&ep, 5, &ep, EPOLLIN).unwrap_err().errno, Errno::EINVAL, "itself");
        assert_eq!(add(&r, 5, &ep, EPOLLIN).unwrap_err().errno, Errno::EINVAL, "not an epoll set");
        add(&ep, 3, &r, EPOLLIN).unwrap();
        assert_eq!(add(&ep, 3, &r, EPOLLIN).unwrap_err().errno, Errno::EEXIST);
        add(&ep, 6, &r, EPOLLIN).unwrap();
        assert_eq!(Epoll::ctl(&ep, EPOLL_CTL_DEL, 7, &r, (0, 0)).unwrap_err().errno, Errno::ENOENT);
        assert_eq!(Epoll::ctl(&ep, EPOLL_CTL_MOD, 7, &r, (0, 0)).unwrap_err().errno, Errno::ENOENT);
        assert_eq!(Epoll::ctl(&ep, 9, 3, &r, (0, 0)).unwrap_err().errno, Errno::EINVAL);
        Epoll::ctl(&ep, EPOLL_CTL_DEL, 6, &r, (0, 0)).unwrap();
        assert_eq!(Epoll::of(&ep).unwrap().len(), 1);
        // Exclusive wake-ups: on ADD only, not with one-shot, not for epoll sets.
        let (r2, _w2) = new_pipe(0);
        assert_eq!(add(&ep, 8, &r2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT).unwrap_err().errno, Errno::EINVAL);
        add(&ep, 8, &r2, EPOLLIN | EPOLLEXCLUSIVE).unwrap();
        assert_eq!(Epoll::ctl(&ep, EPOLL_CTL_MOD, 8, &r2, (EPOLLIN, 0)).unwrap_err().errno, Errno::EINVAL);
        // Cycles.
        let ep2 = Epoll::new_file(0);
        add(&ep, 10, &ep2, EPOLLIN).unwrap();
        assert_eq!(add(&ep2, 11, &ep, EPOLLIN).unwrap_err().errno, Errno::ELOOP);
        assert_eq!(add(&ep, 12, &ep2, EPOLLIN | EPOLLEXCLUSIVE).unwrap_err().errno, Errno::EINVAL);
    }

    #[test]
    fn closing_the_last_reference_leaves_the_set() {
        let ep = Epoll::new_file(0);
        let (r, w) = new_pipe(0);
        add(&ep, 3, &r, EPOLLIN).unwrap();
        w.write(b"x").unwrap();
        let dup = r.clone();
        drop(r);
        assert_eq!(wait(&ep, 8), vec![(EPOLLIN, 3)], "a duplicate keeps the entry");
        drop(dup);
        assert!(wait(&ep, 8).is_empty());
        assert!(Epoll::of(&ep).unwrap().is_empty());
        // The file no longer wakes anything for the entry.
        let ev = EventFd::new_file(0, false, 0);
        add(&ep, 4, &ev, EPOLLIN).unwrap();
        let keep = ev.clone();
        drop(ev);
        drop(keep);
        assert!(Epoll::of(&ep).unwrap().is_empty());
        // And a closed epoll set unregisters from what it watched.
        let (r, w) = new_pipe(0);
        add(&ep, 3, &r, EPOLLIN).unwrap();
        drop(ep);
        w.write(b"z").unwrap();
    }

    #[test]
    fn maxevents_rotates_and_nesting_reports_readiness() {
        let ep = Epoll::new_file(0);
        let evs: Vec<Arc<File>> = (0..3).map(|_| EventFd::new_file(1, false, 0)).collect();
        for (i, e) in evs.iter().enumerate() {
            add(&ep, i as i32, e, EPOLLIN).unwrap();
        }
        assert_eq!(wait(&ep, 2), vec![(EPOLLIN, 0), (EPOLLIN, 1)]);
        assert_eq!(wait(&ep, 2), vec![(EPOLLIN, 2), (EPOLLIN, 0)], "the rest first, then the ones reported");
        let outer = Epoll::new_file(0);
        add(&outer, 9, &ep, EPOLLIN | EPOLLET).unwrap();
        assert_eq!(wait(&outer, 8), vec![(EPOLLIN, 9)]);
        assert!(wait(&outer, 8).is_empty());
        let (r, w) = new_pipe(0);
        add(&ep, 7, &r, EPOLLIN).unwrap();
        w.write(b"x").unwrap();
        assert_eq!(wait(&outer, 8), vec![(EPOLLIN, 9)], "the inner set's new event is an edge");
    }

    mod model {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Op {
            Write(usize, u64),
            Read(usize),
            Add(usize, u8),
            Mod(usize, u8),
            Del(usize),
            Wait,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0..3usize, 0..3u64).prop_map(|(i, v)| Op::Write(i, v)),
                (0..3usize).prop_map(Op::Read),
                (0..3usize, 0..3u8).prop_map(|(i, m)| Op::Add(i, m)),
                (0..3usize, 0..3u8).prop_map(|(i, m)| Op::Mod(i, m)),
                (0..3usize).prop_map(Op::Del),
                Just(Op::Wait),
            ]
        }

        fn mode_bits(m: u8) -> u32 {
            EPOLLIN | [0, EPOLLET, EPOLLONESHOT][m as usize % 3]
        }

        /// What Linux reports for an eventfd watched for EPOLLIN: level entries while
        /// readable; edge entries once per write (or ADD/MOD) while readable; one-shot
        /// entries once, until MOD.
        #[derive(Clone, Copy, Default)]
        struct Watch {
            mode: u8,
            armed: bool,
            edge: bool,
        }

        proptest! {
            #[test]
            fn ready_list_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
                let ep = Epoll::new_file(0);
                let files: Vec<Arc<File>> = (0..3).map(|_| EventFd::new_file(0, false, 0)).collect();
                let mut count = [0u64; 3];
                let mut watch: [Option<Watch>; 3] = [None; 3];
                for op in ops {
                    match op {
                        Op::Write(i, v) => {
                            files[i].write(&v.to_ne_bytes()).unwrap();
                            count[i] += v;
                            if let Some(w) = watch[i].as_mut() {
                                w.edge = true;
                            }
                        }
                        Op::Read(i) => {
                            let mut b = [0u8; 8];
                            let _ = files[i].read(&mut b);
                            count[i] = 0;
                        }
                        Op::Add(i, m) => {
                            let r = add(&ep, i as i32, &files[i], mode_bits(m));
                            prop_assert_eq!(r.is_ok(), watch[i].is_none());
                            if r.is_ok() {
                                watch[i] = Some(Watch { mode: m % 3, armed: true, edge: count[i] > 0 });
                            }
                        }
                        Op::Mod(i, m) => {
                            let r = Epoll::ctl(&ep, EPOLL_CTL_MOD, i as i32, &files[i], (mode_bits(m), i as u64));
                            prop_assert_eq!(r.is_ok(), watch[i].is_some());
                            if r.is_ok() {
                                watch[i] = Some(Watch { mode: m % 3, armed: true, edge: count[i] > 0 });
                            }
                        }
                        Op::Del(i) => {
                            let r = Epoll::ctl(&ep, EPOLL_CTL_DEL, i as i32, &files[i], (0, 0));
                            prop_assert_eq!(r.is_ok(), watch[i].is_some());
                            watch[i] = None;
                        }
                        Op::Wait => {
                            let mut got: Vec<u64> = wait(&ep, 8).into_iter().map(|(_, d)| d).collect();
                            got.sort();
                            let mut want = Vec::new();
                            for i in 0..3 {
                                let Some(w) = watch[i].as_mut() else { continue };
                                let ready = count[i] > 0;
                                let report = match w.mode {
                                    0 => ready,
                                    1 => ready && w.edge,
                                    _ => ready && w.armed,
                                };
                                w.edge = false;
                                if report {
                                    want.push(i as u64);
                                    if w.mode == 2 {
                                        w.armed = false;
                                    }
                                }
                            }
                            prop_assert_eq!(got, want);
                        }
                    }
                }
            }
        }
    }
}
