//! The loopback transport: TCP connections and UDP datagrams between inet sockets of
//! one sandbox, carried inside the Sentry without packets.
//!
//! An [`Ep`] is one socket's protocol state. A TCP connection is two endpoints pointing
//! at each other (`peer`), like a unix stream pair; sending appends to the **peer's**
//! receive buffer, so data is "acknowledged" as soon as it is queued and nothing is ever
//! in flight (SIOCOUTQ is 0). The room a sender has is the receiver's SO_RCVBUF plus
//! its own SO_SNDBUF. A listening endpoint queues server-side endpoints already joined
//! to their clients; when that queue is longer than the backlog a connecting client
//! waits in SYN_SENT (`pending`) until accept makes room, as a dropped SYN would make
//! it retry. Closing with unread data (or with SO_LINGER set to zero) resets the peer
//! (ECONNRESET); closing otherwise sends it end-of-file, after which its first write
//! is "answered by a reset" (it succeeds, the next one fails with EPIPE), as on Linux.
//! There is no TIME_WAIT: a closed connection frees its port at once.
//!
//! UDP: a datagram goes to the best-matching bound socket of the port table
//! ([`crate::ports`]); a connected receiver takes datagrams from its peer only. A
//! datagram nobody takes is dropped, and a connected sender learns ECONNREFUSED on its
//! next call (the ICMP port-unreachable of Linux's loopback).
//!
//! Lock order as in [`crate::unix`]: no code holds two endpoint locks at once; the port
//! table's lock is a leaf taken under an endpoint lock.

use std::collections::VecDeque;
use std::net::Ipv6Addr;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use kernel_abi::flags::poll::*;
use kernel_abi::{return_errno, Errno, KResult};

use crate::abi::*;
use crate::common::*;
use crate::inet_addr::*;
use crate::inet_opts::Opts;
use crate::ports::{BindReq, PortTable, Proto};

/// Linux's `sk_state` as far as it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TcpState {
    /// Never connected, or finished (TCP_CLOSE).
    Close,
    /// listen(2) was called.
    Listen,
    /// Waiting for a full listener to make room.
    SynSent,
    /// Connected (also CLOSE_WAIT: `fin_rcvd` tells).
    Established,
}

/// `sock->state`: what connect(2) answers next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SockState {
    Unconnected,
    Connecting,
    Connected,
}

struct Dgram {
    data: Vec<u8>,
    from: InetAddr,
}

struct Listen {
    /// Server-side endpoints joined to their clients, not yet accepted.
    queue: VecDeque<Arc<Ep>>,
    max: usize,
    /// Clients waiting for room in `queue`.
    pending: VecDeque<Weak<Ep>>,
}

pub(crate) struct St {
    /// The bound address; for a connected socket, the address it speaks from.
    local: Option<InetAddr>,
    /// bind(2) named the address / the port (Linux's SOCK_BINDADDR_LOCK, _BINDPORT_LOCK).
    addr_locked: bool,
    port_locked: bool,
    /// The connected peer's address.
    remote: Option<InetAddr>,
    pub(crate) state: TcpState,
    sock_state: SockState,
    /// TCP: the other end of the connection (`None` once it closed).
    peer: Option<Arc<Ep>>,
    listen: Option<Listen>,
    stream: VecDeque<u8>,
    dgrams: VecDeque<Dgram>,
    dgram_bytes: usize,
    pub(crate) shutdown: u8,
    /// End-of-file arrived (Linux's SOCK_DONE).
    pub(crate) fin_rcvd: bool,
    err: Option<Errno>,
    released: bool,
    pub(crate) opts: Opts,
    /// Bytes sent and received, and calls that moved data (for TCP_INFO).
    pub(crate) sent: u64,
    pub(crate) received: u64,
    pub(crate) segs_out: u32,
    pub(crate) segs_in: u32,
    waiters: Waiters,
}

/// The protocol state of one inet socket on the loopback transport.
pub struct Ep {
    pub(crate) family: u16,
    pub(crate) proto: Proto,
    pub(crate) ino: u64,
    uid: u32,
    st: Mutex<St>,
}

/// The sandbox's port table (one per Sentry, which serves one sandbox).
static PORTS: Mutex<Option<PortTable<Weak<Ep>>>> = Mutex::new(None);

