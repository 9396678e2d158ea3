//! The socket system calls: socket, socketpair, bind, listen, accept, accept4, connect,
//! shutdown, getsockname, getpeername, getsockopt, setsockopt, sendto, recvfrom, sendmsg
//! and recvmsg.
//!
//! Unix domain sockets ([`kernel_net::unix`]) and inet sockets ([`kernel_net::inet`],
//! TCP and UDP over loopback); netlink answers EAFNOSUPPORT. The sockets never block:
//! these handlers wait, interruptibly, as pipe reads do, honouring SO_RCVTIMEO and
//! SO_SNDTIMEO (a timeout gives EAGAIN, and a signal EINTR instead of a restart, as
//! Linux).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kernel_abi::flags::open::O_NONBLOCK;
use kernel_abi::{errno, return_errno, Errno, Iovec, KResult};
use kernel_fs::path::Last;
use kernel_fs::File;
use kernel_net::abi::*;
use kernel_net::addr::{parse_sockaddr, AddrRequest};
use kernel_net::common::{Received, SOMAXCONN};
use kernel_net::inet::{self, InetSocket};
use kernel_net::unix::{self, BindTo, SockType, Target, Ucred, UnixSocket};

use crate::sys_file::{gather, read_iovecs, scatter};
use crate::task::Task;

/// `sizeof(struct sockaddr_storage)`: the largest address a call copies in.
const SOCKADDR_MAX: u64 = 128;
/// `sizeof(struct cmsghdr)`.
const CMSG_HDR: usize = 16;
/// Largest control buffer sendmsg copies in (Linux's optmem limit is of this order).
const CONTROL_MAX: u64 = 1 << 16;
/// Largest transfer of one call (Linux's MAX_RW_COUNT), and our per-call buffer cap.
const IO_MAX: u64 = 16 << 20;

fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}

impl Task {
    fn ucred(&self) -> Ucred {
        Ucred { pid: self.tgid, uid: self.creds.euid, gid: self.creds.egid }
    }
}

/// A socket file of either family.
#[derive(Clone, Copy)]
enum Sock<'a> {
    Unix(&'a UnixSocket),
    Inet(&'a InetSocket),
}

impl Sock<'_> {
    fn is_stream(self) -> bool {
        match self {
            Sock::Unix(s) => s.is_stream(),
            Sock::Inet(s) => s.is_stream(),
        }
    }

    fn recv_timeout(self) -> Option<Duration> {
        match self {
            Sock::Unix(s) => s.recv_timeout(),
            Sock::Inet(s) => s.recv_timeout(),
        }
    }

    fn send_timeout(self) -> Option<Duration> {
        match self {
            Sock::Unix(s) => s.send_timeout(),
            Sock::Inet(s) => s.send_timeout(),
        }
    }
}

/// The socket `fd` refers to: EBADF for no file, ENOTSOCK for another kind of file.
fn socket_file(t: &Task, fd: u64) -> KResult<Arc<File>> {
    let f = t.file(fd)?;
    sock(&f)?;
    Ok(f)
}

fn sock(f: &File) -> KResult<Sock<'_>> {
    if let Some(s) = unix::as_socket(f) {
        return Ok(Sock::Unix(s));
    }
    inet::as_socket(f).map(Sock::Inet).ok_or(errno!(ENOTSOCK))
}

/// The unix socket a file describes (callers checked it is a socket): EOPNOTSUPP for
/// an inet one, where a unix-only operation was asked.
fn unix_sock(f: &File) -> KResult<&UnixSocket> {
    unix::as_socket(f).ok_or(errno!(EOPNOTSUPP))
}

/// What socket(2) is asked to make.
enum Kind {
    Unix(SockType),
    Inet(u16, inet::Proto),
}

