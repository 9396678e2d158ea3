//! inotify(7): watches on file identities and the event queues they fill.
//!
//! A watch attaches to a node's identity, `(st_dev, st_ino)`: the same for a host file
//! of an overlay's lower layer and for its upper-layer copy, so a watch survives the
//! copy-up. The VFS reports changes through [`notify`], [`notify_child`] and
//! [`node_gone`]; each starts with [`active`], one relaxed atomic load, so a sandbox
//! without watches pays nothing more.
//!
//! Like eventfd, a read of an empty queue answers EAGAIN and the system-call layer
//! waits for a wake-up.
//!
//! Lock order: an instance's state -> the registry; delivery copies the registry's list
//! out before it locks any instance.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use kernel_abi::flags::inotify::*;
use kernel_abi::flags::poll::*;
use kernel_abi::{return_errno, KResult, Stat};
use kernel_mm::MemoryManager;

use crate::pipe::Waker;
use crate::{Dentry, File, FileOps};

/// /proc/sys/fs/inotify/max_queued_events.
pub const MAX_QUEUED_EVENTS: usize = 16384;
/// /proc/sys/fs/inotify/max_user_instances.
pub const MAX_USER_INSTANCES: usize = 128;
/// /proc/sys/fs/inotify/max_user_watches.
pub const MAX_USER_WATCHES: usize = 65536;

/// The identity a watch attaches to: `(st_dev, st_ino)`.
pub type Key = (u64, u64);

/// `sizeof(struct inotify_event)`.
const EVENT_SIZE: usize = 16;

/// Live watches in the sandbox (the hooks' fast check).
static LIVE_WATCHES: AtomicUsize = AtomicUsize::new(0);
/// Live instances (max_user_instances: the sandbox is one user's).
static LIVE_INSTANCES: AtomicUsize = AtomicUsize::new(0);
static NEXT_COOKIE: AtomicU32 = AtomicU32::new(1);
static NEXT_INO: AtomicU64 = AtomicU64::new(2 << 40);
static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);
/// Which instances watch each identity.
static REGISTRY: Mutex<BTreeMap<Key, Vec<Weak<Inner>>>> = Mutex::new(BTreeMap::new());

/// Whether any watch exists: the hooks return at once when none does.
#[inline]
pub fn active() -> bool {
    LIVE_WATCHES.load(Ordering::Relaxed) != 0
}

/// A cookie pairing an IN_MOVED_FROM with its IN_MOVED_TO.
pub fn new_cookie() -> u32 {
    NEXT_COOKIE.fetch_add(1, Ordering::Relaxed)
}

fn registry() -> MutexGuard<'static, BTreeMap<Key, Vec<Weak<Inner>>>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// One queued event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Watch descriptor (-1 for IN_Q_OVERFLOW).
    pub wd: i32,
    /// IN_* bits.
    pub mask: u32,
    /// Pairs IN_MOVED_FROM with IN_MOVED_TO.
    pub cookie: u32,
    /// The child's name for an event in a watched directory.
    pub name: Vec<u8>,
}

impl Event {
    /// The name field's length: NUL-terminated, padded to the next 16 bytes, as Linux.
    fn name_len(&self) -> usize {
        if self.name.is_empty() {
            0
        } else {
            (self.name.len() + 1).div_ceil(EVENT_SIZE) * EVENT_SIZE
        }
    }

    /// Bytes the event takes in a read.
    pub fn size(&self) -> usize {
        EVENT_SIZE + self.name_len()
    }

    fn encode(&self, out: &mut [u8]) {
        let len = self.name_len();
        out[0..4].copy_from_slice(&self.wd.to_ne_bytes());
        out[4..8].copy_from_slice(&self.mask.to_ne_bytes());
        out[8..12].copy_from_slice(&self.cookie.to_ne_bytes());
        out[12..16].copy_from_slice(&(len as u32).to_ne_bytes());
        let name = &mut out[EVENT_SIZE..EVENT_SIZE + len];
        name.fill(0);
        name[..self.name.len()].copy_from_slice(&self.name);
    }
}

/// An instance's queue of events, with Linux's merging and overflow.
pub struct Queue {
    events: VecDeque<Event>,
    bytes: usize,
    max: usize,
    /// The IN_Q_OVERFLOW event is queued (there is only one until it is read).
    overflow_queued: bool,
}