fn with_ports<R>(f: impl FnOnce(&mut PortTable<Weak<Ep>>) -> R) -> R {
    let mut g = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(PortTable::default))
}

/// Largest UDP payload for a destination (65535 less the IP and UDP headers).
fn udp_max(dst: &Ipv6Addr) -> usize {
    if is_v4(dst) {
        65_507
    } else {
        65_527
    }
}

/// What a connection attempt came to.
enum Join {
    /// Connected.
    Done,
    /// The listener's queue is full: waiting in its `pending` list.
    Queued,
}

impl Ep {
    pub(crate) fn new(family: u16, proto: Proto, uid: u32) -> Arc<Ep> {
        Arc::new(Ep { family, proto, ino: next_ino(), uid, st: Mutex::new(St::new(proto)) })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wildcard(&self) -> Ipv6Addr {
        if self.family == AF_INET {
            ANY4
        } else {
            Ipv6Addr::UNSPECIFIED
        }
    }

    fn bind_req(&self, st: &St, ip: Ipv6Addr, port: u16) -> BindReq {
        use crate::abi::{IPPROTO_IPV6, IPV6_V6ONLY};
        BindReq {
            ip,
            port,
            v6only: self.family == AF_INET6 && st.opts.flag(IPPROTO_IPV6, IPV6_V6ONLY),
            reuseaddr: st.opts.flag(SOL_SOCKET, SO_REUSEADDR),
            reuseport: st.opts.flag(SOL_SOCKET, SO_REUSEPORT),
            uid: self.uid,
        }
    }

    /// Take `ip:port` (port 0: an ephemeral one) in the port table.
    fn bind_locked(self: &Arc<Self>, st: &mut St, ip: Ipv6Addr, port: u16) -> KResult<()> {
        let req = self.bind_req(st, ip, port);
        let port = with_ports(|t| t.bind(self.proto, req, self.ino, Arc::downgrade(self)))?;
        st.local = Some(InetAddr { ip, port });
        Ok(())
    }

    fn unbind_locked(&self, st: &mut St) {
        if let Some(l) = st.local.take() {
            with_ports(|t| t.unbind(self.proto, l.port, self.ino));
        }
    }

    /// bind(2) to an address already parsed.
    pub(crate) fn bind(self: &Arc<Self>, a: InetAddr, may_bind_low: bool) -> KResult<()> {
        use crate::abi::{IPPROTO_IPV6, IPV6_V6ONLY};
        let mut st = self.lock();
        if self.family == AF_INET6 && is_v4(&a.ip) && st.opts.flag(IPPROTO_IPV6, IPV6_V6ONLY) {
            return_errno!(EINVAL);
        }
        if !is_local(&a.ip) {
            return_errno!(EADDRNOTAVAIL);
        }
        if a.port != 0 && a.port < 1024 && !may_bind_low {
            return_errno!(EACCES);
        }
        if st.local.is_some() || st.state != TcpState::Close {
            return_errno!(EINVAL);
        }
        self.bind_locked(&mut st, a.ip, a.port).map_err(|e| match e.errno {
            Errno::EAGAIN => kernel_abi::Error::new(Errno::EADDRINUSE),
            _ => e,
        })?;
        st.addr_locked = !is_any(&a.ip);
        st.port_locked = a.port != 0;
        Ok(())
    }

    /// Options that the port table reads changed.
    pub(crate) fn reuse_changed(&self, st: &St) {
        if let Some(l) = st.local {
            let r = self.bind_req(st, l.ip, l.port);
            with_ports(|t| t.set_reuse(self.proto, l.port, self.ino, r.reuseaddr, r.reuseport));
        }
    }

    /// Whether the socket has a local port yet (IPV6_V6ONLY may change only before).
    pub(crate) fn is_bound(&self, st: &St) -> bool {
        st.local.is_some()
    }

    /// listen(2).
    pub(crate) fn listen(self: &Arc<Self>, backlog: u32) -> KResult<()> {
        if self.proto != Proto::Tcp {
            return_errno!(EOPNOTSUPP);
        }
        let mut st = self.lock();
        match st.state {
            TcpState::Listen => {
                if let Some(l) = st.listen.as_mut() {
                    l.max = backlog as usize;
                }
                return Ok(());
            }
            TcpState::Close if st.sock_state == SockState::Unconnected => {}
            _ => return_errno!(EINVAL),
        }
        if st.local.is_none() {
            let any = self.wildcard();
            self.bind_locked(&mut st, any, 0)?;
        }
        let port = st.local.map_or(0, |l| l.port);
        with_ports(|t| t.set_listening(self.proto, port, self.ino, true))?;
        st.state = TcpState::Listen;
        st.listen = Some(Listen { queue: VecDeque::new(), max: backlog as usize, pending: VecDeque::new() });
        Ok(())
    }

    /// accept(2): the next connection (EAGAIN when none waits).
    pub(crate) fn accept(self: &Arc<Self>) -> KResult<Arc<Ep>> {
        if self.proto != Proto::Tcp {
            return_errno!(EOPNOTSUPP);
        }
        let (conn, promote) = {
            let mut st = self.lock();
            let Some(l) = st.listen.as_mut() else { return_errno!(EINVAL) };
            let Some(conn) = l.queue.pop_front() else { return_errno!(EAGAIN) };
            (conn, l.pending.pop_front())
        };
        if let Some(c) = promote.and_then(|w| w.upgrade()) {
            c.retry_join();
        }
        Ok(conn)
    }

    /// A client waiting for room tries again (accept made some).
    fn retry_join(self: &Arc<Self>) {
        let dst = {
            let st = self.lock();
            if st.state != TcpState::SynSent || st.released {
                return;
            }
            st.remote
        };
        let Some(dst) = dst else { return };
        if let Err(e) = self.join(dst) {
            self.connect_failed(e.errno);
        }
    }

    /// connect(2) (TCP). A non-blocking call answers EINPROGRESS however the attempt
    /// went (the outcome shows in poll and SO_ERROR, as Linux); a blocking one answers
    /// EAGAIN while it waits for room, and the caller then waits with
    /// [`Ep::finish_connect`].
    pub(crate) fn connect_tcp(self: &Arc<Self>, dst: Option<InetAddr>, nonblock: bool) -> KResult<()> {
        let dst = {
            let mut st = self.lock();
            match st.sock_state {
                SockState::Connected => return_errno!(EISCONN),
                SockState::Connecting => return self.progress(&mut st, true),
                SockState::Unconnected => {}
            }
            let Some(dst) = dst else {
                drop(st);
                self.disconnect();
                return Ok(());
            };
            if st.state != TcpState::Close {
                return_errno!(EISCONN);
            }
            let dst = self.route_from(&st, dst)?;
            if st.local.is_none() {
                let any = self.wildcard();
                self.bind_locked(&mut st, any, 0).map_err(|_| kernel_abi::Error::new(Errno::EADDRNOTAVAIL))?;
            }
            let Some(local) = st.local else { return_errno!(EADDRNOTAVAIL) };
            if is_any(&local.ip) {
                st.local = Some(InetAddr { ip: source_for(&dst.ip), port: local.port });
            }
            st.state = TcpState::SynSent;
            st.sock_state = SockState::Connecting;
            st.remote = Some(dst);
            st.shutdown = 0;
            st.fin_rcvd = false;
            dst
        };
        match self.join(dst) {
            Ok(Join::Done) if !nonblock => {
                self.lock().sock_state = SockState::Connected;
                Ok(())
            }
            Ok(Join::Queued) if !nonblock => return_errno!(EAGAIN),
            Ok(_) => return_errno!(EINPROGRESS),
            Err(e) => {
                self.connect_failed(e.errno);
                if nonblock {
                    return_errno!(EINPROGRESS);
                }
                self.finish_connect()
            }
        }
    }

    /// A blocking connect's wait: EAGAIN while the attempt is under way, then its outcome.
    pub(crate) fn finish_connect(&self) -> KResult<()> {
        let mut st = self.lock();
        self.progress(&mut st, false)
    }

    /// What connect answers for an attempt already made: done, still going (EALREADY
    /// for a new call, EAGAIN for the waiting one), or its error (ECONNABORTED once the
    /// error was taken with SO_ERROR), after which the socket is unconnected again.
    fn progress(&self, st: &mut St, new_call: bool) -> KResult<()> {
        match st.state {
            TcpState::Established => {
                st.sock_state = SockState::Connected;
                Ok(())
            }
            TcpState::SynSent if new_call => return_errno!(EALREADY),
            TcpState::SynSent => return_errno!(EAGAIN),
            TcpState::Listen => return_errno!(EISCONN),
            TcpState::Close => {
                let e = st.err.take().unwrap_or(Errno::ECONNABORTED);
                st.sock_state = SockState::Unconnected;
                st.shutdown = 0;
                st.remote = None;
                Err(kernel_abi::Error::new(e))
            }
        }
    }

    /// Check and route a destination for this socket.
    fn route_from(&self, st: &St, dst: InetAddr) -> KResult<InetAddr> {
        use crate::abi::{IPPROTO_IPV6, IPV6_V6ONLY};
        if self.family == AF_INET6 && is_v4(&dst.ip) && st.opts.flag(IPPROTO_IPV6, IPV6_V6ONLY) {
            return_errno!(ENETUNREACH);
        }
        let ip = route(&dst.ip)?;
        if let Some(l) = st.local.filter(|l| !is_any(&l.ip)) {
            if is_v4(&l.ip) != is_v4(&ip) {
                return_errno!(EAFNOSUPPORT);
            }
        }
        Ok(InetAddr { ip, port: dst.port })
    }

    /// The connection attempt failed with `e` (refused, reset while waiting).
    fn connect_failed(&self, e: Errno) {
        let ws = {
            let mut st = self.lock();
            st.state = TcpState::Close;
            st.shutdown = SHUTDOWN_MASK;
            st.err = Some(e);
            // The port stays bound (Linux keeps it); the address is forgotten.
            if !st.addr_locked {
                let w = self.wildcard();
                if let Some(l) = st.local.as_mut() {
                    l.ip = w;
                }
            }
            st.waiters.wakers()
        };
        wake(ws, 0);
    }

    /// Join the listener of `dst`: make the server-side endpoint, tie the two together
    /// and queue it for accept.
    fn join(self: &Arc<Self>, dst: InetAddr) -> KResult<Join> {
        let cands = with_ports(|t| t.lookup(Proto::Tcp, &dst.ip, dst.port, true));
        let Some(listener) = cands.iter().filter_map(Weak::upgrade).find(|l| !Arc::ptr_eq(l, self)) else {
            return_errno!(ECONNREFUSED)
        };
        let (family, opts, uid) = {
            let mut lst = listener.lock();
            if lst.released || lst.state != TcpState::Listen {
                return_errno!(ECONNREFUSED);
            }
            let Some(l) = lst.listen.as_mut() else { return_errno!(ECONNREFUSED) };
            if l.queue.len() > l.max {
                if !l.pending.iter().any(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(self))) {
                    l.pending.push_back(Arc::downgrade(self));
                }
                return Ok(Join::Queued);
            }
            (listener.family, lst.opts.clone(), listener.uid)
        };
        let Some(src) = self.lock().local else { return_errno!(ECONNREFUSED) };
        let server = Ep::new(family, Proto::Tcp, uid);
        {
            let mut sst = server.lock();
            sst.local = Some(dst);
            sst.addr_locked = true;
            sst.port_locked = true;
            sst.remote = Some(src);
            sst.state = TcpState::Established;
            sst.sock_state = SockState::Connected;
            sst.peer = Some(self.clone());
            sst.opts = opts;
            let req = server.bind_req(&sst, dst.ip, dst.port);
            with_ports(|t| t.attach(Proto::Tcp, req, server.ino, Arc::downgrade(&server)));
        }
        {
            let mut st = self.lock();
            if st.state != TcpState::SynSent || st.released {
                drop(st);
                server.forget();
                return Ok(Join::Done);
            }
            st.peer = Some(server.clone());
            st.state = TcpState::Established;
        }
        let ws = {
            let mut lst = listener.lock();
            let released = lst.released;
            match lst.listen.as_mut().filter(|_| !released) {
                Some(l) => {
                    l.queue.push_back(server.clone());
                    Some(lst.waiters.wakers())
                }
                None => None,
            }
        };
        let Some(ws) = ws else {
            {
                let mut st = self.lock();
                st.peer = None;
                st.state = TcpState::SynSent;
            }
            server.forget();
            return_errno!(ECONNREFUSED);
        };
        wake(ws, POLLIN | POLLRDNORM);
        let cws = self.lock().waiters.wakers();
        wake(cws, POLLOUT | POLLWRNORM);
        Ok(Join::Done)
    }