/// Check socket(2)'s domain, type and protocol: the socket kind and its flags.
fn socket_args(t: &Task, nr: u64, domain: u64, ty: u64, protocol: u64, pair: bool) -> KResult<(Kind, u32)> {
    let ty = ty as u32;
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return_errno!(EINVAL);
    }
    let domain = domain as u32;
    if domain == u32::from(AF_INET) || domain == u32::from(AF_INET6) {
        if pair {
            return_errno!(EOPNOTSUPP);
        }
        if ty & SOCK_TYPE_MASK >= 11 {
            return_errno!(EINVAL);
        }
        let proto = inet::proto_for(ty & SOCK_TYPE_MASK, protocol)?;
        return Ok((Kind::Inet(domain as u16, proto), flags));
    }
    if domain != u32::from(AF_UNIX) {
        if domain == u32::from(AF_NETLINK) {
            t.kernel.log_once(Some(nr), "netlink sockets are not supported yet");
        }
        return_errno!(EAFNOSUPPORT);
    }
    let kind = match ty & SOCK_TYPE_MASK {
        // Linux makes a raw unix socket a datagram one.
        SOCK_RAW => SockType::Dgram,
        // SOCK_MAX is 11.
        raw if raw >= 11 => return_errno!(EINVAL),
        raw => SockType::from_raw(raw).ok_or(errno!(ESOCKTNOSUPPORT))?,
    };
    if protocol != 0 && protocol != u64::from(AF_UNIX) {
        return_errno!(EPROTONOSUPPORT);
    }
    Ok((Kind::Unix(kind), flags))
}

fn install(t: &mut Task, f: Arc<File>, cloexec: bool) -> KResult<i32> {
    let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
    t.fds().insert(f, cloexec, 0, limit)
}

pub(crate) fn sys_socket(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (kind, flags) = socket_args(t, kernel_abi::nr::SOCKET, a[0], a[1], a[2], false)?;
    let nonblock = flags & SOCK_NONBLOCK != 0;
    let f = match kind {
        Kind::Unix(kind) => unix::new_socket(kind, nonblock, t.ucred()),
        Kind::Inet(family, proto) => inet::new_socket(family, proto, nonblock, t.creds.euid),
    };
    Ok(install(t, f, flags & SOCK_CLOEXEC != 0)? as u64)
}

pub(crate) fn sys_socketpair(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let (kind, flags) = socket_args(t, kernel_abi::nr::SOCKETPAIR, a[0], a[1], a[2], true)?;
    let Kind::Unix(kind) = kind else { return_errno!(EOPNOTSUPP) };
    let (x, y) = unix::socketpair(kind, flags & SOCK_NONBLOCK != 0, t.ucred());
    let cloexec = flags & SOCK_CLOEXEC != 0;
    let fx = install(t, x, cloexec)?;
    let fy = match install(t, y, cloexec) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.fds().remove(fx);
            return Err(e);
        }
    };
    if let Err(e) = t.mm.write_val(a[3], &[fx, fy]) {
        let _ = t.fds().remove(fx);
        let _ = t.fds().remove(fy);
        return Err(e);
    }
    Ok(0)
}

/// Copy in an address of `len` bytes (EINVAL beyond `sockaddr_storage`).
fn read_sockaddr(t: &Task, addr: u64, len: u64) -> KResult<Vec<u8>> {
    if len as u32 > SOCKADDR_MAX as u32 {
        return_errno!(EINVAL);
    }
    let mut buf = vec![0u8; len as u32 as usize];
    t.mm.copy_in(addr, &mut buf)?;
    Ok(buf)
}

/// Where a path or abstract name leads, for connect and sendto.
fn target_of(t: &Task, req: AddrRequest) -> KResult<Target> {
    match req {
        AddrRequest::Autobind => return_errno!(EINVAL),
        AddrRequest::Abstract(n) => Ok(Target::Abstract(n)),
        AddrRequest::Path(p) => {
            let start = if p.first() == Some(&b'/') { t.kernel.root.clone() } else { t.cwd() };
            let d = kernel_fs::path::resolve(&t.kernel.root, &start, &p, true)?;
            Ok(Target::Node(d.socket()))
        }
    }
}

/// Write an address to the application as the socket calls do: at most `*lenp` bytes,
/// then the full length into `*lenp`. Nothing when `addr` is 0.
fn write_sockaddr(t: &Task, addr: u64, lenp: u64, bytes: &[u8]) -> KResult<()> {
    if addr == 0 {
        return Ok(());
    }
    let len: i32 = t.mm.read_val(lenp)?;
    if len < 0 {
        return_errno!(EINVAL);
    }
    let n = bytes.len().min(len as usize);
    t.mm.copy_out(addr, &bytes[..n])?;
    t.mm.write_val(lenp, &(bytes.len() as i32))
}

