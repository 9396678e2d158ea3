//! What every socket family shares: waiter lists, shutdown bits, buffer limits, the
//! encodings of option values, and what a receive returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kernel_abi::{errno, return_errno, KResult};
use kernel_fs::pipe::Waker;
use kernel_fs::File;

use crate::abi::{SHUT_RD, SHUT_RDWR, SHUT_WR};

/// RCV_SHUTDOWN: nothing more will be received.
pub(crate) const RCV_SHUTDOWN: u8 = 1;
/// SEND_SHUTDOWN: nothing more may be sent.
pub(crate) const SEND_SHUTDOWN: u8 = 2;
/// Both directions.
pub(crate) const SHUTDOWN_MASK: u8 = RCV_SHUTDOWN | SEND_SHUTDOWN;

/// net.core.wmem_default / rmem_default, and the _max values setsockopt clamps to.
pub const DEFAULT_BUF: usize = 212_992;
pub(crate) const BUF_MAX: usize = 212_992;
/// SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF of x86_64 Linux.
pub(crate) const MIN_SNDBUF: usize = 4608;
pub(crate) const MIN_RCVBUF: usize = 2304;
/// net.core.somaxconn: the largest listen backlog.
pub const SOMAXCONN: u32 = 4096;

/// The shutdown bits of shutdown(2)'s `how`; EINVAL for anything else.
pub(crate) fn shutdown_bits(how: u32) -> KResult<u8> {
    Ok(match how {
        SHUT_RD => RCV_SHUTDOWN,
        SHUT_WR => SEND_SHUTDOWN,
        SHUT_RDWR => SHUTDOWN_MASK,
        _ => return_errno!(EINVAL),
    })
}

/// SO_SNDBUF / SO_RCVBUF as Linux's `sock_setsockopt` stores them: doubled, clamped.
pub(crate) fn buf_size(v: i32, min: usize) -> usize {
    ((v as u32 as usize).min(BUF_MAX) * 2).max(min)
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);
static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

/// A fresh socket inode number (sockfs numbers all sockets from one counter).
pub(crate) fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

/// Wakers collected under a lock, called after it is dropped.
pub(crate) type Wakers = Vec<Arc<dyn Waker>>;

/// Call each waker with the poll `events` the change concerns.
pub(crate) fn wake(ws: Wakers, events: u32) {
    for w in ws {
        w.wake_for(events);
    }
}

/// The waiters registered with a socket (poll, epoll, blocked calls).
#[derive(Default)]
pub(crate) struct Waiters(Vec<(u64, Arc<dyn Waker>)>);

impl Waiters {
    /// Register `w`; the id removes it again.
    pub(crate) fn add(&mut self, w: Arc<dyn Waker>) -> u64 {
        let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
        self.0.push((id, w));
        id
    }

    pub(crate) fn remove(&mut self, id: u64) {
        self.0.retain(|(i, _)| *i != id);
    }

    /// Copies of the wakers, to call once the lock is released.
    pub(crate) fn wakers(&self) -> Wakers {
        self.0.iter().map(|(_, w)| w.clone()).collect()
    }
}

/// An `int` option value.
pub(crate) fn int_bytes(v: i32) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

/// An `int` option value from setsockopt's bytes: EINVAL when shorter than an int.
pub(crate) fn read_int(val: &[u8]) -> KResult<i32> {
    match val.get(..4) {
        Some(b) => Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        None => return_errno!(EINVAL),
    }
}

/// A `struct timeval` option value (`None`: zero, "forever").
pub(crate) fn timeval_bytes(t: Option<Duration>) -> Vec<u8> {
    let (s, us) = t.map_or((0, 0), |d| (d.as_secs() as i64, i64::from(d.subsec_micros())));
    let mut v = s.to_ne_bytes().to_vec();
    v.extend_from_slice(&us.to_ne_bytes());
    v
}

/// A `struct timeval` option value as Linux's `sock_set_timeout` reads it: `None` for
/// "forever" (zero), EDOM for bad microseconds, zero for a negative time.
pub(crate) fn parse_timeval(v: &[u8]) -> KResult<Option<Duration>> {
    if v.len() < 16 {
        return_errno!(EINVAL);
    }
    let sec = i64::from_ne_bytes(v[..8].try_into().map_err(|_| errno!(EINVAL))?);
    let usec = i64::from_ne_bytes(v[8..16].try_into().map_err(|_| errno!(EINVAL))?);
    if !(0..1_000_000).contains(&usec) {
        return_errno!(EDOM);
    }
    if sec < 0 {
        return Ok(Some(Duration::ZERO));
    }
    if sec == 0 && usec == 0 {
        return Ok(None);
    }
    Ok(Some(Duration::from_secs(sec as u64) + Duration::from_micros(usec as u64)))
}

/// What a receive returned.
#[derive(Default)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The message's full length (datagrams and records; for MSG_TRUNC).
    pub full_len: usize,
    /// The message did not fit (MSG_TRUNC in msg_flags).
    pub truncated: bool,
    /// The sender's address as recvfrom reports it (empty: none to report).
    pub from: Vec<u8>,
    /// SCM_RIGHTS descriptions received.
    pub rights: Vec<Arc<File>>,
    /// SCM_CREDENTIALS, when SO_PASSCRED is on.
    pub cred: Option<crate::unix::Ucred>,
}