    /// Drop an endpoint that never got a file, without telling anyone.
    fn forget(&self) {
        let mut st = self.lock();
        st.released = true;
        st.peer = None;
        self.unbind_locked(&mut st);
    }

    /// connect(AF_UNSPEC) on TCP: reset a connection, stop listening.
    fn disconnect(self: &Arc<Self>) {
        let (peer, listen, ws) = {
            let mut st = self.lock();
            let peer = st.peer.take();
            let listen = st.listen.take();
            if st.state == TcpState::Listen {
                if let Some(l) = st.local {
                    let _ = with_ports(|t| t.set_listening(self.proto, l.port, self.ino, false));
                }
            }
            st.state = TcpState::Close;
            st.sock_state = SockState::Unconnected;
            st.remote = None;
            st.shutdown = 0;
            (peer, listen, st.waiters.wakers())
        };
        if let Some(p) = peer {
            p.reset_by_peer();
        }
        if let Some(l) = listen {
            drop_listen(l);
        }
        wake(ws, 0);
    }

    /// The peer reset the connection (RST).
    fn reset_by_peer(&self) {
        let ws = {
            let mut st = self.lock();
            st.err = Some(if st.fin_rcvd { Errno::EPIPE } else { Errno::ECONNRESET });
            st.state = TcpState::Close;
            st.shutdown = SHUTDOWN_MASK;
            st.peer = None;
            st.waiters.wakers()
        };
        wake(ws, 0);
    }

