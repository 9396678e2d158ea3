//! Pipes: a byte queue between a read end and a write end, in the Sentry.
//!
//! Operations never block here: an empty pipe (with writers) or a full one answers
//! EAGAIN, and the system-call layer waits, interruptibly, after registering a
//! [`Waker`] that the pipe wakes on every change.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kernel_abi::flags::ioctl::FIONREAD;
use kernel_abi::flags::mode::S_IFIFO;
use kernel_abi::{return_errno, KResult, Stat};
use kernel_mm::MemoryManager;

use crate::{File, FileOps};

/// Something a blocked task waits on, woken when a file it waits for changes.
pub trait Waker: Send + Sync {
    /// Wake the waiter (it re-checks what it waits for).
    fn wake(&self);

    /// Wake the waiter for a change that concerns only the poll `events` given (Linux's
    /// wake-up key): a waiter interested in none of them may ignore it.
    fn wake_for(&self, events: u32) {
        let _ = events;
        self.wake();
    }
}

/// A list of wakers registered with ids, for things other than pipes that wake waiters
/// (a process's end, its queued signals); wakers are called with the list unlocked.
#[derive(Default)]
pub struct WakerList {
    list: std::sync::Mutex<Vec<(u64, Arc<dyn Waker>)>>,
}

impl WakerList {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Arc<dyn Waker>)>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register `w`; the id removes it.
    pub fn add(&self, w: Arc<dyn Waker>) -> u64 {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, w));
        id
    }

    /// Remove the waker registered as `id`.
    pub fn remove(&self, id: u64) {
        self.lock().retain(|(i, _)| *i != id);
    }

    /// Wake every waker, keeping them registered.
    pub fn wake_all(&self) {
        let wakers: Vec<_> = self.lock().iter().map(|(_, w)| w.clone()).collect();
        for w in wakers {
            w.wake();
        }
    }

    /// Wake every waker and forget them (the event happens once).
    pub fn wake_and_clear(&self) {
        let wakers: Vec<_> = self.lock().drain(..).collect();
        for (_, w) in wakers {
            w.wake();
        }
    }
}

/// Pipe capacity (Linux's default, 16 pages).
pub const PIPE_SIZE: usize = 65536;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;

#[derive(Default)]
struct State {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Opens of a read end and of a write end so far (a FIFO opener waits for the other
    /// side to have opened, even if it closed again since).
    read_opens: u64,
    write_opens: u64,
    waiters: Vec<(u64, Arc<dyn Waker>)>,
}

/// The shared part of a pipe.
pub struct Pipe {
    state: Mutex<State>,
    ino: u64,
}

static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

impl Pipe {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wake_all(st: &State) {
        for (_, w) in &st.waiters {
            w.wake();
        }
    }

    fn wake_for(st: &State, events: u32) {
        for (_, w) in &st.waiters {
            w.wake_for(events);
        }
    }

    fn stat(&self) -> Stat {
        Stat {
            st_mode: S_IFIFO | 0o600,
            st_nlink: 1,
            st_ino: self.ino,
            st_blksize: PIPE_BUF as i64,
            ..Default::default()
        }
    }

    /// Register a waker for every change of the pipe (a FIFO opener waits with it).
    pub fn add_waiter(&self, w: Arc<dyn Waker>) -> u64 {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        self.lock().waiters.push((id, w));
        id
    }