pub(crate) fn sys_bind(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let raw = read_sockaddr(t, a[1], a[2])?;
    let s = match sock(&f)? {
        Sock::Inet(s) => {
            s.bind(&raw, t.creds.capable(crate::creds::CAP_NET_BIND_SERVICE))?;
            return Ok(0);
        }
        Sock::Unix(s) => s,
    };
    match parse_sockaddr(&raw)? {
        AddrRequest::Autobind => s.bind(BindTo::Autobind)?,
        AddrRequest::Abstract(n) => s.bind(BindTo::Abstract(n))?,
        AddrRequest::Path(p) => {
            let pp = t.parent_at(kernel_abi::flags::at::AT_FDCWD as i64 as u64, &p)?;
            let Last::Name(name) = &pp.last else { return_errno!(EADDRINUSE) };
            if pp.trailing_slash {
                return_errno!(EISDIR);
            }
            let mode = 0o777 & !t.fs_info().umask;
            let cred = t.fs_cred();
            s.bind(BindTo::Path { parent: &pp.parent, name, path: p.clone(), mode, cred: &cred })?;
        }
    }
    Ok(0)
}

pub(crate) fn sys_listen(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let backlog = (a[1] as i32 as u32).min(SOMAXCONN);
    let cred = t.ucred();
    match sock(&f)? {
        Sock::Unix(s) => s.listen(backlog, cred)?,
        Sock::Inet(s) => s.listen(backlog)?,
    }
    Ok(0)
}

/// Run `op` until it stops answering EAGAIN, waiting for `f` to change in between:
/// interruptibly (ERESTARTSYS, or EINTR with a timeout as Linux), up to `timeout`
/// (then EAGAIN). `nonblock` returns the first EAGAIN.
fn wait_op<T>(
    t: &mut Task,
    f: &Arc<File>,
    nonblock: bool,
    timeout: Option<Duration>,
    mut op: impl FnMut(&mut Task) -> KResult<T>,
) -> KResult<T> {
    let deadline = timeout.map(|d| Instant::now() + d);
    let is_again = |r: &KResult<T>| matches!(r, Err(e) if e.errno == Errno::EAGAIN);
    loop {
        let r = op(t);
        if !is_again(&r) || nonblock || timeout == Some(Duration::ZERO) {
            return r;
        }
        let waker: Arc<dyn kernel_fs::pipe::Waker> = t.inbox.clone();
        let Some(id) = f.add_waiter(waker) else { return r };
        let r = op(t);
        if !is_again(&r) {
            f.remove_waiter(id);
            return r;
        }
        if t.signal_pending() {
            f.remove_waiter(id);
            if timeout.is_some() {
                return_errno!(EINTR);
            }
            return_errno!(ERESTARTSYS);
        }
        let ignore = t.wait_ignores();
        let woke = t.inbox.wait(deadline, ignore);
        f.remove_waiter(id);
        t.take_inbox();
        if matches!(woke, crate::inbox::Wake::TimedOut) {
            return_errno!(EAGAIN);
        }
    }
}

fn nonblocking(f: &File, flags: u32) -> bool {
    f.flags() & O_NONBLOCK != 0 || flags & MSG_DONTWAIT != 0
}

fn do_accept(t: &mut Task, a: [u64; 6], flags: u32) -> KResult<u64> {
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return_errno!(EINVAL);
    }
    let f = socket_file(t, a[0])?;
    let s = sock(&f)?;
    let nb = f.flags() & O_NONBLOCK != 0;
    let new_nb = flags & SOCK_NONBLOCK != 0;
    let (conn, peer) = match s {
        Sock::Unix(s) => {
            let conn = wait_op(t, &f, nb, s.recv_timeout(), |_| s.accept(new_nb))?;
            let peer = unix_sock(&conn)?.peer_addr().unwrap_or_default().to_sockaddr();
            (conn, peer)
        }
        Sock::Inet(s) => wait_op(t, &f, nb, s.recv_timeout(), |_| s.accept(new_nb))?,
    };
    write_sockaddr(t, a[1], a[2], &peer)?;
    Ok(install(t, conn, flags & SOCK_CLOEXEC != 0)? as u64)
}

pub(crate) fn sys_accept(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_accept(t, a, 0)
}

pub(crate) fn sys_accept4(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    do_accept(t, a, a[3] as u32)
}

