//! Unix domain sockets: stream, datagram and seqpacket endpoints, their names, and
//! connections between them. See the crate docs for the design and lock order.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use kernel_abi::flags::mode::S_IFSOCK;
use kernel_abi::flags::open::{O_NONBLOCK, O_RDWR};
use kernel_abi::flags::poll::*;
use kernel_abi::{return_errno, Errno, KResult, Stat};
use kernel_fs::pipe::Waker;
use kernel_fs::tmpfs::{NewKind, SocketHandle};
use kernel_fs::{Cred, Dentry, File, FileOps};
use kernel_mm::MemoryManager;

use crate::abi::*;
use crate::addr::UnixAddr;
use crate::common::*;

/// The kind of a unix socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockType {
    /// SOCK_STREAM: a byte stream over a connection.
    Stream,
    /// SOCK_DGRAM: messages, connected or addressed one by one.
    Dgram,
    /// SOCK_SEQPACKET: messages over a connection.
    SeqPacket,
}

impl SockType {
    /// The type from socket(2)'s argument (without the flag bits).
    pub fn from_raw(ty: u32) -> Option<SockType> {
        match ty {
            SOCK_STREAM => Some(SockType::Stream),
            SOCK_DGRAM => Some(SockType::Dgram),
            SOCK_SEQPACKET => Some(SockType::SeqPacket),
            _ => None,
        }
    }

    /// The SOCK_* value.
    pub fn raw(self) -> u32 {
        match self {
            SockType::Stream => SOCK_STREAM,
            SockType::Dgram => SOCK_DGRAM,
            SockType::SeqPacket => SOCK_SEQPACKET,
        }
    }

    fn connection_based(self) -> bool {
        self != SockType::Dgram
    }
}

/// Process credentials as SO_PEERCRED and SCM_CREDENTIALS carry them (`struct ucred`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    /// Process (thread-group) id in the sandbox.
    pub pid: i32,
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
}

impl Ucred {
    /// What Linux reports when there is no peer: pid 0, the overflow ids.
    pub const NONE: Ucred = Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX };

    /// The 12 bytes of `struct ucred`.
    pub fn to_bytes(self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&self.pid.to_ne_bytes());
        b[4..8].copy_from_slice(&self.uid.to_ne_bytes());
        b[8..].copy_from_slice(&self.gid.to_ne_bytes());
        b
    }
}

/// net.unix.max_dgram_qlen: messages a datagram receiver queues from senders it is not
/// connected to before they wait.
const MAX_DGRAM_QLEN: usize = 10;
/// Header room Linux keeps out of a datagram's send buffer (EMSGSIZE above it).
const DGRAM_OVERHEAD: usize = 32;

/// One message (datagram, seqpacket record) or stream segment in a receive queue.
struct Segment {
    data: Vec<u8>,
    /// Bytes of `data` already read (stream only).
    off: usize,
    /// The sender's name when it was sent.
    from: UnixAddr,
    /// SCM_RIGHTS: descriptions in flight.
    rights: Vec<Arc<File>>,
    /// The sender's credentials.
    cred: Ucred,
    /// Charged for the bytes until they are read.
    sender: Weak<Endpoint>,
}

/// A listening socket's queue of connections not yet accepted.
struct Listen {
    /// Server-side endpoints, each already connected to its client.
    queue: VecDeque<Arc<Endpoint>>,
    /// listen(2)'s backlog: one more than this many may wait, as Linux.
    max: usize,
    /// Credentials at listen time: what connecting clients see as SO_PEERCRED.
    cred: Ucred,
}

struct State {
    addr: UnixAddr,
    /// The connected peer (stream and seqpacket), or the default destination (dgram).
    peer: Option<Arc<Endpoint>>,
    listen: Option<Listen>,
    /// A connect is in progress (between its steps, which take different locks).
    connecting: bool,
    rx: VecDeque<Segment>,
    /// Unread bytes in `rx`.
    rx_bytes: usize,
    /// Bytes sent by this endpoint and not yet read by their receiver.
    wmem: usize,
    shutdown: u8,
    /// The pending error (SO_ERROR): ECONNRESET when a peer closes with unread data.
    err: Option<Errno>,
    /// The socket was closed (or an unaccepted connection discarded).
    released: bool,
    peer_cred: Option<Ucred>,
    sndbuf: usize,
    rcvbuf: usize,
    passcred: bool,
    /// SOL_SOCKET boolean options Linux accepts and reports but that change nothing
    /// for unix sockets (SO_REUSEADDR, SO_KEEPALIVE, ...): (name, value).
    flags: Vec<(i32, bool)>,
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
    /// Endpoints waiting for room here (a full datagram queue or backlog).
    blocked: Vec<Weak<Endpoint>>,
    waiters: Waiters,
}

