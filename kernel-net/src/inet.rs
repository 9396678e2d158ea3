//! Inet sockets (AF_INET and AF_INET6, TCP and UDP) as file descriptions.
//!
//! [`InetSocket`] is the file type; what carries its traffic is its [`Transport`]. Today
//! the only transport is [`loopback`](crate::loopback), which serves `--network=none`:
//! every address but loopback is unreachable. See the crate docs for how a packet
//! stack and host passthrough join it.

use std::sync::Arc;
use std::time::Duration;

use kernel_abi::flags::mode::S_IFSOCK;
use kernel_abi::flags::open::{O_NONBLOCK, O_RDWR};
use kernel_abi::{return_errno, KResult, Stat};
use kernel_fs::pipe::Waker;
use kernel_fs::{File, FileOps};
use kernel_mm::MemoryManager;

use crate::abi::*;
use crate::common::*;
use crate::inet_addr::{parse_sockaddr, to_sockaddr, InetAddr, Purpose};
use crate::inet_opts::{level_applies, wrong_level};
use crate::loopback::{Ep, TcpState};
pub use crate::ports::Proto;

/// What carries a socket's traffic. Chosen when the socket is made; a packet stack for
/// the sandbox's own interface (`--network=sandbox`) and host sockets
/// (`--network=host`) are the variants to come.
pub enum Transport {
    /// Loopback inside the Sentry.
    Loopback(Arc<Ep>),
}

/// An inet socket file description.
pub struct InetSocket {
    t: Transport,
}

/// `sizeof(struct tcp_info)` as the uapi headers of Linux 6.x define it.
const TCP_INFO_LEN: usize = 232;

/// What socket(2) makes for AF_INET/AF_INET6 with `ty` (without flags) and `protocol`:
/// ESOCKTNOSUPPORT for a type inet lacks, EPROTONOSUPPORT for a protocol that does not
/// go with the type (raw sockets are not offered).
pub fn proto_for(ty: u32, protocol: u64) -> KResult<Proto> {
    match (ty, protocol) {
        (SOCK_STREAM, 0 | 6) => Ok(Proto::Tcp),
        (SOCK_DGRAM, 0 | 17) => Ok(Proto::Udp),
        (SOCK_STREAM | SOCK_DGRAM | SOCK_RAW, _) => return_errno!(EPROTONOSUPPORT),
        _ => return_errno!(ESOCKTNOSUPPORT),
    }
}

fn new_file(ep: Arc<Ep>, nonblock: bool) -> Arc<File> {
    let name = format!("socket:[{}]", ep.ino);
    let flags = O_RDWR | if nonblock { O_NONBLOCK } else { 0 };
    File::new(Box::new(InetSocket { t: Transport::Loopback(ep) }), flags, None, name)
}

/// socket(family, type): a new inet socket owned by `uid`.
pub fn new_socket(family: u16, proto: Proto, nonblock: bool, uid: u32) -> Arc<File> {
    new_file(Ep::new(family, proto, uid), nonblock)
}

/// The inet socket a file describes, if it is one.
pub fn as_socket(f: &File) -> Option<&InetSocket> {
    f.as_any().and_then(|a| a.downcast_ref::<InetSocket>())
}

impl InetSocket {
    fn ep(&self) -> &Arc<Ep> {
        match &self.t {
            Transport::Loopback(ep) => ep,
        }
    }

    /// AF_INET or AF_INET6.
    pub fn family(&self) -> u16 {
        self.ep().family
    }

    /// Whether it is a TCP (stream) socket.
    pub fn is_stream(&self) -> bool {
        self.ep().proto == Proto::Tcp
    }

    /// SO_RCVTIMEO (`None`: wait forever).
    pub fn recv_timeout(&self) -> Option<Duration> {
        self.ep().lock().opts.rcvtimeo
    }

    /// SO_SNDTIMEO (`None`: wait forever).
    pub fn send_timeout(&self) -> Option<Duration> {
        self.ep().lock().opts.sndtimeo
    }

    fn parse(&self, raw: &[u8], purpose: Purpose) -> KResult<Option<InetAddr>> {
        parse_sockaddr(self.family(), raw, purpose)
    }

    /// bind(2) with the application's address bytes; `may_bind_low`: the caller holds
    /// CAP_NET_BIND_SERVICE (ports below 1024).
    pub fn bind(&self, raw: &[u8], may_bind_low: bool) -> KResult<()> {
        let Some(a) = self.parse(raw, Purpose::Bind)? else { return_errno!(EAFNOSUPPORT) };
        self.ep().bind(a, may_bind_low)
    }

    /// listen(2) with `backlog` already clamped to [0, SOMAXCONN].
    pub fn listen(&self, backlog: u32) -> KResult<()> {
        self.ep().listen(backlog)
    }