    /// The peer sent FIN (`gone`: and closed, so data sent to it now draws a reset).
    fn fin_from_peer(&self, gone: bool) {
        let ws = {
            let mut st = self.lock();
            st.shutdown |= RCV_SHUTDOWN;
            st.fin_rcvd = true;
            if gone {
                st.peer = None;
            }
            st.waiters.wakers()
        };
        wake(ws, POLLIN | POLLRDNORM | POLLRDHUP);
    }

    /// The socket's file was closed.
    pub(crate) fn release(&self) {
        let (peer, listen, rst, ws) = {
            let mut st = self.lock();
            st.released = true;
            let unread = !st.stream.is_empty();
            st.stream.clear();
            st.dgrams.clear();
            st.dgram_bytes = 0;
            self.unbind_locked(&mut st);
            let rst = unread || st.opts.linger == (true, 0);
            (st.peer.take(), st.listen.take(), rst, st.waiters.wakers())
        };
        if let Some(p) = peer {
            if rst {
                p.reset_by_peer();
            } else {
                p.fin_from_peer(true);
            }
        }
        if let Some(l) = listen {
            drop_listen(l);
        }
        wake(ws, 0);
    }

    /// shutdown(2).
    pub(crate) fn shutdown(self: &Arc<Self>, how: u32) -> KResult<()> {
        let bits = shutdown_bits(how)?;
        let (state, peer, ws) = {
            let mut st = self.lock();
            let state = st.state;
            if state == TcpState::Listen {
                if bits & RCV_SHUTDOWN == 0 {
                    return Ok(());
                }
            } else {
                st.shutdown |= bits;
            }
            (state, st.peer.clone(), st.waiters.wakers())
        };
        wake(ws, 0);
        match state {
            TcpState::Listen => {
                self.disconnect();
                Ok(())
            }
            // Linux sets the bits, wakes pollers, and still says ENOTCONN.
            TcpState::Close => return_errno!(ENOTCONN),
            _ => {
                if let Some(p) = peer.filter(|_| bits & SEND_SHUTDOWN != 0) {
                    p.fin_from_peer(false);
                }
                Ok(())
            }
        }
    }