/// One end of unix communication: what a socket file describes, and also an accepted
/// connection before accept(2) gives it a file.
pub struct Endpoint {
    kind: SockType,
    ino: u64,
    /// Whoever made it (for write(2), which carries no credentials of its own).
    owner: Ucred,
    st: Mutex<State>,
}

static NEXT_AUTOBIND: AtomicU64 = AtomicU64::new(1);

/// The abstract namespace (one per Sentry, which serves one sandbox), keyed by
/// [`abstract_key`]: as in Linux, sockets of different types do not see each other's
/// names. A leaf lock.
static ABSTRACT: Mutex<BTreeMap<Vec<u8>, Weak<Endpoint>>> = Mutex::new(BTreeMap::new());

fn abstract_names() -> MutexGuard<'static, BTreeMap<Vec<u8>, Weak<Endpoint>>> {
    ABSTRACT.lock().unwrap_or_else(|e| e.into_inner())
}

/// The abstract-namespace key of `name` for sockets of type `kind`.
fn abstract_key(kind: SockType, name: &[u8]) -> Vec<u8> {
    let mut k = vec![kind.raw() as u8];
    k.extend_from_slice(name);
    k
}

/// What a socket inode made by bind(2) holds.
struct Binding(Weak<Endpoint>);

/// Wake endpoints that waited for room somewhere (their retries decide).
fn wake_blocked(list: Vec<Weak<Endpoint>>) {
    for e in list.iter().filter_map(Weak::upgrade) {
        let ws = e.lock().wakers();
        wake(ws, POLLOUT | POLLWRNORM);
    }
}

impl State {
    fn new() -> State {
        State {
            addr: UnixAddr::Unnamed,
            peer: None,
            listen: None,
            connecting: false,
            rx: VecDeque::new(),
            rx_bytes: 0,
            wmem: 0,
            shutdown: 0,
            err: None,
            released: false,
            peer_cred: None,
            sndbuf: DEFAULT_BUF,
            rcvbuf: DEFAULT_BUF,
            passcred: false,
            flags: Vec::new(),
            rcvtimeo: None,
            sndtimeo: None,
            blocked: Vec::new(),
            waiters: Waiters::default(),
        }
    }

    fn wakers(&self) -> Wakers {
        self.waiters.wakers()
    }
}

/// Where a send or connect goes, as resolved by the caller.
#[derive(Clone)]
pub enum Target {
    /// An abstract name.
    Abstract(Vec<u8>),
    /// What the path names: a socket inode's handle, or `None` for another kind of file.
    Node(Option<SocketHandle>),
}

/// Where bind puts the name.
pub enum BindTo<'a> {
    /// Pick an unused abstract name.
    Autobind,
    /// An abstract name.
    Abstract(Vec<u8>),
    /// A new socket inode `name` in directory `parent`, reported as `path`.
    Path {
        /// The directory.
        parent: &'a Arc<Dentry>,
        /// The last component.
        name: &'a [u8],
        /// The whole path as given (getsockname reports it).
        path: Vec<u8>,
        /// Permission bits, already masked by the umask.
        mode: u32,
        /// Who creates it.
        cred: &'a Cred,
    },
}