pub(crate) fn sys_connect(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let raw = read_sockaddr(t, a[1], a[2])?;
    let nb = f.flags() & O_NONBLOCK != 0;
    let s = match sock(&f)? {
        Sock::Inet(s) => {
            return match s.connect(&raw, nb) {
                Err(e) if e.errno == Errno::EAGAIN && !nb => {
                    // A blocking connect that timed out (SO_SNDTIMEO) says EINPROGRESS.
                    wait_op(t, &f, false, s.send_timeout(), |_| s.finish_connect()).map(|_| 0).map_err(|e| {
                        if e.errno == Errno::EAGAIN {
                            errno!(EINPROGRESS)
                        } else {
                            e
                        }
                    })
                }
                r => r.map(|_| 0),
            };
        }
        Sock::Unix(s) => s,
    };
    let target = if s.kind() == SockType::Dgram && raw.len() >= 2 && u16::from_ne_bytes([raw[0], raw[1]]) == AF_UNSPEC {
        None
    } else {
        match parse_sockaddr(&raw)? {
            AddrRequest::Autobind => return_errno!(EINVAL),
            req => Some(target_of(t, req)?),
        }
    };
    let cred = t.ucred();
    wait_op(t, &f, nb, s.send_timeout(), |_| s.connect(target.clone(), cred))?;
    Ok(0)
}

pub(crate) fn sys_shutdown(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    match sock(&f)? {
        Sock::Unix(s) => s.shutdown(a[1] as u32)?,
        Sock::Inet(s) => s.shutdown(a[1] as u32)?,
    }
    Ok(0)
}

pub(crate) fn sys_getsockname(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let name = match sock(&f)? {
        Sock::Unix(s) => s.local_addr().to_sockaddr(),
        Sock::Inet(s) => s.local_addr(),
    };
    write_sockaddr(t, a[1], a[2], &name)?;
    Ok(0)
}

pub(crate) fn sys_getpeername(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let name = match sock(&f)? {
        Sock::Unix(s) => s.peer_addr()?.to_sockaddr(),
        Sock::Inet(s) => s.peer_addr()?,
    };
    write_sockaddr(t, a[1], a[2], &name)?;
    Ok(0)
}

pub(crate) fn sys_getsockopt(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let (level, name) = (a[1] as i32, a[2] as i32);
    let len: i32 = t.mm.read_val(a[4])?;
    if len < 0 {
        return_errno!(EINVAL);
    }
    let r = match sock(&f)? {
        Sock::Unix(s) => s.getsockopt(level, name),
        Sock::Inet(s) => s.getsockopt(level, name),
    };
    let v = match r {
        Err(e) if e.errno == Errno::ENOPROTOOPT => {
            t.kernel.log_once(Some(kernel_abi::nr::GETSOCKOPT), "unsupported socket option");
            return Err(e);
        }
        r => r?,
    };
    let n = v.len().min(len as usize);
    t.mm.copy_out(a[3], &v[..n])?;
    t.mm.write_val(a[4], &(n as i32))?;
    Ok(0)
}

pub(crate) fn sys_setsockopt(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let (level, name) = (a[1] as i32, a[2] as i32);
    let len = a[4] as i32;
    if level == SOL_SOCKET && (len as u32) < 4 {
        return_errno!(EINVAL);
    }
    let mut v = vec![0u8; (len.max(0) as usize).min(4096)];
    t.mm.copy_in(a[3], &mut v)?;
    let r = match sock(&f)? {
        Sock::Unix(s) => s.setsockopt(level, name, &v),
        Sock::Inet(s) => s.setsockopt(level, name, &v),
    };
    match r {
        Err(e) if e.errno == Errno::ENOPROTOOPT => {
            t.kernel.log_once(Some(kernel_abi::nr::SETSOCKOPT), "unsupported socket option");
            Err(e)
        }
        r => r.map(|_| 0),
    }
}

/// What sendmsg's control messages ask for.
#[derive(Default)]
struct Control {
    rights: Vec<Arc<File>>,
    cred: Option<Ucred>,
}