    /// getsockname(2).
    pub(crate) fn local_addr(&self) -> InetAddr {
        self.lock().local.unwrap_or(InetAddr { ip: self.wildcard(), port: 0 })
    }

    /// getpeername(2).
    pub(crate) fn peer_addr(&self) -> KResult<InetAddr> {
        let st = self.lock();
        match st.remote {
            Some(r) if r.port != 0 && matches!(st.state, TcpState::Established) => Ok(r),
            _ => return_errno!(ENOTCONN),
        }
    }

    /// Send on a TCP connection: as much as there is room for (EAGAIN when none).
    pub(crate) fn send_tcp(&self, data: &[u8]) -> KResult<usize> {
        let (peer, sndbuf) = {
            let mut st = self.lock();
            if st.state != TcpState::Established {
                if let Some(e) = st.err.take() {
                    return Err(kernel_abi::Error::new(e));
                }
                if st.state == TcpState::SynSent {
                    return_errno!(EAGAIN);
                }
                return_errno!(EPIPE);
            }
            if let Some(e) = st.err.take() {
                return Err(kernel_abi::Error::new(e));
            }
            if st.shutdown & SEND_SHUTDOWN != 0 {
                return_errno!(EPIPE);
            }
            if data.is_empty() {
                return Ok(0);
            }
            (st.peer.clone(), st.opts.sndbuf)
        };
        let reset = |me: &Ep| {
            me.reset_by_peer();
            Ok(data.len())
        };
        let Some(peer) = peer else { return reset(self) };
        let (n, ws) = {
            let mut pst = peer.lock();
            if pst.released || (pst.shutdown == SHUTDOWN_MASK && pst.state != TcpState::Close) {
                // Data for a socket that will read no more draws a reset, both ways.
                let closed = pst.released;
                drop(pst);
                if !closed {
                    peer.reset_by_peer();
                }
                return reset(self);
            }
            let room = (pst.opts.rcvbuf + sndbuf).saturating_sub(pst.stream.len());
            if room == 0 {
                return_errno!(EAGAIN);
            }
            let n = data.len().min(room);
            pst.stream.extend(&data[..n]);
            pst.received += n as u64;
            pst.segs_in += 1;
            (n, pst.waiters.wakers())
        };
        wake(ws, POLLIN | POLLRDNORM);
        let mut st = self.lock();
        st.sent += n as u64;
        st.segs_out += 1;
        Ok(n)
    }