impl Endpoint {
    fn new(kind: SockType, owner: Ucred) -> Arc<Endpoint> {
        Arc::new(Endpoint { kind, ino: next_ino(), owner, st: Mutex::new(State::new()) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The endpoint a send or connect goes to: ECONNREFUSED when nothing is bound there
    /// (or the socket is gone), EPROTOTYPE for a socket of another type.
    fn resolve(&self, target: Target) -> KResult<Arc<Endpoint>> {
        let ep = match target {
            Target::Abstract(name) => abstract_names().get(&abstract_key(self.kind, &name)).and_then(Weak::upgrade),
            Target::Node(h) => h.as_ref().and_then(|h| h.downcast_ref::<Binding>()).and_then(|b| b.0.upgrade()),
        };
        let Some(ep) = ep else { return_errno!(ECONNREFUSED) };
        if ep.lock().released {
            return_errno!(ECONNREFUSED);
        }
        if ep.kind != self.kind {
            return_errno!(EPROTOTYPE);
        }
        Ok(ep)
    }

    /// Give back `n` bytes charged to this sender and wake it if it waits for room.
    fn uncharge(&self, n: usize) {
        let ws = {
            let mut st = self.lock();
            st.wmem = st.wmem.saturating_sub(n);
            st.wakers()
        };
        wake(ws, POLLOUT | POLLWRNORM | POLLWRBAND);
    }

    fn autobind_locked(self: &Arc<Self>, st: &mut State) {
        let mut names = abstract_names();
        loop {
            let n = NEXT_AUTOBIND.fetch_add(1, Ordering::Relaxed) & 0xfffff;
            let name = format!("{n:05x}").into_bytes();
            let key = abstract_key(self.kind, &name);
            if names.get(&key).and_then(Weak::upgrade).is_none() {
                names.insert(key, Arc::downgrade(self));
                st.addr = UnixAddr::Abstract(name);
                return;
            }
        }
    }

    /// The socket is closed: drop what it holds and tell its peer and waiters.
    fn release(&self, embryo: bool) {
        let (peer, rx, backlog, addr, blocked, ws) = {
            let mut st = self.lock();
            st.released = true;
            let rx = std::mem::take(&mut st.rx);
            st.rx_bytes = 0;
            let backlog = st.listen.take().map(|l| l.queue).unwrap_or_default();
            (st.peer.take(), rx, backlog, st.addr.clone(), std::mem::take(&mut st.blocked), st.wakers())
        };
        if let UnixAddr::Abstract(name) = &addr {
            let mut names = abstract_names();
            let key = abstract_key(self.kind, name);
            if names.get(&key).is_some_and(|w| std::ptr::eq(w.as_ptr(), self)) {
                names.remove(&key);
            }
        }
        if let Some(p) = peer {
            if self.kind.connection_based() {
                let pws = {
                    let mut pst = p.lock();
                    pst.shutdown = SHUTDOWN_MASK;
                    if !rx.is_empty() || embryo {
                        pst.err = Some(Errno::ECONNRESET);
                    }
                    pst.wakers()
                };
                wake(pws, 0);
            }
        }
        for seg in &rx {
            if let Some(s) = seg.sender.upgrade() {
                s.uncharge(seg.data.len() - seg.off);
            }
        }
        drop(rx);
        for e in backlog {
            e.release(true);
        }
        wake_blocked(blocked);
        wake(ws, 0);
    }
}

/// A unix socket file description.
pub struct UnixSocket {
    ep: Arc<Endpoint>,
}

fn new_file(ep: Arc<Endpoint>, nonblock: bool) -> Arc<File> {
    let name = format!("socket:[{}]", ep.ino);
    File::new(Box::new(UnixSocket { ep }), O_RDWR | if nonblock { O_NONBLOCK } else { 0 }, None, name)
}

/// socket(AF_UNIX, kind): a new unbound socket made by `owner`.
pub fn new_socket(kind: SockType, nonblock: bool, owner: Ucred) -> Arc<File> {
    new_file(Endpoint::new(kind, owner), nonblock)
}

/// socketpair(AF_UNIX, kind): two connected sockets; each sees `owner` as its peer.
pub fn socketpair(kind: SockType, nonblock: bool, owner: Ucred) -> (Arc<File>, Arc<File>) {
    let a = Endpoint::new(kind, owner);
    let b = Endpoint::new(kind, owner);
    {
        let mut st = a.lock();
        st.peer = Some(b.clone());
        st.peer_cred = Some(owner);
    }
    {
        let mut st = b.lock();
        st.peer = Some(a.clone());
        st.peer_cred = Some(owner);
    }
    (new_file(a, nonblock), new_file(b, nonblock))
}

/// The unix socket a file describes, if it is one.
pub fn as_socket(f: &File) -> Option<&UnixSocket> {
    f.as_any().and_then(|a| a.downcast_ref::<UnixSocket>())
}

/// Options that are plain booleans at SOL_SOCKET, accepted and reported by Linux for
/// unix sockets without effect.
const INERT_BOOLS: [i32; 5] = [SO_REUSEADDR, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE];

impl UnixSocket {
    /// The socket's type.
    pub fn kind(&self) -> SockType {
        self.ep.kind
    }

    /// Whether a message-oriented receive (dgram, seqpacket).
    pub fn is_stream(&self) -> bool {
        self.ep.kind == SockType::Stream
    }

    /// SO_RCVTIMEO (`None`: wait forever).
    pub fn recv_timeout(&self) -> Option<Duration> {
        self.ep.lock().rcvtimeo
    }

    /// SO_SNDTIMEO (`None`: wait forever).
    pub fn send_timeout(&self) -> Option<Duration> {
        self.ep.lock().sndtimeo
    }

    /// bind(2). EINVAL if already bound; EADDRINUSE if the name is taken.
    pub fn bind(&self, to: BindTo<'_>) -> KResult<()> {
        let ep = &self.ep;
        let mut st = ep.lock();
        if st.addr != UnixAddr::Unnamed {
            // Linux makes the inode before it checks the socket: an existing path wins.
            if let BindTo::Path { parent, name, .. } = &to {
                if parent.lookup(name).is_ok() {
                    return_errno!(EADDRINUSE);
                }
            }
            return_errno!(EINVAL);
        }
        match to {
            BindTo::Autobind => ep.autobind_locked(&mut st),
            BindTo::Abstract(name) => {
                let mut names = abstract_names();
                let key = abstract_key(ep.kind, &name);
                if names.get(&key).and_then(Weak::upgrade).is_some() {
                    return_errno!(EADDRINUSE);
                }
                names.insert(key, Arc::downgrade(ep));
                st.addr = UnixAddr::Abstract(name);
            }
            BindTo::Path { parent, name, path, mode, cred } => {
                let handle: SocketHandle = Arc::new(Binding(Arc::downgrade(ep)));
                match parent.create_child(name, NewKind::Socket(handle), mode, cred) {
                    Ok(_) => {}
                    Err(e) if e.errno == Errno::EEXIST => return_errno!(EADDRINUSE),
                    Err(e) => return Err(e),
                }
                st.addr = UnixAddr::Path(path);
            }
        }
        Ok(())
    }

    /// listen(2) with `backlog` (already clamped to [0, SOMAXCONN]); `cred` is what
    /// clients will see as their peer's credentials.
    pub fn listen(&self, backlog: u32, cred: Ucred) -> KResult<()> {
        let ep = &self.ep;
        if !ep.kind.connection_based() {
            return_errno!(EOPNOTSUPP);
        }
        let (blocked, grew) = {
            let mut st = ep.lock();
            if st.addr == UnixAddr::Unnamed {
                return_errno!(EINVAL, "listen on an unbound socket");
            }
            if st.peer.is_some() || st.connecting {
                return_errno!(EINVAL);
            }
            let max = backlog as usize;
            match &mut st.listen {
                Some(l) => {
                    let grew = max > l.max;
                    l.max = max;
                    l.cred = cred;
                    (if grew { std::mem::take(&mut st.blocked) } else { Vec::new() }, grew)
                }
                None => {
                    st.listen = Some(Listen { queue: VecDeque::new(), max, cred });
                    (Vec::new(), false)
                }
            }
        };
        if grew {
            wake_blocked(blocked);
        }
        let ws = ep.lock().wakers();
        wake(ws, 0);
        Ok(())
    }

    /// accept(2): the next connection as a new file, or EAGAIN when none waits.
    pub fn accept(&self, nonblock: bool) -> KResult<Arc<File>> {
        let ep = &self.ep;
        if !ep.kind.connection_based() {
            return_errno!(EOPNOTSUPP);
        }
        let (conn, blocked) = {
            let mut st = ep.lock();
            let Some(l) = st.listen.as_mut() else { return_errno!(EINVAL) };
            let Some(conn) = l.queue.pop_front() else { return_errno!(EAGAIN) };
            (conn, std::mem::take(&mut st.blocked))
        };
        wake_blocked(blocked);
        Ok(new_file(conn, nonblock))
    }

    /// connect(2). Stream and seqpacket: join the listener's queue (EAGAIN when it is
    /// full: the caller waits or, non-blocking, returns it). Datagram: set the default
    /// destination (`None`: AF_UNSPEC, dissolve it).
    pub fn connect(&self, target: Option<Target>, cred: Ucred) -> KResult<()> {
        let ep = &self.ep;
        if ep.kind == SockType::Dgram {
            let peer = match target {
                Some(t) => Some(ep.resolve(t)?),
                None => None,
            };
            let mut st = ep.lock();
            if st.passcred && st.addr == UnixAddr::Unnamed {
                ep.autobind_locked(&mut st);
            }
            st.peer_cred = peer.as_ref().map(|p| p.owner);
            st.peer = peer;
            return Ok(());
        }
        let Some(target) = target else { return_errno!(EINVAL) };
        {
            let mut st = ep.lock();
            if st.listen.is_some() {
                return_errno!(EINVAL);
            }
            if st.peer.is_some() {
                return_errno!(EISCONN);
            }
            if st.connecting {
                return_errno!(EALREADY);
            }
            if st.passcred && st.addr == UnixAddr::Unnamed {
                ep.autobind_locked(&mut st);
            }
            st.connecting = true;
        }
        let r = self.connect_to(target, cred);
        ep.lock().connecting = false;
        r
    }

    fn connect_to(&self, target: Target, cred: Ucred) -> KResult<()> {
        let ep = &self.ep;
        let listener = ep.resolve(target)?;
        let server = Endpoint::new(ep.kind, listener.owner);
        let (listen_cred, ws) = {
            let mut lst = listener.lock();
            if lst.released || lst.listen.is_none() {
                return_errno!(ECONNREFUSED);
            }
            if lst.listen.as_ref().is_some_and(|l| l.queue.len() > l.max) {
                lst.blocked.push(Arc::downgrade(ep));
                return_errno!(EAGAIN);
            }
            {
                let mut sst = server.lock();
                sst.addr = lst.addr.clone();
                sst.peer = Some(ep.clone());
                sst.peer_cred = Some(cred);
            }
            let Some(l) = lst.listen.as_mut() else { return_errno!(ECONNREFUSED) };
            l.queue.push_back(server.clone());
            let c = l.cred;
            (c, lst.wakers())
        };
        wake(ws, POLLIN | POLLRDNORM);
        let mut st = ep.lock();
        st.peer = Some(server);
        st.peer_cred = Some(listen_cred);
        Ok(())
    }

    /// shutdown(2).
    pub fn shutdown(&self, how: u32) -> KResult<()> {
        let mode = shutdown_bits(how)?;
        let ep = &self.ep;
        let (peer, ws) = {
            let mut st = ep.lock();
            st.shutdown |= mode;
            (st.peer.clone(), st.wakers())
        };
        wake(ws, 0);
        if let Some(p) = peer.filter(|_| ep.kind.connection_based()) {
            let mirrored = ((mode & RCV_SHUTDOWN) << 1) | ((mode & SEND_SHUTDOWN) >> 1);
            let pws = {
                let mut pst = p.lock();
                pst.shutdown |= mirrored;
                pst.wakers()
            };
            wake(pws, 0);
        }
        Ok(())
    }

    /// getsockname(2).
    pub fn local_addr(&self) -> UnixAddr {
        self.ep.lock().addr.clone()
    }

    /// getpeername(2): ENOTCONN without a peer.
    pub fn peer_addr(&self) -> KResult<UnixAddr> {
        let peer = {
            let st = self.ep.lock();
            st.peer.clone().filter(|_| st.listen.is_none())
        };
        match peer {
            Some(p) => Ok(p.lock().addr.clone()),
            None => return_errno!(ENOTCONN),
        }
    }

    /// send on the socket: `data` (all of it for messages; as much as fits for a stream,
    /// at least one byte), to `to` (datagrams) or the peer. `rights` are taken only when
    /// the data is queued. EAGAIN when there is no room yet.
    pub fn send(&self, data: &[u8], to: Option<Target>, rights: &mut Vec<Arc<File>>, cred: Ucred) -> KResult<usize> {
        match self.ep.kind {
            SockType::Stream => {
                if to.is_some() {
                    if self.ep.lock().peer.is_some() {
                        return_errno!(EISCONN);
                    }
                    return_errno!(EOPNOTSUPP);
                }
                self.send_stream(data, rights, cred)
            }
            SockType::SeqPacket => self.send_msg(data, None, true, rights, cred),
            SockType::Dgram => self.send_msg(data, to, false, rights, cred),
        }
    }

    fn send_stream(&self, data: &[u8], rights: &mut Vec<Arc<File>>, cred: Ucred) -> KResult<usize> {
        let ep = &self.ep;
        let (peer, from, n) = {
            let mut st = ep.lock();
            let Some(peer) = st.peer.clone().filter(|_| st.listen.is_none()) else { return_errno!(ENOTCONN) };
            if st.shutdown & SEND_SHUTDOWN != 0 {
                return_errno!(EPIPE);
            }
            if data.is_empty() {
                return Ok(0);
            }
            let room = st.sndbuf.saturating_sub(st.wmem);
            if room == 0 {
                return_errno!(EAGAIN);
            }
            let n = data.len().min(room);
            st.wmem += n;
            (peer, st.addr.clone(), n)
        };
        let ws = {
            let mut pst = peer.lock();
            if pst.released || pst.shutdown & RCV_SHUTDOWN != 0 {
                drop(pst);
                ep.uncharge(n);
                return_errno!(EPIPE);
            }
            pst.rx.push_back(Segment {
                data: data[..n].to_vec(),
                off: 0,
                from,
                rights: std::mem::take(rights),
                cred,
                sender: Arc::downgrade(ep),
            });
            pst.rx_bytes += n;
            pst.wakers()
        };
        wake(ws, POLLIN | POLLRDNORM);
        Ok(n)
    }

    fn send_msg(
        &self,
        data: &[u8],
        to: Option<Target>,
        seqpacket: bool,
        rights: &mut Vec<Arc<File>>,
        cred: Ucred,
    ) -> KResult<usize> {
        let ep = &self.ep;
        let explicit = match to {
            Some(t) => Some(ep.resolve(t)?),
            None => None,
        };
        let (target, from) = {
            let mut st = ep.lock();
            if seqpacket && (st.peer.is_none() || st.listen.is_some()) {
                return_errno!(ENOTCONN);
            }
            if st.shutdown & SEND_SHUTDOWN != 0 {
                return_errno!(EPIPE);
            }
            let Some(target) = explicit.or_else(|| st.peer.clone()) else { return_errno!(ENOTCONN) };
            if data.len() > st.sndbuf.saturating_sub(DGRAM_OVERHEAD) {
                return_errno!(EMSGSIZE);
            }
            if st.wmem >= st.sndbuf {
                return_errno!(EAGAIN);
            }
            if st.passcred && st.addr == UnixAddr::Unnamed {
                ep.autobind_locked(&mut st);
            }
            st.wmem += data.len();
            (target, st.addr.clone())
        };
        let fail = |e: Errno| -> KResult<usize> {
            ep.uncharge(data.len());
            Err(kernel_abi::Error::new(e))
        };
        let ws = {
            let mut tst = target.lock();
            if tst.released {
                drop(tst);
                if !seqpacket {
                    let mut st = ep.lock();
                    if st.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, &target)) {
                        st.peer = None;
                    }
                }
                return fail(if seqpacket { Errno::EPIPE } else { Errno::ECONNREFUSED });
            }
            let connected_back = tst.peer.as_ref().is_some_and(|p| Arc::ptr_eq(p, ep));
            if !seqpacket && tst.peer.is_some() && !connected_back {
                drop(tst);
                return fail(Errno::EPERM);
            }
            if tst.shutdown & RCV_SHUTDOWN != 0 {
                drop(tst);
                return fail(Errno::EPIPE);
            }
            if !connected_back && tst.rx.len() > MAX_DGRAM_QLEN {
                tst.blocked.push(Arc::downgrade(ep));
                drop(tst);
                return fail(Errno::EAGAIN);
            }
            tst.rx.push_back(Segment {
                data: data.to_vec(),
                off: 0,
                from,
                rights: std::mem::take(rights),
                cred,
                sender: Arc::downgrade(ep),
            });
            tst.rx_bytes += data.len();
            tst.wakers()
        };
        wake(ws, POLLIN | POLLRDNORM);
        Ok(data.len())
    }

    /// recv on the socket into `buf`; EAGAIN when nothing is there yet.
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> KResult<Received> {
        match self.ep.kind {
            SockType::Stream => self.recv_stream(buf, peek),
            _ => self.recv_msg(buf, peek),
        }
    }

    fn recv_stream(&self, buf: &mut [u8], peek: bool) -> KResult<Received> {
        let mut charges: Vec<(Weak<Endpoint>, usize)> = Vec::new();
        let mut r = Received::default();
        {
            let mut st = self.ep.lock();
            if st.listen.is_some() || st.peer.is_none() {
                return_errno!(EINVAL);
            }
            if st.rx.is_empty() {
                if let Some(e) = st.err.take() {
                    return Err(kernel_abi::Error::new(e));
                }
                if st.shutdown & RCV_SHUTDOWN != 0 {
                    return Ok(r);
                }
                return_errno!(EAGAIN);
            }
            let passcred = st.passcred;
            let mut i = 0;
            let mut first = true;
            while let Some(seg) = st.rx.get_mut(i) {
                if first {
                    r.from = seg.from.sender_sockaddr();
                    if passcred {
                        r.cred = Some(seg.cred);
                    }
                } else if passcred && r.cred != Some(seg.cred) {
                    // Never glue data from different writers.
                    break;
                }
                if r.len == buf.len() && !first {
                    break;
                }
                first = false;
                let avail = &seg.data[seg.off..];
                let k = avail.len().min(buf.len() - r.len);
                buf[r.len..r.len + k].copy_from_slice(&avail[..k]);
                r.len += k;
                let had_rights = !seg.rights.is_empty();
                if peek {
                    r.rights.extend(seg.rights.iter().cloned());
                    i += 1;
                } else {
                    r.rights.append(&mut seg.rights);
                    seg.off += k;
                    charges.push((seg.sender.clone(), k));
                    if seg.off == seg.data.len() {
                        st.rx.pop_front();
                    }
                    st.rx_bytes -= k;
                }
                if had_rights || r.len == buf.len() {
                    break;
                }
            }
        }
        for (s, k) in charges {
            if let Some(s) = s.upgrade() {
                s.uncharge(k);
            }
        }
        r.full_len = r.len;
        Ok(r)
    }

    fn recv_msg(&self, buf: &mut [u8], peek: bool) -> KResult<Received> {
        let (mut r, charge, blocked) = {
            let mut st = self.ep.lock();
            if self.ep.kind == SockType::SeqPacket && (st.listen.is_some() || st.peer.is_none()) {
                return_errno!(ENOTCONN);
            }
            if let Some(e) = st.err.take() {
                return Err(kernel_abi::Error::new(e));
            }
            let passcred = st.passcred;
            let Some(seg) = st.rx.front_mut() else {
                if st.shutdown & RCV_SHUTDOWN != 0 {
                    return Ok(Received::default());
                }
                return_errno!(EAGAIN);
            };
            let k = seg.data.len().min(buf.len());
            buf[..k].copy_from_slice(&seg.data[..k]);
            let mut r = Received {
                len: k,
                full_len: seg.data.len(),
                truncated: k < seg.data.len(),
                from: seg.from.sender_sockaddr(),
                rights: Vec::new(),
                cred: passcred.then_some(seg.cred),
            };
            if peek {
                r.rights = seg.rights.clone();
                (r, None, Vec::new())
            } else {
                let Some(mut seg) = st.rx.pop_front() else { return_errno!(EAGAIN) };
                st.rx_bytes -= seg.data.len();
                r.rights = std::mem::take(&mut seg.rights);
                (r, Some((seg.sender, seg.data.len())), std::mem::take(&mut st.blocked))
            }
        };
        if let Some((s, n)) = charge {
            if let Some(s) = s.upgrade() {
                s.uncharge(n);
            }
        }
        wake_blocked(blocked);
        r.full_len = r.full_len.max(r.len);
        Ok(r)
    }

    /// getsockopt(2) at SOL_SOCKET: the option's bytes (the caller truncates them to
    /// the application's length).
    pub fn getsockopt(&self, level: i32, name: i32) -> KResult<Vec<u8>> {
        if level != SOL_SOCKET {
            return_errno!(EOPNOTSUPP);
        }
        let ep = &self.ep;
        let mut st = ep.lock();
        Ok(match name {
            SO_TYPE => int_bytes(ep.kind.raw() as i32),
            SO_DOMAIN => int_bytes(i32::from(AF_UNIX)),
            SO_PROTOCOL => int_bytes(0),
            SO_ERROR => int_bytes(st.err.take().map_or(0, |e| e as i32)),
            SO_ACCEPTCONN => int_bytes(i32::from(st.listen.is_some())),
            SO_SNDBUF => int_bytes(st.sndbuf as i32),
            SO_RCVBUF => int_bytes(st.rcvbuf as i32),
            SO_PASSCRED => int_bytes(i32::from(st.passcred)),
            SO_PEERCRED => st.peer_cred.unwrap_or(Ucred::NONE).to_bytes().to_vec(),
            SO_RCVTIMEO => timeval_bytes(st.rcvtimeo),
            SO_SNDTIMEO => timeval_bytes(st.sndtimeo),
            n if INERT_BOOLS.contains(&n) => int_bytes(i32::from(st.flags.iter().any(|&(f, on)| f == n && on))),
            _ => return_errno!(ENOPROTOOPT),
        })
    }

    /// setsockopt(2) at SOL_SOCKET with the option's bytes.
    pub fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> KResult<()> {
        if level != SOL_SOCKET {
            return_errno!(EOPNOTSUPP);
        }
        let ep = &self.ep;
        if name == SO_RCVTIMEO || name == SO_SNDTIMEO {
            let t = parse_timeval(val)?;
            let mut st = ep.lock();
            if name == SO_RCVTIMEO {
                st.rcvtimeo = t;
            } else {
                st.sndtimeo = t;
            }
            return Ok(());
        }
        let known = matches!(
            name,
            SO_TYPE
                | SO_DOMAIN
                | SO_PROTOCOL
                | SO_ERROR
                | SO_ACCEPTCONN
                | SO_PEERCRED
                | SO_SNDBUF
                | SO_RCVBUF
                | SO_PASSCRED
        ) || INERT_BOOLS.contains(&name);
        if !known {
            return_errno!(ENOPROTOOPT);
        }
        let v = read_int(val)?;
        let wake_out = {
            let mut st = ep.lock();
            match name {
                SO_SNDBUF => {
                    st.sndbuf = buf_size(v, MIN_SNDBUF);
                    true
                }
                SO_RCVBUF => {
                    st.rcvbuf = buf_size(v, MIN_RCVBUF);
                    false
                }
                SO_PASSCRED => {
                    st.passcred = v != 0;
                    false
                }
                n if INERT_BOOLS.contains(&n) => {
                    st.flags.retain(|&(f, _)| f != n);
                    st.flags.push((n, v != 0));
                    false
                }
                _ => return_errno!(ENOPROTOOPT),
            }
        };
        if wake_out {
            let ws = ep.lock().wakers();
            wake(ws, POLLOUT | POLLWRNORM);
        }
        Ok(())
    }

    fn readiness(&self) -> u32 {
        let ep = &self.ep;
        let (mut m, dgram_peer) = {
            let st = ep.lock();
            let mut m = 0;
            if st.err.is_some() {
                m |= POLLERR;
            }
            if st.shutdown == SHUTDOWN_MASK {
                m |= POLLHUP;
            }
            if st.shutdown & RCV_SHUTDOWN != 0 {
                m |= POLLRDHUP | POLLIN | POLLRDNORM;
            }
            if !st.rx.is_empty() || st.listen.as_ref().is_some_and(|l| !l.queue.is_empty()) {
                m |= POLLIN | POLLRDNORM;
            }
            if ep.kind.connection_based() && st.listen.is_none() && st.peer.is_none() {
                m |= POLLHUP;
            }
            let writable = st.listen.is_none() && st.wmem * 4 <= st.sndbuf;
            if writable {
                m |= POLLOUT | POLLWRNORM | POLLWRBAND;
            }
            (m, if writable && ep.kind == SockType::Dgram { st.peer.clone() } else { None })
        };
        if let Some(p) = dgram_peer {
            let mut pst = p.lock();
            let back = pst.peer.as_ref().is_some_and(|q| Arc::ptr_eq(q, ep));
            if !back && pst.rx.len() > MAX_DGRAM_QLEN {
                pst.blocked.push(Arc::downgrade(ep));
                m &= !(POLLOUT | POLLWRNORM | POLLWRBAND);
            }
        }
        m
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        self.ep.release(false);
    }
}

impl FileOps for UnixSocket {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        Ok(self.recv(buf, false)?.len)
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        self.send(buf, None, &mut Vec::new(), self.ep.owner)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(Stat {
            st_mode: S_IFSOCK | 0o777,
            st_nlink: 1,
            st_ino: self.ep.ino,
            st_blksize: 4096,
            st_uid: self.ep.owner.uid,
            st_gid: self.ep.owner.gid,
            ..Default::default()
        })
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        let n = {
            let st = self.ep.lock();
            match cmd {
                SIOCINQ => {
                    if st.listen.is_some() {
                        return_errno!(EINVAL);
                    }
                    if self.ep.kind != SockType::Dgram {
                        st.rx_bytes
                    } else {
                        st.rx.front().map_or(0, |s| s.data.len())
                    }
                }
                SIOCOUTQ => {
                    if st.listen.is_some() {
                        return_errno!(EINVAL);
                    }
                    st.wmem
                }
                _ => return_errno!(ENOTTY),
            }
        };
        mm.write_val(arg, &(n.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }

    fn poll(&self) -> u32 {
        self.readiness()
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        Some(self.ep.lock().waiters.add(w))
    }

    fn remove_waiter(&self, id: u64) {
        self.ep.lock().waiters.remove(id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