impl Queue {
    /// A queue holding at most `max` events before it overflows.
    pub fn new(max: usize) -> Queue {
        Queue { events: VecDeque::new(), bytes: 0, max, overflow_queued: false }
    }

    /// Queue `ev`: dropped if identical to the last queued event; once `max` events
    /// wait, a single IN_Q_OVERFLOW stands for everything lost. Returns whether the
    /// queue grew.
    pub fn push(&mut self, ev: Event) -> bool {
        let ev = if self.events.len() >= self.max {
            if self.overflow_queued {
                return false;
            }
            Event { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: Vec::new() }
        } else {
            ev
        };
        if self.events.back() == Some(&ev) {
            return false;
        }
        if ev.mask == IN_Q_OVERFLOW && ev.wd == -1 {
            self.overflow_queued = true;
        }
        self.bytes += ev.size();
        self.events.push_back(ev);
        true
    }

    /// Move as many whole events as fit into `buf`; EINVAL if the first does not fit,
    /// EAGAIN if there is none.
    pub fn read(&mut self, buf: &mut [u8]) -> KResult<usize> {
        let Some(first) = self.events.front() else { return_errno!(EAGAIN) };
        if first.size() > buf.len() {
            return_errno!(EINVAL);
        }
        let mut used = 0;
        while let Some(ev) = self.events.front() {
            let n = ev.size();
            if used + n > buf.len() {
                break;
            }
            ev.encode(&mut buf[used..used + n]);
            used += n;
            self.bytes -= n;
            if let Some(ev) = self.events.pop_front() {
                if ev.mask == IN_Q_OVERFLOW && ev.wd == -1 {
                    self.overflow_queued = false;
                }
            }
        }
        Ok(used)
    }

    /// FIONREAD: bytes of all queued events.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Number of queued events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

struct Watch {
    key: Key,
    /// Events and IN_ONESHOT / IN_EXCL_UNLINK.
    mask: u32,
}

struct State {
    queue: Queue,
    watches: BTreeMap<i32, Watch>,
    by_key: HashMap<Key, i32>,
    /// Watch descriptors are allocated cyclically, as Linux's idr does.
    last_wd: i32,
    waiters: Vec<(u64, Arc<dyn Waker>)>,
}

struct Inner {
    state: Mutex<State>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn push(&mut self, ev: Event) {
        if self.queue.push(ev) {
            for (_, w) in &self.waiters {
                w.wake_for(POLLIN);
            }
        }
    }

    /// Drop watch `wd`, queueing IN_IGNORED; the caller removes it from the registry.
    fn drop_watch(&mut self, wd: i32) -> Option<Key> {
        let w = self.watches.remove(&wd)?;
        self.by_key.remove(&w.key);
        LIVE_WATCHES.fetch_sub(1, Ordering::Relaxed);
        self.push(Event { wd, mask: IN_IGNORED, cookie: 0, name: Vec::new() });
        Some(w.key)
    }
}

fn unregister(key: Key, inner: &Arc<Inner>) {
    let mut reg = registry();
    if let Some(v) = reg.get_mut(&key) {
        v.retain(|w| w.upgrade().is_some_and(|i| !Arc::ptr_eq(&i, inner)));
        if v.is_empty() {
            reg.remove(&key);
        }
    }
}

/// An inotify instance (the description behind an inotify fd).
pub struct Inotify {
    inner: Arc<Inner>,
    ino: u64,
}

impl Inotify {
    /// A new instance; EMFILE past max_user_instances. `flags` are the O_* status flags
    /// (O_NONBLOCK).
    pub fn new_file(flags: u32) -> KResult<Arc<File>> {
        if LIVE_INSTANCES.fetch_add(1, Ordering::Relaxed) >= MAX_USER_INSTANCES {
            LIVE_INSTANCES.fetch_sub(1, Ordering::Relaxed);
            return_errno!(EMFILE, "max_user_instances");
        }
        let st = State {
            queue: Queue::new(MAX_QUEUED_EVENTS),
            watches: BTreeMap::new(),
            by_key: HashMap::new(),
            last_wd: 0,
            waiters: Vec::new(),
        };
        let ino = NEXT_INO.fetch_add(1, Ordering::Relaxed);
        let me = Inotify { inner: Arc::new(Inner { state: Mutex::new(st) }), ino };
        Ok(File::new(Box::new(me), flags | kernel_abi::flags::open::O_RDONLY, None, "anon_inode:inotify".into()))
    }