    /// Receive from a TCP connection (EAGAIN when nothing is there yet).
    pub(crate) fn recv_tcp(&self, buf: &mut [u8], peek: bool) -> KResult<Received> {
        let (n, peer) = {
            let mut st = self.lock();
            if st.state == TcpState::Listen {
                return_errno!(ENOTCONN);
            }
            if st.stream.is_empty() {
                if st.fin_rcvd {
                    return Ok(Received::default());
                }
                if let Some(e) = st.err.take() {
                    return Err(kernel_abi::Error::new(e));
                }
                if st.shutdown & RCV_SHUTDOWN != 0 {
                    return Ok(Received::default());
                }
                if st.state == TcpState::Close {
                    return_errno!(ENOTCONN);
                }
                return_errno!(EAGAIN);
            }
            let n = buf.len().min(st.stream.len());
            for (d, s) in buf[..n].iter_mut().zip(st.stream.iter()) {
                *d = *s;
            }
            if !peek {
                st.stream.drain(..n);
            }
            (n, if peek { None } else { st.peer.clone() })
        };
        if let Some(p) = peer {
            let ws = p.lock().waiters.wakers();
            wake(ws, POLLOUT | POLLWRNORM);
        }
        Ok(Received { len: n, full_len: n, ..Default::default() })
    }