/// Parse sendmsg's control buffer as Linux's `__scm_send`.
fn parse_control(t: &Task, buf: &[u8]) -> KResult<Control> {
    let mut c = Control::default();
    let mut off = 0;
    while off + CMSG_HDR <= buf.len() {
        let word = |i: usize| -> [u8; 4] { [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]] };
        let len = u64::from_ne_bytes(buf[off..off + 8].try_into().map_err(|_| errno!(EINVAL))?) as usize;
        let level = i32::from_ne_bytes(word(off + 8));
        let ty = i32::from_ne_bytes(word(off + 12));
        if len < CMSG_HDR || len > buf.len() - off {
            return_errno!(EINVAL);
        }
        let data = &buf[off + CMSG_HDR..off + len];
        if level == SOL_SOCKET {
            match ty {
                SCM_RIGHTS => {
                    let n = data.len() / 4;
                    if c.rights.len() + n > SCM_MAX_FD {
                        return_errno!(EINVAL);
                    }
                    for i in 0..n {
                        let fd = i32::from_ne_bytes(word(off + CMSG_HDR + 4 * i));
                        c.rights.push(t.fds().get(fd)?);
                    }
                }
                SCM_CREDENTIALS => {
                    if data.len() != 12 {
                        return_errno!(EINVAL);
                    }
                    let pid = i32::from_ne_bytes(word(off + CMSG_HDR));
                    let uid = u32::from_ne_bytes(word(off + CMSG_HDR + 4));
                    let gid = u32::from_ne_bytes(word(off + CMSG_HDR + 8));
                    let cr = &t.creds;
                    let uid_ok = [cr.uid, cr.euid, cr.suid].contains(&uid) || cr.euid == 0;
                    let gid_ok = [cr.gid, cr.egid, cr.sgid].contains(&gid) || cr.euid == 0;
                    if (pid != t.tgid && cr.euid != 0) || !uid_ok || !gid_ok {
                        return_errno!(EPERM);
                    }
                    c.cred = Some(Ucred { pid, uid, gid });
                }
                _ => return_errno!(EINVAL),
            }
        }
        off += cmsg_align(len);
    }
    Ok(c)
}

/// Where a send goes, as the caller read it.
#[derive(Clone)]
enum Dest {
    Unix(Target),
    /// An inet address's bytes (the socket parses them).
    Inet(Vec<u8>),
}

/// MSG_OOB: urgent data is not supported. A TCP receive says EINVAL, as Linux does when
/// no urgent data is waiting; everything else EOPNOTSUPP.
fn refuse_oob(t: &Task, s: Sock<'_>, nr: u64, recv: bool) -> KResult<()> {
    if matches!(s, Sock::Inet(i) if !i.is_stream()) {
        return_errno!(EOPNOTSUPP);
    }
    t.kernel.log_once(Some(nr), "MSG_OOB (urgent data) is not supported");
    if recv && matches!(s, Sock::Inet(_)) {
        return_errno!(EINVAL);
    }
    return_errno!(EOPNOTSUPP)
}

/// Send `data` with `flags`: a blocking stream send goes on until all is sent (or
/// returns what was sent when interrupted); messages go whole.
fn do_send(t: &mut Task, f: &Arc<File>, data: &[u8], to: Option<Dest>, ctl: Control, flags: u32) -> KResult<usize> {
    let s = sock(f)?;
    if flags & MSG_OOB != 0 {
        refuse_oob(t, s, kernel_abi::nr::SENDMSG, false)?;
    }
    let nb = nonblocking(f, flags);
    let timeout = s.send_timeout();
    let stream = s.is_stream();
    let cred = ctl.cred.unwrap_or(t.ucred());
    let mut rights = ctl.rights;
    let (unix_to, inet_to) = match to {
        Some(Dest::Unix(x)) => (Some(x), None),
        Some(Dest::Inet(v)) => (None, Some(v)),
        None => (None, None),
    };
    let mut once = |d: &[u8]| match s {
        Sock::Unix(u) => u.send(d, unix_to.clone(), &mut rights, cred),
        Sock::Inet(i) => i.send(d, inet_to.as_deref()),
    };
    let mut done = 0;
    let r = loop {
        let r = wait_op(t, f, nb, timeout, |_| once(&data[done..]));
        match r {
            Ok(n) => {
                done += n;
                if done >= data.len() || nb || !stream || n == 0 {
                    break Ok(done);
                }
            }
            Err(_) if done > 0 => break Ok(done),
            Err(e) => break Err(e),
        }
    };
    if stream && flags & MSG_NOSIGNAL == 0 {
        return t.check_pipe(r);
    }
    r
}