    /// The instance behind `f`, if it is one.
    pub fn of(f: &File) -> Option<&Inotify> {
        f.as_any()?.downcast_ref::<Inotify>()
    }

    /// inotify_add_watch(2) on the node `d` (resolved by the caller, with IN_ONLYDIR
    /// and IN_DONT_FOLLOW applied): its watch descriptor.
    pub fn add_watch(&self, d: &Arc<Dentry>, mask: u32) -> KResult<i32> {
        let key = key_of(d).ok_or(kernel_abi::Error::new(kernel_abi::Errno::ENOENT))?;
        let keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
        let mut st = self.inner.lock();
        if let Some(&wd) = st.by_key.get(&key) {
            if mask & IN_MASK_CREATE != 0 {
                return_errno!(EEXIST);
            }
            if let Some(w) = st.watches.get_mut(&wd) {
                w.mask = if mask & IN_MASK_ADD != 0 { w.mask | keep } else { keep };
            }
            return Ok(wd);
        }
        if LIVE_WATCHES.fetch_add(1, Ordering::Relaxed) >= MAX_USER_WATCHES {
            LIVE_WATCHES.fetch_sub(1, Ordering::Relaxed);
            return_errno!(ENOSPC, "max_user_watches");
        }
        let mut wd = st.last_wd;
        loop {
            wd = if wd == i32::MAX { 1 } else { wd + 1 };
            if !st.watches.contains_key(&wd) {
                break;
            }
        }
        st.last_wd = wd;
        st.watches.insert(wd, Watch { key, mask: keep });
        st.by_key.insert(key, wd);
        registry().entry(key).or_default().push(Arc::downgrade(&self.inner));
        Ok(wd)
    }

    /// inotify_rm_watch(2): EINVAL for a descriptor the instance does not have.
    pub fn rm_watch(&self, wd: i32) -> KResult<()> {
        let key = self.inner.lock().drop_watch(wd).ok_or(kernel_abi::Error::new(kernel_abi::Errno::EINVAL))?;
        unregister(key, &self.inner);
        Ok(())
    }
}

impl Drop for Inotify {
    fn drop(&mut self) {
        let keys: Vec<Key> = {
            let mut st = self.inner.lock();
            let n = st.watches.len();
            LIVE_WATCHES.fetch_sub(n, Ordering::Relaxed);
            st.by_key.clear();
            std::mem::take(&mut st.watches).into_values().map(|w| w.key).collect()
        };
        for k in keys {
            unregister(k, &self.inner);
        }
        LIVE_INSTANCES.fetch_sub(1, Ordering::Relaxed);
    }
}

impl FileOps for Inotify {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        self.inner.lock().queue.read(buf)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(crate::epoll::anon_inode_stat(self.ino))
    }

    fn seek(&self, _off: i64, _whence: u32) -> KResult<u64> {
        // Linux's noop_llseek.
        Ok(0)
    }

    fn poll(&self) -> u32 {
        if self.inner.lock().queue.is_empty() {
            0
        } else {
            POLLIN | POLLRDNORM
        }
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        if cmd != kernel_abi::flags::ioctl::FIONREAD {
            return_errno!(ENOTTY);
        }
        let n = self.inner.lock().queue.bytes() as i32;
        mm.write_val(arg, &n)?;
        Ok(0)
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        self.inner.lock().waiters.push((id, w));
        Some(id)
    }