    /// accept(2): the next connection as a new file and its peer's address, or EAGAIN.
    pub fn accept(&self, nonblock: bool) -> KResult<(Arc<File>, Vec<u8>)> {
        let conn = self.ep().accept()?;
        let peer = conn.peer_addr().map(|a| to_sockaddr(conn.family, &a)).unwrap_or_default();
        Ok((new_file(conn, nonblock), peer))
    }

    /// connect(2). TCP: EINPROGRESS for a non-blocking socket; for a blocking one EAGAIN
    /// means "wait with [`InetSocket::finish_connect`]".
    pub fn connect(&self, raw: &[u8], nonblock: bool) -> KResult<()> {
        match self.ep().proto {
            Proto::Tcp => self.ep().connect_tcp(self.parse(raw, Purpose::Connect)?, nonblock),
            Proto::Udp => self.ep().connect_udp(self.parse(raw, Purpose::DgramConnect)?),
        }
    }

    /// The outcome of a blocking connect: EAGAIN while it is under way.
    pub fn finish_connect(&self) -> KResult<()> {
        self.ep().finish_connect()
    }

    /// shutdown(2).
    pub fn shutdown(&self, how: u32) -> KResult<()> {
        match self.ep().proto {
            Proto::Tcp => self.ep().shutdown(how),
            Proto::Udp => self.ep().shutdown_udp(how),
        }
    }

    /// getsockname(2): the address bytes.
    pub fn local_addr(&self) -> Vec<u8> {
        to_sockaddr(self.family(), &self.ep().local_addr())
    }

    /// getpeername(2): the address bytes, or ENOTCONN.
    pub fn peer_addr(&self) -> KResult<Vec<u8>> {
        Ok(to_sockaddr(self.family(), &self.ep().peer_addr()?))
    }

    /// Send `data`, to the address bytes `to` if given (TCP ignores them, as Linux).
    /// EAGAIN when there is no room yet.
    pub fn send(&self, data: &[u8], to: Option<&[u8]>) -> KResult<usize> {
        match self.ep().proto {
            Proto::Tcp => self.ep().send_tcp(data),
            Proto::Udp => {
                let to = match to {
                    Some(raw) => self.parse(raw, Purpose::SendTo)?,
                    None => None,
                };
                self.ep().send_udp(data, to)
            }
        }
    }

    /// Receive into `buf` (EAGAIN when nothing is there yet).
    pub fn recv(&self, buf: &mut [u8], peek: bool, nonblock: bool) -> KResult<Received> {
        match self.ep().proto {
            Proto::Tcp => self.ep().recv_tcp(buf, peek),
            Proto::Udp => self.ep().recv_udp(buf, peek, nonblock),
        }
    }

    /// getsockopt(2): the option's bytes (the caller truncates them to the
    /// application's length).
    pub fn getsockopt(&self, level: i32, name: i32) -> KResult<Vec<u8>> {
        let ep = self.ep();
        let (family, proto) = (ep.family, ep.proto);
        if !level_applies(family, proto, level) {
            return Err(kernel_abi::Error::new(wrong_level(family, true)));
        }
        if level == SOL_SOCKET {
            if name == SO_ERROR {
                return Ok(int_bytes(ep.take_error().map_or(0, |e| e as i32)));
            }
            let st = ep.lock();
            return Ok(match name {
                SO_TYPE => int_bytes(if proto == Proto::Tcp { SOCK_STREAM } else { SOCK_DGRAM } as i32),
                SO_DOMAIN => int_bytes(i32::from(family)),
                SO_PROTOCOL => int_bytes(if proto == Proto::Tcp { IPPROTO_TCP } else { IPPROTO_UDP }),
                SO_ACCEPTCONN => int_bytes(i32::from(st.state == TcpState::Listen)),
                SO_SNDBUF => int_bytes(st.opts.sndbuf as i32),
                SO_RCVBUF => int_bytes(st.opts.rcvbuf as i32),
                SO_RCVTIMEO => timeval_bytes(st.opts.rcvtimeo),
                SO_SNDTIMEO => timeval_bytes(st.opts.sndtimeo),
                SO_LINGER => {
                    let mut v = int_bytes(i32::from(st.opts.linger.0));
                    v.extend_from_slice(&st.opts.linger.1.to_ne_bytes());
                    v
                }
                SO_PEERCRED => crate::unix::Ucred::NONE.to_bytes().to_vec(),
                SO_PASSCRED => return_errno!(EOPNOTSUPP),
                _ => int_bytes(st.opts.get_int(family, proto, level, name)?),
            });
        }
        if level == IPPROTO_TCP && name == TCP_INFO {
            return Ok(self.tcp_info());
        }
        if level == IPPROTO_TCP && name == TCP_MAXSEG {
            // The MSS of a connection over lo (MTU 65536), or the default before one.
            let connected = ep.lock().state == TcpState::Established;
            return Ok(int_bytes(if connected { 32768 } else { 536 }));
        }
        Ok(int_bytes(ep.lock().opts.get_int(family, proto, level, name)?))
    }