    /// Send a UDP datagram to `to` (or the connected peer).
    pub(crate) fn send_udp(self: &Arc<Self>, data: &[u8], to: Option<InetAddr>) -> KResult<usize> {
        use crate::abi::{IPPROTO_IPV6, IPV6_V6ONLY};
        if data.len() > 0xffff {
            return_errno!(EMSGSIZE);
        }
        let (dst, src, connected) = {
            let mut st = self.lock();
            let dst = match to {
                Some(d) if d.port == 0 => return_errno!(EINVAL),
                Some(d) => d,
                None => match st.remote.filter(|_| st.state == TcpState::Established) {
                    Some(r) => r,
                    None => return_errno!(EDESTADDRREQ),
                },
            };
            if st.shutdown & SEND_SHUTDOWN != 0 {
                return_errno!(EPIPE);
            }
            if self.family == AF_INET6 && is_v4(&dst.ip) && st.opts.flag(IPPROTO_IPV6, IPV6_V6ONLY) {
                return_errno!(ENETUNREACH);
            }
            if is_broadcast(&dst.ip) && !st.opts.flag(SOL_SOCKET, SO_BROADCAST) {
                return_errno!(EACCES);
            }
            let dst = self.route_from(&st, dst)?;
            if let Some(e) = st.err.take() {
                return Err(kernel_abi::Error::new(e));
            }
            if data.len() > udp_max(&dst.ip) {
                return_errno!(EMSGSIZE);
            }
            if st.local.is_none() {
                let any = self.wildcard();
                self.bind_locked(&mut st, any, 0)?;
            }
            let Some(local) = st.local else { return_errno!(EAGAIN) };
            let ip = if is_any(&local.ip) { source_for(&dst.ip) } else { local.ip };
            st.sent += data.len() as u64;
            (dst, InetAddr { ip, port: local.port }, st.state == TcpState::Established)
        };
        let cands = with_ports(|t| t.lookup(Proto::Udp, &dst.ip, dst.port, false));
        let mut taken = false;
        for c in cands.iter().filter_map(Weak::upgrade) {
            let ws = {
                let mut cst = c.lock();
                if cst.released || (cst.remote.is_some_and(|r| r != src) && cst.state == TcpState::Established) {
                    continue;
                }
                taken = true;
                if cst.dgram_bytes + data.len() > cst.opts.rcvbuf || cst.shutdown & RCV_SHUTDOWN != 0 {
                    // A full receive buffer drops the datagram, as Linux.
                    break;
                }
                cst.dgrams.push_back(Dgram { data: data.to_vec(), from: src });
                cst.dgram_bytes += data.len();
                cst.received += data.len() as u64;
                cst.waiters.wakers()
            };
            wake(ws, POLLIN | POLLRDNORM);
            break;
        }
        if !taken && connected {
            let ws = {
                let mut st = self.lock();
                st.err = Some(Errno::ECONNREFUSED);
                st.waiters.wakers()
            };
            wake(ws, POLLERR);
        }
        Ok(data.len())
    }

    /// Receive a UDP datagram (EAGAIN when none is queued; 0 after SHUT_RD for a
    /// blocking call, as Linux).
    pub(crate) fn recv_udp(&self, buf: &mut [u8], peek: bool, nonblock: bool) -> KResult<Received> {
        let mut st = self.lock();
        if let Some(e) = st.err.take() {
            return Err(kernel_abi::Error::new(e));
        }
        let family = self.family;
        let Some(d) = st.dgrams.front() else {
            if st.shutdown & RCV_SHUTDOWN != 0 && !nonblock {
                return Ok(Received::default());
            }
            return_errno!(EAGAIN);
        };
        let k = d.data.len().min(buf.len());
        buf[..k].copy_from_slice(&d.data[..k]);
        let r = Received {
            len: k,
            full_len: d.data.len(),
            truncated: k < d.data.len(),
            from: to_sockaddr(family, &d.from),
            ..Default::default()
        };
        if !peek {
            if let Some(d) = st.dgrams.pop_front() {
                st.dgram_bytes -= d.data.len();
            }
        }
        Ok(r)
    }

    /// connect(2) on UDP: set (or, with `None`, dissolve) the default destination.
    pub(crate) fn connect_udp(self: &Arc<Self>, dst: Option<InetAddr>) -> KResult<()> {
        let mut st = self.lock();
        let Some(dst) = dst else {
            st.remote = None;
            st.state = TcpState::Close;
            if !st.port_locked {
                self.unbind_locked(&mut st);
            } else if !st.addr_locked {
                let w = self.wildcard();
                if let Some(l) = st.local.as_mut() {
                    l.ip = w;
                }
            }
            return Ok(());
        };
        let dst = self.route_from(&st, dst)?;
        if st.local.is_none() {
            let any = self.wildcard();
            self.bind_locked(&mut st, any, 0)?;
        }
        if let Some(l) = st.local.as_mut().filter(|l| is_any(&l.ip)) {
            l.ip = source_for(&dst.ip);
        }
        st.remote = Some(dst);
        st.state = TcpState::Established;
        Ok(())
    }

    /// The shutdown(2) of a UDP socket: the bits, and ENOTCONN when unconnected.
    pub(crate) fn shutdown_udp(&self, how: u32) -> KResult<()> {
        let bits = shutdown_bits(how)?;
        let (connected, ws) = {
            let mut st = self.lock();
            st.shutdown |= bits;
            (st.state == TcpState::Established, st.waiters.wakers())
        };
        wake(ws, 0);
        if !connected {
            return_errno!(ENOTCONN);
        }
        Ok(())
    }