    /// Remove a waker registered by [`Pipe::add_waiter`].
    pub fn remove_waiter(&self, id: u64) {
        self.lock().waiters.retain(|(i, _)| *i != id);
    }
}

/// A new pipe: (read end, write end) as file descriptions with `flags` (O_NONBLOCK).
pub fn new_pipe(flags: u32) -> (Arc<File>, Arc<File>) {
    use kernel_abi::flags::open::{O_NONBLOCK, O_RDONLY, O_WRONLY};
    let pipe = Pipe::new();
    let nb = flags & O_NONBLOCK;
    let name = format!("pipe:[{}]", pipe.ino);
    let r = File::new(Box::new(End::new(pipe.clone(), true, false)), O_RDONLY | nb, None, name.clone());
    let w = File::new(Box::new(End::new(pipe, false, true)), O_WRONLY | nb, None, name);
    (r, w)
}

impl Pipe {
    /// A pipe with no ends yet (a FIFO's, before anyone opens it).
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe { state: Mutex::default(), ino: NEXT_INO.fetch_add(1, Ordering::Relaxed) })
    }

    /// Opens of a read end and of a write end so far.
    pub fn opens(&self) -> (u64, u64) {
        let st = self.lock();
        (st.read_opens, st.write_opens)
    }

    /// Readers and writers open now.
    pub fn ends(&self) -> (usize, usize) {
        let st = self.lock();
        (st.readers, st.writers)
    }

    /// Copy up to `buf.len()` queued bytes without taking them (tee, and splice out of a
    /// pipe, which takes only what its destination accepted). EAGAIN when empty with
    /// writers, 0 at end of file.
    pub fn peek(&self, buf: &mut [u8]) -> KResult<usize> {
        let st = self.lock();
        if st.data.is_empty() {
            if st.writers == 0 || buf.is_empty() {
                return Ok(0);
            }
            return_errno!(EAGAIN);
        }
        let n = buf.len().min(st.data.len());
        for (dst, src) in buf.iter_mut().zip(st.data.iter()) {
            *dst = *src;
        }
        Ok(n)
    }

    /// Drop `n` queued bytes (after a [`Pipe::peek`] whose bytes were delivered).
    pub fn consume(&self, n: usize) {
        let mut st = self.lock();
        let was_full = PIPE_SIZE - st.data.len() < PIPE_BUF;
        let n = n.min(st.data.len());
        st.data.drain(..n);
        if was_full && n > 0 {
            use kernel_abi::flags::poll::{POLLOUT, POLLWRNORM};
            Pipe::wake_for(&st, POLLOUT | POLLWRNORM);
        }
    }

    /// Free space: how many bytes a write would take now.
    pub fn space(&self) -> usize {
        PIPE_SIZE - self.lock().data.len()
    }

    /// Whether `other` is this very pipe.
    pub fn same(self: &Arc<Self>, other: &Arc<Pipe>) -> bool {
        Arc::ptr_eq(self, other)
    }
}

/// One open end of a pipe or FIFO: a read end, a write end, or both (a FIFO opened
/// O_RDWR). The file's access mode decides which operations reach it.
pub struct End {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
    /// A FIFO's dentry (fstat describes the node).
    fifo: Option<Arc<crate::Dentry>>,
    /// [`Pipe::opens`] as this end was opened.
    opens: (u64, u64),
}

impl End {
    /// Count a new end of `pipe` (waking a FIFO opener waiting for the other side).
    pub fn new(pipe: Arc<Pipe>, read: bool, write: bool) -> End {
        let opens = {
            let mut st = pipe.lock();
            st.readers += usize::from(read);
            st.writers += usize::from(write);
            st.read_opens += u64::from(read);
            st.write_opens += u64::from(write);
            Pipe::wake_all(&st);
            (st.read_opens, st.write_opens)
        };
        End { pipe, read, write, fifo: None, opens }
    }

    /// The pipe.
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }
}

/// Open a FIFO's end with Linux's rules for what does not wait: O_RDWR and O_RDONLY
/// always succeed here, O_WRONLY|O_NONBLOCK without a reader is ENXIO. Waiting for the
/// other side (a blocking O_RDONLY or O_WRONLY open) is the caller's: see
/// [`fifo_open_done`].
pub fn open_fifo(pipe: &Arc<Pipe>, dentry: Arc<crate::Dentry>, flags: u32) -> KResult<Box<dyn FileOps>> {
    use kernel_abi::flags::open::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
    let (read, write) = match flags & O_ACCMODE {
        O_RDONLY => (true, false),
        O_WRONLY => (false, true),
        O_RDWR => (true, true),
        _ => return_errno!(EINVAL),
    };
    if write && !read && flags & O_NONBLOCK != 0 && pipe.ends().0 == 0 {
        return_errno!(ENXIO);
    }
    let mut end = End::new(pipe.clone(), read, write);
    end.fifo = Some(dentry);
    Ok(Box::new(end))
}