    /// setsockopt(2) with the option's bytes.
    pub fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> KResult<()> {
        let ep = self.ep();
        let (family, proto) = (ep.family, ep.proto);
        if !level_applies(family, proto, level) {
            return Err(kernel_abi::Error::new(wrong_level(family, false)));
        }
        let mut st = ep.lock();
        match (level, name) {
            (SOL_SOCKET, SO_RCVTIMEO | SO_SNDTIMEO) => {
                let t = parse_timeval(val)?;
                if name == SO_RCVTIMEO {
                    st.opts.rcvtimeo = t;
                } else {
                    st.opts.sndtimeo = t;
                }
            }
            (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF) => {
                let v = read_int(val)?;
                st.opts.set_buf(name, v);
                drop(st);
                ep.buffers_changed();
            }
            (SOL_SOCKET, SO_LINGER) => {
                if val.len() < 8 {
                    return_errno!(EINVAL);
                }
                let on = read_int(val)?;
                let secs = read_int(&val[4..])?;
                st.opts.linger = (on != 0, secs);
            }
            (SOL_SOCKET, SO_PASSCRED) => return_errno!(EOPNOTSUPP),
            (IPPROTO_IPV6, IPV6_V6ONLY) if ep.is_bound(&st) => return_errno!(EINVAL),
            _ => {
                st.opts.set_int(family, proto, level, name, val)?;
                if level == SOL_SOCKET && (name == SO_REUSEADDR || name == SO_REUSEPORT) {
                    ep.reuse_changed(&st);
                }
            }
        }
        Ok(())
    }

    /// A `struct tcp_info` for this socket: its state and the fixed figures of a
    /// loopback connection (nothing is ever lost, retransmitted or in flight).
    fn tcp_info(&self) -> Vec<u8> {
        let st = self.ep().lock();
        let mut b = vec![0u8; TCP_INFO_LEN];
        // Linux's TCP_* state numbers.
        b[0] = match st.state {
            TcpState::Established if st.fin_rcvd => 8, // CLOSE_WAIT
            TcpState::Established => 1,
            TcpState::SynSent => 2,
            TcpState::Close => 7,
            TcpState::Listen => 10,
        };
        if st.state == TcpState::Established {
            // Timestamps, SACK and window scaling (7 each way), as Linux negotiates on lo.
            b[5] = 0x7;
            b[6] = 0x77;
        }
        let mut put32 = |off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
        if st.state == TcpState::Established {
            put32(8, 200_000); // rto (us)
            put32(12, 40_000); // ato (us)
            put32(16, 32768); // snd_mss
            put32(20, 536); // rcv_mss
            put32(60, 65535); // pmtu
            put32(76, 0x7fff_ffff); // snd_ssthresh: infinite
            put32(80, 10); // snd_cwnd
            put32(84, 65483); // advmss
            put32(88, 3); // reordering
            put32(136, st.segs_out);
            put32(140, st.segs_in);
        }
        let (sent, received) = (st.sent, st.received);
        drop(st);
        b[120..128].copy_from_slice(&sent.to_ne_bytes()); // bytes_acked
        b[128..136].copy_from_slice(&received.to_ne_bytes()); // bytes_received
        b[200..208].copy_from_slice(&sent.to_ne_bytes()); // bytes_sent
        b
    }
}

impl Drop for InetSocket {
    fn drop(&mut self) {
        self.ep().release();
    }
}

impl FileOps for InetSocket {
    fn read(&self, buf: &mut [u8]) -> KResult<usize> {
        Ok(self.recv(buf, false, false)?.len)
    }

    fn write(&self, buf: &[u8], _append: bool) -> KResult<usize> {
        self.send(buf, None)
    }

    fn stat(&self) -> KResult<Stat> {
        Ok(Stat {
            st_mode: S_IFSOCK | 0o777,
            st_nlink: 1,
            st_ino: self.ep().ino,
            st_blksize: 4096,
            ..Default::default()
        })
    }

    fn ioctl(&self, cmd: u64, arg: u64, mm: &MemoryManager) -> KResult<u64> {
        let n = match cmd {
            SIOCINQ => self.ep().queued(false)?,
            SIOCOUTQ => self.ep().queued(true)?,
            _ => return_errno!(ENOTTY),
        };
        mm.write_val(arg, &(n.min(i32::MAX as usize) as i32))?;
        Ok(0)
    }

    fn poll(&self) -> u32 {
        self.ep().readiness()
    }

    fn add_waiter(&self, w: Arc<dyn Waker>) -> Option<u64> {
        Some(self.ep().add_waiter(w))
    }

    fn remove_waiter(&self, id: u64) {
        self.ep().remove_waiter(id);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}