/// Receive up to `len` bytes with `flags`.
fn do_recv(t: &mut Task, f: &Arc<File>, len: usize, flags: u32) -> KResult<(Vec<u8>, Received)> {
    let s = sock(f)?;
    if flags & MSG_OOB != 0 {
        refuse_oob(t, s, kernel_abi::nr::RECVMSG, true)?;
    }
    let peek = flags & MSG_PEEK != 0;
    let nb = nonblocking(f, flags);
    let timeout = s.recv_timeout();
    let recv = |buf: &mut [u8], peek: bool| match s {
        Sock::Unix(u) => u.recv(buf, peek),
        Sock::Inet(i) => i.recv(buf, peek, nb),
    };
    let mut buf = vec![0u8; len];
    let mut r = wait_op(t, f, nb, timeout, |_| recv(&mut buf, peek))?;
    if s.is_stream() && flags & MSG_WAITALL != 0 && !peek {
        while r.len < len && r.len > 0 {
            let got = r.len;
            match wait_op(t, f, nb, timeout, |_| recv(&mut buf[got..], false)) {
                Ok(more) if more.len > 0 => {
                    r.len += more.len;
                    r.rights.extend(more.rights);
                }
                _ => break,
            }
        }
        r.full_len = r.len;
    }
    buf.truncate(r.len);
    Ok((buf, r))
}

/// The call's result for a receive: the real length of a message with MSG_TRUNC.
fn recv_result(s: Sock<'_>, r: &Received, flags: u32) -> u64 {
    if flags & MSG_TRUNC != 0 && !s.is_stream() {
        r.full_len as u64
    } else {
        r.len as u64
    }
}

/// The destination of sendto/sendmsg from the address at `addr` (`len` bytes).
fn dest_of(t: &Task, s: Sock<'_>, addr: u64, len: u64) -> KResult<Option<Dest>> {
    match s {
        Sock::Inet(_) => Ok(Some(Dest::Inet(read_sockaddr(t, addr, len)?))),
        Sock::Unix(u) => match u.kind() {
            SockType::SeqPacket => Ok(None),
            SockType::Dgram => {
                let raw = read_sockaddr(t, addr, len)?;
                Ok(Some(Dest::Unix(target_of(t, parse_sockaddr(&raw)?)?)))
            }
            // A stream socket refuses any address (EISCONN or EOPNOTSUPP).
            SockType::Stream => Ok(Some(Dest::Unix(Target::Node(None)))),
        },
    }
}

pub(crate) fn sys_sendto(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let flags = a[3] as u32;
    let mut data = vec![0u8; a[2].min(IO_MAX) as usize];
    t.mm.copy_in(a[1], &mut data)?;
    let s = sock(&f)?;
    let unix_stream = matches!(s, Sock::Unix(u) if u.kind() == SockType::Stream);
    let to = if a[4] == 0 || (unix_stream && a[5] == 0) { None } else { dest_of(t, s, a[4], a[5])? };
    Ok(do_send(t, &f, &data, to, Control::default(), flags)? as u64)
}

pub(crate) fn sys_recvfrom(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    let flags = a[3] as u32;
    let (buf, r) = do_recv(t, &f, a[2].min(IO_MAX) as usize, flags)?;
    t.mm.copy_out(a[1], &buf)?;
    if a[4] != 0 {
        write_sockaddr(t, a[4], a[5], &r.from)?;
    }
    Ok(recv_result(sock(&f)?, &r, flags))
}

/// `struct msghdr`.
#[derive(Clone, Copy, Default, Debug)]
struct MsgHdr {
    name: u64,
    namelen: u32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
}

const MSGHDR_SIZE: usize = 56;

fn read_msghdr(t: &Task, addr: u64) -> KResult<MsgHdr> {
    let mut b = [0u8; MSGHDR_SIZE];
    t.mm.copy_in(addr, &mut b)?;
    let q = |i: usize| u64::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]]);
    Ok(MsgHdr {
        name: q(0),
        namelen: u32::from_ne_bytes([b[8], b[9], b[10], b[11]]),
        iov: q(16),
        iovlen: q(24),
        control: q(32),
        controllen: q(40),
    })
}

fn iov_total(iovs: &[Iovec]) -> usize {
    iovs.iter().map(|i| i.iov_len).fold(0u64, u64::saturating_add).min(IO_MAX) as usize
}