    fn remove_waiter(&self, id: u64) {
        self.inner.lock().waiters.retain(|(i, _)| *i != id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// The identity watches on `d` attach to.
pub fn key_of(d: &Arc<Dentry>) -> Option<Key> {
    let st = d.current().stat().ok()?;
    Some((st.st_dev, st.st_ino))
}

/// Deliver `mask` to the watches on `key`. `name` is empty for an event about the
/// watched node itself. `unlinked`: the subject has no name left (IN_EXCL_UNLINK).
fn deliver(key: Key, mask: u32, cookie: u32, name: &[u8], unlinked: bool) {
    let list: Vec<Arc<Inner>> = match registry().get(&key) {
        Some(v) => v.iter().filter_map(Weak::upgrade).collect(),
        None => return,
    };
    for inner in list {
        let dropped = {
            let mut st = inner.lock();
            let Some(&wd) = st.by_key.get(&key) else { continue };
            let Some(w) = st.watches.get(&wd) else { continue };
            let wmask = w.mask;
            if wmask & mask & IN_ALL_EVENTS == 0 || (unlinked && wmask & IN_EXCL_UNLINK != 0) {
                continue;
            }
            st.push(Event { wd, mask, cookie, name: name.to_vec() });
            if wmask & IN_ONESHOT != 0 {
                st.drop_watch(wd)
            } else {
                None
            }
        };
        if let Some(k) = dropped {
            unregister(k, &inner);
        }
    }
}

fn isdir(is_dir: bool) -> u32 {
    if is_dir {
        IN_ISDIR
    } else {
        0
    }
}

/// An event about the node `d` itself (IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_OPEN,
/// IN_CLOSE_*): reported to the watches on its parent directory, with its
/// name, then to those on the node.
pub fn notify(d: &Arc<Dentry>, mask: u32) {
    notify_inner(d, mask, true)
}

/// An event only the watches on the node itself see (IN_MOVE_SELF, and the IN_ATTRIB of
/// a link count change).
pub fn notify_self(d: &Arc<Dentry>, mask: u32) {
    notify_inner(d, mask, false)
}

fn notify_inner(d: &Arc<Dentry>, mask: u32, to_parent: bool) {
    if !active() {
        return;
    }
    let d = d.current();
    let Some(key) = key_of(&d) else { return };
    // Linux marks the events of a directory, but not IN_MOVE_SELF and IN_DELETE_SELF.
    let mask = if to_parent { mask | isdir(d.is_dir()) } else { mask };
    let unlinked = d.is_removed();
    if to_parent && !d.is_mount_root() {
        if let Some(parent) = d.parent() {
            if let Some(pk) = key_of(&parent) {
                if pk != key {
                    deliver(pk, mask, 0, &d.name(), unlinked);
                }
            }
        }
    }
    deliver(key, mask, 0, &[], unlinked);
}

/// An event in the directory `dir` about its entry `name` (IN_CREATE, IN_DELETE,
/// IN_MOVED_FROM, IN_MOVED_TO).
pub fn notify_child(dir: &Arc<Dentry>, mask: u32, name: &[u8], is_dir: bool, cookie: u32) {
    if !active() {
        return;
    }
    if let Some(key) = key_of(dir) {
        deliver(key, mask | isdir(is_dir), cookie, name, false);
    }
}

/// The node `key` went away (its last name was removed): IN_DELETE_SELF (without
/// IN_ISDIR, as Linux) to the watches that asked, and every watch on it ends with
/// IN_IGNORED.
pub fn node_gone(key: Key) {
    if !active() {
        return;
    }
    let list: Vec<Arc<Inner>> = match registry().remove(&key) {
        Some(v) => v.iter().filter_map(Weak::upgrade).collect(),
        None => return,
    };
    for inner in list {
        let mut st = inner.lock();
        let Some(&wd) = st.by_key.get(&key) else { continue };
        if st.watches.get(&wd).is_some_and(|w| w.mask & IN_DELETE_SELF != 0) {
            st.push(Event { wd, mask: IN_DELETE_SELF, cookie: 0, name: Vec::new() });
        }
        st.drop_watch(wd);
    }
}

/// The close event for a description opened with `flags`.
pub fn close_mask(flags: u32) -> u32 {
    use kernel_abi::flags::open::*;
    if matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) {
        IN_CLOSE_WRITE
    } else {
        IN_CLOSE_NOWRITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_abi::Errno;

    fn ev(wd: i32, mask: u32, cookie: u32, name: &str) -> Event {
        Event { wd, mask, cookie, name: name.as_bytes().to_vec() }
    }

    fn decode(buf: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < buf.len() {
            let u = |o: usize| u32::from_ne_bytes(buf[i + o..i + o + 4].try_into().unwrap());
            let len = u(12) as usize;
            let raw = &buf[i + 16..i + 16 + len];
            let name = raw.iter().position(|&b| b == 0).map_or(raw, |p| &raw[..p]).to_vec();
            out.push(Event { wd: u(0) as i32, mask: u(4), cookie: u(8), name });
            i += 16 + len;
        }
        out
    }

    #[test]
    fn identical_consecutive_events_merge() {
        let mut q = Queue::new(100);
        assert!(q.push(ev(1, IN_MODIFY, 0, "a")));
        assert!(!q.push(ev(1, IN_MODIFY, 0, "a")), "same as the last: merged");
        assert!(q.push(ev(1, IN_MODIFY, 0, "b")));
        assert!(q.push(ev(1, IN_MODIFY, 0, "a")), "only the last event is compared");
        assert!(q.push(ev(2, IN_MODIFY, 0, "a")), "another watch");
        assert!(q.push(ev(2, IN_MODIFY | IN_ISDIR, 0, "a")), "another mask");
        assert_eq!(q.len(), 5);
    }

    #[test]
    fn overflow_is_one_event_until_read() {
        let mut q = Queue::new(3);
        for i in 0..10 {
            q.push(ev(1, IN_CREATE, 0, &format!("f{i}")));
        }
        assert_eq!(q.len(), 4, "three events and one IN_Q_OVERFLOW");
        let mut buf = vec![0u8; 4096];
        let n = q.read(&mut buf).unwrap();
        let got = decode(&buf[..n]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[3], ev(-1, IN_Q_OVERFLOW, 0, ""));
        assert_eq!(got[2].name, b"f2");
        assert_eq!(q.bytes(), 0);
        // After the read the queue takes events and can overflow again.
        for i in 0..5 {
            q.push(ev(1, IN_CREATE, 0, &format!("g{i}")));
        }
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn overflow_stays_single_when_partly_drained() {
        let mut q = Queue::new(2);
        for i in 0..4 {
            q.push(ev(1, IN_CREATE, 0, &format!("f{i}")));
        }
        // Read only the first event: the overflow event is still queued.
        let mut one = vec![0u8; 32];
        assert_eq!(q.read(&mut one).unwrap(), 32);
        q.push(ev(1, IN_CREATE, 0, "x"));
        q.push(ev(1, IN_CREATE, 0, "y"));
        // Linux counts the queued overflow event in the queue's length: while it is
        // queued and the queue is at its limit, new events are dropped (no second
        // overflow event either).
        assert_eq!(q.len(), 2, "f1 and the overflow event");
    }

    #[test]
    fn read_sizes_and_einval() {
        let mut q = Queue::new(10);
        q.push(ev(1, IN_CREATE, 0, "abc"));
        q.push(ev(1, IN_DELETE, 0, "0123456789abcdef"));
        assert_eq!(q.bytes(), 32 + 48);
        let mut small = vec![0u8; 31];
        assert_eq!(q.read(&mut small).unwrap_err().errno, Errno::EINVAL);
        let mut buf = vec![0u8; 40];
        assert_eq!(q.read(&mut buf).unwrap(), 32, "only whole events");
        assert_eq!(q.bytes(), 48);
        let mut empty = Queue::new(1);
        assert_eq!(empty.read(&mut buf).unwrap_err().errno, Errno::EAGAIN);
    }

    #[test]
    fn moves_pair_by_cookie() {
        let mut q = Queue::new(10);
        let c = new_cookie();
        let c2 = new_cookie();
        assert_ne!(c, c2);
        q.push(ev(1, IN_MOVED_FROM, c, "a"));
        q.push(ev(1, IN_MOVED_TO, c, "b"));
        q.push(ev(1, IN_MOVED_FROM, c2, "b"));
        q.push(ev(1, IN_MOVED_TO, c2, "a"));
        let mut buf = vec![0u8; 4096];
        let n = q.read(&mut buf).unwrap();
        let got = decode(&buf[..n]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].cookie, got[1].cookie);
        assert_eq!(got[2].cookie, got[3].cookie);
        assert_ne!(got[0].cookie, got[2].cookie);
    }
}