    /// FIONREAD (SIOCINQ) and SIOCOUTQ.
    pub(crate) fn queued(&self, outq: bool) -> KResult<usize> {
        let st = self.lock();
        if st.state == TcpState::Listen {
            return_errno!(EINVAL);
        }
        Ok(match (outq, self.proto) {
            (true, _) => 0,
            (false, Proto::Tcp) => st.stream.len(),
            (false, Proto::Udp) => st.dgrams.front().map_or(0, |d| d.data.len()),
        })
    }

    /// SO_ERROR.
    pub(crate) fn take_error(&self) -> Option<Errno> {
        self.lock().err.take()
    }

    /// Poll readiness, as Linux's `tcp_poll` and `datagram_poll`.
    pub(crate) fn readiness(&self) -> u32 {
        let (mut m, peer, sndbuf) = {
            let st = self.lock();
            let mut m = 0;
            if st.err.is_some() {
                m |= POLLERR;
            }
            if st.shutdown & RCV_SHUTDOWN != 0 {
                m |= POLLIN | POLLRDNORM | POLLRDHUP;
            }
            if self.proto == Proto::Udp {
                if st.shutdown == SHUTDOWN_MASK {
                    m |= POLLHUP;
                }
                if !st.dgrams.is_empty() {
                    m |= POLLIN | POLLRDNORM;
                }
                return m | POLLOUT | POLLWRNORM | POLLWRBAND;
            }
            if st.state == TcpState::Listen {
                let pending = st.listen.as_ref().is_some_and(|l| !l.queue.is_empty());
                return if pending { POLLIN | POLLRDNORM } else { 0 };
            }
            if st.shutdown == SHUTDOWN_MASK || st.state == TcpState::Close {
                m |= POLLHUP;
            }
            if st.state == TcpState::SynSent {
                return m;
            }
            if !st.stream.is_empty() {
                m |= POLLIN | POLLRDNORM;
            }
            if st.shutdown & SEND_SHUTDOWN != 0 || st.peer.is_none() {
                return m | POLLOUT | POLLWRNORM;
            }
            (m, st.peer.clone(), st.opts.sndbuf)
        };
        if let Some(p) = peer {
            let pst = p.lock();
            if (pst.opts.rcvbuf + sndbuf).saturating_sub(pst.stream.len()) > 0 {
                m |= POLLOUT | POLLWRNORM;
            }
        }
        m
    }

    pub(crate) fn add_waiter(&self, w: Arc<dyn kernel_fs::pipe::Waker>) -> u64 {
        self.lock().waiters.add(w)
    }

    pub(crate) fn remove_waiter(&self, id: u64) {
        self.lock().waiters.remove(id);
    }

    /// After SO_SNDBUF or SO_RCVBUF grew: writers may have room now.
    pub(crate) fn buffers_changed(&self) {
        let (ws, peer) = {
            let st = self.lock();
            (st.waiters.wakers(), st.peer.clone())
        };
        wake(ws, POLLOUT | POLLWRNORM);
        if let Some(p) = peer {
            let pws = p.lock().waiters.wakers();
            wake(pws, POLLOUT | POLLWRNORM);
        }
    }
}

/// A listener stops: its unaccepted connections are reset, its waiting clients refused.
fn drop_listen(l: Listen) {
    for s in l.queue {
        let peer = {
            let mut st = s.lock();
            st.released = true;
            s.unbind_locked(&mut st);
            st.peer.take()
        };
        if let Some(c) = peer {
            c.reset_by_peer();
        }
    }
    for c in l.pending.iter().filter_map(Weak::upgrade) {
        if c.lock().state == TcpState::SynSent {
            c.connect_failed(Errno::ECONNREFUSED);
        }
    }
}

impl St {
    fn new(proto: Proto) -> St {
        St {
            local: None,
            addr_locked: false,
            port_locked: false,
            remote: None,
            state: TcpState::Close,
            sock_state: SockState::Unconnected,
            peer: None,
            listen: None,
            stream: VecDeque::new(),
            dgrams: VecDeque::new(),
            dgram_bytes: 0,
            shutdown: 0,
            fin_rcvd: false,
            err: None,
            released: false,
            opts: Opts::new(proto),
            sent: 0,
            received: 0,
            segs_out: 0,
            segs_in: 0,
            waiters: Waiters::default(),
        }
    }
}