fn sendmsg_one(t: &mut Task, f: &Arc<File>, msg: u64, flags: u32) -> KResult<u64> {
    let h = read_msghdr(t, msg)?;
    let iovs = read_iovecs(t, h.iov, h.iovlen)?;
    let data = gather(t, &iovs)?;
    let s = sock(f)?;
    let to = if h.name != 0 && h.namelen != 0 { dest_of(t, s, h.name, u64::from(h.namelen))? } else { None };
    if h.controllen > CONTROL_MAX {
        return_errno!(ENOBUFS);
    }
    let ctl = if h.controllen > 0 {
        let mut cbuf = vec![0u8; h.controllen as usize];
        t.mm.copy_in(h.control, &mut cbuf)?;
        if matches!(s, Sock::Inet(_)) {
            if cbuf.len() >= CMSG_HDR {
                t.kernel.log_once(Some(kernel_abi::nr::SENDMSG), "control messages on inet sockets are not supported");
                return_errno!(EINVAL);
            }
            Control::default()
        } else {
            parse_control(t, &cbuf)?
        }
    } else {
        Control::default()
    };
    Ok(do_send(t, f, &data, to, ctl, flags)? as u64)
}

pub(crate) fn sys_sendmsg(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    sendmsg_one(t, &f, a[1], a[2] as u32)
}

/// Build recvmsg's control messages into at most `room` bytes: credentials, then
/// descriptors installed in the caller's table. Returns the bytes and whether anything
/// was cut (MSG_CTRUNC).
fn build_control(t: &mut Task, r: &mut Received, room: usize, cloexec: bool) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut trunc = false;
    let put = |out: &mut Vec<u8>, ty: i32, data: &[u8]| -> bool {
        let left = room - out.len();
        if left < CMSG_HDR {
            return false;
        }
        let full = CMSG_HDR + data.len();
        let len = full.min(left);
        out.extend_from_slice(&(len as u64).to_ne_bytes());
        out.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
        out.extend_from_slice(&ty.to_ne_bytes());
        out.extend_from_slice(&data[..len - CMSG_HDR]);
        if len == full {
            let pad = (cmsg_align(full) - full).min(room - out.len());
            out.extend(std::iter::repeat_n(0u8, pad));
        }
        len == full
    };
    if let Some(c) = r.cred {
        if !put(&mut out, SCM_CREDENTIALS, &c.to_bytes()) {
            trunc = true;
        }
    }
    let files = std::mem::take(&mut r.rights);
    if !files.is_empty() {
        let left = room - out.len();
        let fit = left.saturating_sub(CMSG_HDR) / 4;
        if fit < files.len() {
            trunc = true;
        }
        let limit = t.rlimit(kernel_abi::flags::rlimit::RLIMIT_NOFILE);
        let mut fds = Vec::new();
        for file in files.into_iter().take(fit) {
            match t.fds().insert(file, cloexec, 0, limit) {
                Ok(fd) => fds.push(fd),
                Err(_) => {
                    trunc = true;
                    break;
                }
            }
        }
        if !fds.is_empty() {
            let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
            put(&mut out, SCM_RIGHTS, &data);
        }
    }
    (out, trunc)
}

fn recvmsg_one(t: &mut Task, f: &Arc<File>, msg: u64, flags: u32) -> KResult<u64> {
    let h = read_msghdr(t, msg)?;
    let iovs = read_iovecs(t, h.iov, h.iovlen)?;
    let (buf, mut r) = do_recv(t, f, iov_total(&iovs), flags)?;
    scatter(t, &iovs, &buf)?;
    let s = sock(f)?;
    let mut out_flags = flags & MSG_CMSG_CLOEXEC;
    if r.truncated && !s.is_stream() {
        out_flags |= MSG_TRUNC;
    }
    if h.name != 0 {
        let from = &r.from;
        let n = from.len().min(h.namelen as usize);
        t.mm.copy_out(h.name, &from[..n])?;
        t.mm.write_val(msg + 8, &(from.len() as u32))?;
    } else {
        t.mm.write_val(msg + 8, &0u32)?;
    }
    let room = if h.control == 0 { 0 } else { h.controllen.min(CONTROL_MAX) as usize };
    let (ctl, trunc) = build_control(t, &mut r, room, flags & MSG_CMSG_CLOEXEC != 0);
    if trunc {
        out_flags |= MSG_CTRUNC;
    }
    t.mm.copy_out(h.control, &ctl)?;
    t.mm.write_val(msg + 40, &(ctl.len() as u64))?;
    t.mm.write_val(msg + 48, &out_flags)?;
    Ok(recv_result(s, &r, flags))
}

pub(crate) fn sys_recvmsg(t: &mut Task, a: [u64; 6]) -> KResult<u64> {
    let f = socket_file(t, a[0])?;
    recvmsg_one(t, &f, a[1], a[2] as u32)
}