/// For a FIFO end just opened without O_NONBLOCK: whether the open may return, that is
/// whether the other side is open or has been opened since. Pipes and O_RDWR ends never
/// wait.
pub fn fifo_open_done(f: &File) -> bool {
    use kernel_abi::flags::open::{O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY};
    let Some(end) = f.as_any().and_then(|a| a.downcast_ref::<End>()) else { return true };
    if end.fifo.is_none() || f.flags() & O_NONBLOCK != 0 {
        return true;
    }
    let st = end.pipe.lock();
    match f.flags() & O_ACCMODE {
        O_RDONLY => st.writers > 0 || st.write_opens != end.opens.1,
        O_WRONLY => st.readers > 0 || st.read_opens != end.opens.0,
        _ => true,
    }
}

/// The pipe behind a pipe or FIFO description, if it is one.
pub fn pipe_of(f: &File) -> Option<&Arc<Pipe>> {
    f.as_any().and_then(|a| a.downcast_ref::<End>()).map(End::pipe)
}

impl Drop for End {
    fn drop(&mut self) {
        let mut st = self.pipe.lock();
        st.readers -= usize::from(self.read);
        st.writers -= usize::from(self.write);
        Pipe::wake_all(&st);
    }
}

impl FileOps for End {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        let mut st = self.pipe.lock();
        if st.data.is_empty() {
            if st.writers == 0 || buf.is_empty() {
                return Ok(0);
            }
            return_errno!(EAGAIN);
        }
        let n = buf.len().min(st.data.len());
        // Writers wait only while less than PIPE_BUF is free: only then can a read
        // change what they wait for (Linux wakes writers when the pipe was full).
        let was_full = PIPE_SIZE - st.data.len() < PIPE_BUF;
        for (dst, src) in buf.iter_mut().zip(st.data.drain(..n)) {
            *dst = src;
        }
        if was_full {
            use kernel_abi::flags::poll::{POLLOUT, POLLWRNORM};
            Pipe::wake_for(&st, POLLOUT | POLLWRNORM);
        }
        Ok(n)
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        let mut st = self.pipe.lock();
        if st.readers == 0 {
            return_errno!(EPIPE);
        }
        let free = PIPE_SIZE - st.data.len();
        // Small writes are atomic: all or nothing.
        if free == 0 || (buf.len() <= PIPE_BUF && free < buf.len()) {
            return_errno!(EAGAIN);
        }
        let n = buf.len().min(free);
        st.data.extend(&buf[..n]);
        {
            use kernel_abi::flags::poll::{POLLIN, POLLRDNORM};
            Pipe::wake_for(&st, POLLIN | POLLRDNORM);
        }
        Ok(n)
    }

    fn stat(&self) -> KResult<Stat> {
        match &self.fifo {
            Some(d) => d.stat(),
            None => Ok(self.pipe.stat()),
        }
    }

    fn poll(&self) -> u32 {
        use kernel_abi::flags::poll::*;
        let st = self.pipe.lock();
        let mut ev = 0;
        if self.read {
            if !st.data.is_empty() {
                ev |= POLLIN | POLLRDNORM;
            }
            if st.writers == 0 {
                ev |= POLLHUP;
            }
        }
        if self.write {
            if PIPE_SIZE - st.data.len() >= PIPE_BUF {
                ev |= POLLOUT | POLLWRNORM;
            }
            if st.readers == 0 {
                ev |= POLLERR;
            }
        }
        ev
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        if cmd != FIONREAD {
            return_errno!(ENOTTY);
        }
        let n = self.pipe.lock().data.len() as i32;
        mm.write_val(arg, &n)?;
        Ok(0)
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        Some(self.pipe.add_waiter(w))
    }

    fn remove_waiter(&self, id: u64) {
        self.pipe.remove_waiter(id)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel_abi::Errno;
    use std::sync::atomic::AtomicUsize;

    struct Count(AtomicUsize);
    impl Waker for Count {
        fn wake(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn data_eof_epipe_and_wakeups() {
        let (r, w) = new_pipe(0);
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap_err().errno, Errno::EAGAIN, "empty with a writer would block");
        let waker = Arc::new(Count(AtomicUsize::new(0)));
        let id = r.add_waiter(waker.clone()).unwrap();
        assert_eq!(w.write(b"hello").unwrap(), 5);
        assert!(waker.0.load(Ordering::SeqCst) >= 1, "the reader's waiter was woken");
        r.remove_waiter(id);
        assert_eq!(r.read(&mut buf[..3]).unwrap(), 3);
        assert_eq!(&buf[..3], b"hel");
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        drop(w);
        assert_eq!(r.read(&mut buf).unwrap(), 0, "EOF once every writer is gone");
        let (r2, w2) = new_pipe(0);
        drop(r2);
        assert_eq!(w2.write(b"x").unwrap_err().errno, Errno::EPIPE);
    }

    #[test]
    fn peek_consume_and_space() {
        let (r, w) = new_pipe(0);
        let p = pipe_of(&r).unwrap().clone();
        assert!(p.same(pipe_of(&w).unwrap()));
        let mut b = [0u8; 4];
        assert_eq!(p.peek(&mut b).unwrap_err().errno, Errno::EAGAIN);
        w.write(b"abcdef").unwrap();
        assert_eq!(p.peek(&mut b).unwrap(), 4);
        assert_eq!(&b, b"abcd");
        assert_eq!(p.space(), PIPE_SIZE - 6, "peeking takes nothing");
        p.consume(3);
        let mut all = [0u8; 8];
        assert_eq!(r.read(&mut all).unwrap(), 3);
        assert_eq!(&all[..3], b"def");
        drop(w);
        assert_eq!(p.peek(&mut b).unwrap(), 0, "EOF");
    }

    #[test]
    fn fifo_ends_count_opens() {
        let p = Pipe::new();
        assert_eq!(p.ends(), (0, 0));
        let r = End::new(p.clone(), true, false);
        assert_eq!(p.opens(), (1, 0));
        let rw = End::new(p.clone(), true, true);
        assert_eq!(p.ends(), (2, 1));
        drop(rw);
        assert_eq!(p.ends(), (1, 0));
        assert_eq!(p.opens(), (2, 1), "opens are remembered after the close");
        assert_eq!(r.opens, (1, 0));
    }

    #[test]
    fn capacity_and_atomic_small_writes() {
        let (_r, w) = new_pipe(0);
        let big = vec![1u8; PIPE_SIZE + 100];
        assert_eq!(w.write(&big).unwrap(), PIPE_SIZE, "a large write fills what fits");
        assert_eq!(w.write(b"x").unwrap_err().errno, Errno::EAGAIN);
        let (r, w) = new_pipe(0);
        w.write(&vec![0u8; PIPE_SIZE - 10]).unwrap();
        assert_eq!(w.write(&[0u8; 100]).unwrap_err().errno, Errno::EAGAIN, "no partial write of <= PIPE_BUF");
        let mut b = vec![0u8; 200];
        r.read(&mut b).unwrap();
        assert_eq!(w.write(&[0u8; 100]).unwrap(), 100);
        assert_eq!(r.stat().unwrap().st_mode & kernel_abi::flags::mode::S_IFMT, S_IFIFO);
    }
}
